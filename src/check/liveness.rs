//! Liveness: after the workload ends, every request of a correct client is answered within
//! the scenario's budget of simulated time (`expect.liveness_budget_us`).
//!
//! The simulator never hangs: it ends a run with [`RunEnd::BudgetExhausted`] once the budget
//! is spent, or [`RunEnd::Stalled`] when nothing is left to happen. This checker then says
//! which requests are stuck and why. When the scenario breaks the fault budget on purpose
//! (or does not ask for liveness) the report is kept but is no violation.

use super::violation::{Property, Violation};
use crate::protocol::{Instant, Request, RequestId};
use crate::sim::{BudgetBreak, RunEnd, Simulation};
use crate::vocab::count;
use serde::Serialize;

/// A request of a client without a fault, left without an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StuckRequest {
    /// Whether its client is owed an answer: it is not cut off from a majority of correct
    /// servers at the end of the run.
    pub owed: bool,
    /// The request.
    pub id: RequestId,
    /// What it asked.
    pub request: Request,
    /// When it was handed to its client.
    pub submitted_at: Instant,
    /// When its client started it (`None`: still queued behind another request).
    pub started_at: Option<Instant>,
}

/// The liveness verdict of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LivenessReport {
    /// Whether the run owes liveness (asked for, and the fault budget held throughout).
    pub required: bool,
    /// When and how the run broke the fault budget, if it did (counted as validation counts
    /// it: faulty servers, and servers a partition puts out of a correct client's reach).
    pub budget_broken: Option<BudgetBreak>,
    /// How the run ended.
    pub end: RunEnd,
    /// When every request had to be answered: the last submission, or the last scheduled
    /// event if that is later, plus the budget.
    pub deadline: Option<Instant>,
    /// Unanswered requests of clients without a fault, owed an answer or not.
    pub stuck: Vec<StuckRequest>,
    /// Requests of correct clients answered after the deadline.
    pub late: Vec<RequestId>,
    /// Why requests are stuck, as far as the world shows it.
    pub reason: Option<String>,
}

/// Judge the finished run `sim`, which ended with `end`.
pub fn check_liveness(sim: &Simulation, end: RunEnd) -> LivenessReport {
    let scenario = sim.scenario();
    let budget_broken = sim.budget_broken().cloned();
    let required = scenario.expect.liveness && budget_broken.is_none();
    // Both ascending: membership is a binary search, not a scan per request.
    let correct = sim.correct_clients();
    let unfaulty: Vec<_> = sim.world().nodes().into_iter().filter(|&node| !sim.is_faulty(node)).collect();
    let owed = |client| correct.binary_search(&client).is_ok();
    let last_submitted = sim.history().last_submitted();
    // The budget counts from the last submission, or from the last scheduled event if that
    // is later (faults must be healed first), as the run's own deadline does.
    let script_end = Instant(scenario.script_end_us());
    let deadline = last_submitted.map(|at| at.max(script_end).after_us(scenario.expect.liveness_budget_us));
    let stuck: Vec<StuckRequest> = sim
        .history()
        .unanswered()
        .filter(|r| unfaulty.binary_search(&r.id.client).is_ok())
        .map(|r| StuckRequest {
            owed: owed(r.id.client),
            id: r.id,
            request: r.request,
            submitted_at: r.submitted_at,
            started_at: r.started_at,
        })
        .collect();
    let late = sim
        .history()
        .records()
        .filter(|r| owed(r.id.client))
        .filter(|r| r.answered_at.zip(deadline).is_some_and(|(answered, deadline)| answered > deadline))
        .map(|r| r.id)
        .collect();
    let reason = (!stuck.is_empty()).then(|| diagnose(sim, end, &stuck));
    LivenessReport { required, budget_broken, end, deadline, stuck, late, reason }
}

