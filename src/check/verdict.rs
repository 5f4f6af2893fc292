//! The verdict on one run: which properties were judged, what broke them, and the evidence
//! behind the two that need more than a violation (liveness and the fault-free rerun).
//!
//! A verdict is made of typed [`Property`] violations and nothing else, whoever runs the
//! seed (`run`, `check`, `shrink`, `replay`, a test): they all go through
//! [`crate::run::Run`], which calls [`judge`] here.

use super::custom::{CustomProperty, CustomWatch};
use super::effects::check_effects;
use super::expectations::{check_expected_answers, check_expected_violation};
use super::history::OpHistory;
use super::identity::check_request_ids;
use super::linearizability::check_linearizability;
use super::liveness::{check_liveness, LivenessReport};
use super::membership::MembershipChecker;
use super::progress::check_progress;
use super::replicas::ReplicaChecker;
use super::rerun::{fault_free_rerun, fault_free_rerun_of_log, RerunComparison};
use super::retire::{RerunLog, Streamed};
use crate::protocol::{Instant, Message, Node, NodeId, Outcome, Server, TokenId, TokenValue};
use crate::sim::{ChoiceError, Observer, RequestRecord, RunEnd, Shared, Simulation};
use crate::vocab::{LatencyHistogram, Property, PropertyKind, PropertySet, Schedule, Violation};
use serde::Serialize;

/// The verdict of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// The seed of the run.
    pub seed: u64,
    /// How the run ended; `None` when it panicked before it could end.
    pub end: Option<RunEnd>,
    /// The properties judged.
    #[serde(serialize_with = "serialize_set")]
    pub judged: PropertySet,
    /// Every violation found, in the order of [`Property::ALL`] (safety first).
    pub violations: Vec<Violation>,
    /// The violation the scenario expects (a kept reproduction), if any.
    pub expected_violation: Option<Property>,
    /// How many requests were submitted.
    pub requests: usize,
    /// How many role changes took effect.
    pub role_changes: usize,
    /// How many (server, token) writes the replica checker looked at.
    pub replica_writes_checked: u64,
    /// How long answered requests took from start to answer, in simulated microseconds.
    pub latency_us: LatencyHistogram,
    /// The liveness evidence: what was owed, what is stuck and why.
    pub liveness: Option<LivenessReport>,
    /// The comparison with the fault-free rerun.
    pub rerun: Option<RerunComparison>,
}

/// How one property fared in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "violations")]
pub enum Status {
    /// Judged, and it held.
    Held,
    /// Judged, and broken this many times.
    Broken(usize),
    /// Liveness, not owed in this run (the fault budget was broken, on purpose or not).
    NotOwed,
    /// Not judged in this run.
    NotJudged,
}

impl Verdict {
    /// A verdict of nothing judged yet.
    pub fn empty(seed: u64, judged: PropertySet) -> Verdict {
        Verdict {
            seed,
            end: None,
            judged,
            violations: Vec::new(),
            expected_violation: None,
            requests: 0,
            role_changes: 0,
            replica_writes_checked: 0,
            latency_us: LatencyHistogram::new(),
            liveness: None,
            rerun: None,
        }
    }

    /// Whether the run met its scenario's expectations: it broke nothing, or, for a scenario
    /// that expects a violation, it broke that property (as a kept reproduction must).
    pub fn passed(&self) -> bool {
        match self.expected_violation {
            Some(expected) => self.violations.iter().any(|violation| violation.property == expected),
            None => self.violations.is_empty(),
        }
    }

    /// Whether the scenario expects a violation and the run showed it.
    pub fn reproduced(&self) -> bool {
        self.expected_violation.is_some() && self.passed()
    }

    /// How `property` fared.
    pub fn status(&self, property: Property) -> Status {
        if !self.judged.contains(property) {
            return Status::NotJudged;
        }
        let broken = self.violations.iter().filter(|violation| violation.property == property).count();
        let owed = self.liveness.as_ref().is_none_or(|liveness| liveness.required);
        match (broken, property.kind()) {
            (0, PropertyKind::Liveness) if !owed => Status::NotOwed,
            (0, _) => Status::Held,
            (count, _) => Status::Broken(count),
        }
    }

