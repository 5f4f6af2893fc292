//! States a second of `tokensim explore`: exhaustive searches of the small worlds in
//! `sim-scenarios/explore-*.toml`, one worker, each to its end. Every state is a cloned
//! simulation stepped once, judged and digested, so this is the search's cost per state.
//!
//! Run with `cargo bench --bench explore`.

use divan::counter::ItemsCount;
use divan::Bencher;
use tokensim::explore::search::{search, SearchOptions};
use tokensim::scenario::Scenario;

fn main() {
    divan::main();
}

fn world(name: &str) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios").join(format!("{name}.toml"));
    Scenario::from_file(&path).expect("the explore scenarios parse")
}

/// `explore-one-pay` with up to two losses (117 states, losses folded), and
/// `explore-pay-and-read` with none and one (16,569 states either way).
#[divan::bench(args = [("explore-one-pay", 2), ("explore-pay-and-read", 0), ("explore-pay-and-read", 1)], sample_count = 5)]
fn states(bencher: Bencher, (name, max_losses): (&str, usize)) {
    let scenario = world(name);
    let options = SearchOptions { max_losses, jobs: 1, ..SearchOptions::default() };
    let states = search(&scenario, scenario.seed, options, &|_| {}).expect("explored").states;
    bencher
        .counter(ItemsCount::new(states))
        .bench(|| search(&scenario, scenario.seed, options, &|_| {}).expect("explored"));
}
