//! The interactive mode's commands: one line of input parsed into a [`Command`], or a
//! [`CommandError`] that says what is wrong and how the command is written.

use crate::protocol::{NodeId, TokenId};
use crate::sim::{OmissionKind, Ratio};

/// One command of the interactive mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `gettokens <client> <owner>`: `client` asks for the tokens `owner` holds.
    GetTokens {
        /// The asking client.
        client: NodeId,
        /// Whose tokens.
        owner: NodeId,
    },
    /// `pay <client> <token> <to>`: `client` pays `token` to `to`.
    Pay {
        /// The paying client.
        client: NodeId,
        /// The token.
        token: TokenId,
        /// The payee.
        to: NodeId,
    },
    /// `become-server <node> [via <client>]`: promote `node`, coordinated by `via`.
    BecomeServer {
        /// The node to promote.
        node: NodeId,
        /// The client that coordinates the change; chosen by the session when `None`.
        via: Option<NodeId>,
    },
    /// `become-client <server> [via <client>]`: demote `node`, coordinated by `via`.
    BecomeClient {
        /// The server to demote.
        node: NodeId,
        /// The client that coordinates the change; chosen by the session when `None`.
        via: Option<NodeId>,
    },
    /// `step [count]`: process the next event (or `count` events) and print each.
    Step {
        /// How many events.
        count: u64,
    },
    /// `run <duration>`: move simulated time forward by `duration_us`.
    Run {
        /// How far, in simulated microseconds.
        duration_us: u64,
    },
    /// `settle`: run until no request is open and no message is in flight (bounded).
    Settle,
    /// `status`: roles, configuration, faults, partition, what is in flight, open requests.
    Status,
    /// `node <id>`: one node's role, replica, configuration view and requests.
    Node {
        /// The node.
        id: NodeId,
    },
    /// `token <id>`: one token's value on every replica.
    Token {
        /// The token.
        id: TokenId,
    },
    /// `fault <node> <send|receive|both> [ratio]`: give a node an omission fault now.
    Fault {
        /// The node.
        node: NodeId,
        /// Which direction it loses.
        kind: OmissionKind,
        /// How much of it; 1 (silent) when left out.
        ratio: Ratio,
    },
    /// `heal <node>`: the node loses nothing from now on.
    Heal {
        /// The node.
        node: NodeId,
    },
    /// `crash <node>`: the node goes down, losing its volatile state.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// `restart <node>`: a crashed node comes back from its durable state.
    Restart {
        /// The node.
        node: NodeId,
    },
    /// `partition <nodes...>`: cut these nodes off from the rest.
    Partition {
        /// The nodes cut off.
        nodes: Vec<NodeId>,
    },
    /// `repair`: end the partition.
    Repair,
    /// `history`: every request so far with its answer.
    History,
    /// `rerun`: the fault-free rerun of the completed requests, compared with the state now.
    Rerun,
    /// `save <file>`: write the session's commands as a script that reproduces it.
    Save {
        /// Where to write.
        path: String,
    },
    /// `help`: the list of commands.
    Help,
    /// `quit`: end the session.
    Quit,
}

