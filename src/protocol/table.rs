//! A replica's token table, held in shared chunks.
//!
//! Why chunks: the tables of a world's servers start equal and stay mostly equal, and a
//! role change carries whole tables (each sealed server's, then the merged one in every
//! install). As plain vectors each copy cost the whole table: in a world of 99,300 tokens,
//! seven servers started from seven 3 MB copies, and every seal answer made one more. Here
//! a copy shares every chunk with its original until one of them writes to a chunk, which
//! is then copied alone (copy on write). So a copy costs a pointer a chunk, equal replicas
//! read the same memory, and merging two tables skips the chunks they share.
//!
//! A table hashes, compares and serializes as the plain list of its values would, so
//! fingerprints, digests and traces are the same as before it was chunked.

use super::types::{TokenId, TokenValue};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;

/// How many tokens a chunk holds: a write to a shared chunk copies 1 KB, and a copy of a
/// 100,000-token table is 3,125 pointers. Measured against 128 and 1,024 on the world of
/// 99,300 tokens: installs held for resending keep chunks shared for long, and the
/// smaller the chunk, the less each write after them copies.
const CHUNK_TOKENS: usize = 32;

/// A token table indexed by token id, cheap to copy (see the module's documentation).
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Each chunk behind one pointer (a slice, not a vector): a read is two loads away.
    chunks: Vec<Arc<[TokenValue]>>,
    len: usize,
}

impl Table {
    /// A table of no tokens.
    pub fn new() -> Table {
        Table::default()
    }

    /// How many tokens it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no token.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of token `index`, if the table holds it.
    pub fn get(&self, index: usize) -> Option<&TokenValue> {
        self.chunks.get(index / CHUNK_TOKENS).and_then(|chunk| chunk.get(index % CHUNK_TOKENS))
    }

    /// Make `value` the value of token `index`, a token the table holds (copying its chunk
    /// first if another table shares it). Returns `false`, changing nothing, for a token it
    /// does not hold.
    pub fn set(&mut self, index: usize, value: TokenValue) -> bool {
        let Some(chunk) = self.chunks.get_mut(index / CHUNK_TOKENS) else { return false };
        if Arc::get_mut(chunk).is_none() {
            *chunk = Arc::from(&chunk[..]); // shared: this table's own copy of the chunk
        }
        match Arc::get_mut(chunk).and_then(|chunk| chunk.get_mut(index % CHUNK_TOKENS)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Every value, in token order.
    pub fn iter(&self) -> Values<'_> {
        Values { chunks: self.chunks.iter(), current: [].iter() }
    }

    /// The values as one list.
    pub fn to_vec(&self) -> Vec<TokenValue> {
        let mut values = Vec::with_capacity(self.len);
        for chunk in &self.chunks {
            values.extend_from_slice(chunk);
        }
        values
    }

    /// The tokens whose value in `other` has a higher version than here, with that value,
    /// in token order; chunks the two tables share are skipped unread. Tokens beyond this
    /// table's length are ignored.
    pub fn newer_in<'a>(&'a self, other: &'a Table) -> impl Iterator<Item = (TokenId, TokenValue)> + 'a {
        self.chunks
            .iter()
            .zip(&other.chunks)
            .enumerate()
            .filter(|(_, (mine, theirs))| !Arc::ptr_eq(mine, theirs))
            .flat_map(|(chunk, (mine, theirs))| {
                mine.iter()
                    .zip(theirs.iter())
                    .enumerate()
                    .filter(|(_, (mine, theirs))| theirs.version > mine.version)
                    .map(move |(offset, (_, theirs))| (TokenId((chunk * CHUNK_TOKENS + offset) as u32), *theirs))
            })
    }

    /// Fold `other` in, keeping the higher version of each token; an empty table takes
    /// `other` whole (sharing its chunks).
    pub fn merge(&mut self, other: &Table) {
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        let newer: Vec<(TokenId, TokenValue)> = self.newer_in(other).collect();
        for (token, value) in newer {
            self.set(token.0 as usize, value);
        }
    }
}

impl From<Vec<TokenValue>> for Table {
    fn from(values: Vec<TokenValue>) -> Table {
        let len = values.len();
        if len <= CHUNK_TOKENS {
            let chunks = if values.is_empty() { Vec::new() } else { vec![Arc::from(values)] };
            return Table { chunks, len };
        }
        Table { chunks: values.chunks(CHUNK_TOKENS).map(Arc::from).collect(), len }
    }
}

impl FromIterator<TokenValue> for Table {
    fn from_iter<I: IntoIterator<Item = TokenValue>>(values: I) -> Table {
        Table::from(values.into_iter().collect::<Vec<TokenValue>>())
    }
}

impl<'a> IntoIterator for &'a Table {
    type Item = &'a TokenValue;
    type IntoIter = Values<'a>;

