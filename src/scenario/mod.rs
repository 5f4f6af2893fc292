//! Scenarios: the world, protocol variant, network, faults, fault schedule, workload and
//! expectations of a run, read from TOML.
//!
//! TOML because people write these by hand: it has comments, needs no quoting of keys, and
//! its parser reports the line and column of every mistake. Every table and key is optional;
//! what is left out takes the default, and the defaults reproduce the seed's world. The
//! format is documented key by key in `sim-scenarios/README.md`.
//!
//! Reading a file is three steps: deserialize (unknown keys and wrong types are refused
//! there), validate (ranges, ids, the fault budget), and, for any error, find the line and
//! column of the key at fault in the text and quote that line with a caret under it
//! (`excerpt.rs`), with the parser's words made plain (`messages.rs`).

mod budget;
mod builder;
mod error;
mod excerpt;
mod fault_kinds;
mod format;
mod messages;
mod seeds;
mod spans;
mod validate;

pub(crate) use budget::{client_sides, out_of_reach_from};
pub use budget::{servers_out_of_reach, within_budget};
pub use builder::ScenarioBuilder;
pub use error::{Location, ScenarioError};
pub use fault_kinds::FaultKind;
pub use format::{
    ClientTiming, EventBudget, Expectations, ExpectedAnswer, FaultAction, FaultSpec, GetTokensSpec, HealSpec, NodeSpec,
    PaySpec, RequestSpec, RoleChangeSpec, ScheduledEvent, Variant, WorldOptions, TOKENS_PER_CLIENT_DEFAULT,
};
pub use seeds::{Seeds, SEEDS_MAX};
pub use validate::{AT_MS_MAX, CLIENTS_MAX, TOKENS_MAX};

use crate::protocol::NodeId;
use crate::vocab::{NetworkOptions, Omission, RandomWorkloadOptions};
use serde::{Deserialize, Serialize};
use spans::Spans;

/// The largest scenario file read, in bytes: far beyond any hand-written or shrunk one.
pub const SCENARIO_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// The embedded default scenario: what `tokensim run` runs with no file.
pub const DEFAULT_SCENARIO: &str = include_str!("../../sim-scenarios/default.toml");

/// A complete description of a run, but for its seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, printed in reports and trace headers.
    #[serde(default = "default_name")]
    pub name: String,
    /// What the scenario demonstrates.
    #[serde(default)]
    pub description: String,
    /// Which protocol runs.
    #[serde(default)]
    pub variant: Variant,
    /// The seed used when none is given on the command line (written as a string when it
    /// is beyond TOML's signed 64-bit integers).
    #[serde(default = "default_seed", with = "seeds::seed_value")]
    pub seed: u64,
    /// The seeds the scenario tests run it with; just `seed` when empty.
    #[serde(default)]
    pub seeds: Seeds,
    /// Who exists and who owns what.
    #[serde(default)]
    pub world: WorldOptions,
    /// How messages travel.
    #[serde(default)]
    pub network: NetworkOptions,
    /// How clients retransmit.
    #[serde(default)]
    pub client: ClientTiming,
    /// Which servers suffer omission faults from the start.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Fault events at set times: make faulty, heal, partition, repair.
    #[serde(default)]
    pub schedule: Vec<ScheduledEvent>,
    /// The random requests; left out, the seed's random workload runs unless `requests`
    /// lists explicit ones (then no random requests run).
    #[serde(default)]
    pub workload: Option<RandomWorkloadOptions>,
    /// Explicit requests at set times.
    #[serde(default)]
    pub requests: Vec<RequestSpec>,
    /// The scheduler's first choices, as `tokensim explore` writes them (`"0 0 3 1x"`: which
    /// pending event happens at each step, `x` for a message lost): the run takes them,
    /// then goes on as the timed scheduler would. With choices, only they lose messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<crate::vocab::Schedule>,
    /// What the run must show.
    #[serde(default)]
    pub expect: Expectations,
}

/// The nodes and initial owners a valid scenario describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// Client node ids, ascending.
    pub clients: Vec<NodeId>,
    /// Server node ids, ascending.
    pub servers: Vec<NodeId>,
    /// Initial owner of each token, indexed by token id.
    pub owners: Vec<NodeId>,
}

impl World {
    /// Every node id, ascending.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self.clients.iter().chain(&self.servers).copied().collect();
        nodes.sort_unstable();
        nodes
    }
}

/// The fewest and most servers a configuration may have.
pub const SERVERS_MIN: u32 = 3;
/// See [`SERVERS_MIN`].
pub const SERVERS_MAX: u32 = 7;

