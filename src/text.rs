//! Text helpers every output shares: escaping for a terminal, cutting to a length,
//! a message's first line, and counted nouns.
//!
//! This module owns the one rule for which characters must never reach a terminal
//! from a log or config file ([`is_terminal_unsafe`]) and the two notations they are
//! shown in ([`terminal_safe`] for log-derived text, [`terminal_safe_unicode`] for the
//! config check, whose documented notation is `\u{001b}`); the one way a string is
//! cut to a number of characters ([`prefix`], [`cut`]); a joined message's first line
//! ([`first_line`]); where a fixed string starts in a text ([`find_literal!`]); and
//! `1 event` / `2 events` ([`plural`]). It is vocabulary: it imports nothing from the
//! crate, and it does not decide what is printed or where (the outputs and reports do).

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// The byte offset where `$needle` (a `&'static str` or byte string) first starts in
/// `$hay` (a `&str` or `&[u8]`), or `None`: `find_literal!(msg, "Pairing code:")`.
///
/// Each place the macro is written builds its `memmem` finder once, on first use.
/// `str::find` builds a searcher on every call, which on the short messages and
/// reasons the diagnosis reads costs more than the search itself. In a `&str` the
/// offset is a character boundary (a string starts where a character does).
macro_rules! find_literal {
    ($hay:expr, $needle:expr) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        FINDER.find(AsRef::<[u8]>::as_ref(&$hay))
    }};
}
pub(crate) use find_literal;

/// Whether `c` reorders text: the bidi marks, embeddings, overrides and isolates
/// (U+061C, U+200E/F, U+202A–E, U+2066–9). A crafted line could otherwise make a
/// terminal or editor show text in another order than it has.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` must be escaped before it reaches a terminal: C0 and C1 control
/// characters (escape sequences start with ESC or CSI), DEL, and the bidi controls.
pub fn is_terminal_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Makes log-derived text safe for a terminal: every [`is_terminal_unsafe`]
/// character is shown as an escape, `\t`, `\n` and `\r` by name, others below U+0100
/// as `\x1b`, the rest as `\u{202e}` (the notation of docs/diagnose.md).
pub fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !is_terminal_unsafe(c) {
            out.push(c);
            continue;
        }
        let u = c as u32;
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if u < 0x100 => {
                let _ = write!(out, "\\x{u:02x}");
            }
            _ => {
                let _ = write!(out, "\\u{{{u:x}}}");
            }
        }
    }
    out
}

