//! Role changes as a state machine of their own, driven by the client that coordinates one.
//!
//! Changing configuration `e` into `e + 1` is single-decree Paxos among the servers of `e`,
//! with the state transfer folded into it:
//! 1. **Seal** (prepare): each server promises the coordinator's ballot, stops serving
//!    reads and writes of `e`, and answers with what it accepted and its whole table.
//! 2. **Accept**: once a majority has sealed, the coordinator proposes the highest-ballot
//!    configuration any of them accepted, or else its own change; a majority accepts it.
//! 3. **Install**: the decided configuration and the merge of the sealed majority's tables
//!    go to the old and the new servers; the change is done once a majority of the new
//!    servers has installed it. The install keeps being resent to the rest afterwards
//!    ([`Lingering`]).
//!
//! A write acknowledged by a majority of `e` was acknowledged, before any seal, by at least
//! one server of every sealed majority, so the merged table holds every completed write:
//! no new server starts stale and no write is lost. Paxos decides one next configuration
//! per epoch, so two concurrent changes cannot both succeed from the same configuration; a
//! coordinator whose change lost starts over in the configuration that won.
//!
//! [`RoleChange`] knows nothing of the client that drives it: the client keeps the phase
//! bookkeeping (who answered, whether a quorum did), hands each answer to the matching
//! handler here, and carries out the [`Next`] step the handler returns.

use super::config::{Change, Config, SERVERS_MAX, SERVERS_MIN};
use super::message::Message;
use super::request::{Refusal, Request, Submitted};
use super::table::Table;
use super::types::{Ballot, Epoch, NodeId};
use super::variant::Variant;

/// How many times an install is resent after its role change was answered.
const LINGERING_TRIES: u32 = 1_000;
/// The longest wait between two resends of a lingering install, in retransmit timeouts.
const LINGERING_BACKOFF_MAX: u64 = 32;

/// One role change being coordinated: which configuration it changes, under which ballot,
/// into what, and how far it got.
#[derive(Clone, Debug, Hash)]
pub(super) struct RoleChange {
    /// The configuration being changed.
    from: Config,
    /// What this change proposes to make the next epoch: the role-change request (named
    /// in the configuration it makes), or nothing for a takeover.
    change: Change,
    /// The node a `become_client` removes, whose table some variants leave out.
    leaving: Option<NodeId>,
    ballot: Ballot,
    /// The servers this change proposes.
    proposal: Vec<NodeId>,
    variant: Variant,
    stage: Stage,
    /// How many times in a row this change was outbid: its backoff doubles with each.
    outbid: u32,
}

/// The most doublings of a coordinator's backoff (a cap of 64 retransmit timeouts).
const BACKOFF_DOUBLINGS_MAX: u32 = 6;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Stage {
    /// The change is invalid in the coordinator's configuration: confirming, with a
    /// majority of its servers, that the configuration is still current before refusing
    /// for what it says (a stale configuration would refuse a change the current one allows).
    Confirm { refusal: Refusal },
    /// Collecting seals: the highest accepted proposal seen, and the merged tables.
    Seal { accepted: Option<(Ballot, Config)>, merged: Table },
    /// Collecting accepts of `next`.
    Accept { next: Config, merged: Table },
    /// Collecting installs of `next` from its servers.
    Install { next: Config },
    /// Outbid: waiting before trying again with a higher ballot.
    Backoff,
}

/// What the coordinating client does after a step of the role change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// Nothing yet: wait for more answers.
    Wait,
    /// Start a new phase.
    Phase(Phase),
    /// Outbid: wait `delay_us`, then [`RoleChange::retry`] with a higher ballot.
    Backoff { delay_us: u64 },
    /// A quorum of `next`'s servers installed it: the decided configuration, which is this
    /// change's only if its `changes` name this request.
    Installed { next: Config },
    /// A majority confirmed the configuration is current, and it refuses the change.
    Refuse(Refusal),
}

/// A phase to start: send `message` to `targets` (ascending); a quorum of `voters`
/// (ascending, a subset of the targets) must answer it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Phase {
    pub(super) message: Message,
    pub(super) targets: Vec<NodeId>,
    pub(super) voters: Vec<NodeId>,
}

