//! The summary of a finished run: what happened, how fast, and the verdict.

use crate::protocol::{Outcome, Request};
use crate::sim::{Counters, RunEnd, Simulation};
use crate::trace::RerunComparison;
use crate::verdict::{basic_checks, rerun_check, Check};
use serde::Serialize;
use std::fmt::Write as _;

/// Everything `tokensim run` prints, as text or as one JSON object.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// The seed that drove the run.
    pub seed: u64,
    /// How the run ended.
    pub end: RunEnd,
    /// Simulated time at the end, in microseconds.
    pub simulated_time_us: u64,
    /// A portable hash of the whole event sequence, in hex: equal runs have equal hashes.
    pub event_hash: String,
    /// Events and messages.
    pub counters: Counters,
    /// Messages lost, all reasons together.
    pub messages_dropped: u64,
    /// Requests by kind and answer.
    pub requests: RequestCounts,
    /// From the start of work on a request to its answer, in simulated microseconds.
    pub latency_us: Latency,
    /// How many tokens each node owns at the end, ascending by node id.
    pub tokens_per_owner: Vec<(u32, u32)>,
    /// The basic invariants, each with its result.
    pub checks: Vec<Check>,
    /// Whether liveness was required (false when the scenario breaks the fault budget on purpose).
    pub liveness_required: bool,
    /// What the checkers found (see [`crate::check`]); empty when they found nothing or
    /// did not run.
    pub violations: Vec<String>,
    /// Whether the run met every expectation.
    pub passed: bool,
    /// The comparison with the fault-free rerun of the completed requests, once attached.
    pub fault_free_rerun: Option<RerunComparison>,
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
    /// Not answered when the run ended.
    pub unanswered: u64,
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
    /// Summarise the finished run `sim`, which ended with `end`.
    pub fn new(sim: &Simulation, end: RunEnd) -> Report {
        let liveness_required = sim.scenario().expect.liveness;
        let mut checks = basic_checks(sim, end);
        checks.extend(crate::scripted::answers_check(sim));
        let passed = checks.iter().all(|check| check.passed || (!liveness_required && is_liveness(check)));
        let counters = sim.counters().clone();
        Report {
            scenario: sim.scenario().name.clone(),
            seed: sim.seed(),
            end,
            simulated_time_us: sim.now().0,
            event_hash: format!("{:016x}", sim.event_hash()),
            messages_dropped: counters.messages_dropped(),
            counters,
            requests: request_counts(sim),
            latency_us: latency(sim),
            tokens_per_owner: tokens_per_owner(sim),
            checks,
            liveness_required,
            violations: Vec::new(),
            passed,
            fault_free_rerun: None,
        }
    }

    /// Add the comparison with the fault-free rerun, and its check to the verdict.
    pub fn attach_rerun(&mut self, comparison: RerunComparison) {
        let check = rerun_check(&comparison);
        self.passed &= check.passed;
        self.checks.push(check);
        self.fault_free_rerun = Some(comparison);
    }

    /// Fold in what the checkers found: any violation fails the run.
    pub fn attach_verdict(&mut self, verdict: &crate::check::RunVerdict) {
        self.violations = verdict.violations.iter().map(ToString::to_string).collect();
        self.passed &= verdict.passed();
    }

    /// The report as people read it.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let c = &self.counters;
        let r = &self.requests;
        let l = &self.latency_us;
        let _ = writeln!(text, "scenario {}, seed {}", self.scenario, self.seed);
        let _ = writeln!(text, "simulated time  {}", crate::protocol::Instant(self.simulated_time_us));
        let _ =
            writeln!(text, "events          {} ({} timers fired), hash {}", c.events, c.timers_fired, self.event_hash);
        let _ = writeln!(
            text,
            "messages        {} sent, {} delivered, {} dropped",
            c.messages_sent, c.messages_delivered, self.messages_dropped
        );
        let _ = writeln!(
            text,
            "  dropped by     omission at sender {}, omission at receiver {}, link loss {}, partition {}",
            c.dropped_sender_omission, c.dropped_receiver_omission, c.dropped_link_loss, c.dropped_partition
        );
        if c.messages_duplicated > 0 {
            let _ = writeln!(text, "  duplicated    {}", c.messages_duplicated);
        }
        let _ = writeln!(
            text,
            "requests        {} submitted, {} answered, {} unanswered",
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
        let _ = writeln!(
            text,
            "latency         p50 {}, p90 {}, p99 {}, max {}",
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.max)
        );
        let owners: Vec<String> =
            self.tokens_per_owner.iter().map(|(owner, count)| format!("n{owner}:{count}")).collect();
        let _ = writeln!(text, "tokens by owner {}", owners.join(" "));
        for check in &self.checks {
            let mark = match (check.passed, is_liveness(check) && !self.liveness_required) {
                (true, _) => "ok  ",
                (false, true) => "allowed",
                (false, false) => "FAIL",
            };
            let _ = writeln!(text, "  {mark} {}: {}", check.name, check.detail);
        }
        let _ = writeln!(text, "checkers        {} violations", self.violations.len());
        for violation in &self.violations {
            let _ = writeln!(text, "  FAIL {violation}");
        }
        let verdict = if self.passed { "PASS" } else { "FAIL" };
        let _ = writeln!(text, "verdict         {verdict}");
        text
    }
}

fn is_liveness(check: &Check) -> bool {
    check.name.starts_with("every request")
}

fn request_counts(sim: &Simulation) -> RequestCounts {
    let mut counts = RequestCounts::default();
    for record in sim.history().records() {
        counts.submitted += 1;
        match (&record.request, &record.outcome) {
            (_, None) => counts.unanswered += 1,
            (Request::GetTokens { .. }, Some(_)) => counts.gettokens += 1,
            (Request::Pay { .. }, Some(Outcome::Paid { .. })) => counts.pay_ok += 1,
            (Request::Pay { .. }, Some(_)) => counts.pay_refused += 1,
            (_, Some(Outcome::RoleChanged { .. })) => counts.role_change_ok += 1,
            (_, Some(_)) => counts.role_change_refused += 1,
        }
    }
    counts.answered = counts.submitted - counts.unanswered;
    counts
}

fn latency(sim: &Simulation) -> Latency {
    let mut samples: Vec<u64> =
        sim.history().records().filter_map(|record| Some(record.answered_at?.since_us(record.started_at?))).collect();
    if samples.is_empty() {
        return Latency::default();
    }
    samples.sort_unstable();
    let rank = |percent: usize| samples[(samples.len() * percent).div_ceil(100).max(1) - 1];
    Latency { p50: rank(50), p90: rank(90), p99: rank(99), max: samples[samples.len() - 1] }
}

fn tokens_per_owner(sim: &Simulation) -> Vec<(u32, u32)> {
    let mut counts = std::collections::BTreeMap::new();
    for value in sim.final_table() {
        *counts.entry(value.owner.0).or_insert(0u32) += 1;
    }
    counts.into_iter().collect()
}
