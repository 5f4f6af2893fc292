//! Exhaustive exploration of a small world: every schedule of its explicit requests, within
//! bounds, checked for safety at every state.
//!
//! The search is breadth-first, so the first violation it finds is reached by a shortest
//! schedule. Each state is a [`Simulation`] branched by cloning; a state's identity is
//! [`Simulation::state_digest`] (nodes, pending events without their times, the history's
//! order and answers, the values written, faults) plus what the checkers remember, so two
//! schedules that reach the same state are explored once. Commuting steps are pruned with
//! sleep sets (Godefroid): after the search has followed one step from a state, the other
//! steps from that state that are independent of it (events at other nodes that cannot
//! both change the history) need not be followed again in that order. A state reached
//! again with a sleep set that is not a superset of the one it was explored with is
//! explored again for the difference, which keeps the pruning sound with the visited set.
//!
//! What it proves, within `max_depth` steps, `max_losses` lost messages and `max_timeouts`
//! timers fired while they still matter:
//! - **Safety:** no schedule reaches a state that breaks a safety property
//!   (linearizability, one owner per version, the replica and membership invariants, ...),
//!   judged at every state.
//! - **Recovery (liveness within the bounds):** every schedule the bounds stop with requests
//!   still open (a lost message, a timer the bound does not let fire) is continued as the
//!   timed scheduler would, losing nothing more, and must then answer every request of a
//!   correct client within the scenario's liveness budget, and end within its event budget.
//!   So a search with one loss shows that no single lost message, wherever it falls, leaves
//!   a request stuck. Schedules cut by the depth bound are not continued: nothing is claimed
//!   about them, and the summary counts them.
//!
//! Losses add no safety violation of their own: a lost message reaches no state that the
//! same message left undelivered does not (the search may delay any message past the end
//! of a schedule), so they matter to recovery only. So they are folded into the states
//! without them: a schedule that loses messages and is then stopped by the bounds ends in
//! a state the search without losses visits, less the lost messages still in flight there.
//! Wherever the events the bounds allow from a visited state are all messages the loss
//! budget covers, the search loses them all and judges that stop's recovery; the schedule
//! it reports puts the losses last, and is as short as any. One loss then costs recovery
//! runs, not five times the states. Under a reorder bound, where leaving a message in
//! flight spends reorders that losing it does not, losses are steps of their own, as they
//! are with [`SearchOptions::fold_losses`] off.

use super::crew::{with_crew, Crew, Task};
use crate::check::custom::CustomProperty;
use crate::check::{check_liveness, check_progress, Violation, Watchers};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{PendingEvent, Simulation};
use crate::vocab::{count, Choice, Schedule};
use std::sync::Arc;

/// The largest world a search will take on: beyond it, the number of schedules is out of
/// reach of any bound worth setting.
pub const NODES_MAX: u32 = 8;
/// The most explicit requests a searched world may have.
pub const REQUESTS_MAX: usize = 8;
/// The deepest a search may go.
pub const DEPTH_MAX: usize = 1_000;

/// The bounds of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchOptions {
    /// Steps per schedule.
    pub max_depth: usize,
    /// Messages a schedule may lose.
    pub max_losses: usize,
    /// Timers a schedule may fire while they still matter (a resend, say). A stale timer
    /// changes nothing and is taken at once, uncounted.
    pub max_timeouts: usize,
    /// Distinct states to visit before giving up. The widest level of the search is held in
    /// memory whole: a search of a world of a few nodes takes about 2 KB a state in all, so
    /// the default (200,000) keeps a search well under 1 GB.
    pub max_states: usize,
    /// Reorderings a schedule may make (delay bounding): taking the pending event at
    /// position `p` of the timed scheduler's order, among those the other bounds allow,
    /// spends `p`. `None`: any order. A small bound reaches deep into big worlds (a role
    /// change, say) where an unbounded search cannot finish; most bugs need few. Sleep sets
    /// are off under this bound, since two orders of the same steps may spend differently.
    pub max_reorders: Option<usize>,
    /// Worker threads (the result does not depend on it).
    pub jobs: usize,
    /// Prune steps that commute with one already taken (sleep sets). Off, the search takes
    /// every step: slower, and the same states, which is how the reduction is tested.
    pub reduce: bool,
    /// Fold losses into the states without them (see the module docs): a lost message is
    /// one left in flight for good, so a schedule that loses messages stops in a state the
    /// search without losses visits, less those messages. Off, every loss is a step of its
    /// own: about five times the states for one loss, the same verdicts, which is how the
    /// folding is tested. Under a reorder bound losses are always steps, since leaving a
    /// message in flight spends reorders that losing it does not.
    pub fold_losses: bool,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            max_depth: 40,
            max_losses: 1,
            max_timeouts: 0,
            max_states: 200_000,
            max_reorders: None,
            jobs: 1,
            reduce: true,
            fold_losses: true,
        }
    }
}

