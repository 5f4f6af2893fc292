//! A client: works through its requests one at a time, in order, and never abandons one.
//!
//! Each request is a short sequence of quorum phases over the servers of the client's
//! configuration (an ABD-style register per token):
//! 1. **Read** the token(s) from a majority and take the highest version of each.
//! 2. For `gettokens` and refusals: **write back** every value that was not already on
//!    every server of that majority, so that no later read can return anything older.
//! 3. For `pay` by the owner: **write** `(version + 1, to, writer = this request)` to a
//!    majority. The value is decided once, from the first read, and every retransmission
//!    carries that same value, so a retried pay takes effect exactly once.
//!
//! Every phase is retransmitted on a timer to the servers that have not answered it, so a
//! lost message delays a request but never hangs it. Role changes are coordinated by the
//! client that is asked for them: `reconfig.rs` is their state machine, and this file
//! drives it like any other phase.

use super::config::Config;
use super::message::{Message, Output, Outputs, PhaseTag, Timer, TokenSelection};
use super::probe::Probe;
use super::read::ReadState;
use super::reconfig::{Lingering, Next, Phase, RoleChange};
use super::recovery::{remedy_wait_us, Remedy, RoundTrip, Watch};
use super::request::{Outcome, Refusal, Request, Submitted};
use super::types::{Ballot, Epoch, Instant, NodeId, RequestId, TokenId, TokenValue, Version};
use super::variant::Variant;
use std::collections::VecDeque;
use std::sync::Arc;

/// How many nodes a held-up client asks for their configuration in one remedy wait (see
/// [`Client::ask_around`]): every node of a swarm world at once, a few of a big one.
const ASK_AROUND_AT_ONCE: usize = 16;

/// What a client needs to know about the world, beyond its configuration. Build one with
/// [`ClientOptions::new`] and change what differs from the defaults.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientOptions {
    /// How long to wait for answers before resending a phase's message.
    pub retransmit_timeout_us: u64,
    /// Tokens are numbered `0..token_count`.
    pub token_count: u32,
    /// Every node of the world, ascending: the nodes that can own tokens. Shared: every
    /// client of a world holds the same list.
    pub nodes: Arc<[NodeId]>,
    /// The protocol the node runs: [`Variant::Correct`] but to see a checker catch a mistake.
    pub variant: Variant,
}

impl ClientOptions {
    /// The retransmit timeout a client uses unless told otherwise: 60 simulated milliseconds.
    pub const RETRANSMIT_TIMEOUT_US: u64 = 60_000;

    /// Options for a world of `nodes` (any order) owning `token_count` tokens: the correct
    /// protocol, retransmitting after [`ClientOptions::RETRANSMIT_TIMEOUT_US`].
    pub fn new(token_count: u32, mut nodes: Vec<NodeId>) -> ClientOptions {
        nodes.sort_unstable();
        nodes.dedup();
        ClientOptions {
            retransmit_timeout_us: Self::RETRANSMIT_TIMEOUT_US,
            token_count,
            nodes: nodes.into(),
            variant: Variant::Correct,
        }
    }

    /// These options with retransmit timeout `timeout_us`.
    pub fn with_retransmit_timeout_us(mut self, timeout_us: u64) -> ClientOptions {
        self.retransmit_timeout_us = timeout_us;
        self
    }

    /// These options running protocol `variant`.
    pub fn with_variant(mut self, variant: Variant) -> ClientOptions {
        self.variant = variant;
        self
    }
}

/// A client state machine.
///
/// Methods: getters (`id`, `config`, `current`, `queued`), `submit` for the application's
/// requests, `handle_message` / `handle_timer` for input, and `restart` for a crash.
/// Outputs go into the host's [`Outputs`] buffer.
///
/// **Durable and volatile state.** A crash loses the volatile state: the request being
/// worked on and the queue behind it (they are never answered), the phase counter, and the
/// installs still being resent. The durable state survives it (see [`Client::restart`]):
/// the request counter, the highest ballot round, the configuration, and the value of a
/// pay whose write was not yet acknowledged by a majority.
#[derive(Clone, Debug)]
pub struct Client {
    id: NodeId,
    /// Durable: the configuration this client believes is current (a restart must not take
    /// it back to an older epoch).
    config: Config,
    options: ClientOptions,
    queue: VecDeque<Submitted>,
    /// Queued requests to be refused when they start, and why: those the hosting node could
    /// not take in its role when they arrived (a server issues no requests) while the client
    /// was busy. They wait their turn so that the client still works on one request at a
    /// time, as the history requires of every client.
    refused_on_arrival: Vec<(RequestId, Refusal)>,
    current: Option<Operation>,
    /// Durable: the sequence number of the next request. Ids are never used twice: servers
    /// and the history recognise a request (and its retries) by its id.
    next_sequence: u64,
    next_phase: u32,
    /// Durable: the highest ballot round this client has used or seen, so its next ballot
    /// outbids it and no ballot of this client is ever used twice with another value.
    highest_round: u64,
    /// Durable: the value a pay decided to write, until a majority acknowledged it. A pay
    /// lost in a crash may have written it to a minority; the owner must not then decide
    /// another value for the same version (two values at one version), so the next request
    /// after a restart first finishes this write.
    in_doubt: Option<(TokenId, TokenValue)>,
    /// Installs still being resent after their role changes were answered.
    lingering: Vec<Lingering>,
    /// The identity a retry writes under in the `forgetful-retries` variant.
    retry_identity: Option<RequestId>,
    /// How long phases take to be answered: what waits for a stopped coordinator, and
    /// backoffs after being outbid, are measured in.
    round_trip: RoundTrip,
    /// The server that told this client of its configuration (`new_config`), or this node
    /// itself when its own replica installed it: it has installed it, so it can repair the
    /// configuration's other servers if they never did.
    told_by: Option<NodeId>,
    /// Where in the world's nodes the next ask-around goes on from (see
    /// [`Client::ask_around`]): each asks a few, so that in a big world it stays a few
    /// messages a wait, and in turn every node is asked.
    ask_from: u32,
}

