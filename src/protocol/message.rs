//! Messages between clients and servers, and the outputs a node hands back to its host.

use super::config::Config;
use super::probe::Probe;
use super::request::{Outcome, Request};
use super::table::Table;
use super::types::{Ballot, Epoch, Instant, NodeId, RequestId, TokenId, TokenValue};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Names one phase of one request, so replies to an earlier phase are recognised and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhaseTag {
    /// The request the phase belongs to.
    pub request: RequestId,
    /// The client's phase counter: distinct for every phase the client ever runs.
    pub phase: u32,
}

/// Which tokens a read asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenSelection {
    /// Every token (the whole table; no client of the correct protocol asks for it now).
    All,
    /// One token (the read phase of a `pay`).
    One(TokenId),
    /// The tokens a node is related to on the replica that answers: those it owns there, and
    /// those whose value there it paid away (the writer of the value is its pay). The first
    /// round of a `gettokens` (see `docs/PROTOCOL.md`).
    Owner(NodeId),
    /// These tokens, ascending: the confirming second round of a `gettokens`, for tokens
    /// the first round could not decide.
    Tokens(Arc<[TokenId]>),
    /// No token: only confirm that the configuration is current (before refusing a role
    /// change for what the configuration says).
    Nothing,
}

/// A protocol message. Every message carries the sender's configuration epoch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// Client to server: send me your values of these tokens.
    Read {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase this read belongs to.
        tag: PhaseTag,
        /// Which tokens.
        tokens: TokenSelection,
    },
    /// Server to client: my values of the tokens asked for.
    ReadReply {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase answered.
        tag: PhaseTag,
        /// The values, ascending by token id. Shared, so that a replica can answer the same
        /// read again without copying them.
        values: Arc<[(TokenId, TokenValue)]>,
    },
    /// Client to server: store these values where they are newer than yours.
    Write {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase this write belongs to.
        tag: PhaseTag,
        /// The values to store (a pay's new value, or a read's write-back). Shared, so
        /// sending one write to every server copies no values.
        values: Arc<[(TokenId, TokenValue)]>,
    },
    /// Server to client: every value of that write is now at or below my version.
    WriteAck {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase answered.
        tag: PhaseTag,
    },
    /// Server to client: I did not serve that phase (sealed for a reconfiguration, or a
    /// refused compare-and-set in the `bare-version-cas` variant). The correct protocol
    /// never counts it as an answer.
    Nack {
        /// The sender's configuration epoch.
        epoch: Epoch,
        /// The phase refused.
        tag: PhaseTag,
    },
    /// Server to a node with an older epoch: this is the current configuration.
    NewConfig {
        /// The configuration the server is in (boxed, like every rare large payload, so
        /// that the common messages stay small on the simulator's hot path).
        config: Box<Config>,
    },
    /// Server to a node with a newer epoch: I am sealed in this older configuration, whose
    /// next one I accepted or may yet accept, and serve nothing until it is installed here.
    /// Without it a client would never learn why a majority of its configuration is silent
    /// when the coordinator of the change stopped before its install reached them, and every
    /// server that did install it is out of reach: the client takes over `config`, which
    /// decides the same next configuration again and installs it (see `recovery.rs`).
    SealedBehind {
        /// The older configuration the server is sealed in.
        config: Box<Config>,
    },
    /// Coordinator to the servers of `epoch` (Paxos prepare): promise to ignore lower
    /// ballots, stop serving reads and writes of this epoch, and send me your table.
    Seal {
        /// The configuration being changed.
        epoch: Epoch,
        /// The coordinator's ballot.
        ballot: Ballot,
    },
    /// Server to coordinator: sealed under `ballot`; here is what I accepted and my table.
    SealAck {
        /// The configuration being changed.
        epoch: Epoch,
        /// The ballot promised.
        ballot: Ballot,
        /// The highest-ballot next configuration this server accepted, if any.
        accepted: Option<Box<(Ballot, Config)>>,
        /// The server's whole token table, indexed by token id.
        table: Table,
    },
    /// Coordinator to the servers of `epoch` (Paxos accept): accept `next` as the next
    /// configuration.
    Accept {
        /// The configuration being changed.
        epoch: Epoch,
        /// The coordinator's ballot.
        ballot: Ballot,
        /// The proposed next configuration.
        next: Box<Config>,
    },
    /// Server to coordinator: accepted under `ballot`.
    AcceptAck {
        /// The configuration being changed.
        epoch: Epoch,
        /// The ballot accepted.
        ballot: Ballot,
    },
    /// Server to coordinator: I promised a higher ballot; retry above it.
    Rejected {
        /// The configuration being changed.
        epoch: Epoch,
        /// The ballot the server promised.
        promised: Ballot,
    },
    /// Coordinator to the old and new servers: `config` is decided; start it from `table`
    /// (the merge of a sealed majority of the old configuration).
    Install {
        /// The decided configuration.
        config: Box<Config>,
        /// The state every new server starts from, indexed by token id.
        table: Table,
    },
    /// A node to the coordinator: I have installed configuration `epoch` (or a later one).
    InstallAck {
        /// The configuration installed.
        epoch: Epoch,
    },
    /// A client to a server of `epoch`: these servers of `epoch` never answer me, as if
    /// the install of `epoch` never reached them (its coordinator stopped before resending
    /// it); install `epoch` on them from your own table. Any table of a server that
    /// installed `epoch` holds everything the install carried, so it is a valid one.
    Repair {
        /// The configuration to install.
        epoch: Epoch,
        /// The servers of `epoch` that did not answer.
        nodes: Vec<NodeId>,
    },
}

