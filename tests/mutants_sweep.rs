//! The fast test selection for mutation testing (`docs/CHECKING.md`, "Mutation testing"):
//! one small swarm sweep of the correct protocol, plus the default world. A mutant of
//! `src/protocol/` that this sweep does not fail survives; each survivor is recorded there,
//! killed by a new check or workload or argued equivalent.
//!
//! It runs in `cargo test` too, so it is known to pass on the unmutated tree.

use tokensim::explore::reproduce::Origin;
use tokensim::explore::sweep::{sweep, SeedRange, SweepOptions};
use tokensim::run::Run;
use tokensim::scenario::Scenario;

/// Swarm seeds the sweep runs: small enough for a debug build in seconds, large enough that
/// every rare path of the protocol is taken (the probe test sweeps the same range).
const SEEDS: u64 = 300;

#[test]
fn a_small_swarm_sweep_of_the_correct_protocol_passes() {
    let options = SweepOptions {
        scenario: Scenario::default_scenario(),
        origin: Origin::default(),
        seeds: SeedRange { start: 0, end: SEEDS },
        jobs: 2,
        swarm: true,
        max_failures: Some(1),
    };
    let report = sweep(&options, &|| {}).expect("the sweep runs");
    assert!(report.passed(), "{:#?}", report.failures);
    assert_eq!(report.seeds_run, SEEDS);
    // The default world: 1000 requests of 6 clients on 5 servers, 2 of them faulty.
    let verdict = Run::new(&Scenario::default_scenario()).seed(1).execute().expect("the run runs").verdict;
    assert!(verdict.passed(), "{:#?}", verdict.violations);
}