/// A search's view of a client (see `sim::choice`): everything but the round-trip
/// estimate, which is made of times (a search takes events whatever their planned times,
/// so two equal states would differ in it alone), and the options, which are the same for
/// every client of a run (and a search compares states of one run).
impl std::hash::Hash for Client {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Client {
            id,
            config,
            options: _,
            queue,
            refused_on_arrival,
            current,
            next_sequence,
            next_phase,
            highest_round,
            in_doubt,
            lingering,
            retry_identity,
            round_trip: _,
            told_by,
            ask_from,
        } = self;
        (id, config, queue, refused_on_arrival, current, next_sequence, next_phase, highest_round).hash(state);
        (in_doubt, lingering, retry_identity, told_by, ask_from).hash(state);
    }
}

/// The request being worked on and the state of its current phase.
#[derive(Clone, Debug, Hash)]
struct Operation {
    submitted: Submitted,
    step: Step,
    /// The phase's latest round: a resend of a read or write goes out under a new phase
    /// number, so that its answers tell which round they answer (as QUIC's packet numbers
    /// do), and the round trip they time is the one they made.
    tag: PhaseTag,
    /// The phase number of the phase's first round: answers to any round from it to `tag`
    /// answer the phase.
    first_phase: u32,
    /// What this phase sends; resent with only its phase number changed.
    message: Message,
    /// Who this phase's message goes to, ascending. Fixed for the phase, so shared by the
    /// client's copies (a search clones a node at every step that changes it).
    targets: std::sync::Arc<[NodeId]>,
    /// Per target: has it answered this phase?
    answered: Vec<bool>,
    /// Whose answers count towards the majority, ascending (a subset of the targets); shared
    /// like the targets.
    voters: std::sync::Arc<[NodeId]>,
    /// How many voters have answered.
    answers: usize,
    /// How long the phase has been held up, to tell when a coordinator stopped.
    watch: Watch,
}

#[derive(Clone, Debug, Hash)]
enum Step {
    Read(ReadState),
    /// Writing back what a read saw; answer `outcome` once a majority has it.
    WriteBack {
        outcome: Outcome,
    },
    /// Writing back the value a pay read (fewer than a majority of its answers had it), then
    /// writing the pay's value `paid`. So the version before any version a server holds
    /// was on a majority first: what lets a `gettokens` skip tokens no answer names.
    WriteBackThenPay {
        token: TokenId,
        paid: TokenValue,
    },
    /// Writing a pay's new value; answer `Paid` once a majority has it.
    Write {
        token: TokenId,
        version: Version,
    },
    /// Coordinating a role change.
    Reconfigure(RoleChange),
    /// Finishing the write of a pay lost in a crash (the value in doubt) before working on
    /// the request.
    FinishLost,
    /// Taking over a configuration sealed by a coordinator that stopped; the operation it
    /// held up goes on once the takeover has installed the next configuration.
    Takeover(Box<Takeover>),
}

/// A takeover of a sealed configuration, and the operation it held up.
#[derive(Clone, Debug, Hash)]
struct Takeover {
    change: RoleChange,
    interrupted: Operation,
}

impl Client {
    /// A client `id` that talks to the servers of `config`.
    pub fn new(id: NodeId, config: Config, options: ClientOptions) -> Client {
        Client {
            id,
            config,
            options,
            queue: VecDeque::new(),
            refused_on_arrival: Vec::new(),
            current: None,
            next_sequence: 1,
            next_phase: 0,
            highest_round: 0,
            in_doubt: None,
            lingering: Vec::new(),
            retry_identity: None,
            round_trip: RoundTrip::default(),
            told_by: None,
            ask_from: 0,
        }
    }

    /// This client after a crash and a restart: its durable state (the request counter, the
    /// highest ballot round, the configuration, a pay's write in doubt) and nothing else.
    /// The request it was working on and its queue are lost, never answered: the host
    /// takes them from [`Client::current`] and [`Client::queued`] before the crash.
    pub fn restart(&self) -> Client {
        Client {
            id: self.id,
            config: self.config.clone(),
            options: self.options.clone(),
            queue: VecDeque::new(),
            refused_on_arrival: Vec::new(),
            current: None,
            next_sequence: self.next_sequence,
            next_phase: 0,
            highest_round: self.highest_round,
            in_doubt: self.in_doubt,
            lingering: Vec::new(),
            retry_identity: None,
            round_trip: RoundTrip::default(),
            told_by: None,
            ask_from: 0,
        }
    }

    /// The value of a pay this client decided to write that no majority has acknowledged
    /// yet, if any: after a crash, what its next request finishes writing first.
    pub fn write_in_doubt(&self) -> Option<(TokenId, TokenValue)> {
        self.in_doubt
    }

    /// This client's node id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The configuration this client believes is current.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The request being worked on, if any.
    pub fn current(&self) -> Option<&Submitted> {
        self.current.as_ref().map(|operation| &operation.submitted)
    }

    /// The requests waiting their turn, oldest first.
    pub fn queued(&self) -> impl Iterator<Item = &Submitted> {
        self.queue.iter()
    }

    /// The role change this client coordinates now, if any: the epoch it changes and the
    /// ballot round it is at.
    pub fn role_change_in_progress(&self) -> Option<(Epoch, u64)> {
        self.current.as_ref()?.step.role_change().map(RoleChange::epoch_and_round)
    }

    /// Whether this client is taking over a configuration a stopped coordinator sealed.
    pub fn is_taking_over(&self) -> bool {
        matches!(self.current.as_ref().map(|operation| &operation.step), Some(Step::Takeover(_)))
    }

    /// The highest ballot round this client has used or seen.
    pub fn highest_ballot_round(&self) -> u64 {
        self.highest_round
    }

    /// Whether the client has nothing to do.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    /// The protocol variant this client runs.
    pub(super) fn variant(&self) -> Variant {
        self.options.variant
    }

    /// The id that the next call of [`Client::submit`] will give its request.
    pub fn next_request_id(&self) -> RequestId {
        RequestId { client: self.id, sequence: self.next_sequence }
    }

    /// Queue `request` from the application; returns the id its reply will carry.
    pub fn submit(&mut self, now: Instant, request: Request, out: &mut Outputs) -> RequestId {
        let id = self.next_request_id();
        self.next_sequence += 1;
        self.queue.push_back(Submitted { id, request });
        if self.current.is_none() {
            self.start_next(now, out);
        }
        id
    }

