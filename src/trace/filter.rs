//! Narrowing a trace to what concerns some nodes, a token, a request or a stretch of
//! simulated time: the filters of `tokensim show`.
//!
//! The filters mean what the run page's filters mean (`docs/VIEW.md`): a message belongs to
//! the request its phase tag names or, for a reconfiguration message, to the request the
//! client at either end was running when it was sent; a request is about a token when it
//! pays it, its answer lists or names it, or its writes carry it. Whether a `gettokens`
//! lists a token is known only at its answer, so a token filter reads the trace twice: once
//! to learn which requests are about the token ([`Narrowing::learn`]), once to keep their
//! records ([`Narrowing::keeps`]).

use super::event::{TraceEvent, TraceHeader, TraceRecord};
use crate::protocol::{Instant, NodeId, Outcome, Refusal, Request, RequestId, TokenId};
use crate::sim::{MessageId, TracedMessage};
// HashMap only for lookups that are never iterated (see `attributed`): no order reaches output.
use std::collections::{BTreeMap, BTreeSet, HashMap}; // HashMap: lookups only, never iterated (cannot reach a run or its output order)

/// Which records of a trace to keep. Every condition given must hold; none given keeps all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceFilter {
    /// Records that involve any of these nodes: where the event happens, or either end of a
    /// message. Empty: any node.
    pub nodes: Vec<NodeId>,
    /// Records of requests about this token, and messages that name it.
    pub token: Option<TokenId>,
    /// Records of this request: its submission, start and answer, and its messages.
    pub request: Option<RequestId>,
    /// Records at or after this time.
    pub from: Option<Instant>,
    /// Records at or before this time.
    pub to: Option<Instant>,
}

impl TraceFilter {
    /// Whether the filter keeps every record.
    pub fn is_empty(&self) -> bool {
        self == &TraceFilter::default()
    }

    /// The filter as the command line gives it: `--node n3 --from 1.500000s`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.nodes.iter().map(|node| format!("--node {node}")).collect();
        parts.extend(self.token.map(|token| format!("--token {token}")));
        parts.extend(self.request.map(|request| format!("--request {request}")));
        parts.extend(self.from.map(|from| format!("--from {from}")));
        parts.extend(self.to.map(|to| format!("--to {to}")));
        parts.join(" ")
    }

    /// What is wrong with the filter for the trace `header` heads, if anything: a node, token
    /// or client the trace's world does not have, or a window that ends before it starts.
    pub fn check(&self, header: &TraceHeader) -> Result<(), String> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                return Err(format!("--from {from} is after --to {to}: the window would be empty"));
            }
        }
        // A scenario this build cannot run still has a trace to show: nothing to check against.
        let Ok(world) = header.scenario.world("trace") else { return Ok(()) };
        let nodes = world.nodes();
        let node_range = match (nodes.first(), nodes.last()) {
            (Some(first), Some(last)) => format!("{first}..{last}"),
            _ => "none".to_string(),
        };
        let known = |node: NodeId| nodes.contains(&node);
        if let Some(node) = self.nodes.iter().find(|&&node| !known(node)) {
            return Err(format!("--node {node}: the trace's world has no such node (its nodes are {node_range})"));
        }
        if let Some(request) = self.request.filter(|request| !known(request.client)) {
            return Err(format!(
                "--request {request}: the trace's world has no node {} ({node_range})",
                request.client
            ));
        }
        let tokens = world.owners.len() as u64;
        if let Some(token) = self.token.filter(|token| u64::from(token.0) >= tokens) {
            let range = if tokens == 0 { "none".to_string() } else { format!("t0..t{}", tokens - 1) };
            return Err(format!("--token {token}: the trace's world has no such token (its tokens are {range})"));
        }
        Ok(())
    }
}

/// A [`TraceFilter`] applied to a trace read in order: what it has learnt of the requests
/// and which request each message belongs to.
#[derive(Debug)]
pub struct Narrowing {
    filter: TraceFilter,
    /// The request each client is running, by client.
    open: BTreeMap<NodeId, RequestId>,
    /// Reconfiguration messages, which carry no request, given to the request their sender
    /// or receiver ran when they were sent. Looked up, never iterated. Reconfigurations are
    /// rare, so this stays small.
    attributed: HashMap<MessageId, RequestId>, // lookup only
    /// The requests about the filter's token, learnt by [`Narrowing::learn`].
    about_token: BTreeSet<RequestId>,
}