/// A command's name, how it is written and what it does, for `help`, usage messages and
/// suggestions.
#[derive(Clone, Copy, Debug)]
pub struct CommandSpec {
    /// The command's name, as typed.
    pub name: &'static str,
    /// Its arguments, as shown in usage lines.
    pub arguments: &'static str,
    /// What it does, in a few words.
    pub summary: &'static str,
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec { name: "gettokens", arguments: "<client> <owner>", summary: "client asks which tokens owner holds" },
    CommandSpec { name: "pay", arguments: "<client> <token> <to>", summary: "client pays token to node `to`" },
    CommandSpec {
        name: "become-server",
        arguments: "<node> [via <client>]",
        summary: "make node a server (asked of the lowest correct client unless `via`)",
    },
    CommandSpec {
        name: "become-client",
        arguments: "<server> [via <client>]",
        summary: "make server a client (asked of the lowest correct client unless `via`)",
    },
    CommandSpec {
        name: "step",
        arguments: "[count]",
        summary: "process the next event (or count events), printing each",
    },
    CommandSpec {
        name: "run",
        arguments: "<duration>",
        summary: "advance simulated time, e.g. `run 500ms`, `run 2s`, `run 100us`",
    },
    CommandSpec { name: "settle", arguments: "", summary: "run until no request is open and no message is in flight" },
    CommandSpec {
        name: "status",
        arguments: "",
        summary: "roles, configuration, faults, partition, in flight, open requests, time",
    },
    CommandSpec {
        name: "node",
        arguments: "<id>",
        summary: "one node: role, replica table, configuration view, requests",
    },
    CommandSpec { name: "token", arguments: "<id>", summary: "one token's value on every replica" },
    CommandSpec {
        name: "fault",
        arguments: "<node> <send|receive|both> [ratio]",
        summary: "the node loses that share of its messages (1 when left out: silent)",
    },
    CommandSpec { name: "heal", arguments: "<node>", summary: "the node loses no more messages" },
    CommandSpec {
        name: "crash",
        arguments: "<node>",
        summary: "the node goes down: it loses its requests and volatile state",
    },
    CommandSpec { name: "restart", arguments: "<node>", summary: "a crashed node comes back from its durable state" },
    CommandSpec { name: "partition", arguments: "<nodes...>", summary: "cut these nodes off from the rest" },
    CommandSpec { name: "repair", arguments: "", summary: "end the partition" },
    CommandSpec { name: "history", arguments: "", summary: "every request so far and its answer" },
    CommandSpec { name: "rerun", arguments: "", summary: "rerun the completed requests without faults and compare" },
    CommandSpec {
        name: "save",
        arguments: "<file>",
        summary: "write this session's commands as a script that replays it",
    },
    CommandSpec { name: "help", arguments: "", summary: "this list" },
    CommandSpec { name: "quit", arguments: "", summary: "end the session (so does end of input)" },
];

/// A line that is not a command, or a command written wrongly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// A word that is no command but close to one.
    #[error("unknown command `{word}`; did you mean `{suggestion}`?")]
    Misspelt {
        /// What was typed.
        word: String,
        /// The closest command.
        suggestion: &'static str,
    },
    /// A word that is no command and close to none.
    #[error("unknown command `{word}`; type `help` for the list of commands")]
    Unknown {
        /// What was typed.
        word: String,
    },
    /// Too few or too many arguments.
    #[error("{command}: {problem}; usage: {command} {arguments}")]
    Arguments {
        /// The command.
        command: &'static str,
        /// What is wrong.
        problem: String,
        /// How the command is written.
        arguments: &'static str,
    },
    /// An argument that cannot be read as what it should be.
    #[error("{command}: `{value}` is not {expected}; usage: {command} {arguments}")]
    BadValue {
        /// The command.
        command: &'static str,
        /// The argument as typed.
        value: String,
        /// What was expected there.
        expected: &'static str,
        /// How the command is written.
        arguments: &'static str,
    },
}

/// Parse one line: `Ok(None)` for a blank line or a `#` comment.
pub fn parse(line: &str) -> Result<Option<Command>, CommandError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut words = line.split_whitespace();
    let word = words.next().expect("a non-blank line has a word");
    let arguments: Vec<&str> = words.collect();
    let spec = lookup(word)?;
    Args { spec, words: &arguments }.command().map(Some)
}

/// The spec of command `word` (or its alias), or why there is none.
fn lookup(word: &str) -> Result<&'static CommandSpec, CommandError> {
    let name = match word {
        "exit" => "quit",
        "?" => "help",
        other => other,
    };
    if let Some(spec) = COMMANDS.iter().find(|spec| spec.name == name) {
        return Ok(spec);
    }
    match suggest(word) {
        Some(suggestion) => Err(CommandError::Misspelt { word: word.to_string(), suggestion }),
        None => Err(CommandError::Unknown { word: word.to_string() }),
    }
}

/// The command closest to `word`, if one is close: the first that `word` begins, or else
/// the nearest within two edits (one for short words).
pub fn suggest(word: &str) -> Option<&'static str> {
    let word = word.to_lowercase();
    let limit = if word.chars().count() <= 3 { 1 } else { 2 };
    let by_distance = COMMANDS
        .iter()
        .map(|spec| (strsim::damerau_levenshtein(&word, spec.name), spec.name))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name);
    let by_prefix = || COMMANDS.iter().find(|spec| word.len() >= 2 && spec.name.starts_with(&word)).map(|s| s.name);
    by_prefix().or(by_distance)
}

/// One command's argument words, read against its spec.
struct Args<'a> {
    spec: &'static CommandSpec,
    words: &'a [&'a str],
}

