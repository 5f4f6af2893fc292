//! Small generated histories: valid ones from a sequential execution, and corrupted ones.
//!
//! A [`Plan`] is what proptest draws (and shrinks); [`Plan::history`] turns it into an
//! [`OpHistory`]. Operations run one after another on a sequential token table, each at
//! its own linearization point, with an interval around the point; a client's intervals
//! never overlap. Some operations are never answered: after taking effect, or (for pays)
//! without ever taking effect; their client carries on, as one that lost a request would.
//! Times are then coarsened so that events share instants, and ranked in true order (or
//! left unranked when that keeps the history valid). A corruption, if any, comes last.

use proptest::prelude::*;
use proptest::sample::Index;
use tokensim::check::{OpHistory, Operation};
use tokensim::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId, TokenId, Version};

/// What happens to an operation's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Answered.
    Answered,
    /// Took effect, never answered.
    Lost,
    /// Never took effect, never answered.
    Dropped,
}

/// One operation of the sequential execution.
#[derive(Clone, Copy, Debug)]
pub struct OpPlan {
    /// Index of the client (0-based).
    pub client: u32,
    /// A pay, or a `gettokens`.
    pub pay: bool,
    /// The token a pay names (modulo the token count).
    pub token: u32,
    /// The payee of a pay (another client), or the owner a `gettokens` asks about.
    pub target: u32,
    /// How long before its linearization point it is invoked.
    pub lead: u64,
    /// How long after its linearization point it is answered.
    pub lag: u64,
    /// What becomes of its answer.
    pub fate: Fate,
    /// Breaks ties between events of one instant.
    pub tie_break: u8,
}

/// A deliberate mistake in a history.
#[derive(Clone, Copy, Debug)]
pub enum Corruption {
    /// Change a version an answer names.
    Version { op: Index, delta: i8 },
    /// Change the owner or payee an operation names.
    Owner { op: Index, to: u32 },
    /// Leave a listed token out of a listing.
    DropListed { op: Index, which: Index },
    /// Add a token to a listing.
    AddListed { op: Index, token: u32, version: u64 },
    /// Move an operation's interval.
    Shift { op: Index, by: i64 },
    /// Exchange the response times of two operations.
    SwapResponses { a: Index, b: Index },
    /// Forget an answer.
    Unanswer { op: Index },
    /// Answer an unanswered pay with some version.
    Answer { op: Index, version: u64 },
}

/// Everything a generated history is made from.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Clients, ids 1..=clients.
    pub clients: u32,
    /// The initial owner (client index) of each token.
    pub owners: Vec<u32>,
    /// The sequential execution.
    pub ops: Vec<OpPlan>,
    /// Times are divided by this, so events share instants.
    pub coarse: u64,
    /// Whether events carry ranks (kept anyway if dropping them breaks validity).
    pub ranked: bool,
    /// The mistake, if any.
    pub corruption: Option<Corruption>,
}

fn op_plan(clients: u32) -> impl Strategy<Value = OpPlan> {
    let fate = prop_oneof![6 => Just(Fate::Answered), 1 => Just(Fate::Lost), 1 => Just(Fate::Dropped)];
    (0..clients, any::<bool>(), 0..3u32, 0..clients, 0..30u64, 0..30u64, fate, any::<u8>()).prop_map(
        |(client, pay, token, target, lead, lag, fate, tie_break)| OpPlan {
            client,
            pay,
            token,
            target,
            lead,
            lag,
            fate,
            tie_break,
        },
    )
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        (any::<Index>(), prop_oneof![Just(-2i8), Just(-1), Just(1), Just(2)])
            .prop_map(|(op, delta)| Corruption::Version { op, delta }),
        (any::<Index>(), 0..4u32).prop_map(|(op, to)| Corruption::Owner { op, to }),
        (any::<Index>(), any::<Index>()).prop_map(|(op, which)| Corruption::DropListed { op, which }),
        (any::<Index>(), 0..3u32, 1..5u64).prop_map(|(op, token, version)| Corruption::AddListed {
            op,
            token,
            version
        }),
        (any::<Index>(), -40..40i64).prop_map(|(op, by)| Corruption::Shift { op, by }),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Corruption::SwapResponses { a, b }),
        any::<Index>().prop_map(|op| Corruption::Unanswer { op }),
        (any::<Index>(), 1..5u64).prop_map(|(op, version)| Corruption::Answer { op, version }),
    ]
}

