//! Every broken protocol variant is caught by the checkers in the first swarm seeds, under
//! the property its mistake breaks, and the correct protocol passes the same seeds.
//!
//! Most variants fail within the first few seeds, so the tests search for the first failing
//! seed with a bounded loop. The rare ones are too slow to search in a debug build: their
//! first failing seed was found by a release sweep (`tokensim check --seeds 0..3000 --swarm
//! --variant NAME`) and is pinned. The ignored test at the end checks the project's target,
//! every caught variant failing at least 5 of the first 3000 swarm seeds, in release:
//! `cargo test --release --test variants_caught -- --ignored`.

mod common;

use tokensim::explore::swarm::scenario_for_seed;
use tokensim::protocol::Variant;
use tokensim::scenario::Scenario;
use tokensim::vocab::Property;

/// The properties `seed` breaks under `variant`, swarm world.
fn broken(variant: Variant, seed: u64) -> Vec<Property> {
    let mut base = Scenario::default_scenario();
    base.variant = variant;
    let scenario = scenario_for_seed(&base, seed, true);
    let mut properties = common::broken(&scenario, seed);
    properties.sort_unstable();
    properties.dedup();
    properties
}

/// The first failing swarm seed below `limit`, and what it breaks; every earlier seed and
/// that one pass under the correct protocol.
fn first_failing_seed(variant: Variant, limit: u64) -> (u64, Vec<Property>) {
    for seed in 0..limit {
        let found = broken(variant, seed);
        assert_eq!(broken(Variant::Correct, seed), [], "the correct protocol fails seed {seed}");
        if !found.is_empty() {
            return (seed, found);
        }
    }
    panic!("{variant} was not caught in swarm seeds 0..{limit}");
}

fn assert_breaks_any(variant: Variant, seed: u64, found: &[Property], expected: &[Property]) {
    assert!(
        found.iter().any(|property| expected.contains(property)),
        "{variant} seed {seed} broke {found:?}, expected one of {expected:?}"
    );
}

/// A variant, the first swarm seed it fails (measured), and the properties its mistake
/// breaks (any one of them will do).
const CAUGHT_EARLY: [(Variant, u64, &[Property]); 9] = [
    (Variant::BareVersionCas, 0, &[Property::Liveness, Property::ExactlyOnce]),
    (Variant::ForgetfulRetries, 0, &[Property::OneOwnerPerVersion, Property::RefusalChangedNothing]),
    (Variant::SeedOriginal, 0, &[Property::Linearizable, Property::RefusalChangedNothing, Property::ExactlyOnce]),
    (Variant::NoBackoff, 0, &[Property::Progress]),
    (Variant::AnyMajority, 8, &[Property::Linearizable, Property::OneOwnerPerVersion, Property::NoDoubleSpend]),
    // A restart without its durable state: a replica's versions go back, a view of the
    // configuration goes back, request ids are given twice.
    (Variant::Amnesia, 12, &[Property::ReplicaVersionMonotonic, Property::EpochsOnlyGrow, Property::RequestIdsUnique]),
    (Variant::AcceptsAnyBallot, 22, &[Property::OneConfigPerEpoch]),
    (Variant::HalfQuorum, 15, &[Property::Linearizable, Property::OneOwnerPerVersion, Property::NoDoubleSpend]),
    (Variant::StaleRefusal, 25, &[Property::RoleChangeRefusedRightly]),
];

#[test]
fn each_variant_is_caught_at_its_first_failing_seed_under_its_property() {
    for (variant, first, expected) in CAUGHT_EARLY {
        let (seed, found) = first_failing_seed(variant, first + 1);
        assert_eq!(seed, first, "{variant} was first caught at {seed}, not {first}");
        assert_breaks_any(variant, seed, &found, expected);
    }
}

#[test]
fn the_rare_variants_are_caught_at_their_pinned_seeds() {
    // The first failing swarm seed of each in a release sweep of 0..3000 when pinned
    // (minority-sync now fails seed 9 first, under `linearizable`; 84 still fails as pinned).
    let rare: [(Variant, u64, &[Property]); 3] = [
        (Variant::NoWriteBack, 127, &[Property::Linearizable]),
        (Variant::MinoritySync, 84, &[Property::OneConfigPerEpoch, Property::RoleChangeInstalled]),
        (Variant::ForgetsAccepted, 67, &[Property::OneConfigPerEpoch]),
    ];
    for (variant, seed, expected) in rare {
        let found = broken(variant, seed);
        assert_breaks_any(variant, seed, &found, expected);
        assert_eq!(broken(Variant::Correct, seed), [], "the correct protocol fails seed {seed}");
    }
}

#[test]
fn drop_state_on_leave_alone_is_not_caught_over_a_bounded_range() {
    // A claim, tested only over the seeds below (a release sweep of 0..3000 found none
    // either): removing one server keeps every completed write on a majority of the rest,
    // and the servers that stay merge, not replace, their tables (see `Variant::DropStateOnLeave`).
    for seed in 0..300 {
        assert_eq!(broken(Variant::DropStateOnLeave, seed), [], "drop-state-on-leave failed seed {seed}");
    }
}

/// The target: every variant but `drop-state-on-leave` fails at least 5 of the first 3000
/// swarm seeds. Slow in a debug build; run it in release.
#[test]
#[ignore = "sweeps 3000 seeds for each of 12 variants: run with --release -- --ignored"]
fn every_caught_variant_fails_at_least_five_of_the_first_3000_swarm_seeds() {
    use tokensim::explore::reproduce::Origin;
    use tokensim::explore::sweep::{sweep, SeedRange, SweepOptions};
    for variant in Variant::ALL.into_iter().filter(|v| !matches!(v, Variant::Correct | Variant::DropStateOnLeave)) {
        let mut scenario = Scenario::default_scenario();
        scenario.variant = variant;
        let options = SweepOptions {
            scenario,
            origin: Origin::default(),
            seeds: SeedRange { start: 0, end: 3000 },
            jobs: 2,
            swarm: true,
            max_failures: None,
        };
        let report = sweep(&options, &|| {}).unwrap();
        assert!(report.seeds_failed >= 5, "{variant} failed only {} of 3000 swarm seeds", report.seeds_failed);
    }
}
