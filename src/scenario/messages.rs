//! The parser's messages, reworded for people: Rust's type names become what to write, and
//! a misspelt key or name gets the nearest accepted one.

/// `message` (the TOML parser's, lines joined) as people read it.
pub(crate) fn for_people(message: &str) -> String {
    let mut message = message.to_string();
    for (machine, person) in
        [("expected u64", "expected a whole number, 0 or more"), ("expected u32", "expected a whole number, 0 or more")]
    {
        message = message.replace(machine, person);
    }
    if let Some(suggestion) = did_you_mean(&message) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    }
    message
}

/// For serde's "unknown field `clinets`, expected one of `servers`, `clients`, ..." (or
/// "unknown variant"), the accepted name nearest the one written, if one is near enough to
/// be a slip of the fingers.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = ["unknown field `", "unknown variant `"].iter().find_map(|prefix| {
        let at = message.find(prefix)?;
        Some(&message[at + prefix.len()..])
    })?;
    let (written, rest) = rest.split_once('`')?;
    let expected = rest.strip_prefix(", expected ")?;
    let expected = expected.strip_prefix("one of ").unwrap_or(expected);
    let accepted = expected.split(", ").filter_map(|name| name.trim().strip_prefix('`')?.strip_suffix('`'));
    nearest(written, accepted).map(str::to_string)
}

/// The candidate nearest `written` by edit distance (a swap of two neighbours counting as
/// one edit), if it is within a third of the name's length (and at least one edit).
pub(crate) fn nearest<'a>(written: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let allowed = (written.chars().count() / 3).max(1);
    candidates
        .map(|candidate| (strsim::damerau_levenshtein(written, candidate), candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_key_gets_the_nearest_field() {
        let message = "unknown field `clinets`, expected one of `servers`, `clients`, `tokens_per_client`, `owners`";
        assert_eq!(for_people(message), format!("{message}; did you mean `clients`?"));
        let one = "unknown field `sever`, expected `server`";
        assert_eq!(did_you_mean(one).as_deref(), Some("server"));
    }

    #[test]
    fn a_name_far_from_every_field_gets_no_guess() {
        assert_eq!(did_you_mean("unknown field `colour`, expected one of `servers`, `clients`"), None);
        assert_eq!(did_you_mean("invalid type: string \"five\", expected u32"), None);
    }

    #[test]
    fn machine_types_are_reworded() {
        assert_eq!(for_people("invalid value: integer `-5`, expected u64"), {
            "invalid value: integer `-5`, expected a whole number, 0 or more"
        });
    }
}
