//! Checkers for the contract in `PROTOCOL.md`, one job per module.
//!
//! - [`history`]: the plain history type the checkers read, and its conversion from a run.
//! - [`linearizability`]: per-token linearizability of `pay` and `gettokens` against a
//!   sequential token (owner, version), which also covers no double spend, refusals that
//!   changed nothing and one owner per version (conservation).
//! - [`effects`]: what a run's servers were sent: each request wrote at most one version,
//!   refused requests wrote none, versions have no gaps.
//! - [`identity`]: every request id names one request (ids survive crashes).
//! - [`replicas`]: replica invariants checked after every event through the simulator's
//!   [`Observer`](crate::sim::Observer) hook.
//! - [`membership`]: configurations and role changes (one configuration per epoch,
//!   epochs only grow, server-count limits, installed changes, justified refusals, roles
//!   that match the configuration), watched through the observer hook.
//! - [`liveness`]: every request of a correct client answered within the budget.
//! - [`progress`]: every run ends within its event budget (no livelock).
//! - [`rerun`]: the fault-free rerun of the completed requests reaches the same final table.
//! - [`expectations`]: what a scenario says of its own run (expected answers, an expected
//!   violation).
//! - [`verdict`]: all of the above on one finished run, as a [`Verdict`] of typed
//!   properties. Runs are made by [`crate::run::Run`], the one recipe for a run.
//! - [`custom`]: properties a user adds in code, judged in runs, sweeps, searches and
//!   proptest alike.
//! - [`synthetic`]: large valid histories, for benchmarks and tests.
//!
//! Every finding is a [`Violation`]: the property, the seed, the simulated time and the
//! requests that matter.

pub mod custom;
pub mod effects;
pub mod expectations;
pub mod history;
pub mod identity;
pub mod linearizability;
pub mod liveness;
pub mod membership;
pub mod progress;
pub mod replicas;
pub mod rerun;
pub mod retire;
pub mod synthetic;
pub mod verdict;
mod violation;

pub use crate::vocab::{Property, UnknownProperty, Violation};
pub use history::{EventKey, HistoryError, OpHistory, Operation};
pub use linearizability::check_linearizability;
pub use liveness::{check_liveness, LivenessReport, StuckRequest};
pub use membership::MembershipChecker;
pub use progress::check_progress;
pub use replicas::ReplicaChecker;
pub use rerun::{RerunComparison, RerunError};
pub use verdict::Watchers;
pub use verdict::{Status, Verdict};