/// Why a search cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The scenario is not valid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The scenario has a random workload: a search runs explicit requests only.
    #[error("explore runs explicit requests only, and the scenario has a random workload of {requests} requests: list them as [[requests]] (or set [workload] requests = 0)")]
    RandomWorkload {
        /// The random workload's requests.
        requests: u64,
    },
    /// The world is too big for a search to finish.
    #[error("the world is too big to explore: {problem}; explore is for small worlds (at most {NODES_MAX} nodes and {REQUESTS_MAX} requests)")]
    TooBig {
        /// What is too big.
        problem: String,
    },
    /// A bound is out of range.
    #[error("{bound}: {problem}")]
    Bound {
        /// The bound's flag.
        bound: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// Where the search stood, for a progress display.
#[derive(Clone, Copy, Debug)]
pub struct SearchProgress {
    /// The depth being expanded.
    pub depth: usize,
    /// Distinct states visited so far.
    pub states: u64,
    /// States waiting at this depth.
    pub frontier: usize,
}

/// A schedule that breaks a safety property.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// The shortest schedule to the violation.
    pub schedule: Schedule,
    /// What it breaks.
    pub violations: Vec<Violation>,
    /// The scenario with the schedule as its `choices` and the first violation expected:
    /// `tokensim run` replays it.
    pub scenario: Scenario,
}

/// What a search did and found.
#[derive(Clone, Debug)]
pub struct SearchReport {
    /// Distinct states visited.
    pub states: u64,
    /// Steps taken (edges followed), the pruned ones not counted.
    pub steps: u64,
    /// Steps not taken because a sleep set showed them to commute with one already taken.
    pub pruned: u64,
    /// Schedules that ended with every request answered within the bounds (counted once
    /// per distinct end state).
    pub complete_schedules: u64,
    /// Schedules cut by the depth bound with requests still open.
    pub cut_schedules: u64,
    /// Schedules the bounds stopped with requests open, each continued with no more losses
    /// to see that it recovers (see the module docs on liveness).
    pub recoveries_checked: u64,
    /// The deepest level reached.
    pub depth: usize,
    /// The bound that cut the search, if one did: then it was not exhaustive.
    pub cut_by: Option<&'static str>,
    /// The violation found, if any.
    pub counterexample: Option<Counterexample>,
}

impl SearchReport {
    /// The result in one line, as `explore` prints it.
    pub fn summary(&self) -> String {
        let explored = format!(
            "{}, {} ({} pruned as commuting)",
            count(self.states, "state", "states"),
            count(self.steps, "step", "steps"),
            self.pruned
        );
        if let Some(found) = &self.counterexample {
            return format!(
                "{explored}: a violation after {}; the search is breadth-first, so no shorter schedule within the bounds shows one",
                count(found.schedule.choices.len() as u64, "step", "steps")
            );
        }
        let scope = match self.cut_by {
            None => "exhaustive within the bounds".to_string(),
            Some(bound) => format!("NOT exhaustive: the {bound} bound cut the search at depth {}", self.depth),
        };
        format!(
            "{explored}, {} schedules ({} complete, {} stopped by the bounds and recovered, {} cut at the depth bound): no violation; {scope}",
            self.complete_schedules + self.recoveries_checked + self.cut_schedules,
            self.complete_schedules,
            self.recoveries_checked,
            self.cut_schedules,
        )
    }
}

/// The states visited, by digest (already a hash, so hashed again cheaply), each with the
/// steps not yet taken from it (its sleep set when it was explored). Looked up, never
/// iterated, so the map's order cannot reach a search's result.
type Visited = std::collections::HashMap<u128, Vec<Step>, rustc_hash::FxBuildHasher>;

