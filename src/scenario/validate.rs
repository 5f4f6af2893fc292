//! Checking a deserialized scenario: every value in range, every id naming a node of the
//! right kind, and the fault budget kept (or broken on purpose).
//!
//! The work is linear in the number of requests and scheduled events (a log factor for the
//! lookups by node): a shrunk or generated scenario may list a hundred thousand requests,
//! and a check that looked at every request again for each request took minutes on those.

use super::error::Problem;
use super::format::{FaultAction, RequestSpec, TOKENS_PER_CLIENT_DEFAULT};
use super::{Scenario, World, SERVERS_MAX, SERVERS_MIN};
use crate::protocol::NodeId;
use std::collections::{BTreeMap, BTreeSet};

/// The most clients a world may have.
pub const CLIENTS_MAX: u32 = 1000;
/// The most tokens a world may have.
pub const TOKENS_MAX: u32 = 100_000;
/// The latest a scheduled event or request may happen: one simulated day.
pub const AT_MS_MAX: u64 = 86_400_000;

type Checked<T> = Result<T, Problem>;

impl Scenario {
    /// Every check; the world the scenario describes.
    pub(crate) fn validate(&self) -> Checked<World> {
        check_name(&self.name)?;
        let (clients, servers) = self.check_sizes()?;
        let owners = self.check_owners(&clients)?;
        self.check_timing()?;
        let world = World { clients, servers, owners };
        self.check_faults(&world)?;
        self.check_schedule(&world)?;
        self.check_requests(&world)?;
        self.check_crashes()?;
        self.check_budget(&world)?;
        Ok(world)
    }

    fn check_sizes(&self) -> Checked<(Vec<NodeId>, Vec<NodeId>)> {
        let w = &self.world;
        if !(SERVERS_MIN..=SERVERS_MAX).contains(&w.servers) {
            let problem = format!("expected {SERVERS_MIN} to {SERVERS_MAX} servers, found {}", w.servers);
            return Err(Problem::new("world.servers", problem));
        }
        if !(1..=CLIENTS_MAX).contains(&w.clients) {
            return Err(Problem::new(
                "world.clients",
                format!("expected 1 to {CLIENTS_MAX} clients, found {}", w.clients),
            ));
        }
        let clients = (1..=w.clients).map(NodeId).collect();
        let servers = (w.clients + 1..=w.clients + w.servers).map(NodeId).collect();
        Ok((clients, servers))
    }

    fn check_owners(&self, clients: &[NodeId]) -> Checked<Vec<NodeId>> {
        let w = &self.world;
        if w.owners.is_empty() {
            let per_client = w.tokens_per_client.unwrap_or(TOKENS_PER_CLIENT_DEFAULT);
            let max = TOKENS_MAX / w.clients;
            if !(1..=max).contains(&per_client) {
                let problem =
                    format!("expected 1 to {max} tokens per client ({TOKENS_MAX} in all), found {per_client}");
                return Err(Problem::new("world.tokens_per_client", problem));
            }
            return Ok((0..w.clients * per_client).map(|i| NodeId(i % w.clients + 1)).collect());
        }
        if w.tokens_per_client.is_some() {
            let problem = "give either tokens_per_client or owners, not both (owners sets the tokens)";
            return Err(Problem::new("world.tokens_per_client", problem));
        }
        if w.owners.len() > TOKENS_MAX as usize {
            return Err(Problem::new("world.owners", format!("expected at most {TOKENS_MAX} tokens")));
        }
        if let Some(index) = w.owners.iter().position(|owner| !is_client(clients, *owner)) {
            let problem = format!("expected a client id (1 to {}), found {}", w.clients, w.owners[index].0);
            return Err(Problem::new(format!("world.owners[{index}]"), problem));
        }
        Ok(w.owners.clone())
    }

    fn check_timing(&self) -> Checked<()> {
        let net = &self.network;
        if net.delay_us_min > net.delay_us_max {
            let problem =
                format!("must not exceed network.delay_us_max ({}), found {}", net.delay_us_max, net.delay_us_min);
            return Err(Problem::new("network.delay_us_min", problem));
        }
        if self.client.retransmit_timeout_us == 0 {
            return Err(Problem::new("client.retransmit_timeout_us", "expected a positive timeout, found 0"));
        }
        if self.expect.liveness_budget_us == 0 {
            return Err(Problem::new("expect.liveness_budget_us", "expected a positive budget, found 0"));
        }
        if self.expect.max_events == Some(0) {
            return Err(Problem::new("expect.max_events", "expected a positive number of events, found 0"));
        }
        if self.expect.max_events_between_answers == Some(0) {
            let problem = "expected a positive number of events, found 0";
            return Err(Problem::new("expect.max_events_between_answers", problem));
        }
        if !self.expect.liveness && !self.expect.break_fault_budget {
            let problem = "liveness may be given up only when the fault budget is broken on purpose \
                           (set expect.break_fault_budget = true)";
            return Err(Problem::new("expect.liveness", problem));
        }
        Ok(())
    }

