//! The run page's data model: a trace folded, one record at a time, into compact columns
//! that the page's script draws from.
//!
//! Why columns: a long run has hundreds of thousands of events, and the page must stay
//! small and quick to load. A message is a handful of small integers in parallel arrays
//! (send times delta-coded), and every repeated text (payloads, request descriptions,
//! outcomes) is stored once in a string table and referred to by index.
//!
//! Which delivery belongs to which send the trace says: a delivery or a loss names its
//! message by id, and a copy the network made is marked as one (it is drawn from its
//! original's send). A delivery whose send is not in the trace (a hand-made trace) is left
//! out, with a note.
//!
//! What the trace does not say directly is inferred here, and documented in `docs/VIEW.md`:
//! - Which request a message serves: data messages carry their request in their phase tag;
//!   reconfiguration messages (and `new_config`) are given to the request the client at
//!   either end was running at the time, if any.
//! - Roles: a lane's role changes where a role change is answered `RoleChanged`.

use super::faults::{scenario_troubles, TroubleKind, Unavailable};
use super::words;
use crate::check::Violation;
use crate::protocol::{NodeId, Outcome, Request, RequestId, Timer};
use crate::sim::{DropReason, MessageId, TracedMessage};
use crate::trace::{TraceEvent, TraceFilter, TraceHeader, TraceRecord};
use serde::Serialize;
// HashMap only for lookups that are never iterated (`sent`, `Interner::index`): no order
// reaches a page.
use std::collections::{BTreeMap, BTreeSet, HashMap}; // HashMap: lookups only, never iterated

/// The format of the data embedded in a page; the page's script checks it.
pub const PAGE_DATA_FORMAT: u32 = 1;

/// A message's fate, as the page's `fate` column codes it (low 3 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Fate {
    /// Delivered to its receiver.
    Delivered = 0,
    /// Lost at the sender (send omission).
    SenderOmission = 1,
    /// Lost at the receiver (receive omission).
    ReceiverOmission = 2,
    /// Lost on the link.
    LinkLoss = 3,
    /// Lost to a partition.
    Partition = 4,
    /// Still in flight when the run (or the trace) ended.
    InFlight = 5,
    /// Lost at the receiver, which was down (crashed).
    ReceiverDown = 6,
}

/// Added to a fate: the message is a copy the network made (or a delivery without a send).
pub const FATE_DUPLICATE: u8 = 8;

impl Fate {
    /// Whether a message with this fate was lost as it was sent (drawn as a stub at its sender).
    fn at_sender(self) -> bool {
        matches!(self, Fate::SenderOmission | Fate::LinkLoss | Fate::Partition)
    }

    fn of(reason: DropReason) -> Fate {
        match reason {
            DropReason::SenderOmission => Fate::SenderOmission,
            DropReason::ReceiverOmission => Fate::ReceiverOmission,
            // A loss a schedule chose stands for a lossy link.
            DropReason::LinkLoss | DropReason::Chosen => Fate::LinkLoss,
            DropReason::Partition => Fate::Partition,
            DropReason::Crashed => Fate::ReceiverDown,
        }
    }
}

/// A node down from `from_us` until `to_us` (`None`: to the end of the run).
fn crash_trouble(node: NodeId, from_us: u64, to_us: Option<u64>) -> Unavailable {
    let label = "down: crashed (sends and receives nothing; restarts from its durable state)".to_string();
    Unavailable { node, from_us, to_us, kind: TroubleKind::Crash, label }
}

/// A request's result class (the page colours spans by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum ResultClass {
    /// Answered: tokens listed, or a pay that succeeded.
    Ok = 0,
    /// Answered with a refusal.
    Refused = 1,
    /// A role change that took effect.
    RoleChanged = 2,
    /// Never answered.
    Unanswered = 3,
}

