//! The readable form of a trace: one short line per event, for people and snapshots.
//!
//! ```text
//! 0.000000s submit  n1#1 pay(t3, n2)
//! 0.000000s send    n1 -> n3 read n1#1.p0 t3
//! 0.004211s deliver n1 -> n3 read n1#1.p0 t3
//! 0.009876s drop    n3 -> n1 read_reply n1#1.p0 t3@v1:n2 (omission at sender)
//! 0.060000s timer   n1 retransmit p0
//! 0.071234s reply   n1#1 pay(t3, n2) = ok t3@v2
//! 0.500000s crash   n1
//! 0.900000s restart n1
//! ```

use super::event::{TraceEvent, TraceHeader, TraceRecord};
use crate::protocol::{Message, PhaseTag, Timer, TokenId, TokenSelection, TokenValue};
use crate::vocab::{Omission, OmissionKind};
use std::fmt::Write as _;

/// Lists of more values than this are shown by their count only.
const VALUES_SHOWN_MAX: usize = 4;

/// The header as one comment line. The tokensim version is left out, so snapshots of the
/// readable form survive a version bump that does not change what runs do.
pub fn render_header(header: &TraceHeader) -> String {
    format!("# tokensim trace format {}: scenario {:?}, seed {}", header.format, header.scenario.name, header.seed)
}

/// One record as one line: its time, then the event.
pub fn render_record(record: &TraceRecord) -> String {
    format!("{} {}", record.at, render_event(&record.event))
}

/// One event, without its time.
pub fn render_event(event: &TraceEvent) -> String {
    match event {
        TraceEvent::Submitted { id, request } => format!("submit  {id} {request}"),
        TraceEvent::Started { id, request } => format!("start   {id} {request}"),
        TraceEvent::Sent { from, to, message } => format!("send    {from} -> {to} {}", message_text(message)),
        TraceEvent::Delivered { from, to, message } => format!("deliver {from} -> {to} {}", message_text(message)),
        TraceEvent::Dropped { from, to, message, reason } => {
            format!("drop    {from} -> {to} {} ({})", message_text(message), reason.name())
        }
        TraceEvent::TimerFired { node, timer: Timer::Retransmit { phase } } => {
            format!("timer   {node} retransmit p{phase}")
        }
        TraceEvent::TimerFired { node, timer: Timer::Install { epoch } } => {
            format!("timer   {node} install e{}", epoch.0)
        }
        TraceEvent::Replied { id, request, outcome } => format!("reply   {id} {request} = {outcome}"),
        TraceEvent::Crashed { node, lost } if lost.is_empty() => format!("crash   {node}"),
        TraceEvent::Crashed { node, lost } => {
            let ids: Vec<String> = lost.iter().map(ToString::to_string).collect();
            format!("crash   {node} (lost {})", ids.join(" "))
        }
        TraceEvent::Restarted { node } => format!("restart {node}"),
        TraceEvent::FaultChanged { node, omission: Some(omission) } => {
            format!("fault   {node} becomes faulty: {}", omission_text(omission))
        }
        TraceEvent::FaultChanged { node, omission: None } => format!("fault   {node} heals"),
        TraceEvent::Partitioned { nodes } if nodes.is_empty() => "fault   the partition is repaired".to_string(),
        TraceEvent::Partitioned { nodes } => {
            let names: Vec<String> = nodes.iter().map(ToString::to_string).collect();
            format!("fault   partition: {} cut off", names.join(" "))
        }
    }
}

/// `send 1/2`: which of its messages a faulty node loses, and how many.
fn omission_text(omission: &Omission) -> String {
    let kind = match omission.kind {
        OmissionKind::Send => "send",
        OmissionKind::Receive => "receive",
        OmissionKind::Both => "both",
    };
    format!("{kind} {}", omission.ratio)
}

/// A whole trace: the header line, then one line per record, each ending in a newline.
pub fn render_text(header: &TraceHeader, records: &[TraceRecord]) -> String {
    let mut text = render_header(header);
    text.push('\n');
    for record in records {
        text.push_str(&render_record(record));
        text.push('\n');
    }
    text
}

