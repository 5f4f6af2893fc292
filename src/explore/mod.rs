//! Searching many runs for the one that fails, and making it small:
//! - [`swarm`]: each seed draws its own world, faults and workload;
//! - [`sweep`]: every seed of a range, in parallel, under the one judge ([`crate::run::Run`]);
//! - [`shard`]: one part of a sweep's range, chosen by `--shard K/N` or a cluster engine's
//!   array job, so that the parts' reports merge into the whole one;
//! - [`shrink`]: a failing run made into the smallest scenario that still fails the same way;
//! - [`search`]: every schedule of a small world, within bounds, checked at every state;
//! - `strategies` (cargo feature `proptest`): proptest strategies for users' own tests.

mod crew;
pub mod reproduce;
pub mod search;
pub mod shard;
pub mod shrink;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod swarm;
mod swarm_features;
mod swarm_lossy_payer;
mod swarm_nodes;
pub mod sweep;
