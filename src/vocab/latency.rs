//! Request latencies summed over many runs: a histogram with fixed log-scale buckets.
//!
//! A sweep cannot keep every request's latency (100,000 seeds make millions), and
//! percentiles do not add up across shards. Counts in fixed buckets do: two histograms of
//! disjoint seed ranges merge by adding their counts, so `tokensim merge` gives the same
//! histogram as one sweep over both ranges.

use serde::{Deserialize, Serialize};

/// The buckets' upper bounds in simulated microseconds (a 1-2-5 series from 100 µs to
/// 50 s); a latency lands in the first bucket whose bound is above it, and one of 50 s or
/// more in the last, open-ended bucket.
pub const LATENCY_BOUNDS_US: [u64; 19] = [
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    50_000,
    100_000,
    200_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    20_000_000,
    50_000_000,
    u64::MAX,
];

/// How many requests took how long, from start to answer, in buckets of simulated time.
///
/// Serialised as `{"upper_bounds_us": [...], "counts": [...]}` (the last bound is
/// `null`, open-ended), so a report says what its buckets are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawHistogram", into = "RawHistogram")]
pub struct LatencyHistogram {
    counts: [u64; LATENCY_BOUNDS_US.len()],
}

impl Default for LatencyHistogram {
    fn default() -> LatencyHistogram {
        LatencyHistogram { counts: [0; LATENCY_BOUNDS_US.len()] }
    }
}

/// One bucket of a [`LatencyHistogram`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencyBucket {
    /// The smallest latency it holds, in µs.
    pub from_us: u64,
    /// One more than the largest latency it holds, in µs; `None` for the open-ended bucket.
    pub below_us: Option<u64>,
    /// How many requests.
    pub count: u64,
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> LatencyHistogram {
        LatencyHistogram::default()
    }

    /// Count one request that took `latency_us`.
    pub fn add(&mut self, latency_us: u64) {
        let index = LATENCY_BOUNDS_US.iter().position(|&bound| latency_us < bound).unwrap_or(self.counts.len() - 1);
        self.counts[index] += 1;
    }

    /// Add every count of `other` to this one.
    pub fn absorb(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }

    /// How many requests were counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Every bucket, fastest first, empty ones included.
    pub fn buckets(&self) -> impl Iterator<Item = LatencyBucket> + '_ {
        self.counts.iter().enumerate().map(|(index, &count)| LatencyBucket {
            from_us: if index == 0 { 0 } else { LATENCY_BOUNDS_US[index - 1] },
            below_us: Some(LATENCY_BOUNDS_US[index]).filter(|&bound| bound != u64::MAX),
            count,
        })
    }

    /// The bucket that holds the `percent`th percentile (nearest rank), if any request was
    /// counted: the true percentile lies within it.
    pub fn percentile(&self, percent: u64) -> Option<LatencyBucket> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = (total.saturating_mul(percent.min(100))).div_ceil(100).max(1);
        let mut seen = 0;
        self.buckets().find(|bucket| {
            seen += bucket.count;
            seen >= rank
        })
    }
}

/// The serialised form, checked on the way in: the bounds must be this build's.
#[derive(Serialize, Deserialize)]
struct RawHistogram {
    upper_bounds_us: Vec<Option<u64>>,
    counts: Vec<u64>,
}

impl From<LatencyHistogram> for RawHistogram {
    fn from(histogram: LatencyHistogram) -> RawHistogram {
        RawHistogram { upper_bounds_us: bounds(), counts: histogram.counts.to_vec() }
    }
}

impl TryFrom<RawHistogram> for LatencyHistogram {
    type Error = String;

    fn try_from(raw: RawHistogram) -> Result<LatencyHistogram, String> {
        if raw.upper_bounds_us != bounds() {
            return Err(format!(
                "latency histogram buckets {:?} are not this build's {:?}",
                raw.upper_bounds_us,
                bounds()
            ));
        }
        let counts = raw.counts.try_into().map_err(|counts: Vec<u64>| {
            format!("latency histogram has {} counts for {} buckets", counts.len(), LATENCY_BOUNDS_US.len())
        })?;
        Ok(LatencyHistogram { counts })
    }
}

fn bounds() -> Vec<Option<u64>> {
    LATENCY_BOUNDS_US.iter().map(|&bound| Some(bound).filter(|&b| b != u64::MAX)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_land_in_their_buckets_and_percentiles_find_them() {
        let mut histogram = LatencyHistogram::new();
        for latency in [0, 99, 100, 40_000, 40_000, 60_000_000] {
            histogram.add(latency);
        }
        let counts: Vec<u64> = histogram.buckets().map(|b| b.count).collect();
        assert_eq!(counts[0], 2);
        assert_eq!(counts[1], 1);
        assert_eq!(counts[8], 2, "20 ms to 50 ms");
        assert_eq!(counts[18], 1, "50 s and more");
        assert_eq!(histogram.total(), 6);
        let median = histogram.percentile(50).unwrap();
        assert_eq!((median.from_us, median.below_us), (100, Some(200)));
        assert_eq!(histogram.percentile(100).unwrap().below_us, None);
        assert_eq!(LatencyHistogram::new().percentile(50), None);
    }

    #[test]
    fn histograms_round_trip_and_foreign_buckets_are_refused() {
        let mut histogram = LatencyHistogram::new();
        histogram.add(1_500);
        let json = serde_json::to_string(&histogram).unwrap();
        assert!(json.starts_with("{\"upper_bounds_us\":[100,200,"), "{json}");
        assert_eq!(serde_json::from_str::<LatencyHistogram>(&json).unwrap(), histogram);
        let foreign = json.replacen("[100,", "[150,", 1);
        let error = serde_json::from_str::<LatencyHistogram>(&foreign).unwrap_err().to_string();
        assert!(error.contains("not this build's"), "{error}");
    }

    #[test]
    fn absorbing_adds_counts() {
        let (mut a, mut b) = (LatencyHistogram::new(), LatencyHistogram::new());
        a.add(10);
        b.add(10);
        b.add(3_000_000);
        a.absorb(&b);
        assert_eq!(a.total(), 3);
        assert_eq!(a.buckets().next().unwrap().count, 2);
    }
}
