//! The scheduler's choices as data. At each step some events are pending; the timed
//! scheduler takes the earliest, a [`Choice`] may take any of them (and lose a message
//! instead of delivering it). [`Simulation::step_choice`] makes one such step, which is
//! how `explore` walks every schedule of a small world and how a saved [`Schedule`]
//! replays exactly.
//!
//! A run driven by choices loses messages only when a choice says so: the network's random
//! omission, link loss and duplication are off ([`Simulation::choose_losses`]); partitions,
//! which are not random, still cut links.

use super::observer::{Observer, Unobserved};
use super::queue::Event;
use super::{Fingerprint, RunEnd, Simulation};
use crate::protocol::{Instant, Message, NodeId, Timer};
use crate::vocab::{Choice, DropReason, Schedule};
use std::hash::Hash;

/// A pending event as a choice sees it: the same in every state that has it pending, so that
/// two identical messages on their way are one choice (taking either gives the same state).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PendingEvent {
    /// A message to `to`.
    Deliver {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// A digest of the message.
        digest: u64,
        /// What handling it can touch.
        reach: Reach,
    },
    /// A timer of `node`.
    Timer {
        /// The node.
        node: NodeId,
        /// A digest of the timer.
        digest: u64,
        /// Whether it may end the run (see [`PendingEvent::may_end_run`]).
        closing: bool,
    },
    /// The random workload hands `client` its next request.
    Arrival {
        /// The client.
        client: NodeId,
    },
    /// The scenario's explicit request `requests[index]` is handed to `client`.
    Scripted {
        /// The request's position in the scenario.
        index: usize,
        /// Its client.
        client: NodeId,
    },
    /// The scenario's fault event `schedule[index]`.
    Fault {
        /// The event's position in the scenario.
        index: usize,
    },
}

/// What handling a message can touch: what decides which other events it commutes with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reach {
    /// A read of a replica: it changes nothing at its receiver, only answers.
    ReplicaRead,
    /// A replica's table or its Paxos state (a write, a seal, an accept, a repair).
    Replica,
    /// The receiver's client (an answer to one of its phases; an install, which may also
    /// change its replica): it may answer a request and, with requests queued, start one.
    Client {
        /// Whether the client has requests queued, which answering its current one starts.
        queued: bool,
        /// Whether it may end the run (see [`PendingEvent::may_end_run`]).
        closing: bool,
    },
}

impl PendingEvent {
    /// The one node the event acts on; `None` for a fault event, which acts on the network.
    pub fn node(&self) -> Option<NodeId> {
        match *self {
            PendingEvent::Deliver { to, .. } => Some(to),
            PendingEvent::Timer { node, .. } => Some(node),
            PendingEvent::Arrival { client } | PendingEvent::Scripted { client, .. } => Some(client),
            PendingEvent::Fault { .. } => None,
        }
    }

    /// Whether the event may answer a request (and so add an answer to the history).
    fn may_answer(&self) -> bool {
        match *self {
            PendingEvent::Deliver { reach, .. } => matches!(reach, Reach::Client { .. }),
            // A timer may start a phase over or take over a configuration; a request handed
            // over may be refused at once: all may answer.
            PendingEvent::Timer { .. } | PendingEvent::Arrival { .. } | PendingEvent::Scripted { .. } => true,
            PendingEvent::Fault { .. } => true,
        }
    }

    /// Whether the event may start a request (and so add a start to the history).
    fn may_start(&self) -> bool {
        match *self {
            PendingEvent::Deliver { reach, .. } => matches!(reach, Reach::Client { queued: true, .. }),
            PendingEvent::Timer { .. } | PendingEvent::Arrival { .. } | PendingEvent::Scripted { .. } => true,
            PendingEvent::Fault { .. } => true,
        }
    }

    /// Whether it may end the run: it may answer the last open request, with nothing left to
    /// hand over. A run ends once every request is answered, so such an event disables
    /// every other: it commutes with none.
    pub fn may_end_run(&self) -> bool {
        match *self {
            PendingEvent::Deliver { reach: Reach::Client { closing, .. }, .. }
            | PendingEvent::Timer { closing, .. } => closing,
            _ => false,
        }
    }

    /// Whether it is a message, which a choice may lose.
    pub fn is_message(&self) -> bool {
        matches!(self, PendingEvent::Deliver { .. })
    }

