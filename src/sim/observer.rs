//! A hook that sees every server change the moment it happens, for invariant checkers.
//!
//! Kept apart from the scheduler: the only calls into it are one line in `deliver`.

use super::{Node, Simulation};
use crate::protocol::{Instant, Message, NodeId, Server, TokenId, TokenValue};
use std::any::Any;

/// Something called after every event that may have changed a server's state.
///
/// Only a `Write` or an `Install` delivered to a node changes its replica (reads and
/// answers do not), so that is the one call: the replica after the change, and the values
/// the message carried, whose tokens are the only ones that can have changed. An observer must not affect the
/// run: it sees the state, it never changes it.
pub trait Observer: Any {
    /// `server` has handled a write of `values` at simulated time `now`.
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]);

    /// This observer as [`Any`], so its owner can get the concrete type back.
    fn as_any(&self) -> &dyn Any;
}

impl Simulation {
    /// Call `observer` after every event that changes a server, from now on.
    pub fn set_observer(&mut self, observer: Box<dyn Observer>) {
        self.observer = Some(observer);
    }

    /// The observer set, as its concrete type `T`.
    pub fn observer<T: Observer>(&self) -> Option<&T> {
        self.observer.as_deref().and_then(|observer| observer.as_any().downcast_ref::<T>())
    }

    /// Remove the observer and hand it back.
    pub fn take_observer(&mut self) -> Option<Box<dyn Observer>> {
        self.observer.take()
    }

    /// Tell the observer, if there is one, that `to` may have changed on `message`.
    pub(super) fn notify_observer(&mut self, to: NodeId, message: &Message) {
        let Some(observer) = self.observer.as_mut() else { return };
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
