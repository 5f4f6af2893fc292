//! `tokensim replay` (rerun a trace file and compare it record by record) and `tokensim show`
//! (print a trace file in its readable form).

use super::output;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::trace::{ReplayOutcome, TraceReader};
use tokensim::vocab::count;

/// The arguments of `tokensim show`.
#[derive(clap::Args)]
pub struct ShowArgs {
    /// A trace written by `tokensim run --trace`.
    trace: PathBuf,
    /// Instead, draw the trace as a self-contained HTML page in this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// Replay the trace at `path`: exit 0 when identical, 1 at the first difference, 2 on a bad file.
pub fn replay(path: &std::path::Path) -> Result<ExitCode, String> {
    match tokensim::trace::replay_file(path).map_err(|error| error.to_string())? {
        ReplayOutcome::Identical { outcome } => {
            let verdict = if outcome.verdict.passed() { "PASS" } else { "FAIL" };
            output::println(&format!(
                "identical: {}, hash {:016x}, {}, verdict {verdict}",
                count(outcome.simulation.counters().events, "event", "events"),
                outcome.event_hash(),
                count(outcome.verdict.violations.len() as u64, "violation", "violations")
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        ReplayOutcome::Diverged(divergence) => {
            output::print(&divergence.describe(&path.display().to_string()))?;
            Ok(ExitCode::FAILURE)
        }
        ReplayOutcome::FooterDiffers { recorded, replayed } => {
            let events = |n: u64| count(n, "event", "events");
            let violations = |n: usize| count(n as u64, "violation", "violations");
            output::println(&format!(
                "every record is identical, but the footer differs from the replay: it says {}, hash {:016x}, \
                 {}; the replay has {}, hash {:016x}, {}",
                events(recorded.events),
                recorded.hash,
                violations(recorded.violations.len()),
                events(replayed.events),
                replayed.hash,
                violations(replayed.violations.len())
            ))?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Print the trace `args` names in its readable form.
pub fn show(args: &ShowArgs) -> Result<ExitCode, String> {
    if let Some(html) = &args.html {
        let file = tokensim::view::PageFile::create(html).map_err(|error| error.to_string())?;
        let page = tokensim::view::trace_file_page(&args.trace).map_err(|error| error.to_string())?;
        file.write(&page).map_err(|error| error.to_string())?;
        eprintln!("view: {} ({} bytes)", html.display(), page.len());
        return Ok(ExitCode::SUCCESS);
    }
    let mut reader = TraceReader::open(&args.trace).map_err(|error| error.to_string())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{}", tokensim::trace::render_header(reader.header())).map_err(output::write_error)?;
    let mut text = tokensim::trace::TraceText::new();
    while let Some(record) = reader.next_event().map_err(|error| error.to_string())? {
        writeln!(out, "{}", text.line(&record)).map_err(output::write_error)?;
    }
    out.flush().map_err(output::write_error)?;
    Ok(ExitCode::SUCCESS)
}