    /// Add `violation` if its property is judged; keeps the order of [`Property::ALL`].
    pub(crate) fn add(&mut self, violation: Violation) {
        if !self.judged.contains(violation.property) {
            return;
        }
        let rank = |property: Property| Property::ALL.iter().position(|p| *p == property);
        let at = self.violations.partition_point(|v| rank(v.property) <= rank(violation.property));
        self.violations.insert(at, violation.with_seed(self.seed));
    }

    /// Add every one of `violations`; see [`Verdict::add`].
    pub(crate) fn extend(&mut self, violations: impl IntoIterator<Item = Violation>) {
        for violation in violations {
            self.add(violation);
        }
    }
}

/// The checkers that watch a run as it goes: lend them to the run, then hand them to
/// [`judge`]. A search clones them with the run it branches.
#[derive(Clone, Debug)]
pub struct Watchers {
    /// Shared between a run and its clones until a write changes it (see [`Shared`]).
    replicas: Shared<ReplicaChecker>,
    /// Shared until a configuration message changes it: it is shown only those.
    membership: Shared<MembershipChecker>,
    custom: CustomWatch,
    /// The streaming checks, when the run retires its history.
    streamed: Option<Streamed>,
}

impl Watchers {
    /// Watchers for the run of `sim`, which has not started.
    pub fn new(sim: &Simulation) -> Watchers {
        let node_count = sim.world().clients.len() + sim.world().servers.len();
        Watchers {
            replicas: Shared::new(ReplicaChecker::new(&sim.world().owners, Some(sim.seed()))),
            membership: Shared::new(MembershipChecker::new(&sim.current_config(), node_count)),
            custom: CustomWatch::default(),
            streamed: None,
        }
    }

    /// These watchers, judging `properties` of the user's as well.
    pub fn with_properties(mut self, properties: Vec<CustomProperty>) -> Watchers {
        self.custom = CustomWatch::new(properties);
        self
    }

    /// Whether something must be judged after every step (an `always` custom property):
    /// then whoever steps the run calls [`Watchers::after_step`] after each one.
    pub fn watches_every_step(&self) -> bool {
        self.custom.watches_every_step()
    }

    /// The user's properties that do not hold where `sim` stands as the end of a run: the
    /// `at_end` ones (the `always` ones are in [`Watchers::safety_violations`]).
    pub fn custom_at_end(&self, sim: &Simulation) -> Vec<Violation> {
        self.custom.judge_at_end(sim)
    }

    /// Judge what must hold after every step on `sim` as it stands.
    pub fn after_step(&mut self, sim: &Simulation) {
        self.custom.after_step(sim);
    }

    /// Run `sim` to its end, shown to these watchers and then to `others`, judging after
    /// every step what must hold at every step; how the run ended.
    pub fn run_to_end(&mut self, sim: &mut Simulation, others: &mut dyn Observer) -> RunEnd {
        if !self.watches_every_step() {
            return sim.run_observed(&mut (&mut *self, others));
        }
        loop {
            if let Some(end) = sim.step_observed(&mut (&mut *self, &mut *others)) {
                return end;
            }
            self.after_step(sim);
        }
    }

    /// Take the choices of `schedule`, then run on to the end as the timed scheduler would,
    /// like [`Watchers::run_to_end`]; how the run ended, or why a choice does not fit.
    pub fn run_schedule_to_end(
        &mut self,
        sim: &mut Simulation,
        schedule: &Schedule,
        others: &mut dyn Observer,
    ) -> Result<RunEnd, ChoiceError> {
        sim.choose_losses();
        for (index, choice) in schedule.choices.iter().enumerate() {
            if let Some(end) = sim.step_choice(index + 1, *choice, &mut (&mut *self, &mut *others))? {
                return Ok(end);
            }
            if self.watches_every_step() {
                self.after_step(sim);
            }
        }
        Ok(self.run_to_end(sim, others))
    }

    /// Check the records the run of `sim` retires as it goes ([`Observer::retire`]); the
    /// run must then be judged with [`judge_retired`].
    pub(crate) fn check_retired(&mut self, sim: &Simulation) {
        self.streamed = Some(Streamed::new(&sim.world().owners));
    }
}

