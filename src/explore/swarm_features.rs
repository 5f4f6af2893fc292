//! The features a swarm seed turns on or off (TigerBeetle's swarm testing), drawn first
//! from the seed's own `Swarm` stream; the world drawing (`swarm`) and the lossy payer
//! (`swarm_lossy_payer`) both read them, so they live apart from both.

use crate::sim::{SimRng, Stream};

/// The features one swarm seed turns on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// Few tokens, many clients on them, requests back to back.
    pub contention: bool,
    /// Links lose many messages, and the client timeout is shorter than the delays, so
    /// retransmissions overlap their originals.
    pub lossy: bool,
    /// Long message delays.
    pub slow: bool,
    /// Messages are duplicated.
    pub duplicates: bool,
    /// Frequent role changes, many at once.
    pub churn: bool,
    /// Faults that come and go at set times: nodes made faulty and healed, partitions and
    /// repairs.
    pub scheduled_faults: bool,
}

impl Features {
    /// The features seed `seed` turns on.
    pub fn of_seed(seed: u64) -> Features {
        Features::draw(&mut SimRng::new(seed, Stream::Swarm))
    }

    /// The features drawn from `rng`, the seed's own swarm stream, before anything else is.
    pub(super) fn draw(rng: &mut SimRng) -> Features {
        let mut on = |one_in: u64| rng.below(one_in) == 0;
        Features {
            contention: on(3),
            lossy: on(3),
            slow: on(4),
            duplicates: on(4),
            churn: on(3),
            scheduled_faults: on(3),
        }
    }
}
