//! Messages as a trace records them: a message's identity, and its content with whole token
//! tables replaced by a digest.
//!
//! Why: a read of every token is answered with the server's whole table, and installs and
//! seal acknowledgements carry one too. Written out on every send, delivery and loss, those
//! tables were nine tenths of a trace's bytes, and no reader looks at them value by value:
//! the readable form and the page show a count. A digest still tells two tables apart, so a
//! replay still finds the first record that differs; the run's event hash, in the trace's
//! footer, covers every value. Everything else a message carries is kept as it is.
//!
//! A message is written whole once, where it is sent; its delivery or loss names it by its
//! [`MessageId`], which also pairs every delivery with its send exactly.

use super::Fingerprint;
use crate::protocol::{Ballot, Config, Epoch, Message, NodeId, PhaseTag, Table, TokenId, TokenSelection, TokenValue};
use std::fmt;

/// Value lists longer than this are recorded as a [`Digest`] in read replies (a `pay` reads
/// one token; a `gettokens` reads them all). The readable form lists up to this many too.
pub const VALUES_LISTED_MAX: usize = 4;

/// Which message a delivery or a loss is about: its link and its number on that link (the
/// sender's first message to that receiver is number 1). Unique within a run; the network's
/// duplicate copy of a message has the same id as the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// The message's number on the link from `from` to `to`, from 1.
    pub number: u32,
}

/// A list of values too long to record one by one: how many, and a hash of them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Digest {
    /// How many values the list holds.
    pub count: u32,
    /// A [`Fingerprint`] of the whole list.
    pub hash: u64,
}

impl Digest {
    /// The digest of `values`.
    pub fn of<T: std::hash::Hash>(values: &[T]) -> Digest {
        let mut hash = Fingerprint::default();
        hash.add(values);
        Digest { count: u32::try_from(values.len()).unwrap_or(u32::MAX), hash: hash.value() }
    }

    /// The digest of a token table: the same as of the list of its values.
    pub fn of_table(table: &Table) -> Digest {
        let mut hash = Fingerprint::default();
        hash.add(table);
        Digest { count: u32::try_from(table.len()).unwrap_or(u32::MAX), hash: hash.value() }
    }
}

/// `60 values, digest 1a2b3c4d`: the first 8 hex digits are plenty to tell tables apart by eye.
impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.count == 1 { "value" } else { "values" };
        write!(f, "{} {noun}, digest {:08x}", self.count, self.hash >> 32)
    }
}

/// The values a read reply or a write carries: listed, or digested when there are many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TracedValues {
    /// Every value, ascending by token id.
    Listed(Vec<(TokenId, TokenValue)>),
    /// Too many to list.
    Digested(Digest),
}

impl TracedValues {
    /// `values` listed if there are at most `listed_max`, else digested.
    fn of(values: &[(TokenId, TokenValue)], listed_max: usize) -> TracedValues {
        match values.len() <= listed_max {
            true => TracedValues::Listed(values.to_vec()),
            false => TracedValues::Digested(Digest::of(values)),
        }
    }

    /// The tokens listed (none when digested).
    pub fn listed(&self) -> &[(TokenId, TokenValue)] {
        match self {
            TracedValues::Listed(values) => values,
            TracedValues::Digested(_) => &[],
        }
    }
}

