//! The README and the docs against the binary and the code: the set-up a newcomer follows,
//! the "First hour" walk-through run command by command, every command and flag the README
//! lists, the variant table, the specification's list of properties, and no pointer outside
//! the repository. (`tests/repl.rs` checks the README's REPL session the same way.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tokensim::protocol::Variant;
use tokensim::vocab::{Property, PropertyKind};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(manifest_dir().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The text of the README's section headed `heading`, up to the next heading of its level.
fn section<'a>(readme: &'a str, heading: &str) -> &'a str {
    let start = readme.find(&format!("\n{heading}\n")).unwrap_or_else(|| panic!("no section {heading}"));
    let level = heading.split(' ').next().unwrap();
    let rest = &readme[start + heading.len() + 2..];
    let end = rest.find(&format!("\n{level} ")).unwrap_or(rest.len());
    &rest[..end]
}

/// The lines of the fenced code blocks of `text` whose language is `language`.
fn code_lines<'a>(text: &'a str, language: &str) -> Vec<&'a str> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        match line.strip_prefix("```") {
            Some(info) if !inside => inside = info == language,
            Some(_) => inside = false,
            None if inside => lines.push(line),
            None => {}
        }
    }
    lines
}

/// A shell line's words, up to a `#` comment (the README's commands use no quoting).
fn words(line: &str) -> Vec<&str> {
    line.split(" #").next().unwrap().split_whitespace().collect()
}

fn tokensim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tokensim")).args(args).current_dir(dir).output().expect("tokensim runs")
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_set_up_gives_the_main_job_the_tests_and_the_command_on_path() {
    let readme = read("README.md");
    let setup = code_lines(section(&readme, "## Set-up and the two commands"), "sh");
    let commands: Vec<Vec<&str>> = setup.iter().map(|line| words(line)).collect();
    assert_eq!(
        commands,
        [vec!["cargo", "run", "--release"], vec!["cargo", "test"], vec!["cargo", "install", "--path", "."]]
    );
    assert!(readme.contains("`cargo install --path . --root DIR` puts it in `DIR/bin`"));
}

#[test]
fn the_first_hour_runs_as_written() {
    let readme = read("README.md");
    let first_hour = section(&readme, "## The first hour");
    let dir = scratch("first-hour");
    // The scenario files, as in a clone.
    let scenarios = dir.join("sim-scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    for entry in std::fs::read_dir(manifest_dir().join("sim-scenarios")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, scenarios.join(path.file_name().unwrap())).unwrap();
    }
    let commands = code_lines(first_hour, "sh");
    assert_eq!(commands.len(), 6, "{commands:?}");
    let mut outputs = Vec::new();
    for line in &commands {
        let words = words(line);
        assert_eq!(words[0], "tokensim", "{line}");
        let output = tokensim_in(&dir, &words[1..]);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let expected = if line.contains("# exits 1") { 1 } else { 0 };
        assert_eq!(output.status.code(), Some(expected), "`{line}`:\n{stdout}{stderr}");
        assert!(!stderr.contains("panicked"), "{line}: {stderr}");
        outputs.push((words.join(" "), stdout, stderr));
    }
    let output_of = |prefix: &str| &outputs.iter().find(|(command, ..)| command.starts_with(prefix)).unwrap().1;
    assert!(output_of("tokensim run").ends_with("verdict         PASS\n"));
    for heading in ["scenarios: ", "variants: ", "properties: "] {
        assert!(output_of("tokensim list").contains(heading), "{heading}");
    }
    assert!(output_of("tokensim list").contains("  sim-scenarios/shrunk-half-quorum.toml "));
    // The sweep's output, as the README abridges it: its lines are the first and last printed.
    let sweep = output_of("tokensim check");
    let shown = code_lines(first_hour, "text");
    let printed: Vec<&str> = sweep.lines().collect();
    assert_eq!(shown.first(), printed.first(), "{sweep}");
    assert_eq!(shown.get(1), printed.get(1), "{sweep}");
    assert_eq!(shown.last(), printed.last(), "{sweep}");
    assert!(printed.len() <= 65, "no flood: {} lines (17 of them rare paths)", printed.len());
    assert!(dir.join("half-quorum.toml").exists() && dir.join("half-quorum.html").exists());
    let last = output_of("tokensim run half-quorum.toml");
    assert!(last.contains("verdict         PASS (the expected violation of linearizable was reproduced)"));
    assert!(first_hour.contains("(here 4 requests on 3 servers)"));
    assert!(
        output_of("tokensim shrink").contains("\n  to   4 requests, 3 servers, "),
        "{}",
        output_of("tokensim shrink")
    );
    // And the step the text suggests after the walk: the kept reproduction fails on the correct protocol.
    let correct = tokensim_in(&dir, &["run", "half-quorum.toml", "--variant", "correct"]);
    assert_eq!(correct.status.code(), Some(1));
}

