//! tokensim: a deterministic discrete-event simulator of a replicated token-ownership
//! system that tolerates omission faults.
//!
//! - [`protocol`] is the pure core: servers and clients as state machines that take
//!   `(now, input)` and write their outputs into a buffer. Embed it in any event loop.
//! - [`sim`] hosts the core in a seeded discrete-event scheduler with a network and fault
//!   model; [`scenario`] describes a run; [`vocab`] holds the words they share.
//! - [`run`] is the one recipe for a run: [`run::Run`] builds, runs and judges one seed,
//!   and [`check`] holds the checkers its [`check::Verdict`] is made of.
//! - [`report`] summarises a run; [`trace`] records, replays and shows it; [`view`] draws
//!   runs and sweeps as pages to look at in a browser.
//! - [`explore`] searches many runs: swarm worlds, seed sweeps, shrinking, and proptest
//!   strategies (cargo feature `proptest`).
//!
//! `docs/ARCHITECTURE.md` draws how these depend on each other.
//!
//! # The determinism contract
//!
//! A scenario and a seed fully determine a run: the same seed gives the same sequence of
//! events, and the same event hash, on any machine and in any process. Nothing that affects
//! a run reads a clock, draws ambient randomness, iterates a hash map, or depends on thread
//! scheduling; all time is simulated input.
//!
//! ```
//! use tokensim::run::Run;
//! use tokensim::scenario::Scenario;
//!
//! let mut scenario = Scenario::default_scenario(); // 5 servers (2 faulty), 6 clients
//! scenario.random_workload_mut().requests = 50;
//! let first = Run::new(&scenario).seed(42).execute()?;
//! let second = Run::new(&scenario).seed(42).execute()?;
//! assert_eq!(first.event_hash(), second.event_hash()); // same seed, same run
//! assert!(first.verdict.passed(), "{:?}", first.verdict.violations);
//! # Ok::<(), tokensim::scenario::ScenarioError>(())
//! ```
//!
//! Swarm testing draws each seed's own world, faults and workload:
//!
//! ```
//! use tokensim::explore::swarm::swarm_scenario;
//! use tokensim::run::Run;
//!
//! let base = tokensim::scenario::Scenario::default_scenario();
//! let outcome = Run::new(&swarm_scenario(&base, 7)).seed(7).execute().unwrap();
//! assert!(outcome.verdict.passed(), "{:?}", outcome.verdict.violations);
//! ```
#![warn(missing_docs)]

pub mod check;
pub mod explore;
pub mod protocol;
pub mod repl;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod trace;
pub mod view;
pub mod vocab;

/// The README's examples, run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
