//! How messages travel and how they are lost: the network and fault options that scenarios
//! write, the simulator applies and reports name.

use super::Ratio;
use serde::{Deserialize, Serialize};

/// How messages travel. Delays are drawn uniformly per message, so order between two
/// messages is not preserved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkOptions {
    /// The shortest delay a message can take.
    pub delay_us_min: u64,
    /// The longest delay a message can take.
    pub delay_us_max: u64,
    /// The chance that any message is lost on its link (fair loss), faults aside.
    pub link_loss: Ratio,
    /// The chance that a message that is not lost is delivered twice (each copy with its
    /// own delay).
    pub duplicate_ratio: Ratio,
}

impl Default for NetworkOptions {
    fn default() -> NetworkOptions {
        NetworkOptions {
            delay_us_min: 1_000,
            delay_us_max: 20_000,
            link_loss: Ratio::NEVER,
            duplicate_ratio: Ratio::NEVER,
        }
    }
}

/// Which direction of a faulty node's traffic is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OmissionKind {
    /// Messages the server sends are lost.
    Send,
    /// Messages sent to the server are lost.
    Receive,
    /// Both.
    Both,
}

/// An omission fault: a node (a client or a server) loses `ratio` of its messages in the
/// `kind` direction. At ratio 1 the node is silent; its state is never wrong, only stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Omission {
    /// Which direction is lost.
    pub kind: OmissionKind,
    /// How much of it.
    pub ratio: Ratio,
}

impl Omission {
    pub(crate) fn loses_sends(&self) -> bool {
        matches!(self.kind, OmissionKind::Send | OmissionKind::Both)
    }

    pub(crate) fn loses_receives(&self) -> bool {
        matches!(self.kind, OmissionKind::Receive | OmissionKind::Both)
    }
}

/// Why a message was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Send-omission at the sender.
    SenderOmission,
    /// Receive-omission at the receiver.
    ReceiverOmission,
    /// Loss on the link.
    LinkLoss,
    /// The sender and receiver are on different sides of a partition.
    Partition,
    /// The receiver was down (crashed, not yet restarted) when the message arrived.
    Crashed,
    /// A schedule chose to lose it (see `vocab::Schedule`).
    Chosen,
}

impl DropReason {
    /// A short lowercase name, for reports and traces.
    pub fn name(&self) -> &'static str {
        match self {
            DropReason::SenderOmission => "omission at sender",
            DropReason::ReceiverOmission => "omission at receiver",
            DropReason::LinkLoss => "link loss",
            DropReason::Partition => "partition",
            DropReason::Crashed => "crashed",
            DropReason::Chosen => "lost by the schedule",
        }
    }
}
