//! The report's redaction pass: every string of the report, whatever its source.
//!
//! The scan already redacts the log lines it reads ([`crate::redact`]). A report also
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
//!   whether a client was local, on the LAN or on the tailnet.
//!
//! It lives here rather than in `redact` because the scan's per-line hot path should
//! not pay for it: a report is one document of a few kilobytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::redact::{self, Redactor};

/// Secret forms beyond the scan's table, for text a report quotes.
const EXTRA_SECRETS: &[&str] = &[
    // `socket.token: …`, `gateway.auth.token=…`, `gateway.remote.password "…"`.
    r#"(?i)\b(?:[a-z0-9_-]+\.)+(?:token|password|secret|api[_-]?key)["']?(?:\s*[=:]\s*["']?|\s+["'])(?P<secret>[^\s"',;)\]}]+)"#,
    // `Gateway token: …`, `setup code = …`, `bootstrap token: …`.
    r#"(?i)\b(?:gateway|device|bootstrap|setup|socket|auth|access|api|pairing)[ _-](?:token|code|password|key|secret)\s*[=:]\s*["']?(?P<secret>[^\s"',;)\]}]+)"#,
];

/// Applies the report's redaction to text.
#[derive(Clone, Debug)]
pub struct Masker {
    redactor: Redactor,
}

impl Masker {
    /// A masker using `redactor`'s key (share the scan's, for matching markers).
    pub fn new(redactor: Redactor) -> Masker {
        Masker { redactor }
    }

    /// `s` with secrets, device ids and public addresses replaced by markers.
    pub fn text(&self, s: &str) -> String {
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
        self.addresses(&out)
    }

    /// Every string in a JSON value (object keys included), masked.
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
