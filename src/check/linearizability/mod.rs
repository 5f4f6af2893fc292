//! Per-token linearizability of `pay` and `gettokens` against a sequential token: exact,
//! and near-linear on ordinary histories.
//!
//! # The model
//! Linearizability is local, so each token is checked on its own. Its sequential state is
//! `(owner, version)`, starting at `(initial owner, 1)`. A `pay(t, to)` by `c` when `c` owns
//! `t` moves it to `to` and bumps the version, answered `Paid` with the new version;
//! otherwise it is refused `NotOwner` with the current state and changes nothing. A
//! `gettokens(o)` listing `t@v` read `(o, v)`; one that does not list `t` read some state
//! whose owner is not `o`. An operation never answered may take effect at any point after
//! its invocation, or never. Real time: `a` precedes `b` iff `a`'s response key is
//! strictly below `b`'s invocation key ([`EventKey`]: instant, then rank).
//!
//! # What a linearization of one token is
//! Every effective pay bumps the version by one, so a linearization is a chain of states
//! `v1, v2, ..., vN`: each version `v > 1` has exactly one writer, a pay by the owner of
//! `v - 1` to the owner of `v`; every answered `Paid` is the writer of the version it names,
//! every listed read or `NotOwner` refusal sits at the version it names, every unlisted read
//! sits at some version its owner did not hold, and unanswered pays are writers of the
//! versions nobody answered for, or are dropped (one that took effect on a token its payer
//! did not own changed nothing, which is the same as being dropped). Laying the chain out as
//! *positions* (reads of v1, writer of v2, reads of v2, writer of v3, ...; reads of one
//! version unordered among themselves), an order consistent with real time exists iff no
//! operation at a later position responds before an operation at an earlier position is
//! invoked. The checker decides whether such a chain exists:
//!
//! The stages share their types (`token.rs`: the token's check, links and slots).
//!
//! 1. **Fixed chain** (`chain.rs`). Answered pays and listed reads fix the owner of the
//!    versions they name (a `Paid` of `v` also names its caller as the owner of `v - 1`).
//!    One owner per version ([`Property::OneOwnerPerVersion`]), one writer per version and
//!    each writer the owner of the version before ([`Property::NoDoubleSpend`]), versions
//!    from 1 ([`Property::VersionsContiguous`]). Their positions are fixed by their versions,
//!    so one pass checks real time among them ([`Property::Linearizable`]).
//! 2. **Missing writers** (`search.rs`). Between two known versions `a < b` whose writers
//!    are not answered pays, `b - a` unanswered pays of the token must form a path from the
//!    owner of `a` to the owner of `b`, each used once, each invoked no later than every
//!    fixed operation after it responded. Each client has at most one request open unless it
//!    lost one, so a client has few unanswered pays and the path is almost always forced; a
//!    depth-first search with backtracking covers the rest. Among unanswered pays with the
//!    same payer and payee, the earliest invoked are used first, earliest first: an exchange
//!    argument shows that is never worse. No path: [`Property::VersionsContiguous`], or
//!    [`Property::RefusalChangedNothing`] when a refused pay is the one that fits.
//! 3. **Unlisted reads** (`unlisted.rs`). With the chain positioned, an unlisted read `u`
//!    may sit at version `k` iff every operation before `k` was invoked no later than `u`'s
//!    response and every operation after `k` responded no earlier than `u`'s invocation:
//!    since those two bounds grow with `k`, that is a range `lo(u)..=hi(u)`, further limited
//!    to versions its owner did not hold. Two unlisted reads where one precedes the other
//!    must keep that order of versions. Taking unlisted reads by invocation and giving each
//!    the earliest allowed version at or after every version given to the reads preceding
//!    it is optimal (by induction, each read gets the least version any solution can give
//!    it), so that greedy decides the question. Versions past the last known one, written by
//!    unanswered pays from the last owner, only add places to put reads, so they are tried
//!    (every maximal such tail) only when the greedy fails without them.
//!
//! When the greedy fails on a complete chain, the read it failed on depends only on the
//! chain up to the last version it could read (and the writer of the next): every chain
//! that agrees there fails the same way, so the search skips the choices past it.
//!
//! The search makes the checker exact for client-sequential histories (the ones
//! [`OpHistory::validate`] accepts), pending operations and crashed clients included:
//! `tests/linearizability_differential.rs` holds it to a plain Wing–Gong search.
//!
//! # Cost
//! Near-linear: a sort of the observations per token, linear passes, and binary searches.
//! The greedy looks only at unlisted reads that could matter: a read whose earliest place
//! `lo(u)` is a version its owner did not hold, and that no earlier read pushed further,
//! goes there and constrains nobody (`lo` grows with the invocation), so only reads of the
//! owner of `lo(u)` and reads in the wake of a read that had to move are examined. The
//! search branches only where a client has several unanswered pays of one token to
//! different payees (never in a run that answers every request); the worst case is
//! exponential in those alone. About a second for a million operations in release
//! (`benches/linearizability.rs`).

