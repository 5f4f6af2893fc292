//! One interactive session: a simulated world driven by commands, one line at a time, each
//! answered with the text a person sees. Terminal I/O is the caller's business.

use super::command::{parse, Command, COMMANDS};
use super::render;
use crate::protocol::{Instant, NodeId, Request, Variant};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Omission, OmissionKind, Ratio, Simulation};
use crate::trace::{MemoryTrace, TraceEvent, TraceRecord, TraceText};
use crate::vocab::count;
use std::fmt::Write as _;

/// Events `settle` processes at most, whatever its time budget says (a guard against a
/// network with zero delay that never lets time pass).
const SETTLE_EVENTS_MAX: u64 = 1_000_000;

/// Whether the session goes on after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Read the next command.
    Continue,
    /// The person asked to end the session.
    Quit,
}

/// A world driven by commands. The same scenario, seed and commands give the same text.
pub struct Session {
    sim: Simulation,
    trace: MemoryTrace,
    /// Every record taken from `trace` so far, so that a delivery prints with its message.
    text: TraceText,
    /// Every command that parsed, as typed (but `save` and `quit`), for `save`.
    script: Vec<String>,
    /// The scenario file as named on the command line; `None` for the embedded default.
    scenario_path: Option<String>,
}

/// What one step, run or settle did, summed up.
#[derive(Default)]
struct Progress {
    events: u64,
    delivered: u64,
    dropped: u64,
    timers: u64,
    /// Answers and scheduled fault events, as readable lines.
    lines: Vec<String>,
}

/// `scenario` as the interactive mode runs it: its world, network and faults (scheduled
/// ones included), without its explicit requests or random workload.
pub fn interactive_scenario(scenario: &Scenario) -> Scenario {
    let mut interactive = scenario.clone();
    interactive.requests.clear();
    interactive.random_workload_mut().requests = 0;
    interactive
}

impl Session {
    /// A session in `scenario`'s world driven by `seed`. `scenario_path` is the file as the
    /// person named it (`None` for the embedded default), written into saved scripts.
    pub fn new(scenario: &Scenario, seed: u64, scenario_path: Option<String>) -> Result<Session, ScenarioError> {
        let trace = MemoryTrace::new();
        let sim = Simulation::new(&interactive_scenario(scenario), seed)?.with_trace(Box::new(trace.clone()));
        Ok(Session { sim, trace, text: TraceText::new(), script: Vec::new(), scenario_path })
    }

