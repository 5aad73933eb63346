//! Reading the fields of one log line into a [`Record`].
//!
//! This module owns the knowledge of OpenClaw's line formats (facts file §1): wrapper
//! prefixes added by other programs (journald, kubectl, docker compose, pm2, ClawX),
//! then the gateway's own styles (pretty, compact, JSON console, tslog file log,
//! `openclaw logs` plain and JSON), then the message's `key=value` pairs and the
//! fields derived from them. It does not decide whether a line is an event (that is
//! `rules`) and it never fails: anything it cannot read stays in `message`.

use std::borrow::Cow;

use regex::Regex;
use serde_json::{Map, Value};

use crate::record::{Kv, Level, Record};
use crate::search::ansi;
use crate::text::first_line;
use crate::timestamp::UtcStamp;

/// The compiled patterns of the line formats. Build once, share freely.
#[derive(Clone, Debug)]
pub struct Parser {
    kubectl: Regex,
    journald: Regex,
    clawx: Regex,
    compose: Regex,
    pm2: Regex,
    logs_plain: Regex,
    console_time: Regex,
    tag: Regex,
    client_closed: Gated,
    ui_disconnected: Gated,
    clawx_closed: Gated,
    guide_close: Gated,
    request_id: Gated,
}

/// A pattern asked only where its literal start is in the text: most messages hold
/// none of these, a failed search still allocates its captures, and the literal's
/// finder is built once (`memmem::find` builds one per call, ~500 instructions a
/// record; issue 21).
#[derive(Clone, Debug)]
struct Gated {
    literal: memchr::memmem::Finder<'static>,
    pattern: Regex,
}

impl Gated {
    fn new(literal: &'static str, pattern: &str) -> Gated {
        Gated {
            literal: memchr::memmem::Finder::new(literal),
            pattern: re(pattern),
        }
    }

    /// The pattern's captures in `text`, if its literal is there and it matches.
    fn captures<'t>(&self, text: &'t str) -> Option<regex::Captures<'t>> {
        self.literal.find(text.as_bytes())?;
        self.pattern.captures(text)
    }

    /// The pattern's match in `text`, if its literal is there: for a pattern whose
    /// group can be read off the match, a search that fills no groups costs a
    /// fraction of [`Gated::captures`].
    fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.literal.find(text.as_bytes())?;
        self.pattern.find(text).map(|m| m.as_str())
    }
}

/// A piece of the line read so far: what wrappers said before the gateway's own line.
#[derive(Default)]
struct Outer {
    ts: Option<String>,
    level: Option<Level>,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

// The patterns are fixed strings checked by the unit tests, so a failure to compile is
// a bug in this file, not a condition of the input.
#[allow(clippy::unwrap_used)]
fn re(p: &str) -> Regex {
    Regex::new(p).unwrap()
}

const ISO: &str = r"[0-9]{4}-[0-9][0-9]-[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:[.,][0-9]+)?(?:Z|[+-][0-9][0-9]:[0-9][0-9])?";

impl Parser {
    /// Compiles the format patterns.
    pub fn new() -> Parser {
        Parser {
            kubectl: re(
                r"^([0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]{9}Z) ",
            ),
            journald: re(
                r"^([A-Z][a-z]{2} [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]) [^ ]+ [^ :\[]+(?:\[[0-9]+\])?: ",
            ),
            clawx: re(&format!(
                r"^\[({ISO})\] \[([A-Za-z]+) *\] (?:\[Gateway std(?:err|out)\] )?"
            )),
            compose: re(r"^[A-Za-z0-9_.-]+-[0-9]+ +\| "),
            pm2: re(r"^[0-9]+\|[^|]+\| "),
            logs_plain: re(&format!(
                r"^({ISO}|[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:[+-][0-9][0-9]:[0-9][0-9])?) (trace|debug|info|warn|error|fatal) "
            )),
            console_time: re(&format!(
                r"^({ISO}|[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]+)?(?:Z|[+-][0-9][0-9]:[0-9][0-9])?) "
            )),
            tag: re(r"^\[([A-Za-z0-9_./:@-]+)\](?: |$)"),
            client_closed: Gated::new(
                "gateway closed (",
                r"gateway closed \(([0-9]{1,4})(?: [^\n]*?)?\): ([^\n]*)",
            ),
            ui_disconnected: Gated::new(
                "disconnected (",
                r"disconnected \(([0-9]{1,4})\): ([^\n]*)",
            ),
            clawx_closed: Gated::new(
                "Gateway WebSocket closed (",
                r"Gateway WebSocket closed \(code=([0-9]{1,4}), reason=(.*?), handshake=",
            ),
            guide_close: Gated::new("close(", r#"close\(([0-9]{1,4})\)(?: "([^"]*)")?"#),
            // ws-log lines shorten ids with `…`; keep it, so a short id is not taken for a whole one.
            request_id: Gated::new(
                "requestId",
                r#"requestId"?(?:=|: ?|":")"?([0-9A-Za-z][0-9A-Za-z…-]{3,})"#,
            ),
        }
    }

    /// Fills `rec` from one line. `text` is the line without escapes and terminator;
    /// `raw` is the line as read, for the message colour.
    pub fn parse_into(&self, text: &[u8], raw: &[u8], rec: &mut Record) {
        // `from_utf8` first: it checks ASCII a word at a time, where the lossy
        // decoder walks every byte (most lines are valid, and this runs per record).
        let s = match std::str::from_utf8(text) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(text),
        };
        rec.lossy = matches!(s, Cow::Owned(_));
        let mut outer = Outer::default();
        let rest = self.unwrap(&s, &mut outer);
        let rest = rest.trim_end_matches('\r');
        if rest.starts_with('{') && self.parse_json(rest, rec) {
            // fields filled from the JSON object
        } else if let Some(m) = starts_with_digit(rest)
            .then(|| self.logs_plain.find(rest))
            .flatten()
        {
            // `<time> <level> `: the level is the last word (a time may hold a space).
            let (time, level) = m.as_str()[..m.len() - 1]
                .rsplit_once(' ')
                .unwrap_or_default();
            rec.ts = Some(time.to_string());
            rec.level = Level::from_word(level);
            self.parse_logs_message(&rest[m.end()..], rec);
        } else {
            let mut after = rest;
            // `find`, not `captures`: each group is the match less fixed
            // punctuation, and a search that reports no groups allocates nothing.
            if let Some(m) = starts_with_digit(after)
                .then(|| self.console_time.find(after))
                .flatten()
            {
                // `<time> `.
                rec.ts = Some(m.as_str()[..m.len() - 1].to_string());
                after = &after[m.end()..];
            }
            if let Some(m) = after
                .starts_with('[')
                .then(|| self.tag.find(after))
                .flatten()
            {
                // `[<name>]` and a space or the end: a name holds no `]`.
                let name = &m.as_str()[1..];
                rec.subsystem = Some(name[..name.find(']').unwrap_or(0)].to_string());
                after = &after[m.end()..];
            }
            rec.message = after.to_string();
        }
        if rec.level.is_none() {
            rec.level = outer.level.or_else(|| ansi::level_from_colour(raw));
        }
        if rec.level.is_none() && is_ws_traffic(&rec.message) {
            // ws-log lines (`← connect`, `→ close`, `⇄ res`) are logged at info.
            rec.level = Some(Level::Info);
        }
        rec.ts_utc = rec
            .ts
            .as_deref()
            .and_then(UtcStamp::parse)
            .or_else(|| outer.ts.as_deref().and_then(UtcStamp::parse));
        if rec.ts.is_none() {
            rec.ts = outer.ts;
        }
        rec.text = s.into_owned();
        self.fields(rec);
    }