/// One state of the search, and how it was reached.
#[derive(Clone)]
struct Branch {
    sim: Simulation,
    watchers: Watchers,
    schedule: Trail,
    losses: usize,
    timeouts: usize,
    reorders: usize,
    /// [`Watchers::safety_inputs`] when this state was judged: a step that leaves them as
    /// they were needs no new judgement.
    judged: u64,
    /// Steps known to commute with the way here: not taken from this state.
    sleep: Vec<Step>,
    /// When the state was explored before by another way: the only steps left to take.
    only: Option<Vec<Step>>,
}

/// The choices that led to a state, sharing its beginning with the states before it: a
/// frontier of a million states holds one copy of each common prefix, not a million.
#[derive(Clone, Default)]
struct Trail {
    last: Option<Arc<TrailStep>>,
}

struct TrailStep {
    choice: Choice,
    before: Option<Arc<TrailStep>>,
}

impl Trail {
    fn then(&self, choice: Choice) -> Trail {
        Trail { last: Some(Arc::new(TrailStep { choice, before: self.last.clone() })) }
    }

    fn choices(&self) -> Vec<Choice> {
        let mut choices = Vec::new();
        let mut at = self.last.as_deref();
        while let Some(step) = at {
            choices.push(step.choice);
            at = step.before.as_deref();
        }
        choices.reverse();
        choices
    }
}

/// A step from a state: an event, lost or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Step {
    event: PendingEvent,
    lose: bool,
}

impl Step {
    /// Whether the two steps commute (see the module docs).
    fn independent_of(&self, other: &Step) -> bool {
        if self.event == other.event {
            return false;
        }
        // Losing a message only takes it off the network: it commutes with every other event.
        self.lose || other.lose || self.event.independent_of(&other.event)
    }
}

/// What expanding one state gave.
struct Expansion {
    children: Vec<(u128, Box<Branch>)>,
    /// Schedules that ended here with every request answered (the state's own, or with
    /// losses folded, the one that loses what is in flight).
    complete: u64,
    /// Schedules the bounds stopped here, their recovery judged.
    ended: u64,
    steps: u64,
    pruned: u64,
    violation: Option<(Vec<Choice>, Vec<Violation>)>,
}

/// Explore every schedule of `scenario` with `seed` within `options`; see the module docs.
pub fn search(
    scenario: &Scenario,
    seed: u64,
    options: SearchOptions,
    progress: &(dyn Fn(SearchProgress) + Sync),
) -> Result<SearchReport, SearchError> {
    search_with(scenario, seed, options, &[], progress)
}

/// [`search`], judging the user's `properties` as well (see [`crate::check::custom`]): an
/// `always` property at every state reached, an `at_end` one where a schedule completes
/// and where a stopped one has recovered.
pub fn search_with(
    scenario: &Scenario,
    seed: u64,
    options: SearchOptions,
    properties: &[CustomProperty],
    progress: &(dyn Fn(SearchProgress) + Sync),
) -> Result<SearchReport, SearchError> {
    check_bounds(scenario, options)?;
    let mut sim = Simulation::new(scenario, seed)?;
    sim.choose_losses();
    let mut watchers = Watchers::new(&sim).with_properties(properties.to_vec());
    watchers.after_step(&sim);
    let judged = watchers.safety_inputs(&sim);
    let root = Box::new(Branch {
        sim,
        watchers,
        schedule: Trail::default(),
        losses: 0,
        reorders: 0,
        timeouts: 0,
        judged,
        sleep: Vec::new(),
        only: None,
    });
    let mut report = SearchReport {
        states: 1,
        steps: 0,
        pruned: 0,
        complete_schedules: 0,
        cut_schedules: 0,
        recoveries_checked: 0,
        depth: 0,
        cut_by: None,
        counterexample: None,
    };
    // Looked up, never iterated: their order cannot reach the search's result. Split by
    // digest into one shard a worker, so that workers admit children side by side.
    let shards = options.jobs.max(1);
    let mut visited: Vec<Visited> = (0..shards).map(|_| Visited::default()).collect();
    let root_key = digest(&root);
    visited[shard_of(root_key, shards)].insert(root_key, Vec::new());
    with_crew(visited, |crew| {
        let mut frontier = vec![root];
        // Violations found by schedules longer than the level judged so far (see
        // `Found::take_shortest`).
        let mut found: Vec<Found> = Vec::new();
        while !frontier.is_empty() {
            progress(SearchProgress { depth: report.depth, states: report.states, frontier: frontier.len() });
            if report.depth >= options.max_depth {
                report.cut_by = Some("depth");
                report.cut_schedules = frontier.len() as u64;
                break;
            }
            let level = next_level(std::mem::take(&mut frontier), crew, options);
            report.steps += level.steps;
            report.pruned += level.pruned;
            report.complete_schedules += level.complete;
            report.recoveries_checked += level.ended;
            report.states = level.states as u64;
            found.extend(level.found);
            if let Some(first) = Found::take_shortest(&mut found, report.depth + 1) {
                report.counterexample = Some(counterexample(scenario, seed, first.schedule, first.violations));
                report.depth += 1;
                break;
            }
            if level.states >= options.max_states && !level.next.is_empty() {
                report.cut_by = Some("states");
                report.depth += 1;
                break;
            }
            frontier = level.next;
            report.depth += 1;
        }
        // A violation only a longer schedule shows, once nothing shorter is left to judge.
        if report.counterexample.is_none() {
            if let Some(first) = Found::take_shortest(&mut found, usize::MAX) {
                report.counterexample = Some(counterexample(scenario, seed, first.schedule, first.violations));
            }
        }
    });
    Ok(report)
}

