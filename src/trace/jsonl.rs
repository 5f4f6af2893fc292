//! Trace files as JSON Lines: a streaming writer and a checking reader.

use super::event::{TraceFooter, TraceHeader, TraceLine, TraceRecord, TRACE_FORMAT_VERSION};
use super::wire;
use super::TraceSink;
use crate::sim::TraceEnd;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A trace file that cannot be written or read, naming the file and, for content, the line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceFileError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A line is not a trace line of the expected kind.
    #[error("{path}:{line}: {problem}")]
    Malformed {
        /// The file.
        path: String,
        /// The line, from 1.
        line: u64,
        /// What is wrong with it.
        problem: String,
    },
    /// The file was written by an incompatible trace format.
    #[error(
        "{path}:{line}: trace format {found}, this tokensim reads format {expected}: re-record it with \
         `tokensim run SCENARIO{} --trace FILE`",
        seed.map(|seed| format!(" --seed {seed}")).unwrap_or_default()
    )]
    Incompatible {
        /// The file.
        path: String,
        /// The header's line (1).
        line: u64,
        /// The format the file says it has.
        found: u64,
        /// The format this build reads.
        expected: u32,
        /// This build's version (a trace's header names the version that wrote it).
        ours: &'static str,
        /// The seed the header names, if it names one, for the command that re-records it.
        seed: Option<u64>,
    },
    /// The file ends before its footer.
    #[error(
        "{path}:{line}: the trace is truncated: it ends after {} without its footer line",
        crate::vocab::count(*events, "event", "events")
    )]
    Truncated {
        /// The file.
        path: String,
        /// The last line read.
        line: u64,
        /// How many events were read.
        events: u64,
    },
}

/// Streams a trace to a file as it happens: the header at creation, one line per event,
/// the footer on [`JsonlWriter::finish`]. Memory stays constant however long the run.
///
/// Write errors cannot stop a simulation mid-step: the first one is kept, later events are
/// skipped, and `finish` returns it.
pub struct JsonlWriter<W: Write + Send> {
    path: String,
    out: W,
    records: u64,
    line: Vec<u8>,
    error: Option<std::io::Error>,
    footer: Option<TraceFooter>,
}

impl JsonlWriter<BufWriter<File>> {
    /// Create (or replace) the file at `path` and write `header` to it.
    pub fn create(path: &Path, header: &TraceHeader) -> Result<Self, TraceFileError> {
        let file = File::create(path).map_err(|source| io_error(path, source))?;
        JsonlWriter::new(BufWriter::new(file), path.display().to_string(), header)
    }
}

impl<W: Write + Send> JsonlWriter<W> {
    /// Write `header` to `out`; `path` names the destination in errors.
    pub fn new(mut out: W, path: String, header: &TraceHeader) -> Result<Self, TraceFileError> {
        let mut line =
            serde_json::to_vec(&TraceLine::Header(Box::new(header.clone()))).expect("a trace header serialises");
        line.push(b'\n');
        out.write_all(&line).map_err(|source| TraceFileError::Io { path: path.clone(), source })?;
        Ok(JsonlWriter { path, out, records: 0, line, error: None, footer: None })
    }

    /// The destination, once [`TraceSink::finish`] has written the footer.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The footer, once [`TraceSink::finish`] has written it.
    pub fn footer(&self) -> Option<&TraceFooter> {
        self.footer.as_ref()
    }

    /// Where the trace goes, as errors name it.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<W: Write + Send> TraceSink for JsonlWriter<W> {
    fn record(&mut self, record: TraceRecord) {
        if self.error.is_some() {
            return;
        }
        self.line.clear();
        wire::encode(&mut self.line, &record);
        self.records += 1;
        self.line.push(b'\n');
        if let Err(error) = self.out.write_all(&self.line) {
            self.error = Some(error);
        }
    }

    /// Write the footer and flush; the first write error of the whole trace, if any. A
    /// second call writes nothing more.
    fn finish(&mut self, end: &TraceEnd) -> std::io::Result<()> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if self.footer.is_none() {
            let footer = TraceFooter {
                records: self.records,
                events: end.events,
                hash: end.hash,
                violations: end.violations.clone(),
            };
            let mut line = serde_json::to_vec(&TraceLine::Footer(footer.clone())).expect("a trace footer serialises");
            line.push(b'\n');
            self.out.write_all(&line).and_then(|()| self.out.flush())?;
            self.footer = Some(footer);
        }
        Ok(())
    }
}