    /// Answer `request` with `refusal` without asking any server: at once if the client is
    /// idle, else when its turn comes (the hosting node uses this for requests it cannot
    /// take in its current role); returns the request's id.
    pub fn refuse(&mut self, request: Request, refusal: Refusal, out: &mut Outputs) -> RequestId {
        let id = self.next_request_id();
        self.next_sequence += 1;
        let submitted = Submitted { id, request };
        if !self.is_idle() {
            self.queue.push_back(submitted);
            self.refused_on_arrival.push((id, refusal));
            return id;
        }
        out.push(Output::Started { id, request });
        Self::reply(&submitted, Outcome::Refused(refusal), out);
        id
    }

    /// Handle one message from `from`.
    pub fn handle_message(&mut self, now: Instant, from: NodeId, message: &Message, out: &mut Outputs) {
        if self.answers_current(message) {
            let operation = self.current.as_mut().expect("an answer to a phase in progress");
            let round = message.tag().map(|tag| tag.phase.wrapping_sub(operation.first_phase));
            if let Some(sample_us) = operation.watch.answered(now, round) {
                self.round_trip.sample(sample_us);
            }
        }
        match message {
            Message::ReadReply { tag, .. } if self.is_phase(*tag) && self.is_reconfiguring() => {
                self.on_role_change_answer(now, from, message, out)
            }
            Message::ReadReply { tag, values, .. } => self.on_read_reply(now, from, *tag, values, out),
            Message::WriteAck { tag, .. } => self.on_write_ack(now, from, *tag, out),
            // A refusal is no answer, unless the variant counts "any majority of replies".
            Message::Nack { tag, .. } if self.options.variant.counts_refusals() => {
                self.on_write_ack(now, from, *tag, out)
            }
            Message::Nack { tag, epoch } => {
                if self.is_phase(*tag) {
                    out.probe(Probe::NackedWhileSealed);
                    if *epoch == self.config.epoch {
                        self.current.as_mut().expect("is_phase saw it").watch.sealed(now);
                    }
                }
            }
            Message::NewConfig { config } => {
                // A server of the client's own configuration that answers a takeover of an
                // older one has installed it: it can repair the servers still behind.
                if config.epoch > self.config.epoch || self.takes_over_older_than(config.epoch) {
                    self.told_by = Some(from);
                }
                self.learn_config(now, config, out)
            }
            Message::SealedBehind { config } => {
                if self.heeds_sealed_behind(from, config) {
                    self.current.as_mut().expect("heeded by a phase").watch.sealed_behind(now, config);
                }
            }
            Message::SealAck { .. } | Message::AcceptAck { .. } => self.on_role_change_answer(now, from, message, out),
            Message::InstallAck { epoch } => {
                self.on_install_ack(from, *epoch);
                self.on_role_change_answer(now, from, message, out)
            }
            Message::Rejected { epoch, promised } => self.on_rejected(now, *epoch, *promised, out),
            // Requests are for servers, installs for the hosting node.
            Message::Read { .. }
            | Message::Write { .. }
            | Message::Seal { .. }
            | Message::Accept { .. }
            | Message::Repair { .. }
            | Message::Install { .. } => {}
        }
    }

    /// Whether `message` answers the current phase (the first answer is a round-trip sample).
    fn answers_current(&self, message: &Message) -> bool {
        match message {
            Message::ReadReply { tag, .. } | Message::WriteAck { tag, .. } | Message::Nack { tag, .. } => {
                self.is_phase(*tag)
            }
            Message::SealAck { .. } | Message::AcceptAck { .. } | Message::InstallAck { .. } => {
                let change = self.current.as_ref().and_then(|operation| operation.step.role_change());
                change.is_some_and(|change| change.expects(message))
            }
            _ => false,
        }
    }

    /// Whether handling `message` from `from` would change nothing and send nothing, now
    /// and ever after: an answer to a phase that is over (phase numbers never repeat), a
    /// second answer from the same server, or a refusal this protocol does not count. Hosts
    /// that explore schedules take such deliveries at once instead of branching on them.
    pub fn ignores_message(&self, from: NodeId, message: &Message) -> bool {
        let answered = |tag: PhaseTag| {
            self.current.as_ref().is_none_or(|operation| {
                !operation.is_round(tag)
                    || operation.targets.binary_search(&from).map_or(true, |index| operation.answered[index])
            })
        };
        match message {
            Message::ReadReply { tag, .. } if self.is_phase(*tag) && self.is_reconfiguring() => false,
            Message::ReadReply { tag, .. } | Message::WriteAck { tag, .. } => answered(*tag),
            Message::Nack { tag, .. } if self.options.variant.counts_refusals() => answered(*tag),
            Message::Nack { .. } => true,
            Message::SealedBehind { config } => !self.heeds_sealed_behind(from, config),
            _ => false,
        }
    }

    /// Whether the current phase takes note that `from`, one of its servers, is sealed in
    /// `config`: only a configuration older than the one the phase addresses, and only the
    /// first such report (see `Watch::sealed_behind`).
    fn heeds_sealed_behind(&self, from: NodeId, config: &Config) -> bool {
        self.current.as_ref().is_some_and(|operation| {
            operation.watch.behind().is_none()
                && operation.asked_epoch().is_some_and(|asked| config.epoch < asked)
                && operation.targets.binary_search(&from).is_ok()
        })
    }

    /// Whether the current phase is a takeover of a configuration older than `epoch`.
    fn takes_over_older_than(&self, epoch: Epoch) -> bool {
        let change = self.current.as_ref().and_then(|operation| match &operation.step {
            Step::Takeover(takeover) => Some(&takeover.change),
            _ => None,
        });
        change.is_some_and(|change| change.epoch_and_round().0 < epoch)
    }

    /// How long to back off after being outbid, at the least: a retransmit timeout, or a
    /// round trip if those are longer (a coordinator that retries before its rival's phases
    /// can be answered only outbids it in turn).
    fn backoff_unit_us(&self) -> u64 {
        self.options.retransmit_timeout_us.max(self.round_trip.timeout_us())
    }

    /// Whether `timer` would do nothing when it fires, now and ever after: the retransmit
    /// timer of a phase that is over, or the install timer of a change no longer lingering.
    pub fn ignores_timer(&self, timer: Timer) -> bool {
        match timer {
            Timer::Retransmit { phase } => self.current.as_ref().is_none_or(|operation| operation.tag.phase != phase),
            Timer::Install { epoch } => self.lingering.iter().all(|lingering| lingering.epoch != epoch),
        }
    }

