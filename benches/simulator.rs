//! Simulator throughput: the whole default world in seeds per second and events per
//! second, and how the cost grows with requests, servers and tokens.
//!
//! Run with `cargo bench --bench simulator`. Divan reports time per run; the `events`
//! counter turns that into events per second.

use divan::counter::ItemsCount;
use divan::Bencher;
use tokensim::scenario::Scenario;
use tokensim::sim::Simulation;

fn main() {
    divan::main();
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
