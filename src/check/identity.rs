//! Request identity: [`Property::RequestIdsUnique`], every request id names one request.
//!
//! Servers recognise a retry by its id, and a pay's written value carries its id as the
//! writer: an id given to two requests makes one look like a retry of the other. A client's
//! request counter is durable so that a restart after a crash never reuses one; the history
//! notes any id that comes twice ([`History::reused_ids`](crate::sim::History::reused_ids)).

use super::violation::{Property, Violation};
use crate::sim::Simulation;

/// One violation per id the run gave to two requests.
pub fn check_request_ids(sim: &Simulation) -> Vec<Violation> {
    sim.history()
        .reused_ids()
        .iter()
        .map(|&(id, at)| {
            let detail = format!("{id} was given to a second request at {at}: a client used one request id twice");
            Violation::new(Property::RequestIdsUnique, detail).at(at).involving([id]).with_seed(sim.seed())
        })
        .collect()
}
