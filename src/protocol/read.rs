//! The read phase's bookkeeping: the highest value each token has shown so far, how many
//! answers agreed on it and how many answers named the token at all, which decide what a
//! read must write back, and, for the first round of a `gettokens`, which tokens it must
//! confirm in a second round.

use super::message::TokenSelection;
use super::types::{NodeId, TokenId, TokenValue, Version};
use std::sync::Arc;

/// One token a read has seen.
#[derive(Clone, Copy, Debug, Hash)]
struct Slot {
    token: TokenId,
    /// The highest value any answer gave.
    best: TokenValue,
    /// How many answers gave `best`'s version.
    agreeing: u32,
    /// How many answers named the token at all.
    named: u32,
}

impl Slot {
    /// Fold one answer's value of the token in; whether it disagreed with the highest so far.
    fn fold(&mut self, value: TokenValue) -> bool {
        self.named += 1;
        if self.best.version > value.version {
            return true;
        }
        if self.best.version == value.version {
            self.agreeing += 1;
            return false;
        }
        self.best = value;
        self.agreeing = 1;
        true
    }
}

/// Whether a read of `selection` wants `token`.
fn wanted(selection: &TokenSelection, token: TokenId) -> bool {
    match selection {
        TokenSelection::All | TokenSelection::Owner(_) => true,
        TokenSelection::One(wanted) => token == *wanted,
        TokenSelection::Tokens(wanted) => wanted.binary_search(&token).is_ok(),
        TokenSelection::Nothing => false,
    }
}

/// The highest value seen so far for each token read, ascending by token id, and how many
/// answers agreed on it. Sparse: a `gettokens` round holds only the tokens its answers named.
#[derive(Clone, Debug, Hash)]
pub(super) struct ReadState {
    pub(super) selection: TokenSelection,
    slots: Vec<Slot>,
    /// How many answers with values were absorbed.
    answers: u32,
    /// Whether two answers gave different versions of some token (a replica lagged).
    disagreed: bool,
    /// For the confirming round of a `gettokens`: what its first round decided.
    first_round: Option<Arc<FirstRound>>,
}

/// What the first round of a `gettokens(owner)` decided on its own (see [`ReadState::decide`]).
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq)]
pub(super) struct FirstRound {
    /// The tokens `owner` holds, among those the round could decide.
    pub(super) listed: Vec<(TokenId, Version)>,
    /// The values to write back before answering.
    pub(super) write_back: Vec<(TokenId, TokenValue)>,
    /// Tokens some answer said `owner` holds but another answer did not name: their value
    /// on that server is unknown, so a second round reads them from a majority.
    pub(super) unsure: Vec<TokenId>,
}

impl ReadState {
    pub(super) fn new(selection: TokenSelection) -> ReadState {
        ReadState { selection, slots: Vec::new(), answers: 0, disagreed: false, first_round: None }
    }

    /// The confirming round of a `gettokens` whose first round decided `first`.
    pub(super) fn confirming(first: FirstRound) -> ReadState {
        let unsure: Arc<[TokenId]> = first.unsure.as_slice().into();
        ReadState { first_round: Some(Arc::new(first)), ..ReadState::new(TokenSelection::Tokens(unsure)) }
    }

    /// The same round, asked again from scratch (in a new configuration): what a first
    /// round decided is kept.
    pub(super) fn restarted(&self) -> ReadState {
        ReadState { first_round: self.first_round.clone(), ..ReadState::new(self.selection.clone()) }
    }

    /// What the first round decided, when this is a confirming round.
    pub(super) fn first_round(&self) -> Option<&FirstRound> {
        self.first_round.as_deref()
    }

    /// The highest value of a one-token read, once any answer came.
    pub(super) fn only(&self) -> Option<TokenValue> {
        self.slots.first().map(|slot| slot.best)
    }

    /// Whether a one-token read's highest value was given by fewer than `quorum` answers.
    pub(super) fn only_needs_write_back(&self, quorum: u32) -> bool {
        self.slots.first().is_some_and(|slot| slot.agreeing < quorum)
    }

