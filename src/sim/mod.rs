//! The seeded discrete-event simulator that hosts the protocol's nodes.
//!
//! One root seed determines a run: the network and the workload each draw from their own
//! ChaCha8 stream of it, events are ordered by (time, sequence number), and nothing reads a
//! clock or iterates a hash map. The same seed gives the same run on any machine.

mod budget;
mod choice;
mod chunked;
mod control;
mod counters;
mod crash;
mod fingerprint;
mod history;
mod network;
mod observer;
mod planted_panic;
pub(crate) use observer::Unobserved;
mod queue;
mod rng;
mod roles;
mod script;
mod shared;
mod trace_hook;
mod traced_message;
mod workload;
mod writes;

pub use crate::protocol::Node;
pub use crate::vocab::{DropReason, NetworkOptions, Omission, OmissionKind, RandomWorkloadOptions, Ratio, RatioError};
pub use budget::BudgetBreak;
pub use choice::{ChoiceError, PendingEvent, Reach};
pub use chunked::Chunked;
pub use control::Processed;
pub use counters::Counters;
pub use fingerprint::Fingerprint;
pub use history::{History, RequestRecord, RetiredSummary};
pub use observer::Observer;
#[doc(hidden)]
pub use planted_panic::plant_panic;
pub use shared::Shared;
pub use trace_hook::{MemoryTrace, TraceEnd, TraceEvent, TraceRecord, TraceSink};
pub use traced_message::{Digest, MessageId, TracedMessage, TracedValues, VALUES_LISTED_MAX};
pub use writes::Packed;
pub use writes::VersionConflict;

use crate::protocol::{
    ClientOptions, Config, Epoch, Instant, Message, NodeId, Output, Outputs, ProbeCounts, Request, RequestId, Server,
    TokenId, TokenValue,
};
use crate::scenario::{EventBudget, Scenario, ScenarioError, World};
use network::MessageKey;
use queue::{Event, EventQueue};
pub(crate) use rng::{KeyedRng, SimRng, Stream};
use std::sync::Arc;
use workload::RandomWorkload;
use writes::WriteLog;

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
    /// The run took more events than its event budget allows (in all, or in a row without
    /// an answer): a runaway or a livelock, stopped so that every run ends.
    OutOfEvents,
}

/// One simulated world, stepped event by event.
pub struct Simulation {
    scenario: Arc<Scenario>,
    world: Arc<World>,
    seed: u64,
    now: Instant,
    queue: EventQueue,
    /// Indexed by node id (index 0 is unused). Shared between a run and its clones (a
    /// search branches a run at every step, and a step changes one node): a node is copied
    /// only when a clone that shares it changes it ([`Arc::make_mut`]).
    nodes: Vec<Option<Arc<Node>>>,
    /// Indexed by node id: whether the node is down (crashed, not yet restarted).
    crashed: Vec<bool>,
    network: Network,
    /// Shared between a run and its clones like the nodes: a search's worlds issue no random
    /// requests, so theirs never changes.
    workload: Arc<RandomWorkload>,
    outputs: Outputs,
    /// Shared between a run and its clones until one of them changes it (a start, an
    /// answer): most of a search's steps change no request.
    history: Shared<History>,
    counters: Counters,
    /// Shared like the history: only a write of a value not seen before changes it.
    writes: Shared<WriteLog>,
    /// Set once the workload has issued every request: the liveness deadline.
    deadline: Option<Instant>,
    /// Explicit requests of the scenario not yet handed to their clients.
    scripted_left: usize,
    /// The id each explicit request got, by its index in the scenario, once submitted.
    scripted_ids: Vec<Option<RequestId>>,
    end: Option<RunEnd>,
    fingerprint: Fingerprint,
    /// Where events are reported, if anywhere (see [`Simulation::with_trace`]).
    trace: Option<Box<dyn TraceSink>>,
    /// When the run first broke the fault budget, if it has.
    budget_break: Option<BudgetBreak>,
    /// How many events the run may take; see [`Scenario::event_budget`].
    event_budget: EventBudget,
    /// The event count and time when a request was last answered.
    events_at_last_answer: u64,
    time_at_last_answer: Instant,
    /// The event count when simulated time last moved forward.
    events_at_time_change: u64,
    /// How often the nodes took each rare path.
    probes: ProbeCounts,
    /// Retire the history's records once this many are held at a cut (see
    /// [`Simulation::retire_every`]); `None` keeps every record.
    retire_every: Option<usize>,
    /// The values first written since the last retirement, for the retiring observer.
    fresh_writes: Vec<(TokenId, TokenValue)>,
    /// Keep no write log (a fault-free rerun, which no checker reads).
    skip_write_log: bool,
}

