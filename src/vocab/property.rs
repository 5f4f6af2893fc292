//! The properties a run is judged on, by their stable names: scenarios name them in
//! `[expect] violation`, reports count them, and the checkers report them. A verdict is made
//! of these and nothing else.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A named property of the contract (`docs/PROTOCOL.md`), or an expectation a scenario
/// states about its own run.
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
    /// Every request id names one request: a client never gives an id to two requests,
    /// crashes included.
    RequestIdsUnique,
    /// Replica invariant: no two servers hold different values at the same version.
    ReplicaOneValuePerVersion,
    /// Replica invariant: a server's version of a token never decreases.
    ReplicaVersionMonotonic,
    /// Membership: every install of an epoch names the same configuration.
    OneConfigPerEpoch,
    /// Membership: a ballot proposes at most one configuration for an epoch (no coordinator
    /// reuses a ballot with another value, crashes included).
    OneValuePerBallot,
    /// Membership: no node's view of the configuration goes back to an older epoch.
    EpochsOnlyGrow,
    /// Membership: every installed configuration has 3 to 7 servers.
    ServerCountLimits,
    /// Membership: each configuration is the one before with exactly the change it names,
    /// and a role change answered ok was installed.
    RoleChangeInstalled,
    /// Membership: a role change is refused only for a reason that held while it was
    /// worked on.
    RoleChangeRefusedRightly,
    /// Membership: a node is a server exactly when its installed configuration names it.
    RolesMatchConfig,
    /// The run's completed requests, rerun one at a time without faults, reach the same
    /// final token table.
    FaultFreeRerun,
    /// Liveness: every request of a correct client answered within the budget.
    Liveness,
    /// Every run ends within its event budget: no livelock, no runaway.
    Progress,
    /// An explicit request of the scenario got the answer its `expect` names.
    ExpectedAnswer,
    /// A scenario that expects a violation (a kept reproduction) shows it.
    ExpectedViolation,
    /// The simulator or a node panicked: a broken internal invariant.
    NoPanic,
    /// A property the user added ([`crate::check::custom`]); its violations name it.
    Custom,
}

/// What kind of promise a property is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyKind {
    /// Must hold in every run, faults or not, budget or not.
    Safety,
    /// Must hold when the fault budget holds.
    Liveness,
    /// What a scenario says of its own run.
    Expectation,
    /// The simulator's own soundness.
    Harness,
}

impl Property {
    /// Every property, in the order verdicts list them.
    pub const ALL: [Property; 23] = [
        Property::Linearizable,
        Property::OneOwnerPerVersion,
        Property::VersionsContiguous,
        Property::NoDoubleSpend,
        Property::RefusalChangedNothing,
        Property::ExactlyOnce,
        Property::RequestIdsUnique,
        Property::ReplicaOneValuePerVersion,
        Property::ReplicaVersionMonotonic,
        Property::OneConfigPerEpoch,
        Property::OneValuePerBallot,
        Property::EpochsOnlyGrow,
        Property::ServerCountLimits,
        Property::RoleChangeInstalled,
        Property::RoleChangeRefusedRightly,
        Property::RolesMatchConfig,
        Property::FaultFreeRerun,
        Property::Liveness,
        Property::Progress,
        Property::ExpectedAnswer,
        Property::ExpectedViolation,
        Property::NoPanic,
        Property::Custom,
    ];