    /// Strips the prefixes other programs add, innermost line last.
    fn unwrap<'a>(&self, mut s: &'a str, outer: &mut Outer) -> &'a str {
        // Two layers are enough for what people paste (kubectl around docker, say);
        // the bound keeps a hostile line from looping.
        for _ in 0..3 {
            // Each pattern is tried only where the line can start as it needs:
            // most lines are none of these wrappers, and a failed search still
            // costs its call.
            let b = s.as_bytes();
            let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
            let has_bar = memchr::memchr(b'|', b).is_some();
            let (end, ts, level) = if let Some(m) = (digit_at(0) && b.get(4) == Some(&b'-'))
                .then(|| self.kubectl.find(s))
                .flatten()
            {
                // `<time stamp> `.
                (m.end(), Some(m.as_str()[..m.len() - 1].to_string()), None)
            } else if let Some(c) = (b.first() == Some(&b'[') && digit_at(1))
                .then(|| self.clawx.captures(s))
                .flatten()
            {
                (
                    c.get(0).map_or(0, |m| m.end()),
                    Some(c[1].to_string()),
                    Level::from_word(&c[2]),
                )
            } else if let Some(m) = (b.first().is_some_and(u8::is_ascii_uppercase)
                && b.get(3) == Some(&b' '))
            .then(|| self.journald.find(s))
            .flatten()
            {
                // The time stamp is the first 15 bytes (`Apr 11 10:30:12`), all ASCII.
                (m.end(), s.get(..15).map(str::to_string), None)
            } else if let Some(m) = has_bar
                .then(|| self.compose.find(s).or_else(|| self.pm2.find(s)))
                .flatten()
            {
                (m.end(), None, None)
            } else {
                break;
            };
            s = &s[end..];
            // The outermost full date wins for ts_utc fallback; keep the first seen.
            if outer.ts.is_none() || ts.as_deref().and_then(UtcStamp::parse).is_some() {
                outer.ts = ts.or(outer.ts.take());
            }
            outer.level = outer.level.or(level);
        }
        s
    }

    /// Reads a JSON line (console JSON style, tslog file log, `openclaw logs --json`,
    /// a tool result). Returns false when the line is not a JSON object.
    fn parse_json(&self, s: &str, rec: &mut Record) -> bool {
        let Ok(obj) = serde_json::from_str::<Members<'_>>(s) else {
            return false;
        };
        let get_str = |k: &str| obj.str(k);
        rec.ts = get_str("time").map(str::to_string);
        rec.level = get_str("level").and_then(Level::from_word);

        if let Some(Member::Object(meta)) = obj.get("_meta") {
            // tslog file log: numeric keys are the call's arguments.
            if rec.level.is_none() {
                rec.level = meta.str("logLevelName").and_then(Level::from_word);
            }
            if rec.ts.is_none() {
                rec.ts = meta.str("date").map(str::to_string);
            }
            let args: Vec<&Member<'_>> = (0..10)
                .map_while(|i| obj.get(i.to_string().as_str()))
                .collect();
            let mut rest: &[&Member<'_>] = &args;
            if let Some(bindings) = args
                .first()
                .and_then(|v| v.as_str())
                .and_then(parse_bindings)
            {
                rec.subsystem = bindings;
                rest = &args[1..];
            }
            let mut message = String::new();
            let mut meta_obj: Option<Map<String, Value>> = None;
            for v in rest {
                match v {
                    Member::Str(t) => {
                        if !message.is_empty() {
                            message.push(' ');
                        }
                        message.push_str(t);
                    }
                    Member::Object(m) if meta_obj.is_none() => {
                        meta_obj = Some(m.to_map());
                    }
                    other => {
                        if !message.is_empty() {
                            message.push(' ');
                        }
                        message.push_str(&other.to_value().to_string());
                    }
                }
            }
            if message.is_empty() {
                message = get_str("message").unwrap_or_default().to_string();
            }
            rec.message = message;
            rec.meta = meta_obj.map(Value::Object);
            if rec.subsystem.is_none() {
                rec.subsystem = get_str("subsystem").map(str::to_string);
            }
            return true;
        }

        rec.subsystem = get_str("subsystem")
            .or_else(|| get_str("module"))
            .map(str::to_string);
        if get_str("type") == Some("log") {
            // `openclaw logs --json`: the message is the joined arguments.
            let msg = get_str("message").unwrap_or_default();
            self.parse_logs_message(msg, rec);
            if rec.subsystem.is_none() {
                rec.subsystem = get_str("subsystem").map(str::to_string);
            }
            return true;
        }
        if let Some(msg) = get_str("message") {
            rec.message = msg.to_string();
            // Console JSON style: everything else at the top level is meta.
            let meta = obj.object_without(&["time", "level", "subsystem", "message"]);
            if !meta.is_empty() {
                rec.meta = Some(Value::Object(meta));
            }
        } else if let Some(err) = get_str("error") {
            // A tool result: {"status":"error","error":"gateway closed (1008): …\n…"}.
            rec.message = err.to_string();
        } else {
            rec.message = s.to_string();
        }
        true
    }

    /// Reads an `openclaw logs` message: `[subsystem ]{bindings} [{meta} ]text`.
    fn parse_logs_message(&self, s: &str, rec: &mut Record) {
        let mut rest = s;
        // A subsystem token comes only before the bindings object.
        if let Some((first, after)) = rest.split_once(' ')
            && after.starts_with('{')
            && !first.starts_with('{')
        {
            rec.subsystem = Some(first.to_string());
            rest = after;
        }
        let mut objects = Vec::new();
        while rest.starts_with('{') && objects.len() < 2 {
            let mut it = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            match it.next() {
                Some(Ok(Value::Object(o))) => {
                    let used = it.byte_offset();
                    objects.push(o);
                    rest = rest[used..].trim_start();
                }
                _ => break,
            }
        }
        let mut objects = objects.into_iter();
        if let Some(first) = objects.next() {
            if first.contains_key("subsystem") || first.contains_key("module") {
                if rec.subsystem.is_none() {
                    rec.subsystem = first
                        .get("subsystem")
                        .or_else(|| first.get("module"))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
                rec.meta = objects.next().map(Value::Object);
            } else {
                rec.meta = Some(Value::Object(first));
            }
        }
        rec.message = rest.to_string();
    }

    /// Derives kv and the named fields from the message (and meta).
    fn fields(&self, rec: &mut Record) {
        let msg = rec.message.as_str();
        let kv = self.key_values(msg);
        let meta = rec.meta.as_ref().and_then(Value::as_object);
        let meta_str = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);

        // Close code and reason.
        let kv_code = kv.get("code").and_then(|c| c.parse::<u16>().ok());
        if let Some(code) = kv_code {
            rec.code = Some(code);
            rec.reason = kv.get("reason").map(str::to_string);
        } else if let Some(c) = self.close_in_text(msg) {
            rec.code = c[1].parse().ok();
            rec.reason = c.get(2).map(|m| m.as_str().to_string());
        }

        rec.phase = kv.get("phase").map(str::to_string);
        rec.guidance = kv.get("guidance").map(str::to_string);
        rec.suppressed = kv.get("suppressed").and_then(|n| n.parse().ok());
        rec.conn = kv.get("conn").map(str::to_string);
        rec.remote = kv
            .get("remote")
            .or_else(|| kv.get("ip"))
            .or_else(|| meta_str("remoteAddr"))
            .map(str::to_string);
        rec.device = kv
            .get("device")
            .filter(|d| !matches!(*d, "yes" | "no" | "n/a" | "true" | "false"))
            .or_else(|| meta_str("deviceId"))
            .map(str::to_string);
        rec.role = kv
            .get("roleTo")
            .or_else(|| kv.get("role"))
            .map(str::to_string);
        rec.scopes = kv
            .get("scopesTo")
            .or_else(|| kv.get("scopes"))
            .filter(|s| !s.bytes().all(|b| b.is_ascii_digit()))
            .map(|s| {
                if s == "<none>" {
                    Vec::new()
                } else {
                    s.split(',').map(str::to_string).collect()
                }
            });
        rec.request_id = meta_str("requestId").map(str::to_string).or_else(|| {
            self.request_id
                .find(msg)
                .map(|m| request_id_of(m).to_string())
        });
        if let Some(client) = kv.get("client") {
            // `client=<label> <mode> v<version>`: the label, then positional tokens.
            let mut parts = client.split(' ');
            rec.client = parts.next().map(str::to_string);
            rec.client_version = parts.find_map(|p| p.strip_prefix('v')).map(str::to_string);
        } else {
            rec.client = meta_str("client").map(str::to_string);
        }
        if rec.client_version.is_none() {
            rec.client_version = kv
                .get("version")
                .or_else(|| meta_str("version"))
                .map(|v| v.strip_prefix('v').unwrap_or(v).to_string());
        }
        rec.kv = kv;
    }

    /// The close code and reason of a client's, the UI's or ClawX's close text, or
    /// the guide's `close(1008)`: the first of those patterns whose literal start the
    /// message holds and that matches (see [`Gated`]).
    fn close_in_text<'m>(&self, msg: &'m str) -> Option<regex::Captures<'m>> {
        memchr::memchr(b'(', msg.as_bytes())?;
        [
            &self.client_closed,
            &self.ui_disconnected,
            &self.clawx_closed,
            &self.guide_close,
        ]
        .into_iter()
        .find_map(|g| g.captures(msg))
    }

    /// Splits a message into `key=value` pairs, in order.
    ///
    /// A value runs to the next ` key=` (so `reason=connect failed` and
    /// `errorMessage=missing scope: operator.admin` keep their spaces), with two
    /// exceptions from the gateway's templates: `ua=` ends only at
    /// ` code=<n> reason=` (user agents hold anything), and the close `reason=` of
    /// `closed before connect` runs to the end of the line.
    pub fn key_values(&self, msg: &str) -> Kv {
        let line = first_line(msg);
        let reason_to_eol = line.starts_with("closed before connect");
        let keys = kv_keys(line);
        // Keys and values together are never longer than the text from the first key on.
        let text_bytes = keys.first().map_or(0, |k| line.len() - k.0);
        let mut out = Kv::with_capacity(keys.len(), text_bytes);
        let mut i = 0;
        while i < keys.len() {
            let (_, vstart, key) = keys[i];
            let mut j = i + 1;
            let vend = if key == "reason" && reason_to_eol {
                // The close reason runs to the end of the line up to ≈2026.6, and to
                // ` phase=` (then ` suppressed=`) since: those two are the only keys
                // that can follow it.
                j = (i + 1..keys.len())
                    .find(|&j| matches!(keys[j].2, "phase" | "suppressed"))
                    .unwrap_or(keys.len());
                keys.get(j).map_or(line.len(), |k| k.0)
            } else if key == "ua" {
                // User agents hold anything, ` x=` included. The close template
                // ends one at ` code=<n> reason=`; the unauthorized template ends
                // it at its last key, ` reason=<auth code>`.
                j = (i + 1..keys.len())
                    .find(|&j| {
                        keys[j].2 == "code" && keys.get(j + 1).is_some_and(|k| k.2 == "reason")
                    })
                    .or_else(|| (i + 1..keys.len()).rev().find(|&j| keys[j].2 == "reason"))
                    .unwrap_or(keys.len());
                keys.get(j).map_or(line.len(), |k| k.0)
            } else {
                keys.get(j).map_or(line.len(), |k| k.0)
            };
            let value = tidy_value(line.get(vstart..vend).unwrap_or_default());
            out.insert(key, value);
            i = j;
        }
        out
    }
}

