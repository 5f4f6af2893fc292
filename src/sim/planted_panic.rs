//! A panic planted on one rare path, for tests of `no_panic` and of shrinking a panic.
//!
//! A panic is the failure a shrinker most needs to handle and the one no variant makes, so a
//! test plants one: [`plant_panic`] makes this thread's runs panic when a node takes the path
//! of the given coverage probe, as an assertion a developer put on that path would. It is
//! per thread, so a test's plant never reaches other tests or a sweep's worker threads.
//! It costs a thread-local read per probe hit, which happens on rare paths only.

use crate::protocol::Probe;
use std::cell::Cell;

thread_local! {
    /// The probe whose path panics on this thread, if any.
    static PLANTED: Cell<Option<Probe>> = const { Cell::new(None) };
}

/// Make this thread's runs panic on the path of `probe` (`None`: never). For tests only.
#[doc(hidden)]
pub fn plant_panic(probe: Option<Probe>) {
    PLANTED.with(|planted| planted.set(probe));
}

/// Panic if a panic is planted on `probe`'s path.
pub(super) fn reached(probe: Probe) {
    if PLANTED.with(Cell::get) == Some(probe) {
        panic!("planted panic: a node took the {probe} path");
    }
}
