//! The fault budget as the run lives it: checked whenever faults, the partition or the
//! configuration change, counted as scenario validation counts it
//! ([`crate::scenario::servers_out_of_reach`]) but in every configuration in force, and
//! remembered once broken, so that liveness is owed only by a run that kept it throughout.

use super::Simulation;
use crate::protocol::{Config, Instant, NodeId, Server};
use crate::scenario::{client_sides, out_of_reach_from, within_budget};
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
    /// How many servers are faulty or out of a correct client's reach now, and of how many,
    /// in the configuration that comes off worst, seen from the side of the partition best
    /// placed to make progress (see [`Simulation::configurations_in_force`]).
    pub fn servers_out_of_reach(&self) -> (usize, usize) {
        let nodes = self.world.nodes();
        let faulty: Vec<NodeId> = nodes.iter().copied().filter(|&node| self.is_faulty(node)).collect();
        let newest = self.current_config();
        let clients: Vec<NodeId> = nodes.into_iter().filter(|node| !newest.servers.contains(node)).collect();
        let cut_off = self.network.cut_off();
        // Within budget when `out * 2 < servers`: the larger this margin, the worse.
        let margin = |&(out, servers): &(usize, usize)| (out * 2) as i64 - servers as i64;
        let worst_on = |side: bool| {
            let configs = self.configurations_in_force(side, &faulty, &cut_off);
            let counts = configs
                .iter()
                .map(|config| (out_of_reach_from(&config.servers, &faulty, &cut_off, side), config.servers.len()));
            counts.max_by_key(margin).expect("the newest configuration is always in force")
        };
        let sides = client_sides(&clients, &faulty, &cut_off);
        sides.into_iter().map(worst_on).min_by_key(margin).expect("at least one side")
    }

    /// The configurations a client on side `cut_side` of the partition (true: the side of
    /// the nodes cut off; without a partition, every node is on side false) needs a majority
    /// of in reach: the newest any server has installed, and the newest a correct server on
    /// that side has installed, when that is older.
    ///
    /// While a role change is half done both count. The servers the client reaches may
    /// still be sealed in the older configuration (the newer one was installed only across
    /// the partition, or only on faulty servers), and then only a takeover of the older one
    /// serves it; or it may need the newer one's servers, which repair the rest once one of
    /// them is reached.
    pub fn configurations_in_force(&self, cut_side: bool, faulty: &[NodeId], cut_off: &[NodeId]) -> Vec<Config> {
        let newest = self.current_config();
        let reachable = self.servers().filter(|server| {
            let id = server.id();
            !faulty.contains(&id) && cut_off.contains(&id) == cut_side
        });
        let here = reachable.map(Server::config).max_by_key(|config| config.epoch);
        match here {
            Some(here) if here.epoch < newest.epoch => vec![newest, here.clone()],
            _ => vec![newest],
        }
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
