//! Checkers for the contract in `PROTOCOL.md`, one job per module.
//!
//! - [`history`]: the plain history type the checkers read, and its conversion from a run.
//! - [`linearizability`]: per-token linearizability of `pay` and `gettokens` against a
//!   sequential token (owner, version), which also covers no double spend, refusals that
//!   changed nothing and one owner per version (conservation).
//! - [`effects`]: what a run's servers were sent: each request wrote at most one version,
//!   refused requests wrote none, versions have no gaps.
//! - [`replicas`]: replica invariants checked after every event through the simulator's
//!   [`Observer`](crate::sim::Observer) hook.
//! - [`liveness`]: every request of a correct client answered within the budget.
//! - [`run`]: all of the above on one seeded run.
//! - [`synthetic`]: large valid histories, for benchmarks and tests.
//!
//! Every finding is a [`Violation`]: the property, the seed, the simulated time and the
//! requests that matter.

pub mod effects;
pub mod history;
pub mod linearizability;
pub mod liveness;
pub mod replicas;
pub mod run;
pub mod synthetic;
mod violation;

pub use history::{EventKey, HistoryError, OpHistory, Operation};
pub use linearizability::check_linearizability;
pub use liveness::{check_liveness, LivenessReport, StuckRequest};
pub use replicas::ReplicaChecker;
pub use run::{check_run, RunVerdict};
pub use violation::{Property, UnknownProperty, Violation};
