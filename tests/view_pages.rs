//! The HTML pages without a browser: deterministic, self-contained, safe with any input.
//! (`tests/html_view.rs` loads them in a real browser.)

use tokensim::check::{Property, Violation};
use tokensim::explore::reproduce::Origin;
use tokensim::explore::sweep::{sweep, SweepOptions};
use tokensim::protocol::{Epoch, Instant, Message, NodeId, Outcome, PhaseTag, Request, RequestId, TokenId};
use tokensim::scenario::Scenario;
use tokensim::sim::DropReason;
use tokensim::trace::{MessageId, TraceEvent, TraceHeader, TraceRecord, TracedMessage};
use tokensim::view;

/// The kept half-quorum reproduction, as a failing run (without its `[expect] violation`,
/// which would make the reproduction a pass).
fn shrunk_half_quorum() -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/shrunk-half-quorum.toml");
    let mut scenario = Scenario::from_toml(&std::fs::read_to_string(path).unwrap(), path).unwrap();
    scenario.expect.violation = None;
    scenario
}

/// The JSON embedded in a page, parsed.
fn page_data(page: &str) -> serde_json::Value {
    let start = page.find("id=\"run-data\">").expect("the page embeds its data") + "id=\"run-data\">".len();
    let end = start + page[start..].find("</script>").expect("the data ends");
    serde_json::from_str(&page[start..end]).expect("the embedded data is JSON")
}

#[test]
fn the_same_run_gives_the_byte_identical_page() {
    let scenario = shrunk_half_quorum();
    let (first, verdict) = view::checked_run_page(&scenario, scenario.seed).unwrap();
    let (second, _) = view::checked_run_page(&scenario, scenario.seed).unwrap();
    assert!(!verdict.passed());
    assert_eq!(first, second);
    let mut default = Scenario::default_scenario();
    default.random_workload_mut().requests = 100;
    assert_eq!(view::checked_run_page(&default, 4).unwrap().0, view::checked_run_page(&default, 4).unwrap().0);
}

#[test]
fn a_failing_run_states_its_violation_and_names_its_requests() {
    let scenario = shrunk_half_quorum();
    let (page, verdict) = view::checked_run_page(&scenario, scenario.seed).unwrap();
    assert!(page.contains("id=\"banner\""));
    // The kept half-quorum case: a listing that missed a token its owner held.
    assert_eq!(verdict.violations[0].property, Property::Linearizable);
    assert!(page.contains("A request saw the tokens in a state no order of the requests explains"), "in words");
    assert!(page.contains(&html_escaped(&verdict.violations[0].detail)), "the checker's own words");
    assert!(page.contains("class=\"op\" data-op=\""), "links to the requests involved");
    let data = page_data(&page);
    assert_eq!(data["run"]["verdict"], "fail");
    assert_eq!(data["violations"][0]["property"], "linearizable");
    let nodes = (scenario.world.clients + scenario.world.servers) as usize;
    assert_eq!(data["lanes"].as_array().unwrap().len(), nodes);
    let violations = data["violations"].as_array().unwrap();
    let reported: u64 = violations.iter().map(|v| v["count"].as_u64().unwrap()).sum();
    assert_eq!(reported as usize, verdict.violations.len(), "identical findings are grouped, none lost");
    assert!(violations.len() <= verdict.violations.len());
}

fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[test]
fn a_passing_run_has_no_banner_and_every_node_has_a_lane() {
    let mut scenario = Scenario::default_scenario();
    scenario.random_workload_mut().requests = 50;
    let (page, verdict) = view::checked_run_page(&scenario, 1).unwrap();
    assert!(verdict.passed());
    assert!(!page.contains("id=\"banner\""));
    let data = page_data(&page);
    assert_eq!(data["run"]["verdict"], "pass");
    let lanes: Vec<u64> = data["lanes"].as_array().unwrap().iter().map(|l| l["id"].as_u64().unwrap()).collect();
    assert_eq!(lanes, (1..=11).collect::<Vec<u64>>());
    assert_eq!(data["troubles"].as_array().unwrap().len(), 2, "two faulty servers are shaded");
}