impl RoleChange {
    /// The servers after `request` in `config`, or why it is refused there; `nodes` are every
    /// node of the world, ascending.
    pub(super) fn validate(config: &Config, nodes: &[NodeId], request: &Request) -> Result<Vec<NodeId>, Refusal> {
        let servers = &config.servers;
        let count = servers.len() as u32;
        let mut next = servers.clone();
        match *request {
            Request::BecomeServer { node } if nodes.binary_search(&node).is_err() => {
                Err(Refusal::UnknownClient { node })
            }
            Request::BecomeServer { node } if config.contains(node) => Err(Refusal::AlreadyServer { node }),
            Request::BecomeServer { .. } if count >= SERVERS_MAX => Err(Refusal::TooManyServers { servers: count }),
            Request::BecomeServer { node } => {
                next.push(node);
                next.sort_unstable();
                Ok(next)
            }
            Request::BecomeClient { node } if !config.contains(node) => Err(Refusal::NotAServer { node }),
            Request::BecomeClient { .. } if count <= SERVERS_MIN => Err(Refusal::TooFewServers { servers: count }),
            Request::BecomeClient { node } => {
                next.retain(|&server| server != node);
                Ok(next)
            }
            // Not a role change: nothing about it can be refused here.
            Request::GetTokens { .. } | Request::Pay { .. } => Ok(next),
        }
    }

    /// Start changing `from` into `proposal` for `submitted` under `ballot`: the seal phase.
    pub(super) fn start(
        from: &Config,
        submitted: &Submitted,
        proposal: Vec<NodeId>,
        ballot: Ballot,
        variant: Variant,
    ) -> (RoleChange, Phase) {
        let leaving = match submitted.request {
            Request::BecomeClient { node } => Some(node),
            _ => None,
        };
        let mut change = RoleChange {
            from: from.clone(),
            change: Change::Role(submitted.id),
            leaving,
            ballot,
            proposal,
            variant,
            stage: Stage::Backoff,
            outbid: 0,
        };
        let seal = change.seal();
        (change, seal)
    }

    /// Take over `from`, whose servers a coordinator sealed and then stopped (it crashed, or
    /// its messages are lost) before it installed what it decided: seal `from` under
    /// `ballot`, then complete the change a sealed server reports accepted, if any, or else
    /// decide [`Change::Unchanged`], the same servers at the next epoch. Paxos makes either
    /// safe: a change that may have been decided was accepted by a majority of `from`, so
    /// every sealed majority holds a server that reports it, and the highest-ballot report
    /// is what must be proposed. The install then unseals the servers.
    pub(super) fn takeover(from: &Config, ballot: Ballot, variant: Variant) -> (RoleChange, Phase) {
        let mut change = RoleChange {
            from: from.clone(),
            change: Change::Unchanged,
            leaving: None,
            ballot,
            proposal: from.servers.clone(),
            variant,
            stage: Stage::Backoff,
            outbid: 0,
        };
        let seal = change.seal();
        (change, seal)
    }

    /// The epoch this change changes and the round of its ballot.
    pub(super) fn epoch_and_round(&self) -> (Epoch, u64) {
        (self.from.epoch, self.ballot.round)
    }

    /// Whether the change, in its accept phase, proposes a value a sealed server had
    /// already accepted rather than its own change.
    pub(super) fn proposes_accepted(&self) -> bool {
        matches!(&self.stage, Stage::Accept { next, .. } if next.changes.last() != Some(&self.change))
    }

    /// Whether the change waits out a backoff after being outbid.
    pub(super) fn is_backing_off(&self) -> bool {
        self.stage == Stage::Backoff
    }

    /// A change that `from` refuses with `refusal`: first confirm that `from` is current.
    pub(super) fn confirm(
        from: &Config,
        submitted: &Submitted,
        refusal: Refusal,
        variant: Variant,
    ) -> (RoleChange, Phase) {
        let change = RoleChange {
            from: from.clone(),
            change: Change::Role(submitted.id),
            leaving: None,
            ballot: Ballot { round: 0, node: submitted.id.client },
            proposal: from.servers.clone(),
            variant,
            stage: Stage::Confirm { refusal },
            outbid: 0,
        };
        // The tag and epoch are the client's to set: it retags the message for the phase.
        let message = Message::Read {
            epoch: from.epoch,
            tag: crate::protocol::PhaseTag { request: submitted.id, phase: 0 },
            tokens: crate::protocol::TokenSelection::Nothing,
        };
        let servers = from.servers.clone();
        (change, Phase { message, targets: servers.clone(), voters: servers })
    }

    /// The configuration being installed, in the install phase.
    pub(super) fn installing(&self) -> Option<&Config> {
        match &self.stage {
            Stage::Install { next } => Some(next),
            _ => None,
        }
    }

