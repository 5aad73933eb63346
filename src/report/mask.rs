//! The report's redaction pass: every string of the report, whatever its source.
//!
//! The scan already redacts the log lines it reads ([`crate::search::redact`]). A report also
//! holds text the scan never saw (`openclaw doctor` output, config findings, paths),
//! and it is meant to be posted in public, so this pass runs over every string of the
//! finished report with the scan's own [`Redactor`] (same key, so the same secret
//! gives the same marker in a log line and in doctor output) and adds what only a
//! public paste needs:
//!
//! - dotted and spelled-out config keys the scan's table leaves alone
//!   (`socket.token: …`, `gateway.auth.password=…`, `Gateway token: …`,
//!   `setup code: …`);
//! - device ids (64 hex digits) shortened to `[DEVICE:<6 hex>]`;
//! - public IP addresses replaced by `[IP:<6 hex>]`, while loopback, private
//!   (10/8, 172.16/12, 192.168/16), CGNAT and Tailscale (100.64/10), link-local,
//!   unique-local IPv6 and unspecified addresses stay readable: they tell a helper
//!   whether a client was local, on the LAN or on the tailnet;
//! - public host names (`gw.example.net`, a tailnet's `box.tail1234.ts.net`) replaced
//!   by `[HOST:<6 hex>]`, as identifying as an address; `localhost`, single-label
//!   names and local suffixes (`.local`, `.lan`, `.internal`, `.home.arpa`) stay.
//!
//! A document is masked in two passes ([`Masker::for_document`]): the first collects
//! every value some rule masks anywhere in it, the second masks each string and then
//! every other occurrence of those values, so a secret masked in one place (an
//! example line) is masked in all of them (the fix text that quotes it), whatever the
//! words around it.
//!
//! It lives here rather than in `redact` because the scan's per-line hot path should
//! not pay for it: a report is one document of a few kilobytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::search::redact::{self, Redactor};

/// Secret forms beyond the scan's table, for text a report quotes.
const EXTRA_SECRETS: &[&str] = &[
    // `socket.token: …`, `gateway.auth.token=…`, `gateway.remote.password "…"`.
    r#"(?i)\b(?:[a-z0-9_-]+\.)+(?:token|password|secret|api[_-]?key)["']?(?:\s*[=:]\s*["']?|\s+["'])(?P<secret>[^\s"',;)\]}]+)"#,
    // `Gateway token: …`, `setup code = …`, `bootstrap token: …`.
    r#"(?i)\b(?:gateway|device|bootstrap|setup|socket|auth|access|api|pairing)[ _-](?:token|code|password|key|secret)\s*[=:]\s*["']?(?P<secret>[^\s"',;)\]}]+)"#,
];

/// Values shorter than this are not swept through the whole document: a short
/// string occurs by chance in ordinary words.
const MIN_SWEPT: usize = 4;

/// Applies the report's redaction to text.
#[derive(Clone, Debug)]
pub struct Masker {
    redactor: Redactor,
    /// Values masked somewhere in the document and their markers, longest first:
    /// masked wherever else they occur.
    sweep: Vec<(String, String)>,
}

impl Masker {
    /// A masker using `redactor`'s key (share the scan's, for matching markers).
    pub fn new(redactor: Redactor) -> Masker {
        Masker {
            redactor,
            sweep: Vec::new(),
        }
    }

    /// A masker for the document `doc`: it also masks, in every string, each value
    /// that a rule masks in any string of `doc`.
    pub fn for_document(redactor: Redactor, doc: &serde_json::Value) -> Masker {
        let mut m = Masker::new(redactor);
        let mut found: Vec<(String, String)> = Vec::new();
        walk_strings(doc, &mut |s| m.collect(s, &mut found));
        found.retain(|(v, _)| v.len() >= MIN_SWEPT);
        found.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        found.dedup_by(|a, b| a.0 == b.0);
        m.sweep = found;
        m
    }

    /// Every value a rule masks in `s`, with its marker.
    fn collect(&self, s: &str, found: &mut Vec<(String, String)>) {
        for v in self.redactor.secrets_in(s.as_bytes()) {
            let marker = self.redactor.marker(&v);
            found.push((String::from_utf8_lossy(&v).into_owned(), marker));
        }
        for re in extra_rules() {
            for c in re.captures_iter(s) {
                if let Some(v) = c.name("secret").map(|m| m.as_str())
                    && !redact::is_not_secret(v.as_bytes())
                    && !v.starts_with('[')
                {
                    found.push((v.to_string(), self.redactor.marker(v.as_bytes())));
                }
            }
        }
        for (host, marker) in self.hosts_in(s) {
            found.push((host, marker));
        }
    }