impl Scenario {
    /// Parse and validate a scenario from TOML `text`; `origin` names it in errors (a file
    /// path, say). Errors carry the line, column and key at fault.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let spans = Spans::of(text);
        if text.trim().is_empty() || spans.as_ref().is_some_and(Spans::is_empty) {
            return Err(ScenarioError::Empty { origin: origin.to_string() });
        }
        let scenario: Scenario = toml::from_str(text).map_err(|error| parse_error(&error, text, origin, &spans))?;
        if let Err(mut problem) = scenario.validate() {
            if let Some(spans) = spans.as_ref() {
                problem.key = spans.as_written(&problem.key);
            }
            let span = spans.as_ref().and_then(|spans| spans.locate(&problem.key));
            let location = span.as_ref().map(|span| Location::of_offset(text, span.start));
            return Err(problem.into_error(origin, location, span.map(|span| excerpt::excerpt(text, span))));
        }
        Ok(scenario)
    }

    /// Read, parse and validate the scenario file at `path`. Files larger than
    /// [`SCENARIO_BYTES_MAX`] are refused before they are read whole (a path to `/dev/zero`
    /// ends in an error, not in memory exhaustion).
    pub fn from_file(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
        use std::io::Read;
        let origin = path.display().to_string();
        let unreadable = |problem: String| ScenarioError::Unreadable { origin: origin.clone(), problem };
        if path.is_dir() {
            return Err(unreadable("is a directory, expected a scenario file (TOML)".to_string()));
        }
        let file = std::fs::File::open(path).map_err(|error| unreadable(format!("cannot read it: {error}")))?;
        let mut bytes = Vec::new();
        file.take(SCENARIO_BYTES_MAX + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| unreadable(format!("cannot read it: {error}")))?;
        if bytes.len() as u64 > SCENARIO_BYTES_MAX {
            return Err(unreadable(format!(
                "is larger than {} MiB, the most a scenario file may be",
                SCENARIO_BYTES_MAX >> 20
            )));
        }
        let text = String::from_utf8(bytes).map_err(|error| {
            let at = Location::of_offset(&String::from_utf8_lossy(error.as_bytes()), error.utf8_error().valid_up_to());
            unreadable(format!("{at}: not valid UTF-8 text"))
        })?;
        Scenario::from_toml(&text, &origin)
    }

    /// The embedded default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::from_toml(DEFAULT_SCENARIO, "default.toml").expect("the embedded default scenario is valid")
    }

    /// Check every value and build the world; `origin` names the scenario in errors (which
    /// carry no location: use [`Scenario::from_toml`] to get one).
    pub fn world(&self, origin: &str) -> Result<World, ScenarioError> {
        self.validate().map_err(|problem| problem.into_error(origin, None, None))
    }

    /// The omission fault of each server faulty from the start.
    pub fn omissions(&self) -> impl Iterator<Item = (NodeId, Omission)> + '_ {
        self.faults.iter().map(|f| (f.node, Omission { kind: f.kind, ratio: f.ratio }))
    }

    /// Whether the scenario keeps fewer than half of its servers faulty at every moment
    /// (a server a partition puts out of a client's reach counts as faulty; see
    /// [`servers_out_of_reach`]).
    pub fn within_fault_budget(&self) -> bool {
        match self.validate() {
            Ok(world) => within_budget(self.most_faulty(&world).0, world.servers.len()),
            Err(_) => false,
        }
    }

    /// The random workload that runs: as written; the seed's when neither `workload` nor
    /// `requests` is given; none (zero requests) when only `requests` is.
    pub fn random_workload(&self) -> RandomWorkloadOptions {
        match &self.workload {
            Some(workload) => workload.clone(),
            None if self.requests.is_empty() => RandomWorkloadOptions::default(),
            None => RandomWorkloadOptions { requests: 0, ..RandomWorkloadOptions::default() },
        }
    }

    /// The random workload, to change in place: the one that runs (see
    /// [`Scenario::random_workload`]), written out so that edits take effect.
    pub fn random_workload_mut(&mut self) -> &mut RandomWorkloadOptions {
        let current = self.random_workload();
        self.workload.get_or_insert(current)
    }

    /// The seeds to test this scenario with: `seeds`, or just `seed`.
    pub fn test_seeds(&self) -> Vec<u64> {
        if self.seeds.0.is_empty() {
            vec![self.seed]
        } else {
            self.seeds.0.clone()
        }
    }

    /// How many events a run of this scenario may take; see [`Expectations::max_events`].
    pub fn event_budget(&self) -> EventBudget {
        let planned = self.random_workload().requests.saturating_add(self.requests.len() as u64);
        let default_total = EventBudget::BASE.saturating_add(planned.saturating_mul(EventBudget::PER_REQUEST));
        EventBudget {
            total: self.expect.max_events.unwrap_or(default_total),
            between_answers: self.expect.max_events_between_answers.unwrap_or(EventBudget::BETWEEN_ANSWERS),
        }
    }

    /// The time of the last scheduled fault event or explicit request, in microseconds:
    /// the liveness budget counts from there at the earliest.
    pub fn script_end_us(&self) -> u64 {
        let events = self.schedule.iter().map(ScheduledEvent::at_us);
        events.chain(self.requests.iter().map(RequestSpec::at_us)).max().unwrap_or(0)
    }
}

/// A deserialization error, placed: its line and column, and the key it is in.
fn parse_error(error: &toml::de::Error, text: &str, origin: &str, spans: &Option<Spans>) -> ScenarioError {
    let span = error.span();
    let key = match (&span, spans) {
        (Some(span), Some(spans)) => spans.key_at(span.start).map(str::to_string),
        _ => None,
    };
    let lines: Vec<&str> = error.message().lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    let mut message = messages::for_people(&lines.join("; "));
    if spans.is_none() {
        message = format!("not valid TOML: {message}");
    }
    ScenarioError::Parse {
        origin: origin.to_string(),
        location: span.as_ref().map(|span| Location::of_offset(text, span.start)),
        key,
        message,
        excerpt: span.map(|span| excerpt::excerpt(text, span)),
    }
}

fn default_name() -> String {
    "unnamed".to_string()
}

fn default_seed() -> u64 {
    1
}
