//! Traces of runs: every event with its simulated time, written as JSON Lines for machines
//! and as short text lines for people, and replayed exactly.
//!
//! A [`Simulation`](crate::sim::Simulation) reports events to a [`TraceSink`] attached with
//! [`Run::trace`](crate::run::Run::trace). With no sink attached the simulator builds no
//! event at all.
//!
//! # File format (format version 4)
//! One JSON object per line:
//! - `{"line":"header","format":4,"tokensim":"0.1.0","seed":7,"scenario":{...}}`: first line.
//! - `{"at":12345,"send":[1,7,3,{"read":[0,[1,2,0],5]}]}`, `{"at":13000,"deliver":[1,7,3]}`:
//!   one per record, in the order they happened (`at` in simulated microseconds), as compact
//!   arrays (see `wire.rs` for every event). A message is written whole where it is sent;
//!   its delivery or loss names it by its link and number (here the third message from n1
//!   to n7). Whole token tables (read replies of more than 4 values, seal acknowledgements,
//!   installs) are recorded as their length and a digest.
//! - `{"line":"footer","records":2345,"events":1234,"hash":"0123456789abcdef","violations":[...]}`:
//!   last line: how many record lines the file holds, and the run's own event count, event
//!   hash ([`Fingerprint`](crate::sim::Fingerprint)) and violations, the very figures its
//!   report printed and its replay recomputes.
//!
//! A file without its footer is truncated; a file whose header has another `format` is
//! refused, with the command that records it again. Readers name the file and line of every
//! problem.

mod event;
mod filter;
mod jsonl;
mod replay;
mod text;
mod wire;

pub use event::{TraceEvent, TraceFooter, TraceHeader, TraceLine, TraceRecord, TOKENSIM_VERSION, TRACE_FORMAT_VERSION};

pub use filter::{Narrowing, TraceFilter};
pub use jsonl::{JsonlWriter, TraceFileError, TraceReader};
pub use replay::{replay_file, Divergence, ReplayError, ReplayOutcome};
pub use text::{render_event, render_header, render_record, render_text, TraceText};

pub use crate::sim::{Digest, MessageId, TracedMessage, TracedValues};

pub use crate::sim::{MemoryTrace, TraceSink};

/// Run `scenario` with `seed` to the end under the one judge, keeping its trace in memory.
pub fn record_run(
    scenario: &crate::scenario::Scenario,
    seed: u64,
) -> Result<(crate::run::RunOutcome, Vec<TraceRecord>), crate::scenario::ScenarioError> {
    let trace = MemoryTrace::new();
    let outcome = crate::run::Run::new(scenario).seed(seed).trace(Box::new(trace.clone())).execute()?;
    Ok((outcome, trace.take()))
}
