//! Seed sweeps: every checker over a range of seeds, in parallel across seeds.
//!
//! Each seed is an independent run, so workers take seeds from a shared counter and the
//! results are sorted by seed at the end: the report is the same for any number of jobs.
//!
//! # Merging shards
//! A sweep can be split over machines by seed range (`--seeds 0..50000` here,
//! `--seeds 50000..100000` there, each with `--json`). [`SweepReport::merge`] (or
//! `tokensim merge a.json b.json`) joins such reports: the scenario and swarm flag must
//! agree and the ranges must not overlap; ranges are concatenated (adjacent ones coalesce),
//! counts are added, and failures are joined in seed order.

use crate::check::{check_run, Property, RunVerdict, Violation};
use crate::latency::LatencyHistogram;
use crate::protocol::Variant;
use crate::scenario::{Scenario, ScenarioError};
use crate::swarm::swarm_scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Seeds `start..end` (end excluded), written `A..B` on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeedRange {
    /// The first seed.
    pub start: u64,
    /// One past the last seed.
    pub end: u64,
}

impl SeedRange {
    /// How many seeds.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the range has no seed.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Why a sweep cannot run or reports cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// The seed range is not `A..B` with numbers.
    #[error("seed range `{text}`: expected `A..B` with whole numbers A <= B, like `0..1000`")]
    RangeSyntax {
        /// What was given.
        text: String,
    },
    /// The range runs backwards.
    #[error("seed range `{text}`: the start {start} is after the end {end}")]
    RangeBackwards {
        /// What was given.
        text: String,
        /// Its start.
        start: u64,
        /// Its end.
        end: u64,
    },
    /// The base scenario is invalid.
    #[error("scenario: {0}")]
    Scenario(#[from] ScenarioError),
    /// Two reports to merge disagree on what they swept.
    #[error("cannot merge report {index}: {problem}")]
    Incompatible {
        /// Position of the report among those given.
        index: usize,
        /// What differs.
        problem: String,
    },
}

impl FromStr for SeedRange {
    type Err = SweepError;

    fn from_str(text: &str) -> Result<SeedRange, SweepError> {
        let syntax = || SweepError::RangeSyntax { text: text.to_string() };
        let (start, end) = text.trim().split_once("..").ok_or_else(syntax)?;
        let start: u64 = start.trim().parse().map_err(|_| syntax())?;
        let end: u64 = end.trim().parse().map_err(|_| syntax())?;
        if start > end {
            return Err(SweepError::RangeBackwards { text: text.to_string(), start, end });
        }
        Ok(SeedRange { start, end })
    }
}

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The scenario (the base of every world under `swarm`).
    pub scenario: Scenario,
    /// How the scenario is named on a command line: its path, or `None` for the default.
    pub scenario_path: Option<String>,
    /// The seeds.
    pub seeds: SeedRange,
    /// How many worker threads (at least 1).
    pub jobs: usize,
    /// Whether each seed draws its own world ([`swarm_scenario`]).
    pub swarm: bool,
}

/// One seed that broke something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedFailure {
    /// The seed.
    pub seed: u64,
    /// The one command that reproduces it.
    pub reproduce: String,
    /// What broke.
    pub violations: Vec<Violation>,
}

/// The result of a sweep (or of merged sweeps); the same for any number of jobs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    /// The base scenario's name.
    pub scenario: String,
    /// Whether seeds drew their own worlds.
    pub swarm: bool,
    /// The seed ranges covered, ascending and disjoint.
    pub ranges: Vec<SeedRange>,
    /// Seeds run.
    pub seeds_run: u64,
    /// Seeds that broke nothing.
    pub seeds_passed: u64,
    /// Seeds that broke something.
    pub seeds_failed: u64,
    /// Requests submitted over all runs.
    pub requests: u64,
    /// Role changes that took effect over all runs (absent in reports of older versions).
    #[serde(default)]
    pub role_changes: u64,
    /// Violations by property name, over all seeds.
    pub violations_by_property: BTreeMap<String, u64>,
    /// Start-to-answer latencies of every answered request over all seeds (empty in
    /// reports of older versions).
    #[serde(default)]
    pub latency_us: LatencyHistogram,
    /// The failing seeds, ascending.
    pub failures: Vec<SeedFailure>,
}