/// Reads a trace file line by line, checking its shape as it goes: the header on opening,
/// then events from [`TraceReader::next_event`] until the footer, whose count is checked.
pub struct TraceReader<R: BufRead> {
    lines: Lines<R>,
    header: TraceHeader,
    records: u64,
    footer: Option<TraceFooter>,
}

/// The longest line a trace file may have, in bytes (16 MiB). The longest real line is the
/// header, which holds the scenario (itself at most 4 MiB of TOML); an event line is under a
/// hundred bytes but for the rare messages that carry a configuration or a long write. A longer line is refused once this many bytes have been read, so that a
/// file with no newline (`/dev/zero`, a binary file) ends in an error, not in memory
/// exhaustion.
pub const TRACE_LINE_BYTES_MAX: usize = 16 * 1024 * 1024;

/// The file's lines, numbered from 1, one at a time, none longer than `limit` bytes.
struct Lines<R: BufRead> {
    path: String,
    input: R,
    number: u64,
    text: String,
    limit: usize,
}

impl TraceReader<BufReader<File>> {
    /// Open the trace file at `path` and read its header.
    pub fn open(path: &Path) -> Result<Self, TraceFileError> {
        let file = File::open(path).map_err(|source| io_error(path, source))?;
        TraceReader::new(BufReader::new(file), path.display().to_string())
    }
}

impl<R: BufRead> TraceReader<R> {
    /// Read the header from `input`; `path` names the source in errors.
    pub fn new(input: R, path: String) -> Result<Self, TraceFileError> {
        TraceReader::with_line_limit(input, path, TRACE_LINE_BYTES_MAX)
    }

    /// [`TraceReader::new`], refusing lines longer than `limit` bytes instead of
    /// [`TRACE_LINE_BYTES_MAX`].
    pub fn with_line_limit(input: R, path: String, limit: usize) -> Result<Self, TraceFileError> {
        let mut lines = Lines { path, input, number: 0, text: String::new(), limit };
        if !lines.starts_like_a_header()? {
            lines.number = 1;
            let mut problem =
                "not a trace header line: a trace file starts with `{\"line\":\"header\", ...}`".to_string();
            if lines.path.ends_with(".toml") {
                problem.push_str("; a scenario file runs with `tokensim run FILE`");
            }
            return Err(lines.malformed(problem));
        }
        if !lines.advance()? {
            lines.number = 1;
            return Err(lines.malformed("the file is empty: expected a trace header line".into()));
        }
        let header = lines.parse_header()?;
        Ok(TraceReader { lines, header, records: 0, footer: None })
    }

    /// The header: the scenario, the seed and the versions that wrote the trace.
    pub fn header(&self) -> &TraceHeader {
        &self.header
    }

    /// The file's name, as errors give it.
    pub fn path(&self) -> &str {
        &self.lines.path
    }

    /// The number of the last line read (the header is line 1).
    pub fn line_number(&self) -> u64 {
        self.lines.number
    }

    /// The footer, once [`TraceReader::next_event`] has returned `None`.
    pub fn footer(&self) -> Option<&TraceFooter> {
        self.footer.as_ref()
    }

    /// How many event lines were read so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The next event, or `None` at a well-formed footer.
    pub fn next_event(&mut self) -> Result<Option<TraceRecord>, TraceFileError> {
        if self.footer.is_some() {
            return Ok(None);
        }
        if !self.lines.advance()? {
            let (path, line, events) = (self.lines.path.clone(), self.lines.number, self.records);
            return Err(TraceFileError::Truncated { path, line, events });
        }
        let problem = match wire::decode(&self.lines.text) {
            Ok(record) => {
                self.records += 1;
                return Ok(Some(record));
            }
            Err(problem) => problem,
        };
        // Not an event: the footer, or a line that is wrong.
        match framing_line(&self.lines.text) {
            Some(Ok(TraceLine::Footer(footer))) => self.close(footer).map(|()| None),
            Some(Ok(TraceLine::Header(_))) => Err(self.lines.malformed("a second header line".into())),
            Some(Err(error)) => Err(self.lines.malformed(format!("not a trace line: {error}"))),
            None => Err(self.lines.malformed(problem)),
        }
    }

    /// Read every remaining event, checking the rest of the file's shape.
    pub fn skip_to_end(&mut self) -> Result<(), TraceFileError> {
        while self.next_event()?.is_some() {}
        Ok(())
    }

