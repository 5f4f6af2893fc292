//! Probabilities as integer ratios, so a run draws the same on every platform.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A probability as an integer ratio, so a run draws the same on every platform.
///
/// Written `"N/D"` or `"P%"` in scenario files: `"1/2"`, `"30%"`, `"0"`, `"1"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Ratio {
    /// How many chances in `denominator`.
    pub numerator: u32,
    /// Never zero; at most `numerator` means certain.
    pub denominator: u32,
}

/// Why a string is not a [`Ratio`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected a ratio like \"1/2\", \"30%\", \"0\" or \"1\" between 0 and 1, found \"{0}\"")]
pub struct RatioError(String);

impl Ratio {
    /// Never.
    pub const NEVER: Ratio = Ratio { numerator: 0, denominator: 1 };
    /// Always.
    pub const ALWAYS: Ratio = Ratio { numerator: 1, denominator: 1 };

    /// `numerator / denominator`; `None` unless `0 <= numerator <= denominator` and `denominator > 0`.
    pub fn new(numerator: u32, denominator: u32) -> Option<Ratio> {
        (denominator > 0 && numerator <= denominator).then_some(Ratio { numerator, denominator })
    }

    /// Whether this ratio never happens.
    pub fn is_never(&self) -> bool {
        self.numerator == 0
    }
}

impl FromStr for Ratio {
    type Err = RatioError;

    fn from_str(text: &str) -> Result<Ratio, RatioError> {
        let bad = || RatioError(text.to_string());
        let trimmed = text.trim();
        let (numerator, denominator) = if let Some(percent) = trimmed.strip_suffix('%') {
            (percent.trim().parse().map_err(|_| bad())?, 100)
        } else if let Some((top, bottom)) = trimmed.split_once('/') {
            (top.trim().parse().map_err(|_| bad())?, bottom.trim().parse().map_err(|_| bad())?)
        } else {
            (trimmed.parse().map_err(|_| bad())?, 1)
        };
        Ratio::new(numerator, denominator).ok_or_else(bad)
    }
}

/// What a ratio looks like when written, for the message about a value of the wrong type
/// (`link_loss = 0.1` in a scenario file: a float would not draw the same on every platform).
const WRITTEN_FORMS: &str = "a ratio written as a string, like \"1/10\", \"10%\", \"0\" or \"1\"";

/// Reads a ratio from its written string; any other type is refused with the forms that
/// are accepted.
struct RatioVisitor;

impl serde::de::Visitor<'_> for RatioVisitor {
    type Value = Ratio;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(WRITTEN_FORMS)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Ratio, E> {
        text.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Ratio, D::Error> {
        deserializer.deserialize_str(RatioVisitor)
    }
}

impl TryFrom<String> for Ratio {
    type Error = RatioError;
    fn try_from(text: String) -> Result<Ratio, RatioError> {
        text.parse()
    }
}

impl From<Ratio> for String {
    fn from(ratio: Ratio) -> String {
        ratio.to_string()
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_parse_in_every_written_form() {
        assert_eq!("1/2".parse(), Ok(Ratio { numerator: 1, denominator: 2 }));
        assert_eq!("30%".parse(), Ok(Ratio { numerator: 30, denominator: 100 }));
        assert_eq!("1".parse(), Ok(Ratio::ALWAYS));
        assert!("3/2".parse::<Ratio>().is_err());
        assert!("1/0".parse::<Ratio>().is_err());
        assert!("-1/2".parse::<Ratio>().is_err());
        assert!("half".parse::<Ratio>().is_err());
    }

    #[test]
    fn a_ratio_of_the_wrong_type_is_told_the_written_forms() {
        let error = serde_json::from_str::<Ratio>("0.1").unwrap_err().to_string();
        assert!(error.starts_with(&format!("invalid type: floating point `0.1`, expected {WRITTEN_FORMS}")), "{error}");
        assert_eq!(serde_json::from_str::<Ratio>("\"1/10\"").unwrap(), Ratio::new(1, 10).unwrap());
        let error = serde_json::from_str::<Ratio>("\"3/2\"").unwrap_err().to_string();
        assert!(error.contains("found \"3/2\""), "{error}");
    }
}