    /// Whether taking `self` and `other` in either order reaches states no property tells
    /// apart. At one node: only two reads of its replica (they change nothing there). At two
    /// nodes: unless one may answer a request and the other start one, since an answer
    /// before a start is real-time order, which linearizability judges (starts among
    /// themselves, or answers among themselves, may come in any order: see
    /// [`crate::sim::History::hash_order`]). A fault event acts on the whole network and
    /// commutes with nothing.
    pub fn independent_of(&self, other: &PendingEvent) -> bool {
        let (Some(a), Some(b)) = (self.node(), other.node()) else { return false };
        if self.may_end_run() || other.may_end_run() {
            return false;
        }
        if a == b {
            let reads = |event: &PendingEvent| matches!(event, PendingEvent::Deliver { reach: Reach::ReplicaRead, .. });
            return self != other && reads(self) && reads(other);
        }
        !(self.may_answer() && other.may_start() || self.may_start() && other.may_answer())
    }
}

/// A choice that does not fit the state it is made in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// The choice picks beyond the pending events.
    #[error("choice {step}: picks event {pick}, but only {pending} are pending")]
    NoSuchEvent {
        /// The step, from 1.
        step: usize,
        /// What it picked.
        pick: u32,
        /// How many were pending.
        pending: usize,
    },
    /// The choice loses something that is not a message.
    #[error("choice {step}: loses event {pick}, which is not a message")]
    NotAMessage {
        /// The step, from 1.
        step: usize,
        /// What it picked.
        pick: u32,
    },
}

impl Simulation {
    /// From now on, lose messages only where a choice says so: no random omission, link
    /// loss or duplication.
    pub fn choose_losses(&mut self) {
        self.network.choose_losses();
    }

    /// The distinct pending events, in the order the timed scheduler would take them.
    pub fn pending(&self) -> Vec<PendingEvent> {
        self.pending_slots().into_iter().map(|(event, _)| event).collect()
    }

    /// The events a choice may take, each once, with the slot of its first copy. A client's
    /// explicit requests come in the scenario's order, each once the client is idle: handing
    /// one to a busy client only queues it, and its invocation (what the history records) is
    /// when the client starts it, so the earlier hand-overs reach no other history.
    pub(crate) fn pending_slots(&self) -> Vec<(PendingEvent, u32)> {
        let mut pending: Vec<(PendingEvent, u32)> = Vec::new();
        for (_, slot) in self.queue.in_order() {
            let Some(event) = self.queue.get(slot) else { continue };
            let id = self.identify(event);
            if let PendingEvent::Scripted { index, client } = id {
                let idle = self.node(client).is_none_or(|node| node.client().is_idle());
                if !idle || self.first_scripted_of(client) != Some(index) {
                    continue;
                }
            }
            if !pending.iter().any(|(seen, _)| *seen == id) {
                pending.push((id, slot));
            }
        }
        pending
    }

    /// The lowest index of `client`'s explicit requests still to be handed over.
    fn first_scripted_of(&self, client: NodeId) -> Option<usize> {
        let mut first = None;
        self.queue.for_each(|event| {
            if let Event::Scripted { index } = event {
                if self.scenario.requests[*index].client == client && first.is_none_or(|lowest| *index < lowest) {
                    first = Some(*index);
                }
            }
        });
        first
    }

    /// The pending event `pick` (as [`Simulation::pending`] numbers them) in words, lost
    /// or not: "deliver read n3 -> n7", "fire the retransmit timer of n3".
    pub fn describe_pending(&self, pick: usize, lose: bool) -> Option<String> {
        let &(_, slot) = self.pending_slots().get(pick)?;
        Some(match self.queue.get(slot)? {
            Event::Deliver { from, to, message, .. } => {
                let verb = if lose { "lose" } else { "deliver" };
                format!("{verb} {} {from} -> {to}", message.kind_name())
            }
            Event::Timer { node, timer: Timer::Retransmit { .. } } => format!("fire the retransmit timer of {node}"),
            Event::Timer { node, timer: Timer::Install { epoch } } => {
                format!("fire the install timer of {node} (epoch {})", epoch.0)
            }
            Event::Arrival { client } => format!("hand {client} its next random request"),
            Event::Scripted { index } => {
                let spec = &self.scenario.requests[*index];
                format!("hand {} requests[{index}]", spec.client)
            }
            Event::Fault { index } => format!("fault event schedule[{index}]"),
        })
    }

