//! The trace's vocabulary: one record per thing that happened, with its simulated time,
//! and the header and footer lines that frame a trace file.

use crate::scenario::Scenario;
pub use crate::sim::{TraceEvent, TraceRecord};
use crate::vocab::Violation;
use serde::{Deserialize, Serialize};

/// The trace format this build writes and reads. Bump it whenever a line's shape changes.
/// Format 4 writes event lines as compact arrays, names messages by their link and number
/// where they are delivered or lost, and digests whole token tables.
pub const TRACE_FORMAT_VERSION: u32 = 4;

/// The tokensim version this build is, written into every trace header.
pub const TOKENSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The first line of a trace file: everything a replay needs to rerun the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceHeader {
    /// The trace format, [`TRACE_FORMAT_VERSION`] when written by this build.
    pub format: u32,
    /// The tokensim version that wrote the trace.
    pub tokensim: String,
    /// The seed that drove the run.
    pub seed: u64,
    /// The whole scenario, so a replay needs no other file.
    pub scenario: Scenario,
}

impl TraceHeader {
    /// The header of a run of `scenario` with `seed` by this build.
    pub fn new(scenario: &Scenario, seed: u64) -> TraceHeader {
        TraceHeader {
            format: TRACE_FORMAT_VERSION,
            tokensim: TOKENSIM_VERSION.to_string(),
            seed,
            scenario: scenario.clone(),
        }
    }
}

/// The last line of a trace file: how many record lines came before it, and the run's own
/// measures and verdict, as its report gave them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceFooter {
    /// How many event lines the file holds (a truncated file has fewer).
    pub records: u64,
    /// Events the simulator processed: the report's `events`.
    pub events: u64,
    /// The run's event hash, as 16 hex digits: the report's `event_hash`.
    #[serde(with = "hex_u64")]
    pub hash: u64,
    /// Every violation of the run's verdict; empty when it passed.
    #[serde(default)]
    pub violations: Vec<Violation>,
}

/// The first or last line of a JSON Lines trace file, told apart by its `line` field
/// (`{"line":"header",...}`). The lines between are events, written as `trace::wire` says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum TraceLine {
    /// The first line.
    Header(Box<TraceHeader>),
    /// The last line.
    Footer(TraceFooter),
}

pub(super) mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:016x}"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = String::deserialize(deserializer)?;
        u64::from_str_radix(&text, 16)
            .map_err(|_| serde::de::Error::custom(format!("expected 16 hex digits, found {text:?}")))
    }
}