    /// Whether `message` answers the phase this change is in (the client then counts it).
    pub(super) fn expects(&self, message: &Message) -> bool {
        let ours = |epoch: Epoch, ballot: Ballot| epoch == self.from.epoch && ballot == self.ballot;
        match (&self.stage, message) {
            (Stage::Seal { .. }, Message::SealAck { epoch, ballot, .. }) => ours(*epoch, *ballot),
            (Stage::Accept { .. }, Message::AcceptAck { epoch, ballot }) => ours(*epoch, *ballot),
            (Stage::Install { next }, Message::InstallAck { epoch }) => next.epoch <= *epoch,
            (Stage::Confirm { .. }, Message::ReadReply { epoch, .. }) => *epoch == self.from.epoch,
            _ => false,
        }
    }

    /// A server answered the confirmation; with `quorum` of them, refuse.
    pub(super) fn on_confirmed(&mut self, quorum: bool) -> Next {
        match (&self.stage, quorum) {
            (Stage::Confirm { refusal }, true) => Next::Refuse(*refusal),
            _ => Next::Wait,
        }
    }

    /// A server sealed: fold in what it accepted and its table (`from`'s, unless a variant
    /// leaves it out); with `quorum` sealed, go on to accept.
    pub(super) fn on_seal_ack(
        &mut self,
        from: NodeId,
        accepted: Option<&(Ballot, Config)>,
        table: &Table,
        quorum: bool,
    ) -> Next {
        let (dropped, minority) =
            (self.variant.drops_leaving_state() && self.leaving == Some(from), self.variant.syncs_from_minority());
        let Stage::Seal { accepted: highest, merged } = &mut self.stage else { return Next::Wait };
        if let Some(offer) = accepted.filter(|offer| highest.as_ref().is_none_or(|seen| offer.0 > seen.0)) {
            *highest = Some(offer.clone());
        }
        // The seed's mistake: it went ahead on the first answer, synced from that one table.
        let ignored = minority && !merged.is_empty();
        if !dropped && !ignored {
            merged.merge(table);
        }
        match quorum || minority {
            true => self.accept(),
            false => Next::Wait,
        }
    }

    /// A server accepted; with `quorum` accepted, the next configuration is decided.
    pub(super) fn on_accept_ack(&mut self, quorum: bool) -> Next {
        match (&self.stage, quorum) {
            (Stage::Accept { .. }, true) => self.install(),
            _ => Next::Wait,
        }
    }

    /// A new server installed; with `quorum` of them, the change is done.
    pub(super) fn on_install_ack(&mut self, quorum: bool) -> Next {
        match (&self.stage, quorum) {
            (Stage::Install { next }, true) => Next::Installed { next: next.clone() },
            _ => Next::Wait,
        }
    }

    /// A server promised `promised` for changing `epoch`. Outbid while sealing or accepting:
    /// back off. The wait doubles each time this change is outbid again and is spread by a
    /// jitter drawn from the coordinator's id and ballot, so that coordinators who keep
    /// outbidding each other drift apart until one of them gets through (with fixed waits,
    /// five coordinators on a lossy network were seen duelling for a minute of simulated
    /// time). The jitter is a pure function of the state: the core stays deterministic.
    pub(super) fn on_rejected(&mut self, epoch: Epoch, promised: Ballot, wait_us: u64) -> Next {
        let outbid = epoch == self.from.epoch && promised > self.ballot; // not a late answer to an earlier ballot
        if !outbid || !matches!(self.stage, Stage::Seal { .. } | Stage::Accept { .. }) {
            return Next::Wait;
        }
        self.stage = Stage::Backoff;
        if self.variant.skips_backoff() {
            return Next::Backoff { delay_us: 0 };
        }
        let window = wait_us.max(1).saturating_mul(1 << self.outbid.min(BACKOFF_DOUBLINGS_MAX));
        self.outbid += 1;
        let jitter = spread(u64::from(self.ballot.node.0), self.ballot.round) % window;
        Next::Backoff { delay_us: window.saturating_add(jitter) }
    }

    /// The backoff is over: seal again under `ballot`.
    pub(super) fn retry(&mut self, ballot: Ballot) -> Next {
        self.ballot = ballot;
        Next::Phase(self.seal())
    }

    fn seal(&mut self) -> Phase {
        self.stage = Stage::Seal { accepted: None, merged: Table::new() };
        let message = Message::Seal { epoch: self.from.epoch, ballot: self.ballot };
        let servers = self.from.servers.clone();
        Phase { message, targets: servers.clone(), voters: servers }
    }

