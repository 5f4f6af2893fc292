//! The command line's handling of bad input: clear messages and exit code 2, never a panic.

use std::process::Command;

fn tokensim(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tokensim")).args(args).output().expect("tokensim runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_missing_scenario_file_is_named_with_exit_code_2() {
    let (code, stderr) = tokensim(&["run", "no-such-file.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: cannot read scenario no-such-file.toml: "), "{stderr}");
}

#[test]
fn a_bad_scenario_file_is_placed_with_exit_code_2() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad-scenarios/servers-out-of-range.toml");
    let (code, stderr) = tokensim(&["run", path]);
    assert_eq!(code, 2);
    assert_eq!(stderr, format!("error: {path}:4:11: world.servers: expected 3 to 7 servers, found 8\n"));
}

#[test]
fn bad_arguments_are_refused_by_clap_with_exit_code_2() {
    for args in [&["run", "--seed", "minus-one"][..], &["run", "--no-such-flag"], &["frobnicate", "x"]] {
        let (code, stderr) = tokensim(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_stdout_ends_the_process_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    // `tokensim run --json | head -1`: the reader goes away after the first line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .args(["run", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut first).expect("a first line");
    assert_eq!(first.trim(), "{");
    let output = child.wait_with_output().expect("it ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
