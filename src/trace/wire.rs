//! How one event line of a trace file is written: compact JSON, for machines.
//!
//! A line is an object with the simulated time `at` and one key naming the event, whose value
//! is an array of the event's fields in a fixed order (the readable form, `tokensim show`,
//! is for people). Why arrays: a default run writes some 33,000 lines, and field names
//! repeated on every line were most of each line's bytes.
//!
//! ```text
//! {"at":0,"submit":[1,1,{"pay":[0,2]}]}                 client, sequence, request
//! {"at":0,"start":[1,1,{"pay":[0,2]}]}
//! {"at":0,"send":[1,3,1,{"read":[0,[1,1,0],0]}]}         from, to, number on the link, message
//! {"at":346,"deliver":[1,3,1]}                           the message from 1 to 3 numbered 1
//! {"at":346,"drop":[3,1,1,"sender_omission"]}            ... lost, and why
//! {"at":900,"reply":[1,1,{"pay":[0,2]},{"paid":[0,2]}]}  ..., the answer
//! {"at":60000,"timer":[1,{"retransmit":0}]}
//! {"at":500000,"crash":[1,[[1,2]]]}                      the node, the requests it lost
//! {"at":900000,"restart":1}
//! {"at":0,"fault":[7,{"kind":"both","ratio":"1/2"}]}     null: healed
//! {"at":0,"partition":[1,9]}                             the nodes cut off; []: repaired
//! ```
//!
//! A send the network duplicates has `"dup":true`; the delivery or loss of the copy has
//! `"copy":true`. Messages are objects with one key, their kind: `{"read":[epoch, tag,
//! tokens]}` (a tag is `[client, sequence, phase]`; tokens a token id, `"all"`,
//! `"nothing"`, `{"owner":node}` for a `gettokens` round, or `[token, ...]` for its
//! confirming round), `{"read_reply":[epoch, tag, values]}` and `{"write":...}` (values are
//! `[[token, version, owner, writer], ...]`, the writer `[client, sequence]` or null, or for a
//! long reply `{"count":60,"digest":"16 hex digits"}`), `{"write_ack":[epoch, tag]}`,
//! `{"nack":[epoch, tag]}`, `{"new_config":config}`, `{"sealed_behind":config}`,
//! `{"seal":[epoch, ballot]}`,
//! `{"seal_ack":[epoch, ballot, accepted, table]}`, `{"accept":[epoch, ballot, config]}`,
//! `{"accept_ack":[epoch, ballot]}`, `{"rejected":[epoch, ballot]}`, `{"install":[config,
//! table]}`, `{"install_ack":epoch}` and `{"repair":[epoch, nodes]}`; a ballot is `[round,
//! node]`, a table a digest, a configuration `{"epoch":..,"servers":[..],"changes":[..]}`.

use super::event::{TraceEvent, TraceRecord};
use crate::protocol::{
    Ballot, Config, Epoch, Instant, NodeId, Outcome, PhaseTag, Refusal, Request, RequestId, Timer, TokenId,
    TokenSelection, TokenValue, Version,
};
use crate::sim::{Digest, MessageId, TracedMessage, TracedValues};
use crate::vocab::{DropReason, Omission};
use serde::{Deserialize, Serialize};

/// Append `record`'s event line (without its newline) to `buffer`.
pub(crate) fn encode(buffer: &mut Vec<u8>, record: &TraceRecord) {
    let line = Line::of(record);
    serde_json::to_writer(buffer, &line).expect("a trace line serialises");
}

/// The record an event line holds, or what is wrong with the line.
pub(crate) fn decode(text: &str) -> Result<TraceRecord, String> {
    let line: Line = serde_json::from_str(text).map_err(|error| format!("not a trace line: {error}"))?;
    line.record()
}

type Id = (NodeId, u64);
type Tag = (NodeId, u64, u32);
type Link = (NodeId, NodeId, u32);

/// One event line. Exactly one of the event keys is present.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    submit: Option<(NodeId, u64, WireRequest)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<(NodeId, u64, WireRequest)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    send: Option<(NodeId, NodeId, u32, WireMessage)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deliver: Option<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    drop: Option<(NodeId, NodeId, u32, DropReason)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timer: Option<(NodeId, WireTimer)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<(NodeId, u64, WireRequest, WireOutcome)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    crash: Option<(NodeId, Vec<Id>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    restart: Option<NodeId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<(NodeId, Option<Omission>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<Vec<NodeId>>,
    #[serde(default, skip_serializing_if = "is_false")]
    dup: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    copy: bool,
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

