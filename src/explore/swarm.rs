//! Swarm testing: every seed draws its own world, faults and workload.
//!
//! The draws come from the seed's own `Swarm` stream, apart from the streams the run
//! itself uses, so `tokensim run --seed N --swarm` and `tokensim check --seeds N..N+1
//! --swarm` build the same world for seed `N`. Faults always stay within the fault budget
//! (fewer than half of the servers), so every swarm run owes liveness as well as safety.

use crate::protocol::NodeId;
use crate::scenario::{FaultSpec, Scenario};
use crate::sim::{SimRng, Stream};
use crate::vocab::{OmissionKind, Ratio};

/// The scenario seed `seed` runs under swarm testing, derived from `base`.
///
/// Drawn: 3 to 7 servers, 2 to 6 clients with 1 to 6 tokens each, up to the budget's
/// number of faulty servers (each with its omission kind and ratio, silent a third of the
/// time), message delays, fair link loss (half the seeds), the client timeout and a small
/// workload (10 to 60 requests) so that sweeps are fast. Kept from `base`: the name (with
/// `+swarm`), the description and the expectations' liveness budget.
pub fn swarm_scenario(base: &Scenario, seed: u64) -> Scenario {
    let mut rng = SimRng::new(seed, Stream::Swarm);
    let mut scenario = base.clone();
    scenario.name = format!("{}+swarm", base.name);
    scenario.seed = seed;
    let world = &mut scenario.world;
    world.servers = rng.between(3, 7) as u32;
    world.clients = rng.between(2, 6) as u32;
    world.tokens_per_client = Some(rng.between(1, 6) as u32);
    world.owners.clear();
    // The base's schedule and scripted requests name nodes of its own world, not this one.
    scenario.schedule.clear();
    scenario.requests.clear();
    scenario.faults = draw_faults(&mut rng, world.clients, world.servers);
    let network = &mut scenario.network;
    network.delay_us_min = rng.between(0, 5_000);
    network.delay_us_max = network.delay_us_min + rng.between(0, 50_000);
    network.link_loss = if rng.chance(Ratio::new(1, 2).expect("valid")) {
        Ratio::NEVER
    } else {
        Ratio::new(rng.between(1, 10) as u32, 100).expect("at most 10%")
    };
    scenario.client.retransmit_timeout_us = rng.between(20_000, 100_000);
    let workload = scenario.random_workload_mut();
    workload.requests = rng.between(10, 60);
    workload.gap_us_max = rng.between(0, 200_000);
    workload.pay_ratio = Ratio::new(rng.between(1, 3) as u32, 4).expect("at most 3/4");
    workload.stray_pay_ratio = Ratio::new(rng.between(0, 3) as u32, 10).expect("at most 3/10");
    // A third of the seeds keep the membership fixed; the rest change roles now and then.
    workload.role_change_ratio = match rng.below(3) {
        0 => Ratio::NEVER,
        _ => Ratio::new(rng.between(1, 4) as u32, 20).expect("at most 1/5"),
    };
    scenario.expect.liveness = true;
    scenario.expect.break_fault_budget = false;
    scenario
}

/// The scenario seed `seed` runs under: its own swarm world with `swarm`, else `base`.
pub fn scenario_for_seed(base: &Scenario, seed: u64, swarm: bool) -> Scenario {
    match swarm {
        true => swarm_scenario(base, seed),
        false => base.clone(),
    }
}

/// Up to `(servers - 1) / 2` distinct faulty servers; servers get ids after the clients.
fn draw_faults(rng: &mut SimRng, clients: u32, servers: u32) -> Vec<FaultSpec> {
    let faulty = rng.between(0, u64::from((servers - 1) / 2)) as usize;
    let mut candidates: Vec<NodeId> = (clients + 1..=clients + servers).map(NodeId).collect();
    let mut faults = Vec::with_capacity(faulty);
    for _ in 0..faulty {
        let server = candidates.remove(rng.below(candidates.len() as u64) as usize);
        let kind = rng.pick(&[OmissionKind::Send, OmissionKind::Receive, OmissionKind::Both]);
        let ratio = if rng.chance(Ratio::new(1, 3).expect("valid")) {
            Ratio::ALWAYS
        } else {
            Ratio::new(rng.between(1, 9) as u32, 10).expect("at most 9/10")
        };
        faults.push(FaultSpec { server, kind, ratio });
    }
    faults.sort_by_key(|fault| fault.server);
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swarm_worlds_are_valid_within_budget_and_vary() {
        let base = Scenario::default_scenario();
        let mut server_counts = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let scenario = swarm_scenario(&base, seed);
            scenario.world("swarm").unwrap_or_else(|error| panic!("seed {seed}: {error}"));
            assert!(scenario.within_fault_budget(), "seed {seed}");
            server_counts.insert(scenario.world.servers);
        }
        assert_eq!(server_counts.into_iter().collect::<Vec<_>>(), [3, 4, 5, 6, 7]);
    }

    #[test]
    fn one_seed_draws_one_world() {
        let base = Scenario::default_scenario();
        assert_eq!(swarm_scenario(&base, 77), swarm_scenario(&base, 77));
        assert_ne!(swarm_scenario(&base, 77), swarm_scenario(&base, 78));
    }
}
