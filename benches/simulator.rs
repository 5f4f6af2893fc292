//! Simulator throughput: the whole default world in seeds per second and events per
//! second, and how the cost grows with requests, servers and tokens.
//!
//! Run with `cargo bench --bench simulator`. Divan reports time per run; the `events`
//! counter turns that into events per second. Then a summary times the default world and
//! the floor (`support/floor_loop.rs`: a bare heap-and-draw loop, no protocol work) in turns
//! with `std::time::Instant`, the fastest run of each as the machine may be shared, and
//! prints the simulator's events per second as a ratio of the floor's. The target is at
//! least half the floor.

#[path = "support/floor_loop.rs"]
mod floor_loop;

use divan::counter::ItemsCount;
use divan::Bencher;
use std::time::{Duration, Instant};
use tokensim::scenario::Scenario;
use tokensim::sim::Simulation;

/// The allocator the `tokensim` binary runs with (`src/main.rs`), so that these figures are
/// the tool's: with glibc's, the default world took about 8% longer and the large one 15%.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The ratio to the floor the issue asks for.
const RATIO_TARGET: f64 = 0.5;
/// Timed runs of each in the summary.
const ROUNDS: u32 = 50;
/// The large world's events per second as a share of the default world's, at least.
const LARGE_TARGET: f64 = 1.0 / 3.0;
/// Timed runs of the large world in the summary (each about 0.3 s).
const LARGE_ROUNDS: u32 = 5;

fn main() {
    divan::main();
    summary();
}

/// Events one run of `scenario` with `seed` processes (measured once, outside the timing).
fn events_of(scenario: &Scenario, seed: u64) -> u64 {
    let mut sim = Simulation::new(scenario, seed).expect("valid scenario");
    sim.run();
    sim.counters().events
}

fn run(bencher: Bencher, scenario: Scenario) {
    let events = events_of(&scenario, 1);
    bencher.counter(ItemsCount::new(events)).bench(|| {
        let mut sim = Simulation::new(divan::black_box(&scenario), 1).expect("valid scenario");
        divan::black_box(sim.run())
    });
}

/// The embedded default world: 5 servers (2 faulty), 6 clients x 10 tokens, 1000 requests.
#[divan::bench]
fn default_world(bencher: Bencher) {
    run(bencher, Scenario::default_scenario());
}

/// The large world of issue 17 (`support/large_world.toml`): 993 clients x 100 tokens, 7
/// servers, 2000 requests. Its target is a third of the default world's events per second.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn large_world(bencher: Bencher) {
    run(bencher, large_world_scenario());
}

fn large_world_scenario() -> Scenario {
    Scenario::from_toml(include_str!("support/large_world.toml"), "benches/support/large_world.toml")
        .expect("a valid scenario")
}

/// Growth with the number of requests.
#[divan::bench(args = [250, 500, 1000, 2000, 4000])]
fn requests(bencher: Bencher, requests: u64) {
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = requests;
    run(bencher, scenario);
}

/// Growth with the number of servers (one faulty server in each world).
#[divan::bench(args = [3, 5, 7])]
fn servers(bencher: Bencher, servers: u32) {
    let mut scenario = Scenario::default_scenario();
    scenario.world.servers = servers;
    scenario.faults.truncate(1);
    run(bencher, scenario);
}

/// Growth with the number of tokens (tokens per client; 6 clients).
#[divan::bench(args = [10, 20, 40, 80])]
fn tokens_per_client(bencher: Bencher, tokens: u32) {
    let mut scenario = Scenario::default_scenario();
    scenario.world.tokens_per_client = Some(tokens);
    run(bencher, scenario);
}

/// How long `run` takes, in its fastest of [`ROUNDS`] runs taken in turns with `other`'s, so
/// that a busy moment of the machine slows both alike.
fn fastest_in_turns(run: impl Fn(), other: impl Fn()) -> (Duration, Duration) {
    let time = |f: &dyn Fn()| {
        // Wall clock outside the run: it times whole runs and never reaches one.
        let started = Instant::now();
        f();
        started.elapsed()
    };
    (0..ROUNDS)
        .fold((Duration::MAX, Duration::MAX), |(ours, theirs), _| (ours.min(time(&run)), theirs.min(time(&other))))
}

fn summary() {
    let scenario = Scenario::default_scenario();
    let events = events_of(&scenario, 1);
    let simulate = || {
        let mut sim = Simulation::new(divan::black_box(&scenario), 1).expect("valid scenario");
        divan::black_box(sim.run());
    };
    let floor = || {
        divan::black_box(floor_loop::run(divan::black_box(floor_loop::EVENTS), 1));
    };
    let (ours, theirs) = fastest_in_turns(simulate, floor);
    let per_second = |events: u64, time: Duration| events as f64 / time.as_secs_f64() / 1e6;
    let (ours, theirs) = (per_second(events, ours), per_second(floor_loop::EVENTS, theirs));
    let ratio = ours / theirs;
    let verdict = if ratio >= RATIO_TARGET { "meets" } else { "MISSES" };
    println!("\nfloor: fastest of {ROUNDS} runs of each in turns, seed 1 ({events} events a run of the default world)");
    println!(
        "default world: {ours:.1} M events/s, floor {theirs:.1} M events/s, ratio {ratio:.2} \
         ({verdict} the {RATIO_TARGET} target)"
    );
    let large = large_world_scenario();
    let large_events = events_of(&large, 1);
    let simulate_large = || {
        let mut sim = Simulation::new(divan::black_box(&large), 1).expect("valid scenario");
        divan::black_box(sim.run());
    };
    let one_default = || simulate();
    let time = |f: &dyn Fn()| {
        // Wall clock outside the run: it times whole runs and never reaches one.
        let started = Instant::now();
        f();
        started.elapsed()
    };
    let (mut large_time, mut default_time) = (Duration::MAX, Duration::MAX);
    for _ in 0..LARGE_ROUNDS {
        large_time = large_time.min(time(&simulate_large));
        for _ in 0..10 {
            default_time = default_time.min(time(&one_default));
        }
    }
    let (large_rate, default_rate) = (per_second(large_events, large_time), per_second(events, default_time));
    let share = large_rate / default_rate;
    let verdict = if share >= LARGE_TARGET { "meets" } else { "MISSES" };
    println!(
        "large world (993 clients x 100 tokens, {large_events} events): {large_rate:.2} M events/s, \
         {share:.2} of the default world's {default_rate:.1} M ({verdict} the 1/3 target)"
    );
}
