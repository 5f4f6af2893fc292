//! A portable hash of a run's event sequence: the same run gives the same hash on every
//! machine, so two runs can be compared by one number.

use std::hash::{Hash, Hasher};

/// A word-at-a-time multiplicative hash (rotate, xor, multiply by an odd constant per
/// 64-bit word, as FxHash does) over a fixed-width, little-endian encoding: `usize` and
/// `isize` are widened to 64 bits, so derived `Hash` implementations hash the same on 32-
/// and 64-bit machines. It runs on every event, so it takes one multiply per field rather
/// than one per byte; it is a fingerprint for comparing runs, not a defence against forgery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint(u64);

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

impl Default for Fingerprint {
    fn default() -> Fingerprint {
        Fingerprint(OFFSET_BASIS)
    }
}

impl Fingerprint {
    /// Fold one more item into the hash.
    pub fn add<T: Hash + ?Sized>(&mut self, item: &T) {
        item.hash(self);
    }

    /// The hash so far, with a final mix so that every input bit reaches every output bit.
    pub fn value(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.value()
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u8(&mut self, value: u8) {
        self.mix(u64::from(value));
    }

    fn write_u16(&mut self, value: u16) {
        self.mix(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.mix(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.mix(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_isize(&mut self, value: isize) {
        self.write_u64(value as i64 as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED: u64 = 12_950_984_469_223_159_201;

    #[test]
    fn pinned_vector_and_sensitivity() {
        // Pinned so that a change of algorithm is a conscious one: old traces' hashes change.
        let mut pinned = Fingerprint::default();
        pinned.add(&(1u64, 2u32, "ab", [7usize; 3]));
        assert_eq!(pinned.value(), PINNED);
        let (mut x, mut y) = (Fingerprint::default(), Fingerprint::default());
        x.add(&(1u64, 2u32));
        y.add(&(2u64, 1u32));
        assert_ne!(x.value(), y.value());
    }
}
