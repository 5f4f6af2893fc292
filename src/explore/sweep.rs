//! Seed sweeps: every seed of a range through the one judge ([`Run`]), in parallel across
//! seeds.
//!
//! Workers take seeds from a shared counter and fold each result into a running summary at
//! once, so memory stays flat however many seeds run; the summaries are joined at the end
//! in a way that does not depend on the order seeds finished in: the report is the same
//! for any number of jobs.
//!
//! # Merging shards
//! A sweep can be split over machines by seed range (`--seeds 0..50000` here,
//! `--seeds 50000..100000` there, each with `--json`; or `--shard K/N` of one range, see
//! [`super::shard`]). [`SweepReport::merge`] (or
//! `tokensim merge a.json b.json`) joins such reports. It refuses reports that do not belong
//! together (another scenario, scenario content, variant, swarm mode, tokensim version or
//! report schema) and reports that do not add up (a backwards or overlapping range, counts
//! that disagree with the ranges, or totals that would overflow).

use super::reproduce::Origin;
use super::swarm::scenario_for_seed;
use crate::check::custom::CustomProperty;
use crate::protocol::Probe;
use crate::report::REPORT_SCHEMA;
use crate::run::Run;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Fingerprint;
use crate::vocab::{LatencyHistogram, Property, Violation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// How many failing seeds a report keeps in full (the lowest ones); the rest are counted.
pub const FAILURES_KEPT: usize = 1_000;

/// How many of the slowest seeds (by events) a report names.
pub const SLOWEST_KEPT: usize = 5;

/// Seeds `start..end` (end excluded), written `A..B` on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeedRange {
    /// The first seed.
    pub start: u64,
    /// One past the last seed.
    pub end: u64,
}

impl SeedRange {
    /// How many seeds (none for a backwards range).
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range has no seed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    #[error("seed range `{text}`: expected `A..B` with whole numbers A < B (B excluded, at most {max}), like `0..1000`", max = u64::MAX)]
    RangeSyntax {
        /// What was given.
        text: String,
    },
    /// The range runs backwards or holds no seed.
    #[error("seed range `{text}`: {problem}")]
    RangeEmpty {
        /// What was given.
        text: String,
        /// Why it holds no seed.
        problem: String,
    },
    /// The base scenario is invalid.
    #[error("scenario: {0}")]
    Scenario(#[from] ScenarioError),
    /// Two reports to merge disagree on what they swept, or one does not add up.
    #[error("cannot merge report {index}: {problem}")]
    Incompatible {
        /// Position of the report among those given (from 0).
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
        let empty = |problem: String| SweepError::RangeEmpty { text: text.to_string(), problem };
        if start > end {
            return Err(empty(format!("the start {start} is after the end {end}")));
        }
        if start == end {
            return Err(empty(format!("it holds no seed (the end {end} is excluded); try `{start}..{}`", start + 1)));
        }
        Ok(SeedRange { start, end })
    }
}

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The scenario (the base of every world under `swarm`), variant applied.
    pub scenario: Scenario,
    /// How the scenario was named, for reproduce commands.
    pub origin: Origin,
    /// The seeds.
    pub seeds: SeedRange,
    /// How many worker threads (at least 1).
    pub jobs: usize,
    /// Whether each seed draws its own world ([`scenario_for_seed`]).
    pub swarm: bool,
    /// Stop once this many seeds have failed (`None`: run every seed). The report then
    /// covers the seeds handed out before the stop, which with several jobs may differ
    /// between runs by a few seeds.
    pub max_failures: Option<u64>,
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

/// A seed that took many events, named so that a pathological one is seen early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SlowSeed {
    /// Events the run processed.
    pub events: u64,
    /// The seed.
    pub seed: u64,
}

/// The result of a sweep (or of merged sweeps); the same for any number of jobs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    /// The report's JSON shape ([`REPORT_SCHEMA`]).
    pub schema: u32,
    /// The tokensim version that made it.
    pub tokensim: String,
    /// The base scenario's name.
    pub scenario: String,
    /// A hash of the base scenario's whole content (variant included), in hex: reports of
    /// different scenarios that share a name are told apart.
    pub scenario_hash: String,
    /// The protocol variant swept.
    pub variant: String,
    /// Whether seeds drew their own worlds.
    pub swarm: bool,
    /// The seed ranges covered, ascending and disjoint.
    pub ranges: Vec<SeedRange>,
    /// Seeds run.
    pub seeds_run: u64,
    /// Seeds that met their scenario's expectations.
    pub seeds_passed: u64,
    /// Seeds that did not.
    pub seeds_failed: u64,
    /// Requests submitted over all runs.
    pub requests: u64,
    /// Role changes that took effect over all runs.
    pub role_changes: u64,
    /// Events processed over all runs.
    pub events: u64,
    /// Seeds whose fault budget was broken, so that liveness was not owed.
    pub seeds_liveness_not_owed: u64,
    /// Requests of correct clients left unanswered, over all runs (owed or not).
    pub stuck_requests: u64,
    /// Violations by property name, over all seeds.
    pub violations_by_property: BTreeMap<String, u64>,
    /// Start-to-answer latencies of every answered request over all seeds.
    pub latency_us: LatencyHistogram,
    /// For each rare path of the protocol (coverage probe), how many seeds took it.
    pub probe_seeds: BTreeMap<String, u64>,
    /// The failing seeds, ascending: the lowest [`FAILURES_KEPT`] of them.
    pub failures: Vec<SeedFailure>,
    /// Failing seeds beyond those kept in `failures`.
    pub failures_omitted: u64,
    /// The seeds that took the most events, most first.
    pub slowest: Vec<SlowSeed>,
}

