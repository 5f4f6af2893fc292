//! The shape of the seed's random workload, as scenarios write it.

use super::Ratio;
use serde::{Deserialize, Serialize};

/// The shape of the random workload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RandomWorkloadOptions {
    /// How many requests to issue in all, across the clients.
    pub requests: u64,
    /// Each client waits a uniform gap in `0..=gap_us_max` before issuing its next request.
    pub gap_us_max: u64,
    /// The share of requests that are `pay` (the rest are `gettokens`).
    pub pay_ratio: Ratio,
    /// The share of pays that pick any token, not one the client believes it owns, so
    /// refusals are exercised too.
    pub stray_pay_ratio: Ratio,
    /// The share of requests that are role changes (`become_server` or `become_client`,
    /// half each where both are possible). Off by default.
    pub role_change_ratio: Ratio,
}

impl Default for RandomWorkloadOptions {
    fn default() -> RandomWorkloadOptions {
        RandomWorkloadOptions {
            requests: 1000,
            gap_us_max: 2_000_000,
            pay_ratio: Ratio { numerator: 1, denominator: 2 },
            stray_pay_ratio: Ratio { numerator: 1, denominator: 10 },
            role_change_ratio: Ratio::NEVER,
        }
    }
}
