//! Scenarios: the world, network, faults, workload and expectations of a run, read from TOML.
//!
//! TOML because people write these by hand: it has comments, needs no quoting of keys, and
//! its parser reports the line and column of every mistake. Every table and key is optional;
//! what is left out takes the default, and the defaults reproduce the seed's world.

use crate::protocol::NodeId;
use crate::sim::{NetworkOptions, Omission, OmissionKind, RandomWorkloadOptions, Ratio};
use serde::{Deserialize, Serialize};

/// The embedded default scenario: what `tokensim run` runs with no file.
pub const DEFAULT_SCENARIO: &str = include_str!("../sim-scenarios/default.toml");

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
    /// The seed used when none is given on the command line.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Who exists and who owns what.
    #[serde(default)]
    pub world: WorldOptions,
    /// How messages travel.
    #[serde(default)]
    pub network: NetworkOptions,
    /// How clients retransmit.
    #[serde(default)]
    pub client: ClientTiming,
    /// Which servers suffer omission faults.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// The random requests.
    #[serde(default)]
    pub workload: RandomWorkloadOptions,
    /// What the run must show.
    #[serde(default)]
    pub expect: Expectations,
}

/// The world's size. Clients get node ids `1..=clients`, servers the ids after them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorldOptions {
    /// How many servers replicate the table (3 to 7).
    pub servers: u32,
    /// How many clients there are.
    pub clients: u32,
    /// Tokens per client; token `i` starts owned by client `(i % clients) + 1`.
    pub tokens_per_client: u32,
}

/// Client timing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientTiming {
    /// How long a client waits for answers before resending a phase.
    pub retransmit_timeout_us: u64,
}

/// One faulty server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// The server's node id.
    pub server: NodeId,
    /// Which of its messages are lost.
    pub kind: OmissionKind,
    /// How many of them (1 = all).
    pub ratio: Ratio,
}

/// What a run must show. Safety is always required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Expectations {
    /// Every request of a correct client must be answered.
    pub liveness: bool,
    /// Allow half or more of the servers to be faulty (then liveness may fail).
    pub break_fault_budget: bool,
    /// How long after the last request is issued every request must be answered.
    pub liveness_budget_us: u64,
}

