//! Membership: the rules of role changes and configurations, watched as the run goes (through
//! the [`Observer`] hook) and checked against the answers at its end.
//!
//! - [`Property::OneConfigPerEpoch`]: every install sent for an epoch names the same
//!   configuration (Paxos decides one value per epoch).
//! - [`Property::OneValuePerBallot`]: every accept sent under one ballot for an epoch names
//!   the same configuration (Paxos's premise: a ballot is never reused with another value).
//! - [`Property::EpochsOnlyGrow`]: no node's view of the configuration, as a client or as a
//!   replica, ever goes back to an older epoch.
//! - [`Property::ServerCountLimits`]: every installed configuration has 3 to 7 servers.
//! - [`Property::RoleChangeInstalled`]: each installed configuration is the one before it
//!   with exactly the change it names, and a role change answered ok was installed.
//! - [`Property::RoleChangeRefusedRightly`]: a role change is refused only for a reason that
//!   held in a configuration current while it was being worked on (`TooFewServers` with 3
//!   servers, say), so that a change is refused exactly when its precondition fails.
//! - [`Property::RolesMatchConfig`]: a node is a server exactly when the configuration it
//!   installed names it.
//!
//! Installs are what a coordinator sends once a configuration is decided, so the epochs'
//! configurations are read off the installs sent; the first send of each epoch marks when
//! it became current.

use super::violation::{Property, Violation};
use crate::protocol::{
    Ballot, Change, Config, Epoch, Instant, Message, Node, NodeId, Outcome, Refusal, Request, Server, TokenId,
    TokenValue, SERVERS_MAX, SERVERS_MIN,
};
use crate::sim::{Observer, RequestRecord, Simulation};
use std::collections::BTreeMap;

/// At most this many membership violations are kept per run.
const VIOLATIONS_MAX: usize = 20;

/// A configuration as the run decided it: what, when it was first installed, by whom.
#[derive(Clone, Debug)]
struct Decided {
    config: Config,
    since: Instant,
    by: Option<NodeId>,
}

/// Watches configurations and every node's view of them; see the module docs.
#[derive(Clone, Debug)]
pub struct MembershipChecker {
    decided: BTreeMap<Epoch, Decided>,
    /// The configuration each ballot first proposed for each epoch.
    proposed: BTreeMap<(Epoch, Ballot), Config>,
    /// Per node id: the highest epoch seen as a client, and as a replica.
    views: Vec<(Epoch, Option<Epoch>)>,
    violations: Vec<Violation>,
}

impl MembershipChecker {
    /// Whether sending `message` is something the checker looks at (a decision or a
    /// proposal): the others change nothing here.
    pub fn watches_send(message: &Message) -> bool {
        matches!(message, Message::Install { .. } | Message::Accept { .. })
    }

    /// Whether delivering `message` may change a node's view, which the checker looks at.
    pub fn watches_delivery(message: &Message) -> bool {
        matches!(message, Message::Install { .. } | Message::NewConfig { .. } | Message::InstallAck { .. })
    }

    /// A checker for a world that starts with configuration `initial`, among `node_count`
    /// nodes (ids `1..=node_count`).
    pub fn new(initial: &Config, node_count: usize) -> MembershipChecker {
        let decided =
            BTreeMap::from([(initial.epoch, Decided { config: initial.clone(), since: Instant::ZERO, by: None })]);
        MembershipChecker {
            decided,
            proposed: BTreeMap::new(),
            views: vec![(initial.epoch, None); node_count + 1],
            violations: Vec::new(),
        }
    }

    /// Fold the configurations decided into `state` (a search's digest).
    pub fn hash_state(&self, state: &mut impl std::hash::Hasher) {
        for (epoch, decided) in &self.decided {
            std::hash::Hash::hash(&(epoch, &decided.config), state);
        }
    }

