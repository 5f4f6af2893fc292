//! The fast linearizability checker agrees with a plain Wing–Gong search
//! (`support::reference`) on every history: it reports a violation iff some token's
//! history is not linearizable.

mod support;

use support::reference;
use support::worlds::{simulated_history, small_world};
use tokensim::check::{check_linearizability, OpHistory};
use tokensim::protocol::Variant;

/// What each checker said of one history.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Verdicts {
    fast: bool,
    reference: bool,
}

fn verdicts(history: &OpHistory) -> Verdicts {
    let fast = check_linearizability(history).expect("well formed").is_empty();
    Verdicts { fast, reference: reference::check(history).linearizable() }
}

/// Run `seeds` small worlds of `variant`; (non-linearizable per the reference, missed by
/// the fast checker, falsely flagged by the fast checker).
fn census(variant: Variant, seeds: std::ops::Range<u64>) -> (usize, Vec<u64>, Vec<u64>) {
    let (mut bad, mut missed, mut false_alarms) = (0, Vec::new(), Vec::new());
    for seed in seeds {
        let history = simulated_history(&small_world(seed, variant), seed);
        let v = verdicts(&history);
        bad += usize::from(!v.reference);
        if v.fast && !v.reference {
            missed.push(seed);
        }
        if !v.fast && v.reference {
            false_alarms.push(seed);
        }
    }
    (bad, missed, false_alarms)
}

#[test]
#[ignore = "a census over many seeds, for the record: cargo test --release -- --ignored --nocapture"]
fn census_of_small_worlds() {
    let only = std::env::var("CENSUS_VARIANT").ok();
    for variant in Variant::ALL.into_iter().filter(|v| only.as_deref().is_none_or(|name| name == v.name())) {
        let seeds = 0..2_000;
        let (bad, missed, false_alarms) = census(variant, seeds.clone());
        println!(
            "{:>20}: {} seeds, {bad} not linearizable, fast checker missed {} {:?}, false alarms {} {:?}",
            variant.name(),
            seeds.end - seeds.start,
            missed.len(),
            &missed[..missed.len().min(10)],
            false_alarms.len(),
            &false_alarms[..false_alarms.len().min(10)]
        );
    }
}

#[test]
#[ignore = "debugging aid: SEED=n VARIANT=name cargo test --test linearizability_differential show_world -- --ignored --nocapture"]
fn show_world() {
    let seed: u64 = std::env::var("SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let name = std::env::var("VARIANT").unwrap_or_else(|_| "no-write-back".to_string());
    let variant = Variant::ALL.into_iter().find(|v| v.name() == name).expect("a variant");
    let history = simulated_history(&small_world(seed, variant), seed);
    let mut ops = history.operations.clone();
    ops.sort_by_key(|op| op.invocation());
    println!("initial owners {:?}", history.initial_owners);
    for op in &ops {
        let response = op.response().map_or("never".to_string(), |key| key.to_string());
        let outcome = op.outcome.as_ref().map_or("-".to_string(), ToString::to_string);
        println!("{} {} [{} .. {}] {}", op.id, op.request, op.invocation(), response, outcome);
    }
    println!("{:?}", verdicts(&history));
    println!("{:#?}", check_linearizability(&history));
    println!("{:?}", reference::check(&history));
}

#[test]
#[ignore = "census aid"]
fn census_causes() {
    for variant in [Variant::NoWriteBack, Variant::HalfQuorum, Variant::SeedOriginal] {
        let (_, missed, _) = census(variant, 0..2_000);
        let mut ties = 0;
        for &seed in &missed {
            let mut history = simulated_history(&small_world(seed, variant), seed);
            for op in &mut history.operations {
                op.invoked_rank = 0;
                op.responded_rank = 0;
            }
            ties += usize::from(reference::check(&history).linearizable());
        }
        println!("{}: missed {}, of which {ties} only through same-microsecond ties", variant.name(), missed.len());
    }
}
