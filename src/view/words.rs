//! Short texts for the page: message payloads, properties in words.

use crate::check::Property;
use crate::protocol::Probe;
use crate::protocol::{Config, Refusal, TokenId, TokenSelection, TokenValue};
use crate::sim::{TracedMessage, TracedValues};
use std::fmt::Write as _;

/// Every message kind, in the order of the page's `kind` column (and its legend's colours).
pub const KIND_NAMES: [&str; 15] = [
    "read",
    "read_reply",
    "write",
    "write_ack",
    "nack",
    "new_config",
    "seal",
    "seal_ack",
    "accept",
    "accept_ack",
    "rejected",
    "install",
    "install_ack",
    "repair",
    "sealed_behind",
];

/// `[n7 n9]`.
fn nodes_text(nodes: &[crate::protocol::NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(ToString::to_string).collect();
    format!("[{}]", names.join(" "))
}

/// Value lists longer than this are shown by their count and first few values.
const VALUES_SHOWN_MAX: usize = 4;

/// The message's index in [`KIND_NAMES`].
pub fn kind_index(message: &TracedMessage) -> u8 {
    let name = message.kind_name();
    KIND_NAMES.iter().position(|&kind| kind == name).unwrap_or(0) as u8
}

/// What a message carries, without its kind and tag (the page shows those from columns):
/// `e0 t3`, `e0 t3@v2:n1`, `e0 60 values, digest 1a2b3c4d`, `e0 ballot b1.4 -> e1 [n8 n9]`.
pub fn payload(message: &TracedMessage) -> String {
    match message {
        TracedMessage::Read { epoch, tokens: TokenSelection::All, .. } => format!("e{} all tokens", epoch.0),
        TracedMessage::Read { epoch, tokens: TokenSelection::One(token), .. } => format!("e{} {token}", epoch.0),
        TracedMessage::Read { epoch, tokens: TokenSelection::Owner(owner), .. } => {
            format!("e{} tokens {owner} owns or paid away", epoch.0)
        }
        TracedMessage::Read { epoch, tokens: TokenSelection::Tokens(tokens), .. } => {
            let listed: Vec<String> = tokens.iter().map(|token| token.to_string()).collect();
            format!("e{} confirm {}", epoch.0, listed.join(","))
        }
        TracedMessage::Read { epoch, tokens: TokenSelection::Nothing, .. } => {
            format!("e{} no tokens: is this configuration current?", epoch.0)
        }
        TracedMessage::ReadReply { epoch, values, .. } | TracedMessage::Write { epoch, values, .. } => {
            format!("e{} {}", epoch.0, values_text(values))
        }
        TracedMessage::WriteAck { epoch, .. } | TracedMessage::Nack { epoch, .. } => format!("e{}", epoch.0),
        TracedMessage::NewConfig { config } => format!("current configuration {}", config_text(config)),
        TracedMessage::SealedBehind { config } => {
            format!("sealed in the older configuration {}, waiting for its successor", config_text(config))
        }
        TracedMessage::Seal { epoch, ballot } => format!("e{} ballot {ballot}", epoch.0),
        TracedMessage::AcceptAck { epoch, ballot } => format!("e{} ballot {ballot}", epoch.0),
        TracedMessage::SealAck { epoch, ballot, accepted, table } => match accepted {
            Some((accepted_ballot, next)) => format!(
                "e{} ballot {ballot}, had accepted {accepted_ballot} {}; table of {table}",
                epoch.0,
                config_text(next),
            ),
            None => format!("e{} ballot {ballot}; table of {table}", epoch.0),
        },
        TracedMessage::Accept { epoch, ballot, next } => {
            format!("e{} ballot {ballot} -> {}", epoch.0, config_text(next))
        }
        TracedMessage::Rejected { epoch, promised } => format!("e{} promised {promised}", epoch.0),
        TracedMessage::Install { config, table } => format!("{}; table of {table}", config_text(config)),
        TracedMessage::InstallAck { epoch } => format!("e{} installed", epoch.0),
        TracedMessage::Repair { epoch, nodes } => format!("install e{} on {}", epoch.0, nodes_text(nodes)),
    }
}

/// `e2 [n7 n8 n9]`.
fn config_text(config: &Config) -> String {
    let servers: Vec<String> = config.servers.iter().map(ToString::to_string).collect();
    format!("e{} [{}]", config.epoch.0, servers.join(" "))
}

/// `t3@v2:n1 t4@v1:n2`, or `6 values: t0@v1:n1 t1@v1:n2 ...` when there are many, or the
/// count and digest a trace records in place of a whole table.
fn values_text(values: &TracedValues) -> String {
    let values = match values {
        TracedValues::Digested(digest) => return digest.to_string(),
        TracedValues::Listed(values) if values.is_empty() => return "no values".to_string(),
        TracedValues::Listed(values) => values,
    };
    listed_text(values)
}

fn listed_text(values: &[(TokenId, TokenValue)]) -> String {
    let mut text = String::new();
    if values.len() > VALUES_SHOWN_MAX {
        let _ = write!(text, "{} values:", values.len());
    }
    for (index, (token, value)) in values.iter().take(VALUES_SHOWN_MAX).enumerate() {
        let separator = if index == 0 && values.len() <= VALUES_SHOWN_MAX { "" } else { " " };
        let _ = write!(text, "{separator}{token}@{}:{}", value.version, value.owner);
    }
    if values.len() > VALUES_SHOWN_MAX {
        text.push_str(" ...");
    }
    text
}

/// The token a refusal names, if any (for the token filter).
pub fn refusal_token(refusal: &Refusal) -> Option<u32> {
    match refusal {
        Refusal::NotOwner { token, .. } | Refusal::UnknownToken { token } | Refusal::SelfPayment { token } => {
            Some(token.0)
        }
        _ => None,
    }
}

/// What taking the rare path named `name` (a coverage probe, `crate::protocol::Probe`) means,
/// for the sweep page; `None` for a name this build does not know (a merged older report).
pub fn probe_words(name: &str) -> Option<&'static str> {
    let probe = Probe::ALL.into_iter().find(|probe| probe.name() == name)?;
    Some(match probe {
        Probe::ReplicasDisagreed => "a read's majority disagreed on a token's value (a replica lagged)",
        Probe::WriteBackNeeded => "a read wrote back a value not yet on a whole majority before answering",
        Probe::RefusalWithWriteBack => "a pay was refused (not the owner) after a write-back",
        Probe::Retransmitted => "a phase was resent to servers that had not answered in time",
        Probe::DuplicateWrite => "a server was asked to store a version it already had (a retry or a copy)",
        Probe::NackedWhileSealed => "a sealed server refused a client: a reconfiguration was under way",
        Probe::RedoneInNewConfig => "a client learned a newer configuration and redid its phase there",
        Probe::SealSawAccepted => "a coordinator found a configuration already accepted and proposed it",
        Probe::BallotPreempted => "a coordinator was outbid by a higher ballot and backed off",
        Probe::ChangeLostToAnother => "a coordinator's decided configuration was another's change",
        Probe::RefusalConfirmed => "a role change was refused after a majority confirmed the configuration",
        Probe::InstallResent => "an install was resent to nodes that had not acknowledged it",
        Probe::ChangeAlreadyDecided => "a retried role change found its own change already decided",
        Probe::TookOver => "a client took over a configuration a stopped coordinator left sealed",
        Probe::RepairAsked => "a client asked servers to install their configuration on servers left behind",
        Probe::LostWriteFinished => "a restarted client finished the write of a pay it lost in a crash",
        Probe::TookOverBehind => {
            "a client took over an older configuration that the servers it reached were still sealed in"
        }
        Probe::AskedAround => "a client held up asked the nodes outside its configuration which one they are in",
    })
}