/// The id in a match of the `requestId` pattern: what follows the key and its
/// punctuation (`"`, `=`, `:`, a space), none of which an id starts with.
fn request_id_of(m: &str) -> &str {
    m.strip_prefix("requestId")
        .unwrap_or(m)
        .trim_start_matches(['"', '=', ':', ' '])
}

/// A JSON object's members in the order written, read without building a `Value`
/// for its strings and objects (most of a log line, and the tslog file log's
/// `_meta`): keys and string values borrow from the line unless they hold an escape,
/// objects are members of their own, and any other value is the `Value` `serde_json`
/// builds. Exactly the lines that parse as a `Value` object parse as this, and each
/// member reads as it would there (a repeated key's last value wins); the tests hold
/// the two readings together. (Issue 21: building the `Value` tree, a `String` per
/// key and per string, was most of the cost of a JSON line.)
struct Members<'a>(Vec<(Cow<'a, str>, Member<'a>)>);

/// One member's value.
enum Member<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// An object.
    Object(Members<'a>),
    /// Anything else: never a `Value::String` or a `Value::Object`.
    Value(Value),
}

impl<'a> Members<'a> {
    /// Reads an object's members, each key then its value.
    fn from_map<A: serde::de::MapAccess<'a>>(mut map: A) -> Result<Members<'a>, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(Text(key)) = map.next_key()? {
            out.push((key, map.next_value()?));
        }
        Ok(Members(out))
    }

    /// The value of `key`: its last occurrence, as in a `Value` object.
    fn get(&self, key: &str) -> Option<&Member<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The string value of `key`.
    fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Member::as_str)
    }

    /// The members but those named in `skip`, as a `Value` object.
    fn object_without(&self, skip: &[&str]) -> Map<String, Value> {
        let mut out = Map::new();
        for (k, v) in &self.0 {
            if !skip.contains(&k.as_ref()) {
                // In order, so a repeated key ends with its last value, as in a `Value`.
                out.insert(k.to_string(), v.to_value());
            }
        }
        out
    }

    /// The object as a `Value` object.
    fn to_map(&self) -> Map<String, Value> {
        self.object_without(&[])
    }
}