/// Everything the page shows, as embedded (JSON) in it. Field names are short on purpose:
/// they are the page's wire format, read by `assets/run.js`.
#[derive(Debug, Serialize)]
pub struct PageData {
    /// [`PAGE_DATA_FORMAT`].
    pub format: u32,
    /// The header: scenario, seed, variant, verdict.
    pub run: RunInfo,
    /// One lane per node, ascending by id.
    pub lanes: Vec<LaneData>,
    /// Role changes, in time order.
    pub roles: Vec<RoleChange>,
    /// When nodes were faulty or cut off.
    pub troubles: Vec<TroubleData>,
    /// Message kind names, indexed by the `kind` column.
    pub kinds: Vec<&'static str>,
    /// Interned texts, indexed by the `text`, `what` and `outcome` columns.
    pub strings: Vec<String>,
    /// Every message, ascending by send time.
    pub msgs: MessageColumns,
    /// Every request, in submission order.
    pub reqs: RequestColumns,
    /// Every timer that fired, in time order.
    pub timers: TimerColumns,
    /// The violations found, with the requests involved.
    pub violations: Vec<ViolationData>,
}

/// The page's header.
#[derive(Debug, Serialize)]
pub struct RunInfo {
    /// The scenario's name.
    pub scenario: String,
    /// What it demonstrates.
    pub description: String,
    /// The seed, as text (seeds beyond 2^53 do not fit a JavaScript number).
    pub seed: String,
    /// The protocol variant.
    pub variant: String,
    /// The tokensim version that wrote the trace.
    pub tokensim: String,
    /// `pass`, `fail`, or `unknown` when the verdict was not available.
    pub verdict: String,
    /// The property the scenario is expected to break, if any.
    pub expected: Option<String>,
    /// The last event's time (µs), at least 1.
    pub end: u64,
    /// How many trace records were read.
    pub events: u64,
    /// Remarks for people, such as a truncated trace.
    pub notes: Vec<String>,
    /// The view the page opens on when its address names none, in the address's form
    /// (`window=1.5,2&nodes=n3&token=5&request=n1%232`); empty for the usual first view.
    pub view: String,
}

/// One node's lane.
#[derive(Debug, Serialize)]
pub struct LaneData {
    /// The node id.
    pub id: u32,
    /// `n7`.
    pub name: String,
    /// Whether the node starts as a server.
    pub server: bool,
}

/// A lane's role changing.
#[derive(Debug, Serialize)]
pub struct RoleChange {
    /// When (µs).
    pub at: u64,
    /// The lane.
    pub lane: usize,
    /// Whether the node is a server from then on.
    pub server: bool,
    /// The configuration's epoch.
    pub epoch: u64,
    /// The role change request that answered it (index into the requests).
    pub by: usize,
}

/// An [`Unavailable`] interval on a lane.
#[derive(Debug, Serialize)]
pub struct TroubleData {
    /// The lane.
    pub lane: usize,
    /// From (µs).
    pub from: u64,
    /// To (µs); the end of the run when open.
    pub to: u64,
    /// What kind.
    pub kind: TroubleKind,
    /// For people.
    pub label: String,
}

/// Messages as parallel columns, one entry per message.
#[derive(Debug, Default, Serialize)]
pub struct MessageColumns {
    /// Send time, delta-coded: each entry is the difference from the previous one (µs).
    pub t: Vec<u64>,
    /// From send to delivery or loss (µs); 0 for a loss at the sender.
    pub d: Vec<u64>,
    /// The sender's lane.
    pub from: Vec<usize>,
    /// The receiver's lane.
    pub to: Vec<usize>,
    /// Index into `kinds`.
    pub kind: Vec<u8>,
    /// The request served (index into the requests), or -1.
    pub req: Vec<i64>,
    /// The phase counter of a data message, or -1.
    pub phase: Vec<i64>,
    /// [`Fate`], plus [`FATE_DUPLICATE`] for copies.
    pub fate: Vec<u8>,
    /// The payload in words (index into `strings`).
    pub text: Vec<usize>,
}

