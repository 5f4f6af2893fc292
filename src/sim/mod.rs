//! The seeded discrete-event simulator that hosts the protocol's nodes.
//!
//! One root seed determines a run: the network and the workload each draw from their own
//! ChaCha8 stream of it, events are ordered by (time, sequence number), and nothing reads a
//! clock or iterates a hash map. The same seed gives the same run on any machine.

mod counters;
mod fingerprint;
mod history;
mod network;
mod observer;
mod queue;
mod rng;
mod workload;
mod writes;

pub use counters::Counters;
pub use fingerprint::Fingerprint;
pub use history::{History, RequestRecord};
pub use network::{DropReason, NetworkOptions, Omission, OmissionKind};
pub use observer::Observer;
pub use rng::{Ratio, RatioError};
pub use workload::RandomWorkloadOptions;
pub use writes::VersionConflict;

use crate::protocol::{
    Client, ClientOptions, Config, Epoch, Instant, Message, NodeId, Output, Outputs, Server, TokenId, TokenValue,
};
use crate::scenario::{Scenario, ScenarioError, World};
use queue::{Event, EventQueue};
pub(crate) use rng::{SimRng, Stream};
use workload::RandomWorkload;
use writes::WriteLog;

/// A node as the simulator hosts it.
// One node per id, stored once: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Node {
    /// A replica of the token table.
    Server(Server),
    /// A node that issues requests.
    Client(Client),
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunEnd {
    /// Every request was issued and answered.
    Completed,
    /// The liveness budget ran out with requests still unanswered.
    BudgetExhausted,
    /// Nothing was left to happen, with requests still unanswered.
    Stalled,
}

/// One simulated world, stepped event by event.
pub struct Simulation {
    scenario: Scenario,
    world: World,
    seed: u64,
    now: Instant,
    queue: EventQueue,
    /// Indexed by node id (index 0 is unused).
    nodes: Vec<Option<Node>>,
    network: Network,
    workload: RandomWorkload,
    outputs: Outputs,
    history: History,
    counters: Counters,
    writes: WriteLog,
    /// Set once the workload has issued every request: the liveness deadline.
    deadline: Option<Instant>,
    end: Option<RunEnd>,
    fingerprint: Fingerprint,
    /// Called after every event that changed a server; see [`Observer`].
    observer: Option<Box<dyn Observer>>,
}

use network::Network;

