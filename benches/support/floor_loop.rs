//! The floor under the simulator: a bare event loop that pops a binary heap and makes one
//! ChaCha8 draw per event, with no protocol work. `benches/floor.rs` times it on its own, and
//! `benches/simulator.rs` prints the simulator's events per second as a ratio of it, measured
//! in the same run: a figure of the simulator's own cost that the machine's speed and load
//! cancel out of.
//!
//! It keeps the simulator's shape where that costs time: the heap orders 24-byte keys (time,
//! sequence number, slot) as `sim::queue` does, and the draw is a 64-bit ChaCha8 output
//! scaled to a delay, as `sim::rng` scales its bounded draws.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Events in flight: the heap holds this many through the whole loop.
pub const IN_FLIGHT: u32 = 1024;

/// Events one timed run of the floor processes.
pub const EVENTS: u64 = 200_000;

/// The latest an event is scheduled after the one it replaces, in microseconds.
const DELAY_US_MAX: u64 = 10_000;

/// Process `events` events, [`IN_FLIGHT`] in flight: each pops the earliest key, draws a
/// delay, and schedules one event that much later. Returns a checksum of what was popped, so
/// that nothing is optimised away.
pub fn run(events: u64, seed: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut delay = || ((u128::from(rng.next_u64()) * u128::from(DELAY_US_MAX)) >> 64) as u64;
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::with_capacity(IN_FLIGHT as usize);
    for slot in 0..IN_FLIGHT {
        heap.push(Reverse((delay(), u64::from(slot), slot)));
    }
    let mut checksum = 0u64;
    // Sequence numbers go on from those of the events first in flight.
    for sequence in u64::from(IN_FLIGHT)..u64::from(IN_FLIGHT) + events {
        let Reverse((at, _, slot)) = heap.pop().expect("a full heap never runs dry");
        heap.push(Reverse((at + delay(), sequence, slot)));
        checksum = checksum.wrapping_add(at ^ u64::from(slot));
    }
    checksum
}
