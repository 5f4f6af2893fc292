//! The interactive mode's views of a simulation: `status`, `node`, `token` and `history`,
//! each as plain text lines.

use crate::protocol::{Config, Node, NodeId, Server, TokenId, TokenValue};
use crate::sim::{Omission, OmissionKind, RequestRecord, Simulation};
use crate::vocab::count;
use std::fmt::Write as _;

/// How many token owners a row of a replica's table shows.
const TABLE_ROW_TOKENS: usize = 10;

/// `n7 n8 n9`, or `none`.
pub fn nodes_text(nodes: &[NodeId]) -> String {
    if nodes.is_empty() {
        return "none".to_string();
    }
    nodes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// `e1 [n7 n8 n9]`.
pub fn config_text(config: &Config) -> String {
    format!("e{} [{}]", config.epoch.0, nodes_text(&config.servers))
}

/// `send 1/3`: what a fault loses.
pub fn omission_text(omission: &Omission) -> String {
    let kind = match omission.kind {
        OmissionKind::Send => "send",
        OmissionKind::Receive => "receive",
        OmissionKind::Both => "both",
    };
    format!("{kind} {}", omission.ratio)
}

/// One request, its times and its answer: one line.
pub fn record_text(record: &RequestRecord) -> String {
    let head = format!("{} {} submitted {}", record.id, record.request, record.submitted_at);
    match (&record.outcome, record.answered_at) {
        (Some(outcome), Some(at)) => format!("{head}, answered {at}: {outcome}"),
        _ if record.lost_at.is_some() => {
            let at = record.lost_at.unwrap_or_default();
            format!("{head}: lost when its client crashed at {at}, never answered")
        }
        _ => match record.started_at {
            Some(at) => format!("{head}, started {at}: open"),
            None => format!("{head}: queued"),
        },
    }
}

/// `status`: time, roles, configuration, faults, partition, what is in flight, requests.
pub fn status(sim: &Simulation) -> String {
    let servers: Vec<NodeId> = sim.world().nodes().into_iter().filter(|&id| is_server(sim, id)).collect();
    let clients: Vec<NodeId> = sim.world().nodes().into_iter().filter(|&id| !is_server(sim, id)).collect();
    let faulty: Vec<String> = sim
        .world()
        .nodes()
        .into_iter()
        .filter_map(|id| match (sim.is_crashed(id), sim.fault(id)) {
            (true, _) => Some(format!("{id} (down: crashed)")),
            (false, Some(omission)) => Some(format!("{id} ({})", omission_text(&omission))),
            (false, None) => None,
        })
        .collect();
    let mut text = String::new();
    let _ = writeln!(text, "time       {}", sim.now());
    let _ = writeln!(text, "servers    {}", nodes_text(&servers));
    let _ = writeln!(text, "clients    {}", nodes_text(&clients));
    let _ = writeln!(text, "config     {} (the newest any server has installed)", config_text(&sim.current_config()));
    let _ = writeln!(text, "faulty     {}", if faulty.is_empty() { "none".to_string() } else { faulty.join(", ") });
    let _ = writeln!(text, "partition  {}", partition_text(&sim.partitioned()));
    let _ = writeln!(text, "in flight  {}", in_flight_text(sim));
    let open: Vec<&RequestRecord> = sim.history().unanswered().collect();
    let _ = writeln!(text, "requests   {} answered, {} open", sim.history().len() - open.len(), open.len());
    for record in open {
        let _ = writeln!(text, "  {}", record_text(record));
    }
    text
}

/// `3 messages, 2 timers set`, and scheduled fault events still to come, if any.
pub fn in_flight_text(sim: &Simulation) -> String {
    let messages = count(sim.messages_in_flight() as u64, "message", "messages");
    let mut text = format!("{messages}, {} set", count(sim.timers_pending() as u64, "timer", "timers"));
    let scheduled = sim.scheduled_faults_pending();
    if scheduled > 0 {
        let _ =
            write!(text, ", {} to come", count(scheduled as u64, "scheduled fault event", "scheduled fault events"));
    }
    text
}

fn partition_text(cut_off: &[NodeId]) -> String {
    match cut_off.is_empty() {
        true => "none".to_string(),
        false => format!("{} cut off from the rest", nodes_text(cut_off)),
    }
}

fn is_server(sim: &Simulation, id: NodeId) -> bool {
    sim.node(id).is_some_and(Node::is_server)
}

/// `node <id>`: its role, fault, client part (configuration view, requests) and replica.
pub fn node(sim: &Simulation, node: &Node) -> String {
    let id = node.id();
    let role = if node.is_server() { "server" } else { "client" };
    let mut text = format!("{id}: {role}\n");
    let fault = match (sim.is_crashed(id), sim.fault(id)) {
        (true, _) => "down: crashed (it keeps only its durable state; `restart` brings it back)".to_string(),
        (false, omission) => omission.map_or_else(|| "none".to_string(), |omission| omission_text(&omission)),
    };
    let _ = writeln!(text, "  fault      {fault}");
    let client = node.client();
    let _ = writeln!(text, "  config     {} (its client's view)", config_text(client.config()));
    let working = client.current().map_or_else(|| "nothing".to_string(), |s| format!("{} {}", s.id, s.request));
    let _ = writeln!(text, "  working on {working}");
    let queued: Vec<String> = client.queued().map(|s| format!("{} {}", s.id, s.request)).collect();
    let _ = writeln!(text, "  queued     {}", if queued.is_empty() { "none".to_string() } else { queued.join(", ") });
    match node.replica() {
        None => text.push_str("  replica    none (never a server)\n"),
        Some(replica) => text.push_str(&replica_text(replica)),
    }
    text
}

fn replica_text(replica: &Server) -> String {
    let state = match (replica.is_retired(), replica.is_sealed()) {
        (true, _) => "retired, keeps its table",
        (false, true) => "sealed by a role change in progress",
        (false, false) => "serving",
    };
    let mut text = format!("  replica    {state}, configuration {}\n", config_text(replica.config()));
    text.push_str("  table      owner of each token (@version when above v1):\n");
    for (row, values) in replica.table().to_vec().chunks(TABLE_ROW_TOKENS).enumerate() {
        let first = row * TABLE_ROW_TOKENS;
        let range = format!("t{}-t{}", first, first + values.len() - 1);
        let cells: Vec<String> = values.iter().map(owner_cell).collect();
        let _ = writeln!(text, "    {range:<9} {}", cells.join(" "));
    }
    text
}

fn owner_cell(value: &TokenValue) -> String {
    match value.version.0 {
        1 => value.owner.to_string(),
        _ => format!("{}@{}", value.owner, value.version),
    }
}

/// `token <id>`: its newest value and its value on every replica (servers and retired ones).
pub fn token(sim: &Simulation, token: TokenId) -> String {
    let newest = sim.final_table()[token.0 as usize];
    let mut text = format!("{token}: newest {} at {} on any replica\n", newest.owner, newest.version);
    for replica in sim.replicas() {
        let Some(value) = replica.value(token) else { continue };
        let writer = value.writer.map_or_else(|| "initial value".to_string(), |id| format!("written by {id}"));
        let mut notes = vec![writer];
        if replica.is_retired() {
            notes.push("retired".to_string());
        }
        if value.version < newest.version {
            notes.push("behind".to_string());
        }
        if let Some(omission) = sim.fault(replica.id()) {
            notes.push(format!("faulty: {}", omission_text(&omission)));
        }
        let id = replica.id().to_string();
        let _ = writeln!(text, "  {id:<4} {} {} ({})", value.version, value.owner, notes.join(", "));
    }
    text
}

/// `history`: every request in submission order, with its answer.
pub fn history(sim: &Simulation) -> String {
    if sim.history().is_empty() {
        return "no requests yet\n".to_string();
    }
    let mut text = String::new();
    for record in sim.history().records() {
        let _ = writeln!(text, "{}", record_text(record));
    }
    text
}