    /// What was found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    fn report(&mut self, violation: Violation) {
        if self.violations.len() < VIOLATIONS_MAX {
            self.violations.push(violation);
        }
    }

    /// A coordinator sent the install of `config`: the configuration decided for its epoch.
    fn decided(&mut self, now: Instant, by: NodeId, config: &Config) {
        match self.decided.get(&config.epoch) {
            Some(first) if first.config == *config => {}
            Some(first) => {
                let detail = format!(
                    "epoch {} was installed as {} by {} at {} and as {} by {} at {now}",
                    config.epoch.0,
                    describe(&first.config),
                    first.by.map_or("the start".to_string(), |node| node.to_string()),
                    first.since,
                    describe(config),
                    by
                );
                let requests = first.config.changes.last().into_iter().chain(config.changes.last());
                let requests = requests.filter_map(Change::request);
                self.report(Violation::new(Property::OneConfigPerEpoch, detail).at(now).involving(requests));
            }
            None => {
                let servers = config.servers.len() as u32;
                if !(SERVERS_MIN..=SERVERS_MAX).contains(&servers) {
                    let detail = format!(
                        "epoch {} was installed with {servers} servers {}, outside {SERVERS_MIN} to {SERVERS_MAX}",
                        config.epoch.0,
                        describe(config)
                    );
                    let requests = config.changes.last().and_then(Change::request);
                    self.report(Violation::new(Property::ServerCountLimits, detail).at(now).involving(requests));
                }
                self.decided.insert(config.epoch, Decided { config: config.clone(), since: now, by: Some(by) });
            }
        }
    }

    /// A coordinator proposed `next` for `epoch` under `ballot` (an accept): a ballot may
    /// propose only one value, or Paxos may decide two.
    fn proposed(&mut self, now: Instant, by: NodeId, epoch: Epoch, ballot: Ballot, next: &Config) {
        match self.proposed.get(&(epoch, ballot)) {
            None => {
                self.proposed.insert((epoch, ballot), next.clone());
            }
            Some(first) if first == next => {}
            Some(first) => {
                let detail = format!(
                    "ballot {ballot} proposed {} and then, from {by} at {now}, {} for epoch {}",
                    describe(first),
                    describe(next),
                    epoch.0
                );
                let requests = first.changes.last().into_iter().chain(next.changes.last());
                let violation = Violation::new(Property::OneValuePerBallot, detail).at(now);
                self.report(violation.involving(requests.filter_map(Change::request)));
            }
        }
    }

    /// `node` handled a message that may have changed its view of the configuration.
    fn viewed(&mut self, now: Instant, node: &Node, message: &Message) {
        self.views_grow(now, node);
        if let Message::Install { config, .. } = message {
            self.roles_match(now, node, config);
        }
    }

    /// `node`'s views of the configuration, as a client and as a replica, are no older than
    /// they were.
    fn views_grow(&mut self, now: Instant, node: &Node) {
        let Some(view) = self.views.get_mut(node.id().0 as usize) else { return };
        let (client_before, replica_before) = *view;
        let client_now = node.client().config().epoch;
        let replica_now = node.replica().map(|replica| replica.config().epoch);
        *view = (client_before.max(client_now), replica_now.max(replica_before));
        if client_now < client_before {
            let detail =
                format!("{} went back from epoch {} to {} as a client", node.id(), client_before.0, client_now.0);
            self.report(Violation::new(Property::EpochsOnlyGrow, detail).at(now));
        }
        if let (Some(before), Some(after)) = (replica_before, replica_now) {
            if after < before {
                let detail = format!("{} went back from epoch {} to {} as a replica", node.id(), before.0, after.0);
                self.report(Violation::new(Property::EpochsOnlyGrow, detail).at(now));
            }
        }
    }

    /// After an install of `config`, `node` serves exactly if the configuration it is in
    /// names it.
    fn roles_match(&mut self, now: Instant, node: &Node, config: &Config) {
        let installed = node.replica().map(Server::config).filter(|mine| mine.epoch >= config.epoch);
        let (named, in_epoch) = match installed {
            Some(mine) => (mine.contains(node.id()), mine.epoch),
            None => (config.contains(node.id()), config.epoch),
        };
        if node.is_server() != named {
            let detail = match named {
                true => format!("{} is named a server in epoch {} but does not serve", node.id(), in_epoch.0),
                false => format!("{} serves although epoch {} does not name it", node.id(), in_epoch.0),
            };
            self.report(Violation::new(Property::RolesMatchConfig, detail).at(now));
        }
    }

    /// The checks that need the whole run: every installed configuration against the one
    /// before it, and every role change's answer against the configurations of its time.
    pub fn finish(&mut self, sim: &Simulation) -> Vec<Violation> {
        self.check_chain(sim);
        let nodes = sim.world().nodes();
        for record in sim.history().records() {
            self.check_answer(record, &nodes);
        }
        self.violations.clone()
    }

    /// Epoch `e` is epoch `e - 1` with exactly the change `changes[e - 1]` names: the role
    /// change its request asked for, or, for a no-change epoch (decided by a client that
    /// took over from a stopped coordinator), the very same servers.
    fn check_chain(&mut self, sim: &Simulation) {
        let epochs: Vec<(Epoch, Decided)> = self.decided.iter().map(|(e, d)| (*e, d.clone())).collect();
        for pair in epochs.windows(2) {
            let ((before_epoch, before), (epoch, after)) = (&pair[0], &pair[1]);
            if epoch.0 != before_epoch.0 + 1 {
                continue; // an epoch between them was never installed here: nothing to compare
            }
            let Some(&change) = after.config.changes.get(epoch.0 as usize - 1) else {
                let detail = format!("epoch {} names no change that made it", epoch.0);
                self.report(Violation::new(Property::RoleChangeInstalled, detail).at(after.since));
                continue;
            };
            let (expected, named) = match change {
                Change::Unchanged => (Some(before.config.servers.clone()), change.to_string()),
                Change::Role(id) => {
                    let request = sim.history().get(id).map(|record| record.request);
                    let asked = request.map_or("an unknown request".to_string(), |request| request.to_string());
                    (request.and_then(|request| apply(&before.config.servers, &request)), format!("{id} {asked}"))
                }
            };
            if expected.as_ref() != Some(&after.config.servers) {
                let detail = format!(
                    "epoch {} is {} but the change it names, {named}, applied to epoch {} {} gives {}",
                    epoch.0,
                    servers_text(&after.config.servers),
                    before_epoch.0,
                    servers_text(&before.config.servers),
                    expected.map_or("nothing".to_string(), |servers| servers_text(&servers))
                );
                let violation = Violation::new(Property::RoleChangeInstalled, detail).at(after.since);
                self.report(violation.involving(change.request()));
            }
        }
    }

    fn check_answer(&mut self, record: &RequestRecord, nodes: &[NodeId]) {
        if !matches!(record.request, Request::BecomeServer { .. } | Request::BecomeClient { .. }) {
            return;
        }
        let (Some(outcome), Some(started), Some(answered)) = (&record.outcome, record.started_at, record.answered_at)
        else {
            return;
        };
        let at = answered;
        match outcome {
            Outcome::RoleChanged { epoch, servers } => {
                let installed = self.decided.get(epoch).map(|decided| &decided.config);
                let problem = match installed {
                    None => Some(format!("epoch {} was never installed", epoch.0)),
                    Some(config) if config.servers != *servers => {
                        Some(format!("epoch {} was installed as {}", epoch.0, servers_text(&config.servers)))
                    }
                    Some(config) if !config.made_by(record.id) => {
                        Some(format!("epoch {} does not include this change", epoch.0))
                    }
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    let detail = format!(
                        "{} {} was answered ok with epoch {} {}, but {problem}",
                        record.id,
                        record.request,
                        epoch.0,
                        servers_text(servers)
                    );
                    self.report(Violation::new(Property::RoleChangeInstalled, detail).at(at).involving([record.id]));
                }
            }
            Outcome::Refused(refusal) => {
                let current = self.current_between(started, answered);
                let holds = |config: &Config| refusal_holds(refusal, config, nodes);
                if !current.iter().any(|config| holds(config)) {
                    let epochs: Vec<String> = current
                        .iter()
                        .map(|config| format!("epoch {} {}", config.epoch.0, servers_text(&config.servers)))
                        .collect();
                    let detail = format!(
                        "{} {} was refused ({refusal}), which held in no configuration current while it was worked on ({})",
                        record.id,
                        record.request,
                        epochs.join(", ")
                    );
                    let violation = Violation::new(Property::RoleChangeRefusedRightly, detail).at(at);
                    self.report(violation.involving([record.id]));
                }
            }
            _ => {}
        }
    }

    /// The configurations current at some moment of `from..=to`.
    fn current_between(&self, from: Instant, to: Instant) -> Vec<&Config> {
        let entries: Vec<&Decided> = self.decided.values().collect();
        let mut current = Vec::new();
        for (index, decided) in entries.iter().enumerate() {
            let until = entries.get(index + 1).map_or(Instant(u64::MAX), |next| next.since);
            if decided.since <= to && until >= from {
                current.push(&decided.config);
            }
        }
        current
    }
}

