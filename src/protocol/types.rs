//! Identifiers, versions and simulated time shared by every protocol module.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A node of the world: a server or a client (roles can change, ids cannot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

/// A token of the world, numbered densely from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub u32);

/// A token's version: 1 at the start, +1 on every transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(pub u64);

/// The number of a configuration (the set of servers); it only grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Epoch(pub u64);

/// Simulated time in microseconds. The core never reads a clock: all time is input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Instant(pub u64);

impl Instant {
    /// The start of every run.
    pub const ZERO: Instant = Instant(0);

    /// This instant moved `duration_us` microseconds later (saturating).
    pub fn after_us(self, duration_us: u64) -> Instant {
        Instant(self.0.saturating_add(duration_us))
    }

    /// Microseconds from `earlier` to `self`, zero if `earlier` is later.
    pub fn since_us(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// A request's identity: the client that issued it and that client's sequence number.
///
/// Retransmissions carry the same id, so servers and checkers recognise a retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestId {
    /// The client that issued the request.
    pub client: NodeId,
    /// The client's own sequence number, from 1.
    pub sequence: u64,
}

/// The replicated value of one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenValue {
    /// Starts at 1 and goes up by exactly 1 on every transfer.
    pub version: Version,
    /// The node that owns the token at this version.
    pub owner: NodeId,
    /// The `pay` that wrote this version; `None` for the initial value.
    pub writer: Option<RequestId>,
}

// By hand, as three words instead of five: whole token tables are hashed on every event
// that carries one, for the run's event fingerprint.
impl std::hash::Hash for TokenValue {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (client, sequence) = self.writer.map_or((u32::MAX, u64::MAX), |id| (id.client.0, id.sequence));
        state.write_u64(self.version.0);
        state.write_u64(u64::from(self.owner.0) << 32 | u64::from(client));
        state.write_u64(sequence);
    }
}

impl TokenValue {
    /// The value every replica starts from: version 1, owned by `owner`.
    pub fn initial(owner: NodeId) -> TokenValue {
        TokenValue { version: Version(1), owner, writer: None }
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.client, self.sequence)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (seconds, micros) = (self.0 / 1_000_000, self.0 % 1_000_000);
        write!(f, "{seconds}.{micros:06}s")
    }
}

/// Text that is not the id it should be, and the form expected: what the command line
/// reports for `--node x`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not {expected}")]
pub struct ParseIdError {
    text: String,
    expected: &'static str,
}

/// `3` or `n3` (with `prefix` 'n'): the number, if that is what `text` is.
fn id_number<T: std::str::FromStr>(text: &str, prefix: char) -> Option<T> {
    number(text.strip_prefix(prefix).unwrap_or(text))
}

/// Decimal digits only (no sign, no spaces), as a number that fits `T`.
fn number<T: std::str::FromStr>(digits: &str) -> Option<T> {
    match !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) {
        true => digits.parse().ok(),
        false => None,
    }
}

/// `n3` or `3`, as [`NodeId`]'s `Display` writes it or people type it.
impl std::str::FromStr for NodeId {
    type Err = ParseIdError;

    fn from_str(text: &str) -> Result<NodeId, ParseIdError> {
        let expected = "a node id, such as n3 or 3";
        id_number(text, 'n').map(NodeId).ok_or(ParseIdError { text: text.to_string(), expected })
    }
}

/// `t5` or `5`.
impl std::str::FromStr for TokenId {
    type Err = ParseIdError;

    fn from_str(text: &str) -> Result<TokenId, ParseIdError> {
        let expected = "a token id, such as t5 or 5";
        id_number(text, 't').map(TokenId).ok_or(ParseIdError { text: text.to_string(), expected })
    }
}

/// `n3#1` or `3#1`: the client, then the client's sequence number (from 1).
impl std::str::FromStr for RequestId {
    type Err = ParseIdError;

    fn from_str(text: &str) -> Result<RequestId, ParseIdError> {
        let error =
            || ParseIdError { text: text.to_string(), expected: "a request id, such as n3#1 (client n3's first)" };
        let (client, sequence) = text.split_once('#').ok_or_else(error)?;
        let client = id_number(client, 'n').map(NodeId).ok_or_else(error)?;
        let sequence = number::<u64>(sequence).filter(|&sequence| sequence >= 1).ok_or_else(error)?;
        Ok(RequestId { client, sequence })
    }
}

/// A reconfiguration proposal's rank: higher rounds win; the proposer's id breaks ties, so
/// two coordinators never use the same ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ballot {
    /// The round; a coordinator that is outbid retries with a higher one.
    pub round: u64,
    /// The coordinating client.
    pub node: NodeId,
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}.{}", self.round, self.node.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_as_they_are_written_with_or_without_their_prefix() {
        assert_eq!("n3".parse(), Ok(NodeId(3)));
        assert_eq!("3".parse(), Ok(NodeId(3)));
        assert_eq!("t5".parse(), Ok(TokenId(5)));
        let id = RequestId { client: NodeId(3), sequence: 12 };
        assert_eq!(id.to_string().parse(), Ok(id));
        assert_eq!("3#12".parse(), Ok(id));
        for bad in ["", "n", "x3", "n-1", "t3", "99999999999"] {
            assert!(bad.parse::<NodeId>().is_err(), "{bad}");
        }
        for bad in ["n3", "n3#", "#1", "n3#0", "n3#x", "n3#1#2"] {
            assert!(bad.parse::<RequestId>().is_err(), "{bad}");
        }
        assert_eq!(
            "n3#0".parse::<RequestId>().unwrap_err().to_string(),
            "`n3#0` is not a request id, such as n3#1 (client n3's first)"
        );
    }
}
