//! Role changes, coordinated by the client that is asked for one.
//!
//! Changing configuration `e` into `e + 1` is single-decree Paxos among the servers of `e`,
//! with the state transfer folded into it:
//! 1. **Seal** (prepare): each server promises the coordinator's ballot, stops serving
//!    reads and writes of `e`, and answers with what it accepted and its whole table.
//! 2. **Accept**: once a majority has sealed, the coordinator proposes the highest-ballot
//!    configuration any of them accepted, or else its own change; a majority accepts it.
//! 3. **Install**: the decided configuration and the merge of the sealed majority's tables
//!    go to the old and the new servers; the change is done once a majority of the new
//!    servers has installed it. The install keeps being resent to the rest afterwards.
//!
//! A write acknowledged by a majority of `e` was acknowledged, before any seal, by at least
//! one server of every sealed majority, so the merged table holds every completed write:
//! no new server starts stale and no write is lost. Paxos decides one next configuration
//! per epoch, so two concurrent changes cannot both succeed from the same configuration; a
//! coordinator whose change lost starts over in the configuration that won.

use super::client::{Client, Operation, Step};
use super::config::{Config, SERVERS_MAX, SERVERS_MIN};
use super::message::{Message, Outputs, Timer};
use super::request::{Outcome, Refusal, Request, Submitted};
use super::types::{Ballot, Epoch, Instant, NodeId, TokenValue};

/// How many times an install is resent after its role change was answered.
const LINGERING_TRIES: u32 = 1_000;
/// The longest wait between two resends of a lingering install, in retransmit timeouts.
const LINGERING_BACKOFF_MAX: u64 = 32;

/// The state of one role change being coordinated.
#[derive(Clone, Debug)]
pub(super) struct RoleChange {
    /// The configuration being changed.
    epoch: Epoch,
    ballot: Ballot,
    /// The servers this change proposes.
    proposal: Vec<NodeId>,
    stage: Stage,
}

#[derive(Clone, Debug)]
enum Stage {
    /// Collecting seals: the highest accepted proposal seen, and the merged tables.
    Seal { accepted: Option<(Ballot, Config)>, merged: Vec<TokenValue> },
    /// Collecting accepts of `next`.
    Accept { next: Config, merged: Vec<TokenValue> },
    /// Collecting installs of `next` from its servers.
    Install { next: Config },
    /// Outbid: waiting before trying again with a higher ballot.
    Backoff,
}

/// An install still being resent to the nodes that have not acknowledged it. Without it, a
/// server whose install was lost would stay sealed in the old configuration for good.
#[derive(Clone, Debug)]
pub(super) struct Lingering {
    epoch: Epoch,
    message: Message,
    pending: Vec<NodeId>,
    tries_left: u32,
    /// The wait before the next resend; doubles up to a cap, so a silent node costs little.
    delay_us: u64,
}

impl RoleChange {
    pub(super) fn is_backing_off(&self) -> bool {
        matches!(self.stage, Stage::Backoff)
    }
}

impl Client {
    /// Start (or start over) the role change `submitted` in the current configuration.
    pub(super) fn begin_role_change(&mut self, now: Instant, submitted: Submitted, out: &mut Outputs) {
        if self.config.changes.contains(&submitted.id) {
            // A retry found its own change already decided: it took effect exactly once.
            let outcome = Outcome::RoleChanged { epoch: self.config.epoch, servers: self.config.servers.clone() };
            Self::reply(&submitted, outcome, out);
            return self.start_next(now, out);
        }
        match self.validate_role_change(&submitted.request) {
            Err(refusal) => {
                Self::reply(&submitted, Outcome::Refused(refusal), out);
                self.start_next(now, out)
            }
            Ok(proposal) => {
                let change = RoleChange {
                    epoch: self.config.epoch,
                    ballot: self.next_ballot(),
                    proposal,
                    stage: Stage::Backoff,
                };
                self.begin_seal(now, submitted, change, out)
            }
        }
    }

    /// The servers after the change, or why it is refused in the current configuration.
    fn validate_role_change(&self, request: &Request) -> Result<Vec<NodeId>, Refusal> {
        let servers = &self.config.servers;
        let count = servers.len() as u32;
        let mut next = servers.clone();
        match *request {
            Request::BecomeServer { node } if self.options.nodes.binary_search(&node).is_err() => {
                Err(Refusal::UnknownClient { node })
            }
            Request::BecomeServer { node } if self.config.contains(node) => Err(Refusal::AlreadyServer { node }),
            Request::BecomeServer { .. } if count >= SERVERS_MAX => Err(Refusal::TooManyServers { servers: count }),
            Request::BecomeServer { node } => {
                next.push(node);
                next.sort_unstable();
                Ok(next)
            }
            Request::BecomeClient { node } if !self.config.contains(node) => Err(Refusal::NotAServer { node }),
            Request::BecomeClient { .. } if count <= SERVERS_MIN => Err(Refusal::TooFewServers { servers: count }),
            Request::BecomeClient { node } => {
                next.retain(|&server| server != node);
                Ok(next)
            }
            Request::GetTokens { .. } | Request::Pay { .. } => unreachable!("not a role change"),
        }
    }

