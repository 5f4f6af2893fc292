//! The interactive mode (`tokensim repl`): a simulated world driven by typed commands.
//!
//! A [`Session`] holds one world, built from a scenario without its workload: the person
//! issues requests (`gettokens`, `pay`, `become-server`, `become-client`), moves simulated
//! time (`step`, `run 500ms`, `settle`), looks (`status`, `node 3`, `token 5`, `history`),
//! changes faults (`fault`, `heal`, `partition`, `repair`), and checks (`rerun`). Each line
//! is answered with text; bad input gets an `error: ` line and the session goes on.
//!
//! A session is a pure function of its scenario, seed and commands: the same script gives
//! the same transcript. `save` writes the commands as such a script.
//!
//! ```
//! use tokensim::repl::Session;
//! use tokensim::scenario::Scenario;
//!
//! let mut session = Session::new(&Scenario::default_scenario(), 1, None).unwrap();
//! let (text, _) = session.execute("pay 1 0 2");
//! assert!(text.starts_with("n1#1 pay(t0, n2) submitted at 0.000000s"));
//! let (text, _) = session.execute("settle");
//! assert!(text.contains("= ok t0@v2"), "{text}");
//! ```

mod command;
mod render;
mod session;

pub use command::{parse, parse_duration_us, suggest, Command, CommandError, CommandSpec, COMMANDS};
pub use session::{interactive_scenario, Flow, Session};
