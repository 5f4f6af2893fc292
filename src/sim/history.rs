//! What happened to every request of a run: when it was submitted, started and answered.

use crate::protocol::{Instant, NodeId, Outcome, Request, RequestId};
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// One request's life in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// The request's identity.
    pub id: RequestId,
    /// What it asked.
    pub request: Request,
    /// When the application handed it to the client.
    pub submitted_at: Instant,
    /// When the client started working on it (its invocation point).
    pub started_at: Option<Instant>,
    /// When the client answered it (its response point).
    pub answered_at: Option<Instant>,
    /// The answer, once there is one.
    pub outcome: Option<Outcome>,
    /// When its client crashed with it in memory (working on it, or queued), or when it
    /// was handed to a client that was down: it is never answered, and owed no answer.
    pub lost_at: Option<Instant>,
    /// The position of the start among all starts and answers of the run (from 1).
    ///
    /// Several events can share a microsecond; this rank is the order they really
    /// happened in, which real-time order needs (a client may start its next request in
    /// the very microsecond it answered the previous one).
    pub started_rank: Option<u64>,
    /// The position of the answer among all starts and answers of the run (from 1).
    pub answered_rank: Option<u64>,
}

impl RequestRecord {
    /// Whether the request still waits for its answer: not answered, and not lost.
    pub fn is_waiting(&self) -> bool {
        self.outcome.is_none() && self.lost_at.is_none()
    }
}

/// The records by request id, in submission order. Keyed by a fast hash rather than the
/// default keyed one: it is looked up once or twice an answer, and an `IndexMap` keeps its
/// insertion order whatever the hash.
type Records = IndexMap<RequestId, RequestRecord, rustc_hash::FxBuildHasher>;

/// Every request of a run, in submission order.
#[derive(Clone, Debug, Default)]
pub struct History {
    records: Records,
    /// How many records have no answer yet (kept, not counted, because runs ask often).
    open: usize,
    /// How many starts and answers were recorded: the last rank given.
    events: u64,
    /// Ids a client gave a second request (a broken variant: the counter was not durable),
    /// with when; the later request's record replaced the earlier one's.
    reused: Vec<(RequestId, Instant)>,
    /// When the last request was submitted (submissions come in time order).
    last_submitted: Option<Instant>,
    /// Whether any request was lost in a crash: it stays open forever, so nothing after it
    /// can be retired.
    lost_any: bool,
    /// What the records handed out by [`History::retire_answered`] held, summed up.
    retired: RetiredSummary,
    /// Per client, the highest request sequence retired: an id at or below it submitted
    /// again would be a reuse the retained records cannot show.
    retired_sequences: BTreeMap<NodeId, u64>,
    /// Why retirement may have hidden something from the checkers, if it may have.
    doubt: Option<String>,
    /// The most records held at once since retirement began.
    peak_retained: usize,
    /// Drop each record the moment it is answered (a fault-free rerun needs only its table).
    forget_answered: bool,
}

/// What the retired records of a run held: the counts and latencies its summary needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetiredSummary {
    /// How many records were retired.
    pub count: usize,
    /// Answered `gettokens`.
    pub gettokens: u64,
    /// Pays answered `Paid`.
    pub pay_ok: u64,
    /// Pays refused.
    pub pay_refused: u64,
    /// Role changes that took effect.
    pub role_change_ok: u64,
    /// Role changes refused.
    pub role_change_refused: u64,
    /// Start-to-answer latencies in microseconds, with how many requests took each.
    pub latencies_us: BTreeMap<u64, u64>,
}

impl RetiredSummary {
    fn add(&mut self, record: &RequestRecord) {
        self.count += 1;
        match (&record.request, &record.outcome) {
            (_, None) => {}
            (Request::GetTokens { .. }, Some(_)) => self.gettokens += 1,
            (Request::Pay { .. }, Some(Outcome::Paid { .. })) => self.pay_ok += 1,
            (Request::Pay { .. }, Some(_)) => self.pay_refused += 1,
            (_, Some(Outcome::RoleChanged { .. })) => self.role_change_ok += 1,
            (_, Some(_)) => self.role_change_refused += 1,
        }
        if let (Some(started), Some(answered)) = (record.started_at, record.answered_at) {
            *self.latencies_us.entry(answered.since_us(started)).or_insert(0) += 1;
        }
    }
}

