//! The HTML pages in a real browser: headless Chromium (Debian's `chromium` package) loads
//! each page from `file://`, and the tests read the DOM after the page's script ran and a
//! screenshot of it.
//!
//! The run page has a self-test: with the URL fragment `#selftest` it exercises its own
//! zoom, pan, node, token and request filters, hover and selection, and writes the results
//! into `#selftest-result`, which these tests check. Script errors are caught twice: the
//! page collects them into its DOM (`data-js-errors`), and Chromium prints every console
//! message on stderr (`--enable-logging=stderr`), where a well-behaved page prints none.
//!
//! Without Chromium the tests print a note and pass, except under `CI=true`, where a
//! missing browser fails them (`.ci/run` installs it). `TOKENSIM_CHROMIUM` names another
//! browser binary. `TOKENSIM_SCREENSHOT_OUT=docs/images/run-view.png` saves the failing
//! run's screenshot there (that is how the README's image is made).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Long enough for a loaded machine; a page normally loads in well under a second.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("TOKENSIM_CHROMIUM") {
        Some(named) => vec![PathBuf::from(named)],
        None => {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].map(PathBuf::from).to_vec()
        }
    };
    let found = candidates.into_iter().find(|path| path.is_file());
    if found.is_none() {
        let help = "install Debian's `chromium` package (apt-get install chromium) or set TOKENSIM_CHROMIUM";
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("CI=true, but no Chromium was found for the browser tests: {help}");
        }
        // Written to stderr directly, not through `eprintln!`, which the test harness captures:
        // a skipped browser test should be visible in the output.
        let note = format!("note: skipping a browser test: no Chromium found ({help})\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
    }
    found
}

/// What the browser printed: the DOM (or nothing) on stdout, its log on stderr.
struct BrowserRun {
    stdout: String,
    stderr: String,
}

impl BrowserRun {
    /// Console messages of the page. The pages log nothing, so any is a failure.
    fn console_messages(&self) -> Vec<&str> {
        self.stderr.lines().filter(|line| line.contains(":CONSOLE")).collect()
    }
}

/// Load `url` in a fresh headless Chromium with `extra` arguments (`--dump-dom`, ...).
fn browse(chromium: &Path, url: &str, extra: &[&str]) -> BrowserRun {
    let profile = tempfile::tempdir().expect("a temporary profile directory");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Chromium starts");
    // Read both pipes on their own threads, so that a chatty browser cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text).unwrap_or_default()
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).map(|_| text).unwrap_or_default()
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("the browser can be waited for").is_some() {
            break;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish {url} within {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    BrowserRun { stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().expect("the page exists").display())
}

/// The value of `attribute="..."` on the first element that has it.
fn attribute<'a>(dom: &'a str, attribute: &str) -> Option<&'a str> {
    let start = dom.find(&format!(" {attribute}=\""))? + attribute.len() + 3;
    Some(&dom[start..start + dom[start..].find('"')?])
}

/// The diagram's SVG in a dumped DOM (the legend and the scripts' text hold the same class
/// names, so checks look here only).
fn chart(dom: &str) -> &str {
    let start = dom.find("<svg id=\"chart\"").expect("the page has its chart");
    &dom[start..start + dom[start..].find("</svg>").expect("the chart ends")]
}

/// The self-test's report, or a panic explaining what failed.
fn assert_selftest_passed(dom: &str, page: &str) {
    let start = dom.find("<pre id=\"selftest-result\"").unwrap_or_else(|| panic!("{page}: no self-test result"));
    let body_start = start + dom[start..].find('>').expect("a tag end") + 1;
    let body = &dom[body_start..body_start + dom[body_start..].find("</pre>").expect("an element end")];
    let text = body.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    let report: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{page}: self-test result is not JSON ({error}): {text}"));
    let failed: Vec<&serde_json::Value> =
        report["checks"].as_array().expect("checks").iter().filter(|check| check["ok"] != true).collect();
    assert!(failed.is_empty(), "{page}: self-test checks failed: {failed:#?}");
    assert_eq!(report["status"], "pass", "{page}");
    assert!(report["checks"].as_array().unwrap().len() >= 15, "{page}: the self-test ran its checks");
}

