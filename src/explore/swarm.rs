//! Swarm testing: every seed draws its own world, faults and workload.
//!
//! After TigerBeetle's swarm testing, each seed first turns whole features on or off, then
//! draws the world those features describe: one seed is a contended world of few tokens and
//! back-to-back requests, another a lossy network whose retransmissions overlap their
//! originals, another slow links, another churning membership, another a schedule of faults
//! and partitions. A bug that needs two of these at once is found by the seeds that turn
//! both on, instead of being diluted by every seed running a little of everything.
//! Contended seeds that do not churn also give one of the hot tokens' owners a lossy send
//! and keep the membership fixed (`swarm_lossy_payer`): its writes reach a minority and stay
//! there until it retransmits, while the other clients read and pay the same token, which
//! is the race a read that does not write back what it saw loses.
//!
//! The draws come from the seed's own `Swarm` stream, apart from the streams the run
//! itself uses, so `tokensim run --seed N --swarm` and `tokensim check --seeds N..N+1
//! --swarm` build the same world for seed `N`. Faults always stay within the fault budget
//! of the starting configuration (every draw is checked by the scenario's own validation),
//! so a swarm run owes liveness as well as safety unless role changes move the budget:
//! faults that come after a change, or a partition the workload's role-change guard does
//! not count, can leave half or more of a configuration the changes made faulty or out of
//! reach. The run notices, owes no liveness from then on, and `check` counts such seeds
//! (about 4% of them; `docs/CHECKING.md` says exactly when). Every kind of fault the scenario format offers
//! ([`crate::scenario::FaultKind`]) is drawn by some seeds; a test holds it to that.

use crate::protocol::NodeId;
use crate::scenario::{FaultSpec, HealSpec, Scenario, ScheduledEvent};
use crate::sim::{SimRng, Stream};
use crate::vocab::{OmissionKind, Ratio};

pub use super::swarm_features::Features;

