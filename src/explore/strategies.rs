//! proptest strategies for worlds, faults and workloads (cargo feature `proptest`).
//!
//! Users fuzz schedules in their own tests by drawing a [`scenario`] and a seed and running
//! it through the one judge, [`Run`](crate::run::Run):
//!
//! ```
//! use proptest::prelude::*;
//! use tokensim::{explore::strategies, run::Run};
//!
//! proptest!(ProptestConfig::with_cases(4), |(scenario in strategies::scenario(), seed in any::<u64>())| {
//!     let verdict = Run::new(&scenario).seed(seed).execute().unwrap().verdict;
//!     prop_assert!(verdict.passed(), "{:?}", verdict.violations);
//! });
//! ```
//!
//! Every strategy shrinks toward a small case: 3 servers, 1 client, 1 token per client, no
//! faults, no link loss, short delays and a single request.
//!
//! [`check`] does the run and, when it fails, writes the failing case out as a scenario
//! file that `tokensim run` reproduces on its own (the last one written is the shrunk
//! case). [`seed`] draws any seed, or only `TOKENSIM_SEED` when that variable is set, to
//! rerun one failing seed in a user's own `cargo test`.

use crate::check::custom::CustomProperty;
use crate::protocol::NodeId;
use crate::run::Run;
use crate::scenario::{ClientTiming, Expectations, FaultSpec, Scenario, ScenarioError, WorldOptions};
use crate::sim::{Simulation, Unobserved};
use crate::vocab::{Choice, NetworkOptions, OmissionKind, RandomWorkloadOptions, Ratio, Schedule};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// A ratio in tenths, `1/10` to `10/10`; shrinks toward `1/10`.
pub fn ratio_tenths() -> impl Strategy<Value = Ratio> {
    (1u32..=10).prop_map(|tenths| Ratio::new(tenths, 10).expect("at most 10/10"))
}

/// 3 to 7 servers, 1 to 6 clients, 1 to 6 tokens per client.
pub fn world() -> impl Strategy<Value = WorldOptions> {
    (3u32..=7, 1u32..=6, 1u32..=6).prop_map(|(servers, clients, tokens_per_client)| WorldOptions {
        servers,
        clients,
        tokens_per_client: Some(tokens_per_client),
        ..WorldOptions::default()
    })
}

/// An omission kind; shrinks toward `Send`.
pub fn omission_kind() -> impl Strategy<Value = OmissionKind> {
    prop_oneof![Just(OmissionKind::Send), Just(OmissionKind::Receive), Just(OmissionKind::Both)]
}

/// Faults for `world`, always within the budget: at most `(servers - 1) / 2` distinct servers.
pub fn faults(world: &WorldOptions) -> impl Strategy<Value = Vec<FaultSpec>> {
    let (clients, servers) = (world.clients, world.servers);
    let budget = ((servers - 1) / 2) as usize;
    proptest::collection::vec((0..servers, omission_kind(), ratio_tenths()), 0..=budget).prop_map(move |drawn| {
        let mut faults: Vec<FaultSpec> = Vec::new();
        for (offset, kind, ratio) in drawn {
            let server = NodeId(clients + 1 + offset);
            if faults.iter().all(|fault| fault.node != server) {
                faults.push(FaultSpec { node: server, kind, ratio });
            }
        }
        faults
    })
}

/// Message delays up to 50ms, and link loss of up to 10% (shrinking to none).
pub fn network() -> impl Strategy<Value = NetworkOptions> {
    (0u64..=5_000, 0u64..=50_000, 0u32..=10).prop_map(|(delay_us_min, spread_us, loss_percent)| NetworkOptions {
        delay_us_min,
        delay_us_max: delay_us_min + spread_us,
        link_loss: Ratio::new(loss_percent, 100).expect("at most 10%"),
        ..NetworkOptions::default()
    })
}

/// 1 to 40 requests at gaps of up to 200ms, any mix of pays and stray pays, and role
/// changes at up to one request in five (shrinking toward none).
pub fn workload() -> impl Strategy<Value = RandomWorkloadOptions> {
    (1u64..=40, 0u64..=200_000, 0u32..=4, 0u32..=4, 0u32..=4).prop_map(
        |(requests, gap_us_max, pays, strays, role_changes)| RandomWorkloadOptions {
            requests,
            gap_us_max,
            pay_ratio: Ratio::new(pays, 4).expect("at most 4/4"),
            stray_pay_ratio: Ratio::new(strays, 4).expect("at most 4/4"),
            role_change_ratio: Ratio::new(role_changes, 20).expect("at most 4/20"),
        },
    )
}

/// A whole scenario within the fault budget, owing liveness.
pub fn scenario() -> impl Strategy<Value = Scenario> {
    let faulty_world = world().prop_flat_map(|world| (Just(world.clone()), faults(&world)));
    (faulty_world, network(), workload(), 20_000u64..=100_000).prop_map(
        |((world, faults), network, workload, retransmit_timeout_us)| {
            let mut scenario = Scenario::default_scenario();
            scenario.name = "proptest".to_string();
            scenario.description = String::new();
            scenario.seed = 0;
            scenario.world = world;
            scenario.network = network;
            scenario.client = ClientTiming { retransmit_timeout_us };
            scenario.faults = faults;
            scenario.workload = Some(workload);
            scenario.expect = Expectations::default();
            scenario
        },
    )
}