use network::Network;

/// A copy of the run as it stands, to branch from (as a search does). The copy reports to
/// no trace: a trace sink writes one run, not two.
impl Clone for Simulation {
    fn clone(&self) -> Simulation {
        Simulation {
            scenario: self.scenario.clone(),
            world: self.world.clone(),
            seed: self.seed,
            now: self.now,
            queue: self.queue.clone(),
            nodes: self.nodes.clone(),
            crashed: self.crashed.clone(),
            network: self.network.clone(),
            workload: self.workload.clone(),
            outputs: Outputs::new(),
            history: self.history.clone(),
            counters: self.counters.clone(),
            writes: self.writes.clone(),
            deadline: self.deadline,
            scripted_left: self.scripted_left,
            scripted_ids: self.scripted_ids.clone(),
            end: self.end,
            fingerprint: self.fingerprint,
            trace: None,
            budget_break: self.budget_break.clone(),
            event_budget: self.event_budget,
            events_at_last_answer: self.events_at_last_answer,
            time_at_last_answer: self.time_at_last_answer,
            events_at_time_change: self.events_at_time_change,
            probes: self.probes,
            retire_every: self.retire_every,
            fresh_writes: self.fresh_writes.clone(),
            skip_write_log: self.skip_write_log,
        }
    }
}

impl Simulation {
    /// Retire the history's records as the run goes, to keep memory flat on long runs:
    /// whenever at least `records` are held, every request so far is answered, none was
    /// lost and more are still to come, hand them (role changes' excepted) with the values
    /// first written since the last retirement to the observer's [`Observer::retire`],
    /// then drop them. The observer must check them there: nothing else will
    /// (`check::Watchers` does, for [`crate::run::Run`]).
    pub(crate) fn retire_every(&mut self, records: usize) {
        self.retire_every = Some(records.max(1));
    }

    /// Keep neither answered records nor a write log: for a run whose final table alone
    /// matters (the fault-free rerun).
    pub(crate) fn lean(&mut self) {
        self.history.forget_answered();
        self.skip_write_log = true;
    }

    fn note_fresh_write(&mut self, token: TokenId, value: TokenValue) {
        // Every write of a request is sent after it starts, so before it is answered and
        // retired: a first write by a retired request would escape the checkers.
        if let Some(writer) = value.writer.filter(|&writer| self.history.get(writer).is_none()) {
            self.history.doubt(|| format!("{token}@{} was first written by {writer}, not held", value.version));
        }
        self.fresh_writes.push((token, value));
    }

    fn maybe_retire(&mut self, observer: &mut dyn Observer) {
        let Some(every) = self.retire_every else { return };
        // Once the workload is done, the liveness deadline is known and late answers are
        // looked for among the records: keep the rest of the run whole.
        if self.history.retained() < every || !self.history.at_cut() || self.all_issued() {
            return;
        }
        let records = self.history.retire_answered();
        observer.retire(&records, &self.fresh_writes);
        self.fresh_writes.clear();
    }

    /// The values first written since the last retirement (all of them without one).
    pub fn fresh_writes(&self) -> &[(TokenId, TokenValue)] {
        &self.fresh_writes
    }