impl Narrowing {
    /// `filter`, at the start of a trace.
    pub fn new(filter: TraceFilter) -> Narrowing {
        Narrowing {
            filter,
            open: BTreeMap::new(),
            attributed: HashMap::new(), /* lookup only */
            about_token: BTreeSet::new(),
        }
    }

    /// The filter applied.
    pub fn filter(&self) -> &TraceFilter {
        &self.filter
    }

    /// Whether [`Narrowing::keeps`] needs a first pass of [`Narrowing::learn`] over the whole
    /// trace: a token filter does.
    pub fn needs_first_pass(&self) -> bool {
        self.filter.token.is_some()
    }

    /// First pass: note whether `record` shows its request to be about the filter's token.
    /// `message` is the message the record sends, delivers or loses, if known.
    pub fn learn(&mut self, record: &TraceRecord, message: Option<&TracedMessage>) {
        let request = self.request_of(&record.event, message);
        if let (Some(token), Some(request)) = (self.filter.token, request) {
            if is_about(&record.event, message, token) {
                self.about_token.insert(request);
            }
        }
        self.follow(&record.event, request);
    }

    /// Start the second pass: forget what each client runs (what was learnt of the token's
    /// requests stays).
    pub fn start_over(&mut self) {
        self.open.clear();
        self.attributed.clear();
    }

    /// Whether the filter keeps `record`, the next one of the trace; `message` as for
    /// [`Narrowing::learn`].
    pub fn keeps(&mut self, record: &TraceRecord, message: Option<&TracedMessage>) -> bool {
        let request = self.request_of(&record.event, message);
        let keep = self.in_window(record.at)
            && self.involves_nodes(&record.event)
            && self.involves_request(&record.event, request)
            && self.involves_token(&record.event, request, message);
        self.follow(&record.event, request);
        keep
    }

    fn in_window(&self, at: Instant) -> bool {
        self.filter.from.is_none_or(|from| at >= from) && self.filter.to.is_none_or(|to| at <= to)
    }

    fn involves_nodes(&self, event: &TraceEvent) -> bool {
        let nodes = &self.filter.nodes;
        let any = |candidates: &[NodeId]| candidates.iter().any(|node| nodes.contains(node));
        nodes.is_empty()
            || match event {
                TraceEvent::Submitted { id, .. } | TraceEvent::Started { id, .. } | TraceEvent::Replied { id, .. } => {
                    any(&[id.client])
                }
                TraceEvent::Sent { id, .. } | TraceEvent::Delivered { id, .. } | TraceEvent::Dropped { id, .. } => {
                    any(&[id.from, id.to])
                }
                TraceEvent::TimerFired { node, .. }
                | TraceEvent::Crashed { node, .. }
                | TraceEvent::Restarted { node }
                | TraceEvent::FaultChanged { node, .. } => any(&[*node]),
                // A repair rejoins every link: it concerns every node.
                TraceEvent::Partitioned { nodes: cut_off } => cut_off.is_empty() || any(cut_off),
            }
    }

    fn involves_request(&self, event: &TraceEvent, request: Option<RequestId>) -> bool {
        let Some(wanted) = self.filter.request else { return true };
        match event {
            TraceEvent::Crashed { lost, .. } => lost.contains(&wanted),
            _ => request == Some(wanted),
        }
    }

    fn involves_token(&self, event: &TraceEvent, request: Option<RequestId>, message: Option<&TracedMessage>) -> bool {
        let Some(token) = self.filter.token else { return true };
        match event {
            TraceEvent::Crashed { lost, .. } => lost.iter().any(|id| self.about_token.contains(id)),
            _ => {
                request.is_some_and(|request| self.about_token.contains(&request))
                    || message.is_some_and(|message| message.names_token(token))
            }
        }
    }

