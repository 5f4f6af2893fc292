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
