//! Every file in `tests/bad-scenarios/` holds one mistake; reading it must fail with the
//! exact message in its snapshot (`tests/snapshots/`), naming the file, the line and column,
//! the key, and what was expected.

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
        "bad-scenarios/servers-out-of-range.toml:4:11: world.servers: expected 3 to 7 servers, found 8"
    );
}
