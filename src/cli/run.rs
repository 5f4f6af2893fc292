//! `tokensim run`: one scenario, one seed, every checker, a summary and a verdict.

use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::scenario::Scenario;
use tokensim::sim::Simulation;
use tokensim::sweep;
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

/// Run the scenario and seed `args` name; exit 1 on any violation, 2 on bad input.
pub fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let base = args.world.load()?;
    let seed = args.seed.unwrap_or(base.seed);
    let scenario = sweep::scenario_for_seed(&base, seed, args.world.swarm);
    let mut simulation = Simulation::new(&scenario, seed).map_err(|error| error.to_string())?;
    if let Some(path) = &args.trace {
        let writer = JsonlWriter::create(path, &TraceHeader::new(&scenario, seed)).map_err(|e| e.to_string())?;
        simulation = simulation.with_trace(Box::new(writer));
    }
    // --html: created before the run, so that a bad path fails first.
    let page = args.html.as_deref().map(|html| view::RunPageFile::create(html, args.trace.as_deref()));
    let page = page.transpose().map_err(|error| error.to_string())?;
    if let Some(page) = &page {
        simulation = page.attach(simulation);
    }
    let (mut simulation, report, verdict) = tokensim::run_simulation_checked(simulation);
    if let (Some(path), Some(mut sink)) = (&args.trace, simulation.take_trace()) {
        let footer = sink.finish().map_err(|error| error.to_string())?;
        let events = footer.map_or(0, |footer| footer.events);
        eprintln!("trace: {events} events written to {}", path.display());
    }
    if let Some(page) = page {
        let (path, bytes) = page.write(&scenario, seed, &verdict.violations).map_err(|error| error.to_string())?;
        eprintln!("view: {} ({bytes} bytes)", path.display());
    }
    let deterministic = !args.check_determinism || same_twice(&scenario, seed, simulation.event_hash())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).expect("a report serialises"));
    } else {
        print!("{}", report.to_text());
        let liveness = &verdict.liveness;
        if let Some(reason) = &liveness.reason {
            let owed = if liveness.required { "owed" } else { "not owed" };
            println!("  stuck         {} requests (liveness {owed}): {reason}", liveness.stuck.len());
            for stuck in liveness.stuck.iter().take(5) {
                println!("    {} {} submitted at {}", stuck.id, stuck.request, stuck.submitted_at);
            }
        }
    }
    if let Some(property) = scenario.expect.violation {
        let found = verdict.violations.iter().any(|violation| violation.property == property);
        let status = if found { "reproduced (this run is expected to fail)" } else { "NOT reproduced" };
        println!("  expected      a violation of {property}: {status}");
    }
    if report.passed && deterministic {
        return Ok(ExitCode::SUCCESS);
    }
    let path = args.world.path();
    let command = sweep::reproduce_command(path.as_deref(), seed, args.world.swarm, scenario.variant);
    eprintln!("seed {seed} failed; reproduce with: {command}");
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
