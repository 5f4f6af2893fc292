//! `tokensim run`: one scenario, one seed, every checker, a summary and a verdict.

use super::output;
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::explore::swarm::scenario_for_seed;
use tokensim::report::Report;
use tokensim::run::Run;
use tokensim::trace::{JsonlWriter, TraceHeader};
use tokensim::view;

/// The arguments of `tokensim run` (and of `tokensim` with no command).
#[derive(clap::Args, Default)]
pub struct RunArgs {
    #[command(flatten)]
    world: super::WorldArgs,
    /// The seed; the scenario's own seed when left out.
    #[arg(long)]
    seed: Option<u64>,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Stream a trace of every event to this file (JSON Lines; see `tokensim replay`).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Run the seed a second time in this process and fail unless both event hashes agree.
    #[arg(long)]
    check_determinism: bool,
    /// Draw the run as a self-contained HTML page in this file (see docs/VIEW.md).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// Run the scenario and seed `args` name; exit 0 when the run meets its scenario's
/// expectations, 1 when it does not, 2 on bad input.
pub fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let base = args.world.load()?;
    let seed = args.seed.unwrap_or(base.seed);
    let scenario = scenario_for_seed(&base, seed, args.world.swarm);
    // The summary needs only counts: a long run keeps memory flat (ignored with a trace or
    // a page, which need the whole run).
    let mut run = Run::new(&scenario).seed(seed).retire(tokensim::check::retire::RETIRE_EVERY);
    if let Some(path) = &args.trace {
        let writer = JsonlWriter::create(path, &TraceHeader::new(&scenario, seed)).map_err(|e| e.to_string())?;
        run = run.trace(Box::new(writer));
    }
    // --html: created before the run, so that a bad path fails first.
    let page = args.html.as_deref().map(|html| view::RunPageFile::create(html, args.trace.as_deref()));
    let page = page.transpose().map_err(|error| error.to_string())?;
    if let Some(page) = &page {
        run = page.attach(run);
    }
    let outcome = run.execute().map_err(|error| error.to_string())?;
    if let Some(path) = &args.trace {
        if let Some(error) = &outcome.trace_error {
            return Err(format!("cannot write the trace {}: {error}", path.display()));
        }
        let events = outcome.simulation.counters().events;
        eprintln!("trace: {} written to {}", tokensim::vocab::count(events, "event", "events"), path.display());
    }
    if let Some(page) = page {
        let written = page.write(&outcome.scenario, seed, &outcome.verdict.violations);
        let (path, bytes) = written.map_err(|error| error.to_string())?;
        eprintln!("view: {} ({bytes} bytes)", path.display());
    }
    let deterministic = !args.check_determinism || same_twice(&outcome)?;
    let report = Report::new(&outcome);
    match args.json {
        true => output::println(&serde_json::to_string_pretty(&report).expect("a report serialises"))?,
        false => output::print(&report.to_text())?,
    }
    if outcome.verdict.passed() && deterministic {
        return Ok(ExitCode::SUCCESS);
    }
    let command = args.world.origin().reproduce_command(seed, args.world.swarm);
    eprintln!("seed {seed} failed; reproduce with: {command}");
    Ok(ExitCode::FAILURE)
}

/// Run the outcome's seed again in this process; whether its event hash is the same.
fn same_twice(first: &tokensim::run::RunOutcome) -> Result<bool, String> {
    let again = Run::new(&first.scenario).seed(first.seed).execute().map_err(|error| error.to_string())?;
    let (seed, hash) = (first.seed, first.event_hash());
    if again.event_hash() == hash {
        eprintln!("determinism: seed {seed} gave event hash {hash:016x} twice");
        return Ok(true);
    }
    eprintln!(
        "determinism broken: seed {seed} gave event hash {hash:016x}, then {:016x} in the same process",
        again.event_hash()
    );
    Ok(false)
}