/// Requests as parallel columns, one entry per request.
#[derive(Debug, Default, Serialize)]
pub struct RequestColumns {
    /// The client's lane.
    pub lane: Vec<usize>,
    /// The client's sequence number.
    pub seq: Vec<u64>,
    /// Submitted at (µs).
    pub sub: Vec<u64>,
    /// Started at (µs), or -1.
    pub start: Vec<i64>,
    /// Answered at (µs), or -1.
    pub end: Vec<i64>,
    /// What it asks, such as `pay(t3, n2)` (index into `strings`).
    pub what: Vec<usize>,
    /// The answer in words (index into `strings`), or -1.
    pub outcome: Vec<i64>,
    /// The result class: 0 ok, 1 refused, 2 role changed, 3 unanswered.
    pub class: Vec<u8>,
    /// The tokens it is about: its pay's token, the tokens its answer lists, the tokens
    /// its writes carried. Ascending.
    pub tokens: Vec<Vec<u32>>,
}

/// Timers that fired, as parallel columns.
#[derive(Debug, Default, Serialize)]
pub struct TimerColumns {
    /// Time, delta-coded like the messages' (µs).
    pub t: Vec<u64>,
    /// The node's lane.
    pub lane: Vec<usize>,
    /// What for (index into `strings`).
    pub text: Vec<usize>,
}

/// A violation, ready to show.
#[derive(Debug, Serialize)]
pub struct ViolationData {
    /// The property's name.
    pub property: String,
    /// The property broken, in words.
    pub title: String,
    /// What the property means.
    pub explain: String,
    /// The checker's own words.
    pub detail: String,
    /// When it shows (µs), if known.
    pub at: Option<u64>,
    /// Every request involved, by name (`n1#2`).
    pub op_names: Vec<String>,
    /// For each name, its index into the requests, or -1 when the trace does not hold it.
    pub ops: Vec<i64>,
    /// How many times the checkers reported this same violation.
    pub count: u64,
}

/// Folds trace records, in order, into a [`PageData`]. Memory grows with the number of
/// messages and requests, not with their payloads: payloads are kept as interned texts.
pub struct RunModel {
    info: RunInfo,
    world_servers: BTreeSet<u32>,
    nodes: BTreeSet<u32>,
    strings: Interner,
    // Messages, before lanes are known: node ids in `from`/`to`, absolute send times.
    sends: Vec<u64>,
    msgs: MessageColumns,
    /// Each message sent, by id: its index in the columns. Lookup only (never iterated),
    /// so the hash map cannot change the output's order.
    sent: HashMap<MessageId, usize>, // lookup only
    /// Deliveries and losses of messages the trace never sent (hand-made traces).
    unmatched: u64,
    requests: Vec<RequestBuild>,
    request_index: BTreeMap<RequestId, usize>,
    open: BTreeMap<u32, usize>,
    epoch: Option<u64>,
    servers: BTreeSet<u32>,
    roles: Vec<(u64, u32, bool, u64, usize)>,
    timers: Vec<(u64, u32, usize)>,
    troubles: Vec<Unavailable>,
    /// Nodes down now (crashed in the trace, not restarted yet), with when they went down.
    down: BTreeMap<u32, u64>,
    /// The filters the page opens with (`show --html` with filters).
    first_view: TraceFilter,
}

struct RequestBuild {
    id: RequestId,
    what: usize,
    submitted: u64,
    started: Option<u64>,
    answered: Option<u64>,
    outcome: Option<usize>,
    class: ResultClass,
    tokens: BTreeSet<u32>,
}

/// Texts stored once each, numbered in order of first use (so the output is deterministic).
#[derive(Default)]
struct Interner {
    texts: Vec<String>,
    /// Each text's number; looked up, never iterated (the order is `texts`).
    index: HashMap<String, usize>, // lookup only
}

