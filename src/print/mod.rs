//! Where records go once found: the output stage.
//!
//! This module owns the output formats of a scan: NDJSON (the default), one human
//! line per record (`--format text`), and [`Printer`], the one output type a session
//! writes into (those two, `-c` counts from [`counts`], `--quiet`, or nothing);
//! [`stats`] keeps the `--stats` totals. It does not decide which lines are records,
//! nor which are shown (that is [`crate::session`]), and it does not open files:
//! every sink writes to a `Write` it is given.

pub mod counts;
pub mod stats;

use std::io::{self, Write};

use crate::print::counts::Counts;
use crate::record::{Level, Record};
use crate::search::Sink;
use crate::search::rules::Category;
use crate::style::Style;
use crate::text::terminal_safe;

/// Writes one JSON object per record, one per line.
///
/// Block-buffered for throughput; flushed whenever the input goes idle (see
/// [`Sink::idle`]) so a live pipe never waits, and after every record when
/// `line_buffered`. Each record is written by [`Record::write_json`] into one buffer
/// the sink keeps, then handed to the writer in one call.
#[derive(Debug)]
pub struct JsonSink<W: Write> {
    out: LineOut<W>,
    /// The line being written, kept between records so its memory is reused.
    line: Vec<u8>,
}

/// The capacity [`JsonSink`]'s line keeps after a record: room for any ordinary
/// record, while one huge line (up to `--max-line-bytes`) does not stay held.
const LINE_KEEP: usize = 64 << 10;

impl<W: Write> JsonSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W, line_buffered: bool) -> JsonSink<W> {
        JsonSink {
            out: LineOut { out, line_buffered },
            line: Vec::with_capacity(4096),
        }
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.finish()
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.line.clear();
        rec.write_json(&mut self.line).map_err(io::Error::from)?;
        self.line.push(b'\n');
        let written = self.out.out.write_all(&self.line);
        if self.line.capacity() > LINE_KEEP {
            self.line.clear();
            self.line.shrink_to(LINE_KEEP);
        }
        written?;
        self.out.line_done()
    }

    fn idle(&mut self) -> io::Result<bool> {
        self.out.out.flush().map(|()| true)
    }
}

/// The writer behind the one-line-per-record formats: block-buffered, flushed when
/// the input goes idle, or after every line when `line_buffered`.
#[derive(Debug)]
struct LineOut<W: Write> {
    out: W,
    line_buffered: bool,
}

impl<W: Write> LineOut<W> {
    /// Ends a record's line.
    fn end_line(&mut self) -> io::Result<bool> {
        self.out.write_all(b"\n")?;
        self.line_done()
    }

    /// A whole line, newline included, has been written.
    fn line_done(&mut self) -> io::Result<bool> {
        if self.line_buffered {
            self.out.flush()?;
        }
        Ok(true)
    }

    fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes one line per record for people (`--format text`):
///
/// ```text
/// gateway.log:42: 2026-04-11T08:00:01.112Z WARN  [pairing,close_1008] loopback_local_exec: closed before connect conn=c1 remote=127.0.0.1 code=1008 reason=pairing required
/// ```
///
/// The location when `with_location`, the time (UTC when the line has a date, else
/// as written), the level, the categories, the probable cause, and the message with
/// its close code, reason, remote, device, role and request id highlighted. Colour
/// only when the [`Style`] says so; log text is escaped so it cannot drive the
/// terminal. Buffered and flushed like [`JsonSink`].
#[derive(Debug)]
pub struct TextSink<W: Write> {
    out: LineOut<W>,
    style: Style,
    with_location: bool,
}

impl<W: Write> TextSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W, style: Style, with_location: bool, line_buffered: bool) -> TextSink<W> {
        TextSink {
            out: LineOut { out, line_buffered },
            style,
            with_location,
        }
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.finish()
    }

    /// The line for one record, without its newline.
    pub fn format(&self, rec: &Record) -> String {
        let st = &self.style;
        let mut line = String::with_capacity(rec.message.len() + 96);
        if self.with_location {
            let loc = format!("{}:{}:", terminal_safe(&rec.source), rec.line);
            line.push_str(&st.paint("35", &loc));
            line.push(' ');
        }
        let time = match (&rec.ts_utc, &rec.ts) {
            (Some(utc), _) => utc.to_string(),
            (None, Some(ts)) => terminal_safe(ts),
            (None, None) => "-".to_string(),
        };
        // A UTC stamp is digits and punctuation only: nothing to escape.
        line.push_str(&st.dim(&time));
        line.push(' ');
        let (word, colour) = match rec.level {
            Some(Level::Fatal) => ("FATAL", "1;31"),
            Some(Level::Error) => ("ERROR", "31"),
            Some(Level::Warn) => ("WARN ", "33"),
            Some(Level::Info) => ("INFO ", "32"),
            Some(Level::Debug) => ("DEBUG", "34"),
            Some(Level::Trace) => ("TRACE", "2"),
            None => ("-    ", "2"),
        };
        line.push_str(&st.paint(colour, word));
        line.push(' ');
        if !rec.categories.is_empty() {
            let tags: Vec<&str> = rec.categories.iter().map(Category::as_str).collect();
            line.push_str(&st.paint("36", &format!("[{}]", tags.join(","))));
            line.push(' ');
        }
        if let Some(cause) = rec.cause {
            line.push_str(&st.paint("1;35", cause.as_str()));
            line.push_str(": ");
        }
        line.push_str(&highlight(rec, st));
        if rec.truncated {
            line.push_str(&st.dim(" [cut]"));
        }
        line
    }
}

