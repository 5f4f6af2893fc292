//! tokensim: a deterministic discrete-event simulator of a replicated token-ownership
//! system that tolerates omission faults.
#![warn(missing_docs)]

pub mod check;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod verdict;

use scenario::{Scenario, ScenarioError};

/// Run `scenario` with `seed` to the end and summarise it.
pub fn run_scenario(scenario: &Scenario, seed: u64) -> Result<(sim::Simulation, report::Report), ScenarioError> {
    let mut simulation = sim::Simulation::new(scenario, seed)?;
    let end = simulation.run();
    let report = report::Report::new(&simulation, end);
    Ok((simulation, report))
}
