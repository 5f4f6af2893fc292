//! Properties a user adds to the contract's, in the manner of stateright's
//! `Property::always`: a name, when it is judged, and a predicate on the simulation.
//!
//! One property works everywhere a run is judged: hand it to [`Run::property`] (so `run`,
//! the proptest strategies and a user's own tests), to
//! [`SweepOptions::properties`](crate::explore::sweep::SweepOptions::properties) (`check`),
//! and to [`search_with`](crate::explore::search::search_with) (`explore`, which judges an
//! `always` property at every state of every schedule). A broken property is a violation of
//! [`Property::Custom`] whose detail begins with the property's name, so a scenario may
//! expect it (`[expect] violation = "custom"`) like any other.
//!
//! ```
//! use tokensim::check::custom::CustomProperty;
//! use tokensim::run::Run;
//! use tokensim::scenario::Scenario;
//!
//! // No replica ever holds a token at a version above 1,000 (an "always" property).
//! let bounded = CustomProperty::always("versions_stay_small", |sim| {
//!     match sim.replicas().flat_map(|server| server.table().iter()).find(|value| value.version.0 > 1_000) {
//!         Some(value) => Err(format!("a replica holds version {}", value.version.0)),
//!         None => Ok(()),
//!     }
//! });
//! let mut scenario = Scenario::default_scenario();
//! scenario.random_workload_mut().requests = 30;
//! let outcome = Run::new(&scenario).seed(7).property(bounded).execute()?;
//! assert!(outcome.verdict.passed(), "{:?}", outcome.verdict.violations);
//! # Ok::<(), tokensim::scenario::ScenarioError>(())
//! ```
//!
//! [`Run::property`]: crate::run::Run::property

use crate::sim::Simulation;
use crate::vocab::{Property, Violation};
use std::fmt;
use std::sync::Arc;

/// When a [`CustomProperty`] is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// After every event of a run, and at every state a search reaches.
    Always,
    /// Once, where the run ends (and, in a search, where a schedule ends or recovers).
    AtEnd,
}

/// The predicate of a property: `Ok` when it holds, or what is wrong, in words.
type Predicate = dyn Fn(&Simulation) -> Result<(), String> + Send + Sync;

/// A property of the user's own, judged beside the contract's. Cheap to clone: the
/// predicate is shared. See the module docs.
#[derive(Clone)]
pub struct CustomProperty {
    name: Arc<str>,
    when: When,
    predicate: Arc<Predicate>,
}

impl CustomProperty {
    /// A property that must hold after every event: `predicate` sees the whole simulation
    /// (its nodes, replicas, history and time) and says what is wrong, if anything. It must
    /// only read; it runs often, so keep it cheap.
    pub fn always(
        name: impl Into<String>,
        predicate: impl Fn(&Simulation) -> Result<(), String> + Send + Sync + 'static,
    ) -> CustomProperty {
        CustomProperty { name: name.into().into(), when: When::Always, predicate: Arc::new(predicate) }
    }

    /// A property that must hold where a run ends, as [`CustomProperty::always`] otherwise.
    pub fn at_end(
        name: impl Into<String>,
        predicate: impl Fn(&Simulation) -> Result<(), String> + Send + Sync + 'static,
    ) -> CustomProperty {
        CustomProperty { name: name.into().into(), when: When::AtEnd, predicate: Arc::new(predicate) }
    }

    /// The property's name, as its violations begin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When it is judged.
    pub fn when(&self) -> When {
        self.when
    }

    /// Judge the property on `sim` as it stands: the violation, if it does not hold.
    pub fn judge(&self, sim: &Simulation) -> Option<Violation> {
        let problem = (self.predicate)(sim).err()?;
        Some(Violation::new(Property::Custom, format!("{}: {problem}", self.name)).at(sim.now()))
    }
}

impl fmt::Debug for CustomProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomProperty").field("name", &self.name).field("when", &self.when).finish_non_exhaustive()
    }
}

/// The custom properties of one run, and the first violation of each `always` one seen so
/// far (one each: a property broken at one event is usually broken at every later one, and
/// a report of each would flood).
#[derive(Clone, Debug, Default)]
pub(crate) struct CustomWatch {
    properties: Vec<CustomProperty>,
    broken: Vec<Option<Violation>>,
}

impl CustomWatch {
    /// A watch over `properties`, none broken yet.
    pub(crate) fn new(properties: Vec<CustomProperty>) -> CustomWatch {
        let broken = vec![None; properties.len()];
        CustomWatch { properties, broken }
    }

    /// Whether any property must be judged after every event.
    pub(crate) fn watches_every_step(&self) -> bool {
        self.properties.iter().any(|property| property.when == When::Always)
    }

    /// Judge the `always` properties not yet broken on `sim` as it stands.
    pub(crate) fn after_step(&mut self, sim: &Simulation) {
        for (property, broken) in self.properties.iter().zip(&mut self.broken) {
            if property.when == When::Always && broken.is_none() {
                *broken = property.judge(sim);
            }
        }
    }

    /// Whether an `always` property has been seen broken.
    pub(crate) fn any_broken(&self) -> bool {
        self.broken.iter().any(Option::is_some)
    }

    /// The violations of the `always` properties seen so far.
    pub(crate) fn seen(&self) -> impl Iterator<Item = Violation> + '_ {
        self.broken.iter().flatten().cloned()
    }

    /// The `at_end` properties judged on `sim`: their violations.
    pub(crate) fn judge_at_end(&self, sim: &Simulation) -> Vec<Violation> {
        let at_end = self.properties.iter().filter(|property| property.when == When::AtEnd);
        at_end.filter_map(|property| property.judge(sim)).collect()
    }

    /// Every violation at the run's end: those seen on the way, then the `at_end` properties
    /// judged on `sim` (and the `always` ones once more, for a run that nobody stepped
    /// through [`CustomWatch::after_step`]).
    pub(crate) fn at_end(&self, sim: &Simulation) -> Vec<Violation> {
        let mut found = Vec::new();
        for (property, broken) in self.properties.iter().zip(&self.broken) {
            match broken {
                Some(violation) => found.push(violation.clone()),
                None => found.extend(property.judge(sim)),
            }
        }
        found
    }
}
