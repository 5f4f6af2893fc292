//! Pages from files and into files: what the command line's `--html` needs.

use super::model::RunModel;
use super::sweep::sweep_page;
use crate::check::{Verdict, Violation};
use crate::explore::swarm::scenario_for_seed;
use crate::explore::sweep::{SweepOptions, SweepReport};
use crate::run::Run;
use crate::scenario::{Scenario, ScenarioError};
use crate::trace::{MemoryTrace, TraceFileError, TraceFilter, TraceHeader, TraceReader};
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

    /// `run`, keeping its records in memory for the page when no trace file does.
    pub fn attach<'a>(&self, run: Run<'a>) -> Run<'a> {
        match &self.memory {
            Some(memory) => run.trace(Box::new(memory.clone())),
            None => run,
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
            (None, Some(trace)) => trace_file_page(trace)?,
            (None, None) => unreachable!("a run page keeps the records in memory when there is no trace file"),
        };
        let path = self.file.path().to_path_buf();
        self.file.write(&page)?;
        Ok((path, page.len()))
    }
}

/// Run `scenario` with `seed` through the one judge with its trace in memory, and make its
/// page; also the verdict. The same run as `tokensim run` with that scenario and seed.
pub fn checked_run_page(scenario: &Scenario, seed: u64) -> Result<(String, Verdict), ScenarioError> {
    let trace = MemoryTrace::new();
    let outcome = Run::new(scenario).seed(seed).trace(Box::new(trace.clone())).execute()?;
    let page = super::run_page(&TraceHeader::new(&outcome.scenario, seed), &trace.take(), &outcome.verdict.violations);
    Ok((page, outcome.verdict))
}

/// The page of the trace file at `path`, read one record at a time, with the verdict its
/// footer records.
///
/// A truncated trace (a run that stopped before its footer) is shown up to where it ends,
/// with a note and an unknown verdict; other malformed files are errors.
pub fn trace_file_page(path: &Path) -> Result<String, ViewError> {
    trace_file_page_at(path, &TraceFilter::default())
}

/// [`trace_file_page`], opening on the view `filter` names (`show --html` with filters):
/// its time window, nodes, token and request, as if chosen in the page. The page holds the
/// whole trace: its filters and zoom clear as any others do.
pub fn trace_file_page_at(path: &Path, filter: &TraceFilter) -> Result<String, ViewError> {
    let mut reader = TraceReader::open(path)?;
    let header = reader.header().clone();
    let mut model = RunModel::new(&header);
    model.open_on(filter);
    loop {
        match reader.next_event() {
            Ok(Some(record)) => model.add(&record),
            Ok(None) => break,
            Err(error @ TraceFileError::Truncated { .. }) => {
                model.note(format!("{error}. The diagram shows the events up to there; the verdict is unknown."));
                return Ok(model.finish(None).html());
            }
            Err(error) => return Err(error.into()),
        }
    }
    let violations = reader.footer().map(|footer| footer.violations.clone()).unwrap_or_default();
    Ok(model.finish(Some(&violations)).html())
}

/// Write the sweep page of `report` to `file`, and next to it the run page of each of the
/// first [`DIAGRAMS_MAX`] failing seeds (rerun from `options`), as `STEM-seed-N.html`,
/// linked from the sweep page. Returns every file written, the sweep page first.
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
        // A seed whose scenario cannot run gets no page (the sweep page still lists it with
        // its reproduce command); the others still get theirs.
        // The one judge turns a panic into a verdict, so every seed that can run gets a page.
        let Ok((page, _)) = checked_run_page(&scenario, failure.seed) else { continue };
        let name = format!("{stem}-seed-{}.html", failure.seed);
        let path = directory.join(&name);
        PageFile::create(&path)?.write(&page)?;
        links.push((failure.seed, name));
        written.push(path);
    }
    file.write(&sweep_page(report, &links))?;
    Ok(written)
}
