//! Checking a run as it goes, so that a long run need not keep its whole history.
//!
//! A run told to retire (`Simulation::retire_every`) hands its records to
//! [`Streamed::segment`] at *cuts*: moments when every request so far is answered and none
//! was lost. Every later request starts after all of them, so real time puts each of them
//! before each later one, and, since none is pending, each token's state at the cut is known
//! for sure: the version of its last `Paid` and that pay's payee (the *base*). So:
//!
//! - **Linearizability** is checked segment by segment: the segment's operations against a
//!   sequential token starting at its base, versions renumbered from the base (a version
//!   below the base becomes v0, which the checker refuses: reading it, or writing at or below
//!   the base, breaks the history as a whole too). The whole history is linearizable iff
//!   every segment is, from its base.
//! - **Effects** are checked on the values first written since the last cut (a request
//!   writes only after it starts, so all its writes are there, or come later with its
//!   record gone, which the simulation notes as a doubt).
//! - **Request ids**: a reused id of a retired request is noted by the history as a doubt.
//! - **The fault-free rerun** needs every completed request in its order (per token by
//!   version, then the reads by answer): [`RerunLog`] keeps each as 16 bytes, in that order
//!   (an out-of-order arrival is a doubt).
//!
//! Retirement is only for runs that pass: anything found, by these checks or as a doubt,
//! and the run is made again keeping every record (`run::Run` does this), so that its
//! verdict and its messages are exactly those of a run that never retired.

use super::effects::mismatch;
use super::history::{OpHistory, Operation};
use super::linearizability::check_linearizability;
use crate::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId, TokenId, TokenValue, Version};
use crate::sim::{Chunked, RequestRecord, Simulation};
use std::collections::BTreeMap;

/// How many records a run holds before it retires them at the next cut.
pub const RETIRE_EVERY: usize = 4096;

/// The streaming checks of one run; see the module docs.
#[derive(Clone, Debug)]
pub struct Streamed {
    /// Per token, its owner and version at the last cut.
    owners: Vec<NodeId>,
    versions: Vec<u64>,
    /// The first reason to judge the run again without retirement, if any.
    doubt: Option<String>,
    rerun: RerunLog,
    /// How many segments were checked.
    segments: u64,
}

impl Streamed {
    /// The checks of a run whose tokens start with `owners`.
    pub fn new(owners: &[NodeId]) -> Streamed {
        Streamed {
            owners: owners.to_vec(),
            versions: vec![1; owners.len()],
            doubt: None,
            rerun: RerunLog::new(owners.len()),
            segments: 0,
        }
    }

    fn doubt(&mut self, reason: impl FnOnce() -> String) {
        self.doubt.get_or_insert_with(reason);
    }

    /// Check the retired `records` (all answered) and the values first written since the
    /// last cut, `writes`; then move each token's base past them.
    pub fn segment(&mut self, records: &[RequestRecord], writes: &[(TokenId, TokenValue)]) {
        if self.doubt.is_some() {
            return;
        }
        self.segments += 1;
        self.check_part(records, writes);
        if self.doubt.is_some() {
            return;
        }
        for record in records {
            if let Some(Outcome::Paid { token, version }) = record.outcome {
                let Request::Pay { to, .. } = record.request else { continue };
                let index = token.0 as usize;
                if index < self.versions.len() && version.0 > self.versions[index] {
                    (self.owners[index], self.versions[index]) = (to, version.0);
                }
            }
        }
        self.rerun.append(records, &mut self.doubt);
    }

    /// Linearizability and effects of one part of the run, from the bases.
    fn check_part<'r>(
        &mut self,
        records: impl IntoIterator<Item = &'r RequestRecord> + Clone,
        writes: &[(TokenId, TokenValue)],
    ) {
        let history = self.renumbered(records.clone());
        match check_linearizability(&history) {
            Ok(found) if found.is_empty() => {}
            Ok(found) => self.doubt(|| format!("linearizability: {}", found[0].detail)),
            Err(error) => self.doubt(|| format!("history: {error}")),
        }
        let mut wrote: BTreeMap<RequestId, (TokenId, u64)> = BTreeMap::new();
        for &(token, value) in writes {
            let Some(writer) = value.writer else { continue };
            if wrote.insert(writer, (token, value.version.0)).is_some() {
                self.doubt(|| format!("{writer} wrote twice"));
            }
        }
        for record in records {
            if record.started_at.is_none() {
                continue;
            }
            if mismatch(record.id, record.outcome.as_ref(), wrote.get(&record.id).copied()).is_some() {
                self.doubt(|| format!("{}: its answer and its writes differ", record.id));
            }
        }
    }

    /// `records` as operations on tokens that start at the bases: version `v` becomes
    /// `v - base + 1`, and a version below the base becomes 0.
    fn renumbered<'r>(&self, records: impl IntoIterator<Item = &'r RequestRecord>) -> OpHistory {
        let version = |token: TokenId, version: Version| {
            let base = self.versions.get(token.0 as usize).copied().unwrap_or(1);
            Version(if version.0 >= base { version.0 - base + 1 } else { 0 })
        };
        let outcome = |outcome: &Outcome| match outcome {
            Outcome::Paid { token, version: v } => Outcome::Paid { token: *token, version: version(*token, *v) },
            Outcome::Refused(Refusal::NotOwner { token, owner, version: v }) => {
                Outcome::Refused(Refusal::NotOwner { token: *token, owner: *owner, version: version(*token, *v) })
            }
            Outcome::Tokens { owner, tokens } => Outcome::Tokens {
                owner: *owner,
                tokens: tokens.iter().map(|&(token, v)| (token, version(token, v))).collect(),
            },
            other => other.clone(),
        };
        let operations = records
            .into_iter()
            .filter_map(|record| Operation::from_record(record, record.outcome.as_ref().map(outcome)))
            .collect();
        OpHistory { initial_owners: self.owners.clone(), operations }
    }

    /// The checks of the rest of the run `sim`, at its end: Ok if it broke none of the
    /// properties these checks stand for, or why it must be judged again keeping every record.
    pub fn finish(&mut self, sim: &Simulation) -> Result<(), String> {
        if let Some(reason) = sim.history().retirement_doubt() {
            self.doubt(|| reason.to_string());
        }
        if !sim.history().reused_ids().is_empty() {
            self.doubt(|| "a request id was reused".to_string());
        }
        if !sim.version_conflicts().is_empty() {
            self.doubt(|| "two values at one version".to_string());
        }
        if sim.any_version_skipped() {
            self.doubt(|| "a version was skipped".to_string());
        }
        if self.doubt.is_none() {
            let held: Vec<&RequestRecord> = sim.history().records().collect();
            self.check_part(held.iter().copied(), sim.fresh_writes());
        }
        match self.doubt.take() {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }

    /// The completed requests of the run in the fault-free rerun's order: those retired,
    /// then those still held (see `rerun::linearized_requests`). Call after
    /// [`Streamed::finish`] said Ok; `Err` if the held ones do not come after the retired.
    pub fn rerun_requests(self, sim: &Simulation) -> Result<RerunLog, String> {
        let mut log = self.rerun;
        let held: Vec<RequestRecord> = sim.history().records().cloned().collect();
        let mut doubt = None;
        log.append(&held, &mut doubt);
        match doubt {
            Some(reason) => Err(reason),
            None => Ok(log),
        }
    }

    /// How many segments were checked as the run went.
    pub fn segments(&self) -> u64 {
        self.segments
    }
}

