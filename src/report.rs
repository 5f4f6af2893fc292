//! The summary of a finished run: what happened, how fast, and the verdict, as people read
//! it and as one JSON object.

use crate::check::{LivenessReport, RerunComparison, Status, Verdict};
use crate::protocol::{Instant, Outcome, Request};
use crate::run::RunOutcome;
use crate::sim::{Counters, RunEnd, Simulation};
pub use crate::vocab::count;
use crate::vocab::{printable, Property, Violation};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The version of the JSON shape of reports (`run --json`, `check --json`). Bumped whenever a
/// field changes meaning or goes away; new fields may appear without a bump.
pub const REPORT_SCHEMA: u32 = 2;

/// Everything `tokensim run` prints, as text or as one JSON object.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The report's JSON shape, [`REPORT_SCHEMA`].
    pub schema: u32,
    /// The tokensim version that made it.
    pub tokensim: String,
    /// The scenario's name.
    pub scenario: String,
    /// The protocol variant that ran.
    pub variant: String,
    /// The seed that drove the run.
    pub seed: u64,
    /// How the run ended (`None`: it panicked first).
    pub end: Option<RunEnd>,
    /// Simulated time at the end, in microseconds.
    pub simulated_time_us: u64,
    /// A portable hash of the whole event sequence, in hex: equal runs have equal hashes,
    /// and a trace's footer and its replay give the same one.
    pub event_hash: String,
    /// Events and messages.
    pub counters: Counters,
    /// Messages lost, all reasons together.
    pub messages_dropped: u64,
    /// Messages still on their way when the run ended: sent + duplicated = delivered +
    /// dropped + in flight.
    pub messages_in_flight: u64,
    /// Requests by kind and answer.
    pub requests: RequestCounts,
    /// From the start of work on a request to its answer, in simulated microseconds;
    /// `None` when no request was answered.
    pub latency_us: Option<Latency>,
    /// How many tokens each node owns at the end, ascending by node id.
    pub tokens_per_owner: Vec<(u32, u32)>,
    /// How often the nodes took each rare path of the protocol (coverage probes).
    pub probes: BTreeMap<&'static str, u64>,
    /// Every property and how it fared.
    pub properties: Vec<PropertyLine>,
    /// Every violation found.
    pub violations: Vec<Violation>,
    /// The violation the scenario expects (a kept reproduction), if any.
    pub expected_violation: Option<Property>,
    /// What liveness was owed, and what is stuck and why.
    pub liveness: Option<LivenessReport>,
    /// The comparison with the fault-free rerun of the completed requests.
    pub fault_free_rerun: Option<RerunComparison>,
    /// Whether the run met every expectation of its scenario.
    pub passed: bool,
}

/// One property in a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PropertyLine {
    /// The property.
    pub property: Property,
    /// How it fared.
    #[serde(flatten)]
    pub status: Status,
}

/// Requests by kind and answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    /// Handed to clients.
    pub submitted: u64,
    /// Answered, whatever the answer.
    pub answered: u64,
    /// `gettokens` answered.
    pub gettokens: u64,
    /// `pay` answered ok.
    pub pay_ok: u64,
    /// `pay` refused.
    pub pay_refused: u64,
    /// Role changes that took effect.
    pub role_change_ok: u64,
    /// Role changes refused.
    pub role_change_refused: u64,
    /// Not answered when the run ended, and still waiting for an answer.
    pub unanswered: u64,
    /// Lost in crashes of their clients: never answered, and owed no answer.
    pub lost: u64,
}

/// Latency percentiles (nearest rank), in simulated microseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// The slowest.
    pub max: u64,
}

impl Report {
    /// Summarise `outcome`.
    pub fn new(outcome: &RunOutcome) -> Report {
        let sim = &outcome.simulation;
        let verdict = &outcome.verdict;
        let counters = sim.counters().clone();
        Report {
            schema: REPORT_SCHEMA,
            tokensim: env!("CARGO_PKG_VERSION").to_string(),
            scenario: outcome.scenario.name.clone(),
            variant: outcome.scenario.variant.to_string(),
            seed: outcome.seed,
            end: verdict.end,
            simulated_time_us: sim.now().0,
            event_hash: format!("{:016x}", sim.event_hash()),
            messages_dropped: counters.messages_dropped(),
            messages_in_flight: sim.messages_in_flight() as u64,
            counters,
            requests: request_counts(sim),
            latency_us: latency(sim),
            tokens_per_owner: tokens_per_owner(sim),
            probes: sim.probes().iter().map(|(probe, hits)| (probe.name(), hits)).collect(),
            properties: property_lines(verdict),
            violations: verdict.violations.clone(),
            expected_violation: verdict.expected_violation,
            liveness: verdict.liveness.clone(),
            fault_free_rerun: verdict.rerun.clone(),
            passed: verdict.passed(),
        }
    }

