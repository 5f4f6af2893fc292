//! Steps a swarm seed and prints where time stands, to find where a run stops advancing.
fn main() {
    let seed: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let base = tokensim::scenario::Scenario::default_scenario();
    let scenario = tokensim::swarm::swarm_scenario(&base, seed);
    println!("{}", toml::to_string(&scenario).unwrap());
    let mut sim = tokensim::sim::Simulation::new(&scenario, seed).unwrap();
    for i in 0..2_000_000u64 {
        if let Some(end) = sim.step() {
            println!("ended {end:?} at {}", sim.now());
            return;
        }
        if i % 200_000 == 0 {
            let open: Vec<String> = sim.history().unanswered().map(|r| format!("{} {}", r.id, r.request)).collect();
            println!(
                "step {i} now {} pending {} open {:?} config {:?}",
                sim.now(),
                sim.pending_events(),
                open,
                sim.current_config().servers
            );
        }
    }
}
