//! Unlisted reads: a `gettokens(o)` that does not list the token read a version `o` did
//! not hold. Given a complete chain, place every such read or find one that fits nowhere.
//!
//! A read `u` at version slot `k` is consistent with the chain iff every operation placed
//! before slot `k`'s reads was invoked no later than `u` responded (`before[k] <= resp`)
//! and every operation placed after them responded no earlier than `u` was invoked
//! (`after[k] >= inv`). Both bounds grow with `k`, so the slots real time allows are a
//! range `lo..=hi`, and `lo <= hi` whenever the chain itself is consistent (an operation
//! forcing `k > hi` and one forcing `k < lo` would be out of order themselves). A read
//! preceding another must not sit at a later slot.
//!
//! The greedy takes reads by invocation and puts each at the first slot not held by its
//! owner at or after `max(lo, slots of the reads preceding it)`. By induction every read
//! gets the least slot any placement can give it, so it fails only if no placement exists.
//! Most reads need no look: when the greedy's start is `lo` and the owner did not hold
//! slot `lo`, the read goes to `lo`, which is `<= lo` of every read it precedes (`lo` grows
//! with the invocation), so it constrains nobody. Only two kinds are examined:
//! - reads of the owner of the slot `lo` falls in, found by owner and time window;
//! - reads invoked after a read that went past its start responded, while the slot it went
//!   to is still past their `lo`: its *wake*, a time window over all listings.

use super::token::{Slot, SlotWriter, TokenCheck};
use super::Listing;
use crate::check::history::EventKey;
use crate::check::violation::{Property, Violation};
use crate::protocol::{NodeId, Request};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A complete chain, laid out for placing reads.
struct Layout {
    owners: Vec<NodeId>,
    versions: Vec<u64>,
    /// The writer of each slot, if an operation.
    writers: Vec<Option<u32>>,
    /// Per slot, the latest invocation among the operations placed before its reads.
    before: Vec<EventKey>,
    /// Per slot, the same with its reads: what bounds the slots after it, but for their writers.
    through: Vec<EventKey>,
    /// Per slot, the earliest response among the operations placed after its reads.
    after: Vec<EventKey>,
    /// Whose response each of `after` is, and at which version it sits.
    after_by: Vec<Option<(u32, u64)>>,
    /// Per slot, the first later slot with another owner (the slot count if none).
    next_other: Vec<usize>,
}

impl Layout {
    fn new(check: &TokenCheck, chain: &[Slot]) -> Layout {
        let writer_op = |slot: &Slot| match slot.writer {
            SlotWriter::Initial => None,
            SlotWriter::Answered(op) | SlotWriter::Pending { op, .. } => Some(op),
        };
        let writer_responded = |slot: &Slot| match slot.writer {
            SlotWriter::Answered(op) => check.responded(op),
            SlotWriter::Initial | SlotWriter::Pending { .. } => EventKey::NEVER,
        };
        let writers: Vec<Option<u32>> = chain.iter().map(writer_op).collect();
        let (mut before, mut through) = (Vec::with_capacity(chain.len()), Vec::with_capacity(chain.len()));
        let mut latest = EventKey::default();
        for (slot, writer) in chain.iter().zip(&writers) {
            latest = latest.max(writer.map_or(EventKey::default(), |op| check.invoked(op)));
            before.push(latest);
            latest = latest.max(slot.bounds.invoked);
            through.push(latest);
        }
        let mut after = vec![EventKey::NEVER; chain.len()];
        let mut after_by = vec![None; chain.len()];
        let mut earliest: (EventKey, Option<(u32, u64)>) = (EventKey::NEVER, None);
        for (k, (slot, writer)) in chain.iter().zip(&writers).enumerate().rev() {
            (after[k], after_by[k]) = earliest;
            if slot.bounds.responded < earliest.0 {
                earliest = (slot.bounds.responded, slot.bounds.responder.map(|op| (op, slot.version)));
            }
            if writer_responded(slot) < earliest.0 {
                earliest = (writer_responded(slot), writer.map(|op| (op, slot.version)));
            }
        }
        let owners: Vec<NodeId> = chain.iter().map(|slot| slot.owner).collect();
        let mut next_other = vec![chain.len(); chain.len()];
        for k in (0..chain.len().saturating_sub(1)).rev() {
            next_other[k] = if owners[k + 1] != owners[k] { k + 1 } else { next_other[k + 1] };
        }
        let versions = chain.iter().map(|slot| slot.version).collect();
        Layout { owners, versions, writers, before, through, after, after_by, next_other }
    }

