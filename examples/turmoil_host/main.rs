//! The protocol core hosted in another simulator: turmoil.
//!
//! tokensim's core (`tokensim::protocol`) takes `(now, input)` and writes outputs into a
//! buffer; it never does I/O or reads a clock. This example runs the default world (5
//! servers, 2 of them omission-faulty; 6 clients; random `gettokens` and `pay` requests)
//! with each node on its own turmoil host, talking over turmoil's simulated UDP, with
//! timers on tokio's time, which turmoil drives.
//!
//! - `host.rs` is the reusable part: one `Node` on one turmoil host (time, network, faults).
//! - `world.rs` builds a scenario's world and random workload on top of it.
//!
//! Run with `cargo run --release --example turmoil_host [REQUESTS] [SEED]`.
//! `benches/peer_baseline.rs` times it against tokensim's own simulator.

mod host;
mod world;

use tokensim::scenario::Scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut arguments = std::env::args().skip(1);
    let requests: u64 = arguments.next().map_or(Ok(1000), |a| a.parse())?;
    let seed: u64 = arguments.next().map_or(Ok(1), |a| a.parse())?;
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = requests;
    let started = std::time::Instant::now();
    let run = world::run_in_turmoil(&scenario, seed)?;
    let elapsed = started.elapsed();
    println!(
        "turmoil: {} requests issued, {} answered, {:.1} simulated seconds, {:.3} s of wall time",
        run.issued,
        run.answers.len(),
        run.end_us as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    if run.answers.len() as u64 != run.issued {
        return Err("some requests were never answered".into());
    }
    Ok(())
}
