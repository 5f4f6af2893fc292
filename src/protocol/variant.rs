//! Named protocol variants: the correct protocol, and versions of it that each make one
//! mistake of the seed's first implementation (see `PROTOCOL.md`), so that the checkers can
//! be seen catching each one. A variant is a switch consulted at the one place its mistake
//! lives, never a copy of the protocol.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which protocol the nodes run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Variant {
    /// The real protocol.
    #[default]
    Correct,
    /// Reads answer with the highest value of one quorum round and never write it back, so
    /// two readers can see a write in different orders.
    NoWriteBack,
    /// Servers apply a write only as a compare-and-set on their bare version (`mine + 1`)
    /// and refuse the rest, and a written value carries no writer identity: a retried write
    /// that already landed is refused forever.
    BareVersionCas,
    /// Quorums of `n / 2` servers instead of a majority: two quorums need not intersect.
    HalfQuorum,
    /// A retransmission is not recognised as the same request: a pay whose write timed out
    /// is started over from its read, as a new write with a new identity.
    ForgetfulRetries,
    /// A phase is done on any majority of replies, refusals (`nack`) included.
    AnyMajority,
    /// A reconfiguration goes ahead on the first server that seals, not a sealed majority:
    /// joining servers are synced from that one server's table (a minority), and writes
    /// the rest of the old configuration still takes can be lost.
    MinoritySync,
    /// A leaving server's table is left out of the state transfer, as if it had been
    /// dropped before being handed on. On its own this mistake is harmless here (see the
    /// README): a completed write stays on a majority of the servers that remain, and they
    /// keep their own tables. It is kept to show that, and as part of `seed-original`.
    DropStateOnLeave,
    /// A coordinator proposes its own change even when a sealed server reports a value it
    /// already accepted: two configurations can be decided for one epoch.
    ForgetsAccepted,
    /// A server accepts a proposal whatever ballot it promised: an outbid coordinator's
    /// value can still be decided next to the winner's.
    AcceptsAnyBallot,
    /// A role change is refused for what the coordinator's own view of the configuration
    /// says, without confirming that view is current: a stale view refuses a change the
    /// current configuration allows.
    StaleRefusal,
    /// Retries at once: an unanswered phase is resent immediately instead of after the
    /// retransmit timeout, and an outbid coordinator seals again with no backoff. Simulated
    /// time then stops moving while the resends go on (a livelock), which the run's event
    /// budget must stop with a verdict.
    NoBackoff,
    /// Crash with amnesia: a node that restarts after a crash has lost its durable state
    /// too, and comes back as it was at the start of the run: a server with the initial
    /// table, no promise and no accepted value, in the first configuration; a client that
    /// numbers its requests and ballots from 1 again and forgets the pay it was writing.
    /// Acknowledged writes vanish from a majority, Paxos forgets what it promised, and
    /// request ids and ballots are used twice.
    Amnesia,
    /// The seed's first implementation, as closely as the model allows: no write-back,
    /// compare-and-set on a bare version, any majority counts, retries not recognised, joins
    /// synced from a minority, and leaving servers' state dropped (its quorums were
    /// majorities, so `half-quorum` is not part of it).
    SeedOriginal,
}

impl Variant {
    /// Every variant, the correct one first.
    pub const ALL: [Variant; 14] = [
        Variant::Correct,
        Variant::NoWriteBack,
        Variant::BareVersionCas,
        Variant::HalfQuorum,
        Variant::ForgetfulRetries,
        Variant::AnyMajority,
        Variant::MinoritySync,
        Variant::DropStateOnLeave,
        Variant::ForgetsAccepted,
        Variant::AcceptsAnyBallot,
        Variant::StaleRefusal,
        Variant::NoBackoff,
        Variant::Amnesia,
        Variant::SeedOriginal,
    ];