/// A hash of `scenario`'s whole content, as 16 hex digits.
pub fn scenario_hash(scenario: &Scenario) -> String {
    let mut fingerprint = Fingerprint::default();
    fingerprint.add(&serde_json::to_string(scenario).expect("a scenario serialises"));
    format!("{:016x}", fingerprint.value())
}

/// Sweep `options.seeds`, calling `progress` once per seed done (from any worker).
pub fn sweep(options: &SweepOptions, progress: &(dyn Fn() + Sync)) -> Result<SweepReport, SweepError> {
    sweep_with(options, &[], progress)
}

/// [`sweep`], judging every seed on the user's `properties` as well (see
/// [`crate::check::custom`]).
pub fn sweep_with(
    options: &SweepOptions,
    properties: &[CustomProperty],
    progress: &(dyn Fn() + Sync),
) -> Result<SweepReport, SweepError> {
    options.scenario.world(options.origin.name())?;
    // Offsets, not seeds, are handed out: a range that ends at the top of u64 cannot wrap.
    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let failed = AtomicU64::new(0);
    let summaries: Mutex<Vec<Summary>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| {
                let mut summary = Summary::default();
                while !stop.load(Ordering::Relaxed) {
                    let offset = next.fetch_add(1, Ordering::Relaxed);
                    if offset >= options.seeds.len() {
                        break;
                    }
                    let seed = options.seeds.start + offset;
                    let passed = summary.add(options, properties, seed);
                    if !passed {
                        let failures = failed.fetch_add(1, Ordering::Relaxed) + 1;
                        if options.max_failures.is_some_and(|max| failures >= max) {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                    progress();
                }
                summaries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(summary);
            });
        }
    });
    let handed_out = next.load(Ordering::Relaxed).min(options.seeds.len());
    let mut total = Summary::default();
    for summary in summaries.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()) {
        total.join(summary);
    }
    let covered = SeedRange { start: options.seeds.start, end: options.seeds.start + handed_out };
    Ok(total.into_report(options, covered))
}

/// What a worker keeps of the seeds it ran: counts, and the lowest failures.
#[derive(Default)]
struct Summary {
    seeds_run: u64,
    seeds_failed: u64,
    requests: u64,
    role_changes: u64,
    events: u64,
    liveness_not_owed: u64,
    stuck_requests: u64,
    violations_by_property: BTreeMap<String, u64>,
    latency_us: LatencyHistogram,
    probe_seeds: [u64; Probe::ALL.len()],
    failures: BTreeMap<u64, SeedFailure>,
    slowest: Vec<SlowSeed>,
}

impl Summary {
    /// Run `seed` and fold it in; whether it passed.
    fn add(&mut self, options: &SweepOptions, properties: &[CustomProperty], seed: u64) -> bool {
        let scenario = scenario_for_seed(&options.scenario, seed, options.swarm);
        self.seeds_run += 1;
        let outcome = match Run::new(&scenario)
            .seed(seed)
            .properties(properties.iter().cloned())
            .retire(crate::check::retire::RETIRE_EVERY)
            .execute()
        {
            Ok(outcome) => outcome,
            Err(error) => {
                let violation = Violation::new(Property::NoPanic, format!("the seed's scenario is invalid: {error}"));
                self.fail(options, seed, vec![violation.with_seed(seed)]);
                return false;
            }
        };
        let verdict = &outcome.verdict;
        self.requests += verdict.requests as u64;
        self.role_changes += verdict.role_changes as u64;
        self.latency_us.absorb(&verdict.latency_us);
        for (probe, hits) in outcome.simulation.probes().iter() {
            self.probe_seeds[probe.index()] += u64::from(hits > 0);
        }
        let events = outcome.simulation.counters().events;
        self.events += events;
        self.note_events(SlowSeed { events, seed });
        if let Some(liveness) = &verdict.liveness {
            self.liveness_not_owed += u64::from(!liveness.required);
            self.stuck_requests += liveness.stuck.len() as u64;
        }
        if verdict.passed() {
            return true;
        }
        self.fail(options, seed, verdict.violations.clone());
        false
    }