    /// Handle a timer this client set.
    pub fn handle_timer(&mut self, now: Instant, timer: Timer, out: &mut Outputs) {
        let phase = match timer {
            Timer::Retransmit { phase } => phase,
            Timer::Install { epoch } => return self.resend_lingering(now, epoch, out),
        };
        let timeout_us = self.retransmit_wait_us();
        let wait_us = remedy_wait_us(self.id, self.options.retransmit_timeout_us, &self.round_trip);
        let Some(operation) = self.current.as_mut() else { return };
        if operation.tag.phase != phase {
            return; // a timer of a phase that already finished
        }
        if operation.step.role_change().is_some_and(RoleChange::is_backing_off) {
            return self.retry_role_change(now, out);
        }
        if matches!(operation.step, Step::Write { .. }) && self.options.variant.forgets_retries() {
            return self.start_over(now, out);
        }
        match operation.watch.remedy(now, wait_us) {
            // A takeover of a takeover would only outbid itself: it is outbid and retries instead.
            Remedy::TakeOver if !matches!(operation.step, Step::Takeover(_)) => {
                let sealed = self.config.clone();
                return self.take_over(now, sealed, out);
            }
            Remedy::TakeOverBehind => {
                // A repair goes out too: it is cheap, and it cures the servers at once if a
                // server in reach installed the newer configuration, which the takeover
                // finds out only when that server answers its seal and ends it. (Without
                // it, a takeover ended that way, redone and taken over again, was seen to
                // keep the repair from ever being asked.)
                Self::ask_repair(operation, self.told_by, out);
                out.probe(Probe::TookOverBehind);
                let behind = operation.watch.behind().expect("the remedy saw it").clone();
                return self.take_over(now, behind, out);
            }
            Remedy::Repair => {
                Self::ask_repair(operation, self.told_by, out);
                Self::ask_around(operation, self.id, &self.options.nodes, &mut self.ask_from, out);
            }
            Remedy::TakeOver | Remedy::Wait => {}
        }
        let Some(request) = self.current.as_ref().map(|operation| operation.submitted.id) else { return };
        let tag = self.next_tag(request);
        let operation = self.current.as_mut().expect("checked above");
        if let Some(message) = operation.message.with_tag(tag) {
            operation.message = message;
            operation.tag = tag;
            operation.watch.resent(now);
        }
        out.probe(Probe::Retransmitted);
        for (index, target) in operation.targets.iter().enumerate() {
            if !operation.answered[index] {
                out.send(*target, operation.message.clone());
            }
        }
        out.set_timer(now.after_us(timeout_us), Timer::Retransmit { phase: operation.tag.phase });
    }

    /// Start the oldest queued request, answering at once those that need no servers.
    fn start_next(&mut self, now: Instant, out: &mut Outputs) {
        while let Some(submitted) = self.queue.pop_front() {
            out.push(Output::Started { id: submitted.id, request: submitted.request });
            if let Some(at) = self.refused_on_arrival.iter().position(|(id, _)| *id == submitted.id) {
                let (_, refusal) = self.refused_on_arrival.remove(at);
                Self::reply(&submitted, Outcome::Refused(refusal), out);
                continue;
            }
            if let Some(lost) = self.in_doubt {
                // A pay lost in a crash may have written this value to a minority: finish
                // writing it before anything else, so that this client, still the owner at
                // the version before, never decides another value for that version.
                return self.begin_write(now, submitted, Step::FinishLost, vec![lost], out);
            }
            if self.begin(now, submitted, out) {
                return;
            }
        }
    }

    /// Begin work on `submitted`, which has started; false if it was answered at once.
    fn begin(&mut self, now: Instant, submitted: Submitted, out: &mut Outputs) -> bool {
        if matches!(submitted.request, Request::BecomeServer { .. } | Request::BecomeClient { .. }) {
            self.begin_role_change(now, submitted, out);
            return true;
        }
        match self.validate(&submitted.request) {
            Err(refusal) => {
                Self::reply(&submitted, Outcome::Refused(refusal), out);
                false
            }
            Ok(selection) => {
                self.begin_read(now, submitted, ReadState::new(selection), out);
                true
            }
        }
    }

    /// Refusals that need no servers; otherwise the tokens the request must read.
    fn validate(&self, request: &Request) -> Result<TokenSelection, Refusal> {
        let known_node = |node: NodeId| self.options.nodes.binary_search(&node).is_ok();
        match *request {
            Request::GetTokens { owner } if !known_node(owner) => Err(Refusal::UnknownClient { node: owner }),
            Request::GetTokens { owner } => Ok(TokenSelection::Owner(owner)),
            Request::Pay { token, .. } if token.0 >= self.options.token_count => Err(Refusal::UnknownToken { token }),
            Request::Pay { to, .. } if !known_node(to) => Err(Refusal::UnknownClient { node: to }),
            Request::Pay { token, to } if to == self.id => Err(Refusal::SelfPayment { token }),
            Request::Pay { token, .. } => Ok(TokenSelection::One(token)),
            Request::BecomeServer { .. } | Request::BecomeClient { .. } => unreachable!("role changes start elsewhere"),
        }
    }

    /// Enter a read phase of `submitted`.
    fn begin_read(&mut self, now: Instant, submitted: Submitted, read: ReadState, out: &mut Outputs) {
        let tag = self.next_tag(submitted.id);
        let message = Message::Read { epoch: self.config.epoch, tag, tokens: read.selection.clone() };
        self.launch(now, submitted, Step::Read(read), tag, message, out);
    }

    /// Enter a write phase that stores `values` on a majority before going on with `step`.
    fn begin_write(
        &mut self,
        now: Instant,
        submitted: Submitted,
        step: Step,
        values: Vec<(TokenId, TokenValue)>,
        out: &mut Outputs,
    ) {
        let tag = self.next_tag(submitted.id);
        let message = Message::Write { epoch: self.config.epoch, tag, values: values.into() };
        self.launch(now, submitted, step, tag, message, out);
    }

    fn next_tag(&mut self, request: RequestId) -> PhaseTag {
        let tag = PhaseTag { request, phase: self.next_phase };
        self.next_phase = self.next_phase.wrapping_add(1);
        tag
    }

    /// Make a phase current whose message goes to, and is answered by, the configuration's servers.
    fn launch(
        &mut self,
        now: Instant,
        submitted: Submitted,
        step: Step,
        tag: PhaseTag,
        message: Message,
        out: &mut Outputs,
    ) {
        let servers = self.config.servers.clone();
        self.launch_to(now, Operation::new(now, submitted, step, tag, message, servers.clone(), servers), out);
    }