fn check_bounds(scenario: &Scenario, options: SearchOptions) -> Result<(), SearchError> {
    let world = scenario.world(&scenario.name)?;
    let random = scenario.random_workload().requests;
    if random > 0 {
        return Err(SearchError::RandomWorkload { requests: random });
    }
    let nodes = (world.clients.len() + world.servers.len()) as u32;
    if nodes > NODES_MAX {
        return Err(SearchError::TooBig { problem: format!("{nodes} nodes") });
    }
    if scenario.requests.len() > REQUESTS_MAX {
        return Err(SearchError::TooBig { problem: format!("{} requests", scenario.requests.len()) });
    }
    if scenario.requests.is_empty() {
        return Err(SearchError::TooBig { problem: "no requests to explore (list some as [[requests]])".to_string() });
    }
    if !(1..=DEPTH_MAX).contains(&options.max_depth) {
        let problem = format!("expected 1 to {DEPTH_MAX} steps, found {}", options.max_depth);
        return Err(SearchError::Bound { bound: "--max-depth", problem });
    }
    if options.max_states == 0 {
        return Err(SearchError::Bound { bound: "--max-states", problem: "expected at least 1 state, found 0".into() });
    }
    if options.jobs == 0 {
        return Err(SearchError::Bound { bound: "--jobs", problem: "expected at least 1 worker, found 0".into() });
    }
    Ok(())
}

/// The visited-set shard a state belongs to.
fn shard_of(key: u128, shards: usize) -> usize {
    (key as u64 % shards as u64) as usize
}

/// Where a child or an expansion stands in the breadth-first order: the expanded state's
/// place in the frontier, then the child's place among its siblings. Admission, the next
/// frontier and the violation reported all follow it, whatever the number of workers.
type Order = (u32, u32);

/// A violation and where in the breadth-first order it was found.
struct Found {
    order: Order,
    schedule: Vec<Choice>,
    violations: Vec<Violation>,
}

impl Found {
    /// The first of the shortest schedules among `found` no longer than `length` steps,
    /// taken out of it. A level of the search judges every schedule one step longer than
    /// the one before, and some shorter (a state's own end) or, with losses folded, longer
    /// ones (a state with two messages in flight, both lost): those wait for their level.
    fn take_shortest(found: &mut Vec<Found>, length: usize) -> Option<Found> {
        let shortest = (0..found.len())
            .filter(|&index| found[index].schedule.len() <= length)
            .min_by_key(|&index| (found[index].schedule.len(), found[index].order))?;
        Some(found.swap_remove(shortest))
    }
}

/// What one level of the search gave: the next frontier, or the first violation.
// Boxed: a branch is large, and a frontier is split and joined by moving them.
#[allow(clippy::vec_box)]
struct Level {
    next: Vec<Box<Branch>>,
    /// Distinct states visited, this level's included.
    states: usize,
    steps: u64,
    pruned: u64,
    complete: u64,
    ended: u64,
    /// The violations found (see [`Found::take_shortest`]).
    found: Vec<Found>,
}

/// A child not yet admitted: its place in the order, its state's digest, and itself.
type Candidate = (Order, u128, Box<Branch>);

