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

use crate::protocol::NodeId;
use crate::scenario::{ClientTiming, Expectations, FaultSpec, Scenario, WorldOptions};
use crate::vocab::{NetworkOptions, OmissionKind, RandomWorkloadOptions, Ratio};
use proptest::prelude::*;

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
            if faults.iter().all(|fault| fault.server != server) {
                faults.push(FaultSpec { server, kind, ratio });
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
