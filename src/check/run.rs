//! Every checker on one seeded run.

use super::effects::check_effects;
use super::history::OpHistory;
use super::linearizability::check_linearizability;
use super::liveness::{check_liveness, LivenessReport};
use super::replicas::ReplicaChecker;
use super::violation::Violation;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{RunEnd, Simulation};
use serde::Serialize;

/// The verdict of every checker on one run.
#[derive(Clone, Debug, Serialize)]
pub struct RunVerdict {
    /// The seed of the run.
    pub seed: u64,
    /// How the run ended.
    pub end: RunEnd,
    /// How many requests were submitted.
    pub requests: usize,
    /// How many role changes took effect.
    pub role_changes: usize,
    /// How many (server, token) writes the replica checker looked at.
    pub replica_writes_checked: u64,
    /// How long answered requests took from start to answer, in simulated µs.
    pub latency_us: crate::latency::LatencyHistogram,
    /// The liveness verdict, also when liveness is not owed.
    pub liveness: LivenessReport,
    /// Every violation, safety first.
    pub violations: Vec<Violation>,
}

impl RunVerdict {
    /// Whether the run broke nothing it owed.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Run `scenario` with `seed`, checking replicas after every event and the history at the end.
pub fn check_run(scenario: &Scenario, seed: u64) -> Result<RunVerdict, ScenarioError> {
    let mut sim = Simulation::new(scenario, seed)?;
    sim.set_observer(Box::new(ReplicaChecker::new(&sim.world().owners, Some(seed))));
    let end = sim.run();
    Ok(judge(&sim, end))
}

/// Judge a finished run that had a [`ReplicaChecker`] observing it (or none: then the replica
/// invariants are not part of the verdict).
pub fn judge(sim: &Simulation, end: RunEnd) -> RunVerdict {
    let seed = sim.seed();
    let replicas = sim.observer::<ReplicaChecker>();
    let mut violations: Vec<Violation> = replicas.map(|r| r.violations().to_vec()).unwrap_or_default();
    violations.extend(check_effects(sim));
    let history = OpHistory::from_sim(sim.history(), &sim.world().owners);
    match check_linearizability(&history) {
        Ok(found) => violations.extend(found.into_iter().map(|v| v.with_seed(seed))),
        Err(error) => unreachable!("a simulated history is well formed: {error}"),
    }
    let liveness = check_liveness(sim, end);
    violations.extend(liveness.violations(seed));
    RunVerdict {
        seed,
        end,
        requests: sim.history().len(),
        role_changes: sim
            .history()
            .records()
            .filter(|record| matches!(record.outcome, Some(crate::protocol::Outcome::RoleChanged { .. })))
            .count(),
        replica_writes_checked: replicas.map_or(0, ReplicaChecker::writes_seen),
        latency_us: latencies(sim),
        liveness,
        violations,
    }
}

/// Start-to-answer latencies of the answered requests, as the run report measures them.
fn latencies(sim: &Simulation) -> crate::latency::LatencyHistogram {
    let mut histogram = crate::latency::LatencyHistogram::new();
    for record in sim.history().records() {
        if let (Some(started), Some(answered)) = (record.started_at, record.answered_at) {
            histogram.add(answered.since_us(started));
        }
    }
    histogram
}
