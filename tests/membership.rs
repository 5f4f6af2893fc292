//! Dynamic membership: role changes concurrent with pays, under omission faults and random
//! delays, judged by every checker over the whole history across configurations.

use tokensim::check::{run::judge, ReplicaChecker, RunVerdict};
use tokensim::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId};
use tokensim::scenario::{FaultSpec, Scenario};
use tokensim::sim::{OmissionKind, Ratio, RunEnd, Simulation};

/// 5 servers (n7..=n11, n7 losing a third of its messages), 6 clients, random pays.
fn busy_world(requests: u64) -> Scenario {
    let mut scenario = Scenario::default_scenario();
    scenario.faults = vec![FaultSpec { server: NodeId(7), kind: OmissionKind::Both, ratio: Ratio::new(1, 3).unwrap() }];
    let workload = scenario.random_workload_mut();
    workload.requests = requests;
    workload.gap_us_max = 200_000;
    workload.pay_ratio = Ratio::new(3, 4).unwrap();
    scenario
}

fn checked(scenario: &Scenario, seed: u64) -> Simulation {
    let mut sim = Simulation::new(scenario, seed).expect("valid scenario");
    sim.set_observer(Box::new(ReplicaChecker::new(&sim.world().owners, Some(seed))));
    sim
}

/// Step until simulated time reaches `at` (or the run ends).
fn run_until(sim: &mut Simulation, at: Instant) {
    while sim.now() < at && sim.step().is_none() {}
}

/// Submit `changes` to `via` in order, then run until all of them are answered.
fn change_roles(sim: &mut Simulation, via: NodeId, changes: &[Request]) -> Vec<RequestId> {
    let ids: Vec<RequestId> = changes.iter().map(|&c| sim.submit_scripted(via, c).expect("a node")).collect();
    while ids.iter().any(|&id| sim.history().get(id).is_some_and(|r| r.outcome.is_none())) {
        assert!(sim.step().is_none(), "the run ended with role changes unanswered");
    }
    ids
}

fn outcome(sim: &Simulation, id: RequestId) -> Outcome {
    sim.history().get(id).and_then(|record| record.outcome.clone()).expect("answered")
}

fn finish(mut sim: Simulation) -> (Simulation, RunVerdict) {
    let end = sim.run();
    assert_eq!(end, RunEnd::Completed, "every request answered");
    let verdict = judge(&sim, end);
    (sim, verdict)
}

#[test]
fn shrinking_to_three_then_growing_to_seven_keeps_every_write_under_load() {
    for seed in 1..=4 {
        let mut sim = checked(&busy_world(250), seed);
        run_until(&mut sim, Instant(500_000));
        let shrink = [Request::BecomeClient { node: NodeId(11) }, Request::BecomeClient { node: NodeId(10) }];
        for id in change_roles(&mut sim, NodeId(1), &shrink) {
            assert!(matches!(outcome(&sim, id), Outcome::RoleChanged { .. }), "seed {seed}: {:?}", outcome(&sim, id));
        }
        assert_eq!(sim.current_config().servers, [NodeId(7), NodeId(8), NodeId(9)], "seed {seed}");
        let below_three = change_roles(&mut sim, NodeId(2), &[Request::BecomeClient { node: NodeId(9) }]);
        let refusal = Outcome::Refused(Refusal::TooFewServers { servers: 3 });
        assert_eq!(outcome(&sim, below_three[0]), refusal, "seed {seed}: a fourth removal is refused");
        let grow: Vec<Request> = (3..=6).map(|node| Request::BecomeServer { node: NodeId(node) }).collect();
        for id in change_roles(&mut sim, NodeId(1), &grow) {
            assert!(matches!(outcome(&sim, id), Outcome::RoleChanged { .. }), "seed {seed}");
        }
        let seven: Vec<NodeId> = [3, 4, 5, 6, 7, 8, 9].into_iter().map(NodeId).collect();
        assert_eq!(sim.current_config().servers, seven, "seed {seed}");
        let (sim, verdict) = finish(sim);
        assert!(verdict.passed(), "seed {seed}: {:#?}", verdict.violations);
        assert!(verdict.replica_writes_checked > 0, "seed {seed}: the replica checker saw the writes");
        assert!(sim.current_config().epoch.0 >= 6, "seed {seed}: six changes took effect");
    }
}