/// The command that replays `seed` of a sweep.
pub fn reproduce_command(scenario_path: Option<&str>, seed: u64, swarm: bool, variant: Variant) -> String {
    let swarm = if swarm { " --swarm" } else { "" };
    let variant = match variant {
        Variant::Correct => String::new(),
        other => format!(" --variant {other}"),
    };
    match scenario_path {
        Some(path) => format!("tokensim run {path} --seed {seed}{swarm}{variant}"),
        None => format!("tokensim run --seed {seed}{swarm}{variant}"),
    }
}

/// The scenario seed `seed` runs under, with or without swarm.
pub fn scenario_for_seed(base: &Scenario, seed: u64, swarm: bool) -> Scenario {
    if swarm {
        swarm_scenario(base, seed)
    } else {
        base.clone()
    }
}

/// Check one seed; a panic becomes a [`Property::NoPanic`] violation.
pub fn check_seed(base: &Scenario, seed: u64, swarm: bool) -> Result<RunVerdict, Violation> {
    let scenario = scenario_for_seed(base, seed, swarm);
    match catch_unwind(AssertUnwindSafe(|| check_run(&scenario, seed))) {
        Ok(Ok(verdict)) => Ok(verdict),
        Ok(Err(error)) => Err(Violation::new(Property::NoPanic, format!("invalid scenario: {error}")).with_seed(seed)),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string());
            Err(Violation::new(Property::NoPanic, format!("panicked: {message}")).with_seed(seed))
        }
    }
}

/// Sweep `options.seeds`, calling `progress` once per seed done (from any worker).
pub fn sweep(options: &SweepOptions, progress: &(dyn Fn() + Sync)) -> Result<SweepReport, SweepError> {
    options.scenario.world(options.scenario_path.as_deref().unwrap_or("default.toml"))?;
    let next = AtomicU64::new(options.seeds.start);
    let results: Mutex<Vec<SeedOutcome>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= options.seeds.end {
                        break;
                    }
                    mine.push(SeedOutcome::new(seed, check_seed(&options.scenario, seed, options.swarm)));
                    progress();
                }
                results.lock().expect("no worker panics holding the lock").extend(mine);
            });
        }
    });
    let mut results = results.into_inner().expect("workers are done");
    results.sort_unstable_by_key(|outcome| outcome.seed);
    Ok(summarise(options, results))
}

/// What a sweep keeps of one seed: only what the report needs.
struct SeedOutcome {
    seed: u64,
    requests: u64,
    role_changes: u64,
    latency_us: LatencyHistogram,
    violations: Vec<Violation>,
}

impl SeedOutcome {
    fn new(seed: u64, result: Result<RunVerdict, Violation>) -> SeedOutcome {
        match result {
            Ok(verdict) => SeedOutcome {
                seed,
                requests: verdict.requests as u64,
                role_changes: verdict.role_changes as u64,
                latency_us: verdict.latency_us,
                violations: verdict.violations,
            },
            Err(violation) => SeedOutcome {
                seed,
                requests: 0,
                role_changes: 0,
                latency_us: LatencyHistogram::new(),
                violations: vec![violation],
            },
        }
    }
}

