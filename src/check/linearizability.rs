//! Per-token linearizability of `pay` and `gettokens` against a sequential token.
//!
//! The sequential model of one token is `(owner, version)`: a `pay` by the owner moves the
//! token and bumps the version by one; a read returns the current pair. Histories compose
//! per token (linearizability is local), every version has exactly one writer, and every
//! result names its version, so no search is needed:
//!
//! 1. Per token, gather what each operation observed: an `Ok` pay *wrote* `v` (owner = its
//!    payee); a `gettokens(o)` listing `t@v`, or a refusal `NotOwner { t, o, v }`, *read*
//!    `v` with owner `o`.
//! 2. Build the chain of versions: one owner per version ([`Property::OneOwnerPerVersion`]),
//!    one `Ok` pay per version ([`Property::NoDoubleSpend`]), each writer the owner of the
//!    version before ([`Property::NoDoubleSpend`]). A version that was observed but that no
//!    answered pay wrote is given to an unanswered pay that fits (same token, same payee,
//!    payer owning the version before), earliest invocation first; if none fits but a
//!    *refused* pay does, that is [`Property::RefusalChangedNothing`], otherwise
//!    [`Property::VersionsContiguous`].
//! 3. Real time: the linearization must order the writer of `v`, then the reads of `v`,
//!    then the writer of `v + 1`, and so on. Such an order exists iff no operation ends
//!    before an operation placed earlier starts; one pass with a running maximum of
//!    invocation times checks this ([`Property::Linearizable`]: a stale read after a
//!    completed write, say).
//! 4. Unlisted tokens: a `gettokens(o)` that does not list `t` claims `o` did not own `t`
//!    at its linearization point. This is checked where it is certain: if the version
//!    owned by `o` was written (response) before the read started, and the next version's
//!    writer (or, when it is unknown, every unanswered pay of `t` by `o`) started after
//!    the read ended, the read must list `t`. Overlapping cases are not searched: the check
//!    never reports a false violation, but can miss one that needs a joint search.
//!
//! Conservation (one owner per token at every linearization point) follows from the
//! chain: each version has one owner. Versions between two observed versions that nobody
//! observed are only counted (there must be as many unanswered pays of the token left);
//! their real-time position is unknown, so they add no ordering constraint.
//!
//! Time is near-linear: one sort of the observations per token and linear passes; about
//! a second for a million operations in release (see `benches/linearizability.rs`).

use super::history::{HistoryError, OpHistory, Operation};
use super::violation::{Property, Violation};
use crate::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId, TokenId};

/// At most this many violations are reported; the first ones are the telling ones.
pub const VIOLATIONS_MAX: usize = 100;

/// Check `history`; every violation found (up to [`VIOLATIONS_MAX`]), or why it is unreadable.
pub fn check_linearizability(history: &OpHistory) -> Result<Vec<Violation>, HistoryError> {
    history.validate()?;
    let index = Index::build(history);
    let mut found = Found { violations: index.own.clone() };
    for token in 0..history.initial_owners.len() {
        TokenCheck::new(history, &index, TokenId(token as u32), &mut found).run();
        if found.violations.len() >= VIOLATIONS_MAX {
            break;
        }
    }
    found.violations.truncate(VIOLATIONS_MAX);
    Ok(found.violations)
}

struct Found {
    violations: Vec<Violation>,
}

impl Found {
    fn push(&mut self, violation: Violation) {
        self.violations.push(violation);
    }
}

/// What one operation observed of one token.
#[derive(Clone, Copy, Debug)]
struct Observation {
    version: u64,
    /// 0 for a write, 1 for a read: writes of a version sort before its reads.
    is_read: u8,
    op: u32,
    owner: NodeId,
    invoked: Instant,
    /// The response, or the largest instant for an operation never answered.
    responded: Instant,
}

/// Every operation filed by token, built in one pass over the history.
struct Index {
    observations: Vec<Vec<Observation>>,
    /// Unanswered pays per token, by invocation time.
    pending: Vec<Vec<u32>>,
    /// Refused pays per token.
    refused: Vec<Vec<u32>>,
    /// Answered `gettokens` listings per owner (indexed by node id), by invocation time.
    listings: Vec<Vec<u32>>,
    /// The invocation time of each listing in `listings`, to search without history lookups.
    listing_times: Vec<Vec<Instant>>,
    /// Operations that contradict the model on their own.
    own: Vec<Violation>,
}

