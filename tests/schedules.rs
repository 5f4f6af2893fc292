//! proptest over schedules: drawn choice vectors fit any run, the correct protocol passes
//! them, and a broken variant fails and shrinks to a short schedule with no needless loss
//! or reordering, written as a scenario that `tokensim run` reproduces.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use std::path::Path;
use std::process::Command;
use tokensim::explore::strategies::{self, check_schedule, fit_schedule, FAILURES_VARIABLE};
use tokensim::protocol::Variant;
use tokensim::scenario::Scenario;

fn world(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios").join(format!("{name}.toml"));
    Scenario::from_file(&path).expect("the explore scenarios parse")
}

/// A fixed seed, so CI runs the same cases every time.
fn runner(cases: u32) -> TestRunner {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
}

#[test]
fn the_correct_protocol_passes_drawn_schedules() {
    let scenario = world("explore-pay-and-read");
    let result = runner(64).run(&strategies::schedule(40), |schedule| check_schedule(&scenario, 0, &schedule, &[]));
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn a_fitted_schedule_replays_as_itself() {
    let scenario = world("explore-pay-and-read");
    let mut runner = runner(32);
    let result = runner.run(&strategies::schedule(40), |schedule| {
        let fitted = fit_schedule(&scenario, 0, &schedule).unwrap();
        // Fitting is idempotent: a fitted schedule already fits.
        prop_assert_eq!(fit_schedule(&scenario, 0, &fitted).unwrap(), fitted.clone());
        prop_assert!(fitted.choices.len() <= schedule.choices.len());
        Ok(())
    });
    assert!(result.is_ok(), "{result:?}");
}

/// half-quorum fails in some schedules of a pay racing a read. proptest finds one and
/// shrinks it: the case it ends with is short, loses nothing, and `tokensim run` replays it.
#[test]
fn a_broken_variant_shrinks_to_a_short_schedule_that_run_reproduces() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var(FAILURES_VARIABLE, dir.path());
    let mut scenario = world("explore-pay-and-read");
    scenario.variant = "half-quorum".parse::<Variant>().unwrap();
    scenario.name = "shrunk-schedule".to_string();
    let mut runner = runner(512);
    let result = runner.run(&strategies::schedule(40), |schedule| check_schedule(&scenario, 0, &schedule, &[]));
    let Err(TestError::Fail(reason, minimal)) = result else { panic!("half-quorum was never caught: {result:?}") };
    let fitted = fit_schedule(&scenario, 0, &minimal).unwrap();
    eprintln!("shrunk to {} choices: {fitted}", fitted.choices.len());
    assert!(fitted.choices.len() <= 12, "not shrunk: {fitted} ({reason})");
    assert!(fitted.choices.iter().all(|choice| !choice.lose), "a needless loss survived shrinking: {fitted}");
    // The last case proptest tried that failed is the shrunk one, saved for `run`.
    let saved = dir.path().join("shrunk-schedule.toml");
    let text = std::fs::read_to_string(&saved).expect("the failing case was saved");
    assert!(text.contains("choices = "), "{text}");
    let run = Command::new(env!("CARGO_BIN_EXE_tokensim")).arg("run").arg(&saved).output().unwrap();
    let printed = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "the saved case does not fail under run: {printed}");
    assert!(printed.contains("linearizable"), "{printed}");
}
