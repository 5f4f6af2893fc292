//! The protocol core hosted in turmoil (`examples/turmoil_host/`) answers every request of
//! a small default-world run, and the same seed gives the same answers.

#[path = "../examples/turmoil_host/host.rs"]
#[allow(dead_code)]
mod host;
#[path = "../examples/turmoil_host/world.rs"]
mod world;

use tokensim::scenario::Scenario;

fn small_default_world() -> Scenario {
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = 60;
    scenario
}

#[test]
fn turmoil_hosted_core_answers_every_request() {
    let run = world::run_in_turmoil(&small_default_world(), 3).expect("turmoil run");
    assert_eq!(run.issued, 60);
    assert_eq!(run.answers.len(), 60, "answers: {:#?}", run.answers);
    assert!(run.answers.iter().any(|answer| answer.contains("Paid")), "some pay succeeds: {:#?}", run.answers);
}

#[test]
fn turmoil_hosted_core_is_deterministic_per_seed() {
    let scenario = small_default_world();
    let first = world::run_in_turmoil(&scenario, 5).expect("turmoil run");
    let second = world::run_in_turmoil(&scenario, 5).expect("turmoil run");
    assert_eq!(first, second);
    let other = world::run_in_turmoil(&scenario, 6).expect("turmoil run");
    assert_ne!(first.answers, other.answers, "another seed gives another run");
}
