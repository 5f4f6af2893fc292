//! A run that panics is a `no_panic` violation, and `shrink` shrinks it like any other
//! failure: to a small case that panics at the same place. No variant panics, so the test
//! plants a panic on a rare path of the correct protocol (`tokensim::sim::plant_panic`), as
//! an assertion a developer put there would.

use tokensim::explore::shrink::{self, Size};
use tokensim::explore::swarm::scenario_for_seed;
use tokensim::protocol::Probe;
use tokensim::run::Run;
use tokensim::scenario::Scenario;
use tokensim::sim::plant_panic;
use tokensim::vocab::Property;

/// Whether `scenario`'s run with `seed` panics on the planted path.
fn panics_on_the_plant(scenario: &Scenario, seed: u64) -> bool {
    let verdict = Run::new(scenario).seed(seed).execute().expect("the scenario runs").verdict;
    verdict.violations.iter().any(|v| v.property == Property::NoPanic && v.detail.contains("planted panic"))
}

#[test]
fn a_panicking_run_shrinks_to_a_small_case_that_panics_at_the_same_place() {
    let base = Scenario::default_scenario();
    plant_panic(Some(Probe::WriteBackNeeded));
    let (seed, drawn) = (0..100)
        .map(|seed| (seed, scenario_for_seed(&base, seed, true)))
        .find(|(seed, drawn)| panics_on_the_plant(drawn, *seed))
        .expect("some swarm seed of 0..100 needs a write-back");
    let shrunk = shrink::shrink(&drawn, seed, None, &mut |_| {}).expect("the panic is a failure to shrink");
    assert_eq!(shrunk.property, Property::NoPanic);
    let size = Size::of(&shrunk.scenario);
    assert!(size.requests <= 10, "seed {seed} shrank to {size:?} only, from {:?}", shrunk.original);
    assert!(size.requests < shrunk.original.requests, "seed {seed}: nothing was shrunk");
    assert!(panics_on_the_plant(&shrunk.scenario, seed), "the shrunk case no longer panics there");
    let text = shrink::render(&shrunk, "a planted panic", "x.toml");
    assert!(text.contains("violation = \"no_panic\""), "{text}");
    // Without the plant the very same case runs clean: the panic was the failure.
    plant_panic(None);
    let verdict = Run::new(&shrunk.scenario).seed(seed).execute().expect("the scenario runs").verdict;
    assert!(!verdict.violations.iter().any(|v| v.property == Property::NoPanic), "{:#?}", verdict.violations);
}
