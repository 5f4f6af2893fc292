//! The plain history the checkers read: operations with invocation and response times.
//!
//! Anyone can build one by hand (see the tests), or convert a run's
//! [`sim::History`] with [`OpHistory::from_sim`].
//!
//! Real-time order: an event (invocation or response) is placed by its [`EventKey`], its
//! instant and then its rank. A run ranks every start and answer in the order it happened,
//! so events of one microsecond are still ordered; hand-made histories may leave ranks at 0,
//! and then events of equal instants count as concurrent. Operation `a` precedes `b` iff
//! `a`'s response key is strictly below `b`'s invocation key ([`Operation::precedes`]).

use crate::protocol::{Instant, NodeId, Outcome, Request, RequestId};
use crate::sim;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Where an invocation or response falls in real time: its instant, then its rank.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey {
    /// The simulated time of the event.
    pub at: Instant,
    /// The event's rank in the run; 0 when unknown (events of one instant then tie).
    pub rank: u64,
}

impl EventKey {
    /// Later than every event: the response of an operation never answered.
    pub const NEVER: EventKey = EventKey { at: Instant(u64::MAX), rank: u64::MAX };

    /// The key of an event at `at` with rank `rank`.
    pub fn new(at: Instant, rank: u64) -> EventKey {
        EventKey { at, rank }
    }
}

impl fmt::Display for EventKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EventKey::NEVER => f.write_str("never"),
            EventKey { at, rank: 0 } => write!(f, "{at}"),
            EventKey { at, rank } => write!(f, "{at} (event #{rank})"),
        }
    }
}

/// One operation as a client saw it.
///
/// Build one with [`Operation::answered`] or [`Operation::pending`], then
/// [`Operation::with_ranks`] when the order of events within an instant is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// The request's identity (its client is `id.client`).
    pub id: RequestId,
    /// What was asked.
    pub request: Request,
    /// When the client started it (the invocation).
    pub invoked_at: Instant,
    /// When the client answered it (the response); `None` if it never was.
    pub responded_at: Option<Instant>,
    /// The answer; present exactly when `responded_at` is.
    pub outcome: Option<Outcome>,
    /// The invocation's rank among the run's events (see [`EventKey`]); 0 when unknown.
    #[serde(default)]
    pub invoked_rank: u64,
    /// The response's rank among the run's events; 0 when unknown or never answered.
    #[serde(default)]
    pub responded_rank: u64,
}

/// A history of operations over a world of tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpHistory {
    /// The owner of each token at version 1, indexed by token id.
    pub initial_owners: Vec<NodeId>,
    /// The operations, in any order.
    pub operations: Vec<Operation>,
}

/// A history the checkers cannot read: malformed input, not a protocol violation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// Two operations share one request id.
    #[error("operation {index}: request id {id} appears twice")]
    DuplicateId {
        /// Position of the second one.
        index: usize,
        /// The id.
        id: RequestId,
    },
    /// Response and outcome must be both present or both absent.
    #[error("operation {index} ({id}): a response time needs an outcome and an outcome a response time")]
    HalfAnswered {
        /// Position of the operation.
        index: usize,
        /// Its id.
        id: RequestId,
    },
    /// The response comes before the invocation.
    #[error("operation {index} ({id}): responded at {responded} before it was invoked at {invoked}")]
    RespondedBeforeInvoked {
        /// Position of the operation.
        index: usize,
        /// Its id.
        id: RequestId,
        /// Invocation time.
        invoked: Instant,
        /// Response time.
        responded: Instant,
    },
    /// A client started a request before its earlier, answered request ended: a client
    /// works on one request at a time.
    #[error(
        "client {client} started {later} at {started} before its earlier request {earlier} ended at {ended}: \
         a client works on one request at a time"
    )]
    OverlappingRequests {
        /// The client.
        client: NodeId,
        /// The earlier request (lower sequence number).
        earlier: RequestId,
        /// The later request.
        later: RequestId,
        /// When the earlier one was answered.
        ended: EventKey,
        /// When the later one started.
        started: EventKey,
    },
    /// A client started a request before an earlier one (a lost, unanswered one) started.
    #[error("client {client} started {later} at {started} before its earlier request {earlier} started at {earlier_started}")]
    OutOfOrderRequests {
        /// The client.
        client: NodeId,
        /// The earlier request (lower sequence number), never answered.
        earlier: RequestId,
        /// The later request.
        later: RequestId,
        /// When the earlier one started.
        earlier_started: EventKey,
        /// When the later one started.
        started: EventKey,
    },
    /// The outcome does not answer the request (say `Paid` for a `gettokens`).
    #[error("operation {index} ({id}): outcome `{outcome}` does not answer `{request}`")]
    MismatchedOutcome {
        /// Position of the operation.
        index: usize,
        /// Its id.
        id: RequestId,
        /// The request, displayed.
        request: String,
        /// The outcome, displayed.
        outcome: String,
    },
}