impl Interner {
    fn intern(&mut self, text: String) -> usize {
        if let Some(&index) = self.index.get(&text) {
            return index;
        }
        self.texts.push(text.clone());
        self.index.insert(text, self.texts.len() - 1);
        self.texts.len() - 1
    }
}

impl RunModel {
    /// An empty model of the run `header` describes.
    pub fn new(header: &TraceHeader) -> RunModel {
        let scenario = &header.scenario;
        let (nodes, servers) = match scenario.world("trace") {
            Ok(world) => (
                world.nodes().into_iter().map(|n| n.0).collect(),
                world.servers.iter().map(|n| n.0).collect::<BTreeSet<u32>>(),
            ),
            // An invalid scenario still has a trace worth seeing: lanes come from the events.
            Err(_) => (BTreeSet::new(), BTreeSet::new()),
        };
        let info = RunInfo {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: header.seed.to_string(),
            variant: scenario.variant.to_string(),
            tokensim: header.tokensim.clone(),
            verdict: "unknown".to_string(),
            expected: scenario.expect.violation.map(|p| p.name().to_string()),
            end: 1,
            events: 0,
            notes: Vec::new(),
            view: String::new(),
        };
        RunModel {
            info,
            world_servers: servers.clone(),
            nodes,
            strings: Interner::default(),
            sends: Vec::new(),
            msgs: MessageColumns::default(),
            sent: HashMap::new(), // lookup only
            unmatched: 0,
            requests: Vec::new(),
            request_index: BTreeMap::new(),
            open: BTreeMap::new(),
            epoch: None,
            servers,
            roles: Vec::new(),
            timers: Vec::new(),
            troubles: scenario_troubles(scenario),
            down: BTreeMap::new(),
            first_view: TraceFilter::default(),
        }
    }

    /// Open the page on the records `filter` keeps: its nodes, token and request as the page's
    /// filters, its time window as the page's. The page still holds the whole run.
    pub fn open_on(&mut self, filter: &TraceFilter) {
        self.first_view = filter.clone();
    }

    /// A remark shown under the page's header (a truncated trace, an unknown verdict).
    pub fn note(&mut self, note: impl Into<String>) {
        self.info.notes.push(note.into());
    }

    /// Fold in the next record; records must come in trace order.
    pub fn add(&mut self, record: &TraceRecord) {
        let at = record.at.0;
        self.info.events += 1;
        self.info.end = self.info.end.max(at);
        match &record.event {
            TraceEvent::Submitted { id, request } => {
                self.request(*id, request, at);
            }
            TraceEvent::Started { id, request } => {
                let index = self.request(*id, request, at);
                self.requests[index].started.get_or_insert(at);
                self.open.insert(id.client.0, index);
            }
            TraceEvent::Replied { id, request, outcome } => self.replied(*id, request, outcome, at),
            TraceEvent::Sent { id, message, .. } => {
                let index = self.push_message(at, id.from, id.to, message);
                self.sent.insert(*id, index);
            }
            TraceEvent::Delivered { id, copy } => self.fate(at, *id, *copy, Fate::Delivered),
            TraceEvent::Dropped { id, copy, reason } => self.fate(at, *id, *copy, Fate::of(*reason)),
            TraceEvent::TimerFired { node, timer } => {
                self.nodes.insert(node.0);
                let text = match timer {
                    Timer::Retransmit { phase } => format!("retransmit timer of phase p{phase}"),
                    Timer::Install { epoch } => format!("install timer of e{}", epoch.0),
                };
                let text = self.strings.intern(text);
                self.timers.push((at, node.0, text));
            }
            // Crashes are shaded from the trace (the REPL can crash nodes the scenario does
            // not); omission faults and partitions from the scenario (`scenario_troubles`).
            TraceEvent::Crashed { node, .. } => {
                self.nodes.insert(node.0);
                self.down.entry(node.0).or_insert(at);
            }
            TraceEvent::Restarted { node } => {
                if let Some(from_us) = self.down.remove(&node.0) {
                    self.troubles.push(crash_trouble(*node, from_us, Some(at)));
                }
            }
            TraceEvent::FaultChanged { .. } | TraceEvent::Partitioned { .. } => {}
        }
    }