    fn check_faults(&self, world: &World) -> Checked<()> {
        let mut listed = BTreeSet::new();
        for (index, fault) in self.faults.iter().enumerate() {
            step();
            let key = format!("faults[{index}].node");
            check_node(world, fault.node, &key)?;
            if !listed.insert(fault.node) {
                return Err(Problem::new(key, format!("node {} is listed twice", fault.node.0)));
            }
        }
        Ok(())
    }

    fn check_schedule(&self, world: &World) -> Checked<()> {
        for (index, event) in self.schedule.iter().enumerate() {
            step();
            let key = |field: &str| format!("schedule[{index}].{field}");
            check_at(event.at_ms, &key("at_ms"))?;
            let Some(action) = event.action() else {
                let problem = "expected exactly one of make_faulty, heal, partition, repair, crash, restart";
                return Err(Problem::new(format!("schedule[{index}]"), problem));
            };
            match action {
                FaultAction::MakeFaulty(fault) => check_node(world, fault.node, &key("make_faulty.node"))?,
                FaultAction::Heal(node) => check_node(world, node, &key("heal.node"))?,
                FaultAction::Partition(nodes) => check_partition(world, &nodes, &key("partition"))?,
                FaultAction::Repair if event.repair == Some(false) => {
                    return Err(Problem::new(key("repair"), "expected `repair = true`, found false"));
                }
                FaultAction::Repair => {}
                FaultAction::Crash(node) => check_node(world, node, &key("crash.node"))?,
                FaultAction::Restart(node) => check_node(world, node, &key("restart.node"))?,
            }
        }
        Ok(())
    }

    /// Crashes and restarts in order: a crash names a node that is up, a restart one that
    /// is down, and no explicit request is handed to a node while it is down (nobody can
    /// hand a request to a node that is down).
    fn check_crashes(&self) -> Checked<()> {
        let downs = self.downtimes()?;
        // Each node's downtimes in schedule order. They do not overlap (a node crashes only
        // while up, and the schedule is in time order), so the one that can hold an instant
        // is the last to start at or before it: a binary search, not a scan of them all.
        let mut by_node: BTreeMap<NodeId, Vec<(u64, u64)>> = BTreeMap::new();
        for ((node, from), to) in downs {
            step();
            by_node.entry(node).or_default().push((from, to));
        }
        for (index, spec) in self.requests.iter().enumerate() {
            step();
            let at = spec.at_us();
            let Some(spans) = by_node.get(&spec.client) else { continue };
            let started = spans.partition_point(|&(from, _)| from <= at);
            if let Some(&(from, _)) = started.checked_sub(1).map(|last| &spans[last]).filter(|&&(_, to)| at < to) {
                let problem = format!(
                    "{} is down at {} ms (crashed at {} ms): nobody can hand it a request until it restarts",
                    spec.client,
                    at / 1000,
                    from / 1000
                );
                return Err(Problem::new(format!("requests[{index}].client"), problem));
            }
        }
        Ok(())
    }

    /// When each node is down: (node, crashed at µs) and the µs it restarts (`u64::MAX`: it
    /// stays down), in schedule order.
    pub(crate) fn downtimes(&self) -> Checked<Vec<((NodeId, u64), u64)>> {
        let mut downs: Vec<((NodeId, u64), u64)> = Vec::new();
        // Where the downtime of each node that is down now sits in `downs`.
        let mut open: BTreeMap<NodeId, usize> = BTreeMap::new();
        for index in self.schedule_order() {
            step();
            let event = &self.schedule[index];
            match event.action() {
                Some(FaultAction::Crash(node)) if open.contains_key(&node) => {
                    let problem =
                        format!("{node} is already down at {} ms: restart it before it crashes again", event.at_ms);
                    return Err(Problem::new(format!("schedule[{index}].crash.node"), problem));
                }
                Some(FaultAction::Crash(node)) => {
                    open.insert(node, downs.len());
                    downs.push(((node, event.at_us()), u64::MAX));
                }
                Some(FaultAction::Restart(node)) => match open.remove(&node) {
                    Some(position) => downs[position].1 = event.at_us(),
                    None => {
                        let problem = format!("{node} is not down at {} ms: only a crashed node restarts", event.at_ms);
                        return Err(Problem::new(format!("schedule[{index}].restart.node"), problem));
                    }
                },
                _ => {}
            }
        }
        Ok(downs)
    }