impl Index {
    fn build(history: &OpHistory) -> Index {
        let tokens = history.initial_owners.len();
        let mut index = Index {
            observations: vec![Vec::new(); tokens],
            pending: vec![Vec::new(); tokens],
            refused: vec![Vec::new(); tokens],
            listings: Vec::new(),
            listing_times: Vec::new(),
            own: Vec::new(),
        };
        for (i, op) in history.operations.iter().enumerate() {
            index.file(i as u32, op, tokens);
        }
        let ops = &history.operations;
        for list in index.pending.iter_mut().chain(index.listings.iter_mut()) {
            list.sort_by_key(|&i| (ops[i as usize].invoked_at, i));
        }
        index.listing_times =
            index.listings.iter().map(|list| list.iter().map(|&i| ops[i as usize].invoked_at).collect()).collect();
        index
    }

    fn observe(&mut self, token: TokenId, observation: Observation) {
        if let Some(list) = self.observations.get_mut(token.0 as usize) {
            list.push(observation);
        } else {
            let detail = format!("operation {} observed {token}, which does not exist", observation.op);
            self.own.push(Violation::new(Property::Linearizable, detail));
        }
    }

    fn file(&mut self, i: u32, op: &Operation, tokens: usize) {
        let caller = op.id.client;
        let (invoked, responded) = (op.invoked_at, op.responded_or_never());
        let at = |v| Violation::at(v, op.invoked_at).involving([op.id]);
        match (&op.request, &op.outcome) {
            (Request::Pay { token, to }, Some(Outcome::Paid { version, .. })) => {
                self.observe(
                    *token,
                    Observation { version: version.0, is_read: 0, op: i, owner: *to, invoked, responded },
                );
            }
            (Request::Pay { token, .. }, None) if (token.0 as usize) < tokens => {
                self.pending[token.0 as usize].push(i);
            }
            (Request::Pay { token, .. }, Some(Outcome::Refused(refusal))) => {
                if let Some(list) = self.refused.get_mut(token.0 as usize) {
                    list.push(i);
                }
                if let Some(problem) = wrong_refusal(op, caller, refusal, tokens) {
                    self.own.push(at(Violation::new(Property::Linearizable, problem)));
                }
                if let Refusal::NotOwner { token, owner, version } = *refusal {
                    self.observe(
                        token,
                        Observation { version: version.0, is_read: 1, op: i, owner, invoked, responded },
                    );
                }
            }
            (Request::GetTokens { owner }, Some(Outcome::Tokens { tokens: listed, .. })) => {
                for (token, version) in listed {
                    self.observe(
                        *token,
                        Observation { version: version.0, is_read: 1, op: i, owner: *owner, invoked, responded },
                    );
                }
                let slot = owner.0 as usize;
                if self.listings.len() <= slot {
                    self.listings.resize(slot + 1, Vec::new());
                }
                self.listings[slot].push(i);
            }
            _ => {}
        }
    }

    /// The listings of `owner` and their invocation times.
    fn listings_of(&self, owner: NodeId) -> (&[u32], &[Instant]) {
        let slot = owner.0 as usize;
        let listings = self.listings.get(slot).map(Vec::as_slice).unwrap_or(&[]);
        (listings, self.listing_times.get(slot).map(Vec::as_slice).unwrap_or(&[]))
    }
}

