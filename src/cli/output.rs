//! Writing to standard output without panicking: a full disk or a closed pipe (`> /dev/full`,
//! `| head`) is reported in one line and ends the command with exit code 2, instead of the
//! panic that `println!` gives. (A closed pipe usually ends the process first, quietly,
//! since `main` restores SIGPIPE's default action.)

use std::io::Write;

/// Write `text` to standard output and flush it.
pub fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(write_error)
}

/// Write `text` and a newline to standard output and flush it.
pub fn println(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush()).map_err(write_error)
}

/// The one-line message of a failed write to standard output.
pub fn write_error(error: std::io::Error) -> String {
    format!("cannot write to standard output: {error}")
}