impl Member<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Member::Str(s) => Some(s),
            Member::Object(_) | Member::Value(_) => None,
        }
    }

    /// The value as `serde_json` would have read it.
    fn to_value(&self) -> Value {
        match self {
            Member::Str(s) => Value::String(s.to_string()),
            Member::Object(m) => Value::Object(m.to_map()),
            Member::Value(v) => v.clone(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AnyMember).and_then(|m| match m {
            Member::Object(members) => Ok(members),
            Member::Str(_) | Member::Value(_) => {
                Err(serde::de::Error::custom("expected an object"))
            }
        })
    }
}

/// A JSON string, borrowed from the input unless it holds an escape.
struct Text<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(AnyMember).and_then(|m| match m {
            Member::Str(s) => Ok(Text(s)),
            Member::Object(_) | Member::Value(_) => {
                Err(serde::de::Error::custom("expected a string"))
            }
        })
    }
}

impl<'de> serde::Deserialize<'de> for Member<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyMember)
    }
}

/// Reads any JSON value as a [`Member`]: a string as text, an object as members,
/// everything else as the `Value` serde_json's own visitor makes of it (arrays are
/// handed to `Value` itself; numbers, booleans and null are spelled as it spells them).
struct AnyMember;

impl<'de> serde::de::Visitor<'de> for AnyMember {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Member<'de>, E> {
        Ok(Member::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Member<'de>, E> {
        Ok(Member::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<Member<'de>, E> {
        Ok(Member::Str(Cow::Owned(s)))
    }
    fn visit_bool<E>(self, b: bool) -> Result<Member<'de>, E> {
        Ok(Member::Value(Value::Bool(b)))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Member<'de>, E> {
        Ok(Member::Value(Value::Number(n.into())))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Member<'de>, E> {
        Ok(Member::Value(Value::Number(n.into())))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Member<'de>, E> {
        Ok(Member::Value(
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
        ))
    }
    fn visit_unit<E>(self) -> Result<Member<'de>, E> {
        Ok(Member::Value(Value::Null))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Member<'de>, A::Error> {
        use serde::Deserialize;
        Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(Member::Value)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Member<'de>, A::Error> {
        Members::from_map(map).map(Member::Object)
    }
}

