//! The event queue: events ordered by (time, sequence number), never by address.

use super::network::MessageKey;
use crate::protocol::{Instant, Message, NodeId, Timer};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something that happens at a simulated instant.
#[derive(Clone, Debug, Hash)]
pub(crate) enum Event {
    /// A message arrives at `to` (it may still be lost to receive-omission); `key` is its
    /// identity for the network's draws.
    Deliver { from: NodeId, to: NodeId, message: Message, key: MessageKey },
    /// A timer that `node` set fires.
    Timer { node: NodeId, timer: Timer },
    /// The workload hands `client` its next random request.
    Arrival { client: NodeId },
    /// The scenario's explicit request `requests[index]` is handed to its client.
    Scripted { index: usize },
    /// The scenario's fault event `schedule[index]` happens.
    Fault { index: usize },
}

/// What the heap orders: an event's time, its scheduling number, and where it waits. Kept
/// small (24 bytes) because a heap operation moves it O(log n) times; the event itself is
/// moved once into its slot and once out.
#[derive(Clone, Copy)]
struct Key {
    at: Instant,
    sequence: u64,
    slot: u32,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    // Reversed so that the max-heap pops the earliest event; the sequence number breaks ties
    // in the order events were scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.sequence).cmp(&(self.at, self.sequence))
    }
}

/// Pending events; pops the earliest, first-scheduled first among equal times.
#[derive(Clone, Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Key>,
    /// Events by slot; a popped event's slot is reused.
    slots: Vec<Option<Event>>,
    free: Vec<u32>,
    next_sequence: u64,
}

impl EventQueue {
    pub(crate) fn push(&mut self, at: Instant, event: Event) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Key { at, sequence: self.next_sequence, slot });
        self.next_sequence += 1;
    }

    pub(crate) fn pop(&mut self) -> Option<(Instant, Event)> {
        let key = self.heap.pop()?;
        self.free.push(key.slot);
        let event = self.slots[key.slot as usize].take().expect("a queued key has its event");
        Some((key.at, event))
    }

    pub(crate) fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|key| key.at)
    }

    /// Take every pending event that `matches` out of the queue (a crashed node's timers);
    /// the rest keep their times and their order.
    pub(crate) fn remove(&mut self, matches: impl Fn(&Event) -> bool) {
        let (slots, free) = (&mut self.slots, &mut self.free);
        self.heap.retain(|key| {
            let slot = &mut slots[key.slot as usize];
            if slot.as_ref().is_some_and(&matches) {
                *slot = None;
                free.push(key.slot);
                return false;
            }
            true
        });
    }

    /// Every pending event's time and slot, in the order `pop` would take them.
    pub(crate) fn in_order(&self) -> Vec<(Instant, u32)> {
        let mut keys: Vec<Key> = self.heap.iter().copied().collect();
        keys.sort_unstable_by(|a, b| b.cmp(a)); // `Key`'s order is reversed for the max-heap
        keys.into_iter().map(|key| (key.at, key.slot)).collect()
    }

    /// The event waiting in `slot`, if any.
    pub(crate) fn get(&self, slot: u32) -> Option<&Event> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Take the event waiting in `slot` out of the queue, whatever its turn.
    pub(crate) fn take(&mut self, slot: u32) -> Option<(Instant, Event)> {
        let at = self.heap.iter().find(|key| key.slot == slot)?.at;
        self.heap.retain(|key| key.slot != slot);
        self.free.push(slot);
        Some((at, self.slots[slot as usize].take()?))
    }

    /// How many pending events `matches` (counting needs no order, so none is imposed).
    pub(crate) fn count(&self, matches: impl Fn(&Event) -> bool) -> usize {
        self.slots.iter().flatten().filter(|event| matches(event)).count()
    }

    /// Visit every pending event (in no particular order).
    pub(crate) fn for_each(&self, visit: impl FnMut(&Event)) {
        self.slots.iter().flatten().for_each(visit);
    }

    /// The slot of the first waiting event, by slot, that `matches`.
    pub(crate) fn find_slot(&self, mut matches: impl FnMut(&Event) -> bool) -> Option<u32> {
        let position = self.slots.iter().position(|slot| slot.as_ref().is_some_and(&mut matches))?;
        Some(position as u32)
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

    #[test]
    fn removed_events_never_pop_and_the_rest_keep_their_order() {
        let mut queue = EventQueue::default();
        for (at, client) in [(5, 3), (1, 4), (5, 1), (2, 4), (5, 2)] {
            queue.push(Instant(at), Event::Arrival { client: NodeId(client) });
        }
        queue.remove(|event| matches!(event, Event::Arrival { client } if *client == NodeId(4)));
        queue.push(Instant(0), Event::Arrival { client: NodeId(9) }); // reuses a freed slot
        let order: Vec<u32> = std::iter::from_fn(|| queue.pop())
            .map(|(_, event)| match event {
                Event::Arrival { client } => client.0,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, [9, 3, 1, 2]);
    }
}