impl Operation {
    /// The operation a run's `record` stands for, with `outcome` as its result; `None` for
    /// a request that never started (it reached no server, so it constrains nothing).
    pub(crate) fn from_record(record: &sim::RequestRecord, outcome: Option<Outcome>) -> Option<Operation> {
        Some(Operation {
            id: record.id,
            request: record.request,
            invoked_at: record.started_at?,
            responded_at: record.answered_at,
            outcome,
            invoked_rank: record.started_rank.unwrap_or(0),
            responded_rank: record.answered_rank.unwrap_or(0),
        })
    }
}

impl OpHistory {
    /// The history of a run: invocation is when the client started the request.
    ///
    /// A request that was submitted but never started is left out: it never reached the
    /// protocol, so it constrains nothing (the liveness checker still sees it).
    pub fn from_sim(history: &sim::History, initial_owners: &[NodeId]) -> OpHistory {
        let operations =
            history.records().filter_map(|record| Operation::from_record(record, record.outcome.clone())).collect();
        OpHistory { initial_owners: initial_owners.to_vec(), operations }
    }

    /// Check that every operation is well formed; the checkers call this first.
    ///
    /// Linear when each client's requests come in sequence order, as a run records them
    /// (a 1,000,000-operation history was two sorts by id before: a third of checking it).
    pub fn validate(&self) -> Result<(), HistoryError> {
        let by_client = self.by_client();
        let duplicate = by_client.iter().flat_map(|indices| indices.windows(2)).find_map(|pair| {
            let (first, second) = (&self.operations[pair[0]], &self.operations[pair[1]]);
            (first.id == second.id).then_some(HistoryError::DuplicateId { index: pair[1], id: first.id })
        });
        if let Some(duplicate) = duplicate {
            return Err(duplicate);
        }
        self.operations.iter().enumerate().try_for_each(|(index, op)| op.validate(index))?;
        by_client.iter().try_for_each(|indices| self.validate_client(indices))
    }

    /// The operations' indices by client, ascending by client id, and each client's by
    /// sequence number (ties in the order of the history). A client whose requests are out of
    /// sequence order in the history is sorted; the others need not be.
    fn by_client(&self) -> Vec<Vec<usize>> {
        let mut clients: BTreeMap<NodeId, Vec<usize>> = BTreeMap::new();
        for (index, op) in self.operations.iter().enumerate() {
            clients.entry(op.id.client).or_default().push(index);
        }
        let mut by_client: Vec<Vec<usize>> = clients.into_values().collect();
        for indices in &mut by_client {
            let sequence = |index: &usize| self.operations[*index].id.sequence;
            if !indices.windows(2).all(|pair| sequence(&pair[0]) <= sequence(&pair[1])) {
                indices.sort_by_key(sequence); // stable: equal ids stay in history order
            }
        }
        by_client
    }

