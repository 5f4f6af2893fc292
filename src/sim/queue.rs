//! The event queue: events ordered by (time, sequence number), never by address.

use crate::protocol::{Instant, Message, NodeId, Timer};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something that happens at a simulated instant.
#[derive(Clone, Debug, Hash)]
pub(crate) enum Event {
    /// A message arrives at `to` (it may still be lost to receive-omission).
    Deliver { from: NodeId, to: NodeId, message: Message },
    /// A timer that `node` set fires.
    Timer { node: NodeId, timer: Timer },
    /// The workload hands `client` its next random request.
    Arrival { client: NodeId },
    /// The scenario's explicit request `requests[index]` is handed to its client.
    Scripted { index: usize },
    /// The scenario's fault event `schedule[index]` happens.
    Fault { index: usize },
}

struct Entry {
    at: Instant,
    sequence: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed so that the max-heap pops the earliest event; the sequence number breaks ties
    // in the order events were scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.sequence).cmp(&(self.at, self.sequence))
    }
}

/// Pending events; pops the earliest, first-scheduled first among equal times.
#[derive(Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Entry>,
    next_sequence: u64,
}

impl EventQueue {
    pub(crate) fn push(&mut self, at: Instant, event: Event) {
        self.heap.push(Entry { at, sequence: self.next_sequence, event });
        self.next_sequence += 1;
    }

    pub(crate) fn pop(&mut self) -> Option<(Instant, Event)> {
        self.heap.pop().map(|entry| (entry.at, entry.event))
    }

    pub(crate) fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|entry| entry.at)
    }

    /// How many pending events `matches` (counting needs no order, so none is imposed).
    pub(crate) fn count(&self, matches: impl Fn(&Event) -> bool) -> usize {
        self.heap.iter().filter(|entry| matches(&entry.event)).count()
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut queue = EventQueue::default();
        for client in [3, 1, 2] {
            queue.push(Instant(5), Event::Arrival { client: NodeId(client) });
        }
        queue.push(Instant(1), Event::Arrival { client: NodeId(9) });
        let order: Vec<u32> = std::iter::from_fn(|| queue.pop())
            .map(|(_, event)| match event {
                Event::Arrival { client } => client.0,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, [9, 3, 1, 2]);
    }
}