    /// The property's stable lowercase name.
    pub fn name(&self) -> &'static str {
        self.describe().0
    }

    /// What the property promises, in one line.
    pub fn summary(&self) -> &'static str {
        self.describe().2
    }

    /// What kind of promise it is.
    pub fn kind(&self) -> PropertyKind {
        self.describe().1
    }

    /// Whether this is a safety property (must hold in every run, budget or not).
    pub fn is_safety(&self) -> bool {
        self.kind() == PropertyKind::Safety
    }

    fn describe(&self) -> (&'static str, PropertyKind, &'static str) {
        use PropertyKind::*;
        match self {
            Property::Linearizable => {
                ("linearizable", Safety, "per token, completed results are linearizable against (owner, version)")
            }
            Property::OneOwnerPerVersion => {
                ("one_owner_per_version", Safety, "no version of a token has two different values")
            }
            Property::VersionsContiguous => {
                ("versions_contiguous", Safety, "versions go 1, 2, 3, ... with no gap, each with one writer")
            }
            Property::NoDoubleSpend => {
                ("no_double_spend", Safety, "a pay answered ok moved the token from its caller, once per version")
            }
            Property::RefusalChangedNothing => ("refusal_changed_nothing", Safety, "a refused request changed nothing"),
            Property::ExactlyOnce => ("exactly_once", Safety, "a request took effect at most once, retries included"),
            Property::RequestIdsUnique => {
                ("request_ids_unique", Safety, "no client gives one request id to two requests, crashes included")
            }
            Property::ReplicaOneValuePerVersion => (
                "replica_one_value_per_version",
                Safety,
                "no two servers ever hold different values at one version of a token",
            ),
            Property::ReplicaVersionMonotonic => {
                ("replica_version_monotonic", Safety, "a server's version of a token never decreases")
            }
            Property::OneConfigPerEpoch => {
                ("one_config_per_epoch", Safety, "every install of an epoch names the same configuration")
            }
            Property::OneValuePerBallot => {
                ("one_value_per_ballot", Safety, "a ballot proposes at most one configuration for an epoch")
            }
            Property::EpochsOnlyGrow => {
                ("epochs_only_grow", Safety, "no node's view of the configuration goes back to an older epoch")
            }
            Property::ServerCountLimits => {
                ("server_count_limits", Safety, "every installed configuration has 3 to 7 servers")
            }
            Property::RoleChangeInstalled => (
                "role_change_installed",
                Safety,
                "each configuration is the one before with exactly its change; an ok role change was installed",
            ),
            Property::RoleChangeRefusedRightly => (
                "role_change_refused_rightly",
                Safety,
                "a role change is refused only for a reason that held while it was worked on",
            ),
            Property::RolesMatchConfig => {
                ("roles_match_config", Safety, "a node is a server exactly when its installed configuration names it")
            }
            Property::FaultFreeRerun => {
                ("fault_free_rerun", Safety, "the completed requests, rerun without faults, reach the same final table")
            }
            Property::Liveness => {
                ("liveness", Liveness, "every request of a correct client is answered within the liveness budget")
            }
            Property::Progress => {
                ("progress", Liveness, "the run ends within its event budget: no livelock, no runaway")
            }
            Property::ExpectedAnswer => {
                ("expected_answer", Expectation, "each explicit request gets the answer its `expect` names")
            }
            Property::ExpectedViolation => {
                ("expected_violation", Expectation, "a scenario that expects a violation shows it")
            }
            Property::NoPanic => ("no_panic", Harness, "neither the simulator nor a node panics"),
            Property::Custom => ("custom", Safety, "a property the user added in code; its violations name it"),
        }
    }
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

/// A set of properties: which ones a run judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PropertySet(u64);

impl PropertySet {
    /// Every property.
    pub fn all() -> PropertySet {
        PropertySet::from_iter(Property::ALL)
    }

    /// No property.
    pub fn none() -> PropertySet {
        PropertySet(0)
    }

    /// Whether `property` is in the set.
    pub fn contains(&self, property: Property) -> bool {
        self.0 & bit(property) != 0
    }

    /// The set with `property` added.
    pub fn with(self, property: Property) -> PropertySet {
        PropertySet(self.0 | bit(property))
    }

    /// The properties in the set, in [`Property::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Property> {
        Property::ALL.into_iter().filter(move |property| self.contains(*property))
    }
}

impl FromIterator<Property> for PropertySet {
    fn from_iter<I: IntoIterator<Item = Property>>(properties: I) -> PropertySet {
        properties.into_iter().fold(PropertySet::none(), PropertySet::with)
    }
}

fn bit(property: Property) -> u64 {
    let index = Property::ALL.iter().position(|p| *p == property).expect("ALL lists every property");
    1 << index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_round_trip() {
        for property in Property::ALL {
            assert_eq!(property.name().parse(), Ok(property));
            assert!(!property.summary().is_empty());
        }
        let mut names: Vec<&str> = Property::ALL.iter().map(Property::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Property::ALL.len());
    }

    #[test]
    fn sets_hold_what_was_put_in() {
        let set: PropertySet = [Property::Liveness, Property::NoPanic].into_iter().collect();
        assert!(set.contains(Property::Liveness) && !set.contains(Property::Linearizable));
        assert_eq!(set.iter().collect::<Vec<_>>(), [Property::Liveness, Property::NoPanic]);
        assert_eq!(PropertySet::all().iter().count(), Property::ALL.len());
    }
}
