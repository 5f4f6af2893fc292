//! How big the run pages are and how soon a browser draws them: the default run, and runs of
//! about 100,000 and 340,000 trace events (the default world with more requests).
//!
//! ```sh
//! cargo run --release --example view_timing            # needs Debian's chromium
//! ```
//!
//! For each page: its size, the time to build it in Rust, and the median over 5 loads in
//! headless Chromium of the time from navigation start to the end of the first render
//! (`data-first-render-ms`, which the page sets), of the JSON parse alone, and of the first
//! draw (the whole run, as density) after the parse.

use std::process::Command;
use std::time::Instant;
use tokensim::scenario::Scenario;

const LOADS: usize = 5;

fn main() {
    let chromium = std::env::var("TOKENSIM_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    let directory = tempfile::tempdir().expect("a temporary directory");
    println!(
        "{:<28} {:>9} {:>10} {:>12} {:>12} {:>9} {:>8} {:>13}",
        "run", "events", "sim events", "page bytes", "run+page ms", "parse ms", "draw ms", "first render"
    );
    for requests in [1000, 3100, 10_000] {
        let mut scenario = Scenario::default_scenario();
        scenario.random_workload_mut().requests = requests;
        let seed = 1;
        let (outcome, records) = tokensim::trace::record_run(&scenario, seed).expect("the default world runs");
        let simulation = &outcome.simulation;
        let started = Instant::now();
        let (page, _) = tokensim::view::checked_run_page(&scenario, seed).expect("the default world runs");
        let build_ms = started.elapsed().as_secs_f64() * 1000.0;
        let path = directory.path().join(format!("run-{requests}.html"));
        std::fs::write(&path, &page).expect("the page is written");
        let mut renders = Vec::new();
        let mut parses = Vec::new();
        let mut draws = Vec::new();
        for _ in 0..LOADS {
            let profile = tempfile::tempdir().expect("a profile directory");
            let output = Command::new(&chromium)
                .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
                .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg("--dump-dom")
                .arg(format!("file://{}", path.display()))
                .output()
                .expect("Chromium runs (set TOKENSIM_CHROMIUM to its path)");
            let dom = String::from_utf8_lossy(&output.stdout);
            let value = |name: &str| -> f64 {
                let key = format!(" {name}=\"");
                let start = dom.find(&key).map(|i| i + key.len()).expect("the page reports its timings");
                dom[start..start + dom[start..].find('"').unwrap()].parse().unwrap()
            };
            renders.push(value("data-first-render-ms"));
            parses.push(value("data-parse-ms"));
            // From the script's start to the end of its first render, less the JSON parse.
            draws.push(value("data-first-render-ms") - value("data-script-start-ms") - value("data-parse-ms"));
        }
        let median = |values: &mut Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        println!(
            "{:<28} {:>9} {:>10} {:>12} {:>12.0} {:>9.1} {:>8.0} {:>10.0} ms",
            format!("default, {requests} requests"),
            records.len(),
            simulation.counters().events,
            page.len(),
            build_ms,
            median(&mut parses),
            median(&mut draws),
            median(&mut renders),
        );
    }
}