    /// The index of request `id`, created at `at` if the trace had not shown it yet.
    fn request(&mut self, id: RequestId, request: &Request, at: u64) -> usize {
        if let Some(&index) = self.request_index.get(&id) {
            return index;
        }
        self.nodes.insert(id.client.0);
        let mut tokens = BTreeSet::new();
        if let Request::Pay { token, .. } = request {
            tokens.insert(token.0);
        }
        let what = self.strings.intern(request.to_string());
        self.requests.push(RequestBuild {
            id,
            what,
            submitted: at,
            started: None,
            answered: None,
            outcome: None,
            class: ResultClass::Unanswered,
            tokens,
        });
        self.request_index.insert(id, self.requests.len() - 1);
        self.requests.len() - 1
    }

    fn replied(&mut self, id: RequestId, request: &Request, outcome: &Outcome, at: u64) {
        let index = self.request(id, request, at);
        if self.open.get(&id.client.0) == Some(&index) {
            self.open.remove(&id.client.0);
        }
        let text = self.strings.intern(outcome.to_string());
        let build = &mut self.requests[index];
        build.answered = Some(at);
        build.outcome = Some(text);
        build.class = match outcome {
            Outcome::Tokens { tokens, .. } => {
                build.tokens.extend(tokens.iter().map(|(token, _)| token.0));
                ResultClass::Ok
            }
            Outcome::Paid { token, .. } => {
                build.tokens.insert(token.0);
                ResultClass::Ok
            }
            Outcome::RoleChanged { .. } => ResultClass::RoleChanged,
            Outcome::Refused(refusal) => {
                if let Some(token) = words::refusal_token(refusal) {
                    build.tokens.insert(token);
                }
                ResultClass::Refused
            }
        };
        if let Outcome::RoleChanged { epoch, servers } = outcome {
            self.role_changed(at, epoch.0, servers, index);
        }
    }

    /// A configuration took effect: every node's role from now on. An answer about an older
    /// configuration than one already seen (a late coordinator's) changes nothing.
    fn role_changed(&mut self, at: u64, epoch: u64, servers: &[NodeId], by: usize) {
        if self.epoch.is_some_and(|seen| seen >= epoch) {
            return;
        }
        self.epoch = Some(epoch);
        let now: BTreeSet<u32> = servers.iter().map(|n| n.0).collect();
        self.nodes.extend(now.iter().copied());
        for &node in &self.nodes {
            let (was, is) = (self.servers.contains(&node), now.contains(&node));
            if was != is {
                self.roles.push((at, node, is, epoch, by));
            }
        }
        self.servers = now;
    }

    /// A message sent at `at`, in flight until its fate is known; its index in the columns.
    fn push_message(&mut self, at: u64, from: NodeId, to: NodeId, message: &TracedMessage) -> usize {
        self.nodes.insert(from.0);
        self.nodes.insert(to.0);
        let (req, phase) = match message.tag() {
            Some(tag) => (self.request_index.get(&tag.request).map_or(-1, |&i| i as i64), i64::from(tag.phase)),
            // Reconfiguration: the request the client at either end is running, if any.
            None => {
                let open = self.open.get(&from.0).or_else(|| self.open.get(&to.0));
                (open.map_or(-1, |&i| i as i64), -1)
            }
        };
        if let (TracedMessage::Write { values, .. }, Ok(index)) = (message, usize::try_from(req)) {
            self.requests[index].tokens.extend(values.listed().iter().map(|(token, _)| token.0));
        }
        let text = self.strings.intern(words::payload(message));
        self.sends.push(at);
        self.msgs.d.push(0);
        self.msgs.from.push(from.0 as usize);
        self.msgs.to.push(to.0 as usize);
        self.msgs.kind.push(words::kind_index(message));
        self.msgs.req.push(req);
        self.msgs.phase.push(phase);
        self.msgs.fate.push(Fate::InFlight as u8);
        self.msgs.text.push(text);
        self.sends.len() - 1
    }