    /// Send the operation's message to its targets, arm its timer, and make it current.
    fn launch_to(&mut self, now: Instant, operation: Operation, out: &mut Outputs) {
        for target in operation.targets.iter() {
            out.send(*target, operation.message.clone());
        }
        let timer = Timer::Retransmit { phase: operation.tag.phase };
        out.set_timer(now.after_us(self.retransmit_wait_us()), timer);
        self.current = Some(operation);
    }

    /// How long a phase waits for answers before it is resent: the retransmit timeout, but
    /// for the variant that forgets to wait.
    fn retransmit_wait_us(&self) -> u64 {
        match self.options.variant.skips_backoff() {
            true => 0,
            false => self.options.retransmit_timeout_us,
        }
    }

    /// Record that `from` answered the current phase; false if it is not a target or a repeat.
    fn note_answer(&mut self, from: NodeId) -> bool {
        let Some(operation) = self.current.as_mut() else { return false };
        let Ok(index) = operation.targets.binary_search(&from) else { return false };
        if operation.answered[index] {
            return false;
        }
        operation.answered[index] = true;
        if operation.voters.binary_search(&from).is_ok() {
            operation.answers += 1;
        }
        true
    }

    /// Whether a quorum (a majority, in the correct protocol) of the phase's voters answered.
    fn has_quorum(&self) -> bool {
        let variant = self.options.variant;
        self.current.as_ref().is_some_and(|operation| operation.answers >= variant.quorum_of(operation.voters.len()))
    }

    /// The `forgetful-retries` mistake: begin the current request again from its read, as
    /// if its first attempt had never been, under a new identity.
    fn start_over(&mut self, now: Instant, out: &mut Outputs) {
        let operation = self.current.take().expect("a request is in progress");
        self.retry_identity = Some(RequestId { client: self.id, sequence: self.next_sequence });
        self.next_sequence += 1;
        match self.validate(&operation.submitted.request) {
            Ok(selection) => self.begin_read(now, operation.submitted, ReadState::new(selection), out),
            Err(_) => unreachable!("a request that reached its write was valid"),
        }
    }

    /// The identity a pay writes with: the request's own, so retries are recognised, but
    /// for the variants that make that mistake.
    fn writer_for(&mut self, request: RequestId) -> Option<RequestId> {
        let variant = self.options.variant;
        if variant.compares_bare_versions() {
            return None; // a bare version carries no identity
        }
        // A retry that was not recognised writes under the new identity it was given.
        Some(self.retry_identity.take().unwrap_or(request))
    }

    /// Whether the current request is a role change.
    fn is_reconfiguring(&self) -> bool {
        matches!(self.current.as_ref().map(|operation| &operation.step), Some(Step::Reconfigure(_)))
    }

    /// Whether `tag` names a round of the current phase.
    fn is_phase(&self, tag: PhaseTag) -> bool {
        self.current.as_ref().is_some_and(|operation| operation.is_round(tag))
    }

    fn on_read_reply(
        &mut self,
        now: Instant,
        from: NodeId,
        tag: PhaseTag,
        values: &[(TokenId, TokenValue)],
        out: &mut Outputs,
    ) {
        let is_read = matches!(self.current.as_ref().map(|o| &o.step), Some(Step::Read(_)));
        if !is_read || !self.is_phase(tag) || !self.note_answer(from) {
            return;
        }
        let operation = self.current.as_mut().expect("note_answer saw an operation");
        let Step::Read(read) = &mut operation.step else { unreachable!("checked above") };
        read.absorb(values);
        if self.has_quorum() {
            self.finish_read(now, out);
        }
    }

    fn on_write_ack(&mut self, now: Instant, from: NodeId, tag: PhaseTag, out: &mut Outputs) {
        let is_write = matches!(
            self.current.as_ref().map(|o| &o.step),
            Some(Step::Write { .. } | Step::WriteBack { .. } | Step::WriteBackThenPay { .. } | Step::FinishLost)
        );
        if !is_write || !self.is_phase(tag) || !self.note_answer(from) || !self.has_quorum() {
            return;
        }
        let operation = self.current.take().expect("checked above");
        let outcome = match operation.step {
            Step::WriteBack { outcome } => outcome,
            Step::WriteBackThenPay { token, paid } => {
                // What the pay read is on a majority now: write the pay's value.
                let step = Step::Write { token, version: paid.version };
                // Logged before it is sent: see `in_doubt`. Amnesia forgets it on restart.
                self.in_doubt = Some((token, paid));
                return self.begin_write(now, operation.submitted, step, vec![(token, paid)], out);
            }
            Step::Write { token, version } => {
                self.in_doubt = None; // a majority has it: no longer in doubt
                Outcome::Paid { token, version }
            }
            Step::FinishLost => {
                // The lost pay's value is on a majority now; the request it held up begins.
                out.probe(Probe::LostWriteFinished);
                self.in_doubt = None;
                if !self.begin(now, operation.submitted, out) {
                    self.start_next(now, out);
                }
                return;
            }
            Step::Read(_) | Step::Reconfigure(_) | Step::Takeover(_) => unreachable!("checked above"),
        };
        Self::reply(&operation.submitted, outcome, out);
        self.start_next(now, out);
    }