    fn next_ballot(&mut self) -> Ballot {
        self.highest_round += 1;
        Ballot { round: self.highest_round, node: self.id }
    }

    fn begin_seal(&mut self, now: Instant, submitted: Submitted, mut change: RoleChange, out: &mut Outputs) {
        change.stage = Stage::Seal { accepted: None, merged: Vec::new() };
        let tag = self.next_tag(submitted.id);
        let message = Message::Seal { epoch: change.epoch, ballot: change.ballot };
        self.launch(now, submitted, Step::Reconfigure(change), tag, message, out);
    }

    /// The backoff after being outbid is over: seal again with a higher ballot.
    pub(super) fn retry_role_change(&mut self, now: Instant, out: &mut Outputs) {
        let operation = self.current.take().expect("a role change is backing off");
        let Step::Reconfigure(mut change) = operation.step else { unreachable!("checked by the caller") };
        change.ballot = self.next_ballot();
        self.begin_seal(now, operation.submitted, change, out);
    }

    /// The role change in progress at `epoch` under `ballot`, if that is what is current.
    fn change_at(&mut self, epoch: Epoch, ballot: Option<Ballot>) -> Option<&mut RoleChange> {
        match self.current.as_mut().map(|operation| &mut operation.step) {
            Some(Step::Reconfigure(change))
                if change.epoch == epoch && ballot.is_none_or(|ballot| ballot == change.ballot) =>
            {
                Some(change)
            }
            _ => None,
        }
    }

    #[allow(clippy::too_many_arguments)] // one per field of the message handled
    pub(super) fn on_seal_ack(
        &mut self,
        now: Instant,
        from: NodeId,
        epoch: Epoch,
        ballot: Ballot,
        accepted: Option<&(Ballot, Config)>,
        table: &[TokenValue],
        out: &mut Outputs,
    ) {
        let sealing = matches!(self.change_at(epoch, Some(ballot)), Some(RoleChange { stage: Stage::Seal { .. }, .. }));
        if !sealing || !self.note_answer(from) {
            return;
        }
        let change = self.change_at(epoch, Some(ballot)).expect("checked above");
        let Stage::Seal { accepted: highest, .. } = &mut change.stage else { unreachable!("checked above") };
        if let Some(offer) = accepted.filter(|offer| highest.as_ref().is_none_or(|seen| offer.0 > seen.0)) {
            *highest = Some(offer.clone());
        }
        let variant = self.options.variant;
        let leaving = match self.current.as_ref().map(|operation| operation.submitted.request) {
            Some(Request::BecomeClient { node }) => Some(node),
            _ => None,
        };
        let change = self.change_at(epoch, Some(ballot)).expect("checked above");
        let Stage::Seal { merged, .. } = &mut change.stage else { unreachable!("checked above") };
        let dropped = variant.drops_leaving_state() && leaving == Some(from);
        let ignored = variant.syncs_from_minority() && !merged.is_empty();
        if !dropped && !ignored {
            merge_tables(merged, table);
        }
        // The seed went ahead on the first answer it got: one server, not a majority.
        if variant.syncs_from_minority() {
            return self.begin_accept(now, out);
        }
        if self.has_quorum() {
            self.begin_accept(now, out);
        }
    }

    /// A majority has sealed: propose what Paxos says we must, or our own change.
    fn begin_accept(&mut self, now: Instant, out: &mut Outputs) {
        let operation = self.current.take().expect("a role change is sealing");
        let Step::Reconfigure(mut change) = operation.step else { unreachable!("sealing") };
        let Stage::Seal { accepted, merged } = std::mem::replace(&mut change.stage, Stage::Backoff) else {
            unreachable!("sealing")
        };
        let next = match accepted {
            Some((_, config)) => config,
            None => self.config.successor(change.proposal.clone(), operation.submitted.id),
        };
        let message = Message::Accept { epoch: change.epoch, ballot: change.ballot, next: Box::new(next.clone()) };
        change.stage = Stage::Accept { next, merged };
        let tag = self.next_tag(operation.submitted.id);
        self.launch(now, operation.submitted, Step::Reconfigure(change), tag, message, out);
    }

    pub(super) fn on_accept_ack(
        &mut self,
        now: Instant,
        from: NodeId,
        epoch: Epoch,
        ballot: Ballot,
        out: &mut Outputs,
    ) {
        let accepting =
            matches!(self.change_at(epoch, Some(ballot)), Some(RoleChange { stage: Stage::Accept { .. }, .. }));
        if accepting && self.note_answer(from) && self.has_quorum() {
            self.begin_install(now, out);
        }
    }