/// Plans of 2 to 4 clients, 1 to 3 tokens and up to 10 operations; corrupted nine times in
/// ten if `corrupt`, never otherwise.
pub fn plan(corrupt: bool) -> impl Strategy<Value = Plan> {
    (2..=4u32, 1..=3usize).prop_flat_map(move |(clients, tokens)| {
        let corruption = match corrupt {
            true => prop::option::weighted(0.9, corruption()).boxed(),
            false => Just(None).boxed(),
        };
        (
            prop::collection::vec(0..clients, tokens),
            prop::collection::vec(op_plan(clients), 1..=10),
            prop_oneof![Just(1u64), 2..=8u64, 10..=30u64],
            any::<bool>(),
            corruption,
        )
            .prop_map(move |(owners, ops, coarse, ranked, corruption)| Plan {
                clients,
                owners,
                ops,
                coarse,
                ranked,
                corruption,
            })
    })
}

/// One sequential step: the request and the answer it got.
fn run_step(plan: &OpPlan, clients: u32, table: &mut [(NodeId, u64)]) -> (NodeId, Request, Outcome) {
    let client = NodeId(plan.client + 1);
    if !plan.pay {
        let owner = NodeId(plan.target % clients + 1);
        let tokens = (0..table.len())
            .filter(|&t| table[t].0 == owner)
            .map(|t| (TokenId(t as u32), Version(table[t].1)))
            .collect();
        return (client, Request::GetTokens { owner }, Outcome::Tokens { owner, tokens });
    }
    let token = TokenId(plan.token % table.len() as u32);
    let to = NodeId((plan.client + 1 + plan.target % (clients - 1)) % clients + 1);
    let request = Request::Pay { token, to };
    let (owner, version) = table[token.0 as usize];
    if owner != client {
        return (client, request, Outcome::Refused(Refusal::NotOwner { token, owner, version: Version(version) }));
    }
    if plan.fate != Fate::Dropped {
        table[token.0 as usize] = (to, version + 1);
    }
    (client, request, Outcome::Paid { token, version: Version(version + 1) })
}

impl Plan {
    /// The history this plan describes (always valid).
    pub fn history(&self) -> OpHistory {
        let initial_owners: Vec<NodeId> = self.owners.iter().map(|&o| NodeId(o + 1)).collect();
        let mut table: Vec<(NodeId, u64)> = initial_owners.iter().map(|&o| (o, 1)).collect();
        let mut sequence = vec![0u64; self.clients as usize + 1];
        let mut operations = Vec::new();
        // Each client's last operation and its linearization point.
        let mut last: Vec<Option<(usize, u64)>> = vec![None; self.clients as usize + 1];
        for (step, op) in self.ops.iter().enumerate() {
            let (client, request, outcome) = run_step(op, self.clients, &mut table);
            sequence[client.0 as usize] += 1;
            let id = RequestId { client, sequence: sequence[client.0 as usize] };
            let point = 100 + 20 * step as u64;
            let mut invoked = point - op.lead;
            if let Some((previous, previous_point)) = last[client.0 as usize] {
                let midpoint = (previous_point + point) / 2;
                invoked = invoked.max(midpoint + 1);
                let before: &mut Operation = &mut operations[previous];
                before.responded_at = before.responded_at.map(|at: Instant| at.min(Instant(midpoint)));
            }
            last[client.0 as usize] = Some((operations.len(), point));
            operations.push(match op.fate {
                Fate::Answered => Operation::answered(id, request, Instant(invoked), Instant(point + op.lag), outcome),
                // A lost gettokens or refusal took no effect either; a dropped one is the same.
                Fate::Lost | Fate::Dropped => Operation::pending(id, request, Instant(invoked)),
            });
        }
        let tie_breaks: Vec<u8> = self.ops.iter().map(|op| op.tie_break).collect();
        rank(&mut operations, |i| tie_breaks[i]);
        for op in &mut operations {
            op.invoked_at = Instant(op.invoked_at.0 / self.coarse);
            op.responded_at = op.responded_at.map(|at| Instant(at.0 / self.coarse));
        }
        let mut history = OpHistory { initial_owners, operations };
        if !self.ranked {
            let mut unranked = history.clone();
            unranked.operations.iter_mut().for_each(|op| *op = op.clone().with_ranks(0, 0));
            if unranked.validate().is_ok() {
                history = unranked;
            }
        }
        if let Some(corruption) = self.corruption {
            let mut corrupted = history.clone();
            corruption.apply(&mut corrupted, self.clients);
            if corrupted.validate().is_ok() {
                history = corrupted;
            }
        }
        history
    }
}

