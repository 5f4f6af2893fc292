//! The read phase's bookkeeping: the highest value each token has shown so far, and how many
//! answers agreed on it, which decides what a read must write back.

use super::message::TokenSelection;
use super::types::{NodeId, TokenId, TokenValue, Version};

/// The highest value seen so far for each token read, and how many answers agreed on it.
#[derive(Clone, Debug, Hash)]
pub(super) struct ReadState {
    pub(super) selection: TokenSelection,
    best: Vec<Option<TokenValue>>,
    agreeing: Vec<u32>,
    /// Whether two answers gave different versions of some token (a replica lagged).
    disagreed: bool,
}

impl ReadState {
    pub(super) fn new(selection: TokenSelection, token_count: u32) -> ReadState {
        let slots = match selection {
            TokenSelection::All => token_count as usize,
            TokenSelection::One(_) => 1,
            TokenSelection::Nothing => 0,
        };
        ReadState { selection, best: vec![None; slots], agreeing: vec![0; slots], disagreed: false }
    }

    /// The highest value of a one-token read, once any answer came.
    pub(super) fn only(&self) -> Option<TokenValue> {
        self.best.first().copied().flatten()
    }

    fn slot(&self, token: TokenId) -> Option<usize> {
        match self.selection {
            TokenSelection::All => Some(token.0 as usize).filter(|&i| i < self.best.len()),
            TokenSelection::One(wanted) => (token == wanted).then_some(0),
            TokenSelection::Nothing => None,
        }
    }

    /// Fold one server's answer into the highest values seen.
    pub(super) fn absorb(&mut self, values: &[(TokenId, TokenValue)]) {
        for (token, value) in values {
            let Some(slot) = self.slot(*token) else { continue };
            match self.best[slot] {
                Some(best) if best.version > value.version => self.disagreed = true,
                Some(best) if best.version == value.version => self.agreeing[slot] += 1,
                best => {
                    self.disagreed |= best.is_some();
                    self.best[slot] = Some(*value);
                    self.agreeing[slot] = 1;
                }
            }
        }
    }

    /// Whether two answers disagreed on some token's version.
    pub(super) fn disagreed(&self) -> bool {
        self.disagreed
    }

    /// The tokens `owner` holds in the values read, ascending by id.
    pub(super) fn tokens_of(&self, owner: NodeId) -> Vec<(TokenId, Version)> {
        let mut tokens = Vec::new();
        for (slot, value) in self.best.iter().enumerate() {
            if let Some(value) = value.filter(|v| v.owner == owner) {
                tokens.push((self.token_at(slot), value.version));
            }
        }
        tokens
    }

    /// The highest values that fewer than `quorum` answers agreed on: they need a write-back.
    pub(super) fn not_on_quorum(&self, quorum: u32) -> Vec<(TokenId, TokenValue)> {
        let mut values = Vec::new();
        for (slot, value) in self.best.iter().enumerate() {
            if let Some(value) = value.filter(|_| self.agreeing[slot] < quorum) {
                values.push((self.token_at(slot), value));
            }
        }
        values
    }

    fn token_at(&self, slot: usize) -> TokenId {
        match self.selection {
            TokenSelection::All => TokenId(slot as u32),
            TokenSelection::One(token) => token,
            // A read of nothing has no slots to ask about.
            TokenSelection::Nothing => TokenId(slot as u32),
        }
    }
}
