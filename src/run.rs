//! The one recipe for a run: build the simulation, run it to its end under every checker,
//! judge it, and close its trace. Every command (`run`, `check`, `shrink`, `replay`), the
//! library's users, the tests and the proptest strategies run seeds through [`Run`], so a
//! seed is judged the same way whoever runs it.
//!
//! ```
//! use tokensim::run::Run;
//! use tokensim::scenario::Scenario;
//!
//! let mut scenario = Scenario::default_scenario(); // 5 servers (2 faulty), 6 clients
//! scenario.random_workload_mut().requests = 50;
//! let first = Run::new(&scenario).seed(42).execute()?;
//! let second = Run::new(&scenario).seed(42).execute()?;
//! assert_eq!(first.event_hash(), second.event_hash()); // same seed, same run
//! assert!(first.verdict.passed(), "{:?}", first.verdict.violations);
//! assert_eq!(first.simulation.history().len(), 50);
//! # Ok::<(), tokensim::scenario::ScenarioError>(())
//! ```

use crate::check::custom::CustomProperty;
use crate::check::verdict::{judge, judge_retired, panicked};
use crate::check::{Verdict, Watchers};
use crate::protocol::Variant;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Observer, Simulation, TraceEnd, TraceSink};
use crate::vocab::PropertySet;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

/// A run to make: a scenario, a seed, and what to judge and record. See the module docs.
pub struct Run<'a> {
    scenario: Scenario,
    seed: Option<u64>,
    judged: PropertySet,
    trace: Option<Box<dyn TraceSink>>,
    observers: Vec<&'a mut dyn Observer>,
    properties: Vec<CustomProperty>,
    /// Retire the history at cuts once this many records are held; see [`Run::retire`].
    retire: Option<usize>,
}

/// A finished run: the scenario it ran, the simulation at its end, and the verdict.
pub struct RunOutcome {
    /// The scenario that ran (with any variant applied).
    pub scenario: Scenario,
    /// The seed that drove it.
    pub seed: u64,
    /// The simulation as the run left it: history, counters, replicas.
    pub simulation: Simulation,
    /// The verdict on every property judged.
    pub verdict: Verdict,
    /// The trace sink, once closed with the run's end, if one was attached.
    pub trace: Option<Box<dyn TraceSink>>,
    /// Why the trace could not be closed, if it could not.
    pub trace_error: Option<std::io::Error>,
}

