//! Recovering from a coordinator that stopped in the middle of a role change: how long a
//! client's phase has been held up, and what to do about it.
//!
//! Three things can hold a phase up for good although a majority of the servers is correct:
//! - **Sealed servers.** A coordinator sealed the configuration (Paxos prepare) and then
//!   stopped, crashed or cut off, before it installed what it decided: the servers refuse
//!   reads and writes (`nack`) until an install comes, and none will. Once the servers have
//!   refused for long enough, the client takes over ([`Remedy::TakeOver`]): a role change of
//!   its own that seals with a higher ballot, then completes the change a sealed server
//!   reports accepted, or else decides that nothing changes (`RoleChange::takeover`).
//! - **Servers left behind.** The coordinator stopped after its install reached some of the
//!   new configuration's servers but not the rest, which it would have reached by resending.
//!   Those are still in the old configuration and ignore the new one's messages. Once a
//!   phase has waited long enough, the client asks the servers that did answer to install
//!   the configuration on those that did not ([`Remedy::Repair`], `Message::Repair`).
//! - **Servers sealed behind.** The coordinator sealed the old configuration and stopped
//!   after its install reached only nodes that are now out of the client's reach: the
//!   client holds the new configuration, but the servers it reaches are still sealed in the
//!   old one, so they neither refuse its phases as sealed servers of its own configuration
//!   would nor can anyone in reach repair them. They say so (`Message::SealedBehind`), and
//!   once they have for long enough the client takes over that older configuration
//!   ([`Remedy::TakeOverBehind`]): Paxos finds the next configuration already decided there
//!   and installs it again, on the servers it reaches.
//!
//! All are safe when they were not needed: a takeover of a live coordinator is two Paxos
//! proposers at once, which Paxos allows (the slower is outbid and starts over); a takeover
//! of an older configuration can only decide again the next configuration already decided
//! there, since the client holds a newer one; and a repair of a server that has the
//! configuration is ignored by it. The wait only keeps them rare, and it must outlast a
//! live coordinator's role change, which takes a few round trips: so it is measured in
//! round trips as the client sees them ([`RoundTrip`], an estimate after TCP's
//! retransmission timer), and in retransmit timeouts while those are longer, and it is
//! longer at some clients than others so that blocked clients do not all take over at once.
//! (A wait of a few timeouts alone was seen to set every client of a slow, lossy world
//! taking over from every other, for good.)

use super::config::Config;
use super::types::{Instant, NodeId};

/// How many retransmit timeouts a phase waits before a remedy, at the least.
const REMEDY_TIMEOUTS: u64 = 8;
/// How many round trips (as [`RoundTrip::timeout_us`] estimates them) a phase waits before
/// a remedy, at the least: a role change takes three phases, each retransmitted maybe.
const REMEDY_ROUND_TRIPS: u64 = 8;
/// How many of a phase's latest rounds (its first send and each resend under a new phase
/// number) remember when they were sent, so that an answer to one of them times exactly
/// the round trip it made.
const REMEMBERED_ROUNDS: u32 = 64;

/// How long a phase of a client has been held up.
#[derive(Clone, Debug)]
pub(super) struct Watch {
    /// When the phase was launched.
    launched: Instant,
    /// Whether any answer came yet (the first one is a round-trip sample).
    heard: bool,
    /// When each of the latest [`REMEMBERED_ROUNDS`] resends was sent: round `r` (round 0
    /// is the launch) at `r - 1` modulo that many. Empty, and so not allocated, for the
    /// phases answered without a resend, which are most.
    resent: Vec<Instant>,
    /// How many rounds were sent, the launch included.
    rounds: u32,
    /// When the phase was launched, or when its last repair was asked for.
    since: Instant,
    /// When a sealed server of the phase's configuration first refused it.
    sealed_since: Option<Instant>,
    /// When a server first said it is sealed in a configuration older than the phase's,
    /// and which configuration (the first one named).
    behind: Option<(Instant, Box<Config>)>,
}