    /// The report as people read it.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let c = &self.counters;
        let r = &self.requests;
        let variant = if self.variant == "correct" { String::new() } else { format!(", variant {}", self.variant) };
        let _ = writeln!(text, "scenario {}, seed {}{variant}", printable(&self.scenario), self.seed);
        let _ = writeln!(text, "simulated time  {}", Instant(self.simulated_time_us));
        let _ = writeln!(
            text,
            "events          {} ({} fired), hash {}",
            c.events,
            count(c.timers_fired, "timer", "timers"),
            self.event_hash
        );
        // The figures add up on the line: sent + duplicated = delivered + dropped + in flight.
        let duplicated = match c.messages_duplicated {
            0 => String::new(),
            n => format!(", {n} duplicated by the network"),
        };
        let in_flight = match self.messages_in_flight {
            0 => String::new(),
            n => format!(", {n} in flight at the end"),
        };
        let _ = writeln!(
            text,
            "messages        {} sent{duplicated}, {} delivered, {} dropped{in_flight}",
            c.messages_sent, c.messages_delivered, self.messages_dropped
        );
        if self.messages_dropped > 0 {
            let _ = write!(
                text,
                "  dropped by    omission at sender {}, omission at receiver {}, link loss {}, partition {}",
                c.dropped_sender_omission, c.dropped_receiver_omission, c.dropped_link_loss, c.dropped_partition
            );
            // Only runs with crashes say so: the line of every other run reads as before.
            match c.dropped_crashed {
                0 => text.push('\n'),
                crashed => {
                    let _ = writeln!(text, ", receiver crashed {crashed}");
                }
            }
        }
        let lost = match r.lost {
            0 => String::new(),
            lost => format!(", {lost} lost in crashes"),
        };
        let _ = writeln!(
            text,
            "requests        {} submitted, {} answered, {} unanswered{lost}",
            r.submitted, r.answered, r.unanswered
        );
        let _ = writeln!(
            text,
            "  answered      gettokens {}, pay ok {}, pay refused {}",
            r.gettokens, r.pay_ok, r.pay_refused
        );
        if r.role_change_ok + r.role_change_refused > 0 {
            let _ = writeln!(text, "  role changes  {} ok, {} refused", r.role_change_ok, r.role_change_refused);
        }
        let ms = |us: u64| format!("{:.1}ms", us as f64 / 1000.0);
        match &self.latency_us {
            Some(l) => {
                let _ = writeln!(
                    text,
                    "latency         p50 {}, p90 {}, p99 {}, max {}",
                    ms(l.p50),
                    ms(l.p90),
                    ms(l.p99),
                    ms(l.max)
                );
            }
            None => {
                let _ = writeln!(text, "latency         none measured: no request was answered");
            }
        }
        let owners: Vec<String> =
            self.tokens_per_owner.iter().map(|(owner, count)| format!("n{owner}:{count}")).collect();
        let _ = writeln!(text, "tokens by owner {}", owners.join(" "));
        let taken: Vec<String> =
            self.probes.iter().filter(|(_, hits)| **hits > 0).map(|(name, hits)| format!("{name} {hits}")).collect();
        let _ = writeln!(text, "rare paths      {} of {} taken: {}", taken.len(), self.probes.len(), taken.join(", "));
        self.write_properties(&mut text);
        text
    }

    fn write_properties(&self, text: &mut String) {
        let judged = self.properties.iter().filter(|line| line.status != Status::NotJudged).count();
        let held = self.properties.iter().filter(|line| line.status == Status::Held).count();
        let _ = writeln!(text, "properties      {judged} judged, {held} held");
        for line in &self.properties {
            let note = match line.status {
                Status::Held | Status::NotJudged => continue,
                Status::Broken(n) if Some(line.property) == self.expected_violation => {
                    format!(
                        "FAIL {} ({}, as the scenario expects)",
                        line.property,
                        count(n as u64, "violation", "violations")
                    )
                }
                Status::Broken(n) => format!("FAIL {} ({})", line.property, count(n as u64, "violation", "violations")),
                Status::NotOwed => format!("--   {}: not owed, the fault budget is broken", line.property),
            };
            let _ = writeln!(text, "  {note}");
        }
        if let Some(rerun) = self.fault_free_rerun.as_ref().filter(|rerun| rerun.passed()) {
            let _ = writeln!(text, "  fault-free rerun: {}", rerun.describe());
        }
        if !self.violations.is_empty() {
            let _ = writeln!(text, "violations");
        }
        for violation in &self.violations {
            let _ = writeln!(text, "  {violation}");
        }
        if let Some(liveness) = self.liveness.as_ref() {
            if let Some(reason) = &liveness.reason {
                let owed = match liveness.stuck_owed() {
                    0 => "not owed".to_string(),
                    all if all == liveness.stuck.len() => "owed".to_string(),
                    some => format!("owed for {some}"),
                };
                let _ = writeln!(
                    text,
                    "  stuck         {} (liveness {owed}): {reason}",
                    count(liveness.stuck.len() as u64, "request", "requests")
                );
                for stuck in liveness.stuck.iter().take(5) {
                    let _ = writeln!(text, "    {} {} submitted at {}", stuck.id, stuck.request, stuck.submitted_at);
                }
            }
        }
        let verdict = match (self.passed, self.expected_violation) {
            (true, Some(expected)) => format!("PASS (the expected violation of {expected} was reproduced)"),
            (true, None) => "PASS".to_string(),
            (false, _) => "FAIL".to_string(),
        };
        let _ = writeln!(text, "verdict         {verdict}");
    }
}