#[test]
fn pages_fetch_nothing() {
    let scenario = shrunk_half_quorum();
    let (page, _) = view::checked_run_page(&scenario, scenario.seed).unwrap();
    let mut default = Scenario::default_scenario();
    default.random_workload_mut().requests = 10;
    let report = sweep(
        &SweepOptions {
            scenario: default,
            origin: Origin::default(),
            seeds: "0..3".parse().unwrap(),
            jobs: 1,
            swarm: true,
            max_failures: None,
        },
        &|| {},
    )
    .unwrap();
    let sweep_page = view::sweep_page(&report, &[]);
    for page in [&page, &sweep_page] {
        for remote in [" src=", "href=\"http", "url(http", "@import", "fetch(", "XMLHttpRequest", "//cdn"] {
            assert!(!page.contains(remote), "a page refers to something outside it: {remote}");
        }
    }
}

#[test]
fn text_from_the_scenario_cannot_break_out_of_the_page() {
    let mut scenario = shrunk_half_quorum();
    scenario.name = "</script><script>alert(1)</script>".to_string();
    scenario.description = "<b>bold</b> & \"quoted\"".to_string();
    let (page, _) = view::checked_run_page(&scenario, scenario.seed).unwrap();
    assert_eq!(page.matches("<script>alert").count(), 0);
    assert!(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
    assert_eq!(page_data(&page)["run"]["scenario"], scenario.name, "the data survives its escaping");
}

fn id(client: u32, sequence: u64) -> RequestId {
    RequestId { client: NodeId(client), sequence }
}

fn link(from: u32, to: u32, number: u32) -> MessageId {
    MessageId { from: NodeId(from), to: NodeId(to), number }
}

fn record(at: u64, event: TraceEvent) -> TraceRecord {
    TraceRecord { at: Instant(at), event }
}

/// Records no simulator writes: answers without submissions, deliveries without sends,
/// nodes outside the world, a violation naming a request the trace lacks.
#[test]
fn odd_traces_give_a_page_not_a_panic() {
    // 2 clients (n1, n2) and 3 servers (n3..n5).
    let world = Scenario::builder("odd").servers(3).clients(2).tokens_per_client(1).build().unwrap();
    let header = TraceHeader::new(&world, u64::MAX);
    let tag = PhaseTag { request: id(1, 9), phase: 3 };
    let read = Message::Read { epoch: Epoch(0), tag, tokens: tokensim::protocol::TokenSelection::One(TokenId(0)) };
    let pay = Request::Pay { token: TokenId(0), to: NodeId(2) };
    let records = vec![
        record(
            5,
            TraceEvent::Replied {
                id: id(1, 9),
                request: pay,
                outcome: Outcome::Paid { token: TokenId(0), version: tokensim::protocol::Version(2) },
            },
        ),
        record(7, TraceEvent::Delivered { id: link(1, 99, 1), copy: false }),
        record(8, TraceEvent::Dropped { id: link(1, 3, 1), copy: false, reason: DropReason::LinkLoss }),
        record(9, TraceEvent::Sent { id: link(1, 3, 1), message: TracedMessage::of(&read), duplicated: false }),
        // A message the network duplicated: its copy arrives first, each drawn from the send.
        record(20, TraceEvent::Sent { id: link(1, 4, 1), message: TracedMessage::of(&read), duplicated: true }),
        record(22, TraceEvent::Delivered { id: link(1, 4, 1), copy: true }),
        record(25, TraceEvent::Delivered { id: link(1, 4, 1), copy: false }),
        record(3, TraceEvent::Started { id: id(2, 1), request: Request::GetTokens { owner: NodeId(1) } }),
        record(
            9,
            TraceEvent::TimerFired { node: NodeId(1), timer: tokensim::protocol::Timer::Retransmit { phase: 3 } },
        ),
        record(
            2,
            TraceEvent::TimerFired { node: NodeId(1), timer: tokensim::protocol::Timer::Retransmit { phase: 2 } },
        ),
        record(
            10,
            TraceEvent::Replied {
                id: id(2, 2),
                request: Request::BecomeServer { node: NodeId(2) },
                outcome: Outcome::RoleChanged { epoch: Epoch(1), servers: vec![NodeId(2), NodeId(3), NodeId(42)] },
            },
        ),
    ];
    let violation = Violation::new(Property::Liveness, "stuck").involving([id(2, 1), id(7, 7)]);
    let page = view::run_page(&header, &records, &[violation]);
    let data = page_data(&page);
    assert_eq!(data["run"]["seed"], u64::MAX.to_string(), "seeds beyond 2^53 travel as text");
    let lanes: Vec<u64> = data["lanes"].as_array().unwrap().iter().map(|l| l["id"].as_u64().unwrap()).collect();
    assert!(lanes.contains(&99) && lanes.contains(&42), "nodes seen only in events get lanes: {lanes:?}");
    assert_eq!(data["violations"][0]["ops"][1], -1, "a request the trace lacks is named but not linked");
    assert_eq!(data["roles"].as_array().unwrap().len(), 4, "n2 and n42 become servers, n4 and n5 clients");
    // Three messages: n1 -> n3 (in flight: its loss came before its send), and n1 -> n4 with
    // its copy; the delivery to n99 and the early loss name no message sent, so a note says so.
    let column = |name: &str| -> Vec<u64> {
        data["msgs"][name].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect()
    };
    assert_eq!(column("t"), [9, 11, 0], "send times, delta-coded: the copy is drawn from its original's send");
    assert_eq!(column("fate"), [5, 0, 8], "in flight, delivered, a delivered copy");
    assert_eq!(column("d"), [16, 5, 2], "in flight to the end (25), then each delivery's own delay");
    let notes = data["run"]["notes"].as_array().unwrap();
    assert!(
        notes[0].as_str().unwrap().starts_with("2 deliveries or losses of messages the trace never sent"),
        "{notes:?}"
    );

    // Nothing at all, and a scenario that is not valid.
    let mut invalid = Scenario::default_scenario();
    invalid.world.servers = 0;
    for header in [TraceHeader::new(&Scenario::default_scenario(), 1), TraceHeader::new(&invalid, 1)] {
        let page = view::run_page(&header, &[], &[]);
        assert!(page.ends_with("</html>\n"));
    }
}

#[test]
fn a_trace_file_page_takes_the_verdict_from_its_footer_and_says_when_it_cannot() {
    let directory = tempfile::tempdir().unwrap();
    let trace = directory.path().join("bad.jsonl");
    let scenario = shrunk_half_quorum();
    let (outcome, records) = tokensim::trace::record_run(&scenario, scenario.seed).unwrap();
    let header = TraceHeader::new(&scenario, scenario.seed);
    let mut writer = tokensim::trace::JsonlWriter::create(&trace, &header).unwrap();
    for record in &records {
        tokensim::trace::TraceSink::record(&mut writer, record.clone());
    }
    let end = tokensim::sim::TraceEnd {
        events: outcome.simulation.counters().events,
        hash: outcome.event_hash(),
        violations: outcome.verdict.violations.clone(),
    };
    tokensim::trace::TraceSink::finish(&mut writer, &end).unwrap();
    drop(writer);
    let page = view::trace_file_page(&trace).unwrap();
    assert_eq!(page, view::checked_run_page(&scenario, scenario.seed).unwrap().0, "the file's page is the run's page");

    // Truncated: shown up to where it ends, verdict unknown.
    let text = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&trace, lines[..lines.len() - 10].join("\n") + "\n").unwrap();
    let page = view::trace_file_page(&trace).unwrap();
    let data = page_data(&page);
    assert_eq!(data["run"]["verdict"], "unknown");
    assert!(data["run"]["notes"][0].as_str().unwrap().contains("truncated"));

    // Not a trace at all: an error naming the file and line.
    std::fs::write(&trace, "hello\n").unwrap();
    let error = view::trace_file_page(&trace).unwrap_err().to_string();
    assert!(error.starts_with(&format!("{}:1:", trace.display())), "{error}");
}

