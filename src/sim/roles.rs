//! Which role changes the random workload may ask for: those that keep the fault budget in
//! every configuration that the changes already asked for could lead to.

use super::Simulation;
use crate::protocol::{NodeId, Request};

impl Simulation {
    /// The nodes the workload may promote and the servers it may demote now.
    ///
    /// Pending changes may land in any order and any may be refused, so the budget must hold
    /// in the worst case: every pending promotion of a faulty node and demotion of a correct
    /// one happens, and no other pending change does. That also covers every intermediate
    /// configuration. Sizes (3 to 7) are left to the protocol, which refuses what breaks them.
    pub(super) fn role_change_candidates(&self) -> (Vec<NodeId>, Vec<NodeId>) {
        let servers = self.current_config().servers;
        let pending = self.pending_role_changes();
        let touched = |node: NodeId| pending.iter().any(|(n, _)| *n == node);
        let faulty = |node: NodeId| self.is_faulty(node);
        let faulty_adds = pending.iter().filter(|(n, promote)| *promote && faulty(*n) && !servers.contains(n)).count();
        let correct_removes =
            pending.iter().filter(|(n, promote)| !*promote && !faulty(*n) && servers.contains(n)).count();
        let worst_faulty = servers.iter().filter(|&&n| faulty(n)).count() + faulty_adds;
        let worst_total = servers.len() + faulty_adds - correct_removes.min(servers.len());
        let keeps_budget = |faulty_count: usize, total: usize| faulty_count * 2 < total;
        // Someone must be left to issue requests: keep one correct client no promotion touches.
        let spare_clients = self
            .world()
            .nodes()
            .into_iter()
            .filter(|&n| !servers.contains(&n) && !faulty(n) && !pending.iter().any(|&(p, promote)| p == n && promote))
            .count();
        let promotable = self
            .world()
            .nodes()
            .into_iter()
            .filter(|&n| !servers.contains(&n) && !touched(n))
            .filter(|&n| faulty(n) || spare_clients > 1)
            .filter(|&n| !faulty(n) || keeps_budget(worst_faulty + 1, worst_total + 1))
            .collect();
        let demotable = servers
            .iter()
            .copied()
            .filter(|&n| !touched(n))
            .filter(|&n| faulty(n) || keeps_budget(worst_faulty, worst_total.saturating_sub(1)))
            .collect();
        (promotable, demotable)
    }

    /// The role changes asked for and not yet answered: (node, whether it is a promotion).
    /// A change lost in a crash after it started counts too: a client that takes over
    /// from its stopped coordinator may still complete it.
    fn pending_role_changes(&self) -> Vec<(NodeId, bool)> {
        let mut pending = Vec::new();
        let records =
            self.history().without_answer().filter(|record| record.is_waiting() || record.started_at.is_some());
        for record in records {
            match record.request {
                Request::BecomeServer { node } => pending.push((node, true)),
                Request::BecomeClient { node } => pending.push((node, false)),
                Request::GetTokens { .. } | Request::Pay { .. } => {}
            }
        }
        pending
    }
}
