//! `tokensim explore`: every schedule of a small world, within bounds, checked for safety at
//! every state; a violation is written as a scenario file that `run` replays.

use super::output;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::explore::search::{self, SearchOptions, SearchProgress};

/// The arguments of `tokensim explore`.
#[derive(clap::Args)]
pub struct ExploreArgs {
    /// A scenario file (TOML) with explicit requests and no random workload; the world is
    /// searched as the file describes it.
    scenario: PathBuf,
    #[command(flatten)]
    variant: super::VariantArg,
    /// The seed (it sets the messages' delays, which only order the pending events).
    #[arg(long)]
    seed: Option<u64>,
    /// Steps per schedule.
    #[arg(long, value_name = "N", default_value_t = SearchOptions::default().max_depth)]
    max_depth: usize,
    /// Messages a schedule may lose.
    #[arg(long, value_name = "K", default_value_t = SearchOptions::default().max_losses)]
    max_losses: usize,
    /// Timers a schedule may fire while they still matter (resends); stale ones are free.
    #[arg(long, value_name = "T", default_value_t = SearchOptions::default().max_timeouts)]
    max_timeouts: usize,
    /// Distinct states to visit before giving up.
    #[arg(long, value_name = "M", default_value_t = SearchOptions::default().max_states)]
    max_states: usize,
    /// Reorderings a schedule may make (delay bounding): taking the k-th pending event in
    /// the timed scheduler's order spends k. Unbounded when left out; a small bound (2 or 3)
    /// reaches deep into worlds too big to search whole, such as one with a role change.
    #[arg(long, value_name = "R")]
    max_reorders: Option<usize>,
    /// Worker threads; all cores when left out. The result does not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Take every step, also those that commute with one already taken (no sleep sets):
    /// slower, and it visits the same states; for checking the reduction itself.
    #[arg(long)]
    no_reduction: bool,
    /// Branch on every loss as a step of its own, instead of folding losses into the states
    /// without them: about five times the states for one loss, and the same verdicts; for
    /// checking the folding itself.
    #[arg(long)]
    lose_as_steps: bool,
    /// Where to write a counterexample (a scenario whose `choices` replay it); next to the
    /// scenario, as NAME.counterexample.toml, when left out.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Search the world `args` names; exit 0 when no schedule within the bounds breaks safety,
/// 1 with a counterexample, 2 on bad input.
pub fn explore(args: &ExploreArgs) -> Result<ExitCode, String> {
    let scenario = super::load_scenario(Some(&args.scenario), &args.variant)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let options = SearchOptions {
        max_depth: args.max_depth,
        max_losses: args.max_losses,
        max_timeouts: args.max_timeouts,
        max_reorders: args.max_reorders,
        max_states: args.max_states,
        jobs,
        reduce: !args.no_reduction,
        fold_losses: !args.lose_as_steps,
    };
    let spinner = std::io::stderr().is_terminal().then(|| {
        let spinner = indicatif::ProgressBar::new_spinner();
        // The spinner ticks on the wall clock; that only animates the display, no run reads it.
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        spinner
    });
    let show = |progress: SearchProgress| {
        if let Some(spinner) = &spinner {
            spinner.set_message(format!(
                "depth {}: {} states, {} to expand",
                progress.depth, progress.states, progress.frontier
            ));
        }
    };
    let report = search::search(&scenario, seed, options, &show).map_err(|error| error.to_string())?;
    if let Some(spinner) = &spinner {
        spinner.finish_and_clear();
    }
    let mut text = String::new();
    let Some(found) = &report.counterexample else {
        text.push_str(&report.summary());
        text.push_str("\nsafety holds in every state reached, and every schedule the bounds stopped recovered: continued with no more losses, it answered every request. Schedules cut at the depth bound are not continued.\n");
        output::print(&text)?;
        return Ok(ExitCode::SUCCESS);
    };
    let path = args.output.clone().unwrap_or_else(|| {
        let stem = args.scenario.file_stem().map_or("explored".into(), |stem| stem.to_string_lossy().into_owned());
        args.scenario.with_file_name(format!("{stem}.counterexample.toml"))
    });
    let mut replay = found.scenario.clone();
    replay.name = format!("{}-counterexample", scenario.name);
    let header = format!(
        "# Found by `tokensim explore` in {}: the shortest schedule ({} steps) that breaks {}.\n# Reproduce with: tokensim run {}\n\n",
        args.scenario.display(),
        found.schedule.choices.len(),
        replay.expect.violation.map_or("safety".to_string(), |property| property.to_string()),
        tokensim::explore::reproduce::shell_quoted(&path.display().to_string())
    );
    std::fs::write(&path, header + &replay.to_toml())
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    text.push_str(&format!("violation after {} steps:\n", found.schedule.choices.len()));
    for violation in &found.violations {
        text.push_str(&format!("  {violation}\n"));
    }
    text.push_str(
        "the schedule (each step picks a pending event, in the order the timed scheduler would take them):\n",
    );
    for line in search::describe_schedule(&scenario, seed, &found.schedule) {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str(&format!("choices = \"{}\"\n", found.schedule));
    text.push_str(&format!("{}\n", report.summary()));
    text.push_str(&format!(
        "wrote {}; reproduce with: tokensim run {}\n",
        path.display(),
        tokensim::explore::reproduce::shell_quoted(&path.display().to_string())
    ));
    output::print(&text)?;
    Ok(ExitCode::FAILURE)
}
