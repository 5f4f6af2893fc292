//! Why a scenario cannot be run, and where in its file the mistake is.

use std::fmt;

/// A place in a scenario file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` of `text` (clamped to the text, and to a character
    /// boundary).
    pub fn of_offset(text: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Location { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A scenario that cannot be run, and why. Every message names the file (`origin`), and,
/// where the text has them, the line, column and key: `file.toml:3:11: world.servers: ...`.
/// That first line is the whole message for scripts (`head -1`); when the error came from a
/// text, the lines after it quote the offending line with a caret under the mistake.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file cannot be read: missing, a directory, too large, or not UTF-8.
    #[error("{origin}: {problem}")]
    Unreadable {
        /// The file name.
        origin: String,
        /// What is wrong.
        problem: String,
    },
    /// The file holds nothing but whitespace and comments: surely a mistake.
    #[error("{origin}: the file is empty; a scenario needs at least a `name` (see sim-scenarios/README.md)")]
    Empty {
        /// The file name, or a label for embedded text.
        origin: String,
    },
    /// The text is not TOML, or not of the scenario's shape (an unknown key, a wrong type,
    /// a missing key).
    #[error("{}", located(origin, location, key.as_deref(), message, excerpt))]
    Parse {
        /// The file name, or a label for embedded text.
        origin: String,
        /// Where the parser stopped.
        location: Option<Location>,
        /// The dotted key the mistake is in, when the text parsed far enough to tell.
        key: Option<String>,
        /// The parser's message.
        message: String,
        /// The offending line of the text, quoted with a caret under the mistake (boxed, to
        /// keep the error small).
        excerpt: Option<Box<str>>,
    },
    /// A value is out of range or inconsistent with the rest.
    #[error("{}", located(origin, location, Some(key), problem, excerpt))]
    Invalid {
        /// The file name, or a label for embedded text.
        origin: String,
        /// Where the offending value is, when the scenario came from text.
        location: Option<Location>,
        /// The offending key, dotted (`world.servers`, `faults[1].server`).
        key: String,
        /// What is wrong and what was expected.
        problem: String,
        /// The offending line of the text, quoted with a caret under the value (boxed, to
        /// keep the error small).
        excerpt: Option<Box<str>>,
    },
}

/// `file:line:col: key: message`, then the quoted line, if any, on the lines after it.
fn located(
    origin: &str,
    location: &Option<Location>,
    key: Option<&str>,
    message: &str,
    excerpt: &Option<Box<str>>,
) -> String {
    let place = match location {
        Some(location) => format!("{origin}:{location}"),
        None => origin.to_string(),
    };
    let first = match key {
        Some(key) => format!("{place}: {key}: {message}"),
        None => format!("{place}: {message}"),
    };
    match excerpt {
        Some(excerpt) => format!("{first}\n{excerpt}"),
        None => first,
    }
}

/// A validation failure before it is placed in a file: the dotted key and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) key: String,
    pub(crate) problem: String,
}

impl Problem {
    pub(crate) fn new(key: impl Into<String>, problem: impl Into<String>) -> Problem {
        Problem { key: key.into(), problem: problem.into() }
    }

    /// The error, placed at `location` of `origin` (with `excerpt`, its line quoted), if known.
    pub(crate) fn into_error(
        self,
        origin: &str,
        location: Option<Location>,
        excerpt: Option<Box<str>>,
    ) -> ScenarioError {
        ScenarioError::Invalid { origin: origin.to_string(), location, key: self.key, problem: self.problem, excerpt }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(Location::of_offset(text, 0), Location { line: 1, column: 1 });
        assert_eq!(Location::of_offset(text, 6), Location { line: 2, column: 1 });
        // 'é' is two bytes but one column; offset 10 is the '='.
        assert_eq!(Location::of_offset(text, 10), Location { line: 2, column: 4 });
        assert_eq!(Location::of_offset(text, 8), Location { line: 2, column: 2 }, "inside 'é' rounds down");
        assert_eq!(Location::of_offset(text, 999), Location { line: 3, column: 1 });
    }
}