/// A [`Message`] as a trace records it: the same fields, but a [`Digest`] in place of a whole
/// token table (read replies of many values, seal acknowledgements, installs). Writes are
/// always listed: they are what changes tokens, and the page's token filter reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TracedMessage {
    /// [`Message::Read`].
    Read {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase (and request) it belongs to.
        tag: PhaseTag,
        /// Which tokens it asks for.
        tokens: TokenSelection,
    },
    /// [`Message::ReadReply`], its values digested past [`VALUES_LISTED_MAX`].
    ReadReply {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase (and request) it belongs to.
        tag: PhaseTag,
        /// The values.
        values: TracedValues,
    },
    /// [`Message::Write`], its values always listed.
    Write {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase (and request) it belongs to.
        tag: PhaseTag,
        /// The values.
        values: TracedValues,
    },
    /// [`Message::WriteAck`].
    WriteAck {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase (and request) it belongs to.
        tag: PhaseTag,
    },
    /// [`Message::Nack`].
    Nack {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase (and request) it belongs to.
        tag: PhaseTag,
    },
    /// [`Message::NewConfig`].
    NewConfig {
        /// The configuration the sender is in.
        config: Config,
    },
    /// [`Message::SealedBehind`].
    SealedBehind {
        /// The older configuration the sender is sealed in.
        config: Config,
    },
    /// [`Message::Seal`].
    Seal {
        /// The configuration being changed.
        epoch: Epoch,
        /// The coordinator's ballot.
        ballot: Ballot,
    },
    /// [`Message::SealAck`], its table digested.
    SealAck {
        /// The configuration being changed.
        epoch: Epoch,
        /// The ballot promised.
        ballot: Ballot,
        /// The highest-ballot next configuration the server accepted, if any.
        accepted: Option<(Ballot, Config)>,
        /// The server's whole token table, digested.
        table: Digest,
    },
    /// [`Message::Accept`].
    Accept {
        /// The configuration being changed.
        epoch: Epoch,
        /// The coordinator's ballot.
        ballot: Ballot,
        /// The proposed next configuration.
        next: Config,
    },
    /// [`Message::AcceptAck`].
    AcceptAck {
        /// The configuration being changed.
        epoch: Epoch,
        /// The ballot accepted.
        ballot: Ballot,
    },
    /// [`Message::Rejected`].
    Rejected {
        /// The configuration being changed.
        epoch: Epoch,
        /// The ballot the server promised.
        promised: Ballot,
    },
    /// [`Message::Install`], its table digested.
    Install {
        /// The decided configuration.
        config: Config,
        /// The table every new server starts from, digested.
        table: Digest,
    },
    /// [`Message::InstallAck`].
    InstallAck {
        /// The configuration installed.
        epoch: Epoch,
    },
    /// [`Message::Repair`].
    Repair {
        /// The configuration to install.
        epoch: Epoch,
        /// The servers that did not answer.
        nodes: Vec<NodeId>,
    },
}

impl TracedMessage {
    /// What the trace records of `message`.
    pub fn of(message: &Message) -> TracedMessage {
        match message {
            Message::Read { epoch, tag, tokens } => {
                TracedMessage::Read { epoch: *epoch, tag: *tag, tokens: tokens.clone() }
            }
            Message::ReadReply { epoch, tag, values } => TracedMessage::ReadReply {
                epoch: *epoch,
                tag: *tag,
                values: TracedValues::of(values, VALUES_LISTED_MAX),
            },
            Message::Write { epoch, tag, values } => {
                TracedMessage::Write { epoch: *epoch, tag: *tag, values: TracedValues::of(values, usize::MAX) }
            }
            Message::WriteAck { epoch, tag } => TracedMessage::WriteAck { epoch: *epoch, tag: *tag },
            Message::Nack { epoch, tag } => TracedMessage::Nack { epoch: *epoch, tag: *tag },
            Message::NewConfig { config } => TracedMessage::NewConfig { config: (**config).clone() },
            Message::SealedBehind { config } => TracedMessage::SealedBehind { config: (**config).clone() },
            Message::Seal { epoch, ballot } => TracedMessage::Seal { epoch: *epoch, ballot: *ballot },
            Message::SealAck { epoch, ballot, accepted, table } => TracedMessage::SealAck {
                epoch: *epoch,
                ballot: *ballot,
                accepted: accepted.as_deref().cloned(),
                table: Digest::of_table(table),
            },
            Message::Accept { epoch, ballot, next } => {
                TracedMessage::Accept { epoch: *epoch, ballot: *ballot, next: (**next).clone() }
            }
            Message::AcceptAck { epoch, ballot } => TracedMessage::AcceptAck { epoch: *epoch, ballot: *ballot },
            Message::Rejected { epoch, promised } => TracedMessage::Rejected { epoch: *epoch, promised: *promised },
            Message::Install { config, table } => {
                TracedMessage::Install { config: (**config).clone(), table: Digest::of_table(table) }
            }
            Message::InstallAck { epoch } => TracedMessage::InstallAck { epoch: *epoch },
            Message::Repair { epoch, nodes } => TracedMessage::Repair { epoch: *epoch, nodes: nodes.clone() },
        }
    }

