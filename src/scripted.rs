//! The verdict on a scenario's explicit requests: each one that says what answer it
//! expects (`expect = "not_owner"`, say) must get that answer.

use crate::sim::{RequestRecord, Simulation};
use crate::verdict::Check;

/// The check of the explicit requests' expected answers; `None` when no request states one.
/// An unanswered request is left to the liveness check.
pub fn answers_check(sim: &Simulation) -> Option<Check> {
    let specs = &sim.scenario().requests;
    if specs.iter().all(|spec| spec.expect.is_none()) {
        return None;
    }
    let mut problems = Vec::new();
    let mut used: Vec<&RequestRecord> = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let record = sim.history().records().find(|record| {
            record.id.client == spec.client
                && record.submitted_at.0 == spec.at_us()
                && Some(record.request) == spec.request()
                && !used.iter().any(|earlier| earlier.id == record.id)
        });
        let Some(record) = record else { continue };
        used.push(record);
        match (spec.expect, &record.outcome) {
            (Some(expected), Some(outcome)) if !expected.matches(outcome) => {
                problems.push(format!(
                    "requests[{index}] {} {}: expected {expected:?}, got {outcome}",
                    record.id, record.request
                ));
            }
            _ => {}
        }
    }
    let passed = problems.is_empty();
    let detail =
        if passed { "every explicit request got the answer it expects".to_string() } else { problems.join("; ") };
    Some(Check { name: "explicit requests got their expected answers", passed, detail })
}
