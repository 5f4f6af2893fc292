//! `tokensim explore` and the search behind it: the reduction keeps every state, a broken
//! protocol is caught by a shortest schedule that `run` replays, the correct one is clean,
//! user properties are judged at every state, and bad bounds are refused.

use std::path::Path;
use std::process::Command;
use tokensim::check::custom::CustomProperty;
use tokensim::explore::search::{search, search_with, SearchError, SearchOptions, SearchReport};
use tokensim::protocol::Variant;
use tokensim::run::Run;
use tokensim::scenario::Scenario;
use tokensim::vocab::Property;

fn world(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios").join(format!("{name}.toml"));
    Scenario::from_file(&path).expect("the explore scenarios parse")
}

fn explore(scenario: &Scenario, options: SearchOptions) -> SearchReport {
    search(scenario, scenario.seed, options, &|_| {}).expect("a small world is explored")
}

fn with_variant(mut scenario: Scenario, variant: &str) -> Scenario {
    scenario.variant = variant.parse::<Variant>().expect("a shipped variant");
    scenario
}

/// Sleep sets with a visited set are easy to get wrong (a state first reached with a larger
/// sleep set must be explored again for the difference). The reduced search must reach
/// exactly the states the full one reaches, and judge them the same.
#[test]
fn sleep_sets_reach_every_state_the_full_search_reaches() {
    let cases = [
        ("explore-one-pay", "correct", 1, 0),
        ("explore-one-pay", "correct", 2, 0),
        ("explore-one-pay", "correct", 0, 1),
        ("explore-one-pay", "forgetful-retries", 1, 0),
        ("explore-pay-and-read", "correct", 0, 0),
        ("explore-pay-and-read", "no-write-back", 0, 0),
    ];
    for (name, variant, max_losses, max_timeouts) in cases {
        let scenario = with_variant(world(name), variant);
        let options = SearchOptions { max_losses, max_timeouts, jobs: 2, ..SearchOptions::default() };
        let reduced = explore(&scenario, options);
        let full = explore(&scenario, SearchOptions { reduce: false, ..options });
        let case = format!("{name} --variant {variant} --max-losses {max_losses} --max-timeouts {max_timeouts}");
        assert!(reduced.pruned > 0, "{case}: the reduction pruned nothing");
        assert_eq!(reduced.states, full.states, "{case}: states");
        assert_eq!(reduced.complete_schedules > 0, full.complete_schedules > 0, "{case}: complete schedules");
        assert_eq!(reduced.counterexample.is_some(), full.counterexample.is_some(), "{case}: verdict");
        assert!(reduced.steps < full.steps, "{case}: the reduction took no fewer steps");
    }
}

/// Folding losses into the states without them (a lost message is one left in flight for
/// good) must judge exactly as branching on every loss does: the same verdict, a
/// counterexample as short, that `run` replays, for every variant, and far fewer states.
#[test]
fn folded_losses_judge_as_losses_taken_step_by_step() {
    let worlds = [("explore-one-pay", 1), ("explore-one-pay", 2)];
    let mut caught_by_a_loss = 0;
    for (name, max_losses) in worlds {
        for variant in Variant::ALL {
            let scenario = with_variant(world(name), variant.name());
            let options = SearchOptions { max_losses, jobs: 2, ..SearchOptions::default() };
            let folded = explore(&scenario, options);
            let stepped = explore(&scenario, SearchOptions { fold_losses: false, ..options });
            let case = format!("{name} --variant {} --max-losses {max_losses}", variant.name());
            let length =
                |report: &SearchReport| report.counterexample.as_ref().map(|found| found.schedule.choices.len());
            assert_eq!(length(&folded), length(&stepped), "{case}: {} vs {}", folded.summary(), stepped.summary());
            assert!(folded.states <= stepped.states, "{case}: {} vs {}", folded.states, stepped.states);
            let Some(found) = folded.counterexample else { continue };
            let stepped_found = stepped.counterexample.expect("the same verdict");
            assert_eq!(found.violations[0].property, stepped_found.violations[0].property, "{case}");
            caught_by_a_loss += usize::from(found.schedule.choices.iter().any(|choice| choice.lose));
            let replayed = Run::new(&found.scenario).execute().expect("the counterexample runs");
            assert!(replayed.verdict.reproduced(), "{case}: {:?}", replayed.verdict.violations);
        }
    }
    assert!(caught_by_a_loss >= 2, "no variant needed a loss to be caught: the folding went untested");
}