/// The message, escaped, with the values a reader looks for painted.
fn highlight(rec: &Record, st: &Style) -> String {
    let msg = terminal_safe(&rec.message);
    if !st.on {
        return msg;
    }
    let code = rec.code.map(|c| c.to_string());
    let wanted = [
        code.as_deref(),
        rec.reason.as_deref(),
        rec.remote.as_deref(),
        rec.device.as_deref(),
        rec.role.as_deref(),
        rec.request_id.as_deref(),
    ];
    // The first place each value stands, without overlaps, in order.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for v in wanted.into_iter().flatten().filter(|v| !v.is_empty()) {
        let v = terminal_safe(v);
        // `key=value` first: a short value such as a role also occurs inside words.
        let at = msg
            .find(&format!("={v}"))
            .map(|i| i + 1)
            .or_else(|| msg.find(v.as_str()));
        if let Some(i) = at {
            let span = (i, i + v.len());
            if spans.iter().all(|&(a, b)| span.1 <= a || span.0 >= b) {
                spans.push(span);
            }
        }
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(msg.len() + spans.len() * 12);
    let mut at = 0;
    for (a, b) in spans {
        out.push_str(&msg[at..a]);
        out.push_str(&st.paint("1;33", &msg[a..b]));
        at = b;
    }
    out.push_str(&msg[at..]);
    out
}

impl<W: Write> Sink for TextSink<W> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        let line = self.format(rec);
        self.out.out.write_all(line.as_bytes())?;
        self.out.end_line()
    }

    fn idle(&mut self) -> io::Result<bool> {
        self.out.out.flush().map(|()| true)
    }
}

/// Keeps every record in memory: for tests and small tools.
#[derive(Clone, Debug, Default)]
pub struct CollectSink(pub Vec<Record>);

impl Sink for CollectSink {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.0.push(rec.clone());
        Ok(true)
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        self.0.push(rec);
        Ok(true)
    }
}

/// The output of a scan, whichever form the user asked for: one sink type for the
/// session to write into, and one place that knows what each form writes at the end.
#[derive(Debug)]
pub enum Printer<W: Write> {
    /// NDJSON records.
    Json(JsonSink<W>),
    /// One line per record for people.
    Text(TextSink<W>),
    /// `-c`: counts, written at the end.
    Count {
        /// The counts so far.
        counts: Counts,
        /// `--format json`: one JSON object instead of lines.
        json: bool,
        /// Several inputs: each one's counts, then the totals.
        per_file: bool,
        /// Where the counts go.
        out: W,
    },
    /// `--quiet`: nothing written; the first record ends the run.
    Quiet,
    /// Records are read, not written (`clawscan diagnose`).
    Discard,
}

impl<W: Write> Printer<W> {
    /// Writes what is kept for the end (counts) and flushes.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Printer::Json(j) => j.finish().map(drop),
            Printer::Text(t) => t.finish().map(drop),
            Printer::Count {
                counts,
                json: true,
                mut out,
                ..
            } => counts.write_json(&mut out).and_then(|()| out.flush()),
            Printer::Count {
                counts,
                per_file,
                mut out,
                ..
            } => counts
                .write_text(&mut out, per_file)
                .and_then(|()| out.flush()),
            Printer::Quiet | Printer::Discard => Ok(()),
        }
    }
}

