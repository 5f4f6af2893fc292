//! `tokensim repl`: the interactive mode's terminal side. With a terminal attached it reads
//! lines with editing and history (rustyline); otherwise it reads standard input plainly
//! and echoes each command after the prompt, so that a piped script reads as a transcript.
//! Everything goes through `output`, so that a full disk ends the session with one line
//! and exit code 2 instead of a panic.

use super::{load_scenario, output};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use tokensim::repl::{Flow, Session};

/// The prompt before each command.
const PROMPT: &str = "tokensim> ";

/// The arguments of `tokensim repl`.
#[derive(clap::Args)]
pub struct ReplArgs {
    /// A scenario file (TOML) whose world, network and faults to open; the embedded default
    /// scenario when left out. Its requests and random workload do not run.
    scenario: Option<PathBuf>,
    /// The seed; the scenario's own seed when left out.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    variant: super::VariantArg,
}

/// Open a session and read commands until `quit` or the end of input; exit 0 then.
pub fn repl(args: &ReplArgs) -> Result<ExitCode, String> {
    let scenario = load_scenario(args.scenario.as_ref(), &args.variant)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let path = args.scenario.as_ref().map(|path| path.display().to_string());
    let mut session = Session::new(&scenario, seed, path).map_err(|error| error.to_string())?;
    output::print(&session.banner())?;
    if std::io::stdin().is_terminal() {
        interactive(&mut session)?;
    } else {
        piped(&mut session)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Read lines from a terminal, with line editing and history.
fn interactive(session: &mut Session) -> Result<(), String> {
    use rustyline::error::ReadlineError;
    let mut editor = rustyline::DefaultEditor::new().map_err(|error| format!("cannot open the terminal: {error}"))?;
    loop {
        match editor.readline(PROMPT) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if show(session, &line)? == Flow::Quit {
                    return Ok(());
                }
            }
            Err(ReadlineError::Interrupted) => output::println("(type `quit` or press Ctrl-D to end the session)")?,
            Err(ReadlineError::Eof) => return Ok(()),
            Err(error) => return Err(format!("cannot read the terminal: {error}")),
        }
    }
}

/// Read lines from a pipe or file, echoing each after the prompt.
fn piped(session: &mut Session) -> Result<(), String> {
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|error| format!("cannot read standard input: {error}"))?;
        output::println(&format!("{PROMPT}{line}"))?;
        if show(session, &line)? == Flow::Quit {
            break;
        }
    }
    Ok(())
}

/// Carry out one line and print its answer.
fn show(session: &mut Session, line: &str) -> Result<Flow, String> {
    let (text, flow) = session.execute(line);
    output::print(&text)?;
    Ok(flow)
}
