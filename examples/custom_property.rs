//! A property of your own, judged by every way tokensim runs a world: one run, a sweep of
//! seeds (what `check` does), an exhaustive search of a small world (what `explore` does),
//! and proptest over schedules.
//!

//! job, so take something the contract does not say, and that a protocol change might
//! break: every replica's table covers exactly the tokens the world started with (no token
//! appears or vanishes), at every state.
//!
//! Run with: `cargo run --release --example custom_property`

use tokensim::check::custom::CustomProperty;
use tokensim::explore::reproduce::Origin;
use tokensim::explore::search::{search_with, SearchOptions};
use tokensim::explore::sweep::{sweep_with, SeedRange, SweepOptions};
use tokensim::run::Run;
use tokensim::scenario::Scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tokens_kept = CustomProperty::always("tokens_kept", |sim| {
        let tokens = sim.world().owners.len();
        match sim.replicas().find(|server| server.table().len() != tokens) {
            Some(server) => Err(format!("{} holds {} tokens of {tokens}", server.id(), server.table().len())),
            None => Ok(()),
        }
    });
    let all_answered = CustomProperty::at_end("all_answered", |sim| match sim.history().open() {
        0 => Ok(()),
        open => Err(format!("{open} requests were never answered")),
    });
    let properties = [tokens_kept, all_answered];

    // One run of the default world.
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = 200;
    let outcome = Run::new(&scenario).seed(7).properties(properties.iter().cloned()).execute()?;
    println!("run, seed 7: {}", if outcome.verdict.passed() { "passed" } else { "FAILED" });

    // A sweep of 100 seeds, as `tokensim check --seeds 0..100` would make it.
    let options = SweepOptions {
        scenario: scenario.clone(),
        origin: Origin::default(),
        seeds: SeedRange { start: 0, end: 100 },
        jobs: 2,
        swarm: false,
        max_failures: None,
    };
    let report = sweep_with(&options, &properties, &|| {})?;
    println!("sweep: {} seeds, {} failed", report.seeds_run, report.seeds_failed);

    // Every schedule of a small world, as `tokensim explore` would search it.
    let small = Scenario::from_toml(
        r#"
        name = "one-pay"
        [world]
        servers = 3
        clients = 2
        tokens_per_client = 1
        [workload]
        requests = 0
        [[requests]]
        at_ms = 0
        client = 1
        pay = { token = 0, to = 2 }
        "#,
        "one-pay",
    )?;
    let searched = search_with(&small, 0, SearchOptions::default(), &properties, &|_| {})?;
    println!("explore: {}", searched.summary());
    // In proptest, draw schedules with `strategies::schedule(40)` and judge each with
    // `strategies::check_schedule(&small, 0, &schedule, &properties)` (tests/schedules.rs).
    Ok(())
}
