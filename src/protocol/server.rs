//! A server: one replica of the token table. It answers reads, stores newer writes, and
//! takes part in deciding the next configuration; all coordination is done by clients (an
//! ABD-style register per token, and single-decree Paxos per configuration change).

use super::config::Config;
use super::message::{Message, Outputs, PhaseTag, TokenSelection};
use super::probe::Probe;
use super::table::Table;
use super::types::{Ballot, Epoch, Instant, NodeId, TokenId, TokenValue};
use super::variant::Variant;
use std::sync::Arc;

/// One replica of the token table.
///
/// Methods: getters (`id`, `config`, `table`, `value`, `is_sealed`, `is_retired`), and
/// `handle_message` for input. A server sets no timers: it only ever answers.
#[derive(Clone, Debug)]
pub struct Server {
    id: NodeId,
    config: Config,
    /// Shared with the other replicas' tables where they are equal (see [`Table`]).
    table: Table,
    /// Derived from `table`: per node id, the tokens the node is related to here, ascending:
    /// those it owns, and those whose value here its pay wrote (it paid them away). What a
    /// `gettokens` round of the node reads (see [`Server::related_to`]). Each list is shared
    /// with the copies of this replica until one of them changes it, as the table is.
    related: Vec<Arc<Vec<TokenId>>>,
    /// Derived from `table` too: per node id, the last answer to a read of the tokens
    /// related to it, while none of them changed (shared by every reply that carries it).
    answers: Vec<Option<Answer>>,
    /// The highest ballot promised for changing `config`.
    promised: Option<Ballot>,
    /// The highest-ballot next configuration accepted for changing `config`.
    accepted: Option<Box<(Ballot, Config)>>,
    /// Sealed by a coordinator: no more reads or writes in this configuration.
    sealed: bool,
    /// No longer a server: `config` is the configuration that removed it.
    retired: bool,
    variant: Variant,
}

/// A read's values, ascending by token id, shared by the replies that carry them.
type Answer = Arc<[(TokenId, TokenValue)]>;

/// The nodes a value relates its token to: its owner, and the payer whose pay wrote it
/// (`None` for an initial value, or a payer that is the owner).
fn related_nodes(value: &TokenValue) -> [Option<NodeId>; 2] {
    let payer = value.writer.map(|writer| writer.client).filter(|&payer| payer != value.owner);
    [Some(value.owner), payer]
}

/// A search's view of a replica (see `sim::choice`): everything but what is derived from
/// its table (the index of related tokens and the answers kept), which equal tables share.
impl std::hash::Hash for Server {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Server { id, config, table, related: _, answers: _, promised, accepted, sealed, retired, variant } = self;
        (id, config, table, promised, accepted, sealed, retired, variant).hash(state);
    }
}

impl Server {
    /// A server `id` in `config`, starting from `table` (indexed by token id).
    pub fn new(id: NodeId, config: Config, table: impl Into<Table>) -> Server {
        let table: Table = table.into();
        let mut related: Vec<Vec<TokenId>> = Vec::new();
        for (token, value) in table.iter().enumerate() {
            for node in related_nodes(value).into_iter().flatten() {
                let index = node.0 as usize;
                if related.len() <= index {
                    related.resize_with(index + 1, Vec::new);
                }
                // Tokens come in ascending order, so each list stays sorted.
                related[index].push(TokenId(token as u32));
            }
        }
        Server {
            id,
            config,
            table,
            related: related.into_iter().map(Arc::new).collect(),
            answers: Vec::new(),
            promised: None,
            accepted: None,
            sealed: false,
            retired: false,
            variant: Variant::Correct,
        }
    }

    /// A copy of this replica as the replica of node `id`: how a world gives each of its
    /// first servers the same initial table and index without building them again (for a
    /// world of 100,000 tokens, building is most of a short run's set-up).
    pub fn copy_for(&self, id: NodeId) -> Server {
        Server { id, ..self.clone() }
    }

    /// This server, running protocol `variant` (see [`Variant`]).
    pub fn with_variant(mut self, variant: Variant) -> Server {
        self.variant = variant;
        self
    }

    /// The protocol variant this replica runs.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// This server's node id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The configuration this server is in (for a retired server, the one that removed it).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// This replica's token table, indexed by token id.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The tokens `node` is related to on this replica, ascending: those it owns here, and
    /// those whose value here was written by its pay (it paid them away, and that is the
    /// latest this replica knows of them).
    pub fn related_to(&self, node: NodeId) -> &[TokenId] {
        self.related.get(node.0 as usize).map_or(&[], |tokens| tokens.as_slice())
    }

