//! The protocol core hosted in turmoil (`examples/turmoil_host/`): it answers every request
//! of a small default-world run, the same seed gives the same run, and a scenario's role
//! changes and scheduled faults (omission, crash and restart, partition) run there too,
//! judged by tokensim's own checkers and ending in tokensim's final table.

#[path = "../examples/turmoil_host/faults.rs"]
mod faults;
#[path = "../examples/turmoil_host/host.rs"]
#[allow(dead_code)]
mod host;
#[path = "../examples/turmoil_host/journal.rs"]
#[allow(dead_code)]
mod journal;
#[path = "../examples/turmoil_host/world.rs"]
mod world;

use journal::Loss;
use tokensim::check::check_linearizability;
use tokensim::protocol::{Instant, NodeId, RequestId};
use tokensim::run::Run;
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
    assert_eq!(check_linearizability(&run.history).expect("a valid history"), []);
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

/// Clients n1..=n3 (owning t0, t1, t2), servers n4..=n7. Every pay is of a token its payer
/// owns when the pay comes, so the final table does not depend on timing: tokensim and
/// turmoil must end with the same one.
const ROLES_AND_FAULTS: &str = r#"
name = "turmoil-roles-and-faults"
[world]
servers = 4
clients = 3
tokens_per_client = 1

# n5 loses what it receives, then what it sends, around the first role change; and heals.
[[schedule]]
at_ms = 20
make_faulty = { node = 5, kind = "receive", ratio = "1" }
[[schedule]]
at_ms = 150
make_faulty = { node = 5, kind = "send", ratio = "1" }
[[schedule]]
at_ms = 240
heal = { node = 5 }

# Server n7 crashes and restarts; n2's pay at 300 ms runs while it is down.
[[schedule]]
at_ms = 250
crash = { node = 7 }
[[schedule]]
at_ms = 350
restart = { node = 7 }

# Client n2 crashes and restarts when it has nothing in flight.
[[schedule]]
at_ms = 500
crash = { node = 2 }
[[schedule]]
at_ms = 600
restart = { node = 2 }

# n1 is cut off alone, and the cut is repaired: its pay waits for the repair.
[[schedule]]
at_ms = 800
partition = [1]
[[schedule]]
at_ms = 900
repair = true

[[requests]]
at_ms = 0
client = 1
pay = { token = 0, to = 2 }
expect = "ok"

[[requests]]
at_ms = 60
client = 1
become_server = { node = 3 }
expect = "ok"

[[requests]]
at_ms = 160
client = 1
gettokens = { owner = 2 }
expect = "ok"

[[requests]]
at_ms = 300
client = 2
pay = { token = 1, to = 1 }
expect = "ok"

[[requests]]
at_ms = 650
client = 2
pay = { token = 0, to = 1 }
expect = "ok"

[[requests]]
at_ms = 700
client = 2
become_client = { node = 4 }
expect = "ok"

[[requests]]
at_ms = 850
client = 1
pay = { token = 0, to = 4 }
expect = "ok"

[[requests]]
at_ms = 1000
client = 4
pay = { token = 0, to = 3 }
expect = "ok"

[[requests]]
at_ms = 1100
client = 1
gettokens = { owner = 1 }
expect = "ok"

[expect]
liveness_budget_us = 10_000_000
"#;

#[test]
fn role_changes_and_scheduled_faults_run_in_turmoil_and_end_in_tokensims_final_table() {
    let scenario = Scenario::from_toml(ROLES_AND_FAULTS, "roles-and-faults").expect("valid");
    let ours = Run::new(&scenario).execute().expect("valid");
    assert!(ours.verdict.passed(), "tokensim itself: {:#?}", ours.verdict.violations);
    for seed in 1..=3 {
        let run = world::run_in_turmoil(&scenario, seed).expect("turmoil run");
        assert_eq!((run.issued, run.unanswered), (9, 0), "seed {seed}: every request answered: {:#?}", run.answers);
        assert_eq!(run.lost, [], "seed {seed}: the crashes came between requests");
        assert_eq!(run.answers.len(), 9);
        for (line, expected) in run.answers.iter().zip(answered_in_order()) {
            assert!(line.starts_with(expected.0) && line.contains(expected.1), "seed {seed}: {line}");
        }
        assert_eq!(check_linearizability(&run.history).expect("a valid history"), [], "seed {seed}");
        assert_eq!(run.final_table, ours.simulation.final_table(), "seed {seed}");
        // The faults were applied: each kind lost messages.
        for loss in [Loss::SenderOmission, Loss::ReceiverOmission, Loss::Partition, Loss::Crashed] {
            assert!(run.losses.get(&loss).is_some_and(|&n| n > 0), "seed {seed}: no {loss:?} loss: {:?}", run.losses);
        }
        // n1's pay, handed to it inside the partition, is answered only after the repair.
        let cut_off = RequestId { client: NodeId(1), sequence: 4 };
        let answered = run.history.operations.iter().find(|op| op.id == cut_off).and_then(|op| op.responded_at);
        assert!(answered.is_some_and(|at| at >= Instant(900_000)), "seed {seed}: {answered:?}");
    }
}

/// The answers of `ROLES_AND_FAULTS` in the order they come: (request id, outcome kind).
fn answered_in_order() -> [(&'static str, &'static str); 9] {
    [
        ("n1#1 ", "Paid"),
        ("n1#2 ", "RoleChanged"),
        ("n1#3 ", "Tokens"),
        ("n2#1 ", "Paid"),
        ("n2#2 ", "Paid"),
        ("n2#3 ", "RoleChanged"),
        ("n1#4 ", "Paid"),
        ("n4#1 ", "Paid"),
        ("n1#5 ", "Tokens"),
    ]
}