impl Args<'_> {
    fn command(&self) -> Result<Command, CommandError> {
        let command = match self.spec.name {
            "gettokens" => {
                self.count(2, 2)?;
                Command::GetTokens { client: self.node(0)?, owner: self.node(1)? }
            }
            "pay" => {
                self.count(3, 3)?;
                Command::Pay { client: self.node(0)?, token: self.token(1)?, to: self.node(2)? }
            }
            "become-server" => {
                let (node, via) = self.role_change()?;
                Command::BecomeServer { node, via }
            }
            "become-client" => {
                let (node, via) = self.role_change()?;
                Command::BecomeClient { node, via }
            }
            "step" => {
                self.count(0, 1)?;
                Command::Step { count: if self.words.is_empty() { 1 } else { self.step_count(0)? } }
            }
            "run" => {
                self.count(1, 1)?;
                Command::Run { duration_us: self.duration(0)? }
            }
            "node" => {
                self.count(1, 1)?;
                Command::Node { id: self.node(0)? }
            }
            "token" => {
                self.count(1, 1)?;
                Command::Token { id: self.token(0)? }
            }
            "fault" => self.fault()?,
            "heal" => {
                self.count(1, 1)?;
                Command::Heal { node: self.node(0)? }
            }
            "crash" => {
                self.count(1, 1)?;
                Command::Crash { node: self.node(0)? }
            }
            "restart" => {
                self.count(1, 1)?;
                Command::Restart { node: self.node(0)? }
            }
            "partition" => {
                self.count(1, usize::MAX)?;
                let nodes = (0..self.words.len()).map(|index| self.node(index)).collect::<Result<_, _>>()?;
                Command::Partition { nodes }
            }
            "save" => {
                self.count(1, 1)?;
                Command::Save { path: self.words[0].to_string() }
            }
            name => {
                self.count(0, 0)?;
                Self::bare(name)
            }
        };
        Ok(command)
    }

    /// A command without arguments.
    fn bare(name: &str) -> Command {
        match name {
            "settle" => Command::Settle,
            "status" => Command::Status,
            "repair" => Command::Repair,
            "history" => Command::History,
            "rerun" => Command::Rerun,
            "help" => Command::Help,
            "quit" => Command::Quit,
            other => unreachable!("every command of COMMANDS is parsed: {other}"),
        }
    }

    /// `<node> [via <client>]`.
    fn role_change(&self) -> Result<(NodeId, Option<NodeId>), CommandError> {
        match self.words.len() {
            1 => Ok((self.node(0)?, None)),
            3 if self.words[1] == "via" => Ok((self.node(0)?, Some(self.node(2)?))),
            3 => Err(self.bad_value(1, "the word `via`")),
            _ => Err(self.arguments(format!("expected 1 or 3 arguments, found {}", self.words.len()))),
        }
    }

    fn fault(&self) -> Result<Command, CommandError> {
        self.count(2, 3)?;
        let kind = match self.words[1] {
            "send" => OmissionKind::Send,
            "receive" => OmissionKind::Receive,
            "both" => OmissionKind::Both,
            _ => return Err(self.bad_value(1, "a direction: `send`, `receive` or `both`")),
        };
        let ratio = match self.words.get(2) {
            None => Ratio::ALWAYS,
            Some(text) => {
                text.parse().map_err(|_| self.bad_value(2, "a ratio between 0 and 1, such as 1/3, 30% or 1"))?
            }
        };
        Ok(Command::Fault { node: self.node(0)?, kind, ratio })
    }

    fn count(&self, min: usize, max: usize) -> Result<(), CommandError> {
        let found = self.words.len();
        if (min..=max).contains(&found) {
            return Ok(());
        }
        let expected = match (min, max) {
            (0, 0) => "no arguments".to_string(),
            (min, usize::MAX) => format!("at least {min} {}", plural(min, "argument")),
            (min, max) if min == max => format!("{min} {}", plural(min, "argument")),
            (min, max) => format!("{min} to {max} arguments"),
        };
        Err(self.arguments(format!("expected {expected}, found {found}")))
    }

    fn node(&self, index: usize) -> Result<NodeId, CommandError> {
        number(self.words[index], 'n').map(NodeId).ok_or_else(|| self.bad_value(index, "a node id (such as 3 or n3)"))
    }

    fn token(&self, index: usize) -> Result<TokenId, CommandError> {
        number(self.words[index], 't').map(TokenId).ok_or_else(|| self.bad_value(index, "a token id (such as 5 or t5)"))
    }

    fn step_count(&self, index: usize) -> Result<u64, CommandError> {
        let count = self.words[index].parse::<u64>().ok().filter(|&count| count >= 1);
        count.ok_or_else(|| self.bad_value(index, "a count of events (1 or more)"))
    }

    fn duration(&self, index: usize) -> Result<u64, CommandError> {
        parse_duration_us(self.words[index])
            .ok_or_else(|| self.bad_value(index, "a duration with its unit, such as 500ms, 2s or 100us"))
    }

    fn arguments(&self, problem: String) -> CommandError {
        CommandError::Arguments { command: self.spec.name, problem, arguments: self.spec.arguments }
    }

    fn bad_value(&self, index: usize, expected: &'static str) -> CommandError {
        let (command, arguments) = (self.spec.name, self.spec.arguments);
        CommandError::BadValue { command, value: self.words[index].to_string(), expected, arguments }
    }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// `3` or `n3` (with `prefix` = 'n'): a 32-bit id.