/// A search's view of a watch: whether an answer came and whether a sealed server refused,
/// not when. A search takes events in any order whatever their planned times, so the times
/// a watch holds are artifacts of the schedule, and hashing them would keep two otherwise
/// equal states apart.
impl std::hash::Hash for Watch {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.heard, self.sealed_since.is_some(), self.behind.as_ref().map(|(_, config)| config)).hash(state);
    }
}

/// What to do about a phase that is not done yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Remedy {
    /// Nothing yet: keep resending.
    Wait,
    /// Take over the sealed configuration with a higher ballot.
    TakeOver,
    /// Take over the older configuration some servers are sealed in ([`Watch::behind`]).
    TakeOverBehind,
    /// Ask the servers that answered to install the configuration on those that did not.
    Repair,
}

impl Watch {
    /// A phase launched at `now`.
    pub(super) fn new(now: Instant) -> Watch {
        Watch {
            launched: now,
            heard: false,
            resent: Vec::new(),
            rounds: 1,
            since: now,
            sealed_since: None,
            behind: None,
        }
    }

    /// The phase was sent again at `now`, as its next round.
    pub(super) fn resent(&mut self, now: Instant) {
        let slot = ((self.rounds - 1) % REMEMBERED_ROUNDS) as usize;
        match self.resent.get_mut(slot) {
            Some(sent) => *sent = now,
            None => self.resent.push(now),
        }
        self.rounds = self.rounds.saturating_add(1);
    }

    /// An answer to round `round` of the phase came at `now` (`None`: an answer that names
    /// no round): the first time, how long it took.
    ///
    /// The sample is the round trip of the round answered, when that round is remembered:
    /// the client's own silence before it (a send omission that hid every earlier round)
    /// is not a round trip, and once taken for one it made every wait far too long. An
    /// answer that names no round, or one too old to be remembered, is timed from the
    /// launch, which counts the losses and resends before it as well.
    pub(super) fn answered(&mut self, now: Instant, round: Option<u32>) -> Option<u64> {
        if std::mem::replace(&mut self.heard, true) {
            return None;
        }
        let sent = match round {
            Some(round) if round >= 1 && round < self.rounds && self.rounds - round <= REMEMBERED_ROUNDS => {
                self.resent[((round - 1) % REMEMBERED_ROUNDS) as usize]
            }
            _ => self.launched,
        };
        Some(now.since_us(sent))
    }

    /// A sealed server of the phase's own configuration refused it at `now`.
    pub(super) fn sealed(&mut self, now: Instant) {
        self.sealed_since.get_or_insert(now);
    }

    /// A server said at `now` that it is sealed in `config`, older than the phase's own.
    pub(super) fn sealed_behind(&mut self, now: Instant, config: &Config) {
        self.behind.get_or_insert_with(|| (now, Box::new(config.clone())));
    }

    /// The older configuration a server of the phase said it is sealed in, if one did.
    pub(super) fn behind(&self) -> Option<&Config> {
        self.behind.as_ref().map(|(_, config)| &**config)
    }

    /// What to do at `now`, after `wait_us` is how long a phase may be held up.
    pub(super) fn remedy(&mut self, now: Instant, wait_us: u64) -> Remedy {
        if self.sealed_since.is_some_and(|since| now.since_us(since) >= wait_us) {
            return Remedy::TakeOver;
        }
        if self.behind.as_ref().is_some_and(|(since, _)| now.since_us(*since) >= wait_us) {
            return Remedy::TakeOverBehind;
        }
        if now.since_us(self.since) >= wait_us {
            self.since = now; // asked again only after another wait
            return Remedy::Repair;
        }
        Remedy::Wait
    }
}

/// How long client `id` lets a phase be held up before a remedy: [`REMEDY_TIMEOUTS`]
/// retransmit timeouts of `timeout_us` or [`REMEDY_ROUND_TRIPS`] round trips of `round_trip`,
/// whichever is longer, and by id up to three more of the longer of the two, so that the
/// clients a stopped coordinator blocks do not all take over at the same moment.
pub(super) fn remedy_wait_us(id: NodeId, timeout_us: u64, round_trip: &RoundTrip) -> u64 {
    let unit = timeout_us.max(round_trip.timeout_us());
    let wait =
        timeout_us.saturating_mul(REMEDY_TIMEOUTS).max(round_trip.timeout_us().saturating_mul(REMEDY_ROUND_TRIPS));
    wait.saturating_add(unit.saturating_mul(u64::from(id.0 % 4)))
}

