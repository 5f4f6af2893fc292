//! The swarm's faults on nodes: omission faults on clients, and crashes with restarts of
//! clients and servers. Drawn from a stream of their own (`SwarmNodes`), after the rest of
//! the world, so that a seed's world, network, workload and fault schedule are the same as
//! without them: only the seeds that turn these features on change.
//!
//! Each feature is on in about a third of the seeds. Crashes are kept within the fault
//! budget (a crashed server counts as faulty until it restarts; each draw is checked by the
//! scenario's own validation and dropped if it breaks the budget of the starting
//! configuration), so the run still owes liveness unless role changes move the budget (see
//! `swarm`). Silent clients are healed before the workload is likely over, so that their
//! requests are answered and the run does not wait out its whole liveness budget; lossy
//! ones may stay faulty.

use crate::protocol::NodeId;
use crate::scenario::{FaultAction, FaultSpec, Scenario, ScheduledEvent};
use crate::sim::{SimRng, Stream};
use crate::vocab::{OmissionKind, Ratio};

/// At most this many nodes crash in one seed.
const CRASHES_MAX: u64 = 3;
/// At most this many times one client crashes.
const CLIENT_CRASHES_MAX: u64 = 6;

/// Draw seed `seed`'s faults on nodes into `scenario`, whose world, faults from the start,
/// schedule and workload are drawn already.
pub(super) fn draw_node_faults(seed: u64, scenario: &mut Scenario) {
    let mut rng = SimRng::new(seed, Stream::SwarmNodes);
    let (client_faults, crashes) = (rng.below(3) == 0, rng.below(3) == 0);
    let span_ms = span_ms(scenario);
    if client_faults {
        draw_client_faults(&mut rng, scenario, span_ms);
    }
    if crashes {
        draw_crashes(&mut rng, scenario, span_ms);
    }
}

/// How long the workload is likely to run, in milliseconds: the window faults fall in.
fn span_ms(scenario: &Scenario) -> u64 {
    let workload = scenario.random_workload();
    let clients = u64::from(scenario.world.clients).max(1);
    (workload.requests / clients + 1) * workload.gap_us_max.max(50_000) / 1000
}

/// One to all but one of the clients faulty from the start (one stays correct, so that
/// someone is owed answers); a silent one heals within the span, a lossy one half the time.
/// A faulty client counts against no budget, but a partition whose side keeps only faulty
/// clients puts that side's servers out of reach: a fault that would break the budget so
/// is left out.
fn draw_client_faults(rng: &mut SimRng, scenario: &mut Scenario, span_ms: u64) {
    let clients = scenario.world.clients;
    let mut candidates: Vec<NodeId> = (1..=clients).map(NodeId).collect();
    for _ in 0..rng.between(1, u64::from(clients - 1).max(1)) {
        let node = candidates.remove(rng.below(candidates.len() as u64) as usize);
        let kind = rng.pick(&[OmissionKind::Send, OmissionKind::Receive, OmissionKind::Both]);
        let silent = rng.chance(Ratio::new(1, 3).expect("valid"));
        let ratio = match silent {
            true => Ratio::ALWAYS,
            false => Ratio::new(rng.between(1, 9) as u32, 10).expect("at most 9/10"),
        };
        let heal_ms = (silent || rng.below(2) == 0).then(|| rng.between(0, span_ms));
        scenario.faults.push(FaultSpec { node, kind, ratio });
        if let Some(at_ms) = heal_ms {
            scenario.schedule.push(ScheduledEvent::new(at_ms, FaultAction::Heal(node)));
        }
        if !scenario.within_fault_budget() {
            scenario.faults.pop();
            if heal_ms.is_some() {
                scenario.schedule.pop();
            }
        }
    }
    scenario.faults.sort_by_key(|fault| fault.node);
}

/// One to [`CRASHES_MAX`] nodes that crash, clients two times in three. A server crashes
/// once and restarts after a while (but one time in six, when it stays down). A client
/// crashes one to [`CLIENT_CRASHES_MAX`] times, each for a short while (and stays down after
/// its last one time in six): the rarest path of a crash, a client that crashed in the
/// middle of a pay's write finishing that write after its restart, needs a crash to land in
/// that short window and the client to carry on afterwards. A crash that would come while
/// its node is down, or break the fault budget, is left out.
fn draw_crashes(rng: &mut SimRng, scenario: &mut Scenario, span_ms: u64) {
    let (clients, servers) = (u64::from(scenario.world.clients), u64::from(scenario.world.servers));
    for _ in 0..rng.between(1, CRASHES_MAX) {
        let (node, crashes, down_ms_max) = match rng.below(3) {
            0 => (NodeId((clients + rng.between(1, servers)) as u32), 1, span_ms / 2 + 1),
            _ => (NodeId(rng.between(1, clients) as u32), rng.between(1, CLIENT_CRASHES_MAX), span_ms / 10 + 1),
        };
        for crash in 1..=crashes {
            let at_ms = rng.between(0, span_ms);
            let stays_down = crash == crashes && rng.below(6) == 0;
            let restart_ms = (!stays_down).then(|| at_ms + rng.between(1, down_ms_max));
            let before = scenario.schedule.len();
            scenario.schedule.push(ScheduledEvent::new(at_ms, FaultAction::Crash(node)));
            if let Some(restart_ms) = restart_ms {
                scenario.schedule.push(ScheduledEvent::new(restart_ms, FaultAction::Restart(node)));
            }
            if !scenario.within_fault_budget() {
                scenario.schedule.truncate(before);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::swarm::swarm_scenario;

    #[test]
    fn a_third_of_the_seeds_crash_nodes_and_a_third_have_faulty_clients_all_within_budget() {
        let base = Scenario::default_scenario();
        let (mut crashing, mut faulty_clients) = (0, 0);
        for seed in 0..300 {
            let scenario = swarm_scenario(&base, seed);
            scenario.world("swarm").unwrap_or_else(|error| panic!("seed {seed}: {error}"));
            assert!(scenario.within_fault_budget(), "seed {seed}");
            let crashes = scenario.schedule.iter().filter(|event| event.crash.is_some()).count();
            crashing += usize::from(crashes > 0);
            let clients = scenario.world.clients;
            faulty_clients += usize::from(scenario.faults.iter().any(|fault| fault.node.0 <= clients));
        }
        assert!((60..140).contains(&crashing), "{crashing} of 300 seeds crash a node");
        // A third from this stream, plus the contended seeds' lossy payers (`swarm_lossy_payer`).
        assert!((60..200).contains(&faulty_clients), "{faulty_clients} of 300 seeds have faulty clients");
    }
}