    /// `s` with secrets, device ids, public addresses and host names replaced by
    /// markers (and the document's swept values, see [`Masker::for_document`]).
    pub fn text(&self, s: &str) -> String {
        let mut out = self.rules(s);
        for (value, marker) in &self.sweep {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), marker);
            }
        }
        out
    }

    fn rules(&self, s: &str) -> String {
        let bytes = self.redactor.redact(s.as_bytes());
        let mut out = String::from_utf8_lossy(&bytes).into_owned();
        for re in extra_rules() {
            out = re
                .replace_all(&out, |c: &Captures<'_>| self.secret(c))
                .into_owned();
        }
        out = device_re()
            .replace_all(&out, |c: &Captures<'_>| {
                self.redactor
                    .labelled("DEVICE", c[0].to_ascii_lowercase().as_bytes())
            })
            .into_owned();
        let out = self.addresses(&out);
        self.hosts(&out)
    }

    /// Public host names in `s`, with their markers.
    fn hosts_in(&self, s: &str) -> Vec<(String, String)> {
        host_re()
            .find_iter(s)
            .filter(|m| is_public_host(s, m.start(), m.end()))
            .map(|m| {
                let host = m.as_str().to_string();
                let marker = self.host_marker(&host);
                (host, marker)
            })
            .collect()
    }

    fn host_marker(&self, host: &str) -> String {
        self.redactor
            .labelled("HOST", host.to_ascii_lowercase().as_bytes())
    }

    fn hosts(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for m in host_re().find_iter(s) {
            if !is_public_host(s, m.start(), m.end()) {
                continue;
            }
            out.push_str(&s[last..m.start()]);
            out.push_str(&self.host_marker(m.as_str()));
            last = m.end();
        }
        out.push_str(&s[last..]);
        out
    }

    /// Every string in a JSON value (object keys included), masked. For a whole
    /// document, build the masker with [`Masker::for_document`] first.
    pub fn value(&self, v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => Value::String(self.text(&s)),
            Value::Array(a) => Value::Array(a.into_iter().map(|x| self.value(x)).collect()),
            Value::Object(o) => Value::Object(
                o.into_iter()
                    .map(|(k, x)| (self.text(&k), self.value(x)))
                    .collect(),
            ),
            other => other,
        }
    }

    fn secret(&self, c: &Captures<'_>) -> String {
        let (Some(whole), Some(secret)) = (c.get(0), c.name("secret")) else {
            return c[0].to_string();
        };
        let value = secret.as_str();
        if redact::is_not_secret(value.as_bytes()) || value.starts_with('[') {
            return whole.as_str().to_string();
        }
        let head = &whole.as_str()[..secret.start() - whole.start()];
        let tail = &whole.as_str()[secret.end() - whole.start()..];
        format!("{head}{}{tail}", self.redactor.marker(value.as_bytes()))
    }

    fn addresses(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for m in ip_re().find_iter(s) {
            let before = s[..m.start()].chars().next_back();
            let after = s[m.end()..].chars().next();
            // Part of a longer token (`v1.2.3.4`, `1.2.3.4.5`, a hex id): not an address.
            let glued_before =
                before.is_some_and(|c| c.is_ascii_alphanumeric() || c == ':' || c == '.');
            let glued_after = after.is_some_and(|c| c.is_ascii_alphanumeric())
                || s[m.end()..]
                    .strip_prefix('.')
                    .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_digit()));
            if glued_before || glued_after {
                continue;
            }
            let Ok(ip) = m.as_str().parse::<IpAddr>() else {
                continue;
            };
            if readable(ip) {
                continue;
            }
            out.push_str(&s[last..m.start()]);
            out.push_str(&self.redactor.labelled("IP", ip.to_string().as_bytes()));
            last = m.end();
        }
        out.push_str(&s[last..]);
        out
    }
}

/// Calls `f` on every string of `v`, object keys included.
fn walk_strings(v: &serde_json::Value, f: &mut dyn FnMut(&str)) {
    use serde_json::Value;
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| walk_strings(x, f)),
        Value::Object(o) => {
            for (k, x) in o {
                f(k);
                walk_strings(x, f);
            }
        }
        _ => {}
    }
}

/// Top-level domains that name hosts on the internet, for dotted names met without
/// a context that says "host" (`gw.example.net` in a sentence). A short list on
/// purpose: file names (`openclaw.json`) and config keys (`gateway.auth.token`) look
/// like host names too, and must stay.
const PUBLIC_TLDS: &[&str] = &[
    "com", "net", "org", "io", "dev", "ai", "app", "cloud", "me", "co", "info", "xyz", "eu", "de",
    "uk", "fr", "nl", "ch", "at", "se", "no", "fi", "dk", "pl", "es", "it", "us", "ca", "au", "jp",
    "cn", "in", "br", "ru", "sh", "tech", "site", "online", "host", "club", "run",
];

