//! The peer baseline: tokensim's simulator and the same protocol core hosted in turmoil
//! (`examples/turmoil_host/`), on the same world and the same number of requests, timed in
//! one run.
//!
//! Run with `cargo bench --bench peer_baseline`. Divan times both; then a summary times
//! each again with `std::time::Instant` (the fastest of a few runs, as the machine may be
//! shared) and prints requests per second of each and their ratio. The target is tokensim
//! at least 20 times the turmoil-hosted core.

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

use divan::counter::ItemsCount;
use divan::Bencher;
use std::time::{Duration, Instant};
use tokensim::scenario::Scenario;
use tokensim::sim::Simulation;

/// Requests per run: the default world's.
const REQUESTS: u64 = 1000;
/// The ratio the issue asks for.
const RATIO_TARGET: f64 = 20.0;

fn main() {
    divan::main();
    summary();
}

fn scenario() -> Scenario {
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = REQUESTS;
    scenario
}

fn run_tokensim(scenario: &Scenario, seed: u64) -> u64 {
    let mut sim = Simulation::new(scenario, seed).expect("valid scenario");
    sim.run();
    sim.history().records().filter(|record| record.outcome.is_some()).count() as u64
}

fn run_turmoil(scenario: &Scenario, seed: u64) -> u64 {
    let run = world::run_in_turmoil(scenario, seed).expect("turmoil run");
    run.answers.len() as u64
}

/// tokensim's own simulator: the default world, `REQUESTS` requests.
#[divan::bench(sample_count = 20)]
fn tokensim(bencher: Bencher) {
    let scenario = scenario();
    bencher.counter(ItemsCount::new(REQUESTS)).bench(|| run_tokensim(divan::black_box(&scenario), 1));
}

/// The same core and world hosted in turmoil (1 ms ticks, turmoil's default).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn turmoil_hosted(bencher: Bencher) {
    let scenario = scenario();
    bencher.counter(ItemsCount::new(REQUESTS)).bench(|| run_turmoil(divan::black_box(&scenario), 1));
}

/// The fastest of `runs` timed runs of `run`, which must answer every request.
fn fastest(runs: u32, run: impl Fn() -> u64) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            assert_eq!(run(), REQUESTS, "every request is answered");
            started.elapsed()
        })
        .min()
        .expect("at least one run")
}

fn summary() {
    let scenario = scenario();
    let ours = fastest(20, || run_tokensim(&scenario, 1));
    let theirs = fastest(3, || run_turmoil(&scenario, 1));
    let per_second = |time: Duration| REQUESTS as f64 / time.as_secs_f64();
    let ratio = per_second(ours) / per_second(theirs);
    println!("\npeer baseline: default world, {REQUESTS} requests, seed 1, fastest run of each");
    println!("  tokensim        {:>12.0} requests/s ({:.2} ms a run)", per_second(ours), ours.as_secs_f64() * 1e3);
    println!("  turmoil-hosted  {:>12.0} requests/s ({:.2} ms a run)", per_second(theirs), theirs.as_secs_f64() * 1e3);
    let verdict = if ratio >= RATIO_TARGET { "meets" } else { "MISSES" };
    println!("  ratio           {ratio:>12.1}x ({verdict} the {RATIO_TARGET}x target)");
}
