//! Crashes and restarts as the simulator lives them. The simulator decides when; the node
//! decides what survives ([`Node::restart`](crate::protocol::Node::restart)).
//!
//! A crashed node is handed nothing: messages that reach it are lost (`crashed`), its
//! timers are dropped, it is handed no requests, and the requests it had in memory are
//! lost, never answered and owed no answer. Messages it sent before it crashed
//! are on the wire and still arrive. It counts as faulty until it restarts: a crashed
//! server against the fault budget, a crashed client as owed nothing.

use super::observer::{Observer, Unobserved};
use super::queue::Event;
use super::{Simulation, TraceEvent};
use crate::protocol::{NodeId, RequestId};

impl Simulation {
    /// Crash `node` now; the requests it loses (the one it worked on, then its queue), or
    /// `None` if there is no such node or it is down already.
    pub fn crash(&mut self, node: NodeId) -> Option<Vec<RequestId>> {
        let lost = self.node(node)?.requests_in_memory();
        if self.is_crashed(node) {
            return None;
        }
        self.crashed[node.0 as usize] = true;
        for &id in &lost {
            self.history.mark_lost(id, self.now);
        }
        // Its timers would fire into the restarted node, whose phases are numbered afresh.
        self.queue.remove(|event| matches!(event, Event::Timer { node: owner, .. } if *owner == node));
        self.trace(|| TraceEvent::Crashed { node, lost: lost.clone() });
        self.watch_budget();
        Some(lost)
    }

    /// Restart `node` now from its durable state; false if there is no such node or it is up.
    pub fn restart(&mut self, node: NodeId) -> bool {
        self.restart_observed(node, &mut Unobserved)
    }

    /// Restart `node` like [`Simulation::restart`], showing `observer` the node it comes back as.
    pub(super) fn restart_observed(&mut self, node: NodeId, observer: &mut dyn Observer) -> bool {
        if !self.is_crashed(node) {
            return false;
        }
        let Some(slot) = self.nodes.get_mut(node.0 as usize).and_then(Option::as_mut) else { return false };
        *slot = std::sync::Arc::new(slot.restart());
        self.crashed[node.0 as usize] = false;
        self.trace(|| TraceEvent::Restarted { node });
        if let Some(restarted) = self.node(node) {
            observer.after_restart(self.now, restarted);
        }
        true
    }

    /// Whether `node` is down: crashed and not yet restarted.
    pub fn is_crashed(&self, node: NodeId) -> bool {
        self.crashed.get(node.0 as usize).copied().unwrap_or(false)
    }

    /// The nodes that are down now, ascending.
    pub fn crashed_nodes(&self) -> Vec<NodeId> {
        (0..self.crashed.len()).filter(|&index| self.crashed[index]).map(|index| NodeId(index as u32)).collect()
    }
}