    fn check_requests(&self, world: &World) -> Checked<()> {
        let node_count = (world.clients.len() + world.servers.len()) as u32;
        let is_node = |node: NodeId| (1..=node_count).contains(&node.0);
        // One request that changes a role lets every request name any node: decided once,
        // before the loop (deciding it for each request made validation quadratic).
        let scripts_roles = self.requests.iter().inspect(|_| step()).any(RequestSpec::changes_role);
        for (index, spec) in self.requests.iter().enumerate() {
            step();
            let key = |field: &str| format!("requests[{index}].{field}");
            check_at(spec.at_ms, &key("at_ms"))?;
            if spec.plus_us >= 1000 {
                return Err(Problem::new(
                    key("plus_us"),
                    format!("expected 0 to 999 microseconds, found {}", spec.plus_us),
                ));
            }
            if scripts_roles && !is_node(spec.client) {
                let problem = format!("expected a node id (1 to {node_count}), found {}", spec.client.0);
                return Err(Problem::new(key("client"), problem));
            }
            if !scripts_roles && !is_client(&world.clients, spec.client) {
                let problem = format!(
                    "expected a client id (1 to {}; servers are {} to {node_count}), found {}",
                    world.clients.len(),
                    world.clients.len() + 1,
                    spec.client.0
                );
                return Err(Problem::new(key("client"), problem));
            }
            if spec.request().is_none() {
                return Err(Problem::new(
                    format!("requests[{index}]"),
                    "expected exactly one of pay, gettokens, become_server, become_client",
                ));
            }
            if let Some(pay) = &spec.pay {
                if pay.token.0 as usize >= world.owners.len() {
                    let problem =
                        format!("expected a token id (0 to {}), found {}", world.owners.len() - 1, pay.token.0);
                    return Err(Problem::new(key("pay.token"), problem));
                }
                if !is_node(pay.to) {
                    return Err(Problem::new(
                        key("pay.to"),
                        format!("expected a node id (1 to {node_count}), found {}", pay.to.0),
                    ));
                }
            }
            if let Some(get) = spec.gettokens.as_ref().filter(|get| !is_node(get.owner)) {
                let problem = format!("expected a node id (1 to {node_count}), found {}", get.owner.0);
                return Err(Problem::new(key("gettokens.owner"), problem));
            }
            let changes = [("become_server.node", &spec.become_server), ("become_client.node", &spec.become_client)];
            for (field, change) in changes {
                if let Some(change) = change.as_ref().filter(|change| !is_node(change.node)) {
                    let problem = format!("expected a node id (1 to {node_count}), found {}", change.node.0);
                    return Err(Problem::new(key(field), problem));
                }
            }
        }
        Ok(())
    }

    /// The most servers that are faulty (an omission fault, or crashed and not yet
    /// restarted), or out of a client's reach by a partition, at any one time, and the key
    /// of the entry that first reached it.
    pub(crate) fn most_faulty(&self, world: &World) -> (usize, String) {
        let mut lossy: Vec<NodeId> =
            self.faults.iter().filter(|fault| !fault.ratio.is_never()).map(|fault| fault.node).collect();
        let mut crashed: Vec<NodeId> = Vec::new();
        let mut cut_off: Vec<NodeId> = Vec::new();
        let count = |lossy: &[NodeId], crashed: &[NodeId], cut_off: &[NodeId]| {
            let faulty: Vec<NodeId> = lossy.iter().chain(crashed).copied().collect();
            super::budget::servers_out_of_reach(&world.servers, &world.clients, &faulty, cut_off)
        };
        let mut most = (count(&lossy, &crashed, &cut_off), "faults".to_string());
        for index in self.schedule_order() {
            step();
            match self.schedule[index].action() {
                Some(FaultAction::MakeFaulty(fault)) => {
                    lossy.retain(|&node| node != fault.node);
                    if !fault.ratio.is_never() {
                        lossy.push(fault.node);
                    }
                }
                Some(FaultAction::Heal(healed)) => lossy.retain(|&node| node != healed),
                Some(FaultAction::Partition(nodes)) => cut_off = nodes,
                Some(FaultAction::Repair) => cut_off.clear(),
                Some(FaultAction::Crash(node)) => crashed.push(node),
                Some(FaultAction::Restart(node)) => crashed.retain(|&down| down != node),
                None => {}
            }
            let now = count(&lossy, &crashed, &cut_off);
            if now > most.0 {
                most = (now, format!("schedule[{index}]"));
            }
        }
        most
    }