fn assert_no_script_errors(run: &BrowserRun, page: &str) {
    let console = run.console_messages();
    assert!(console.is_empty(), "{page}: console messages:\n{}", console.join("\n"));
    assert!(!run.stdout.contains(" data-js-errors=\""), "{page}: the page caught script errors:\n{}", run.stdout);
    assert_eq!(attribute(&run.stdout, "data-ready"), Some("yes"), "{page}: the script did not finish");
}

/// A failing run of a broken variant, drawn by the command line itself.
fn failing_run_page(directory: &Path) -> PathBuf {
    let page = directory.join("half-quorum.html");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/shrunk-half-quorum.toml");
    let status = Command::new(env!("CARGO_BIN_EXE_tokensim"))
        .args(["run", scenario, "--html"])
        .arg(&page)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("tokensim runs");
    assert_eq!(status.code(), Some(0), "the shrunk half-quorum case reproduces its violation, as it expects");
    page
}

#[test]
fn a_failing_run_shows_its_violation_and_its_filters_and_zoom_work() {
    let Some(chromium) = chromium() else { return };
    let directory = tempfile::tempdir().unwrap();
    let page = failing_run_page(directory.path());
    let run = browse(&chromium, &format!("{}#selftest", file_url(&page)), &["--dump-dom"]);
    assert_no_script_errors(&run, "half-quorum");
    assert_selftest_passed(&run.stdout, "half-quorum");
    let dom = &run.stdout;
    // After the self-test the page is back in its first view: checked here from the DOM.
    let diagram = chart(dom);
    assert_eq!(diagram.matches("class=\"lane-label\"").count(), 5, "a lane for each of n1..n5");
    for node in ["n1", "n2", "n3", "n4", "n5"] {
        assert!(diagram.contains(&format!(">{node}</text>")), "lane {node}");
    }
    assert!(dom.contains("id=\"banner\""), "the violation banner");
    assert!(
        dom.contains("A request saw the tokens in a state no order of the requests explains"),
        "linearizable, in words"
    );
    assert!(diagram.matches("class=\"req c0 viol sel\"").count() >= 2, "the involved requests are highlighted");
    assert!(diagram.contains("class=\"viol-line\""), "the violation's instant is marked");
    assert!(diagram.contains("marker-end=\"url(#ah-k"), "messages are drawn as arrows");
    assert!(diagram.contains(" hl\""), "the involved requests' messages are highlighted");
    let render_ms: f64 = attribute(dom, "data-first-render-ms").and_then(|ms| ms.parse().ok()).expect("a render time");
    eprintln!("half-quorum page: {} bytes, first render after {render_ms} ms", std::fs::metadata(&page).unwrap().len());
}

#[test]
fn a_failing_run_screenshot_is_not_blank_and_shows_the_banner() {
    let Some(chromium) = chromium() else { return };
    let directory = tempfile::tempdir().unwrap();
    let page = failing_run_page(directory.path());
    let shot = directory.path().join("shot.png");
    let run = browse(
        &chromium,
        &file_url(&page),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1400,900", "--hide-scrollbars"],
    );
    assert!(run.console_messages().is_empty(), "console: {:?}", run.console_messages());
    let (width, height, pixels) = decode(&shot);
    assert_eq!((width, height), (1400, 900));
    let total = pixels.len() as f64;
    let white = pixels.iter().filter(|&&(r, g, b)| r > 245 && g > 245 && b > 245).count() as f64;
    // The banner's red (#b91c1c), give or take antialiasing.
    let banner = pixels.iter().filter(|&&(r, g, b)| (170..=200).contains(&r) && g < 50 && b < 50).count() as f64;
    // The lanes' client blue and server sand, and the arrows' colours: the diagram is drawn.
    let lanes =
        pixels.iter().filter(|&&(r, g, b)| (r, g, b) == (0xee, 0xf4, 0xfc) || (r, g, b) == (0xfb, 0xf3, 0xe4)).count()
            as f64;
    eprintln!(
        "screenshot: {:.0}% not white, {:.1}% banner red, {:.0}% lanes",
        100.0 * (1.0 - white / total),
        100.0 * banner / total,
        100.0 * lanes / total
    );
    assert!(white / total < 0.85, "the page is mostly blank");
    assert!(banner / total > 0.03, "the violation banner's red is missing");
    assert!(lanes / total > 0.10, "the lanes are missing");
    if let Some(out) = std::env::var_os("TOKENSIM_SCREENSHOT_OUT") {
        std::fs::copy(&shot, &out).expect("the screenshot can be saved");
        eprintln!("screenshot saved to {}", PathBuf::from(out).display());
    }
}

