//! The default world, run end to end over many seeds: no basic invariant may break.

mod common;

use tokensim::check::Status;
use tokensim::scenario::Scenario;
use tokensim::sim::RunEnd;
use tokensim::vocab::Property;

#[test]
fn the_default_world_keeps_every_basic_invariant_over_many_seeds() {
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = 300; // a shorter workload keeps the debug-mode test quick
    for seed in 0..40 {
        let (outcome, report) = common::run(&scenario, seed);
        let sim = &outcome.simulation;
        assert!(report.passed, "seed {seed}: {:#?}", report.violations);
        assert_eq!(report.end, Some(RunEnd::Completed), "seed {seed}");
        assert_eq!(report.requests.answered, 300, "seed {seed}");
        assert!(report.requests.pay_ok > 0 && report.requests.gettokens > 0, "seed {seed} exercised both kinds");
        assert!(sim.counters().messages_dropped() > 0, "seed {seed}: the faulty servers dropped something");
    }
}

#[test]
fn the_default_run_matches_the_issue() {
    let scenario = Scenario::default_scenario();
    let world = scenario.world("default").expect("valid");
    assert_eq!((world.servers.len(), world.clients.len(), world.owners.len()), (5, 6, 60));
    assert_eq!(scenario.faults.len(), 2);
    assert_eq!((scenario.random_workload().requests, scenario.seed), (1000, 1));
    let (outcome, report) = common::run(&scenario, scenario.seed);
    assert!(report.passed, "{}", report.to_text());
    let total: u32 = report.tokens_per_owner.iter().map(|(_, count)| count).sum();
    assert_eq!(total, 60, "conservation: every token has exactly one owner");
    assert_eq!(outcome.simulation.history().len(), 1000);
}

#[test]
fn a_silent_majority_ends_the_run_with_the_stuck_requests_reported() {
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = 20;
    scenario.expect.liveness = false;
    scenario.expect.break_fault_budget = true;
    scenario.expect.liveness_budget_us = 5_000_000;
    for server in [9, 10] {
        let text = format!("server = {server}\nkind = \"both\"\nratio = \"1\"\n");
        scenario.faults.push(toml::from_str(&text).expect("a fault spec"));
    }
    let (outcome, report) = common::run(&scenario, 3);
    assert_eq!(report.end, Some(RunEnd::BudgetExhausted));
    assert!(report.requests.unanswered > 0);
    assert!(report.passed, "liveness may fail when the budget is broken on purpose:\n{}", report.to_text());
    assert_eq!(outcome.verdict.status(Property::Liveness), Status::NotOwed);
    let liveness = outcome.verdict.liveness.as_ref().expect("liveness evidence");
    assert!(!liveness.stuck.is_empty() && liveness.reason.as_deref().is_some_and(|r| r.contains("majority")));
    assert!(outcome.simulation.now().0 < 10_000_000_000, "the run ended instead of hanging");
    assert!(outcome.verdict.violations.is_empty(), "safety holds: {:?}", outcome.verdict.violations);
}

#[test]
fn a_broken_budget_is_refused_unless_it_is_on_purpose() {
    let mut scenario = Scenario::default_scenario();
    let text = "server = 9\nkind = \"receive\"\nratio = \"1/3\"\n";
    scenario.faults.push(toml::from_str(text).expect("a fault spec"));
    let error = tokensim::run::Run::new(&scenario).execute().expect_err("3 of 5 faulty breaks the budget");
    assert!(error.to_string().contains("fault budget"), "{error}");
}
