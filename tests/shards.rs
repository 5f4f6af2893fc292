//! Sweeps split over a cluster engine's array job: shards run as separate processes of the
//! binary with the variables Slurm and Kubernetes set, their `--json` reports merged by
//! `tokensim merge`, give exactly the report of the whole range, failures and counts
//! included; and bad or inconsistent shard values end in one line and exit 2.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// Every variable a shard is read from: cleared for each process, so that the test runs the
/// same inside an array job of its own.
const SHARD_VARIABLES: [&str; 7] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
    "TOKENSIM_SHARD_COUNT",
];

/// A broken protocol over a range where some swarm seeds fail (9 of the 60 when written).
const SWEEP: [&str; 6] = ["--seeds", "0..60", "--swarm", "--variant", "half-quorum", "--json"];

/// Environment variables to set, as (name, value).
type Variables<'a> = Vec<(&'a str, String)>;

fn tokensim(args: &[&str], variables: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokensim"));
    command.args(args);
    for name in SHARD_VARIABLES {
        command.env_remove(name);
    }
    command.envs(variables.iter().map(|(name, value)| (name, value)));
    command
}

fn spawn(args: &[&str], variables: &[(&str, String)]) -> Child {
    let mut command = tokensim(args, variables);
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("tokensim starts")
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shards").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The whole range's report, run in one process.
fn whole(sweep: &[&str]) -> Output {
    let whole = tokensim(&[&["check"], sweep].concat(), &[]).output().unwrap();
    assert_eq!(whole.status.code(), Some(1), "the broken variant fails seeds: {}", text(&whole.stderr));
    whole
}

/// Run one process per shard at once, each with its own variables (and `--jobs 1`, as a
/// cluster's small tasks might), write their reports to `dir`, and merge them in reverse
/// order; the merged report, and each shard's stderr.
fn run_shards(dir: &Path, sweep: &[&str], shards: Vec<Variables>) -> (Output, Vec<String>) {
    let args = [&["check", "--jobs", "1"], sweep].concat();
    let children: Vec<Child> = shards.iter().map(|variables| spawn(&args, variables)).collect();
    let mut reports = Vec::new();
    let mut stderrs = Vec::new();
    for (index, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        assert!(matches!(output.status.code(), Some(0 | 1)), "shard {index}: {}", text(&output.stderr));
        let path = dir.join(format!("shard-{index}.json"));
        std::fs::write(&path, &output.stdout).unwrap();
        reports.push(path.display().to_string());
        stderrs.push(text(&output.stderr));
    }
    reports.reverse();
    let merge_args: Vec<&str> = std::iter::once("merge").chain(reports.iter().map(String::as_str)).collect();
    let merged = tokensim(&merge_args, &[]).output().unwrap();
    // `--json` names the one form `merge` prints, as every report command takes it.
    let with_json = tokensim(&[merge_args.as_slice(), &["--json"]].concat(), &[]).output().unwrap();
    assert_eq!((with_json.status.code(), &with_json.stdout), (merged.status.code(), &merged.stdout), "merge --json");
    (merged, stderrs)
}

fn assert_merged_is_whole(merged: &Output, whole: &Output) {
    assert_eq!(merged.status.code(), whole.status.code(), "{}", text(&merged.stderr));
    let (merged, whole) = (text(&merged.stdout), text(&whole.stdout));
    let failed = whole.split("\"seeds_failed\": ").nth(1).and_then(|rest| rest.split(',').next());
    let failed: u64 = failed.and_then(|count| count.trim().parse().ok()).expect("a seeds_failed count");
    assert!(failed > 0, "the comparison covers failures: {whole}");
    assert_eq!(merged, whole, "the merged shards are the whole run's report");
}

#[test]
fn slurm_array_tasks_merge_to_the_whole_sweep() {
    let dir = scratch("slurm");
    // `sbatch --array=1-4`: ids from 1, so task 1 runs shard 0.
    let array = |id: u32| {
        vec![
            ("SLURM_ARRAY_TASK_ID", id.to_string()),
            ("SLURM_ARRAY_TASK_MIN", "1".to_string()),
            ("SLURM_ARRAY_TASK_MAX", "4".to_string()),
            ("SLURM_ARRAY_TASK_COUNT", "4".to_string()),
            ("SLURM_ARRAY_TASK_STEP", "1".to_string()),
        ]
    };
    let (merged, stderrs) = run_shards(&dir, &SWEEP, (1..=4).map(array).collect());
    let said =
        "shard 1/4 (from SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=4): seeds 15..30 of 0..60";
    assert!(stderrs[1].contains(said), "stderr says which shard runs and why: {}", stderrs[1]);
    assert_merged_is_whole(&merged, &whole(&SWEEP));
}

#[test]
fn kubernetes_indexed_job_pods_merge_to_the_whole_sweep() {
    let dir = scratch("kubernetes");
    // Seven pods: shards of 8 and 9 seeds.
    let pod = |index: u32| vec![("JOB_COMPLETION_INDEX", index.to_string()), ("TOKENSIM_SHARD_COUNT", "7".to_string())];
    let (merged, stderrs) = run_shards(&dir, &SWEEP, (0..7).map(pod).collect());
    let said = "shard 6/7 (from JOB_COMPLETION_INDEX=6 with TOKENSIM_SHARD_COUNT=7): seeds 51..60 of 0..60";
    assert!(stderrs[6].contains(said), "{}", stderrs[6]);
    assert_merged_is_whole(&merged, &whole(&SWEEP));
}

#[test]
fn more_shards_than_seeds_leave_empty_reports_that_merge_too() {
    let dir = scratch("flag");
    let sweep = ["--seeds", "20..25", "--swarm", "--variant", "half-quorum", "--json"];
    let mut reports = Vec::new();
    // The flag instead of variables: each process its own `--shard K/8`, of 5 seeds.
    for k in 0..8 {
        let shard = format!("{k}/8");
        let args: Vec<&str> = ["check", "--jobs", "1", "--shard", &shard].into_iter().chain(sweep).collect();
        let output = tokensim(&args, &[]).output().unwrap();
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output.stderr));
        if k == 0 {
            let said = "shard 0/8 (from --shard 0/8): no seeds";
            assert!(text(&output.stderr).contains(said), "{}", text(&output.stderr));
        }
        let path = dir.join(format!("shard-{k}.json"));
        std::fs::write(&path, &output.stdout).unwrap();
        reports.push(path.display().to_string());
    }
    let merge_args: Vec<&str> = std::iter::once("merge").chain(reports.iter().map(String::as_str)).collect();
    let merged = tokensim(&merge_args, &[]).output().unwrap();
    let whole = tokensim(&[&["check"][..], &sweep].concat(), &[]).output().unwrap();
    assert_eq!(whole.status.code(), Some(1), "a seed of 20..25 fails: {}", text(&whole.stdout));
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged.stderr));
    assert_eq!(text(&merged.stdout), text(&whole.stdout));
}