/// `servers` after `request`, if it is a role change that can apply to them.
fn apply(servers: &[NodeId], request: &Request) -> Option<Vec<NodeId>> {
    let mut next = servers.to_vec();
    match *request {
        Request::BecomeServer { node } if !servers.contains(&node) => {
            next.push(node);
            next.sort_unstable();
            Some(next)
        }
        Request::BecomeClient { node } if servers.contains(&node) => {
            next.retain(|&server| server != node);
            Some(next)
        }
        _ => None,
    }
}

/// Whether `refusal` of a role change is what `config` says (`nodes`: every node of the world).
fn refusal_holds(refusal: &Refusal, config: &Config, nodes: &[NodeId]) -> bool {
    let count = config.servers.len() as u32;
    match *refusal {
        Refusal::TooFewServers { servers } => servers == count && count <= SERVERS_MIN,
        Refusal::TooManyServers { servers } => servers == count && count >= SERVERS_MAX,
        Refusal::AlreadyServer { node } => config.contains(node),
        Refusal::NotAServer { node } => !config.contains(node),
        Refusal::UnknownClient { node } => nodes.binary_search(&node).is_err(),
        // A role change asked of a node that is a server: the node's role, not the config's.
        Refusal::NotAClient { .. } => true,
        _ => false,
    }
}

fn servers_text(servers: &[NodeId]) -> String {
    let names: Vec<String> = servers.iter().map(ToString::to_string).collect();
    format!("[{}]", names.join(" "))
}

fn describe(config: &Config) -> String {
    let change = config.changes.last().map_or(String::new(), |change| format!(" (by {change})"));
    format!("{}{change}", servers_text(&config.servers))
}

impl Observer for MembershipChecker {
    fn after_write(&mut self, _now: Instant, _server: &Server, _values: &[(TokenId, TokenValue)]) {}

    fn after_send(&mut self, now: Instant, from: NodeId, _to: NodeId, message: &Message) {
        match message {
            Message::Install { config, .. } => self.decided(now, from, config),
            Message::Accept { epoch, ballot, next } => self.proposed(now, from, *epoch, *ballot, next),
            _ => {}
        }
    }

    fn after_delivery(&mut self, now: Instant, node: &Node, _from: NodeId, message: &Message) {
        if MembershipChecker::watches_delivery(message) {
            self.viewed(now, node, message);
        }
    }

    /// A restart must not take a node's view back: both configurations are durable.
    fn after_restart(&mut self, now: Instant, node: &Node) {
        self.views_grow(now, node);
    }
}
