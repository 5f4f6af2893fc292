//! Greedy passes over a scenario's knobs: each proposes a smaller or simpler scenario and
//! keeps it only if it still fails the same way (see [`Shrinker::attempt`]).

use super::Shrinker;
use crate::check::Property;
use crate::protocol::NodeId;
use crate::scenario::{Scenario, ScheduledEvent, SERVERS_MIN};
use crate::sim::Ratio;

/// Every knob pass once, in a fixed order; whether any change was kept.
pub(super) fn all(shrinker: &mut Shrinker<'_>) -> bool {
    let passes: [fn(&mut Shrinker<'_>) -> bool; 8] =
        [random_requests, faults, servers, clients, tokens, network, workload_shape, liveness_budget];
    passes.into_iter().fold(false, |changed, pass| pass(shrinker) | changed)
}

/// Try smaller values of a number: `low` itself, then big steps down, then smaller ones
/// (a binary search that tolerates non-monotonic failures). `set` writes a value into a
/// candidate and says whether it applies.
fn shrink_number(
    shrinker: &mut Shrinker<'_>,
    pass: &'static str,
    low: u64,
    get: impl Fn(&Scenario) -> u64,
    set: impl Fn(&mut Scenario, u64) -> bool,
) -> bool {
    if get(&shrinker.current) > low && shrinker.attempt_edit(pass, |candidate| set(candidate, low)) {
        return true;
    }
    let mut changed = false;
    let mut step = get(&shrinker.current).saturating_sub(low).div_ceil(2);
    while step > 0 {
        let value = get(&shrinker.current);
        if value >= low + step && shrinker.attempt_edit(pass, |candidate| set(candidate, value - step)) {
            changed = true;
            step = (value - step - low).div_ceil(2);
            continue;
        }
        step /= 2;
    }
    changed
}

/// Try smaller values of a duration, coarsely: `low`, then an eighth, a quarter or half of
/// the current value, smallest first, until none still fails. Timing landscapes are
/// rugged (any change reorders events), so fine steps would crawl for hundreds of checks
/// for no gain in readability.
fn shrink_duration(
    shrinker: &mut Shrinker<'_>,
    pass: &'static str,
    low: u64,
    get: impl Fn(&Scenario) -> u64,
    set: impl Fn(&mut Scenario, u64),
) -> bool {
    let mut changed = false;
    loop {
        let value = get(&shrinker.current);
        let mut candidates = vec![low, value / 8, value / 4, value / 2];
        candidates.retain(|&candidate| candidate >= low && candidate < value);
        candidates.dedup();
        let kept = candidates.into_iter().any(|candidate| {
            shrinker.attempt_edit(pass, |scenario| {
                set(scenario, candidate);
                true
            })
        });
        if !kept {
            return changed;
        }
        changed = true;
    }
}

/// Fewer random requests.
fn random_requests(shrinker: &mut Shrinker<'_>) -> bool {
    if shrinker.current.random_workload().requests == 0 {
        return false;
    }
    shrink_number(
        shrinker,
        "fewer random requests",
        1,
        |scenario| scenario.random_workload().requests,
        |scenario, value| {
            scenario.random_workload_mut().requests = value;
            true
        },
    )
}

/// Drop each fault from the start and each scheduled event, last first; then make the
/// remaining faults silent (a simpler fault than a ratio).
fn faults(shrinker: &mut Shrinker<'_>) -> bool {
    let mut changed = false;
    for index in (0..shrinker.current.faults.len()).rev() {
        changed |= shrinker.attempt_edit("fewer faults", |candidate| {
            candidate.faults.remove(index);
            true
        });
    }
    for index in (0..shrinker.current.schedule.len()).rev() {
        changed |= shrinker.attempt_edit("fewer scheduled fault events", |candidate| {
            candidate.schedule.remove(index);
            true
        });
    }
    for index in 0..shrinker.current.faults.len() {
        changed |= shrinker.attempt_edit("simpler faults", |candidate| {
            let fault = &mut candidate.faults[index];
            let simpler = fault.ratio != Ratio::ALWAYS;
            fault.ratio = Ratio::ALWAYS;
            simpler
        });
    }
    changed
}

/// Fewer servers: the last server goes, with whatever names it.
fn servers(shrinker: &mut Shrinker<'_>) -> bool {
    let mut changed = false;
    while shrinker.current.world.servers > SERVERS_MIN {
        let last = NodeId(shrinker.current.world.clients + shrinker.current.world.servers);
        let kept = shrinker.attempt_edit("fewer servers", |candidate| {
            candidate.world.servers -= 1;
            remap_nodes(candidate, |node| (node != last).then_some(node))
        });
        if !kept {
            break;
        }
        changed = true;
    }
    changed
}

/// Fewer clients, while the world is drawn from `tokens_per_client` and no request names a
/// node (the explicit phase drops unused clients instead: see `requests`).
fn clients(shrinker: &mut Shrinker<'_>) -> bool {
    let mut changed = false;
    loop {
        let current = &shrinker.current;
        if current.world.clients <= 1 || !current.world.owners.is_empty() || !current.requests.is_empty() {
            return changed;
        }
        let gone = NodeId(current.world.clients);
        let kept = shrinker.attempt_edit("fewer clients", |candidate| {
            candidate.world.clients -= 1;
            remap_nodes(candidate, |node| match node {
                node if node == gone => None,
                node if node.0 > gone.0 => Some(NodeId(node.0 - 1)),
                node => Some(node),
            })
        });
        if !kept {
            return changed;
        }
        changed = true;
    }
}

/// Fewer tokens per client (the explicit phase drops unused tokens instead).
fn tokens(shrinker: &mut Shrinker<'_>) -> bool {
    let Some(_) = shrinker.current.world.tokens_per_client.filter(|_| shrinker.current.requests.is_empty()) else {
        return false;
    };
    shrink_number(
        shrinker,
        "fewer tokens",
        1,
        |scenario| u64::from(scenario.world.tokens_per_client.unwrap_or(1)),
        |scenario, value| {
            scenario.world.tokens_per_client = Some(value as u32);
            true
        },
    )
}

/// The shortest longest-delay the shrinker tries: a shrunk case whose messages all took
/// no time at all happens in one instant, and its trace and picture show nothing travel.
const DELAY_US_MAX_MIN: u64 = 1_000;

/// No link loss, no duplication, shorter delays.
fn network(shrinker: &mut Shrinker<'_>) -> bool {
    let mut changed = shrinker.attempt_edit("no link loss", |candidate| {
        std::mem::replace(&mut candidate.network.link_loss, Ratio::NEVER) != Ratio::NEVER
    });
    changed |= shrinker.attempt_edit("no duplication", |candidate| {
        std::mem::replace(&mut candidate.network.duplicate_ratio, Ratio::NEVER) != Ratio::NEVER
    });
    changed |= shrink_duration(
        shrinker,
        "shorter delays",
        DELAY_US_MAX_MIN.min(shrinker.current.network.delay_us_max),
        |scenario| scenario.network.delay_us_max,
        |scenario, value| {
            scenario.network.delay_us_max = value;
            scenario.network.delay_us_min = scenario.network.delay_us_min.min(value);
        },
    );
    changed |= shrink_duration(
        shrinker,
        "shorter delays",
        0,
        |scenario| scenario.network.delay_us_min,
        |scenario, value| scenario.network.delay_us_min = value,
    );
    changed
}

/// No random role changes, no stray pays, shorter gaps between random requests.
fn workload_shape(shrinker: &mut Shrinker<'_>) -> bool {
    if shrinker.current.random_workload().requests == 0 {
        return false;
    }
    let mut changed = shrinker.attempt_edit("no role changes", |candidate| {
        std::mem::replace(&mut candidate.random_workload_mut().role_change_ratio, Ratio::NEVER) != Ratio::NEVER
    });
    changed |= shrinker.attempt_edit("no stray pays", |candidate| {
        std::mem::replace(&mut candidate.random_workload_mut().stray_pay_ratio, Ratio::NEVER) != Ratio::NEVER
    });
    changed |= shrink_duration(
        shrinker,
        "shorter gaps",
        0,
        |scenario| scenario.random_workload().gap_us_max,
        |scenario, value| scenario.random_workload_mut().gap_us_max = value,
    );
    changed
}

/// The shortest liveness budget the shrinker tries: long enough that a correct protocol
/// answers a small workload within it many times over (see `tests/shrunk.rs`, which runs
/// the correct variant on every shrunk case), short enough to keep a stuck run's trace short.
const LIVENESS_BUDGET_US_MIN: u64 = 2_000_000;

/// A shorter liveness budget, when the failure is liveness: the run (and its trace) ends sooner.
fn liveness_budget(shrinker: &mut Shrinker<'_>) -> bool {
    if shrinker.property() != Property::Liveness {
        return false;
    }
    shrink_duration(
        shrinker,
        "shorter liveness budget",
        LIVENESS_BUDGET_US_MIN,
        |scenario| scenario.expect.liveness_budget_us,
        |scenario, value| scenario.expect.liveness_budget_us = value,
    )
}

/// Rename every node the scenario names with `rename`; `None` removes it: a fault or event
/// on it is dropped, it leaves partitions, and a request naming it is dropped. Returns false
/// when an initial owner would be removed (the candidate makes no sense then).
pub(super) fn remap_nodes(scenario: &mut Scenario, rename: impl Fn(NodeId) -> Option<NodeId>) -> bool {
    scenario.faults.retain_mut(|fault| rename(fault.node).map(|node| fault.node = node).is_some());
    scenario.schedule.retain_mut(|event| remap_event(event, &rename));
    scenario.requests.retain_mut(|spec| {
        let mut named = vec![&mut spec.client];
        named.extend(spec.pay.as_mut().map(|pay| &mut pay.to));
        named.extend(spec.gettokens.as_mut().map(|get| &mut get.owner));
        named.extend(spec.become_server.as_mut().map(|change| &mut change.node));
        named.extend(spec.become_client.as_mut().map(|change| &mut change.node));
        named.into_iter().all(|node| rename(*node).map(|renamed| *node = renamed).is_some())
    });
    scenario.world.owners.iter_mut().all(|owner| rename(*owner).map(|renamed| *owner = renamed).is_some())
}

/// Rename the nodes of one scheduled event; whether it is kept.
fn remap_event(event: &mut ScheduledEvent, rename: &impl Fn(NodeId) -> Option<NodeId>) -> bool {
    if let Some(fault) = event.make_faulty.as_mut() {
        return rename(fault.node).map(|node| fault.node = node).is_some();
    }
    if let Some(heal) = event.heal.as_mut() {
        return rename(heal.node).map(|node| heal.node = node).is_some();
    }
    if let Some(nodes) = event.partition.as_mut() {
        *nodes = nodes.iter().filter_map(|&node| rename(node)).collect();
        return !nodes.is_empty();
    }
    if let Some(spec) = event.crash.as_mut().or(event.restart.as_mut()) {
        return rename(spec.node).map(|node| spec.node = node).is_some();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Request, TokenId};
    use crate::scenario::{FaultSpec, RequestSpec};
    use crate::sim::OmissionKind;

    #[test]
    fn removing_a_node_drops_what_names_it_and_renames_the_rest() {
        let mut scenario = Scenario::default_scenario(); // clients 1..=6, servers 7..=11
        scenario.faults = vec![FaultSpec { node: NodeId(8), kind: OmissionKind::Send, ratio: Ratio::ALWAYS }];
        scenario.requests = vec![
            RequestSpec::new(0, NodeId(1), Request::Pay { token: TokenId(0), to: NodeId(6) }),
            RequestSpec::new(5, NodeId(2), Request::GetTokens { owner: NodeId(3) }),
        ];
        let shift = |gone: u32| {
            move |node: NodeId| match node.0 {
                id if id == gone => None,
                id if id > gone => Some(NodeId(id - 1)),
                _ => Some(node),
            }
        };
        let mut without_three = scenario.clone();
        assert!(remap_nodes(&mut without_three, shift(3)), "no token owner is removed");
        assert_eq!(without_three.faults[0].node, NodeId(7), "server ids move down");
        assert_eq!(without_three.requests.len(), 1, "the request naming n3 is dropped");
        assert_eq!(without_three.requests[0].pay.as_ref().map(|pay| pay.to), Some(NodeId(5)));
        let mut without_eight = scenario.clone();
        remap_nodes(&mut without_eight, shift(8));
        assert!(without_eight.faults.is_empty(), "the fault of a removed server goes with it");
        scenario.world.owners = vec![NodeId(3)];
        assert!(!remap_nodes(&mut scenario, shift(3)), "a token owner cannot be removed");
    }
}
