//! Redaction: secrets in log lines replaced by markers that keep correlation.
//!
//! This module owns the table of secret forms (gateway and device tokens in URLs,
//! `key=value` pairs and JSON, bearer credentials, passwords in URLs, PEM private keys,
//! pairing and setup codes) and the marker `[REDACTED:3f9a1c]`. The scan applies it to
//! a line before the line is parsed, so every field read from the line is redacted by
//! construction. It does not decide what is an event.
//!
//! The marker's six hex digits are a keyed hash (SipHash, via the standard library)
//! of the secret under a key drawn at random for each run: the same secret gives the
//! same marker within a run, so two lines can be seen to carry the same token, but
//! the marker cannot be reversed or checked against a guess without the key, which
//! is never written anywhere. 24 bits are enough to tell a run's few secrets apart
//! and too few to identify one.

use std::hash::{BuildHasher, Hasher};

use regex::bytes::{Captures, Regex};

use crate::literals::Finder;

/// One secret form: a pattern whose group `secret` is the value to hide.
#[derive(Debug)]
pub struct SecretRule {
    /// A short stable name.
    pub id: &'static str,
    /// The pattern; the named group `secret` is replaced by the marker.
    pub pattern: &'static str,
}

/// The secret forms. Most match in any ASCII case (`(?i)`, compiled without Unicode);
/// the PEM header and `openclaw pairing approve` as written. A value already redacted
/// (a marker, OpenClaw's own `abcdef…wxyz`, `***`) is left alone by the caller.
pub static SECRET_RULES: &[SecretRule] = &[
    // `#token=…`, `?token=…`, `&token=…` in dashboard and WebSocket URLs.
    SecretRule {
        id: "url_token",
        pattern: r"(?i)[#?&](?:token|access_token|auth|password|key)=(?P<secret>[^&#\s\x22'<>]+)",
    },
    // `user:password@` in URLs.
    SecretRule {
        id: "url_password",
        pattern: r"(?i)[a-z][a-z0-9+.-]*://[^/\s:@\x22]+:(?P<secret>[^@\s/\x22]+)@",
    },
    // `Authorization: Bearer …`, `Bearer …`, `Basic …`.
    SecretRule {
        id: "bearer",
        pattern: r"(?i)\b(?:bearer|basic)\s+(?P<secret>[A-Za-z0-9._~+/=-]{8,})",
    },
    // JSON members: `"token":"…"`, `"password": "…"`, also JSON-in-a-string (`\"token\":\"…\"`).
    SecretRule {
        id: "json_secret",
        pattern: r#"(?i)\\?"(?:token|gatewayToken|deviceToken|bootstrapToken|setupCode|password|secret|apiKey|api_key|accessToken|access_token|refreshToken|refresh_token|privateKey|private_key|authorization)\\?"\s*:\s*\\?"(?P<secret>(?:[^"\\]|\\[^"])+)\\?""#,
    },
    // `key=value` pairs and environment dumps.
    SecretRule {
        id: "kv_secret",
        pattern: r"(?i)(?:^|[\s,;(\[{])(?:token|gateway[_.-]?token|device[_.-]?token|bootstrap[_.-]?token|setup[_.-]?code|password|passwd|secret|api[_-]?key|access[_-]?token|refresh[_-]?token|OPENCLAW_GATEWAY_TOKEN|OPENCLAW_GATEWAY_PASSWORD)\s*[=:]\s*(?P<secret>[^\s,;)\]}\x22']+)",
    },
    // PEM private keys: the whole block on one line (raw or with escaped `\n`), or from
    // its first line to the end of the line.
    SecretRule {
        id: "pem_private_key",
        pattern: r"(?P<secret>-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*))",
    },
    // DM pairing codes and `openclaw pairing approve <channel> <CODE>`, in any shape
    // (`Q7M2X9KD`, `ABCD-EFGH`, lower case): a code is whatever follows the words. A
    // placeholder (`<CODE>`) or a flag (`--notify`) does not start like a code.
    SecretRule {
        id: "pairing_code",
        pattern: r"(?:(?i:pairing code)\s*[:=]\s*|openclaw pairing approve\s+[a-z0-9_-]+\s+)(?P<secret>[A-Za-z0-9][A-Za-z0-9_-]{3,63})",
    },
];

