//! Writing a shrunk case as a scenario file that reproduces the failure on its own.

use super::{Shrunk, Size};

/// The shrunk scenario as TOML, after a header comment saying what fails, the property,
/// where the case came from (`origin`: the command that reproduced the original failure)
/// and how it was shrunk, and how to run it (`path`: where the file is written).
pub fn render(shrunk: &Shrunk, origin: &str, path: &str) -> String {
    let body = inline_request_tables(&toml::to_string(&shrunk.scenario).expect("a scenario serialises to TOML"));
    let example = shrunk
        .verdict
        .violations
        .iter()
        .find(|violation| violation.property == shrunk.property)
        .map_or_else(String::new, |violation| one_line(&violation.to_string(), 300));
    let kept: Vec<String> = shrunk.kept.iter().map(|(pass, count)| format!("{pass} ({count})")).collect();
    let mut header = [
        format!("Shrunk by `tokensim shrink` from the failing run of: {origin}"),
        format!("Property broken: {} (variant {}, seed {})", shrunk.property, shrunk.scenario.variant, shrunk.seed),
        format!("It fails with: {example}"),
        format!("Shrunk from {} to {},", shrunk.original, Size::of(&shrunk.scenario)),
        format!("in {} checks; changes kept: {}.", shrunk.checks, kept.join(", ")),
        format!("Reproduce with: tokensim run {path}"),
        "(`[expect] violation` makes this file a kept reproduction: `run` passes, exit 0, while the failure"
            .to_string(),
        "reproduces, and fails, exit 1, once it does not.)".to_string(),
    ];
    header.iter_mut().for_each(|line| *line = format!("# {line}").trim_end().to_string());
    format!("{}\n\n{body}", header.join("\n"))
}

/// `text` on one line, at most `max_chars` characters.
fn one_line(text: &str, max_chars: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    }
}

/// Write each request's operation inline (`pay = { token = 0, to = 2 }`), as people do.
fn inline_request_tables(text: &str) -> String {
    let mut document: toml_edit::DocumentMut = text.parse().expect("serialised TOML parses");
    if let Some(requests) = document.get_mut("requests").and_then(toml_edit::Item::as_array_of_tables_mut) {
        for request in requests.iter_mut() {
            for (mut key, item) in request.iter_mut() {
                if let Some(table) = item.as_table() {
                    let mut inline = toml_edit::Value::InlineTable(table.clone().into_inline_table());
                    inline.decor_mut().set_prefix(" ");
                    key.leaf_decor_mut().set_suffix(" ");
                    *item = toml_edit::Item::Value(inline);
                }
            }
        }
    }
    document.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_cut_to_one_short_line_and_requests_are_written_inline() {
        assert_eq!(one_line("a\n  b c", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc...");
        let text = "[[requests]]\nat_ms = 0\nclient = 1\n\n[requests.pay]\ntoken = 0\nto = 2\n";
        assert_eq!(inline_request_tables(text), "[[requests]]\nat_ms = 0\nclient = 1\npay = { token = 0, to = 2 }\n");
    }
}
