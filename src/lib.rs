//! tokensim: a deterministic discrete-event simulator of a replicated token-ownership
//! system that tolerates omission faults.
#![warn(missing_docs)]

pub mod protocol;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod trace;
pub mod verdict;

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