#[test]
fn bad_or_inconsistent_shard_values_end_in_one_line_and_exit_2() {
    let set = |pairs: &[(&'static str, &str)]| pairs.iter().map(|&(name, value)| (name, value.to_string())).collect();
    let cases: Vec<(Vec<&str>, Variables, &str)> = vec![
        (vec!["--shard", "4/4"], vec![], "--shard 4/4: shard 4 of 4 does not exist"),
        (vec!["--shard", "0/0"], vec![], "the shard count must be at least 1, found 0"),
        (vec!["--shard", "two/4"], vec![], "--shard `two/4`: expected K/N"),
        (vec![], set(&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")]), "SLURM_ARRAY_TASK_ID=x"),
        (
            vec![],
            set(&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")]),
            "shard 4 of 4 does not exist",
        ),
        (vec![], set(&[("SLURM_ARRAY_TASK_ID", "3")]), "SLURM_ARRAY_TASK_COUNT is not set"),
        (vec![], set(&[("JOB_COMPLETION_INDEX", "0"), ("TOKENSIM_SHARD_COUNT", "0")]), "at least 1, found 0"),
        (
            vec![],
            set(&[("JOB_COMPLETION_INDEX", "-1"), ("TOKENSIM_SHARD_COUNT", "4")]),
            "JOB_COMPLETION_INDEX=-1: expected a whole number",
        ),
        (vec![], set(&[("JOB_COMPLETION_INDEX", "1")]), "TOKENSIM_SHARD_COUNT is not set"),
        (vec![], set(&[("TOKENSIM_SHARD_COUNT", "4")]), "no shard index is"),
        (
            vec!["--shard", "1/4"],
            set(&[("JOB_COMPLETION_INDEX", "2"), ("TOKENSIM_SHARD_COUNT", "4")]),
            "--shard 1/4 is shard 1/4 but JOB_COMPLETION_INDEX=2 with TOKENSIM_SHARD_COUNT=4 is shard 2/4",
        ),
        (
            vec![],
            set(&[
                ("SLURM_ARRAY_TASK_ID", "0"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
                ("JOB_COMPLETION_INDEX", "1"),
                ("TOKENSIM_SHARD_COUNT", "2"),
            ]),
            "is shard 0/2 but JOB_COMPLETION_INDEX=1",
        ),
    ];
    for (flags, variables, expected) in cases {
        let args: Vec<&str> = ["check", "--seeds", "0..10"].into_iter().chain(flags.iter().copied()).collect();
        let output = tokensim(&args, &variables).output().unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?} {variables:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(expected), "{flags:?} {variables:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(output.stdout.is_empty(), "no seed ran");
    }
}

#[test]
fn agreeing_flag_and_variables_run_the_shard() {
    let variables = vec![("JOB_COMPLETION_INDEX", "2".to_string()), ("TOKENSIM_SHARD_COUNT", "4".to_string())];
    let output = tokensim(&["check", "--seeds", "0..8", "--shard", "2/4", "--jobs", "1"], &variables).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("shard 2/4 (from --shard 2/4): seeds 4..6 of 0..8"),
        "{}",
        text(&output.stderr)
    );
    assert!(text(&output.stdout).contains("seeds 4..6: 2 run, 2 passed"), "{}", text(&output.stdout));
}

fn repository_file(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The merged report of `reports` (paths), as `tokensim merge` prints it.
fn merge(reports: &[PathBuf]) -> Output {
    let reports: Vec<String> = reports.iter().map(|path| path.display().to_string()).collect();
    let args: Vec<&str> = std::iter::once("merge").chain(reports.iter().map(String::as_str)).collect();
    tokensim(&args, &[]).output().unwrap()
}

#[test]
fn the_slurm_script_runs_a_shard_per_task_and_their_reports_merge_to_the_whole() {
    let dir = scratch("sbatch");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cluster/sweep.sbatch");
    // What Slurm sets for the tasks of `--array=0-3` (job 77), and the script's settings.
    let task = |id: u32| {
        let mut command = Command::new("bash");
        command.arg(&script).current_dir(&dir);
        for name in SHARD_VARIABLES {
            command.env_remove(name);
        }
        let variables = [
            ("SLURM_ARRAY_JOB_ID", "77".to_string()),
            ("SLURM_ARRAY_TASK_ID", id.to_string()),
            ("SLURM_ARRAY_TASK_MIN", "0".to_string()),
            ("SLURM_ARRAY_TASK_MAX", "3".to_string()),
            ("SLURM_ARRAY_TASK_COUNT", "4".to_string()),
            ("SLURM_ARRAY_TASK_STEP", "1".to_string()),
            ("SLURM_CPUS_PER_TASK", "1".to_string()),
            ("TOKENSIM", env!("CARGO_BIN_EXE_tokensim").to_string()),
            ("SEEDS", "0..60".to_string()),
            ("SWEEP", "--swarm --variant half-quorum".to_string()),
        ];
        command.envs(variables);
        command.output().unwrap()
    };
    let mut reports = Vec::new();
    for id in 0..4 {
        let output = task(id);
        // Shards with failing seeds end well too: the merge job waits for every task to.
        assert_eq!(output.status.code(), Some(0), "task {id}: {}", text(&output.stderr));
        assert!(text(&output.stderr).contains(&format!("shard {id}/4 (from SLURM_ARRAY_TASK_ID={id}")));
        reports.push(dir.join(format!("reports/77/shard-{id}.json")));
    }
    let whole = whole(&SWEEP);
    assert_merged_is_whole(&merge(&reports), &whole);
}

/// The lines of a folded block scalar (`- >-`) that follows `marker` in a manifest, joined as
/// YAML joins them: the shell command a container runs.
fn folded_after(manifest: &str, marker: &str) -> String {
    let rest = &manifest[manifest.find(marker).unwrap_or_else(|| panic!("no {marker}"))..];
    let mut lines = rest.lines().skip_while(|line| !line.trim_end().ends_with("- >-")).skip(1);
    let first = lines.next().expect("a folded command");
    let indent = first.len() - first.trim_start().len();
    let more = lines.take_while(|line| line.len() - line.trim_start().len() >= indent && !line.trim().is_empty());
    std::iter::once(first).chain(more).map(str::trim).collect::<Vec<_>>().join(" ")
}

/// The value of the first `key: value` line of `manifest` at or after `marker`.
fn value_after<'a>(manifest: &'a str, marker: &str, key: &str) -> &'a str {
    let rest = &manifest[manifest.find(marker).unwrap_or_else(|| panic!("no {marker}"))..];
    let line = rest.lines().find(|line| line.trim_start().starts_with(key)).unwrap_or_else(|| panic!("no {key}"));
    line.trim_start()[key.len()..].trim().trim_matches('"')
}

#[test]
fn the_kubernetes_manifests_run_shards_whose_reports_merge_to_the_whole() {
    let sweep = repository_file("docs/cluster/sweep-job.yaml");
    let completions: u64 = value_after(&sweep, "kind: Job", "completions:").parse().unwrap();
    assert_eq!(value_after(&sweep, "kind: Job", "completionMode:"), "Indexed");
    let count: u64 = value_after(&sweep, "name: TOKENSIM_SHARD_COUNT", "value:").parse().unwrap();
    assert_eq!(count, completions, "TOKENSIM_SHARD_COUNT is the Job's completions");
    let parallelism: u64 = value_after(&sweep, "kind: Job", "parallelism:").parse().unwrap();
    assert!(parallelism <= completions);
    // Each pod's command, run here with a directory of ours for the volume and a few pods'
    // worth of seeds, as the pods would: its reports merge to the whole range's.
    let dir = scratch("kubernetes-manifest");
    let volume = dir.display().to_string();
    let shard_command = folded_after(&sweep, "name: shard").replace("/reports", &volume);
    let shard_command = shard_command.replace("--swarm", "--swarm --variant half-quorum");
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_tokensim")).parent().unwrap().display().to_string();
    let path = format!("{binary_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let pods = 4;
    for index in 0..pods {
        let mut pod = Command::new("sh");
        pod.args(["-c", &shard_command]);
        for name in SHARD_VARIABLES {
            pod.env_remove(name);
        }
        pod.env("PATH", &path).env("SEEDS", "0..60");
        pod.env("JOB_COMPLETION_INDEX", index.to_string()).env("TOKENSIM_SHARD_COUNT", pods.to_string());
        let output = pod.output().unwrap();
        assert_eq!(output.status.code(), Some(0), "pod {index}: {}", text(&output.stderr));
    }
    let merge_job = repository_file("docs/cluster/merge-job.yaml");
    let merge_command = folded_after(&merge_job, "name: merge").replace("/reports", &volume);
    let merged = Command::new("sh").args(["-c", &merge_command]).env("PATH", &path).output().unwrap();
    assert_eq!(merged.status.code(), Some(0), "a merged sweep with failures is a result: {}", text(&merged.stderr));
    let whole = whole(&SWEEP);
    assert_eq!(text(&merged.stdout).trim_end(), text(&whole.stdout).trim_end());
    assert_eq!(std::fs::read_to_string(dir.join("merged.json")).unwrap(), text(&whole.stdout));
}