    /// Take at once every pending event its node ignores, now and ever after (a late
    /// answer, a stale timer; see [`crate::protocol::Node::ignores_message`]): it commutes
    /// with everything and changes nothing, so branching on it would only multiply states.
    /// Runs after every choice while choices lose messages, so a search and the replay of
    /// its schedule settle alike.
    fn settle(&mut self, observer: &mut dyn Observer) {
        // Ignored events change nothing, so the order they are taken in cannot matter: the
        // slots are scanned as they lie, unsorted.
        while let Some(slot) = self.queue.find_slot(|event| self.is_ignored(event)) {
            let (at, event) = self.queue.take(slot).expect("an ignored slot holds its event");
            self.begin_event(at.max(self.now), &event);
            self.process(event, observer);
        }
    }

    fn is_ignored(&self, event: &Event) -> bool {
        match event {
            Event::Deliver { from, to, message, .. } => {
                self.node(*to).is_some_and(|node| node.ignores_message(*from, message))
            }
            Event::Timer { node, timer } => self.node(*node).is_some_and(|node| node.ignores_timer(*timer)),
            Event::Arrival { .. } | Event::Scripted { .. } | Event::Fault { .. } => false,
        }
    }

    /// Whether an answer at `node` may end the run: every request but one is answered, and
    /// that one is `node`'s, with nothing left to hand over.
    fn may_close(&self, node: NodeId) -> bool {
        self.all_issued()
            && self.history.open() == 1
            && self.node(node).is_some_and(|node| node.client().current().is_some())
    }

    fn identify(&self, event: &Event) -> PendingEvent {
        match event {
            Event::Deliver { from, to, message, .. } => {
                let reach = match message {
                    Message::Read { .. } => Reach::ReplicaRead,
                    Message::Write { .. } | Message::Seal { .. } | Message::Accept { .. } | Message::Repair { .. } => {
                        Reach::Replica
                    }
                    _ => Reach::Client {
                        queued: self.node(*to).is_some_and(|node| node.client().queued().next().is_some()),
                        closing: self.may_close(*to),
                    },
                };
                PendingEvent::Deliver { from: *from, to: *to, digest: digest(message), reach }
            }
            Event::Timer { node, timer } => {
                PendingEvent::Timer { node: *node, digest: digest(timer), closing: self.may_close(*node) }
            }
            Event::Arrival { client } => PendingEvent::Arrival { client: *client },
            Event::Scripted { index } => {
                PendingEvent::Scripted { index: *index, client: self.scenario.requests[*index].client }
            }
            Event::Fault { index } => PendingEvent::Fault { index: *index },
        }
    }

    /// Make one step, taking the pending event `choice` picks (losing it, for a message the
    /// choice loses); `Some` once the run has ended (as [`Simulation::step`] says). `step`
    /// numbers the choice in errors.
    pub fn step_choice(
        &mut self,
        step: usize,
        choice: Choice,
        observer: &mut dyn Observer,
    ) -> Result<Option<RunEnd>, ChoiceError> {
        if let Some(end) = self.end_before_step() {
            return Ok(Some(end));
        }
        let pending = self.pending_slots();
        let Some(&(id, slot)) = pending.get(choice.pick as usize) else {
            return Err(ChoiceError::NoSuchEvent { step, pick: choice.pick, pending: pending.len() });
        };
        if choice.lose && !id.is_message() {
            return Err(ChoiceError::NotAMessage { step, pick: choice.pick });
        }
        self.take_pending(slot, choice.lose, observer);
        Ok(None)
    }

    /// Make one step like [`Simulation::step_choice`], taking the event waiting in `slot`
    /// (one of [`Simulation::pending_slots`], read off this very state): how a search steps
    /// every child of a state without numbering the pending events again for each.
    pub(crate) fn step_slot(&mut self, slot: u32, lose: bool, observer: &mut dyn Observer) -> Option<RunEnd> {
        if let Some(end) = self.end_before_step() {
            return Some(end);
        }
        self.take_pending(slot, lose, observer);
        None
    }

