//! Counts of what a run did, for the summary.

use crate::vocab::DropReason;
use serde::Serialize;

/// How many events and messages a run processed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Events taken off the queue.
    pub events: u64,
    /// Messages handed to the network.
    pub messages_sent: u64,
    /// Messages that reached their receiver.
    pub messages_delivered: u64,
    /// Messages lost to send-omission at their sender.
    pub dropped_sender_omission: u64,
    /// Messages lost to receive-omission at their receiver.
    pub dropped_receiver_omission: u64,
    /// Messages lost on their link.
    pub dropped_link_loss: u64,
    /// Messages lost to a partition.
    pub dropped_partition: u64,
    /// Messages that arrived at a crashed node.
    pub dropped_crashed: u64,
    /// Messages a schedule chose to lose (see `vocab::Schedule`).
    #[serde(skip_serializing_if = "is_zero")]
    pub dropped_chosen: u64,
    /// Extra copies of messages the network delivered (duplication).
    pub messages_duplicated: u64,
    /// Timers that fired.
    pub timers_fired: u64,
}

impl Counters {
    /// All messages lost, whatever the reason.
    pub fn messages_dropped(&self) -> u64 {
        self.dropped_sender_omission
            + self.dropped_receiver_omission
            + self.dropped_link_loss
            + self.dropped_partition
            + self.dropped_crashed
            + self.dropped_chosen
    }

    pub(crate) fn count_drop(&mut self, reason: DropReason) {
        match reason {
            DropReason::SenderOmission => self.dropped_sender_omission += 1,
            DropReason::ReceiverOmission => self.dropped_receiver_omission += 1,
            DropReason::LinkLoss => self.dropped_link_loss += 1,
            DropReason::Partition => self.dropped_partition += 1,
            DropReason::Crashed => self.dropped_crashed += 1,
            DropReason::Chosen => self.dropped_chosen += 1,
        }
    }
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}