/// The PNG's width, height and RGB pixels.
fn decode(path: &Path) -> (u32, u32, Vec<(u8, u8, u8)>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).expect("a screenshot was written"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels = buffer[..info.buffer_size()].chunks_exact(channels).map(|p| (p[0], p[1], p[2])).collect();
    (info.width, info.height, pixels)
}

#[test]
fn the_default_run_of_15000_events_loads_quickly_and_its_filters_work() {
    let Some(chromium) = chromium() else { return };
    let directory = tempfile::tempdir().unwrap();
    let (page, verdict) =
        tokensim::view::checked_run_page(&tokensim::scenario::Scenario::default_scenario(), 1).unwrap();
    assert!(verdict.passed());
    let path = directory.path().join("default.html");
    std::fs::write(&path, &page).unwrap();
    let run = browse(&chromium, &format!("{}#selftest", file_url(&path)), &["--dump-dom"]);
    assert_no_script_errors(&run, "default");
    assert_selftest_passed(&run.stdout, "default");
    let dom = &run.stdout;
    assert_eq!(chart(dom).matches("class=\"lane-label\"").count(), 11);
    assert!(!dom.contains("id=\"banner\""), "a passing run has no banner");
    assert_eq!(attribute(dom, "data-aggregated"), Some("yes"), "the whole run is drawn as density");
    let render_ms: f64 = attribute(dom, "data-first-render-ms").and_then(|ms| ms.parse().ok()).expect("a render time");
    eprintln!("default run page: {} bytes, first render after {render_ms} ms", page.len());
    assert!(render_ms < 10_000.0, "the default run's page took {render_ms} ms to render");
}

#[test]
fn a_sweep_page_runs_its_script_and_lists_every_failing_seed() {
    let Some(chromium) = chromium() else { return };
    let mut scenario = tokensim::scenario::Scenario::default_scenario();
    scenario.variant = "any-majority".parse().unwrap();
    let options = tokensim::explore::sweep::SweepOptions {
        scenario,
        origin: tokensim::explore::reproduce::Origin::default(),
        seeds: "0..30".parse().unwrap(),
        jobs: 1,
        swarm: true,
        max_failures: None,
    };
    let report = tokensim::explore::sweep::sweep(&options, &|| {}).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let file = tokensim::view::PageFile::create(&directory.path().join("sweep.html")).unwrap();
    let written = tokensim::view::write_sweep_pages(file, &report, &options).unwrap();
    let run = browse(&chromium, &file_url(&written[0]), &["--dump-dom"]);
    assert_no_script_errors(&run, "sweep");
    let dom = &run.stdout;
    assert_eq!(dom.matches("<tr class=\"failure\"").count(), report.failures.len());
    assert!(dom.contains(&format!("id=\"seeds-failed\">{}<", report.seeds_failed)));
    assert!(dom.contains("class=\"histogram\""));
    // The coverage table: a row per probe, those no seed took flagged.
    let probes = dom.matches("<tr class=\"probe").count();
    assert_eq!(probes, report.probe_seeds.len(), "a row per probe");
    let never = report.probe_seeds.values().filter(|&&seeds| seeds == 0).count();
    assert_eq!(dom.matches("<tr class=\"probe never\"").count(), never);
    // A linked run page loads too.
    let linked = browse(&chromium, &format!("{}#selftest", file_url(&written[1])), &["--dump-dom"]);
    assert_no_script_errors(&linked, "a sweep's run page");
    assert_selftest_passed(&linked.stdout, "a sweep's run page");
}

