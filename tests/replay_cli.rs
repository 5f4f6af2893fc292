//! The `tokensim` binary: traces written by one process and replayed by another, edited
//! traces diverging exactly where they were edited, and broken trace files refused cleanly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SMALL_SCENARIO: &str = r#"
name = "small"
[world]
servers = 3
clients = 3
tokens_per_client = 3
[[faults]]
server = 4
kind = "both"
ratio = "1/3"
[workload]
requests = 30
gap_us_max = 50_000
"#;

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay_cli").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("small.toml"), SMALL_SCENARIO).unwrap();
    dir
}

fn tokensim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tokensim")).args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Run the small scenario with a trace; the trace's path.
fn write_trace(dir: &Path) -> PathBuf {
    write_trace_with_report(dir).0
}

/// Run the small scenario with a trace and a JSON report; the trace's path and the report.
fn write_trace_with_report(dir: &Path) -> (PathBuf, serde_json::Value) {
    let trace = dir.join("run.jsonl");
    let scenario = dir.join("small.toml");
    let args = ["run", scenario.to_str().unwrap(), "--seed", "9", "--trace", trace.to_str().unwrap(), "--json"];
    let output = tokensim(&args);
    assert!(output.status.success(), "{}{}", text(&output.stdout), text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["fault_free_rerun"]["differences"], serde_json::json!([]));
    (trace, report)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Replay `trace`, expecting the exit code `code`; stdout and stderr.
fn replay(trace: &Path, code: i32) -> (String, String) {
    let output = tokensim(&["replay", trace.to_str().unwrap()]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(code), "stdout: {stdout}\nstderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}

#[test]
fn a_trace_written_by_one_process_replays_identical_in_another() {
    // One run, one hash and one event count: the report, the trace's footer and the replay
    // all give the same.
    let dir = scratch("identical");
    let (trace, report) = write_trace_with_report(&dir);
    let (events, hash) = (report["counters"]["events"].as_u64().unwrap(), report["event_hash"].as_str().unwrap());
    let footer: serde_json::Value = serde_json::from_str(lines(&trace).last().unwrap()).unwrap();
    assert_eq!((footer["events"].as_u64(), footer["hash"].as_str()), (Some(events), Some(hash)));
    assert_eq!(footer["records"].as_u64(), Some(lines(&trace).len() as u64 - 2));
    let (stdout, _) = replay(&trace, 0);
    assert!(
        stdout.starts_with(&format!("identical: {events} events, hash {hash}, 0 violations, verdict PASS")),
        "{stdout}"
    );
}

#[test]
fn an_edited_event_is_the_first_difference() {
    let dir = scratch("edited");
    let trace = write_trace(&dir);
    let mut file = lines(&trace);
    let edited_line = 40; // 1-based: event index 38
    let mut event: serde_json::Value = serde_json::from_str(&file[edited_line - 1]).unwrap();
    let at = event["at"].as_u64().unwrap();
    event["at"] = (at + 1).into();
    file[edited_line - 1] = event.to_string();
    write_lines(&trace, &file);
    let (stdout, _) = replay(&trace, 1);
    let expected = format!("first difference at record 38 ({}:40):", trace.display());
    assert_eq!(stdout.lines().next(), Some(expected.as_str()), "{stdout}");
    let recorded = stdout.lines().find(|l| l.trim_start().starts_with("recorded:")).unwrap();
    let replayed = stdout.lines().find(|l| l.trim_start().starts_with("replayed:")).unwrap();
    let seconds = |us: u64| format!("{}.{:06}s", us / 1_000_000, us % 1_000_000);
    assert!(recorded.contains(&seconds(at + 1)), "{recorded}");
    assert!(replayed.contains(&seconds(at)), "{replayed}");
}

#[test]
fn a_trace_without_its_footer_is_truncated() {
    let dir = scratch("truncated");
    let trace = write_trace(&dir);
    let mut file = lines(&trace);
    file.pop();
    let last = file.len();
    write_lines(&trace, &file);
    let (_, stderr) = replay(&trace, 2);
    assert!(stderr.contains(&format!("{}:{last}: the trace is truncated", trace.display())), "{stderr}");
}

#[test]
fn a_trace_cut_mid_line_names_that_line() {
    let dir = scratch("cut");
    let trace = write_trace(&dir);
    let bytes = std::fs::read(&trace).unwrap();
    std::fs::write(&trace, &bytes[..bytes.len() / 2]).unwrap();
    let last = text(&bytes[..bytes.len() / 2]).lines().count();
    let (_, stderr) = replay(&trace, 2);
    assert!(stderr.contains(&format!("{}:{last}: not a trace line", trace.display())), "{stderr}");
}

#[test]
fn a_garbage_line_is_named() {
    let dir = scratch("garbage");
    let trace = write_trace(&dir);
    let mut file = lines(&trace);
    file[4] = "this is not json".into();
    write_lines(&trace, &file);
    let (_, stderr) = replay(&trace, 2);
    assert!(stderr.contains(&format!("{}:5: not a trace line", trace.display())), "{stderr}");
}

#[test]
fn a_trace_of_another_format_is_refused() {
    let dir = scratch("version");
    let trace = write_trace(&dir);
    let mut file = lines(&trace);
    file[0] = file[0].replacen(&format!("\"format\":{}", tokensim::trace::TRACE_FORMAT_VERSION), "\"format\":99", 1);
    write_lines(&trace, &file);
    let (_, stderr) = replay(&trace, 2);
    let expected = format!(
        "error: {}:1: trace format 99, this tokensim reads format {}: re-record it with \
         `tokensim run SCENARIO --seed 9 --trace FILE`\n",
        trace.display(),
        tokensim::trace::TRACE_FORMAT_VERSION
    );
    assert_eq!(stderr, expected);
    // `show`, and `show --html`, say the same.
    let output = tokensim(&["show", trace.to_str().unwrap()]);
    assert_eq!((output.status.code(), text(&output.stderr)), (Some(2), expected.clone()));
    let page = dir.join("page.html");
    let output = tokensim(&["show", trace.to_str().unwrap(), "--html", page.to_str().unwrap()]);
    assert_eq!((output.status.code(), text(&output.stderr)), (Some(2), expected));
}

#[test]
fn the_default_runs_trace_is_at_most_3_mb_and_replays_identical() {
    // Whole token tables (every `gettokens` reads 60 tokens from each server) are digested;
    // deliveries and losses name their message instead of repeating it.
    let dir = scratch("default-size");
    let trace = dir.join("default.jsonl");
    let output = tokensim(&["run", "--trace", trace.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let bytes = std::fs::metadata(&trace).unwrap().len();
    let records = lines(&trace).len() as u64 - 2;
    eprintln!("the default run's trace: {bytes} bytes, {records} records, {} bytes a record", bytes / records);
    assert!(records > 30_000, "the whole run is there: {records} records");
    assert!(bytes <= 3_000_000, "the default run's trace is {bytes} bytes, above 3 MB");
    let (stdout, _) = replay(&trace, 0);
    assert!(stdout.starts_with("identical: "), "{stdout}");
}

#[test]
fn show_reads_every_delivery_with_its_message_and_marks_copies() {
    // The concurrent random suite duplicates one message in ten.
    let dir = scratch("copies");
    let trace = dir.join("copies.jsonl");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/seed-concurrent-random.toml");
    let output = tokensim(&["run", scenario, "--trace", trace.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(lines(&trace).iter().any(|line| line.contains("\"copy\":true")), "the run has a copy");
    let output = tokensim(&["show", trace.to_str().unwrap()]);
    let stdout = text(&output.stdout);
    assert!(stdout.lines().any(|line| line.contains(" deliver ") && line.ends_with(" (copy)")), "{stdout}");
    let unresolved: Vec<&str> = stdout.lines().filter(|line| line.contains(" message ")).collect();
    assert!(unresolved.is_empty(), "every delivery and loss shows its message: {unresolved:?}");
}

#[test]
fn an_edited_footer_is_a_difference() {
    let dir = scratch("footer");
    let trace = write_trace(&dir);
    let mut file = lines(&trace);
    let last = file.len() - 1;
    let mut footer: serde_json::Value = serde_json::from_str(&file[last]).unwrap();
    footer["hash"] = "0123456789abcdef".into();
    file[last] = footer.to_string();
    write_lines(&trace, &file);
    let (stdout, _) = replay(&trace, 1);
    assert!(stdout.starts_with("every record is identical, but the footer differs"), "{stdout}");
}

#[test]
fn an_empty_or_missing_file_is_an_error() {
    let dir = scratch("empty");
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let (_, stderr) = replay(&empty, 2);
    assert!(stderr.contains("the file is empty"), "{stderr}");
    let (_, stderr) = replay(&dir.join("missing.jsonl"), 2);
    assert!(stderr.contains("missing.jsonl"), "{stderr}");
}

#[test]
fn check_determinism_runs_the_seed_twice() {
    let dir = scratch("determinism");
    let scenario = dir.join("small.toml");
    let output = tokensim(&["run", scenario.to_str().unwrap(), "--seed", "3", "--check-determinism", "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is the JSON report");
    let hash = report["event_hash"].as_str().unwrap().to_string();
    assert!(text(&output.stderr).contains(&format!("seed 3 gave event hash {hash} twice")), "{}", text(&output.stderr));
    assert_eq!(report["fault_free_rerun"]["differences"], serde_json::json!([]));
}

#[test]
fn show_prints_the_readable_form() {
    let dir = scratch("show");
    let trace = write_trace(&dir);
    let output = tokensim(&["show", trace.to_str().unwrap()]);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    let head = format!("# tokensim trace format {}: scenario \"small\", seed 9", tokensim::trace::TRACE_FORMAT_VERSION);
    assert!(stdout.starts_with(&head), "{stdout}");
    assert_eq!(stdout.lines().count(), lines(&trace).len() - 1, "a line per event after the header");
    assert!(stdout.lines().any(|line| line.contains(" reply   n")), "{stdout}");
}
