//! Watches every value written, so that two values at one version of a token are caught
//! the moment they appear, whichever servers they reach.

use crate::protocol::{Instant, TokenId, TokenValue};
use serde::Serialize;

/// Two different values written at the same version of a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionConflict {
    /// The token.
    pub token: TokenId,
    /// The value seen first at that version.
    pub first: TokenValue,
    /// The different value seen later at the same version.
    pub second: TokenValue,
    /// When the second value was sent.
    pub at: Instant,
}

/// Every value written to any server, per token and version.
#[derive(Clone, Debug)]
pub(crate) struct WriteLog {
    /// Per token, the value at each version (index = version - 1).
    values: Vec<Vec<TokenValue>>,
    conflicts: Vec<VersionConflict>,
}

impl WriteLog {
    pub(crate) fn new(initial: &[TokenValue]) -> WriteLog {
        WriteLog { values: initial.iter().map(|value| vec![*value]).collect(), conflicts: Vec::new() }
    }

    /// Record `value` of `token`, sent at `at`; true if no value was known at its version.
    pub(crate) fn record(&mut self, token: TokenId, value: TokenValue, at: Instant) -> bool {
        let Some(versions) = self.values.get_mut(token.0 as usize) else { return false };
        let index = value.version.0.saturating_sub(1) as usize;
        match versions.get(index) {
            Some(first) if *first != value => {
                // A write goes to every server: report each conflicting value once, not per copy.
                let known = |c: &VersionConflict| c.token == token && c.first == *first && c.second == value;
                if !self.conflicts.iter().any(known) {
                    self.conflicts.push(VersionConflict { token, first: *first, second: value, at })
                }
                false
            }
            Some(_) => false,
            None => {
                // Versions can arrive out of order only in a broken protocol; fill the gap with
                // the new value's placeholder so later versions still index correctly.
                while versions.len() < index {
                    versions.push(TokenValue { version: crate::protocol::Version(0), ..value });
                }
                versions.push(value);
                true
            }
        }
    }

    /// The values written at each version of `token`; version 0 marks a version never written.
    pub(crate) fn versions(&self, token: TokenId) -> &[TokenValue] {
        self.values.get(token.0 as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Fold every value written, and every conflict, into `state` (a search's state digest),
    /// whatever order they were written in.
    pub(crate) fn hash_content(&self, state: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        self.values.hash(state);
        let mut conflicts: Vec<(TokenId, u64, u64)> = self
            .conflicts
            .iter()
            .map(|c| (c.token, c.first.version.0, u64::from(c.second.owner.0) << 32 | u64::from(c.first.owner.0)))
            .collect();
        conflicts.sort_unstable();
        conflicts.hash(state);
    }

    pub(crate) fn conflicts(&self) -> &[VersionConflict] {
        &self.conflicts
    }
}
