//! Small helpers for the text every layer writes for people.

/// `n` with the noun that agrees with it: "1 request", "2 requests", "0 requests".
pub fn count(n: u64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        _ => format!("{n} {many}"),
    }
}

/// `text` safe to print on a terminal: every control character (escape, carriage return,
/// newline, ...) written as a Rust escape (`\u{1b}`, `\r`, `\n`), so that a name cannot
/// move the cursor, recolour the screen or forge a line of output. Validation refuses such
/// names in scenarios; this guards what comes from elsewhere (a hand-made trace, a library
/// caller).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let escaped =
        text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect();
    std::borrow::Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(super::count(1, "pay was", "pays were"), "1 pay was");
        assert_eq!(super::count(0, "pay was", "pays were"), "0 pays were");
        assert_eq!(super::count(3, "message", "messages"), "3 messages");
    }

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(super::printable("plain é"), "plain é");
        assert_eq!(super::printable("red\u{1b}[31m\r\nline\t"), "red\\u{1b}[31m\\r\\nline\\t");
    }
}