    fn fail(&mut self, options: &SweepOptions, seed: u64, violations: Vec<Violation>) {
        self.seeds_failed += 1;
        for violation in &violations {
            *self.violations_by_property.entry(violation.property.name().to_string()).or_insert(0) += 1;
        }
        let reproduce = options.origin.reproduce_command(seed, options.swarm);
        self.failures.insert(seed, SeedFailure { seed, reproduce, violations });
        if self.failures.len() > FAILURES_KEPT {
            self.failures.pop_last();
        }
    }

    fn note_events(&mut self, slow: SlowSeed) {
        self.slowest.push(slow);
        // Most events first; among equals the lower seed, so the choice is the same for any jobs.
        self.slowest.sort_unstable_by(|a, b| b.events.cmp(&a.events).then(a.seed.cmp(&b.seed)));
        self.slowest.truncate(SLOWEST_KEPT);
    }

    fn join(&mut self, other: Summary) {
        self.seeds_run += other.seeds_run;
        self.seeds_failed += other.seeds_failed;
        self.requests += other.requests;
        self.role_changes += other.role_changes;
        self.events += other.events;
        self.liveness_not_owed += other.liveness_not_owed;
        self.stuck_requests += other.stuck_requests;
        for (property, count) in other.violations_by_property {
            *self.violations_by_property.entry(property).or_insert(0) += count;
        }
        self.latency_us.absorb(&other.latency_us);
        for (mine, theirs) in self.probe_seeds.iter_mut().zip(other.probe_seeds) {
            *mine += theirs;
        }
        self.failures.extend(other.failures);
        while self.failures.len() > FAILURES_KEPT {
            self.failures.pop_last();
        }
        for slow in other.slowest {
            self.note_events(slow);
        }
    }