/// The result does not depend on the number of workers: not the states, the steps, the
/// pruning (which depends on the order children are admitted in), nor the violation found.
#[test]
fn workers_do_not_change_the_search() {
    let summary = |report: &SearchReport| {
        let found = report.counterexample.as_ref().map(|found| found.schedule.to_string());
        (report.states, report.steps, report.pruned, report.complete_schedules, found)
    };
    let cases = [("explore-pay-and-read", "correct", 1), ("explore-pay-and-read", "half-quorum", 0)];
    for (name, variant, max_losses) in cases {
        let scenario = with_variant(world(name), variant);
        let options = SearchOptions { max_losses, ..SearchOptions::default() };
        let one = summary(&explore(&scenario, SearchOptions { jobs: 1, ..options }));
        for jobs in [2, 3] {
            let many = summary(&explore(&scenario, SearchOptions { jobs, ..options }));
            assert_eq!(one, many, "{name} --variant {variant} with {jobs} workers");
        }
        assert_eq!(one.4.is_some(), variant != "correct", "{name} --variant {variant}: {one:?}");
    }
}

#[test]
fn the_correct_protocol_is_safe_in_every_schedule() {
    let scenario = world("explore-one-pay");
    let report = explore(&scenario, SearchOptions { max_losses: 2, ..SearchOptions::default() });
    assert!(report.counterexample.is_none(), "{}", report.summary());
    assert_eq!(report.cut_by, None, "the search finished: {}", report.summary());
    assert!(report.complete_schedules > 0 && report.recoveries_checked > 0, "{}", report.summary());
    assert!(report.summary().contains("exhaustive within the bounds"), "{}", report.summary());
}

/// A half-sized quorum lets a read miss a finished pay; some schedule of a pay racing a
/// read shows it, and the search finds a shortest one that `run` replays as a violation.
#[test]
fn a_half_quorum_is_caught_and_the_counterexample_replays() {
    let scenario = with_variant(world("explore-pay-and-read"), "half-quorum");
    let report = explore(&scenario, SearchOptions { max_losses: 0, jobs: 2, ..SearchOptions::default() });
    let found = report.counterexample.expect("half-quorum breaks linearizability in some schedule");
    assert_eq!(found.violations[0].property, Property::Linearizable, "{:?}", found.violations);
    assert!(found.schedule.choices.len() <= 10, "not a short schedule: {}", found.schedule);
    assert_eq!(found.scenario.expect.violation, Some(Property::Linearizable));
    let replayed = Run::new(&found.scenario).execute().expect("the counterexample runs");
    assert!(replayed.verdict.reproduced(), "not reproduced: {:?}", replayed.verdict.violations);
    // Every step of the schedule matters: without its last choice the run is safe, or the
    // search would have stopped one step earlier.
    let mut shorter = found.scenario.clone();
    let mut schedule = found.schedule.clone();
    schedule.choices.pop();
    shorter.choices = Some(schedule);
    shorter.expect.violation = None;
    let mut sim = tokensim::sim::Simulation::new(&shorter, shorter.seed).expect("valid");
    let mut watchers = tokensim::check::Watchers::new(&sim);
    sim.choose_losses();
    for (index, choice) in shorter.choices.as_ref().unwrap().choices.iter().enumerate() {
        sim.step_choice(index + 1, *choice, &mut watchers).expect("the choices fit");
    }
    assert!(watchers.safety_violations(&sim).is_empty(), "a shorter schedule already fails");
}

/// `explore` on the command line: exit 1 with the counterexample written as a file that
/// `tokensim run` replays (exit 0: the expected violation reproduced).
#[test]
fn the_command_writes_a_counterexample_that_run_replays() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("found.toml");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios/explore-one-pay.toml");
    let explore = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .args(["explore", scenario.to_str().unwrap(), "--variant", "bare-version-cas", "--output"])
        .arg(&output)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&explore.stdout);
    assert_eq!(explore.status.code(), Some(1), "{text}");
    assert!(text.contains("violation after") && text.contains("reproduce with: tokensim run"), "{text}");
    let run = Command::new(env!("CARGO_BIN_EXE_tokensim")).arg("run").arg(&output).output().unwrap();
    let ran = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{ran}");
    assert!(ran.contains("reproduced"), "{ran}");
}