    /// The message `id` (or its `copy`) was delivered or lost at `at`. A copy is drawn as a
    /// message of its own, from its original's send.
    fn fate(&mut self, at: u64, id: MessageId, copy: bool, fate: Fate) {
        self.nodes.insert(id.from.0);
        self.nodes.insert(id.to.0);
        let Some(&original) = self.sent.get(&id) else {
            self.unmatched += 1;
            return;
        };
        let index = match copy {
            false => original,
            true => self.push_copy(original),
        };
        self.msgs.fate[index] = fate as u8 | if copy { FATE_DUPLICATE } else { 0 };
        // A loss at the sender happens as it is sent (a schedule's loss is drawn there too).
        self.msgs.d[index] = if fate.at_sender() { 0 } else { at.saturating_sub(self.sends[index]) };
    }

    /// A second message like the one at `original`, sent when it was; its index.
    fn push_copy(&mut self, original: usize) -> usize {
        self.sends.push(self.sends[original]);
        self.msgs.d.push(0);
        self.msgs.from.push(self.msgs.from[original]);
        self.msgs.to.push(self.msgs.to[original]);
        self.msgs.kind.push(self.msgs.kind[original]);
        self.msgs.req.push(self.msgs.req[original]);
        self.msgs.phase.push(self.msgs.phase[original]);
        self.msgs.fate.push(Fate::InFlight as u8 | FATE_DUPLICATE);
        self.msgs.text.push(self.msgs.text[original]);
        self.sends.len() - 1
    }

    /// The finished data, with the checkers' `violations` (their requests highlighted), or
    /// `None` when no checker judged the run (the verdict is then shown as unknown).
    pub fn finish(mut self, violations: Option<&[Violation]>) -> PageData {
        if self.unmatched > 0 {
            let count = crate::vocab::count(self.unmatched, "delivery or loss", "deliveries or losses");
            self.note(format!("{count} of messages the trace never sent are not drawn."));
        }
        let end = self.info.end.max(1);
        self.info.end = end;
        self.info.view = view_address(&self.first_view, end);
        self.info.verdict = match violations {
            None => "unknown",
            Some([]) => "pass",
            Some(_) => "fail",
        }
        .to_string();
        let violations = violations.unwrap_or_default();
        let still_down: Vec<(u32, u64)> = std::mem::take(&mut self.down).into_iter().collect();
        for (node, from_us) in still_down {
            self.troubles.push(crash_trouble(NodeId(node), from_us, None));
        }
        for node in self.troubles.iter().map(|t| t.node.0) {
            self.nodes.insert(node);
        }
        let ids: Vec<u32> = self.nodes.iter().copied().collect();
        let lane_of = |node: u32| ids.binary_search(&node).unwrap_or(0);
        let lanes = ids
            .iter()
            .map(|&id| LaneData { id, name: NodeId(id).to_string(), server: self.world_servers.contains(&id) })
            .collect();
        let roles = self
            .roles
            .iter()
            .map(|&(at, node, server, epoch, by)| RoleChange { at, lane: lane_of(node), server, epoch, by })
            .collect();
        let troubles = self
            .troubles
            .iter()
            .filter(|t| t.from_us <= end)
            .map(|t| TroubleData {
                lane: lane_of(t.node.0),
                from: t.from_us,
                to: t.to_us.unwrap_or(end).min(end),
                kind: t.kind,
                label: t.label.clone(),
            })
            .collect();
        let msgs = self.message_columns(&lane_of, end);
        let reqs = self.request_columns(&lane_of);
        let timers = self.timer_columns(&lane_of);
        let violations = self.violations(violations);
        PageData {
            format: PAGE_DATA_FORMAT,
            run: self.info,
            lanes,
            roles,
            troubles,
            kinds: words::KIND_NAMES.to_vec(),
            strings: self.strings.texts,
            msgs,
            reqs,
            timers,
            violations,
        }
    }