    fn take_pending(&mut self, slot: u32, lose: bool, observer: &mut dyn Observer) {
        let (at, event) = self.queue.take(slot).expect("a pending slot holds its event");
        self.begin_event(at.max(self.now), &event);
        match (lose, event) {
            (true, Event::Deliver { from, to, key, .. }) => {
                self.counters.count_drop(DropReason::Chosen);
                let id = crate::sim::MessageId { from, to, number: key.number() };
                let reason = DropReason::Chosen;
                self.trace(|| crate::sim::TraceEvent::Dropped { id, copy: key.is_copy(), reason });
            }
            (_, event) => self.process(event, observer),
        }
        self.settle(observer);
    }

    /// Run the choices of `schedule`, then on to the end as the timed scheduler would (every
    /// later choice `0`); how the run ended.
    pub fn run_schedule(&mut self, schedule: &Schedule, observer: &mut dyn Observer) -> Result<RunEnd, ChoiceError> {
        self.choose_losses();
        for (index, choice) in schedule.choices.iter().enumerate() {
            if let Some(end) = self.step_choice(index + 1, *choice, observer)? {
                return Ok(end);
            }
        }
        Ok(self.run_observed(observer))
    }

    /// A digest of the state, for telling states apart in a search: every node, the pending
    /// events (without their times), the history's order and answers, the values written,
    /// the faults and the partition. Times, counters and the trace are left out: in a
    /// search any pending event may go next whatever its time.
    pub fn state_digest(&self) -> u128 {
        let mut digest = WideDigest::default();
        // Each node digested on its own, once per version of it (most steps change one).
        for node in self.nodes.iter().flatten() {
            let node_digest = node.digest_with(|node| {
                let mut own = WideDigest::default();
                node.hash(&mut own);
                own.value()
            });
            node_digest.hash(&mut digest);
        }
        let mut pending = self.pending_multiset();
        pending.sort_unstable();
        pending.hash(&mut digest);
        self.history.hash_order(&mut digest);
        self.writes.hash_content(&mut digest);
        self.network.hash_faults(&mut digest);
        self.crashed.hash(&mut digest);
        digest.value()
    }

    /// Fold the values written so far into `state` (what a search's checkers judge).
    pub fn hash_writes(&self, state: &mut impl std::hash::Hasher) {
        self.writes.hash_content(state);
    }

    /// Every pending event, duplicates counted, as identities.
    fn pending_multiset(&self) -> Vec<PendingEvent> {
        let mut all = Vec::with_capacity(self.queue.len());
        self.queue.for_each(|event| all.push(self.identify(event)));
        all
    }

    /// Take the run to its next step without observers: for callers that only drive.
    pub fn step_choice_unobserved(&mut self, step: usize, choice: Choice) -> Result<Option<RunEnd>, ChoiceError> {
        self.step_choice(step, choice, &mut Unobserved)
    }

    /// The bookkeeping every event shares: the clock, the count, the run's hash.
    pub(super) fn begin_event(&mut self, at: Instant, event: &Event) {
        if at != self.now {
            self.events_at_time_change = self.counters.events;
        }
        self.now = at;
        self.counters.events += 1;
        self.fingerprint.add(&at);
        self.fingerprint.add(event);
    }
}

/// A 128-bit hash in one pass: two multiplicative lanes with their own constants, so that
/// a search's visited set, which may hold millions of states, is not troubled by collisions
/// (at 10^7 states, a 64-bit digest collides with odds near 10^-5; 128 bits, never in practice).
#[derive(Clone, Copy, Debug)]
struct WideDigest {
    low: u64,
    high: u64,
}

impl Default for WideDigest {
    fn default() -> WideDigest {
        WideDigest { low: 0xcbf2_9ce4_8422_2325, high: 0x6a09_e667_f3bc_c908 }
    }
}

impl WideDigest {
    fn value(&self) -> u128 {
        let finish = |mut x: u64| {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
            x ^ (x >> 33)
        };
        (u128::from(finish(self.high)) << 64) | u128::from(finish(self.low ^ self.high.rotate_left(29)))
    }
}

impl std::hash::Hasher for WideDigest {
    fn finish(&self) -> u64 {
        self.value() as u64
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        self.write_u64(bytes.len() as u64);
    }

    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }

    fn write_u16(&mut self, value: u16) {
        self.write_u64(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_u64(&mut self, word: u64) {
        self.low = (self.low.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
        self.high = (self.high.rotate_left(23) ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

fn digest<T: Hash + ?Sized>(item: &T) -> u64 {
    let mut fingerprint = Fingerprint::default();
    fingerprint.add(item);
    fingerprint.value()
}
