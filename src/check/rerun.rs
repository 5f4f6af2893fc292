//! The fault-free rerun: a run's completed requests, in an order the run linearized them,
//! run again one at a time in the same world without faults; the final token tables must be
//! the same, token by token (owner and version).
//!
//! # The order
//! A request's effect on the table depends only on its own token, so only the order of the
//! requests of each token matters, and that order is in the answers themselves:
//! - a `pay` answered `Paid { token, version }` wrote `version` of `token`: it is placed by
//!   that version, so the pays of each token run in the order of the versions they wrote;
//! - a `pay` refused `NotOwner { token, version, .. }` saw `version`: it is placed right after
//!   the pay that wrote that version (and before the next), where its caller again does not own
//!   the token, so it is refused again and changes nothing;
//! - a `gettokens` changes nothing wherever it runs; they come last, by response time;
//! - role changes, and refusals that do not depend on the table (`NotAClient`,
//!   `UnknownToken`, ...), change no token and are not rerun: whether they would be refused
//!   again depends on the membership, not on the table.
//!
//! Roles are not replayed either: in the rerun's world every node of the original world is a
//! client, starting with the original owners, and the servers are fresh nodes after them. A
//! pay's effect does not depend on its caller's role, only on who owns the token, so each
//! request is made by its original caller whatever role that caller had when it made it.
//!
//! Tokens are taken in id order. This is the run's linearization per token; interleaving the
//! tokens differently would not change the final table because requests of different tokens
//! commute. Induction over the versions then gives the same final table: the pay that wrote
//! version `v + 1` was made by the owner at `v`, who is the owner at `v` in the rerun too.
//!
//! Ordering by response time instead would be unsound: a pay can be answered after a later
//! pay of the same token that already read its write.
//!
//! A request that was not answered (still waiting, or lost in a crash after it started) may
//! still have written to some servers, so a run with such a `pay` is not compared.

use crate::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId, TokenId, TokenValue, Version};
use crate::scenario::{EventBudget, Scenario, World};
use crate::sim::{History, RunEnd, Simulation};
use crate::vocab::Ratio;
use serde::Serialize;
use std::fmt;

/// A fault-free rerun that could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RerunError {
    /// A request's caller is not a client in the rerun's world.
    #[error("request {id} cannot be rerun: {client} is not a client")]
    NotAClient {
        /// The request.
        id: RequestId,
        /// Its caller.
        client: NodeId,
    },
    /// The rerun stopped with a request unanswered (a liveness bug without faults).
    #[error("the fault-free rerun of {id} {request} was never answered: the run ended {end:?} at {at}")]
    Stuck {
        /// The original request.
        id: RequestId,
        /// What it asked.
        request: Request,
        /// How the rerun ended.
        end: RunEnd,
        /// When.
        at: Instant,
    },
}

/// A token's owner and version, without the writer (request ids differ in a rerun).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TokenState {
    /// Who owns the token.
    pub owner: NodeId,
    /// At which version.
    pub version: Version,
}

/// One token whose final state differs between the run and its fault-free rerun.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenDifference {
    /// The token.
    pub token: TokenId,
    /// Its final state in the run (`None` if the run's table has no such token).
    pub run: Option<TokenState>,
    /// Its final state in the fault-free rerun (`None` if the rerun's table has no such token).
    pub rerun: Option<TokenState>,
}

/// The result of comparing a run with its fault-free rerun.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RerunComparison {
    /// How many completed requests were rerun.
    pub requests: u64,
    /// Every token whose final owner or version differs, ascending by token.
    pub differences: Vec<TokenDifference>,
    /// Why no comparison was made, if none was (a run with unanswered pays).
    pub skipped: Option<String>,
    /// Why the rerun failed, if it did.
    pub error: Option<String>,
}

impl RerunComparison {
    /// A comparison that could not be made because the rerun failed.
    pub fn failed(error: &RerunError) -> RerunComparison {
        RerunComparison { error: Some(error.to_string()), ..RerunComparison::default() }
    }

    /// Whether the rerun ran (or was rightly skipped) and reached the same final table.
    pub fn passed(&self) -> bool {
        self.differences.is_empty() && self.error.is_none()
    }

    /// "same final state", or a line per differing token.
    pub fn describe(&self) -> String {
        if let Some(error) = &self.error {
            return format!("the fault-free rerun failed: {error}");
        }
        if let Some(reason) = &self.skipped {
            return format!("not compared: {reason}");
        }
        if self.differences.is_empty() {
            let requests = crate::vocab::count(self.requests, "completed request", "completed requests");
            return format!("same final state ({requests} rerun without faults)");
        }
        let lines: Vec<String> = self.differences.iter().map(ToString::to_string).collect();
        let tokens = crate::vocab::count(self.differences.len() as u64, "token", "tokens");
        format!("final state differs in {tokens}: {}", lines.join("; "))
    }
}

