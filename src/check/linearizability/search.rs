//! The versions no answered pay wrote: a search for unanswered pays to write them, and for
//! a placement of the unlisted reads on each complete chain it finds.

use super::token::{same_instant, ReadBounds, Slot, SlotWriter, TokenCheck, Writer};
use super::unlisted::{self, Stuck};
use crate::check::history::EventKey;
use crate::check::violation::{Property, Violation};
use crate::protocol::{NodeId, Request};

/// The unanswered pays of the token from one payer to one payee, by invocation.
struct Class {
    payer: NodeId,
    payee: NodeId,
    ops: Vec<u32>,
}

/// Why no chain works: the first reason met, in search order.
pub(super) enum Failure {
    /// No unanswered pays could write the versions up to link `link`, from `from` (the
    /// last version before them). `late` would write the last of them but was invoked
    /// after an operation placed later had responded.
    Gap { link: usize, from: Slot, late: Option<u32> },
    /// A complete chain left an unlisted read nowhere to go.
    Unlisted(Stuck),
}

/// What the search does next.
enum Step {
    /// A version was added and nothing was chosen.
    Placed,
    /// These classes can write the next version.
    Choose(Vec<usize>),
    /// Nothing can write the next version.
    Stuck(Failure),
    /// Every version an answer names is placed.
    GapsDone,
    /// No unanswered pay can extend the tail.
    TailDone,
}

/// A choice point to come back to.
struct Frame {
    /// The chain's length before the choice: the choice writes slot `chain_len`.
    chain_len: usize,
    /// The next link to place, and whether past the last one, at the choice.
    link: usize,
    tail: bool,
    /// The classes that could write the slot, and the next one to try.
    options: Vec<usize>,
    next: usize,
}

/// A depth-first search over the ways unanswered pays can fill the chain.
pub(super) struct Search<'c, 'a> {
    check: &'c TokenCheck<'a>,
    /// Unanswered pays of the token, by (payer, payee).
    classes: Vec<Class>,
    /// How many of each class's pays the chain uses: always its earliest invoked ones.
    used: Vec<usize>,
    /// Per link, the earliest response among the fixed operations at its reads and after,
    /// and whose it is: the writer of a missing version must be invoked no later.
    deadlines: Vec<(EventKey, Option<u32>)>,
    chain: Vec<Slot>,
    frames: Vec<Frame>,
    first_failure: Option<Failure>,
}

impl<'c, 'a> Search<'c, 'a> {
    pub(super) fn new(check: &'c TokenCheck<'a>) -> Search<'c, 'a> {
        let classes = classes(check);
        Search {
            used: vec![0; classes.len()],
            classes,
            deadlines: deadlines(check),
            chain: Vec::with_capacity(check.links.len()),
            frames: Vec::new(),
            first_failure: None,
            check,
        }
    }

    /// Ok if some chain, with every unlisted read placed, is consistent with real time.
    pub(super) fn run(mut self) -> Result<(), Failure> {
        let (mut link, mut tail) = (0, false);
        loop {
            let step = if tail { self.tail_step() } else { self.gap_step(&mut link) };
            let failure = match step {
                Step::Placed => continue,
                Step::Choose(options) => {
                    let first = options[0];
                    if options.len() > 1 {
                        let chain_len = self.chain.len();
                        self.frames.push(Frame { chain_len, link, tail, options, next: 1 });
                    }
                    self.apply(first, &mut link, tail);
                    continue;
                }
                Step::Stuck(failure) => Some(failure),
                Step::GapsDone => match unlisted::place(self.check, &self.chain) {
                    Ok(()) => return Ok(()),
                    // Versions past the last one named can help only a read whose failure
                    // depends on what comes after: otherwise every tail fails the same way.
                    Err(stuck) if stuck.reach() >= self.chain.len() => {
                        tail = true;
                        self.note(Failure::Unlisted(stuck));
                        continue;
                    }
                    Err(stuck) => Some(self.unlisted_failure(stuck)),
                },
                Step::TailDone => match self.has_tail() {
                    true => match unlisted::place(self.check, &self.chain) {
                        Ok(()) => return Ok(()),
                        Err(stuck) => Some(self.unlisted_failure(stuck)),
                    },
                    false => None,
                },
            };
            if let Some(failure) = failure {
                self.note(failure);
            }
            if !self.backtrack(&mut link, &mut tail) {
                return Err(self.first_failure.expect("the search backtracks only after a failure"));
            }
        }
    }

    /// A stuck read, after dropping the choices it does not depend on: they would fail the
    /// same way.
    fn unlisted_failure(&mut self, stuck: Stuck) -> Failure {
        while self.frames.last().is_some_and(|frame| frame.chain_len > stuck.reach()) {
            self.frames.pop();
        }
        Failure::Unlisted(stuck)
    }

