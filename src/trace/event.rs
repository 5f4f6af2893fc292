//! The trace's vocabulary: one record per thing that happened, with its simulated time,
//! and the header and footer lines that frame a trace file.

use crate::protocol::{Instant, Message, NodeId, Outcome, Request, RequestId, Timer};
use crate::scenario::Scenario;
use crate::sim::DropReason;
use serde::{Deserialize, Serialize};

/// The trace format this build writes and reads. Bump it whenever a line's shape changes.
pub const TRACE_FORMAT_VERSION: u32 = 1;

/// The tokensim version this build is, written into every trace header.
pub const TOKENSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One thing that happened in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceEvent {
    /// The application handed `request` to `client`; it waits in the client's queue.
    Submitted {
        /// The request's identity (its client and sequence number).
        id: RequestId,
        /// What it asks.
        request: Request,
    },
    /// The client started working on the request (its invocation point).
    Started {
        /// The request's identity.
        id: RequestId,
        /// What it asks.
        request: Request,
    },
    /// `from` handed `message` to the network.
    Sent {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The message.
        message: Message,
    },
    /// `message` reached `to` and was handed to it.
    Delivered {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The message.
        message: Message,
    },
    /// `message` was lost: at the sender when it was sent, or at the receiver when it arrived.
    Dropped {
        /// The sender.
        from: NodeId,
        /// The receiver.
        to: NodeId,
        /// The message.
        message: Message,
        /// Why it was lost.
        reason: DropReason,
    },
    /// A timer that `node` set fired (whether or not the node still cared about it).
    TimerFired {
        /// The node the timer belongs to.
        node: NodeId,
        /// Which timer.
        timer: Timer,
    },
    /// The client answered a request to the application (its response point).
    Replied {
        /// The request answered.
        id: RequestId,
        /// What it asked.
        request: Request,
        /// The answer.
        outcome: Outcome,
    },
}

/// A [`TraceEvent`] with the simulated time it happened at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// Simulated time, in microseconds since the start of the run.
    pub at: Instant,
    /// What happened.
    pub event: TraceEvent,
}

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

/// The last line of a trace file: how many events came before it, and their hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceFooter {
    /// How many event lines the file holds.
    pub events: u64,
    /// [`crate::trace::SequenceHash`] of those events, as 16 hex digits.
    #[serde(with = "hex_u64")]
    pub hash: u64,
}

/// One line of a JSON Lines trace file, told apart by its `line` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum TraceLine {
    /// The first line.
    Header(Box<TraceHeader>),
    /// Every line between the first and the last.
    Event(TraceRecord),
    /// The last line.
    Footer(TraceFooter),
}

mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:016x}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = String::deserialize(deserializer)?;
        u64::from_str_radix(&text, 16)
            .map_err(|_| serde::de::Error::custom(format!("expected 16 hex digits, found {text:?}")))
    }
}

/// An event line, borrowed: encodes exactly as [`TraceLine::Event`] does.
#[derive(Serialize)]
#[serde(tag = "line", rename = "event")]
struct EventLine<'a> {
    at: Instant,
    event: &'a TraceEvent,
}

/// Append `record`'s event line (without its newline) to `buffer`.
pub(crate) fn encode_event_line(buffer: &mut Vec<u8>, record: &TraceRecord) {
    let line = EventLine { at: record.at, event: &record.event };
    serde_json::to_writer(buffer, &line).expect("a trace record serialises");
}