/// A refusal that the sequential model could never give, in words.
fn wrong_refusal(op: &Operation, caller: NodeId, refusal: &Refusal, tokens: usize) -> Option<String> {
    let Request::Pay { token, to } = op.request else { return None };
    match *refusal {
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

/// Who wrote a version of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Writer {
    /// The initial value, at time zero.
    Initial,
    /// An operation of the history (answered, or an unanswered pay it was given to).
    Op(u32),
    /// Nobody known.
    Unknown,
}

/// The latest invocation seen so far in the linearization order, and whose it is.
#[derive(Clone, Copy, Debug)]
struct Latest {
    at: Instant,
    op: Option<u32>,
    version: u64,
}

impl Latest {
    fn fold(&mut self, at: Instant, op: u32, version: u64) {
        if at > self.at {
            *self = Latest { at, op: Some(op), version };
        }
    }
}

/// One observed version of a token.
#[derive(Clone, Debug)]
struct Link {
    version: u64,
    owner: NodeId,
    writer: Writer,
    /// The reads of this version: a range of the token's sorted observations.
    reads: std::ops::Range<usize>,
}

/// The check of one token.
struct TokenCheck<'a> {
    ops: &'a [Operation],
    initial_owners: &'a [NodeId],
    index: &'a Index,
    token: TokenId,
    observations: Vec<Observation>,
    /// The operations that read this token, ascending: a compact membership test.
    listed_by: Vec<u32>,
    chain: Vec<Link>,
    used: Vec<bool>,
    found: &'a mut Found,
}

