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
//! Every candidate is re-run through the one judge ([`Run`]), which is deterministic, and
//! passes run in a fixed order: the same input gives the same output. A run that panics is
//! shrunk like any other failure: the target is then a panic at the same place in the code
//! (the file and line the panic names), so the shrunk case panics the same way.

mod knobs;
mod output;
mod requests;

pub use output::render;

use crate::check::Verdict;
use crate::run::Run;
use crate::scenario::{Scenario, ScenarioError, Seeds};
use crate::vocab::{count, Property, PropertySet};

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
        let counts = [
            count(self.requests, "request", "requests"),
            count(self.servers as u64, "server", "servers"),
            count(self.clients as u64, "client", "clients"),
            count(self.tokens as u64, "token", "tokens"),
            count(self.faults as u64, "fault", "faults"),
        ];
        f.write_str(&counts.join(", "))
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
    pub verdict: Verdict,
}

/// What a candidate must still break to count as failing the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The property.
    pub property: Property,
    /// For a panic: where in the code it happened (`file:line`), when the panic said.
    pub panic_site: Option<String>,
}

impl Target {
    /// The target of `property` as `verdict` broke it.
    fn of(property: Property, verdict: &Verdict) -> Target {
        let panic_site = match property {
            Property::NoPanic => verdict.violations.iter().find_map(|violation| panic_site(&violation.detail)),
            _ => None,
        };
        Target { property, panic_site }
    }

    /// Whether `verdict` breaks this target.
    fn hit_by(&self, verdict: &Verdict) -> bool {
        verdict.violations.iter().any(|violation| {
            violation.property == self.property
                && self.panic_site.as_ref().is_none_or(|site| panic_site(&violation.detail).as_ref() == Some(site))
        })
    }
}

/// The `file:line` a panic's violation names (`... (at src/x.rs:12)`), if it names one.
fn panic_site(detail: &str) -> Option<String> {
    let start = detail.rfind("(at ")? + 4;
    detail[start..].strip_suffix(')').map(str::to_string)
}

/// The verdict of `scenario` with `seed`, judging only what `target` needs; `None` for a
/// scenario that cannot run.
fn judge(scenario: &Scenario, seed: u64, property: Option<Property>) -> Option<Verdict> {
    let judged = property.map_or_else(PropertySet::all, |property| PropertySet::none().with(property));
    Run::new(scenario).seed(seed).judge(judged).execute().ok().map(|outcome| outcome.verdict)
}

/// Whether `scenario` with `seed` breaks `target`; an invalid scenario counts as not failing.
pub fn fails_with(scenario: &Scenario, seed: u64, target: &Target) -> bool {
    judge(scenario, seed, Some(target.property)).is_some_and(|verdict| target.hit_by(&verdict))
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
    let verdict = Run::new(scenario).seed(seed).execute()?.verdict;
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
    let target = Target::of(property, &verdict);
    let mut start = scenario.clone();
    start.seed = seed;
    start.seeds = Seeds::default();
    start.expect.violation = None;
    let original = Size::of(&start);
    let mut checks = 0;
    let mut best: Option<(Scenario, Vec<(&'static str, u64)>)> = None;
    for knobs_first in [true, false] {
        let mut shrinker =
            Shrinker { seed, target: target.clone(), current: start.clone(), checks, kept: Vec::new(), progress };
        shrinker.run(knobs_first);
        checks = shrinker.checks;
        if best.as_ref().is_none_or(|(scenario, _)| smaller(&shrinker.current, scenario)) {
            best = Some((shrinker.current, shrinker.kept));
        }
    }
    let (mut result, kept) = best.expect("one search ran");
    result.expect.violation = Some(property);
    let verdict = Run::new(&result).seed(seed).execute()?.verdict;
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
    target: Target,
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
        let fails = fails_with(&candidate, self.seed, &self.target);
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

    /// The property the case must keep breaking.
    pub(crate) fn property(&self) -> Property {
        self.target.property
    }

    /// The history the current case's run submitted (partial if it panicked).
    pub(crate) fn current_history(&self) -> Option<crate::sim::History> {
        let outcome = Run::new(&self.current).seed(self.seed).judge(PropertySet::none()).execute().ok()?;
        Some(outcome.simulation.history().clone())
    }
}
