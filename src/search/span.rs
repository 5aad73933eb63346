//! Events that span several physical lines.
//!
//! A refusal is often pasted over several lines: a gateway line wrapped by a terminal
//! (its `code=… reason=…` tail alone on the next line), the CLI's error block
//! (`gateway closed (1008): …` then `Gateway target:` / `Source:` / `Config:` /
//! `Bind:`), audit fields pasted one per line (`scopesTo: operator.write`), a
//! pretty-printed JSON object (`"requestId": "…",`), a hint on its own line
//! (`  (set gateway.remote.token to match gateway.auth.token)`).
//!
//! This module owns the decision whether a record continues the event above it
//! ([`continues`]) and the join itself ([`absorb`]): one record for the event, with
//! the fields of all its lines, `line` its first line and `end_line` its last. It does
//! not find lines (the search hands the continuation lines over as context lines, see
//! `diagnose::CONTEXT_FORMS`) nor hold records back (the diagnosis's
//! [`crate::diagnose::Annotate`] keeps the last record until the next one shows
//! whether it continues).
//!
//! The look-ahead is bounded: at most [`MAX_SPAN_LINES`] lines and
//! [`MAX_SPAN_BYTES`] bytes of text per event, and never past a pause in the input.

use std::sync::LazyLock;

use regex::Regex;

use crate::record::Record;
use crate::text::first_line;

/// The most physical lines one event may span.
pub const MAX_SPAN_LINES: u64 = 16;
/// The most bytes of text one event may span.
pub const MAX_SPAN_BYTES: usize = 8 * 1024;
/// The line shapes that continue an event above them, as one pattern literal.
macro_rules! continuation_shapes {
    () => {
        concat!(
            // `Gateway target: ws://…`, `Source: local loopback`, `Config: …`, `Bind: …`,
            // `Transport: …`, `Warn: …` (src/gateway/call.ts).
            r"^[ \t]*(?:Gateway target|Source|Config|Bind|Transport|Warn): ",
            // Audit and request fields pasted one per line, YAML- or JSON-style.
            r#"|^[ \t]*"?(?:scopesFrom|scopesTo|roleFrom|roleTo|requestId|deviceId|reason|ip|client|device|auth|conn)"?[ \t]?[:=]"#,
            // A hint or request id on a line of its own.
            r"|^[ \t]*\((?:set |use |open |provide |rotate|pair|scan |retry |create |re-pair|review |requestId: )",
        )
    };
}

/// The line shapes that continue an event above them. Fixed patterns (a unit test
/// compiles them).
#[allow(clippy::expect_used)]
static CONTINUATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(continuation_shapes!()).expect("continuation pattern"));

/// What the search hands over below a handed-over line (see
/// [`crate::search::ContextLines::follow`]): the continuation shapes, a version
/// alone on its line (the answer to a pasted `$ openclaw --version`), and the tail
/// of a wrapped `key=value` line. Two patterns, not one alternation: every shape
/// of the first is anchored at the line's start, so a line fails it in a few
/// bytes, and the second starts with a literal that a memchr search finds; joined,
/// every line below an event was scanned to its end.
pub const FOLLOW_PATTERNS: [&str; 2] = [
    concat!(
        continuation_shapes!(),
        r"|^[ \t]*v?20[0-9][0-9]\.[0-9]{1,2}\.[0-9]{1,3}(?:-[0-9A-Za-z.]+)?(?: \([0-9a-f]{6,}\))?[ \t]*$",
    ),
    r"(?:^| )code=[0-9]{1,4} reason=",
];

/// The line shapes that always start an event of their own, even without a
/// timestamp (a CLI paste has none).
#[allow(clippy::expect_used)]
static HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:closed before connect|unauthorized conn=|handshake timeout|invalid handshake|→ close|← |⇄ |security audit: |gateway connect failed: |gateway closed \(|\[openclaw\] )",
    )
    .expect("head pattern")
});

