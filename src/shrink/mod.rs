//! Shrinking a failing run to a small scenario that fails the same way.
//!
//! [`shrink`] takes a scenario and a seed whose run breaks a property, and searches for a
//! smaller scenario that, with the same seed, still breaks *the same property*:
//!
//! 1. [`knobs`]: greedy passes over the scenario's knobs (fewer random requests, fewer
//!    faults, servers, clients and tokens, no link loss, duplication or role changes,
//!    shorter delays), each change kept only if the candidate still fails, to a fixed point.
//! 2. [`requests`]: the random workload becomes the explicit `[[requests]]` the run
//!    submitted (each at its submission time, by its client), which is delta-debugged
//!    (chunks, then single requests) and compacted (unused tokens dropped, clients merged,
//!    times moved earlier), again with the knob passes, to a fixed point.
//!
//! The search runs twice, knobs first and requests first, and keeps the smaller result
//! (fewer requests, then servers, clients, tokens, faults; the first on a tie): any change
//! of timing reorders a run's events, so the two paths often end in different places.
//!
//! Every candidate is re-checked with [`check_run`](crate::check::check_run), which is
//! deterministic, and passes run in a fixed order: the same input gives the same output.

mod knobs;
mod output;
mod requests;

pub use output::render;

use crate::check::{check_run, Property, RunVerdict};
use crate::scenario::{Scenario, ScenarioError, Seeds};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why a shrink could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShrinkError {
    /// The scenario cannot run.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The seed's run broke nothing, so there is nothing to shrink.
    #[error("seed {seed} passes every checker: there is no failure to shrink")]
    Passes {
        /// The seed.
        seed: u64,
    },
    /// The run failed, but not with the property asked for.
    #[error("seed {seed} does not break {property}; it breaks: {found}")]
    OtherProperty {
        /// The seed.
        seed: u64,
        /// The property asked for.
        property: Property,
        /// The properties it does break, comma-separated.
        found: String,
    },
}

/// The size of a scenario, as the shrinker measures it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Requests: explicit ones plus the random workload's.
    pub requests: u64,
    /// Servers.
    pub servers: u32,
    /// Clients.
    pub clients: u32,
    /// Tokens.
    pub tokens: usize,
    /// Faulty servers from the start plus scheduled fault events.
    pub faults: usize,
}

impl Size {
    /// The size of `scenario` (which must be valid).
    pub fn of(scenario: &Scenario) -> Size {
        let tokens = scenario.world(&scenario.name).map_or(0, |world| world.owners.len());
        Size {
            requests: scenario.requests.len() as u64 + scenario.random_workload().requests,
            servers: scenario.world.servers,
            clients: scenario.world.clients,
            tokens,
            faults: scenario.faults.len() + scenario.schedule.len(),
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests, {} servers, {} clients, {} tokens, {} faults",
            self.requests, self.servers, self.clients, self.tokens, self.faults
        )
    }
}

/// What the shrinker is doing, for a progress display.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Candidates checked so far.
    pub checks: u64,
    /// The pass running.
    pub pass: &'static str,
    /// The size of the smallest failing case so far.
    pub size: Size,
}

/// The result of a shrink.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smallest failing scenario found; its `seed` is the run's seed and its
    /// `[expect] violation` the property.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
    /// The property it breaks.
    pub property: Property,
    /// The size of the case shrinking started from.
    pub original: Size,
    /// How many candidates were checked.
    pub checks: u64,
    /// How many changes each pass kept, in the order passes first kept one.
    pub kept: Vec<(&'static str, u64)>,
    /// The violations of the shrunk run.
    pub verdict: RunVerdict,
}

/// Whether `scenario` with `seed` breaks `property`; an invalid scenario or a panic (unless
/// `property` is `no_panic`) counts as not failing that way.
pub fn fails_with(scenario: &Scenario, seed: u64, property: Property) -> bool {
    match catch_unwind(AssertUnwindSafe(|| check_run(scenario, seed))) {
        Ok(Ok(verdict)) => verdict.violations.iter().any(|violation| violation.property == property),
        Ok(Err(_)) => false,
        Err(_) => property == Property::NoPanic,
    }
}

