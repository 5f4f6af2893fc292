//! Pages from files and into files: what the command line's `--html` needs.

use super::model::RunModel;
use super::sweep::sweep_page;
use crate::check::run::judge;
use crate::check::{ReplicaChecker, RunVerdict, Violation};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Simulation;
use crate::sweep::{scenario_for_seed, SweepOptions, SweepReport};
use crate::trace::{MemoryTrace, SequenceHash, TraceFileError, TraceHeader, TraceReader, TraceRecord, TraceSink};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A sweep page links the run pages of at most this many failing seeds (the first ones):
/// each is a rerun and a file, and ten examples are plenty to look at.
pub const DIAGRAMS_MAX: usize = 10;

/// Why a page could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// The page's file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The trace file could not be read.
    #[error(transparent)]
    Trace(#[from] TraceFileError),
}

/// A page's destination, created (and emptied) up front so that a bad path is reported
/// before a long run or sweep, not after it.
#[derive(Debug)]
pub struct PageFile {
    path: PathBuf,
    file: File,
}

impl PageFile {
    /// Create (or truncate) the file at `path`.
    pub fn create(path: &Path) -> Result<PageFile, ViewError> {
        let file = File::create(path).map_err(|source| write_error(path, source))?;
        Ok(PageFile { path: path.to_path_buf(), file })
    }

    /// Where the page goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write `page` and close the file.
    pub fn write(mut self, page: &str) -> Result<(), ViewError> {
        let written = self.file.write_all(page.as_bytes()).and_then(|()| self.file.sync_data());
        written.map_err(|source| write_error(&self.path, source))
    }
}

fn write_error(path: &Path, source: std::io::Error) -> ViewError {
    ViewError::Write { path: path.display().to_string(), source }
}

/// `tokensim run --html FILE`: the page's file, created before the run (so that a bad path
/// fails early), and where the page's records come from: the run's trace file if it writes
/// one, else a [`MemoryTrace`] this attaches to the simulation.
#[derive(Debug)]
pub struct RunPageFile {
    file: PageFile,
    trace_file: Option<PathBuf>,
    memory: Option<MemoryTrace>,
}

impl RunPageFile {
    /// Create the page's file at `path`; `trace_file` is the trace the run streams to, if any.
    pub fn create(path: &Path, trace_file: Option<&Path>) -> Result<RunPageFile, ViewError> {
        Ok(RunPageFile {
            file: PageFile::create(path)?,
            trace_file: trace_file.map(Path::to_path_buf),
            memory: trace_file.is_none().then(MemoryTrace::new),
        })
    }

    /// `simulation`, keeping its records in memory for the page when no trace file does.
    pub fn attach(&self, simulation: Simulation) -> Simulation {
        match &self.memory {
            Some(memory) => simulation.with_trace(Box::new(memory.clone())),
            None => simulation,
        }
    }

    /// Write the page of the finished run of `scenario` and `seed`, with the checkers'
    /// `violations`; returns the page's path and size in bytes.
    pub fn write(
        self,
        scenario: &Scenario,
        seed: u64,
        violations: &[Violation],
    ) -> Result<(PathBuf, usize), ViewError> {
        let page = match (&self.memory, &self.trace_file) {
            (Some(memory), _) => super::run_page(&TraceHeader::new(scenario, seed), &memory.take(), violations),
            (None, Some(trace)) => trace_file_page(trace, TraceVerdict::Known(violations))?,
            (None, None) => unreachable!("a run page keeps the records in memory when there is no trace file"),
        };
        let path = self.file.path().to_path_buf();
        self.file.write(&page)?;
        Ok((path, page.len()))
    }
}

/// Run `scenario` with `seed` under every checker with its trace in memory, and make its
/// page; also the verdict. The same run as `tokensim run` with that scenario and seed.
pub fn checked_run_page(scenario: &Scenario, seed: u64) -> Result<(String, RunVerdict), ScenarioError> {
    let trace = MemoryTrace::new();
    let mut simulation = Simulation::new(scenario, seed)?.with_trace(Box::new(trace.clone()));
    simulation.set_observer(Box::new(ReplicaChecker::new(&simulation.world().owners, Some(seed))));
    let end = simulation.run();
    let verdict = judge(&simulation, end);
    let page = super::run_page(&TraceHeader::new(scenario, seed), &trace.take(), &verdict.violations);
    Ok((page, verdict))
}

/// Where a trace file's page gets the checkers' verdict from: a trace holds none.
#[derive(Clone, Copy, Debug)]
pub enum TraceVerdict<'a> {
    /// The violations are known: the run that wrote the trace was just checked.
    Known(&'a [Violation]),
    /// Rerun the trace's scenario and seed under every checker. When the rerun's events
    /// differ from the file's (another tokensim version wrote it), the verdict is shown as
    /// unknown, with a note.
    Rerun,
}