impl History {
    pub(crate) fn submitted(&mut self, id: RequestId, request: Request, at: Instant) {
        let record = RequestRecord {
            id,
            request,
            submitted_at: at,
            started_at: None,
            answered_at: None,
            outcome: None,
            lost_at: None,
            started_rank: None,
            answered_rank: None,
        };
        self.last_submitted = Some(at);
        if self.retired_sequences.get(&id.client).is_some_and(|&retired| id.sequence <= retired) {
            self.doubt.get_or_insert_with(|| format!("{id} was submitted after an id at or above it was retired"));
        }
        match self.records.insert(id, record) {
            None => self.open += 1,
            Some(earlier) => {
                self.reused.push((id, at));
                if !earlier.is_waiting() {
                    self.open += 1;
                }
            }
        }
    }

    /// Ids a client gave a second request, with when the second came, in order. A correct
    /// client never does: its request counter survives crashes.
    pub fn reused_ids(&self) -> &[(RequestId, Instant)] {
        &self.reused
    }

    /// The simulator calls this and [`History::answered`] in the order events happen, so
    /// the rank they hand out is the true order of invocations and responses.
    pub(crate) fn started(&mut self, id: RequestId, at: Instant) {
        let rank = self.next_rank();
        if let Some(record) = self.records.get_mut(&id) {
            record.started_at = Some(at);
            record.started_rank = Some(rank);
        } else {
            self.doubt(|| format!("{id} started, but no request of that id is held"));
        }
    }

    pub(crate) fn answered(&mut self, id: RequestId, outcome: Outcome, at: Instant) {
        let rank = self.next_rank();
        if let Some(record) = self.records.get_mut(&id) {
            if record.is_waiting() {
                self.open -= 1;
            }
            record.answered_at = Some(at);
            record.outcome = Some(outcome);
            record.answered_rank = Some(rank);
        } else if !self.forget_answered {
            // A request retired, answered again: the checkers would have seen the new answer.
            self.doubt(|| format!("{id} was answered, but no request of that id is held"));
        }
        if self.forget_answered {
            self.records.swap_remove(&id);
        }
    }

    /// Request `id` was lost in a crash of its client at `at`: it will never be answered.
    pub(crate) fn mark_lost(&mut self, id: RequestId, at: Instant) {
        if let Some(record) = self.records.get_mut(&id).filter(|record| record.is_waiting()) {
            record.lost_at = Some(at);
            self.open -= 1;
            self.lost_any = true;
        }
    }

    /// Forget each record as soon as it is answered: for a run whose history nobody reads
    /// (a fault-free rerun, which compares final tables).
    pub(crate) fn forget_answered(&mut self) {
        self.forget_answered = true;
    }

    /// Whether every request so far is answered and none was lost: a point where the
    /// records held can be retired, since every later request starts after all of them.
    pub(crate) fn at_cut(&self) -> bool {
        self.open == 0 && !self.lost_any
    }

    /// Hand out every record held but role changes' (kept for the membership checker), all
    /// answered ([`History::at_cut`]), and keep only their summary. Ranks and
    /// [`History::len`] go on counting them.
    pub(crate) fn retire_answered(&mut self) -> Vec<RequestRecord> {
        debug_assert!(self.at_cut());
        self.peak_retained = self.peak_retained.max(self.records.len());
        let is_role_change = |record: &RequestRecord| {
            matches!(record.request, Request::BecomeServer { .. } | Request::BecomeClient { .. })
        };
        let (kept, retired): (Records, Records) =
            std::mem::take(&mut self.records).into_iter().partition(|(_, record)| is_role_change(record));
        self.records = kept;
        let retired: Vec<RequestRecord> = retired.into_values().collect();
        for record in &retired {
            self.retired.add(record);
            let highest = self.retired_sequences.entry(record.id.client).or_insert(0);
            *highest = (*highest).max(record.id.sequence);
        }
        retired
    }

    /// Note that retirement may have hidden something from the checkers.
    pub(crate) fn doubt(&mut self, reason: impl FnOnce() -> String) {
        self.doubt.get_or_insert_with(reason);
    }