/// A value without the punctuation that belongs to the text around it: the comma of
/// `(code=1008, reason=…)` and the parenthesis closing `(matchKey=… matchSource=id)`.
fn tidy_value(v: &str) -> &str {
    let mut v = v.trim_end().trim_end_matches(',');
    let unbalanced = |s: &str| s.matches(')').count() > s.matches('(').count();
    while v.ends_with(')') && unbalanced(v) {
        v = &v[..v.len() - 1];
    }
    v
}

/// Whether `s` starts with an ASCII digit, as every time stamp pattern needs.
fn starts_with_digit(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// Whether a message is a WebSocket traffic line (`src/gateway/ws-log.ts`).
fn is_ws_traffic(msg: &str) -> bool {
    msg.starts_with("← ") || msg.starts_with("→ ") || msg.starts_with("⇄ ")
}

/// Reads tslog bindings (`{"subsystem":"gateway/ws"}` as a JSON string) into the
/// subsystem or module name. `None` when the argument is not bindings.
fn parse_bindings(s: &str) -> Option<Option<String>> {
    if !s.starts_with('{') {
        return None;
    }
    let Ok(o) = serde_json::from_str::<Members<'_>>(s) else {
        return None;
    };
    let named = o.get("subsystem").or_else(|| o.get("module"))?;
    Some(named.as_str().map(str::to_string))
}

