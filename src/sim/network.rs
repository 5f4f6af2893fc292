//! The network model: per-message delay, omission faults, link loss, duplication and
//! partitions.
//!
//! Every draw about a message is keyed by the message's link and its number on that link
//! (the n-th message from `a` to `b`), not taken from one stream in send order: a change to
//! one client's traffic (a request the shrinker removes, say) changes the draws of that
//! client's links only.

use super::rng::KeyedRng;
use crate::protocol::NodeId;
use crate::vocab::{DropReason, NetworkOptions, Omission};
// HashMap only for `sent_on`, looked up and never iterated: no order reaches a run.
use std::collections::HashMap; // HashMap: lookups only, never iterated (see `sent_on`)

/// What a draw about a message is for: one independent draw each.
mod purpose {
    pub(super) const SENDER_OMISSION: u64 = 1;
    pub(super) const LINK_LOSS: u64 = 2;
    pub(super) const DELAY: u64 = 3;
    pub(super) const DUPLICATE: u64 = 4;
    pub(super) const DUPLICATE_DELAY: u64 = 5;
    pub(super) const RECEIVER_OMISSION: u64 = 6;
    pub(super) const DUPLICATE_RECEIVER_OMISSION: u64 = 7;
}

/// Decides, per message, its delay or its loss.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    options: NetworkOptions,
    /// Indexed by node id; `None` for a node without a fault.
    faults: Vec<Option<Omission>>,
    /// Indexed by node id; the nodes cut off from the rest by the current partition.
    cut_off: Vec<bool>,
    rng: KeyedRng,
    /// How many messages each link has carried, keyed by (from, to). Looked up, never
    /// iterated, so the map's order cannot reach a run.
    sent_on: HashMap<(u32, u32), u64, rustc_hash::FxBuildHasher>, // lookup only
    /// Whether only a schedule's choices lose messages (no random loss or duplication).
    chosen_losses: bool,
}

/// The identity of one message for the network's draws: its link and number on it, and
/// whether it is the duplicate copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MessageKey {
    key: u64,
    duplicate: bool,
    /// The message's number on its link, for traces (`key` is a hash of the link and it).
    /// It fits beside `duplicate` without growing the key. A link would need more than
    /// four billion messages in one run to wrap it.
    number: u32,
}

// By hand, to hash what it hashed before `number` was added (`number` is implied by `key`):
// the run's event hash, pinned by tests and recorded in traces, covers pending deliveries.
impl std::hash::Hash for MessageKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
        self.duplicate.hash(state);
    }
}

impl MessageKey {
    /// The message's number on its link, from 1.
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    /// Whether this is the network's second copy of the message.
    pub(crate) fn is_copy(&self) -> bool {
        self.duplicate
    }
}

impl Network {
    pub(crate) fn new(options: NetworkOptions, node_count: usize, rng: KeyedRng) -> Network {
        let (faults, cut_off) = (vec![None; node_count + 1], vec![false; node_count + 1]);
        Network {
            options,
            faults,
            cut_off,
            rng,
            sent_on: HashMap::default(), /* lookup only */
            chosen_losses: false,
        }
    }

    /// Make `node` faulty with `omission`, or correct again with `None`.
    pub(crate) fn set_fault(&mut self, node: NodeId, omission: Option<Omission>) {
        self.faults[node.0 as usize] = omission;
    }

    pub(crate) fn fault(&self, node: NodeId) -> Option<Omission> {
        self.faults.get(node.0 as usize).copied().flatten()
    }

    /// Cut `nodes` off from the rest, replacing any earlier partition.
    pub(crate) fn partition(&mut self, nodes: &[NodeId]) {
        self.repair();
        for node in nodes {
            if let Some(slot) = self.cut_off.get_mut(node.0 as usize) {
                *slot = true;
            }
        }
    }

    /// End the partition.
    pub(crate) fn repair(&mut self) {
        self.cut_off.iter_mut().for_each(|slot| *slot = false);
    }

    /// The nodes the current partition cuts off, ascending.
    pub(crate) fn cut_off(&self) -> Vec<NodeId> {
        (0..self.cut_off.len()).filter(|&index| self.cut_off[index]).map(|index| NodeId(index as u32)).collect()
    }

    /// Whether a partition separates `from` and `to`. Draws nothing.
    pub(crate) fn separated(&self, from: NodeId, to: NodeId) -> bool {
        let side = |node: NodeId| self.cut_off.get(node.0 as usize).copied().unwrap_or(false);
        side(from) != side(to)
    }

    /// From now on, lose messages only where a schedule's choice says so.
    pub(crate) fn choose_losses(&mut self) {
        self.chosen_losses = true;
    }

    /// Fold the faults and the partition into `state` (a search's state digest).
    pub(crate) fn hash_faults(&self, state: &mut impl std::hash::Hasher) {
        std::hash::Hash::hash(&self.faults, state);
        std::hash::Hash::hash(&self.cut_off, state);
    }

    /// The identity of the next message from `from` to `to`.
    pub(crate) fn next_key(&mut self, from: NodeId, to: NodeId) -> MessageKey {
        let sent = self.sent_on.entry((from.0, to.0)).or_insert(0);
        *sent += 1;
        let number = *sent as u32; // wraps only past four billion messages on one link
        MessageKey { key: KeyedRng::key(from.0, to.0, *sent), duplicate: false, number }
    }

    /// The key of the duplicate copy of the message `key`, and its delay, if the network
    /// duplicates it.
    pub(crate) fn duplicate(&self, key: MessageKey) -> Option<(MessageKey, u64)> {
        let ratio = self.options.duplicate_ratio;
        if self.chosen_losses || ratio.is_never() || !self.rng.chance(ratio, key.key, purpose::DUPLICATE) {
            return None;
        }
        let delay =
            self.rng.between(self.options.delay_us_min, self.options.delay_us_max, key.key, purpose::DUPLICATE_DELAY);
        Some((MessageKey { duplicate: true, ..key }, delay))
    }

    /// The message `key` leaves `from`: its delay, or why it is lost on the way out.
    pub(crate) fn on_send(&self, from: NodeId, key: MessageKey) -> Result<u64, DropReason> {
        let delay = || self.rng.between(self.options.delay_us_min, self.options.delay_us_max, key.key, purpose::DELAY);
        if self.chosen_losses {
            return Ok(delay());
        }
        if let Some(omission) = self.fault(from).filter(Omission::loses_sends) {
            if self.rng.chance(omission.ratio, key.key, purpose::SENDER_OMISSION) {
                return Err(DropReason::SenderOmission);
            }
        }
        if self.rng.chance(self.options.link_loss, key.key, purpose::LINK_LOSS) {
            return Err(DropReason::LinkLoss);
        }
        Ok(delay())
    }

    /// The message `key` reaches `to`: why it is lost there, if it is.
    pub(crate) fn on_arrival(&self, to: NodeId, key: MessageKey) -> Option<DropReason> {
        if self.chosen_losses {
            return None;
        }
        let omission = self.fault(to).filter(Omission::loses_receives)?;
        let purpose = if key.duplicate { purpose::DUPLICATE_RECEIVER_OMISSION } else { purpose::RECEIVER_OMISSION };
        self.rng.chance(omission.ratio, key.key, purpose).then_some(DropReason::ReceiverOmission)
    }
}