    /// The request `event` belongs to, if any.
    fn request_of(&self, event: &TraceEvent, message: Option<&TracedMessage>) -> Option<RequestId> {
        match event {
            TraceEvent::Submitted { id, .. } | TraceEvent::Started { id, .. } | TraceEvent::Replied { id, .. } => {
                Some(*id)
            }
            TraceEvent::Sent { id, .. } | TraceEvent::Delivered { id, .. } | TraceEvent::Dropped { id, .. } => {
                match message.and_then(TracedMessage::tag) {
                    Some(tag) => Some(tag.request),
                    None if matches!(event, TraceEvent::Sent { .. }) => {
                        self.open.get(&id.from).or_else(|| self.open.get(&id.to)).copied()
                    }
                    None => self.attributed.get(id).copied(),
                }
            }
            _ => None,
        }
    }

    /// Keep track of what each client runs, and of whom each reconfiguration message serves.
    fn follow(&mut self, event: &TraceEvent, request: Option<RequestId>) {
        match event {
            TraceEvent::Started { id, .. } => {
                self.open.insert(id.client, *id);
            }
            TraceEvent::Replied { id, .. } if self.open.get(&id.client) == Some(id) => {
                self.open.remove(&id.client);
            }
            TraceEvent::Crashed { node, .. } => {
                self.open.remove(node);
            }
            TraceEvent::Sent { id, message, .. } if message.tag().is_none() => {
                if let Some(request) = request {
                    self.attributed.insert(*id, request);
                }
            }
            _ => {}
        }
    }
}

/// Whether `event` shows its request to be about `token`.
fn is_about(event: &TraceEvent, message: Option<&TracedMessage>, token: TokenId) -> bool {
    let pays = |request: &Request| matches!(request, Request::Pay { token: paid, .. } if *paid == token);
    match event {
        TraceEvent::Submitted { request, .. } | TraceEvent::Started { request, .. } => pays(request),
        TraceEvent::Replied { request, outcome, .. } => pays(request) || outcome_names(outcome, token),
        // Its writes carried it (a pay's new value, or a read's write-back).
        TraceEvent::Sent { .. } => {
            matches!(message, Some(message @ TracedMessage::Write { .. }) if message.names_token(token))
        }
        _ => false,
    }
}