#[test]
fn every_command_and_flag_the_readme_lists_exists() {
    let readme = read("README.md");
    let listed = code_lines(section(&readme, "## The command line"), "sh");
    assert!(listed.len() >= 10, "{listed:?}");
    let dir = scratch("commands");
    for line in listed {
        let words = words(line);
        assert_eq!(words[0], "tokensim", "{line}");
        let command = words[1];
        let help = tokensim_in(&dir, &[command, "--help"]);
        assert_eq!(help.status.code(), Some(0), "tokensim {command} --help");
        let help = String::from_utf8_lossy(&help.stdout);
        for word in words[2..].iter().flat_map(|word| word.split(['[', ']', '|'])) {
            if word.starts_with("--") {
                assert!(help.contains(&format!("{word} ")) || help.contains(&format!("{word}\n")), "{line}: {word}");
            }
        }
    }
    for (args, needle) in [
        (&["list", "variants"][..], "half-quorum"),
        (&["completions", "bash"], "complete "),
        (&["completions", "zsh"], "#compdef tokensim"),
        (&["man"], ".TH tokensim 1"),
        (&["man", "check"], ".TH tokensim-check 1"),
    ] {
        let output = tokensim_in(&dir, args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stdout).contains(needle), "{args:?}");
    }
}

#[test]
fn list_is_a_command_and_run_still_takes_a_file_named_list() {
    let dir = scratch("list");
    let output = tokensim_in(&dir, &["list"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("(no sim-scenarios/ here: give --dir DIR"), "{stdout}");
    for property in Property::ALL {
        assert!(stdout.contains(&format!("  {:<29}", property.name())), "{property}");
        assert!(stdout.contains(property.summary()), "{property}");
    }
    for variant in Variant::ALL {
        assert!(stdout.contains(&format!("  {:<19}  {}", variant.name(), variant.mistake())), "{variant}");
    }
    std::fs::write(dir.join("list"), "name = \"a file named list\"\n[workload]\nrequests = 3\n").unwrap();
    let run = tokensim_in(&dir, &["run", "list"]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("scenario a file named list, seed 1"));
    // --dir lists a directory's files, and a file that does not read says why in one line.
    std::fs::write(dir.join("broken.toml"), "name = \"b\"\n[world]\nservers = 9\n").unwrap();
    let listed = tokensim_in(Path::new("/"), &["list", "scenarios", "--dir", dir.to_str().unwrap()]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("broken.toml  does not read: "), "{listed}");
    assert!(listed.contains(":3:11: world.servers: expected 3 to 7 servers, found 9\n"), "{listed}");
    let missing = tokensim_in(&dir, &["list", "scenarios", "--dir", "no-such-dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("error: --dir no-such-dir: "));
}

#[test]
fn the_variant_table_gives_each_variant_its_mistake() {
    let readme = read("README.md");
    for variant in Variant::ALL.into_iter().filter(|variant| *variant != Variant::Correct) {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", variant.name())))
            .unwrap_or_else(|| panic!("the README's variant table has no row for {variant}"));
        assert_eq!(row.replace('`', ""), format!("| {} | {} |", variant.name(), variant.mistake()));
    }
}

#[test]
fn the_specification_lists_every_property_with_its_kind_and_every_variant() {
    let spec = read("docs/PROTOCOL.md");
    for property in Property::ALL {
        let kind = match property.kind() {
            PropertyKind::Safety => "safety",
            PropertyKind::Liveness => "liveness",
            PropertyKind::Expectation => "expectation",
            PropertyKind::Harness => "harness",
        };
        let row = format!("| `{}` | {kind} | ", property.name());
        assert!(spec.contains(&row), "docs/PROTOCOL.md has no row {row}");
    }
    for variant in Variant::ALL.into_iter().filter(|variant| *variant != Variant::Correct) {
        let row = format!("| {} | {} |", variant.name(), variant.mistake());
        assert!(spec.lines().any(|line| line.replace('`', "").starts_with(&row)), "docs/PROTOCOL.md has no row {row}");
    }
}

#[test]
fn no_document_points_outside_the_repository_or_at_a_missing_file() {
    let mut documents = vec!["README.md".to_string(), "sim-scenarios/README.md".to_string()];
    for entry in std::fs::read_dir(manifest_dir().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            documents.push(format!("docs/{name}"));
        }
    }
    assert!(documents.contains(&"docs/PROTOCOL.md".to_string()));
    let roots = ["docs/", "src/", "tests/", "sim-scenarios/", "benches/", "examples/", ".ci/"];
    for document in documents {
        let text = read(&document);
        assert!(!text.contains("../"), "{document} points outside the repository");
        assert!(!text.contains("shared/"), "{document} points at shared/, which a clone does not have");
        // Paths in backquotes or links that name a file of the repository must exist.
        let mut paths: Vec<&str> = text.split('`').skip(1).step_by(2).collect();
        paths.extend(text.split("](").skip(1).filter_map(|rest| rest.split(')').next()));
        for path in paths {
            let path = path.split('#').next().unwrap();
            let placeholder = path.contains(['*', '<', '{', ' ']) || path.contains("NAME") || path.contains("FILE");
            if roots.iter().any(|root| path.starts_with(root)) && !placeholder {
                assert!(manifest_dir().join(path).exists(), "{document} names {path}, which does not exist");
            }
        }
    }
}
