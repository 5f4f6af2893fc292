//! `tokensim check` (a seed sweep under the one judge) and `tokensim merge` (joining the
//! JSON reports of sweeps over disjoint seed ranges).

use super::output;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::explore::shard::{self, ShardChoice};
use tokensim::explore::sweep::{self, SeedRange, SweepOptions, SweepReport};
use tokensim::report::count;
use tokensim::vocab::printable;

/// How many failing seeds the text report prints; `--json` keeps them all (up to
/// `sweep::FAILURES_KEPT`).
const FAILURES_PRINTED: usize = 10;

/// The arguments of `tokensim check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    world: super::WorldArgs,
    /// The seeds to run, `A..B` (B excluded).
    #[arg(long)]
    seeds: String,
    /// Run only shard K of N of the seeds (K from 0 to N-1): the K-th of N contiguous parts,
    /// whose `--json` reports `merge` joins into the whole range's. Left out, the shard of a
    /// Slurm array task or Kubernetes Indexed Job, if any (docs/CLUSTER.md).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Worker threads; all cores when left out. The results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Print the report as one JSON object (mergeable with `tokensim merge`).
    #[arg(long)]
    json: bool,
    /// Stop at the first failing seed (with several jobs, the seeds already started finish
    /// too, and are reported).
    #[arg(long, conflicts_with = "max_failures")]
    fail_fast: bool,
    /// Stop once this many seeds have failed (with several jobs, the seeds already started
    /// finish too, and are reported).
    #[arg(long, value_name = "N")]
    max_failures: Option<u64>,
    /// Draw the sweep as an HTML page in this file, with pages of the first failing seeds next to it.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// The arguments of `tokensim merge`.
#[derive(clap::Args)]
pub struct MergeArgs {
    /// JSON reports of `tokensim check --json`.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// Print the merged report as JSON: the only form `merge` prints, since its input and
    /// its output are reports to merge again; taken so that every report command takes it.
    #[arg(long)]
    json: bool,
}

/// Sweep the seeds `args` name; exit 1 if any failed, 2 on bad input.
pub fn check(args: &CheckArgs) -> Result<ExitCode, String> {
    let whole: SeedRange = args.seeds.parse().map_err(|error: sweep::SweepError| format!("--seeds: {error}"))?;
    let seeds = match shard_to_run(args.shard.as_deref())? {
        Some(choice) => shard_seeds(&choice, whole),
        None => whole,
    };
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return Err("--jobs: expected at least 1 worker, found 0".to_string());
    }
    if args.max_failures == Some(0) {
        return Err("--max-failures: expected at least 1, found 0".to_string());
    }
    let options = SweepOptions {
        scenario: args.world.load()?,
        origin: args.world.origin(),
        seeds,
        jobs,
        swarm: args.world.swarm,
        max_failures: if args.fail_fast { Some(1) } else { args.max_failures },
    };
    let html = args.html.as_deref().map(tokensim::view::PageFile::create).transpose().map_err(|e| e.to_string())?;
    let bar = progress_bar(seeds.len());
    // The wall clock only times the sweep for people; no run reads it.
    let started = std::time::Instant::now(); // wall clock for the report's rate only: outside every run
    let report = sweep::sweep(&options, &|| bar.inc(1)).map_err(|error| error.to_string())?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} in {seconds:.1}s ({} seeds/s, {})",
        count(report.seeds_run, "seed", "seeds"),
        rate(report.seeds_run as f64 / seconds.max(1e-9)),
        count(jobs as u64, "job", "jobs")
    );
    if report.seeds_run < seeds.len() {
        eprintln!("stopped early after {}: not every seed ran", count(report.seeds_failed, "failure", "failures"));
    }
    match args.json {
        true => output::println(&serde_json::to_string_pretty(&report).expect("a report serialises"))?,
        false => output::print(&sweep_text(&report))?,
    }
    if let Some(html) = html {
        let written = tokensim::view::write_sweep_pages(html, &report, &options).map_err(|e| e.to_string())?;
        eprintln!("view: {} and {}", written[0].display(), count(written.len() as u64 - 1, "run page", "run pages"));
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The shard `--shard` or the environment names, if any (see `tokensim::explore::shard`).
fn shard_to_run(flag: Option<&str>) -> Result<Option<ShardChoice>, String> {
    // A value that is not UTF-8 is no number either way: read it with replacement
    // characters, so that the error can still quote it.
    let variable = |name: &str| std::env::var_os(name).map(|value| value.to_string_lossy().into_owned());
    shard::choose(flag, variable).map_err(|error| error.to_string())
}

/// The seeds of `whole` that `choice` runs, said on stderr with where the shard came from:
/// in the log of an array job, the line that tells which part of the sweep a task ran.
fn shard_seeds(choice: &ShardChoice, whole: SeedRange) -> SeedRange {
    let seeds = choice.shard.seeds(whole);
    let (shard, origin) = (choice.shard, &choice.origin);
    match seeds.is_empty() {
        false => eprintln!("shard {shard} (from {origin}): seeds {seeds} of {whole}"),
        true => eprintln!(
            "shard {shard} (from {origin}): no seeds, as {whole} holds fewer seeds than shards; \
             its report is empty and merges with the others"
        ),
    }
    seeds
}

/// A rate for people: whole numbers from 100 up, one decimal below (so a slow sweep reads
/// "1.4 seeds/s", never a bare "1 seeds/s").
fn rate(per_second: f64) -> String {
    if per_second >= 100.0 {
        format!("{per_second:.0}")
    } else {
        format!("{per_second:.1}")
    }
}

/// A bar with seeds per second on stderr; hidden when stderr is not a terminal.
fn progress_bar(seeds: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(seeds);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {rate}, eta {eta}")
        .expect("a valid template")
        .with_key("rate", |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
            let _ = write!(out, "{} seeds/s", rate(state.per_sec()));
        });
    bar.set_style(style);
    bar
}