    /// A majority has sealed: propose what Paxos says we must, or our own change.
    fn accept(&mut self) -> Next {
        let Stage::Seal { accepted, merged } = std::mem::replace(&mut self.stage, Stage::Backoff) else {
            return Next::Wait;
        };
        let next = match accepted {
            Some((_, config)) if !self.variant.forgets_accepted() => config,
            _ => self.from.successor(self.proposal.clone(), self.change),
        };
        let message = Message::Accept { epoch: self.from.epoch, ballot: self.ballot, next: Box::new(next.clone()) };
        self.stage = Stage::Accept { next, merged };
        let servers = self.from.servers.clone();
        Next::Phase(Phase { message, targets: servers.clone(), voters: servers })
    }

    /// The next configuration is decided: install it on the old and the new servers.
    fn install(&mut self) -> Next {
        let Stage::Accept { next, merged } = std::mem::replace(&mut self.stage, Stage::Backoff) else {
            return Next::Wait;
        };
        let mut targets: Vec<NodeId> = self.from.servers.iter().chain(&next.servers).copied().collect();
        targets.sort_unstable();
        targets.dedup();
        let voters = next.servers.clone();
        let message = Message::Install { config: Box::new(next.clone()), table: merged };
        self.stage = Stage::Install { next };
        Next::Phase(Phase { message, targets, voters })
    }
}

/// An install still being resent to the nodes that have not acknowledged it. Without it, a
/// server whose install was lost would stay sealed in the old configuration for good.
#[derive(Clone, Debug, Hash)]
pub(super) struct Lingering {
    pub(super) epoch: Epoch,
    message: Message,
    pending: Vec<NodeId>,
    tries_left: u32,
    /// The wait before the next resend; doubles up to a cap, so a silent node costs little.
    delay_us: u64,
}

impl Lingering {
    /// Keep resending `message`, the install of `epoch`, to `pending`, first after `delay_us`.
    pub(super) fn new(epoch: Epoch, message: Message, pending: Vec<NodeId>, delay_us: u64) -> Lingering {
        Lingering { epoch, message, pending, tries_left: LINGERING_TRIES, delay_us }
    }

    /// The wait before the first resend.
    pub(super) fn delay_us(&self) -> u64 {
        self.delay_us
    }

    /// `from` has installed `epoch` (or later): it needs no more resends of an older install.
    pub(super) fn acknowledged(&mut self, from: NodeId, epoch: Epoch) {
        if self.epoch <= epoch {
            self.pending.retain(|&node| node != from);
        }
    }

    /// Whether nobody is left to resend to.
    pub(super) fn is_done(&self) -> bool {
        self.pending.is_empty() || self.tries_left == 0
    }

    /// One resend: who to send what to, and the wait before the next (capped at
    /// [`LINGERING_BACKOFF_MAX`] times `timeout_us`); `None` once the tries are used up.
    pub(super) fn resend(&mut self, timeout_us: u64) -> Option<(&[NodeId], &Message, u64)> {
        if self.tries_left == 0 {
            return None;
        }
        self.tries_left -= 1;
        self.delay_us = self.delay_us.saturating_mul(2).min(timeout_us.saturating_mul(LINGERING_BACKOFF_MAX));
        Some((&self.pending, &self.message, self.delay_us))
    }
}

