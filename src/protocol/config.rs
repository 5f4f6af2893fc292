//! Configurations: which servers replicate the table, numbered by epoch.

use super::types::{Epoch, NodeId, RequestId};
use serde::{Deserialize, Serialize};

/// The fewest servers a configuration may have: a server may become a client only while
/// more than this many remain.
pub const SERVERS_MIN: u32 = 3;
/// The most servers a configuration may have: a client may become a server only while
/// fewer than this many exist.
pub const SERVERS_MAX: u32 = 7;

/// The set of servers that replicates the token table, and its number.
///
/// Every message carries the sender's epoch, so a node that is behind learns the current
/// configuration from whomever it talks to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Config {
    /// The configuration's number; a later configuration has a larger one.
    pub epoch: Epoch,
    /// The servers, in ascending id order.
    pub servers: Vec<NodeId>,
    /// Every role change applied to reach this configuration, oldest first, so that the
    /// coordinator of a retried change can tell that its own change already took effect.
    pub changes: Vec<RequestId>,
}

impl Config {
    /// A configuration of `servers` (sorted and deduplicated here) at `epoch`.
    pub fn new(epoch: Epoch, mut servers: Vec<NodeId>) -> Config {
        servers.sort_unstable();
        servers.dedup();
        Config { epoch, servers, changes: Vec::new() }
    }

    /// The configuration after this one with `servers`, made by the role change `change`.
    pub fn successor(&self, servers: Vec<NodeId>, change: RequestId) -> Config {
        let mut next = Config::new(Epoch(self.epoch.0 + 1), servers);
        next.changes = self.changes.clone();
        next.changes.push(change);
        next
    }

    /// How many distinct servers make a majority: any two majorities intersect.
    pub fn quorum_size(&self) -> usize {
        self.servers.len() / 2 + 1
    }

    /// Whether `node` is one of this configuration's servers.
    pub fn contains(&self, node: NodeId) -> bool {
        self.servers.binary_search(&node).is_ok()
    }

    /// The position of `node` among the servers, for per-server bookkeeping.
    pub fn index_of(&self, node: NodeId) -> Option<usize> {
        self.servers.binary_search(&node).ok()
    }
}