    fn note(&mut self, failure: Failure) {
        self.first_failure.get_or_insert(failure);
    }

    fn has_tail(&self) -> bool {
        let named = self.check.links.last().map_or(1, |link| link.version);
        self.chain.last().is_some_and(|slot| slot.version > named)
    }

    /// Place the next named version, or choose who writes the next missing one.
    fn gap_step(&mut self, link: &mut usize) -> Step {
        let Some(next) = self.check.links.get(*link) else { return Step::GapsDone };
        let writer = match next.writer {
            Writer::Initial => SlotWriter::Initial,
            Writer::Answered(w) => SlotWriter::Answered(w),
            Writer::Missing => return self.missing_step(*link),
        };
        let (version, owner, bounds) = (next.version, next.owner, next.bounds);
        self.chain.push(Slot { version, owner, writer, bounds });
        *link += 1;
        Step::Placed
    }

    /// The classes that can write the next version on the way to link `link`.
    fn missing_step(&self, link: usize) -> Step {
        let target = &self.check.links[link];
        let Some(&last) = self.chain.last() else { unreachable!("v1 is placed first") };
        let last_step = last.version + 1 == target.version;
        let deadline = self.deadlines[link].0;
        let mut late = None;
        let mut options = Vec::new();
        for class in self.classes_of(last.owner) {
            if last_step && self.classes[class].payee != target.owner {
                continue;
            }
            match self.next_op(class) {
                Some(op) if self.check.invoked(op) <= deadline => options.push(class),
                Some(op) => late = late.or(Some(op)),
                None => {}
            }
        }
        if !options.is_empty() {
            return Step::Choose(options);
        }
        // Report the whole gap, from the named version before it (the chain is dense from v1).
        let before = link.checked_sub(1).and_then(|k| self.check.links.get(k));
        let from = before.and_then(|named| self.chain.get(named.version as usize - 1)).copied().unwrap_or(last);
        Step::Stuck(Failure::Gap { link, from, late: late.filter(|_| last_step) })
    }

    /// The classes that can extend the chain past the last named version.
    fn tail_step(&self) -> Step {
        let Some(last) = self.chain.last() else { unreachable!("v1 is placed first") };
        let options: Vec<usize> = self.classes_of(last.owner).filter(|&class| self.next_op(class).is_some()).collect();
        match options.is_empty() {
            true => Step::TailDone,
            false => Step::Choose(options),
        }
    }

    fn classes_of(&self, payer: NodeId) -> impl Iterator<Item = usize> + '_ {
        let start = self.classes.partition_point(|class| class.payer < payer);
        (start..self.classes.len()).take_while(move |&class| self.classes[class].payer == payer)
    }

    /// The earliest invoked pay of `class` the chain does not use yet.
    fn next_op(&self, class: usize) -> Option<u32> {
        self.classes[class].ops.get(self.used[class]).copied()
    }

    /// Add the version written by the next pay of `class`.
    fn apply(&mut self, class: usize, link: &mut usize, tail: bool) {
        let Some(op) = self.next_op(class) else { return };
        let Some(&last) = self.chain.last() else { return };
        self.used[class] += 1;
        let (owner, writer) = (self.classes[class].payee, SlotWriter::Pending { op, class });
        let version = last.version + 1;
        let mut slot = Slot { version, owner, writer, bounds: ReadBounds::NONE };
        if let Some(target) = self.check.links.get(*link).filter(|target| !tail && target.version == version) {
            slot.bounds = target.bounds;
            *link += 1;
        }
        self.chain.push(slot);
    }

    /// Go back to the latest choice with an option left; false when there is none.
    fn backtrack(&mut self, link: &mut usize, tail: &mut bool) -> bool {
        while let Some(frame) = self.frames.last_mut() {
            if frame.next == frame.options.len() {
                self.frames.pop();
                continue;
            }
            let option = frame.options[frame.next];
            frame.next += 1;
            let (chain_len, at_link, at_tail) = (frame.chain_len, frame.link, frame.tail);
            self.truncate(chain_len);
            (*link, *tail) = (at_link, at_tail);
            self.apply(option, link, at_tail);
            return true;
        }
        false
    }

    fn truncate(&mut self, len: usize) {
        while self.chain.len() > len {
            if let Some(Slot { writer: SlotWriter::Pending { class, .. }, .. }) = self.chain.pop() {
                self.used[class] -= 1;
            }
        }
    }
}

/// The token's unanswered pays, grouped by (payer, payee), each group by invocation.
fn classes(check: &TokenCheck) -> Vec<Class> {
    let mut pending: Vec<(NodeId, NodeId, EventKey, u32)> = check.index.pending[check.token.0 as usize]
        .iter()
        .filter_map(|&op| match check.op(op).request {
            Request::Pay { to, .. } => Some((check.id(op).client, to, check.invoked(op), op)),
            _ => None,
        })
        .collect();
    pending.sort_unstable();
    let mut classes: Vec<Class> = Vec::new();
    for (payer, payee, _, op) in pending {
        match classes.last_mut() {
            Some(class) if class.payer == payer && class.payee == payee => class.ops.push(op),
            _ => classes.push(Class { payer, payee, ops: vec![op] }),
        }
    }
    classes
}