    fn check_budget(&self, world: &World) -> Checked<()> {
        let servers = world.servers.len();
        let (faulty, key) = self.most_faulty(world);
        if !super::budget::within_budget(faulty, servers) && !self.expect.break_fault_budget {
            let problem = format!(
                "{faulty} faulty of {servers} servers breaks the fault budget (fewer than half may be faulty); \
                 set expect.break_fault_budget = true if that is on purpose"
            );
            return Err(Problem::new(key, problem));
        }
        if self.expect.break_fault_budget && super::budget::within_budget(faulty, servers) {
            let problem =
                format!("says it breaks the fault budget, but at most {faulty} of {servers} servers are faulty");
            return Err(Problem::new("expect.break_fault_budget", problem));
        }
        Ok(())
    }

    /// Indices of `schedule`, by time; entries at the same time in file order.
    pub(crate) fn schedule_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.schedule.len()).collect();
        order.sort_by_key(|&index| self.schedule[index].at_ms);
        order
    }
}

/// Whether `node` is one of `clients`, which are `1..=clients.len()` (see `check_sizes`): a
/// range check, not a search of the list, as it runs for every request and token.
fn is_client(clients: &[NodeId], node: NodeId) -> bool {
    (1..=clients.len() as u32).contains(&node.0)
}

/// Names are printed on terminals (reports, sweeps, the REPL): a control character in one
/// could move the cursor, recolour the screen or forge a line of output, so none is allowed.
fn check_name(name: &str) -> Checked<()> {
    match name.chars().enumerate().find(|(_, c)| c.is_control()) {
        None => Ok(()),
        Some((index, c)) => Err(Problem::new(
            "name",
            format!(
                "expected a name without control characters, found {} at character {}",
                c.escape_unicode(),
                index + 1
            ),
        )),
    }
}

/// Faults name any node, a client or a server: a faulty client is owed no answers, and
/// the budget counts the faulty servers only.
fn check_node(world: &World, node: NodeId, key: &str) -> Checked<()> {
    let node_count = (world.clients.len() + world.servers.len()) as u32;
    if (1..=node_count).contains(&node.0) {
        return Ok(());
    }
    let servers = (world.servers[0].0, world.servers[world.servers.len() - 1].0);
    let problem = format!(
        "expected a node id (1 to {node_count}: clients 1 to {}, servers {} to {}), found {}",
        world.clients.len(),
        servers.0,
        servers.1,
        node.0
    );
    Err(Problem::new(key, problem))
}

fn check_partition(world: &World, nodes: &[NodeId], key: &str) -> Checked<()> {
    let node_count = world.clients.len() + world.servers.len();
    if nodes.is_empty() {
        return Err(Problem::new(key, "expected at least one node to cut off, found an empty list"));
    }
    if let Some(index) = nodes.iter().position(|node| !(1..=node_count as u32).contains(&node.0)) {
        let problem = format!("expected a node id (1 to {node_count}), found {}", nodes[index].0);
        return Err(Problem::new(format!("{key}[{index}]"), problem));
    }
    Ok(())
}

fn check_at(at_ms: u64, key: &str) -> Checked<()> {
    if at_ms > AT_MS_MAX {
        return Err(Problem::new(key, format!("expected at most {AT_MS_MAX} ms (one simulated day), found {at_ms}")));
    }
    Ok(())
}

#[cfg(test)]
thread_local! {
    /// Steps of validation (requests, faults and scheduled events looked at) counted on this
    /// thread by unit tests, which hold validation to linear work by this count: time is too
    /// noisy on a shared machine to tell a slow linear pass from a fast quadratic one.
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Count one step of validation (in unit tests; nothing otherwise).
#[inline]
fn step() {
    #[cfg(test)]
    STEPS.with(|steps| steps.set(steps.get() + 1));
}

#[cfg(test)]
mod tests;
