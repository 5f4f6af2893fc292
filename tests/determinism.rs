//! Determinism: the same seed gives the same run, with the same event hash, in separate
//! processes; different seeds give different runs.

use std::process::Command;

fn event_hash_of(seed: u64) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .args(["run", "--seed", &seed.to_string(), "--json"])
        .output()
        .expect("the tokensim binary runs");
    assert!(output.status.success(), "seed {seed}: {}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("--json prints one JSON object");
    report["event_hash"].as_str().expect("the report has an event hash").to_string()
}

#[test]
fn the_same_seed_gives_the_same_event_hash_in_two_processes() {
    let first = event_hash_of(7);
    let second = event_hash_of(7);
    assert_eq!(first, second);
    assert_eq!(first.len(), 16, "a 64-bit hash in hex");
}

#[test]
fn different_seeds_give_different_runs() {
    assert_ne!(event_hash_of(1), event_hash_of(2));
}

#[test]
fn the_same_seed_gives_the_same_run_in_one_process() {
    let scenario = tokensim::scenario::Scenario::default_scenario();
    let first = tokensim::run::Run::new(&scenario).seed(11).execute().expect("valid");
    let second = tokensim::run::Run::new(&scenario).seed(11).execute().expect("valid");
    assert_eq!(first.event_hash(), second.event_hash());
    assert_eq!(first.simulation.counters(), second.simulation.counters());
    assert_eq!(first.simulation.final_table(), second.simulation.final_table());
}
