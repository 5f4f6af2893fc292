//! tokensim: a deterministic discrete-event simulator of a replicated token-ownership
//! system that tolerates omission faults.
//!
//! Checking: [`check`] holds the safety and liveness checkers (see `docs/CHECKING.md`),
//! [`swarm`] draws a world per seed, [`sweep`] runs seed ranges in parallel, and
//! `strategies` (cargo feature `proptest`) gives proptest strategies for fuzzing.
//!
//! ```
//! let scenario = tokensim::scenario::Scenario::default_scenario();
//! let swarm = tokensim::swarm::swarm_scenario(&scenario, 7);
//! let verdict = tokensim::check::check_run(&swarm, 7).unwrap();
//! assert!(verdict.passed(), "{:?}", verdict.violations);
//! ```
#![warn(missing_docs)]

pub mod check;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod sim;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod swarm;
pub mod sweep;
pub mod verdict;

use scenario::{Scenario, ScenarioError};

/// Run `scenario` with `seed` to the end and summarise it.
pub fn run_scenario(scenario: &Scenario, seed: u64) -> Result<(sim::Simulation, report::Report), ScenarioError> {
    let mut simulation = sim::Simulation::new(scenario, seed)?;
    let end = simulation.run();
    let report = report::Report::new(&simulation, end);
    Ok((simulation, report))
}

/// Run `scenario` with `seed` under every checker (replica invariants after each event,
/// the history and liveness at the end), and summarise it.
pub fn run_checked(
    scenario: &Scenario,
    seed: u64,
) -> Result<(sim::Simulation, report::Report, check::RunVerdict), ScenarioError> {
    let mut simulation = sim::Simulation::new(scenario, seed)?;
    simulation.set_observer(Box::new(check::ReplicaChecker::new(&simulation.world().owners, Some(seed))));
    let end = simulation.run();
    let report = report::Report::new(&simulation, end);
    let verdict = check::run::judge(&simulation, end);
    Ok((simulation, report, verdict))
}
