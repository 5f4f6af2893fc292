//! Driving a simulation by hand, as the interactive mode does: stepping past the run-end
//! bookkeeping, advancing time to a chosen instant, and changing faults and partitions now.
//! Kept apart from the scheduler in `mod.rs`; nothing here changes how a run by
//! [`Simulation::run`] behaves.

use super::queue::Event;
use super::{Omission, Simulation};
use crate::protocol::{Instant, NodeId};

/// What [`Simulation::process_next`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Processed {
    /// When the event happened (the simulation's time now).
    pub at: Instant,
    /// The index into the scenario's `schedule` if the event was a scheduled fault event
    /// (which leaves no trace record of its own).
    pub scheduled_fault: Option<usize>,
}

impl Simulation {
    /// Process the next event, whatever the run's workload and liveness deadline say (unlike
    /// [`Simulation::step`], this never ends a run); `None` when no event is waiting.
    pub fn process_next(&mut self) -> Option<Processed> {
        let (at, event) = self.queue.pop()?;
        let scheduled_fault = match event {
            Event::Fault { index } => Some(index),
            _ => None,
        };
        self.now = at;
        self.counters.events += 1;
        self.fingerprint.add(&at);
        self.fingerprint.add(&event);
        self.process(event, &mut super::observer::Unobserved);
        Some(Processed { at, scheduled_fault })
    }

    /// When the next event is due, if one is waiting.
    pub fn next_event_at(&self) -> Option<Instant> {
        self.queue.peek_time()
    }

    /// Move simulated time forward to `until`: process every event due at or before it, then
    /// set the clock to `until` (if it is later than now). Returns what ran, in order.
    pub fn advance_to(&mut self, until: Instant) -> Vec<Processed> {
        let mut processed = Vec::new();
        while self.queue.peek_time().is_some_and(|at| at <= until) {
            processed.extend(self.process_next());
        }
        self.now = self.now.max(until);
        processed
    }

    /// How many messages are on their way (sent, not yet delivered or lost on arrival).
    pub fn messages_in_flight(&self) -> usize {
        self.queue.count(|event| matches!(event, Event::Deliver { .. }))
    }

    /// The messages on their way by kind (`seal`, `read`, ...), most first.
    pub fn messages_in_flight_by_kind(&self) -> Vec<(&'static str, usize)> {
        let mut counts: std::collections::BTreeMap<&'static str, usize> = std::collections::BTreeMap::new();
        self.queue.for_each(|event| {
            if let Event::Deliver { message, .. } = event {
                *counts.entry(message.kind_name()).or_insert(0) += 1;
            }
        });
        let mut counts: Vec<(&'static str, usize)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }

    /// How many timers are set and not yet fired. Some may be stale (a retransmit timer of a
    /// phase that already finished fires and does nothing); install timers keep resending a
    /// finished role change's install to nodes that have not acknowledged it.
    pub fn timers_pending(&self) -> usize {
        self.queue.count(|event| matches!(event, Event::Timer { .. }))
    }

    /// How many of the scenario's scheduled fault events are still to happen.
    pub fn scheduled_faults_pending(&self) -> usize {
        self.queue.count(|event| matches!(event, Event::Fault { .. }))
    }

    /// Give `node` the omission fault `omission` now (replacing any it had), or make it
    /// correct again with `None`. Messages already in flight are judged when they arrive.
    pub fn set_fault(&mut self, node: NodeId, omission: Option<Omission>) {
        self.network.set_fault(node, omission);
        self.trace(|| super::TraceEvent::FaultChanged { node, omission });
        self.watch_budget();
    }

    /// The omission fault `node` has now, if any.
    pub fn fault(&self, node: NodeId) -> Option<Omission> {
        self.network.fault(node)
    }

    /// Cut `nodes` off from the rest now, replacing any earlier partition. Messages already
    /// in flight still arrive.
    pub fn partition(&mut self, nodes: &[NodeId]) {
        self.network.partition(nodes);
        let nodes = self.network.cut_off();
        self.trace(|| super::TraceEvent::Partitioned { nodes });
        self.watch_budget();
    }

    /// End the partition now.
    pub fn repair(&mut self) {
        self.network.repair();
        self.trace(|| super::TraceEvent::Partitioned { nodes: Vec::new() });
    }

    /// The nodes the current partition cuts off from the rest, ascending (empty when there
    /// is no partition).
    pub fn partitioned(&self) -> Vec<NodeId> {
        self.network.cut_off()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Request, TokenId};
    use crate::repl::interactive_scenario;
    use crate::scenario::Scenario;

    fn quiet_world() -> Simulation {
        let mut scenario = interactive_scenario(&Scenario::default_scenario());
        scenario.faults.clear();
        Simulation::new(&scenario, 7).unwrap()
    }

    #[test]
    fn time_moves_only_when_asked_and_to_exactly_where_asked() {
        let mut sim = quiet_world();
        assert_eq!((sim.next_event_at(), sim.messages_in_flight()), (None, 0));
        assert!(sim.advance_to(Instant(2_500)).is_empty());
        assert_eq!(sim.now(), Instant(2_500));
        sim.submit_scripted(NodeId(1), Request::Pay { token: TokenId(0), to: NodeId(2) });
        assert_eq!((sim.messages_in_flight(), sim.timers_pending()), (5, 1));
        let processed = sim.advance_to(Instant(1_000_000));
        assert!(!processed.is_empty() && processed.windows(2).all(|pair| pair[0].at <= pair[1].at));
        assert_eq!(sim.history().open(), 0);
        assert_eq!(sim.now(), Instant(1_000_000));
    }

    #[test]
    fn events_are_processed_after_the_run_would_have_ended() {
        let mut sim = quiet_world();
        assert!(sim.step().is_some(), "nothing to do: a run ends at once");
        sim.submit_scripted(NodeId(3), Request::GetTokens { owner: NodeId(3) });
        while sim.process_next().is_some() {}
        assert_eq!(sim.history().open(), 0);
    }

    #[test]
    fn faults_and_partitions_change_now() {
        let mut sim = quiet_world();
        let omission = Omission { kind: crate::sim::OmissionKind::Both, ratio: crate::sim::Ratio::ALWAYS };
        sim.set_fault(NodeId(9), Some(omission));
        assert!(sim.is_faulty(NodeId(9)) && sim.fault(NodeId(9)) == Some(omission));
        sim.partition(&[NodeId(10), NodeId(8)]);
        assert_eq!(sim.partitioned(), [NodeId(8), NodeId(10)]);
        sim.repair();
        sim.set_fault(NodeId(9), None);
        assert!(sim.partitioned().is_empty() && !sim.is_faulty(NodeId(9)));
    }
}