    /// A majority answered the read: decide the answer or the value to write.
    fn finish_read(&mut self, now: Instant, out: &mut Outputs) {
        let operation = self.current.take().expect("a read is in progress");
        let Step::Read(read) = operation.step else { unreachable!("finish_read after a read") };
        let quorum = self.options.variant.quorum_of(self.config.servers.len()) as u32;
        let submitted = operation.submitted;
        if read.disagreed() {
            out.probe(Probe::ReplicasDisagreed);
        }
        let (outcome, mut write_back) = match submitted.request {
            Request::GetTokens { owner } => match (read.first_round(), &read.selection) {
                // The first round: decide what it can, and confirm the rest in a second.
                (None, TokenSelection::Owner(_)) => {
                    let first = read.decide(owner, quorum);
                    if !first.unsure.is_empty() {
                        return self.begin_read(now, submitted, ReadState::confirming(first), out);
                    }
                    (Outcome::Tokens { owner, tokens: first.listed }, first.write_back)
                }
                // The confirming round: its tokens read as in a read of the whole table.
                (Some(first), _) => {
                    let mut tokens = first.listed.clone();
                    tokens.extend(read.tokens_of(owner));
                    tokens.sort_unstable();
                    let mut write_back = first.write_back.clone();
                    write_back.extend(read.not_on_quorum(quorum));
                    write_back.sort_unstable_by_key(|(token, _)| *token);
                    (Outcome::Tokens { owner, tokens }, write_back)
                }
                (None, _) => (Outcome::Tokens { owner, tokens: read.tokens_of(owner) }, read.not_on_quorum(quorum)),
            },
            Request::Pay { token, to } => {
                let Some(value) = read.only() else {
                    // Answers that carry no value of the token answered another phase under
                    // the same tag: only a client that reused a request id (the `amnesia`
                    // variant) can be sent those. Read again rather than decide on nothing.
                    let read = ReadState::new(TokenSelection::One(token));
                    return self.begin_read(now, submitted, read, out);
                };
                if value.owner == self.id {
                    let writer = self.writer_for(submitted.id);
                    let paid = TokenValue { version: Version(value.version.0 + 1), owner: to, writer };
                    if self.options.variant.writes_back() && read.only_needs_write_back(quorum) {
                        out.probe(Probe::WriteBackNeeded);
                        let step = Step::WriteBackThenPay { token, paid };
                        return self.begin_write(now, submitted, step, vec![(token, value)], out);
                    }
                    let step = Step::Write { token, version: paid.version };
                    // Logged before it is sent: see `in_doubt`. Amnesia forgets it on restart.
                    self.in_doubt = Some((token, paid));
                    return self.begin_write(now, submitted, step, vec![(token, paid)], out);
                }
                let refusal = Refusal::NotOwner { token, owner: value.owner, version: value.version };
                (Outcome::Refused(refusal), read.not_on_quorum(quorum))
            }
            Request::BecomeServer { .. } | Request::BecomeClient { .. } => unreachable!("role changes do not read"),
        };
        if !self.options.variant.writes_back() {
            write_back.clear();
        }
        if write_back.is_empty() {
            Self::reply(&submitted, outcome, out);
            self.start_next(now, out);
        } else {
            out.probe(Probe::WriteBackNeeded);
            if matches!(outcome, Outcome::Refused(Refusal::NotOwner { .. })) {
                out.probe(Probe::RefusalWithWriteBack);
            }
            self.begin_write(now, submitted, Step::WriteBack { outcome }, write_back, out);
        }
    }

    /// This node's own replica holds configuration `epoch`, table and all: it installed it,
    /// as a server of it or retired by it. If that is this client's configuration, the
    /// replica is the one to ask to repair its silent servers (see `ask_repair`): unlike a
    /// server that told this client of it, it is never cut off by a partition, and it may be
    /// the only node on this side that installed it.
    pub fn installed_here(&mut self, epoch: Epoch) {
        if epoch == self.config.epoch {
            self.told_by = Some(self.id);
        }
    }

    /// Someone told us of configuration `config`: adopt it if it is newer, and redo the
    /// current phase there (a role change starts over, since its configuration is gone).
    /// A takeover of a configuration older than `config` is over too, even if `config` is
    /// this client's own: the configuration it took over has been replaced at the servers,
    /// which will answer its seals with nothing but `config` again.
    pub fn learn_config(&mut self, now: Instant, config: &Config, out: &mut Outputs) {
        if config.epoch <= self.config.epoch {
            if self.takes_over_older_than(config.epoch) {
                let takeover = self.current.take().expect("a takeover is current");
                self.redo(now, takeover, out);
            }
            return;
        }
        self.config = config.clone();
        let Some(operation) = self.current.take() else { return };
        self.redo(now, operation, out);
    }

    /// Redo `operation`'s current phase in the current configuration (a role change starts
    /// over, since its configuration is gone; a takeover is over, since the configuration
    /// it took over is gone, and the operation it held up is redone).
    fn redo(&mut self, now: Instant, mut operation: Operation, out: &mut Outputs) {
        if matches!(operation.step, Step::Reconfigure(_) | Step::Takeover(_)) {
            // An install this client was sending may be what made `config`: keep it going.
            self.linger(now, &operation, out);
        }
        if let Step::Takeover(takeover) = operation.step {
            operation = takeover.interrupted;
        }
        if matches!(operation.step, Step::Reconfigure(_)) {
            return self.begin_role_change(now, operation.submitted, out);
        }
        out.probe(Probe::RedoneInNewConfig);
        let Operation { submitted, step, message, .. } = operation;
        let step = match step {
            Step::Reconfigure(_) | Step::Takeover(_) => unreachable!("handled above"),
            Step::Read(read) => Step::Read(read.restarted()),
            other => other,
        };
        let tag = self.next_tag(submitted.id);
        let message = retag(message, tag, self.config.epoch);
        self.launch(now, submitted, step, tag, message, out);
    }

    fn reply(submitted: &Submitted, outcome: Outcome, out: &mut Outputs) {
        out.push(Output::Reply { id: submitted.id, request: submitted.request, outcome });
    }
}

/// Role changes: the client asks the [`RoleChange`] state machine what to do with each
/// answer, and carries out the [`Next`] step it returns.
impl Client {
    /// Start (or start over) the role change `submitted` in the current configuration.
    fn begin_role_change(&mut self, now: Instant, submitted: Submitted, out: &mut Outputs) {
        if self.config.made_by(submitted.id) {
            out.probe(Probe::ChangeAlreadyDecided);
            // A retry found its own change already decided: it took effect exactly once.
            let outcome = Outcome::RoleChanged { epoch: self.config.epoch, servers: self.config.servers.clone() };
            Self::reply(&submitted, outcome, out);
            return self.start_next(now, out);
        }
        match RoleChange::validate(&self.config, &self.options.nodes, &submitted.request) {
            // Refused for what this client's view of the configuration says: that view may
            // be stale, so a majority must confirm it first.
            Err(
                refusal @ (Refusal::TooFewServers { .. }
                | Refusal::TooManyServers { .. }
                | Refusal::AlreadyServer { .. }
                | Refusal::NotAServer { .. }),
            ) if !self.options.variant.refuses_on_own_view() => {
                let (change, confirm) = RoleChange::confirm(&self.config, &submitted, refusal, self.options.variant);
                self.launch_phase(now, submitted, Step::Reconfigure(change), confirm, out)
            }
            Err(refusal) => {
                Self::reply(&submitted, Outcome::Refused(refusal), out);
                self.start_next(now, out)
            }
            Ok(proposal) => {
                let ballot = self.next_ballot();
                let (change, seal) =
                    RoleChange::start(&self.config, &submitted, proposal, ballot, self.options.variant);
                self.launch_phase(now, submitted, Step::Reconfigure(change), seal, out)
            }
        }
    }