    /// The next configuration is decided: install it on the old and the new servers.
    fn begin_install(&mut self, now: Instant, out: &mut Outputs) {
        let operation = self.current.take().expect("a role change is accepting");
        let Step::Reconfigure(mut change) = operation.step else { unreachable!("accepting") };
        let Stage::Accept { next, merged } = std::mem::replace(&mut change.stage, Stage::Backoff) else {
            unreachable!("accepting")
        };
        let mut targets: Vec<NodeId> = self.config.servers.iter().chain(&next.servers).copied().collect();
        targets.sort_unstable();
        targets.dedup();
        let voters = next.servers.clone();
        let message = Message::Install { config: Box::new(next.clone()), table: merged };
        change.stage = Stage::Install { next };
        let tag = self.next_tag(operation.submitted.id);
        let operation = Operation::new(operation.submitted, Step::Reconfigure(change), tag, message, targets, voters);
        self.launch_to(now, operation, out);
    }

    pub(super) fn on_install_ack(&mut self, now: Instant, from: NodeId, epoch: Epoch, out: &mut Outputs) {
        for lingering in self.lingering.iter_mut().filter(|lingering| lingering.epoch <= epoch) {
            lingering.pending.retain(|&node| node != from);
        }
        self.lingering.retain(|lingering| !lingering.pending.is_empty());
        let installing = match self.current.as_ref().map(|operation| &operation.step) {
            Some(Step::Reconfigure(RoleChange { stage: Stage::Install { next }, .. })) => next.epoch <= epoch,
            _ => false,
        };
        if installing && self.note_answer(from) && self.has_quorum() {
            self.finish_install(now, out);
        }
    }

    /// A majority of the new servers has installed: answer, or start over if the decided
    /// change was another coordinator's.
    fn finish_install(&mut self, now: Instant, out: &mut Outputs) {
        let operation = self.current.take().expect("a role change is installing");
        let Step::Reconfigure(RoleChange { stage: Stage::Install { next }, .. }) = &operation.step else {
            unreachable!("installing")
        };
        let next = next.clone();
        self.linger(now, &operation, out);
        if next.epoch > self.config.epoch {
            self.config = next;
        }
        self.begin_role_change(now, operation.submitted, out);
    }

    pub(super) fn on_rejected(&mut self, now: Instant, epoch: Epoch, promised: Ballot, out: &mut Outputs) {
        self.highest_round = self.highest_round.max(promised.round);
        let Some(change) = self.change_at(epoch, None) else { return };
        let outbid = promised > change.ballot; // not a late answer to an earlier ballot of ours
        if !outbid || !matches!(change.stage, Stage::Seal { .. } | Stage::Accept { .. }) {
            return;
        }
        change.stage = Stage::Backoff;
        // The wait differs between coordinators, so that two of them do not keep outbidding
        // each other in lockstep. A new phase makes the old phase's answers and timers stale.
        let stagger = 1 + u64::from(self.id.0 % 4);
        let request = self.current.as_ref().expect("checked above").tag.request;
        let tag = self.next_tag(request);
        self.current.as_mut().expect("checked above").tag = tag;
        let at = now.after_us(self.options.retransmit_timeout_us * stagger);
        out.set_timer(at, Timer::Retransmit { phase: tag.phase });
    }

    /// Keep resending the install of `operation`, an install phase that is over, to the
    /// targets that have not acknowledged it.
    pub(super) fn linger(&mut self, now: Instant, operation: &Operation, out: &mut Outputs) {
        let Step::Reconfigure(RoleChange { stage: Stage::Install { next }, .. }) = &operation.step else { return };
        let pending: Vec<NodeId> = operation.unanswered().collect();
        if pending.is_empty() {
            return;
        }
        let delay_us = self.options.retransmit_timeout_us;
        let message = operation.message.clone();
        self.lingering.push(Lingering { epoch: next.epoch, message, pending, tries_left: LINGERING_TRIES, delay_us });
        out.set_timer(now.after_us(delay_us), Timer::Install { epoch: next.epoch });
    }

    /// Resend a lingering install to the nodes that have not acknowledged it.
    pub(super) fn resend_lingering(&mut self, now: Instant, epoch: Epoch, out: &mut Outputs) {
        let cap_us = self.options.retransmit_timeout_us.saturating_mul(LINGERING_BACKOFF_MAX);
        let Some(index) = self.lingering.iter().position(|lingering| lingering.epoch == epoch) else { return };
        let lingering = &mut self.lingering[index];
        if lingering.tries_left == 0 {
            self.lingering.remove(index);
            return;
        }
        lingering.tries_left -= 1;
        for node in &lingering.pending {
            out.send(*node, lingering.message.clone());
        }
        lingering.delay_us = lingering.delay_us.saturating_mul(2).min(cap_us);
        out.set_timer(now.after_us(lingering.delay_us), Timer::Install { epoch });
    }
}

/// Fold `table` into `merged`, keeping the higher version of each token.
fn merge_tables(merged: &mut Vec<TokenValue>, table: &[TokenValue]) {
    if merged.is_empty() {
        merged.extend_from_slice(table);
        return;
    }
    for (slot, value) in merged.iter_mut().zip(table) {
        if value.version > slot.version {
            *slot = *value;
        }
    }
}
