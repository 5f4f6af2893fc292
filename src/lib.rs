//! tokensim: a deterministic discrete-event simulator of a replicated token-ownership
//! system that tolerates omission faults.
//!
//! - [`protocol`] is the pure core: servers and clients as state machines that take
//!   `(now, input)` and write their outputs into a buffer. Embed it in any event loop.
//! - [`sim`] hosts the core in a seeded discrete-event scheduler with a network and fault
//!   model; [`scenario`] describes a run; [`report`] and [`verdict`] summarise and judge it.
//!
//! # The determinism contract
//!
//! A scenario and a seed fully determine a run: the same seed gives the same sequence of
//! events, and the same event hash, on any machine and in any process. Nothing that affects
//! a run reads a clock, draws ambient randomness, iterates a hash map, or depends on thread
//! scheduling; all time is simulated input.
//!
//! ```
//! use tokensim::scenario::Scenario;
//!
//! let mut scenario = Scenario::default_scenario(); // 5 servers (2 faulty), 6 clients
//! scenario.random_workload_mut().requests = 50;
//! let (first, report) = tokensim::run_scenario(&scenario, 42)?;
//! let (second, _) = tokensim::run_scenario(&scenario, 42)?;
//! assert_eq!(first.event_hash(), second.event_hash()); // same seed, same run
//! assert!(report.passed, "{}", report.to_text());
//! assert_eq!(report.requests.answered, 50);
//! # Ok::<(), tokensim::scenario::ScenarioError>(())
//! ```
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
pub mod latency;
pub mod protocol;
pub mod repl;
pub mod report;
pub mod scenario;
pub mod scripted;
pub mod shrink;
pub mod sim;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod swarm;
pub mod sweep;
pub mod trace;
pub mod verdict;
pub mod view;

use scenario::{Scenario, ScenarioError};

/// Run `scenario` with `seed` to the end and summarise it, the fault-free rerun included.
pub fn run_scenario(scenario: &Scenario, seed: u64) -> Result<(sim::Simulation, report::Report), ScenarioError> {
    let simulation = sim::Simulation::new(scenario, seed)?;
    Ok(run_to_report(simulation))
}

/// Run `simulation` to the end and summarise it, comparing it with its fault-free rerun.
pub fn run_to_report(mut simulation: sim::Simulation) -> (sim::Simulation, report::Report) {
    let end = simulation.run();
    let mut report = report::Report::new(&simulation, end);
    let rerun = trace::fault_free_rerun(&simulation).unwrap_or_else(|error| trace::RerunComparison::failed(&error));
    report.attach_rerun(rerun);
    (simulation, report)
}

/// Run `scenario` with `seed` under every checker (replica invariants after each event,
/// the history and liveness at the end), and summarise it, the fault-free rerun included.
pub fn run_checked(
    scenario: &Scenario,
    seed: u64,
) -> Result<(sim::Simulation, report::Report, check::RunVerdict), ScenarioError> {
    Ok(run_simulation_checked(sim::Simulation::new(scenario, seed)?))
}

/// Run a prepared `simulation` (a trace attached, say) under every checker, summarise it
/// with its fault-free rerun, and fold the checkers' verdict into the report.
pub fn run_simulation_checked(mut simulation: sim::Simulation) -> (sim::Simulation, report::Report, check::RunVerdict) {
    let seed = simulation.seed();
    simulation.set_observer(Box::new(check::ReplicaChecker::new(&simulation.world().owners, Some(seed))));
    let (simulation, mut report) = run_to_report(simulation);
    let verdict = check::run::judge(&simulation, report.end);
    report.attach_verdict(&verdict);
    (simulation, report, verdict)
}