    /// Why retirement may have hidden something from the checkers, if it may have: the
    /// run must then be judged again without retirement.
    pub fn retirement_doubt(&self) -> Option<&str> {
        self.doubt.as_deref()
    }

    /// What the retired records held.
    pub fn retired(&self) -> &RetiredSummary {
        &self.retired
    }

    /// How many records are held now (retired ones are not).
    pub fn retained(&self) -> usize {
        self.records.len()
    }

    /// The most records held at once, at any retirement (or now, if more).
    pub fn peak_retained(&self) -> usize {
        self.peak_retained.max(self.records.len())
    }

    /// When the last request was submitted, if any was.
    pub fn last_submitted(&self) -> Option<Instant> {
        self.last_submitted
    }

    fn next_rank(&mut self) -> u64 {
        self.events += 1;
        self.events
    }

    /// Every request held, in submission order: every request of the run unless the run
    /// retired some ([`History::retired`] sums those up).
    pub fn records(&self) -> impl Iterator<Item = &RequestRecord> {
        self.records.values()
    }

    /// How many requests still wait for an answer: not answered, and not lost in a crash.
    pub fn open(&self) -> usize {
        self.open
    }

    /// One request's record.
    pub fn get(&self, id: RequestId) -> Option<&RequestRecord> {
        self.records.get(&id)
    }

    /// How many requests were submitted (retired ones included).
    pub fn len(&self) -> usize {
        self.retired.count + self.records.len()
    }

    /// Whether no request was submitted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The requests still waiting for an answer (not answered, not lost), in submission order.
    pub fn unanswered(&self) -> impl Iterator<Item = &RequestRecord> {
        self.records.values().filter(|record| record.is_waiting())
    }

    /// The requests lost in crashes of their clients, in submission order. One that had
    /// started may still take effect (its writes may have reached servers), or, for a role
    /// change, be completed by a client that takes over; it is never answered.
    pub fn lost(&self) -> impl Iterator<Item = &RequestRecord> {
        self.records.values().filter(|record| record.lost_at.is_some())
    }

    /// The requests without an answer, lost or still waiting, in submission order.
    pub fn without_answer(&self) -> impl Iterator<Item = &RequestRecord> {
        self.records.values().filter(|record| record.outcome.is_none())
    }

    /// Fold into `state` what a judge of this history can tell apart: every request with its
    /// answer (by id, whatever the order they were submitted in) and which answers came
    /// before which starts. Not the ranks themselves: two runs whose starts (or answers)
    /// came in another order among themselves, but with every answer on the same side of
    /// every start, make histories no property tells apart (real-time order is an answer
    /// before a start), so a search takes them for one state.
    pub fn hash_order(&self, state: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        let mut records: Vec<&RequestRecord> = self.records.values().collect();
        records.sort_unstable_by_key(|record| record.id);
        for record in &records {
            (record.id, record.request, &record.outcome, record.lost_at.is_some(), record.started_rank.is_some())
                .hash(state);
            let Some(started) = record.started_rank else { continue };
            for before in &records {
                before.answered_rank.is_some_and(|answered| answered < started).hash(state);
            }
        }
        self.reused.len().hash(state);
    }

    /// The unanswered requests of clients in `correct` (those liveness is owed to).
    pub fn unanswered_of<'a>(&'a self, correct: &'a [NodeId]) -> impl Iterator<Item = &'a RequestRecord> {
        self.unanswered().filter(move |record| correct.contains(&record.id.client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{TokenId, Version};

    #[test]
    fn ranks_follow_the_order_of_events_within_one_microsecond() {
        let mut history = History::default();
        let (first, second) =
            (RequestId { client: NodeId(1), sequence: 1 }, RequestId { client: NodeId(1), sequence: 2 });
        let pay = Request::Pay { token: TokenId(0), to: NodeId(2) };
        history.submitted(first, pay, Instant(0));
        history.submitted(second, pay, Instant(0));
        history.started(first, Instant(3));
        history.answered(first, Outcome::Paid { token: TokenId(0), version: Version(2) }, Instant(7));
        history.started(second, Instant(7));
        let (a, b) = (history.get(first).unwrap(), history.get(second).unwrap());
        assert_eq!((a.started_rank, a.answered_rank), (Some(1), Some(2)));
        assert_eq!((b.started_rank, b.answered_rank), (Some(3), None));
    }
}
