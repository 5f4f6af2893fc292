//! Small helpers for the text every layer writes for people.

/// `n` with the noun that agrees with it: "1 request", "2 requests", "0 requests".
pub fn count(n: u64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        _ => format!("{n} {many}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(super::count(1, "pay was", "pays were"), "1 pay was");
        assert_eq!(super::count(0, "pay was", "pays were"), "0 pays were");
        assert_eq!(super::count(3, "message", "messages"), "3 messages");
    }
}
