//! Schedules as data: the scheduler's choices, one per step, written so that a person can
//! read them and a scenario can carry them.
//!
//! At each step of a run some events are pending (messages on their way, timers, requests
//! and fault events due). A [`Choice`] says which of them happens next, counting the
//! distinct pending events in the order the timed scheduler would take them (so choice `0`
//! is "what would have happened anyway" and a larger number is a reordering), and, for a
//! message, whether it is lost instead of delivered. A [`Schedule`] is the list of them,
//! written `0 0 3 1x 0` (`x`: lost).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One step of a schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Choice {
    /// Which pending event happens: its position among the distinct pending events, in the
    /// timed scheduler's order (0: the one it would take).
    pub pick: u32,
    /// For a message: it is lost instead of delivered.
    pub lose: bool,
}

/// The scheduler's choices, one per step, from the start of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Schedule {
    /// The choices, in order.
    pub choices: Vec<Choice>,
}

/// Why a text is not a schedule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("choice {index} `{word}`: expected a number of a pending event, optionally followed by `x` for a lost message, like `0 3 1x`")]
pub struct ScheduleSyntax {
    /// The position of the bad choice, from 1.
    pub index: usize,
    /// The bad word.
    pub word: String,
}

impl Schedule {
    /// How many choices lose a message.
    pub fn losses(&self) -> usize {
        self.choices.iter().filter(|choice| choice.lose).count()
    }

    /// How many choices pick something else than the timed scheduler would.
    pub fn reorderings(&self) -> usize {
        self.choices.iter().filter(|choice| choice.pick > 0).count()
    }
}

impl FromStr for Schedule {
    type Err = ScheduleSyntax;

    fn from_str(text: &str) -> Result<Schedule, ScheduleSyntax> {
        let mut choices = Vec::new();
        for (index, word) in text.split_whitespace().enumerate() {
            let bad = || ScheduleSyntax { index: index + 1, word: word.to_string() };
            let (number, lose) = match word.strip_suffix('x') {
                Some(number) => (number, true),
                None => (word, false),
            };
            let pick = number.parse().map_err(|_| bad())?;
            choices.push(Choice { pick, lose });
        }
        Ok(Schedule { choices })
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, choice) in self.choices.iter().enumerate() {
            let space = if index == 0 { "" } else { " " };
            let lost = if choice.lose { "x" } else { "" };
            write!(f, "{space}{}{lost}", choice.pick)?;
        }
        Ok(())
    }
}

impl TryFrom<String> for Schedule {
    type Error = ScheduleSyntax;
    fn try_from(text: String) -> Result<Schedule, ScheduleSyntax> {
        text.parse()
    }
}

impl From<Schedule> for String {
    fn from(schedule: Schedule) -> String {
        schedule.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_round_trip_and_bad_words_are_named() {
        let schedule: Schedule = "0 0 3 1x  0".parse().unwrap();
        assert_eq!(schedule.choices.len(), 5);
        assert_eq!(schedule.choices[3], Choice { pick: 1, lose: true });
        assert_eq!(schedule.to_string(), "0 0 3 1x 0");
        assert_eq!((schedule.losses(), schedule.reorderings()), (1, 2));
        let error = "0 two 1".parse::<Schedule>().unwrap_err().to_string();
        assert!(error.starts_with("choice 2 `two`: expected a number"), "{error}");
        assert_eq!("".parse::<Schedule>().unwrap(), Schedule::default());
    }
}