/// A client's estimate of how long its phases take to be answered, after TCP's
/// retransmission timer (RFC 6298): a smoothed round trip and its mean deviation, from the
/// time each phase took to get its first answer. Integer arithmetic, so that a seed means
/// the same run on every machine. Volatile: a restarted client estimates afresh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct RoundTrip {
    smoothed_us: u64,
    deviation_us: u64,
}

impl RoundTrip {
    /// A phase got its first answer `sample_us` after it was launched.
    pub(super) fn sample(&mut self, sample_us: u64) {
        if self.smoothed_us == 0 && self.deviation_us == 0 {
            (self.smoothed_us, self.deviation_us) = (sample_us, sample_us / 2);
            return;
        }
        self.deviation_us = (3 * self.deviation_us + self.smoothed_us.abs_diff(sample_us)) / 4;
        self.smoothed_us = (7 * self.smoothed_us + sample_us) / 8;
    }

    /// How long an answer may take: the smoothed round trip and four deviations (zero
    /// before the first sample).
    pub(super) fn timeout_us(&self) -> u64 {
        self.smoothed_us.saturating_add(self.deviation_us.saturating_mul(4))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_phase_is_taken_over_and_a_silent_one_repaired_after_the_wait() {
        let mut refused = Watch::new(Instant(0));
        assert_eq!(refused.remedy(Instant(50), 100), Remedy::Wait);
        refused.sealed(Instant(60));
        refused.sealed(Instant(90));
        assert_eq!(refused.remedy(Instant(150), 100), Remedy::Repair, "100 since launch, 90 since the seal");
        assert_eq!(refused.remedy(Instant(160), 100), Remedy::TakeOver, "100 since the first refusal");
        let mut silent = Watch::new(Instant(0));
        assert_eq!(silent.remedy(Instant(100), 100), Remedy::Repair);
        assert_eq!(silent.remedy(Instant(150), 100), Remedy::Wait, "a repair is asked for once per wait");
        assert_eq!(silent.remedy(Instant(200), 100), Remedy::Repair);
        assert_eq!(remedy_wait_us(NodeId(6), 10, &RoundTrip::default()), 100, "8 timeouts, and 2 more by id");
    }

    #[test]
    fn an_answer_is_timed_from_the_round_it_answers() {
        let mut watch = Watch::new(Instant(0));
        for round in 1..=100u64 {
            watch.resent(Instant(round * 100));
        }
        assert_eq!(watch.answered(Instant(10_020), Some(100)), Some(20), "the latest round: its own round trip");
        assert_eq!(watch.answered(Instant(10_030), Some(100)), None, "one sample a phase");
        let timed = |round: Option<u32>| Watch { heard: false, ..watch.clone() }.answered(Instant(10_050), round);
        assert_eq!(timed(Some(37)), Some(10_050 - 3_700), "remembered: one of the latest 64");
        assert_eq!(timed(Some(36)), Some(10_050), "too old to be remembered: timed from the launch");
        assert_eq!(timed(Some(0)), Some(10_050), "the launch itself");
        assert_eq!(timed(None), Some(10_050), "an answer that names no round");
        assert_eq!(timed(Some(101)), Some(10_050), "a round never sent");
    }

    #[test]
    fn the_wait_grows_with_the_round_trips_a_client_sees() {
        let mut round_trip = RoundTrip::default();
        round_trip.sample(1_000);
        assert_eq!(round_trip.timeout_us(), 3_000, "one sample: itself and twice half of it");
        for _ in 0..50 {
            round_trip.sample(1_000);
        }
        assert!((1_000..1_100).contains(&round_trip.timeout_us()), "{round_trip:?}: steady, little deviation");
        assert_eq!(remedy_wait_us(NodeId(4), 100, &round_trip), 8 * round_trip.timeout_us());
        assert_eq!(remedy_wait_us(NodeId(4), 10_000, &round_trip), 80_000, "the timeout when it is longer");
    }
}