/// A user's `always` property is judged at every state: one that forbids any answer at
/// all fails at the first answer, by the shortest schedule to one.
#[test]
fn a_custom_property_is_judged_at_every_state() {
    let scenario = world("explore-one-pay");
    let nothing_answered = CustomProperty::always("nothing_answered", |sim| {
        match sim.history().records().find(|record| record.answered_at.is_some()) {
            Some(record) => Err(format!("{} was answered", record.id)),
            None => Ok(()),
        }
    });
    let options = SearchOptions { max_losses: 0, ..SearchOptions::default() };
    let report =
        search_with(&scenario, scenario.seed, options, std::slice::from_ref(&nothing_answered), &|_| {}).unwrap();
    let found = report.counterexample.expect("the pay is answered in some schedule");
    assert_eq!(found.violations[0].property, Property::Custom);
    assert!(found.violations[0].detail.starts_with("nothing_answered:"), "{}", found.violations[0]);
    // The same property fails the same world's run, and its timed run too.
    let outcome = Run::new(&found.scenario).property(nothing_answered.clone()).execute().unwrap();
    assert!(outcome.verdict.reproduced(), "{:?}", outcome.verdict.violations);
    let timed = Run::new(&scenario).property(nothing_answered).execute().unwrap();
    assert!(timed.verdict.violations.iter().any(|violation| violation.property == Property::Custom));
    // An `at_end` property that holds everywhere leaves the search clean.
    let all_answered = CustomProperty::at_end("all_answered", |sim| match sim.history().open() {
        0 => Ok(()),
        open => Err(format!("{open} requests open")),
    });
    let clean = search_with(&scenario, scenario.seed, options, &[all_answered], &|_| {}).unwrap();
    assert!(clean.counterexample.is_none(), "{}", clean.summary());
}

#[test]
fn bad_bounds_and_big_worlds_are_refused() {
    let scenario = world("explore-one-pay");
    let refused = |options: SearchOptions| search(&scenario, 0, options, &|_| {}).unwrap_err().to_string();
    assert!(refused(SearchOptions { max_depth: 0, ..SearchOptions::default() }).contains("--max-depth"));
    assert!(refused(SearchOptions { max_states: 0, ..SearchOptions::default() }).contains("--max-states"));
    assert!(refused(SearchOptions { jobs: 0, ..SearchOptions::default() }).contains("--jobs"));
    let random = Scenario::default_scenario();
    let error = search(&random, 0, SearchOptions::default(), &|_| {}).unwrap_err();
    assert!(matches!(error, SearchError::RandomWorkload { .. }), "{error}");
    let mut big = scenario.clone();
    big.world.servers = 7;
    big.world.clients = 3;
    let error = search(&big, 0, SearchOptions::default(), &|_| {}).unwrap_err();
    assert!(matches!(error, SearchError::TooBig { .. }), "{error}");
    let cli = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .args(["explore", "sim-scenarios/explore-one-pay.toml", "--max-depth", "0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&cli.stderr).contains("--max-depth"), "{}", String::from_utf8_lossy(&cli.stderr));
}

/// `any-majority` counts a sealed server's refusal as an acknowledgement, so only a world
/// with a role change shows it. That world is too big to search whole; bounded to two
/// reorderings, the search finds it for certain, and the correct protocol is clean within
/// more.
#[test]
fn a_reorder_bound_reaches_a_role_change_and_catches_any_majority() {
    let scenario = world("explore-pay-during-role-change");
    let bounded = |max_reorders| SearchOptions {
        max_losses: 0,
        max_timeouts: 2,
        max_depth: 100,
        max_reorders: Some(max_reorders),
        jobs: 2,
        ..SearchOptions::default()
    };
    let broken = explore(&with_variant(scenario.clone(), "any-majority"), bounded(2));
    let found = broken.counterexample.expect("any-majority is caught within 2 reorderings");
    assert_eq!(found.violations[0].property, Property::Linearizable, "{:?}", found.violations);
    let replayed = Run::new(&found.scenario).execute().expect("the counterexample runs");
    assert!(replayed.verdict.reproduced(), "{:?}", replayed.verdict.violations);
    let small = explore(&scenario, bounded(2));
    let larger = explore(&scenario, bounded(3));
    for report in [&small, &larger] {
        assert!(report.counterexample.is_none() && report.cut_by.is_none(), "{}", report.summary());
    }
    assert!(small.states < larger.states, "a larger bound reaches more: {} vs {}", small.states, larger.states);
}
