//! The one command that reproduces a seed: what every failure prints.

use crate::protocol::Variant;

/// How a scenario was named on the command line: enough to write the command that runs one
/// of its seeds again, with the same flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The scenario file as given; `None` for the embedded default scenario.
    pub path: Option<String>,
    /// The `--variant` given, if one was (a scenario file's own variant needs no flag).
    pub variant: Option<Variant>,
    /// The `--max-events` given, if one was.
    pub max_events: Option<u64>,
    /// The `--max-events-between-answers` given, if one was.
    pub max_events_between_answers: Option<u64>,
}

impl Origin {
    /// The scenario's name for error messages: its path, or `default.toml`.
    pub fn name(&self) -> &str {
        self.path.as_deref().unwrap_or("default.toml")
    }

    /// `tokensim run [PATH] --seed N [--swarm] [--variant NAME] [--max-events N]
    /// [--max-events-between-answers N]`.
    pub fn reproduce_command(&self, seed: u64, swarm: bool) -> String {
        let mut command = "tokensim run".to_string();
        if let Some(path) = &self.path {
            command.push(' ');
            command.push_str(&shell_quoted(path));
        }
        command.push_str(&format!(" --seed {seed}"));
        if swarm {
            command.push_str(" --swarm");
        }
        if let Some(variant) = self.variant {
            command.push_str(&format!(" --variant {variant}"));
        }
        if let Some(max_events) = self.max_events {
            command.push_str(&format!(" --max-events {max_events}"));
        }
        if let Some(between) = self.max_events_between_answers {
            command.push_str(&format!(" --max-events-between-answers {between}"));
        }
        command
    }
}

/// `text` as one shell word: as it is when that is safe, else in single quotes.
pub fn shell_quoted(text: &str) -> String {
    let safe = !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c));
    match safe {
        true => text.to_string(),
        false => format!("'{}'", text.replace('\'', r"'\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_carry_the_flags_given_and_quote_odd_paths() {
        let origin = Origin {
            path: Some("my scenarios/it's.toml".into()),
            variant: Some(Variant::Correct),
            max_events: Some(9),
            max_events_between_answers: Some(4),
        };
        assert_eq!(
            origin.reproduce_command(7, true),
            r"tokensim run 'my scenarios/it'\''s.toml' --seed 7 --swarm --variant correct --max-events 9 --max-events-between-answers 4"
        );
        assert_eq!(Origin::default().reproduce_command(3, false), "tokensim run --seed 3");
    }
}
