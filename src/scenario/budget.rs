//! The fault budget, counted one way everywhere: by scenario validation over the fault
//! schedule, and by the simulator as faults, partitions and configurations change during a
//! run. A server counts against the budget when it is faulty, or when a partition puts it
//! out of reach of a correct client.

use crate::protocol::NodeId;

/// How many of `servers` count against the budget with `faulty` nodes faulty and the nodes
/// in `cut_off` separated from the rest by a partition: the servers that are faulty or on the
/// other side, seen from the side of the partition best placed to make progress (among the
/// sides that hold a correct node of `clients`). Without a partition, simply the faulty
/// servers.
///
/// So a partition keeps the budget when some correct client still reaches a majority of
/// correct servers. A client cut off on the worse side is owed no answers while cut off
/// (see `Simulation::correct_clients`), and is owed them again once the partition is
/// repaired.
pub fn servers_out_of_reach(servers: &[NodeId], clients: &[NodeId], faulty: &[NodeId], cut_off: &[NodeId]) -> usize {
    let out_from = |side: bool| out_of_reach_from(servers, faulty, cut_off, side);
    client_sides(clients, faulty, cut_off).into_iter().map(out_from).min().unwrap_or_else(|| out_from(false))
}

/// How many of `servers` are faulty or across the partition from side `cut_side` (true:
/// the side of the nodes in `cut_off`).
pub(crate) fn out_of_reach_from(servers: &[NodeId], faulty: &[NodeId], cut_off: &[NodeId], cut_side: bool) -> usize {
    servers.iter().filter(|s| faulty.contains(s) || cut_off.contains(s) != cut_side).count()
}

/// The sides of the partition that hold a correct node of `clients` (true: the side of the
/// nodes in `cut_off`); without a partition, or with no correct client on either side
/// (then nobody is served, and the budget is counted from the uncut side), the uncut side.
pub(crate) fn client_sides(clients: &[NodeId], faulty: &[NodeId], cut_off: &[NodeId]) -> Vec<bool> {
    if cut_off.is_empty() {
        return vec![false];
    }
    let holds_client = |side: bool| clients.iter().any(|c| !faulty.contains(c) && cut_off.contains(c) == side);
    let sides: Vec<bool> = [false, true].into_iter().filter(|&side| holds_client(side)).collect();
    match sides.is_empty() {
        true => vec![false],
        false => sides,
    }
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
    fn partitions_count_from_the_side_best_placed_to_make_progress() {
        let (servers, clients) = (nodes(&[7, 8, 9, 10, 11]), nodes(&[1, 2, 3]));
        assert_eq!(servers_out_of_reach(&servers, &clients, &nodes(&[7]), &[]), 1);
        // One server cut off from everyone: it is as good as faulty.
        assert_eq!(servers_out_of_reach(&servers, &clients, &[], &nodes(&[9])), 1);
        // Every client cut off with one server: four of five are out of every client's reach.
        assert_eq!(servers_out_of_reach(&servers, &clients, &[], &nodes(&[1, 2, 3, 7])), 4);
        let the_other_way = servers_out_of_reach(&servers, &clients, &[], &nodes(&[8, 9, 10, 11]));
        assert_eq!(the_other_way, 4, "the same cut, named the other way");
        // A client cut off with two servers: the other clients still reach three.
        assert_eq!(servers_out_of_reach(&servers, &clients, &[], &nodes(&[1, 7, 8])), 2);
        // ... but not when one of those three is faulty too.
        assert_eq!(servers_out_of_reach(&servers, &clients, &nodes(&[9]), &nodes(&[1, 7, 8])), 3);
        // Clients on both sides of a 2-3 cut, one server faulty on each side: even the better
        // side reaches only two correct servers.
        let (faulty, cut) = (nodes(&[7, 9]), nodes(&[1, 7, 8]));
        assert_eq!(servers_out_of_reach(&servers, &clients, &faulty, &cut), 3);
        assert!(within_budget(2, 5) && !within_budget(3, 5) && !within_budget(2, 4));
    }
}