    /// The simulation, for inspection.
    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }

    /// What the session says before the first command.
    pub fn banner(&self) -> String {
        let world = self.sim.world();
        let scenario = self.sim.scenario();
        let mut text = format!(
            "tokensim repl: scenario {:?}, seed {}, variant {}\n",
            scenario.name,
            self.sim.seed(),
            scenario.variant
        );
        let tokens = world.owners.len();
        let _ = writeln!(
            text,
            "world: clients {}, servers {}, tokens t0..t{}",
            render::nodes_text(&world.clients),
            render::nodes_text(&world.servers),
            tokens.saturating_sub(1)
        );
        let faulty: Vec<String> = world
            .nodes()
            .into_iter()
            .filter_map(|id| self.sim.fault(id).map(|omission| format!("{id} ({})", render::omission_text(&omission))))
            .collect();
        if !faulty.is_empty() {
            let _ = writeln!(text, "faulty from the start: {}", faulty.join(", "));
        }
        if !scenario.schedule.is_empty() {
            let scheduled = count(
                scenario.schedule.len() as u64,
                "scheduled fault event happens as time passes it",
                "scheduled fault events happen as time passes them",
            );
            let _ = writeln!(text, "{scheduled}");
        }
        text.push_str("the scenario's requests and random workload do not run: you issue requests,\n");
        text.push_str("and simulated time moves only when you say so. Type `help` for the commands.\n");
        text
    }

    /// Carry out one line of input; the text to show and whether to go on. Bad input is
    /// answered with an `error: ` line and never ends the session.
    pub fn execute(&mut self, line: &str) -> (String, Flow) {
        let command = match parse(line) {
            Ok(None) => return (String::new(), Flow::Continue),
            Ok(Some(command)) => command,
            Err(error) => return (format!("error: {error}\n"), Flow::Continue),
        };
        if !matches!(command, Command::Save { .. } | Command::Quit) {
            self.script.push(line.trim().to_string());
        }
        if command == Command::Quit {
            return ("bye\n".to_string(), Flow::Quit);
        }
        match self.apply(command) {
            Ok(text) => (text, Flow::Continue),
            Err(error) => (format!("error: {error}\n"), Flow::Continue),
        }
    }

    fn apply(&mut self, command: Command) -> Result<String, String> {
        match command {
            Command::GetTokens { client, owner } => self.request(client, Request::GetTokens { owner }),
            Command::Pay { client, token, to } => self.request(client, Request::Pay { token, to }),
            Command::BecomeServer { node, via } => self.role_change(Request::BecomeServer { node }, node, via),
            Command::BecomeClient { node, via } => self.role_change(Request::BecomeClient { node }, node, via),
            Command::Step { count } => Ok(self.step(count)),
            Command::Run { duration_us } => Ok(self.run(duration_us)),
            Command::Settle => Ok(self.settle()),
            Command::Status => Ok(render::status(&self.sim)),
            Command::Node { id } => self.known_node(id).map(|node| render::node(&self.sim, node)),
            Command::Token { id } => self.known_token(id).map(|()| render::token(&self.sim, id)),
            // A fault command says what it did itself: its trace records are not news.
            Command::Fault { node, kind, ratio } => self.quietly(|session| session.fault(node, kind, ratio)),
            Command::Heal { node } => self.quietly(|session| session.heal(node)),
            Command::Crash { node } => self.quietly(|session| session.crash(node)),
            Command::Restart { node } => self.quietly(|session| session.restart(node)),
            Command::Partition { nodes } => self.quietly(|session| session.partition(&nodes)),
            Command::Repair => self.quietly(|session| Ok(session.repair())),
            Command::History => Ok(render::history(&self.sim)),
            Command::Rerun => Ok(self.rerun()),
            Command::Save { path } => self.save(&path),
            Command::Help => Ok(help()),
            Command::Quit => unreachable!("handled by `execute`"),
        }
    }

    /// The trace records made since the last call, each with its readable line.
    fn records(&mut self) -> Vec<(TraceRecord, String)> {
        let records = self.trace.take();
        records
            .into_iter()
            .map(|record| {
                let line = self.text.line(&record);
                (record, line)
            })
            .collect()
    }

    /// Run a command that changes faults, dropping the trace records it made.
    fn quietly(&mut self, command: impl FnOnce(&mut Session) -> Result<String, String>) -> Result<String, String> {
        let result = command(self);
        self.records();
        result
    }

    fn known_node(&self, id: NodeId) -> Result<&crate::protocol::Node, String> {
        let count = self.sim.world().nodes().len();
        self.sim.node(id).ok_or_else(|| format!("no node {id}: the nodes are n1..n{count}"))
    }

    fn known_token(&self, id: crate::protocol::TokenId) -> Result<(), String> {
        let count = self.sim.world().owners.len();
        match (id.0 as usize) < count {
            true => Ok(()),
            false => Err(format!("no token {id}: the tokens are t0..t{}", count.saturating_sub(1))),
        }
    }

    /// Hand `request` to `client` now; what was submitted, and its answer if it came at once.
    fn request(&mut self, client: NodeId, request: Request) -> Result<String, String> {
        let behind = self.known_node(client)?.client().current().map(|submitted| submitted.id);
        if self.sim.is_crashed(client) {
            return Err(format!("{client} is down (crashed): nobody can hand it a request until `restart {client}`"));
        }
        let id = self.sim.submit_scripted(client, request).expect("the node exists");
        let records = self.records();
        let sent = records.iter().filter(|(record, _)| matches!(record.event, TraceEvent::Sent { .. })).count();
        let replies: Vec<&String> = records
            .iter()
            .filter(|(r, _)| matches!(r.event, TraceEvent::Replied { .. }))
            .map(|(_, line)| line)
            .collect();
        let mut text = format!("{id} {request} submitted at {}", self.sim.now());
        match behind {
            Some(earlier) => {
                let _ = write!(text, "; queued behind {earlier}");
            }
            None if replies.is_empty() => {
                let _ = write!(text, "; {} sent", count(sent as u64, "message", "messages"));
            }
            None => {}
        }
        text.push('\n');
        for reply in replies {
            let _ = writeln!(text, "{reply}");
        }
        Ok(text)
    }

    /// A role change of `node`, asked of `via` or of the lowest-id correct client.
    fn role_change(&mut self, request: Request, node: NodeId, via: Option<NodeId>) -> Result<String, String> {
        self.known_node(node)?;
        let (asker, chosen) = match via {
            Some(via) => (via, false),
            None => (self.pick_coordinator(node)?, true),
        };
        let mut text = self.request(asker, request)?;
        if chosen {
            text.insert_str(0, &format!("asked of {asker}, the lowest-id correct client other than {node}\n"));
        }
        Ok(text)
    }

    /// The lowest-id node that is a client, has no fault, and is not `node`.
    fn pick_coordinator(&self, node: NodeId) -> Result<NodeId, String> {
        let candidates = self.sim.world().nodes().into_iter().filter(|&id| id != node && !self.sim.is_faulty(id));
        let mut clients = candidates.filter(|&id| self.sim.node(id).is_some_and(|n| !n.is_server()));
        clients.next().ok_or_else(|| {
            format!(
                "no correct client other than {node} is left to coordinate the change; name one with `via <client>`"
            )
        })
    }

    /// Process up to `count` events, printing every trace line.
    fn step(&mut self, count: u64) -> String {
        let mut text = String::new();
        for _ in 0..count {
            if self.sim.process_next().is_none() {
                text.push_str("nothing to do: no event is waiting\n");
                break;
            }
            for (record, line) in self.records() {
                let _ = writeln!(text, "{}", session_line(&record, line));
            }
        }
        text
    }

    /// Process one event and fold what it did into `progress`; `false` if none was waiting.
    fn advance(&mut self, progress: &mut Progress) -> bool {
        if self.sim.process_next().is_none() {
            return false;
        }
        progress.events += 1;
        for (record, line) in self.records() {
            match record.event {
                TraceEvent::Delivered { .. } => progress.delivered += 1,
                TraceEvent::Dropped { .. } => progress.dropped += 1,
                TraceEvent::TimerFired { .. } => progress.timers += 1,
                // Replies, and the scheduled fault events: crashes, restarts, faults, partitions.
                TraceEvent::Replied { .. }
                | TraceEvent::Crashed { .. }
                | TraceEvent::Restarted { .. }
                | TraceEvent::FaultChanged { .. }
                | TraceEvent::Partitioned { .. } => progress.lines.push(session_line(&record, line)),
                _ => {}
            }
        }
        true
    }

    /// Advance simulated time by `duration_us`.
    fn run(&mut self, duration_us: u64) -> String {
        let until = self.sim.now().after_us(duration_us);
        let mut progress = Progress::default();
        while self.sim.next_event_at().is_some_and(|at| at <= until) {
            self.advance(&mut progress);
        }
        self.sim.advance_to(until);
        progress_text(&format!("now {}", self.sim.now()), &progress)
    }

    /// Run until nothing the protocol needs is in flight, within the scenario's liveness
    /// budget of simulated time.
    fn settle(&mut self) -> String {
        if self.settled() {
            return "already settled: no request is open and no message is in flight\n".to_string();
        }
        let budget_us = self.sim.scenario().expect.liveness_budget_us;
        let limit = self.sim.now().after_us(budget_us);
        let mut progress = Progress::default();
        while !self.settled() && progress.events < SETTLE_EVENTS_MAX {
            if self.sim.next_event_at().is_none_or(|at| at > limit) || !self.advance(&mut progress) {
                break;
            }
        }
        if self.settled() {
            return progress_text(&format!("settled at {}", self.sim.now()), &progress);
        }
        if self.sim.next_event_at().is_some_and(|at| at > limit) {
            self.sim.advance_to(limit);
        }
        let head = format!("gave up at {}, {} after settle began", self.sim.now(), Instant(budget_us));
        let mut text = progress_text(&head, &progress);
        let open = self.sim.history().open();
        let _ = writeln!(
            text,
            "still open: {}; in flight: {}",
            count(open as u64, "request", "requests"),
            render::in_flight_text(&self.sim)
        );
        for record in self.sim.history().unanswered() {
            let _ = writeln!(text, "  {}", render::record_text(record));
        }
        if open == 0 {
            text.push_str(
                "(no request waits: what is left is installs being resent to nodes that do not acknowledge them)\n",
            );
        }
        text
    }

    /// Whether no request is open and no message is in flight.
    fn settled(&self) -> bool {
        self.sim.history().open() == 0 && self.sim.messages_in_flight() == 0
    }

    fn fault(&mut self, node: NodeId, kind: OmissionKind, ratio: Ratio) -> Result<String, String> {
        self.known_node(node)?;
        self.sim.set_fault(node, Some(Omission { kind, ratio }));
        let what = match kind {
            OmissionKind::Send => "sends",
            OmissionKind::Receive => "receives",
            OmissionKind::Both => "sends and receives",
        };
        let share = if ratio == Ratio::ALWAYS { "every one".to_string() } else { ratio.to_string() };
        let mut text = format!("{node} now loses {share} of the messages it {what}\n");
        text.push_str(&self.budget_warning());
        Ok(text)
    }

    /// A warning line when half or more of the current configuration's servers are faulty.
    fn budget_warning(&self) -> String {
        let servers = self.sim.current_config().servers;
        let faulty = servers.iter().filter(|&&id| self.sim.is_faulty(id)).count();
        if faulty * 2 < servers.len() {
            return String::new();
        }
        format!(
            "warning: {faulty} of {} servers are faulty, breaking the fault budget (fewer than half): \
             requests may go unanswered, though safety must still hold\n",
            servers.len()
        )
    }

    fn heal(&mut self, node: NodeId) -> Result<String, String> {
        self.known_node(node)?;
        let had = self.sim.fault(node).is_some();
        self.sim.set_fault(node, None);
        Ok(if had { format!("{node} is correct again\n") } else { format!("{node} had no fault\n") })
    }

    fn crash(&mut self, node: NodeId) -> Result<String, String> {
        self.known_node(node)?;
        let lost = self.sim.crash(node).ok_or_else(|| format!("{node} is down already; `restart {node}` first"))?;
        let mut text = format!("{node} crashed: it sends, receives and times nothing until `restart {node}`");
        if !lost.is_empty() {
            let ids: Vec<String> = lost.iter().map(ToString::to_string).collect();
            let _ = write!(text, "; lost, never to be answered: {}", ids.join(" "));
        }
        text.push('\n');
        text.push_str(&self.budget_warning());
        Ok(text)
    }

    fn restart(&mut self, node: NodeId) -> Result<String, String> {
        self.known_node(node)?;
        if !self.sim.restart(node) {
            return Err(format!("{node} is not down: only a crashed node restarts"));
        }
        let client = self.sim.node(node).expect("known").client();
        let mut text = format!(
            "{node} restarted from its durable state: configuration e{}, next request {}, ballot round {}",
            client.config().epoch.0,
            client.next_request_id(),
            client.highest_ballot_round()
        );
        if let Some((token, value)) = client.write_in_doubt() {
            let _ = write!(
                text,
                "; its next request first finishes writing {token}@{} (a pay lost in the crash)",
                value.version
            );
        }
        text.push('\n');
        Ok(text)
    }

    fn partition(&mut self, nodes: &[NodeId]) -> Result<String, String> {
        for &node in nodes {
            self.known_node(node)?;
        }
        self.sim.partition(nodes);
        let cut_off = self.sim.partitioned();
        Ok(format!("{} cut off from the rest (replacing any earlier partition)\n", render::nodes_text(&cut_off)))
    }

    fn repair(&mut self) -> String {
        let had = !self.sim.partitioned().is_empty();
        self.sim.repair();
        if had { "partition repaired\n" } else { "there was no partition\n" }.to_string()
    }

    fn rerun(&self) -> String {
        let mut text = match crate::check::rerun::fault_free_rerun(&self.sim) {
            Ok(comparison) => comparison.describe(),
            Err(error) => format!("the fault-free rerun failed: {error}"),
        };
        text.push('\n');
        let open = self.sim.history().open();
        if open > 0 {
            let _ = writeln!(text, "({open} open requests are not rerun)");
        }
        text
    }

    /// Write the session's commands so far as a script that replays it.
    fn save(&self, path: &str) -> Result<String, String> {
        let replay = self.replay_command(path);
        let mut script = format!("# tokensim repl session: scenario {:?}\n", self.sim.scenario().name);
        let _ = writeln!(script, "# replay it with: {replay}");
        for line in &self.script {
            script.push_str(line);
            script.push('\n');
        }
        std::fs::write(path, script).map_err(|error| format!("cannot write {path}: {error}"))?;
        let commands = count(self.script.len() as u64, "command", "commands");
        Ok(format!("saved {commands} to {path}; replay them with: {replay}\n"))
    }

    fn replay_command(&self, path: &str) -> String {
        let scenario = self.scenario_path.as_ref().map_or_else(String::new, |path| format!(" {path}"));
        let variant = match self.sim.scenario().variant {
            Variant::Correct => String::new(),
            other => format!(" --variant {other}"),
        };
        format!("tokensim repl{scenario} --seed {}{variant} < {path}", self.sim.seed())
    }
}

