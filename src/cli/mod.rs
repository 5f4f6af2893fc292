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
