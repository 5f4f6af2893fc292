//! The basic invariants every finished run is judged on.

use crate::protocol::{NodeId, Outcome, TokenId, Version};
use crate::sim::{RunEnd, Simulation};
use serde::Serialize;

/// One named property and whether the run kept it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The property's name.
    pub name: &'static str,
    /// Whether it held.
    pub passed: bool,
    /// What broke it (empty when it held, or a short confirmation).
    pub detail: String,
}

/// Judge a finished run on the basic invariants: one value per version, versions without
/// gaps, every pay by the token's owner, and every request of a correct client answered.
pub fn basic_checks(sim: &Simulation, end: RunEnd) -> Vec<Check> {
    vec![one_value_per_version(sim), versions_without_gaps(sim), paid_by_owner(sim), every_request_answered(sim, end)]
}

/// The check that a run and its fault-free rerun end with the same token table.
pub fn rerun_check(comparison: &crate::trace::RerunComparison) -> Check {
    Check {
        name: "the fault-free rerun reaches the same final state",
        passed: comparison.passed(),
        detail: comparison.describe(),
    }
}

fn check(name: &'static str, problems: Vec<String>, fine: String) -> Check {
    match problems.first() {
        None => Check { name, passed: true, detail: fine },
        Some(first) => {
            let more = if problems.len() > 1 { format!(" (and {} more)", problems.len() - 1) } else { String::new() };
            Check { name, passed: false, detail: format!("{first}{more}") }
        }
    }
}

fn one_value_per_version(sim: &Simulation) -> Check {
    let problems = sim
        .version_conflicts()
        .iter()
        .map(|c| {
            format!(
                "{} at {} has two owners: {} (by {}) and {} (by {}), seen at {}",
                c.token,
                c.first.version,
                c.first.owner,
                writer_name(c.first.writer),
                c.second.owner,
                writer_name(c.second.writer),
                c.at
            )
        })
        .collect();
    check("every token has one owner at each version", problems, "no version has two values".into())
}

fn writer_name(writer: Option<crate::protocol::RequestId>) -> String {
    writer.map_or_else(|| "initial".to_string(), |id| id.to_string())
}

fn versions_without_gaps(sim: &Simulation) -> Check {
    let mut problems = Vec::new();
    let final_table = sim.final_table();
    let mut paid: Vec<Vec<Version>> = vec![Vec::new(); final_table.len()];
    for record in sim.history().records() {
        if let Some(Outcome::Paid { token, version }) = &record.outcome {
            paid[token.0 as usize].push(*version);
        }
    }
    for (index, value) in final_table.iter().enumerate() {
        let token = TokenId(index as u32);
        let written = sim.written_versions(token);
        if let Some(skipped) = written.iter().position(|v| v.version.0 == 0) {
            problems.push(format!("{token} skipped version v{}", skipped + 1));
        }
        if value.version.0 as usize != written.len() {
            problems.push(format!(
                "{token} ends at {} but versions up to v{} were written",
                value.version,
                written.len()
            ));
        }
        let versions = &mut paid[index];
        versions.sort_unstable();
        if let Some(pair) = versions.windows(2).find(|pair| pair[0] == pair[1]) {
            problems.push(format!("{token}: two pays were answered ok at {}", pair[0]));
        }
    }
    let fine = format!("{} tokens, versions contiguous from v1", final_table.len());
    check("versions have no gaps", problems, fine)
}

fn paid_by_owner(sim: &Simulation) -> Check {
    let mut problems = Vec::new();
    for index in 0..sim.final_table().len() {
        let token = TokenId(index as u32);
        for pair in sim.written_versions(token).windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let payer = after.writer.map(|id| id.client);
            if before.version.0 != 0 && after.version.0 != 0 && payer != Some(before.owner) {
                problems.push(format!(
                    "{token} {} was written by {} but {} owned {}",
                    after.version,
                    writer_name(after.writer),
                    before.owner,
                    before.version
                ));
            }
        }
    }
    check(
        "every transfer was made by the owner (no double spend)",
        problems,
        "every version was written by the previous owner".into(),
    )
}

fn every_request_answered(sim: &Simulation, end: RunEnd) -> Check {
    let correct: Vec<NodeId> = sim.correct_clients();
    let stuck: Vec<String> = sim
        .history()
        .unanswered_of(&correct)
        .map(|r| format!("{} {} submitted at {} is unanswered", r.id, r.request, r.submitted_at))
        .collect();
    let mut problems = stuck;
    if end != RunEnd::Completed && problems.is_empty() {
        problems.push(format!("the run ended {end:?} before the workload finished"));
    }
    let fine = format!("{} requests answered", sim.history().len());
    check("every request of a correct client was answered", problems, fine)
}