/// A number spread over all 64 bits by `node` and `round` (SplitMix64's finaliser): the
/// jitter of a backoff, different for each coordinator and attempt, the same in every run.
fn spread(node: u64, round: u64) -> u64 {
    let mut x = (node << 32 ^ round).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{RequestId, TokenValue, Version};

    const COORDINATOR: NodeId = NodeId(1);

    fn servers(ids: &[u32]) -> Vec<NodeId> {
        ids.iter().copied().map(NodeId).collect()
    }

    fn ballot(round: u64, node: u32) -> Ballot {
        Ballot { round, node: NodeId(node) }
    }

    fn value(version: u64, owner: u32) -> TokenValue {
        TokenValue { version: Version(version), owner: NodeId(owner), writer: None }
    }

    /// A change of `{5, 6, 7}` (epoch 3) that promotes node 2, under ballot 1.1.
    fn promotion(variant: Variant) -> (RoleChange, Phase) {
        let from = Config::new(Epoch(3), servers(&[5, 6, 7]));
        let request = Request::BecomeServer { node: NodeId(2) };
        let submitted = Submitted { id: RequestId { client: COORDINATOR, sequence: 4 }, request };
        let proposal = RoleChange::validate(&from, &servers(&[1, 2, 5, 6, 7]), &request).unwrap();
        RoleChange::start(&from, &submitted, proposal, ballot(1, 1), variant)
    }

    fn phase_message(next: &Next) -> &Message {
        match next {
            Next::Phase(phase) => &phase.message,
            other => panic!("expected a phase, got {other:?}"),
        }
    }

    #[test]
    fn validation_refuses_exactly_what_breaks_the_limits() {
        let nodes = servers(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let three = Config::new(Epoch(0), servers(&[2, 3, 4]));
        let seven = Config::new(Epoch(0), servers(&[2, 3, 4, 5, 6, 7, 8]));
        let demote = Request::BecomeClient { node: NodeId(2) };
        let promote = Request::BecomeServer { node: NodeId(1) };
        assert_eq!(RoleChange::validate(&three, &nodes, &demote), Err(Refusal::TooFewServers { servers: 3 }));
        assert_eq!(RoleChange::validate(&seven, &nodes, &promote), Err(Refusal::TooManyServers { servers: 7 }));
        assert_eq!(RoleChange::validate(&three, &nodes, &promote), Ok(servers(&[1, 2, 3, 4])));
        assert_eq!(RoleChange::validate(&seven, &nodes, &demote), Ok(servers(&[3, 4, 5, 6, 7, 8])));
        let unknown = Request::BecomeServer { node: NodeId(9) };
        assert_eq!(RoleChange::validate(&three, &nodes, &unknown), Err(Refusal::UnknownClient { node: NodeId(9) }));
    }

    #[test]
    fn seal_goes_to_the_old_servers_and_a_quorum_of_seals_proposes_our_change() {
        let (mut change, seal) = promotion(Variant::Correct);
        assert_eq!(
            seal,
            Phase {
                message: Message::Seal { epoch: Epoch(3), ballot: ballot(1, 1) },
                targets: servers(&[5, 6, 7]),
                voters: servers(&[5, 6, 7])
            }
        );
        assert_eq!(change.on_seal_ack(NodeId(5), None, &Table::from(vec![value(2, 1)]), false), Next::Wait);
        let accept = change.on_seal_ack(NodeId(6), None, &Table::from(vec![value(3, 4)]), true);
        let Message::Accept { next, ballot: b, .. } = phase_message(&accept) else { panic!("{accept:?}") };
        assert_eq!((next.epoch, &next.servers, *b), (Epoch(4), &servers(&[2, 5, 6, 7]), ballot(1, 1)));
        let request = RequestId { client: COORDINATOR, sequence: 4 };
        assert_eq!(next.changes, [Change::Role(request)], "the change names its request");
    }

    #[test]
    fn a_seal_that_reports_an_accepted_value_makes_us_propose_it_not_ours() {
        let (mut change, _) = promotion(Variant::Correct);
        let theirs = Config::new(Epoch(4), servers(&[6, 7, 8]));
        let older = Config::new(Epoch(4), servers(&[5, 6, 7, 9]));
        change.on_seal_ack(NodeId(5), Some(&(ballot(1, 9), older)), &Table::new(), false);
        let accept = change.on_seal_ack(NodeId(6), Some(&(ballot(2, 8), theirs.clone())), &Table::new(), true);
        let Message::Accept { next, .. } = phase_message(&accept) else { panic!("{accept:?}") };
        assert_eq!(**next, theirs, "the highest-ballot accepted value wins");
    }

    #[test]
    fn install_goes_to_old_and_new_servers_with_the_merged_table_and_only_new_ones_vote() {
        let (mut change, _) = promotion(Variant::Correct);
        change.on_seal_ack(NodeId(5), None, &Table::from(vec![value(2, 1), value(1, 3)]), false);
        change.on_seal_ack(NodeId(7), None, &Table::from(vec![value(1, 1), value(4, 2)]), true);
        assert_eq!(change.on_accept_ack(false), Next::Wait);
        let install = change.on_accept_ack(true);
        let Next::Phase(Phase { message: Message::Install { config, table }, targets, voters }) = install else {
            panic!("{install:?}")
        };
        assert_eq!(table, [value(2, 1), value(4, 2)], "the higher version of each token");
        assert_eq!((targets, voters), (servers(&[2, 5, 6, 7]), servers(&[2, 5, 6, 7])));
        assert_eq!(change.installing(), Some(&*config));
        assert!(change.expects(&Message::InstallAck { epoch: Epoch(4) }));
        assert!(!change.expects(&Message::InstallAck { epoch: Epoch(3) }), "an older install's ack");
        assert_eq!(change.on_install_ack(true), Next::Installed { next: *config });
    }

    #[test]
    fn a_higher_promise_backs_off_and_a_retry_seals_again_under_the_new_ballot() {
        let (mut change, _) = promotion(Variant::Correct);
        assert_eq!(change.on_rejected(Epoch(3), ballot(0, 9), 100), Next::Wait, "a lower promise is stale");
        assert_eq!(change.on_rejected(Epoch(2), ballot(5, 9), 100), Next::Wait, "another epoch's promise");
        let Next::Backoff { delay_us: first } = change.on_rejected(Epoch(3), ballot(5, 9), 100) else { panic!() };
        assert!((100..200).contains(&first), "one timeout plus a jitter below it: {first}");
        assert!(change.is_backing_off());
        assert!(!change.expects(&Message::SealAck {
            epoch: Epoch(3),
            ballot: ballot(1, 1),
            accepted: None,
            table: Table::new()
        }));
        let seal = change.retry(ballot(6, 1));
        assert_eq!(phase_message(&seal), &Message::Seal { epoch: Epoch(3), ballot: ballot(6, 1) });
        assert!(change.expects(&Message::SealAck {
            epoch: Epoch(3),
            ballot: ballot(6, 1),
            accepted: None,
            table: Table::new()
        }));
    }

    #[test]
    fn a_takeover_completes_an_accepted_change_or_else_decides_no_change() {
        let from = Config::new(Epoch(3), servers(&[5, 6, 7]));
        let (mut idle, seal) = RoleChange::takeover(&from, ballot(4, 2), Variant::Correct);
        assert_eq!(seal.message, Message::Seal { epoch: Epoch(3), ballot: ballot(4, 2) });
        idle.on_seal_ack(NodeId(5), None, &Table::from(vec![value(2, 1)]), false);
        let accept = idle.on_seal_ack(NodeId(7), None, &Table::from(vec![value(1, 1)]), true);
        let Message::Accept { next, .. } = phase_message(&accept) else { panic!("{accept:?}") };
        assert_eq!((next.epoch, &next.servers, &next.changes[..]), (Epoch(4), &from.servers, &[Change::Unchanged][..]));
        assert!(!idle.proposes_accepted());

        let (mut completing, _) = RoleChange::takeover(&from, ballot(4, 2), Variant::Correct);
        let (promotion, _) = promotion(Variant::Correct);
        let theirs = from.successor(servers(&[2, 5, 6, 7]), promotion.change);
        completing.on_seal_ack(
            NodeId(6),
            Some(&(ballot(1, 1), theirs.clone())),
            &Table::from(vec![value(1, 1)]),
            false,
        );
        let accept = completing.on_seal_ack(NodeId(7), None, &Table::from(vec![value(1, 1)]), true);
        let Message::Accept { next, .. } = phase_message(&accept) else { panic!("{accept:?}") };
        assert_eq!(**next, theirs, "the stopped coordinator's accepted change is completed");
        assert!(completing.proposes_accepted());
    }

    #[test]
    fn minority_sync_goes_ahead_on_the_first_seal() {
        let (mut change, _) = promotion(Variant::MinoritySync);
        let accept = change.on_seal_ack(NodeId(5), None, &Table::from(vec![value(1, 1)]), false);
        assert!(matches!(phase_message(&accept), Message::Accept { .. }), "{accept:?}");
    }

    #[test]
    fn a_lingering_install_backs_off_and_stops_once_everyone_acknowledged() {
        let message = Message::InstallAck { epoch: Epoch(1) };
        let mut lingering = Lingering::new(Epoch(4), message, servers(&[2, 5]), 10);
        let (to, _, wait) = lingering.resend(10).unwrap();
        assert_eq!((to, wait), (&servers(&[2, 5])[..], 20));
        lingering.acknowledged(NodeId(2), Epoch(3));
        assert!(!lingering.is_done(), "an older epoch's ack does not count");
        lingering.acknowledged(NodeId(2), Epoch(5));
        lingering.acknowledged(NodeId(5), Epoch(4));
        assert!(lingering.is_done());
        let mut capped = Lingering::new(Epoch(1), Message::InstallAck { epoch: Epoch(1) }, servers(&[3]), 10);
        let waits: Vec<u64> = (0..8).map(|_| capped.resend(10).unwrap().2).collect();
        assert_eq!(waits.last(), Some(&320), "the wait is capped at 32 timeouts: {waits:?}");
    }
}
