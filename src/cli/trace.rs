//! `tokensim replay` (rerun a trace file and compare it record by record) and `tokensim show`
//! (print a trace file in its readable form).

use super::output;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokensim::protocol::{Instant, NodeId, RequestId, TokenId};
use tokensim::trace::{Narrowing, ReplayOutcome, TraceFilter, TraceReader, TraceText};
use tokensim::vocab::count;

/// The arguments of `tokensim show`.
#[derive(clap::Args)]
pub struct ShowArgs {
    /// A trace written by `tokensim run --trace`.
    trace: PathBuf,
    /// Instead, draw the trace as a self-contained HTML page in this file (the filters set
    /// the view it opens on).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Only events that involve this node: where they happen, or either end of a message.
    /// Repeat for several nodes.
    #[arg(long = "node", value_name = "ID")]
    nodes: Vec<NodeId>,
    /// Only events of requests about this token (pays of it, answers that list or name it,
    /// requests whose writes carried it), and messages that name it.
    #[arg(long, value_name = "ID")]
    token: Option<TokenId>,
    /// Only events of this request (`n3#1`): its submission, start, answer and messages.
    #[arg(long, value_name = "ID")]
    request: Option<RequestId>,
    /// Only events at or after this simulated time (`1.5s`, `200ms`, `300us`).
    #[arg(long, value_name = "TIME", value_parser = simulated_time)]
    from: Option<Instant>,
    /// Only events at or before this simulated time.
    #[arg(long, value_name = "TIME", value_parser = simulated_time)]
    to: Option<Instant>,
}

impl ShowArgs {
    fn filter(&self) -> TraceFilter {
        TraceFilter {
            nodes: self.nodes.clone(),
            token: self.token,
            request: self.request,
            from: self.from,
            to: self.to,
        }
    }
}

/// `1.5s`, `200ms` or `300us`, as the REPL's `run` takes them.
fn simulated_time(text: &str) -> Result<Instant, String> {
    tokensim::repl::parse_duration_us(text).map(Instant).ok_or_else(|| {
        "not a simulated time: give it with its unit, such as 1.5s, 200ms or 300us (at most one day)".to_string()
    })
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

/// Print the trace `args` names in its readable form, or draw it, narrowed by its filters.
pub fn show(args: &ShowArgs) -> Result<ExitCode, String> {
    let filter = args.filter();
    if let Some(html) = &args.html {
        let file = tokensim::view::PageFile::create(html).map_err(|error| error.to_string())?;
        check_filter(&args.trace, &filter)?;
        let page = tokensim::view::trace_file_page_at(&args.trace, &filter).map_err(|error| error.to_string())?;
        file.write(&page).map_err(|error| error.to_string())?;
        eprintln!("view: {} ({} bytes)", html.display(), page.len());
        return Ok(ExitCode::SUCCESS);
    }
    let mut reader = TraceReader::open(&args.trace).map_err(|error| error.to_string())?;
    filter.check(reader.header())?;
    let mut narrowing = Narrowing::new(filter);
    if narrowing.needs_first_pass() {
        learn(&args.trace, &mut narrowing);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{}", tokensim::trace::render_header(reader.header())).map_err(output::write_error)?;
    let (mut text, mut shown) = (TraceText::new(), 0u64);
    while let Some(record) = reader.next_event().map_err(|error| error.to_string())? {
        if narrowing.keeps(&record, text.message(&record.event)) {
            writeln!(out, "{}", text.peek(&record)).map_err(output::write_error)?;
            shown += 1;
        }
        text.observe(&record);
    }
    if !narrowing.filter().is_empty() {
        let all = count(reader.records(), "event", "events");
        writeln!(out, "# {shown} of {all} shown ({})", narrowing.filter().describe()).map_err(output::write_error)?;
    }
    out.flush().map_err(output::write_error)?;
    Ok(ExitCode::SUCCESS)
}

/// The filter's problem with the trace at `path` (a node its world lacks, say), if any.
fn check_filter(path: &Path, filter: &TraceFilter) -> Result<(), String> {
    let reader = TraceReader::open(path).map_err(|error| error.to_string())?;
    filter.check(reader.header())
}

/// The first pass of a filter that needs one: which requests concern its token. A problem
/// with the file stops it quietly: the second pass reports it where it is, after the lines
/// before it.
fn learn(path: &Path, narrowing: &mut Narrowing) {
    let Ok(mut reader) = TraceReader::open(path) else { return };
    let mut text = TraceText::new();
    while let Ok(Some(record)) = reader.next_event() {
        narrowing.learn(&record, text.message(&record.event));
        text.observe(&record);
    }
    narrowing.start_over();
}
