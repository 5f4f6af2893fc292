//! A hook that sees what the run does the moment it does it, for invariant checkers.
//!
//! The caller lends an observer to [`Simulation::run_observed`] or
//! [`Simulation::step_observed`] and keeps it: nothing is stored in the simulation, so the
//! caller reads its findings from its own value, with no downcast.

use super::{Node, RequestRecord, Simulation};
use crate::protocol::{Instant, Message, NodeId, Server, TokenId, TokenValue};

/// Something shown what a run does. An observer must not affect the run: it sees the state,
/// it never changes it. Every method but [`Observer::after_write`] does nothing unless
/// implemented.
pub trait Observer {
    /// `server` has handled a write of `values` at simulated time `now`: a `Write`, or an
    /// `Install` whose table it merged. Only these change a replica's table, and only the
    /// tokens in `values` can have changed.
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]);

    /// `from` handed `message` for `to` to the network (it may still be lost).
    fn after_send(&mut self, now: Instant, from: NodeId, to: NodeId, message: &Message) {
        let _ = (now, from, to, message);
    }

    /// `node` has handled `message` from `from`.
    fn after_delivery(&mut self, now: Instant, node: &Node, from: NodeId, message: &Message) {
        let _ = (now, node, from, message);
    }

    /// `node` restarted after a crash: this is what its durable state made it.
    fn after_restart(&mut self, now: Instant, node: &Node) {
        let _ = (now, node);
    }

    /// The run retires `records` (every request since the last retirement, all answered,
    /// role changes excepted) and forgets them; `writes` are the values first written
    /// since then. Only a run told to retire ([`Simulation::retire_every`]) calls this.
    fn retire(&mut self, records: &[RequestRecord], writes: &[(TokenId, TokenValue)]) {
        let _ = (records, writes);
    }
}

/// The observer of a run nobody watches.
pub(crate) struct Unobserved;

impl Observer for Unobserved {
    fn after_write(&mut self, _now: Instant, _server: &Server, _values: &[(TokenId, TokenValue)]) {}
}

/// Two observers shown the same events, the first first.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        self.0.after_write(now, server, values);
        self.1.after_write(now, server, values);
    }

    fn after_send(&mut self, now: Instant, from: NodeId, to: NodeId, message: &Message) {
        self.0.after_send(now, from, to, message);
        self.1.after_send(now, from, to, message);
    }

    fn after_delivery(&mut self, now: Instant, node: &Node, from: NodeId, message: &Message) {
        self.0.after_delivery(now, node, from, message);
        self.1.after_delivery(now, node, from, message);
    }

    fn after_restart(&mut self, now: Instant, node: &Node) {
        self.0.after_restart(now, node);
        self.1.after_restart(now, node);
    }

    fn retire(&mut self, records: &[RequestRecord], writes: &[(TokenId, TokenValue)]) {
        self.0.retire(records, writes);
        self.1.retire(records, writes);
    }
}

impl<T: Observer + ?Sized> Observer for &mut T {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        (**self).after_write(now, server, values);
    }

    fn after_send(&mut self, now: Instant, from: NodeId, to: NodeId, message: &Message) {
        (**self).after_send(now, from, to, message);
    }

    fn after_delivery(&mut self, now: Instant, node: &Node, from: NodeId, message: &Message) {
        (**self).after_delivery(now, node, from, message);
    }

    fn after_restart(&mut self, now: Instant, node: &Node) {
        (**self).after_restart(now, node);
    }

    fn retire(&mut self, records: &[RequestRecord], writes: &[(TokenId, TokenValue)]) {
        (**self).retire(records, writes);
    }
}

impl<T: Observer + ?Sized> Observer for Box<T> {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        (**self).after_write(now, server, values);
    }

    fn after_send(&mut self, now: Instant, from: NodeId, to: NodeId, message: &Message) {
        (**self).after_send(now, from, to, message);
    }

    fn after_delivery(&mut self, now: Instant, node: &Node, from: NodeId, message: &Message) {
        (**self).after_delivery(now, node, from, message);
    }

    fn after_restart(&mut self, now: Instant, node: &Node) {
        (**self).after_restart(now, node);
    }

    fn retire(&mut self, records: &[RequestRecord], writes: &[(TokenId, TokenValue)]) {
        (**self).retire(records, writes);
    }
}

impl Simulation {
    /// Tell `observer` what the delivery of `message` from `from` did to `to`.
    pub(super) fn notify_observer(&self, observer: &mut dyn Observer, from: NodeId, to: NodeId, message: &Message) {
        let Some(node) = self.nodes.get(to.0 as usize).and_then(Option::as_ref) else { return };
        observer.after_delivery(self.now, node, from, message);
        let Some(replica) = node.replica() else { return };
        match message {
            Message::Write { values, .. } => observer.after_write(self.now, replica, values),
            Message::Install { table, .. } => {
                let values: Vec<(TokenId, TokenValue)> =
                    table.iter().enumerate().map(|(index, value)| (TokenId(index as u32), *value)).collect();
                observer.after_write(self.now, replica, &values);
            }
            _ => {}
        }
    }
}
