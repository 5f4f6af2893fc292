//! The `tokensim` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::scenario::Scenario;
use tokensim::sim::Simulation;
use tokensim::trace::{JsonlWriter, ReplayOutcome, TraceHeader, TraceReader};

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
    /// Rerun a trace file's scenario and seed and compare it event by event.
    ///
    /// Exits 0 when identical, 1 at the first event that differs, 2 when the file is
    /// unreadable, malformed, truncated or of another trace format.
    Replay {
        /// A trace written by `tokensim run --trace`.
        trace: PathBuf,
    },
    /// Print a trace file in its readable form, one line per event.
    Show {
        /// A trace written by `tokensim run --trace`.
        trace: PathBuf,
    },
}

#[derive(clap::Args, Default)]
struct RunArgs {
    /// A scenario file (TOML); the embedded default scenario when left out.
    scenario: Option<PathBuf>,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run(cli.run)) {
        Command::Run(args) => run(&args),
        Command::Replay { trace } => replay(&trace),
        Command::Show { trace } => show(&trace),
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

/// The one command that reproduces a run.
fn reproduce_command(path: Option<&PathBuf>, seed: u64) -> String {
    match path {
        Some(path) => format!("tokensim run {} --seed {seed}", path.display()),
        None => format!("tokensim run --seed {seed}"),
    }
}

fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let scenario = load_scenario(args.scenario.as_ref())?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let mut simulation = Simulation::new(&scenario, seed).map_err(|error| error.to_string())?;
    if let Some(path) = &args.trace {
        let writer = JsonlWriter::create(path, &TraceHeader::new(&scenario, seed)).map_err(|e| e.to_string())?;
        simulation = simulation.with_trace(Box::new(writer));
    }
    let (mut simulation, report) = tokensim::run_to_report(simulation);
    if let (Some(path), Some(mut sink)) = (&args.trace, simulation.take_trace()) {
        let footer = sink.finish().map_err(|error| error.to_string())?;
        let events = footer.map_or(0, |footer| footer.events);
        eprintln!("trace: {events} events written to {}", path.display());
    }
    if args.check_determinism && !same_twice(&scenario, seed, simulation.event_hash())? {
        return Ok(ExitCode::FAILURE);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).expect("a report serialises"));
    } else {
        print!("{}", report.to_text());
    }
    if report.passed {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("seed {seed} failed; reproduce with: {}", reproduce_command(args.scenario.as_ref(), seed));
    Ok(ExitCode::FAILURE)
}

/// Run `seed` again in this process; whether its event hash equals `first_hash`.
fn same_twice(scenario: &Scenario, seed: u64, first_hash: u64) -> Result<bool, String> {
    let mut again = Simulation::new(scenario, seed).map_err(|error| error.to_string())?;
    again.run();
    if again.event_hash() == first_hash {
        eprintln!("determinism: seed {seed} gave event hash {first_hash:016x} twice");
        return Ok(true);
    }
    eprintln!(
        "determinism broken: seed {seed} gave event hash {first_hash:016x}, then {:016x} in the same process",
        again.event_hash()
    );
    Ok(false)
}

fn replay(path: &std::path::Path) -> Result<ExitCode, String> {
    match tokensim::trace::replay_file(path).map_err(|error| error.to_string())? {
        ReplayOutcome::Identical { events, hash } => {
            println!("identical: {events} events, hash {hash:016x}");
            Ok(ExitCode::SUCCESS)
        }
        ReplayOutcome::Diverged(divergence) => {
            print!("{}", divergence.describe(&path.display().to_string()));
            Ok(ExitCode::FAILURE)
        }
        ReplayOutcome::FooterHashDiffers { recorded, replayed } => {
            println!(
                "every event is identical, but the footer's hash {recorded:016x} differs from the replay's {replayed:016x}"
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

fn show(path: &std::path::Path) -> Result<ExitCode, String> {
    use std::io::Write as _;
    let mut reader = TraceReader::open(path).map_err(|error| error.to_string())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed stdout (`| head`) ends the listing quietly.
    let _ = writeln!(out, "{}", tokensim::trace::render_header(reader.header()));
    while let Some(record) = reader.next_event().map_err(|error| error.to_string())? {
        if writeln!(out, "{}", tokensim::trace::render_record(&record)).is_err() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let _ = out.flush();
    Ok(ExitCode::SUCCESS)
}