/// The sweep as people read it: the first failures (each kind of violation once), counts by
/// property, the slowest seeds, and the summary last, where the eye lands.
fn sweep_text(report: &SweepReport) -> String {
    let mut text = String::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for failure in report.failures.iter().take(FAILURES_PRINTED) {
        let _ = writeln!(text, "seed {} failed; reproduce with: {}", failure.seed, failure.reproduce);
        let mut repeated: Vec<&str> = Vec::new();
        for violation in &failure.violations {
            // The same finding with other numbers is noise: show each shape once.
            let shape = violation.detail.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
            match seen.insert((violation.property.name().to_string(), shape)) {
                true => {
                    let _ = writeln!(text, "  {violation}");
                }
                false => repeated.push(violation.property.name()),
            }
        }
        if !repeated.is_empty() {
            let like = repeated.len() as u64;
            // Each property once, in the order they were found.
            let mut named = BTreeSet::new();
            repeated.retain(|property| named.insert(*property));
            let properties = repeated.join(", ");
            let _ = match like == failure.violations.len() as u64 {
                true => writeln!(text, "  {} like those above ({properties})", count(like, "violation", "violations")),
                false => writeln!(text, "  and {like} more like those above ({properties})"),
            };
        }
    }
    let more = report.seeds_failed.saturating_sub(FAILURES_PRINTED as u64);
    if more > 0 {
        let more = count(more, "more failing seed", "more failing seeds");
        let _ = writeln!(text, "... and {more} (all of them with --json)");
    }
    if !report.violations_by_property.is_empty() {
        let _ = writeln!(text, "violations by property:");
        for (property, n) in &report.violations_by_property {
            let _ = writeln!(text, "  {property:<30} {n}");
        }
    }
    if !report.probe_seeds.is_empty() {
        let _ = writeln!(text, "rare paths taken (seeds of {}):", report.seeds_run);
        for (probe, seeds) in &report.probe_seeds {
            let never = if *seeds == 0 { "  <- never" } else { "" };
            let _ = writeln!(text, "  {probe:<30} {seeds}{never}");
        }
    }
    if let Some(slowest) = report.slowest.first() {
        let events = |n: u64| count(n, "event", "events");
        let names: Vec<String> = report.slowest.iter().map(|s| format!("{} ({})", s.seed, events(s.events))).collect();
        let average = report.events / report.seeds_run.max(1);
        let _ = writeln!(text, "slowest seeds: {} (average {})", names.join(", "), events(average));
        let _ = slowest;
    }
    if report.seeds_liveness_not_owed > 0 {
        let _ = writeln!(
            text,
            "fault budget: broken in {}, where liveness was not owed",
            count(report.seeds_liveness_not_owed, "seed", "seeds"),
        );
    }
    if report.stuck_requests > 0 {
        let _ = writeln!(text, "unanswered: {} in all", count(report.stuck_requests, "request", "requests"));
    }
    let ranges: Vec<String> = report.ranges.iter().map(ToString::to_string).collect();
    let swarm = if report.swarm { " (swarm)" } else { "" };
    let variant = if report.variant == "correct" { String::new() } else { format!(", variant {}", report.variant) };
    let _ = writeln!(
        text,
        "scenario {}{swarm}{variant}, seeds {}: {} run, {} passed, {} failed, {}, {}",
        printable(&report.scenario),
        ranges.join(" "),
        report.seeds_run,
        report.seeds_passed,
        report.seeds_failed,
        count(report.requests, "request", "requests"),
        count(report.role_changes, "role change", "role changes")
    );
    text
}

/// Merge sweep reports; exit 1 if the merged sweep failed, 2 on bad input.
pub fn merge(args: &MergeArgs) -> Result<ExitCode, String> {
    let mut reports = Vec::new();
    for path in &args.reports {
        let text = read_report(path)?;
        let report: SweepReport = serde_json::from_str(&text)
            .map_err(|error| format!("{}: not a `tokensim check --json` report: {error}", path.display()))?;
        reports.push(report);
    }
    let merged = SweepReport::merge(&reports).map_err(|error| match error {
        sweep::SweepError::Incompatible { index, problem } => {
            format!("cannot merge {}: {problem}", args.reports[index.min(args.reports.len() - 1)].display())
        }
        other => other.to_string(),
    })?;
    output::println(&serde_json::to_string_pretty(&merged).expect("a report serialises"))?;
    Ok(if merged.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The largest report file `merge` reads.
const REPORT_BYTES_MAX: u64 = 256 * 1024 * 1024;

fn read_report(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut text = String::new();
    file.take(REPORT_BYTES_MAX + 1)
        .read_to_string(&mut text)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    if text.len() as u64 > REPORT_BYTES_MAX {
        return Err(format!("{}: larger than {} MiB, not a report", path.display(), REPORT_BYTES_MAX >> 20));
    }
    Ok(text)
}
