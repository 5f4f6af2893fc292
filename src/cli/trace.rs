//! `tokensim replay` (rerun a trace file and compare event by event) and `tokensim show`
//! (print a trace file in its readable form).

use std::process::ExitCode;
use tokensim::trace::{ReplayOutcome, TraceReader};

/// Replay the trace at `path`: exit 0 when identical, 1 at the first difference, 2 on a bad file.
pub fn replay(path: &std::path::Path) -> Result<ExitCode, String> {
    match tokensim::trace::replay_file(path).map_err(|error| error.to_string())? {
        ReplayOutcome::Identical { events, hash } => {
            println!("identical: {events} events, hash {hash:016x}");
            Ok(ExitCode::SUCCESS)
        }
        ReplayOutcome::Diverged(divergence) => {
            print!("{}", divergence.describe(&path.display().to_string()));
            Ok(ExitCode::FAILURE)
        }
        ReplayOutcome::FooterHashDiffers { recorded, replayed } => {
            println!(
                "every event is identical, but the footer's hash {recorded:016x} differs from the replay's {replayed:016x}"
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Print the trace at `path` in its readable form, or with `html`, draw it in that file.
pub fn show(path: &std::path::Path, html: Option<&std::path::Path>) -> Result<ExitCode, String> {
    use std::io::Write as _;
    if let Some(html) = html {
        let file = tokensim::view::PageFile::create(html).map_err(|error| error.to_string())?;
        let verdict = tokensim::view::TraceVerdict::Rerun;
        let page = tokensim::view::trace_file_page(path, verdict).map_err(|error| error.to_string())?;
        file.write(&page).map_err(|error| error.to_string())?;
        eprintln!("view: {} ({} bytes)", html.display(), page.len());
        return Ok(ExitCode::SUCCESS);
    }
    let mut reader = TraceReader::open(path).map_err(|error| error.to_string())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed stdout (`| head`) ends the listing quietly.
    let _ = writeln!(out, "{}", tokensim::trace::render_header(reader.header()));
    while let Some(record) = reader.next_event().map_err(|error| error.to_string())? {
        if writeln!(out, "{}", tokensim::trace::render_record(&record)).is_err() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let _ = out.flush();
    Ok(ExitCode::SUCCESS)
}