/// Words of which every secret form's match holds one, in ASCII lower case (a test
/// proves it from the patterns). A line that holds none, in any ASCII case, holds no
/// secret: the forms' set is not asked (issue 21: it was a twentieth of a record's
/// cost, and most records hold none of these).
const SECRET_WORDS: &[&str] = &[
    "token",
    "auth",
    "passw",
    "key",
    "://",
    "bearer",
    "basic",
    "secret",
    "setup",
    "-----begin",
    "pairing code",
    "pairing approve",
];

/// Values that look like a secret's place but hold none: method names and flags.
const NOT_SECRETS: &[&str] = &[
    "token",
    "password",
    "none",
    "true",
    "false",
    "n/a",
    "null",
    "undefined",
    "device-token",
    "missing",
    "mismatch",
    "set",
    "unset",
    "yes",
    "no",
    "<none>",
    "[redacted]",
];

/// The compiled secret table and this run's key.
#[derive(Clone, Debug)]
pub struct Redactor {
    /// Each form alone, compiled the first time a line holds it (most runs meet
    /// none or one; compiling all of them was a tenth of the start-up).
    rules: std::sync::Arc<[std::sync::OnceLock<Option<Regex>>]>,
    any: regex::bytes::RegexSet,
    /// [`SECRET_WORDS`], searched in a line's lower-case copy.
    words: std::sync::Arc<Finder>,
    key: [u8; 16],
}

impl Redactor {
    /// A redactor with a key drawn at random for this run.
    pub fn new() -> Redactor {
        // RandomState is seeded from the OS for each process.
        let rs = std::collections::hash_map::RandomState::new();
        let mut key = [0u8; 16];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            let mut h = rs.build_hasher();
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        Redactor::with_key(key)
    }

    /// A redactor with a fixed key (tests, reproducible reports).
    pub fn with_key(key: [u8; 16]) -> Redactor {
        // The patterns are fixed and covered by the unit tests.
        // ASCII classes, case folding and word boundaries: secrets are ASCII, and
        // Unicode `\b` would push every line through the slowest regex engine.
        let rules = SECRET_RULES
            .iter()
            .map(|_| std::sync::OnceLock::new())
            .collect();
        #[allow(clippy::unwrap_used)]
        let any = regex::bytes::RegexSetBuilder::new(SECRET_RULES.iter().map(|r| r.pattern))
            .unicode(false)
            .build()
            .unwrap();
        #[allow(clippy::unwrap_used)]
        let words = std::sync::Arc::new(Finder::new(SECRET_WORDS).unwrap());
        Redactor {
            rules,
            any,
            words,
            key,
        }
    }

    /// Whether `line` may hold a secret: it holds one of [`SECRET_WORDS`] in some
    /// case (exact: every form's match holds one) and one of the forms matches.
    fn may_hold_secret(&self, line: &[u8]) -> bool {
        thread_local! {
            static LOWER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
        }
        /// A buffer grown past this by one long line is not kept for the next.
        const KEEP: usize = 64 << 10;
        let mut lower = LOWER.take();
        lower.clear();
        lower.extend(line.iter().map(u8::to_ascii_lowercase));
        let worded = self.words.find_at(&lower, 0).is_some();
        if lower.capacity() <= KEEP {
            LOWER.set(lower);
        }
        worded && self.any.is_match(line)
    }

    /// A redactor whose key is derived from `text` (for `--redact-key`).
    pub fn from_text_key(text: &str) -> Redactor {
        let mut key = [0u8; 16];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            let mut h = std::hash::DefaultHasher::new();
            h.write_usize(i);
            h.write(text.as_bytes());
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        Redactor::with_key(key)
    }