impl<'a> Run<'a> {
    /// A run of `scenario` with its own seed, judging every property.
    pub fn new(scenario: &Scenario) -> Run<'a> {
        Run {
            scenario: scenario.clone(),
            seed: None,
            judged: PropertySet::all(),
            trace: None,
            observers: Vec::new(),
            properties: Vec::new(),
            retire: None,
        }
    }

    /// Drive the run with `seed` instead of the scenario's own.
    pub fn seed(mut self, seed: u64) -> Run<'a> {
        self.seed = Some(seed);
        self
    }

    /// Run protocol `variant` instead of the scenario's.
    pub fn variant(mut self, variant: Variant) -> Run<'a> {
        self.scenario.variant = variant;
        self
    }

    /// Judge only `properties` (every property by default). A property left out is neither
    /// checked nor reported, and costs nothing (the fault-free rerun, say).
    pub fn judge(mut self, properties: PropertySet) -> Run<'a> {
        self.judged = properties;
        self
    }

    /// Judge `property` of the user's as well (see [`crate::check::custom`]); an `always`
    /// property is judged after every event.
    pub fn property(mut self, property: CustomProperty) -> Run<'a> {
        self.properties.push(property);
        self
    }

    /// Judge every one of `properties` as well; see [`Run::property`].
    pub fn properties(mut self, properties: impl IntoIterator<Item = CustomProperty>) -> Run<'a> {
        self.properties.extend(properties);
        self
    }

    /// Report every event to `sink`, and close it with the run's end.
    pub fn trace(mut self, sink: Box<dyn TraceSink>) -> Run<'a> {
        self.trace = Some(sink);
        self
    }

    /// Show `observer` every change of a server's state, alongside the checkers.
    pub fn observe(mut self, observer: &'a mut dyn Observer) -> Run<'a> {
        self.observers.push(observer);
        self
    }

    /// Keep memory flat on a long run: check the history as the run goes and retire it
    /// ([`crate::check::retire`]), whenever every request so far is answered and at least
    /// `records` are held ([`crate::check::retire::RETIRE_EVERY`] is a good number). The
    /// verdict is the same as without; only the simulation's history then holds just the
    /// requests since the last retirement (its [`History::retired`](crate::sim::History::retired)
    /// sums up the rest). A run whose checks find anything is made again keeping every
    /// record, so that its violations read exactly as they would. Ignored with a trace,
    /// observers of the caller's, a driver, or a scenario with explicit requests, expected
    /// answers, an expected violation or a schedule of choices: those need the whole run;
    /// and a run that plans no more than `records` random requests never retires anything.
    pub fn retire(mut self, records: usize) -> Run<'a> {
        self.retire = Some(records);
        self
    }

    /// Make the run. Only a scenario that cannot run is an error; a panic inside the run is
    /// a `no_panic` violation of its verdict.
    pub fn execute(self) -> Result<RunOutcome, ScenarioError> {
        let scenario = &self.scenario;
        // A run retires only while requests are still to come, with more than `records`
        // held: one that plans no more than that never would, and is made as it always was.
        let long = |records: usize| scenario.random_workload().requests > records as u64;
        let retirable = self.trace.is_none()
            && self.observers.is_empty()
            && scenario.requests.is_empty()
            && scenario.expect.violation.is_none()
            && scenario.choices.is_none()
            // A property of the user's may read any part of the history at any step.
            && self.properties.is_empty();
        match self.retire.filter(|&records| retirable && long(records)) {
            Some(records) => {
                let whole = Run {
                    scenario: self.scenario.clone(),
                    seed: self.seed,
                    judged: self.judged,
                    trace: None,
                    observers: Vec::new(),
                    properties: Vec::new(),
                    retire: None,
                };
                match self.execute_retiring(records)? {
                    Some(outcome) => Ok(outcome),
                    None => whole.execute(),
                }
            }
            None => self.execute_driven(|_| {}),
        }
    }

    /// The run, retiring its history; `None` if it must be made again keeping it whole.
    fn execute_retiring(self, records: usize) -> Result<Option<RunOutcome>, ScenarioError> {
        let Run { scenario, seed, judged, .. } = self;
        let seed = seed.unwrap_or(scenario.seed);
        let mut simulation = Simulation::new(&scenario, seed)?;
        simulation.retire_every(records);
        let mut watchers = Watchers::new(&simulation);
        watchers.check_retired(&simulation);
        let result = quietly(|| {
            catch_unwind(AssertUnwindSafe(|| {
                let end = simulation.run_observed(&mut watchers);
                judge_retired(&simulation, end, &mut watchers, judged).ok()
            }))
        });
        // A panic, too, is judged on the whole run, which reports it exactly.
        let Ok(Some(verdict)) = result else {
            LAST_PANIC.with(|last| last.take());
            return Ok(None);
        };
        Ok(Some(RunOutcome { scenario, seed, simulation, verdict, trace: None, trace_error: None }))
    }

    /// Make the run, first handing it to `drive`, which may step it and submit requests of
    /// its own (as a scripted test does); then the run goes on to its end and is judged like
    /// any other. The checkers watch every step `drive` takes.
    pub fn execute_driven(self, drive: impl FnOnce(&mut Driver<'_>)) -> Result<RunOutcome, ScenarioError> {
        let Run { scenario, seed, judged, trace, mut observers, properties, .. } = self;
        let seed = seed.unwrap_or(scenario.seed);
        let mut simulation = Simulation::new(&scenario, seed)?;
        if let Some(sink) = trace {
            simulation = simulation.with_trace(sink);
        }
        let mut watchers = Watchers::new(&simulation).with_properties(properties);
        let result = quietly(|| {
            catch_unwind(AssertUnwindSafe(|| {
                let mut watching = (&mut watchers, Fanout(&mut observers));
                drive(&mut Driver { simulation: &mut simulation, observer: &mut watching });
                let (watchers, mut others) = watching;
                let end = match &scenario.choices {
                    Some(schedule) => watchers.run_schedule_to_end(&mut simulation, schedule, &mut others)?,
                    None => watchers.run_to_end(&mut simulation, &mut others),
                };
                Ok(judge(&simulation, end, watchers, judged))
            }))
        });
        let verdict = match result {
            Ok(Ok(verdict)) => verdict,
            Ok(Err(error)) => return Err(choice_error(&scenario, error)),
            Err(panic) => {
                let message = LAST_PANIC.with(|last| last.take()).unwrap_or_else(|| panic_message(panic.as_ref()));
                panicked(seed, judged, scenario.expect.violation, &message)
            }
        };
        let mut trace = simulation.take_trace();
        let trace_error = trace.as_mut().and_then(|sink| {
            let end = TraceEnd {
                events: simulation.counters().events,
                hash: simulation.event_hash(),
                violations: verdict.violations.clone(),
            };
            sink.finish(&end).err()
        });
        Ok(RunOutcome { scenario, seed, simulation, verdict, trace, trace_error })
    }
}