    fn next_ballot(&mut self) -> Ballot {
        self.highest_round += 1;
        Ballot { round: self.highest_round, node: self.id }
    }

    /// An answer to a role change's phase: count it, and hand it to the state machine.
    fn on_role_change_answer(&mut self, now: Instant, from: NodeId, message: &Message, out: &mut Outputs) {
        let change = self.current.as_ref().and_then(|operation| operation.step.role_change());
        if !change.is_some_and(|change| change.expects(message)) || !self.note_answer(from) {
            return;
        }
        let quorum = self.has_quorum();
        let mut operation = self.current.take().expect("note_answer saw an operation");
        let change = operation.step.role_change_mut().expect("checked above");
        let next = match message {
            Message::SealAck { accepted, table, .. } => {
                let next = change.on_seal_ack(from, accepted.as_deref(), table, quorum);
                if change.proposes_accepted() && matches!(next, Next::Phase(_)) {
                    out.probe(Probe::SealSawAccepted);
                }
                next
            }
            Message::AcceptAck { .. } => change.on_accept_ack(quorum),
            Message::ReadReply { .. } => change.on_confirmed(quorum),
            Message::InstallAck { .. } => change.on_install_ack(quorum),
            _ => Next::Wait,
        };
        self.follow(now, operation, next, out);
    }

    fn on_rejected(&mut self, now: Instant, epoch: Epoch, promised: Ballot, out: &mut Outputs) {
        self.highest_round = self.highest_round.max(promised.round);
        let Some(mut operation) = self.current.take() else { return };
        let backoff_us = self.backoff_unit_us();
        let next = match operation.step.role_change_mut() {
            Some(change) => change.on_rejected(epoch, promised, backoff_us),
            None => Next::Wait,
        };
        self.follow(now, operation, next, out);
    }

    /// The backoff after being outbid is over: seal again with a higher ballot.
    fn retry_role_change(&mut self, now: Instant, out: &mut Outputs) {
        let Some(mut operation) = self.current.take() else { return };
        let ballot = self.next_ballot();
        let next = match operation.step.role_change_mut() {
            Some(change) => change.retry(ballot),
            None => Next::Wait,
        };
        self.follow(now, operation, next, out);
    }

    /// Carry out the role change's `next` step; `operation` is the role change in progress.
    fn follow(&mut self, now: Instant, mut operation: Operation, next: Next, out: &mut Outputs) {
        match next {
            Next::Wait => self.current = Some(operation),
            Next::Phase(phase) => self.launch_phase(now, operation.submitted, operation.step, phase, out),
            Next::Backoff { delay_us } => {
                out.probe(Probe::BallotPreempted);
                // A new phase makes the old phase's answers and timers stale.
                operation.tag = self.next_tag(operation.submitted.id);
                operation.first_phase = operation.tag.phase;
                out.set_timer(now.after_us(delay_us), Timer::Retransmit { phase: operation.tag.phase });
                self.current = Some(operation);
            }
            Next::Refuse(refusal) => {
                out.probe(Probe::RefusalConfirmed);
                Self::reply(&operation.submitted, Outcome::Refused(refusal), out);
                self.start_next(now, out);
            }
            Next::Installed { next } if matches!(operation.step, Step::Takeover(_)) => {
                // The stopped coordinator's configuration is replaced: the operation the
                // takeover held up goes on in the one just installed.
                if next.epoch > self.config.epoch {
                    self.config = next;
                }
                self.redo(now, operation, out);
            }
            Next::Installed { next } => {
                if !next.made_by(operation.submitted.id) {
                    out.probe(Probe::ChangeLostToAnother);
                }
                self.linger(now, &operation, out);
                if next.epoch > self.config.epoch {
                    self.config = next;
                }
                // Answered if the decided change was ours; started over there if not.
                self.begin_role_change(now, operation.submitted, out);
            }
        }
    }

    /// Make `phase` of `submitted` current.
    fn launch_phase(&mut self, now: Instant, submitted: Submitted, step: Step, phase: Phase, out: &mut Outputs) {
        let tag = self.next_tag(submitted.id);
        let Phase { message, targets, voters } = phase;
        let message = retag(message, tag, self.config.epoch);
        self.launch_to(now, Operation::new(now, submitted, step, tag, message, targets, voters), out);
    }

    /// Take over `sealed`, the configuration that has held the current phase up for too
    /// long, this client's own or an older one: a coordinator sealed it and stopped (see
    /// `recovery.rs`). The current operation waits inside the takeover and is redone once
    /// the takeover installs the next configuration. A takeover held up by a still older
    /// configuration is given up for a takeover of that one, so takeovers never nest: the
    /// operation it held up waits inside the new one, and finds out once it is redone
    /// whether the configuration given up still needs taking over.
    fn take_over(&mut self, now: Instant, sealed: Config, out: &mut Outputs) {
        let mut interrupted = self.current.take().expect("a phase is held up");
        if let Step::Takeover(takeover) = interrupted.step {
            interrupted = takeover.interrupted;
        }
        out.probe(Probe::TookOver);
        let ballot = self.next_ballot();
        let (change, seal) = RoleChange::takeover(&sealed, ballot, self.options.variant);
        let submitted = interrupted.submitted;
        let step = Step::Takeover(Box::new(Takeover { change, interrupted }));
        self.launch_phase(now, submitted, step, seal, out);
    }

    /// Ask the servers that answered `operation`'s phase, and `told_by`, the server that told
    /// this client of its configuration (or this node, if its own replica installed it), to
    /// install the configuration on the servers that did not answer (see `recovery.rs`).
    /// `told_by` may be the only one that can: a server that the configuration retired keeps
    /// its table, and a partition may keep the rest apart. Only phases addressed to the
    /// servers of one configuration ask: an install phase resends the install itself.
    fn ask_repair(operation: &Operation, told_by: Option<NodeId>, out: &mut Outputs) {
        let Some(epoch) = operation.asked_epoch() else { return };
        let silent: Vec<NodeId> = operation.unanswered().collect();
        let answered = operation.targets.iter().zip(&operation.answered).filter(|(_, answered)| **answered);
        let mut sources: Vec<NodeId> = answered.map(|(server, _)| *server).collect();
        sources.extend(told_by.filter(|node| !sources.contains(node) && !silent.contains(node)));
        let mut asked = false;
        for server in sources {
            if silent.is_empty() {
                break;
            }
            out.send(server, Message::Repair { epoch, nodes: silent.clone() });
            asked = true;
        }
        if asked {
            out.probe(Probe::RepairAsked);
        }
    }

