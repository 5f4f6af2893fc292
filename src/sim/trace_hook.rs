//! The simulator's trace hook: what it reports of every event, and where it reports it.
//! What becomes of the records (files, replay, text) is the business of `crate::trace`.

use super::traced_message::{MessageId, TracedMessage};
use crate::protocol::{Instant, NodeId, Outcome, Request, RequestId, Timer};
use crate::vocab::{DropReason, Omission, Violation};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// One thing that happened in a run. A message is recorded whole where it is sent; its
/// delivery or loss names it by its [`MessageId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// The application handed `request` to `client`; it waits in the client's queue.
    Submitted {
        /// The request's identity (its client and sequence number).
        id: RequestId,
        /// What it asks.
        request: Request,
    },
    /// The client started working on the request (its invocation point).
    Started {
        /// The request's identity.
        id: RequestId,
        /// What it asks.
        request: Request,
    },
    /// `id.from` handed `message` to the network, for `id.to`.
    Sent {
        /// The message's identity: its link and number on the link.
        id: MessageId,
        /// The message, its whole tables digested.
        message: TracedMessage,
        /// Whether the network made a second copy of it, to be delivered (or lost) too.
        duplicated: bool,
    },
    /// The message `id` reached its receiver and was handed to it.
    Delivered {
        /// Which message.
        id: MessageId,
        /// Whether this is the network's second copy of it.
        copy: bool,
    },
    /// The message `id` was lost: at the sender as it was sent, or at the receiver as it
    /// arrived (the reason says which).
    Dropped {
        /// Which message.
        id: MessageId,
        /// Whether this is the network's second copy of it.
        copy: bool,
        /// Why it was lost.
        reason: DropReason,
    },
    /// A timer that `node` set fired (whether or not the node still cared about it).
    TimerFired {
        /// The node the timer belongs to.
        node: NodeId,
        /// Which timer.
        timer: Timer,
    },
    /// The client answered a request to the application (its response point).
    Replied {
        /// The request answered.
        id: RequestId,
        /// What it asked.
        request: Request,
        /// The answer.
        outcome: Outcome,
    },
    /// `node` crashed: it sends, receives and times nothing until it restarts.
    Crashed {
        /// The node.
        node: NodeId,
        /// The requests it had in memory (the one it worked on, then its queue): lost, never
        /// to be answered.
        lost: Vec<RequestId>,
    },
    /// `node` restarted, from its durable state.
    Restarted {
        /// The node.
        node: NodeId,
    },
    /// `node` got an omission fault, or lost it (`None`: healed).
    FaultChanged {
        /// The node.
        node: NodeId,
        /// Its fault from now on.
        omission: Option<Omission>,
    },
    /// The partition changed: `nodes` are cut off from the rest from now on (none: repaired).
    Partitioned {
        /// The nodes cut off, ascending.
        nodes: Vec<NodeId>,
    },
}

/// A [`TraceEvent`] with the simulated time it happened at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceRecord {
    /// Simulated time, in microseconds since the start of the run.
    pub at: Instant,
    /// What happened.
    pub event: TraceEvent,
}

/// Where a simulation reports its events. Called once per event, in the order they happen.
pub trait TraceSink: Send {
    /// One more event.
    fn record(&mut self, record: TraceRecord);

    /// Called once after the last event with the run's own measures. A file sink writes its
    /// footer and flushes; the default does nothing.
    fn finish(&mut self, end: &TraceEnd) -> std::io::Result<()> {
        let _ = end;
        Ok(())
    }
}

/// What a trace records of the run once it is over: the simulator's own event count and
/// hash (so that a file, its replay and the run's report agree on one of each), and what
/// the checkers found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEnd {
    /// Events the simulator processed: the report's `events`.
    pub events: u64,
    /// The run's event hash ([`Simulation::event_hash`](super::Simulation::event_hash)).
    pub hash: u64,
    /// Every violation of the run's verdict; empty when it passed or was not judged.
    pub violations: Vec<Violation>,
}

/// A sink that keeps every record in memory; clones share the same records. For tests and
/// small runs: its memory grows with the run (stream long runs to a file: `crate::trace::JsonlWriter`).
#[derive(Clone, Debug, Default)]
pub struct MemoryTrace {
    records: Arc<Mutex<Vec<TraceRecord>>>,
}

impl MemoryTrace {
    /// An empty trace.
    pub fn new() -> MemoryTrace {
        MemoryTrace::default()
    }

    /// A copy of every record so far.
    pub fn records(&self) -> Vec<TraceRecord> {
        self.lock().clone()
    }

    /// Take every record so far, leaving the trace empty.
    pub fn take(&self) -> Vec<TraceRecord> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<TraceRecord>> {
        // A panic while holding the lock leaves the records whole: each push is atomic.
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TraceSink for MemoryTrace {
    fn record(&mut self, record: TraceRecord) {
        self.lock().push(record);
    }
}
