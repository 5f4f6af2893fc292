//! The `tokensim` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::scenario::Scenario;
use tokensim::sweep::{self, SeedRange, SweepOptions, SweepReport};

/// A deterministic simulator of a replicated token-ownership system with omission faults.
#[derive(Parser)]
#[command(name = "tokensim", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command, `tokensim` runs like `tokensim run`.
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario with one seed and print a summary and a verdict.
    Run(RunArgs),
    /// Run every checker over a range of seeds, in parallel; exits non-zero on any failure.
    Check(CheckArgs),
    /// Merge JSON reports of `check` over disjoint seed ranges into one.
    Merge(MergeArgs),
}

#[derive(clap::Args, Default)]
struct RunArgs {
    /// A scenario file (TOML); the embedded default scenario when left out.
    scenario: Option<PathBuf>,
    /// The seed; the scenario's own seed when left out.
    #[arg(long)]
    seed: Option<u64>,
    /// Draw the world, faults and workload from the seed, as `check --swarm` does.
    #[arg(long)]
    swarm: bool,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// A scenario file (TOML); the embedded default scenario when left out.
    scenario: Option<PathBuf>,
    /// The seeds to run, `A..B` (B excluded).
    #[arg(long)]
    seeds: String,
    /// Worker threads; all cores when left out. The results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Each seed draws its own world, faults and workload.
    #[arg(long)]
    swarm: bool,
    /// Print the report as one JSON object (mergeable with `tokensim merge`).
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// JSON reports of `tokensim check --json`.
    #[arg(required = true)]
    reports: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run(cli.run)) {
        Command::Run(args) => run(&args),
        Command::Check(args) => check(&args),
        Command::Merge(args) => merge(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Load the scenario a command names, or the embedded default.
fn load_scenario(path: Option<&PathBuf>) -> Result<Scenario, String> {
    let Some(path) = path else { return Ok(Scenario::default_scenario()) };
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("cannot read scenario {}: {error}", path.display()))?;
    Scenario::from_toml(&text, &path.display().to_string()).map_err(|error| error.to_string())
}

fn path_text(path: Option<&PathBuf>) -> Option<String> {
    path.map(|path| path.display().to_string())
}

fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let base = load_scenario(args.scenario.as_ref())?;
    let seed = args.seed.unwrap_or(base.seed);
    let scenario = sweep::scenario_for_seed(&base, seed, args.swarm);
    let (_, report, verdict) = tokensim::run_checked(&scenario, seed).map_err(|error| error.to_string())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).expect("a report serialises"));
    } else {
        print!("{}", report.to_text());
        println!("checkers        {} violations", verdict.violations.len());
        let liveness = &verdict.liveness;
        if let Some(reason) = &liveness.reason {
            let owed = if liveness.required { "owed" } else { "not owed" };
            println!("  stuck         {} requests (liveness {owed}): {reason}", liveness.stuck.len());
            for stuck in liveness.stuck.iter().take(5) {
                println!("    {} {} submitted at {}", stuck.id, stuck.request, stuck.submitted_at);
            }
        }
        for violation in &verdict.violations {
            println!("  FAIL {violation}");
        }
    }
    if report.passed && verdict.passed() {
        return Ok(ExitCode::SUCCESS);
    }
    let command = sweep::reproduce_command(path_text(args.scenario.as_ref()).as_deref(), seed, args.swarm);
    eprintln!("seed {seed} failed; reproduce with: {command}");
    Ok(ExitCode::FAILURE)
}

fn check(args: &CheckArgs) -> Result<ExitCode, String> {
    let seeds: SeedRange = args.seeds.parse().map_err(|error: sweep::SweepError| error.to_string())?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return Err("--jobs: expected at least 1 worker, found 0".to_string());
    }
    let options = SweepOptions {
        scenario: load_scenario(args.scenario.as_ref())?,
        scenario_path: path_text(args.scenario.as_ref()),
        seeds,
        jobs,
        swarm: args.swarm,
    };
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
        "scenario {}{swarm}, seeds {}: {} run, {} passed, {} failed, {} requests",
        report.scenario,
        ranges.join(" "),
        report.seeds_run,
        report.seeds_passed,
        report.seeds_failed,
        report.requests
    );
    for failure in &report.failures {
        println!("seed {} failed; reproduce with: {}", failure.seed, failure.reproduce);
        for violation in &failure.violations {
            println!("  {violation}");
        }
    }
}

fn merge(args: &MergeArgs) -> Result<ExitCode, String> {
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