/// One level of the breadth-first search, in two parallel passes over `options.jobs`
/// workers: each worker expands a slice of `frontier`, sorting the children by the
/// visited-set shard of their state; then each worker admits the children of one shard
/// in the breadth-first order (the same order one worker would take), judges the admitted
/// ones and drops the rest. So admission, which decides what is explored with which sleep
/// set, and the violation reported do not depend on the number of workers.
// Boxed: a branch is large, and a frontier is split and joined by moving them.
#[allow(clippy::vec_box)]
fn next_level(frontier: Vec<Box<Branch>>, crew: &mut Crew<Visited, Done>, options: SearchOptions) -> Level {
    let shards = crew.size();
    let chunk = frontier.len().div_ceil(shards).max(1);
    let mut rest = frontier;
    let mut tasks: Vec<Task<Visited, Done>> = Vec::new();
    for worker in 0..shards {
        let start = (worker * chunk) as u32;
        let slice = rest.split_off(chunk.min(rest.len()));
        let slice = std::mem::replace(&mut rest, slice);
        tasks.push(Box::new(move |_: &mut Visited| Done::Expanded(expand_slice(start, slice, options, shards))));
    }
    let mut level =
        Level { next: Vec::new(), states: 0, steps: 0, pruned: 0, complete: 0, ended: 0, found: Vec::new() };
    let mut found = Vec::new();
    let mut by_shard: Vec<Vec<Vec<Candidate>>> = (0..shards).map(|_| Vec::new()).collect();
    for done in crew.run(tasks) {
        let Done::Expanded(slice) = done else { unreachable!("an expansion task expands") };
        level.steps += slice.steps;
        level.pruned += slice.pruned;
        level.complete += slice.complete;
        level.ended += slice.ended;
        found.extend(slice.violation);
        for (shard, candidates) in slice.by_shard.into_iter().enumerate() {
            by_shard[shard].push(candidates);
        }
    }
    let tasks = by_shard
        .into_iter()
        .map(|runs| Box::new(move |visited: &mut Visited| Done::Admitted(admit_all(visited, runs))) as Task<_, _>)
        .collect();
    let mut next: Vec<(Order, Box<Branch>)> = Vec::new();
    for done in crew.run(tasks) {
        let Done::Admitted(shard) = done else { unreachable!("an admission task admits") };
        level.states += shard.states;
        found.extend(shard.violation);
        next.extend(shard.children);
    }
    level.found = found;
    // Each shard's children are in order already: a stable sort merges the runs.
    next.sort_by_key(|(order, _)| *order);
    level.next = next.into_iter().map(|(_, child)| child).collect();
    level
}

/// What a worker gives back: one of its two kinds of task done.
enum Done {
    Expanded(Expanded),
    Admitted(Admitted),
}

/// What a worker's slice of a frontier expanded to.
struct Expanded {
    steps: u64,
    pruned: u64,
    complete: u64,
    ended: u64,
    violation: Option<Found>,
    /// The children, by the visited-set shard of their state, each in order.
    by_shard: Vec<Vec<Candidate>>,
}

/// Expand the branches of a slice that begins at `start` in the frontier.
#[allow(clippy::vec_box)]
fn expand_slice(start: u32, slice: Vec<Box<Branch>>, options: SearchOptions, shards: usize) -> Expanded {
    let mut expanded = Expanded {
        steps: 0,
        pruned: 0,
        complete: 0,
        ended: 0,
        violation: None,
        by_shard: (0..shards).map(|_| Vec::new()).collect(),
    };
    for (offset, branch) in slice.into_iter().enumerate() {
        let place = start + offset as u32;
        let expansion = expand(branch, options);
        expanded.steps += expansion.steps;
        expanded.pruned += expansion.pruned;
        expanded.complete += expansion.complete;
        expanded.ended += expansion.ended;
        if let Some((schedule, violations)) = expansion.violation {
            // The first of the shortest in the slice: no other of the slice can win.
            let rank = |found: &Found| (found.schedule.len(), found.order);
            // Ordered after the state's children (whose places count from 0), so that no
            // two violations a level finds tie, whatever the number of workers.
            let found = Found { order: (place, u32::MAX), schedule, violations };
            if expanded.violation.as_ref().is_none_or(|best| rank(&found) < rank(best)) {
                expanded.violation = Some(found);
            }
        }
        for (index, (key, child)) in expansion.children.into_iter().enumerate() {
            expanded.by_shard[shard_of(key, shards)].push(((place, index as u32), key, child));
        }
    }
    expanded
}