impl Message {
    /// A short lowercase name of the message's kind, for traces and counters.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Message::Read { .. } => "read",
            Message::ReadReply { .. } => "read_reply",
            Message::Write { .. } => "write",
            Message::WriteAck { .. } => "write_ack",
            Message::Nack { .. } => "nack",
            Message::NewConfig { .. } => "new_config",
            Message::SealedBehind { .. } => "sealed_behind",
            Message::Seal { .. } => "seal",
            Message::SealAck { .. } => "seal_ack",
            Message::Accept { .. } => "accept",
            Message::AcceptAck { .. } => "accept_ack",
            Message::Rejected { .. } => "rejected",
            Message::Install { .. } => "install",
            Message::InstallAck { .. } => "install_ack",
            Message::Repair { .. } => "repair",
        }
    }

    /// The phase a read or write, or an answer to one, belongs to; `None` for the
    /// messages of role changes, which name ballots and epochs instead.
    pub fn tag(&self) -> Option<PhaseTag> {
        match self {
            Message::Read { tag, .. }
            | Message::ReadReply { tag, .. }
            | Message::Write { tag, .. }
            | Message::WriteAck { tag, .. }
            | Message::Nack { tag, .. } => Some(*tag),
            _ => None,
        }
    }

    /// A read or write sent again under `tag`, everything else unchanged; `None` for a
    /// message that names no phase (it is resent as it is).
    pub(crate) fn with_tag(&self, tag: PhaseTag) -> Option<Message> {
        match self {
            Message::Read { epoch, tokens, .. } => Some(Message::Read { epoch: *epoch, tag, tokens: tokens.clone() }),
            Message::Write { epoch, values, .. } => Some(Message::Write { epoch: *epoch, tag, values: values.clone() }),
            _ => None,
        }
    }
}

/// A timer a node asked for; it comes back to the node as input when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Timer {
    /// Resend the current phase's message to the servers that have not answered it.
    Retransmit {
        /// The phase the timer was set for; a timer of a finished phase is ignored.
        phase: u32,
    },
    /// Resend an `Install` to the new servers that have not acknowledged it, after the
    /// role change that made it was already answered.
    Install {
        /// The configuration being installed.
        epoch: Epoch,
    },
}

/// One thing a node asks its host to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Send `message` to `to`.
    Send {
        /// The receiver.
        to: NodeId,
        /// The message.
        message: Message,
    },
    /// Hand `timer` back to this node at `at`.
    SetTimer {
        /// When the timer fires.
        at: Instant,
        /// What it is for.
        timer: Timer,
    },
    /// The client started working on a request (its invocation point).
    Started {
        /// The request.
        id: RequestId,
        /// What it asks.
        request: Request,
    },
    /// The node took a rare path (see [`Probe`]); hosts that do not count coverage ignore it.
    Probe(Probe),
    /// The client answers a request to the application.
    Reply {
        /// The request answered.
        id: RequestId,
        /// What it asked.
        request: Request,
        /// The answer.
        outcome: Outcome,
    },
}

/// The buffer a node writes its outputs into. The host owns it, drains it after every
/// call, and reuses it, so a step allocates nothing for the buffer itself.
#[derive(Debug, Default)]
pub struct Outputs {
    items: Vec<Output>,
}

impl Outputs {
    /// An empty buffer.
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Ask the host to send `message` to `to`.
    pub fn send(&mut self, to: NodeId, message: Message) {
        self.items.push(Output::Send { to, message });
    }

    /// Ask the host to hand `timer` back at `at`.
    pub fn set_timer(&mut self, at: Instant, timer: Timer) {
        self.items.push(Output::SetTimer { at, timer });
    }

    /// Report that a rare path was taken.
    pub fn probe(&mut self, probe: Probe) {
        self.items.push(Output::Probe(probe));
    }

    /// Add any output.
    pub fn push(&mut self, output: Output) {
        self.items.push(output);
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The outputs waiting, oldest first.
    pub fn as_slice(&self) -> &[Output] {
        &self.items
    }

    /// Take every waiting output, oldest first, leaving the buffer empty for reuse.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Output> {
        self.items.drain(..)
    }
}