/// Suffixes of names that never leave a home or office network.
const LOCAL_SUFFIXES: &[&str] = &[
    ".local",
    ".lan",
    ".internal",
    ".home.arpa",
    ".localdomain",
    ".localhost",
    ".home",
    ".corp",
    ".intranet",
];

/// Dotted names: two labels or more, the last alphabetic.
fn host_re() -> &'static Regex {
    #[allow(clippy::expect_used)]
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\b")
            .expect("host pattern")
    });
    &RE
}

/// Whether the dotted name at `s[start..end]` is a public host name: it stands where a
/// host stands (`://`, `@`, `host=`, `origin=`, `Host:`) or ends in a public top-level
/// domain (or is a tailnet's `*.ts.net`), and is not a local name. Parts of longer
/// words (`a.b.c/d`, `v1.example.com` preceded by a letter) are judged as found.
fn is_public_host(s: &str, start: usize, end: usize) -> bool {
    let host = s[start..end].to_ascii_lowercase();
    if host == "localhost" || LOCAL_SUFFIXES.iter().any(|x| host.ends_with(x)) {
        return false;
    }
    // Part of a path, a dotted key or an identifier: `a/b.com`, `x.gateway.auth`.
    let before = s[..start].chars().next_back();
    let after = s[end..].chars().next();
    if before.is_some_and(|c| c == '.' || c == '_' || c == '-')
        || after.is_some_and(|c| {
            c == '_' || (c == '.' && s[end + 1..].starts_with(|c: char| c.is_ascii_alphanumeric()))
        })
    {
        return false;
    }
    if host.ends_with(".ts.net") {
        return true;
    }
    let head = s[..start].to_ascii_lowercase();
    let in_host_place = [
        "://",
        "@",
        "host=",
        "origin=",
        "host: ",
        "hostname=",
        "hostname: ",
    ]
    .iter()
    .any(|p| head.ends_with(p));
    let tld = host.rsplit('.').next().unwrap_or("");
    in_host_place || PUBLIC_TLDS.contains(&tld)
}

fn extra_rules() -> &'static [Regex] {
    // Fixed patterns, compiled by the unit tests: failing here is a bug in this file.
    #[allow(clippy::expect_used)]
    static RULES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        EXTRA_SECRETS
            .iter()
            .map(|p| Regex::new(p).expect("report secret pattern"))
            .collect()
    });
    &RULES
}

fn device_re() -> &'static Regex {
    #[allow(clippy::expect_used)]
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b[0-9a-fA-F]{64}\b").expect("device id pattern"));
    &RE
}

/// IPv6 (with an embedded IPv4 tail) or IPv4 candidates; the parser decides.
fn ip_re() -> &'static Regex {
    #[allow(clippy::expect_used)]
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9a-f]{0,4})",
            r"|(?:[0-9]{1,3}\.){3}[0-9]{1,3}",
        ))
        .expect("address pattern")
    });
    &RE
}

/// Whether an address stays readable: it says where a client was, not who.
pub fn readable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => readable_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => readable_v4(v4),
            None => readable_v6(v6),
        },
    }
}

fn readable_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let cgnat = a == 100 && (64..128).contains(&b);
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || a == 0
        || cgnat
}