/// One completed request of the rerun, in 16 bytes: its caller's sequence, its caller, and
/// its payee (a pay) or the owner it asks about (a `gettokens`).
#[derive(Clone, Copy, Debug)]
struct Item {
    sequence: u64,
    client: NodeId,
    other: NodeId,
}

/// Where a completed request goes in the rerun's order: (version, 0 for its writer and 1
/// for a refusal that saw it) within its token, then answer time and id.
type PayKey = (u64, u8, Instant, RequestId);

/// The completed requests of a run that change or depend on the table, kept in the fault-free
/// rerun's order as they are retired: per token the pays by the version they wrote or saw,
/// then the `gettokens` by answer.
#[derive(Clone, Debug)]
pub struct RerunLog {
    pays: Vec<Chunked<Item>>,
    last_pay: Vec<Option<PayKey>>,
    reads: Chunked<Item>,
    last_read: Option<(Instant, RequestId)>,
}

impl RerunLog {
    fn new(tokens: usize) -> RerunLog {
        RerunLog {
            pays: vec![Chunked::new(); tokens],
            last_pay: vec![None; tokens],
            reads: Chunked::new(),
            last_read: None,
        }
    }

    /// Add the completed ones of `records` in order; a doubt if one would go before a
    /// request already added.
    fn append(&mut self, records: &[RequestRecord], doubt: &mut Option<String>) {
        let mut pays: Vec<(TokenId, PayKey, NodeId)> = Vec::new();
        let mut reads: Vec<((Instant, RequestId), NodeId)> = Vec::new();
        for record in records {
            let (Some(outcome), Some(answered)) = (&record.outcome, record.answered_at) else { continue };
            match (outcome, record.request) {
                (Outcome::Paid { token, version }, Request::Pay { to, .. }) => {
                    pays.push((*token, (version.0, 0, answered, record.id), to))
                }
                (Outcome::Refused(Refusal::NotOwner { token, version, .. }), Request::Pay { to, .. }) => {
                    pays.push((*token, (version.0, 1, answered, record.id), to))
                }
                (Outcome::Tokens { .. }, Request::GetTokens { owner }) => reads.push(((answered, record.id), owner)),
                _ => {}
            }
        }
        pays.sort_unstable_by_key(|&(token, key, _)| (token, key));
        reads.sort_unstable_by_key(|&(key, _)| key);
        for (token, key, to) in pays {
            let index = token.0 as usize;
            if index >= self.pays.len() || self.last_pay[index].is_some_and(|last| last >= key) {
                doubt.get_or_insert_with(|| format!("{} comes before a pay already retired", key.3));
                return;
            }
            self.last_pay[index] = Some(key);
            self.pays[index].push(Item { sequence: key.3.sequence, client: key.3.client, other: to });
        }
        for (key, owner) in reads {
            if self.last_read.is_some_and(|last| last >= key) {
                doubt.get_or_insert_with(|| format!("{} comes before a read already retired", key.1));
                return;
            }
            self.last_read = Some(key);
            self.reads.push(Item { sequence: key.1.sequence, client: key.1.client, other: owner });
        }
    }

    /// How many requests the log holds.
    pub fn len(&self) -> usize {
        self.pays.iter().map(Chunked::len).sum::<usize>() + self.reads.len()
    }

    /// Whether the log holds no request.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The requests in the rerun's order, each with its original id.
    pub fn requests(&self) -> impl Iterator<Item = (RequestId, Request)> + '_ {
        let id = |item: &Item| RequestId { client: item.client, sequence: item.sequence };
        let pays = self.pays.iter().enumerate().flat_map(move |(token, items)| {
            items.iter().map(move |item| (id(item), Request::Pay { token: TokenId(token as u32), to: item.other }))
        });
        let reads = self.reads.iter().map(move |item| (id(item), Request::GetTokens { owner: item.other }));
        pays.chain(reads)
    }
}
