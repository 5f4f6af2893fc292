//! The parts of a scenario file, one type per table. `sim-scenarios/README.md` documents
//! every key, its default and its range; keep the two in step.

use crate::protocol::{NodeId, Outcome, Refusal, Request, TokenId};
use crate::vocab::{OmissionKind, Property, Ratio};
use serde::{Deserialize, Serialize};

/// Which protocol the servers and clients run (see [`Variant`]).
pub use crate::protocol::Variant;

/// The world's size and who owns what. Clients get node ids `1..=clients`, servers the ids
/// after them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorldOptions {
    /// How many servers replicate the table (3 to 7).
    pub servers: u32,
    /// How many clients there are (1 to 1000).
    pub clients: u32,
    /// Tokens per client; token `i` starts owned by client `(i % clients) + 1`. Leave out
    /// when `owners` is given; 10 when both are left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_client: Option<u32>,
    /// Explicit initial owners: token `i` starts owned by client `owners[i]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<NodeId>,
}

impl Default for WorldOptions {
    fn default() -> WorldOptions {
        WorldOptions { servers: 5, clients: 6, tokens_per_client: None, owners: Vec::new() }
    }
}

/// Tokens per client when neither `tokens_per_client` nor `owners` is given.
pub const TOKENS_PER_CLIENT_DEFAULT: u32 = 10;

/// Client timing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientTiming {
    /// How long a client waits for answers before resending a phase.
    pub retransmit_timeout_us: u64,
}

impl Default for ClientTiming {
    fn default() -> ClientTiming {
        ClientTiming { retransmit_timeout_us: 60_000 }
    }
}

/// One faulty node, a client or a server: from the start in `[[faults]]`, or from a
/// scheduled `make_faulty`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// The node's id (`server = ID` is read too: files from before client faults).
    #[serde(alias = "server")]
    pub node: NodeId,
    /// Which of its messages are lost.
    pub kind: OmissionKind,
    /// How many of them (1 = all: a silent server).
    pub ratio: Ratio,
}

/// `heal = { node = 9 }`: a faulty node becomes correct again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealSpec {
    /// The node's id (`server = ID` is read too).
    #[serde(alias = "server")]
    pub node: NodeId,
}

/// `crash = { node = 3 }` or `restart = { node = 3 }`: a node goes down, or comes back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// The node's id: a client or a server.
    pub node: NodeId,
}

/// One entry of `[[schedule]]`: at `at_ms`, exactly one fault action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledEvent {
    /// When, in simulated milliseconds from the start.
    pub at_ms: u64,
    /// A node starts losing messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make_faulty: Option<FaultSpec>,
    /// A node stops losing messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heal: Option<HealSpec>,
    /// These nodes are cut off from the rest (replacing any earlier partition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Vec<NodeId>>,
    /// `repair = true`: the partition ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<bool>,
    /// A node crashes: it sends, receives and times nothing, and loses its volatile state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<NodeSpec>,
    /// A crashed node restarts from its durable state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<NodeSpec>,
}

/// What a scheduled event does, once validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// A node starts losing messages.
    MakeFaulty(FaultSpec),
    /// A node stops losing messages.
    Heal(NodeId),
    /// These nodes are cut off from the rest.
    Partition(Vec<NodeId>),
    /// The partition ends.
    Repair,
    /// A node crashes.
    Crash(NodeId),
    /// A crashed node restarts.
    Restart(NodeId),
}

impl ScheduledEvent {
    /// The entry that does `action` at `at_ms`.
    pub fn new(at_ms: u64, action: FaultAction) -> ScheduledEvent {
        let mut event = ScheduledEvent {
            at_ms,
            make_faulty: None,
            heal: None,
            partition: None,
            repair: None,
            crash: None,
            restart: None,
        };
        match action {
            FaultAction::MakeFaulty(fault) => event.make_faulty = Some(fault),
            FaultAction::Heal(node) => event.heal = Some(HealSpec { node }),
            FaultAction::Partition(nodes) => event.partition = Some(nodes),
            FaultAction::Repair => event.repair = Some(true),
            FaultAction::Crash(node) => event.crash = Some(NodeSpec { node }),
            FaultAction::Restart(node) => event.restart = Some(NodeSpec { node }),
        }
        event
    }

    /// The one action this event names; `None` unless exactly one is given.
    pub fn action(&self) -> Option<FaultAction> {
        let actions = [
            self.make_faulty.clone().map(FaultAction::MakeFaulty),
            self.heal.as_ref().map(|heal| FaultAction::Heal(heal.node)),
            self.partition.clone().map(FaultAction::Partition),
            self.repair.map(|_| FaultAction::Repair),
            self.crash.as_ref().map(|crash| FaultAction::Crash(crash.node)),
            self.restart.as_ref().map(|restart| FaultAction::Restart(restart.node)),
        ];
        let mut given = actions.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(action), None) => Some(action),
            _ => None,
        }
    }

    /// When, in simulated microseconds.
    pub fn at_us(&self) -> u64 {
        self.at_ms.saturating_mul(1000)
    }
}

/// `pay = { token = 3, to = 2 }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaySpec {
    /// The token to move.
    pub token: TokenId,
    /// The node that receives it.
    pub to: NodeId,
}

/// `gettokens = { owner = 2 }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetTokensSpec {
    /// Whose tokens to list.
    pub owner: NodeId,
}

/// `become_server = { node = 3 }` or `become_client = { node = 8 }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChangeSpec {
    /// The node whose role changes.
    pub node: NodeId,
}

