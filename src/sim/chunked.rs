//! A growable list that never reallocates what it holds: its items sit in chunks of at
//! most [`CHUNK`], so a long list wastes at most one chunk's room, not half its size (and
//! never holds two copies while it grows), where a `Vec` doubles.

/// The most items a chunk holds.
pub const CHUNK: usize = 8192;

/// A list of items in chunks; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
}

impl<T> Chunked<T> {
    /// An empty list.
    pub fn new() -> Chunked<T> {
        Chunked { chunks: Vec::new() }
    }

    /// Add `item` at the end.
    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            // The first chunk grows as a `Vec` does, so that short lists stay small.
            Some(last) if last.len() < CHUNK => last.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(if self.chunks.is_empty() { 1 } else { CHUNK });
                chunk.push(item);
                self.chunks.push(chunk);
            }
        }
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.chunks.len().saturating_sub(1) * CHUNK + self.chunks.last().map_or(0, Vec::len)
    }

    /// Whether it holds no item.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The item at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The item at `index`, to change, if there is one.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.chunks.get_mut(index / CHUNK)?.get_mut(index % CHUNK)
    }

    /// Every item, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_places_across_chunks() {
        let mut list = Chunked::new();
        assert!(list.is_empty());
        for i in 0..(CHUNK * 2 + 5) {
            list.push(i);
        }
        assert_eq!(list.len(), CHUNK * 2 + 5);
        assert_eq!(list.get(CHUNK), Some(&CHUNK));
        assert_eq!(list.get(CHUNK * 2 + 4), Some(&(CHUNK * 2 + 4)));
        assert_eq!(list.get(CHUNK * 2 + 5), None);
        assert!(list.iter().copied().eq(0..CHUNK * 2 + 5));
    }
}
