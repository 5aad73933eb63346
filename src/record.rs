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

/// The `key=value` pairs of a message, in the order they were written, each key once
/// (a repeated key keeps its first value).
///
/// Keys and values live back to back in one string, so a record's pairs cost two
/// allocations rather than two per pair (issue 21: a gateway line has six or seven).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kv {
    /// Every key and value, back to back.
    text: String,
    /// Where each pair's key ends and its value ends in `text`; a key starts where the
    /// pair before it ends.
    ends: Vec<(usize, usize)>,
}

impl Kv {
    /// No pairs yet, with room for `pairs` pairs of `text_bytes` bytes in all.
    pub fn with_capacity(pairs: usize, text_bytes: usize) -> Kv {
        Kv {
            text: String::with_capacity(text_bytes),
            ends: Vec::with_capacity(pairs),
        }
    }

    /// The value written for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        // Keys compared as bytes: only the value found is sliced as a `str` (called
        // for every pair of every record, where `iter` would check char boundaries).
        self.spans()
            .find(|&(start, key_end, _)| {
                self.text.as_bytes().get(start..key_end) == Some(key.as_bytes())
            })
            .and_then(|(_, key_end, end)| self.text.get(key_end..end))
    }

    /// Adds `key=value` unless `key` is already there (the first value is kept);
    /// says whether it was added.
    pub fn insert(&mut self, key: &str, value: &str) -> bool {
        if self.get(key).is_some() {
            return false;
        }
        self.text.push_str(key);
        let key_end = self.text.len();
        self.text.push_str(value);
        self.ends.push((key_end, self.text.len()));
        true
    }

    /// The pairs in the order they were written.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.spans()
            .map(|(start, key_end, end)| (&self.text[start..key_end], &self.text[key_end..end]))
    }

    /// Where each pair's key starts, where its key ends (its value starts), and where
    /// its value ends, in `text`.
    fn spans(&self) -> impl ExactSizeIterator<Item = (usize, usize, usize)> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&(key_end, end)| {
            let span = (start, key_end, end);
            start = end;
            span
        })
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of every key and value together.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Kv {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Kv {
        let mut kv = Kv::default();
        for (k, v) in pairs {
            kv.insert(k.as_ref(), v.as_ref());
        }
        kv
    }
}

impl Serialize for Kv {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A JSON object keeps jq simple (`.kv.conn`).
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
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
    pub hint: Option<Arc<str>>,
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