impl Watchers {
    /// Fold what the watchers remember (the values servers held, the configurations
    /// decided) into `state`, for a search's state digest: two runs that reached the same
    /// simulation state by different paths may have shown the watchers different things.
    pub fn hash_state(&self, state: &mut impl std::hash::Hasher) {
        self.replicas.hash_state(state);
        self.membership.hash_state(state);
    }

    /// A digest of everything [`Watchers::safety_violations`] judges: the history's requests
    /// and answers, the values written, and what the watchers saw. Equal before and after a
    /// step, the step cannot have changed the judgement, and a search need not judge again.
    pub fn safety_inputs(&self, sim: &Simulation) -> u64 {
        let mut inputs = crate::sim::Fingerprint::default();
        inputs.add(&(sim.history().len(), sim.history().open(), sim.version_conflicts().len()));
        sim.hash_writes(&mut inputs);
        self.hash_state(&mut inputs);
        inputs.add(&(self.replicas.violations().len(), self.membership.violations().len(), self.custom.any_broken()));
        inputs.value()
    }

    /// Every safety violation of the run `sim` so far, judged as it stands (a run in
    /// progress, as a search sees it at each state): replica and membership invariants,
    /// the effects of writes, and linearizability of the history so far.
    pub fn safety_violations(&self, sim: &Simulation) -> Vec<Violation> {
        let mut verdict = Verdict::empty(sim.seed(), PropertySet::all());
        verdict.extend(self.replicas.violations().iter().cloned());
        verdict.extend(check_effects(sim));
        verdict.extend(self.membership.clone().finish(sim));
        let history = OpHistory::from_sim(sim.history(), &sim.world().owners);
        match check_linearizability(&history) {
            Ok(found) => verdict.extend(found),
            Err(error) => verdict.add(Violation::new(Property::NoPanic, format!("malformed run history: {error}"))),
        }
        verdict.extend(self.custom.seen());
        verdict.violations.retain(|violation| violation.property.is_safety());
        verdict.violations
    }
}

impl Observer for Watchers {
    fn after_write(&mut self, now: Instant, server: &Server, values: &[(TokenId, TokenValue)]) {
        self.replicas.after_write(now, server, values);
    }

    fn after_send(&mut self, now: Instant, from: NodeId, to: NodeId, message: &Message) {
        // Asked first, so that the other messages leave the shared checker alone.
        if MembershipChecker::watches_send(message) {
            self.membership.after_send(now, from, to, message);
        }
    }

    fn after_delivery(&mut self, now: Instant, node: &Node, from: NodeId, message: &Message) {
        if MembershipChecker::watches_delivery(message) {
            self.membership.after_delivery(now, node, from, message);
        }
    }

    fn after_restart(&mut self, now: Instant, node: &Node) {
        self.replicas.after_restart(now, node);
        self.membership.after_restart(now, node);
    }

    fn retire(&mut self, records: &[RequestRecord], writes: &[(TokenId, TokenValue)]) {
        if let Some(streamed) = &mut self.streamed {
            streamed.segment(records, writes);
        }
    }
}

/// Judge the finished run `sim`, which ended with `end` and was watched by `watchers`, on
/// the properties in `judged`.
pub(crate) fn judge(sim: &Simulation, end: RunEnd, watchers: &mut Watchers, judged: PropertySet) -> Verdict {
    match judge_inner(sim, end, watchers, judged, None) {
        Ok(verdict) => verdict,
        Err(reason) => unreachable!("a run that keeps its records is judged whole: {reason}"),
    }
}

/// [`judge`] a run that retired its history, checked as it went by `watchers` (see
/// [`Watchers::check_retired`]). `Err` when the run must be made again and judged keeping
/// every record: the streaming checks found something (or could not be sure they would
/// have), and only the whole history gives the exact violations.
pub(crate) fn judge_retired(
    sim: &Simulation,
    end: RunEnd,
    watchers: &mut Watchers,
    judged: PropertySet,
) -> Result<Verdict, String> {
    let mut streamed = watchers.streamed.take().ok_or("the run's retired records were not checked")?;
    streamed.finish(sim)?;
    let log = streamed.rerun_requests(sim)?;
    judge_inner(sim, end, watchers, judged, Some(&log))
}