/// Whether `next` continues the event `head` (the record just before it in the same
/// input): it sits right below it and is shaped like a continuation, or it is the
/// `code=… reason=…` tail of a wrapped line whose head has no close code.
pub fn continues(head: &Record, next: &Record) -> bool {
    if head.categories.is_empty() || *head.source != *next.source {
        return false;
    }
    let last = head.last_line();
    if next.line != last + 1 {
        return false;
    }
    if next.last_line() - head.line >= MAX_SPAN_LINES
        || head.text.len() + next.text.len() >= MAX_SPAN_BYTES
    {
        return false;
    }
    let first = first_line(&next.text);
    if CONTINUATION.is_match(first) {
        return true;
    }
    // A wrapped gateway line: the tail carries the close code the head lacks, and
    // is not a log line of its own.
    !is_json(head)
        && !is_json(next)
        && head.code.is_none()
        && !head.kv.is_empty()
        && next.kv.get("code").is_some()
        && next.code.is_some()
        && next.ts.is_none()
        && next.subsystem.is_none()
        && !HEAD.is_match(next.message.trim_start())
}

/// A JSON log line (the file log, `openclaw logs --json`): one whole record per line,
/// never wrapped.
fn is_json(rec: &Record) -> bool {
    rec.text.trim_start().starts_with('{')
}

/// Joins `next` into `head`: texts joined with `\n`, fields `head` lacks taken from
/// `next`, `key: value` fields added to `kv`, categories united.
pub fn absorb(head: &mut Record, next: Record) {
    head.end_line = Some(next.last_line());
    head.categories = head.categories.union(next.categories);
    let first = first_line(&next.text).trim();
    if let Some((k, v)) = field(first) {
        // Pasted fields: what the audit or close line would have said with `k=v`.
        match k {
            "scopesTo" if head.scopes.is_none() => {
                head.scopes = Some(v.split(',').map(|s| s.trim().to_string()).collect());
            }
            "roleTo" if head.role.is_none() => head.role = Some(v.to_string()),
            "requestId" if head.request_id.is_none() && v.len() >= 8 => {
                head.request_id = Some(v.to_string());
            }
            "deviceId" | "device" if head.device.is_none() && v.len() == 64 => {
                head.device = Some(v.to_string());
            }
            "ip" if head.remote.is_none() => head.remote = Some(v.to_string()),
            _ => {}
        }
        head.kv.insert(k, v);
    }
    macro_rules! fill {
        ($($f:ident),*) => {$(
            if head.$f.is_none() {
                head.$f = next.$f.clone();
            }
        )*};
    }
    fill!(
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
        level
    );
    for (k, v) in next.kv.iter() {
        head.kv.insert(k, v);
    }
    head.message.push('\n');
    head.message.push_str(next.message.trim_end());
    head.text.push('\n');
    head.text.push_str(&next.text);
    head.truncated |= next.truncated;
    head.lossy |= next.lossy;
    // The diagnosis reads the joined event, not its first line.
    head.line_facts.clear();
}