/// Per link, the earliest response among the fixed operations from its reads on (its own
/// writer excluded), and whose.
fn deadlines(check: &TokenCheck) -> Vec<(EventKey, Option<u32>)> {
    let mut deadlines = vec![(EventKey::NEVER, None); check.links.len()];
    let mut earliest: (EventKey, Option<u32>) = (EventKey::NEVER, None);
    for (k, link) in check.links.iter().enumerate().rev() {
        if link.bounds.responded < earliest.0 {
            earliest = (link.bounds.responded, link.bounds.responder);
        }
        deadlines[k] = earliest;
        if let Writer::Answered(w) = link.writer {
            if check.responded(w) < earliest.0 {
                earliest = (check.responded(w), Some(w));
            }
        }
    }
    deadlines
}

impl Failure {
    /// The violation this failure shows.
    pub(super) fn describe(self, check: &TokenCheck) -> Violation {
        match self {
            Failure::Gap { link, from, late } => describe_gap(check, link, from, late),
            Failure::Unlisted(stuck) => stuck.describe(check),
        }
    }
}

fn describe_gap(check: &TokenCheck, link: usize, from: Slot, late: Option<u32>) -> Violation {
    let (target, token) = (&check.links[link], check.token);
    let (version, owner) = (target.version, target.owner);
    // Who names the version: one of its reads, or the answered pay of the next version
    // (whose payer it names as the owner).
    let seen_by = check.observations.get(target.reads.clone()).and_then(|reads| reads.first()).map(|o| o.op);
    let named_by = seen_by.or_else(|| match check.links.get(link + 1).map(|next| next.writer) {
        Some(Writer::Answered(w)) => Some(w),
        _ => None,
    });
    let at = named_by.map_or(crate::protocol::Instant::ZERO, |op| check.op(op).invoked_at);
    let named: Vec<u32> = named_by.into_iter().collect();
    if let Some(late) = late {
        return describe_late(check, link, late, &named);
    }
    let steps = version - from.version;
    let refused = check.index.refused[token.0 as usize].iter().copied().find(|&r| {
        let op = check.op(r);
        op.id.client == from.owner && matches!(op.request, Request::Pay { to, .. } if to == owner)
    });
    let (property, detail, ops) = match refused {
        Some(r) if steps == 1 => {
            let detail = format!(
                "{token}@v{version} (owner {owner}) was observed, and the only pay that could have written it, {}, was refused",
                check.id(r)
            );
            let ops: Vec<u32> = std::iter::once(r).chain(named.iter().copied().filter(|&s| s != r)).collect();
            (Property::RefusalChangedNothing, detail, ops)
        }
        _ if steps == 1 => {
            let detail = format!("{token}@v{version} (owner {owner}) was observed, but no pay could have written it");
            (Property::VersionsContiguous, detail, named)
        }
        _ => {
            let detail = format!(
                "{token} went from {} at v{} to {owner} at v{version}, but no {steps} unanswered pays of it lead from {} to {owner}",
                from.owner, from.version, from.owner
            );
            (Property::VersionsContiguous, detail, named)
        }
    };
    let ids = ops.iter().map(|&op| check.id(op));
    Violation::new(property, detail).at(at).involving(ids)
}

/// The only unanswered pays that could write link `link` started after a later operation ended.
fn describe_late(check: &TokenCheck, link: usize, late: u32, named: &[u32]) -> Violation {
    let (target, token) = (&check.links[link], check.token);
    let (started, blocker) = (check.invoked(late), check.deadline_of(link));
    let mut detail = format!(
        "{token}@v{} (owner {}) was observed, but the unanswered pay that could have written it, {}, started at {}",
        target.version,
        target.owner,
        check.id(late),
        started.at
    );
    let mut ops = vec![late];
    if let Some((ended, blocker)) = blocker {
        detail += &format!(", after {} had ended at {}{}", check.id(blocker), ended.at, same_instant(ended, started));
        ops.push(blocker);
    }
    for &op in named {
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
    let ids: Vec<_> = ops.iter().map(|&op| check.id(op)).collect();
    Violation::new(Property::Linearizable, detail).at(started.at).involving(ids)
}

impl TokenCheck<'_> {
    /// The earliest response among the fixed operations at link `link`'s reads and after.
    fn deadline_of(&self, link: usize) -> Option<(EventKey, u32)> {
        let (at, op) = deadlines(self).get(link).copied()?;
        op.map(|op| (at, op))
    }
}
