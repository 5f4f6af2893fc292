//! A hook that sees every server change the moment it happens, for invariant checkers.
//!
//! The caller lends an observer to [`Simulation::run_observed`] or
//! [`Simulation::step_observed`] and keeps it: nothing is stored in the simulation, so the
//! caller reads its findings from its own value, with no downcast.

use super::{Node, Simulation};
use crate::protocol::{Instant, Message, NodeId, Server, TokenId, TokenValue};

/// Something shown every event that may have changed a server's state.
///
/// Only a `Write` or an `Install` delivered to a node changes its replica (reads and
/// answers do not), so that is the one call: the replica after the change, and the values
/// the message carried, whose tokens are the only ones that can have changed. An observer
/// must not affect the run: it sees the state, it never changes it.
pub trait Observer {
    /// `server` has handled a write of `values` at simulated time `now`.
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]);
}

/// The observer of a run nobody watches.
pub(super) struct Unobserved;

impl Observer for Unobserved {
    fn after_write(&mut self, _now: Instant, _server: &Server, _values: &[(TokenId, TokenValue)]) {}
}

/// Several observers shown the same events, in order.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        self.0.after_write(now, server, values);
        self.1.after_write(now, server, values);
    }
}

impl<T: Observer + ?Sized> Observer for &mut T {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        (**self).after_write(now, server, values);
    }
}

impl<T: Observer + ?Sized> Observer for Box<T> {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        (**self).after_write(now, server, values);
    }
}

impl Simulation {
    /// Tell `observer` that `to` may have changed on `message`.
    pub(super) fn notify_observer(&self, observer: &mut dyn Observer, to: NodeId, message: &Message) {
        let Some(replica) = self.nodes.get(to.0 as usize).and_then(Option::as_ref).and_then(Node::replica) else {
            return;
        };
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