mod chain;
mod search;
mod token;
mod unlisted;

use super::history::{EventKey, HistoryError, OpHistory, Operation};
use super::violation::{Property, Violation};
use crate::protocol::{NodeId, Outcome, Refusal, Request, TokenId};
use std::collections::{BTreeMap, BTreeSet};

/// At most this many violations are reported; the first ones are the telling ones.
pub const VIOLATIONS_MAX: usize = 100;

/// Check `history`; every violation found (up to [`VIOLATIONS_MAX`]), or why it is unreadable.
pub fn check_linearizability(history: &OpHistory) -> Result<Vec<Violation>, HistoryError> {
    history.validate()?;
    let mut index = Index::build(history);
    let mut violations = std::mem::take(&mut index.own);
    let mut marks = vec![u32::MAX; history.operations.len()];
    for token in 0..history.initial_owners.len() {
        let token = TokenId(token as u32);
        violations.extend(token::TokenCheck::new(history, &index, token, &mut marks).run());
        if violations.len() >= VIOLATIONS_MAX {
            break;
        }
    }
    violations.truncate(VIOLATIONS_MAX);
    Ok(violations)
}

/// Whether a token observation is a write (an `Ok` pay) or a read; writes sort first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Write,
    Read,
}

/// What one operation observed of one token.
#[derive(Clone, Copy, Debug)]
struct Observation {
    version: u64,
    kind: Kind,
    op: u32,
    /// The owner at `version`: the payee of a write, the owner a read names.
    owner: NodeId,
}

/// An answered `gettokens`: when it was invoked, and which operation it is.
type Listing = (EventKey, u32);

/// Every operation filed by token, built in one pass over the history.
struct Index {
    /// Per operation, the keys of its invocation and response (`NEVER` if unanswered).
    invoked: Vec<EventKey>,
    responded: Vec<EventKey>,
    observations: Vec<Vec<Observation>>,
    /// Unanswered pays per token.
    pending: Vec<Vec<u32>>,
    /// Refused pays per token.
    refused: Vec<Vec<u32>>,
    /// Answered `gettokens` listings per owner, by invocation.
    listings_of: BTreeMap<NodeId, Vec<Listing>>,
    /// Every answered `gettokens` listing, by invocation.
    listings: Vec<Listing>,
    /// Operations that contradict the model on their own.
    own: Vec<Violation>,
    /// Nodes the history shows exist: the tokens' first owners, every caller and every
    /// payee of a pay that took effect. An `UnknownClient` refusal naming one is wrong.
    known_nodes: BTreeSet<NodeId>,
}

impl Index {
    fn build(history: &OpHistory) -> Index {
        let tokens = history.initial_owners.len();
        let ops = &history.operations;
        let mut index = Index {
            invoked: ops.iter().map(Operation::invocation).collect(),
            responded: ops.iter().map(Operation::response_or_never).collect(),
            observations: vec![Vec::new(); tokens],
            pending: vec![Vec::new(); tokens],
            refused: vec![Vec::new(); tokens],
            listings_of: BTreeMap::new(),
            listings: Vec::new(),
            own: Vec::new(),
            known_nodes: known_nodes(history),
        };
        index.reserve(ops);
        for (i, op) in ops.iter().enumerate() {
            index.file(i as u32, op, tokens);
        }
        index.listings.sort_unstable();
        // Each owner's listings, taken in order from all of them: one sort, not one an owner.
        for &(key, i) in &index.listings {
            if let Request::GetTokens { owner } = ops[i as usize].request {
                index.listings_of.entry(owner).or_default().push((key, i));
            }
        }
        index
    }

    /// Make room for what [`Index::file`] will file, counted first: grown by doubling
    /// instead, the lists of a 1,000,000-operation history were copied over and over (an
    /// eighth of checking it). Counts may run over (a refusal found wrong files nothing).
    fn reserve(&mut self, ops: &[Operation]) {
        let mut observations = vec![0usize; self.observations.len()];
        let mut count = |token: TokenId| {
            if let Some(count) = observations.get_mut(token.0 as usize) {
                *count += 1;
            }
        };
        let mut listings = 0;
        for op in ops {
            match (&op.request, &op.outcome) {
                (Request::Pay { token, .. }, Some(Outcome::Paid { .. })) => count(*token),
                (Request::Pay { .. }, Some(Outcome::Refused(Refusal::NotOwner { token, .. }))) => count(*token),
                (Request::GetTokens { .. }, Some(Outcome::Tokens { tokens: listed, .. })) => {
                    listed.iter().for_each(|(token, _)| count(*token));
                    listings += 1;
                }
                _ => {}
            }
        }
        for (list, count) in self.observations.iter_mut().zip(observations) {
            list.reserve_exact(count);
        }
        self.listings.reserve_exact(listings);
    }

