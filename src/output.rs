//! Output sinks: where records go once found.
//!
//! This module owns the output formats of a scan: NDJSON (the default), per-category
//! counts (`--count`) and nothing at all (`--quiet`). It does not decide which lines
//! are records and it does not open files; every sink writes to a `Write` it is given.

use std::io::{self, Write};

use crate::record::Record;
use crate::rules::Category;
use crate::search::Sink;

/// Writes one JSON object per record, one per line.
///
/// Block-buffered for throughput; flushed whenever the input goes idle (see
/// [`Sink::idle`]) so a live pipe never waits, and after every record when
/// `line_buffered`.
#[derive(Debug)]
pub struct JsonSink<W: Write> {
    out: W,
    line_buffered: bool,
}

impl<W: Write> JsonSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W, line_buffered: bool) -> JsonSink<W> {
        JsonSink { out, line_buffered }
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        serde_json::to_writer(&mut self.out, rec).map_err(io::Error::from)?;
        self.out.write_all(b"\n")?;
        if self.line_buffered {
            self.out.flush()?;
        }
        Ok(true)
    }

    fn idle(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Counts records per category (`--count`).
#[derive(Clone, Debug, Default)]
pub struct CountSink {
    per_category: [u64; Category::ALL.len()],
    total: u64,
}

impl CountSink {
    /// An empty count.
    pub fn new() -> CountSink {
        CountSink::default()
    }

    /// Records counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Records counted that carry `c`.
    pub fn count(&self, c: Category) -> u64 {
        self.per_category[c as usize]
    }

    /// Writes `CATEGORY COUNT` lines for every category seen, then `total COUNT`.
    pub fn write_to<W: Write>(&self, mut out: W) -> io::Result<()> {
        for c in Category::ALL {
            let n = self.count(c);
            if n > 0 {
                writeln!(out, "{:<15} {n}", c.as_str())?;
            }
        }
        writeln!(out, "{:<15} {}", "total", self.total)?;
        out.flush()
    }
}

impl Sink for CountSink {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.total += 1;
        for c in rec.categories.iter() {
            self.per_category[c as usize] += 1;
        }
        Ok(true)
    }
}

/// Prints nothing and stops at the first record (`--quiet`: only the exit code speaks).
#[derive(Clone, Copy, Debug, Default)]
pub struct QuietSink;

impl Sink for QuietSink {
    fn record(&mut self, _rec: &Record) -> io::Result<bool> {
        Ok(false)
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::CategorySet;

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

    #[test]
    fn count_sink_counts_each_category() {
        let mut sink = CountSink::new();
        sink.record(&rec(&[Category::Pairing, Category::Close1008]))
            .unwrap();
        sink.record(&rec(&[Category::Pairing])).unwrap();
        let mut out = Vec::new();
        sink.write_to(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "pairing         2\nclose_1008      1\ntotal           2\n"
        );
    }

    #[test]
    fn quiet_sink_stops() {
        assert!(!QuietSink.record(&rec(&[])).unwrap());
    }
}
