//! Runs the default world for many seeds in a row: a target for profilers.
fn main() {
    let seeds: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let scenario = tokensim::scenario::Scenario::default_scenario();
    let mut events = 0;
    for seed in 0..seeds {
        let mut sim = tokensim::sim::Simulation::new(&scenario, seed).expect("valid");
        sim.run();
        events += sim.counters().events;
    }
    println!("{seeds} seeds, {events} events");
}