    /// Appends the record's JSON object, without a newline, to `out`: byte for byte
    /// what `serde_json::to_writer(out, self)` writes (same keys in the same order,
    /// `null` for unknowns, the same string escapes), which is what NDJSON output
    /// carries.
    ///
    /// Written by hand because serde's per-field dispatch and byte-at-a-time escaper
    /// were most of the cost of a record (issue 21): here the keys are constant byte
    /// strings and strings are copied in runs between the rare bytes that need an
    /// escape. Only `meta`, a free-form JSON value, still goes through `serde_json`,
    /// whose error is the only one returned (it cannot fail writing into memory).
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        // Destructured without `..`: a field added to `Record` does not compile until
        // it is written here too (and the derived `Serialize` stays the reference the
        // tests compare with).
        let Record {
            v,
            source,
            line,
            end_line,
            offset,
            ts,
            ts_utc,
            level,
            subsystem,
            categories,
            code,
            reason,
            phase,
            guidance,
            suppressed,
            conn,
            remote,
            device,
            role,
            scopes,
            request_id,
            client,
            client_version,
            kv,
            meta,
            message,
            text,
            truncated,
            lossy,
            cause,
            hint,
            speculative: _,
            version_only: _,
            line_facts: _,
        } = self;
        out.extend_from_slice(b"{\"v\":");
        json::uint(out, u64::from(*v));
        out.extend_from_slice(b",\"source\":");
        json::string(out, source);
        out.extend_from_slice(b",\"line\":");
        json::uint(out, *line);
        out.extend_from_slice(b",\"end_line\":");
        json::opt_uint(out, *end_line);
        out.extend_from_slice(b",\"offset\":");
        json::uint(out, *offset);
        out.extend_from_slice(b",\"ts\":");
        json::opt_string(out, ts.as_deref());
        out.extend_from_slice(b",\"ts_utc\":");
        match ts_utc {
            // Digits and `-:.TZ` only: nothing to escape.
            Some(stamp) => {
                out.push(b'"');
                stamp.write_to(out);
                out.push(b'"');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"level\":");
        json::opt_string(out, level.map(Level::as_str));
        out.extend_from_slice(b",\"subsystem\":");
        json::opt_string(out, subsystem.as_deref());
        out.extend_from_slice(b",\"categories\":[");
        for (i, c) in categories.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json::string(out, c.as_str());
        }
        out.extend_from_slice(b"],\"code\":");
        json::opt_uint(out, code.map(u64::from));
        out.extend_from_slice(b",\"reason\":");
        json::opt_string(out, reason.as_deref());
        out.extend_from_slice(b",\"phase\":");
        json::opt_string(out, phase.as_deref());
        out.extend_from_slice(b",\"guidance\":");
        json::opt_string(out, guidance.as_deref());
        out.extend_from_slice(b",\"suppressed\":");
        json::opt_uint(out, *suppressed);
        out.extend_from_slice(b",\"conn\":");
        json::opt_string(out, conn.as_deref());
        out.extend_from_slice(b",\"remote\":");
        json::opt_string(out, remote.as_deref());
        out.extend_from_slice(b",\"device\":");
        json::opt_string(out, device.as_deref());
        out.extend_from_slice(b",\"role\":");
        json::opt_string(out, role.as_deref());
        out.extend_from_slice(b",\"scopes\":");
        match scopes {
            Some(scopes) => {
                out.push(b'[');
                for (i, s) in scopes.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json::string(out, s);
                }
                out.push(b']');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"request_id\":");
        json::opt_string(out, request_id.as_deref());
        out.extend_from_slice(b",\"client\":");
        json::opt_string(out, client.as_deref());
        out.extend_from_slice(b",\"client_version\":");
        json::opt_string(out, client_version.as_deref());
        out.extend_from_slice(b",\"kv\":{");
        for (i, (k, v)) in kv.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json::string(out, k);
            out.push(b':');
            json::string(out, v);
        }
        out.extend_from_slice(b"},\"meta\":");
        match meta {
            Some(meta) => serde_json::to_writer(&mut *out, meta)?,
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"message\":");
        json::string(out, message);
        out.extend_from_slice(b",\"text\":");
        json::string(out, text);
        out.extend_from_slice(b",\"truncated\":");
        json::boolean(out, *truncated);
        out.extend_from_slice(b",\"lossy\":");
        json::boolean(out, *lossy);
        out.extend_from_slice(b",\"cause\":");
        json::opt_string(out, cause.map(Cause::as_str));
        out.extend_from_slice(b",\"hint\":");
        json::opt_string(out, hint.as_deref());
        out.push(b'}');
        Ok(())
    }
}

