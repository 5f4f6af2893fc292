//! Traces of runs: every event with its simulated time, written as JSON Lines for machines
//! and as short text lines for people, replayed exactly, and compared against a fault-free
//! rerun of the run's completed requests.
//!
//! A [`Simulation`](crate::sim::Simulation) reports events to a [`TraceSink`] attached with
//! [`Simulation::with_trace`](crate::sim::Simulation::with_trace). With no sink attached
//! the simulator builds no event at all.
//!
//! # File format (format version 1)
//! One JSON object per line, told apart by its `line` field:
//! - `{"line":"header","format":1,"tokensim":"0.1.0","seed":7,"scenario":{...}}`: first line.
//! - `{"line":"event","at":12345,"event":{"kind":"sent","from":1,"to":7,"message":{...}}}`:
//!   one per event, in the order they happened (`at` in simulated microseconds).
//! - `{"line":"footer","events":1234,"hash":"0123456789abcdef"}`: last line, with the event
//!   count and the [`SequenceHash`] of every event line.
//!
//! A file without its footer is truncated; a file whose header has another `format` is
//! refused. Readers name the file and line of every problem.

mod event;
mod jsonl;
mod replay;
mod rerun;
mod text;

pub use event::{TraceEvent, TraceFooter, TraceHeader, TraceLine, TraceRecord, TOKENSIM_VERSION, TRACE_FORMAT_VERSION};
pub use jsonl::{JsonlWriter, TraceFileError, TraceReader};
pub use replay::{replay_file, Divergence, ReplayError, ReplayOutcome};
pub use rerun::{
    compare_tables, fault_free_rerun, linearized_requests, rerun_scenario, run_requests, RerunComparison, RerunError,
    TokenDifference, TokenState,
};
pub use text::{render_event, render_header, render_record, render_text};

use crate::sim::Fingerprint;
use std::sync::{Arc, Mutex};

/// Where a simulation reports its events. Called once per event, in the order they happen.
pub trait TraceSink: Send {
    /// One more event.
    fn record(&mut self, record: TraceRecord);

    /// Called once after the last event. A file sink writes its footer, flushes, and returns
    /// the footer; the default does nothing.
    fn finish(&mut self) -> Result<Option<TraceFooter>, TraceFileError> {
        Ok(None)
    }
}

/// A sink that keeps every record in memory; clones share the same records. For tests and
/// small runs: its memory grows with the run (stream long runs to a [`JsonlWriter`]).
#[derive(Clone, Debug, Default)]
pub struct MemoryTrace {
    records: Arc<Mutex<Vec<TraceRecord>>>,
}

impl MemoryTrace {
    /// An empty trace.
    pub fn new() -> MemoryTrace {
        MemoryTrace::default()
    }

    /// A copy of every record so far.
    pub fn records(&self) -> Vec<TraceRecord> {
        self.lock().clone()
    }

    /// Take every record so far, leaving the trace empty.
    pub fn take(&self) -> Vec<TraceRecord> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TraceRecord>> {
        // A panic while holding the lock leaves the records whole: each push is atomic.
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TraceSink for MemoryTrace {
    fn record(&mut self, record: TraceRecord) {
        self.lock().push(record);
    }
}

/// The hash of a sequence of events: FNV-1a ([`Fingerprint`]) over each record's event line
/// (its JSON encoding, without the newline), so it is the same on every machine, and the same
/// for a file and for the run that wrote it.
#[derive(Clone, Debug, Default)]
pub struct SequenceHash {
    fingerprint: Fingerprint,
    events: u64,
    buffer: Vec<u8>,
}

impl SequenceHash {
    /// Fold one more record into the hash.
    pub fn add(&mut self, record: &TraceRecord) {
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        event::encode_event_line(&mut buffer, record);
        self.add_encoded(&buffer);
        self.buffer = buffer;
    }

    /// Fold in a record already encoded by [`event::encode_event_line`].
    pub(crate) fn add_encoded(&mut self, line: &[u8]) {
        std::hash::Hasher::write(&mut self.fingerprint, line);
        self.events += 1;
    }

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.fingerprint.value()
    }

    /// How many records were added.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The footer that closes a file of these records.
    pub fn footer(&self) -> TraceFooter {
        TraceFooter { events: self.events, hash: self.value() }
    }
}

/// Run `scenario` with `seed` to the end, keeping its trace in memory.
pub fn record_run(
    scenario: &crate::scenario::Scenario,
    seed: u64,
) -> Result<(crate::sim::Simulation, crate::sim::RunEnd, Vec<TraceRecord>), crate::scenario::ScenarioError> {
    let trace = MemoryTrace::new();
    let mut simulation = crate::sim::Simulation::new(scenario, seed)?.with_trace(Box::new(trace.clone()));
    let end = simulation.run();
    Ok((simulation, end, trace.take()))
}