fn judge_inner(
    sim: &Simulation,
    end: RunEnd,
    watchers: &mut Watchers,
    judged: PropertySet,
    retired: Option<&RerunLog>,
) -> Result<Verdict, String> {
    let replicas = &watchers.replicas;
    let mut verdict = Verdict::empty(sim.seed(), judged);
    verdict.end = Some(end);
    verdict.requests = sim.history().len();
    verdict.role_changes =
        sim.history().records().filter(|record| matches!(record.outcome, Some(Outcome::RoleChanged { .. }))).count();
    verdict.replica_writes_checked = replicas.writes_seen();
    for (&latency, &count) in &sim.history().retired().latencies_us {
        for _ in 0..count {
            verdict.latency_us.add(latency);
        }
    }
    for record in sim.history().records() {
        if let (Some(started), Some(answered)) = (record.started_at, record.answered_at) {
            verdict.latency_us.add(answered.since_us(started));
        }
    }
    verdict.expected_violation = sim.scenario().expect.violation;
    verdict.extend(replicas.violations().iter().cloned());
    // A run that retired was checked for these as it went, and found clean.
    if retired.is_none() {
        verdict.extend(check_effects(sim));
        verdict.extend(check_request_ids(sim));
    }
    verdict.extend(watchers.membership.finish(sim));
    if retired.is_none() {
        let history = OpHistory::from_sim(sim.history(), &sim.world().owners);
        match check_linearizability(&history) {
            Ok(found) => verdict.extend(found),
            // A client that gave one id to two requests (`request_ids_unique`, reported above)
            // leaves a history whose operations cannot be told apart: it is not judged further.
            Err(_) if !sim.history().reused_ids().is_empty() => {}
            // The simulator builds well-formed histories; if it ever does not, that is its bug.
            Err(error) => verdict.add(Violation::new(Property::NoPanic, format!("malformed run history: {error}"))),
        }
    }
    if judged.contains(Property::FaultFreeRerun) {
        let rerun = match retired {
            None => fault_free_rerun(sim),
            Some(log) => fault_free_rerun_of_log(sim, log),
        };
        let rerun = rerun.unwrap_or_else(|error| RerunComparison::failed(&error));
        if !rerun.passed() {
            verdict.add(Violation::new(Property::FaultFreeRerun, rerun.describe()));
        }
        verdict.rerun = Some(rerun);
    }
    let progress = check_progress(sim, end);
    let liveness = check_liveness(sim, end);
    match (liveness.required, progress) {
        // Stopped as a runaway: the stuck requests are its consequence, not news.
        (true, Some(progress)) => verdict.add(progress),
        (true, None) => verdict.extend(liveness.violations(sim.seed())),
        (false, _) => {}
    }
    verdict.liveness = Some(liveness);
    verdict.extend(check_expected_answers(sim));
    verdict.extend(watchers.custom.at_end(sim));
    let expected = check_expected_violation(verdict.expected_violation, &verdict.violations);
    verdict.extend(expected);
    Ok(verdict)
}

/// The verdict of a run that panicked with `message`.
pub(crate) fn panicked(seed: u64, judged: PropertySet, expected: Option<Property>, message: &str) -> Verdict {
    let mut verdict = Verdict::empty(seed, judged.with(Property::NoPanic));
    verdict.expected_violation = expected;
    verdict.add(Violation::new(Property::NoPanic, format!("panicked: {message}")));
    let expected = check_expected_violation(expected, &verdict.violations);
    verdict.extend(expected);
    verdict
}

/// Whether `property` is one a failing run can be said to break for the protocol's sake
/// (not an expectation of the scenario's own).
pub fn is_protocol_property(property: Property) -> bool {
    !matches!(property.kind(), PropertyKind::Expectation)
}

fn serialize_set<S: serde::Serializer>(set: &PropertySet, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(set.iter().map(|property| property.name()))
}