fn readable_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    ip.is_loopback() || ip.is_unspecified() || unique_local || link_local
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Masker {
        Masker::new(Redactor::with_key([3; 16]))
    }

    #[test]
    fn public_addresses_are_masked_and_local_ones_kept() {
        let s = m().text(
            "remote=203.0.113.45 peer=81.2.69.160:51234->10.0.0.2:18789 fwd=100.101.102.103 \
             lan=192.168.1.77 lo=127.0.0.1 docker=172.17.0.1 v6=[2a01:4f8::1]:443 ula=fd7a:115c:a1e0::1 \
             mapped=::ffff:8.8.8.8 mapped-lo=::ffff:127.0.0.1 ::1",
        );
        for public in ["203.0.113.45", "81.2.69.160", "2a01:4f8::1", "8.8.8.8"] {
            assert!(!s.contains(public), "{public} in {s}");
        }
        for kept in [
            "10.0.0.2:18789",
            "100.101.102.103",
            "192.168.1.77",
            "127.0.0.1",
            "172.17.0.1",
            "fd7a:115c:a1e0::1",
            "::ffff:127.0.0.1",
            " ::1",
        ] {
            assert!(s.contains(kept), "{kept} not in {s}");
        }
        assert!(s.contains("peer=[IP:"), "{s}");
        assert!(s.contains(":51234->"), "{s}");
    }

    #[test]
    fn the_same_address_gives_the_same_marker() {
        let s = m().text("a=203.0.113.45 b=203.0.113.45 c=198.51.100.7");
        let markers: Vec<&str> = s.split_whitespace().map(|w| &w[2..]).collect();
        assert_eq!(markers[0], markers[1]);
        assert_ne!(markers[0], markers[2]);
    }

    #[test]
    fn versions_times_and_macs_are_not_addresses() {
        for s in [
            "OpenClaw 2026.4.12 at 10:30:12.404",
            "v1.2.3.4.5 and 1.2.3.4.5",
            "mac aa:bb:cc:dd:ee:ff",
            "2026-04-01T06:10:20.100+00:00",
            "id=a1.2.3.4",
        ] {
            assert_eq!(m().text(s), s);
        }
    }

    #[test]
    fn device_ids_are_shortened_stably() {
        let id = "5f4e3d2c1b0a99887766554433221100ffeeddccbbaa99887766554433221100";
        let a = m().text(&format!("device={id}"));
        let b = m().text(&format!("{{\"deviceId\":\"{}\"}}", id.to_uppercase()));
        assert!(!a.contains(id));
        let marker = a.trim_start_matches("device=");
        assert!(marker.starts_with("[DEVICE:"), "{a}");
        assert!(b.contains(marker), "{b}");
    }

    #[test]
    fn config_key_secrets_are_hidden() {
        for (line, secret) in [
            ("socket.token: q3V9xY0bT1nR8wL2", "q3V9xY0bT1nR8wL2"),
            ("gateway.auth.token=4f1c9a0e6b2d", "4f1c9a0e6b2d"),
            ("gateway.auth.password \"hunter2hunter2\"", "hunter2hunter2"),
            ("Gateway token: abcd1234efgh", "abcd1234efgh"),
            ("setup code: QX7MPL2A", "QX7MPL2A"),
            (
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9",
                "eyJhbGciOiJIUzI1NiJ9",
            ),
            (r#""socket":{"token":"zz99yy88"}"#, "zz99yy88"),
        ] {
            let out = m().text(line);
            assert!(!out.contains(secret), "{line} -> {out}");
            assert!(out.contains("[REDACTED:"), "{line} -> {out}");
        }
    }

    #[test]
    fn words_about_secrets_stay() {
        for s in [
            "set gateway.auth.token to match",
            "gateway.auth.token: ${OPENCLAW_GATEWAY_TOKEN}",
            "socket.token: [REDACTED:abcdef]",
            "auth=token reason=token_mismatch",
            "gateway.auth.mode: token",
        ] {
            assert_eq!(m().text(s), s);
        }
    }

    #[test]
    fn public_host_names_are_masked_and_local_ones_kept() {
        let s = m().text(
            "host=gw.example.net:18789 origin=https://mybox.tail1a2b3.ts.net ua=n/a \
             url=wss://relay.someone.org/ws peer=studio.local host=pi-gw.lan:18789 \
             see gw.example.net and gateway.auth.token in openclaw.json, node.js, \
             host=openclaw:18789 localhost:18789",
        );
        for public in [
            "gw.example.net",
            "mybox.tail1a2b3.ts.net",
            "relay.someone.org",
        ] {
            assert!(!s.contains(public), "{public} in {s}");
        }
        for kept in [
            "studio.local",
            "pi-gw.lan:18789",
            "gateway.auth.token",
            "openclaw.json",
            "node.js",
            "host=openclaw:18789",
            "localhost:18789",
        ] {
            assert!(s.contains(kept), "{kept} not in {s}");
        }
        assert!(s.contains("host=[HOST:"), "{s}");
        assert!(s.contains("]:18789 origin=https://[HOST:"), "{s}");
    }

    #[test]
    fn a_value_masked_anywhere_is_masked_everywhere() {
        // The code is masked in the example line by its words ("Pairing code:"); the fix
        // text quotes it without them.
        let doc = serde_json::json!({
            "examples": ["bot: Pairing code: ABCD-EFGH", "token=s3cr3t-Value-99"],
            "fix": "run `openclaw pairing approve zulip ABCD-EFGH` and keep s3cr3t-Value-99 safe",
        });
        let m = Masker::for_document(Redactor::with_key([3; 16]), &doc);
        let out = m.value(doc).to_string();
        assert!(!out.contains("ABCD-EFGH"), "{out}");
        assert!(!out.contains("s3cr3t-Value-99"), "{out}");
        assert!(out.contains("zulip [REDACTED:"), "{out}");
    }

    #[test]
    fn json_values_are_walked() {
        let v = serde_json::json!({"a": ["remote=8.8.4.4", {"b": "token=abcdef123456"}], "n": 3});
        let out = m().value(v).to_string();
        assert!(
            !out.contains("8.8.4.4") && !out.contains("abcdef123456"),
            "{out}"
        );
        assert!(out.contains("\"n\":3"));
    }
}