    /// Ask nodes of the world outside the phase's targets which configuration they are in,
    /// with an empty read of the phase's epoch: a server of a newer configuration tells the
    /// client that one (`Message::NewConfig`), and any other node ignores it. This is how a
    /// client whose configuration's servers are all out of its reach (a partition cut it
    /// off from them after they were replaced) finds the servers that replaced them: nobody
    /// it writes to could tell it, and nobody else writes to it, so without this it stays
    /// held up while a majority of the current servers is in its reach. Asked once per
    /// remedy wait, like a repair, of [`ASK_AROUND_AT_ONCE`] nodes at most, going on from
    /// where the last ask stopped (`from`): in a world of a thousand nodes a held-up client
    /// sends a few messages a wait, not a thousand, and still asks every node in turn.
    fn ask_around(operation: &Operation, id: NodeId, nodes: &[NodeId], from: &mut u32, out: &mut Outputs) {
        let Some(epoch) = operation.asked_epoch() else { return };
        let others = |node: &NodeId| *node != id && operation.targets.binary_search(node).is_err();
        let start = *from as usize % nodes.len().max(1);
        let ask = Message::Read { epoch, tag: operation.tag, tokens: TokenSelection::Nothing };
        let mut asked = 0;
        for (offset, node) in nodes[start..].iter().chain(&nodes[..start]).enumerate() {
            if asked == ASK_AROUND_AT_ONCE {
                *from = ((start + offset) % nodes.len()) as u32;
                break;
            }
            if others(node) {
                out.send(*node, ask.clone());
                asked += 1;
            }
        }
        if asked > 0 {
            out.probe(Probe::AskedAround);
        }
    }

    /// `from` installed `epoch`: stop resending older installs to it.
    fn on_install_ack(&mut self, from: NodeId, epoch: Epoch) {
        for lingering in &mut self.lingering {
            lingering.acknowledged(from, epoch);
        }
        self.lingering.retain(|lingering| !lingering.is_done());
    }

    /// Keep resending the install of `operation`, an install phase that is over, to the
    /// targets that have not acknowledged it.
    fn linger(&mut self, now: Instant, operation: &Operation, out: &mut Outputs) {
        let Some(next) = operation.step.role_change().and_then(RoleChange::installing) else { return };
        let pending: Vec<NodeId> = operation.unanswered().collect();
        if pending.is_empty() {
            return;
        }
        let lingering =
            Lingering::new(next.epoch, operation.message.clone(), pending, self.options.retransmit_timeout_us);
        out.set_timer(now.after_us(lingering.delay_us()), Timer::Install { epoch: next.epoch });
        self.lingering.push(lingering);
    }

    /// Resend a lingering install to the nodes that have not acknowledged it.
    fn resend_lingering(&mut self, now: Instant, epoch: Epoch, out: &mut Outputs) {
        let timeout_us = self.options.retransmit_timeout_us;
        let Some(index) = self.lingering.iter().position(|lingering| lingering.epoch == epoch) else { return };
        match self.lingering[index].resend(timeout_us) {
            Some((pending, message, wait_us)) => {
                out.probe(Probe::InstallResent);
                for node in pending {
                    out.send(*node, message.clone());
                }
                out.set_timer(now.after_us(wait_us), Timer::Install { epoch });
            }
            None => {
                self.lingering.remove(index);
            }
        }
    }
}

impl Step {
    /// The role change this step runs: a requested one, or a takeover.
    fn role_change(&self) -> Option<&RoleChange> {
        match self {
            Step::Reconfigure(change) => Some(change),
            Step::Takeover(takeover) => Some(&takeover.change),
            _ => None,
        }
    }

    fn role_change_mut(&mut self) -> Option<&mut RoleChange> {
        match self {
            Step::Reconfigure(change) => Some(change),
            Step::Takeover(takeover) => Some(&mut takeover.change),
            _ => None,
        }
    }
}

/// `message` with a new phase tag and epoch, its payload unchanged.
fn retag(message: Message, tag: PhaseTag, epoch: Epoch) -> Message {
    match message {
        Message::Read { tokens, .. } => Message::Read { epoch, tag, tokens },
        Message::Write { values, .. } => Message::Write { epoch, tag, values },
        other => other,
    }
}

impl Operation {
    /// A phase launched at `now` that sends `message` to `targets` and needs a majority of
    /// `voters` (both ascending) to answer.
    fn new(
        now: Instant,
        submitted: Submitted,
        step: Step,
        tag: PhaseTag,
        message: Message,
        targets: Vec<NodeId>,
        voters: Vec<NodeId>,
    ) -> Operation {
        let answered = vec![false; targets.len()];
        let (targets, voters) = (targets.into(), voters.into());
        let first_phase = tag.phase;
        let watch = Watch::new(now);
        Operation { submitted, step, tag, first_phase, message, targets, answered, voters, answers: 0, watch }
    }

    /// The configuration epoch this phase addresses: that of its read or write, or of the
    /// role change whose seal or accept it is; `None` for an install, which names the
    /// configuration it installs.
    fn asked_epoch(&self) -> Option<Epoch> {
        match &self.message {
            Message::Read { epoch, .. }
            | Message::Write { epoch, .. }
            | Message::Seal { epoch, .. }
            | Message::Accept { epoch, .. } => Some(*epoch),
            _ => None,
        }
    }

    /// Whether `tag` names a round of this phase: one of its phase numbers so far (a
    /// client's phase numbers only grow, so those of earlier phases are all below).
    fn is_round(&self, tag: PhaseTag) -> bool {
        tag.request == self.tag.request && (self.first_phase..=self.tag.phase).contains(&tag.phase)
    }

    /// The targets that have not answered this phase, ascending.
    fn unanswered(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.targets.iter().zip(&self.answered).filter(|(_, answered)| !**answered).map(|(target, _)| *target)
    }
}