    /// The variant's name, as scenarios and `--variant` write it.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Correct => "correct",
            Variant::NoWriteBack => "no-write-back",
            Variant::BareVersionCas => "bare-version-cas",
            Variant::HalfQuorum => "half-quorum",
            Variant::ForgetfulRetries => "forgetful-retries",
            Variant::AnyMajority => "any-majority",
            Variant::MinoritySync => "minority-sync",
            Variant::DropStateOnLeave => "drop-state-on-leave",
            Variant::ForgetsAccepted => "forgets-accepted",
            Variant::AcceptsAnyBallot => "accepts-any-ballot",
            Variant::StaleRefusal => "stale-refusal",
            Variant::NoBackoff => "no-backoff",
            Variant::Amnesia => "amnesia",
            Variant::SeedOriginal => "seed-original",
        }
    }

    /// The variant's mistake in one line, as `tokensim list variants` and the README's
    /// table give it.
    pub fn mistake(self) -> &'static str {
        match self {
            Variant::Correct => "none: the protocol as designed",
            Variant::NoWriteBack => "reads answer without writing back what they saw",
            Variant::BareVersionCas => {
                "servers apply a write only as a compare-and-set on a bare version; values carry no writer"
            }
            Variant::HalfQuorum => "quorums of n / 2 servers instead of a majority",
            Variant::ForgetfulRetries => "a retried pay is not recognised as the same request",
            Variant::AnyMajority => "a phase is done on any majority of replies, refusals included",
            Variant::MinoritySync => "a reconfiguration goes ahead on the first server that seals",
            Variant::DropStateOnLeave => "a leaving server's table is left out of the state transfer",
            Variant::ForgetsAccepted => {
                "a coordinator proposes its own change over one a sealed server already accepted"
            }
            Variant::AcceptsAnyBallot => "a server accepts a proposal whatever ballot it promised",
            Variant::StaleRefusal => "a role change is refused on the coordinator's own view, never confirmed current",
            Variant::NoBackoff => "an unanswered phase is resent at once, not after the retransmit timeout",
            Variant::Amnesia => "a node that restarts after a crash has lost its durable state too",
            Variant::SeedOriginal => "all of the seed's mistakes together (its quorums were majorities)",
        }
    }

    fn has(self, mistake: Variant) -> bool {
        self == mistake || (self == Variant::SeedOriginal && SEED_MISTAKES.contains(&mistake))
    }

    /// Whether reads write back what they saw before answering.
    pub(super) fn writes_back(self) -> bool {
        !self.has(Variant::NoWriteBack)
    }

    /// Whether servers apply writes as a compare-and-set on a bare version.
    pub(super) fn compares_bare_versions(self) -> bool {
        self.has(Variant::BareVersionCas)
    }

    /// How many answers of `servers` make a quorum.
    pub(super) fn quorum_of(self, servers: usize) -> usize {
        match self.has(Variant::HalfQuorum) {
            true => (servers / 2).max(1),
            false => servers / 2 + 1,
        }
    }

    /// Whether a write's retransmission starts the request over instead.
    pub(super) fn forgets_retries(self) -> bool {
        self.has(Variant::ForgetfulRetries)
    }

    /// Whether refusals count towards a phase's majority.
    pub(super) fn counts_refusals(self) -> bool {
        self.has(Variant::AnyMajority)
    }

    /// Whether a state transfer takes one server's table instead of a sealed majority's.
    pub(super) fn syncs_from_minority(self) -> bool {
        self.has(Variant::MinoritySync)
    }

    /// Whether a coordinator proposes its own change over a value a seal reported accepted.
    pub(super) fn forgets_accepted(self) -> bool {
        self.has(Variant::ForgetsAccepted)
    }

    /// Whether a server accepts a proposal below the ballot it promised.
    pub(super) fn accepts_any_ballot(self) -> bool {
        self.has(Variant::AcceptsAnyBallot)
    }

    /// Whether a role change is refused on the coordinator's own view, unconfirmed.
    pub(super) fn refuses_on_own_view(self) -> bool {
        self.has(Variant::StaleRefusal)
    }

    /// Whether an outbid coordinator retries at once instead of backing off.
    pub(super) fn skips_backoff(self) -> bool {
        self.has(Variant::NoBackoff)
    }

    /// Whether a node that restarts after a crash loses its durable state too.
    pub(super) fn forgets_on_restart(self) -> bool {
        self.has(Variant::Amnesia)
    }

    /// Whether a leaving server's table is left out of the state transfer.
    pub(super) fn drops_leaving_state(self) -> bool {
        self.has(Variant::DropStateOnLeave)
    }
}

/// The mistakes `seed-original` combines.
const SEED_MISTAKES: [Variant; 6] = [
    Variant::NoWriteBack,
    Variant::BareVersionCas,
    Variant::AnyMajority,
    Variant::ForgetfulRetries,
    Variant::MinoritySync,
    Variant::DropStateOnLeave,
];

/// A name that is not a variant's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown protocol variant \"{0}\"; the variants are: {names}", names = variant_names())]
pub struct UnknownVariant(pub String);

/// The names of every variant, comma-separated.
pub fn variant_names() -> String {
    Variant::ALL.iter().map(|variant| variant.name()).collect::<Vec<_>>().join(", ")
}

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(name: &str) -> Result<Variant, UnknownVariant> {
        Variant::ALL.into_iter().find(|variant| variant.name() == name).ok_or_else(|| UnknownVariant(name.to_string()))
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known_ones() {
        for variant in Variant::ALL {
            assert_eq!(variant.name().parse(), Ok(variant));
        }
        let error = "half".parse::<Variant>().unwrap_err().to_string();
        assert!(error.contains("\"half\"") && error.contains("half-quorum"), "{error}");
    }

    #[test]
    fn seed_original_combines_the_seed_mistakes_only() {
        let seed = Variant::SeedOriginal;
        assert!(!seed.writes_back() && seed.compares_bare_versions() && seed.counts_refusals());
        assert!(seed.forgets_retries() && seed.syncs_from_minority());
        assert_eq!(seed.quorum_of(5), 3, "the seed's quorums were majorities");
        assert!(seed.drops_leaving_state());
        let correct = Variant::Correct;
        assert!(correct.writes_back() && !correct.compares_bare_versions() && correct.quorum_of(4) == 3);
    }
}