    fn close(&mut self, footer: TraceFooter) -> Result<(), TraceFileError> {
        if footer.records != self.records {
            let problem =
                format!("the footer counts {} event lines but the file holds {}", footer.records, self.records);
            return Err(self.lines.malformed(problem));
        }
        if self.lines.advance()? {
            return Err(self.lines.malformed("a line after the footer".into()));
        }
        self.footer = Some(footer);
        Ok(())
    }
}

impl<R: BufRead> Lines<R> {
    /// Whether the input is empty or its first byte (after spaces) could begin a header: a
    /// JSON object. Looked at before the first line is read, so that a file that is not a
    /// trace at all (`/dev/zero`, a binary) is refused at its first byte.
    fn starts_like_a_header(&mut self) -> Result<bool, TraceFileError> {
        loop {
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(self.io(error)),
            };
            let spaces = available.iter().take_while(|&&byte| byte == b' ' || byte == b'\t').count();
            match available.get(spaces) {
                None if available.is_empty() => return Ok(true),
                None => self.input.consume(spaces),
                Some(&byte) => return Ok(byte == b'{' || byte == b'\n' || byte == b'\r'),
            }
        }
    }

    /// Read the next line into `text` (without its newline); false at the end of the file.
    /// A line is read in pieces and refused as soon as it passes `limit` bytes.
    fn advance(&mut self) -> Result<bool, TraceFileError> {
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        bytes.clear();
        let mut read_any = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(self.io(error)),
            };
            if available.is_empty() {
                break;
            }
            read_any = true;
            let newline = available.iter().position(|&byte| byte == b'\n');
            let piece = &available[..newline.unwrap_or(available.len())];
            if bytes.len() + piece.len() > self.limit {
                self.number += 1;
                let limit = self.limit;
                return Err(self.malformed(format!(
                    "the line is longer than {}, the most a trace line may be: not a trace file, or a corrupt one",
                    byte_size(limit)
                )));
            }
            bytes.extend_from_slice(piece);
            let used = piece.len() + usize::from(newline.is_some());
            self.input.consume(used);
            if newline.is_some() {
                break;
            }
        }
        if !read_any {
            return Ok(false);
        }
        self.number += 1;
        self.text = String::from_utf8(bytes).map_err(|_| self.malformed("not valid UTF-8".into()))?;
        Ok(true)
    }

    fn parse_header(&self) -> Result<TraceHeader, TraceFileError> {
        let value: serde_json::Value = serde_json::from_str(&self.text)
            .map_err(|error| self.malformed(format!("not a trace header line: {error}")))?;
        if value.get("line").and_then(|line| line.as_str()) != Some("header") {
            return Err(self.malformed("expected a trace header line (`\"line\":\"header\"`) first".into()));
        }
        let Some(found) = value.get("format").and_then(|format| format.as_u64()) else {
            return Err(self.malformed("the header has no numeric `format`".into()));
        };
        if found != u64::from(TRACE_FORMAT_VERSION) {
            let (path, line) = (self.path.clone(), self.number);
            let (ours, seed) = (super::TOKENSIM_VERSION, value.get("seed").and_then(|seed| seed.as_u64()));
            return Err(TraceFileError::Incompatible { path, line, found, expected: TRACE_FORMAT_VERSION, ours, seed });
        }
        match serde_json::from_value::<TraceLine>(value) {
            Ok(TraceLine::Header(header)) => Ok(*header),
            Ok(_) => Err(self.malformed("expected a trace header line first".into())),
            Err(error) => Err(self.malformed(format!("bad trace header: {error}"))),
        }
    }

    fn malformed(&self, problem: String) -> TraceFileError {
        TraceFileError::Malformed { path: self.path.clone(), line: self.number, problem }
    }

    fn io(&self, source: std::io::Error) -> TraceFileError {
        TraceFileError::Io { path: self.path.clone(), source }
    }
}

/// The header or footer `text` holds, if it is an object with a `line` key (in any place:
/// an edited footer may have its keys reordered); `None` for any other line.
fn framing_line(text: &str) -> Option<Result<TraceLine, serde_json::Error>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("line")?;
    Some(serde_json::from_value(value))
}

/// `16 MiB`, `64 KiB` or `100 bytes`: a size as people read it.
fn byte_size(bytes: usize) -> String {
    match bytes {
        _ if bytes >= 1 << 20 && bytes % (1 << 20) == 0 => format!("{} MiB", bytes >> 20),
        _ if bytes >= 1 << 10 && bytes % (1 << 10) == 0 => format!("{} KiB", bytes >> 10),
        _ => format!("{bytes} bytes"),
    }
}