    /// The message columns in send-time order (copies were appended late), lanes resolved,
    /// in-flight messages drawn to the end of the run.
    fn message_columns(&mut self, lane_of: &dyn Fn(u32) -> usize, end: u64) -> MessageColumns {
        let m = std::mem::take(&mut self.msgs);
        let mut order: Vec<usize> = (0..self.sends.len()).collect();
        order.sort_by_key(|&i| (self.sends[i], i));
        let mut out = MessageColumns::default();
        let mut previous = 0;
        for i in order {
            let sent = self.sends[i];
            out.t.push(sent - previous);
            previous = sent;
            let in_flight = m.fate[i] & 7 == Fate::InFlight as u8;
            out.d.push(if in_flight { end.saturating_sub(sent) } else { m.d[i] });
            out.from.push(lane_of(m.from[i] as u32));
            out.to.push(lane_of(m.to[i] as u32));
            out.kind.push(m.kind[i]);
            out.req.push(m.req[i]);
            out.phase.push(m.phase[i]);
            out.fate.push(m.fate[i]);
            out.text.push(m.text[i]);
        }
        out
    }

    fn request_columns(&mut self, lane_of: &dyn Fn(u32) -> usize) -> RequestColumns {
        let mut out = RequestColumns::default();
        for r in &self.requests {
            out.lane.push(lane_of(r.id.client.0));
            out.seq.push(r.id.sequence);
            out.sub.push(r.submitted);
            out.start.push(r.started.map_or(-1, |t| t as i64));
            out.end.push(r.answered.map_or(-1, |t| t as i64));
            out.what.push(r.what);
            out.outcome.push(r.outcome.map_or(-1, |t| t as i64));
            out.class.push(r.class as u8);
            out.tokens.push(r.tokens.iter().copied().collect());
        }
        out
    }

    fn timer_columns(&mut self, lane_of: &dyn Fn(u32) -> usize) -> TimerColumns {
        let mut out = TimerColumns::default();
        let mut previous = 0;
        // A trace out of time order (hand-made) must not make a delta negative.
        self.timers.sort_by_key(|&(at, _, _)| at);
        for &(at, node, text) in &self.timers {
            out.t.push(at - previous);
            previous = at;
            out.lane.push(lane_of(node));
            out.text.push(text);
        }
        out
    }

    /// The violations in the checkers' order (safety first), each reported once with a count:
    /// checkers may report the same finding several times (once per server that saw it).
    fn violations(&self, violations: &[Violation]) -> Vec<ViolationData> {
        let mut out: Vec<ViolationData> = Vec::new();
        for violation in violations {
            let (title, explain) = words::property_words(violation.property);
            let data = ViolationData {
                property: violation.property.name().to_string(),
                title: title.to_string(),
                explain: explain.to_string(),
                detail: violation.detail.clone(),
                at: violation.at.map(|at| at.0),
                op_names: violation.operations.iter().map(ToString::to_string).collect(),
                ops: violation
                    .operations
                    .iter()
                    .map(|id| self.request_index.get(id).map_or(-1, |&i| i as i64))
                    .collect(),
                count: 1,
            };
            let same = out.iter_mut().find(|seen| {
                (&seen.property, &seen.detail, seen.at, &seen.op_names)
                    == (&data.property, &data.detail, data.at, &data.op_names)
            });
            match same {
                Some(seen) => seen.count += 1,
                None => out.push(data),
            }
        }
        out
    }
}

