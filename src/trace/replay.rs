//! Exact replay: rerun a trace file's scenario and seed under the one judge, comparing every
//! record with the file's as the run makes it, then the footer's event count, hash and
//! verdict with the replay's own.

use super::event::{TraceFooter, TraceRecord};
use super::jsonl::{TraceFileError, TraceReader};
use super::text::TraceText;
use super::{TraceSink, TOKENSIM_VERSION};
use crate::run::{Run, RunOutcome};
use crate::scenario::ScenarioError;
use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::{Arc, Mutex};

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
#[derive(Debug)]
pub enum ReplayOutcome {
    /// Every record, the event count, the hash and the verdict matched.
    Identical {
        /// The replayed run, judged.
        outcome: Box<RunOutcome>,
    },
    /// The first record that differs.
    Diverged(Box<Divergence>),
    /// Every record matched, but the footer does not say what the replay does (the footer
    /// was edited, or the verdict's checkers changed since the trace was written).
    FooterDiffers {
        /// The file's footer.
        recorded: TraceFooter,
        /// The replay's own.
        replayed: TraceFooter,
    },
}

/// The first record at which a replay differs from its trace file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The record's position, from 0 (the file's line `index + 2`, after the header).
    pub index: u64,
    /// The line of the file that was compared (the footer's line if the file had no more records).
    pub line: u64,
    /// What the file says happened; `None` if the file had no more records.
    pub recorded: Option<TraceRecord>,
    /// What the replay did; `None` if the replay ended first.
    pub replayed: Option<TraceRecord>,
    /// The tokensim version that wrote the trace (a different one may run differently).
    pub written_by: String,
    /// `recorded` in the readable form, its message shown from its send earlier in the trace.
    pub recorded_line: Option<String>,
    /// `replayed` in the readable form, likewise.
    pub replayed_line: Option<String>,
}

impl Divergence {
    /// A few lines for people: where, and both versions of the record.
    pub fn describe(&self, path: &str) -> String {
        let show = |line: &Option<String>, missing: &str| line.clone().unwrap_or_else(|| missing.to_string());
        let mut text = String::new();
        let _ = writeln!(text, "first difference at record {} ({path}:{}):", self.index, self.line);
        let _ = writeln!(text, "  recorded: {}", show(&self.recorded_line, "(the trace ends here)"));
        let _ = writeln!(text, "  replayed: {}", show(&self.replayed_line, "(the run ends here)"));
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

/// Rerun the trace at `path` from its header's scenario and seed, comparing every record.
///
/// The whole file's shape is checked even after a difference is found, so a broken file is
/// always an error rather than a difference. Memory does not grow with the trace's length:
/// each record is compared the moment the run makes it.
pub fn replay_file(path: &Path) -> Result<ReplayOutcome, ReplayError> {
    let reader = TraceReader::open(path)?;
    let header = reader.header().clone();
    let text = TraceText::new();
    let state = Arc::new(Mutex::new(Comparison { reader, index: 0, text, divergence: None, error: None }));
    let sink = ComparingSink(Arc::clone(&state));
    let scenario_error = |source| ReplayError::Scenario { path: path.display().to_string(), source: Box::new(source) };
    let outcome =
        Run::new(&header.scenario).seed(header.seed).trace(Box::new(sink)).execute().map_err(scenario_error)?;
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(error) = state.error.take() {
        return Err(error.into());
    }
    if state.divergence.is_none() {
        if let Some(extra) = state.reader.next_event()? {
            state.diverge(Some(extra), None, &header.tokensim);
        }
    }
    if let Some(divergence) = state.divergence.take() {
        state.reader.skip_to_end()?;
        return Ok(ReplayOutcome::Diverged(Box::new(divergence)));
    }
    let recorded = state.reader.footer().cloned().expect("next_event returned None at the footer");
    let replayed = TraceFooter {
        records: state.index,
        events: outcome.simulation.counters().events,
        hash: outcome.event_hash(),
        violations: outcome.verdict.violations.clone(),
    };
    if recorded != replayed {
        return Ok(ReplayOutcome::FooterDiffers { recorded, replayed });
    }
    Ok(ReplayOutcome::Identical { outcome: Box::new(outcome) })
}

/// The file being compared with the replay, record by record.
struct Comparison {
    reader: TraceReader<BufReader<File>>,
    index: u64,
    /// The records matched so far, for showing a difference with its message.
    text: TraceText,
    divergence: Option<Divergence>,
    error: Option<TraceFileError>,
}

impl Comparison {
    fn compare(&mut self, replayed: TraceRecord) {
        if self.divergence.is_some() || self.error.is_some() {
            return;
        }
        match self.reader.next_event() {
            Ok(recorded) if recorded.as_ref() == Some(&replayed) => {
                self.text.observe(&replayed);
                self.index += 1
            }
            Ok(recorded) => {
                let written_by = self.reader.header().tokensim.clone();
                self.diverge(recorded, Some(replayed), &written_by)
            }
            Err(error) => self.error = Some(error),
        }
    }

    fn diverge(&mut self, recorded: Option<TraceRecord>, replayed: Option<TraceRecord>, written_by: &str) {
        let line = self.reader.line_number();
        let written_by = written_by.to_string();
        let recorded_line = recorded.as_ref().map(|record| self.text.peek(record));
        let replayed_line = replayed.as_ref().map(|record| self.text.peek(record));
        let index = self.index;
        self.divergence =
            Some(Divergence { index, line, recorded, replayed, written_by, recorded_line, replayed_line });
    }
}

/// The trace sink of a replay: compares each record the run makes with the file's next.
struct ComparingSink(Arc<Mutex<Comparison>>);

impl TraceSink for ComparingSink {
    fn record(&mut self, record: TraceRecord) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).compare(record);
    }
}
