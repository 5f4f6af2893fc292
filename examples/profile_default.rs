//! Runs the default world for many seeds in a row: a target for profilers.
//!
//! `cargo run --release --example profile_default [SEEDS] [SCENARIO.toml]` runs another
//! scenario instead, such as `benches/support/large_world.toml`, and prints its events per
//! second (simulator only: no checkers, no rerun).
/// The `tokensim` binary's allocator (`src/main.rs`), so that the figures are the tool's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let scenario = match args.next() {
        Some(path) => tokensim::scenario::Scenario::from_file(std::path::Path::new(&path)).expect("a valid scenario"),
        None => tokensim::scenario::Scenario::default_scenario(),
    };
    let mut events = 0;
    // Wall clock outside the run: it times the whole loop and never reaches a run.
    let started = std::time::Instant::now();
    for seed in 0..seeds {
        let mut sim = tokensim::sim::Simulation::new(&scenario, seed).expect("valid");
        sim.run();
        events += sim.counters().events;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{seeds} seeds, {events} events, {seconds:.3} s, {:.0} events/s", events as f64 / seconds);
}
