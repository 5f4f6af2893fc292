//! The `tokensim` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::scenario::Scenario;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run(cli.run)) {
        Command::Run(args) => run(&args),
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
    let (_, report) = tokensim::run_scenario(&scenario, seed).map_err(|error| error.to_string())?;
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
