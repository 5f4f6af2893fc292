//! A reference linearizability checker: a plain Wing–Gong search per token, written for
//! clarity, not speed. The differential tests hold the fast checker to it.
//!
//! The model, per token: a state (owner, version), starting at (initial owner, 1).
//! - `pay(t, to)` by `c`: if the owner is `c`, the owner becomes `to` and the version goes
//!   up by one, answered `Paid` with the new version; otherwise `NotOwner` with the state.
//! - `gettokens(o)` listing `t@v` read (o, v); not listing `t` read a state whose owner is
//!   not `o`.
//! - An unanswered operation may take effect at any point after its invocation, or never.
//!
//! Real time: `a` precedes `b` iff `a`'s response key (instant, rank) is strictly below
//! `b`'s invocation key. Nothing here is shared with the checker under test but the types.
//!
//! Some answers are impossible whatever the token did (a refusal naming another token, or
//! a token that does not exist, `UnknownToken` for a token that exists, `SelfPayment` of a
//! pay to someone else, `NotOwner` naming the caller, `UnknownClient` naming a node the
//! history shows exists, a `gettokens` refused for anything but an unknown owner or a
//! caller that is a server): they are listed apart.

use std::collections::BTreeSet;
use tokensim::check::OpHistory;
use tokensim::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId, TokenId};

/// An event's place in real time: (instant, rank).
type Key = (Instant, u64);

/// The reference's verdict on one history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Operations whose answer the model could never give, whatever the tokens did.
    pub impossible: Vec<RequestId>,
    /// Per token: whether its projection of the history is linearizable.
    pub tokens: Vec<bool>,
}

impl Verdict {
    /// Whether the whole history is linearizable.
    pub fn linearizable(&self) -> bool {
        self.impossible.is_empty() && self.tokens.iter().all(|&ok| ok)
    }
}

/// What an operation does to one token.
#[derive(Clone, Copy, Debug)]
enum Effect {
    /// A pay by `payer`; `version` is the answered one, `None` when never answered.
    Pay { payer: NodeId, payee: NodeId, version: Option<u64> },
    /// Read `(owner, version)`; a `NotOwner` refusal also says the caller is not the owner.
    Read { owner: NodeId, version: u64 },
    /// A listing of `owner` without the token: the owner was someone else.
    NotListed { owner: NodeId },
}

/// One operation on one token, with its real-time interval.
#[derive(Clone, Copy, Debug)]
struct TokenOp {
    invoked: Key,
    /// `None` when never answered.
    responded: Option<Key>,
    effect: Effect,
}

impl TokenOp {
    fn precedes(&self, other: &TokenOp) -> bool {
        self.responded.is_some_and(|responded| responded < other.invoked)
    }
}

