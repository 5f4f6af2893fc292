//! What a checker reports: a broken property and the evidence.

use super::Property;
use crate::protocol::{Instant, RequestId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One broken property, with what is needed to find and replay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The property broken.
    pub property: Property,
    /// The seed of the run, when the history came from one.
    pub seed: Option<u64>,
    /// The simulated time at which it shows, when known.
    pub at: Option<Instant>,
    /// What happened, in words.
    pub detail: String,
    /// The requests involved.
    pub operations: Vec<RequestId>,
}

impl Violation {
    /// A violation of `property` without seed, time or operations yet.
    pub fn new(property: Property, detail: impl Into<String>) -> Violation {
        Violation { property, seed: None, at: None, detail: detail.into(), operations: Vec::new() }
    }

    /// This violation, shown at simulated time `at`.
    pub fn at(mut self, at: Instant) -> Violation {
        self.at = Some(at);
        self
    }

    /// This violation, involving `operations`.
    pub fn involving(mut self, operations: impl IntoIterator<Item = RequestId>) -> Violation {
        self.operations.extend(operations);
        self
    }

    /// This violation, found in the run of `seed`.
    pub fn with_seed(mut self, seed: u64) -> Violation {
        self.seed = Some(seed);
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.property, self.detail)?;
        let mut context = Vec::new();
        if let Some(seed) = self.seed {
            context.push(format!("seed {seed}"));
        }
        if let Some(at) = self.at {
            context.push(format!("at {at}"));
        }
        if !self.operations.is_empty() {
            let ops: Vec<String> = self.operations.iter().map(ToString::to_string).collect();
            context.push(format!("requests {}", ops.join(" ")));
        }
        if !context.is_empty() {
            write!(f, " [{}]", context.join(", "))?;
        }
        Ok(())
    }
}