/// The event keys, as errors list them.
const EVENT_KEYS: &str = "submit, start, send, deliver, drop, timer, reply, crash, restart, fault or partition";

impl Line {
    fn of(record: &TraceRecord) -> Line {
        let mut line = Line { at: record.at.0, ..Line::default() };
        match &record.event {
            TraceEvent::Submitted { id, request } => {
                line.submit = Some((id.client, id.sequence, WireRequest::of(request)))
            }
            TraceEvent::Started { id, request } => {
                line.start = Some((id.client, id.sequence, WireRequest::of(request)))
            }
            TraceEvent::Sent { id, message, duplicated } => {
                line.send = Some((id.from, id.to, id.number, WireMessage::of(message)));
                line.dup = *duplicated;
            }
            TraceEvent::Delivered { id, copy } => {
                line.deliver = Some((id.from, id.to, id.number));
                line.copy = *copy;
            }
            TraceEvent::Dropped { id, copy, reason } => {
                line.drop = Some((id.from, id.to, id.number, *reason));
                line.copy = *copy;
            }
            TraceEvent::TimerFired { node, timer } => line.timer = Some((*node, WireTimer::of(timer))),
            TraceEvent::Replied { id, request, outcome } => {
                line.reply = Some((id.client, id.sequence, WireRequest::of(request), WireOutcome::of(outcome)))
            }
            TraceEvent::Crashed { node, lost } => {
                line.crash = Some((*node, lost.iter().map(|id| (id.client, id.sequence)).collect()))
            }
            TraceEvent::Restarted { node } => line.restart = Some(*node),
            TraceEvent::FaultChanged { node, omission } => line.fault = Some((*node, *omission)),
            TraceEvent::Partitioned { nodes } => line.partition = Some(nodes.clone()),
        }
        line
    }

    fn record(self) -> Result<TraceRecord, String> {
        let Line { at, submit, start, send, deliver, drop, timer, reply, crash, restart, fault, partition, dup, copy } =
            self;
        let id = |client, sequence| RequestId { client, sequence };
        let link = |from, to, number| MessageId { from, to, number };
        let mut events = Vec::with_capacity(1);
        let mut takes_copy = false;
        if let Some((client, sequence, request)) = submit {
            events.push(TraceEvent::Submitted { id: id(client, sequence), request: request.into() });
        }
        if let Some((client, sequence, request)) = start {
            events.push(TraceEvent::Started { id: id(client, sequence), request: request.into() });
        }
        if let Some((from, to, number, message)) = send {
            events.push(TraceEvent::Sent { id: link(from, to, number), message: message.into(), duplicated: dup });
        } else if dup {
            return Err("`dup` belongs on a send line".into());
        }
        if let Some((from, to, number)) = deliver {
            events.push(TraceEvent::Delivered { id: link(from, to, number), copy });
            takes_copy = true;
        }
        if let Some((from, to, number, reason)) = drop {
            events.push(TraceEvent::Dropped { id: link(from, to, number), copy, reason });
            takes_copy = true;
        }
        if copy && !takes_copy {
            return Err("`copy` belongs on a deliver or drop line".into());
        }
        if let Some((node, timer)) = timer {
            events.push(TraceEvent::TimerFired { node, timer: timer.into() });
        }
        if let Some((client, sequence, request, outcome)) = reply {
            let (request, outcome) = (request.into(), outcome.into());
            events.push(TraceEvent::Replied { id: id(client, sequence), request, outcome });
        }
        if let Some((node, lost)) = crash {
            let lost = lost.into_iter().map(|(client, sequence)| id(client, sequence)).collect();
            events.push(TraceEvent::Crashed { node, lost });
        }
        if let Some(node) = restart {
            events.push(TraceEvent::Restarted { node });
        }
        if let Some((node, omission)) = fault {
            events.push(TraceEvent::FaultChanged { node, omission });
        }
        if let Some(nodes) = partition {
            events.push(TraceEvent::Partitioned { nodes });
        }
        match events.len() {
            1 => Ok(TraceRecord { at: Instant(at), event: events.remove(0) }),
            0 => Err(format!("an event line names its event ({EVENT_KEYS}); this one names none")),
            n => Err(format!("an event line names one event; this one names {n}")),
        }
    }
}

/// A request: `{"pay":[token, to]}`, `{"get_tokens":owner}`, `{"become_server":node}`, ...
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireRequest {
    GetTokens(NodeId),
    Pay(TokenId, NodeId),
    BecomeServer(NodeId),
    BecomeClient(NodeId),
}