/// The page of the trace file at `path`, read one record at a time.
///
/// A truncated trace (a run that stopped before its footer) is shown up to where it ends,
/// with a note and an unknown verdict; other malformed files are errors.
pub fn trace_file_page(path: &Path, verdict: TraceVerdict<'_>) -> Result<String, ViewError> {
    let mut reader = TraceReader::open(path)?;
    let header = reader.header().clone();
    let mut model = RunModel::new(&header);
    let mut truncated = None;
    loop {
        match reader.next_event() {
            Ok(Some(record)) => model.add(&record),
            Ok(None) => break,
            Err(error @ TraceFileError::Truncated { .. }) => {
                truncated = Some(error);
                break;
            }
            Err(error) => return Err(error.into()),
        }
    }
    if let Some(error) = &truncated {
        model.note(format!("{error}. The diagram shows the events up to there; the verdict is unknown."));
        return Ok(model.finish(None).html());
    }
    if let TraceVerdict::Known(violations) = verdict {
        return Ok(model.finish(Some(violations)).html());
    }
    // A rerun that panics (a broken invariant the trace may be showing) leaves the verdict unknown.
    let rerun = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rerun_verdict(&header)));
    let Ok(rerun) = rerun else {
        model.note("Rerunning this trace's scenario and seed to check it panicked: the verdict is unknown.");
        return Ok(model.finish(None).html());
    };
    match rerun {
        Ok((verdict, hash)) if hash == reader.events_hash() => Ok(model.finish(Some(&verdict.violations)).html()),
        Ok(_) => {
            model.note(format!(
                "Rerunning this trace's scenario and seed with this tokensim ({}) gives other events than the file \
                 (written by tokensim {}), so the checkers' verdict is unknown. `tokensim replay` shows where they differ.",
                crate::trace::TOKENSIM_VERSION,
                header.tokensim
            ));
            Ok(model.finish(None).html())
        }
        Err(error) => {
            model.note(format!("The trace's scenario cannot be rerun to check it ({error}): the verdict is unknown."));
            Ok(model.finish(None).html())
        }
    }
}

/// A sink that keeps only the hash of the events, as a trace file's reader computes it.
struct HashOnly(std::sync::Arc<std::sync::Mutex<SequenceHash>>);

impl TraceSink for HashOnly {
    fn record(&mut self, record: TraceRecord) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).add(&record);
    }
}

/// The checkers' verdict on a rerun of `header`'s scenario and seed, and the rerun's event hash.
fn rerun_verdict(header: &TraceHeader) -> Result<(RunVerdict, u64), ScenarioError> {
    let hash = std::sync::Arc::new(std::sync::Mutex::new(SequenceHash::default()));
    let mut simulation = Simulation::new(&header.scenario, header.seed)?.with_trace(Box::new(HashOnly(hash.clone())));
    simulation.set_observer(Box::new(ReplicaChecker::new(&simulation.world().owners, Some(header.seed))));
    let end = simulation.run();
    let verdict = judge(&simulation, end);
    let value = hash.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).value();
    Ok((verdict, value))
}

/// Write the sweep page of `report` to `file`, and next to it the run page of each of the
/// first [`DIAGRAMS_MAX`] failing seeds (rerun from `options`), as `STEM-seed-N.html`,
/// linked from the sweep page. Returns every file written, the sweep page first. A seed whose
/// rerun panics again (it failed by panicking) gets no page.
pub fn write_sweep_pages(
    file: PageFile,
    report: &SweepReport,
    options: &SweepOptions,
) -> Result<Vec<PathBuf>, ViewError> {
    let directory = file.path().parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = file.path().file_stem().map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned());
    let mut links = Vec::new();
    let mut written = vec![file.path().to_path_buf()];
    for failure in report.failures.iter().take(DIAGRAMS_MAX) {
        let scenario = scenario_for_seed(&options.scenario, failure.seed, options.swarm);
        // A seed that failed by panicking (or on a scenario it cannot run) fails so again: it
        // gets no page (the sweep page still lists it with its reproduce command), and the
        // others still get theirs.
        let rerun =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| checked_run_page(&scenario, failure.seed)));
        let Ok(Ok((page, _))) = rerun else { continue };
        let name = format!("{stem}-seed-{}.html", failure.seed);
        let path = directory.join(&name);
        PageFile::create(&path)?.write(&page)?;
        links.push((failure.seed, name));
        written.push(path);
    }
    file.write(&sweep_page(report, &links))?;
    Ok(written)
}
