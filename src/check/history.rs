//! The plain history the checkers read: operations with invocation and response times.
//!
//! Anyone can build one by hand (see the tests), or convert a run's
//! [`sim::History`] with [`OpHistory::from_sim`].

use crate::protocol::{Instant, NodeId, Outcome, Request, RequestId};
use crate::sim;
use serde::{Deserialize, Serialize};

/// One operation as a client saw it.
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

impl OpHistory {
    /// The history of a run: invocation is when the client started the request.
    ///
    /// A request that was submitted but never started is left out: it never reached the
    /// protocol, so it constrains nothing (the liveness checker still sees it).
    pub fn from_sim(history: &sim::History, initial_owners: &[NodeId]) -> OpHistory {
        let operations = history
            .records()
            .filter_map(|record| {
                Some(Operation {
                    id: record.id,
                    request: record.request,
                    invoked_at: record.started_at?,
                    responded_at: record.answered_at,
                    outcome: record.outcome.clone(),
                })
            })
            .collect();
        OpHistory { initial_owners: initial_owners.to_vec(), operations }
    }

    /// Check that every operation is well formed; the checkers call this first.
    pub fn validate(&self) -> Result<(), HistoryError> {
        let mut ids: Vec<(RequestId, usize)> = self.operations.iter().enumerate().map(|(i, op)| (op.id, i)).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(HistoryError::DuplicateId { index: pair[0].1.max(pair[1].1), id: pair[0].0 });
        }
        self.operations.iter().enumerate().try_for_each(|(index, op)| op.validate(index))
    }
}

impl Operation {
    fn validate(&self, index: usize) -> Result<(), HistoryError> {
        let id = self.id;
        let Some(responded) = self.responded_at else {
            return match self.outcome {
                None => Ok(()),
                Some(_) => Err(HistoryError::HalfAnswered { index, id }),
            };
        };
        let Some(outcome) = &self.outcome else { return Err(HistoryError::HalfAnswered { index, id }) };
        if responded < self.invoked_at {
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

    /// The response time, or "never" as the largest instant.
    pub(crate) fn responded_or_never(&self) -> Instant {
        self.responded_at.unwrap_or(Instant(u64::MAX))
    }
}