/// What a worker admitted of one shard's children.
struct Admitted {
    children: Vec<(Order, Box<Branch>)>,
    violation: Option<Found>,
    /// The states of the shard's visited set after them.
    states: usize,
}

/// Admit one shard's children, given as the workers' runs in order, into `visited`;
/// judge the admitted ones (a child that reaches a state seen before was judged there) and
/// drop the rest.
fn admit_all(visited: &mut Visited, runs: Vec<Vec<Candidate>>) -> Admitted {
    let mut admitted = Admitted { children: Vec::new(), violation: None, states: 0 };
    for (order, key, mut child) in runs.into_iter().flatten() {
        if !admit(visited, key, &mut child) {
            continue;
        }
        if let Some(violations) = judge(&mut child) {
            if admitted.violation.is_none() {
                admitted.violation = Some(Found { order, schedule: child.schedule.choices(), violations });
            }
            continue;
        }
        admitted.children.push((order, child));
    }
    admitted.states = visited.len();
    admitted
}

/// The safety violations of a child's state, judged only if what they depend on changed
/// with its step (its parent was judged clean).
fn judge(child: &mut Branch) -> Option<Vec<Violation>> {
    let inputs = child.watchers.safety_inputs(&child.sim);
    if inputs == child.judged {
        return None;
    }
    child.judged = inputs;
    let violations = child.watchers.safety_violations(&child.sim);
    (!violations.is_empty()).then_some(violations)
}

/// Every step from `branch` but the sleeping ones, each digested (and judged once admitted: see
/// [`admit_all`]); or, where the
/// bounds allow no step, the run's recovery (see [`recovery_violations`]). The branch is
/// used up: its last child is the branch itself, stepped, so a state with `n` children is
/// cloned `n - 1` times.
fn expand(branch: Box<Branch>, options: SearchOptions) -> Expansion {
    let mut expansion = Expansion { children: Vec::new(), complete: 0, ended: 0, steps: 0, pruned: 0, violation: None };
    let pending = branch.sim.pending_slots();
    let allowed = allows(options, branch.timeouts);
    let folding = folds_losses(options);
    if let Some(complete) = at_an_end(&branch, &pending, &allowed) {
        // A state explored before by another way was counted and judged then.
        if branch.only.is_none() {
            finish(branch, complete, &mut expansion);
        }
        return expansion;
    }
    if folding && branch.only.is_none() {
        if let Some(stopped) = lose_what_is_in_flight(&branch, &pending, options) {
            expansion.steps += (stopped.losses - branch.losses) as u64;
            let pending = stopped.sim.pending_slots();
            let complete = at_an_end(&stopped, &pending, &allows(options, stopped.timeouts)) == Some(true);
            finish(stopped, complete, &mut expansion);
        }
    }
    // The steps to take, in order, each with its choice and the reorders it leaves spent.
    let mut planned: Vec<(Step, u32, Choice, usize)> = Vec::new();
    // Under a reorder bound, the events the timed scheduler would take first, of those the
    // bounds allow: taking the one at position `p` spends `p`.
    let mut skipped = 0;
    for (pick, (event, slot)) in pending.iter().enumerate() {
        if !allowed(event) {
            continue;
        }
        let reorders = branch.reorders + skipped;
        skipped += 1;
        if options.max_reorders.is_some_and(|max| reorders > max) {
            break;
        }
        for lose in [false, true] {
            if lose && (folding || !event.is_message() || branch.losses >= options.max_losses) {
                continue;
            }
            let step = Step { event: *event, lose };
            if branch.only.as_ref().is_some_and(|only| !only.contains(&step)) {
                continue; // taken when the state was explored before
            }
            if branch.sleep.contains(&step) {
                expansion.pruned += 1;
                continue;
            }
            planned.push((step, *slot, Choice { pick: pick as u32, lose }, reorders));
        }
    }
    let reduce = options.reduce && options.max_reorders.is_none();
    let mut done: Vec<Step> = Vec::new();
    let mut parent = Some(branch);
    let last = planned.len().saturating_sub(1);
    for (index, &(step, slot, choice, reorders)) in planned.iter().enumerate() {
        let source = parent.as_deref().expect("the branch is used up by its last child only");
        let sleep: Vec<Step> = match reduce {
            true => source.sleep.iter().chain(&done).filter(|asleep| asleep.independent_of(&step)).copied().collect(),
            false => Vec::new(),
        };
        let schedule = source.schedule.then(choice);
        let mut child = match index == last {
            true => parent.take().expect("the branch is still here for its last child"),
            false => Box::new(Branch {
                sim: source.sim.clone(),
                watchers: source.watchers.clone(),
                schedule: Trail::default(),
                losses: source.losses,
                timeouts: source.timeouts,
                reorders: source.reorders,
                judged: source.judged,
                sleep: Vec::new(),
                only: None,
            }),
        };
        child.only = None;
        child.schedule = schedule;
        child.losses += usize::from(step.lose);
        child.reorders = if options.max_reorders.is_some() { reorders } else { 0 };
        child.timeouts += usize::from(matches!(step.event, PendingEvent::Timer { .. }));
        let ended = child.sim.step_slot(slot, step.lose, &mut child.watchers);
        expansion.steps += 1;
        if ended.is_some() {
            continue; // the run ended before this step (its liveness deadline passed)
        }
        child.watchers.after_step(&child.sim);
        // Judged once admitted (see `admit_all`): most children reach a state seen before.
        if reduce {
            child.sleep = sleep;
            done.push(step);
        }
        expansion.children.push((digest(&child), child));
    }
    expansion
}

