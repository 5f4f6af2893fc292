//! `tokensim shrink`: turn a failing seed (or trace) into the smallest failing scenario file
//! the shrinker finds.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokensim::explore::shrink::{self, Progress, Shrunk, Size};
use tokensim::explore::swarm::scenario_for_seed;
use tokensim::scenario::Scenario;
use tokensim::trace::TraceReader;

/// The arguments of `tokensim shrink`.
#[derive(clap::Args)]
pub struct ShrinkArgs {
    #[command(flatten)]
    world: super::WorldArgs,
    /// The failing seed; the scenario's own seed when left out.
    #[arg(long)]
    seed: Option<u64>,
    /// The property the shrunk case must still break; the run's first broken one when left out.
    #[arg(long, value_name = "NAME")]
    property: Option<super::PropertyName>,
    /// Take the scenario and seed from a trace file of the failing run instead.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["scenario", "seed", "swarm"])]
    trace: Option<PathBuf>,
    /// Where to write the shrunk scenario (TOML).
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
}

/// Shrink the failing run `args` name and write it to `--output`. Exit 0 once written; 2 on
/// bad input, including a seed that does not fail (there is nothing to shrink).
pub fn shrink(args: &ShrinkArgs) -> Result<ExitCode, String> {
    let (scenario, seed, origin) = failing_run(args)?;
    let property = args.property.map(|name| name.0);
    check_writable(&args.output)?;
    let display = ProgressDisplay::new();
    eprintln!("shrinking seed {seed} of {} ({})", tokensim::vocab::printable(&scenario.name), Size::of(&scenario));
    let shrunk = shrink::shrink(&scenario, seed, property, &mut |progress| display.show(progress))
        .map_err(|error| error.to_string())?;
    display.finish();
    let path = args.output.display().to_string();
    let text = shrink::render(&named(shrunk.clone(), &args.output, &origin), &origin, &path);
    std::fs::write(&args.output, text).map_err(|error| format!("cannot write {path}: {error}"))?;
    super::output::print(&summary(&shrunk, &path))?;
    Ok(ExitCode::SUCCESS)
}

/// The scenario (drawn, for a swarm seed), the seed, and the command that reproduces it.
fn failing_run(args: &ShrinkArgs) -> Result<(Scenario, u64, String), String> {
    if let Some(trace) = &args.trace {
        let reader = TraceReader::open(trace).map_err(|error| error.to_string())?;
        let header = reader.header();
        let mut scenario = header.scenario.clone();
        args.world.variant.apply(&mut scenario);
        return Ok((scenario, header.seed, format!("the trace {}", trace.display())));
    }
    let base = args.world.load()?;
    let seed = args.seed.unwrap_or(base.seed);
    let origin = args.world.origin().reproduce_command(seed, args.world.swarm);
    Ok((scenario_for_seed(&base, seed, args.world.swarm), seed, origin))
}

/// Refuse an output path that cannot be written before spending time on the search.
fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("--output {}: is a directory, expected a file", path.display()));
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|error| format!("--output {}: cannot write there: {error}", path.display()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// The shrunk scenario named after the output file, with a description of where it came from.
fn named(mut shrunk: Shrunk, output: &Path, origin: &str) -> Shrunk {
    let stem = output.file_stem().map_or_else(|| "shrunk".to_string(), |stem| stem.to_string_lossy().into_owned());
    shrunk.scenario.name = stem;
    shrunk.scenario.description = format!(
        "variant {} breaks {}: shrunk from the failing run of {origin}",
        shrunk.scenario.variant, shrunk.property
    );
    shrunk
}

fn summary(shrunk: &Shrunk, path: &str) -> String {
    let quoted = tokensim::explore::reproduce::shell_quoted(path);
    format!(
        "wrote {path}: {} still breaks {}\n  from {}\n  to   {}\n  in {}; reproduce with: tokensim run {quoted}\n",
        shrunk.scenario.variant,
        shrunk.property,
        shrunk.original,
        Size::of(&shrunk.scenario),
        tokensim::vocab::count(shrunk.checks, "check", "checks")
    )
}

/// A spinner on a terminal; plain lines (one per smaller case found) otherwise.
struct ProgressDisplay {
    spinner: Option<indicatif::ProgressBar>,
    last: std::cell::Cell<Option<Size>>,
}

impl ProgressDisplay {
    fn new() -> ProgressDisplay {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let spinner = indicatif::ProgressBar::new_spinner();
            // The spinner ticks on the wall clock; that only animates the display, no run reads it.
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            spinner
        });
        ProgressDisplay { spinner, last: std::cell::Cell::new(None) }
    }

    fn show(&self, progress: &Progress) {
        let checks = tokensim::vocab::count(progress.checks, "check", "checks");
        let line = format!("{checks}, {}: {}", progress.pass, progress.size);
        match &self.spinner {
            Some(spinner) => spinner.set_message(line),
            None if self.last.get() != Some(progress.size) => eprintln!("  {line}"),
            None => {}
        }
        self.last.set(Some(progress.size));
    }

    fn finish(&self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
    }
}
