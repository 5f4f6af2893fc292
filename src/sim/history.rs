//! What happened to every request of a run: when it was submitted, started and answered.

use crate::protocol::{Instant, NodeId, Outcome, Request, RequestId};
use indexmap::IndexMap;
use serde::Serialize;

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

/// Every request of a run, in submission order.
#[derive(Clone, Debug, Default)]
pub struct History {
    records: IndexMap<RequestId, RequestRecord>,
    /// How many records have no answer yet (kept, not counted, because runs ask often).
    open: usize,
    /// How many starts and answers were recorded: the last rank given.
    events: u64,
    /// Ids a client gave a second request (a broken variant: the counter was not durable),
    /// with when; the later request's record replaced the earlier one's.
    reused: Vec<(RequestId, Instant)>,
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
        }
    }

    /// Request `id` was lost in a crash of its client at `at`: it will never be answered.
    pub(crate) fn mark_lost(&mut self, id: RequestId, at: Instant) {
        if let Some(record) = self.records.get_mut(&id).filter(|record| record.is_waiting()) {
            record.lost_at = Some(at);
            self.open -= 1;
        }
    }

    fn next_rank(&mut self) -> u64 {
        self.events += 1;
        self.events
    }

    /// Every request, in submission order.
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

    /// How many requests were submitted.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no request was submitted.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
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
