//! What people read: a failing sweep stays short, numbers agree with their nouns, the
//! message figures add up on their line, a run with no answer prints no latency, and
//! `run --json` and `check --json` give violations one shape.

use std::path::Path;
use std::process::{Command, Output};

fn tokensim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tokensim")).args(args).output().expect("tokensim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios").join(name).display().to_string()
}

/// The nouns whose plural must never follow a count of one.
const PLURALS: [&str; 20] = [
    "pays",
    "messages",
    "requests",
    "events",
    "timers",
    "seeds",
    "servers",
    "clients",
    "tokens",
    "violations",
    "values",
    "commands",
    "checks",
    "faults",
    "failures",
    "changes",
    "records",
    "lines",
    "jobs",
    "pages",
];

/// Every "1 <plural>" in `text`, with the words around it.
fn one_with_a_plural(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric() && c != '_' && c != '.').collect();
    words
        .windows(2)
        .filter(|pair| pair[0] == "1" && PLURALS.contains(&pair[1]))
        .map(|pair| format!("{} {}", pair[0], pair[1]))
        .collect()
}

#[test]
fn a_failing_sweep_prints_a_bounded_summary_whatever_its_size() {
    let args = ["check", "--seeds", "0..400", "--swarm", "--variant", "bare-version-cas", "--jobs", "2"];
    let output = tokensim(&args);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    // Ten failing seeds of a few lines each, the counts by property, a few summary lines.
    assert!(lines.len() <= 60, "{} lines:\n{stdout}", lines.len());
    let seeds: Vec<&str> = lines.iter().filter(|line| line.starts_with("seed ")).copied().collect();
    assert_eq!(seeds.len(), 10, "the first ten failures, each once:\n{stdout}");
    let mut distinct = seeds.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "{stdout}");
    assert!(stdout.contains("\nviolations by property:\n  exactly_once "), "{stdout}");
    assert!(lines.iter().any(|line| line.starts_with("... and ") && line.ends_with(" (all of them with --json)")));
    let last = lines.last().unwrap();
    assert!(last.starts_with("scenario default (swarm), variant bare-version-cas, seeds 0..400: 400 run"), "{last}");
    // Repeated properties are named once per seed.
    let repeats: Vec<&&str> = lines.iter().filter(|line| line.contains(" like those above (")).collect();
    assert!(!repeats.is_empty(), "{stdout}");
    for line in repeats {
        let names = line.rsplit_once(" (").unwrap().1.trim_end_matches(')');
        let names: Vec<&str> = names.split(", ").collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{line}");
    }
    // Standard error, not a terminal here, has no progress bar: the timing line only.
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("400 seeds in "), "{stderr}");
}

#[test]
fn a_sweep_can_stop_at_its_first_failures() {
    for (flag, most) in [(&["--fail-fast"][..], 2), (&["--max-failures", "3"], 4)] {
        let mut args = vec!["check", "--seeds", "0..3000", "--swarm", "--variant", "bare-version-cas", "--jobs", "2"];
        args.extend_from_slice(flag);
        let output = tokensim(&args);
        assert_eq!(output.status.code(), Some(1));
        let stdout = text(&output.stdout);
        let failed = stdout.lines().filter(|line| line.starts_with("seed ")).count();
        // With two jobs, the seed the other worker had started is reported too.
        assert!((1..=most).contains(&failed), "{flag:?}: {failed} failures\n{stdout}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("stopped early after "), "{flag:?}: {stderr}");
    }
}

#[test]
fn counts_of_one_take_the_singular() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("text-output");
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("one.jsonl").display().to_string();
    let shrunk = dir.join("shrunk.toml").display().to_string();
    let mut printed = String::new();
    let runs: [&[&str]; 6] = [
        &["run", &scenario("seed-manual-session.toml"), "--trace", &trace],
        &["replay", &trace],
        &["check", "--seeds", "7..8"],
        &["shrink", "--seed", "24", "--swarm", "--variant", "half-quorum", "--output", &shrunk],
        &["run", &shrunk],
        &["run", &scenario("budget-broken-n4.toml")],
    ];
    for args in runs {
        let output = tokensim(args);
        printed.push_str(&text(&output.stdout));
        printed.push_str(&text(&output.stderr));
    }
    // A world with one scheduled fault event, and a REPL session that saves one command.
    let one_event = dir.join("one-event.toml");
    std::fs::write(&one_event, "name = \"one\"\n[[schedule]]\nat_ms = 5\nheal = { server = 7 }\n").unwrap();
    let session = dir.join("session.txt").display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .args(["repl", one_event.to_str().unwrap()])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let script = format!("step\nsave {session}\nstatus\n");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), script.as_bytes()).unwrap();
    let transcript = text(&child.wait_with_output().unwrap().stdout);
    assert!(transcript.contains("1 scheduled fault event happens as time passes it"), "{transcript}");
    assert!(transcript.contains("saved 1 command to "), "{transcript}");
    printed.push_str(&transcript);
    assert!(printed.contains(" 1 "), "the outputs hold counts of one to check");
    assert_eq!(one_with_a_plural(&printed), Vec::<String>::new(), "{printed}");
}

#[test]
fn the_message_figures_add_up_on_their_line_and_no_answer_means_no_latency() {
    for (name, expect_in_flight) in [("seed-concurrent-random.toml", false), ("budget-broken-n4.toml", true)] {
        let stdout = text(&tokensim(&["run", &scenario(name)]).stdout);
        let line = stdout.lines().find(|line| line.starts_with("messages ")).unwrap();
        let figure = |label: &str| -> u64 {
            let Some(at) = line.find(&format!(" {label}")) else { return 0 };
            line[..at].rsplit([' ', ',']).next().unwrap().parse().unwrap()
        };
        let (sent, duplicated) = (figure("sent"), figure("duplicated by the network"));
        let (delivered, dropped, in_flight) = (figure("delivered"), figure("dropped"), figure("in flight at the end"));
        assert_eq!(sent + duplicated, delivered + dropped + in_flight, "{name}: {line}");
        assert_eq!(in_flight > 0, expect_in_flight, "{name}: {line}");
        if name.starts_with("budget-broken") {
            assert!(stdout.contains("\nlatency         none measured: no request was answered\n"), "{stdout}");
            assert!(!stdout.contains("p50"), "{stdout}");
        } else {
            assert!(duplicated > 0, "{line}");
        }
    }
}

#[test]
fn run_and_check_give_violations_one_json_shape() {
    let args = ["--seed", "24", "--swarm", "--variant", "half-quorum", "--json"];
    let run: serde_json::Value = serde_json::from_slice(&tokensim(&[&["run"][..], &args].concat()).stdout).unwrap();
    let check = tokensim(&["check", "--seeds", "24..25", "--swarm", "--variant", "half-quorum", "--json"]);
    let check: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let from_run = &run["violations"];
    let from_check = &check["failures"][0]["violations"];
    assert!(from_run.as_array().is_some_and(|violations| !violations.is_empty()), "{run}");
    assert_eq!(from_run, from_check);
    let keys: Vec<&str> = from_run[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["at", "detail", "operations", "property", "seed"], "serde_json sorts keys");
    let property = from_run[0]["property"].as_str().unwrap();
    assert!(property.parse::<tokensim::vocab::Property>().is_ok(), "a stable property id: {property}");
}