    /// Fold one server's answer into the highest values seen.
    ///
    /// Answers list their tokens ascending, as the slots are kept: the first answer becomes
    /// the slots as it is, and a later one is walked beside them, so that an answer of `k`
    /// tokens costs `O(k)` (a `gettokens` answer of a large world carries hundreds). A token
    /// the slots do not have yet, or an answer out of order, takes the slow way from there.
    pub(super) fn absorb(&mut self, values: &[(TokenId, TokenValue)]) {
        self.answers += 1;
        if self.slots.is_empty() && values.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            let selection = &self.selection;
            let fresh = |&(token, value): &(TokenId, TokenValue)| Slot { token, best: value, agreeing: 1, named: 1 };
            // The filter hides the length from `extend`, which would grow the slots by doubling.
            self.slots.reserve_exact(values.len());
            self.slots.extend(values.iter().filter(|(token, _)| wanted(selection, *token)).map(fresh));
            return;
        }
        let mut at = 0;
        for (index, &(token, value)) in values.iter().enumerate() {
            if !wanted(&self.selection, token) {
                continue;
            }
            while at < self.slots.len() && self.slots[at].token < token {
                at += 1;
            }
            match self.slots.get(at) {
                Some(slot) if slot.token == token => {
                    self.disagreed |= self.slots[at].fold(value);
                    at += 1;
                }
                _ => return self.absorb_each(&values[index..]),
            }
        }
    }

    /// [`ReadState::absorb`] one value at a time, finding each token's slot by search.
    fn absorb_each(&mut self, values: &[(TokenId, TokenValue)]) {
        for &(token, value) in values {
            if !wanted(&self.selection, token) {
                continue;
            }
            let at = match self.slots.binary_search_by_key(&token, |slot| slot.token) {
                Ok(at) => at,
                Err(at) => {
                    self.slots.insert(at, Slot { token, best: value, agreeing: 0, named: 0 });
                    at
                }
            };
            self.disagreed |= self.slots[at].fold(value);
        }
    }

    /// Whether two answers disagreed on some token's version, or named different tokens.
    pub(super) fn disagreed(&self) -> bool {
        self.disagreed || self.slots.iter().any(|slot| slot.named < self.answers)
    }

    /// The tokens `owner` holds in the values read, ascending by id.
    pub(super) fn tokens_of(&self, owner: NodeId) -> Vec<(TokenId, Version)> {
        let held = self.slots.iter().filter(|slot| slot.best.owner == owner);
        held.map(|slot| (slot.token, slot.best.version)).collect()
    }

    /// The highest values that fewer than `quorum` answers agreed on: they need a write-back.
    pub(super) fn not_on_quorum(&self, quorum: u32) -> Vec<(TokenId, TokenValue)> {
        let lagging = self.slots.iter().filter(|slot| slot.agreeing < quorum);
        lagging.map(|slot| (slot.token, slot.best)).collect()
    }

    /// What the first round of `gettokens(owner)` (a read of [`TokenSelection::Owner`]) can
    /// decide, given that every answer named every token related to `owner` on its server.
    ///
    /// - A token every answer named is read as in a read of the whole table: listed if its
    ///   highest value is `owner`'s, written back if fewer than `quorum` answers had it.
    /// - A token some answers named, whose highest value is not `owner`'s: not listed, and
    ///   written back if fewer than `quorum` answers had it. A server that did not name it
    ///   holds a value neither owned nor paid away by `owner`; if that value is higher, the
    ///   version before it is not `owner`'s and was on a majority before it was written
    ///   (a pay writes back what it read first), so "not `owner`'s" is linearizable.
    /// - A token some answers named, whose highest value is `owner`'s, but another answer did
    ///   not name: that server's value is unknown and may be higher, so it is `unsure`.
    ///
    /// A token no answer named is not `owner`'s, for the reason of the second case.
    pub(super) fn decide(&self, owner: NodeId, quorum: u32) -> FirstRound {
        let mut first = FirstRound::default();
        for slot in &self.slots {
            let everyone_named = slot.named >= self.answers;
            if !everyone_named && slot.best.owner == owner {
                first.unsure.push(slot.token);
                continue;
            }
            if slot.best.owner == owner {
                first.listed.push((slot.token, slot.best.version));
            }
            if slot.agreeing < quorum {
                first.write_back.push((slot.token, slot.best));
            }
        }
        first
    }
}