/// Why requests may be stuck: a majority out of reach, a partition that cuts their clients
/// off (then they are owed nothing), or the protocol itself.
fn diagnose(sim: &Simulation, end: RunEnd, stuck: &[StuckRequest]) -> String {
    let (faulty, server_count) = sim.servers_out_of_reach();
    let quorum = server_count / 2 + 1;
    let budget_us = sim.scenario().expect.liveness_budget_us;
    let how = match end {
        RunEnd::Stalled => "nothing was left to happen".to_string(),
        RunEnd::BudgetExhausted => format!("the liveness budget of {} ran out", Instant(budget_us)),
        RunEnd::Completed => "the run completed".to_string(),
        RunEnd::OutOfEvents => "the run was stopped at its event budget".to_string(),
    };
    if let Some(broken) = sim.budget_broken() {
        let now = match server_count - faulty < quorum {
            true => format!("; still {faulty} of {server_count} at the end"),
            false => String::new(),
        };
        return format!("no majority of servers reachable: {broken}{now} ({how})");
    }
    let owed = stuck.iter().filter(|request| request.owed).count();
    let cut_off = cut_off_clients(stuck);
    if owed == 0 {
        return format!(
            "{cut_off} cut off by the partition from every majority of correct servers at the end, so they \
             are owed no answer while it lasts (the fault budget held: other clients still reached a \
             majority); still unanswered when {how}"
        );
    }
    let mut text = match end {
        RunEnd::OutOfEvents => format!(
            "within the fault budget throughout ({faulty} of {server_count} servers faulty or out of reach now) \
             yet unanswered when {how}: see the progress verdict"
        ),
        _ => format!(
            "within the fault budget throughout ({faulty} of {server_count} servers faulty or out of reach now) \
             yet unanswered when {how}: a protocol bug, or a liveness budget too short for the scenario's delays"
        ),
    };
    if owed < stuck.len() {
        let not_owed = count((stuck.len() - owed) as u64, "request", "requests");
        text.push_str(&format!("; {not_owed} more not owed: {cut_off} cut off by the partition at the end"));
    }
    text
}

/// The clients of the stuck requests owed no answer, named once each: "n2", "n2 and n5".
fn cut_off_clients(stuck: &[StuckRequest]) -> String {
    let mut clients: Vec<String> = Vec::new();
    for request in stuck.iter().filter(|request| !request.owed) {
        let name = request.id.client.to_string();
        if !clients.contains(&name) {
            clients.push(name);
        }
    }
    match clients.split_last() {
        Some((last, [])) => format!("their client {last} was"),
        Some((last, rest)) => format!("their clients {} and {last} were", rest.join(", ")),
        None => "no client was".to_string(),
    }
}

impl LivenessReport {
    /// How many of the stuck requests are owed an answer: none unless the run owes
    /// liveness at all, and never those of clients a partition cut off at the end.
    pub fn stuck_owed(&self) -> usize {
        match self.required {
            true => self.stuck.iter().filter(|stuck| stuck.owed).count(),
            false => 0,
        }
    }

    /// The violations, if liveness is owed; none otherwise.
    pub fn violations(&self, seed: u64) -> Vec<Violation> {
        if !self.required {
            return Vec::new();
        }
        let mut violations = Vec::new();
        let owed: Vec<&StuckRequest> = self.stuck.iter().filter(|stuck| stuck.owed).collect();
        if let Some(first) = owed.first() {
            let detail = format!(
                "{} of correct clients unanswered, the first {} {} submitted at {}: {}",
                count(owed.len() as u64, "request", "requests"),
                first.id,
                first.request,
                first.submitted_at,
                self.reason.as_deref().unwrap_or("unknown reason")
            );
            let at = self.deadline.unwrap_or(first.submitted_at);
            let ids = owed.iter().take(10).map(|s| s.id);
            violations.push(Violation::new(Property::Liveness, detail).at(at).involving(ids).with_seed(seed));
        }
        if let Some(first) = self.late.first() {
            let deadline = self.deadline.unwrap_or_default();
            let detail = format!(
                "{} after the deadline {deadline}, the first {first}",
                count(self.late.len() as u64, "request answered", "requests answered")
            );
            violations
                .push(Violation::new(Property::Liveness, detail).at(deadline).involving([*first]).with_seed(seed));
        }
        violations
    }
}