/// Check `history` against the model, token by token.
pub fn check(history: &OpHistory) -> Verdict {
    let tokens = history.initial_owners.len();
    let mut impossible = Vec::new();
    let mut per_token: Vec<Vec<TokenOp>> = vec![Vec::new(); tokens];
    // Nodes that surely exist: first owners, callers, payees of pays that took effect.
    let mut exists: BTreeSet<NodeId> = history.initial_owners.iter().copied().collect();
    for op in &history.operations {
        exists.insert(op.id.client);
        if let (Request::Pay { to, .. }, Some(Outcome::Paid { .. })) = (op.request, &op.outcome) {
            exists.insert(to);
        }
    }
    for op in &history.operations {
        let invoked = (op.invoked_at, op.invoked_rank);
        let responded = op.responded_at.map(|at| (at, op.responded_rank));
        let caller = op.id.client;
        let mut add = |token: TokenId, effect: Effect| match per_token.get_mut(token.0 as usize) {
            Some(list) => {
                list.push(TokenOp { invoked, responded, effect });
                true
            }
            None => false,
        };
        let possible = match (op.request, &op.outcome) {
            (Request::Pay { token, to }, None) => {
                add(token, Effect::Pay { payer: caller, payee: to, version: None });
                true
            }
            (Request::Pay { token, to }, Some(Outcome::Paid { token: paid, version })) => {
                token == *paid && add(token, Effect::Pay { payer: caller, payee: to, version: Some(version.0) })
            }
            (Request::Pay { token, to }, Some(Outcome::Refused(refusal))) => match *refusal {
                Refusal::NotOwner { token: named, owner, version } => {
                    named == token && owner != caller && add(token, Effect::Read { owner, version: version.0 })
                }
                Refusal::UnknownToken { .. } => token.0 as usize >= tokens,
                Refusal::SelfPayment { .. } => to == caller,
                Refusal::UnknownClient { node } => node == to && !exists.contains(&to),
                _ => true,
            },
            (Request::GetTokens { owner }, Some(Outcome::Refused(refusal))) => match *refusal {
                Refusal::NotAClient { .. } => true,
                Refusal::UnknownClient { node } => node == owner && !exists.contains(&owner),
                _ => false,
            },
            (Request::GetTokens { owner }, Some(Outcome::Tokens { tokens: listed, .. })) => {
                let mut all_exist = listed.iter().all(|(token, _)| (token.0 as usize) < tokens);
                for token in 0..tokens {
                    let token = TokenId(token as u32);
                    let effect = match listed.iter().find(|(t, _)| *t == token) {
                        Some((_, version)) => Effect::Read { owner, version: version.0 },
                        None => Effect::NotListed { owner },
                    };
                    all_exist &= add(token, effect);
                }
                all_exist
            }
            _ => true,
        };
        if !possible {
            impossible.push(op.id);
        }
    }
    let tokens = per_token
        .iter()
        .zip(&history.initial_owners)
        .map(|(ops, &initial)| Search::new(ops).linearizable((initial, 1)))
        .collect();
    Verdict { impossible, tokens }
}

/// One token's state: (owner, version).
type State = (NodeId, u64);

/// The model's step: the state after `effect`, or `None` if the answer is impossible there.
fn step(state: State, effect: Effect) -> Option<State> {
    let (owner, version) = state;
    match effect {
        Effect::Pay { payer, payee, version: Some(paid) } => {
            (owner == payer && version + 1 == paid).then_some((payee, paid))
        }
        // An unanswered pay moves the token if its payer owns it, and otherwise changes nothing.
        Effect::Pay { payer, payee, version: None } if owner == payer => Some((payee, version + 1)),
        Effect::Pay { version: None, .. } => Some(state),
        Effect::Read { owner: read, version: seen } => (owner == read && version == seen).then_some(state),
        Effect::NotListed { owner: absent } => (owner != absent).then_some(state),
    }
}

/// Wing–Gong: linearize, one minimal operation at a time, every answered operation.
struct Search<'a> {
    ops: &'a [TokenOp],
    /// (linearized set, state) pairs already explored without success.
    dead: BTreeSet<(Vec<bool>, State)>,
}

impl<'a> Search<'a> {
    fn new(ops: &'a [TokenOp]) -> Search<'a> {
        Search { ops, dead: BTreeSet::new() }
    }

    fn linearizable(&mut self, initial: State) -> bool {
        let mut done = vec![false; self.ops.len()];
        self.search(&mut done, initial)
    }

    fn search(&mut self, done: &mut Vec<bool>, state: State) -> bool {
        let answered_left = self.ops.iter().zip(done.iter()).any(|(op, &d)| !d && op.responded.is_some());
        if !answered_left {
            return true;
        }
        if self.dead.contains(&(done.clone(), state)) {
            return false;
        }
        for i in 0..self.ops.len() {
            if done[i] || !self.is_minimal(done, i) {
                continue;
            }
            let Some(next) = step(state, self.ops[i].effect) else { continue };
            done[i] = true;
            let found = self.search(done, next);
            done[i] = false;
            if found {
                return true;
            }
        }
        self.dead.insert((done.clone(), state));
        false
    }

    /// Whether no operation still to linearize precedes operation `i`.
    fn is_minimal(&self, done: &[bool], i: usize) -> bool {
        (0..self.ops.len()).all(|j| done[j] || !self.ops[j].precedes(&self.ops[i]))
    }
}
