//! What the application asks of a client, and what it gets back.

use super::types::{NodeId, RequestId, TokenId, Version};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A request a client works on: the operations of the contract in `PROTOCOL.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// List the tokens `owner` holds, each with its version.
    GetTokens {
        /// Whose tokens to list.
        owner: NodeId,
    },
    /// Move `token`, which the caller must own, to `to`.
    Pay {
        /// The token to move.
        token: TokenId,
        /// The node that receives it.
        to: NodeId,
    },
    /// Make client `node` a server (while fewer than 7 servers exist). Any client may ask.
    BecomeServer {
        /// The client to promote.
        node: NodeId,
    },
    /// Make server `node` a client (while more than 3 servers remain). Any client may ask.
    BecomeClient {
        /// The server to demote.
        node: NodeId,
    },
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// `gettokens`: the tokens the owner held at the read's linearization point.
    Tokens {
        /// Whose tokens these are.
        owner: NodeId,
        /// The tokens, ascending by id, each with its version.
        tokens: Vec<(TokenId, Version)>,
    },
    /// `pay` succeeded: the token now has `version` and belongs to the payee.
    Paid {
        /// The token that moved.
        token: TokenId,
        /// Its new version (one more than before the pay).
        version: Version,
    },
    /// A role change took effect: `config` is the configuration it made.
    RoleChanged {
        /// The new configuration's number.
        epoch: super::types::Epoch,
        /// Its servers, ascending.
        servers: Vec<NodeId>,
    },
    /// The request was refused and changed nothing.
    Refused(Refusal),
}

/// Why a request was refused. Every refusal leaves the token table unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// The caller does not own the token; `owner` does, at `version`.
    NotOwner {
        /// The token asked for.
        token: TokenId,
        /// Who owns it.
        owner: NodeId,
        /// At which version.
        version: Version,
    },
    /// No token has this id.
    UnknownToken {
        /// The id asked for.
        token: TokenId,
    },
    /// No node of the world has this id.
    UnknownClient {
        /// The id asked for.
        node: NodeId,
    },
    /// A client cannot pay a token to itself.
    SelfPayment {
        /// The token asked for.
        token: TokenId,
    },
    /// The node that was asked to act is a server now; only clients issue requests.
    NotAClient {
        /// The node asked.
        node: NodeId,
    },
    /// `become_server` of a node that is already a server.
    AlreadyServer {
        /// The node named.
        node: NodeId,
    },
    /// `become_client` of a node that is not a server.
    NotAServer {
        /// The node named.
        node: NodeId,
    },
    /// The change would leave fewer than 3 servers.
    TooFewServers {
        /// How many servers there are now.
        servers: u32,
    },
    /// The change would make more than 7 servers.
    TooManyServers {
        /// How many servers there are now.
        servers: u32,
    },
}

/// A request together with its identity, as a client queues it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Submitted {
    /// The request's identity.
    pub id: RequestId,
    /// What is asked.
    pub request: Request,
}

impl Request {
    /// A short lowercase name of the request's kind, for reports.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Request::GetTokens { .. } => "gettokens",
            Request::Pay { .. } => "pay",
            Request::BecomeServer { .. } => "become_server",
            Request::BecomeClient { .. } => "become_client",
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::GetTokens { owner } => write!(f, "gettokens({owner})"),
            Request::Pay { token, to } => write!(f, "pay({token}, {to})"),
            Request::BecomeServer { node } => write!(f, "become_server({node})"),
            Request::BecomeClient { node } => write!(f, "become_client({node})"),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotOwner { token, owner, version } => {
                write!(f, "not the owner: {token} belongs to {owner} at {version}")
            }
            Refusal::UnknownToken { token } => write!(f, "unknown token {token}"),
            Refusal::UnknownClient { node } => write!(f, "unknown client {node}"),
            Refusal::SelfPayment { token } => write!(f, "cannot pay {token} to yourself"),
            Refusal::NotAClient { node } => write!(f, "{node} is a server: only clients issue requests"),
            Refusal::AlreadyServer { node } => write!(f, "{node} is already a server"),
            Refusal::NotAServer { node } => write!(f, "{node} is not a server"),
            Refusal::TooFewServers { servers } => {
                write!(f, "only {servers} servers remain: a server may become a client while more than 3 remain")
            }
            Refusal::TooManyServers { servers } => {
                write!(f, "{servers} servers exist: a client may become a server while fewer than 7 exist")
            }
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Tokens { owner, tokens } => {
                write!(f, "{owner} holds [")?;
                for (i, (token, version)) in tokens.iter().enumerate() {
                    let sep = if i == 0 { "" } else { " " };
                    write!(f, "{sep}{token}@{version}")?;
                }
                write!(f, "]")
            }
            Outcome::Paid { token, version } => write!(f, "ok {token}@{version}"),
            Outcome::RoleChanged { epoch, servers } => {
                let names: Vec<String> = servers.iter().map(|s| s.to_string()).collect();
                write!(f, "ok: configuration e{} with servers [{}]", epoch.0, names.join(" "))
            }
            Outcome::Refused(refusal) => write!(f, "refused: {refusal}"),
        }
    }
}