/// [`terminal_safe`] in the config check's notation: every unsafe character as
/// `\u{001b}` (at least four hex digits, docs/config-check.md), and no copy when
/// there is nothing to escape.
pub fn terminal_safe_unicode(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_terminal_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_terminal_unsafe(c) {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` up to its first newline (all of it when it has none): the first physical line
/// of a joined multi-line event. The `memchr` crate's SIMD search, where
/// `split('\n')` builds a searcher and scans a word at a time (this runs several
/// times a record: it was ~2 % of a dense scan's instructions).
pub fn first_line(s: &str) -> &str {
    memchr::memchr(b'\n', s.as_bytes()).map_or(s, |i| &s[..i])
}

/// The first `max` characters of `s` (all of it when shorter): cut on a character
/// boundary, never inside one.
pub fn prefix(s: &str, max: usize) -> &str {
    // A character is at least a byte, and an ASCII byte is a whole character: the
    // usual short or ASCII text is answered without walking it character by
    // character.
    if s.len() <= max {
        return s;
    }
    if s.as_bytes()[..max].is_ascii() {
        return &s[..max];
    }
    match s.char_indices().nth(max) {
        None => s,
        Some((i, _)) => &s[..i],
    }
}

/// `s` cut to `max` characters, with `…` after the cut when anything was cut.
pub fn cut(s: &str, max: usize) -> String {
    Cut::new(s, max).to_string()
}

/// [`cut`] as a [`fmt::Display`], for text that is formatted into a longer string:
/// it is written where it is used, with no `String` of its own. Plain `{}` only: a
/// width or fill is ignored (a `String` would pad).
#[derive(Clone, Copy, Debug)]
pub struct Cut<'a> {
    head: &'a str,
    cut: bool,
}

impl<'a> Cut<'a> {
    /// The first `max` characters of `s`, marked when anything was cut.
    pub fn new(s: &'a str, max: usize) -> Cut<'a> {
        let head = prefix(s, max);
        Cut {
            head,
            cut: head.len() != s.len(),
        }
    }
}

impl fmt::Display for Cut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.head)?;
        if self.cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// `1 event`, `2 events`, `0 events`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_literal_is_str_find() {
        // Each call site has its own finder: a second needle is not the first's.
        for hay in [
            "",
            "Error: x",
            "GatewayClientRequestError: Error: y",
            "é Error: ü",
            "Err",
        ] {
            assert_eq!(
                find_literal!(hay, "Error: "),
                hay.find("Error: "),
                "{hay:?}"
            );
            assert_eq!(find_literal!(hay, "é"), hay.find('é'), "{hay:?}");
            assert_eq!(
                find_literal!(hay.as_bytes(), b"Err"),
                hay.find("Err"),
                "{hay:?}"
            );
        }
        const NEEDLE: &str = "ü";
        let hay = String::from("aü");
        let i = find_literal!(hay, NEEDLE).unwrap();
        assert_eq!(&hay[i..], "ü");
    }

    #[test]
    fn first_line_is_the_first_split() {
        for s in ["", "a", "a\nb", "\n", "é\nü\n", "no newline at all"] {
            assert_eq!(first_line(s), s.split('\n').next().unwrap_or_default());
        }
    }

    #[test]
    fn terminal_safe_escapes_controls_and_bidi() {
        assert_eq!(terminal_safe("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(terminal_safe("x\u{202e}y\u{9b}z"), "x\\u{202e}y\\x9bz");
        assert_eq!(terminal_safe("t\tn\nr\r\x7f"), "t\\tn\\nr\\r\\x7f");
        assert_eq!(terminal_safe("arabic\u{061c}mark"), "arabic\\u{61c}mark");
        assert_eq!(terminal_safe("plain … text"), "plain … text");
    }

    #[test]
    fn unicode_notation_is_the_config_checks() {
        assert!(matches!(
            terminal_safe_unicode("plain"),
            Cow::Borrowed("plain")
        ));
        assert_eq!(terminal_safe_unicode("a\x1b[31mb"), "a\\u{001b}[31mb");
        assert_eq!(terminal_safe_unicode("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(terminal_safe_unicode("tab\there"), "tab\\u{0009}here");
        assert_eq!(terminal_safe_unicode("\u{061c}"), "\\u{061c}");
    }

    #[test]
    fn both_notations_escape_the_same_characters() {
        for c in [
            '\0', '\x1b', '\x7f', '\u{85}', '\u{9b}', '\u{200e}', '\u{2069}',
        ] {
            let s = c.to_string();
            assert_ne!(terminal_safe(&s), s, "{c:?}");
            assert_ne!(terminal_safe_unicode(&s), s, "{c:?}");
        }
        for c in ['a', ' ', '…', 'é', '\u{2028}'] {
            let s = c.to_string();
            assert_eq!(terminal_safe(&s), s);
            assert_eq!(terminal_safe_unicode(&s), s);
        }
    }

    #[test]
    fn cuts_on_character_boundaries() {
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("", 0), "");
        assert_eq!(cut("ab", 0), "…");
        assert_eq!(cut("ééé", 2), "éé…");
        assert_eq!(cut("日本語テキスト", 3), "日本語…");
        assert_eq!(prefix("ééé", 1), "é");
        assert_eq!(prefix("abc", 10), "abc");
        assert_eq!(Cut::new("abcdef", 3).to_string(), "abc…");
        // The short and ASCII answers agree with a walk by character at every length.
        for s in [
            "",
            "abc",
            "abé",
            "éab",
            "ab日本語",
            "a\u{1f600}b",
            "plain ascii text",
        ] {
            for max in 0..=s.len() + 1 {
                let walked = s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i]);
                assert_eq!(prefix(s, max), walked, "{s:?} {max}");
            }
        }
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(0, "event", "events"), "0 events");
        assert_eq!(plural(1, "event", "events"), "1 event");
        assert_eq!(plural(2, "cause", "causes"), "2 causes");
    }
}
