//! The commands of the `tokensim` binary, and what they share: loading a scenario, naming
//! its protocol variant, and writing to standard output.

mod explore;
mod list;
mod manual;
mod output;
mod repl;
mod run;
mod shrink;
mod sweep;
mod trace;

pub use explore::{explore, ExploreArgs};
pub use list::{list, ListArgs};
pub use manual::{completions, man, CompletionsArgs, ManArgs};
pub use repl::{repl, ReplArgs};
pub use run::{run, RunArgs};
pub use shrink::{shrink, ShrinkArgs};
pub use sweep::{check, merge, CheckArgs, MergeArgs};
pub use trace::{replay, show, ShowArgs};

use clap::builder::PossibleValue;
use std::path::PathBuf;
use tokensim::explore::reproduce::Origin;
use tokensim::protocol::Variant;
use tokensim::scenario::Scenario;
use tokensim::vocab::Property;

/// A protocol variant as the command line names it (`--variant half-quorum`): clap lists
/// the names in `--help` and suggests the nearest one for a misspelt name.
#[derive(Clone, Copy, Debug)]
pub struct VariantName(pub Variant);

impl clap::ValueEnum for VariantName {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [VariantName; Variant::ALL.len()] = {
            let mut all = [VariantName(Variant::Correct); Variant::ALL.len()];
            let mut index = 0;
            while index < all.len() {
                all[index] = VariantName(Variant::ALL[index]);
                index += 1;
            }
            all
        };
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()))
    }
}

/// A property as the command line names it (`--property linearizable`).
#[derive(Clone, Copy, Debug)]
pub struct PropertyName(pub Property);

impl clap::ValueEnum for PropertyName {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [PropertyName; Property::ALL.len()] = {
            let mut all = [PropertyName(Property::Linearizable); Property::ALL.len()];
            let mut index = 0;
            while index < all.len() {
                all[index] = PropertyName(Property::ALL[index]);
                index += 1;
            }
            all
        };
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()).help(self.0.summary()))
    }
}

/// `--variant NAME`: the protocol a command runs, shared by every command that runs one.
#[derive(clap::Args, Default)]
pub struct VariantArg {
    /// The protocol variant to run (`correct`, or a broken one); the scenario's when left out.
    #[arg(long = "variant", value_name = "NAME")]
    name: Option<VariantName>,
}

impl VariantArg {
    /// The variant named, if one was.
    pub(crate) fn get(&self) -> Option<Variant> {
        self.name.map(|name| name.0)
    }

    /// Apply the variant named, if any, to `scenario`.
    pub(crate) fn apply(&self, scenario: &mut Scenario) {
        if let Some(variant) = self.get() {
            scenario.variant = variant;
        }
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
    /// Stop a run as a runaway after this many events (a `progress` violation); the
    /// scenario's `expect.max_events`, or 1,000,000 plus 1,000 per request, when left out.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_events: Option<u64>,
    /// Stop a run as a livelock after this many events in a row without an answer (a
    /// `progress` violation); the scenario's `expect.max_events_between_answers`, or
    /// 200,000, when left out.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_events_between_answers: Option<u64>,
}

impl WorldArgs {
    /// The scenario named (or the default), with `--variant` and the event budget flags
    /// applied.
    pub(crate) fn load(&self) -> Result<Scenario, String> {
        let mut scenario = load_scenario(self.scenario.as_ref(), &self.variant)?;
        if let Some(max_events) = self.max_events {
            scenario.expect.max_events = Some(max_events);
        }
        if let Some(between) = self.max_events_between_answers {
            scenario.expect.max_events_between_answers = Some(between);
        }
        Ok(scenario)
    }

    /// How the scenario was named, for reproduce commands.
    pub(crate) fn origin(&self) -> Origin {
        Origin {
            path: self.scenario.as_ref().map(|path| path.display().to_string()),
            variant: self.variant.get(),
            max_events: self.max_events,
            max_events_between_answers: self.max_events_between_answers,
        }
    }
}

/// Load the scenario a command names, or the embedded default, and apply `--variant`.
pub(crate) fn load_scenario(path: Option<&PathBuf>, variant: &VariantArg) -> Result<Scenario, String> {
    let mut scenario = match path {
        None => Scenario::default_scenario(),
        Some(path) => Scenario::from_file(path).map_err(|error| error.to_string())?,
    };
    variant.apply(&mut scenario);
    Ok(scenario)
}
