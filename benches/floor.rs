//! The floor bench: what an event costs with no protocol work at all, a binary heap of 1,024
//! events in flight and one ChaCha8 draw per event (`support/floor_loop.rs`). The simulator
//! bench prints its own events per second as a ratio of this, measured in its own run.
//!
//! Run with `cargo bench --bench floor`.

#[path = "support/floor_loop.rs"]
mod floor_loop;

use divan::counter::ItemsCount;
use divan::Bencher;

fn main() {
    divan::main();
}

/// 200,000 events, 1,024 in flight.
#[divan::bench]
fn floor(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(floor_loop::EVENTS))
        .bench(|| floor_loop::run(divan::black_box(floor_loop::EVENTS), 1));
}
