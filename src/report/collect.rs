//! The sink behind the report's scan: example lines per cause and what each log held.
//!
//! It sits inside [`crate::diagnose::Annotate`], so every event record reaches it
//! with its `cause` already set; it keeps a few lines per cause (the first ones,
//! which usually are one failure's audit line, close and client error), the time of
//! each cause's first and last line, and per input the number of events and their
//! time span. Memory is bounded by the number of causes and inputs, not the log.

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use crate::cause::Cause;
use crate::diagnose::Loc;
use crate::record::Record;
use crate::search::Sink;
use crate::text::cut;

/// How long an example line may be (longer ones are cut, with `…`).
pub const MAX_EXAMPLE_CHARS: usize = 400;

/// A line as the report quotes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Where.
    pub at: Loc,
    /// Its timestamp: UTC when the line has a date, else as written.
    pub ts: Option<String>,
    /// The line (see [`quote`]).
    pub text: String,
}

/// One cause's lines.
#[derive(Clone, Debug, Default)]
pub struct CauseLines {
    /// Event lines attributed to it.
    pub total: u64,
    /// The first few.
    pub examples: Vec<Line>,
    /// The first and last line, with their time.
    pub first: Option<Line>,
    /// The last line.
    pub last: Option<Line>,
}

/// One input's events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceEvents {
    /// Event lines.
    pub events: u64,
    /// The first event's timestamp.
    pub first_ts: Option<String>,
    /// The last event's timestamp.
    pub last_ts: Option<String>,
}

/// The report's sink.
#[derive(Debug, Default)]
pub struct Collector {
    max_examples: usize,
    /// Per cause.
    pub causes: BTreeMap<Cause, CauseLines>,
    /// Per input name, in the order first seen.
    pub sources: Vec<(Arc<str>, SourceEvents)>,
}

impl Collector {
    /// Keeps at most `max_examples` lines per cause.
    pub fn new(max_examples: usize) -> Collector {
        Collector {
            max_examples,
            ..Collector::default()
        }
    }

    fn source(&mut self, name: &Arc<str>) -> &mut SourceEvents {
        // Records come grouped per input: the last entry is almost always the one.
        let i = match self.sources.iter().rposition(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.sources
                    .push((Arc::clone(name), SourceEvents::default()));
                self.sources.len() - 1
            }
        };
        &mut self.sources[i].1
    }
}

impl Sink for Collector {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        let ts = rec.ts_utc.map(|t| t.to_string()).or_else(|| rec.ts.clone());
        let src = self.source(&rec.source);
        src.events += 1;
        if src.first_ts.is_none() {
            src.first_ts.clone_from(&ts);
        }
        if ts.is_some() {
            src.last_ts.clone_from(&ts);
        }
        let Some(cause) = rec.cause else {
            return Ok(true);
        };
        let max = self.max_examples;
        let lines = self.causes.entry(cause).or_default();
        lines.total += 1;
        let line = || Line {
            at: Loc::of(rec),
            ts: ts.clone(),
            text: quote(rec),
        };
        if lines.first.is_none() {
            lines.first = Some(line());
        }
        if lines.examples.len() < max {
            lines.examples.push(line());
        }
        lines.last = Some(line());
        Ok(true)
    }
}

/// A record's line for quoting: the line as written, except JSON lines (the file
/// log, console JSON), which read better as `time level [subsystem] message` with
/// their metadata (the close context says why a `connect failed` was a pairing
/// failure). Cut at [`MAX_EXAMPLE_CHARS`].
pub fn quote(rec: &Record) -> String {
    let text = if rec.text.trim_start().starts_with('{') && !rec.message.is_empty() {
        let mut s = String::new();
        for part in [rec.ts.as_deref(), rec.level.map(|l| l.as_str())]
            .into_iter()
            .flatten()
        {
            s.push_str(part);
            s.push(' ');
        }
        if let Some(sub) = &rec.subsystem {
            s.push_str(&format!("[{sub}] "));
        }
        s.push_str(&rec.message);
        if let Some(meta) = &rec.meta {
            s.push_str(&format!(" {meta}"));
        }
        s
    } else {
        rec.text.clone()
    };
    cut(&text, MAX_EXAMPLE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: u64, cause: Option<Cause>, ts: &str) -> Record {
        let mut r = Record::new(Arc::from("gw.log"), line, 0);
        r.cause = cause;
        r.ts = Some(ts.to_string());
        r.text = format!("{ts} [ws] line {line}");
        r
    }

    #[test]
    fn keeps_the_first_examples_and_the_span() {
        let mut c = Collector::new(2);
        for (i, ts) in ["10:00:01", "10:00:02", "10:00:03"].iter().enumerate() {
            c.record(&rec(i as u64 + 1, Some(Cause::TokenMismatch), ts))
                .unwrap();
        }
        c.record(&rec(4, None, "10:00:04")).unwrap();
        let t = &c.causes[&Cause::TokenMismatch];
        assert_eq!(t.total, 3);
        assert_eq!(t.examples.len(), 2);
        assert_eq!(t.first.as_ref().unwrap().at.line, 1);
        assert_eq!(t.last.as_ref().unwrap().ts.as_deref(), Some("10:00:03"));
        let (name, s) = &c.sources[0];
        assert_eq!(&**name, "gw.log");
        assert_eq!(s.events, 4);
        assert_eq!(s.first_ts.as_deref(), Some("10:00:01"));
        assert_eq!(s.last_ts.as_deref(), Some("10:00:04"));
    }

    #[test]
    fn json_lines_are_quoted_readably_and_cut() {
        let mut r = rec(1, None, "2026-04-01T06:10:20.104+00:00");
        r.text =
            r#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":{"cause":"pairing-required"}}"#.into();
        r.subsystem = Some("gateway/ws".into());
        r.level = Some(crate::record::Level::Warn);
        r.message = "closed before connect code=1008 reason=connect failed".into();
        r.meta = Some(serde_json::json!({"cause": "pairing-required"}));
        assert_eq!(
            quote(&r),
            r#"2026-04-01T06:10:20.104+00:00 warn [gateway/ws] closed before connect code=1008 reason=connect failed {"cause":"pairing-required"}"#
        );
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