impl<W: Write> Sink for Printer<W> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        match self {
            Printer::Json(s) => s.record(rec),
            Printer::Text(s) => s.record(rec),
            Printer::Count { counts, .. } => counts.record(rec),
            Printer::Quiet => Ok(false),
            Printer::Discard => Ok(true),
        }
    }

    fn idle(&mut self) -> io::Result<bool> {
        match self {
            Printer::Json(s) => s.idle(),
            Printer::Text(s) => s.idle(),
            Printer::Count { .. } | Printer::Quiet | Printer::Discard => Ok(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::rules::CategorySet;

    fn rec(cats: &[Category]) -> Record {
        let mut r = Record::new("-".into(), 1, 0);
        r.categories = cats.iter().copied().collect::<CategorySet>();
        r
    }

    #[test]
    fn json_sink_writes_lines() {
        let mut sink = JsonSink::new(Vec::new(), false);
        sink.record(&rec(&[Category::Pairing])).unwrap();
        sink.record(&rec(&[])).unwrap();
        let out = String::from_utf8(sink.finish().unwrap()).unwrap();
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        for l in lines {
            serde_json::from_str::<serde_json::Value>(l).unwrap();
        }
    }

    /// The records of every file in testdata (logs, fixtures of every format, configs,
    /// compressed archives read as raw bytes), searched as the binary does, all lines
    /// as records, and cut short: `JsonSink` writes exactly serde_json's bytes.
    #[test]
    fn json_sink_writes_what_serde_json_writes() {
        use crate::search::lines::Position;
        use crate::search::{SearchConfig, Searcher};
        use std::sync::Arc;

        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let files: Vec<_> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        assert!(files.len() > 50, "{}", files.len());
        let configs = [
            SearchConfig::default(),
            SearchConfig {
                emit_all: true,
                ..SearchConfig::default()
            },
            SearchConfig {
                emit_all: true,
                max_line_bytes: 40,
                ..SearchConfig::default()
            },
            SearchConfig {
                redact: false,
                ..SearchConfig::default()
            },
        ];
        let (mut records, mut escaped) = (0, 0);
        for config in configs {
            let searcher = Searcher::new(config).unwrap();
            for path in &files {
                let data = std::fs::read(path).unwrap();
                let source: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
                let mut found = CollectSink::default();
                searcher
                    .search_slice(&data, Position::START, &source, &mut found)
                    .unwrap();
                let mut sink = JsonSink::new(Vec::new(), false);
                let mut want = Vec::new();
                for r in &found.0 {
                    sink.record(r).unwrap();
                    serde_json::to_writer(&mut want, r).unwrap();
                    want.push(b'\n');
                    escaped += usize::from(r.text.contains(['"', '\\', '\x1b', '\t']));
                }
                let got = sink.finish().unwrap();
                for (g, w) in got.split(|&b| b == b'\n').zip(want.split(|&b| b == b'\n')) {
                    assert_eq!(
                        String::from_utf8_lossy(g),
                        String::from_utf8_lossy(w),
                        "{}",
                        path.display()
                    );
                }
                assert_eq!(got, want, "{}", path.display());
                records += found.0.len();
            }
        }
        // The fixtures hold plenty of records, and of lines with something to escape.
        assert!(
            records > 1000 && escaped > 100,
            "{records} records, {escaped} escaped"
        );
    }

    /// A huge record (a line up to `--max-line-bytes`), then ordinary ones: each line
    /// whole and as serde_json writes it, and the sink's buffer not kept huge.
    #[test]
    fn json_sink_after_a_huge_record() {
        let mut huge = rec(&[Category::Pairing]);
        huge.text = "\"quoted\" \\ text\t".repeat(20_000);
        let small = rec(&[]);
        let mut sink = JsonSink::new(Vec::new(), true);
        let mut want = Vec::new();
        for r in [&small, &huge, &small] {
            sink.record(r).unwrap();
            assert!(sink.line.capacity() <= LINE_KEEP);
            serde_json::to_writer(&mut want, r).unwrap();
            want.push(b'\n');
        }
        assert_eq!(sink.finish().unwrap(), want);
    }

    #[test]
    fn text_sink_writes_one_plain_line_per_record() {
        let mut r = rec(&[Category::Pairing, Category::Close1008]);
        r.source = "gateway.log".into();
        r.line = 42;
        r.ts_utc = crate::timestamp::UtcStamp::parse("2026-04-11T08:00:01.112Z");
        r.level = Some(Level::Warn);
        r.code = Some(1008);
        r.reason = Some("pairing required".into());
        r.cause = Some(crate::Cause::LoopbackLocalExec);
        r.message = "closed before connect code=1008 reason=pairing required\x1b[2J".into();
        let plain = TextSink::new(Vec::new(), Style { on: false }, true, false);
        assert_eq!(
            plain.format(&r),
            "gateway.log:42: 2026-04-11T08:00:01.112Z WARN  [pairing,close_1008] loopback_local_exec: closed before connect code=1008 reason=pairing required\\x1b[2J"
        );
        let colour = TextSink::new(Vec::new(), Style { on: true }, false, false);
        let line = colour.format(&r);
        assert!(line.contains("\x1b[1;33m1008\x1b[0m"), "{line}");
        assert!(line.contains("\x1b[1;33mpairing required\x1b[0m"), "{line}");
        // The log's own escape is shown, not obeyed.
        assert!(!line.contains("\x1b[2J"));
    }

    #[test]
    fn quiet_stops_and_discard_goes_on() {
        assert!(!Printer::<Vec<u8>>::Quiet.record(&rec(&[])).unwrap());
        assert!(Printer::<Vec<u8>>::Discard.record(&rec(&[])).unwrap());
    }
}
