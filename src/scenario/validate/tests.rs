//! Validation does linear work, counted in steps rather than timed, and its faster lookups
//! (crashes by node, duplicate faults) decide exactly as the plain scans they replaced.

use super::{Checked, STEPS};
use crate::protocol::{NodeId, Request, TokenId};
use crate::scenario::error::Problem;
use crate::scenario::format::FaultAction;
use crate::scenario::{FaultSpec, RequestSpec, Scenario, ScheduledEvent};
use crate::vocab::{OmissionKind, Ratio};
use proptest::prelude::*;

/// The steps validating `scenario` takes, and whether it is valid.
fn steps_of(scenario: &Scenario) -> (bool, u64) {
    STEPS.with(|steps| steps.set(0));
    let valid = scenario.validate().is_ok();
    (valid, STEPS.with(|steps| steps.get()))
}

/// A world of `clients` clients with `requests` explicit pays, one a millisecond.
fn with_requests(requests: u64, clients: u32) -> Scenario {
    let mut scenario = Scenario::builder("big").clients(clients).tokens_per_client(1).build().unwrap();
    for i in 0..requests {
        let client = (i % u64::from(clients)) as u32;
        let pay = Request::Pay { token: TokenId(client), to: NodeId((client + 1) % clients + 1) };
        scenario.requests.push(RequestSpec::new(i * 1000, NodeId(client + 1), pay));
    }
    scenario
}

#[test]
fn a_hundred_thousand_requests_validate_in_linear_steps() {
    let requests = 100_000;
    for clients in [6, 1000] {
        let (valid, steps) = steps_of(&with_requests(requests, clients));
        assert!(valid, "{clients} clients");
        // Three passes over the requests (whether any changes a role, their values, crashes);
        // a check that scanned every request again for each took n squared steps.
        assert!(steps <= 3 * requests, "{clients} clients: {steps} steps for {requests} requests");
        assert!(steps >= requests, "the count sees the requests: {steps}");
    }
}

#[test]
fn a_hundred_thousand_crashes_and_restarts_validate_in_linear_steps() {
    let pairs = 50_000;
    let mut scenario = with_requests(0, 6);
    for i in 0..pairs {
        scenario.schedule.push(ScheduledEvent::new(i * 10, FaultAction::Crash(NodeId(1))));
        scenario.schedule.push(ScheduledEvent::new(i * 10 + 5, FaultAction::Restart(NodeId(1))));
        // Between a restart and the next crash: the node is up.
        let listing = Request::GetTokens { owner: NodeId(1) };
        scenario.requests.push(RequestSpec::new(i * 10_000 + 7_000, NodeId(1), listing));
    }
    let (valid, steps) = steps_of(&scenario);
    assert!(valid);
    let events = 2 * pairs;
    // Four passes over the schedule (values, downtimes, downtimes by node, the budget) and
    // three over the requests.
    assert!(steps <= 4 * events + 3 * pairs, "{steps} steps for {events} events and {pairs} requests");
    assert!(steps >= events + pairs, "the count sees the schedule and the requests: {steps}");
}

#[test]
fn a_fault_listed_twice_is_named_at_its_second_entry() {
    let mut scenario = with_requests(0, 6);
    let fault = |node| FaultSpec { node: NodeId(node), kind: OmissionKind::Send, ratio: Ratio::new(1, 2).unwrap() };
    scenario.faults = vec![fault(7), fault(2), fault(7)];
    let problem = scenario.validate().unwrap_err();
    assert_eq!(problem, Problem::new("faults[2].node", "node 7 is listed twice"));
}

/// The check of requests handed to crashed nodes as it was written before, scanning every
/// downtime for every request and every downtime for each crash or restart: the reference
/// the lookups are held to.
fn crashes_by_scanning(scenario: &Scenario) -> Checked<()> {
    let mut downs: Vec<((NodeId, u64), u64)> = Vec::new();
    for index in scenario.schedule_order() {
        let event = &scenario.schedule[index];
        let is_down = |downs: &[((NodeId, u64), u64)], node: NodeId| {
            downs.iter().position(|((down, _), until)| *down == node && *until == u64::MAX)
        };
        match event.action() {
            Some(FaultAction::Crash(node)) if is_down(&downs, node).is_some() => {
                let problem =
                    format!("{node} is already down at {} ms: restart it before it crashes again", event.at_ms);
                return Err(Problem::new(format!("schedule[{index}].crash.node"), problem));
            }
            Some(FaultAction::Crash(node)) => downs.push(((node, event.at_us()), u64::MAX)),
            Some(FaultAction::Restart(node)) => match is_down(&downs, node) {
                Some(position) => downs[position].1 = event.at_us(),
                None => {
                    let problem = format!("{node} is not down at {} ms: only a crashed node restarts", event.at_ms);
                    return Err(Problem::new(format!("schedule[{index}].restart.node"), problem));
                }
            },
            _ => {}
        }
    }
    for (index, spec) in scenario.requests.iter().enumerate() {
        let at = spec.at_us();
        if let Some((from, _)) = downs.iter().find(|(from, to)| from.0 == spec.client && from.1 <= at && at < *to) {
            let problem = format!(
                "{} is down at {} ms (crashed at {} ms): nobody can hand it a request until it restarts",
                spec.client,
                at / 1000,
                from.1 / 1000
            );
            return Err(Problem::new(format!("requests[{index}].client"), problem));
        }
    }
    Ok(())
}

/// Crashes and restarts of clients 1 and 2 at a few close instants (ties included), and
/// requests of theirs around them.
fn crash_scripts() -> impl Strategy<Value = Scenario> {
    let event = (0..6u64, prop::bool::ANY, 1..=2u32).prop_map(|(at_ms, crash, node)| {
        let node = NodeId(node);
        ScheduledEvent::new(at_ms, if crash { FaultAction::Crash(node) } else { FaultAction::Restart(node) })
    });
    let request = (0..7u64, prop::sample::select(vec![0u64, 999]), 1..=2u32).prop_map(|(at_ms, plus_us, client)| {
        let mut spec = RequestSpec::new(at_ms * 1000, NodeId(client), Request::GetTokens { owner: NodeId(client) });
        spec.plus_us = plus_us;
        spec
    });
    (prop::collection::vec(event, 0..10), prop::collection::vec(request, 0..8)).prop_map(|(schedule, requests)| {
        let mut scenario = with_requests(0, 3);
        scenario.schedule = schedule;
        scenario.requests = requests;
        scenario
    })
}

proptest! {
    #[test]
    fn crash_lookups_decide_as_the_scans_did(scenario in crash_scripts()) {
        prop_assert_eq!(scenario.check_crashes(), crashes_by_scanning(&scenario));
    }
}