/// Rank every event by time, then `tie_break` of its operation, then operation, invocation
/// before response; operations already ranked keep their relative order on ties.
fn rank(operations: &mut [Operation], tie_break: impl Fn(usize) -> u8) {
    let mut events: Vec<(Instant, u64, u8, usize, bool)> = Vec::new();
    for (i, op) in operations.iter().enumerate() {
        events.push((op.invoked_at, op.invoked_rank, tie_break(i), i, false));
        if let Some(at) = op.responded_at {
            events.push((at, op.responded_rank, tie_break(i), i, true));
        }
    }
    events.sort_unstable();
    for (rank, &(_, _, _, i, is_response)) in events.iter().enumerate() {
        let rank = rank as u64 + 1;
        let op = &mut operations[i];
        match is_response {
            true => op.responded_rank = rank,
            false => op.invoked_rank = rank,
        }
    }
}

impl Corruption {
    fn apply(self, history: &mut OpHistory, clients: u32) {
        let tokens = history.initial_owners.len() as u32;
        let ops = &mut history.operations;
        let ranked = ops.iter().any(|op| op.invoked_rank != 0);
        let count = ops.len();
        let pick = |index: Index| index.index(count);
        match self {
            Corruption::Version { op, delta } => {
                let bump = |version: &mut Version| version.0 = version.0.saturating_add_signed(i64::from(delta));
                match &mut ops[pick(op)].outcome {
                    Some(Outcome::Paid { version, .. }) => bump(version),
                    Some(Outcome::Refused(Refusal::NotOwner { version, .. })) => bump(version),
                    Some(Outcome::Tokens { tokens, .. }) => {
                        if let Some((_, version)) = tokens.first_mut() {
                            bump(version)
                        }
                    }
                    _ => {}
                }
            }
            Corruption::Owner { op, to } => {
                let to = NodeId(to % clients + 1);
                let op = &mut ops[pick(op)];
                match (&mut op.request, &mut op.outcome) {
                    (_, Some(Outcome::Refused(Refusal::NotOwner { owner, .. }))) => *owner = to,
                    (Request::Pay { to: payee, .. }, _) => *payee = to,
                    (Request::GetTokens { owner }, Some(Outcome::Tokens { owner: listed, .. })) => {
                        (*owner, *listed) = (to, to)
                    }
                    _ => {}
                }
            }
            Corruption::DropListed { op, which } => {
                if let Some(Outcome::Tokens { tokens, .. }) = &mut ops[pick(op)].outcome {
                    if !tokens.is_empty() {
                        tokens.remove(which.index(tokens.len()));
                    }
                }
            }
            Corruption::AddListed { op, token, version } => {
                let token = TokenId(token % tokens);
                if let Some(Outcome::Tokens { tokens, .. }) = &mut ops[pick(op)].outcome {
                    if let Err(at) = tokens.binary_search_by_key(&token, |&(t, _)| t) {
                        tokens.insert(at, (token, Version(version)));
                    }
                }
            }
            Corruption::Shift { op, by } => {
                let op = &mut ops[pick(op)];
                op.invoked_at = Instant(op.invoked_at.0.saturating_add_signed(by));
                op.responded_at = op.responded_at.map(|at| Instant(at.0.saturating_add_signed(by)));
                if ranked {
                    rank(ops, |_| 0);
                }
            }
            Corruption::SwapResponses { a, b } => {
                let (a, b) = (pick(a), pick(b));
                let (at_a, rank_a) = (ops[a].responded_at, ops[a].responded_rank);
                let (at_b, rank_b) = (ops[b].responded_at, ops[b].responded_rank);
                if at_a.is_some() && at_b.is_some() {
                    (ops[a].responded_at, ops[a].responded_rank) = (at_b, rank_b);
                    (ops[b].responded_at, ops[b].responded_rank) = (at_a, rank_a);
                }
            }
            Corruption::Unanswer { op } => {
                let op = &mut ops[pick(op)];
                (op.responded_at, op.outcome, op.responded_rank) = (None, None, 0);
            }
            Corruption::Answer { op, version } => {
                let op = &mut ops[pick(op)];
                if let (Request::Pay { token, .. }, None) = (op.request, &op.outcome) {
                    op.outcome = Some(Outcome::Paid { token, version: Version(version) });
                    (op.responded_at, op.responded_rank) = (Some(op.invoked_at), op.invoked_rank);
                    if ranked {
                        rank(ops, |_| 0);
                    }
                }
            }
        }
    }
}
