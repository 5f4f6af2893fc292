//! Replica invariants, checked after every event through [`Observer`].
//!
//! - [`Property::ReplicaOneValuePerVersion`]: no two servers ever hold different values at
//!   the same version of a token (compared with the first value any server held there).
//! - [`Property::ReplicaVersionMonotonic`]: a server's version of a token never decreases.
//!
//! Only the tokens the delivered write carried can have changed, so only they are looked
//! at: the cost per event is the size of its message. A restart after a crash is looked at
//! whole: a replica's table is durable, so a restart must leave every version where it was.

use super::violation::{Property, Violation};
use crate::protocol::{Instant, Node, NodeId, Server, TokenId, TokenValue, Version};
use crate::sim::{Chunked, Observer, Packed};

/// At most this many replica violations are kept per run.
pub const REPLICA_VIOLATIONS_MAX: usize = 20;

/// Watches every server's table; see the module docs.
#[derive(Clone, Debug)]
pub struct ReplicaChecker {
    seed: Option<u64>,
    /// Per token, the first value any server held at each version (index = version - 1).
    /// Per token, the first value any server held at each version (index = version - 1),
    /// 16 bytes each: a long run holds one per version.
    values: Vec<Chunked<Packed>>,
    /// Per node id, per token, the version the server last held.
    versions: Vec<Vec<Version>>,
    violations: Vec<Violation>,
    writes_seen: u64,
}

impl ReplicaChecker {
    /// A checker for a world whose tokens start at version 1 with `initial_owners`.
    pub fn new(initial_owners: &[NodeId], seed: Option<u64>) -> ReplicaChecker {
        let list = |&owner: &NodeId| {
            let mut list = Chunked::new();
            list.push(Packed::new(TokenValue::initial(owner)));
            list
        };
        let values = initial_owners.iter().map(list).collect();
        ReplicaChecker { seed, values, versions: Vec::new(), violations: Vec::new(), writes_seen: 0 }
    }

    /// Fold the values each version was first held with into `state` (a search's digest).
    pub fn hash_state(&self, state: &mut impl std::hash::Hasher) {
        // Hashed as the values themselves, as before they were packed: the words a
        // `Vec<Vec<Option<TokenValue>>>` of them would hash (each list's length, then its
        // items), without building one, since a search hashes this at every step.
        state.write_usize(self.values.len());
        for list in &self.values {
            state.write_usize(list.len());
            for (index, packed) in list.iter().enumerate() {
                std::hash::Hash::hash(&packed.get(index as u64 + 1), state);
            }
        }
    }

    /// What was found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// How many (server, token) writes were checked: shows the checker ran at all.
    pub fn writes_seen(&self) -> u64 {
        self.writes_seen
    }

    /// Check `server`'s value of `token` after an event at `now`.
    pub fn check(&mut self, now: Instant, server: &Server, token: TokenId) {
        let Some(&value) = server.value(token) else { return };
        self.writes_seen += 1;
        self.check_monotonic(now, server.id(), token, value.version);
        self.check_one_value(now, server.id(), token, value);
    }

    fn report(&mut self, violation: Violation) {
        if self.violations.len() < REPLICA_VIOLATIONS_MAX {
            let violation = match self.seed {
                Some(seed) => violation.with_seed(seed),
                None => violation,
            };
            self.violations.push(violation);
        }
    }

    fn check_monotonic(&mut self, now: Instant, server: NodeId, token: TokenId, version: Version) {
        let (slot, tokens) = (server.0 as usize, self.values.len());
        if self.versions.len() <= slot {
            self.versions.resize(slot + 1, Vec::new());
        }
        if self.versions[slot].is_empty() {
            self.versions[slot] = vec![Version(1); tokens];
        }
        let Some(last) = self.versions[slot].get_mut(token.0 as usize) else { return };
        let before = *last;
        *last = version;
        if version < before {
            let detail = format!("{server} went back from {token}@{before} to {token}@{version}");
            self.report(Violation::new(Property::ReplicaVersionMonotonic, detail).at(now));
        }
    }

    fn check_one_value(&mut self, now: Instant, server: NodeId, token: TokenId, value: TokenValue) {
        let Some(versions) = self.values.get_mut(token.0 as usize) else { return };
        let index = value.version.0.saturating_sub(1) as usize;
        while versions.len() <= index {
            versions.push(Packed::NONE);
        }
        let Some(slot) = versions.get_mut(index) else { return };
        match slot.get(index as u64 + 1) {
            None => *slot = Packed::new(value),
            Some(first) if first == value => {}
            Some(first) => {
                let detail = format!(
                    "{server} holds {token}@{} owned by {} (written by {}), but another server held it owned by {} (written by {})",
                    value.version,
                    value.owner,
                    writer_name(value),
                    first.owner,
                    writer_name(first)
                );
                let writers = [first.writer, value.writer].into_iter().flatten();
                self.report(Violation::new(Property::ReplicaOneValuePerVersion, detail).at(now).involving(writers));
            }
        }
    }
}

fn writer_name(value: TokenValue) -> String {
    value.writer.map_or_else(|| "nobody: initial".to_string(), |id| id.to_string())
}

impl Observer for ReplicaChecker {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        for (token, _) in values {
            self.check(now, server, *token);
        }
    }

    /// A restarted replica must hold what it held before it crashed (its table is durable):
    /// every token is checked, since a restart may change any of them.
    fn after_restart(&mut self, now: Instant, node: &Node) {
        let Some(server) = node.replica() else { return };
        for token in 0..server.table().len() {
            self.check(now, server, TokenId(token as u32));
        }
    }
}
