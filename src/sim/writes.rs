//! Watches every value written, so that two values at one version of a token are caught
//! the moment they appear, whichever servers they reach.

use super::Chunked;
use crate::protocol::{Instant, NodeId, RequestId, TokenId, TokenValue, Version};
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

/// A token's value in 16 bytes, its version being its place in a list (a value of version 0
/// is flagged in the sequence's top bit, which no request counter reaches), or no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Packed {
    owner: NodeId,
    /// The writer's client, [`Packed::NO_WRITER`] for none.
    client: NodeId,
    sequence: u64,
}

impl Packed {
    const NO_WRITER: NodeId = NodeId(u32::MAX);
    const SKIPPED: u64 = 1 << 63;
    /// No value at all.
    pub const NONE: Packed = Packed { owner: NodeId(u32::MAX), client: NodeId(u32::MAX), sequence: u64::MAX };

    /// `value`, to be kept at its version's place.
    pub fn new(value: TokenValue) -> Packed {
        let skipped = if value.version.0 == 0 { Packed::SKIPPED } else { 0 };
        let (client, sequence) = value.writer.map_or((Packed::NO_WRITER, 0), |id| (id.client, id.sequence));
        debug_assert!(sequence < Packed::SKIPPED - 1, "a request counter below 2^63");
        Packed { owner: value.owner, client, sequence: sequence | skipped }
    }

    /// The value kept at `version`'s place, if any.
    pub fn get(self, version: u64) -> Option<TokenValue> {
        (self != Packed::NONE).then(|| self.value(version))
    }

    /// The value, at `version` unless it marks a skipped one.
    fn value(self, version: u64) -> TokenValue {
        let skipped = self.sequence & Packed::SKIPPED != 0;
        let sequence = self.sequence & !Packed::SKIPPED;
        let writer = (self.client != Packed::NO_WRITER).then_some(RequestId { client: self.client, sequence });
        TokenValue { version: Version(if skipped { 0 } else { version }), owner: self.owner, writer }
    }
}

/// Every value written to any server, per token and version.
#[derive(Clone, Debug)]
pub(crate) struct WriteLog {
    /// Per token, its first value (the initial one): kept apart from the later ones so that
    /// a world of 100,000 tokens builds its log with two allocations, not 200,000.
    first: Vec<Packed>,
    /// Per token, the values at the versions after the first (index = version - 2).
    later: Vec<Chunked<Packed>>,
    conflicts: Vec<VersionConflict>,
}

/// One token's values, version by version (index = version - 1).
struct Versions<'a> {
    first: Packed,
    later: &'a Chunked<Packed>,
}

impl Versions<'_> {
    fn len(&self) -> usize {
        1 + self.later.len()
    }

    fn get(&self, index: usize) -> Option<Packed> {
        match index {
            0 => Some(self.first),
            _ => self.later.get(index - 1).copied(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = Packed> + '_ {
        std::iter::once(self.first).chain(self.later.iter().copied())
    }
}

impl WriteLog {
    pub(crate) fn new(initial: &[TokenValue]) -> WriteLog {
        WriteLog {
            first: initial.iter().map(|value| Packed::new(*value)).collect(),
            later: std::iter::repeat_with(Chunked::new).take(initial.len()).collect(),
            conflicts: Vec::new(),
        }
    }

    /// The values of `token`, if the log has it.
    fn of(&self, token: TokenId) -> Option<Versions<'_>> {
        let slot = token.0 as usize;
        Some(Versions { first: *self.first.get(slot)?, later: self.later.get(slot)? })
    }

    /// Whether recording `value` of `token` would change nothing: the log already has it at
    /// its version (or the token is unknown, or its conflict with the value there is already
    /// reported).
    pub(crate) fn knows(&self, token: TokenId, value: TokenValue) -> bool {
        let Some(versions) = self.of(token) else { return true };
        let index = value.version.0.saturating_sub(1) as usize;
        match versions.get(index).map(|first| first.value(index as u64 + 1)) {
            Some(first) if first != value => {
                self.conflicts.iter().any(|c| c.token == token && c.first == first && c.second == value)
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Record `value` of `token`, sent at `at`; true if no value was known at its version.
    pub(crate) fn record(&mut self, token: TokenId, value: TokenValue, at: Instant) -> bool {
        let Some(versions) = self.of(token) else { return false };
        let index = value.version.0.saturating_sub(1) as usize;
        match versions.get(index).map(|first| first.value(index as u64 + 1)) {
            Some(first) if first != value => {
                // A write goes to every server: report each conflicting value once, not per copy.
                let known = |c: &VersionConflict| c.token == token && c.first == first && c.second == value;
                if !self.conflicts.iter().any(known) {
                    self.conflicts.push(VersionConflict { token, first, second: value, at })
                }
                false
            }
            Some(_) => false,
            None => {
                // Versions can arrive out of order only in a broken protocol; fill the gap with
                // the new value's placeholder so later versions still index correctly.
                let later = &mut self.later[token.0 as usize];
                while 1 + later.len() < index {
                    later.push(Packed::new(TokenValue { version: Version(0), ..value }));
                }
                later.push(Packed::new(value));
                true
            }
        }
    }

    /// The values written at each version of `token`; version 0 marks a version never written.
    pub(crate) fn versions(&self, token: TokenId) -> Vec<TokenValue> {
        let Some(versions) = self.of(token) else { return Vec::new() };
        versions.iter().enumerate().map(|(index, packed)| packed.value(index as u64 + 1)).collect()
    }

    /// Whether a version of some token was skipped (written after a later one).
    pub(crate) fn any_skipped(&self) -> bool {
        let skipped = |packed: &Packed| packed.sequence & Packed::SKIPPED != 0;
        self.first.iter().any(skipped) || self.later.iter().flat_map(Chunked::iter).any(skipped)
    }

    /// Fold every value written, and every conflict, into `state` (a search's state digest),
    /// whatever order they were written in.
    pub(crate) fn hash_content(&self, state: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        // Hashed as the values themselves, as before they were packed: the words a
        // `Vec<Vec<TokenValue>>` of them would hash (each list's length, then its items),
        // without building one, since a search hashes this at every step.
        state.write_usize(self.first.len());
        for token in 0..self.first.len() {
            let versions = Versions { first: self.first[token], later: &self.later[token] };
            state.write_usize(versions.len());
            for (index, packed) in versions.iter().enumerate() {
                packed.value(index as u64 + 1).hash(state);
            }
        }
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