    fn observe(&mut self, token: TokenId, observation: Observation, op: &Operation) {
        if let Some(list) = self.observations.get_mut(token.0 as usize) {
            list.push(observation);
        } else {
            let detail = format!("{} observed {token}, which does not exist", op.id);
            self.own.push(Violation::new(Property::Linearizable, detail).at(op.invoked_at).involving([op.id]));
        }
    }

    fn file(&mut self, i: u32, op: &Operation, tokens: usize) {
        let (caller, key) = (op.id.client, op.invocation());
        match (&op.request, &op.outcome) {
            (Request::Pay { token, to }, Some(Outcome::Paid { version, .. })) => {
                let observation = Observation { version: version.0, kind: Kind::Write, op: i, owner: *to };
                self.observe(*token, observation, op);
            }
            (Request::Pay { token, .. }, None) => {
                if let Some(list) = self.pending.get_mut(token.0 as usize) {
                    list.push(i);
                }
            }
            (Request::Pay { token, .. }, Some(Outcome::Refused(refusal))) => {
                if let Some(list) = self.refused.get_mut(token.0 as usize) {
                    list.push(i);
                }
                if let Some(problem) = wrong_refusal(op, caller, refusal, tokens, &self.known_nodes) {
                    let violation = Violation::new(Property::Linearizable, problem).at(op.invoked_at);
                    self.own.push(violation.involving([op.id]));
                } else if let Refusal::NotOwner { token, owner, version } = *refusal {
                    self.observe(token, Observation { version: version.0, kind: Kind::Read, op: i, owner }, op);
                }
            }
            (Request::GetTokens { owner }, Some(Outcome::Tokens { tokens: listed, .. })) => {
                for (token, version) in listed {
                    let observation = Observation { version: version.0, kind: Kind::Read, op: i, owner: *owner };
                    self.observe(*token, observation, op);
                }
                self.listings.push((key, i));
            }
            (Request::GetTokens { .. }, Some(Outcome::Refused(refusal))) => {
                if let Some(problem) = wrong_refusal(op, caller, refusal, tokens, &self.known_nodes) {
                    let violation = Violation::new(Property::Linearizable, problem).at(op.invoked_at);
                    self.own.push(violation.involving([op.id]));
                }
            }
            _ => {}
        }
    }
}

/// The nodes `history` shows exist (see `Index::known_nodes`).
fn known_nodes(history: &OpHistory) -> BTreeSet<NodeId> {
    let mut known: BTreeSet<NodeId> = history.initial_owners.iter().copied().collect();
    for op in &history.operations {
        known.insert(op.id.client);
        if let (Request::Pay { to, .. }, Some(Outcome::Paid { .. })) = (&op.request, &op.outcome) {
            known.insert(*to);
        }
    }
    known
}

/// A refusal that the sequential model could never give, in words. `known` are nodes that
/// surely exist; a node outside it may exist too, so an `UnknownClient` naming one passes.
fn wrong_refusal(
    op: &Operation,
    caller: NodeId,
    refusal: &Refusal,
    tokens: usize,
    known: &BTreeSet<NodeId>,
) -> Option<String> {
    let unknown_but_known =
        |node: NodeId| Some(format!("{} was refused naming {node} as an unknown node, but {node} exists", op.id));
    let (token, to) = match op.request {
        Request::GetTokens { owner } => {
            return match *refusal {
                // A node that is a server now takes no requests.
                Refusal::NotAClient { .. } => None,
                Refusal::UnknownClient { node } if node == owner && !known.contains(&node) => None,
                Refusal::UnknownClient { node } if node == owner => unknown_but_known(node),
                _ => Some(format!("{} (gettokens of {owner}) was refused as {refusal:?}", op.id)),
            };
        }
        Request::Pay { token, to } => (token, to),
        Request::BecomeServer { .. } | Request::BecomeClient { .. } => return None,
    };
    match *refusal {
        Refusal::UnknownClient { node } if node == to && known.contains(&node) => unknown_but_known(node),
        Refusal::UnknownClient { node } if node != to => {
            Some(format!("{} paid {token} to {to} but was refused naming {node} as unknown", op.id))
        }
        Refusal::NotOwner { token: named, .. } if named != token => {
            Some(format!("{} paid {token} but was refused as not the owner of {named}", op.id))
        }
        Refusal::NotOwner { owner, version, .. } if owner == caller => Some(format!(
            "{} was refused {token} as not the owner, but the refusal names it the owner at {version}",
            op.id
        )),
        Refusal::UnknownToken { .. } if (token.0 as usize) < tokens => {
            Some(format!("{} was refused {token} as unknown, but the token exists", op.id))
        }
        Refusal::SelfPayment { .. } if to != caller => {
            Some(format!("{} was refused paying {token} to {to} as a self-payment", op.id))
        }
        _ => None,
    }
}