/// A scenario that cannot be run, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The text is not TOML of the scenario's shape; the message names line, column and key.
    #[error("{origin}: {message}")]
    Parse {
        /// The file name, or a label for embedded text.
        origin: String,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range or inconsistent with the rest.
    #[error("{origin}: `{key}`: {problem}")]
    Invalid {
        /// The file name, or a label for embedded text.
        origin: String,
        /// The offending key, dotted (`world.servers`, `faults[1].server`).
        key: String,
        /// What is wrong and what was expected.
        problem: String,
    },
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
    /// Parse a scenario from TOML `text`; `origin` names it in errors (a file path, say).
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|error| ScenarioError::Parse {
            origin: origin.to_string(),
            message: error.to_string().trim_end().to_string(),
        })?;
        scenario.world(origin)?;
        Ok(scenario)
    }

    /// The embedded default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::from_toml(DEFAULT_SCENARIO, "default.toml").expect("the embedded default scenario is valid")
    }

    /// Check every value and build the world; `origin` names the scenario in errors.
    pub fn world(&self, origin: &str) -> Result<World, ScenarioError> {
        let invalid = |key: &str, problem: String| ScenarioError::Invalid {
            origin: origin.to_string(),
            key: key.to_string(),
            problem,
        };
        let w = &self.world;
        if !(SERVERS_MIN..=SERVERS_MAX).contains(&w.servers) {
            return Err(invalid(
                "world.servers",
                format!("expected {SERVERS_MIN} to {SERVERS_MAX} servers, found {}", w.servers),
            ));
        }
        if w.clients == 0 || w.clients > 1000 {
            return Err(invalid("world.clients", format!("expected 1 to 1000 clients, found {}", w.clients)));
        }
        if w.tokens_per_client == 0 || w.tokens_per_client > 10_000 {
            return Err(invalid(
                "world.tokens_per_client",
                format!("expected 1 to 10000, found {}", w.tokens_per_client),
            ));
        }
        let net = &self.network;
        if net.delay_us_min > net.delay_us_max {
            let problem =
                format!("must not exceed network.delay_us_max ({}), found {}", net.delay_us_max, net.delay_us_min);
            return Err(invalid("network.delay_us_min", problem));
        }
        if self.client.retransmit_timeout_us == 0 {
            return Err(invalid("client.retransmit_timeout_us", "expected a positive timeout, found 0".into()));
        }
        if self.expect.liveness_budget_us == 0 {
            return Err(invalid("expect.liveness_budget_us", "expected a positive budget, found 0".into()));
        }
        let clients: Vec<NodeId> = (1..=w.clients).map(NodeId).collect();
        let servers: Vec<NodeId> = (w.clients + 1..=w.clients + w.servers).map(NodeId).collect();
        self.check_faults(&servers, origin)?;
        let token_count = w.clients * w.tokens_per_client;
        let owners = (0..token_count).map(|i| NodeId(i % w.clients + 1)).collect();
        Ok(World { clients, servers, owners })
    }

    fn check_faults(&self, servers: &[NodeId], origin: &str) -> Result<(), ScenarioError> {
        let invalid =
            |key: String, problem: String| ScenarioError::Invalid { origin: origin.to_string(), key, problem };
        for (index, fault) in self.faults.iter().enumerate() {
            if !servers.contains(&fault.server) {
                let (first, last) = (servers[0].0, servers[servers.len() - 1].0);
                let problem =
                    format!("expected a server id ({first} to {last}; clients come first), found {}", fault.server.0);
                return Err(invalid(format!("faults[{index}].server"), problem));
            }
            if self.faults[..index].iter().any(|earlier| earlier.server == fault.server) {
                return Err(invalid(
                    format!("faults[{index}].server"),
                    format!("server {} is listed twice", fault.server.0),
                ));
            }
        }
        let faulty = self.faults.iter().filter(|f| !f.ratio.is_never()).count();
        if faulty * 2 >= servers.len() && !self.expect.break_fault_budget {
            let problem = format!(
                "{faulty} faulty of {} servers breaks the fault budget (fewer than half may be faulty); \
                 set expect.break_fault_budget = true if that is on purpose",
                servers.len()
            );
            return Err(invalid("faults".to_string(), problem));
        }
        if self.expect.break_fault_budget && faulty * 2 < servers.len() && self.expect.liveness {
            // Harmless, but a scenario that says it breaks the budget and does not is confused.
            let problem =
                format!("says it breaks the fault budget, but only {faulty} of {} servers are faulty", servers.len());
            return Err(invalid("expect.break_fault_budget".to_string(), problem));
        }
        Ok(())
    }

    /// The omission fault of each faulty server.
    pub fn omissions(&self) -> impl Iterator<Item = (NodeId, Omission)> + '_ {
        self.faults.iter().map(|f| (f.server, Omission { kind: f.kind, ratio: f.ratio }))
    }

    /// Whether the scenario keeps fewer than half of its servers faulty.
    pub fn within_fault_budget(&self) -> bool {
        let faulty = self.faults.iter().filter(|f| !f.ratio.is_never()).count();
        faulty * 2 < self.world.servers as usize
    }
}

fn default_name() -> String {
    "unnamed".to_string()
}

fn default_seed() -> u64 {
    1
}

impl Default for WorldOptions {
    fn default() -> WorldOptions {
        WorldOptions { servers: 5, clients: 6, tokens_per_client: 10 }
    }
}

impl Default for ClientTiming {
    fn default() -> ClientTiming {
        ClientTiming { retransmit_timeout_us: 60_000 }
    }
}

impl Default for Expectations {
    fn default() -> Expectations {
        Expectations { liveness: true, break_fault_budget: false, liveness_budget_us: 60_000_000 }
    }
}