fn summarise(options: &SweepOptions, results: Vec<SeedOutcome>) -> SweepReport {
    let mut report = SweepReport {
        scenario: options.scenario.name.clone(),
        swarm: options.swarm,
        ranges: if options.seeds.is_empty() { Vec::new() } else { vec![options.seeds] },
        seeds_run: results.len() as u64,
        seeds_passed: 0,
        seeds_failed: 0,
        requests: 0,
        role_changes: 0,
        violations_by_property: BTreeMap::new(),
        latency_us: LatencyHistogram::new(),
        failures: Vec::new(),
    };
    for SeedOutcome { seed, requests, role_changes, latency_us, violations } in results {
        report.requests += requests;
        report.role_changes += role_changes;
        report.latency_us.absorb(&latency_us);
        if violations.is_empty() {
            report.seeds_passed += 1;
            continue;
        }
        report.seeds_failed += 1;
        for violation in &violations {
            *report.violations_by_property.entry(violation.property.name().to_string()).or_insert(0) += 1;
        }
        let reproduce =
            reproduce_command(options.scenario_path.as_deref(), seed, options.swarm, options.scenario.variant);
        report.failures.push(SeedFailure { seed, reproduce, violations });
    }
    report
}

impl SweepReport {
    /// Whether every seed passed.
    pub fn passed(&self) -> bool {
        self.seeds_failed == 0
    }

    /// Join reports of disjoint seed ranges of one sweep; see the module docs.
    pub fn merge(reports: &[SweepReport]) -> Result<SweepReport, SweepError> {
        let Some(first) = reports.first() else {
            return Err(SweepError::Incompatible { index: 0, problem: "no reports given".to_string() });
        };
        let mut merged = first.clone();
        for (index, report) in reports.iter().enumerate().skip(1) {
            merged.absorb(index, report)?;
        }
        merged.failures.sort_by_key(|failure| failure.seed);
        merged.ranges = coalesce(merged.ranges);
        Ok(merged)
    }

    fn absorb(&mut self, index: usize, other: &SweepReport) -> Result<(), SweepError> {
        let incompatible = |problem: String| SweepError::Incompatible { index, problem };
        if (other.scenario.as_str(), other.swarm) != (self.scenario.as_str(), self.swarm) {
            return Err(incompatible(format!(
                "it swept scenario `{}` (swarm {}), the first swept `{}` (swarm {})",
                other.scenario, other.swarm, self.scenario, self.swarm
            )));
        }
        let overlap = other.ranges.iter().find(|a| self.ranges.iter().any(|b| a.start < b.end && b.start < a.end));
        if let Some(range) = overlap {
            return Err(incompatible(format!("its seeds {range} overlap seeds already merged")));
        }
        self.ranges.extend(other.ranges.iter().copied());
        self.seeds_run += other.seeds_run;
        self.seeds_passed += other.seeds_passed;
        self.seeds_failed += other.seeds_failed;
        self.requests += other.requests;
        self.role_changes += other.role_changes;
        self.latency_us.absorb(&other.latency_us);
        for (property, count) in &other.violations_by_property {
            *self.violations_by_property.entry(property.clone()).or_insert(0) += count;
        }
        self.failures.extend(other.failures.iter().cloned());
        Ok(())
    }
}

/// Sort ranges and join the adjacent ones.
fn coalesce(mut ranges: Vec<SeedRange>) -> Vec<SeedRange> {
    ranges.sort_unstable();
    let mut joined: Vec<SeedRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match joined.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => joined.push(range),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_parse_and_bad_ones_say_why() {
        assert_eq!("3..10".parse::<SeedRange>(), Ok(SeedRange { start: 3, end: 10 }));
        assert_eq!("5..5".parse::<SeedRange>().map(|r| r.len()), Ok(0));
        let backwards = "5..2".parse::<SeedRange>().unwrap_err().to_string();
        assert!(backwards.contains("start 5 is after the end 2"), "{backwards}");
        for bad in ["abc", "1..x", "..3", "4", "-1..3"] {
            let message = bad.parse::<SeedRange>().unwrap_err().to_string();
            assert!(message.contains("expected `A..B`"), "{bad}: {message}");
        }
    }

    #[test]
    fn adjacent_ranges_coalesce() {
        let r = |start, end| SeedRange { start, end };
        assert_eq!(coalesce(vec![r(10, 20), r(0, 10), r(30, 40)]), [r(0, 20), r(30, 40)]);
    }
}