#[test]
fn sweep_pages_count_link_and_plot() {
    let mut scenario = Scenario::default_scenario();
    scenario.variant = "any-majority".parse().unwrap();
    let options = SweepOptions {
        scenario,
        origin: Origin::default(),
        seeds: "0..40".parse().unwrap(),
        jobs: 2,
        swarm: true,
        max_failures: None,
    };
    let report = sweep(&options, &|| {}).unwrap();
    assert!(report.seeds_failed > 0, "any-majority fails some of the first 40 swarm seeds");
    assert!(report.latency_us.total() > 0);
    let directory = tempfile::tempdir().unwrap();
    let file = view::PageFile::create(&directory.path().join("sweep.html")).unwrap();
    let written = view::write_sweep_pages(file, &report, &options).unwrap();
    assert_eq!(written.len(), 1 + (report.seeds_failed as usize).min(view::DIAGRAMS_MAX));
    let page = std::fs::read_to_string(&written[0]).unwrap();
    let first = report.failures[0].seed;
    assert!(page.contains(&format!("href=\"sweep-seed-{first}.html\"")), "links each diagram by its file name");
    assert!(written[1].ends_with(format!("sweep-seed-{first}.html")));
    assert_eq!(page.matches("<tr class=\"failure\"").count(), report.failures.len());
    assert!(page.contains("class=\"histogram\""));
    assert!(page.contains(&html_escaped(&report.failures[0].reproduce)));
    let run_page = std::fs::read_to_string(&written[1]).unwrap();
    assert!(run_page.contains("id=\"banner\""), "the failing seed's own page shows its violation");
    assert_probe_table(&page, &report);
}