fn io_error(path: &Path, source: std::io::Error) -> TraceFileError {
    TraceFileError::Io { path: PathBuf::from(path).display().to_string(), source }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn small_trace() -> Vec<u8> {
        let mut scenario = Scenario::default_scenario();
        scenario.random_workload_mut().requests = 3;
        let (outcome, records) = crate::trace::record_run(&scenario, 5).unwrap();
        let header = TraceHeader::new(&scenario, 5);
        let mut writer = JsonlWriter::new(Vec::new(), "memory".into(), &header).unwrap();
        for record in records {
            writer.record(record);
        }
        let end =
            TraceEnd { events: outcome.simulation.counters().events, hash: outcome.event_hash(), violations: vec![] };
        writer.finish(&end).unwrap();
        writer.into_inner()
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<TraceRecord>, TraceFileError> {
        let mut reader = TraceReader::new(bytes, "t.jsonl".into())?;
        let mut records = Vec::new();
        while let Some(record) = reader.next_event()? {
            records.push(record);
        }
        assert_eq!(reader.footer().map(|f| f.records), Some(reader.records()));
        Ok(records)
    }

    #[test]
    fn a_written_trace_reads_back_whole() {
        let bytes = small_trace();
        let records = read_all(&bytes).unwrap();
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(records.len() + 2, lines);
        assert!(records.iter().any(|r| matches!(r.event, crate::trace::TraceEvent::Replied { .. })));
    }

    #[test]
    fn a_missing_footer_is_truncation() {
        let bytes = small_trace();
        let text = String::from_utf8(bytes).unwrap();
        let cut: Vec<&str> = text.lines().collect();
        let truncated = cut[..cut.len() - 1].join("\n") + "\n";
        let error = read_all(truncated.as_bytes()).unwrap_err();
        assert!(matches!(error, TraceFileError::Truncated { .. }), "{error}");
        assert!(error.to_string().starts_with("t.jsonl:"), "{error}");
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named() {
        let mut bytes = small_trace();
        let second_line = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        bytes[second_line] = 0xff;
        let error = read_all(&bytes).unwrap_err();
        assert_eq!(error.to_string(), "t.jsonl:2: not valid UTF-8");
    }

    #[test]
    fn a_file_that_does_not_start_like_a_header_is_refused_at_once() {
        // An endless reader of zeros: refused after looking at its first byte.
        let error = TraceReader::new(std::io::BufReader::new(std::io::repeat(0)), "zero".into()).err().unwrap();
        assert_eq!(
            error.to_string(),
            "zero:1: not a trace header line: a trace file starts with `{\"line\":\"header\", ...}`"
        );
        let error = TraceReader::new(&b"  # a comment\n"[..], "t".into()).err().unwrap();
        assert!(error.to_string().starts_with("t:1: not a trace header line"), "{error}");
        let error = TraceReader::new(&b""[..], "t".into()).err().unwrap();
        assert_eq!(error.to_string(), "t:1: the file is empty: expected a trace header line");
    }

    #[test]
    fn a_line_longer_than_the_limit_is_refused_without_reading_on() {
        // An endless line that starts like a header: refused once the limit is passed.
        let endless = std::io::BufReader::new(std::io::Read::chain(&b"{"[..], std::io::repeat(b' ')));
        let error = TraceReader::with_line_limit(endless, "t".into(), 1 << 16).err().unwrap();
        assert_eq!(
            error.to_string(),
            "t:1: the line is longer than 64 KiB, the most a trace line may be: not a trace file, or a corrupt one"
        );
        // An event line past the limit, after a good header.
        let bytes = small_trace();
        let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        let mut long = bytes[..header_end].to_vec();
        long.extend(std::iter::repeat_n(b'x', 5000));
        let mut reader = TraceReader::with_line_limit(&long[..], "t".into(), header_end + 100).unwrap();
        let error = reader.next_event().unwrap_err().to_string();
        assert!(error.starts_with("t:2: the line is longer than"), "{error}");
        // A line of exactly the limit is read.
        let exact = TraceReader::with_line_limit(&bytes[..], "t".into(), header_end - 1);
        assert!(exact.is_ok());
        let short = TraceReader::with_line_limit(&bytes[..], "t".into(), header_end - 2);
        assert!(short.is_err());
    }

    #[test]
    fn a_footer_with_the_wrong_count_is_malformed() {
        let text = String::from_utf8(small_trace()).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(1);
        let error = read_all((lines.join("\n") + "\n").as_bytes()).unwrap_err();
        assert!(error.to_string().contains("the footer counts"), "{error}");
    }
}
