//! The types the stages of one token's check share: the token's check itself, the
//! versions answers name (links), and the versions of a complete chain (slots).

use super::{Index, Observation};
use crate::check::history::{EventKey, OpHistory, Operation};
use crate::check::violation::{Property, Violation};
use crate::protocol::{Instant, NodeId, RequestId, TokenId};
use std::ops::Range;

/// Who wrote a version that answers name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Writer {
    /// The initial value, before everything.
    Initial,
    /// A pay answered ok at this version.
    Answered(u32),
    /// No answered pay: an unanswered one must have.
    Missing,
}

/// The reads of one version, summed up for real time.
#[derive(Clone, Copy, Debug)]
pub(super) struct ReadBounds {
    /// The latest invocation among them ([`EventKey::default`] if none).
    pub(super) invoked: EventKey,
    /// The earliest response among them ([`EventKey::NEVER`] if none).
    pub(super) responded: EventKey,
    /// Whose response that is.
    pub(super) responder: Option<u32>,
}

impl ReadBounds {
    /// No reads at all.
    pub(super) const NONE: ReadBounds =
        ReadBounds { invoked: EventKey { at: Instant(0), rank: 0 }, responded: EventKey::NEVER, responder: None };
}

/// A version of the token that some answer names.
#[derive(Clone, Debug)]
pub(super) struct Link {
    pub(super) version: u64,
    pub(super) owner: NodeId,
    pub(super) writer: Writer,
    /// The reads of this version: a range of the token's sorted observations.
    pub(super) reads: Range<usize>,
    pub(super) bounds: ReadBounds,
}

/// The check of one token.
pub(super) struct TokenCheck<'a> {
    pub(super) ops: &'a [Operation],
    pub(super) index: &'a Index,
    pub(super) token: TokenId,
    pub(super) initial: NodeId,
    /// What the answers say of this token, by version (writes of a version first).
    pub(super) observations: Vec<Observation>,
    /// The versions the answers name, ascending, from v1.
    pub(super) links: Vec<Link>,
    /// Per operation, the last token it listed was `marks[op]`: a membership test for
    /// "this `gettokens` listed the token" shared by all tokens (set before each is checked).
    pub(super) marks: &'a mut [u32],
    pub(super) violations: Vec<Violation>,
}

/// Who writes a version of the positioned chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SlotWriter {
    /// The initial value, before everything.
    Initial,
    /// A pay answered ok at this version.
    Answered(u32),
    /// An unanswered pay, from class `class` of the search.
    Pending { op: u32, class: usize },
}

/// One version of a complete chain: v1, v2, ... with no gap.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slot {
    pub(super) version: u64,
    pub(super) owner: NodeId,
    pub(super) writer: SlotWriter,
    /// The version's listed reads (and `NotOwner` refusals), summed up.
    pub(super) bounds: ReadBounds,
}

impl<'a> TokenCheck<'a> {
    pub(super) fn new(
        history: &'a OpHistory,
        index: &'a Index,
        token: TokenId,
        marks: &'a mut [u32],
    ) -> TokenCheck<'a> {
        let mut observations = index.observations[token.0 as usize].clone();
        // Filed in operation order, so each version's observations are mostly in order already.
        observations.sort_by_key(|o| (o.version, o.kind, o.op));
        TokenCheck {
            ops: &history.operations,
            index,
            token,
            initial: history.initial_owners[token.0 as usize],
            observations,
            links: Vec::new(),
            marks,
            violations: Vec::new(),
        }
    }

    pub(super) fn op(&self, i: u32) -> &Operation {
        &self.ops[i as usize]
    }

    pub(super) fn id(&self, i: u32) -> RequestId {
        self.op(i).id
    }

    pub(super) fn invoked(&self, i: u32) -> EventKey {
        self.index.invoked[i as usize]
    }

    pub(super) fn responded(&self, i: u32) -> EventKey {
        self.index.responded[i as usize]
    }

    /// Whether operation `i` is a `gettokens` that listed this token.
    pub(super) fn listed(&self, i: u32) -> bool {
        self.marks[i as usize] == self.token.0
    }

    pub(super) fn report(&mut self, property: Property, detail: String, at: Instant, ops: &[u32]) {
        let ids: Vec<RequestId> = ops.iter().map(|&i| self.id(i)).collect();
        self.violations.push(Violation::new(property, detail).at(at).involving(ids));
    }
}

/// ", in the same microsecond" when `earlier` and `later` share an instant (ranks order them).
pub(super) fn same_instant(earlier: EventKey, later: EventKey) -> &'static str {
    if earlier.at == later.at {
        " (earlier in the same microsecond)"
    } else {
        ""
    }
}
