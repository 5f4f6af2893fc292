//! A node of the world: a client always, and a server while it is one.
//!
//! Roles change by role-change requests: an `Install` naming this node makes it a server
//! (from the state the install carries); an `Install` without it retires its replica. A
//! node keeps its tokens in either role, and a retired replica keeps its table.
//!
//! A node can crash and restart ([`Node::restart`]): the host decides when, stops handing
//! it input while it is down, and asks it for its replacement when it comes back. What
//! survives is the node's durable state: all of its replica, and the client's durable part
//! (see [`Client`]).

use super::client::{Client, ClientOptions};
use super::config::Config;
use super::message::{Message, Outputs, Timer};
use super::request::{Refusal, Request};
use super::server::Server;
use super::table::Table;
use super::types::{Instant, NodeId, RequestId, TokenValue};
use std::sync::Arc;

/// One node: its client part, and its replica while it is (or once was) a server.
///
/// Methods: getters (`id`, `is_server`, `client`, `replica`), `submit` for the
/// application's requests, and `handle_message` / `handle_timer` for input.
#[derive(Clone, Debug, Hash)]
pub struct Node {
    id: NodeId,
    client: Client,
    replica: Option<Server>,
    /// The node as it was built, kept only by the `amnesia` variant: what it restarts as.
    boot: Option<Arc<Node>>,
    /// The node's digest once a search has asked for it (see [`Node::digest_with`]).
    digest: DigestCache,
}

/// A node's digest, computed once per version of the node: a search digests every node of
/// every state, and most steps change one node, whose others it shares with the state
/// before. Empty in a clone, and emptied by [`Node::changed`]: whoever changes a node in
/// place calls it. Not part of the node's state: it hashes as nothing.
#[derive(Debug, Default)]
struct DigestCache(std::sync::OnceLock<u128>);

impl Clone for DigestCache {
    fn clone(&self) -> DigestCache {
        DigestCache::default()
    }
}

impl std::hash::Hash for DigestCache {
    fn hash<H: std::hash::Hasher>(&self, _state: &mut H) {}
}

impl Node {
    /// A node that starts as a client of `config`.
    pub fn new_client(id: NodeId, config: Config, options: ClientOptions) -> Node {
        Node { id, client: Client::new(id, config, options), replica: None, boot: None, digest: DigestCache::default() }
            .booted()
    }

    /// A node that starts as a server of `config` with `table` (indexed by token id).
    pub fn new_server(id: NodeId, config: Config, table: Vec<TokenValue>, options: ClientOptions) -> Node {
        let replica = Server::new(id, config.clone(), table);
        Node::serving(id, config, replica, options)
    }

    /// A node that starts as a server of `config` with `replica`, a copy of another
    /// node's (see [`Server::copy_for`]).
    pub fn new_server_from(id: NodeId, config: Config, replica: &Server, options: ClientOptions) -> Node {
        Node::serving(id, config, replica.copy_for(id), options)
    }

    fn serving(id: NodeId, config: Config, replica: Server, options: ClientOptions) -> Node {
        let replica = replica.with_variant(options.variant);
        let client = Client::new(id, config, options);
        Node { id, client, replica: Some(replica), boot: None, digest: DigestCache::default() }.booted()
    }

    /// The node's digest by `compute`, computed once until the node changes: `compute`
    /// must be the same function every time it is asked (the search's state digest).
    pub fn digest_with(&self, compute: impl FnOnce(&Node) -> u128) -> u128 {
        *self.digest.0.get_or_init(|| compute(self))
    }

    /// Forget the digest: the node is about to change in place.
    pub fn changed(&mut self) {
        self.digest = DigestCache::default();
    }

    /// This node, keeping a copy of itself to restart as if its variant forgets everything.
    fn booted(mut self) -> Node {
        if self.client.variant().forgets_on_restart() {
            self.boot = Some(Arc::new(self.clone()));
        }
        self
    }

