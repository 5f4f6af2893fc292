//! The command line under input and output that a careless or hostile user gives it: a full
//! disk on standard output, files that never end, seed ranges at the edges of u64, names
//! with terminal escapes. Every command must end, quickly, with one clear line and exit
//! code 2, and never panic or hang.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any of these commands may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(60);

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tokensim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tokensim"))
}

/// Wait for `child` to end within [`DEADLINE`]; kill it and fail if it does not.
fn finish(mut child: Child, what: &str) -> Output {
    let started = Instant::now();
    while child.try_wait().expect("the child can be waited on").is_none() {
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("`{what}` did not end within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("its output")
}

/// Run `tokensim args` with standard output going to `/dev/full`, `stdin` on standard input.
fn to_full_disk(args: &[&str], stdin: &str) -> Output {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full exists on Linux");
    let mut child =
        tokensim().args(args).stdin(Stdio::piped()).stdout(full).stderr(Stdio::piped()).spawn().expect("it runs");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    finish(child, &args.join(" "))
}

fn run(args: &[&str]) -> Output {
    let child = tokensim().args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    finish(child.expect("it runs"), &args.join(" "))
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A small trace file written by `run --trace`, in `dir`.
fn small_trace(dir: &Path) -> String {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/seed-manual-session.toml");
    let trace = dir.join("small.jsonl").to_str().unwrap().to_string();
    let output = run(&["run", scenario, "--trace", &trace]);
    assert!(output.status.code().is_some_and(|code| code <= 1), "{}", stderr_of(&output));
    trace
}

#[test]
fn a_full_disk_ends_every_command_with_one_line_and_exit_code_2() {
    let dir = scratch("full");
    let trace = small_trace(&dir);
    let report = dir.join("sweep.json");
    let sweep = run(&["check", "--seeds", "0..2", "--json"]);
    std::fs::write(&report, &sweep.stdout).unwrap();
    let report = report.to_str().unwrap();
    let commands: [(&[&str], &str); 10] = [
        (&["run"], ""),
        (&["run", "--json"], ""),
        (&["check", "--seeds", "0..4", "--jobs", "2"], ""),
        (&["replay", &trace], ""),
        (&["show", &trace], ""),
        (&["merge", report], ""),
        (&["repl"], "status\n"),
        (&["list"], ""),
        (&["completions", "bash"], ""),
        (&["man"], ""),
    ];
    for (args, stdin) in commands {
        let output = to_full_disk(args, stdin);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?} must fail on a full disk: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error:")).collect();
        assert_eq!(
            errors,
            ["error: cannot write to standard output: No space left on device (os error 28)"],
            "{args:?}"
        );
        assert!(stderr.ends_with("(os error 28)\n"), "{args:?}: the error is the last line: {stderr}");
    }
}

#[test]
fn a_closed_pipe_ends_the_repl_quietly() {
    // `tokensim repl < script | head -1`: the reader goes away; no panic, no message.
    let mut child = tokensim()
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("it runs");
    drop(child.stdout.take());
    let script = "status\n".repeat(10_000);
    let _ = child.stdin.take().unwrap().write_all(script.as_bytes());
    let output = finish(child, "repl | (closed)");
    assert_eq!(stderr_of(&output), "", "a broken pipe stays quiet");
}

#[test]
fn files_that_never_end_are_refused_quickly() {
    for args in [
        &["show", "/dev/zero"][..],
        &["replay", "/dev/zero"],
        &["run", "/dev/zero"],
        &["shrink", "--trace", "/dev/zero", "--output", "/tmp/never-written.toml"],
    ] {
        let started = Instant::now();
        let output = run(args);
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
        assert!(stderr.starts_with("error: /dev/zero"), "{args:?}: names the file: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?} took {:?}", started.elapsed());
    }
    let output = run(&["show", "/dev/zero"]);
    assert_eq!(
        stderr_of(&output),
        "error: /dev/zero:1: not a trace header line: a trace file starts with `{\"line\":\"header\", ...}`\n"
    );
    // A line that starts like a header and never ends is refused at the documented cap.
    let dir = scratch("endless");
    let long = dir.join("long.jsonl");
    let mut bytes = b"{\"line\":\"header\",\"scenario\":\"".to_vec();
    bytes.resize(17 * 1024 * 1024, b'a');
    std::fs::write(&long, bytes).unwrap();
    let output = run(&["show", long.to_str().unwrap()]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.ends_with(
            ":1: the line is longer than 16 MiB, the most a trace line may be: not a trace file, or a corrupt one\n"
        ),
        "{stderr}"
    );
}

#[test]
fn seed_ranges_at_the_edges_end_or_are_refused() {
    let output = run(&["check", "--seeds", "18446744073709551614..18446744073709551615", "--jobs", "2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("seeds 18446744073709551614..18446744073709551615: 1 run, 1 passed"), "{stdout}");
    let output = run(&["check", "--seeds", "0..0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        "error: --seeds: seed range `0..0`: it holds no seed (the end 0 is excluded); try `0..1`\n"
    );
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = scratch("escapes");
    // In a scenario file, a name with an escape is refused where it is written.
    let scenario = dir.join("red.toml");
    std::fs::write(&scenario, "name = \"red\\u001b[31malert\"\n").unwrap();
    let output = run(&["run", scenario.to_str().unwrap()]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("name: expected a name without control characters, found \\u{1b} at character 4"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    // In a hand-made trace, which no validation read, it is escaped wherever it is printed.
    let trace = small_trace(&dir);
    let text = std::fs::read_to_string(&trace).unwrap();
    let forged = text.replacen("\"name\":\"seed-manual-session\"", "\"name\":\"evil\\u001b[2J\\r\"", 1);
    assert_ne!(forged, text, "the trace names its scenario");
    let forged_path = dir.join("forged.jsonl");
    std::fs::write(&forged_path, forged).unwrap();
    for command in ["show", "replay"] {
        let output = run(&[command, forged_path.to_str().unwrap()]);
        let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), stderr_of(&output));
        assert!(!printed.contains('\u{1b}') && !printed.contains('\r'), "{command}: {printed:?}");
        assert!(!printed.contains("panicked"), "{command}: {printed}");
    }
}
