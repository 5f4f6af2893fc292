//! What the hosts of one turmoil run report, in the order it happens: requests submitted,
//! started, answered and lost in crashes, and messages lost to faults.
//!
//! Every turmoil host runs on one thread, so the hosts share one journal and its order is
//! the run's real-time order: each start and answer gets the next rank, as in tokensim's
//! own history, and the history it gives ([`Journal::op_history`]) is one tokensim's
//! checkers read as they read a run of tokensim.

use std::collections::BTreeMap;
use tokensim::check::history::{OpHistory, Operation};
use tokensim::protocol::{Instant, NodeId, Outcome, Request, RequestId};

/// Why a message was lost, as the host saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Loss {
    /// The sender's omission fault.
    SenderOmission,
    /// The receiver's omission fault.
    ReceiverOmission,
    /// A partition separated sender and receiver when it was sent.
    Partition,
    /// The receiver was down.
    Crashed,
}

/// The shared record of one run; see the module docs.
#[derive(Debug, Default)]
pub struct Journal {
    rank: u64,
    operations: Vec<Operation>,
    /// Where each started request is in `operations`.
    index: BTreeMap<RequestId, usize>,
    submitted: u64,
    answered: u64,
    lost: Vec<RequestId>,
    /// When a request was last handed to a node.
    last_submitted_at: Instant,
    /// Every answer, in the order the nodes gave them.
    pub answers: Vec<String>,
    /// Messages lost, by why.
    pub losses: BTreeMap<Loss, u64>,
}

impl Journal {
    /// A request was handed to its node at `at`.
    pub fn submitted(&mut self, at: Instant) {
        self.submitted += 1;
        self.last_submitted_at = at;
    }

    /// The node started working on `id` at `at` (its invocation).
    pub fn started(&mut self, id: RequestId, request: Request, at: Instant) {
        self.rank += 1;
        self.index.insert(id, self.operations.len());
        self.operations.push(Operation::pending(id, request, at).with_ranks(self.rank, 0));
    }

    /// The node answered `id` at `at`. A request refused before it started (a server asked
    /// to pay, say) never reached the protocol, and stays out of the history, as in tokensim.
    pub fn answered(&mut self, id: RequestId, request: Request, outcome: &Outcome, at: Instant) {
        self.rank += 1;
        self.answered += 1;
        if let Some(&index) = self.index.get(&id) {
            let operation = &mut self.operations[index];
            operation.responded_at = Some(at);
            operation.responded_rank = self.rank;
            operation.outcome = Some(outcome.clone());
        }
        self.answers.push(format!("{id} {request:?} {outcome:?}"));
    }

    /// A crash lost `ids`: never answered, owed no answer.
    pub fn lost(&mut self, ids: impl IntoIterator<Item = RequestId>) {
        self.lost.extend(ids);
    }

    /// A message was lost, for `why`.
    pub fn message_lost(&mut self, why: Loss) {
        *self.losses.entry(why).or_default() += 1;
    }

    /// Requests submitted and neither answered nor lost.
    pub fn open(&self) -> u64 {
        self.submitted - self.answered - self.lost.len() as u64
    }

    /// Requests handed to nodes so far.
    pub fn submitted_count(&self) -> u64 {
        self.submitted
    }

    /// When a request was last handed to a node.
    pub fn last_submitted_at(&self) -> Instant {
        self.last_submitted_at
    }

    /// The requests crashes lost.
    pub fn lost_requests(&self) -> &[RequestId] {
        &self.lost
    }

    /// The history of the run, for tokensim's checkers: every started request, with its
    /// answer if it got one.
    pub fn op_history(&self, initial_owners: &[NodeId]) -> OpHistory {
        OpHistory { initial_owners: initial_owners.to_vec(), operations: self.operations.clone() }
    }
}
