//! `seeds`: the seeds a scenario is tested with, written as a list or as a range.

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The most seeds one scenario may list.
pub const SEEDS_MAX: usize = 1000;

/// The seeds a scenario is tested with: `seeds = [1, 2, 3]` or `seeds = "1..=20"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Seeds(pub Vec<u64>);

const EXPECTED: &str = "a list of seeds like [1, 2, 3] or a range like \"1..=20\"";

impl<'de> Deserialize<'de> for Seeds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Seeds, D::Error> {
        deserializer.deserialize_any(SeedsVisitor)
    }
}

struct SeedsVisitor;

impl<'de> Visitor<'de> for SeedsVisitor {
    type Value = Seeds;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seeds, A::Error> {
        let mut seeds = Vec::new();
        while let Some(seed) = seq.next_element::<u64>()? {
            if seeds.len() == SEEDS_MAX {
                return Err(de::Error::custom(format!("expected at most {SEEDS_MAX} seeds")));
            }
            seeds.push(seed);
        }
        Ok(Seeds(seeds))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Seeds, E> {
        parse_range(text).map(Seeds).map_err(E::custom)
    }
}

/// `"A..=B"` or `"A..B"`, at most [`SEEDS_MAX`] seeds, not empty.
fn parse_range(text: &str) -> Result<Vec<u64>, String> {
    let bad = || format!("expected {EXPECTED}, found \"{text}\"");
    let (first, last) = if let Some((a, b)) = text.split_once("..=") {
        let last: u64 = b.trim().parse().map_err(|_| bad())?;
        (a.trim().parse::<u64>().map_err(|_| bad())?, last)
    } else if let Some((a, b)) = text.split_once("..") {
        let end: u64 = b.trim().parse().map_err(|_| bad())?;
        (a.trim().parse::<u64>().map_err(|_| bad())?, end.checked_sub(1).ok_or_else(bad)?)
    } else {
        return Err(bad());
    };
    if first > last {
        return Err(format!("the seed range \"{text}\" is empty"));
    }
    if last - first >= SEEDS_MAX as u64 {
        return Err(format!("expected at most {SEEDS_MAX} seeds, found the range \"{text}\""));
    }
    Ok((first..=last).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_inclusive_and_exclusive() {
        assert_eq!(parse_range("1..=3"), Ok(vec![1, 2, 3]));
        assert_eq!(parse_range("1..3"), Ok(vec![1, 2]));
        assert!(parse_range("3..=1").is_err());
        assert!(parse_range("0..0").is_err());
        assert!(parse_range("1..=5000").is_err());
        assert!(parse_range("one..=2").is_err());
    }
}

/// One seed in a scenario file: an integer, or a string for seeds beyond TOML's integers
/// (which are signed 64-bit), so every `u64` seed can be written and read back.
pub(crate) mod seed_value {
    use serde::{de, Deserializer, Serializer};
    use std::fmt;

    /// Write `seed` as an integer where TOML can hold it, else as a decimal string.
    pub(crate) fn serialize<S: Serializer>(seed: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        match i64::try_from(*seed) {
            Ok(small) => serializer.serialize_i64(small),
            Err(_) => serializer.serialize_str(&seed.to_string()),
        }
    }

    /// Read a seed written as a non-negative integer or as a decimal string.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_any(SeedVisitor)
    }

    struct SeedVisitor;

    impl de::Visitor<'_> for SeedVisitor {
        type Value = u64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a seed: a non-negative integer, or a string of digits for seeds above 2^63")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
            u64::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
            Ok(value)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<u64, E> {
            text.trim().parse().map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
        }
    }
}

#[cfg(test)]
mod seed_value_tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Holder {
        #[serde(with = "super::seed_value")]
        seed: u64,
    }

    #[test]
    fn every_u64_seed_round_trips_through_toml() {
        for seed in [0, 7, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX] {
            let text = toml::to_string(&Holder { seed }).unwrap();
            assert_eq!(toml::from_str::<Holder>(&text).unwrap().seed, seed, "{text}");
        }
        assert!(toml::from_str::<Holder>("seed = -3").is_err());
        assert!(toml::from_str::<Holder>("seed = \"twelve\"").is_err());
    }
}