/// A property as a headline, and what it means, for people who have not read the checkers.
pub fn property_words(property: Property) -> (&'static str, &'static str) {
    match property {
        Property::Linearizable => (
            "A request saw the tokens in a state no order of the requests explains",
            "Every answer must fit one sequence of the requests that respects real time: a read may \
             not miss a write that finished before it started, nor see one older than it.",
        ),
        Property::OneOwnerPerVersion => (
            "One version of a token got two different values",
            "Each version of a token is written by exactly one request; two writers of the same \
             version mean the token had two owners at once.",
        ),
        Property::VersionsContiguous => (
            "A token's versions skip or repeat",
            "A token's versions go 1, 2, 3, ... with no gap, each written by exactly one pay.",
        ),
        Property::NoDoubleSpend => (
            "A token was spent twice",
            "A pay moves a token away from its caller; two pays from the same version cannot both succeed.",
        ),
        Property::RefusalChangedNothing => {
            ("A refused request changed the tokens", "A request that was refused must leave every token as it was.")
        }
        Property::ExactlyOnce => (
            "A request took effect more than once, or not at all",
            "A pay answered ok takes effect exactly once, however often its messages were retried.",
        ),
        Property::RequestIdsUnique => (
            "A client gave one request id to two requests",
            "A request's id is how servers recognise its retries and how a written value names its \
             writer; a client's request counter must survive its crashes so that no id is used twice.",
        ),
        Property::ReplicaOneValuePerVersion => (
            "Two servers hold different values for one version",
            "Replicas may lag, but two servers must never disagree on what a given version holds.",
        ),
        Property::ReplicaVersionMonotonic => (
            "A server's copy of a token went back to an older version",
            "A server stores a value only if its version is newer than the one it holds.",
        ),
        Property::OneConfigPerEpoch => (
            "Two configurations were decided for one epoch",
            "Each change of configuration is decided once (single-decree Paxos): every install of an \
             epoch must name the same servers.",
        ),
        Property::OneValuePerBallot => (
            "One ballot proposed two configurations for an epoch",
            "Paxos needs every ballot to propose at most one value: a coordinator never reuses a \
             ballot, crashes included, so its highest ballot round must survive them.",
        ),
        Property::EpochsOnlyGrow => (
            "A node went back to an older configuration",
            "A node adopts a configuration only if it is newer than the one it has.",
        ),
        Property::ServerCountLimits => (
            "A configuration has too few or too many servers",
            "A server may become a client only while more than 3 remain, a client a server only \
             while fewer than 7 exist: every configuration has 3 to 7 servers.",
        ),
        Property::RoleChangeInstalled => (
            "A role change was answered ok but is not what was installed",
            "Each configuration is the one before it with exactly the change it names, and a role \
             change answered ok is in the configuration it names.",
        ),
        Property::RoleChangeRefusedRightly => (
            "A role change was refused for a reason that did not hold",
            "A refusal such as \"only 3 servers remain\" must be true of a configuration that was \
             current while the change was being worked on, not of an out-of-date view.",
        ),
        Property::RolesMatchConfig => (
            "A node's role disagrees with its configuration",
            "A node is a server exactly when the configuration it installed names it.",
        ),
        Property::FaultFreeRerun => (
            "The run and its fault-free rerun end differently",
            "The completed requests, run again one at a time without faults in the order the run \
             linearized them, must reach the same final token table.",
        ),
        Property::Progress => (
            "The run never settled: it was stopped at its event budget",
            "Every run must end: a run that keeps busy without answering requests (a livelock) is \
             stopped and reported, with what it was doing.",
        ),
        Property::ExpectedAnswer => (
            "A scripted request got another answer than the scenario expects",
            "An explicit request with `expect = ...` must get that answer.",
        ),
        Property::ExpectedViolation => (
            "The bug this scenario reproduces did not happen",
            "A kept reproduction (`[expect] violation`) must still show its violation.",
        ),
        Property::Liveness => (
            "A request was never answered",
            "Every request of a correct client must be answered within the liveness budget when \
             fewer than half of the servers are faulty.",
        ),
        Property::NoPanic => (
            "The simulator or a node crashed (panicked)",
            "A panic means an internal invariant broke; the run stopped there.",
        ),
        Property::Custom => (
            "A property added in code did not hold",
            "The test that ran this added a property of its own; its name begins the violation's detail.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Epoch, NodeId, PhaseTag, RequestId, Version};

    #[test]
    fn long_value_lists_show_their_count_and_first_values() {
        let value = |v| TokenValue { version: Version(v), owner: NodeId(2), writer: None };
        let few: Vec<(TokenId, TokenValue)> = vec![(TokenId(3), value(2))];
        assert_eq!(values_text(&TracedValues::Listed(few)), "t3@v2:n2");
        let many: Vec<(TokenId, TokenValue)> = (0..6).map(|t| (TokenId(t), value(1))).collect();
        let digest = crate::sim::Digest::of(&many);
        assert_eq!(values_text(&TracedValues::Listed(many)), "6 values: t0@v1:n2 t1@v1:n2 t2@v1:n2 t3@v1:n2 ...");
        assert!(values_text(&TracedValues::Digested(digest)).starts_with("6 values, digest "));
        let tag = PhaseTag { request: RequestId { client: NodeId(1), sequence: 1 }, phase: 0 };
        let read = TracedMessage::Read { epoch: Epoch(0), tag, tokens: TokenSelection::One(TokenId(5)) };
        assert_eq!(payload(&read), "e0 t5");
        assert_eq!(KIND_NAMES[kind_index(&read) as usize], "read");
    }

    #[test]
    fn every_kind_has_a_name_in_the_table() {
        for property in Property::ALL {
            assert!(!property_words(property).0.is_empty());
        }
    }
}
