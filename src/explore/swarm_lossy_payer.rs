//! The swarm's contended payer that loses its own writes: in the seeds that turn contention
//! on and churn off, one of the hot tokens' first owners is made omission-faulty on send, at
//! 3/10 to 8/10, and the membership stays fixed.
//!
//! Why: the race a read without write-back loses needs a write that sits on a minority of
//! the replicas for a while, and two reads of the same token, one after the other, in that
//! while, one of whose quorums has the new value and one not. In a correct network a write
//! reaches every replica within one message delay, so that while is short and few seeds hit
//! it (`no-write-back` failed 4 of the first 3,000 seeds). A payer whose sends are lost
//! leaves its write on the replicas it reached until its retransmit timeout, tens of
//! milliseconds, while the other clients of a contended world read and pay the same token
//! back to back. In a fixed world of this shape, 3 to 7 in 100 seeds of `no-write-back`
//! fail (`docs/CHECKING.md`).
//!
//! Why no role changes then: a role change's state transfer carries the highest value a
//! sealed majority holds to every server of the new configuration, a write-back in all but
//! name, which repairs the partial write the race needs (one such world failed 73 seeds of
//! 1,000 with a fixed membership and 17 with role changes at 3/20). Contended seeds that
//! churn keep their role changes, so contention still meets churn.
//!
//! Drawn from a stream of its own (`SwarmLossyPayer`), after everything else, so that a
//! seed that does not turn it on is exactly the world it was without it. A faulty client
//! counts against no fault budget, but each draw is still checked by the scenario's own
//! validation, and one client always stays correct so that someone is owed answers.

use super::swarm_features::Features;
use crate::scenario::{FaultSpec, Scenario};
use crate::sim::{SimRng, Stream};
use crate::vocab::{OmissionKind, Ratio};

/// Make one of the hot tokens' first owners lose some of its sends, and keep the
/// membership fixed, in the seeds whose `features` turn contention on and churn off.
pub(super) fn draw_lossy_payer(seed: u64, features: Features, scenario: &mut Scenario) {
    let mut rng = SimRng::new(seed, Stream::SwarmLossyPayer);
    if !features.contention || features.churn || scenario.world.owners.is_empty() {
        return;
    }
    scenario.random_workload_mut().role_change_ratio = Ratio::NEVER;
    let clients = scenario.world.clients;
    let payer = scenario.world.owners[rng.below(scenario.world.owners.len() as u64) as usize];
    let faulty_clients = scenario.faults.iter().filter(|fault| fault.node.0 <= clients).count() as u32;
    // A client already faulty keeps its fault; and one client must stay correct.
    if scenario.faults.iter().any(|fault| fault.node == payer) || faulty_clients + 1 >= clients {
        return;
    }
    let ratio = Ratio::new(rng.between(3, 8) as u32, 10).expect("at most 8/10");
    scenario.faults.push(FaultSpec { node: payer, kind: OmissionKind::Send, ratio });
    if !scenario.within_fault_budget() {
        scenario.faults.pop();
    }
    scenario.faults.sort_by_key(|fault| fault.node);
}

/// Whether `scenario` has a client of the hot tokens faulty on send (for tests).
#[cfg(test)]
fn has_lossy_payer(scenario: &Scenario) -> bool {
    let owners = &scenario.world.owners;
    scenario.faults.iter().any(|fault| owners.contains(&fault.node) && fault.kind == OmissionKind::Send)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::swarm::swarm_scenario;

    #[test]
    fn most_contended_seeds_without_churn_have_a_lossy_payer_and_a_fixed_membership() {
        let base = Scenario::default_scenario();
        let (mut eligible, mut lossy) = (0, 0);
        for seed in 0..600 {
            let scenario = swarm_scenario(&base, seed);
            scenario.world("swarm").unwrap_or_else(|error| panic!("seed {seed}: {error}"));
            assert!(scenario.within_fault_budget(), "seed {seed}");
            let clients = scenario.world.clients;
            let faulty_clients = scenario.faults.iter().filter(|fault| fault.node.0 <= clients).count() as u32;
            assert!(faulty_clients < clients, "seed {seed}: every client is faulty");
            let features = Features::of_seed(seed);
            if features.contention && !features.churn {
                eligible += 1;
                lossy += usize::from(has_lossy_payer(&scenario));
                assert!(scenario.random_workload().role_change_ratio.is_never(), "seed {seed} changes roles");
            }
            if !features.contention {
                // Without contention the owners list is empty: nothing to make lossy.
                assert!(!has_lossy_payer(&scenario), "seed {seed}");
            }
        }
        assert!(eligible > 80, "{eligible} of 600 seeds contended without churn");
        // A payer already faulty, or all other clients faulty, leaves a few out.
        assert!(lossy * 10 >= eligible * 8, "{lossy} lossy payers in {eligible} contended seeds without churn");
    }
}