impl fmt::Display for TokenState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.owner, self.version)
    }
}

impl fmt::Display for TokenDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |state: Option<TokenState>| state.map_or_else(|| "missing".to_string(), |s| s.to_string());
        write!(f, "{}: run has {}, fault-free rerun has {}", self.token, show(self.run), show(self.rerun))
    }
}

/// Rerun `sim`'s completed requests without faults and compare the final tables.
pub fn fault_free_rerun(sim: &Simulation) -> Result<RerunComparison, RerunError> {
    if let Some(skipped) = skip_reason(sim) {
        return Ok(skipped);
    }
    let requests = linearized_requests(sim.history());
    rerun_in_order(sim, requests.len(), requests.iter().copied())
}

/// Whether `sim` has a pay that may have written but was never answered: then there is
/// no comparison to make, and why.
fn skip_reason(sim: &Simulation) -> Option<RerunComparison> {
    // A pay lost in a crash after it started may have written too; one lost while queued
    // never reached a server.
    let may_have_written = |r: &&crate::sim::RequestRecord| r.is_waiting() || r.started_at.is_some();
    let pays = sim.history().without_answer().filter(|r| matches!(r.request, Request::Pay { .. }));
    let unanswered_pays = pays.filter(may_have_written).count();
    if unanswered_pays == 0 {
        return None;
    }
    let pays = crate::vocab::count(unanswered_pays as u64, "pay was", "pays were");
    let reason = format!("{pays} never answered and may have written to some servers");
    Some(RerunComparison { skipped: Some(reason), ..RerunComparison::default() })
}

/// [`fault_free_rerun`] of a run that retired its history: the completed requests come
/// from `log`, which holds them in the order [`linearized_requests`] gives.
pub fn fault_free_rerun_of_log(
    sim: &Simulation,
    log: &crate::check::retire::RerunLog,
) -> Result<RerunComparison, RerunError> {
    if let Some(skipped) = skip_reason(sim) {
        return Ok(skipped);
    }
    rerun_in_order(sim, log.len(), log.requests())
}

fn rerun_in_order(
    sim: &Simulation,
    count: usize,
    requests: impl IntoIterator<Item = (RequestId, Request)>,
) -> Result<RerunComparison, RerunError> {
    let scenario = rerun_scenario(sim.scenario(), count);
    let rerun_table = run_requests_from(&scenario, &rerun_world(sim.world()), sim.seed(), requests)?;
    let differences = compare_tables(&sim.final_table(), &rerun_table);
    Ok(RerunComparison { requests: count as u64, differences, skipped: None, error: None })
}

/// The completed requests of `history` in the order described in the module docs, each with
/// its original id (whose client is the caller).
pub fn linearized_requests(history: &History) -> Vec<(RequestId, Request)> {
    let mut keyed: Vec<(OrderKey, Instant, RequestId, Request)> = history
        .records()
        .filter_map(|record| {
            let key = match record.outcome.as_ref()? {
                Outcome::Paid { token, version } => (0, *token, *version, 0),
                Outcome::Refused(Refusal::NotOwner { token, version, .. }) => (0, *token, *version, 1),
                Outcome::Tokens { .. } => (1, TokenId(0), Version(0), 0),
                Outcome::Refused(_) | Outcome::RoleChanged { .. } => return None,
            };
            Some((key, record.answered_at?, record.id, record.request))
        })
        .collect();
    keyed.sort_by_key(|&(key, answered_at, id, _)| (key, answered_at, id));
    keyed.into_iter().map(|(_, _, id, request)| (id, request)).collect()
}

/// Where a completed request goes: (0 for table-dependent, token, version, 0 for the write
/// of that version and 1 for a refusal that saw it); (1, ..) for a `gettokens`.
type OrderKey = (u8, TokenId, Version, u8);

/// `original` without faults: no omissions, no scheduled faults or partitions, no link loss
/// or duplication, no random or scripted workload, and a liveness budget of the original's
/// for every one of `requests`. Its world is [`rerun_world`], not the scenario's own.
pub fn rerun_scenario(original: &Scenario, requests: usize) -> Scenario {
    let mut scenario = original.clone();
    scenario.name = format!("{} (fault-free rerun)", original.name);
    scenario.faults.clear();
    scenario.schedule.clear();
    scenario.requests.clear();
    scenario.choices = None;
    scenario.network.link_loss = Ratio::NEVER;
    scenario.network.duplicate_ratio = Ratio::NEVER;
    scenario.random_workload_mut().requests = 0;
    scenario.expect.break_fault_budget = false;
    scenario.expect.liveness = true;
    let budget_us = original.expect.liveness_budget_us.saturating_mul(requests as u64 + 1);
    scenario.expect.liveness_budget_us = budget_us;
    // The rerun plans no requests of its own, so its default event budget would not grow
    // with the requests it reruns: give it the budget a run planning them would have.
    if original.expect.max_events.is_none() {
        let per_request = (requests as u64).saturating_mul(EventBudget::PER_REQUEST);
        scenario.expect.max_events = Some(EventBudget::BASE.saturating_add(per_request));
    }
    scenario
}

