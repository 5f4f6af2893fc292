//! Configurations: which servers replicate the table, numbered by epoch.

use super::types::{Epoch, NodeId, RequestId};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// What made each epoch after the first, oldest first (`changes[e - 1]` made epoch `e`),
    /// so that the coordinator of a retried change can tell that its own change already
    /// took effect, and a checker can tell what each epoch was meant to be.
    pub changes: Vec<Change>,
}

/// What made one epoch from the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The role change asked for by this request (a `become_server` or `become_client`).
    Role(RequestId),
    /// Nothing: the same servers, one epoch later. A client that took over from a
    /// coordinator that stopped, and found no change accepted, decides this to unseal the
    /// servers (see `reconfig.rs`).
    Unchanged,
}

impl Config {
    /// A configuration of `servers` (sorted and deduplicated here) at `epoch`.
    pub fn new(epoch: Epoch, mut servers: Vec<NodeId>) -> Config {
        servers.sort_unstable();
        servers.dedup();
        Config { epoch, servers, changes: Vec::new() }
    }

    /// The configuration after this one with `servers`, made by `change`.
    pub fn successor(&self, servers: Vec<NodeId>, change: Change) -> Config {
        let mut next = Config::new(Epoch(self.epoch.0 + 1), servers);
        next.changes = self.changes.clone();
        next.changes.push(change);
        next
    }

    /// Whether the role change `request` is one of the changes that made this configuration.
    pub fn made_by(&self, request: RequestId) -> bool {
        self.changes.contains(&Change::Role(request))
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

impl Change {
    /// The request that made the change, if it was a role change.
    pub fn request(&self) -> Option<RequestId> {
        match self {
            Change::Role(request) => Some(*request),
            Change::Unchanged => None,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Role(request) => write!(f, "change {request}"),
            Change::Unchanged => f.write_str("no change"),
        }
    }
}
