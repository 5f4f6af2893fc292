//! Every file in `tests/bad-scenarios/` holds one mistake; reading it must fail with the
//! exact message in its snapshot (`tests/snapshots/`), naming the file, the line and column,
//! the key, and what was expected on its first line, then quoting the line at fault with a
//! caret under the mistake.

use std::path::Path;
use tokensim::scenario::{Scenario, ScenarioError};

fn bad_files() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/bad-scenarios exists")
        .map(|entry| entry.expect("a readable entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

fn error_of(name: &str) -> ScenarioError {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-scenarios").join(name);
    let text = std::fs::read_to_string(path).expect("a readable file");
    match Scenario::from_toml(&text, &format!("bad-scenarios/{name}")) {
        Ok(_) => panic!("bad-scenarios/{name} was accepted"),
        Err(error) => error,
    }
}

#[test]
fn every_bad_scenario_gets_its_exact_error() {
    let names = bad_files();
    assert!(names.len() >= 20, "only {} bad scenarios found", names.len());
    for name in names {
        let message = error_of(&name).to_string();
        insta::assert_snapshot!(name.trim_end_matches(".toml"), message);
    }
}

#[test]
fn every_error_but_an_empty_file_has_a_line_and_column() {
    for name in bad_files() {
        let message = error_of(&name).to_string();
        let prefix = format!("bad-scenarios/{name}:");
        if matches!(error_of(&name), ScenarioError::Empty { .. }) {
            continue;
        }
        let rest = message.strip_prefix(&prefix).unwrap_or_else(|| panic!("{message} does not start with {prefix}"));
        let mut parts = rest.splitn(3, ':');
        let (line, column) = (parts.next().unwrap(), parts.next().unwrap_or(""));
        assert!(line.parse::<u32>().is_ok() && column.parse::<u32>().is_ok(), "no line:column in {message}");
    }
}

#[test]
fn range_errors_point_at_the_offending_value() {
    let error = error_of("servers-out-of-range.toml");
    assert_eq!(
        error.to_string(),
        "bad-scenarios/servers-out-of-range.toml:4:11: world.servers: expected 3 to 7 servers, found 8\n  |\n\
         4 | servers = 8\n  |           ^"
    );
}

#[test]
fn every_located_error_quotes_its_line_with_a_caret_at_its_column() {
    for name in bad_files() {
        let message = error_of(&name).to_string();
        let Some((first, excerpt)) = message.split_once('\n') else {
            assert!(matches!(error_of(&name), ScenarioError::Empty { .. }), "{name}: no excerpt in {message}");
            continue;
        };
        let mut place = first.split(':').skip(1);
        let line: usize = place.next().unwrap().parse().unwrap();
        let column: usize = place.next().unwrap().parse().unwrap();
        let lines: Vec<&str> = excerpt.lines().collect();
        assert_eq!(lines.len(), 3, "{name}: {excerpt}");
        let (quoted, carets) = (lines[1], lines[2]);
        let gutter = quoted.find(" | ").unwrap_or_else(|| panic!("{name}: {quoted}")) + 3;
        assert_eq!(quoted[..gutter - 3].trim(), line.to_string(), "{name}: the quoted line is the one named");
        let file =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-scenarios").join(&name));
        assert_eq!(&quoted[gutter..], file.unwrap().lines().nth(line - 1).unwrap().trim_end(), "{name}");
        let caret = carets.find('^').unwrap_or_else(|| panic!("{name}: no caret in {carets}"));
        assert!(quoted[gutter..].chars().count() >= column - 1, "{name}");
        let caret_column = carets[gutter..=caret].chars().count();
        assert_eq!(caret_column, column, "{name}: the caret is under the column named\n{message}");
    }
}

#[test]
fn a_misspelt_key_gets_the_nearest_one_and_a_float_ratio_the_written_forms() {
    let message = error_of("unknown-key-misspelt.toml").to_string();
    assert!(message.lines().next().unwrap().ends_with("; did you mean `clients`?"), "{message}");
    let message = error_of("ratio-as-float.toml").to_string();
    assert!(message.contains(r#"expected a ratio written as a string, like "1/10", "10%", "0" or "1""#), "{message}");
}