impl WireRequest {
    fn of(request: &Request) -> WireRequest {
        match *request {
            Request::GetTokens { owner } => WireRequest::GetTokens(owner),
            Request::Pay { token, to } => WireRequest::Pay(token, to),
            Request::BecomeServer { node } => WireRequest::BecomeServer(node),
            Request::BecomeClient { node } => WireRequest::BecomeClient(node),
        }
    }
}

impl From<WireRequest> for Request {
    fn from(wire: WireRequest) -> Request {
        match wire {
            WireRequest::GetTokens(owner) => Request::GetTokens { owner },
            WireRequest::Pay(token, to) => Request::Pay { token, to },
            WireRequest::BecomeServer(node) => Request::BecomeServer { node },
            WireRequest::BecomeClient(node) => Request::BecomeClient { node },
        }
    }
}

/// An answer: `{"paid":[token, version]}`, `{"tokens":[owner, [[token, version], ...]]}`,
/// `{"role_changed":[epoch, servers]}`, `{"refused":{"reason":...}}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireOutcome {
    Tokens(NodeId, Vec<(TokenId, Version)>),
    Paid(TokenId, Version),
    RoleChanged(Epoch, Vec<NodeId>),
    Refused(Refusal),
}

impl WireOutcome {
    fn of(outcome: &Outcome) -> WireOutcome {
        match outcome {
            Outcome::Tokens { owner, tokens } => WireOutcome::Tokens(*owner, tokens.clone()),
            Outcome::Paid { token, version } => WireOutcome::Paid(*token, *version),
            Outcome::RoleChanged { epoch, servers } => WireOutcome::RoleChanged(*epoch, servers.clone()),
            Outcome::Refused(refusal) => WireOutcome::Refused(*refusal),
        }
    }
}

impl From<WireOutcome> for Outcome {
    fn from(wire: WireOutcome) -> Outcome {
        match wire {
            WireOutcome::Tokens(owner, tokens) => Outcome::Tokens { owner, tokens },
            WireOutcome::Paid(token, version) => Outcome::Paid { token, version },
            WireOutcome::RoleChanged(epoch, servers) => Outcome::RoleChanged { epoch, servers },
            WireOutcome::Refused(refusal) => Outcome::Refused(refusal),
        }
    }
}

/// A timer: `{"retransmit":phase}` or `{"install":epoch}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireTimer {
    Retransmit(u32),
    Install(Epoch),
}

impl WireTimer {
    fn of(timer: &Timer) -> WireTimer {
        match *timer {
            Timer::Retransmit { phase } => WireTimer::Retransmit(phase),
            Timer::Install { epoch } => WireTimer::Install(epoch),
        }
    }
}

impl From<WireTimer> for Timer {
    fn from(wire: WireTimer) -> Timer {
        match wire {
            WireTimer::Retransmit(phase) => Timer::Retransmit { phase },
            WireTimer::Install(epoch) => Timer::Install { epoch },
        }
    }
}

/// A message, keyed by its kind (see the module's documentation).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireMessage {
    Read(Epoch, Tag, WireSelection),
    ReadReply(Epoch, Tag, WireValues),
    Write(Epoch, Tag, WireValues),
    WriteAck(Epoch, Tag),
    Nack(Epoch, Tag),
    NewConfig(Config),
    SealedBehind(Config),
    Seal(Epoch, WireBallot),
    SealAck(Epoch, WireBallot, Option<(WireBallot, Config)>, WireDigest),
    Accept(Epoch, WireBallot, Config),
    AcceptAck(Epoch, WireBallot),
    Rejected(Epoch, WireBallot),
    Install(Config, WireDigest),
    InstallAck(Epoch),
    Repair(Epoch, Vec<NodeId>),
}

type WireBallot = (u64, NodeId);

fn tag(tag: &PhaseTag) -> Tag {
    (tag.request.client, tag.request.sequence, tag.phase)
}

fn phase_tag((client, sequence, phase): Tag) -> PhaseTag {
    PhaseTag { request: RequestId { client, sequence }, phase }
}

fn ballot(ballot: &Ballot) -> WireBallot {
    (ballot.round, ballot.node)
}

fn from_ballot((round, node): WireBallot) -> Ballot {
    Ballot { round, node }
}

