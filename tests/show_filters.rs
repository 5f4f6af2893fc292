//! `tokensim show TRACE` with `--node`, `--token`, `--request`, `--from` and `--to`: each
//! narrows the readable form to the events it names, they combine, `--html` opens the page
//! on the same view, and bad values are refused in one line with exit code 2.

use std::path::{Path, PathBuf};
use std::process::Output;

/// 3 servers (n4..n6), 3 clients (n1..n3) with 3 tokens each, 30 requests, a lossy server.
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

fn tokensim(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tokensim")).args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The small scenario's trace (seed 9), written once into `directory`.
fn trace(directory: &Path) -> PathBuf {
    let scenario = directory.join("small.toml");
    std::fs::write(&scenario, SMALL_SCENARIO).unwrap();
    let trace = directory.join("run.jsonl");
    let output = tokensim(&["run", scenario.to_str().unwrap(), "--seed", "9", "--trace", trace.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    trace
}

/// `show TRACE ARGS...`: the event lines (without the header and the closing count), and
/// the closing count line.
fn show(trace: &Path, args: &[&str]) -> (Vec<String>, String) {
    let mut all = vec!["show", trace.to_str().unwrap()];
    all.extend_from_slice(args);
    let output = tokensim(&all);
    assert!(output.status.success(), "{args:?}: {}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let mut lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert!(lines[0].starts_with("# tokensim trace format"), "{stdout}");
    let last = if args.is_empty() { String::new() } else { lines.pop().unwrap() };
    (lines[1..].to_vec(), last)
}

/// A line's simulated time in microseconds (`0.012345s send ...`).
fn time_us(line: &str) -> u64 {
    let seconds = line.split_whitespace().next().unwrap().trim_end_matches('s');
    let (whole, fraction) = seconds.split_once('.').unwrap();
    whole.parse::<u64>().unwrap() * 1_000_000 + fraction.parse::<u64>().unwrap()
}

/// The nodes a line names (`n3`, `n3#2` counts as n3).
fn nodes_named(line: &str) -> Vec<String> {
    line.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| word.len() > 1 && word.starts_with('n') && word[1..].bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

#[test]
fn each_filter_narrows_the_readable_form_and_they_combine() {
    let directory = tempfile::tempdir().unwrap();
    let trace = trace(directory.path());
    let (all, none) = show(&trace, &[]);
    assert!(none.is_empty() && all.len() > 500, "{} lines", all.len());

    // A time window, with fractional seconds and other units.
    let (window, count) = show(&trace, &["--from", "0.1s", "--to", "200ms"]);
    let inside = all.iter().filter(|line| (100_000..=200_000).contains(&time_us(line))).count();
    assert!(inside > 0 && inside < all.len());
    assert_eq!(window.len(), inside);
    assert_eq!(count, format!("# {inside} of {} events shown (--from 0.100000s --to 0.200000s)", all.len()));
    let (from_only, _) = show(&trace, &["--from", "150000us"]);
    assert_eq!(from_only.len(), all.iter().filter(|line| time_us(line) >= 150_000).count());

    // A node: only events at it or on its links.
    let (node, _) = show(&trace, &["--node", "n5"]);
    assert!(!node.is_empty() && node.len() < all.len());
    assert!(node.iter().all(|line| line.contains("n5 ")), "{node:?}");
    let (two, _) = show(&trace, &["--node", "5", "--node", "n6"]);
    assert!(two.len() > node.len(), "a second --node adds its events");

    // A request: its submission, start, answer and messages, nothing else.
    let (request, _) = show(&trace, &["--request", "n2#3"]);
    assert!(request.first().unwrap().contains(" submit  n2#3 "), "{request:?}");
    assert!(request.iter().any(|line| line.contains(" reply   n2#3 ")), "{request:?}");
    assert!(request.iter().any(|line| line.contains(" deliver ")), "{request:?}");
    assert!(request.iter().all(|line| line.contains("n2#3")), "{request:?}");

    // A token: requests about it (pays of it, listings that show it) and their messages.
    let (token, _) = show(&trace, &["--token", "t4"]);
    let replies: Vec<&String> = token.iter().filter(|line| line.contains(" reply ")).collect();
    assert!(!replies.is_empty());
    assert!(replies.iter().all(|line| line.contains("t4")), "{replies:?}");
    assert!(token.len() < all.len());

    // Together: every condition holds.
    let (both, _) = show(&trace, &["--token", "t4", "--node", "n5", "--from", "50ms"]);
    assert!(both.len() < token.len());
    assert!(both.iter().all(|line| token.contains(line) && node.contains(line) && time_us(line) >= 50_000));
    for line in &both {
        assert!(nodes_named(line).iter().any(|name| name == "n5"), "{line}");
    }
}

#[test]
fn bad_filter_values_are_one_line_with_exit_code_2() {
    let directory = tempfile::tempdir().unwrap();
    let trace = trace(directory.path());
    let trace = trace.to_str().unwrap();
    for (args, expected) in [
        (&["--node", "x"][..], "error: invalid value 'x' for '--node <ID>': `x` is not a node id, such as n3 or 3"),
        (&["--token", "t"], "error: invalid value 't' for '--token <ID>': `t` is not a token id, such as t5 or 5"),
        (&["--request", "n2"], "error: invalid value 'n2' for '--request <ID>': `n2` is not a request id"),
        (&["--from", "5"], "error: invalid value '5' for '--from <TIME>': not a simulated time: give it with its unit"),
        (&["--to", "1.5h"], "error: invalid value '1.5h' for '--to <TIME>': not a simulated time"),
        (&["--node", "n7"], "error: --node n7: the trace's world has no such node (its nodes are n1..n6)"),
        (&["--token", "9"], "error: --token t9: the trace's world has no such token (its tokens are t0..t8)"),
        (&["--request", "n9#1"], "error: --request n9#1: the trace's world has no node n9 (n1..n6)"),
        (&["--from", "2s", "--to", "1s"], "error: --from 2.000000s is after --to 1.000000s: the window would be empty"),
    ] {
        let mut all = vec!["show", trace];
        all.extend_from_slice(args);
        let output = tokensim(&all);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing is shown");
        // Clap adds its usual pointer to `--help`; ours are one line.
        let lines = stderr.lines().filter(|line| !line.is_empty() && !line.starts_with("For more information")).count();
        assert_eq!(lines, 1, "{args:?}: {stderr}");
    }
}

#[test]
fn a_page_drawn_with_filters_opens_on_their_view() {
    let directory = tempfile::tempdir().unwrap();
    let trace = trace(directory.path());
    let page = directory.path().join("page.html");
    let args = ["--node", "n5", "--token", "4", "--request", "n2#3", "--from", "0.1s", "--to", "200ms", "--html"];
    let mut all = vec!["show", trace.to_str().unwrap()];
    all.extend_from_slice(&args);
    all.push(page.to_str().unwrap());
    let output = tokensim(&all);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        // `&` is escaped in the embedded JSON, so that no text can close the script element.
        html.contains(r#""view":"window=0.100000,0.200000\u0026nodes=n5\u0026token=4\u0026request=n2%233""#),
        "the page's first view is the filters'"
    );
    // Without filters the page opens as usual, on the whole run.
    let plain = directory.path().join("plain.html");
    assert!(tokensim(&["show", trace.to_str().unwrap(), "--html", plain.to_str().unwrap()]).status.success());
    assert!(std::fs::read_to_string(&plain).unwrap().contains(r#""view":"""#));
}
