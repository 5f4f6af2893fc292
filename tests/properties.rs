//! Property tests over generated worlds, faults, workloads and schedules.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};
use tokensim::explore::strategies;
use tokensim::run::Run;

/// A fixed seed, so CI runs the same cases every time (set `PROPTEST_RNG_SEED` to explore
/// others: proptest reads it when the config leaves the seed at its default).
fn pinned() -> RngSeed {
    match std::env::var("PROPTEST_RNG_SEED") {
        Ok(_) => ProptestConfig::default().rng_seed,
        Err(_) => RngSeed::Fixed(0x70c3_2026),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, rng_seed: pinned(), ..ProptestConfig::default() })]

    #[test]
    fn generated_worlds_keep_every_property(scenario in strategies::scenario(), seed in any::<u64>()) {
        scenario.world("proptest").expect("strategies only draw valid scenarios");
        prop_assert!(scenario.within_fault_budget());
        let verdict = Run::new(&scenario).seed(seed).execute().expect("valid").verdict;
        prop_assert!(verdict.passed(), "seed {seed}: {:#?}", verdict.violations);
        prop_assert_eq!(verdict.requests as u64, scenario.random_workload().requests);
    }
}

#[test]
fn a_failing_case_shrinks_to_a_small_world_and_few_requests() {
    // A stand-in bug that shows only with 4 or more servers and 3 or more requests: the
    // shrunk case must be exactly that small, with every irrelevant fault removed.
    let mut runner =
        TestRunner::new(Config { cases: 256, failure_persistence: None, rng_seed: pinned(), ..Config::default() });
    let result = runner.run(&strategies::scenario(), |scenario| {
        let buggy = scenario.world.servers >= 4 && scenario.random_workload().requests >= 3;
        prop_assert!(!buggy);
        Ok(())
    });
    let Err(TestError::Fail(_, shrunk)) = result else { panic!("the stand-in bug was not found: {result:?}") };
    assert_eq!(shrunk.world.servers, 4);
    assert_eq!(shrunk.random_workload().requests, 3);
    assert!(shrunk.random_workload().role_change_ratio.is_never(), "role changes shrink away");
    assert_eq!((shrunk.world.clients, shrunk.world.tokens_per_client), (1, Some(1)));
    assert!(shrunk.faults.is_empty(), "{:?}", shrunk.faults);
}

#[test]
fn a_failing_case_is_written_out_as_a_scenario_file_that_fails_on_its_own() {
    let dir = std::env::temp_dir().join(format!("tokensim-failures-test-{}", std::process::id()));
    std::env::set_var(strategies::FAILURES_VARIABLE, &dir);
    let mut runner =
        TestRunner::new(Config { cases: 64, failure_persistence: None, rng_seed: pinned(), ..Config::default() });
    let broken = strategies::scenario().prop_map(|mut scenario| {
        scenario.name = "broken-seed-original".to_string();
        scenario.variant = tokensim::protocol::Variant::SeedOriginal;
        scenario
    });
    let result = runner.run(&(broken, strategies::seed()), |(scenario, seed)| strategies::check(&scenario, seed));
    let Err(TestError::Fail(message, (shrunk, seed))) = result else {
        panic!("seed-original was not caught: {result:?}")
    };
    let path = dir.join("broken-seed-original.toml");
    assert!(message.to_string().contains(&path.display().to_string()), "{message}");
    let saved = tokensim::scenario::Scenario::from_file(&path).expect("the saved case parses");
    assert_eq!((saved.world.clone(), saved.seed), (shrunk.world.clone(), seed), "the file holds the shrunk case");
    let outcome = Run::new(&saved).execute().unwrap();
    assert!(!outcome.verdict.passed(), "the saved case fails on its own with its own seed");
    std::fs::remove_dir_all(&dir).unwrap();
}