impl WireMessage {
    fn of(message: &TracedMessage) -> WireMessage {
        match message {
            TracedMessage::Read { epoch, tag: t, tokens } => {
                WireMessage::Read(*epoch, tag(t), WireSelection::of(tokens))
            }
            TracedMessage::ReadReply { epoch, tag: t, values } => {
                WireMessage::ReadReply(*epoch, tag(t), WireValues::of(values))
            }
            TracedMessage::Write { epoch, tag: t, values } => {
                WireMessage::Write(*epoch, tag(t), WireValues::of(values))
            }
            TracedMessage::WriteAck { epoch, tag: t } => WireMessage::WriteAck(*epoch, tag(t)),
            TracedMessage::Nack { epoch, tag: t } => WireMessage::Nack(*epoch, tag(t)),
            TracedMessage::NewConfig { config } => WireMessage::NewConfig(config.clone()),
            TracedMessage::SealedBehind { config } => WireMessage::SealedBehind(config.clone()),
            TracedMessage::Seal { epoch, ballot: b } => WireMessage::Seal(*epoch, ballot(b)),
            TracedMessage::SealAck { epoch, ballot: b, accepted, table } => WireMessage::SealAck(
                *epoch,
                ballot(b),
                accepted.as_ref().map(|(accepted, next)| (ballot(accepted), next.clone())),
                WireDigest::of(table),
            ),
            TracedMessage::Accept { epoch, ballot: b, next } => WireMessage::Accept(*epoch, ballot(b), next.clone()),
            TracedMessage::AcceptAck { epoch, ballot: b } => WireMessage::AcceptAck(*epoch, ballot(b)),
            TracedMessage::Rejected { epoch, promised } => WireMessage::Rejected(*epoch, ballot(promised)),
            TracedMessage::Install { config, table } => WireMessage::Install(config.clone(), WireDigest::of(table)),
            TracedMessage::InstallAck { epoch } => WireMessage::InstallAck(*epoch),
            TracedMessage::Repair { epoch, nodes } => WireMessage::Repair(*epoch, nodes.clone()),
        }
    }
}

impl From<WireMessage> for TracedMessage {
    fn from(wire: WireMessage) -> TracedMessage {
        match wire {
            WireMessage::Read(epoch, tag, tokens) => {
                TracedMessage::Read { epoch, tag: phase_tag(tag), tokens: tokens.into() }
            }
            WireMessage::ReadReply(epoch, tag, values) => {
                TracedMessage::ReadReply { epoch, tag: phase_tag(tag), values: values.into() }
            }
            WireMessage::Write(epoch, tag, values) => {
                TracedMessage::Write { epoch, tag: phase_tag(tag), values: values.into() }
            }
            WireMessage::WriteAck(epoch, tag) => TracedMessage::WriteAck { epoch, tag: phase_tag(tag) },
            WireMessage::Nack(epoch, tag) => TracedMessage::Nack { epoch, tag: phase_tag(tag) },
            WireMessage::NewConfig(config) => TracedMessage::NewConfig { config },
            WireMessage::SealedBehind(config) => TracedMessage::SealedBehind { config },
            WireMessage::Seal(epoch, ballot) => TracedMessage::Seal { epoch, ballot: from_ballot(ballot) },
            WireMessage::SealAck(epoch, ballot, accepted, table) => TracedMessage::SealAck {
                epoch,
                ballot: from_ballot(ballot),
                accepted: accepted.map(|(accepted, next)| (from_ballot(accepted), next)),
                table: table.into(),
            },
            WireMessage::Accept(epoch, ballot, next) => {
                TracedMessage::Accept { epoch, ballot: from_ballot(ballot), next }
            }
            WireMessage::AcceptAck(epoch, ballot) => TracedMessage::AcceptAck { epoch, ballot: from_ballot(ballot) },
            WireMessage::Rejected(epoch, promised) => {
                TracedMessage::Rejected { epoch, promised: from_ballot(promised) }
            }
            WireMessage::Install(config, table) => TracedMessage::Install { config, table: table.into() },
            WireMessage::InstallAck(epoch) => TracedMessage::InstallAck { epoch },
            WireMessage::Repair(epoch, nodes) => TracedMessage::Repair { epoch, nodes },
        }
    }
}

/// Which tokens a read asks for: a token id, `"all"`, `"nothing"`, `{"owner":node}` or a
/// list of token ids.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum WireSelection {
    One(TokenId),
    Named(SelectionName),
    Owner { owner: NodeId },
    Tokens(Vec<TokenId>),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SelectionName {
    All,
    Nothing,
}

impl WireSelection {
    fn of(tokens: &TokenSelection) -> WireSelection {
        match tokens {
            TokenSelection::One(token) => WireSelection::One(*token),
            TokenSelection::Owner(owner) => WireSelection::Owner { owner: *owner },
            TokenSelection::Tokens(tokens) => WireSelection::Tokens(tokens.to_vec()),
            TokenSelection::All => WireSelection::Named(SelectionName::All),
            TokenSelection::Nothing => WireSelection::Named(SelectionName::Nothing),
        }
    }
}