/// A pasted `key: value` / `"key": "value",` field, without quotes and comma.
pub(crate) fn field(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once(':')?;
    let k = k.trim().trim_matches('"');
    if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let v = v
        .trim()
        .trim_end_matches(',')
        .trim()
        .trim_matches('"')
        .trim();
    (!v.is_empty()).then_some((k, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::rules::{Category, CategorySet};

    #[test]
    fn follow_patterns_match_as_their_alternation() {
        // Split for speed only: a line follows exactly when the alternation matches.
        let joined = regex::bytes::Regex::new(&FOLLOW_PATTERNS.join("|")).unwrap();
        let apart: Vec<regex::bytes::Regex> = FOLLOW_PATTERNS
            .iter()
            .map(|p| regex::bytes::Regex::new(p).unwrap())
            .collect();
        let mut lines: Vec<Vec<u8>> = [
            "Gateway target: ws://127.0.0.1:18789",
            "  Source: local loopback",
            "\t\"requestId\": \"7d1c\",",
            "scopesTo=operator.admin",
            "(requestId: 1f2e)",
            "2026.4.12 (abc1234)",
            "v2026.11.3",
            "2026-04-11T10:30:12Z [ws] x",
            "x code=1008 reason=pairing required",
            "code=1008 reason=",
            "xcode=1008 reason=",
            "",
        ]
        .iter()
        .map(|l| l.as_bytes().to_vec())
        .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        for sub in ["formats", "causes"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let data = std::fs::read(entry.unwrap().path()).unwrap();
                lines.extend(data.split(|&b| b == b'\n').map(<[u8]>::to_vec));
            }
        }
        for line in &lines {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            assert_eq!(
                apart.iter().any(|re| re.is_match(line)),
                joined.is_match(line),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    fn rec(line: u64, text: &str, event: bool) -> Record {
        let mut r = Record::new("t".into(), line, line * 100);
        crate::search::parse::Parser::new().parse_into(text.as_bytes(), text.as_bytes(), &mut r);
        if event {
            r.categories = [Category::Pairing].into_iter().collect();
        }
        r
    }

    #[test]
    fn client_block_joins() {
        let mut head = rec(3, "gateway closed (1008): pairing required", true);
        for (i, l) in [
            "Gateway target: ws://127.0.0.1:18789",
            "Source: local loopback",
            "Config: /home/mia/.openclaw/openclaw.json",
            "Bind: loopback",
        ]
        .into_iter()
        .enumerate()
        {
            let next = rec(4 + i as u64, l, false);
            assert!(continues(&head, &next), "{l}");
            absorb(&mut head, next);
        }
        assert_eq!(head.end_line, Some(7));
        assert_eq!(head.line, 3);
        assert!(head.message.contains("\nSource: local loopback"));
        assert_eq!(head.code, Some(1008));
    }

    #[test]
    fn wrapped_tail_gives_code_and_reason() {
        let mut head = rec(
            1,
            "2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=c1 remote=127.0.0.1 ua=Mozilla/5.0 (X11; Linux",
            true,
        );
        let tail = rec(2, "x86_64) code=1008 reason=pairing required", true);
        assert!(continues(&head, &tail));
        absorb(&mut head, tail);
        assert_eq!(head.code, Some(1008));
        assert_eq!(head.reason.as_deref(), Some("pairing required"));
        assert_eq!(head.end_line, Some(2));
    }

    #[test]
    fn fields_one_per_line() {
        let mut head = rec(
            10,
            "[gateway] security audit: device access upgrade requested",
            true,
        );
        for (n, l) in [
            (11, "  reason: scope-upgrade"),
            (12, r#"  "scopesTo": "operator.write","#),
            (13, "  requestId: 5b0f3c2e-1111-4222-8333-944455556666"),
        ] {
            let next = rec(n, l, false);
            assert!(continues(&head, &next), "{l}");
            absorb(&mut head, next);
        }
        assert_eq!(head.kv.get("reason"), Some("scope-upgrade"));
        assert_eq!(
            head.scopes.as_deref(),
            Some(&["operator.write".to_string()][..])
        );
        assert_eq!(
            head.request_id.as_deref(),
            Some("5b0f3c2e-1111-4222-8333-944455556666")
        );
        assert_eq!(head.end_line, Some(13));
    }

    #[test]
    fn a_new_log_line_is_not_a_continuation() {
        let head = rec(1, "gateway connect failed: pairing required", true);
        for l in [
            "gateway closed (1008): pairing required",
            "10:30:13 [ws] closed before connect conn=c code=1008 reason=pairing required",
        ] {
            assert!(!continues(&head, &rec(2, l, true)), "{l}");
        }
        // Not right below, or below a non-event.
        assert!(!continues(&head, &rec(9, "Source: local loopback", false)));
        let ctx = rec(1, "OpenClaw 2026.4.12 (abc1234)", false);
        assert!(!continues(&ctx, &rec(2, "Source: local loopback", false)));
        let mut other = rec(2, "Source: local loopback", false);
        other.source = "u".into();
        assert!(!continues(&head, &other));
        assert_eq!(CategorySet::EMPTY, ctx.categories);
    }

    #[test]
    fn spans_are_bounded() {
        let mut head = rec(1, "gateway closed (1008): pairing required", true);
        let mut n = 2;
        while continues(&head, &rec(n, "Source: local loopback", false)) {
            absorb(&mut head, rec(n, "Source: local loopback", false));
            n += 1;
        }
        assert_eq!(head.end_line, Some(MAX_SPAN_LINES));
    }
}