/// One entry of `[[requests]]`: at `at_ms` (plus `plus_us`), `client` is handed one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// When, in simulated milliseconds from the start.
    pub at_ms: u64,
    /// Microseconds after `at_ms` (0 to 999), for times finer than a millisecond, as
    /// `tokensim shrink` writes them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub plus_us: u64,
    /// The node that issues it: a client (or, in a scenario that scripts role changes, any
    /// node; one that is a server when the request comes is refused).
    pub client: NodeId,
    /// A payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay: Option<PaySpec>,
    /// A listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gettokens: Option<GetTokensSpec>,
    /// A client asks to become a server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub become_server: Option<RoleChangeSpec>,
    /// A server asks to become a client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub become_client: Option<RoleChangeSpec>,
    /// The answer the request must get, checked by the run's verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<ExpectedAnswer>,
}

/// The answer an explicit request must get: `expect = "ok"`, say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedAnswer {
    /// A pay answered ok, a listing, or a role change made.
    Ok,
    /// Any refusal.
    Refused,
    /// Refused: the caller does not own the token.
    NotOwner,
    /// Refused: the caller tried to pay itself.
    SelfPayment,
}

impl ExpectedAnswer {
    /// Whether `outcome` is this answer.
    pub fn matches(&self, outcome: &Outcome) -> bool {
        matches!(
            (self, outcome),
            (ExpectedAnswer::Ok, Outcome::Paid { .. } | Outcome::Tokens { .. } | Outcome::RoleChanged { .. })
                | (ExpectedAnswer::Refused, Outcome::Refused(_))
                | (ExpectedAnswer::NotOwner, Outcome::Refused(Refusal::NotOwner { .. }))
                | (ExpectedAnswer::SelfPayment, Outcome::Refused(Refusal::SelfPayment { .. }))
        )
    }
}

impl RequestSpec {
    /// The one request this entry names; `None` unless exactly one is given.
    pub fn request(&self) -> Option<Request> {
        let requests = [
            self.pay.as_ref().map(|pay| Request::Pay { token: pay.token, to: pay.to }),
            self.gettokens.as_ref().map(|get| Request::GetTokens { owner: get.owner }),
            self.become_server.as_ref().map(|change| Request::BecomeServer { node: change.node }),
            self.become_client.as_ref().map(|change| Request::BecomeClient { node: change.node }),
        ];
        let mut given = requests.into_iter().flatten();
        match (given.next(), given.next()) {
            (Some(request), None) => Some(request),
            _ => None,
        }
    }

    /// The entry for `request`, handed to `client` at `at_us` microseconds.
    pub fn new(at_us: u64, client: NodeId, request: Request) -> RequestSpec {
        let mut spec = RequestSpec {
            at_ms: at_us / 1000,
            plus_us: at_us % 1000,
            client,
            pay: None,
            gettokens: None,
            become_server: None,
            become_client: None,
            expect: None,
        };
        match request {
            Request::Pay { token, to } => spec.pay = Some(PaySpec { token, to }),
            Request::GetTokens { owner } => spec.gettokens = Some(GetTokensSpec { owner }),
            Request::BecomeServer { node } => spec.become_server = Some(RoleChangeSpec { node }),
            Request::BecomeClient { node } => spec.become_client = Some(RoleChangeSpec { node }),
        }
        spec
    }

    /// Whether this is a role change.
    pub fn changes_role(&self) -> bool {
        self.become_server.is_some() || self.become_client.is_some()
    }

    /// When, in simulated microseconds.
    pub fn at_us(&self) -> u64 {
        self.at_ms.saturating_mul(1000).saturating_add(self.plus_us)
    }
}

/// What a run must show. Safety is always required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Expectations {
    /// Every request of a correct client must be answered. May be `false` only together
    /// with `break_fault_budget = true`.
    pub liveness: bool,
    /// Allow half or more of the servers to be faulty (then liveness may fail).
    pub break_fault_budget: bool,
    /// How long after the last request is issued (or the last scheduled fault event,
    /// whichever is later) every request must be answered.
    pub liveness_budget_us: u64,
    /// The run must break this property: a kept reproduction of a bug (a broken variant's
    /// shrunk case, say). The verdict then passes when the violation shows and fails when it
    /// does not. `None`: the run must break nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<Property>,
    /// The most events the run may take before it is stopped as a runaway (a `progress`
    /// violation). Left out: 1,000,000 plus 1,000 per planned request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_events: Option<u64>,
    /// The most events the run may take in a row without answering any request before it
    /// is stopped as a livelock (a `progress` violation). Left out: 200,000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_events_between_answers: Option<u64>,
}

impl Default for Expectations {
    fn default() -> Expectations {
        Expectations {
            liveness: true,
            break_fault_budget: false,
            liveness_budget_us: 60_000_000,
            violation: None,
            max_events: None,
            max_events_between_answers: None,
        }
    }
}

/// How many events a run may take: in all, and in a row without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBudget {
    /// Events in all.
    pub total: u64,
    /// Events in a row without any request answered.
    pub between_answers: u64,
}

impl EventBudget {
    /// The fixed part of the default total: enough for the set-up of any world.
    pub const BASE: u64 = 1_000_000;
    /// What each planned request adds to the default total (a request of the default world
    /// takes about 15 events; a slow, lossy one a few hundred).
    pub const PER_REQUEST: u64 = 1_000;
    /// The default for events in a row without an answer.
    pub const BETWEEN_ANSWERS: u64 = 200_000;
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}