    /// The message kind's name, as [`Message::kind_name`] gives it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            TracedMessage::Read { .. } => "read",
            TracedMessage::ReadReply { .. } => "read_reply",
            TracedMessage::Write { .. } => "write",
            TracedMessage::WriteAck { .. } => "write_ack",
            TracedMessage::Nack { .. } => "nack",
            TracedMessage::NewConfig { .. } => "new_config",
            TracedMessage::SealedBehind { .. } => "sealed_behind",
            TracedMessage::Seal { .. } => "seal",
            TracedMessage::SealAck { .. } => "seal_ack",
            TracedMessage::Accept { .. } => "accept",
            TracedMessage::AcceptAck { .. } => "accept_ack",
            TracedMessage::Rejected { .. } => "rejected",
            TracedMessage::Install { .. } => "install",
            TracedMessage::InstallAck { .. } => "install_ack",
            TracedMessage::Repair { .. } => "repair",
        }
    }

    /// The phase tag of a data message, which names its request; `None` for reconfiguration.
    pub fn tag(&self) -> Option<PhaseTag> {
        match self {
            TracedMessage::Read { tag, .. }
            | TracedMessage::ReadReply { tag, .. }
            | TracedMessage::Write { tag, .. }
            | TracedMessage::WriteAck { tag, .. }
            | TracedMessage::Nack { tag, .. } => Some(*tag),
            _ => None,
        }
    }

    /// Whether the message names `token`: a read of it, or a value of it listed.
    pub fn names_token(&self, token: TokenId) -> bool {
        match self {
            TracedMessage::Read { tokens: TokenSelection::One(read), .. } => *read == token,
            TracedMessage::Read { tokens: TokenSelection::Tokens(read), .. } => read.contains(&token),
            TracedMessage::ReadReply { values, .. } | TracedMessage::Write { values, .. } => {
                values.listed().iter().any(|(listed, _)| *listed == token)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{RequestId, Version};

    fn values(count: u32) -> Vec<(TokenId, TokenValue)> {
        (0..count).map(|t| (TokenId(t), TokenValue::initial(NodeId(1 + t % 3)))).collect()
    }

    #[test]
    fn long_replies_and_tables_are_digested_and_writes_listed() {
        let tag = PhaseTag { request: RequestId { client: NodeId(1), sequence: 1 }, phase: 0 };
        let short = Message::ReadReply { epoch: Epoch(0), tag, values: values(4).into() };
        assert_eq!(
            TracedMessage::of(&short),
            TracedMessage::ReadReply { epoch: Epoch(0), tag, values: TracedValues::Listed(values(4)) }
        );
        let long = Message::ReadReply { epoch: Epoch(0), tag, values: values(60).into() };
        let TracedMessage::ReadReply { values: TracedValues::Digested(digest), .. } = TracedMessage::of(&long) else {
            panic!("a reply of 60 values is digested");
        };
        assert_eq!(digest.count, 60);
        let write = Message::Write { epoch: Epoch(0), tag, values: values(60).into() };
        assert!(
            matches!(TracedMessage::of(&write), TracedMessage::Write { values: TracedValues::Listed(v), .. } if v.len() == 60)
        );
        let install =
            Message::Install { config: Box::new(Config::new(Epoch(1), vec![NodeId(4)])), table: Table::new() };
        assert!(matches!(TracedMessage::of(&install), TracedMessage::Install { table: Digest { count: 0, .. }, .. }));
    }

    #[test]
    fn a_digest_tells_tables_apart() {
        let mut other = values(60);
        other[59].1.version = Version(2);
        assert_ne!(Digest::of(&values(60)), Digest::of(&other));
        assert_eq!(Digest::of(&values(60)), Digest::of(&values(60)));
        assert!(Digest::of(&values(60)).to_string().starts_with("60 values, digest "));
    }
}