/// Which pending events the bounds let a schedule that fired `timeouts` timers take: any
/// but a timer once the timeouts are spent.
fn allows(options: SearchOptions, timeouts: usize) -> impl Fn(&PendingEvent) -> bool {
    move |event| !matches!(event, PendingEvent::Timer { .. }) || timeouts < options.max_timeouts
}

/// Whether losses are folded into the states without them in a search with `options`.
fn folds_losses(options: SearchOptions) -> bool {
    options.fold_losses && options.max_losses > 0 && options.max_reorders.is_none()
}

/// Whether the schedule of `branch` ends in its state: `Some(true)` when every request is
/// answered, `Some(false)` when requests are open and the bounds allow no further step
/// (the network behaves from now on, and the run must recover), `None` when it goes on.
fn at_an_end(
    branch: &Branch,
    pending: &[(PendingEvent, u32)],
    allowed: &dyn Fn(&PendingEvent) -> bool,
) -> Option<bool> {
    let complete = branch.sim.history().open() == 0 && (pending.is_empty() || branch.sim.all_issued());
    let stopped = !complete && !pending.iter().any(|(event, _)| allowed(event));
    (complete || stopped).then_some(complete)
}

/// Judge a schedule that ends in the state of `branch` (see [`at_an_end`]): a complete one
/// by the user's `at_end` properties, a stopped one by its recovery.
fn finish(branch: Box<Branch>, complete: bool, expansion: &mut Expansion) {
    expansion.complete += u64::from(complete);
    expansion.ended += u64::from(!complete);
    let schedule = branch.schedule.clone();
    let violations = if complete { branch.watchers.custom_at_end(&branch.sim) } else { recovery_violations(*branch) };
    if !violations.is_empty() {
        expansion.violation = Some((schedule.choices(), violations));
    }
}

/// With losses folded: the state `branch` is left in when every message still in flight is
/// lost, where the events the bounds allow from it are all messages and the loss budget
/// covers every copy of them. Every schedule that loses messages and stops is one of
/// these: the same steps with the lost messages left in flight reach a state without
/// losses (a message in flight changes no node, and one its node comes to ignore is taken
/// at once either way), and the search visits that one. The losses come last in the
/// schedule, which is as short as any that loses them earlier.
fn lose_what_is_in_flight(
    branch: &Branch,
    pending: &[(PendingEvent, u32)],
    options: SearchOptions,
) -> Option<Box<Branch>> {
    let allowed = allows(options, branch.timeouts);
    let mut in_flight = pending.iter().filter(|(event, _)| allowed(event)).peekable();
    in_flight.peek()?;
    let distinct = in_flight.clone().count();
    if !in_flight.all(|(event, _)| event.is_message()) || branch.losses + distinct > options.max_losses {
        return None;
    }
    let mut stopped = Box::new(branch.clone());
    loop {
        let pending = stopped.sim.pending_slots();
        let Some((pick, &(event, slot))) = pending.iter().enumerate().find(|(_, (event, _))| allowed(event)) else {
            return Some(stopped);
        };
        // A second copy of a message lost, or a step that makes something else happen:
        // more than the budget covers, or not a stop.
        if !event.is_message() || stopped.losses >= options.max_losses {
            return None;
        }
        if stopped.sim.step_slot(slot, true, &mut stopped.watchers).is_some() {
            return None; // the run ended on the way (its liveness deadline passed)
        }
        stopped.schedule = stopped.schedule.then(Choice { pick: pick as u32, lose: true });
        stopped.losses += 1;
        stopped.watchers.after_step(&stopped.sim);
    }
}

