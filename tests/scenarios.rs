//! Every file in `sim-scenarios/` runs with each of its seeds and passes its own
//! expectations (a kept reproduction, `[expect] violation = "..."`, must fail with that
//! property); the files that break the fault budget end by their liveness budget with
//! the stuck requests reported; scheduled faults visibly act on the network.

mod common;

use std::path::{Path, PathBuf};
use tokensim::check::Status;
use tokensim::scenario::{FaultAction, Scenario};
use tokensim::sim::RunEnd;
use tokensim::vocab::Property;

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("sim-scenarios exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).expect("a readable file");
    Scenario::from_toml(&text, &path.display().to_string()).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn every_scenario_file_passes_its_own_expectations() {
    let files = scenario_files();
    assert!(files.len() >= 12, "only {} scenario files", files.len());
    for path in files {
        let scenario = load(&path);
        for seed in scenario.test_seeds() {
            let (outcome, report) = common::run(&scenario, seed);
            if let Some(property) = scenario.expect.violation {
                let found: Vec<_> = outcome.verdict.violations.iter().map(|v| v.property).collect();
                assert!(found.contains(&property), "{}: {found:?}", scenario.name);
            }
            assert!(
                report.passed,
                "{} failed with seed {seed}; reproduce with: tokensim run {} --seed {seed}\n{}",
                scenario.name,
                path.display(),
                report.to_text()
            );
        }
    }
}

#[test]
fn scenarios_that_break_the_budget_end_by_their_budget_and_report_stuck_requests() {
    let broken: Vec<Scenario> =
        scenario_files().iter().map(|path| load(path)).filter(|s| s.expect.break_fault_budget).collect();
    assert!(broken.len() >= 2, "the budget-broken scenarios are missing");
    for scenario in broken {
        assert!(!scenario.within_fault_budget());
        let (outcome, report) = common::run(&scenario, scenario.seed);
        assert_eq!(report.end, Some(RunEnd::BudgetExhausted), "{}", scenario.name);
        assert!(report.requests.unanswered > 0, "{}: nothing was stuck, so the budget was not broken", scenario.name);
        let deadline_us = scenario.expect.liveness_budget_us + 10_000_000;
        assert!(outcome.simulation.now().0 <= deadline_us, "{} ran past its liveness budget", scenario.name);
        assert_eq!(outcome.verdict.status(Property::Liveness), Status::NotOwed);
        assert!(report.to_text().contains("stuck "), "stuck requests are named:\n{}", report.to_text());
    }
}

#[test]
fn scheduled_partitions_drop_messages_and_scripted_requests_are_checked() {
    let scheduled = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios/scheduled-faults.toml"));
    assert!(scheduled.schedule.iter().any(|event| matches!(event.action(), Some(FaultAction::Partition(_)))));
    let (_, report) = common::run(&scheduled, scheduled.seed);
    assert!(report.counters.dropped_partition > 0, "the partition never cut a message");
    assert!(report.counters.dropped_sender_omission > 0, "make_faulty never took effect");

    let session = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios/seed-manual-session.toml"));
    let (_, report) = common::run(&session, session.seed);
    assert_eq!(report.requests.submitted, session.requests.len() as u64, "only the explicit requests run");
    assert_eq!((report.requests.pay_ok, report.requests.pay_refused), (2, 3));
}

#[test]
fn a_wrong_expected_answer_fails_the_run() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios/seed-manual-session.toml");
    let text = std::fs::read_to_string(path).unwrap().replacen("expect = \"self_payment\"", "expect = \"ok\"", 1);
    let scenario = Scenario::from_toml(&text, "edited.toml").unwrap();
    let (outcome, report) = common::run(&scenario, 1);
    assert!(!report.passed, "a self-payment answered as expected ok");
    assert_eq!(outcome.verdict.status(Property::ExpectedAnswer), Status::Broken(1));
}

#[test]
fn a_healed_budget_break_is_refused_unless_on_purpose() {
    let text = "name = \"x\"\n[[schedule]]\nat_ms = 1\nmake_faulty = { server = 7, kind = \"both\", ratio = \"1\" }\n\
                [[schedule]]\nat_ms = 2\nmake_faulty = { server = 8, kind = \"both\", ratio = \"1\" }\n\
                [[schedule]]\nat_ms = 3\nheal = { server = 7 }\n[[faults]]\nserver = 9\nkind = \"send\"\nratio = \"1\"\n";
    let error = Scenario::from_toml(text, "x.toml").unwrap_err().to_string();
    assert!(error.starts_with("x.toml:5:1: schedule[1]: 3 faulty of 5 servers"), "{error}");
    let healed_first = text.replace("at_ms = 2", "at_ms = 5");
    assert!(Scenario::from_toml(&healed_first, "x.toml").is_ok());
}