// The variable that pins [`seed`] to one seed lives with `run::test_seeds`, which reads it too.
pub use crate::run::SEED_VARIABLE;

/// The environment variable naming the folder [`check`] writes failing cases to (the
/// system's temporary folder, `tokensim-failures/`, when it is not set).
pub const FAILURES_VARIABLE: &str = "TOKENSIM_FAILURES_DIR";

/// Any seed; only `TOKENSIM_SEED` when it is set to a number (to rerun one seed).
pub fn seed() -> BoxedStrategy<u64> {
    match crate::run::pinned_seed() {
        Some(seed) => Just(seed).boxed(),
        None => any::<u64>().boxed(),
    }
}

/// Run `scenario` with `seed` through the one judge. When the run fails, the case is
/// written to `<failures>/<scenario name>.toml` (with the seed in it, so that `tokensim run
/// FILE` reproduces it) and the test case fails with a message naming the file. proptest
/// runs every smaller failing case it tries after the first, so the file ends up holding
/// the shrunk one.
pub fn check(scenario: &Scenario, seed: u64) -> Result<(), TestCaseError> {
    judge_case(scenario, seed, &[])
}

/// A schedule of up to `max_steps` choices, for [`check_schedule`]: each step picks one of
/// the first few pending events (0 is the one the timed scheduler would take) and now and
/// then loses a message. proptest shrinks it toward fewer steps, picks of 0 and no losses:
/// toward the timed scheduler's own run, with as little reordering and loss as still fails.
pub fn schedule(max_steps: usize) -> impl Strategy<Value = Schedule> {
    let choice = (0u32..4, proptest::bool::weighted(0.1)).prop_map(|(pick, lose)| Choice { pick, lose });
    proptest::collection::vec(choice, 0..=max_steps).prop_map(|choices| Schedule { choices })
}

/// `schedule` made to fit the run of `scenario` with `seed`: each pick taken modulo the
/// events pending at its step, a loss kept only for a message, and the choices after the
/// run ends (and a tail of plain timed steps, which the run takes anyway) dropped. The
/// result replays exactly as a scenario's `choices`, so any drawn schedule is a valid one.
pub fn fit_schedule(scenario: &Scenario, seed: u64, schedule: &Schedule) -> Result<Schedule, ScenarioError> {
    let mut sim = Simulation::new(scenario, seed)?;
    sim.choose_losses();
    let mut fitted: Vec<Choice> = Vec::new();
    for choice in &schedule.choices {
        let pending = sim.pending();
        if pending.is_empty() {
            break;
        }
        let pick = choice.pick as usize % pending.len();
        let fit = Choice { pick: pick as u32, lose: choice.lose && pending[pick].is_message() };
        let step = catch_unwind(AssertUnwindSafe(|| sim.step_choice(fitted.len() + 1, fit, &mut Unobserved)));
        match step {
            Ok(Ok(None)) => fitted.push(fit),
            Ok(Ok(Some(_)) | Err(_)) => break,
            // The step panicked: keep it, so that the replay panics there too, and stop.
            Err(_) => {
                fitted.push(fit);
                break;
            }
        }
    }
    while fitted.last() == Some(&Choice::default()) {
        fitted.pop();
    }
    Ok(Schedule { choices: fitted })
}

/// Run `scenario` with `seed` under `schedule` (fitted with [`fit_schedule`]) through the
/// one judge, with the user's `properties` too; on a failure, write the case (a scenario
/// whose `choices` replay the schedule) as [`check`] does, for `tokensim run` to reproduce.
pub fn check_schedule(
    scenario: &Scenario,
    seed: u64,
    schedule: &Schedule,
    properties: &[CustomProperty],
) -> Result<(), TestCaseError> {
    let fitted = fit_schedule(scenario, seed, schedule).map_err(|error| TestCaseError::fail(error.to_string()))?;
    let mut case = scenario.clone();
    case.choices = (!fitted.choices.is_empty()).then_some(fitted);
    judge_case(&case, seed, properties)
}

/// Run `scenario` with `seed` and `properties`; on a failure, save the case and fail.
fn judge_case(scenario: &Scenario, seed: u64, properties: &[CustomProperty]) -> Result<(), TestCaseError> {
    let outcome = Run::new(scenario)
        .seed(seed)
        .properties(properties.iter().cloned())
        .execute()
        .map_err(|error| TestCaseError::fail(error.to_string()))?;
    if outcome.verdict.passed() {
        return Ok(());
    }
    let mut case = outcome.scenario.clone();
    case.seed = seed;
    case.seeds = Default::default();
    let first = outcome.verdict.violations.first().map_or_else(String::new, ToString::to_string);
    let saved = match save(&case) {
        Ok(path) => format!("saved as {}; reproduce with: tokensim run {}", path.display(), path.display()),
        Err(error) => format!("(could not save the case: {error})"),
    };
    Err(TestCaseError::fail(format!("seed {seed} failed: {first}; {saved}")))
}

/// Write `case` to the failures folder; its path.
fn save(case: &Scenario) -> std::io::Result<PathBuf> {
    let dir = std::env::var_os(FAILURES_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tokensim-failures"));
    std::fs::create_dir_all(&dir)?;
    let name: String = case.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let path = dir.join(format!("{name}.toml"));
    let header =
        format!("# A failing case found by proptest (tokensim::explore::strategies::check), seed {}.\n", case.seed);
    std::fs::write(&path, header + &case.to_toml())?;
    Ok(path)
}
