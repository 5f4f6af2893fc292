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
use crate::protocol::{PhaseTag, Timer, TokenSelection};
use crate::sim::{MessageId, TracedMessage, TracedValues, VALUES_LISTED_MAX};
use crate::vocab::{Omission, OmissionKind};
// HashMap only for `in_flight`, looked up and never iterated: no order reaches the text.
use std::collections::HashMap; // HashMap: lookups only, never iterated
use std::fmt::Write as _;

/// The header as one comment line. The tokensim version is left out, so snapshots of the
/// readable form survive a version bump that does not change what runs do.
pub fn render_header(header: &TraceHeader) -> String {
    format!("# tokensim trace format {}: scenario {:?}, seed {}", header.format, header.scenario.name, header.seed)
}

/// One record as one line, on its own: a delivery or a loss names its message by number
/// (`deliver n1 -> n3 message 7`), since only its send says what it carries. Reading a
/// whole trace, [`TraceText`] shows every line with its message.
pub fn render_record(record: &TraceRecord) -> String {
    format!("{} {}", record.at, render_event(&record.event))
}

/// One event, without its time, on its own (see [`render_record`]).
pub fn render_event(event: &TraceEvent) -> String {
    event_text(event, None)
}

/// A whole trace: the header line, then one line per record, each ending in a newline.
pub fn render_text(header: &TraceHeader, records: &[TraceRecord]) -> String {
    let mut text = render_header(header);
    text.push('\n');
    let mut lines = TraceText::new();
    for record in records {
        text.push_str(&lines.line(record));
        text.push('\n');
    }
    text
}

/// The readable form of a trace read in order: it remembers every message in flight, so
/// that a delivery or a loss, which the trace records by the message's id only, reads with
/// the message's content like its send. Memory holds the messages in flight, not the trace.
#[derive(Debug, Default)]
pub struct TraceText {
    /// Looked up, never iterated, so the map's order cannot reach the text.
    in_flight: HashMap<MessageId, InFlight>, // lookup only, never iterated
}

#[derive(Debug)]
struct InFlight {
    message: TracedMessage,
    /// Deliveries and losses still to come: 1, or 2 for a message the network duplicated.
    fates_left: u8,
}

impl TraceText {
    /// Nothing in flight yet: the start of a trace.
    pub fn new() -> TraceText {
        TraceText::default()
    }

    /// `record` as one line, then [`TraceText::observe`] it.
    pub fn line(&mut self, record: &TraceRecord) -> String {
        let text = self.peek(record);
        self.observe(record);
        text
    }

    /// `record` as one line, remembering nothing: for a record that may not belong to the
    /// trace (a replay's, where it differs from the file's).
    pub fn peek(&self, record: &TraceRecord) -> String {
        format!("{} {}", record.at, event_text(&record.event, self.message(&record.event)))
    }

    /// Remember the message `record` sends, or count off a delivery or loss of one.
    pub fn observe(&mut self, record: &TraceRecord) {
        match &record.event {
            TraceEvent::Sent { id, message, duplicated } => {
                let fates_left = 1 + u8::from(*duplicated);
                self.in_flight.insert(*id, InFlight { message: message.clone(), fates_left });
            }
            TraceEvent::Delivered { id, .. } | TraceEvent::Dropped { id, .. } => {
                let done = self.in_flight.get_mut(id).is_some_and(|in_flight| {
                    in_flight.fates_left = in_flight.fates_left.saturating_sub(1);
                    in_flight.fates_left == 0
                });
                if done {
                    self.in_flight.remove(id);
                }
            }
            _ => {}
        }
    }

    /// The message `event` sends, delivers or loses, when known: a delivery whose send came
    /// before it in the trace.
    pub fn message<'a>(&'a self, event: &'a TraceEvent) -> Option<&'a TracedMessage> {
        match event {
            TraceEvent::Sent { message, .. } => Some(message),
            TraceEvent::Delivered { id, .. } | TraceEvent::Dropped { id, .. } => {
                self.in_flight.get(id).map(|in_flight| &in_flight.message)
            }
            _ => None,
        }
    }
}

