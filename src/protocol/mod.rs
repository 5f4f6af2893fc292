//! The pure protocol core: servers and clients as state machines.
//!
//! A node takes the simulated time and one input (a message, a timer, or a request from the
//! application) and writes its outputs (messages to send, timers to set, replies) into an
//! [`Outputs`] buffer that its host drains. Nothing here does I/O, reads a clock, spawns a
//! thread or touches global state, and nothing here knows about the simulator: the same
//! nodes can be hosted by any event loop.

mod client;
mod config;
mod message;
mod node;
mod probe;
mod read;
mod reconfig;
mod recovery;
mod request;
mod server;
mod table;
mod types;
mod variant;

pub use client::{Client, ClientOptions};
pub use config::{Change, Config, SERVERS_MAX, SERVERS_MIN};
pub use message::{Message, Output, Outputs, PhaseTag, Timer, TokenSelection};
pub use node::Node;
pub use probe::{Probe, ProbeCounts};
pub use request::{Outcome, Refusal, Request, Submitted};
pub use server::Server;
pub use table::{Table, Values};
pub use types::{Ballot, Epoch, Instant, NodeId, ParseIdError, RequestId, TokenId, TokenValue, Version};
pub use variant::{variant_names, UnknownVariant, Variant};
