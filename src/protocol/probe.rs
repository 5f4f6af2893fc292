//! Coverage probes on the protocol's rare paths, after FoundationDB's `CODE_PROBE`: a node
//! reports that it took a path that only some schedules reach (a write-back that was needed,
//! a ballot that was pre-empted, ...), so that a sweep can say how many seeds exercised each,
//! and a test can fail when the standard sweep stops reaching one.
//!
//! A probe is an output like any other ([`Output::Probe`](super::Output::Probe)): the core
//! stays pure, and a host that does not care ignores it. Probes sit only on rare paths, so
//! they cost a push into the output buffer now and then, nothing on the common path.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A rare path of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Probe {
    /// A read's majority disagreed on a token's value (some replica lagged).
    ReplicasDisagreed,
    /// A read had to write back a value not yet on a whole majority before answering.
    WriteBackNeeded,
    /// A pay was refused (`NotOwner`) after a write-back: the refusal is a read too.
    RefusalWithWriteBack,
    /// A phase was resent to servers that had not answered it in time.
    Retransmitted,
    /// A server was asked to store a version it already had: a retry or a duplicate.
    DuplicateWrite,
    /// A client was refused (`nack`) by a sealed server: a reconfiguration was under way.
    NackedWhileSealed,
    /// A client learned a newer configuration and redid its current phase there.
    RedoneInNewConfig,
    /// A sealed server reported a value it had already accepted, and the coordinator
    /// proposed it instead of its own change.
    SealSawAccepted,
    /// A coordinator was outbid (a higher ballot was promised) and backed off.
    BallotPreempted,
    /// A coordinator's decided configuration was another's change: it starts over.
    ChangeLostToAnother,
    /// A role change was refused, after a majority confirmed the configuration is current.
    RefusalConfirmed,
    /// An install was resent to nodes that had not acknowledged it after the change was done.
    InstallResent,
    /// A retried role change found its own change already decided.
    ChangeAlreadyDecided,
    /// A client took over a configuration that a stopped coordinator left sealed.
    TookOver,
    /// A client asked servers to install their configuration on servers left behind.
    RepairAsked,
    /// A restarted client finished writing the value of a pay it lost in a crash.
    LostWriteFinished,
    /// A client took over an older configuration than its own, that servers it reached
    /// were still sealed in, with every node that installed its successor out of reach.
    TookOverBehind,
    /// A client held up asked the nodes outside its configuration which configuration they
    /// are in, since none of its servers had told it of a newer one.
    AskedAround,
}

impl Probe {
    /// Every probe, in a fixed order.
    pub const ALL: [Probe; 18] = [
        Probe::ReplicasDisagreed,
        Probe::WriteBackNeeded,
        Probe::RefusalWithWriteBack,
        Probe::Retransmitted,
        Probe::DuplicateWrite,
        Probe::NackedWhileSealed,
        Probe::RedoneInNewConfig,
        Probe::SealSawAccepted,
        Probe::BallotPreempted,
        Probe::ChangeLostToAnother,
        Probe::RefusalConfirmed,
        Probe::InstallResent,
        Probe::ChangeAlreadyDecided,
        Probe::TookOver,
        Probe::RepairAsked,
        Probe::LostWriteFinished,
        Probe::TookOverBehind,
        Probe::AskedAround,
    ];

    /// The probe's stable lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Probe::ReplicasDisagreed => "replicas_disagreed",
            Probe::WriteBackNeeded => "write_back_needed",
            Probe::RefusalWithWriteBack => "refusal_with_write_back",
            Probe::Retransmitted => "retransmitted",
            Probe::DuplicateWrite => "duplicate_write",
            Probe::NackedWhileSealed => "nacked_while_sealed",
            Probe::RedoneInNewConfig => "redone_in_new_config",
            Probe::SealSawAccepted => "seal_saw_accepted",
            Probe::BallotPreempted => "ballot_preempted",
            Probe::ChangeLostToAnother => "change_lost_to_another",
            Probe::RefusalConfirmed => "refusal_confirmed",
            Probe::InstallResent => "install_resent",
            Probe::ChangeAlreadyDecided => "change_already_decided",
            Probe::TookOver => "took_over",
            Probe::RepairAsked => "repair_asked",
            Probe::LostWriteFinished => "lost_write_finished",
            Probe::TookOverBehind => "took_over_behind",
            Probe::AskedAround => "asked_around",
        }
    }

    /// The probe's position in [`Probe::ALL`], for counting in an array.
    pub fn index(self) -> usize {
        Probe::ALL.iter().position(|probe| *probe == self).expect("ALL lists every probe")
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How often each probe was hit, indexed like [`Probe::ALL`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProbeCounts([u64; Probe::ALL.len()]);

impl ProbeCounts {
    /// One more hit of `probe`.
    pub fn hit(&mut self, probe: Probe) {
        self.0[probe.index()] += 1;
    }

    /// How often `probe` was hit.
    pub fn get(&self, probe: Probe) -> u64 {
        self.0[probe.index()]
    }

    /// Every probe with its count, in [`Probe::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Probe, u64)> + '_ {
        Probe::ALL.into_iter().map(|probe| (probe, self.get(probe)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_counts_index_by_probe() {
        let mut names: Vec<&str> = Probe::ALL.iter().map(|probe| probe.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Probe::ALL.len());
        let mut counts = ProbeCounts::default();
        counts.hit(Probe::InstallResent);
        counts.hit(Probe::InstallResent);
        assert_eq!(counts.get(Probe::InstallResent), 2);
        assert_eq!(counts.iter().filter(|(_, n)| *n > 0).count(), 1);
    }
}
