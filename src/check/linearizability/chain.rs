//! One token: the versions that answers name, their owners and writers, and real time
//! among the operations they fix.

use super::search::Search;
use super::token::{same_instant, Link, ReadBounds, TokenCheck, Writer};
use super::Kind;
use crate::check::history::{EventKey, Operation};
use crate::check::violation::{Property, Violation};
use crate::protocol::Outcome;
use std::ops::Range;

impl TokenCheck<'_> {
    /// Every violation of this token: the first broken stage's.
    pub(super) fn run(mut self) -> Vec<Violation> {
        self.build_links();
        if !self.violations.is_empty() {
            return self.violations;
        }
        if let Some(stale) = self.check_real_time() {
            return vec![stale];
        }
        self.mark_listings();
        if let Err(failure) = Search::new(&self).run() {
            let violation = failure.describe(&self);
            self.violations.push(violation);
        }
        self.violations
    }

    /// Group observations by version: one owner and one `Ok` pay per version, each paid by
    /// the owner of the version before.
    fn build_links(&mut self) {
        let link =
            Link { version: 1, owner: self.initial, writer: Writer::Initial, reads: 0..0, bounds: ReadBounds::NONE };
        self.links.push(link);
        let mut start = 0;
        while start < self.observations.len() {
            let version = self.observations[start].version;
            // Groups are small: a linear scan beats a binary search over the whole rest.
            let end = start + self.observations[start..].iter().take_while(|o| o.version == version).count();
            self.add_version(start..end);
            start = end;
        }
    }

    fn add_version(&mut self, group: Range<usize>) {
        let first = self.observations[group.start];
        let (version, token) = (first.version, self.token);
        let writes = self.observations[group.clone()].iter().take_while(|o| o.kind == Kind::Write).count();
        let writers: Vec<u32> = self.observations[group.start..group.start + writes].iter().map(|o| o.op).collect();
        if version == 0 {
            let detail = format!("{token} was observed at v0; versions start at v1");
            return self.report(Property::VersionsContiguous, detail, self.op(first.op).invoked_at, &[first.op]);
        }
        if version == 1 && writes > 0 {
            let detail = format!("a pay of {token} was answered ok at v1, but pays start from v2");
            return self.report(Property::VersionsContiguous, detail, self.op(writers[0]).invoked_at, &writers[..1]);
        }
        if writes > 1 {
            let detail = format!("two pays of {token} were both answered ok at v{version}");
            let later = writers.iter().map(|&w| self.op(w).invoked_at).max().unwrap_or_default();
            self.report(Property::NoDoubleSpend, detail, later, &writers[..2]);
        }
        let reads = group.start + writes..group.end;
        let bounds = self.read_bounds(reads.clone());
        if version == 1 {
            let initial = &mut self.links[0];
            (initial.reads, initial.bounds) = (reads, bounds);
        } else {
            let writer = writers.first().map_or(Writer::Missing, |&w| Writer::Answered(w));
            if let Writer::Answered(w) = writer {
                self.link_payer(w, version);
            }
            let link = Link { version, owner: first.owner, writer, reads, bounds };
            self.links.push(link);
        }
        self.check_one_owner(group);
    }

    /// The latest invocation and the earliest response among the observations `reads`.
    fn read_bounds(&self, reads: Range<usize>) -> ReadBounds {
        let mut bounds = ReadBounds::NONE;
        for observation in &self.observations[reads] {
            bounds.invoked = bounds.invoked.max(self.invoked(observation.op));
            let responded = self.responded(observation.op);
            if responded < bounds.responded {
                (bounds.responded, bounds.responder) = (responded, Some(observation.op));
            }
        }
        bounds
    }

    /// The pay `writer` of `version` was made by the owner of `version - 1`: check it, or
    /// record that owner when no answer names that version.
    fn link_payer(&mut self, writer: u32, version: u64) {
        let payer = self.id(writer).client;
        let before = self.links.last().expect("the chain starts with v1");
        if before.version + 1 < version {
            let implied = Link {
                version: version - 1,
                owner: payer,
                writer: Writer::Missing,
                reads: 0..0,
                bounds: ReadBounds::NONE,
            };
            return self.links.push(implied);
        }
        if before.owner != payer {
            let (owner, previous) = (before.owner, before.version);
            let detail = format!(
                "{} paid {} from v{previous}, but {owner} owned it at v{previous}: {payer} spent a token it did not hold",
                self.id(writer),
                self.token
            );
            self.report(Property::NoDoubleSpend, detail, self.op(writer).invoked_at, &[writer]);
        }
    }

    fn check_one_owner(&mut self, group: Range<usize>) {
        let link = self.links.last().expect("the chain starts with v1");
        let (owner, version) = (link.owner, link.version);
        let witness = match link.writer {
            Writer::Answered(w) => Some(w),
            _ => self.observations.get(group.start).map(|o| o.op),
        };
        let other = self.observations[group].iter().find(|o| o.owner != owner).copied();
        if let Some(other) = other {
            let detail = format!("{} at v{version} has two owners: {owner} and {}", self.token, other.owner);
            let mut ops = vec![other.op];
            ops.extend(witness.filter(|&w| w != other.op));
            ops.reverse();
            self.report(Property::OneOwnerPerVersion, detail, self.op(other.op).invoked_at, &ops);
        }
    }

    /// Writer of v, reads of v, writer of v + 1, ...: nobody may respond before an operation
    /// placed earlier is invoked. The first such pair, if any.
    fn check_real_time(&self) -> Option<Violation> {
        // The latest invocation among the positions so far, whose it is, and its version.
        let mut latest: (EventKey, Option<u32>, u64) = (EventKey::default(), None, 1);
        for link in &self.links {
            if let Writer::Answered(w) = link.writer {
                if self.responded(w) < latest.0 {
                    return Some(self.stale(latest, w, link.version));
                }
                if self.invoked(w) > latest.0 {
                    latest = (self.invoked(w), Some(w), link.version);
                }
            }
            if link.bounds.responded < latest.0 {
                let read = self.observations[link.reads.clone()].iter().find(|o| self.responded(o.op) < latest.0);
                return read.map(|read| self.stale(latest, read.op, link.version));
            }
            if link.bounds.invoked > latest.0 {
                let read =
                    self.observations[link.reads.clone()].iter().find(|o| self.invoked(o.op) == link.bounds.invoked);
                latest = (link.bounds.invoked, read.map(|o| o.op), link.version);
            }
        }
        None
    }

    /// `newer` (at `version`) responded before `latest`'s operation, placed earlier, was invoked.
    fn stale(&self, latest: (EventKey, Option<u32>, u64), newer: u32, version: u64) -> Violation {
        let (started, stale_version) = (latest.0, latest.2);
        let stale = latest.1.expect("only an operation is invoked after time zero");
        let paid = |op: &Operation| matches!(op.outcome, Some(Outcome::Paid { .. }));
        let verb = |op: &Operation| if paid(op) { "wrote" } else { "observed" };
        let participle = |op: &Operation| if paid(op) { "written" } else { "observed" };
        let (stale_op, newer_op) = (self.op(stale), self.op(newer));
        let ended = self.responded(newer);
        let detail = format!(
            "{} {} {}@v{stale_version} and started at {}, after {} had {} {}@v{version} and ended at {}{}",
            stale_op.id,
            verb(stale_op),
            self.token,
            started.at,
            newer_op.id,
            participle(newer_op),
            self.token,
            ended.at,
            same_instant(ended, started),
        );
        Violation::new(Property::Linearizable, detail).at(started.at).involving([newer_op.id, stale_op.id])
    }

    /// Mark the `gettokens` that listed this token, for [`TokenCheck::listed`].
    fn mark_listings(&mut self) {
        for observation in &self.observations {
            if observation.kind == Kind::Read {
                self.marks[observation.op as usize] = self.token.0;
            }
        }
    }
}
