//! Small, contended simulated worlds: the histories where checkers disagree if they ever do.

use tokensim::check::OpHistory;
use tokensim::protocol::{NodeId, Variant};
use tokensim::scenario::{FaultSpec, Scenario};
use tokensim::sim::{OmissionKind, Ratio, Simulation};

/// SplitMix64, to draw a world's knobs from its seed.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// The world of `seed`: 3 servers (one of them omission-faulty half the time), 2 or 3
/// clients with 1 or 2 tokens each, short delays, some link loss, 8 to 20 requests a few
/// milliseconds apart at most, under `variant`.
pub fn small_world(seed: u64, variant: Variant) -> Scenario {
    let mut rng = Mix(seed ^ 0x005e_ed0f_3a11);
    let mut scenario = Scenario::default_scenario();
    scenario.name = format!("small-{}", variant.name());
    scenario.variant = variant;
    scenario.schedule.clear();
    scenario.requests.clear();
    let world = &mut scenario.world;
    world.servers = 3;
    world.clients = rng.between(2, 3) as u32;
    world.tokens_per_client = Some(rng.between(1, 2) as u32);
    world.owners.clear();
    let first_server = world.clients + 1;
    scenario.faults = match rng.between(0, 3) {
        0 => vec![FaultSpec { node: NodeId(first_server), kind: OmissionKind::Both, ratio: ratio(1, 2) }],
        1 => vec![FaultSpec { node: NodeId(first_server + 1), kind: OmissionKind::Send, ratio: Ratio::ALWAYS }],
        _ => Vec::new(),
    };
    let network = &mut scenario.network;
    network.delay_us_min = rng.between(0, 1_000);
    network.delay_us_max = network.delay_us_min + rng.between(0, 1) * rng.between(0, 2_000);
    network.link_loss = match rng.between(0, 2) {
        0 => Ratio::NEVER,
        _ => ratio(rng.between(1, 15) as u32, 100),
    };
    scenario.client.retransmit_timeout_us = rng.between(20_000, 100_000);
    let workload = scenario.random_workload_mut();
    workload.requests = rng.between(20, 60);
    workload.gap_us_max = rng.between(0, 4_000);
    workload.pay_ratio = ratio(rng.between(1, 3) as u32, 4);
    workload.stray_pay_ratio = ratio(rng.between(0, 3) as u32, 10);
    workload.role_change_ratio = Ratio::NEVER;
    scenario
}

fn ratio(numerator: u32, denominator: u32) -> Ratio {
    Ratio::new(numerator, denominator).expect("a valid ratio")
}

/// The operation history of running `scenario` with `seed`.
pub fn simulated_history(scenario: &Scenario, seed: u64) -> OpHistory {
    let mut sim = Simulation::new(scenario, seed).expect("small worlds are valid");
    sim.run();
    OpHistory::from_sim(sim.history(), &sim.world().owners)
}
