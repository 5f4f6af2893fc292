//! Readable traces of small runs, kept as insta snapshots.

use tokensim::protocol::NodeId;
use tokensim::scenario::{FaultSpec, Scenario};
use tokensim::sim::{DropReason, OmissionKind, Ratio};
use tokensim::trace::{record_run, render_text, TraceEvent, TraceHeader, TraceRecord};

/// 3 servers (n3..=n5) and 2 clients (n1, n2) owning 2 tokens each.
fn tiny_world(requests: u64) -> Scenario {
    let mut scenario = Scenario::default_scenario();
    scenario.name = "tiny".into();
    scenario.world.servers = 3;
    scenario.world.clients = 2;
    scenario.world.tokens_per_client = Some(2);
    scenario.faults.clear();
    scenario.random_workload_mut().requests = requests;
    scenario.random_workload_mut().gap_us_max = 30_000;
    scenario
}

fn trace_text(scenario: &Scenario, seed: u64) -> (String, Vec<TraceRecord>) {
    let (outcome, records) = record_run(scenario, seed).expect("the scenario is valid");
    assert_eq!(outcome.verdict.end, Some(tokensim::sim::RunEnd::Completed));
    (render_text(&TraceHeader::new(scenario, seed), &records), records)
}

#[test]
fn five_requests_with_a_lossy_server() {
    let mut scenario = tiny_world(5);
    scenario.faults.push(FaultSpec { node: NodeId(3), kind: OmissionKind::Both, ratio: Ratio::new(1, 2).unwrap() });
    let (text, records) = trace_text(&scenario, 4);
    let replies = records.iter().filter(|r| matches!(r.event, TraceEvent::Replied { .. })).count();
    assert_eq!(replies, 5, "every request is answered");
    let drops_at_n3 = records
        .iter()
        .filter(|r| match &r.event {
            TraceEvent::Dropped { id, reason: DropReason::SenderOmission, .. } => id.from == NodeId(3),
            TraceEvent::Dropped { id, reason: DropReason::ReceiverOmission, .. } => id.to == NodeId(3),
            _ => false,
        })
        .count();
    assert!(drops_at_n3 > 0, "the faulty server dropped some messages");
    insta::assert_snapshot!(text);
}

#[test]
fn a_slow_network_forces_a_retransmission() {
    // Every round trip takes at least 6ms, and clients resend after 5ms: each phase is
    // retransmitted once before any answer can arrive.
    let mut scenario = tiny_world(2);
    scenario.network.delay_us_min = 3_000;
    scenario.network.delay_us_max = 4_000;
    scenario.client.retransmit_timeout_us = 5_000;
    scenario.random_workload_mut().pay_ratio = Ratio::ALWAYS;
    scenario.random_workload_mut().stray_pay_ratio = Ratio::NEVER;
    let (text, records) = trace_text(&scenario, 1);
    // A resend is the same request's read or write on the same link, under a new phase
    // number (so that its answers tell which round they answer).
    let sends: Vec<_> = records
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Sent { id, message, .. } => {
                message.tag().map(|tag| ((id.from, id.to, message.kind_name(), tag.request), tag.phase))
            }
            _ => None,
        })
        .collect();
    let resends: Vec<_> = sends
        .iter()
        .enumerate()
        .filter_map(|(i, (key, phase))| {
            sends[..i].iter().find(|(earlier, _)| earlier == key).map(|(_, p)| (*p, *phase))
        })
        .collect();
    assert!(resends.len() >= 3, "a phase was sent again to all three servers, found {} repeats", resends.len());
    assert!(resends.iter().all(|(first, again)| again > first), "every resend has a new phase number: {resends:?}");
    assert!(records.iter().any(|r| matches!(r.event, TraceEvent::TimerFired { .. })));
    insta::assert_snapshot!(text);
}
