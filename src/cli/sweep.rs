//! `tokensim check` (a seed sweep under every checker) and `tokensim merge` (joining the
//! JSON reports of sweeps over disjoint seed ranges).

use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::sweep::{self, SeedRange, SweepOptions, SweepReport};

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    world: super::WorldArgs,
    /// The seeds to run, `A..B` (B excluded).
    #[arg(long)]
    seeds: String,
    /// Worker threads; all cores when left out. The results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Print the report as one JSON object (mergeable with `tokensim merge`).
    #[arg(long)]
    json: bool,
    /// Draw the sweep as an HTML page in this file, with pages of the first failing seeds next to it.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// JSON reports of `tokensim check --json`.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
}

/// Sweep the seeds `args` name; exit 1 if any failed, 2 on bad input.
pub fn check(args: &CheckArgs) -> Result<ExitCode, String> {
    let seeds: SeedRange = args.seeds.parse().map_err(|error: sweep::SweepError| error.to_string())?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return Err("--jobs: expected at least 1 worker, found 0".to_string());
    }
    let options = SweepOptions {
        scenario: args.world.load()?,
        scenario_path: args.world.path(),
        seeds,
        jobs,
        swarm: args.world.swarm,
    };
    let html = args.html.as_deref().map(tokensim::view::PageFile::create).transpose().map_err(|e| e.to_string())?;
    let bar = progress_bar(seeds.len());
    // The wall clock only times the sweep for people; no run reads it.
    let started = std::time::Instant::now();
    let report = sweep::sweep(&options, &|| bar.inc(1)).map_err(|error| error.to_string())?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} seeds in {seconds:.1}s ({:.0} seeds/s, {jobs} jobs)",
        report.seeds_run,
        report.seeds_run as f64 / seconds.max(1e-9)
    );
    print_sweep(&report, args.json);
    if let Some(html) = html {
        let written = tokensim::view::write_sweep_pages(html, &report, &options).map_err(|e| e.to_string())?;
        eprintln!("view: {} and {} run pages", written[0].display(), written.len() - 1);
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A bar with seeds per second on stderr; hidden when stderr is not a terminal.
fn progress_bar(seeds: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(seeds);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {rate}, eta {eta}")
        .expect("a valid template")
        .with_key("rate", |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
            let _ = write!(out, "{:.0} seeds/s", state.per_sec());
        });
    bar.set_style(style);
    bar
}

fn print_sweep(report: &SweepReport, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(report).expect("a report serialises"));
        return;
    }
    let ranges: Vec<String> = report.ranges.iter().map(ToString::to_string).collect();
    let swarm = if report.swarm { " (swarm)" } else { "" };
    println!(
        "scenario {}{swarm}, seeds {}: {} run, {} passed, {} failed, {} requests, {} role changes",
        report.scenario,
        ranges.join(" "),
        report.seeds_run,
        report.seeds_passed,
        report.seeds_failed,
        report.requests,
        report.role_changes
    );
    for failure in &report.failures {
        println!("seed {} failed; reproduce with: {}", failure.seed, failure.reproduce);
        for violation in &failure.violations {
            println!("  {violation}");
        }
    }
}

/// Merge sweep reports; exit 1 if the merged sweep failed, 2 on bad input.
pub fn merge(args: &MergeArgs) -> Result<ExitCode, String> {
    let mut reports = Vec::new();
    for path in &args.reports {
        let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let report: SweepReport = serde_json::from_str(&text)
            .map_err(|error| format!("{}: not a `tokensim check --json` report: {error}", path.display()))?;
        reports.push(report);
    }
    let merged = SweepReport::merge(&reports).map_err(|error| error.to_string())?;
    println!("{}", serde_json::to_string_pretty(&merged).expect("a report serialises"));
    Ok(if merged.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
