//! A portable hash of a run's event sequence: the same run gives the same hash on every
//! machine, so two runs can be compared by one number.

use std::hash::{Hash, Hasher};

/// FNV-1a over a fixed-width, little-endian encoding: `usize` and `isize` are widened to
/// 64 bits, so derived `Hash` implementations hash the same on 32- and 64-bit machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint(u64);

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

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

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(PRIME);
        }
    }

    fn write_u16(&mut self, value: u16) {
        self.write(&value.to_le_bytes());
    }

    fn write_u32(&mut self, value: u32) {
        self.write(&value.to_le_bytes());
    }

    fn write_u64(&mut self, value: u64) {
        self.write(&value.to_le_bytes());
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

    #[test]
    fn known_vector_and_sensitivity() {
        let mut empty = Fingerprint::default();
        empty.write(b"a");
        assert_eq!(empty.value(), 0xaf63_dc4c_8601_ec8c, "FNV-1a of \"a\"");
        let (mut x, mut y) = (Fingerprint::default(), Fingerprint::default());
        x.add(&(1u64, 2u32));
        y.add(&(2u64, 1u32));
        assert_ne!(x.value(), y.value());
    }
}