fn property_lines(verdict: &Verdict) -> Vec<PropertyLine> {
    Property::ALL.into_iter().map(|property| PropertyLine { property, status: verdict.status(property) }).collect()
}

fn request_counts(sim: &Simulation) -> RequestCounts {
    let retired = sim.history().retired();
    let mut counts = RequestCounts {
        submitted: retired.count as u64,
        gettokens: retired.gettokens,
        pay_ok: retired.pay_ok,
        pay_refused: retired.pay_refused,
        role_change_ok: retired.role_change_ok,
        role_change_refused: retired.role_change_refused,
        ..RequestCounts::default()
    };
    for record in sim.history().records() {
        counts.submitted += 1;
        match (&record.request, &record.outcome) {
            (_, None) if record.lost_at.is_some() => counts.lost += 1,
            (_, None) => counts.unanswered += 1,
            (Request::GetTokens { .. }, Some(_)) => counts.gettokens += 1,
            (Request::Pay { .. }, Some(Outcome::Paid { .. })) => counts.pay_ok += 1,
            (Request::Pay { .. }, Some(_)) => counts.pay_refused += 1,
            (_, Some(Outcome::RoleChanged { .. })) => counts.role_change_ok += 1,
            (_, Some(_)) => counts.role_change_refused += 1,
        }
    }
    counts.answered = counts.submitted - counts.unanswered - counts.lost;
    counts
}

fn latency(sim: &Simulation) -> Option<Latency> {
    // Every latency with how many requests took it: the retired ones' and the held ones'.
    let mut samples = sim.history().retired().latencies_us.clone();
    for record in sim.history().records() {
        if let (Some(started), Some(answered)) = (record.started_at, record.answered_at) {
            *samples.entry(answered.since_us(started)).or_insert(0) += 1;
        }
    }
    let total: u64 = samples.values().sum();
    let max = *samples.keys().next_back()?;
    // The latency of the sample at `rank` (from 1) in ascending order.
    let at_rank = |rank: u64| {
        let mut seen = 0;
        samples.iter().find(|&(_, &count)| {
            seen += count;
            seen >= rank
        })
    };
    let rank = |percent: u64| at_rank((total * percent).div_ceil(100).max(1)).map_or(max, |(&latency, _)| latency);
    Some(Latency { p50: rank(50), p90: rank(90), p99: rank(99), max })
}

fn tokens_per_owner(sim: &Simulation) -> Vec<(u32, u32)> {
    let mut counts = std::collections::BTreeMap::new();
    for value in sim.final_table() {
        *counts.entry(value.owner.0).or_insert(0u32) += 1;
    }
    counts.into_iter().collect()
}
