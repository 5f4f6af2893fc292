//! The fault budget, counted one way everywhere: by scenario validation over the fault
//! schedule, and by the simulator as faults, partitions and configurations change during a
//! run. A server counts against the budget when it is faulty, or when a partition puts it
//! out of reach of a correct client.

use crate::protocol::NodeId;

/// How many of `servers` count against the budget with `faulty` nodes faulty and the nodes
/// in `cut_off` separated from the rest by a partition: the faulty servers, and the servers
/// on a side of the partition that holds none of `clients` (but faulty ones), since no
/// request can reach them. A client cut off with too few servers is not a broken budget:
/// it is owed no answers while cut off (see `Simulation::correct_clients`), and it is owed
/// them again once the partition is repaired.
pub fn servers_out_of_reach(servers: &[NodeId], clients: &[NodeId], faulty: &[NodeId], cut_off: &[NodeId]) -> usize {
    let is_faulty = |node: &NodeId| faulty.contains(node);
    let is_cut = |node: &NodeId| cut_off.contains(node);
    let served = |cut_side: bool| cut_off.is_empty() || clients.iter().any(|c| !is_faulty(c) && is_cut(c) == cut_side);
    servers.iter().filter(|s| is_faulty(s) || !served(is_cut(s))).count()
}

/// Whether `out_of_reach` of `servers` servers keeps the budget: fewer than half.
pub fn within_budget(out_of_reach: usize, servers: usize) -> bool {
    out_of_reach * 2 < servers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(ids: &[u32]) -> Vec<NodeId> {
        ids.iter().copied().map(NodeId).collect()
    }

    #[test]
    fn partitions_count_the_servers_no_client_can_reach() {
        let (servers, clients) = (nodes(&[7, 8, 9, 10, 11]), nodes(&[1, 2, 3]));
        assert_eq!(servers_out_of_reach(&servers, &clients, &nodes(&[7]), &[]), 1);
        // One server cut off from everyone: it is as good as faulty.
        assert_eq!(servers_out_of_reach(&servers, &clients, &[], &nodes(&[9])), 1);
        // Every client cut off with one server: four of five are out of every client's reach.
        assert_eq!(servers_out_of_reach(&servers, &clients, &[], &nodes(&[1, 2, 3, 7])), 4);
        assert_eq!(
            servers_out_of_reach(&servers, &clients, &[], &nodes(&[8, 9, 10, 11])),
            4,
            "the same cut, named the other way"
        );
        // Clients on both sides: every server is some client's to reach.
        assert_eq!(servers_out_of_reach(&servers, &clients, &[], &nodes(&[1, 7, 8])), 0);
        // Only a faulty client on the small side: its servers are out of reach.
        assert_eq!(servers_out_of_reach(&servers, &clients, &nodes(&[1]), &nodes(&[1, 7, 8])), 2);
        assert!(within_budget(2, 5) && !within_budget(3, 5) && !within_budget(2, 4));
    }
}