/// A scenario whose `choices` do not fit its own run, as the scenario error it is.
fn choice_error(scenario: &Scenario, error: crate::sim::ChoiceError) -> ScenarioError {
    ScenarioError::Invalid {
        origin: scenario.name.clone(),
        location: None,
        key: "choices".to_string(),
        problem: error.to_string(),
        excerpt: None,
    }
}

/// The environment variable that narrows [`test_seeds`] (and the proptest strategies'
/// `seed`) to one seed. Defined here only, so that every way of pinning a seed reads the
/// same name the same way.
pub const SEED_VARIABLE: &str = "TOKENSIM_SEED";

/// The seed [`SEED_VARIABLE`] pins, if it is set to a number.
pub fn pinned_seed() -> Option<u64> {
    std::env::var(SEED_VARIABLE).ok().and_then(|text| text.trim().parse().ok())
}

/// The seeds a test runs: `seeds`, or only `TOKENSIM_SEED` when that variable is set (to
/// rerun the one seed a failure printed, in a user's own `cargo test`).
///
/// ```
/// for seed in tokensim::run::test_seeds(0..20) {
///     let scenario = tokensim::scenario::Scenario::builder("tiny").servers(3).clients(2).build().unwrap();
///     let outcome = tokensim::run::Run::new(&scenario).seed(seed).execute().unwrap();
///     assert!(outcome.verdict.passed(), "seed {seed}; rerun it alone with TOKENSIM_SEED={seed}");
/// #   break;
/// }
/// ```
pub fn test_seeds(seeds: std::ops::Range<u64>) -> Vec<u64> {
    match pinned_seed() {
        Some(seed) => vec![seed],
        None => seeds.collect(),
    }
}

impl std::fmt::Debug for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOutcome")
            .field("scenario", &self.scenario.name)
            .field("seed", &self.seed)
            .field("event_hash", &format_args!("{:016x}", self.event_hash()))
            .field("verdict", &self.verdict)
            .finish_non_exhaustive()
    }
}

impl RunOutcome {
    /// The run's event hash: the same in its report, its trace's footer and its replay.
    pub fn event_hash(&self) -> u64 {
        self.simulation.event_hash()
    }
}

/// A run being driven by hand before it goes on to its end: see [`Run::execute_driven`].
pub struct Driver<'s> {
    simulation: &'s mut Simulation,
    observer: &'s mut dyn Observer,
}

