//! The default world, run end to end over many seeds: no basic invariant may break.

use tokensim::scenario::Scenario;
use tokensim::sim::RunEnd;

#[test]
fn the_default_world_keeps_every_basic_invariant_over_many_seeds() {
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = 300; // a shorter workload keeps the debug-mode test quick
    for seed in 0..40 {
        let (sim, report) = tokensim::run_scenario(&scenario, seed).expect("the default scenario is valid");
        let failed: Vec<_> = report.checks.iter().filter(|check| !check.passed).collect();
        assert!(failed.is_empty(), "seed {seed}: {failed:#?}");
        assert_eq!(report.end, RunEnd::Completed, "seed {seed}");
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
    let (sim, report) = tokensim::run_scenario(&scenario, scenario.seed).expect("valid");
    assert!(report.passed, "{}", report.to_text());
    let total: u32 = report.tokens_per_owner.iter().map(|(_, count)| count).sum();
    assert_eq!(total, 60, "conservation: every token has exactly one owner");
    assert_eq!(sim.history().len(), 1000);
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
    let (sim, report) = tokensim::run_scenario(&scenario, 3).expect("valid: the budget is broken on purpose");
    assert_eq!(report.end, RunEnd::BudgetExhausted);
    assert!(report.requests.unanswered > 0);
    assert!(report.passed, "liveness may fail when the budget is broken on purpose:\n{}", report.to_text());
    let liveness = report.checks.iter().find(|check| check.name.starts_with("every request")).expect("liveness check");
    assert!(!liveness.passed && liveness.detail.contains("unanswered"), "{}", liveness.detail);
    assert!(sim.now().0 < 10_000_000_000, "the run ended instead of hanging");
    assert!(report.checks.iter().filter(|c| !c.name.starts_with("every request")).all(|c| c.passed), "safety holds");
}

#[test]
fn a_broken_budget_is_refused_unless_it_is_on_purpose() {
    let mut scenario = Scenario::default_scenario();
    let text = "server = 9\nkind = \"receive\"\nratio = \"1/3\"\n";
    scenario.faults.push(toml::from_str(text).expect("a fault spec"));
    let error = tokensim::run_scenario(&scenario, 1).err().expect("3 of 5 faulty breaks the budget");
    assert!(error.to_string().contains("fault budget"), "{error}");
}
