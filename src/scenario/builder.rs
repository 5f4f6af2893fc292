//! Scenarios built in code, for library users and tests: start from the defaults (the
//! seed's world), change what matters, and get the same validation as a file gets.
//!
//! ```
//! use tokensim::protocol::{NodeId, Request, TokenId, Variant};
//! use tokensim::scenario::Scenario;
//! use tokensim::vocab::{OmissionKind, Ratio};
//!
//! let scenario = Scenario::builder("two-clients")
//!     .servers(3)
//!     .clients(2)
//!     .tokens_per_client(1)
//!     .faulty(NodeId(4), OmissionKind::Both, Ratio::new(1, 3).unwrap())
//!     .request(0, NodeId(1), Request::Pay { token: TokenId(0), to: NodeId(2) })
//!     .variant(Variant::Correct)
//!     .build()?;
//! assert_eq!(scenario.random_workload().requests, 0, "explicit requests only");
//! let text = scenario.to_toml();
//! assert_eq!(Scenario::from_toml(&text, "saved.toml")?, scenario);
//! # Ok::<(), tokensim::scenario::ScenarioError>(())
//! ```

use super::format::{FaultSpec, RequestSpec};
use super::{Scenario, ScenarioError};
use crate::protocol::{NodeId, Request, Variant};
use crate::vocab::{NetworkOptions, OmissionKind, RandomWorkloadOptions, Ratio};

/// A scenario being built; see the module docs. Every setter takes and returns the builder.
#[derive(Clone, Debug)]
pub struct ScenarioBuilder {
    scenario: Scenario,
}

impl Scenario {
    /// A builder starting from the default scenario's world, without its faults, named `name`.
    pub fn builder(name: &str) -> ScenarioBuilder {
        let mut scenario = Scenario::default_scenario();
        scenario.name = name.to_string();
        scenario.description = String::new();
        scenario.faults.clear();
        // Left out, the seed's random workload runs, unless explicit requests are given.
        scenario.workload = None;
        ScenarioBuilder { scenario }
    }

    /// This scenario as TOML text that [`Scenario::from_toml`] reads back as the same
    /// scenario.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("every scenario serialises to TOML")
    }
}

impl ScenarioBuilder {
    /// How many servers (3 to 7).
    pub fn servers(mut self, servers: u32) -> ScenarioBuilder {
        self.scenario.world.servers = servers;
        self
    }

    /// How many clients (1 to 1000); they get node ids `1..=clients`, servers the ids after.
    pub fn clients(mut self, clients: u32) -> ScenarioBuilder {
        self.scenario.world.clients = clients;
        self
    }

    /// Tokens per client; token `i` starts owned by client `(i % clients) + 1`.
    pub fn tokens_per_client(mut self, tokens: u32) -> ScenarioBuilder {
        self.scenario.world.tokens_per_client = Some(tokens);
        self.scenario.world.owners.clear();
        self
    }

    /// The protocol variant every node runs.
    pub fn variant(mut self, variant: Variant) -> ScenarioBuilder {
        self.scenario.variant = variant;
        self
    }

    /// The seed a run uses when none is given.
    pub fn seed(mut self, seed: u64) -> ScenarioBuilder {
        self.scenario.seed = seed;
        self
    }

    /// How messages travel.
    pub fn network(mut self, network: NetworkOptions) -> ScenarioBuilder {
        self.scenario.network = network;
        self
    }

    /// Node `node` (a client or a server) loses `ratio` of its messages in the `kind` direction from the start.
    pub fn faulty(mut self, node: NodeId, kind: OmissionKind, ratio: Ratio) -> ScenarioBuilder {
        self.scenario.faults.push(FaultSpec { node, kind, ratio });
        self
    }

    /// The random workload (replacing the default one).
    pub fn workload(mut self, workload: RandomWorkloadOptions) -> ScenarioBuilder {
        self.scenario.workload = Some(workload);
        self
    }

    /// `client` is handed `request` at `at_us` microseconds. A scenario with explicit
    /// requests runs no random workload unless [`ScenarioBuilder::workload`] asks for one.
    pub fn request(mut self, at_us: u64, client: NodeId, request: Request) -> ScenarioBuilder {
        self.scenario.requests.push(RequestSpec::new(at_us, client, request));
        self
    }

    /// Give up on answers this long after the last request (and scheduled event).
    pub fn liveness_budget_us(mut self, budget_us: u64) -> ScenarioBuilder {
        self.scenario.expect.liveness_budget_us = budget_us;
        self
    }

    /// The scenario, validated as a file would be.
    pub fn build(self) -> Result<Scenario, ScenarioError> {
        self.scenario.world(&self.scenario.name)?;
        Ok(self.scenario)
    }
}