/// Whether an answer lists `token` or a refusal names it.
fn outcome_names(outcome: &Outcome, token: TokenId) -> bool {
    match outcome {
        Outcome::Tokens { tokens, .. } => tokens.iter().any(|(listed, _)| *listed == token),
        Outcome::Paid { token: paid, .. } => *paid == token,
        Outcome::RoleChanged { .. } => false,
        Outcome::Refused(
            Refusal::NotOwner { token: named, .. }
            | Refusal::UnknownToken { token: named }
            | Refusal::SelfPayment { token: named },
        ) => *named == token,
        Outcome::Refused(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::trace::TraceText;

    /// The lines of the kept records of a run of `scenario`, the filter applied as `show` does.
    fn shown(scenario: &Scenario, filter: TraceFilter) -> (Vec<TraceRecord>, Vec<TraceRecord>) {
        let (_, records) = crate::trace::record_run(scenario, scenario.seed).unwrap();
        let mut narrowing = Narrowing::new(filter);
        if narrowing.needs_first_pass() {
            let mut text = TraceText::new();
            for record in &records {
                narrowing.learn(record, text.message(&record.event));
                text.observe(record);
            }
            narrowing.start_over();
        }
        let mut text = TraceText::new();
        let mut kept = Vec::new();
        for record in &records {
            if narrowing.keeps(record, text.message(&record.event)) {
                kept.push(record.clone());
            }
            text.observe(record);
        }
        (records, kept)
    }

    fn small() -> Scenario {
        let mut scenario = Scenario::default_scenario();
        scenario.random_workload_mut().requests = 40;
        scenario
    }

    #[test]
    fn no_filter_keeps_everything_and_a_window_keeps_its_stretch() {
        let (all, kept) = shown(&small(), TraceFilter::default());
        assert_eq!(all, kept);
        let (from, to) = (Instant(1_000_000), Instant(2_000_000));
        let (all, kept) = shown(&small(), TraceFilter { from: Some(from), to: Some(to), ..TraceFilter::default() });
        let inside = all.iter().filter(|r| r.at >= from && r.at <= to).count();
        assert!(inside > 0 && inside < all.len());
        assert_eq!(kept.len(), inside);
    }

    #[test]
    fn a_node_filter_keeps_what_happens_at_it_or_travels_to_or_from_it() {
        let (all, kept) = shown(&small(), TraceFilter { nodes: vec![NodeId(9)], ..TraceFilter::default() });
        assert!(!kept.is_empty() && kept.len() < all.len());
        for record in &kept {
            match &record.event {
                TraceEvent::Sent { id, .. } | TraceEvent::Delivered { id, .. } | TraceEvent::Dropped { id, .. } => {
                    assert!(id.from == NodeId(9) || id.to == NodeId(9), "{record:?}")
                }
                TraceEvent::TimerFired { node, .. } => assert_eq!(*node, NodeId(9)),
                other => panic!("a server has no requests: {other:?}"),
            }
        }
    }

    #[test]
    fn a_request_filter_keeps_the_request_and_its_messages() {
        let request = RequestId { client: NodeId(3), sequence: 2 };
        let (_, kept) = shown(&small(), TraceFilter { request: Some(request), ..TraceFilter::default() });
        assert!(matches!(kept.first().map(|r| &r.event), Some(TraceEvent::Submitted { id, .. }) if *id == request));
        assert!(kept.iter().any(|r| matches!(&r.event, TraceEvent::Replied { id, .. } if *id == request)));
        let mut text = TraceText::new();
        let sends = kept.iter().filter(|r| matches!(r.event, TraceEvent::Sent { .. })).count();
        assert!(sends >= 5, "a phase reaches every server: {sends} sends");
        for record in &kept {
            assert!(text.line(record).contains("n3#2"), "{record:?}");
        }
    }

    #[test]
    fn a_token_filter_keeps_pays_of_it_and_listings_that_show_it() {
        let token = TokenId(0);
        let (_, kept) = shown(&small(), TraceFilter { token: Some(token), ..TraceFilter::default() });
        let replies: Vec<&Outcome> = kept
            .iter()
            .filter_map(|r| match &r.event {
                TraceEvent::Replied { outcome, .. } => Some(outcome),
                _ => None,
            })
            .collect();
        assert!(!replies.is_empty());
        assert!(replies.iter().all(|outcome| outcome_names(outcome, token)), "{replies:?}");
        assert!(replies.iter().any(|outcome| matches!(outcome, Outcome::Tokens { .. })), "a listing is kept");
    }

    #[test]
    fn reconfiguration_messages_belong_to_their_role_change() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/membership.toml"))
            .expect("the scenario exists");
        let scenario = Scenario::from_toml(&text, "membership.toml").expect("valid");
        let (all, _) = shown(&scenario, TraceFilter::default());
        let change = all
            .iter()
            .find_map(|r| match &r.event {
                TraceEvent::Replied { id, outcome: Outcome::RoleChanged { .. }, .. } => Some(*id),
                _ => None,
            })
            .expect("a role change took effect");
        let (_, kept) = shown(&scenario, TraceFilter { request: Some(change), ..TraceFilter::default() });
        let seals =
            kept.iter().filter(|r| matches!(&r.event, TraceEvent::Sent { message: TracedMessage::Seal { .. }, .. }));
        assert!(seals.count() > 0, "its seals are kept");
        assert!(kept.iter().any(|r| matches!(r.event, TraceEvent::Delivered { .. })), "and their deliveries");
    }

    #[test]
    fn a_filter_names_what_the_world_lacks() {
        let header = TraceHeader::new(&Scenario::default_scenario(), 1);
        let check = |filter: TraceFilter| filter.check(&header).unwrap_err();
        assert_eq!(
            check(TraceFilter { nodes: vec![NodeId(12)], ..TraceFilter::default() }),
            "--node n12: the trace's world has no such node (its nodes are n1..n11)"
        );
        assert_eq!(
            check(TraceFilter { token: Some(TokenId(60)), ..TraceFilter::default() }),
            "--token t60: the trace's world has no such token (its tokens are t0..t59)"
        );
        let request = RequestId { client: NodeId(0), sequence: 1 };
        assert!(check(TraceFilter { request: Some(request), ..TraceFilter::default() }).starts_with("--request n0#1"));
        let window = TraceFilter { from: Some(Instant(2)), to: Some(Instant(1)), ..TraceFilter::default() };
        assert_eq!(check(window), "--from 0.000002s is after --to 0.000001s: the window would be empty");
        assert!(TraceFilter { nodes: vec![NodeId(11)], ..TraceFilter::default() }.check(&header).is_ok());
    }
}
