//! When nodes were faulty or cut off, as intervals the page shades over their lanes.
//!
//! Omission faults and partitions are part of the scenario in its header (`faults` from the
//! start, `schedule` at set times), so their intervals are derived from it. Crashes come
//! from the trace's own `crashed` and `restarted` records (see `model.rs`). The shape is
//! generic on purpose: "node N was unavailable or faulty from t1 to t2, with a label".

use crate::protocol::NodeId;
use crate::scenario::{FaultAction, Scenario};
use crate::sim::{Omission, OmissionKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// What kind of trouble an [`Unavailable`] interval is; the page styles each differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TroubleKind {
    /// The node loses some or all of its messages (an omission fault).
    Omission,
    /// The node is cut off from the nodes on the other side of a partition.
    Partition,
    /// The node is down: crashed, and not yet restarted.
    Crash,
}

/// One node in trouble for a stretch of simulated time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unavailable {
    /// The node.
    pub node: NodeId,
    /// From (simulated µs).
    pub from_us: u64,
    /// Until (simulated µs); `None` while it lasts to the end of the run.
    pub to_us: Option<u64>,
    /// What kind of trouble.
    pub kind: TroubleKind,
    /// A short description for people, such as `omission: sends lost 1/2`.
    pub label: String,
}

/// The intervals a scenario's faults and schedule make, ordered by node, then start.
///
/// A scenario that names an action ambiguously (a schedule entry with no or several
/// actions, which validation refuses) contributes nothing for that entry rather than failing:
/// the page should show what it can of any trace.
pub fn scenario_troubles(scenario: &Scenario) -> Vec<Unavailable> {
    let mut done = Vec::new();
    // Open intervals, keyed by node: at most one omission and one partition each.
    let mut omissions: BTreeMap<NodeId, (u64, String)> = BTreeMap::new();
    let mut cut_off: BTreeMap<NodeId, (u64, String)> = BTreeMap::new();
    for (node, omission) in scenario.omissions() {
        omissions.insert(node, (0, omission_label(&omission)));
    }
    // The simulator applies the schedule in time order, ties in file order; so do we.
    let mut schedule: Vec<(u64, usize, FaultAction)> = scenario
        .schedule
        .iter()
        .enumerate()
        .filter_map(|(index, event)| Some((event.at_us(), index, event.action()?)))
        .collect();
    schedule.sort_by_key(|(at, index, _)| (*at, *index));
    for (at, _, action) in schedule {
        match action {
            FaultAction::MakeFaulty(spec) => {
                close(&mut omissions, spec.node, at, TroubleKind::Omission, &mut done);
                let omission = Omission { kind: spec.kind, ratio: spec.ratio };
                omissions.insert(spec.node, (at, omission_label(&omission)));
            }
            FaultAction::Heal(node) => close(&mut omissions, node, at, TroubleKind::Omission, &mut done),
            FaultAction::Partition(nodes) => {
                let open: Vec<NodeId> = cut_off.keys().copied().collect();
                for node in open {
                    close(&mut cut_off, node, at, TroubleKind::Partition, &mut done);
                }
                let names: Vec<String> = nodes.iter().map(ToString::to_string).collect();
                let label = format!("partition: cut off with [{}] from the rest", names.join(" "));
                for node in nodes {
                    cut_off.insert(node, (at, label.clone()));
                }
            }
            FaultAction::Repair => {
                let open: Vec<NodeId> = cut_off.keys().copied().collect();
                for node in open {
                    close(&mut cut_off, node, at, TroubleKind::Partition, &mut done);
                }
            }
            // Crashes are shaded from the trace's `crashed` and `restarted` records, which
            // also show the crashes the REPL makes.
            FaultAction::Crash(_) | FaultAction::Restart(_) => {}
        }
    }
    for (node, (from_us, label)) in omissions {
        done.push(Unavailable { node, from_us, to_us: None, kind: TroubleKind::Omission, label });
    }
    for (node, (from_us, label)) in cut_off {
        done.push(Unavailable { node, from_us, to_us: None, kind: TroubleKind::Partition, label });
    }
    done.sort_by_key(|t| (t.node, t.from_us, t.kind));
    done
}

fn close(
    open: &mut BTreeMap<NodeId, (u64, String)>,
    node: NodeId,
    at: u64,
    kind: TroubleKind,
    done: &mut Vec<Unavailable>,
) {
    if let Some((from_us, label)) = open.remove(&node) {
        done.push(Unavailable { node, from_us, to_us: Some(at), kind, label });
    }
}

/// `omission: sends lost 1/2`, `omission: silent (everything it sends is lost)`.
fn omission_label(omission: &Omission) -> String {
    let what = match omission.kind {
        OmissionKind::Send => "sends",
        OmissionKind::Receive => "receives",
        OmissionKind::Both => "sends and receives",
    };
    if omission.ratio.numerator >= omission.ratio.denominator {
        format!("omission: all {what} lost")
    } else {
        format!("omission: {what} lost {}", omission.ratio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_has_two_faulty_servers_for_the_whole_run() {
        let troubles = scenario_troubles(&Scenario::default_scenario());
        assert_eq!(troubles.len(), 2);
        assert_eq!(troubles[0].node, NodeId(7));
        assert_eq!(troubles[0].label, "omission: sends and receives lost 1/2");
        assert_eq!(troubles[1].label, "omission: all sends lost");
        assert!(troubles.iter().all(|t| t.from_us == 0 && t.to_us.is_none()));
    }

    #[test]
    fn scheduled_faults_and_partitions_open_and_close() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/scheduled-faults.toml"))
            .expect("the scenario exists");
        let scenario = Scenario::from_toml(&text, "scheduled-faults.toml").expect("valid");
        let troubles = scenario_troubles(&scenario);
        let seven: Vec<_> = troubles.iter().filter(|t| t.node == NodeId(7)).collect();
        assert_eq!((seven[0].from_us, seven[0].to_us), (500_000, Some(3_000_000)));
        let eight: Vec<_> = troubles.iter().filter(|t| t.node == NodeId(8)).collect();
        assert_eq!(
            (eight[0].kind, eight[0].from_us, eight[0].to_us),
            (TroubleKind::Partition, 1_500_000, Some(3_500_000))
        );
        let one: Vec<_> = troubles.iter().filter(|t| t.node == NodeId(1)).collect();
        assert_eq!((one[0].from_us, one[0].to_us), (4_000_000, Some(6_000_000)));
        assert!(one[0].label.contains("[n1 n9 n10]"), "{}", one[0].label);
    }
}