    /// Form `i` alone, compiled on first use (`None` only if a fixed pattern did
    /// not compile, which the unit tests rule out).
    fn rule(&self, i: usize) -> Option<&Regex> {
        self.rules
            .get(i)?
            .get_or_init(|| {
                regex::bytes::RegexBuilder::new(SECRET_RULES.get(i)?.pattern)
                    .unicode(false)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The marker for one secret value.
    pub fn marker(&self, secret: &[u8]) -> String {
        self.labelled("REDACTED", secret)
    }

    /// A marker `[<label>:<6 hex>]` for a value under this run's key, for values that
    /// are not secrets but should not be posted as they are (device ids, public
    /// addresses): the same value gives the same marker within a run.
    pub fn labelled(&self, label: &str, value: &[u8]) -> String {
        let mut h = std::hash::DefaultHasher::new();
        h.write(&self.key);
        h.write(value);
        format!("[{label}:{:06x}]", h.finish() & 0xff_ffff)
    }

    /// The secret values `line` holds (each once, in the order found): what
    /// [`Redactor::redact`] would replace.
    pub fn secrets_in(&self, line: &[u8]) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        if !self.may_hold_secret(line) {
            return out;
        }
        for i in self.any.matches(line).iter() {
            let Some(re) = self.rule(i) else {
                continue;
            };
            for c in re.captures_iter(line) {
                if let Some(m) = c.name("secret")
                    && !is_not_secret(m.as_bytes())
                    && !out.iter().any(|v| v == m.as_bytes())
                {
                    out.push(m.as_bytes().to_vec());
                }
            }
        }
        out
    }

    /// The line with every secret replaced by its marker; borrowed when it has none.
    pub fn redact<'a>(&self, line: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        // Most lines hold no secret: the words, then one plain search say so,
        // cheaper than the overlapping search that names which forms are there.
        if !self.may_hold_secret(line) {
            return std::borrow::Cow::Borrowed(line);
        }
        let hits = self.any.matches(line);
        let mut out = line.to_vec();
        for i in hits.iter() {
            let Some(re) = self.rule(i) else {
                continue;
            };
            let replaced = re.replace_all(&out, |c: &Captures<'_>| self.replace(c));
            out = replaced.into_owned();
        }
        std::borrow::Cow::Owned(out)
    }

    fn replace(&self, c: &Captures<'_>) -> Vec<u8> {
        let (Some(whole), Some(secret)) = (c.get(0), c.name("secret")) else {
            return c.get(0).map(|m| m.as_bytes().to_vec()).unwrap_or_default();
        };
        let value = secret.as_bytes();
        let mut out = Vec::with_capacity(whole.len());
        out.extend_from_slice(&whole.as_bytes()[..secret.start() - whole.start()]);
        if is_not_secret(value) {
            out.extend_from_slice(value);
        } else {
            out.extend_from_slice(self.marker(value).as_bytes());
        }
        out.extend_from_slice(&whole.as_bytes()[secret.end() - whole.start()..]);
        out
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

/// Whether a value in a secret's place is a word, a flag or already redacted.
pub fn is_not_secret(value: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(value) else {
        return false;
    };
    let lower = s.to_ascii_lowercase();
    NOT_SECRETS.contains(&lower.as_str())
        || s.starts_with("[REDACTED")
        || s.starts_with("${")
        || s.chars().all(|c| c == '*')
        || (s.contains('…') && s.chars().count() <= 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "9f3b2c7d1e8a4f60b5c2d9e1a7f3b8c4";

    fn red(line: &str) -> String {
        let r = Redactor::with_key([7; 16]);
        String::from_utf8(r.redact(line.as_bytes()).into_owned()).unwrap()
    }

    fn assert_hidden(line: &str) -> String {
        let out = red(line);
        assert!(!out.contains(SECRET), "{line} -> {out}");
        assert!(out.contains("[REDACTED:"), "{line} -> {out}");
        out
    }

    #[test]
    fn every_secret_holds_a_secret_word() {
        // What makes skipping a line without the words exact: each form, read
        // without its case folding (so its literals keep their letters), has one
        // of the words in every match, compared in lower case. The forms fold
        // ASCII only (`unicode(false)`), so a match's words differ from the
        // pattern's in ASCII case alone.
        let words: Vec<String> = SECRET_WORDS.iter().map(|w| w.to_string()).collect();
        for form in SECRET_RULES {
            assert!(
                !form.pattern.contains("\\(?i"),
                "{}: an escaped paren",
                form.id
            );
            let plain = form.pattern.replace("(?i)", "").replace("(?i:", "(?:");
            assert!(
                plain
                    .match_indices("(?")
                    .all(|(i, _)| plain[i + 2..].starts_with([':', 'P'])),
                "{}: another flag",
                form.id
            );
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(&plain)
                .unwrap();
            assert!(
                crate::search::rules::covered_folding(&hir, &words),
                "{}",
                form.id
            );
        }
        assert!(SECRET_WORDS.iter().all(|w| *w == w.to_ascii_lowercase()));
    }

    #[test]
    fn lines_without_the_words_in_any_case_are_not_asked() {
        let r = Redactor::with_key([7; 16]);
        assert!(!r.may_hold_secret(b"[ws] closed before connect code=1008"));
        for line in [
            &format!("x ToKeN={SECRET}"),
            &format!("APIKEY: {SECRET}"),
            &format!("Authorization: BEARER {SECRET}"),
            &format!("Pairing Code: {}", "Q7M2X9KD"),
        ] {
            assert!(r.may_hold_secret(line.as_bytes()), "{line}");
            let out = red(line);
            assert!(out.contains("[REDACTED:"), "{line} -> {out}");
        }
    }

    #[test]
    fn every_form_compiles() {
        // Each form is compiled on first use; none may fail to.
        let r = Redactor::with_key([0; 16]);
        for (i, form) in SECRET_RULES.iter().enumerate() {
            assert!(r.rule(i).is_some(), "{}", form.id);
        }
    }

    #[test]
    fn every_form_is_hidden() {
        for line in [
            &format!("dashboard: http://127.0.0.1:18789/#token={SECRET}"),
            &format!("ws://gw.example.net:18789/?token={SECRET}&x=1"),
            &format!("Authorization: Bearer {SECRET}"),
            &format!(r#"{{"gateway":{{"auth":{{"token":"{SECRET}"}}}}}}"#),
            &format!(r#"{{"0":"{{\"token\":\"{SECRET}\"}}"}}"#),
            &format!("env OPENCLAW_GATEWAY_TOKEN={SECRET} openclaw gateway"),
            &format!("token={SECRET} remote=1.2.3.4"),
            &format!("https://mia:{SECRET}@proxy.example.net:8080/"),
            &format!(
                "key: -----BEGIN PRIVATE KEY-----\\nMIIEv{SECRET}\\n-----END PRIVATE KEY-----"
            ),
            &format!("-----BEGIN OPENSSH PRIVATE KEY----- {SECRET}"),
            &format!(r#"{{"password": "{SECRET}"}}"#),
        ] {
            assert_hidden(line);
        }
    }

    #[test]
    fn markers_keep_correlation() {
        let a = assert_hidden(&format!("token={SECRET}"));
        let b = assert_hidden(&format!("?token={SECRET}"));
        let marker = a.trim_start_matches("token=");
        assert!(b.ends_with(marker));
        let other = red("token=0000aaaa1111bbbb");
        assert!(!other.contains(marker));
    }

    #[test]
    fn event_words_stay_readable() {
        for line in [
            "[ws] unauthorized conn=c reason=token_mismatch",
            "unauthorized: device token mismatch (rotate/reissue device token)",
            "hasDeviceToken=[REDACTED] hasDeviceToken=true",
            "← connect client=cli auth=token conn=c",
            "unauthorized conn=c auth=device-token reason=password_missing",
            r#"{"authProvided":"token","authReason":"token_mismatch"}"#,
            "token=abcdef…wxyz",
            "gateway.auth.token: ${OPENCLAW_GATEWAY_TOKEN}",
        ] {
            assert_eq!(red(line), line);
        }
    }

    #[test]
    fn pairing_codes_are_hidden() {
        for code in [
            "Q7M2X9KD",
            "ABCD-EFGH",
            "abcd2345",
            "K7Q2",
            "AB12_CD34_EF56_GH78",
        ] {
            let out = red(&format!(
                "OpenClaw: access not configured. Pairing code: {code}"
            ));
            assert!(!out.contains(code), "{out}");
            let out = red(&format!(
                "openclaw pairing approve telegram {code} --notify"
            ));
            assert!(
                out.starts_with("openclaw pairing approve telegram [REDACTED:"),
                "{out}"
            );
            assert!(out.ends_with(" --notify"), "{out}");
        }
        // Placeholders and flags are not codes.
        for line in [
            "openclaw pairing approve <channel> <CODE>",
            "openclaw pairing approve telegram --notify",
            "Pairing code: …",
        ] {
            assert_eq!(red(line), line);
        }
    }

    #[test]
    fn secrets_in_names_what_redact_replaces() {
        let r = Redactor::with_key([7; 16]);
        let got =
            r.secrets_in(format!("token={SECRET} Pairing code: ABCD-EFGH token=none").as_bytes());
        assert_eq!(got, vec![SECRET.as_bytes().to_vec(), b"ABCD-EFGH".to_vec()]);
    }

    #[test]
    fn random_keys_differ() {
        let a = Redactor::new().marker(SECRET.as_bytes());
        let b = Redactor::new().marker(SECRET.as_bytes());
        // One chance in 2^24 of a false failure.
        assert_ne!(a, b);
    }
}