/// The pieces of [`Record::write_json`]: JSON values appended to a byte buffer exactly
/// as `serde_json`'s compact writer spells them.
mod json {
    /// `null` or the string.
    pub(super) fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            Some(s) => string(out, s),
            None => out.extend_from_slice(b"null"),
        }
    }

    /// `null` or the number.
    pub(super) fn opt_uint(out: &mut Vec<u8>, n: Option<u64>) {
        match n {
            Some(n) => uint(out, n),
            None => out.extend_from_slice(b"null"),
        }
    }

    /// `true` or `false`.
    pub(super) fn boolean(out: &mut Vec<u8>, b: bool) {
        out.extend_from_slice(if b { b"true" } else { b"false" });
    }

    /// A number in decimal (a handful per record: no lookup tables needed).
    pub(super) fn uint(out: &mut Vec<u8>, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[at..]);
    }

    /// For each byte, what follows the backslash of its escape in a JSON string, or 0
    /// when the byte stands for itself. These are serde_json's rules: `"` and `\`,
    /// and the control characters below 0x20, five of them by letter and the rest as
    /// `\u00XX`; DEL, `/` and everything beyond ASCII are written as they are.
    static ESCAPE: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut b = 0;
        while b < 0x20 {
            table[b] = b'u';
            b += 1;
        }
        table[0x08] = b'b';
        table[0x09] = b't';
        table[0x0a] = b'n';
        table[0x0c] = b'f';
        table[0x0d] = b'r';
        table[b'"' as usize] = b'"';
        table[b'\\' as usize] = b'\\';
        table
    };

    /// A byte repeated in all eight lanes of a word.
    const fn lanes(b: u8) -> u64 {
        0x0101_0101_0101_0101 * b as u64
    }

    /// The high bit of each lane of `w` (eight bytes, first byte lowest) that holds a
    /// byte needing an escape, and possibly of lanes above such a lane, never below:
    /// the lowest set bit marks the first such byte exactly.
    ///
    /// The classic "has a zero byte" test, `(x - 0x01..) & !x & 0x80..`, applied to
    /// `w ^ '"'`, `w ^ '\\'`, and (with 0x20 for 0x01) to `w` itself for bytes below
    /// 0x20: a lane's high bit is set only by a match or by the borrow out of a match
    /// below it. A lane of 0x80 or more never matches (`!x` clears it).
    fn escape_lanes(w: u64) -> u64 {
        let quote = w ^ lanes(b'"');
        let backslash = w ^ lanes(b'\\');
        let control = w.wrapping_sub(lanes(0x20)) & !w;
        let quote = quote.wrapping_sub(lanes(1)) & !quote;
        let backslash = backslash.wrapping_sub(lanes(1)) & !backslash;
        (control | quote | backslash) & lanes(0x80)
    }

    /// Whether `c` needs an escape (what `ESCAPE` marks), in a form the compiler
    /// runs on sixteen bytes at once.
    fn needs_escape(c: u8) -> bool {
        c < 0x20 || c == b'"' || c == b'\\'
    }

    /// The index of the first byte of `b` from `at` on that needs an escape, or
    /// `b.len()`. Log text rarely needs one (JSON-format lines are the exception,
    /// full of quotes): sixteen bytes are skipped at a time while none does (one
    /// vector comparison each), then eight at a time find the byte.
    fn next_escape(b: &[u8], mut at: usize) -> usize {
        while let Some(chunk) = b.get(at..).and_then(<[u8]>::first_chunk::<16>) {
            if chunk.iter().fold(false, |any, &c| any | needs_escape(c)) {
                break;
            }
            at += 16;
        }
        while let Some(chunk) = b.get(at..).and_then(<[u8]>::first_chunk::<8>) {
            let hits = escape_lanes(u64::from_le_bytes(*chunk));
            if hits != 0 {
                return at + (hits.trailing_zeros() / 8) as usize;
            }
            at += 8;
        }
        while at < b.len() && ESCAPE[usize::from(b[at])] == 0 {
            at += 1;
        }
        at
    }

    #[cfg(test)]
    #[test]
    fn the_three_escape_tests_agree() {
        // The table, the eight-lane word test and the per-byte test say the same of
        // every byte, in every lane.
        for c in 0..=u8::MAX {
            let table = ESCAPE[usize::from(c)] != 0;
            assert_eq!(needs_escape(c), table, "{c:#04x}");
            for lane in 0..8 {
                let mut word = [b'a'; 8];
                word[lane] = c;
                let hits = escape_lanes(u64::from_le_bytes(word));
                assert_eq!(hits != 0, table, "{c:#04x} in lane {lane}");
            }
        }
    }

    /// The string, quoted and escaped: runs of plain bytes are copied whole.
    pub(super) fn string(out: &mut Vec<u8>, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let b = s.as_bytes();
        out.reserve(b.len() + 2);
        out.push(b'"');
        let mut start = 0;
        loop {
            let at = next_escape(b, start);
            out.extend_from_slice(&b[start..at]);
            let Some(&byte) = b.get(at) else { break };
            match ESCAPE[usize::from(byte)] {
                b'u' => out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ]),
                letter => out.extend_from_slice(&[b'\\', letter]),
            }
            start = at + 1;
        }
        out.push(b'"');
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
        let mut kv: Kv = [("b", "1"), ("a", "2"), ("b", "3")].into_iter().collect();
        assert_eq!(serde_json::to_string(&kv).unwrap(), r#"{"b":"1","a":"2"}"#);
        assert_eq!(kv.get("b"), Some("1"));
        assert_eq!(kv.len(), 2);
        assert!(!kv.insert("a", "4"));
        assert!(kv.insert("", ""));
        assert_eq!(kv.get(""), Some(""));
        assert_eq!(
            kv.iter().collect::<Vec<_>>(),
            [("b", "1"), ("a", "2"), ("", "")]
        );
    }

    /// What `JsonSink` writes, as a string (the writer emits UTF-8 only).
    fn hand_written(r: &Record) -> String {
        let mut out = Vec::new();
        r.write_json(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn write_json_equals_serde_on_an_empty_record() {
        let r = Record::new("-".into(), 1, 0);
        assert_eq!(hand_written(&r), serde_json::to_string(&r).unwrap());
    }

    #[test]
    fn write_json_equals_serde_on_every_escape() {
        // Every byte that needs an escape, at every position of an 8-byte word, and
        // around the multi-byte characters that must stay as they are.
        let mut r = Record::new("a\"b\\c/d".into(), u64::MAX, 0);
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é€😀\u{fffd}\u{2028}");
        r.message = all.clone();
        for shift in 0..8 {
            r.text = format!("{}{all}{}", "x".repeat(shift), "\"".repeat(shift));
            assert_eq!(hand_written(&r), serde_json::to_string(&r).unwrap());
        }
        r.message = "\u{1b}[31m".into();
        assert!(hand_written(&r).contains(r#""message":"\u001b[31m""#));
    }

    use proptest::prelude::*;

    /// Strings rich in what JSON escapes: quotes, backslashes, control characters,
    /// DEL, `/`, multi-byte characters, escape-like text, long plain runs.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[\\x00-\\x1f\"\\\\/\\x7f a-z0-9=éü€😀\u{fffd}]{0,40}",
            r#"(plain text of a log line |\\u001b\[2J|\\"|"|\\n|\n|\r\n|\t|key=\"v\" ){0,12}"#,
        ]
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    prop_compose! {
        fn record()(
            source in text(), line: u64, end_line: Option<u64>, offset: u64,
            ts in opt_text(),
            ts_utc in proptest::option::of((-100_000_000_000i64..300_000_000_000, 0u32..1_000_000_000, 0u8..10)),
            level in proptest::option::of(0usize..6),
            cats: u16,
            code: Option<u16>,
            strs in proptest::collection::vec(opt_text(), 13),
            suppressed: Option<u64>,
            scopes in proptest::option::of(proptest::collection::vec(text(), 0..4)),
            kv in proptest::collection::vec((prop_oneof![text(), "[ab]"], text()), 0..6),
            meta in proptest::option::of(opt_text()),
            message in text(), body in text(),
            truncated: bool, lossy: bool,
            cause in proptest::option::of(0usize..Cause::ALL.len()),
            speculative: bool,
        ) -> Record {
            let mut r = Record::new(source.into(), line, offset);
            let [subsystem, reason, phase, guidance, conn, remote, device, role,
                request_id, client, client_version, hint, _] =
                <[Option<String>; 13]>::try_from(strs).unwrap();
            r.end_line = end_line;
            r.ts = ts;
            r.ts_utc = ts_utc.map(|(unix, nanos, frac_digits)| UtcStamp { unix, nanos, frac_digits });
            r.level = level.map(|i| [Level::Trace, Level::Debug, Level::Info, Level::Warn,
                Level::Error, Level::Fatal][i]);
            r.subsystem = subsystem;
            r.categories = crate::category::Category::ALL
                .into_iter()
                .filter(|c| cats & (1 << *c as u8) != 0)
                .collect();
            r.code = code;
            r.reason = reason;
            r.phase = phase;
            r.guidance = guidance;
            r.suppressed = suppressed;
            r.conn = conn;
            r.remote = remote;
            r.device = device;
            r.role = role;
            r.scopes = scopes;
            r.request_id = request_id;
            r.client = client;
            r.client_version = client_version;
            r.kv = kv.into_iter().collect();
            // A JSON value with strings to escape, nested, or `null`.
            r.meta = meta.map(|m| serde_json::json!({"close": {"reason": m, "n": [1, -2.5, true]}}));
            r.message = message;
            r.text = body;
            r.truncated = truncated;
            r.lossy = lossy;
            r.cause = cause.map(|i| Cause::ALL[i]);
            r.hint = hint.map(Arc::from);
            r.speculative = speculative;
            r
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The hand-written writer is serde_json's output, byte for byte.
        #[test]
        fn write_json_equals_serde(r in record()) {
            prop_assert_eq!(hand_written(&r), serde_json::to_string(&r).unwrap());
        }

        /// Strings alone, at every length, including invalid-looking escapes.
        #[test]
        fn strings_escape_as_serde(s in text()) {
            let mut out = Vec::new();
            json::string(&mut out, &s);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap());
        }
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