    /// Each client works on one request at a time, in sequence order: an answered request
    /// ends strictly before the client's next one starts. A request never answered (its
    /// client crashed, or lost it) may be overlapped by the ones that follow it. `indices`
    /// are one client's operations, by sequence.
    fn validate_client(&self, indices: &[usize]) -> Result<(), HistoryError> {
        for pair in indices.windows(2) {
            let (earlier, later) = (&self.operations[pair[0]], &self.operations[pair[1]]);
            let (client, started) = (later.id.client, later.invocation());
            match earlier.response() {
                Some(ended) if ended >= started => {
                    let (earlier, later) = (earlier.id, later.id);
                    return Err(HistoryError::OverlappingRequests { client, earlier, later, ended, started });
                }
                None if earlier.invocation() > started => {
                    let (earlier_started, earlier, later) = (earlier.invocation(), earlier.id, later.id);
                    return Err(HistoryError::OutOfOrderRequests { client, earlier, later, earlier_started, started });
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Operation {
    /// An answered operation, without ranks (events of one instant count as concurrent).
    pub fn answered(
        id: RequestId,
        request: Request,
        invoked_at: Instant,
        responded_at: Instant,
        outcome: Outcome,
    ) -> Operation {
        let (responded_at, outcome) = (Some(responded_at), Some(outcome));
        Operation { id, request, invoked_at, responded_at, outcome, invoked_rank: 0, responded_rank: 0 }
    }

    /// An operation never answered, without ranks.
    pub fn pending(id: RequestId, request: Request, invoked_at: Instant) -> Operation {
        Operation { id, request, invoked_at, responded_at: None, outcome: None, invoked_rank: 0, responded_rank: 0 }
    }

    /// This operation with the ranks of its invocation and response among the run's events.
    pub fn with_ranks(mut self, invoked_rank: u64, responded_rank: u64) -> Operation {
        self.invoked_rank = invoked_rank;
        self.responded_rank = responded_rank;
        self
    }

    /// The key of the invocation.
    pub fn invocation(&self) -> EventKey {
        EventKey::new(self.invoked_at, self.invoked_rank)
    }

    /// The key of the response, if there was one.
    pub fn response(&self) -> Option<EventKey> {
        self.responded_at.map(|at| EventKey::new(at, self.responded_rank))
    }

    /// The key of the response, or [`EventKey::NEVER`] for an operation never answered.
    pub fn response_or_never(&self) -> EventKey {
        self.response().unwrap_or(EventKey::NEVER)
    }

    /// Whether `self` precedes `other` in real time: it ended strictly before `other` started.
    pub fn precedes(&self, other: &Operation) -> bool {
        self.response_or_never() < other.invocation()
    }

    fn validate(&self, index: usize) -> Result<(), HistoryError> {
        let id = self.id;
        let Some(responded) = self.responded_at else {
            return match self.outcome {
                None => Ok(()),
                Some(_) => Err(HistoryError::HalfAnswered { index, id }),
            };
        };
        let Some(outcome) = &self.outcome else { return Err(HistoryError::HalfAnswered { index, id }) };
        if self.response_or_never() < self.invocation() {
            return Err(HistoryError::RespondedBeforeInvoked { index, id, invoked: self.invoked_at, responded });
        }
        let matches = match (&self.request, outcome) {
            (Request::GetTokens { owner }, Outcome::Tokens { owner: listed, tokens }) => {
                owner == listed && tokens.windows(2).all(|pair| pair[0].0 < pair[1].0)
            }
            (Request::GetTokens { .. }, Outcome::Refused(_)) => true,
            (Request::Pay { token, .. }, Outcome::Paid { token: paid, .. }) => token == paid,
            (Request::Pay { .. }, Outcome::Refused(_)) => true,
            (Request::BecomeServer { .. } | Request::BecomeClient { .. }, Outcome::RoleChanged { .. }) => true,
            (Request::BecomeServer { .. } | Request::BecomeClient { .. }, Outcome::Refused(_)) => true,
            _ => false,
        };
        if !matches {
            let (request, outcome) = (self.request.to_string(), outcome.to_string());
            return Err(HistoryError::MismatchedOutcome { index, id, request, outcome });
        }
        Ok(())
    }
}
