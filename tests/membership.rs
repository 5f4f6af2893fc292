//! Dynamic membership: role changes concurrent with pays, under omission faults and random
//! delays, judged by every checker over the whole history across configurations.

use tokensim::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId};
use tokensim::run::{Driver, Run, RunOutcome};
use tokensim::scenario::{FaultSpec, Scenario};
use tokensim::sim::{OmissionKind, Ratio, RunEnd, Simulation};

/// 5 servers (n7..=n11, n7 losing a third of its messages), 6 clients, random pays.
fn busy_world(requests: u64) -> Scenario {
    let mut scenario = Scenario::default_scenario();
    scenario.faults = vec![FaultSpec { node: NodeId(7), kind: OmissionKind::Both, ratio: Ratio::new(1, 3).unwrap() }];
    let workload = scenario.random_workload_mut();
    workload.requests = requests;
    workload.gap_us_max = 200_000;
    workload.pay_ratio = Ratio::new(3, 4).unwrap();
    scenario
}

/// Run `scenario` with `seed` under the one judge, driven by `drive` first; every request
/// must be answered.
fn checked(scenario: &Scenario, seed: u64, drive: impl FnOnce(&mut Driver<'_>)) -> RunOutcome {
    let outcome = Run::new(scenario).seed(seed).execute_driven(drive).expect("valid scenario");
    let violations = &outcome.verdict.violations;
    assert_eq!(outcome.verdict.end, Some(RunEnd::Completed), "every request answered: {violations:#?}");
    outcome
}

/// Submit `changes` to `via` in order, then run until all of them are answered.
fn change_roles(driver: &mut Driver<'_>, via: NodeId, changes: &[Request]) -> Vec<RequestId> {
    let ids: Vec<RequestId> = changes.iter().map(|&c| driver.submit(via, c).expect("a node")).collect();
    assert!(driver.settle(&ids), "the run ended with role changes unanswered");
    ids
}

fn outcome(sim: &Simulation, id: RequestId) -> Outcome {
    sim.history().get(id).and_then(|record| record.outcome.clone()).expect("answered")
}

#[test]
fn shrinking_to_three_then_growing_to_seven_keeps_every_write_under_load() {
    for seed in 1..=4 {
        let result = checked(&busy_world(250), seed, |driver| {
            driver.run_until(Instant(500_000));
            let shrink = [Request::BecomeClient { node: NodeId(11) }, Request::BecomeClient { node: NodeId(10) }];
            for id in change_roles(driver, NodeId(1), &shrink) {
                let answer = outcome(driver.simulation(), id);
                assert!(matches!(answer, Outcome::RoleChanged { .. }), "seed {seed}: {answer:?}");
            }
            assert_eq!(driver.simulation().current_config().servers, [NodeId(7), NodeId(8), NodeId(9)], "seed {seed}");
            let below_three = change_roles(driver, NodeId(2), &[Request::BecomeClient { node: NodeId(9) }]);
            let refusal = Outcome::Refused(Refusal::TooFewServers { servers: 3 });
            assert_eq!(
                outcome(driver.simulation(), below_three[0]),
                refusal,
                "seed {seed}: a fourth removal is refused"
            );
            let grow: Vec<Request> = (3..=6).map(|node| Request::BecomeServer { node: NodeId(node) }).collect();
            for id in change_roles(driver, NodeId(1), &grow) {
                assert!(matches!(outcome(driver.simulation(), id), Outcome::RoleChanged { .. }), "seed {seed}");
            }
            let seven: Vec<NodeId> = [3, 4, 5, 6, 7, 8, 9].into_iter().map(NodeId).collect();
            assert_eq!(driver.simulation().current_config().servers, seven, "seed {seed}");
        });
        let (sim, verdict) = (&result.simulation, &result.verdict);
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
        let mut ids = Vec::new();
        let result = checked(&scenario, seed, |driver| {
            ids.push(driver.submit(NodeId(1), Request::BecomeServer { node: NodeId(2) }).unwrap());
            ids.push(driver.submit(NodeId(3), Request::BecomeServer { node: NodeId(4) }).unwrap());
        });
        let (sim, verdict, first, second) = (&result.simulation, &result.verdict, ids[0], ids[1]);
        assert!(verdict.passed(), "seed {seed}: {:#?}", verdict.violations);
        let outcomes = [outcome(sim, first), outcome(sim, second)];
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
        let mut ids: Vec<RequestId> = Vec::new();
        let result = checked(&busy_world(150), seed, |driver| {
            driver.run_until(Instant(300_000));
            // Three coordinators at once: two promotions and a demotion.
            let asks = [
                (NodeId(1), Request::BecomeServer { node: NodeId(2) }),
                (NodeId(3), Request::BecomeServer { node: NodeId(4) }),
                (NodeId(5), Request::BecomeClient { node: NodeId(11) }),
            ];
            ids = asks.iter().map(|&(via, change)| driver.submit(via, change).unwrap()).collect();
        });
        let (sim, verdict) = (&result.simulation, &result.verdict);
        assert!(verdict.passed(), "seed {seed}: {:#?}", verdict.violations);
        for id in &ids {
            assert!(matches!(outcome(sim, *id), Outcome::RoleChanged { .. }), "seed {seed}: {:?}", outcome(sim, *id));
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
    let result = checked(&scenario, 3, |driver| {
        let pay = Request::Pay { token: tokensim::protocol::TokenId(0), to: NodeId(2) };
        change_roles(driver, NodeId(2), &[Request::BecomeServer { node: NodeId(1) }]);
        let refused = change_roles(driver, NodeId(1), &[pay]);
        assert_eq!(outcome(driver.simulation(), refused[0]), Outcome::Refused(Refusal::NotAClient { node: NodeId(1) }));
        let owned = change_roles(driver, NodeId(2), &[Request::GetTokens { owner: NodeId(1) }]);
        match outcome(driver.simulation(), owned[0]) {
            Outcome::Tokens { tokens, .. } => assert_eq!(tokens.len(), 10, "n1 still owns its ten tokens"),
            other => panic!("unexpected {other:?}"),
        }
        change_roles(driver, NodeId(2), &[Request::BecomeClient { node: NodeId(1) }]);
        let paid = change_roles(driver, NodeId(1), &[pay]);
        let answer = outcome(driver.simulation(), paid[0]);
        assert!(matches!(answer, Outcome::Paid { .. }), "{answer:?}");
    });
    assert!(result.verdict.passed(), "{:#?}", result.verdict.violations);
}

/// The membership checker fed by hand, as `tests/faults.rs` feeds it an install stream: the
/// configurations and nodes a correct protocol never makes, so that `server_count_limits`
/// and `roles_match_config` are seen to fire (issue 19), and the ones it does make, so that
/// they are seen not to.
mod hand_fed {
    use tokensim::check::MembershipChecker;
    use tokensim::protocol::{
        Change, ClientOptions, Config, Epoch, Instant, Message, Node, NodeId, Outputs, RequestId, TokenValue,
    };
    use tokensim::sim::Observer;
    use tokensim::vocab::{Property, Violation};

    const COORDINATOR: NodeId = NodeId(1);

    fn install(config: &Config) -> Message {
        Message::Install { config: Box::new(config.clone()), table: vec![TokenValue::initial(NodeId(1))].into() }
    }

    fn of(violations: &[Violation], property: Property) -> Vec<&Violation> {
        violations.iter().filter(|violation| violation.property == property).collect()
    }

    /// Servers n3..=n7 at epoch 0, among nodes n1..=n9.
    fn initial() -> Config {
        Config::new(Epoch(0), (3..=7).map(NodeId).collect())
    }

    fn options() -> ClientOptions {
        ClientOptions::new(1, (1..=9).map(NodeId).collect())
    }

    fn change(sequence: u64) -> Change {
        Change::Role(RequestId { client: COORDINATOR, sequence })
    }

    #[test]
    fn an_installed_configuration_outside_three_to_seven_servers_breaks_server_count_limits() {
        for count in 1..=9u32 {
            let mut checker = MembershipChecker::new(&initial(), 9);
            let next = initial().successor((1..=count).map(NodeId).collect(), Change::Unchanged);
            // Sent to every server: one configuration, judged once.
            for to in 3..=7 {
                checker.after_send(Instant(10), COORDINATOR, NodeId(to), &install(&next));
            }
            let fired = of(checker.violations(), Property::ServerCountLimits);
            match count {
                3..=7 => assert_eq!(fired, Vec::<&Violation>::new(), "{count} servers keep the limits"),
                _ => {
                    assert_eq!(fired.len(), 1, "{count} servers: {:#?}", checker.violations());
                    let expected = format!("epoch 1 was installed with {count} servers [");
                    assert!(fired[0].detail.starts_with(&expected), "{}", fired[0].detail);
                    assert!(fired[0].detail.ends_with("outside 3 to 7"), "{}", fired[0].detail);
                }
            }
        }
    }

    #[test]
    fn a_node_told_it_serves_that_does_not_serve_breaks_roles_match_config() {
        let joined = initial().successor((3..=8).map(NodeId).collect(), change(1));
        // Correct: n8 handles the install that names it and serves from then on.
        let mut checker = MembershipChecker::new(&initial(), 9);
        let mut n8 = Node::new_client(NodeId(8), initial(), options());
        n8.handle_message(Instant(10), COORDINATOR, &install(&joined), &mut Outputs::new());
        assert!(n8.is_server());
        checker.after_delivery(Instant(10), &n8, COORDINATOR, &install(&joined));
        assert_eq!(checker.violations(), [], "a promoted node that serves");
        // Broken: a node that took no notice of the install naming it.
        let deaf = Node::new_client(NodeId(8), initial(), options());
        checker.after_delivery(Instant(20), &deaf, COORDINATOR, &install(&joined));
        let fired = of(checker.violations(), Property::RolesMatchConfig);
        assert_eq!(fired.len(), 1, "{:#?}", checker.violations());
        assert_eq!(fired[0].detail, "n8 is named a server in epoch 1 but does not serve");
    }

    #[test]
    fn a_server_that_goes_on_serving_after_it_left_breaks_roles_match_config() {
        let left = initial().successor((4..=7).map(NodeId).collect(), change(2));
        let table = vec![TokenValue::initial(NodeId(1))];
        // Correct: n3 handles the install that leaves it out, and stops serving.
        let mut checker = MembershipChecker::new(&initial(), 9);
        let mut n3 = Node::new_server(NodeId(3), initial(), table.clone(), options());
        n3.handle_message(Instant(10), COORDINATOR, &install(&left), &mut Outputs::new());
        assert!(!n3.is_server());
        checker.after_delivery(Instant(10), &n3, COORDINATOR, &install(&left));
        // And a server the install keeps, which serves on.
        let mut n4 = Node::new_server(NodeId(4), initial(), table.clone(), options());
        n4.handle_message(Instant(10), COORDINATOR, &install(&left), &mut Outputs::new());
        checker.after_delivery(Instant(10), &n4, COORDINATOR, &install(&left));
        assert_eq!(checker.violations(), [], "a server that left and one that stayed");
        // Broken: n3 still serving, its replica never told.
        let stays = Node::new_server(NodeId(3), initial(), table, options());
        checker.after_delivery(Instant(20), &stays, COORDINATOR, &install(&left));
        let fired = of(checker.violations(), Property::RolesMatchConfig);
        assert_eq!(fired.len(), 1, "{:#?}", checker.violations());
        assert_eq!(fired[0].detail, "n3 serves although epoch 1 does not name it");
    }
}