fn message_text(message: &Message) -> String {
    let kind = message.kind_name();
    match message {
        Message::Read { tag, tokens: TokenSelection::All, .. } => format!("{kind} {} all", tag_text(tag)),
        Message::Read { tag, tokens: TokenSelection::One(token), .. } => format!("{kind} {} {token}", tag_text(tag)),
        Message::Read { tag, tokens: TokenSelection::Nothing, .. } => {
            format!("{kind} {} nothing (confirm the configuration)", tag_text(tag))
        }
        Message::ReadReply { tag, values, .. } => format!("{kind} {} {}", tag_text(tag), values_text(values)),
        Message::Write { tag, values, .. } => format!("{kind} {} {}", tag_text(tag), values_text(values)),
        Message::WriteAck { tag, .. } | Message::Nack { tag, .. } => format!("{kind} {}", tag_text(tag)),
        Message::NewConfig { config } | Message::Install { config, .. } => format!("{kind} {}", config_text(config)),
        Message::Seal { epoch, ballot } | Message::AcceptAck { epoch, ballot } => {
            format!("{kind} e{} {ballot}", epoch.0)
        }
        Message::SealAck { epoch, ballot, accepted, .. } => match accepted.as_deref() {
            Some((accepted_ballot, next)) => {
                format!("{kind} e{} {ballot} accepted {accepted_ballot} {}", epoch.0, config_text(next))
            }
            None => format!("{kind} e{} {ballot}", epoch.0),
        },
        Message::Accept { epoch, ballot, next } => format!("{kind} e{} {ballot} {}", epoch.0, config_text(next)),
        Message::Rejected { epoch, promised } => format!("{kind} e{} promised {promised}", epoch.0),
        Message::InstallAck { epoch } => format!("{kind} e{}", epoch.0),
        Message::Repair { epoch, nodes } => {
            let names: Vec<String> = nodes.iter().map(ToString::to_string).collect();
            format!("{kind} e{} on [{}]", epoch.0, names.join(" "))
        }
    }
}

/// `e2 [n7 n8 n9]`: a configuration's number and servers.
fn config_text(config: &crate::protocol::Config) -> String {
    let servers: Vec<String> = config.servers.iter().map(ToString::to_string).collect();
    format!("e{} [{}]", config.epoch.0, servers.join(" "))
}

fn tag_text(tag: &PhaseTag) -> String {
    format!("{}.p{}", tag.request, tag.phase)
}

/// `t3@v2:n1` per value (token, version, owner), or a count when there are many.
fn values_text(values: &[(TokenId, TokenValue)]) -> String {
    if values.len() > VALUES_SHOWN_MAX {
        return format!("{} values", values.len());
    }
    let mut text = String::new();
    for (index, (token, value)) in values.iter().enumerate() {
        let separator = if index == 0 { "" } else { " " };
        let _ = write!(text, "{separator}{token}@{}:{}", value.version, value.owner);
    }
    if values.is_empty() {
        text.push_str("no values");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Epoch, Instant, NodeId, RequestId, Version};
    use crate::sim::DropReason;

    #[test]
    fn a_dropped_write_reads_as_one_short_line() {
        let tag = PhaseTag { request: RequestId { client: NodeId(1), sequence: 2 }, phase: 3 };
        let value = TokenValue { version: Version(4), owner: NodeId(2), writer: Some(tag.request) };
        let message = Message::Write { epoch: Epoch(0), tag, values: vec![(TokenId(5), value)].into() };
        let event = TraceEvent::Dropped { from: NodeId(1), to: NodeId(8), message, reason: DropReason::LinkLoss };
        let line = render_record(&TraceRecord { at: Instant(12_345), event });
        assert_eq!(line, "0.012345s drop    n1 -> n8 write n1#2.p3 t5@v4:n2 (link loss)");
    }
}
