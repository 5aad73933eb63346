//! The record: one event line, with the fields clawscan could read from it.
//!
//! This module owns the record's shape and its JSON serialization (schema version
//! [`SCHEMA_VERSION`], documented in `docs/record-schema.md`). It does not decide which
//! lines are records (that is `rules`) nor how fields are read (that is `parse`).

use std::fmt;
use std::sync::Arc;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::category::CategorySet;
use crate::cause::Cause;
use crate::line_facts::{FactsCell, LineFacts};
use crate::timestamp::UtcStamp;

/// The version of the record schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// A log level, as OpenClaw names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// trace
    Trace,
    /// debug
    Debug,
    /// info
    Info,
    /// warn
    Warn,
    /// error
    Error,
    /// fatal
    Fatal,
}

impl Level {
    /// Reads a level word in any case (`WARN`, `warn`, `Warning`, `err`).
    pub fn from_word(word: &str) -> Option<Level> {
        let w = word.trim();
        let eq = |s: &str| w.eq_ignore_ascii_case(s);
        Some(if eq("trace") || eq("silly") {
            Level::Trace
        } else if eq("debug") {
            Level::Debug
        } else if eq("info") || eq("log") || eq("notice") {
            Level::Info
        } else if eq("warn") || eq("warning") {
            Level::Warn
        } else if eq("error") || eq("err") {
            Level::Error
        } else if eq("fatal") || eq("crit") || eq("critical") {
            Level::Fatal
        } else {
            return None;
        })
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `key=value` pairs of a message, in the order they were written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kv(pub Vec<(String, String)>);

impl Kv {
    /// The first value written for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl Serialize for Kv {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A JSON object keeps jq simple (`.kv.conn`); a repeated key keeps its first value.
        let mut map = s.serialize_map(None)?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if self.0[..i].iter().all(|(k2, _)| k2 != k) {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

/// One event line. Every field is always present in JSON (`null` when unknown), so
/// consumers see one stable shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// Schema version ([`SCHEMA_VERSION`]).
    pub v: u32,
    /// The input's path as given, or `-` for standard input.
    pub source: Arc<str>,
    /// 1-based line number in the (decompressed) input: the event's first line.
    pub line: u64,
    /// The event's last line, when it spans several physical lines (a wrapped line, a
    /// client error block, audit fields pasted one per line); `None` for one line.
    pub end_line: Option<u64>,
    /// Byte offset of the line's first byte in the (decompressed) input.
    pub offset: u64,
    /// The timestamp as written on the line.
    pub ts: Option<String>,
    /// The timestamp in UTC, when the line carries a full date; serialised as RFC 3339
    /// with the fraction digits the line gave (`2026-04-11T08:30:12.404Z`).
    pub ts_utc: Option<UtcStamp>,
    /// The level: written on the line, from the message colour, or the template's.
    pub level: Option<Level>,
    /// The logging subsystem as written (`ws` in console tags, `gateway/ws` in JSON).
    pub subsystem: Option<String>,
    /// The categories of the line (empty only with `--all`).
    pub categories: CategorySet,
    /// The WebSocket close code, for close events.
    pub code: Option<u16>,
    /// The close reason, for close events.
    pub reason: Option<String>,
    /// How far the handshake got (`phase=`, 2026.6/7 and later).
    pub phase: Option<String>,
    /// The close text an `unauthorized` line gives the client (`guidance=`, late 2026).
    pub guidance: Option<String>,
    /// How many identical lines were rate-limited before this one (`suppressed=`).
    pub suppressed: Option<u64>,
    /// The connection id (`conn=`), as written.
    pub conn: Option<String>,
    /// The remote address (`remote=`, or the audit line's `ip=`).
    pub remote: Option<String>,
    /// The device id (64 hex digits).
    pub device: Option<String>,
    /// The role asked for or held.
    pub role: Option<String>,
    /// The scopes asked for or held, when the line lists them.
    pub scopes: Option<Vec<String>>,
    /// The pairing request id, which `openclaw devices approve` takes.
    pub request_id: Option<String>,
    /// The client id or label.
    pub client: Option<String>,
    /// The client's version (`v2026.4.12` → `2026.4.12`), when written.
    pub client_version: Option<String>,
    /// Every `key=value` pair of the message.
    pub kv: Kv,
    /// Structured metadata the line carried as JSON (close context, pairing meta).
    pub meta: Option<serde_json::Value>,
    /// The message, without timestamp, level, tag or wrapper prefix.
    pub message: String,
    /// The whole line, without ANSI escapes or line terminator.
    pub text: String,
    /// The line was longer than `--max-line-bytes` and was cut.
    pub truncated: bool,
    /// The line held invalid UTF-8, replaced by U+FFFD in the strings above.
    pub lossy: bool,
    /// The probable root cause, when the diagnosis has attributed one.
    pub cause: Option<Cause>,
    /// One line on what to do about it.
    pub hint: Option<String>,
    /// Handed over only in case it continues the line above, which lies in another
    /// chunk of the input (see `search::ContextLines::follow`): a sink that joins
    /// multi-line events keeps it only if that line reached it. Never serialized.
    #[serde(skip)]
    pub speculative: bool,
    /// Handed over only for the client version it names (a plain scan's `← connect`
    /// lines, see `search::ContextLines::version_only`): the diagnosis reads its
    /// version and nothing else, and it is never shown. Never serialized.
    #[serde(skip)]
    pub version_only: bool,
    /// What the line says for the diagnosis, read once (see [`Record::facts`]).
    /// Never serialized.
    #[serde(skip)]
    pub line_facts: FactsCell,
}

impl Record {
    /// The event's last physical line (`end_line`, else `line`).
    pub fn last_line(&self) -> u64 {
        self.end_line.unwrap_or(self.line)
    }

    /// What the line says for the diagnosis (its kind, its phrases): read on first
    /// use and kept. The search reads it before handing a record over, so the
    /// diagnosis finds it ready.
    pub fn facts(&self) -> &LineFacts {
        self.line_facts.get(self)
    }

    /// An empty record for a line, to be filled by the parser.
    pub fn new(source: Arc<str>, line: u64, offset: u64) -> Record {
        Record {
            v: SCHEMA_VERSION,
            source,
            line,
            end_line: None,
            offset,
            ts: None,
            ts_utc: None,
            level: None,
            subsystem: None,
            categories: CategorySet::EMPTY,
            code: None,
            reason: None,
            phase: None,
            guidance: None,
            suppressed: None,
            conn: None,
            remote: None,
            device: None,
            role: None,
            scopes: None,
            request_id: None,
            client: None,
            client_version: None,
            kv: Kv::default(),
            meta: None,
            message: String::new(),
            text: String::new(),
            truncated: false,
            lossy: false,
            cause: None,
            hint: None,
            speculative: false,
            version_only: false,
            line_facts: FactsCell::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_words() {
        assert_eq!(Level::from_word("WARN "), Some(Level::Warn));
        assert_eq!(Level::from_word("Error"), Some(Level::Error));
        assert_eq!(Level::from_word("nope"), None);
    }

    #[test]
    fn kv_keeps_order_and_first_value() {
        let kv = Kv(vec![
            ("b".into(), "1".into()),
            ("a".into(), "2".into()),
            ("b".into(), "3".into()),
        ]);
        assert_eq!(serde_json::to_string(&kv).unwrap(), r#"{"b":"1","a":"2"}"#);
        assert_eq!(kv.get("b"), Some("1"));
    }

    #[test]
    fn record_has_every_field() {
        let r = Record::new("-".into(), 1, 0);
        let v = serde_json::to_value(&r).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 31);
        assert_eq!(obj["categories"], serde_json::json!([]));
        assert!(obj["ts"].is_null());
    }
}
