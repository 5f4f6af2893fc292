//! Exact replay: rerun a trace file's scenario and seed, and compare event by event.

use super::event::TraceRecord;
use super::jsonl::{TraceFileError, TraceReader};
use super::text::render_record;
use super::{MemoryTrace, TOKENSIM_VERSION};
use crate::scenario::ScenarioError;
use crate::sim::Simulation;
use std::fmt::Write as _;
use std::path::Path;

/// A trace that cannot be replayed at all (as opposed to one that replays differently).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The file is unreadable, malformed, truncated or of another format.
    #[error(transparent)]
    File(#[from] TraceFileError),
    /// The header's scenario is not one this build can run.
    #[error("{path}:1: the trace's scenario cannot be run: {source}")]
    Scenario {
        /// The trace file.
        path: String,
        /// Why the scenario is refused.
        source: Box<ScenarioError>,
    },
}

/// What a replay found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// Every event, the count and the footer's hash matched.
    Identical {
        /// How many events were compared.
        events: u64,
        /// Their hash.
        hash: u64,
    },
    /// The first event that differs.
    Diverged(Box<Divergence>),
    /// Every event matched, but the footer's hash does not (the footer was edited).
    FooterHashDiffers {
        /// The hash in the file's footer.
        recorded: u64,
        /// The hash of the replayed events.
        replayed: u64,
    },
}

/// The first event at which a replay differs from its trace file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The event's position, from 0 (the file's line `index + 2`, after the header).
    pub index: u64,
    /// The line of the file that was compared (the footer's line if the file had no more events).
    pub line: u64,
    /// What the file says happened; `None` if the file had no more events.
    pub recorded: Option<TraceRecord>,
    /// What the replay did; `None` if the replay ended first.
    pub replayed: Option<TraceRecord>,
    /// The tokensim version that wrote the trace (a different one may run differently).
    pub written_by: String,
}

impl Divergence {
    /// A few lines for people: where, and both versions of the event.
    pub fn describe(&self, path: &str) -> String {
        let show = |record: &Option<TraceRecord>, missing: &str| match record {
            Some(record) => render_record(record),
            None => missing.to_string(),
        };
        let mut text = String::new();
        let _ = writeln!(text, "first difference at event {} ({path}:{}):", self.index, self.line);
        let _ = writeln!(text, "  recorded: {}", show(&self.recorded, "(the trace ends here)"));
        let _ = writeln!(text, "  replayed: {}", show(&self.replayed, "(the run ends here)"));
        if self.written_by != TOKENSIM_VERSION {
            let _ = writeln!(
                text,
                "note: the trace was written by tokensim {}; this is {TOKENSIM_VERSION}",
                self.written_by
            );
        }
        text
    }
}

/// Rerun the trace at `path` from its header's scenario and seed, comparing every event.
///
/// The whole file's shape is checked even after a difference is found, so a broken file is
/// always an error rather than a difference. Memory does not grow with the trace's length.
pub fn replay_file(path: &Path) -> Result<ReplayOutcome, ReplayError> {
    let mut reader = TraceReader::open(path)?;
    let header = reader.header().clone();
    let buffer = MemoryTrace::new();
    let scenario_error = |source| ReplayError::Scenario { path: path.display().to_string(), source: Box::new(source) };
    let mut simulation =
        Simulation::new(&header.scenario, header.seed).map_err(scenario_error)?.with_trace(Box::new(buffer.clone()));
    let mut index = 0;
    loop {
        let ended = simulation.step().is_some();
        for replayed in buffer.take() {
            let recorded = reader.next_event()?;
            if recorded.as_ref() != Some(&replayed) {
                return diverged(
                    &mut reader,
                    Divergence { index, line: 0, recorded, replayed: Some(replayed), written_by: header.tokensim },
                );
            }
            index += 1;
        }
        if ended {
            break;
        }
    }
    if let Some(extra) = reader.next_event()? {
        return diverged(
            &mut reader,
            Divergence { index, line: 0, recorded: Some(extra), replayed: None, written_by: header.tokensim },
        );
    }
    let recorded = reader.footer().expect("next_event returned None at the footer").hash;
    let replayed = reader.events_hash();
    if recorded != replayed {
        return Ok(ReplayOutcome::FooterHashDiffers { recorded, replayed });
    }
    Ok(ReplayOutcome::Identical { events: index, hash: replayed })
}

/// Finish checking the file, then report `divergence` at the line last read.
fn diverged<R: std::io::BufRead>(
    reader: &mut TraceReader<R>,
    mut divergence: Divergence,
) -> Result<ReplayOutcome, ReplayError> {
    divergence.line = reader.line_number();
    reader.skip_to_end()?;
    Ok(ReplayOutcome::Diverged(Box::new(divergence)))
}