    fn into_iter(self) -> Values<'a> {
        self.iter()
    }
}

/// A table's values in token order (see [`Table::iter`]).
#[derive(Clone, Debug)]
pub struct Values<'a> {
    chunks: std::slice::Iter<'a, Arc<[TokenValue]>>,
    current: std::slice::Iter<'a, TokenValue>,
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a TokenValue;

    fn next(&mut self) -> Option<&'a TokenValue> {
        loop {
            if let Some(value) = self.current.next() {
                return Some(value);
            }
            self.current = self.chunks.next()?.iter();
        }
    }
}

impl std::ops::Index<usize> for Table {
    type Output = TokenValue;

    fn index(&self, index: usize) -> &TokenValue {
        match self.get(index) {
            Some(value) => value,
            None => panic!("token {index} is beyond a table of {} tokens", self.len),
        }
    }
}

/// Equal when the values are, whatever the chunks are shared with.
impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.len == other.len
            && self.chunks.iter().zip(&other.chunks).all(|(mine, theirs)| Arc::ptr_eq(mine, theirs) || mine == theirs)
    }
}

impl Eq for Table {}

impl PartialEq<[TokenValue]> for Table {
    fn eq(&self, other: &[TokenValue]) -> bool {
        self.len == other.len() && self.iter().eq(other.iter())
    }
}

impl<const N: usize> PartialEq<[TokenValue; N]> for Table {
    fn eq(&self, other: &[TokenValue; N]) -> bool {
        *self == other[..]
    }
}

/// Hashed as the slice of its values is (its length, then each value), so that a table
/// fingerprints and digests exactly as the list it replaced.
impl std::hash::Hash for Table {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len);
        for chunk in &self.chunks {
            TokenValue::hash_slice(chunk, state);
        }
    }
}

impl Serialize for Table {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Table, D::Error> {
        Vec::<TokenValue>::deserialize(deserializer).map(Table::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{NodeId, Version};

    fn value(version: u64, owner: u32) -> TokenValue {
        TokenValue { version: Version(version), ..TokenValue::initial(NodeId(owner)) }
    }

    #[test]
    fn a_copy_shares_chunks_until_written_and_hashes_as_its_values() {
        use std::hash::{Hash, Hasher};
        let values: Vec<TokenValue> = (0..2500).map(|token| value(1, token % 7)).collect();
        let original = Table::from(values.clone());
        let mut copy = original.clone();
        assert!(copy.set(2049, value(2, 3)));
        assert!(!copy.set(2500, value(2, 3)), "beyond the table");
        let written = 2049 / CHUNK_TOKENS;
        assert!(Arc::ptr_eq(&original.chunks[0], &copy.chunks[0]));
        assert!(!Arc::ptr_eq(&original.chunks[written], &copy.chunks[written]), "only the chunk written is copied");
        assert_eq!((original[2049].version, copy[2049].version), (Version(1), Version(2)));
        assert_eq!(original.newer_in(&copy).collect::<Vec<_>>(), vec![(TokenId(2049), value(2, 3))]);
        let mut merged = original.clone();
        merged.merge(&copy);
        assert_eq!(merged, copy);
        assert_eq!(copy.to_vec().len(), 2500);
        let hash = |write: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            write(&mut hasher);
            hasher.finish()
        };
        assert_eq!(hash(&|h| original.hash(h)), hash(&|h| values.hash(h)), "hashed as the plain list");
        assert_eq!(serde_json::to_string(&original).unwrap(), serde_json::to_string(&values).unwrap());
    }
}