/// The page's coverage table says what `check` prints: each probe, how many seeds took it,
/// the ones none took flagged.
fn assert_probe_table(page: &str, report: &tokensim::explore::sweep::SweepReport) {
    assert!(page.contains("id=\"probes\""), "the page has its probe table");
    assert_eq!(report.probe_seeds.len(), tokensim::protocol::Probe::ALL.len());
    for (probe, seeds) in &report.probe_seeds {
        let class = if *seeds == 0 { "probe never" } else { "probe" };
        let row = format!("<tr class=\"{class}\" data-probe=\"{probe}\" data-seeds=\"{seeds}\">");
        assert!(page.contains(&row), "{probe}: {seeds} seeds");
    }
    let never = report.probe_seeds.values().filter(|&&seeds| seeds == 0).count();
    assert_eq!(page.matches("<tr class=\"probe never\"").count(), never);
    let taken = report.probe_seeds.len() - never;
    let summary = format!(
        "{taken} of {} rare paths taken by at least one of {} seeds",
        report.probe_seeds.len(),
        report.seeds_run
    );
    assert!(page.contains(&summary), "{summary}");
}

#[test]
fn a_sweep_page_flags_the_rare_paths_no_seed_took() {
    // Five seeds of the default world, without faults on roles or crashes: the
    // reconfiguration probes are never taken, and the page says so.
    let options = SweepOptions {
        scenario: Scenario::default_scenario(),
        origin: Origin::default(),
        seeds: "0..5".parse().unwrap(),
        jobs: 1,
        swarm: false,
        max_failures: None,
    };
    let report = sweep(&options, &|| {}).unwrap();
    assert_eq!(report.probe_seeds["took_over"], 0, "no crash in the default world");
    assert!(report.probe_seeds["replicas_disagreed"] > 0, "a lagging replica is common");
    let page = view::sweep_page(&report, &[]);
    assert_probe_table(&page, &report);
    assert!(page.contains("never</span>: no seed of this sweep reaches them."));
    assert!(page.contains("a client took over a configuration a stopped coordinator left sealed"), "in words");
    // A report of an older tokensim, merged, has no probes: the page says so.
    let mut old = report.clone();
    old.probe_seeds.clear();
    assert!(view::sweep_page(&old, &[]).contains("No coverage data"));
}

