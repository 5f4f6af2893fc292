//! The network model: per-message delay, omission faults at servers, and link loss.

use super::rng::SimRng;
use crate::protocol::NodeId;
use crate::vocab::{DropReason, NetworkOptions, Omission};

/// Decides, per message, its delay or its loss.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    options: NetworkOptions,
    /// Indexed by node id; `None` for a node without a fault.
    faults: Vec<Option<Omission>>,
    /// Indexed by node id; the nodes cut off from the rest by the current partition.
    cut_off: Vec<bool>,
    rng: SimRng,
}

impl Network {
    pub(crate) fn new(options: NetworkOptions, node_count: usize, rng: SimRng) -> Network {
        Network { options, faults: vec![None; node_count + 1], cut_off: vec![false; node_count + 1], rng }
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

    /// The delay of a duplicate of a message just sent, if it is duplicated. Draws only
    /// when duplication is on, so runs without it are unchanged.
    pub(crate) fn duplicate_delay_us(&mut self) -> Option<u64> {
        if self.options.duplicate_ratio.is_never() || !self.rng.chance(self.options.duplicate_ratio) {
            return None;
        }
        Some(self.rng.between(self.options.delay_us_min, self.options.delay_us_max))
    }

    /// A message leaves `from`: its delay, or why it is lost on the way out.
    pub(crate) fn on_send(&mut self, from: NodeId) -> Result<u64, DropReason> {
        if let Some(omission) = self.fault(from).filter(Omission::loses_sends) {
            if self.rng.chance(omission.ratio) {
                return Err(DropReason::SenderOmission);
            }
        }
        if !self.options.link_loss.is_never() && self.rng.chance(self.options.link_loss) {
            return Err(DropReason::LinkLoss);
        }
        Ok(self.rng.between(self.options.delay_us_min, self.options.delay_us_max))
    }

    /// A message reaches `to`: why it is lost there, if it is.
    pub(crate) fn on_arrival(&mut self, to: NodeId) -> Option<DropReason> {
        let omission = self.fault(to).filter(Omission::loses_receives)?;
        self.rng.chance(omission.ratio).then_some(DropReason::ReceiverOmission)
    }
}
