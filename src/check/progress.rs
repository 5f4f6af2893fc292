//! Progress: every run ends, within its event budget ([`crate::scenario::EventBudget`]).
//!
//! A run that takes more events than its budget allows, in all or in a row without an
//! answer, is stopped by the simulator ([`RunEnd::OutOfEvents`]); when a correct client
//! (one owed answers) was still waiting, this checker makes that a [`Property::Progress`]
//! violation and says what was going on when it was stopped: which
//! messages filled the network, which role changes were being fought over and how high
//! their ballots had risen, and how long no request had been answered. A sweep therefore
//! always finishes, and a livelocking seed is a verdict, not a hang.

use super::violation::{Property, Violation};
use crate::protocol::Instant;
use crate::sim::{RunEnd, Simulation};
use crate::vocab::count;
use std::fmt::Write as _;

/// The progress violation of a run that ended with `end`, if it ran out of events.
pub fn check_progress(sim: &Simulation, end: RunEnd) -> Option<Violation> {
    if end != RunEnd::OutOfEvents {
        return None;
    }
    // Requests only clients owed no answers were waiting on (cut off from a majority, say)
    // can keep a run busy to its budget without any bug: that stop is not a violation.
    let owed = sim.correct_clients();
    let stuck: Vec<_> = sim.history().unanswered().filter(|r| owed.binary_search(&r.id.client).is_ok()).collect();
    if stuck.is_empty() && sim.all_issued() {
        return None;
    }
    let budget = sim.event_budget();
    let events = sim.counters().events;
    let (answer_events, answer_time) = sim.last_answer();
    let since_answer = events - answer_events;
    let mut detail = match since_answer >= budget.between_answers {
        true => format!(
            "stopped after {} in a row without an answer (the budget allows {})",
            count(since_answer, "event", "events"),
            budget.between_answers
        ),
        false => format!("stopped after {} (the budget allows {})", count(events, "event", "events"), budget.total),
    };
    let _ = write!(detail, ", in {} of simulated time", Instant(sim.now().since_us(answer_time)));
    let frozen = sim.events_at_this_instant();
    if frozen > 1_000 {
        let _ = write!(detail, " (simulated time stood still at {} for the last {frozen} events)", sim.now());
    }
    let _ = write!(detail, "; {}", describe_activity(sim));
    let stuck = stuck.iter().map(|record| record.id).take(10);
    Some(Violation::new(Property::Progress, detail).at(sim.now()).involving(stuck))
}

/// What a stopped run was busy with, in one line.
fn describe_activity(sim: &Simulation) -> String {
    let mut parts = Vec::new();
    let answered = sim.history().len() - sim.history().open();
    parts.push(format!("{} of {} answered", answered, count(sim.history().len() as u64, "request", "requests")));
    if !sim.all_issued() {
        parts.push("the workload had more requests to issue".to_string());
    }
    let in_flight = sim.messages_in_flight_by_kind();
    if !in_flight.is_empty() {
        let top: Vec<String> = in_flight.iter().take(3).map(|(kind, count)| format!("{count} {kind}")).collect();
        parts.push(format!("in flight: {}", top.join(", ")));
    }
    let changes: Vec<String> = sim
        .world()
        .nodes()
        .into_iter()
        .filter_map(|id| sim.node(id))
        .filter_map(|node| node.client().role_change_in_progress().map(|(epoch, round)| (node.id(), epoch, round)))
        .map(|(node, epoch, round)| format!("{node} at ballot round {round} on epoch {}", epoch.0))
        .collect();
    if !changes.is_empty() {
        parts.push(format!("role changes fought over: {}", changes.join(", ")));
    }
    parts.join("; ")
}
