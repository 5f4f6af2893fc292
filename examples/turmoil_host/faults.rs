//! A scenario's faults as a function of time: what the host asks before it sends, receives
//! or runs a node.
//!
//! tokensim's simulator carries out each scheduled fault event when its time comes. In
//! turmoil every node runs in its own task, so instead each host asks the plan what holds
//! at the instant it acts: the node's omission fault, whether it is down, and whether a
//! partition separates it from the node it sends to. The state at an instant is the one
//! after every event of that instant, in file order, as in tokensim. The plan is built
//! once and never changes, so the hosts share it without coordination.

use tokensim::protocol::{Instant, NodeId};
use tokensim::scenario::{FaultAction, Scenario};
use tokensim::sim::Omission;

/// Every fault of a scenario, by node and by time; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct FaultPlan {
    /// Per node id: from when (µs) which omission fault holds (`None`: healed), in time
    /// order, starting with the faults from the start at 0.
    omissions: Vec<Vec<(u64, Option<Omission>)>>,
    /// Per node id: when it crashes and when it restarts (µs; `u64::MAX`: never).
    downtimes: Vec<Vec<(u64, u64)>>,
    /// From when (µs) which nodes are cut off from the rest (empty: repaired), in time order.
    partitions: Vec<(u64, Vec<NodeId>)>,
}

impl FaultPlan {
    /// The plan of `scenario`, whose world has `node_count` nodes (ids `1..=node_count`).
    /// The scenario must be valid (a restart follows a crash of the same node).
    pub fn of(scenario: &Scenario, node_count: usize) -> FaultPlan {
        let mut plan = FaultPlan {
            omissions: vec![Vec::new(); node_count + 1],
            downtimes: vec![Vec::new(); node_count + 1],
            partitions: Vec::new(),
        };
        for (node, omission) in scenario.omissions() {
            plan.omissions[node.0 as usize].push((0, Some(omission)));
        }
        let mut order: Vec<usize> = (0..scenario.schedule.len()).collect();
        order.sort_by_key(|&index| scenario.schedule[index].at_ms);
        for index in order {
            let event = &scenario.schedule[index];
            let at = event.at_us();
            match event.action() {
                Some(FaultAction::MakeFaulty(fault)) => {
                    let omission = Omission { kind: fault.kind, ratio: fault.ratio };
                    plan.omissions[fault.node.0 as usize].push((at, Some(omission)));
                }
                Some(FaultAction::Heal(node)) => plan.omissions[node.0 as usize].push((at, None)),
                Some(FaultAction::Partition(mut nodes)) => {
                    nodes.sort_unstable();
                    plan.partitions.push((at, nodes));
                }
                Some(FaultAction::Repair) => plan.partitions.push((at, Vec::new())),
                Some(FaultAction::Crash(node)) => plan.downtimes[node.0 as usize].push((at, u64::MAX)),
                Some(FaultAction::Restart(node)) => {
                    if let Some(down) = plan.downtimes[node.0 as usize].last_mut() {
                        down.1 = at;
                    }
                }
                None => {}
            }
        }
        plan
    }

    /// The omission fault of `node` at `at`, if it has one.
    pub fn omission(&self, node: NodeId, at: Instant) -> Option<Omission> {
        let changes = self.omissions.get(node.0 as usize)?;
        changes.iter().rev().find(|(from, _)| *from <= at.0).and_then(|(_, omission)| *omission)
    }

    /// Whether `node` is down (crashed, not yet restarted) at `at`.
    pub fn is_down(&self, node: NodeId, at: Instant) -> bool {
        let downtimes = self.downtimes.get(node.0 as usize).map_or(&[][..], Vec::as_slice);
        downtimes.iter().any(|&(from, until)| from <= at.0 && at.0 < until)
    }

    /// Whether a partition separates `a` from `b` at `at`: one is cut off, the other not.
    pub fn separated(&self, a: NodeId, b: NodeId, at: Instant) -> bool {
        let cut = self.partitions.iter().rev().find(|(from, _)| *from <= at.0).map_or(&[][..], |(_, cut)| cut);
        !cut.is_empty() && cut.binary_search(&a).is_ok() != cut.binary_search(&b).is_ok()
    }

    /// The first instant after `now` at which `node` crashes or restarts, if any: the host
    /// must be awake then.
    pub fn next_crash_or_restart(&self, node: NodeId, now: Instant) -> Option<Instant> {
        let downtimes = self.downtimes.get(node.0 as usize)?;
        let instants = downtimes.iter().flat_map(|&(from, until)| [from, until]);
        instants.filter(|&at| at > now.0 && at != u64::MAX).min().map(Instant)
    }
}