#[test]
fn a_sweep_page_with_no_failure_says_so() {
    let options = SweepOptions {
        scenario: Scenario::default_scenario(),
        origin: Origin::default(),
        seeds: "2..3".parse().unwrap(),
        jobs: 1,
        swarm: false,
        max_failures: None,
    };
    let report = sweep(&options, &|| {}).unwrap();
    assert_eq!(report.latency_us.total(), 1000);
    let page = view::sweep_page(&report, &[]);
    assert!(page.contains("Every seed passed."));
}

fn tokensim(args: &[&str]) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tokensim")).args(args).output().expect("tokensim runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_command_line_writes_the_same_page_from_a_run_and_from_its_trace() {
    let directory = tempfile::tempdir().unwrap();
    let path = |name: &str| directory.path().join(name).display().to_string();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/shrunk-half-quorum.toml");
    let (code, stderr) = tokensim(&["run", scenario, "--html", &path("run.html")]);
    assert_eq!(code, 0, "a kept reproduction passes while it reproduces: {stderr}");
    assert!(stderr.contains(&format!("view: {} (", path("run.html"))), "{stderr}");
    let (code, _) = tokensim(&["run", scenario, "--trace", &path("run.jsonl"), "--html", &path("both.html")]);
    assert_eq!(code, 0);
    let (code, stderr) = tokensim(&["show", &path("run.jsonl"), "--html", &path("show.html")]);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read(path("run.html")).unwrap();
    assert_eq!(page, std::fs::read(path("both.html")).unwrap(), "with a trace file, the same page");
    assert_eq!(page, std::fs::read(path("show.html")).unwrap(), "from the trace file, the same page");
}

#[test]
fn an_unwritable_page_is_one_line_with_exit_code_2_before_any_work() {
    let missing = std::env::temp_dir().join("tokensim-no-such-directory").join("page.html");
    let missing = missing.to_str().expect("a UTF-8 path");
    let trace = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad-scenarios/servers-out-of-range.toml");
    for args in [
        &["run", "--html", missing][..],
        &["check", "--seeds", "0..2", "--html", missing],
        &["show", trace, "--html", missing],
    ] {
        let (code, stderr) = tokensim(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.starts_with(&format!("error: cannot write {missing}: ")), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
    // A file that is not a trace: named with its line, exit code 2.
    let directory = tempfile::tempdir().unwrap();
    let page = directory.path().join("page.html");
    let (code, stderr) = tokensim(&["show", trace, "--html", page.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with(&format!("error: {trace}:1: ")), "{stderr}");
}

#[test]
fn check_writes_its_page_and_the_failing_seeds_pages_next_to_it() {
    let directory = tempfile::tempdir().unwrap();
    let page = directory.path().join("sweep.html");
    let args = ["check", "--seeds", "0..12", "--swarm", "--variant", "any-majority", "--html", page.to_str().unwrap()];
    let (code, stderr) = tokensim(&args);
    assert_eq!(code, 1, "{stderr}");
    let mut names: Vec<String> =
        std::fs::read_dir(directory.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert!(names.contains(&"sweep.html".to_string()));
    let seeds: Vec<&String> = names.iter().filter(|name| name.starts_with("sweep-seed-")).collect();
    assert!(!seeds.is_empty(), "{names:?}");
    let sweep = std::fs::read_to_string(&page).unwrap();
    for name in seeds {
        assert!(sweep.contains(&format!("href=\"{name}\"")), "{name} is linked");
    }
}
