//! `tokensim repl` driven through standard input: scripted sessions from
//! `tests/repl-sessions/` snapshotted as transcripts, the same script giving the same
//! transcript twice, and a saved session replaying to the same transcript.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("repl").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn session_script(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/repl-sessions").join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Run `tokensim repl <args>` in `dir` with `script` on standard input; its standard
/// output, after checking that it exited 0 and printed nothing on standard error.
fn repl(dir: &Path, args: &[&str], script: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .arg("repl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8(output.stdout).unwrap(), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    stdout
}

#[test]
fn a_happy_path_through_every_command() {
    let dir = scratch("happy");
    let transcript = repl(&dir, &["--seed", "3"], &session_script("happy-path.txt"));
    assert!(dir.join("session.txt").exists());
    insta::assert_snapshot!("happy_path", transcript);
}

#[test]
fn mistakes_get_clear_messages_and_the_session_goes_on() {
    let dir = scratch("mistakes");
    let transcript = repl(&dir, &["--seed", "3"], &session_script("mistakes.txt"));
    // Every line of the script was answered: the last command, `history`, lists them all.
    assert!(transcript.trim_end().ends_with(": open"), "{transcript}");
    assert!(transcript.contains("refused: 7 servers exist"), "{transcript}");
    assert!(transcript.contains("\ngave up at "), "{transcript}");
    assert!(!transcript.contains("panicked"));
    insta::assert_snapshot!("mistakes", transcript);
}

#[test]
fn the_same_script_gives_the_same_transcript() {
    let dir = scratch("twice");
    let script = session_script("happy-path.txt").replace("save session.txt\n", "");
    let first = repl(&dir, &["--seed", "11"], &script);
    let second = repl(&dir, &["--seed", "11"], &script);
    assert_eq!(first, second);
    // And the seed matters: another seed's network delays give another transcript.
    assert_ne!(first, repl(&dir, &["--seed", "12"], &script));
}

#[test]
fn a_saved_session_replays_to_the_same_transcript() {
    let dir = scratch("saved");
    let script = "pay 1 0 2\nfault 9 both 1/2\nsettle\ngettokens 3 2\nrun 1s\nstatus\nsave saved.txt\n";
    let original = repl(&dir, &["--seed", "5"], script);
    let saved = std::fs::read_to_string(dir.join("saved.txt")).unwrap();
    assert!(saved.starts_with("# tokensim repl session: scenario \"default\"\n"), "{saved}");
    assert!(saved.contains("# replay it with: tokensim repl --seed 5 < saved.txt\n"), "{saved}");
    let replayed = repl(&dir, &["--seed", "5"], &saved);
    let without = |text: &str, skip: &str| -> String {
        text.lines().filter(|line| !line.starts_with(skip)).map(|line| format!("{line}\n")).collect()
    };
    // The replay echoes the script's comment lines and the original ends with `save`.
    let original = without(&original, "tokensim> save").split("saved 6 commands").next().unwrap().to_string();
    assert_eq!(without(&replayed, "tokensim> #"), original);
}

#[test]
fn end_of_input_ends_the_session_cleanly() {
    let dir = scratch("eof");
    let transcript = repl(&dir, &[], "");
    assert!(transcript.starts_with("tokensim repl: scenario \"default\", seed 1, variant correct\n"), "{transcript}");
}

#[test]
fn a_scenario_file_and_variant_are_opened_and_a_bad_one_refused() {
    let dir = scratch("scenario");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/frontier-n3.toml");
    let transcript = repl(&dir, &[scenario, "--variant", "no-write-back", "--seed", "2"], "status\n");
    assert!(transcript.contains("variant no-write-back"), "{transcript}");
    let output = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .args(["repl", "--variant", "no-such-variant"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: invalid value 'no-such-variant' for '--variant <NAME>'"), "{stderr}");
}

#[test]
fn the_readme_example_session_is_what_the_binary_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("$ printf '").expect("the README has an example session");
    let example = &readme[start..];
    let example = &example[..example.find("```").unwrap()];
    let (command, printed) = example.split_once('\n').unwrap();
    let script = command.strip_prefix("$ printf '").unwrap().split("' |").next().unwrap().replace("\\n", "\n");
    assert!(command.ends_with("| tokensim repl --seed 3"), "{command}");
    assert_eq!(repl(&scratch("readme"), &["--seed", "3"], &script), printed);
}

#[test]
fn scheduled_fault_events_happen_as_time_passes_them() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/scheduled-faults.toml");
    let transcript = repl(&scratch("scheduled"), &[scenario], "run 1s\nstep\nstatus\n");
    assert!(transcript.contains("\n0.500000s fault   n7 becomes faulty: send 1/1 (scheduled)\n"), "{transcript}");
    assert!(transcript.contains("\n1.500000s fault   partition: n8 cut off (scheduled)\n"), "{transcript}");
    assert!(transcript.contains("\npartition  n8 cut off from the rest\n"), "{transcript}");
}

#[test]
fn crash_and_restart_any_node_and_see_what_survived() {
    let script = "pay 1 0 2\ncrash 1\npay 1 6 2\nstatus\ncrash 1\nsettle\nrestart 1\nrestart 1\npay 1 6 2\nsettle\n\
                  history\ncrash 9\nfault 3 both\nheal 3\nrestart 9\nsettle\n";
    let transcript = repl(&scratch("crash"), &["--seed", "3"], script);
    for expected in [
        "n1 crashed: it sends, receives and times nothing until `restart n1`; lost, never to be answered: n1#1\n",
        "error: n1 is down (crashed): nobody can hand it a request until `restart n1`\n",
        "n1 (down: crashed)",
        "error: n1 is down already; `restart n1` first\n",
        "n1 restarted from its durable state: configuration e0, next request n1#2, ballot round 0",
        "error: n1 is not down: only a crashed node restarts\n",
        "n1#1 pay(t0, n2) submitted 0.000000s: lost when its client crashed at 0.000000s, never answered\n",
        "n9 crashed: it sends, receives and times nothing until `restart n9`\n",
        "n3 now loses every one of the messages it sends and receives\n",
        "n9 restarted from its durable state",
    ] {
        assert!(transcript.contains(expected), "missing {expected:?} in:\n{transcript}");
    }
    assert!(transcript.contains("n1#2 pay(t6, n2) submitted"), "{transcript}");
    assert!(transcript.contains("reply   n1#2 pay(t6, n2) = ok t6@v2"), "{transcript}");
}
