//! The kinds of fault a scenario can ask for, named, so that a test can hold the swarm to
//! drawing every one of them: a fault the format offers but no swarm seed draws is a fault
//! no sweep ever tests.
//!
//! [`Scenario::fault_kinds`] reads them off a scenario by destructuring every part of the
//! format that describes faults, with no `..`: a new field or action there does not compile
//! until it is given a kind here, and the swarm test then fails until the swarm draws it.

use super::format::{FaultAction, FaultSpec, ScheduledEvent};
use super::Scenario;
use crate::vocab::{NetworkOptions, OmissionKind, Ratio};
use serde::Serialize;
use std::collections::BTreeSet;

/// One kind of fault of the scenario format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A node loses some of the messages it sends.
    SendOmission,
    /// A node loses some of the messages it receives.
    ReceiveOmission,
    /// A node loses some of both.
    BothOmission,
    /// A node loses every message of its faulty direction (ratio 1: silent).
    SilentNode,
    /// A node loses only some of them (ratio below 1).
    PartialOmission,
    /// Messages are lost on their links, faults aside.
    LinkLoss,
    /// Messages are delivered twice.
    Duplication,
    /// A node becomes faulty at a set time.
    ScheduledMakeFaulty,
    /// A faulty node heals at a set time.
    ScheduledHeal,
    /// Nodes are cut off from the rest at a set time.
    Partition,
    /// A partition ends at a set time.
    Repair,
    /// A node crashes at a set time.
    Crash,
    /// A crashed node restarts at a set time.
    Restart,
    /// A client (not a server) loses messages: it is owed no answers while faulty.
    ClientOmission,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 14] = [
        FaultKind::SendOmission,
        FaultKind::ReceiveOmission,
        FaultKind::BothOmission,
        FaultKind::SilentNode,
        FaultKind::PartialOmission,
        FaultKind::LinkLoss,
        FaultKind::Duplication,
        FaultKind::ScheduledMakeFaulty,
        FaultKind::ScheduledHeal,
        FaultKind::Partition,
        FaultKind::Repair,
        FaultKind::Crash,
        FaultKind::Restart,
        FaultKind::ClientOmission,
    ];
}

impl Scenario {
    /// Every kind of fault this scenario asks for.
    pub fn fault_kinds(&self) -> BTreeSet<FaultKind> {
        let mut kinds = BTreeSet::new();
        let NetworkOptions { delay_us_min: _, delay_us_max: _, link_loss, duplicate_ratio } = &self.network;
        if !link_loss.is_never() {
            kinds.insert(FaultKind::LinkLoss);
        }
        if !duplicate_ratio.is_never() {
            kinds.insert(FaultKind::Duplication);
        }
        // Clients are nodes 1..=clients (see `WorldOptions`).
        let clients = self.world.clients;
        for fault in &self.faults {
            omission_kinds(fault, clients, &mut kinds);
        }
        for event in &self.schedule {
            let ScheduledEvent { at_ms: _, make_faulty: _, heal: _, partition: _, repair: _, crash: _, restart: _ } =
                event;
            match event.action() {
                Some(FaultAction::MakeFaulty(fault)) => {
                    kinds.insert(FaultKind::ScheduledMakeFaulty);
                    omission_kinds(&fault, clients, &mut kinds);
                }
                Some(FaultAction::Heal(_)) => {
                    kinds.insert(FaultKind::ScheduledHeal);
                }
                Some(FaultAction::Partition(_)) => {
                    kinds.insert(FaultKind::Partition);
                }
                Some(FaultAction::Repair) => {
                    kinds.insert(FaultKind::Repair);
                }
                Some(FaultAction::Crash(_)) => {
                    kinds.insert(FaultKind::Crash);
                }
                Some(FaultAction::Restart(_)) => {
                    kinds.insert(FaultKind::Restart);
                }
                None => {}
            }
        }
        kinds
    }
}

/// The kinds of the omission fault `fault`, in a world whose clients are `1..=clients`.
fn omission_kinds(fault: &FaultSpec, clients: u32, kinds: &mut BTreeSet<FaultKind>) {
    let FaultSpec { node, kind, ratio } = fault;
    if node.0 <= clients {
        kinds.insert(FaultKind::ClientOmission);
    }
    kinds.insert(match kind {
        OmissionKind::Send => FaultKind::SendOmission,
        OmissionKind::Receive => FaultKind::ReceiveOmission,
        OmissionKind::Both => FaultKind::BothOmission,
    });
    if *ratio == Ratio::ALWAYS || ratio.numerator >= ratio.denominator {
        kinds.insert(FaultKind::SilentNode);
    } else if !ratio.is_never() {
        kinds.insert(FaultKind::PartialOmission);
    }
}
