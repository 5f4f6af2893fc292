//! What a scenario says of its own run, judged like any other property:
//! - [`Property::ExpectedAnswer`]: each explicit request with `expect = "..."` gets that answer;
//! - [`Property::ExpectedViolation`]: a scenario with `[expect] violation = "..."` (a kept
//!   reproduction of a bug) shows that violation. One that stops reproducing fails, so a
//!   kept reproduction can never go quiet unnoticed.

use super::violation::{Property, Violation};
use crate::sim::Simulation;

/// Every explicit request whose answer differs from the one it expects. An unanswered
/// request is left to the liveness check.
pub fn check_expected_answers(sim: &Simulation) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (index, spec) in sim.scenario().requests.iter().enumerate() {
        let Some(record) = sim.scripted_request_id(index).and_then(|id| sim.history().get(id)) else { continue };
        if let (Some(expected), Some(outcome)) = (spec.expect, &record.outcome) {
            if !expected.matches(outcome) {
                let detail =
                    format!("requests[{index}] {} {} expected {expected:?}, got {outcome}", record.id, record.request);
                let at = record.answered_at.unwrap_or(record.submitted_at);
                violations.push(Violation::new(Property::ExpectedAnswer, detail).at(at).involving([record.id]));
            }
        }
    }
    violations
}

/// The violation to add when the scenario expects `expected` and none of `found` is one.
pub fn check_expected_violation(expected: Option<Property>, found: &[Violation]) -> Option<Violation> {
    let expected = expected?;
    if found.iter().any(|violation| violation.property == expected) {
        return None;
    }
    let broken: Vec<&str> = found.iter().map(|violation| violation.property.name()).collect();
    let instead = match broken.is_empty() {
        true => "the run broke no property".to_string(),
        false => format!("the run broke only {}", dedup(broken).join(", ")),
    };
    let detail = format!("the scenario expects a violation of {expected}, which did not happen: {instead}");
    Some(Violation::new(Property::ExpectedViolation, detail))
}

fn dedup(mut names: Vec<&str>) -> Vec<&str> {
    names.sort_unstable();
    names.dedup();
    names
}