    /// The values of the tokens related to `node`, ascending: the answer to a first
    /// `gettokens` round, kept until one of them changes.
    fn related_values(&mut self, node: NodeId) -> Answer {
        let index = node.0 as usize;
        if let Some(Some(answer)) = self.answers.get(index) {
            return answer.clone();
        }
        let values: Answer = self.related_to(node).iter().map(|&token| (token, self.table[token.0 as usize])).collect();
        if index < self.related.len() {
            if self.answers.len() <= index {
                self.answers.resize(index + 1, None);
            }
            self.answers[index] = Some(values.clone());
        }
        values
    }

    /// Store `value` as this replica's value of `token` (a slot that exists), keeping the
    /// index of related tokens in step.
    fn store(&mut self, token: TokenId, value: TokenValue) {
        let slot = token.0 as usize;
        let (before, after) = (related_nodes(&self.table[slot]), related_nodes(&value));
        self.table.set(slot, value);
        for node in before.iter().chain(&after).flatten() {
            if let Some(answer) = self.answers.get_mut(node.0 as usize) {
                *answer = None;
            }
        }
        if before == after {
            return;
        }
        for node in before.into_iter().flatten().filter(|node| !after.contains(&Some(*node))) {
            let list = Arc::make_mut(&mut self.related[node.0 as usize]);
            if let Ok(at) = list.binary_search(&token) {
                list.remove(at);
            }
        }
        for node in after.into_iter().flatten().filter(|node| !before.contains(&Some(*node))) {
            let index = node.0 as usize;
            if self.related.len() <= index {
                self.related.resize_with(index + 1, Default::default);
            }
            let list = Arc::make_mut(&mut self.related[index]);
            if let Err(at) = list.binary_search(&token) {
                list.insert(at, token);
            }
        }
    }

    /// This replica's value of `token`, if the token exists.
    pub fn value(&self, token: TokenId) -> Option<&TokenValue> {
        self.table.get(token.0 as usize)
    }

    /// Whether a reconfiguration has frozen this replica's configuration.
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// Whether this node has left the servers (it keeps its table, but serves nothing).
    pub fn is_retired(&self) -> bool {
        self.retired
    }

    /// This replica after its node crashed and restarted: all of it, since all of it is
    /// durable. The table holds writes this server acknowledged (a majority counted on it);
    /// the promise and the accepted value are Paxos's memory (forgetting them lets two
    /// configurations be decided for one epoch); `sealed` is part of the promise (a sealed
    /// majority's tables were merged into an install, so a write taken after the seal would
    /// be lost); the configuration is what the table is a replica of.
    pub fn restart(&self) -> Server {
        self.clone()
    }

    /// Handle one message from `from`, writing any answer into `out`.
    pub fn handle_message(&mut self, _now: Instant, from: NodeId, message: &Message, out: &mut Outputs) {
        match message {
            Message::Read { epoch, tag, tokens } if self.serves(*epoch, *tag, from, out) => {
                self.on_read(from, *tag, tokens, out)
            }
            Message::Write { epoch, tag, values } if self.serves(*epoch, *tag, from, out) => {
                self.on_write(from, *tag, values, out)
            }
            Message::Seal { epoch, ballot } if self.decides(*epoch, from, out) => self.on_seal(from, *ballot, out),
            Message::Accept { epoch, ballot, next } if self.decides(*epoch, from, out) => {
                self.on_accept(from, *ballot, next, out)
            }
            // A retired replica repairs too: the configuration that removed it is installed
            // here, table and all (it may be the only one a cut-off client can reach).
            Message::Repair { epoch, nodes } if self.current(*epoch, from, out) => self.on_repair(nodes, out),
            // Answers are for clients, installs for the hosting node; anything else is stale.
            _ => {}
        }
    }

    /// Start `config` from `table` merged into this replica, if `config` is newer than ours;
    /// a configuration without this server retires it (its table is kept, never dropped).
    pub fn install(&mut self, config: &Config, table: &Table) {
        if config.epoch <= self.config.epoch {
            return;
        }
        // Chunks the install shares with this replica are skipped unread.
        let newer: Vec<(TokenId, TokenValue)> = self.table.newer_in(table).collect();
        for (token, value) in newer {
            self.store(token, value);
        }
        self.retired = !config.contains(self.id);
        self.config = config.clone();
        self.promised = None;
        self.accepted = None;
        self.sealed = false;
    }

    /// Whether a read or write of `epoch` may be served here; tells a sender that is behind,
    /// and refuses (`nack`) while sealed.
    fn serves(&self, epoch: Epoch, tag: PhaseTag, from: NodeId, out: &mut Outputs) -> bool {
        if !self.current(epoch, from, out) || self.retired {
            return false;
        }
        if self.sealed {
            out.send(from, Message::Nack { epoch, tag });
        }
        !self.sealed
    }

    /// Whether a reconfiguration message of `epoch` concerns this replica's configuration.
    fn decides(&self, epoch: Epoch, from: NodeId, out: &mut Outputs) -> bool {
        self.current(epoch, from, out) && !self.retired
    }

