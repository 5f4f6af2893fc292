//! A server: one replica of the token table. It answers reads and stores newer writes;
//! all coordination is done by the clients (an ABD-style register per token).

use super::config::Config;
use super::message::{Message, Outputs, PhaseTag, TokenSelection};
use super::types::{Epoch, Instant, NodeId, TokenId, TokenValue};

/// One replica of the token table.
///
/// Methods: getters (`id`, `config`, `table`, `value`), and `handle_message` for input.
/// A server sets no timers: it only ever answers.
#[derive(Clone, Debug)]
pub struct Server {
    id: NodeId,
    config: Config,
    table: Vec<TokenValue>,
}

impl Server {
    /// A server `id` in `config`, starting from `table` (indexed by token id).
    pub fn new(id: NodeId, config: Config, table: Vec<TokenValue>) -> Server {
        Server { id, config, table }
    }

    /// This server's node id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The configuration this server is in.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// This replica's token table, indexed by token id.
    pub fn table(&self) -> &[TokenValue] {
        &self.table
    }

    /// This replica's value of `token`, if the token exists.
    pub fn value(&self, token: TokenId) -> Option<&TokenValue> {
        self.table.get(token.0 as usize)
    }

    /// Handle one message from `from`, writing any answer into `out`.
    pub fn handle_message(&mut self, _now: Instant, from: NodeId, message: &Message, out: &mut Outputs) {
        match message {
            Message::Read { epoch, tag, tokens } => {
                if self.accepts(*epoch, from, out) {
                    self.on_read(from, *tag, *tokens, out);
                }
            }
            Message::Write { epoch, tag, values } => {
                if self.accepts(*epoch, from, out) {
                    self.on_write(from, *tag, values, out);
                }
            }
            // Answers are for clients; a server that receives one ignores it.
            Message::ReadReply { .. } | Message::WriteAck { .. } | Message::NewConfig { .. } => {}
        }
    }

    /// Whether a message of `epoch` may be served here; tells a sender that is behind.
    fn accepts(&self, epoch: Epoch, from: NodeId, out: &mut Outputs) -> bool {
        if epoch < self.config.epoch {
            out.send(from, Message::NewConfig { config: self.config.clone() });
        }
        epoch == self.config.epoch
    }

    fn on_read(&self, from: NodeId, tag: PhaseTag, tokens: TokenSelection, out: &mut Outputs) {
        let values = match tokens {
            TokenSelection::All => self.table.iter().enumerate().map(|(i, v)| (TokenId(i as u32), *v)).collect(),
            TokenSelection::One(token) => match self.value(token) {
                Some(value) => vec![(token, *value)],
                None => Vec::new(),
            },
        };
        out.send(from, Message::ReadReply { epoch: self.config.epoch, tag, values });
    }

    fn on_write(&mut self, from: NodeId, tag: PhaseTag, values: &[(TokenId, TokenValue)], out: &mut Outputs) {
        for (token, value) in values {
            if let Some(slot) = self.table.get_mut(token.0 as usize) {
                // Only a newer version replaces ours; each version has exactly one value, so
                // an equal version is the same value and an older one is already superseded.
                if value.version > slot.version {
                    *slot = *value;
                }
            }
        }
        out.send(from, Message::WriteAck { epoch: self.config.epoch, tag });
    }
}