    fn into_report(self, options: &SweepOptions, covered: SeedRange) -> SweepReport {
        let failures_omitted = self.seeds_failed - self.failures.len() as u64;
        SweepReport {
            schema: REPORT_SCHEMA,
            tokensim: env!("CARGO_PKG_VERSION").to_string(),
            scenario: options.scenario.name.clone(),
            scenario_hash: scenario_hash(&options.scenario),
            variant: options.scenario.variant.to_string(),
            swarm: options.swarm,
            ranges: if covered.is_empty() { Vec::new() } else { vec![covered] },
            seeds_run: self.seeds_run,
            seeds_passed: self.seeds_run - self.seeds_failed,
            seeds_failed: self.seeds_failed,
            requests: self.requests,
            role_changes: self.role_changes,
            events: self.events,
            seeds_liveness_not_owed: self.liveness_not_owed,
            stuck_requests: self.stuck_requests,
            violations_by_property: self.violations_by_property,
            latency_us: self.latency_us,
            probe_seeds: Probe::ALL
                .iter()
                .map(|probe| (probe.name().to_string(), self.probe_seeds[probe.index()]))
                .collect(),
            failures: self.failures.into_values().collect(),
            failures_omitted,
            slowest: self.slowest,
        }
    }
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
        first.check_sums().map_err(|problem| SweepError::Incompatible { index: 0, problem })?;
        let mut merged = first.clone();
        for (index, report) in reports.iter().enumerate().skip(1) {
            let incompatible = |problem: String| SweepError::Incompatible { index, problem };
            report.check_sums().map_err(incompatible)?;
            merged.check_same_sweep(report).map_err(incompatible)?;
            merged.absorb(report).map_err(incompatible)?;
        }
        merged.ranges = coalesce(merged.ranges);
        Ok(merged)
    }

    /// Whether this report's figures agree with each other.
    fn check_sums(&self) -> Result<(), String> {
        if self.schema != REPORT_SCHEMA {
            return Err(format!(
                "it has report schema {}, this tokensim reads schema {REPORT_SCHEMA}; rerun the sweep with this version",
                self.schema
            ));
        }
        if let Some(range) = self.ranges.iter().find(|range| range.start >= range.end) {
            return Err(format!("its seed range {range} is empty or backwards"));
        }
        let mut covered: u64 = 0;
        for range in &self.ranges {
            covered = covered.checked_add(range.len()).ok_or("its seed ranges hold more than 2^64 seeds")?;
        }
        if covered != self.seeds_run {
            return Err(format!("its ranges hold {covered} seeds but it says {} ran", self.seeds_run));
        }
        if self.seeds_passed.checked_add(self.seeds_failed) != Some(self.seeds_run) {
            return Err(format!(
                "{} passed and {} failed do not add up to the {} seeds run",
                self.seeds_passed, self.seeds_failed, self.seeds_run
            ));
        }
        if self.failures.len() as u64 + self.failures_omitted != self.seeds_failed {
            return Err(format!(
                "it lists {} failures and {} omitted, but says {} seeds failed",
                self.failures.len(),
                self.failures_omitted,
                self.seeds_failed
            ));
        }
        if let Some(failure) =
            self.failures.iter().find(|f| !self.ranges.iter().any(|r| (r.start..r.end).contains(&f.seed)))
        {
            return Err(format!("its failing seed {} is outside its seed ranges", failure.seed));
        }
        Ok(())
    }

    fn check_same_sweep(&self, other: &SweepReport) -> Result<(), String> {
        let fields = [
            ("tokensim version", &self.tokensim, &other.tokensim),
            ("scenario", &self.scenario, &other.scenario),
            ("variant", &self.variant, &other.variant),
            ("scenario content (hash)", &self.scenario_hash, &other.scenario_hash),
        ];
        if let Some((what, mine, theirs)) = fields.iter().find(|(_, mine, theirs)| mine != theirs) {
            return Err(format!("its {what} is `{theirs}`, the first report's is `{mine}`"));
        }
        if self.swarm != other.swarm {
            return Err(format!("it swept with swarm {}, the first report with swarm {}", other.swarm, self.swarm));
        }
        let overlap = other.ranges.iter().find(|a| self.ranges.iter().any(|b| a.start < b.end && b.start < a.end));
        if let Some(range) = overlap {
            return Err(format!("its seeds {range} overlap seeds already merged"));
        }
        Ok(())
    }

    fn absorb(&mut self, other: &SweepReport) -> Result<(), String> {
        let add = |a: u64, b: u64, what: &str| a.checked_add(b).ok_or_else(|| format!("the merged {what} overflow"));
        self.ranges.extend(other.ranges.iter().copied());
        self.seeds_run = add(self.seeds_run, other.seeds_run, "seed counts")?;
        self.seeds_passed = add(self.seeds_passed, other.seeds_passed, "seed counts")?;
        self.seeds_failed = add(self.seeds_failed, other.seeds_failed, "seed counts")?;
        self.requests = add(self.requests, other.requests, "request counts")?;
        self.role_changes = add(self.role_changes, other.role_changes, "role change counts")?;
        self.events = add(self.events, other.events, "event counts")?;
        self.seeds_liveness_not_owed = add(self.seeds_liveness_not_owed, other.seeds_liveness_not_owed, "seed counts")?;
        self.stuck_requests = add(self.stuck_requests, other.stuck_requests, "request counts")?;
        for (property, count) in &other.violations_by_property {
            let slot = self.violations_by_property.entry(property.clone()).or_insert(0);
            *slot = add(*slot, *count, "violation counts")?;
        }
        self.latency_us.absorb(&other.latency_us);
        for (probe, seeds) in &other.probe_seeds {
            let slot = self.probe_seeds.entry(probe.clone()).or_insert(0);
            *slot = add(*slot, *seeds, "probe counts")?;
        }
        let mut failures: BTreeMap<u64, SeedFailure> = self.failures.drain(..).map(|f| (f.seed, f)).collect();
        failures.extend(other.failures.iter().map(|f| (f.seed, f.clone())));
        let mut omitted = self.failures_omitted + other.failures_omitted;
        while failures.len() > FAILURES_KEPT {
            failures.pop_last();
            omitted += 1;
        }
        self.failures = failures.into_values().collect();
        self.failures_omitted = omitted;
        let mut slowest: Vec<SlowSeed> = self.slowest.iter().chain(&other.slowest).copied().collect();
        slowest.sort_unstable_by(|a, b| b.events.cmp(&a.events).then(a.seed.cmp(&b.seed)));
        slowest.truncate(SLOWEST_KEPT);
        self.slowest = slowest;
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
        let backwards = "5..2".parse::<SeedRange>().unwrap_err().to_string();
        assert!(backwards.contains("start 5 is after the end 2"), "{backwards}");
        let empty = "5..5".parse::<SeedRange>().unwrap_err().to_string();
        assert!(empty.contains("holds no seed") && empty.contains("5..6"), "{empty}");
        for bad in ["abc", "1..x", "..3", "4", "-1..3", "0..18446744073709551616"] {
            let message = bad.parse::<SeedRange>().unwrap_err().to_string();
            assert!(message.contains("expected `A..B`"), "{bad}: {message}");
        }
        let top = "18446744073709551614..18446744073709551615".parse::<SeedRange>().unwrap();
        assert_eq!(top.len(), 1);
    }

    #[test]
    fn adjacent_ranges_coalesce() {
        let r = |start, end| SeedRange { start, end };
        assert_eq!(coalesce(vec![r(10, 20), r(0, 10), r(30, 40)]), [r(0, 20), r(30, 40)]);
    }
}