/// Pages of traces no simulator writes still load without a script error: an empty trace
/// of a scenario that is not valid (no lanes at all), and records out of order that answer
/// requests never submitted and deliver messages never sent, to nodes outside the world.
#[test]
fn odd_traces_give_pages_without_script_errors() {
    use tokensim::protocol::{Epoch, Instant as At, Message, NodeId, Outcome, PhaseTag, Request, RequestId, TokenId};
    use tokensim::trace::{MessageId, TraceEvent, TraceHeader, TraceRecord, TracedMessage};
    let Some(chromium) = chromium() else { return };
    let directory = tempfile::tempdir().unwrap();
    let mut invalid = tokensim::scenario::Scenario::default_scenario();
    invalid.world.servers = 0;
    invalid.faults.clear();
    let empty = tokensim::view::run_page(&TraceHeader::new(&invalid, 1), &[], &[]);
    let id = RequestId { client: NodeId(1), sequence: 9 };
    let tag = PhaseTag { request: id, phase: 3 };
    let read = Message::Read { epoch: Epoch(0), tag, tokens: tokensim::protocol::TokenSelection::One(TokenId(0)) };
    let records = [
        (
            5,
            TraceEvent::Replied {
                id,
                request: Request::Pay { token: TokenId(0), to: NodeId(2) },
                outcome: Outcome::Paid { token: TokenId(0), version: tokensim::protocol::Version(2) },
            },
        ),
        (7, TraceEvent::Delivered { id: MessageId { from: NodeId(1), to: NodeId(99), number: 1 }, copy: false }),
        (
            3,
            TraceEvent::Sent {
                id: MessageId { from: NodeId(1), to: NodeId(3), number: 1 },
                message: TracedMessage::of(&read),
                duplicated: true,
            },
        ),
        (4, TraceEvent::Delivered { id: MessageId { from: NodeId(1), to: NodeId(3), number: 1 }, copy: true }),
    ]
    .map(|(at, event)| TraceRecord { at: At(at), event });
    let violation = tokensim::check::Violation::new(tokensim::check::Property::Liveness, "stuck").involving([id]);
    let scenario = tokensim::scenario::Scenario::default_scenario();
    let odd = tokensim::view::run_page(&TraceHeader::new(&scenario, 1), &records, &[violation]);
    for (name, page) in [("empty", empty), ("odd", odd)] {
        let path = directory.path().join(format!("{name}.html"));
        std::fs::write(&path, page).unwrap();
        let run = browse(&chromium, &format!("{}#selftest", file_url(&path)), &["--dump-dom"]);
        assert_no_script_errors(&run, name);
        assert!(run.stdout.contains("data-status="), "{name}: the self-test ran to its end");
    }
}

/// `show --html` with filters: the page opens on their view (one lane, the token filter
/// filled in) and its script runs cleanly.
#[test]
fn a_page_written_with_filters_opens_on_their_view() {
    let Some(chromium) = chromium() else { return };
    let directory = tempfile::tempdir().unwrap();
    let trace = directory.path().join("run.jsonl");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/shrunk-half-quorum.toml");
    let run = |args: &[&str]| {
        let status = Command::new(env!("CARGO_BIN_EXE_tokensim"))
            .args(args)
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .status();
        assert_eq!(status.expect("tokensim runs").code(), Some(0), "{args:?}");
    };
    run(&["run", scenario, "--trace", trace.to_str().unwrap()]);
    let page = directory.path().join("n1.html");
    run(&[
        "show",
        trace.to_str().unwrap(),
        "--node",
        "n1",
        "--token",
        "t1",
        "--from",
        "1ms",
        "--html",
        page.to_str().unwrap(),
    ]);
    let browsed = browse(&chromium, &file_url(&page), &["--dump-dom"]);
    assert_no_script_errors(&browsed, "filtered");
    let dom = &browsed.stdout;
    assert_eq!(chart(dom).matches("class=\"lane-label\"").count(), 1, "only n1's lane");
    assert!(chart(dom).contains(">n1</text>"));
    // The token filter: n1#2 listed t1 and is drawn; n1#1 paid t0 and is not.
    assert!(chart(dom).contains("n1#2 gettokens"), "{}", chart(dom));
    assert!(!chart(dom).contains("n1#1 pay"), "{}", chart(dom));
}
