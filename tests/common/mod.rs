//! What the integration tests share: running a scenario through the one judge.
#![allow(dead_code)] // each test binary uses its own part of this

use tokensim::report::Report;
use tokensim::run::{Run, RunOutcome};
use tokensim::scenario::Scenario;

/// Run `scenario` with `seed` through the one judge; the outcome and its report.
pub fn run(scenario: &Scenario, seed: u64) -> (RunOutcome, Report) {
    let outcome = Run::new(scenario).seed(seed).execute().unwrap_or_else(|error| panic!("{error}"));
    let report = Report::new(&outcome);
    (outcome, report)
}

/// The properties `scenario` with `seed` breaks, in verdict order.
pub fn broken(scenario: &Scenario, seed: u64) -> Vec<tokensim::vocab::Property> {
    run(scenario, seed).0.verdict.violations.iter().map(|violation| violation.property).collect()
}

/// A scenario file of `sim-scenarios/`.
pub fn scenario_file(name: &str) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios").join(name);
    Scenario::from_file(&path).unwrap_or_else(|error| panic!("{error}"))
}
