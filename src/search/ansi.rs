//! ANSI escape sequences: finding them, stripping them, and reading the level from the
//! colour of a console line's message.
//!
//! This module owns the escape grammar (CSI, OSC and two-byte escapes, raw or written
//! JSON-escaped as `\u001b`). It does not know what a line means.

use crate::record::Level;
use crate::text::find_literal;

const ESC: u8 = 0x1b;
const JSON_ESC: &[u8] = b"\\u001";

/// Whether `buf` may hold an escape sequence, raw or JSON-escaped.
#[inline]
pub fn has_escapes(buf: &[u8]) -> bool {
    memchr::memchr(ESC, buf).is_some() || json_escape_at(buf).is_some()
}

/// The position of the first JSON-escaped ESC (`\u001b`/`\u001B`) in `buf`.
fn json_escape_at(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = find_literal!(&buf[from..], JSON_ESC) {
        let at = from + i;
        if matches!(buf.get(at + JSON_ESC.len()), Some(b'b' | b'B')) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Length of the escape introducer at `buf[i..]`: 1 for a raw ESC, 6 for `\u001b`, or
/// `None` when no escape starts there.
#[inline]
fn introducer_len(buf: &[u8], i: usize) -> Option<usize> {
    match buf.get(i) {
        Some(&ESC) => Some(1),
        Some(b'\\')
            if buf.get(i + 1..i + 5) == Some(b"u001")
                && matches!(buf.get(i + 5), Some(b'b' | b'B')) =>
        {
            Some(6)
        }
        _ => None,
    }
}

/// The end (exclusive) of the escape sequence whose introducer ends at `j`, never
/// past a line end: a broken sequence must not swallow the next line.
fn sequence_end(buf: &[u8], j: usize) -> usize {
    match buf.get(j) {
        Some(b'[') => {
            // CSI: parameter and intermediate bytes, then one final byte.
            let mut k = j + 1;
            while let Some(&b) = buf.get(k) {
                match b {
                    0x20..=0x3f => k += 1,
                    0x40..=0x7e => return k + 1,
                    _ => return k,
                }
            }
            k
        }
        Some(b']') => {
            // OSC (hyperlinks, titles): up to BEL or ST, or the line end.
            let mut k = j + 1;
            while let Some(&b) = buf.get(k) {
                match b {
                    0x07 => return k + 1,
                    b'\n' => return k,
                    ESC if buf.get(k + 1) == Some(&b'\\') => return k + 2,
                    _ => k += 1,
                }
            }
            k
        }
        Some(b'\n') | None => j,
        Some(_) => j + 1,
    }
}

/// Appends `src` to `dst` without its escape sequences. Line ends are kept, so line
/// numbers in the output equal those in the input.
pub fn strip_into(src: &[u8], dst: &mut Vec<u8>) {
    // Backslashes are common in JSON lines (`\"`) and start an escape only as
    // `\u001b`: when the buffer holds none, stop at ESC bytes alone.
    if json_escape_at(src).is_some() {
        strip_stopping_at(src, dst, next_introducer);
    } else {
        strip_stopping_at(src, dst, |buf, from| {
            memchr::memchr(ESC, buf.get(from..)?).map(|i| from + i)
        });
    }
}

/// [`strip_into`] with the search for the next possible escape given: each place
/// `next` finds is checked for an escape sequence, which is dropped.
fn strip_stopping_at(src: &[u8], dst: &mut Vec<u8>, next: impl Fn(&[u8], usize) -> Option<usize>) {
    let mut i = 0;
    let mut copied = 0;
    while let Some(at) = next(src, i) {
        if let Some(len) = introducer_len(src, at) {
            dst.extend_from_slice(&src[copied..at]);
            i = sequence_end(src, at + len);
            copied = i;
        } else {
            i = at + 1;
        }
    }
    dst.extend_from_slice(&src[copied..]);
}

/// The next position at or after `from` that may start an escape (ESC or backslash).
#[inline]
fn next_introducer(buf: &[u8], from: usize) -> Option<usize> {
    memchr::memchr2(ESC, b'\\', buf.get(from..)?).map(|i| from + i)
}

/// Returns `line` without escapes, borrowing when it has none.
pub fn strip(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if has_escapes(line) {
        let mut out = Vec::with_capacity(line.len());
        strip_into(line, &mut out);
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(line)
    }
}

/// Reads the level from the colour of a console line's message span.
///
/// OpenClaw writes `ESC[90m<time>ESC[39m ESC[<c>m[<tag>]ESC[39m ESC[<L>m<msg>…`, where the
/// tag's colour is a hash of its name and only the message colour tells the level:
/// 31 error, 33 warn, 90 debug, 36 info (bright variants alike).
pub fn level_from_colour(line: &[u8]) -> Option<Level> {
    let mut colour: Option<u32> = None;
    let mut i = 0;
    // 0: before the time, 1: after the time, 2: after the tag.
    let mut stage = 0;
    while i < line.len() {
        if let Some(len) = introducer_len(line, i) {
            let j = i + len;
            let end = sequence_end(line, j);
            if line.get(j) == Some(&b'[') && line.get(end.wrapping_sub(1)) == Some(&b'm') {
                colour = sgr_colour(&line[j + 1..end - 1], colour);
            }
            i = end;
            continue;
        }
        // A text span runs to the next escape.
        let next = next_introducer(line, i + 1).unwrap_or(line.len());
        let span = &line[i..next];
        i = next;
        let text = span.trim_ascii();
        if text.is_empty() {
            continue;
        }
        if stage == 0 && looks_like_time(text) {
            stage = 1;
            continue;
        }
        if stage < 2 && text.first() == Some(&b'[') && text.last() == Some(&b']') {
            stage = 2;
            continue;
        }
        return colour.and_then(level_of_colour);
    }
    None
}

/// The foreground colour after applying one SGR parameter list to `current`.
fn sgr_colour(params: &[u8], mut current: Option<u32>) -> Option<u32> {
    if params.is_empty() {
        return None;
    }
    let nums = params.split(|&b| b == b';').map(|p| {
        std::str::from_utf8(p)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
    });
    for n in nums {
        match n {
            Some(0) | Some(39) => current = None,
            Some(n @ (30..=37 | 90..=97)) => current = Some(n),
            // Truecolor or 256-colour: not one of the level colours.
            Some(38) => {
                current = Some(38);
                break;
            }
            _ => {}
        }
    }
    current
}

fn level_of_colour(c: u32) -> Option<Level> {
    match c {
        31 | 91 => Some(Level::Error),
        33 | 93 => Some(Level::Warn),
        90 => Some(Level::Debug),
        36 | 96 => Some(Level::Info),
        _ => None,
    }
}

fn looks_like_time(text: &[u8]) -> bool {
    text.len() >= 8
        && text[0].is_ascii_digit()
        && text
            .iter()
            .all(|b| b.is_ascii_digit() || b":-+.TZ".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stopping at ESC alone when the buffer has no `\u001b` strips the same as
    /// stopping at every backslash too: checked on every short string over the
    /// characters that matter.
    #[test]
    fn esc_only_stops_agree_with_every_introducer() {
        fn reference(src: &[u8]) -> Vec<u8> {
            let mut dst = Vec::new();
            strip_stopping_at(src, &mut dst, next_introducer);
            dst
        }
        let alphabet: &[&[u8]] = &[b"\x1b", b"\\", b"\\u001b", b"[", b"31", b"m", b"x", b"\""];
        for n in 0..=5u32 {
            for mut i in 0..alphabet.len().pow(n) {
                let mut s = Vec::new();
                for _ in 0..n {
                    s.extend_from_slice(alphabet[i % alphabet.len()]);
                    i /= alphabet.len();
                }
                let mut got = Vec::new();
                strip_into(&s, &mut got);
                assert_eq!(got, reference(&s), "{:?}", String::from_utf8_lossy(&s));
            }
        }
    }

    fn s(b: &[u8]) -> String {
        String::from_utf8_lossy(&strip(b)).into_owned()
    }

    #[test]
    fn strips_sgr_and_keeps_text() {
        let line = b"\x1b[90m10:30:12\x1b[39m \x1b[38;2;10;20;30m[ws]\x1b[39m \x1b[33mclosed before connect\x1b[39m";
        assert_eq!(s(line), "10:30:12 [ws] closed before connect");
    }

    #[test]
    fn strips_json_escaped() {
        let line = br#"{"0":"\u001b[33mpairing required\u001b[39m","x":"a\\b"}"#;
        assert_eq!(s(line), r#"{"0":"pairing required","x":"a\\b"}"#);
        assert_eq!(s(br"\u001B[1;31mX"), "X");
    }

    #[test]
    fn keeps_newlines_and_survives_broken_sequences() {
        assert_eq!(s(b"a\x1b[33\nb"), "a\nb");
        assert_eq!(s(b"a\x1b\nb"), "a\nb");
        assert_eq!(s(b"a\x1b]8;;http://x\x07link\x1b]8;;\x07"), "alink");
        assert_eq!(s(b"end\x1b"), "end");
        assert_eq!(s(b"end\\u001"), "end\\u001");
    }

    #[test]
    fn level_from_message_colour() {
        let warn = b"\x1b[90m10:30:12\x1b[39m \x1b[31m[diagnostic]\x1b[39m \x1b[33mclosed\x1b[39m";
        assert_eq!(level_from_colour(warn), Some(Level::Warn));
        let err =
            b"\x1b[90m2026-04-11T10:30:12.404+02:00\x1b[39m \x1b[31mgateway connect failed\x1b[39m";
        assert_eq!(level_from_colour(err), Some(Level::Error));
        let dbg =
            b"\x1b[90m10:30:12\x1b[39m \x1b[35m[ws]\x1b[39m \x1b[90m\xe2\x86\x90 connect\x1b[39m";
        assert_eq!(level_from_colour(dbg), Some(Level::Debug));
        assert_eq!(level_from_colour(b"10:30:12 [ws] closed"), None);
    }
}