impl Simulation {
    /// A world built from `scenario`, driven by `seed`.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Simulation, ScenarioError> {
        let world = scenario.world(&scenario.name)?;
        let config = Config::new(Epoch(0), world.servers.clone());
        let initial: Vec<TokenValue> = world.owners.iter().map(|&owner| TokenValue::initial(owner)).collect();
        let node_count = world.clients.len() + world.servers.len();
        let mut nodes: Vec<Option<Node>> = vec![None; node_count + 1];
        let client_options = ClientOptions {
            retransmit_timeout_us: scenario.client.retransmit_timeout_us,
            token_count: initial.len() as u32,
            nodes: world.nodes(),
        };
        for &id in &world.clients {
            nodes[id.0 as usize] = Some(Node::Client(Client::new(id, config.clone(), client_options.clone())));
        }
        for &id in &world.servers {
            nodes[id.0 as usize] = Some(Node::Server(Server::new(id, config.clone(), initial.clone())));
        }
        let mut network = Network::new(scenario.network.clone(), node_count, SimRng::new(seed, Stream::Network));
        for (server, omission) in scenario.omissions() {
            network.set_fault(server, Some(omission));
        }
        let rng = SimRng::new(seed, Stream::Workload);
        let workload = RandomWorkload::new(scenario.workload.clone(), rng, world.owners.clone(), world.clients.clone());
        let mut simulation = Simulation {
            scenario: scenario.clone(),
            seed,
            now: Instant::ZERO,
            queue: EventQueue::default(),
            nodes,
            network,
            workload,
            outputs: Outputs::new(),
            history: History::default(),
            counters: Counters::default(),
            writes: WriteLog::new(&initial),
            deadline: None,
            end: None,
            fingerprint: Fingerprint::default(),
            observer: None,
            world,
        };
        simulation.schedule_first_arrivals();
        Ok(simulation)
    }

    fn schedule_first_arrivals(&mut self) {
        if self.workload.finished() {
            self.deadline = Some(self.now.after_us(self.scenario.expect.liveness_budget_us));
            return;
        }
        for client in self.world.clients.clone() {
            let gap_us = self.workload.next_gap_us();
            self.queue.push(Instant(gap_us), Event::Arrival { client });
        }
    }

    /// Run until every request is answered or liveness is given up on.
    pub fn run(&mut self) -> RunEnd {
        loop {
            if let Some(end) = self.step() {
                return end;
            }
        }
    }

    /// Process one event; `Some` once the run has ended.
    pub fn step(&mut self) -> Option<RunEnd> {
        if let Some(end) = self.end {
            return Some(end);
        }
        if self.workload.finished() && self.history.unanswered().next().is_none() {
            return self.finish(RunEnd::Completed);
        }
        let Some(next) = self.queue.peek_time() else { return self.finish(RunEnd::Stalled) };
        if self.deadline.is_some_and(|deadline| next > deadline) {
            return self.finish(RunEnd::BudgetExhausted);
        }
        let (at, event) = self.queue.pop().expect("peeked");
        self.now = at;
        self.counters.events += 1;
        self.fingerprint.add(&at);
        self.fingerprint.add(&event);
        self.process(event);
        None
    }

    fn finish(&mut self, end: RunEnd) -> Option<RunEnd> {
        self.end = Some(end);
        Some(end)
    }

    fn process(&mut self, event: Event) {
        match event {
            Event::Deliver { from, to, message } => self.deliver(from, to, message),
            Event::Timer { node, timer } => {
                self.counters.timers_fired += 1;
                self.drive(node, |node, now, out| {
                    if let Node::Client(client) = node {
                        client.handle_timer(now, timer, out);
                    }
                });
            }
            Event::Arrival { client } => self.arrival(client),
        }
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, message: Message) {
        if let Some(reason) = self.network.on_arrival(to) {
            self.counters.count_drop(reason);
            return;
        }
        self.counters.messages_delivered += 1;
        self.drive(to, |node, now, out| match node {
            Node::Server(server) => server.handle_message(now, from, &message, out),
            Node::Client(client) => client.handle_message(now, from, &message, out),
        });
        self.notify_observer(to, &message);
    }

    fn arrival(&mut self, client: NodeId) {
        let request = self.workload.next_request(client);
        if !self.workload.finished() {
            let gap_us = self.workload.next_gap_us();
            self.queue.push(self.now.after_us(gap_us), Event::Arrival { client });
        } else if self.deadline.is_none() {
            self.deadline = Some(self.now.after_us(self.scenario.expect.liveness_budget_us));
        }
        self.submit(client, request);
    }

    fn submit(&mut self, client: NodeId, request: crate::protocol::Request) {
        // Recorded before the client runs: a local refusal is answered within `submit`.
        if let Some(Node::Client(node)) = self.node(client) {
            self.history.submitted(node.next_request_id(), request, self.now);
        }
        self.drive(client, |node, now, out| {
            if let Node::Client(node) = node {
                node.submit(now, request, out);
            }
        });
    }

    /// Carry out what node `from` asked for, then keep the buffer for the next step.
    fn route(&mut self, from: NodeId, mut out: Outputs) {
        for output in out.drain() {
            match output {
                Output::Send { to, message } => self.send(from, to, message),
                Output::SetTimer { at, timer } => self.queue.push(at, Event::Timer { node: from, timer }),
                Output::Started { id, .. } => self.history.started(id, self.now),
                Output::Reply { id, request, outcome } => {
                    self.workload.observe(&request, &outcome);
                    self.history.answered(id, outcome, self.now);
                }
            }
        }
        self.outputs = out;
    }

    fn send(&mut self, from: NodeId, to: NodeId, message: Message) {
        self.counters.messages_sent += 1;
        if let Message::Write { values, .. } = &message {
            for (token, value) in values {
                self.writes.record(*token, *value, self.now);
            }
        }
        match self.network.on_send(from) {
            Ok(delay_us) => self.queue.push(self.now.after_us(delay_us), Event::Deliver { from, to, message }),
            Err(reason) => self.counters.count_drop(reason),
        }
    }

    /// Hand node `id` one input, then carry out its outputs.
    fn drive(&mut self, id: NodeId, input: impl FnOnce(&mut Node, Instant, &mut Outputs)) {
        let mut out = std::mem::take(&mut self.outputs);
        if let Some(node) = self.nodes.get_mut(id.0 as usize).and_then(Option::as_mut) {
            input(node, self.now, &mut out);
        }
        self.route(id, out);
    }

    /// A portable hash of every event processed so far, in order.
    pub fn event_hash(&self) -> u64 {
        self.fingerprint.value()
    }

    /// The seed driving this run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The scenario this run was built from.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The world's nodes and initial owners.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The current simulated time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Every request so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// What the run has counted so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The node with `id`, if there is one.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// Every server, ascending by id.
    pub fn servers(&self) -> impl Iterator<Item = &Server> {
        self.nodes.iter().filter_map(|node| match node {
            Some(Node::Server(server)) => Some(server),
            _ => None,
        })
    }

    /// Whether `node` suffers an omission fault now.
    pub fn is_faulty(&self, node: NodeId) -> bool {
        self.network.fault(node).is_some_and(|omission| !omission.ratio.is_never())
    }

    /// Clients that liveness is owed to (every client: client faults are not modelled yet).
    pub fn correct_clients(&self) -> Vec<NodeId> {
        self.world.clients.clone()
    }

    /// Two different values ever written at one version of a token.
    pub fn version_conflicts(&self) -> &[VersionConflict] {
        self.writes.conflicts()
    }

    /// The values ever written at each version of `token` (index = version - 1; a value
    /// with version 0 marks a version that was skipped).
    pub fn written_versions(&self, token: TokenId) -> &[TokenValue] {
        self.writes.versions(token)
    }

    /// The highest-versioned value of each token held by any server.
    pub fn final_table(&self) -> Vec<TokenValue> {
        let mut table: Vec<TokenValue> = self.world.owners.iter().map(|&owner| TokenValue::initial(owner)).collect();
        for server in self.servers() {
            for (slot, value) in table.iter_mut().zip(server.table()) {
                if value.version > slot.version {
                    *slot = *value;
                }
            }
        }
        table
    }

    /// How many events are waiting.
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }
}