    /// This node after a crash and a restart: its durable state, without the volatile.
    ///
    /// Durable: the whole replica (its table, configuration, promise, accepted value and
    /// seal: see [`Server::restart`]), and the client's request counter, highest ballot
    /// round, configuration and pay in doubt (see [`Client::restart`]). Volatile, and lost:
    /// the request the client was working on, its queue, and the installs it was still
    /// resending. The `amnesia` variant loses the durable state too: the node comes back as
    /// it was built.
    pub fn restart(&self) -> Node {
        if let Some(boot) = &self.boot {
            return (**boot).clone();
        }
        let replica = self.replica.as_ref().map(Server::restart);
        let mut client = self.client.restart();
        if let Some(replica) = &replica {
            client.installed_here(replica.config().epoch);
        }
        Node { id: self.id, client, replica, boot: None, digest: DigestCache::default() }
    }

    /// The requests a crash now would lose: the one being worked on, then the queue.
    pub fn requests_in_memory(&self) -> Vec<RequestId> {
        self.client.current().into_iter().chain(self.client.queued()).map(|submitted| submitted.id).collect()
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Whether this node serves the token table now.
    pub fn is_server(&self) -> bool {
        self.replica.as_ref().is_some_and(|replica| !replica.is_retired())
    }

    /// The client part: its request queue and its view of the configuration.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The replica, while this node is a server or after it retired from being one.
    pub fn replica(&self) -> Option<&Server> {
        self.replica.as_ref()
    }

    /// Queue `request` from the application; a server refuses it (only clients issue
    /// requests). Returns the id its reply will carry.
    pub fn submit(&mut self, now: Instant, request: Request, out: &mut Outputs) -> RequestId {
        if self.is_server() {
            return self.client.refuse(request, Refusal::NotAClient { node: self.id }, out);
        }
        self.client.submit(now, request, out)
    }

    /// The id the next submitted request will get.
    pub fn next_request_id(&self) -> RequestId {
        self.client.next_request_id()
    }

    /// Handle one message from `from`.
    pub fn handle_message(&mut self, now: Instant, from: NodeId, message: &Message, out: &mut Outputs) {
        match message {
            Message::Read { .. }
            | Message::Write { .. }
            | Message::Seal { .. }
            | Message::Accept { .. }
            | Message::Repair { .. } => {
                if let Some(replica) = self.replica.as_mut() {
                    replica.handle_message(now, from, message, out);
                }
            }
            Message::Install { config, table } => self.on_install(now, from, config, table, out),
            _ => self.client.handle_message(now, from, message, out),
        }
    }

    /// Whether handling `message` from `from` would change nothing and send nothing, now and
    /// ever after (see [`Client::ignores_message`]); messages for the replica never are.
    pub fn ignores_message(&self, from: NodeId, message: &Message) -> bool {
        self.client.ignores_message(from, message)
    }

    /// Whether `timer` would do nothing when it fires, now and ever after.
    pub fn ignores_timer(&self, timer: Timer) -> bool {
        self.client.ignores_timer(timer)
    }

    /// Handle a timer this node set.
    pub fn handle_timer(&mut self, now: Instant, timer: Timer, out: &mut Outputs) {
        self.client.handle_timer(now, timer, out);
    }

    fn on_install(&mut self, now: Instant, from: NodeId, config: &Config, table: &Table, out: &mut Outputs) {
        match self.replica.as_mut() {
            Some(replica) => replica.install(config, table),
            None if config.contains(self.id) => {
                // A promoted replica runs the same protocol as the rest of the node.
                let replica = Server::new(self.id, config.clone(), table.clone()).with_variant(self.client.variant());
                self.replica = Some(replica)
            }
            None => {}
        }
        self.client.learn_config(now, config, out);
        match self.replica.as_ref().map(Server::config) {
            // This replica holds `config` and all its install carried, serving it or retired
            // by it: it can repair the configuration's other servers for its own client.
            Some(installed) if installed.epoch == config.epoch => self.client.installed_here(config.epoch),
            // The install of a configuration this replica has moved past: its sender is
            // behind, and is told the current one, as a read or a seal would tell it. A
            // coordinator still installing an older configuration waits for a majority of
            // that configuration's servers, which may never again be in its reach once the
            // newer one is in force.
            Some(installed) if installed.epoch > config.epoch => {
                out.send(from, Message::NewConfig { config: Box::new(installed.clone()) })
            }
            _ => {}
        }
        out.send(from, Message::InstallAck { epoch: config.epoch });
    }
}
