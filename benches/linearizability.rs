//! Linearizability checking of a one-million-operation history.
//!
//! `cargo bench --bench linearizability`

use tokensim::check::synthetic::{synthetic_history, SyntheticOptions};
use tokensim::check::{check_linearizability, OpHistory};

fn main() {
    divan::main();
}

fn history(operations: usize) -> OpHistory {
    synthetic_history(SyntheticOptions { operations, clients: 6, tokens_per_client: 10, seed: 1 })
}

#[divan::bench(args = [100_000, 1_000_000], sample_count = 5, sample_size = 1)]
fn check(bencher: divan::Bencher, operations: usize) {
    let history = history(operations);
    bencher.bench(|| {
        let violations = check_linearizability(divan::black_box(&history)).expect("well formed");
        assert!(violations.is_empty(), "{:?}", violations.first());
    });
}