impl Driver<'_> {
    /// The simulation, to look at.
    pub fn simulation(&self) -> &Simulation {
        self.simulation
    }

    /// Process one event; `Some` once the run has ended.
    pub fn step(&mut self) -> Option<crate::sim::RunEnd> {
        self.simulation.step_observed(self.observer)
    }

    /// Step until simulated time reaches `at` or the run ends; whether it ended.
    pub fn run_until(&mut self, at: crate::protocol::Instant) -> bool {
        while self.simulation.now() < at {
            if self.step().is_some() {
                return true;
            }
        }
        false
    }

    /// Hand `request` to node `client` now; the id its answer will carry (`None`: no such node).
    pub fn submit(
        &mut self,
        client: crate::protocol::NodeId,
        request: crate::protocol::Request,
    ) -> Option<crate::protocol::RequestId> {
        self.simulation.submit_observed(client, request, self.observer)
    }

    /// Step until every one of `ids` is answered; false if the run ended first.
    pub fn settle(&mut self, ids: &[crate::protocol::RequestId]) -> bool {
        let open = |sim: &Simulation| ids.iter().any(|&id| sim.history().get(id).is_some_and(|r| r.outcome.is_none()));
        while open(self.simulation) {
            if self.step().is_some() {
                return false;
            }
        }
        true
    }
}

/// The observers a caller lent, shown every change in turn.
struct Fanout<'o, 'a>(&'o mut Vec<&'a mut dyn Observer>);

impl Observer for Fanout<'_, '_> {
    fn after_write(
        &mut self,
        now: crate::protocol::Instant,
        server: &crate::protocol::Server,
        values: &[(crate::protocol::TokenId, crate::protocol::TokenValue)],
    ) {
        for observer in self.0.iter_mut() {
            observer.after_write(now, server, values);
        }
    }

    fn after_send(
        &mut self,
        now: crate::protocol::Instant,
        from: crate::protocol::NodeId,
        to: crate::protocol::NodeId,
        message: &crate::protocol::Message,
    ) {
        for observer in self.0.iter_mut() {
            observer.after_send(now, from, to, message);
        }
    }

    fn after_delivery(
        &mut self,
        now: crate::protocol::Instant,
        node: &crate::protocol::Node,
        from: crate::protocol::NodeId,
        message: &crate::protocol::Message,
    ) {
        for observer in self.0.iter_mut() {
            observer.after_delivery(now, node, from, message);
        }
    }

    fn after_restart(&mut self, now: crate::protocol::Instant, node: &crate::protocol::Node) {
        for observer in self.0.iter_mut() {
            observer.after_restart(now, node);
        }
    }
}

thread_local! {
    /// Whether this thread is inside a judged run, whose panics are verdicts, not news.
    static IN_RUN: Cell<bool> = const { Cell::new(false) };
    /// The last panic of a judged run on this thread: where it happened and what it said.
    static LAST_PANIC: Cell<Option<String>> = const { Cell::new(None) };
}

/// Run `work` with this thread's panics kept quiet: a panic inside a judged run becomes a
/// `no_panic` violation naming where it happened, rather than a message on stderr (a sweep
/// of many panicking seeds would otherwise flood the terminal). Panics elsewhere, and on
/// other threads, still go to the hook that was there before.
fn quietly<T>(work: impl FnOnce() -> T) -> T {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_RUN.with(Cell::get) {
                return previous(info);
            }
            let message = panic_message(info.payload());
            let text = match info.location() {
                Some(location) => format!("{message} (at {}:{})", location.file(), location.line()),
                None => message,
            };
            LAST_PANIC.with(|last| last.set(Some(text)));
        }));
    });
    let was = IN_RUN.with(|flag| flag.replace(true));
    LAST_PANIC.with(|last| last.set(None));
    let result = work();
    IN_RUN.with(|flag| flag.set(was));
    result
}

/// The text a panic carried, or a placeholder.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
        .unwrap_or_else(|| "a panic without a message".to_string())
}