/// Shrink the failing run of `scenario` (already drawn, for a swarm seed: see
/// [`scenario_for_seed`](crate::sweep::scenario_for_seed)) with `seed`. The target is
/// `property`, or the first property the run breaks. `progress` is called after every check.
pub fn shrink(
    scenario: &Scenario,
    seed: u64,
    property: Option<Property>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Shrunk, ShrinkError> {
    let verdict = check_run(scenario, seed)?;
    let found: Vec<Property> = verdict.violations.iter().map(|violation| violation.property).collect();
    let property = match (property, found.first()) {
        (_, None) => return Err(ShrinkError::Passes { seed }),
        (Some(property), _) if !found.contains(&property) => {
            let mut names: Vec<&str> = found.iter().map(Property::name).collect();
            names.dedup();
            return Err(ShrinkError::OtherProperty { seed, property, found: names.join(", ") });
        }
        (Some(property), _) => property,
        (None, Some(first)) => *first,
    };
    let mut start = scenario.clone();
    start.seed = seed;
    start.seeds = Seeds::default();
    start.expect.violation = None;
    let original = Size::of(&start);
    let mut checks = 0;
    let mut best: Option<(Scenario, Vec<(&'static str, u64)>)> = None;
    for knobs_first in [true, false] {
        let mut shrinker = Shrinker { seed, property, current: start.clone(), checks, kept: Vec::new(), progress };
        shrinker.run(knobs_first);
        checks = shrinker.checks;
        if best.as_ref().is_none_or(|(scenario, _)| smaller(&shrinker.current, scenario)) {
            best = Some((shrinker.current, shrinker.kept));
        }
    }
    let (mut result, kept) = best.expect("one search ran");
    result.expect.violation = Some(property);
    let verdict = check_run(&result, seed)?;
    Ok(Shrunk { scenario: result, seed, property, original, checks, kept, verdict })
}

/// Whether `a` is smaller than `b`: fewer requests first, then servers, clients, tokens, faults.
fn smaller(a: &Scenario, b: &Scenario) -> bool {
    let key = |size: Size| (size.requests, size.servers, size.clients, size.tokens, size.faults);
    key(Size::of(a)) < key(Size::of(b))
}

/// The search state: the smallest failing scenario so far, and what it cost.
pub(crate) struct Shrinker<'a> {
    seed: u64,
    property: Property,
    pub(crate) current: Scenario,
    checks: u64,
    kept: Vec<(&'static str, u64)>,
    progress: &'a mut dyn FnMut(&Progress),
}

impl Shrinker<'_> {
    /// Both phases, each to a fixed point. With `knobs_first` false the run's requests are
    /// made explicit at once, before any knob changes them: a different path through a
    /// rugged landscape, which sometimes ends smaller.
    fn run(&mut self, knobs_first: bool) {
        while knobs_first && knobs::all(self) {}
        if requests::make_explicit(self) {
            while requests::minimise(self) | knobs::all(self) {}
        }
    }

    /// Keep `candidate` if it differs from the current case and still fails the same way.
    pub(crate) fn attempt(&mut self, pass: &'static str, candidate: Scenario) -> bool {
        if candidate == self.current {
            return false;
        }
        self.checks += 1;
        let fails = fails_with(&candidate, self.seed, self.property);
        if fails {
            self.current = candidate;
            match self.kept.iter_mut().find(|(name, _)| *name == pass) {
                Some((_, count)) => *count += 1,
                None => self.kept.push((pass, 1)),
            }
        }
        let size = Size::of(&self.current);
        (self.progress)(&Progress { checks: self.checks, pass, size });
        fails
    }

    /// Try `edit` on a copy of the current case; see [`Shrinker::attempt`].
    pub(crate) fn attempt_edit(&mut self, pass: &'static str, edit: impl FnOnce(&mut Scenario) -> bool) -> bool {
        let mut candidate = self.current.clone();
        edit(&mut candidate) && self.attempt(pass, candidate)
    }

    /// The seed.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The property the case must keep breaking.
    pub(crate) fn property(&self) -> Property {
        self.property
    }
}
