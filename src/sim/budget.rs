//! The fault budget as the run lives it: checked whenever faults, the partition or the
//! configuration change, counted exactly as scenario validation counts it
//! ([`servers_out_of_reach`]), and remembered once broken, so that liveness is owed only by
//! a run that kept it throughout.

use super::Simulation;
use crate::protocol::{Instant, NodeId};
use crate::scenario::{servers_out_of_reach, within_budget};
use serde::{Deserialize, Serialize};

/// When and how a run first broke the fault budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetBreak {
    /// When.
    pub at: Instant,
    /// How many servers were faulty or out of a correct client's reach.
    pub out_of_reach: usize,
    /// Of how many servers.
    pub servers: usize,
}

impl std::fmt::Display for BudgetBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "at {}, {} of {} servers were faulty or out of every client's reach (the budget allows fewer than half)",
            self.at, self.out_of_reach, self.servers
        )
    }
}

impl Simulation {
    /// How many servers of the current configuration are faulty or out of a correct
    /// client's reach now, and how many servers there are.
    pub fn servers_out_of_reach(&self) -> (usize, usize) {
        let servers = self.current_config().servers;
        let nodes = self.world.nodes();
        let faulty: Vec<NodeId> = nodes.iter().copied().filter(|&node| self.is_faulty(node)).collect();
        let clients: Vec<NodeId> = nodes.into_iter().filter(|node| !servers.contains(node)).collect();
        let cut_off = self.network.cut_off();
        (servers_out_of_reach(&servers, &clients, &faulty, &cut_off), servers.len())
    }

    /// When the run first broke the fault budget, if it did.
    pub fn budget_broken(&self) -> Option<&BudgetBreak> {
        self.budget_break.as_ref()
    }

    /// Look at the budget again after faults, the partition or the configuration changed.
    pub(super) fn watch_budget(&mut self) {
        if self.budget_break.is_some() {
            return;
        }
        let (out_of_reach, servers) = self.servers_out_of_reach();
        if !within_budget(out_of_reach, servers) {
            self.budget_break = Some(BudgetBreak { at: self.now, out_of_reach, servers });
        }
    }
}
