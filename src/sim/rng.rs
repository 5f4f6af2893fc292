//! The run's only source of randomness: ChaCha8 streams derived from one root seed.

use crate::vocab::Ratio;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Which component a random stream belongs to. Each gets its own stream of the root seed,
/// so adding draws in one component never shifts the draws of another.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    Network = 1,
    Workload = 2,
    /// Draws a swarm run's world and faults (see `crate::swarm`).
    Swarm = 3,
}

/// A seeded random source. Bounded draws are done here, by hand, so that a seed means the
/// same run whatever version of `rand` a user's build resolves to.
#[derive(Clone, Debug)]
pub(crate) struct SimRng(ChaCha8Rng);

impl SimRng {
    pub(crate) fn new(seed: u64, stream: Stream) -> SimRng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream as u64);
        SimRng(rng)
    }

    /// A uniform draw from `0..bound` (Lemire's multiply-and-reject; no modulo bias).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0, "below(0) has no value to return");
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let product = u128::from(self.0.next_u64()) * u128::from(bound);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// A uniform draw from `low..=high`.
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        match (high - low).checked_add(1) {
            Some(span) => low + self.below(span),
            None => self.0.next_u64(),
        }
    }

    /// True with probability `ratio`.
    pub(crate) fn chance(&mut self, ratio: Ratio) -> bool {
        if ratio.numerator == 0 {
            return false;
        }
        ratio.numerator >= ratio.denominator || self.below(u64::from(ratio.denominator)) < u64::from(ratio.numerator)
    }

    /// A uniform pick from a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_bounds_and_cover_them() {
        let mut rng = SimRng::new(7, Stream::Network);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let x = rng.between(10, 14);
            assert!((10..=14).contains(&x));
            seen[(x - 10) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "every value of a small range is drawn");
    }

    #[test]
    fn chance_matches_its_ratio_roughly() {
        let mut rng = SimRng::new(3, Stream::Workload);
        let quarter = Ratio::new(1, 4).unwrap();
        let hits = (0..40_000).filter(|_| rng.chance(quarter)).count();
        assert!((9_000..11_000).contains(&hits), "{hits} hits of 40000 at 1/4");
    }

    #[test]
    fn streams_of_one_seed_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::new(1, Stream::Network);
                move |_| r.below(1 << 40)
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = SimRng::new(1, Stream::Workload);
                move |_| r.below(1 << 40)
            })
            .collect();
        assert_ne!(a, b);
    }
}
