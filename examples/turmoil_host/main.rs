//! The protocol core hosted in another simulator: turmoil.
//!
//! tokensim's core (`tokensim::protocol`) takes `(now, input)` and writes outputs into a
//! buffer; it never does I/O or reads a clock. This example runs the default world (5
//! servers, 2 of them omission-faulty; 6 clients; random `gettokens` and `pay` requests)
//! with each node on its own turmoil host, talking over turmoil's simulated UDP, with
//! timers on tokio's time, which turmoil drives.
//!
//! - `host.rs` is the reusable part: one `Node` on one turmoil host (time, network, faults).
//! - `faults.rs` is a scenario's faults as a function of time, which every host asks.
//! - `journal.rs` records what the hosts did: the history tokensim's checkers read.
//! - `world.rs` builds a scenario's world, explicit requests and random workload on top.
//!
//! Run with `cargo run --release --example turmoil_host [REQUESTS] [SEED]` (the default
//! world with `REQUESTS` random requests), or `... turmoil_host SCENARIO.toml [SEED]`. It
//! prints what the run did and judges its history with tokensim's linearizability checker.
//! `benches/peer_baseline.rs` times it against tokensim's own simulator.

mod faults;
// The host is the reusable part: this example does not read all it offers (an answer's id).
#[allow(dead_code)]
mod host;
mod journal;
mod world;

use tokensim::check::linearizability::check_linearizability;
use tokensim::scenario::Scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut arguments = std::env::args().skip(1).peekable();
    let scenario = match arguments.next_if(|argument| argument.ends_with(".toml")) {
        Some(path) => Scenario::from_file(std::path::Path::new(&path))?,
        None => {
            let requests: u64 = arguments.next().map_or(Ok(1000), |a| a.parse())?;
            let mut scenario = Scenario::default_scenario();
            scenario.random_workload_mut().requests = requests;
            scenario
        }
    };
    let seed: u64 = arguments.next().map_or(Ok(scenario.seed), |a| a.parse())?;
    let started = std::time::Instant::now();
    let run = world::run_in_turmoil(&scenario, seed)?;
    let elapsed = started.elapsed();
    println!(
        "turmoil: {} requests issued, {} answered, {} lost in crashes, {:.1} simulated seconds, {:.3} s of wall time",
        run.issued,
        run.answers.len(),
        run.lost.len(),
        run.end_us as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    println!("messages lost to faults: {:?}", run.losses);
    let violations = check_linearizability(&run.history)?;
    for violation in &violations {
        println!("  {violation}");
    }
    if run.unanswered > 0 {
        return Err(format!("{} requests were never answered", run.unanswered).into());
    }
    if !violations.is_empty() {
        return Err("the history is not linearizable".into());
    }
    println!("every request answered or lost in a crash; the history is linearizable");
    Ok(())
}
