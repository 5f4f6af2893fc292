//! What a checker reports: a broken property and the evidence.

use crate::protocol::{Instant, RequestId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A named property of the contract in `PROTOCOL.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Property {
    /// Safety 1: per token, completed results are linearizable against (owner, version).
    Linearizable,
    /// Safety 1 and 5: no two different owners at one version of a token.
    OneOwnerPerVersion,
    /// Safety 1: versions go 1, 2, 3, ... with no gap, each written by exactly one request.
    VersionsContiguous,
    /// Safety 2: a pay moved the token from its caller; no two pays from one version.
    NoDoubleSpend,
    /// Safety 3: a refused request changed nothing.
    RefusalChangedNothing,
    /// Safety 3: a request took effect at most once, retries included.
    ExactlyOnce,
    /// Replica invariant: no two servers hold different values at the same version.
    ReplicaOneValuePerVersion,
    /// Replica invariant: a server's version of a token never decreases.
    ReplicaVersionMonotonic,
    /// Liveness: every request of a correct client answered within the budget.
    Liveness,
    /// The simulator or a node panicked: a broken internal invariant.
    NoPanic,
}

impl Property {
    /// The property's stable lowercase name.
    pub fn name(&self) -> &'static str {
        match self {
            Property::Linearizable => "linearizable",
            Property::OneOwnerPerVersion => "one_owner_per_version",
            Property::VersionsContiguous => "versions_contiguous",
            Property::NoDoubleSpend => "no_double_spend",
            Property::RefusalChangedNothing => "refusal_changed_nothing",
            Property::ExactlyOnce => "exactly_once",
            Property::ReplicaOneValuePerVersion => "replica_one_value_per_version",
            Property::ReplicaVersionMonotonic => "replica_version_monotonic",
            Property::Liveness => "liveness",
            Property::NoPanic => "no_panic",
        }
    }

    /// Whether this is a safety property (must hold in every run, budget or not).
    pub fn is_safety(&self) -> bool {
        !matches!(self, Property::Liveness)
    }
}

impl Property {
    /// Every property.
    pub const ALL: [Property; 10] = [
        Property::Linearizable,
        Property::OneOwnerPerVersion,
        Property::VersionsContiguous,
        Property::NoDoubleSpend,
        Property::RefusalChangedNothing,
        Property::ExactlyOnce,
        Property::ReplicaOneValuePerVersion,
        Property::ReplicaVersionMonotonic,
        Property::Liveness,
        Property::NoPanic,
    ];
}

/// A name that is not a property's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown property \"{0}\"; the properties are: {names}", names = Property::ALL.map(|p| p.name()).join(", "))]
pub struct UnknownProperty(pub String);

impl std::str::FromStr for Property {
    type Err = UnknownProperty;

    fn from_str(name: &str) -> Result<Property, UnknownProperty> {
        Property::ALL
            .into_iter()
            .find(|property| property.name() == name)
            .ok_or_else(|| UnknownProperty(name.to_string()))
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One broken property, with what is needed to find and replay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The property broken.
    pub property: Property,
    /// The seed of the run, when the history came from one.
    pub seed: Option<u64>,
    /// The simulated time at which it shows, when known.
    pub at: Option<Instant>,
    /// What happened, in words.
    pub detail: String,
    /// The requests involved.
    pub operations: Vec<RequestId>,
}

impl Violation {
    /// A violation of `property` without seed, time or operations yet.
    pub fn new(property: Property, detail: impl Into<String>) -> Violation {
        Violation { property, seed: None, at: None, detail: detail.into(), operations: Vec::new() }
    }

    /// This violation, shown at simulated time `at`.
    pub fn at(mut self, at: Instant) -> Violation {
        self.at = Some(at);
        self
    }

    /// This violation, involving `operations`.
    pub fn involving(mut self, operations: impl IntoIterator<Item = RequestId>) -> Violation {
        self.operations.extend(operations);
        self
    }

    /// This violation, found in the run of `seed`.
    pub fn with_seed(mut self, seed: u64) -> Violation {
        self.seed = Some(seed);
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.property, self.detail)?;
        let mut context = Vec::new();
        if let Some(seed) = self.seed {
            context.push(format!("seed {seed}"));
        }
        if let Some(at) = self.at {
            context.push(format!("at {at}"));
        }
        if !self.operations.is_empty() {
            let ops: Vec<String> = self.operations.iter().map(ToString::to_string).collect();
            context.push(format!("requests {}", ops.join(" ")));
        }
        if !context.is_empty() {
            write!(f, " [{}]", context.join(", "))?;
        }
        Ok(())
    }
}