/// What goes wrong when the run of `branch` goes on from its state as the timed scheduler
/// would, losing nothing more: whether every request is then answered (liveness, as `run`
/// judges it: within the scenario's budget, owed to correct clients only), and whether the
/// run ends at all (progress), or stays safe on the way. This is how a search judges
/// liveness: a schedule it stopped (its bounds allow no further step) must recover once the
/// network behaves; the losses it chose must not leave a request stuck.
fn recovery_violations(branch: Branch) -> Vec<Violation> {
    let Branch { mut sim, mut watchers, .. } = branch;
    let end = watchers.run_to_end(&mut sim, &mut crate::sim::Unobserved);
    let mut violations = watchers.safety_violations(&sim);
    violations.extend(watchers.custom_at_end(&sim));
    match check_progress(&sim, end) {
        Some(runaway) => violations.push(runaway),
        None => violations.extend(check_liveness(&sim, end).violations(sim.seed())),
    }
    violations
}

/// Whether `child`, whose state is `key`, must be explored: a new state, or one explored
/// before with a sleep set that did not cover this one's (then only the difference is left
/// to explore, and the state remembers the smaller sleep set).
fn admit(visited: &mut Visited, key: u128, child: &mut Branch) -> bool {
    match visited.get_mut(&key) {
        None => {
            visited.insert(key, child.sleep.clone());
            true
        }
        Some(stored) if stored.iter().all(|step| child.sleep.contains(step)) => false,
        Some(stored) => {
            // Explored before, asleep to the steps in `stored`; ours is asleep to fewer.
            // Only those are left to take (the rest were taken then), and what the ones
            // taken now leave asleep in their children is what both sleep sets agree on:
            // leaving asleep a step that was taken then would lose the orders that begin
            // with one of ours and go on with it (Godefroid, sleep sets with state caching).
            let missing: Vec<Step> = stored.iter().filter(|step| !child.sleep.contains(step)).copied().collect();
            stored.retain(|step| child.sleep.contains(step));
            child.sleep.clone_from(stored);
            child.only = Some(missing);
            true
        }
    }
}

/// A state's identity: the simulation's, the losses, timeouts and reorders spent (they bound what is
/// left to explore), and what the checkers remember.
fn digest(branch: &Branch) -> u128 {
    let mut watchers = crate::sim::Fingerprint::default();
    branch.watchers.hash_state(&mut watchers);
    let spent = (branch.reorders as u128) << 48 | (branch.losses as u128) << 32 | branch.timeouts as u128;
    let mixed = spent << 64 | u128::from(watchers.value());
    branch.sim.state_digest() ^ mixed.rotate_left(17)
}

/// The scenario that replays `schedule` and expects its first violation.
fn counterexample(scenario: &Scenario, seed: u64, schedule: Vec<Choice>, violations: Vec<Violation>) -> Counterexample {
    let schedule = Schedule { choices: schedule };
    let mut replay = scenario.clone();
    replay.seed = seed;
    replay.seeds = Default::default();
    replay.choices = Some(schedule.clone());
    replay.expect.violation = violations.first().map(|violation| violation.property);
    Counterexample { schedule, violations, scenario: replay }
}

/// A schedule in words, a line a step, for printing it.
pub fn describe_schedule(scenario: &Scenario, seed: u64, schedule: &Schedule) -> Vec<String> {
    let Ok(mut sim) = Simulation::new(scenario, seed) else { return Vec::new() };
    sim.choose_losses();
    let mut lines = Vec::new();
    for (index, choice) in schedule.choices.iter().enumerate() {
        let Some(step) = sim.describe_pending(choice.pick as usize, choice.lose) else { break };
        lines.push(format!("{:>3}. {step}", index + 1));
        if sim.step_choice_unobserved(index + 1, *choice).is_err() {
            break;
        }
    }
    lines
}