/// `filter` as a page address names a view (`window=1.500000,2.000000&nodes=n3`), its window
/// running from the run's start or to its `end` where the filter leaves it open.
fn view_address(filter: &TraceFilter, end: u64) -> String {
    let seconds = |us: u64| format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
    let mut parts = Vec::new();
    if filter.from.is_some() || filter.to.is_some() {
        let from = filter.from.map_or(0, |from| from.0);
        let to = filter.to.map_or(end, |to| to.0).max(from + 1);
        parts.push(format!("window={},{}", seconds(from), seconds(to)));
    }
    if !filter.nodes.is_empty() {
        let names: Vec<String> = filter.nodes.iter().map(ToString::to_string).collect();
        parts.push(format!("nodes={}", names.join(",")));
    }
    parts.extend(filter.token.map(|token| format!("token={}", token.0)));
    parts.extend(filter.request.map(|request| format!("request={}%23{}", request.client, request.sequence)));
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn model_of(scenario: &Scenario, seed: u64) -> PageData {
        let (_, records) = crate::trace::record_run(scenario, seed).unwrap();
        let mut model = RunModel::new(&TraceHeader::new(scenario, seed));
        for record in &records {
            model.add(record);
        }
        model.finish(Some(&[]))
    }

    #[test]
    fn every_send_is_delivered_or_lost_once_and_times_are_consistent() {
        let mut scenario = Scenario::default_scenario();
        scenario.random_workload_mut().requests = 40;
        let (_, records) = crate::trace::record_run(&scenario, 3).unwrap();
        let sent = records.iter().filter(|r| matches!(r.event, TraceEvent::Sent { .. })).count();
        let data = model_of(&scenario, 3);
        assert_eq!(data.msgs.t.len(), sent, "no duplication in this world: one message per send");
        assert_eq!(data.lanes.len(), 11);
        assert_eq!(data.reqs.lane.len(), 40);
        let delivered = records.iter().filter(|r| matches!(r.event, TraceEvent::Delivered { .. })).count();
        assert_eq!(data.msgs.fate.iter().filter(|&&f| f == Fate::Delivered as u8).count(), delivered);
        // Delays stay within the scenario's bounds for delivered messages.
        for (i, &fate) in data.msgs.fate.iter().enumerate() {
            if fate == Fate::Delivered as u8 {
                assert!(data.msgs.d[i] <= 20_000, "message {i} took {}", data.msgs.d[i]);
            }
        }
        assert!(data.msgs.req.iter().all(|&r| r >= 0), "every message of the default world serves a request");
        assert_eq!(data.troubles.len(), 2);
    }

    #[test]
    fn role_changes_show_on_the_lanes() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/membership.toml"))
            .expect("the scenario exists");
        let scenario = Scenario::from_toml(&text, "membership.toml").expect("valid");
        let data = model_of(&scenario, scenario.seed);
        assert!(!data.roles.is_empty(), "the membership scenario changes roles");
        let seals = words::KIND_NAMES.iter().position(|&k| k == "seal").unwrap() as u8;
        let attributed = (0..data.msgs.kind.len()).filter(|&i| data.msgs.kind[i] == seals && data.msgs.req[i] >= 0);
        assert!(attributed.count() > 0, "seals are given to their role change");
    }

    #[test]
    fn crashes_are_shaded_from_the_trace_and_messages_to_a_crashed_node_are_lost_there() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/crash-mid-pay.toml"))
            .expect("the scenario exists");
        let scenario = Scenario::from_toml(&text, "crash-mid-pay.toml").expect("valid");
        let data = model_of(&scenario, scenario.seed);
        let crashes: Vec<&TroubleData> = data.troubles.iter().filter(|t| t.kind == TroubleKind::Crash).collect();
        let spans: Vec<(u64, u64)> = crashes.iter().map(|t| (t.from, t.to)).collect();
        assert_eq!(spans, [(25_000, 100_000), (60_000, 300_000)], "n1 and n4, each down until its restart");
        assert!(data.msgs.fate.iter().any(|&fate| fate & 7 == Fate::ReceiverDown as u8));
    }
}