    /// Whether `epoch` is ours. A sender that is behind is told the current configuration. A
    /// sender that is ahead is ignored while this replica serves (it will learn of the newer
    /// epoch by an install, or a repair), but told while it is sealed: sealed, it is stuck
    /// until an install comes, and if the coordinator that sealed it stopped and every node
    /// that installed the next configuration is out of the sender's reach, none will come
    /// unless the sender takes this configuration over (`Message::SealedBehind`).
    fn current(&self, epoch: Epoch, from: NodeId, out: &mut Outputs) -> bool {
        if epoch < self.config.epoch {
            out.send(from, Message::NewConfig { config: Box::new(self.config.clone()) });
        } else if epoch > self.config.epoch && self.sealed && !self.retired {
            out.send(from, Message::SealedBehind { config: Box::new(self.config.clone()) });
        }
        epoch == self.config.epoch
    }

    fn on_read(&mut self, from: NodeId, tag: PhaseTag, tokens: &TokenSelection, out: &mut Outputs) {
        let values = match tokens {
            TokenSelection::All => self.table.iter().enumerate().map(|(i, v)| (TokenId(i as u32), *v)).collect(),
            TokenSelection::Nothing => Arc::from([]),
            TokenSelection::One(token) => match self.value(*token) {
                Some(value) => Arc::from([(*token, *value)]),
                None => Arc::from([]),
            },
            TokenSelection::Owner(node) => self.related_values(*node),
            TokenSelection::Tokens(wanted) => {
                wanted.iter().filter_map(|&token| Some((token, *self.value(token)?))).collect()
            }
        };
        out.send(from, Message::ReadReply { epoch: self.config.epoch, tag, values });
    }

    fn on_write(&mut self, from: NodeId, tag: PhaseTag, values: &[(TokenId, TokenValue)], out: &mut Outputs) {
        let epoch = self.config.epoch;
        let mut refused = false;
        for (token, value) in values {
            if let Some(slot) = self.table.get(token.0 as usize).copied() {
                if self.variant.compares_bare_versions() {
                    // The seed's rule: the write must be exactly one version ahead of ours.
                    match value.version.0 == slot.version.0 + 1 {
                        true => self.store(*token, *value),
                        false => refused = true,
                    }
                } else if value.version > slot.version {
                    // Only a newer version replaces ours; each version has exactly one value,
                    // so an equal version is the same value and an older one is superseded.
                    self.store(*token, *value);
                } else if value.version == slot.version && values.len() == 1 {
                    out.probe(Probe::DuplicateWrite);
                }
            }
        }
        match refused {
            true => out.send(from, Message::Nack { epoch, tag }),
            false => out.send(from, Message::WriteAck { epoch, tag }),
        }
    }

    /// Install this configuration, with this replica's table, on `nodes`, servers of it that
    /// a client found silent: the install its coordinator sent them was lost, and the
    /// coordinator stopped before resending it. This table holds the merged table of that
    /// install (this replica merged it when it installed), and possibly later writes, which
    /// is all an install needs to carry. Sealed or not: the table is not read as an answer.
    fn on_repair(&self, nodes: &[NodeId], out: &mut Outputs) {
        for &node in nodes.iter().filter(|&&node| node != self.id && self.config.contains(node)) {
            let install = Message::Install { config: Box::new(self.config.clone()), table: self.table.clone() };
            out.send(node, install);
        }
    }

    /// Paxos prepare. Sealing first, then answering with the table, is what makes the state
    /// transfer complete: a write acknowledged by a majority was acknowledged before any
    /// seal by at least one server of every sealed majority.
    fn on_seal(&mut self, from: NodeId, ballot: Ballot, out: &mut Outputs) {
        let epoch = self.config.epoch;
        if let Some(promised) = self.promised.filter(|promised| *promised > ballot) {
            return out.send(from, Message::Rejected { epoch, promised });
        }
        self.promised = Some(ballot);
        self.sealed = true;
        let (accepted, table) = (self.accepted.clone(), self.table.clone());
        out.send(from, Message::SealAck { epoch, ballot, accepted, table });
    }

    /// Paxos accept.
    fn on_accept(&mut self, from: NodeId, ballot: Ballot, next: &Config, out: &mut Outputs) {
        let epoch = self.config.epoch;
        let keeps_promise = !self.variant.accepts_any_ballot();
        if let Some(promised) = self.promised.filter(|promised| *promised > ballot && keeps_promise) {
            return out.send(from, Message::Rejected { epoch, promised });
        }
        self.promised = Some(ballot);
        self.sealed = true;
        self.accepted = Some(Box::new((ballot, next.clone())));
        out.send(from, Message::AcceptAck { epoch, ballot });
    }
}
