//! Where each key of a scenario file is: built from `toml_edit`'s span-keeping parse, so
//! that errors found after deserializing (a value out of range) can still name a line and
//! column, and parse errors (a span) can name their key.

use std::ops::Range;
use toml_edit::{ImDocument, Item, Value};

/// One key of the file: its dotted path (`faults[1].server`), the span of the key and of
/// its value.
struct Entry {
    path: String,
    key: Option<Range<usize>>,
    value: Option<Range<usize>>,
}

/// Every key of a parsed file, in document order.
pub(crate) struct Spans {
    entries: Vec<Entry>,
}

impl Spans {
    /// The keys of `text`; `None` if `text` is not TOML.
    pub(crate) fn of(text: &str) -> Option<Spans> {
        let document = ImDocument::parse(text).ok()?;
        let mut entries = Vec::new();
        collect_item(document.as_item(), "", &mut entries);
        Some(Spans { entries })
    }

    /// The span of `path`'s value (or key); failing that, of its nearest written ancestor.
    pub(crate) fn locate(&self, path: &str) -> Option<Range<usize>> {
        let mut path = path;
        loop {
            if let Some(entry) = self.entries.iter().find(|entry| entry.path == path) {
                if let Some(span) = entry.value.clone().or_else(|| entry.key.clone()) {
                    return Some(span);
                }
            }
            path = parent(path)?;
        }
    }

    /// `path` as the file writes it: a key read under an alias (`faults[0].server` for
    /// `faults[0].node`) is named the way its author wrote it.
    pub(crate) fn as_written(&self, path: &str) -> String {
        let written = |path: &str| self.entries.iter().any(|entry| entry.path == path);
        if written(path) {
            return path.to_string();
        }
        for (name, alias) in ALIASES {
            if let Some(stem) = path.strip_suffix(name).filter(|stem| stem.ends_with('.')) {
                let aliased = format!("{stem}{alias}");
                if written(&aliased) {
                    return aliased;
                }
            }
        }
        path.to_string()
    }

    /// The deepest key whose key or value span holds byte `offset`.
    pub(crate) fn key_at(&self, offset: usize) -> Option<&str> {
        let holds = |span: &Option<Range<usize>>| span.as_ref().is_some_and(|s| s.start <= offset && offset < s.end);
        self.entries
            .iter()
            .filter(|entry| holds(&entry.key) || holds(&entry.value))
            .max_by_key(|entry| entry.path.len())
            .map(|entry| entry.path.as_str())
    }

    /// Whether the file has no keys at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Keys read under another name too (serde aliases of the format): (name, alias).
const ALIASES: [(&str, &str); 1] = [("node", "server")];

/// `a.b[2].c` -> `a.b[2]` -> `a.b` -> `a` -> none.
fn parent(path: &str) -> Option<&str> {
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn collect_item(item: &Item, path: &str, entries: &mut Vec<Entry>) {
    match item {
        Item::Table(table) => {
            for (name, _) in table.iter() {
                let Some((key, child)) = table.get_key_value(name) else { continue };
                let child_path = join(path, name);
                entries.push(Entry { path: child_path.clone(), key: key.span(), value: child.span() });
                collect_item(child, &child_path, entries);
            }
        }
        Item::ArrayOfTables(array) => {
            for (index, table) in array.iter().enumerate() {
                let child_path = format!("{path}[{index}]");
                entries.push(Entry { path: child_path.clone(), key: None, value: table.span() });
                collect_item(&Item::Table(table.clone()), &child_path, entries);
            }
        }
        Item::Value(value) => collect_value(value, path, entries),
        Item::None => {}
    }
}

fn collect_value(value: &Value, path: &str, entries: &mut Vec<Entry>) {
    match value {
        Value::Array(array) => {
            for (index, element) in array.iter().enumerate() {
                let child_path = format!("{path}[{index}]");
                entries.push(Entry { path: child_path.clone(), key: None, value: element.span() });
                collect_value(element, &child_path, entries);
            }
        }
        Value::InlineTable(table) => {
            for (name, _) in table.iter() {
                let Some((key, child)) = table.get_key_value(name) else { continue };
                let child_path = join(path, name);
                entries.push(Entry { path: child_path.clone(), key: key.span(), value: child.span() });
                collect_item(child, &child_path, entries);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "seed = 3\n[world]\nservers = 8\n[[faults]]\nserver = 7\n[[faults]]\nserver = 9\n\
                        [[requests]]\npay = { token = 4, to = 2 }\n";

    fn text_at(span: Range<usize>) -> &'static str {
        &TEXT[span]
    }

    #[test]
    fn keys_are_found_by_dotted_path() {
        let spans = Spans::of(TEXT).unwrap();
        assert_eq!(text_at(spans.locate("world.servers").unwrap()), "8");
        assert_eq!(text_at(spans.locate("faults[1].server").unwrap()), "9");
        assert_eq!(text_at(spans.locate("requests[0].pay.token").unwrap()), "4");
        assert!(text_at(spans.locate("world.clients").unwrap()).starts_with("[world]"), "falls back to the table");
    }

    #[test]
    fn keys_read_under_an_alias_are_named_as_written() {
        let spans = Spans::of(TEXT).unwrap();
        assert_eq!(spans.as_written("faults[1].node"), "faults[1].server");
        assert_eq!(spans.as_written("world.servers"), "world.servers");
        assert_eq!(spans.as_written("faults[3].node"), "faults[3].node", "not written at all");
    }

    #[test]
    fn offsets_are_traced_back_to_their_key() {
        let spans = Spans::of(TEXT).unwrap();
        let nine = TEXT.find("9").unwrap();
        assert_eq!(spans.key_at(nine), Some("faults[1].server"));
        assert_eq!(spans.key_at(TEXT.find("to =").unwrap()), Some("requests[0].pay.to"));
    }
}