/// A trace record as the session prints it. Fault events (`fault`, `crash`, `restart`) are
/// marked as the scenario's: the ones this session's own commands make are reported by the
/// commands, not as trace lines.
fn session_line(record: &TraceRecord, line: String) -> String {
    match record.event {
        TraceEvent::Crashed { .. }
        | TraceEvent::Restarted { .. }
        | TraceEvent::FaultChanged { .. }
        | TraceEvent::Partitioned { .. } => format!("{line} (scheduled)"),
        _ => line,
    }
}

fn progress_text(head: &str, progress: &Progress) -> String {
    let mut text = format!(
        "{head}: {}; messages {} delivered, {} dropped; {} fired\n",
        count(progress.events, "event", "events"),
        progress.delivered,
        progress.dropped,
        count(progress.timers, "timer", "timers")
    );
    for line in &progress.lines {
        let _ = writeln!(text, "{line}");
    }
    text
}

fn help() -> String {
    let mut text = String::from("commands (node ids as 3 or n3, token ids as 5 or t5):\n");
    for spec in COMMANDS {
        let usage = format!("{} {}", spec.name, spec.arguments);
        let _ = writeln!(text, "  {:<44} {}", usage.trim_end(), spec.summary);
    }
    text.push_str("lines starting with # are comments\n");
    text
}
