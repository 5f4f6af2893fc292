//! `tokensim completions SHELL` and `tokensim man [COMMAND]`: shell completions and manual
//! pages, generated from the command line's own definition so that they never drift from it.

use super::output;
use std::process::ExitCode;

/// The arguments of `tokensim completions`.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    shell: clap_complete::Shell,
}

/// The arguments of `tokensim man`.
#[derive(clap::Args)]
pub struct ManArgs {
    /// A command whose own page to print (`tokensim-run(1)`, say); the page of `tokensim`
    /// itself, which lists the commands, when left out.
    command: Option<String>,
}

/// Print the completion script for `args.shell`, built from `command`.
pub fn completions(args: &CompletionsArgs, mut command: clap::Command) -> Result<ExitCode, String> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "tokensim", &mut script);
    output::print(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}

/// Print the manual page (roff) of `command`, or of the subcommand `args` names.
pub fn man(args: &ManArgs, mut command: clap::Command) -> Result<ExitCode, String> {
    command.build();
    let page = match &args.command {
        None => command,
        Some(name) => {
            let names: Vec<&str> =
                command.get_subcommands().map(clap::Command::get_name).filter(|name| *name != "help").collect();
            let Some(sub) = command.find_subcommand(name) else {
                return Err(format!("man: no command `{name}`; the commands are: {}", names.join(", ")));
            };
            // The page is named as git names its commands' pages: tokensim-run(1).
            sub.clone().name(format!("tokensim-{}", sub.get_name())).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff).map_err(|error| format!("cannot render the manual page: {error}"))?;
    output::print(&String::from_utf8_lossy(&roff))?;
    Ok(ExitCode::SUCCESS)
}