/// One event, without its time; `message` is the message a delivery or loss is about, when
/// known (a send carries its own).
fn event_text(event: &TraceEvent, message: Option<&TracedMessage>) -> String {
    let what = |id: &MessageId| match message {
        Some(message) => message_text(message),
        None => format!("message {}", id.number),
    };
    match event {
        TraceEvent::Submitted { id, request } => format!("submit  {id} {request}"),
        TraceEvent::Started { id, request } => format!("start   {id} {request}"),
        TraceEvent::Sent { id, message, .. } => format!("send    {} -> {} {}", id.from, id.to, message_text(message)),
        TraceEvent::Delivered { id, copy } => {
            let copy = if *copy { " (copy)" } else { "" };
            format!("deliver {} -> {} {}{copy}", id.from, id.to, what(id))
        }
        TraceEvent::Dropped { id, copy, reason } => {
            let copy = if *copy { "copy; " } else { "" };
            format!("drop    {} -> {} {} ({copy}{})", id.from, id.to, what(id), reason.name())
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

fn message_text(message: &TracedMessage) -> String {
    let kind = message.kind_name();
    match message {
        TracedMessage::Read { tag, tokens: TokenSelection::All, .. } => format!("{kind} {} all", tag_text(tag)),
        TracedMessage::Read { tag, tokens: TokenSelection::One(token), .. } => {
            format!("{kind} {} {token}", tag_text(tag))
        }
        TracedMessage::Read { tag, tokens: TokenSelection::Nothing, .. } => {
            format!("{kind} {} nothing (confirm the configuration)", tag_text(tag))
        }
        TracedMessage::Read { tag, tokens: TokenSelection::Owner(owner), .. } => {
            format!("{kind} {} related to {owner}", tag_text(tag))
        }
        TracedMessage::Read { tag, tokens: TokenSelection::Tokens(tokens), .. } => {
            format!("{kind} {} confirm {}", tag_text(tag), token_list(tokens))
        }
        TracedMessage::ReadReply { tag, values, .. } | TracedMessage::Write { tag, values, .. } => {
            format!("{kind} {} {}", tag_text(tag), values_text(values))
        }
        TracedMessage::WriteAck { tag, .. } | TracedMessage::Nack { tag, .. } => format!("{kind} {}", tag_text(tag)),
        TracedMessage::NewConfig { config }
        | TracedMessage::SealedBehind { config }
        | TracedMessage::Install { config, .. } => {
            format!("{kind} {}", config_text(config))
        }
        TracedMessage::Seal { epoch, ballot } | TracedMessage::AcceptAck { epoch, ballot } => {
            format!("{kind} e{} {ballot}", epoch.0)
        }
        TracedMessage::SealAck { epoch, ballot, accepted, .. } => match accepted {
            Some((accepted_ballot, next)) => {
                format!("{kind} e{} {ballot} accepted {accepted_ballot} {}", epoch.0, config_text(next))
            }
            None => format!("{kind} e{} {ballot}", epoch.0),
        },
        TracedMessage::Accept { epoch, ballot, next } => format!("{kind} e{} {ballot} {}", epoch.0, config_text(next)),
        TracedMessage::Rejected { epoch, promised } => format!("{kind} e{} promised {promised}", epoch.0),
        TracedMessage::InstallAck { epoch } => format!("{kind} e{}", epoch.0),
        TracedMessage::Repair { epoch, nodes } => {
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

/// `t3@v2:n1` per value (token, version, owner), or a count when there are many (with the
/// digest a trace records in their place).
fn values_text(values: &TracedValues) -> String {
    let values = match values {
        TracedValues::Digested(digest) => return digest.to_string(),
        TracedValues::Listed(values) if values.len() > VALUES_LISTED_MAX => {
            return format!("{} values", values.len());
        }
        TracedValues::Listed(values) if values.is_empty() => return "no values".to_string(),
        TracedValues::Listed(values) => values,
    };
    let mut text = String::new();
    for (index, (token, value)) in values.iter().enumerate() {
        let separator = if index == 0 { "" } else { " " };
        let _ = write!(text, "{separator}{token}@{}:{}", value.version, value.owner);
    }
    text
}

/// `t3,t5`: tokens named by a confirming read.
fn token_list(tokens: &[crate::protocol::TokenId]) -> String {
    tokens.iter().map(|token| token.to_string()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Epoch, Instant, Message, NodeId, RequestId, TokenId, TokenValue, Version};
    use crate::sim::DropReason;

    #[test]
    fn a_dropped_write_reads_as_one_short_line() {
        let tag = PhaseTag { request: RequestId { client: NodeId(1), sequence: 2 }, phase: 3 };
        let value = TokenValue { version: Version(4), owner: NodeId(2), writer: Some(tag.request) };
        let message = Message::Write { epoch: Epoch(0), tag, values: vec![(TokenId(5), value)].into() };
        let id = MessageId { from: NodeId(1), to: NodeId(8), number: 7 };
        let sent = TraceEvent::Sent { id, message: TracedMessage::of(&message), duplicated: false };
        let dropped = TraceEvent::Dropped { id, copy: false, reason: DropReason::LinkLoss };
        let (sent, dropped) =
            (TraceRecord { at: Instant(12_345), event: sent }, TraceRecord { at: Instant(12_345), event: dropped });
        let mut text = TraceText::new();
        assert_eq!(text.line(&sent), "0.012345s send    n1 -> n8 write n1#2.p3 t5@v4:n2");
        assert_eq!(text.line(&dropped), "0.012345s drop    n1 -> n8 write n1#2.p3 t5@v4:n2 (link loss)");
        assert_eq!(render_record(&dropped), "0.012345s drop    n1 -> n8 message 7 (link loss)", "on its own");
        assert!(text.in_flight.is_empty(), "a message lost is forgotten");
    }

    #[test]
    fn a_duplicated_message_is_remembered_until_its_copy_arrives() {
        let tag = PhaseTag { request: RequestId { client: NodeId(1), sequence: 1 }, phase: 0 };
        let message = TracedMessage::WriteAck { epoch: Epoch(0), tag };
        let id = MessageId { from: NodeId(3), to: NodeId(1), number: 1 };
        let at = |event| TraceRecord { at: Instant(5), event };
        let mut text = TraceText::new();
        text.line(&at(TraceEvent::Sent { id, message, duplicated: true }));
        assert!(text.line(&at(TraceEvent::Delivered { id, copy: true })).ends_with("write_ack n1#1.p0 (copy)"));
        let last = text.line(&at(TraceEvent::Dropped { id, copy: false, reason: DropReason::ReceiverOmission }));
        assert!(last.ends_with("write_ack n1#1.p0 (omission at receiver)"), "{last}");
        assert!(text.in_flight.is_empty());
    }
}