impl<'a> TokenCheck<'a> {
    fn new(history: &'a OpHistory, index: &'a Index, token: TokenId, found: &'a mut Found) -> TokenCheck<'a> {
        let mut observations = index.observations[token.0 as usize].clone();
        observations.sort_unstable_by_key(|o| (o.version, o.is_read, o.op));
        let used = vec![false; index.pending[token.0 as usize].len()];
        let mut listed_by: Vec<u32> = observations.iter().filter(|o| o.is_read == 1).map(|o| o.op).collect();
        listed_by.sort_unstable();
        TokenCheck {
            ops: &history.operations,
            initial_owners: &history.initial_owners,
            index,
            token,
            observations,
            listed_by,
            chain: Vec::new(),
            used,
            found,
        }
    }

    fn run(mut self) {
        self.build_chain(self.initial_owner());
        self.check_writers();
        self.check_real_time();
        self.check_unlisted();
    }

    fn initial_owner(&self) -> NodeId {
        self.initial_owners[self.token.0 as usize]
    }

    fn op(&self, i: u32) -> &Operation {
        &self.ops[i as usize]
    }

    fn id(&self, i: u32) -> RequestId {
        self.op(i).id
    }

    fn report(&mut self, property: Property, detail: String, at: Instant, ops: &[u32]) {
        let ids: Vec<RequestId> = ops.iter().map(|&i| self.id(i)).collect();
        self.found.push(Violation::new(property, detail).at(at).involving(ids));
    }

    /// Group observations by version; one owner and one `Ok` pay per version.
    fn build_chain(&mut self, initial: NodeId) {
        self.chain.push(Link { version: 1, owner: initial, writer: Writer::Initial, reads: 0..0 });
        let mut start = 0;
        while start < self.observations.len() {
            let version = self.observations[start].version;
            // Groups are small: a linear scan beats a binary search over the whole rest.
            let end = start + self.observations[start..].iter().take_while(|o| o.version == version).count();
            self.add_version(start..end);
            start = end;
        }
    }

    fn add_version(&mut self, group: std::ops::Range<usize>) {
        let first = self.observations[group.start];
        let (version, token) = (first.version, self.token);
        let writes: Vec<u32> =
            self.observations[group.clone()].iter().filter(|o| o.is_read == 0).map(|o| o.op).collect();
        if version <= 1 && !writes.is_empty() {
            let detail = format!("a pay of {token} was answered ok at v{version}, but pays start from v2");
            self.report(Property::VersionsContiguous, detail, self.op(writes[0]).invoked_at, &writes[..1]);
        }
        if version == 0 {
            let detail = format!("{token} was observed at v0; versions start at v1");
            self.report(Property::VersionsContiguous, detail, self.op(first.op).invoked_at, &[first.op]);
            return;
        }
        if writes.len() > 1 {
            let detail = format!("two pays of {token} were both answered ok at v{version}");
            let later = writes.iter().map(|&w| self.op(w).invoked_at).max().unwrap_or_default();
            self.report(Property::NoDoubleSpend, detail, later, &writes[..2]);
        }
        let reads_start = group.start + writes.len();
        if version == 1 {
            self.chain[0].reads = reads_start..group.end;
        } else {
            let writer = writes.first().map_or(Writer::Unknown, |&w| Writer::Op(w));
            self.chain.push(Link { version, owner: first.owner, writer, reads: reads_start..group.end });
        }
        self.check_one_owner(group);
    }

    fn check_one_owner(&mut self, group: std::ops::Range<usize>) {
        let link = self.chain.last().expect("the chain starts with v1");
        let owner = link.owner;
        let witness = match link.writer {
            Writer::Op(w) => Some(w),
            _ => self.observations.get(group.start).map(|o| o.op),
        };
        let other = self.observations[group.clone()].iter().find(|o| o.owner != owner).copied();
        if let Some(other) = other {
            let version = link.version;
            let detail = format!("{} at v{version} has two owners: {owner} and {}", self.token, other.owner);
            let mut ops = vec![other.op];
            ops.extend(witness.filter(|&w| w != other.op));
            ops.reverse();
            self.report(Property::OneOwnerPerVersion, detail, self.op(other.op).invoked_at, &ops);
        }
    }

    /// Each version written by the owner of the one before; unknown writers found or flagged.
    fn check_writers(&mut self) {
        let mut missing = 0u64;
        for k in 1..self.chain.len() {
            let (previous, current) = (&self.chain[k - 1], &self.chain[k]);
            let adjacent = current.version == previous.version + 1;
            let payer = adjacent.then_some(previous.owner);
            missing += current.version - previous.version - 1;
            match current.writer {
                Writer::Op(w) => self.check_payer(w, payer, previous.version),
                Writer::Unknown => self.find_writer(k, payer),
                Writer::Initial => unreachable!("only v1 is initial"),
            }
        }
        let left = self.used.iter().filter(|&&used| !used).count() as u64;
        if missing > left {
            let detail = format!(
                "{} skips {missing} versions that nobody observed, but only {left} pays of it are unanswered",
                self.token
            );
            self.report(Property::VersionsContiguous, detail, Instant::ZERO, &[]);
        }
    }

    fn check_payer(&mut self, writer: u32, payer: Option<NodeId>, before: u64) {
        let caller = self.id(writer).client;
        if let Some(owner) = payer.filter(|&owner| owner != caller) {
            let detail = format!(
                "{} paid {} from v{before}, but {owner} owned it at v{before}: {caller} spent a token it did not hold",
                self.id(writer),
                self.token
            );
            self.report(Property::NoDoubleSpend, detail, self.op(writer).invoked_at, &[writer]);
        }
    }

    /// Give version `k` of the chain to an unanswered pay that fits, or report it.
    fn find_writer(&mut self, k: usize, payer: Option<NodeId>) {
        let (owner, version) = (self.chain[k].owner, self.chain[k].version);
        let fits = |op: &Operation| match op.request {
            Request::Pay { to, .. } => to == owner && payer.is_none_or(|p| p == op.id.client),
            Request::GetTokens { .. } | Request::BecomeServer { .. } | Request::BecomeClient { .. } => false,
        };
        let pending = &self.index.pending[self.token.0 as usize];
        if let Some(slot) = (0..pending.len()).find(|&s| !self.used[s] && fits(self.op(pending[s]))) {
            self.used[slot] = true;
            self.chain[k].writer = Writer::Op(pending[slot]);
            return;
        }
        let seen_by = self.observations.get(self.chain[k].reads.start).map(|o| o.op);
        let at = seen_by.map_or(Instant::ZERO, |op| self.op(op).invoked_at);
        let refused = self.index.refused[self.token.0 as usize].iter().copied().find(|&r| fits(self.op(r)));
        let token = self.token;
        match refused {
            Some(r) => {
                let detail = format!(
                    "{token}@v{version} (owner {owner}) was observed, and the only pay that could have written it, {}, was refused",
                    self.id(r)
                );
                let ops: Vec<u32> = std::iter::once(r).chain(seen_by.filter(|&s| s != r)).collect();
                self.report(Property::RefusalChangedNothing, detail, at, &ops);
            }
            None => {
                let detail =
                    format!("{token}@v{version} (owner {owner}) was observed, but no pay could have written it");
                let ops: Vec<u32> = seen_by.into_iter().collect();
                self.report(Property::VersionsContiguous, detail, at, &ops);
            }
        }
    }

    fn invoked(&self, writer: Writer) -> Option<Instant> {
        match writer {
            Writer::Initial => Some(Instant::ZERO),
            Writer::Op(w) => Some(self.op(w).invoked_at),
            Writer::Unknown => None,
        }
    }

    fn responded(&self, writer: Writer) -> Option<Instant> {
        match writer {
            Writer::Initial => Some(Instant::ZERO),
            Writer::Op(w) => self.op(w).responded_at,
            Writer::Unknown => None,
        }
    }

    /// Writer of v, reads of v, writer of v + 1, ...: nobody may end before an earlier one starts.
    fn check_real_time(&mut self) {
        // The latest invocation among the groups before the current one, and whose.
        let mut latest = Latest { at: Instant::ZERO, op: None, version: 1 };
        for k in 0..self.chain.len() {
            let (version, writer, reads) = (self.chain[k].version, self.chain[k].writer, self.chain[k].reads.clone());
            if let Writer::Op(w) = writer {
                let op = self.op(w);
                if op.responded_or_never() < latest.at {
                    return self.report_stale(latest, w, version);
                }
                latest.fold(op.invoked_at, w, version);
            }
            // Reads carry their own times: one sequential pass, no lookups in the history.
            let group = &self.observations[reads];
            if let Some(stale) = group.iter().find(|o| o.responded < latest.at) {
                let op = stale.op;
                return self.report_stale(latest, op, version);
            }
            let mut newest = latest;
            for observation in group {
                newest.fold(observation.invoked, observation.op, version);
            }
            latest = newest;
        }
    }

    fn report_stale(&mut self, latest: Latest, newer: u32, version: u64) {
        let (started, stale_version) = (latest.at, latest.version);
        let stale = latest.op.expect("only a real operation starts after time zero");
        let paid = |op: &Operation| matches!(op.outcome, Some(Outcome::Paid { .. }));
        let verb = |op: &Operation| if paid(op) { "wrote" } else { "observed" };
        let participle = |op: &Operation| if paid(op) { "written" } else { "observed" };
        let (stale_op, newer_op) = (self.op(stale), self.op(newer));
        let detail = format!(
            "{} {} {}@v{stale_version} and started at {started}, after {} had {} {}@v{version} and ended at {}",
            stale_op.id,
            verb(stale_op),
            self.token,
            newer_op.id,
            participle(newer_op),
            self.token,
            newer_op.responded_or_never(),
        );
        self.report(Property::Linearizable, detail, started, &[newer, stale]);
    }

    /// A `gettokens(o)` that surely ran while `o` held the token must list it.
    fn check_unlisted(&mut self) {
        for k in 0..self.chain.len() {
            let link = &self.chain[k];
            let Some(held_from) = self.responded(link.writer) else { continue };
            let held_until = self.held_until(k);
            let owner = link.owner;
            let (listings, times) = self.index.listings_of(owner);
            let first = times.partition_point(|&at| at <= held_from);
            let last = first + times[first..].partition_point(|&at| at < held_until);
            for &read in &listings[first..last] {
                let op = self.op(read);
                if op.responded_or_never() < held_until && self.listed_by.binary_search(&read).is_err() {
                    let detail = format!(
                        "{} ran while {owner} surely held {}@v{} but did not list it",
                        op.id, self.token, link.version
                    );
                    return self.report(Property::Linearizable, detail, op.invoked_at, &[read]);
                }
            }
        }
    }

    /// The earliest time the version after chain link `k` can have started being written.
    fn held_until(&self, k: usize) -> Instant {
        let link = &self.chain[k];
        if let Some(next) = self.chain.get(k + 1).filter(|next| next.version == link.version + 1) {
            if let Some(at) = self.invoked(next.writer).filter(|_| next.writer != Writer::Unknown) {
                return at;
            }
        }
        let pending = &self.index.pending[self.token.0 as usize];
        let by_owner = pending.iter().map(|&p| self.op(p)).filter(|op| op.id.client == link.owner);
        by_owner.map(|op| op.invoked_at).min().unwrap_or(Instant(u64::MAX))
    }
}
