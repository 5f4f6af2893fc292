//! The shared vocabulary: the words that scenarios write, the simulator applies, and the
//! checkers and reports speak. A leaf: it imports nothing of the crate's but itself, so
//! every other part can use it without a circle.

mod latency;
mod network;
mod property;
mod ratio;
mod schedule;
mod text;
mod violation;
mod workload;

pub use latency::LatencyHistogram;
pub use network::{DropReason, NetworkOptions, Omission, OmissionKind};
pub use property::{Property, PropertyKind, PropertySet, UnknownProperty};
pub use ratio::{Ratio, RatioError};
pub use schedule::{Choice, Schedule, ScheduleSyntax};
pub use text::{count, printable};
pub use violation::Violation;
pub use workload::RandomWorkloadOptions;
