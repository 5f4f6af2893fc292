//! What the servers of a run were sent: every value any client ever wrote, with its writer.
//!
//! The history alone cannot see a write whose pay was never answered, nor which request
//! wrote a version; the simulator's write log can. Checked at the end of a run:
//! - [`Property::ExactlyOnce`]: a request wrote at most one version (retries included), and
//!   a pay answered `Ok { version }` is the writer of that version.
//! - [`Property::RefusalChangedNothing`]: no refused request wrote a version.
//! - [`Property::VersionsContiguous`]: no version was skipped.
//! - [`Property::OneOwnerPerVersion`]: no two different values were ever sent at one version.

use super::history::OpHistory;
use super::violation::{Property, Violation};
use crate::protocol::{Outcome, RequestId, TokenId, TokenValue};
use crate::sim::Simulation;
use std::collections::BTreeMap;

/// Check the write log of the finished run `sim`.
pub fn check_effects(sim: &Simulation) -> Vec<Violation> {
    let written: Vec<Vec<TokenValue>> =
        (0..sim.world().owners.len()).map(|token| sim.written_versions(TokenId(token as u32))).collect();
    let history = OpHistory::from_sim(sim.history(), &sim.world().owners);
    let mut violations: Vec<Violation> = sim.version_conflicts().iter().map(conflict).collect();
    violations.extend(check_written(&written, &history));
    violations.into_iter().map(|v| v.with_seed(sim.seed())).collect()
}

/// Check `written` (per token, the value written at each version, index = version - 1; a
/// value of version 0 marks a version skipped) against the answers in `history`.
pub fn check_written(written: &[Vec<TokenValue>], history: &OpHistory) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut wrote: BTreeMap<RequestId, (TokenId, u64)> = BTreeMap::new();
    for (token, values) in written.iter().enumerate() {
        let token = TokenId(token as u32);
        for (index, value) in values.iter().enumerate() {
            let version = index as u64 + 1;
            if value.version.0 == 0 {
                let detail = format!("{token} skipped v{version}: a later version was written first");
                violations.push(Violation::new(Property::VersionsContiguous, detail));
                continue;
            }
            let Some(writer) = value.writer else { continue };
            if let Some((other_token, other)) = wrote.insert(writer, (token, version)) {
                let detail = format!("{writer} wrote twice: {other_token}@v{other} and {token}@v{version}");
                violations.push(Violation::new(Property::ExactlyOnce, detail).involving([writer]));
            }
        }
    }
    for op in &history.operations {
        if let Some(problem) = mismatch(op.id, op.outcome.as_ref(), wrote.get(&op.id).copied()) {
            violations.push(problem.at(op.responded_at.unwrap_or(op.invoked_at)).involving([op.id]));
        }
    }
    violations
}

fn conflict(c: &crate::sim::VersionConflict) -> Violation {
    let writer = |value: &crate::protocol::TokenValue| match value.writer {
        Some(id) => format!("written by {id}"),
        None => "with no writer".to_string(),
    };
    // The two values may differ only in their writer: say so rather than "two owners: n1 and n1".
    let what = if c.first.owner == c.second.owner { "two values" } else { "two owners" };
    let detail = format!(
        "{} at {} was sent with {what}: {} ({}) and {} ({})",
        c.token,
        c.first.version,
        c.first.owner,
        writer(&c.first),
        c.second.owner,
        writer(&c.second)
    );
    Violation::new(Property::OneOwnerPerVersion, detail)
        .at(c.at)
        .involving([c.first.writer, c.second.writer].into_iter().flatten())
}

/// What is wrong between a request's answer and what it wrote, if anything.
pub(super) fn mismatch(id: RequestId, outcome: Option<&Outcome>, wrote: Option<(TokenId, u64)>) -> Option<Violation> {
    match (outcome, wrote) {
        (Some(Outcome::Paid { token, version }), Some((t, v))) if (*token, version.0) != (t, v) => {
            let detail = format!("{id} was answered ok at {token}@{version} but wrote {t}@v{v}");
            Some(Violation::new(Property::ExactlyOnce, detail))
        }
        (Some(Outcome::Paid { token, version }), None) => {
            let detail = format!("{id} was answered ok at {token}@{version} but no server was sent that write");
            Some(Violation::new(Property::ExactlyOnce, detail))
        }
        (Some(Outcome::Refused(refusal)), Some((t, v))) => {
            let detail = format!("{id} was refused ({refusal}) but wrote {t}@v{v}");
            Some(Violation::new(Property::RefusalChangedNothing, detail))
        }
        (Some(Outcome::Tokens { .. }), Some((t, v))) => {
            let detail = format!("{id} was a read but wrote {t}@v{v} as its writer");
            Some(Violation::new(Property::ExactlyOnce, detail))
        }
        _ => None,
    }
}