    /// A world built from `scenario`, driven by `seed`.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Simulation, ScenarioError> {
        let world = scenario.world(&scenario.name)?;
        Ok(Simulation::in_world(scenario, world, seed))
    }

    /// A simulation of `scenario` in `world`, which the caller built (the fault-free rerun's
    /// world is not one a scenario's sizes describe).
    pub(crate) fn in_world(scenario: &Scenario, world: World, seed: u64) -> Simulation {
        let config = Config::new(Epoch(0), world.servers.clone());
        let initial: Vec<TokenValue> = world.owners.iter().map(|&owner| TokenValue::initial(owner)).collect();
        let node_count = world.clients.len() + world.servers.len();
        let mut nodes: Vec<Option<Arc<Node>>> = vec![None; node_count + 1];
        let client_options = ClientOptions {
            retransmit_timeout_us: scenario.client.retransmit_timeout_us,
            token_count: initial.len() as u32,
            nodes: world.nodes().into(),
            variant: scenario.variant,
        };
        for &id in &world.clients {
            nodes[id.0 as usize] = Some(Arc::new(Node::new_client(id, config.clone(), client_options.clone())));
        }
        // The first server's replica is built; the others copy it, which is much cheaper.
        let mut first: Option<Arc<Node>> = None;
        for &id in &world.servers {
            let node = match first.as_ref().and_then(|first| first.replica()) {
                Some(replica) => Node::new_server_from(id, config.clone(), replica, client_options.clone()),
                None => Node::new_server(id, config.clone(), initial.clone(), client_options.clone()),
            };
            let node = Arc::new(node);
            first.get_or_insert_with(|| node.clone());
            nodes[id.0 as usize] = Some(node);
        }
        let mut network = Network::new(scenario.network.clone(), node_count, KeyedRng::new(seed, Stream::Network));
        for (server, omission) in scenario.omissions() {
            network.set_fault(server, Some(omission));
        }
        let rng = SimRng::new(seed, Stream::Workload);
        let workload =
            RandomWorkload::new(scenario.random_workload(), rng, world.owners.clone(), world.clients.clone());
        let mut simulation = Simulation {
            scenario: Arc::new(scenario.clone()),
            seed,
            now: Instant::ZERO,
            queue: EventQueue::default(),
            crashed: vec![false; nodes.len()],
            nodes,
            network,
            workload: Arc::new(workload),
            outputs: Outputs::new(),
            history: Shared::default(),
            counters: Counters::default(),
            writes: Shared::new(WriteLog::new(&initial)),
            deadline: None,
            scripted_left: scenario.requests.len(),
            scripted_ids: vec![None; scenario.requests.len()],
            end: None,
            fingerprint: Fingerprint::default(),
            trace: None,
            budget_break: None,
            event_budget: scenario.event_budget(),
            events_at_last_answer: 0,
            time_at_last_answer: Instant::ZERO,
            events_at_time_change: 0,
            probes: ProbeCounts::default(),
            retire_every: None,
            fresh_writes: Vec::new(),
            skip_write_log: false,
            world: Arc::new(world),
        };
        simulation.schedule_script();
        simulation.schedule_first_arrivals();
        simulation.watch_budget();
        simulation
    }

    fn schedule_first_arrivals(&mut self) {
        if self.workload.finished() {
            self.start_liveness_clock();
            return;
        }
        // With role changes on, servers get arrivals too: they issue requests once clients.
        let issuers = if self.workload.changes_roles() { self.world.nodes() } else { self.world.clients.clone() };
        for client in issuers {
            let gap_us = Arc::make_mut(&mut self.workload).next_gap_us();
            self.queue.push(Instant(gap_us), Event::Arrival { client });
        }
    }

    /// Run until every request is answered or liveness is given up on.
    pub fn run(&mut self) -> RunEnd {
        self.run_observed(&mut observer::Unobserved)
    }

    /// Run to the end like [`Simulation::run`], showing `observer` every change of state.
    pub fn run_observed(&mut self, observer: &mut dyn Observer) -> RunEnd {
        loop {
            if let Some(end) = self.step_observed(observer) {
                return end;
            }
        }
    }

    /// Process one event; `Some` once the run has ended.
    pub fn step(&mut self) -> Option<RunEnd> {
        self.step_observed(&mut observer::Unobserved)
    }

    /// Process one event like [`Simulation::step`], showing `observer` what it changed.
    pub fn step_observed(&mut self, observer: &mut dyn Observer) -> Option<RunEnd> {
        if let Some(end) = self.end_before_step() {
            return Some(end);
        }
        let (at, event) = self.queue.pop().expect("a run that has not ended has an event");
        self.begin_event(at, &event);
        self.process(event, observer);
        None
    }

    /// How the run ends here, before its next event, if it does: every request answered,
    /// nothing left to happen, the event budget spent, or the liveness deadline passed.
    fn end_before_step(&mut self) -> Option<RunEnd> {
        if let Some(end) = self.end {
            return Some(end);
        }
        if self.all_issued() && self.history.open() == 0 {
            return self.finish(RunEnd::Completed);
        }
        let Some(next) = self.queue.peek_time() else { return self.finish(RunEnd::Stalled) };
        let events = self.counters.events;
        if events >= self.event_budget.total || events - self.events_at_last_answer >= self.event_budget.between_answers
        {
            return self.finish(RunEnd::OutOfEvents);
        }
        if self.deadline.is_some_and(|deadline| next > deadline) {
            return self.finish(RunEnd::BudgetExhausted);
        }
        None
    }

    fn finish(&mut self, end: RunEnd) -> Option<RunEnd> {
        self.end = Some(end);
        Some(end)
    }

    fn process(&mut self, event: Event, observer: &mut dyn Observer) {
        match event {
            Event::Deliver { from, to, message, key } => self.deliver(from, to, message, key, observer),
            Event::Timer { node, timer } => {
                self.counters.timers_fired += 1;
                self.trace(|| TraceEvent::TimerFired { node, timer });
                self.drive(node, observer, |node, now, out| node.handle_timer(now, timer, out));
            }
            Event::Arrival { client } => self.arrival(client, observer),
            Event::Scripted { index } => self.scripted_request(index, observer),
            Event::Fault { index } => self.scheduled_fault(index, observer),
        }
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, message: Message, key: MessageKey, observer: &mut dyn Observer) {
        // A crashed receiver is checked first; it draws nothing either way, since the
        // network's draws are keyed by message, not taken in turn.
        let lost = match self.is_crashed(to) {
            true => Some(DropReason::Crashed),
            false => self.network.on_arrival(to, key),
        };
        let id = MessageId { from, to, number: key.number() };
        if let Some(reason) = lost {
            self.counters.count_drop(reason);
            self.trace(|| TraceEvent::Dropped { id, copy: key.is_copy(), reason });
            return;
        }
        self.counters.messages_delivered += 1;
        self.trace(|| TraceEvent::Delivered { id, copy: key.is_copy() });
        self.drive(to, observer, |node, now, out| node.handle_message(now, from, &message, out));
        self.notify_observer(observer, from, to, &message);
        if matches!(message, Message::Install { .. }) {
            self.watch_budget(); // the configuration may have changed
        }
    }

    fn arrival(&mut self, client: NodeId, observer: &mut dyn Observer) {
        if self.workload.finished() {
            return; // another client issued the last request while this arrival was queued
        }
        // A faulty client issues requests like any other (the application does not know its
        // node loses messages): it is owed no answers, but what it does must stay safe.
        let may_issue = self.may_issue(client);
        if !may_issue && !self.anyone_may_issue() {
            // Every node is a server: nobody is left to issue the rest.
            Arc::make_mut(&mut self.workload).stop();
            return self.start_liveness_clock();
        }
        let request = match may_issue {
            true => Some(self.next_random_request(client)),
            false => None, // a server waits for its next turn
        };
        if !self.workload.finished() {
            let gap_us = Arc::make_mut(&mut self.workload).next_gap_us();
            self.queue.push(self.now.after_us(gap_us), Event::Arrival { client });
        } else {
            self.start_liveness_clock();
        }
        if let Some(request) = request {
            self.submit(client, request, observer);
        }
    }

    /// Whether `node` could issue a request now: it is a client, and it is up.
    fn may_issue(&self, node: NodeId) -> bool {
        self.node(node).is_some_and(|node| !node.is_server()) && !self.is_crashed(node)
    }

    /// Whether any node could issue a request now.
    fn anyone_may_issue(&self) -> bool {
        self.nodes.iter().flatten().any(|node| self.may_issue(node.id()))
    }

    fn next_random_request(&mut self, client: NodeId) -> Request {
        if self.workload.changes_roles() {
            let (promotable, demotable) = self.role_change_candidates();
            if let Some(change) = Arc::make_mut(&mut self.workload).next_role_change(&promotable, &demotable) {
                return change;
            }
        }
        Arc::make_mut(&mut self.workload).next_request(client)
    }

    fn submit(&mut self, client: NodeId, request: crate::protocol::Request, observer: &mut dyn Observer) {
        if self.is_crashed(client) {
            // Nobody hands a request to a node that is down: the workload skips its turns,
            // validation refuses a scenario's request to it, and the REPL refuses one.
            return;
        }
        // Recorded before the node runs: a local refusal is answered within `submit`.
        if let Some(node) = self.node(client) {
            let id = node.next_request_id();
            self.history.submitted(id, request, self.now);
            self.trace(|| TraceEvent::Submitted { id, request });
        }
        self.drive(client, observer, |node, now, out| {
            node.submit(now, request, out);
        });
    }

    /// Carry out what node `from` asked for, then keep the buffer for the next step.
    fn route(&mut self, from: NodeId, mut out: Outputs, observer: &mut dyn Observer) {
        for output in out.drain() {
            match output {
                Output::Send { to, message } => {
                    observer.after_send(self.now, from, to, &message);
                    self.send(from, to, message)
                }
                Output::SetTimer { at, timer } => self.queue.push(at, Event::Timer { node: from, timer }),
                Output::Probe(probe) => {
                    planted_panic::reached(probe);
                    self.probes.hit(probe)
                }
                Output::Started { id, request } => {
                    self.history.started(id, self.now);
                    self.trace(|| TraceEvent::Started { id, request });
                }
                Output::Reply { id, request, outcome } => {
                    (self.events_at_last_answer, self.time_at_last_answer) = (self.counters.events, self.now);
                    if !self.workload.finished() {
                        // What it believes matters only for the requests it has yet to draw.
                        Arc::make_mut(&mut self.workload).observe(&request, &outcome);
                    }
                    self.trace(|| TraceEvent::Replied { id, request, outcome: outcome.clone() });
                    self.history.answered(id, outcome, self.now);
                    self.maybe_retire(observer);
                }
            }
        }
        self.outputs = out;
    }

    fn send(&mut self, from: NodeId, to: NodeId, message: Message) {
        self.counters.messages_sent += 1;
        if let Message::Write { values, .. } = &message {
            if !self.skip_write_log {
                for (token, value) in values.iter() {
                    // Looked at first, so that a write of known values leaves the shared log alone.
                    if self.writes.knows(*token, *value) {
                        continue;
                    }
                    if self.writes.record(*token, *value, self.now) && self.retire_every.is_some() {
                        self.note_fresh_write(*token, *value);
                    }
                }
            }
        }
        let key = self.network.next_key(from, to);
        let verdict = match self.network.separated(from, to) {
            true => Err(DropReason::Partition),
            false => self.network.on_send(from, key),
        };
        // Decided (a pure draw) before the send is traced, so that its record says so.
        let copy = verdict.is_ok().then(|| self.network.duplicate(key)).flatten();
        let id = MessageId { from, to, number: key.number() };
        let duplicated = copy.is_some();
        self.trace(|| TraceEvent::Sent { id, message: TracedMessage::of(&message), duplicated });
        match verdict {
            Ok(delay_us) => {
                if let Some(copy) = copy {
                    self.duplicate(from, to, &message, copy);
                }
                self.queue.push(self.now.after_us(delay_us), Event::Deliver { from, to, message, key })
            }
            Err(reason) => {
                self.counters.count_drop(reason);
                self.trace(|| TraceEvent::Dropped { id, copy: false, reason });
            }
        }
    }

    /// Hand node `id` one input, then carry out its outputs.
    fn drive(&mut self, id: NodeId, observer: &mut dyn Observer, input: impl FnOnce(&mut Node, Instant, &mut Outputs)) {
        let mut out = std::mem::take(&mut self.outputs);
        if let Some(node) = self.nodes.get_mut(id.0 as usize).and_then(Option::as_mut) {
            let node = Arc::make_mut(node);
            node.changed();
            input(node, self.now, &mut out);
        }
        self.route(id, out, observer);
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
        self.nodes.get(id.0 as usize).and_then(Option::as_deref)
    }

    /// Every node that is a server now, ascending by id.
    pub fn servers(&self) -> impl Iterator<Item = &Server> {
        self.nodes.iter().flatten().filter(|node| node.is_server()).filter_map(|node| node.replica())
    }

    /// Every replica, including those of nodes that have stopped being servers.
    pub fn replicas(&self) -> impl Iterator<Item = &Server> {
        self.nodes.iter().flatten().filter_map(|node| node.replica())
    }

    /// The newest configuration any server has installed (what an observer outside the
    /// system would call current; no node relies on this).
    pub fn current_config(&self) -> Config {
        let newest = self.servers().map(Server::config).max_by_key(|config| config.epoch);
        newest.cloned().unwrap_or_else(|| Config::new(Epoch(0), self.world.servers.clone()))
    }

    /// Whether `node` (a client or a server) is faulty now: it suffers an omission fault, or
    /// it is down (crashed, not yet restarted).
    pub fn is_faulty(&self, node: NodeId) -> bool {
        self.is_crashed(node) || self.network.fault(node).is_some_and(|omission| !omission.ratio.is_never())
    }

    /// The nodes that liveness is owed to now: every node without an omission fault that the
    /// partition, if there is one, leaves with a majority of correct servers in reach in
    /// every configuration in force on its side ([`Simulation::configurations_in_force`]).
    pub fn correct_clients(&self) -> Vec<NodeId> {
        let cut_off = self.network.cut_off();
        let nodes = self.world.nodes();
        let faulty: Vec<NodeId> = nodes.iter().copied().filter(|&node| self.is_faulty(node)).collect();
        let reaches_majority = |side: bool| {
            self.configurations_in_force(side, &faulty, &cut_off).iter().all(|config| {
                let reachable = config.servers.iter().filter(|s| !faulty.contains(s) && cut_off.contains(s) == side);
                reachable.count() >= config.quorum_size()
            })
        };
        let side_served = [reaches_majority(false), !cut_off.is_empty() && reaches_majority(true)];
        let served = |node: &NodeId| cut_off.is_empty() || side_served[usize::from(cut_off.contains(node))];
        nodes.into_iter().filter(|node| !faulty.contains(node)).filter(served).collect()
    }

    /// Two different values ever written at one version of a token.
    pub fn version_conflicts(&self) -> &[VersionConflict] {
        self.writes.conflicts()
    }

    /// The values ever written at each version of `token` (index = version - 1; a value
    /// with version 0 marks a version that was skipped).
    pub fn written_versions(&self, token: TokenId) -> Vec<TokenValue> {
        self.writes.versions(token)
    }

    /// Whether some version of some token was skipped: a later one was written first.
    pub fn any_version_skipped(&self) -> bool {
        self.writes.any_skipped()
    }

    /// The highest-versioned value of each token held by any replica.
    pub fn final_table(&self) -> Vec<TokenValue> {
        let mut table: Vec<TokenValue> = self.world.owners.iter().map(|&owner| TokenValue::initial(owner)).collect();
        for server in self.replicas() {
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

    /// How often the nodes took each rare path of the protocol (coverage probes).
    pub fn probes(&self) -> &ProbeCounts {
        &self.probes
    }

    /// How many events this run may take.
    pub fn event_budget(&self) -> EventBudget {
        self.event_budget
    }

    /// The event count and simulated time when a request was last answered (zero before
    /// any was).
    pub fn last_answer(&self) -> (u64, Instant) {
        (self.events_at_last_answer, self.time_at_last_answer)
    }

    /// How many events have happened since simulated time last moved forward.
    pub fn events_at_this_instant(&self) -> u64 {
        self.counters.events - self.events_at_time_change
    }
}

/// Tracing and scripted input: kept apart from the scheduler above.
impl Simulation {
    /// This simulation, reporting every event to `sink` from now on.
    pub fn with_trace(mut self, sink: Box<dyn TraceSink>) -> Simulation {
        self.trace = Some(sink);
        self
    }

    /// Detach the trace sink, if one is attached (to finish a trace file, say).
    pub fn take_trace(&mut self) -> Option<Box<dyn TraceSink>> {
        self.trace.take()
    }

    /// Report one event, built only if a sink is attached: without one, tracing costs a branch.
    #[inline]
    fn trace(&mut self, event: impl FnOnce() -> TraceEvent) {
        if let Some(sink) = self.trace.as_mut() {
            sink.record(TraceRecord { at: self.now, event: event() });
        }
    }

    /// Hand `request` to node `client` now, as a scripted driver does (outside the random
    /// workload); the id its reply will carry, or `None` if there is no such node or it is
    /// down (crashed). A node that is a server answers with a refusal.
    pub fn submit_scripted(&mut self, client: NodeId, request: Request) -> Option<RequestId> {
        self.submit_observed(client, request, &mut observer::Unobserved)
    }

    /// Hand `request` to node `client` now like [`Simulation::submit_scripted`], showing
    /// `observer` what it sends.
    pub fn submit_observed(
        &mut self,
        client: NodeId,
        request: Request,
        observer: &mut dyn Observer,
    ) -> Option<RequestId> {
        let node = self.node(client).filter(|_| !self.is_crashed(client))?;
        let id = node.next_request_id();
        self.submit(client, request, observer);
        Some(id)
    }
}
