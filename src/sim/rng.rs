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
    /// Draws a swarm run's faults on nodes: faulty clients, crashes and restarts.
    SwarmNodes = 4,
    /// Draws whether a contended swarm run has a payer that loses its own writes.
    SwarmLossyPayer = 5,
}

/// Random draws keyed by what they are about, not by when they are made: the draw for a
/// key and a purpose is a pure function of the root seed, the stream, the key and the
/// purpose. The network keys each message by its link and its number on that link, so that
/// leaving out one request (as the shrinker does) changes the draws of that request's
/// links only, not of every message after it.
///
/// Each draw mixes its inputs with SplitMix64's finaliser (a bijection with full
/// avalanche), twice; bounded draws use Lemire's method, redrawing with a bumped purpose on
/// the rare rejection, so that a key means the same on every machine and Rust version.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyedRng {
    root: u64,
}

impl KeyedRng {
    pub(crate) fn new(seed: u64, stream: Stream) -> KeyedRng {
        KeyedRng { root: mix(mix(seed) ^ (stream as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) }
    }

    /// A key for the `index`-th item between `a` and `b` (a message on the link a to b).
    pub(crate) fn key(a: u32, b: u32, index: u64) -> u64 {
        mix(mix(u64::from(a) << 32 | u64::from(b)) ^ index)
    }

    /// 64 random bits for `key` and `purpose`.
    pub(crate) fn bits(&self, key: u64, purpose: u64) -> u64 {
        mix(self.root ^ mix(key ^ purpose.wrapping_mul(0xD6E8_FEB8_6659_FD93)))
    }

    /// A uniform draw from `0..bound` for `key` and `purpose`.
    pub(crate) fn below(&self, bound: u64, key: u64, purpose: u64) -> u64 {
        debug_assert!(bound > 0, "below(0) has no value to return");
        let mut attempt = purpose;
        let mut product = u128::from(self.bits(key, attempt)) * u128::from(bound);
        // Lemire's test: a low half of at least `bound` is above the threshold (which is below
        // `bound`), so the division that finds the threshold is needed only rarely.
        if (product as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (product as u64) < threshold {
                attempt = attempt.wrapping_add(1 << 32);
                product = u128::from(self.bits(key, attempt)) * u128::from(bound);
            }
        }
        (product >> 64) as u64
    }

    /// A uniform draw from `low..=high` for `key` and `purpose`.
    pub(crate) fn between(&self, low: u64, high: u64, key: u64, purpose: u64) -> u64 {
        match (high - low).checked_add(1) {
            Some(span) => low + self.below(span, key, purpose),
            None => self.bits(key, purpose),
        }
    }

    /// True with probability `ratio`, for `key` and `purpose`.
    pub(crate) fn chance(&self, ratio: Ratio, key: u64, purpose: u64) -> bool {
        if ratio.numerator == 0 {
            return false;
        }
        let (numerator, denominator) = (u64::from(ratio.numerator), u64::from(ratio.denominator));
        numerator >= denominator || self.below(denominator, key, purpose) < numerator
    }
}

/// SplitMix64's finaliser: a bijection of 64-bit words in which every input bit reaches
/// every output bit.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
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
        let mut product = u128::from(self.0.next_u64()) * u128::from(bound);
        // Lemire's test, as in `KeyedRng::below`: the same draws, without a division each.
        if (product as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (product as u64) < threshold {
                product = u128::from(self.0.next_u64()) * u128::from(bound);
            }
        }
        (product >> 64) as u64
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
    fn keyed_draws_depend_on_their_key_only_and_are_pinned() {
        let rng = KeyedRng::new(7, Stream::Network);
        let key = KeyedRng::key(1, 9, 3);
        assert_eq!(rng.between(10, 14, key, 1), rng.between(10, 14, key, 1), "the same key, the same draw");
        let mut seen = [false; 5];
        for index in 0..1000 {
            let x = rng.between(10, 14, KeyedRng::key(1, 9, index), 1);
            assert!((10..=14).contains(&x));
            seen[(x - 10) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        let quarter = Ratio::new(1, 4).unwrap();
        let hits = (0..40_000).filter(|&i| rng.chance(quarter, KeyedRng::key(2, 3, i), 2)).count();
        assert!((9_000..11_000).contains(&hits), "{hits} hits of 40000 at 1/4");
        // Pinned, so that a change of the mixing is a conscious one: every run changes with it.
        assert_eq!(rng.bits(KeyedRng::key(1, 2, 3), 4), PINNED_KEYED_BITS);
    }

    const PINNED_KEYED_BITS: u64 = 14_329_860_054_625_956_369;

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
