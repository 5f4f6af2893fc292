//! Large histories that are linearizable by construction, for benchmarks and tests.
//!
//! A sequential token table is driven by a seeded generator; each operation gets a
//! linearization point on a grid and an interval around it that overlaps its neighbours,
//! so the checker has real concurrency to untangle. A few pays are left unanswered, some
//! after taking effect (a later read sees their version) and some before; their client
//! carries on (as one that lost a request would).
//!
//! Each client works on one request at a time: an interval never reaches past the midpoint
//! to the client's next linearization point. Events are ranked by time, ties broken by
//! operation, so the ranks are a true order of events (any tie-break is: a response and an
//! invocation at one instant belong to operations whose points are on either side of it).

use super::history::{OpHistory, Operation};
use crate::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId, TokenId, Version};
use std::collections::BTreeSet;

/// The shape of a synthetic history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticOptions {
    /// How many operations.
    pub operations: usize,
    /// How many clients (node ids from 1).
    pub clients: u32,
    /// Tokens per client.
    pub tokens_per_client: u32,
    /// Drives every choice.
    pub seed: u64,
}

/// SplitMix64: small, seedable, and the same on every platform.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

/// A linearizable history of `options.operations` operations.
pub fn synthetic_history(options: SyntheticOptions) -> OpHistory {
    let clients = options.clients.max(2);
    let token_count = clients * options.tokens_per_client.max(1);
    let initial_owners: Vec<NodeId> = (0..token_count).map(|i| NodeId(i % clients + 1)).collect();
    let mut table: Vec<(NodeId, u64)> = initial_owners.iter().map(|&owner| (owner, 1)).collect();
    let mut held: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); clients as usize + 1];
    for (token, owner) in initial_owners.iter().enumerate() {
        held[owner.0 as usize].insert(token as u32);
    }
    let mut rng = Mix(options.seed);
    let mut sequence = vec![0u64; clients as usize + 1];
    let mut operations = Vec::with_capacity(options.operations);
    // Where each client's last operation is on the grid, to keep a client's intervals apart.
    let mut last_point: Vec<Option<(usize, u64)>> = vec![None; clients as usize + 1];
    for step in 0..options.operations as u64 {
        let client = NodeId(rng.below(u64::from(clients)) as u32 + 1);
        sequence[client.0 as usize] += 1;
        let id = RequestId { client, sequence: sequence[client.0 as usize] };
        let point = 100 + step * 10;
        let mut invoked_at = Instant(point - rng.below(25));
        if let Some((previous, previous_point)) = last_point[client.0 as usize] {
            let midpoint = (previous_point + point) / 2;
            invoked_at = invoked_at.max(Instant(midpoint + 1));
            let before: &mut Operation = &mut operations[previous];
            before.responded_at = before.responded_at.map(|at| at.min(Instant(midpoint)));
        }
        last_point[client.0 as usize] = Some((operations.len(), point));
        let responded_at = Instant(point + rng.below(25));
        let (request, outcome) = if rng.below(2) == 0 {
            let owner = NodeId(rng.below(u64::from(clients)) as u32 + 1);
            let tokens = held[owner.0 as usize].iter().map(|&t| (TokenId(t), Version(table[t as usize].1))).collect();
            (Request::GetTokens { owner }, Outcome::Tokens { owner, tokens })
        } else {
            let token = rng.below(u64::from(token_count)) as u32;
            let to = NodeId((client.0 + rng.below(u64::from(clients) - 1) as u32) % clients + 1);
            let request = Request::Pay { token: TokenId(token), to };
            let (owner, version) = table[token as usize];
            if owner != client {
                let refusal = Refusal::NotOwner { token: TokenId(token), owner, version: Version(version) };
                (request, Outcome::Refused(refusal))
            } else {
                table[token as usize] = (to, version + 1);
                held[owner.0 as usize].remove(&token);
                held[to.0 as usize].insert(token);
                (request, Outcome::Paid { token: TokenId(token), version: Version(version + 1) })
            }
        };
        let unanswered = rng.below(200) == 0;
        operations.push(match unanswered {
            true => Operation::pending(id, request, invoked_at),
            false => Operation::answered(id, request, invoked_at, responded_at, outcome),
        });
    }
    rank_events(&mut operations);
    OpHistory { initial_owners, operations }
}

/// Rank every invocation and response by time, ties broken by operation, from 1.
fn rank_events(operations: &mut [Operation]) {
    let mut events: Vec<(Instant, usize, bool)> = Vec::with_capacity(operations.len() * 2);
    for (index, op) in operations.iter().enumerate() {
        events.push((op.invoked_at, index, false));
        events.extend(op.responded_at.map(|at| (at, index, true)));
    }
    events.sort_unstable();
    for (rank, &(_, index, is_response)) in events.iter().enumerate() {
        let op = &mut operations[index];
        match is_response {
            true => op.responded_rank = rank as u64 + 1,
            false => op.invoked_rank = rank as u64 + 1,
        }
    }
}