fn number(text: &str, prefix: char) -> Option<u32> {
    let digits = text.strip_prefix(prefix).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `500ms`, `2s`, `1.5s`, `100us`: simulated microseconds (at most one day). A fraction is
/// allowed where it comes to whole microseconds (`0.25ms`, not `0.5us`).
pub fn parse_duration_us(text: &str) -> Option<u64> {
    const DAY_US: u64 = 86_400_000_000;
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (number, unit) = text.split_at(split);
    let scale: u64 = match unit {
        "us" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        _ => return None,
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    if !digits(whole) || (number.contains('.') && !digits(fraction)) || fraction.len() > 6 {
        return None;
    }
    let whole_us = whole.parse::<u64>().ok()?.checked_mul(scale)?;
    // The fraction in millionths, scaled: it must come out whole in microseconds.
    let millionths: u64 = format!("{fraction:0<6}").parse().ok()?;
    let fraction_scaled = millionths * scale;
    if fraction_scaled % 1_000_000 != 0 {
        return None;
    }
    whole_us.checked_add(fraction_scaled / 1_000_000).filter(|&us| us <= DAY_US)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_with_bare_or_prefixed_ids() {
        let pay = Command::Pay { client: NodeId(1), token: TokenId(3), to: NodeId(2) };
        assert_eq!(parse("pay 1 3 2"), Ok(Some(pay.clone())));
        assert_eq!(parse("  pay n1 t3 n2 "), Ok(Some(pay)));
        let promote = Command::BecomeServer { node: NodeId(4), via: Some(NodeId(2)) };
        assert_eq!(parse("become-server 4 via 2"), Ok(Some(promote)));
        assert_eq!(parse("# a comment"), Ok(None));
        assert_eq!(parse(""), Ok(None));
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration_us("500ms"), Some(500_000));
        assert_eq!(parse_duration_us("2s"), Some(2_000_000));
        assert_eq!(parse_duration_us("100us"), Some(100));
        assert_eq!(parse_duration_us("1.5s"), Some(1_500_000));
        assert_eq!(parse_duration_us("0.25ms"), Some(250));
        assert_eq!(parse_duration_us("2.000001s"), Some(2_000_001));
        for bad in ["5", "ms", "-1s", "2h", "99999999999999999999s", "0.5us", "1.0000001s", ".5s", "1.s", "1..5s"] {
            assert_eq!(parse_duration_us(bad), None, "{bad}");
        }
    }

    #[test]
    fn misspelt_commands_get_a_suggestion() {
        let error = parse("gettoken 1 2").unwrap_err();
        assert_eq!(error.to_string(), "unknown command `gettoken`; did you mean `gettokens`?");
        assert_eq!(suggest("becomeserver"), Some("become-server"));
        assert_eq!(suggest("stat"), Some("status"));
        assert_eq!(suggest("frobnicate"), None);
    }

    #[test]
    fn wrong_arguments_say_how_the_command_is_written() {
        let error = parse("pay 1 x 2").unwrap_err();
        assert_eq!(error.to_string(), "pay: `x` is not a token id (such as 5 or t5); usage: pay <client> <token> <to>");
        let error = parse("gettokens 1").unwrap_err();
        assert_eq!(error.to_string(), "gettokens: expected 2 arguments, found 1; usage: gettokens <client> <owner>");
    }
}