/// The `key=` places of a line: (start of the match, end after `=`, key), as the
/// pattern `(?:^|[ (,])([A-Za-z_][A-Za-z0-9_.]*)=` would find them, where the match
/// starts at the delimiter before the key (or at 0). Written out because it runs on
/// every record: from each `=`, the key is the run of key characters before it, which
/// must start with a letter or `_` and follow the start of the line, a space, `(` or
/// `,` (a run of key characters holds none of those, so no other start is possible,
/// and matches cannot overlap: each ends at its own `=`).
fn kv_keys(line: &str) -> Vec<(usize, usize, &str)> {
    let b = line.as_bytes();
    let is_key = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
    let mut out = Vec::new();
    for eq in memchr::memchr_iter(b'=', b) {
        let mut start = eq;
        while start > 0 && is_key(b[start - 1]) {
            start -= 1;
        }
        if start == eq || !(b[start].is_ascii_alphabetic() || b[start] == b'_') {
            continue;
        }
        let whole = if start == 0 {
            0
        } else if matches!(b[start - 1], b' ' | b'(' | b',') {
            start - 1
        } else {
            continue;
        };
        if out.is_empty() {
            // Room for a gateway line's keys at once (it has up to a dozen): growing
            // from empty reallocated twice a record.
            out.reserve(16);
        }
        out.push((whole, eq + 1, &line[start..eq]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    static TEST_PARSER: std::sync::LazyLock<Parser> = std::sync::LazyLock::new(Parser::new);

    /// JSON string literals: plain, with escapes (a key spelled with `\u` escapes
    /// reads as the plain key), a lone surrogate (which serde_json refuses), and
    /// raw control characters (not JSON at all).
    fn string_literal() -> impl Strategy<Value = String> {
        prop_oneof![
            "\"[a-z 0-9]{0,6}\"",
            Just(r#""time""#.to_string()),
            Just(r#""ti\u006de""#.to_string()),
            Just(r#""message""#.to_string()),
            Just(r#""_meta""#.to_string()),
            Just(r#""0""#.to_string()),
            Just(r#""a\"b\\c\n""#.to_string()),
            Just(r#""\ud83d\ude00 \u00e9""#.to_string()),
            Just(r#""\ud800""#.to_string()),
            "\"[\\x00-\\x7f]{0,3}\"",
        ]
    }

    /// JSON texts rich in what could make two readers differ: repeated keys, escaped
    /// keys, numbers at and past the edges of `f64` and `u64`, nesting, whitespace,
    /// invalid pieces, and text after the value.
    fn json_text() -> impl Strategy<Value = String> {
        let scalar = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|n| n.to_string()),
            Just("1e400".to_string()),
            Just("-0.0".to_string()),
            Just("123456789012345678901234567890".to_string()),
            Just("01".to_string()),
            string_literal(),
        ];
        let value = scalar.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((string_literal(), inner), 0..4).prop_map(|m| {
                    let members: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        });
        (
            prop::collection::vec((string_literal(), value), 0..6),
            prop_oneof![Just(""), Just(" "), Just("\n"), Just(" x"), Just("}")],
        )
            .prop_map(|(m, tail)| {
                let members: Vec<String> = m.iter().map(|(k, v)| format!("{k} : {v}")).collect();
                format!("{{{}}}{tail}", members.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The id read off the match is the pattern's group, on text made of the
        /// key and every character that can stand around or in an id.
        #[test]
        fn request_ids_by_match_are_the_group(text in r#"(requestId|["=: aZ9…_-]){0,10}"#) {
            let p = &*TEST_PARSER;
            let by_group = p.request_id.captures(&text).map(|c| c[1].to_string());
            let by_match = p.request_id.find(&text).map(|m| request_id_of(m).to_string());
            prop_assert_eq!(by_match, by_group);
        }

        /// `Members` reads a line as a `Value` object does: the same lines, and each
        /// key to the same value (strings as text, the rest as the same `Value`).
        #[test]
        fn members_read_as_a_value_object(text in json_text()) {
            let value = serde_json::from_str::<Value>(&text);
            let members = serde_json::from_str::<Members<'_>>(&text);
            match (value, members) {
                (Ok(Value::Object(obj)), Ok(members)) => {
                    for (k, v) in &obj {
                        let got = match members.get(k) {
                            Some(m) => m.to_value(),
                            None => panic!("{k} missing from {text}"),
                        };
                        prop_assert_eq!(&got, v, "{} in {}", k, text);
                    }
                    for (k, _) in &members.0 {
                        prop_assert!(obj.contains_key(k.as_ref()), "{} in {}", k, text);
                    }
                    prop_assert_eq!(members.object_without(&["time"]), {
                        let mut o = obj.clone();
                        o.remove("time");
                        o
                    });
                }
                (Ok(Value::Object(_)), Err(e)) => {
                    prop_assert!(false, "{text}: an object to Value, refused: {e}");
                }
                (Ok(_) | Err(_), Err(_)) => {}
                (v, Ok(_)) => prop_assert!(false, "{text}: Value {v:?}, yet members"),
            }
        }
    }

    #[test]
    fn request_ids_read_off_the_match_are_the_group() {
        let p = Parser::new();
        for text in [
            "requestId=7d1c2a9e-0b6f",
            "(requestId: 099aa8b3-053c-4707)",
            "requestId:abcd",
            r#"{"requestId":"r-1234","x":1}"#,
            r#"\"requestId\":\"req_1\""#,
            "requestId=abc requestId=defg-1",
            "requestId: …abcd",
            "requestId=ab1…9f2e",
        ] {
            let by_group = p.request_id.captures(text).map(|c| c[1].to_string());
            let by_match = p
                .request_id
                .find(text)
                .map(|m| request_id_of(m).to_string());
            assert_eq!(by_match, by_group, "{text}");
        }
    }

    #[test]
    fn json_lines_with_escaped_keys_and_repeated_keys() {
        let r = parse(
            r#"{"ti\u006de":"2026-04-11T10:30:12Z","level":"warn","message":"first","message":"pairing required","extra":{"b":1,"a":[1.5,null]},"n":7}"#,
        );
        assert_eq!(r.ts.as_deref(), Some("2026-04-11T10:30:12Z"));
        assert_eq!(r.message, "pairing required");
        assert_eq!(
            serde_json::to_string(&r.meta).unwrap(),
            r#"{"extra":{"a":[1.5,null],"b":1},"n":7}"#
        );
        // A lone surrogate is not JSON to serde_json: the line is read as text.
        let r = parse(r#"{"message":"\ud800 pairing required"}"#);
        assert!(r.meta.is_none());
        assert_eq!(r.message, r#"{"message":"\ud800 pairing required"}"#);
    }

    /// The written-out key finder agrees with the pattern it replaces.
    #[test]
    fn kv_keys_match_the_pattern() {
        let re = Regex::new(r"(?:^|[ (,])([A-Za-z_][A-Za-z0-9_.]*)=").unwrap();
        let by_regex = |line: &str| -> Vec<(usize, usize, String)> {
            re.captures_iter(line)
                .map(|c| {
                    let w = c.get(0).unwrap();
                    (w.start(), w.end(), c[1].to_string())
                })
                .collect()
        };
        let mut cases: Vec<String> = [
            "a=1 b=2",
            "=x a==b c=d=e (f=1,g=2) 9x=1 _k=v x.y=z .a=1 a.=2",
            "closed before connect conn=c1 remote=127.0.0.1 ua=Mozilla/5.0 (X; a=b) code=1008 reason=pairing required",
            "ünï=1 k=ü, ,m= n =o",
            "",
            "==",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every short string over an alphabet of the interesting characters.
        let alphabet = ['a', '1', '_', '.', '=', ' ', '(', ',', 'é'];
        for n in 0..=5u32 {
            for mut i in 0..alphabet.len().pow(n) {
                let mut s = String::new();
                for _ in 0..n {
                    s.push(alphabet[i % alphabet.len()]);
                    i /= alphabet.len();
                }
                cases.push(s);
            }
        }
        for line in &cases {
            let got: Vec<(usize, usize, String)> = kv_keys(line)
                .into_iter()
                .map(|(a, b, k)| (a, b, k.to_string()))
                .collect();
            assert_eq!(got, by_regex(line), "{line:?}");
        }
    }

    fn parse(line: &str) -> Record {
        let p = Parser::new();
        let mut r = Record::new("-".into(), 1, 0);
        let text = ansi::strip(line.as_bytes());
        p.parse_into(&text, line.as_bytes(), &mut r);
        r
    }

    #[test]
    fn compact_closed_before_connect() {
        let r = parse(
            "2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=320d827d-a7c1-41b1-9e08-29e57102324c peer=127.0.0.1:50420->127.0.0.1:18789 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=Mozilla/5.0 (X11; a=b) code=1008 reason=pairing required: device is not approved yet (requestId: 7d1c2a9e-0b6f-4f51-9a51-3d1f1c0e2b44)",
        );
        assert_eq!(r.ts.as_deref(), Some("2026-04-11T10:30:12.404+02:00"));
        assert_eq!(
            r.ts_utc.map(|t| t.to_string()).as_deref(),
            Some("2026-04-11T08:30:12.404Z")
        );
        assert_eq!(r.subsystem.as_deref(), Some("ws"));
        assert_eq!(r.code, Some(1008));
        assert_eq!(
            r.reason.as_deref(),
            Some(
                "pairing required: device is not approved yet (requestId: 7d1c2a9e-0b6f-4f51-9a51-3d1f1c0e2b44)"
            )
        );
        assert_eq!(r.kv.get("ua"), Some("Mozilla/5.0 (X11; a=b)"));
        assert_eq!(r.remote.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            r.request_id.as_deref(),
            Some("7d1c2a9e-0b6f-4f51-9a51-3d1f1c0e2b44")
        );
        assert!(r.message.starts_with("closed before connect conn="));
    }

    #[test]
    fn pretty_ws_close_stops_reason_at_next_key() {
        let r = parse(
            "10:30:12 [ws] → close code=1008 reason=pairing required durationMs=58 cause=pairing-required handshake=failed conn=64e9a9b0…d56b",
        );
        assert_eq!(r.ts.as_deref(), Some("10:30:12"));
        assert_eq!(r.ts_utc, None);
        assert_eq!(r.reason.as_deref(), Some("pairing required"));
        assert_eq!(r.kv.get("cause"), Some("pairing-required"));
        assert_eq!(r.conn.as_deref(), Some("64e9a9b0…d56b"));
    }

    #[test]
    fn audit_line_fields() {
        let r = parse(
            "2026-04-02T09:00:01.000+00:00 [gateway] security audit: device access upgrade requested reason=role-upgrade device=9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70 ip=unknown-ip auth=token roleFrom=<none> roleTo=node scopesFrom=<none> scopesTo=<none> client=node-host conn=aa11",
        );
        assert_eq!(r.role.as_deref(), Some("node"));
        assert_eq!(r.scopes, Some(vec![]));
        assert_eq!(r.remote.as_deref(), Some("unknown-ip"));
        assert_eq!(r.client.as_deref(), Some("node-host"));
        assert_eq!(r.kv.get("reason"), Some("role-upgrade"));
        assert_eq!(r.code, None);
        assert!(r.device.as_deref().is_some_and(|d| d.len() == 64));
    }

    #[test]
    fn unauthorized_client_tokens() {
        let r = parse(
            "[ws] unauthorized conn=c1 remote=10.0.0.5 client=cli cli v2026.4.12 role=operator scopes=2 auth=token device=yes platform=linux reason=token_mismatch",
        );
        assert_eq!(r.subsystem.as_deref(), Some("ws"));
        assert_eq!(r.client.as_deref(), Some("cli"));
        assert_eq!(r.client_version.as_deref(), Some("2026.4.12"));
        assert_eq!(r.scopes, None);
        assert_eq!(r.device, None);
        assert_eq!(r.kv.get("reason"), Some("token_mismatch"));
    }

    #[test]
    fn console_json_style() {
        let r = parse(
            r#"{"time":"2026-04-11T10:30:12.404+02:00","level":"warn","subsystem":"gateway/ws","message":"closed before connect conn=c2 remote=127.0.0.1 code=1008 reason=connect failed","cause":"pairing-required","handshake":"failed","reason":"role-upgrade","requestId":"deb67699-a335-4533-a45f-b31fd5d31348"}"#,
        );
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.subsystem.as_deref(), Some("gateway/ws"));
        assert_eq!(r.reason.as_deref(), Some("connect failed"));
        assert_eq!(
            r.request_id.as_deref(),
            Some("deb67699-a335-4533-a45f-b31fd5d31348")
        );
        let meta = r.meta.unwrap();
        assert_eq!(meta["reason"], "role-upgrade");
    }

    #[test]
    fn tslog_file_line() {
        let r = parse(
            r#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":{"cause":"pairing-required","handshake":"failed","reason":"not-paired","deviceId":"ab12","requestId":"r-1234"},"2":"closed before connect conn=c3 remote=192.168.1.20 code=1008 reason=pairing required","_meta":{"runtime":"node","name":"{\"subsystem\":\"gateway/ws\"}","date":"2026-04-11T08:30:12.404Z","logLevelId":4,"logLevelName":"WARN"},"time":"2026-04-11T10:30:12.404+02:00"}"#,
        );
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.subsystem.as_deref(), Some("gateway/ws"));
        assert_eq!(r.code, Some(1008));
        assert_eq!(r.device.as_deref(), Some("ab12"));
        assert_eq!(r.request_id.as_deref(), Some("r-1234"));
        assert_eq!(
            r.ts_utc.map(|t| t.to_string()).as_deref(),
            Some("2026-04-11T08:30:12.404Z")
        );
    }

    #[test]
    fn tslog_captured_console_line() {
        let r = parse(
            r#"{"0":"gateway connect failed: GatewayClientRequestError: pairing required","_meta":{"name":"openclaw","date":"2026-04-11T08:30:12.404Z","logLevelName":"ERROR"},"time":"2026-04-11T08:30:12.404Z"}"#,
        );
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(r.subsystem, None);
        assert_eq!(
            r.message,
            "gateway connect failed: GatewayClientRequestError: pairing required"
        );
    }

    #[test]
    fn openclaw_logs_plain() {
        let r = parse(
            r#"2026-04-11T08:30:12.404Z warn gateway/ws {"subsystem":"gateway/ws"} {"cause":"pairing-required","handshake":"failed","reason":"role-upgrade","requestId":"deb67699-a335-4533-a45f-b31fd5d31348"} closed before connect conn=320d827d remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=connect failed"#,
        );
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.subsystem.as_deref(), Some("gateway/ws"));
        assert_eq!(r.reason.as_deref(), Some("connect failed"));
        assert_eq!(r.meta.as_ref().unwrap()["reason"], "role-upgrade");
        assert!(r.message.starts_with("closed before connect"));
        let root =
            parse("2026-04-11T08:30:12.404Z error gateway connect failed: Error: pairing required");
        assert_eq!(root.subsystem, None);
        assert_eq!(
            root.message,
            "gateway connect failed: Error: pairing required"
        );
    }

    #[test]
    fn wrappers() {
        let r = parse(
            "Apr 11 10:30:12 pi-gw node[4127]: 2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=c remote=127.0.0.1 code=1008 reason=pairing required",
        );
        assert_eq!(r.ts.as_deref(), Some("2026-04-11T10:30:12.404+02:00"));
        assert_eq!(r.subsystem.as_deref(), Some("ws"));
        let r = parse(
            "[2026-04-11T08:30:12.404Z] [WARN ] [Gateway stderr] 10:30:12 [ws] closed before connect conn=c code=1008 reason=pairing required",
        );
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.ts.as_deref(), Some("10:30:12"));
        assert_eq!(
            r.ts_utc.map(|t| t.to_string()).as_deref(),
            Some("2026-04-11T08:30:12.404Z")
        );
        let r = parse(
            "2026-04-11T08:30:12.404511832Z 2026-04-11T08:30:12.404Z [ws] unauthorized conn=c reason=token_missing",
        );
        assert_eq!(r.ts.as_deref(), Some("2026-04-11T08:30:12.404Z"));
        let r = parse(
            "openclaw-gateway-1  | 2026-04-11T08:30:12.404Z [ws] closed before connect code=1008 reason=pairing required",
        );
        assert_eq!(r.subsystem.as_deref(), Some("ws"));
        let r = parse(
            "0|openclaw | 08:30:12 [ws] closed before connect code=1008 reason=pairing required",
        );
        assert_eq!(r.ts.as_deref(), Some("08:30:12"));
    }

    #[test]
    fn client_side_closes() {
        let r = parse("gateway closed (1008 abnormal closure (no close frame)): pairing required");
        assert_eq!(
            (r.code, r.reason.as_deref()),
            (Some(1008), Some("pairing required"))
        );
        let r = parse(
            r#"{"status":"error","error":"gateway closed (1008): pairing required\nGateway target: ws://127.0.0.1:18789\nSource: local loopback"}"#,
        );
        assert_eq!(
            (r.code, r.reason.as_deref()),
            (Some(1008), Some("pairing required"))
        );
        let r = parse("disconnected (1008): pairing required");
        assert_eq!(r.code, Some(1008));
        let r = parse(
            "[2026-04-11T08:30:12.404Z] [WARN ] Gateway WebSocket closed (code=1008, reason=pairing required, handshake=failed)",
        );
        assert_eq!(
            (r.code, r.reason.as_deref()),
            (Some(1008), Some("pairing required"))
        );
        let r = parse(
            "gateway connect failed: scope upgrade pending approval (requestId: 5b0f3c2e-1111-4222-8333-944455556666)",
        );
        assert_eq!(
            r.request_id.as_deref(),
            Some("5b0f3c2e-1111-4222-8333-944455556666")
        );
    }

    #[test]
    fn ansi_level_and_text() {
        let r = parse(
            "\x1b[90m10:30:12\x1b[39m \x1b[35m[ws]\x1b[39m \x1b[33mclosed before connect conn=c code=1008 reason=pairing required\x1b[39m",
        );
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(
            r.text,
            "10:30:12 [ws] closed before connect conn=c code=1008 reason=pairing required"
        );
        assert_eq!(r.reason.as_deref(), Some("pairing required"));
    }

    #[test]
    fn invalid_utf8_is_lossy() {
        let p = Parser::new();
        let mut r = Record::new("-".into(), 1, 0);
        p.parse_into(b"code=1008 reason=pairing \xff required", b"", &mut r);
        assert!(r.lossy);
        assert_eq!(r.reason.as_deref(), Some("pairing \u{fffd} required"));
    }

    #[test]
    fn kv_edge_cases() {
        let p = Parser::new();
        assert!(p.key_values("").is_empty());
        assert_eq!(
            p.key_values("a= b=").iter().collect::<Vec<_>>(),
            [("a", ""), ("b", "")]
        );
        assert_eq!(p.key_values("=x k=v").get("k"), Some("v"));
        assert_eq!(p.key_values("ua=x code=n/a").get("ua"), Some("x code=n/a"));
        let kv = p.key_values(
            "unauthorized conn=c ua=Mozilla/5.0 (X; a=b) reason=x host=y reason=token_mismatch",
        );
        assert_eq!(kv.get("ua"), Some("Mozilla/5.0 (X; a=b) reason=x host=y"));
        assert_eq!(kv.get("reason"), Some("token_mismatch"));
        let kv = p.key_values("closed (code=1008, reason=pairing required, handshake=failed)");
        assert_eq!(kv.get("code"), Some("1008"));
        assert_eq!(kv.get("handshake"), Some("failed"));
        let kv = p.key_values("discord pairing request sender=1 (matchKey=dm matchSource=id)");
        assert_eq!(kv.get("matchSource"), Some("id"));
        assert_eq!(p.key_values("reason=x (y)").get("reason"), Some("x (y)"));
    }
}
