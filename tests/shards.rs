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

/// A broken protocol over a range where 7 of 60 swarm seeds fail, in three of four shards.
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
    (tokensim(&merge_args, &[]).output().unwrap(), stderrs)
}

fn assert_merged_is_whole(merged: &Output, whole: &Output) {
    assert_eq!(merged.status.code(), whole.status.code(), "{}", text(&merged.stderr));
    let (merged, whole) = (text(&merged.stdout), text(&whole.stdout));
    assert!(whole.contains("\"seeds_failed\": 7"), "the comparison covers failures: {whole}");
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
    assert_eq!(whole.status.code(), Some(1), "seed 24 fails: {}", text(&whole.stdout));
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