impl From<WireSelection> for TokenSelection {
    fn from(wire: WireSelection) -> TokenSelection {
        match wire {
            WireSelection::One(token) => TokenSelection::One(token),
            WireSelection::Owner { owner } => TokenSelection::Owner(owner),
            WireSelection::Tokens(tokens) => TokenSelection::Tokens(tokens.into()),
            WireSelection::Named(SelectionName::All) => TokenSelection::All,
            WireSelection::Named(SelectionName::Nothing) => TokenSelection::Nothing,
        }
    }
}

/// Values listed as `[token, version, owner, writer]`, or digested.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum WireValues {
    Listed(Vec<(TokenId, Version, NodeId, Option<Id>)>),
    Digested(WireDigest),
}

impl WireValues {
    fn of(values: &TracedValues) -> WireValues {
        match values {
            TracedValues::Listed(values) => WireValues::Listed(
                values
                    .iter()
                    .map(|(token, value)| {
                        (*token, value.version, value.owner, value.writer.map(|id| (id.client, id.sequence)))
                    })
                    .collect(),
            ),
            TracedValues::Digested(digest) => WireValues::Digested(WireDigest::of(digest)),
        }
    }
}

impl From<WireValues> for TracedValues {
    fn from(wire: WireValues) -> TracedValues {
        match wire {
            WireValues::Listed(values) => TracedValues::Listed(
                values
                    .into_iter()
                    .map(|(token, version, owner, writer)| {
                        let writer = writer.map(|(client, sequence)| RequestId { client, sequence });
                        (token, TokenValue { version, owner, writer })
                    })
                    .collect(),
            ),
            WireValues::Digested(digest) => TracedValues::Digested(digest.into()),
        }
    }
}

/// `{"count":60,"digest":"0123456789abcdef"}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireDigest {
    count: u32,
    #[serde(with = "super::event::hex_u64")]
    digest: u64,
}

impl WireDigest {
    fn of(digest: &Digest) -> WireDigest {
        WireDigest { count: digest.count, digest: digest.hash }
    }
}

impl From<WireDigest> for Digest {
    fn from(wire: WireDigest) -> Digest {
        Digest { count: wire.count, hash: wire.digest }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn round_trip(records: &[TraceRecord]) {
        let mut buffer = Vec::new();
        for record in records {
            buffer.clear();
            encode(&mut buffer, record);
            let text = std::str::from_utf8(&buffer).unwrap();
            assert_eq!(&decode(text).unwrap(), record, "{text}");
        }
    }

    #[test]
    fn every_record_of_the_kept_scenarios_reads_back_as_written() {
        // Between them: every message kind, copies, crashes, faults, partitions, refusals.
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios");
        let mut files: Vec<_> = std::fs::read_dir(directory).unwrap().map(|entry| entry.unwrap().path()).collect();
        files.sort();
        let mut kinds = std::collections::BTreeSet::new();
        for path in files.iter().filter(|path| path.extension().is_some_and(|e| e == "toml")) {
            let mut scenario = Scenario::from_file(path).unwrap();
            let workload = scenario.random_workload_mut();
            workload.requests = workload.requests.min(200);
            let (_, records) = crate::trace::record_run(&scenario, scenario.seed).unwrap();
            for record in &records {
                if let TraceEvent::Sent { message, .. } = &record.event {
                    kinds.insert(message.kind_name());
                }
            }
            round_trip(&records);
        }
        assert!(kinds.len() >= 12, "most message kinds were seen: {kinds:?}");
    }

    #[test]
    fn a_line_names_exactly_one_event_and_flags_where_they_belong() {
        assert_eq!(decode(r#"{"at":1,"restart":2}"#).unwrap().event, TraceEvent::Restarted { node: NodeId(2) });
        assert!(decode(r#"{"at":1}"#).unwrap_err().contains("names none"));
        assert!(decode(r#"{"at":1,"restart":2,"deliver":[1,2,3]}"#).unwrap_err().contains("names 2"));
        assert!(decode(r#"{"at":1,"restart":2,"copy":true}"#).unwrap_err().contains("`copy` belongs"));
        assert!(decode(r#"{"at":1,"deliver":[1,2,3],"dup":true}"#).unwrap_err().contains("`dup` belongs"));
        assert!(decode(r#"{"at":1,"sned":[1,2,3]}"#).unwrap_err().contains("unknown field `sned`"));
    }
}