/// The rerun's world: every node of `original` a client (the tokens owned as at the start),
/// and fresh servers after them, as many as the original started with. Built directly, not
/// from a scenario's sizes, so that it works at every world size a scenario may have.
pub fn rerun_world(original: &World) -> World {
    let nodes = (original.clients.len() + original.servers.len()) as u32;
    let servers = original.servers.len() as u32;
    World {
        clients: (1..=nodes).map(NodeId).collect(),
        servers: (nodes + 1..=nodes + servers).map(NodeId).collect(),
        owners: original.owners.clone(),
    }
}

/// Run `requests` one at a time in `scenario` and `world` with `seed`, each by its original
/// caller (the client of its id) and each answered before the next is submitted; the final
/// table.
pub fn run_requests(
    scenario: &Scenario,
    world: &World,
    seed: u64,
    requests: &[(RequestId, Request)],
) -> Result<Vec<TokenValue>, RerunError> {
    run_requests_from(scenario, world, seed, requests.iter().copied())
}

/// [`run_requests`] over any sequence of requests. The rerun keeps neither its answered
/// requests nor a write log: only its final table is read.
fn run_requests_from(
    scenario: &Scenario,
    world: &World,
    seed: u64,
    requests: impl IntoIterator<Item = (RequestId, Request)>,
) -> Result<Vec<TokenValue>, RerunError> {
    let mut simulation = Simulation::in_world(scenario, world.clone(), seed);
    simulation.lean();
    for (original, request) in requests {
        let client = original.client;
        let id = simulation.submit_scripted(client, request).ok_or(RerunError::NotAClient { id: original, client })?;
        while simulation.history().get(id).is_some_and(|record| record.outcome.is_none()) {
            if let Some(end) = simulation.step() {
                return Err(RerunError::Stuck { id: original, request, end, at: simulation.now() });
            }
        }
    }
    Ok(simulation.final_table())
}

/// Every token whose owner or version differs between two final tables (indexed by token).
pub fn compare_tables(run: &[TokenValue], rerun: &[TokenValue]) -> Vec<TokenDifference> {
    let state = |value: Option<&TokenValue>| value.map(|v| TokenState { owner: v.owner, version: v.version });
    (0..run.len().max(rerun.len()))
        .map(|index| TokenDifference {
            token: TokenId(index as u32),
            run: state(run.get(index)),
            rerun: state(rerun.get(index)),
        })
        .filter(|difference| difference.run != difference.rerun)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(owner: u32, version: u64) -> TokenValue {
        TokenValue { version: Version(version), owner: NodeId(owner), writer: None }
    }

    #[test]
    fn tables_differ_only_where_owner_or_version_does() {
        let run = [value(1, 1), value(2, 3), value(3, 2)];
        let mut rerun = run;
        rerun[1].writer = Some(RequestId { client: NodeId(9), sequence: 1 });
        rerun[2] = value(4, 2);
        let differences = compare_tables(&run, &rerun);
        assert_eq!(differences.len(), 1);
        assert_eq!(differences[0].token, TokenId(2));
        assert_eq!(differences[0].to_string(), "t2: run has n3 at v2, fault-free rerun has n4 at v2");
    }

    #[test]
    fn pays_are_ordered_by_the_version_they_wrote_not_by_response_time() {
        let mut history = History::default();
        let pay = Request::Pay { token: TokenId(0), to: NodeId(3) };
        let (first, second) =
            (RequestId { client: NodeId(1), sequence: 1 }, RequestId { client: NodeId(2), sequence: 1 });
        // `second` wrote v3 and was answered before `first`, which wrote v2.
        history.submitted(first, pay, Instant(0));
        history.submitted(second, pay, Instant(1));
        history.answered(second, Outcome::Paid { token: TokenId(0), version: Version(3) }, Instant(5));
        history.answered(first, Outcome::Paid { token: TokenId(0), version: Version(2) }, Instant(9));
        let order: Vec<RequestId> = linearized_requests(&history).into_iter().map(|(id, _)| id).collect();
        assert_eq!(order, [first, second]);
    }
}
