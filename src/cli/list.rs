//! `tokensim list [scenarios|variants|properties]`: the values other commands accept, so
//! that they can be found without reading the source.

use super::output;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokensim::protocol::Variant;
use tokensim::scenario::Scenario;
use tokensim::vocab::{printable, Property, PropertyKind};

/// The directory `list scenarios` reads when `--dir` is left out, if it exists.
const SCENARIO_DIR: &str = "sim-scenarios";

/// What `tokensim list` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListKind {
    /// The embedded default scenario and the scenario files of a directory.
    Scenarios,
    /// The protocol variants, each with its mistake.
    Variants,
    /// The properties runs are judged on, with their kind and what they promise.
    Properties,
}

/// The arguments of `tokensim list`.
#[derive(clap::Args)]
pub struct ListArgs {
    /// What to list; everything when left out.
    kind: Option<ListKind>,
    /// Where to look for scenario files (`*.toml`); `sim-scenarios` in the current directory
    /// when left out (if it exists).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Print what `args` asks for.
pub fn list(args: &ListArgs) -> Result<ExitCode, String> {
    let kinds = match args.kind {
        Some(kind) => vec![kind],
        None => vec![ListKind::Scenarios, ListKind::Variants, ListKind::Properties],
    };
    let mut sections = Vec::new();
    for kind in kinds {
        sections.push(match kind {
            ListKind::Scenarios => scenarios(args.dir.as_deref())?,
            ListKind::Variants => variants(),
            ListKind::Properties => properties(),
        });
    }
    output::print(&sections.join("\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// The embedded default, then each `*.toml` of the directory by name, with its description
/// (or, for a file that does not read, the first line of its error).
fn scenarios(dir: Option<&Path>) -> Result<String, String> {
    let (dir, files) = match dir {
        Some(dir) => (Some(dir), scenario_files(dir).map_err(|error| format!("--dir {}: {error}", dir.display()))?),
        None if Path::new(SCENARIO_DIR).is_dir() => {
            let dir = Path::new(SCENARIO_DIR);
            (Some(dir), scenario_files(dir).map_err(|error| format!("{}: {error}", dir.display()))?)
        }
        None => (None, Vec::new()),
    };
    let mut rows = vec![("(default)".to_string(), Scenario::default_scenario().description)];
    for path in files {
        let about = match Scenario::from_file(&path) {
            Ok(scenario) => scenario.description,
            Err(error) => format!("does not read: {}", error.to_string().lines().next().unwrap_or_default()),
        };
        rows.push((path.display().to_string(), about));
    }
    let mut text = String::from("scenarios: `tokensim run FILE` runs one; `tokensim run` alone, the default\n");
    let width = rows.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0);
    for (name, about) in &rows {
        // A description can hold newlines and anything else; one escaped line each.
        let _ = writeln!(text, "  {:<width$}  {}", printable(name), printable(about.trim()));
    }
    if dir.is_none() {
        let _ = writeln!(text, "  (no {SCENARIO_DIR}/ here: give --dir DIR to list the scenario files of DIR)");
    }
    Ok(text)
}

/// The `*.toml` files directly in `dir`, by name.
fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|extension| extension == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn variants() -> String {
    let mut text = String::from("variants: `--variant NAME`, or `variant = \"NAME\"` in a scenario\n");
    let width = Variant::ALL.iter().map(|variant| variant.name().len()).max().unwrap_or(0);
    for variant in Variant::ALL {
        let _ = writeln!(text, "  {:<width$}  {}", variant.name(), variant.mistake());
    }
    text
}

fn properties() -> String {
    let mut text = String::from(
        "properties: every run is judged on all of them; `shrink --property NAME` keeps one broken, \
         `violation = \"NAME\"` under [expect] expects one\n",
    );
    let width = Property::ALL.iter().map(|property| property.name().len()).max().unwrap_or(0);
    for property in Property::ALL {
        let kind = match property.kind() {
            PropertyKind::Safety => "safety",
            PropertyKind::Liveness => "liveness",
            PropertyKind::Expectation => "expectation",
            PropertyKind::Harness => "harness",
        };
        let _ = writeln!(text, "  {:<width$}  {kind:<11}  {}", property.name(), property.summary());
    }
    text
}
