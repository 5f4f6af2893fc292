//! The commands of the `tokensim` binary, and what they share: loading a scenario and
//! choosing its protocol variant.

mod repl;
mod run;
mod shrink;
mod sweep;
mod trace;

pub use repl::{repl, ReplArgs};
pub use run::{run, RunArgs};
pub use shrink::{shrink, ShrinkArgs};
pub use sweep::{check, merge, CheckArgs, MergeArgs};
pub use trace::{replay, show};

use std::path::PathBuf;
use tokensim::protocol::Variant;
use tokensim::scenario::Scenario;

/// `--variant NAME`: the protocol a command runs, shared by every command that runs one.
#[derive(clap::Args, Default)]
pub struct VariantArg {
    /// The protocol variant to run (`correct`, or a broken one); the scenario's when left out.
    #[arg(long = "variant", value_name = "NAME")]
    name: Option<String>,
}

impl VariantArg {
    /// Apply the variant named, if any, to `scenario`.
    pub(crate) fn apply(&self, scenario: &mut Scenario) -> Result<(), String> {
        if let Some(name) = &self.name {
            scenario.variant = name.parse::<Variant>().map_err(|error| format!("--variant: {error}"))?;
        }
        Ok(())
    }
}

/// What every command that sweeps or reruns seeds takes: the scenario, swarm mode, and the
/// protocol variant. A seed printed by one command reproduces with the same three on another.
#[derive(clap::Args, Default)]
pub struct WorldArgs {
    /// A scenario file (TOML); the embedded default scenario when left out.
    scenario: Option<PathBuf>,
    /// Draw each seed's own world, faults and workload from the seed (swarm testing).
    #[arg(long)]
    swarm: bool,
    #[command(flatten)]
    variant: VariantArg,
}

impl WorldArgs {
    /// The scenario named (or the default), with `--variant` applied.
    pub(crate) fn load(&self) -> Result<Scenario, String> {
        load_scenario(self.scenario.as_ref(), &self.variant)
    }

    /// The scenario file's path as the reproduce command writes it.
    pub(crate) fn path(&self) -> Option<String> {
        path_text(self.scenario.as_ref())
    }
}

/// Load the scenario a command names, or the embedded default, and apply `--variant`.
pub(crate) fn load_scenario(path: Option<&PathBuf>, variant: &VariantArg) -> Result<Scenario, String> {
    let mut scenario = match path {
        None => Scenario::default_scenario(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read scenario {}: {error}", path.display()))?;
            Scenario::from_toml(&text, &path.display().to_string()).map_err(|error| error.to_string())?
        }
    };
    variant.apply(&mut scenario)?;
    Ok(scenario)
}

/// A scenario path as the reproduce command writes it.
pub(crate) fn path_text(path: Option<&PathBuf>) -> Option<String> {
    path.map(|path| path.display().to_string())
}