/// The scenario seed `seed` runs under swarm testing, derived from `base`; see the module
/// docs. Kept from `base`: the name (with `+swarm`), the description, the variant and the
/// expectations' liveness and event budgets.
pub fn swarm_scenario(base: &Scenario, seed: u64) -> Scenario {
    let mut rng = SimRng::new(seed, Stream::Swarm);
    let features = Features::draw(&mut rng);
    let mut scenario = base.clone();
    scenario.name = format!("{}+swarm", base.name);
    scenario.seed = seed;
    // The base's schedule and scripted requests name nodes of its own world, not this one.
    scenario.schedule.clear();
    scenario.requests.clear();
    scenario.choices = None;
    draw_world(&mut rng, &mut scenario, features);
    scenario.faults = draw_faults(&mut rng, scenario.world.clients, scenario.world.servers);
    draw_network(&mut rng, &mut scenario, features);
    draw_workload(&mut rng, &mut scenario, features);
    if features.scheduled_faults {
        draw_schedule(&mut rng, &mut scenario);
    }
    // Faulty clients, crashes and restarts: from a stream of their own, so the rest is as drawn.
    super::swarm_nodes::draw_node_faults(seed, &mut scenario);
    // A contended world's payer that loses its own writes: last, from a stream of its own too.
    super::swarm_lossy_payer::draw_lossy_payer(seed, features, &mut scenario);
    // Slow, lossy worlds with role changes take long to serve: give every request time for
    // four message delays and two timeouts, on top of the base's budget, so that a
    // liveness violation means a request was stuck, not that the world was slow.
    let per_request_us = scenario.network.delay_us_max * 4 + scenario.client.retransmit_timeout_us * 2;
    let requests = scenario.random_workload().requests;
    scenario.expect.liveness_budget_us =
        base.expect.liveness_budget_us.saturating_add(requests.saturating_mul(per_request_us));
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

/// 3 to 7 servers; 2 to 6 clients with 1 to 6 tokens each, or, contended, 3 to 7 clients
/// sharing one or two tokens.
fn draw_world(rng: &mut SimRng, scenario: &mut Scenario, features: Features) {
    let world = &mut scenario.world;
    world.servers = rng.between(3, 7) as u32;
    if features.contention {
        world.clients = rng.between(3, 7) as u32;
        let tokens = rng.between(1, 2) as u32;
        world.tokens_per_client = None;
        world.owners = (1..=tokens).map(NodeId).collect();
    } else {
        world.clients = rng.between(2, 6) as u32;
        world.tokens_per_client = Some(rng.between(1, 6) as u32);
        world.owners.clear();
    }
}

/// Up to `(servers - 1) / 2` distinct faulty servers; servers get ids after the clients.
fn draw_faults(rng: &mut SimRng, clients: u32, servers: u32) -> Vec<FaultSpec> {
    let faulty = rng.between(0, u64::from((servers - 1) / 2)) as usize;
    let mut candidates: Vec<NodeId> = (clients + 1..=clients + servers).map(NodeId).collect();
    let mut faults = Vec::with_capacity(faulty);
    for _ in 0..faulty {
        let server = candidates.remove(rng.below(candidates.len() as u64) as usize);
        faults.push(draw_omission(rng, server));
    }
    faults.sort_by_key(|fault| fault.node);
    faults
}

fn draw_omission(rng: &mut SimRng, server: NodeId) -> FaultSpec {
    let kind = rng.pick(&[OmissionKind::Send, OmissionKind::Receive, OmissionKind::Both]);
    let ratio = match rng.chance(Ratio::new(1, 3).expect("valid")) {
        true => Ratio::ALWAYS,
        false => Ratio::new(rng.between(1, 9) as u32, 10).expect("at most 9/10"),
    };
    FaultSpec { node: server, kind, ratio }
}

/// Delays, link loss, duplication and the client timeout the features call for.
fn draw_network(rng: &mut SimRng, scenario: &mut Scenario, features: Features) {
    let network = &mut scenario.network;
    match features.slow {
        true => {
            network.delay_us_min = rng.between(0, 20_000);
            network.delay_us_max = network.delay_us_min + rng.between(50_000, 1_000_000);
        }
        false => {
            network.delay_us_min = rng.between(0, 5_000);
            network.delay_us_max = network.delay_us_min + rng.between(0, 50_000);
        }
    }
    network.link_loss = match (features.lossy, rng.chance(Ratio::new(1, 2).expect("valid"))) {
        (true, _) => Ratio::new(rng.between(10, 40) as u32, 100).expect("at most 40%"),
        (false, true) => Ratio::NEVER,
        (false, false) => Ratio::new(rng.between(1, 10) as u32, 100).expect("at most 10%"),
    };
    network.duplicate_ratio = match features.duplicates {
        true => Ratio::new(rng.between(5, 50) as u32, 100).expect("at most 50%"),
        false => Ratio::NEVER,
    };
    scenario.client.retransmit_timeout_us = match features.lossy {
        // Shorter than most delays: a resend often races the message it repeats.
        true => rng.between(2_000, network.delay_us_max.max(2_000)),
        false => rng.between(20_000, 100_000).max(network.delay_us_max / 2),
    };
}

/// A small workload (so that sweeps are fast) of the shape the features call for.
fn draw_workload(rng: &mut SimRng, scenario: &mut Scenario, features: Features) {
    let workload = scenario.random_workload_mut();
    workload.requests = rng.between(10, 60);
    workload.gap_us_max = match features.contention {
        true => rng.between(0, 2_000),
        false => rng.between(0, 200_000),
    };
    workload.pay_ratio = match features.contention {
        true => Ratio::new(rng.between(2, 4) as u32, 4).expect("at most 4/4"),
        false => Ratio::new(rng.between(1, 3) as u32, 4).expect("at most 3/4"),
    };
    workload.stray_pay_ratio = Ratio::new(rng.between(0, 3) as u32, 10).expect("at most 3/10");
    workload.role_change_ratio = match (features.churn, rng.below(3)) {
        (true, _) => Ratio::new(rng.between(5, 12) as u32, 20).expect("at most 12/20"),
        // Most other seeds change roles now and then; a third keep the membership fixed.
        (false, 0) => Ratio::NEVER,
        (false, _) => Ratio::new(rng.between(1, 4) as u32, 20).expect("at most 1/5"),
    };
    // Scheduled faults meet role changes too: a coordinator cut off or made faulty in the
    // middle of one is taken over by the clients it holds up (swarm seeds 67, 538, 1113,
    // 1425, 2004, ... of 0..3000 were stuck before coordinator recovery).
}

/// One to five fault events over the workload's likely span: nodes made faulty and healed,
/// partitions and repairs. An event that would break the fault budget of the starting
/// configuration is left out, so the run still owes liveness once the last event has passed,
/// unless role changes have moved the budget by then (see the module docs).
fn draw_schedule(rng: &mut SimRng, scenario: &mut Scenario) {
    let workload = scenario.random_workload();
    let clients = u64::from(scenario.world.clients).max(1);
    let span_ms = (workload.requests / clients + 1) * workload.gap_us_max.max(50_000) / 1000;
    let (first_server, servers) = (scenario.world.clients + 1, scenario.world.servers);
    let nodes = scenario.world.clients + servers;
    let mut times: Vec<u64> = (0..rng.between(1, 5)).map(|_| rng.between(0, span_ms)).collect();
    times.sort_unstable();
    for at_ms in times {
        let mut event = ScheduledEvent {
            at_ms,
            make_faulty: None,
            heal: None,
            partition: None,
            repair: None,
            crash: None,
            restart: None,
        };
        let server = NodeId(first_server + rng.below(u64::from(servers)) as u32);
        match rng.below(4) {
            0 => event.make_faulty = Some(draw_omission(rng, server)),
            1 => event.heal = Some(HealSpec { node: server }),
            2 => {
                let cut = (1..=nodes).filter(|_| rng.below(3) == 0).map(NodeId).collect::<Vec<_>>();
                event.partition = Some(if cut.is_empty() { vec![NodeId(first_server)] } else { cut });
            }
            _ => event.repair = Some(true),
        }
        scenario.schedule.push(event);
        if !scenario.within_fault_budget() {
            scenario.schedule.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::FaultKind;
    use std::collections::BTreeSet;

    #[test]
    fn swarm_worlds_are_valid_within_budget_and_vary() {
        let base = Scenario::default_scenario();
        let mut server_counts = BTreeSet::new();
        for seed in 0..300 {
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

    #[test]
    fn every_fault_kind_of_the_format_is_drawn_by_some_of_the_first_thousand_seeds() {
        let base = Scenario::default_scenario();
        let drawn: BTreeSet<FaultKind> = (0..1000).flat_map(|seed| swarm_scenario(&base, seed).fault_kinds()).collect();
        let missing: Vec<&FaultKind> = FaultKind::ALL.iter().filter(|kind| !drawn.contains(kind)).collect();
        assert!(missing.is_empty(), "fault kinds no swarm seed of 0..1000 draws: {missing:?}");
    }

    #[test]
    fn every_feature_is_on_in_some_seeds_and_off_in_others() {
        let features: Vec<Features> = (0..200).map(Features::of_seed).collect();
        let each: [fn(&Features) -> bool; 6] =
            [|f| f.contention, |f| f.lossy, |f| f.slow, |f| f.duplicates, |f| f.churn, |f| f.scheduled_faults];
        for (index, feature) in each.iter().enumerate() {
            let on = features.iter().filter(|f| feature(f)).count();
            assert!((20..180).contains(&on), "feature {index} is on in {on} of 200 seeds");
        }
    }
}
