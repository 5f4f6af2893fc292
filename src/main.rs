//! The `tokensim` command line: argument definitions and dispatch. Each command lives in
//! its own module under `cli/`.

mod cli;

use clap::{CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a search holds hundreds of thousands of
/// branched worlds at once, and glibc's allocator spent most of `explore`'s time on its
/// free lists (measured: see the README's exploring figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A deterministic simulator of a replicated token-ownership system with omission faults.
#[derive(Parser)]
#[command(name = "tokensim", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no command, `tokensim` runs like `tokensim run`.
    #[command(flatten)]
    run: cli::RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario with one seed under every checker; print a summary and a verdict.
    Run(cli::RunArgs),
    /// Rerun a trace file's scenario and seed and compare it event by event.
    ///
    /// Exits 0 when identical, 1 at the first event that differs, 2 when the file is
    /// unreadable, malformed, truncated or of another trace format.
    Replay {
        /// A trace written by `tokensim run --trace`.
        trace: PathBuf,
    },
    /// Print a trace file in its readable form, one line per event.
    Show(cli::ShowArgs),
    /// Run every checker over a range of seeds, in parallel; exits non-zero on any failure.
    Check(cli::CheckArgs),
    /// Open a scenario's world and drive it by hand: requests, time, faults and queries.
    ///
    /// Reads commands from the terminal (with line editing) or from standard input
    /// (`tokensim repl < session.txt`); type `help` for the commands.
    Repl(cli::ReplArgs),
    /// Merge JSON reports of `check` over disjoint seed ranges into one.
    Merge(cli::MergeArgs),
    /// Shrink a failing seed to a small scenario file that fails the same way on its own.
    ///
    /// Exits 0 once the file is written, 2 on bad input (a seed that does not fail
    /// included: there is nothing to shrink).
    Shrink(cli::ShrinkArgs),
    /// Search every schedule of a small world, within bounds, for a safety violation.
    ///
    /// Exits 0 when no schedule within the bounds breaks safety, 1 with the shortest
    /// counterexample (written as a scenario file that `run` replays), 2 on bad input.
    Explore(cli::ExploreArgs),
    /// List the scenarios, protocol variants and properties that other commands accept.
    List(cli::ListArgs),
    /// Print a shell completion script: `tokensim completions bash > ~/.local/share/bash-completion/completions/tokensim`.
    Completions(cli::CompletionsArgs),
    /// Print a manual page (roff): `tokensim man > tokensim.1 && man ./tokensim.1`.
    Man(cli::ManArgs),
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run(cli.run)) {
        Command::Run(args) => cli::run(&args),
        Command::Replay { trace } => cli::replay(&trace),
        Command::Show(args) => cli::show(&args),
        Command::Check(args) => cli::check(&args),
        Command::Merge(args) => cli::merge(&args),
        Command::Repl(args) => cli::repl(&args),
        Command::Shrink(args) => cli::shrink(&args),
        Command::Explore(args) => cli::explore(&args),
        Command::List(args) => cli::list(&args),
        Command::Completions(args) => cli::completions(&args, Cli::command()),
        Command::Man(args) => cli::man(&args, Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            // Messages quote what people gave (paths, names, lines of a file): escape any
            // control characters in them, but keep the lines of a quoted excerpt.
            let lines: Vec<_> = message.split('\n').map(tokensim::vocab::printable).collect();
            eprintln!("error: {}", lines.join("\n"));
            ExitCode::from(2)
        }
    }
}

/// Let a closed stdout (`tokensim run --json | head`) end the process quietly, as it does
/// for other command-line tools, instead of making the next print panic. Rust ignores
/// SIGPIPE by default, which turns a closed pipe into an error on every write.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; it only resets the
    // signal's disposition to the operating system's default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