    /// Unlisted reads whose earliest slot `lo` is one their owner held, by invocation.
    fn held_at_lo(&self, check: &TokenCheck) -> Vec<Listing> {
        let mut found = Vec::new();
        for (k, owner) in self.owners.iter().enumerate() {
            let Some(listings) = check.index.listings_of.get(owner) else { continue };
            let upper = self.after[k];
            let start = match k.checked_sub(1).map(|previous| self.after[previous]) {
                Some(lower) if lower == upper => continue,
                Some(lower) => listings.partition_point(|&(at, _)| at <= lower),
                None => 0,
            };
            let end = start + listings[start..].partition_point(|&(at, _)| at <= upper);
            found.extend(listings[start..end].iter().filter(|&&(_, op)| !check.listed(op)));
        }
        found
    }
}

/// An unlisted read that no version fits.
pub(super) struct Stuck {
    read: u32,
    owner: NodeId,
    /// The versions it could have read, by real time and the reads before it.
    first: u64,
    last: u64,
    /// No version is left past the reads before it (`first > last` in slots).
    none_left: bool,
    /// The last version is the chain's last.
    to_the_end: bool,
    /// The last slot that matters: any chain with the same slots up to this one (their
    /// owners and writers) leaves this read stuck the same way.
    reach: usize,
    /// The unlisted read before it that pushed its earliest version up, if any.
    pushed_by: Option<u32>,
    /// Otherwise the operation, and its version, that ended before it started and so
    /// bounds its earliest version, if any.
    bounded_by: Option<(u32, u64)>,
    /// Whoever gave `owner` the token at `first`, if `owner` held it there.
    holder: Option<u32>,
}

/// Place every unlisted read of the token on `chain`, or say which fits nowhere.
pub(super) fn place(check: &TokenCheck, chain: &[Slot]) -> Result<(), Stuck> {
    let layout = Layout::new(check, chain);
    let held = layout.held_at_lo(check);
    let greedy = Greedy {
        check,
        layout: &layout,
        held,
        next_held: 0,
        cursor: 0,
        wakes: BinaryHeap::new(),
        wake_end: None,
        pushes: BinaryHeap::new(),
        floor: (0, None),
    };
    greedy.run()
}

/// The greedy placement, over the reads that need a look.
struct Greedy<'l, 'a> {
    check: &'l TokenCheck<'a>,
    layout: &'l Layout,
    held: Vec<Listing>,
    next_held: usize,
    /// The next listing (of all, by invocation) not yet looked at or skipped.
    cursor: usize,
    /// Wakes `(start, end]` not reached yet, by start.
    wakes: BinaryHeap<Reverse<(EventKey, EventKey)>>,
    /// The latest end among the wakes reached.
    wake_end: Option<EventKey>,
    /// Slots given to reads that went past their start, by the reads' responses.
    pushes: BinaryHeap<Reverse<(EventKey, usize, u32)>>,
    /// The largest slot of the reads that responded before the current one, and whose.
    floor: (usize, Option<u32>),
}

impl Greedy<'_, '_> {
    fn run(mut self) -> Result<(), Stuck> {
        loop {
            let held = self.held.get(self.next_held).copied();
            let candidate = match (self.next_in_wake(held.map(|(at, _)| at)), held) {
                (Some(woken), Some(held)) if held <= woken => {
                    self.next_held += 1;
                    self.cursor += usize::from(held == woken);
                    held
                }
                (Some(woken), _) => {
                    self.cursor += 1;
                    woken
                }
                (None, Some(held)) => {
                    self.next_held += 1;
                    held
                }
                (None, None) => return Ok(()),
            };
            if !self.check.listed(candidate.1) {
                self.place(candidate.1)?;
            }
        }
    }

    /// The next listing, invoked no later than `limit`, inside a wake; the cursor stays on it.
    /// Listings skipped are in no wake, and never will be: wakes to come start no earlier
    /// than the next read to place.
    fn next_in_wake(&mut self, limit: Option<EventKey>) -> Option<Listing> {
        let listings = &self.check.index.listings;
        loop {
            let &(at, op) = listings.get(self.cursor)?;
            if limit.is_some_and(|limit| at > limit) {
                return None;
            }
            while let Some(&Reverse((_, end))) = self.wakes.peek().filter(|wake| wake.0 .0 < at) {
                self.wake_end = self.wake_end.max(Some(end));
                self.wakes.pop();
            }
            if self.wake_end.is_some_and(|end| at <= end) {
                return Some((at, op));
            }
            let skip_to = match (self.wakes.peek().map(|wake| wake.0 .0), limit) {
                (Some(start), Some(limit)) => start.min(limit),
                (Some(bound), None) | (None, Some(bound)) => bound,
                (None, None) => return None,
            };
            self.cursor = listings.partition_point(|&(at, _)| at <= skip_to);
        }
    }