#[test]
fn concurrent_changes_from_one_configuration_cannot_both_succeed() {
    // Six servers: two promotions asked at the same instant by two coordinators are both
    // valid against the configuration they see, but only one can fit under seven.
    for seed in 1..=6 {
        let mut scenario = busy_world(0);
        scenario.world.servers = 6;
        scenario.faults.clear();
        let mut sim = checked(&scenario, seed);
        let first = sim.submit_scripted(NodeId(1), Request::BecomeServer { node: NodeId(2) }).unwrap();
        let second = sim.submit_scripted(NodeId(3), Request::BecomeServer { node: NodeId(4) }).unwrap();
        let (sim, verdict) = finish(sim);
        assert!(verdict.passed(), "seed {seed}: {:#?}", verdict.violations);
        let outcomes = [outcome(&sim, first), outcome(&sim, second)];
        let succeeded = outcomes.iter().filter(|o| matches!(o, Outcome::RoleChanged { .. })).count();
        assert_eq!(succeeded, 1, "seed {seed}: {outcomes:?}");
        let too_many = Outcome::Refused(Refusal::TooManyServers { servers: 7 });
        assert!(outcomes.contains(&too_many), "seed {seed}: the other is refused: {outcomes:?}");
        assert_eq!(sim.current_config().servers.len(), 7, "seed {seed}");
        assert_eq!(sim.current_config().epoch.0, 1, "seed {seed}: exactly one change was decided");
    }
}

#[test]
fn several_changes_at_once_all_take_effect_in_some_order() {
    for seed in 1..=4 {
        let mut sim = checked(&busy_world(150), seed);
        run_until(&mut sim, Instant(300_000));
        // Three coordinators at once: two promotions and a demotion.
        let asks = [
            (NodeId(1), Request::BecomeServer { node: NodeId(2) }),
            (NodeId(3), Request::BecomeServer { node: NodeId(4) }),
            (NodeId(5), Request::BecomeClient { node: NodeId(11) }),
        ];
        let ids: Vec<RequestId> = asks.iter().map(|&(via, change)| sim.submit_scripted(via, change).unwrap()).collect();
        let (sim, verdict) = finish(sim);
        assert!(verdict.passed(), "seed {seed}: {:#?}", verdict.violations);
        for id in &ids {
            assert!(matches!(outcome(&sim, *id), Outcome::RoleChanged { .. }), "seed {seed}: {:?}", outcome(&sim, *id));
        }
        let servers: Vec<NodeId> = [2, 4, 7, 8, 9, 10].into_iter().map(NodeId).collect();
        assert_eq!(sim.current_config().servers, servers, "seed {seed}");
        assert_eq!(sim.current_config().epoch.0, 3, "seed {seed}: three changes, one epoch each");
    }
}

#[test]
fn a_server_keeps_its_tokens_but_cannot_pay_until_it_is_a_client_again() {
    let mut scenario = busy_world(0);
    scenario.faults.clear();
    let mut sim = checked(&scenario, 3);
    change_roles(&mut sim, NodeId(2), &[Request::BecomeServer { node: NodeId(1) }]);
    let refused =
        change_roles(&mut sim, NodeId(1), &[Request::Pay { token: tokensim::protocol::TokenId(0), to: NodeId(2) }]);
    assert_eq!(outcome(&sim, refused[0]), Outcome::Refused(Refusal::NotAClient { node: NodeId(1) }));
    let owned = change_roles(&mut sim, NodeId(2), &[Request::GetTokens { owner: NodeId(1) }]);
    match outcome(&sim, owned[0]) {
        Outcome::Tokens { tokens, .. } => assert_eq!(tokens.len(), 10, "n1 still owns its ten tokens"),
        other => panic!("unexpected {other:?}"),
    }
    change_roles(&mut sim, NodeId(2), &[Request::BecomeClient { node: NodeId(1) }]);
    let paid =
        change_roles(&mut sim, NodeId(1), &[Request::Pay { token: tokensim::protocol::TokenId(0), to: NodeId(2) }]);
    assert!(matches!(outcome(&sim, paid[0]), Outcome::Paid { .. }), "{:?}", outcome(&sim, paid[0]));
    let (_, verdict) = finish(sim);
    assert!(verdict.passed(), "{:#?}", verdict.violations);
}
