//! Configurations: which servers replicate the table, numbered by epoch.

use super::types::{Epoch, NodeId};
use serde::{Deserialize, Serialize};

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
}

impl Config {
    /// A configuration of `servers` (sorted and deduplicated here) at `epoch`.
    pub fn new(epoch: Epoch, mut servers: Vec<NodeId>) -> Config {
        servers.sort_unstable();
        servers.dedup();
        Config { epoch, servers }
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