    /// Give unlisted read `read` the first slot its owner did not hold, at or after both
    /// its `lo` and the slots of the reads that precede it.
    fn place(&mut self, read: u32) -> Result<(), Stuck> {
        let Request::GetTokens { owner } = self.check.op(read).request else { return Ok(()) };
        let (invoked, responded) = (self.check.invoked(read), self.check.responded(read));
        let layout = self.layout;
        let slots = layout.owners.len();
        let lo = layout.after.partition_point(|&after| after < invoked);
        let hi = layout.before.partition_point(|&before| before <= responded).saturating_sub(1);
        while let Some(&Reverse((_, slot, by))) = self.pushes.peek().filter(|push| push.0 .0 < invoked) {
            if slot > self.floor.0 {
                self.floor = (slot, Some(by));
            }
            self.pushes.pop();
        }
        let start = lo.max(self.floor.0);
        let slot = match layout.owners.get(start) {
            Some(&holder) if holder != owner => start,
            Some(_) => layout.next_other[start],
            None => slots,
        };
        if slot >= slots || slot > hi {
            return Err(self.stuck(read, (owner, responded), lo, start, hi));
        }
        if slot > start {
            self.pushes.push(Reverse((responded, slot, read)));
            let end = layout.after[slot - 1];
            if end > responded {
                self.wakes.push(Reverse((responded, end)));
            }
        }
        Ok(())
    }

    /// Why `read` fits nowhere. Its placement depends only on the slots up to `hi` and on
    /// the writer of the one after (its invocation bounds `hi`) unless the reads of `hi`
    /// already bound it: that is its reach.
    fn stuck(&self, read: u32, (owner, responded): (NodeId, EventKey), lo: usize, start: usize, hi: usize) -> Stuck {
        let layout = self.layout;
        let reach = if layout.through[hi] <= responded { hi + 1 } else { hi };
        let last_slot = layout.versions.len().saturating_sub(1);
        let version = |slot: usize| layout.versions.get(slot).copied().unwrap_or(layout.versions[last_slot] + 1);
        let holder = layout.owners.get(start).filter(|&&holder| holder == owner).and_then(|_| layout.writers[start]);
        let pushed_by = self.floor.1.filter(|_| self.floor.0 > lo);
        let bounded_by = lo.checked_sub(1).and_then(|slot| layout.after_by[slot]).filter(|_| pushed_by.is_none());
        Stuck {
            read,
            owner,
            first: version(start),
            last: version(hi.min(last_slot)),
            none_left: start > hi,
            to_the_end: hi >= last_slot,
            reach,
            pushed_by,
            bounded_by,
            holder,
        }
    }
}

impl Stuck {
    /// The last slot (index) the failure depends on: chains that agree with the one it
    /// happened on up to there fail the same way (the greedy runs the same up to this read,
    /// and the reads before it that went further went past this slot in both).
    pub(super) fn reach(&self) -> usize {
        self.reach
    }

    /// The violation this read shows.
    pub(super) fn describe(self, check: &TokenCheck) -> Violation {
        let (token, owner) = (check.token, self.owner);
        let op = check.op(self.read);
        let (id, invoked_at) = (op.id, op.invoked_at);
        let responded = check.responded(self.read).at;
        let range = match self.to_the_end {
            true => format!("v{} onward", self.first),
            false if self.first == self.last => format!("v{}", self.first),
            false => format!("v{} to v{}", self.first, self.last),
        };
        let mut detail = format!("{id} (gettokens of {owner}, from {invoked_at} to {responded}) did not list {token}");
        match (self.none_left, self.pushed_by) {
            (true, Some(by)) => {
                detail += &format!(
                    ", so it came after {}, which ended before it started and did not list {token} either, \
                     so read v{} or later; but {id} ended too early to have read past v{}",
                    check.id(by),
                    self.first,
                    self.last
                )
            }
            _ => {
                detail += &format!(", but {owner} held {token} at every version it could have read: {range}");
                if let Some(by) = self.pushed_by {
                    detail += &format!(" (it started after {} ended, which did not list {token} either)", check.id(by));
                } else if let Some((by, version)) = self.bounded_by {
                    detail += &format!(" (it started after {}, at {token}@v{version}, ended)", check.id(by));
                }
            }
        }
        let mut ops = vec![self.read];
        ops.extend(self.pushed_by.or(self.bounded_by.map(|(by, _)| by)));
        ops.extend(self.holder.filter(|holder| !ops.contains(holder)));
        let ids: Vec<_> = ops.iter().map(|&op| check.id(op)).collect();
        Violation::new(Property::Linearizable, detail).at(invoked_at).involving(ids)
    }
}
