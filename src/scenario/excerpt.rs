//! The line of a scenario file that an error is about, quoted with a caret under the part at
//! fault, as compilers show it:
//!
//! ```text
//!   |
//! 4 | servrs = 5
//!   | ^^^^^^
//! ```
//!
//! Only the one line is quoted, whatever the span covers: a table's span can run for pages,
//! and one line is enough to find the place.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::ops::Range;

/// The line of `text` that holds byte `span.start`, quoted, with carets under the part of
/// `span` on that line (one caret at least). Plain text, no colours: it goes into error
/// messages that scripts and tests read.
pub(crate) fn excerpt(text: &str, span: Range<usize>) -> Box<str> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |newline| newline + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |newline| start + newline);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let number = text[..line_start].matches('\n').count() + 1;
    let from = (start - line_start).min(line.len());
    // A span that starts at the end of the line (a missing value, the end of the file) gets
    // a caret just past the last character.
    let mut to = span.end.saturating_sub(line_start).clamp(from, line.len());
    while !line.is_char_boundary(to) {
        to += 1;
    }
    if to == from {
        to = line[from..].chars().next().map_or(from, |c| from + c.len_utf8());
    }
    let snippet = Snippet::source(line).line_start(number).annotation(AnnotationKind::Primary.span(from..to));
    let report = [Group::with_level(Level::ERROR).element(snippet)];
    let rendered = Renderer::plain().render(&report);
    // The renderer ends each line as it likes; keep the lines, drop trailing blanks.
    rendered.lines().map(str::trim_end).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n").into()
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn the_line_is_quoted_with_carets_under_the_span() {
        let text = "name = \"x\"\n[world]\nservrs = 5\n";
        let start = text.find("servrs").unwrap();
        assert_eq!(&*excerpt(text, start..start + 6), "  |\n3 | servrs = 5\n  | ^^^^^^");
    }

    #[test]
    fn a_span_over_several_lines_quotes_its_first_line_only() {
        let text = "[world]\nservers = 9\nclients = 2\n";
        assert_eq!(&*excerpt(text, 0..text.len()), "  |\n1 | [world]\n  | ^^^^^^^");
    }

    #[test]
    fn an_empty_span_or_one_at_the_end_still_points_somewhere() {
        let text = "name = \"unterminated\nx";
        let excerpt_at_end = excerpt(text, text.len()..text.len());
        assert!(excerpt_at_end.contains("2 | x"), "{excerpt_at_end}");
        assert!(excerpt_at_end.ends_with('^'), "{excerpt_at_end}");
        assert!(excerpt("a = 1\r\n", 5..6).contains("1 | a = 1"));
        assert!(excerpt("\n\n", 1..1).contains("2 |"));
        let wide = "é = 1\n";
        assert!(excerpt(wide, 0..0).ends_with("| ^"), "{}", excerpt(wide, 0..0));
    }

    #[test]
    fn no_span_of_any_text_panics() {
        let text = "é = \"ü\"\r\n\n[t]\r\nx = 1";
        for start in 0..=text.len() + 2 {
            for end in 0..=text.len() + 2 {
                let quoted = excerpt(text, start..end);
                assert!(quoted.contains('^'), "{start}..{end}: {quoted}");
            }
        }
    }
}
