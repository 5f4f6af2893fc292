//! What the application asks of a client, and what it gets back.

use super::types::{NodeId, RequestId, TokenId, Version};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A request a client works on: the operations of the contract in `PROTOCOL.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The request was refused and changed nothing.
    Refused(Refusal),
}

/// Why a request was refused. Every refusal leaves the token table unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A request together with its identity, as a client queues it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::GetTokens { owner } => write!(f, "gettokens({owner})"),
            Request::Pay { token, to } => write!(f, "pay({token}, {to})"),
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
            Outcome::Refused(refusal) => write!(f, "refused: {refusal}"),
        }
    }
}
