//! Which OpenClaw version a log comes from.
//!
//! This module owns reading versions and version hints out of records (facts file §4):
//! exact versions (the CLI banner, `Config was last written by a newer OpenClaw`, the
//! `v<version>` of the gateway's own in-process client, other clients' versions) and
//! era hints that only bound the version (`peer=` means 4.11 or later, a compact time
//! ending in `Z` means 3.3 or earlier, …), plus the `--openclaw-version` override and
//! the config's `meta.lastTouchedVersion`. It answers one question for the fix texts:
//! is the version inside a range, or can the log not tell?
//!
//! It does not decide causes or fixes (that is `causes` and `incident`).

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::record::Record;
use crate::text::first_line;
use crate::version::OcVersion;

use super::Loc;

/// Where the version used for the fix texts came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionFrom {
    /// `--openclaw-version`.
    Flag,
    /// A line that gives the gateway's own version (banner, its in-process client).
    Gateway,
    /// `openclaw --version` on this machine (`clawscan report` runs it).
    Installed,
    /// A client's `v<version>` / `version=`: usually the same install on the same host.
    Client,
    /// `meta.lastTouchedVersion` in openclaw.json.
    Config,
    /// No exact version; only the era hints bound it.
    Era,
    /// Nothing in the log says.
    Unknown,
}

/// An exact version seen, and where.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionSeen {
    /// The version as OpenClaw writes it.
    pub version: String,
    /// What the line was (`banner`, `client=gateway-client`, `client=cli`, …).
    pub how: String,
    /// The line it was read from.
    pub at: Loc,
}

/// An era hint: a sign that bounds the version from below or above.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EraHint {
    /// The sign, as the facts file names it (`peer=`, `GatewayClientRequestError`).
    pub sign: &'static str,
    /// The bound it gives, e.g. `>= 2026.4.11`.
    pub means: String,
    /// The first line that showed it.
    pub at: Loc,
}

/// What the report says about the version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionReport {
    /// The version the fix texts used, when one is known.
    pub used: Option<String>,
    /// Where it came from.
    pub from: VersionFrom,
    /// How it was read (`client=gateway-client v2026.3.31`), when from the log.
    pub how: Option<String>,
    /// The line it was read from, when from the log.
    pub at: Option<Loc>,
    /// Lowest version the era hints allow, when no exact version is known.
    pub min: Option<String>,
    /// Highest version the era hints allow, when no exact version is known.
    pub max: Option<String>,
    /// Distinct exact versions seen in the log (at most 8), in order.
    pub seen: Vec<VersionSeen>,
    /// Era hints seen (the first of each sign).
    pub hints: Vec<EraHint>,
}

/// The version as the fix texts see it: exact, bounded, or unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VersionView {
    /// The exact version, when known.
    pub exact: Option<OcVersion>,
    /// Lowest possible version (inclusive).
    pub min: Option<OcVersion>,
    /// Highest possible version (inclusive).
    pub max: Option<OcVersion>,
}

impl VersionView {
    /// An exact version.
    pub fn exact(v: OcVersion) -> VersionView {
        VersionView {
            exact: Some(v),
            min: Some(v),
            max: Some(v),
        }
    }

    /// Whether the version is in `[from, until)` (either end open when `None`):
    /// `None` when the log cannot tell.
    pub fn in_range(&self, from: Option<OcVersion>, until: Option<OcVersion>) -> Option<bool> {
        if let Some(v) = self.exact {
            return Some(from.is_none_or(|f| v >= f) && until.is_none_or(|u| v < u));
        }
        let below_from = match (from, self.max) {
            (Some(f), Some(max)) => max < f,
            _ => false,
        };
        let past_until = match (until, self.min) {
            (Some(u), Some(min)) => min >= u,
            _ => false,
        };
        if below_from || past_until {
            return Some(false);
        }
        let inside_from = match from {
            None => true,
            Some(f) => self.min.is_some_and(|min| min >= f),
        };
        let inside_until = match until {
            None => true,
            Some(u) => self.max.is_some_and(|max| max < u),
        };
        if inside_from && inside_until {
            Some(true)
        } else {
            None
        }
    }

    /// The version as text for the fix steps: exact, or the era's bounds.
    pub fn describe(&self) -> String {
        match (self.exact, self.min, self.max) {
            (Some(v), _, _) => v.to_string(),
            (None, Some(a), Some(b)) => format!("{a} – {b}"),
            (None, Some(a), None) => format!("{a} or later"),
            (None, None, Some(b)) => format!("{b} or earlier"),
            (None, None, None) => "an unknown version".to_string(),
        }
    }
}

/// The version hints that only bound the version: (sign, regex over the line's text,
/// lowest, highest). Kept as data beside the facts file's §4 table.
struct Hint {
    sign: &'static str,
    pattern: &'static str,
    min: Option<OcVersion>,
    max: Option<OcVersion>,
}

const fn v(y: u32, m: u32, d: u32) -> Option<OcVersion> {
    Some(OcVersion::new(y, m, d))
}

/// The first release of the "newer than 4.12" builds the facts file places in 2026.5.x.
const V5: Option<OcVersion> = v(2026, 5, 1);

static HINTS: &[Hint] = &[
    Hint {
        sign: "peer= on a connection line",
        pattern: r"(?:closed before connect|unauthorized|handshake timeout|invalid handshake) conn=\S+ peer=",
        min: v(2026, 4, 11),
        max: None,
    },
    Hint {
        sign: "long unauthorized line (role=, scopes=)",
        pattern: r"unauthorized conn=.* role=\S+ scopes=\d",
        min: v(2026, 4, 11),
        max: None,
    },
    Hint {
        sign: "← open … endpoint=",
        pattern: r"← open .*endpoint=",
        min: v(2026, 4, 11),
        max: None,
    },
    Hint {
        sign: "client=gateway:<method>",
        pattern: r"client=gateway:[a-z]",
        min: v(2026, 4, 11),
        max: None,
    },
    Hint {
        sign: "newer close text (pairing required: device …, requestId)",
        pattern: r"pairing required: |\(requestId: |scope upgrade pending approval|than currently approved|identity changed and must be re-approved",
        min: V5,
        max: None,
    },
    Hint {
        sign: "http server listening",
        pattern: r"http server listening \(",
        min: V5,
        max: None,
    },
    Hint {
        sign: "1013 gateway starting",
        pattern: r"1013.*gateway starting|gateway starting.*1013",
        min: V5,
        max: None,
    },
    Hint {
        sign: "file log keys hostname/traceId",
        pattern: r#"^\{.*"_meta".*"(?:traceId|hostname)":"#,
        min: V5,
        max: None,
    },
    Hint {
        sign: "GatewayClientRequestError",
        pattern: r"gateway connect failed: GatewayClientRequestError",
        min: v(2026, 3, 11),
        max: None,
    },
    Hint {
        sign: "gateway connect failed: Error:",
        // The texts ≤ 3.10 threw as a plain `Error` (newer builds still throw one
        // for an HTTP rejection of the upgrade, which says nothing about the era).
        pattern: r"gateway connect failed: Error: (?:pairing|unauthorized|gateway closed|device )",
        min: None,
        max: v(2026, 3, 10),
    },
    Hint {
        sign: "pretty time with offset",
        pattern: r"(?:^|\| |: )\d\d:\d\d:\d\d[+-]\d\d:\d\d \[[A-Za-z0-9_./:@-]+\] ",
        min: v(2026, 3, 24),
        max: v(2026, 4, 11),
    },
    Hint {
        sign: "compact time ending in Z",
        pattern: r"(?:^|\| |: )\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \[[A-Za-z0-9_./:@-]+\] ",
        min: None,
        max: v(2026, 3, 3),
    },
    Hint {
        sign: "file log time ending in Z",
        pattern: r#"^\{.*"_meta".*"time":"[0-9T:.-]+Z""#,
        min: None,
        max: v(2026, 3, 1),
    },
    Hint {
        sign: "listening on ws://… (PID n)",
        pattern: r"listening on ws://\S+, ws://\S+ \(PID \d+\)",
        min: None,
        max: v(2026, 4, 2),
    },
    Hint {
        sign: "ready (n plugins …)",
        pattern: r"ready \(\d+ plugins",
        min: v(2026, 4, 5),
        max: None,
    },
    Hint {
        sign: "4001 gateway auth changed",
        pattern: r"gateway auth changed",
        min: v(2026, 4, 5),
        max: None,
    },
    Hint {
        sign: "device pairing removal denied",
        pattern: r"device pairing removal denied",
        min: v(2026, 4, 5),
        max: None,
    },
    Hint {
        sign: "4001 device removed",
        pattern: r"4001.*device removed|device removed.*4001",
        min: v(2026, 3, 28),
        max: None,
    },
    Hint {
        sign: "1009 preauth payload too large",
        pattern: r"preauth payload too large",
        min: v(2026, 3, 12),
        max: None,
    },
    Hint {
        sign: "security audit line",
        pattern: r"security audit: device access upgrade requested",
        min: v(2026, 2, 19),
        max: None,
    },
    Hint {
        sign: "metadata upgrade audit line",
        pattern: r"security audit: device metadata upgrade requested",
        min: v(2026, 2, 27),
        max: None,
    },
    Hint {
        sign: "repeated unauthorized calls",
        pattern: r"repeated unauthorized calls",
        min: v(2026, 2, 23),
        max: None,
    },
    Hint {
        sign: "phase= on a close line",
        pattern: r"(?:closed before connect|handshake timeout) .* phase=[a-z_]+",
        min: v(2026, 6, 1),
        max: None,
    },
    Hint {
        sign: "guidance= on an unauthorized line",
        pattern: r"unauthorized conn=.* guidance=",
        min: v(2026, 7, 1),
        max: None,
    },
    Hint {
        sign: "proxy attribution (HTTP 403 proxy_attribution_required)",
        pattern: r"proxy_attribution_required|unattributable proxy-shaped traffic|ingress attribution required",
        min: v(2026, 8, 1),
        max: None,
    },
    Hint {
        sign: "setup code invalid, expired, revoked, or already used",
        pattern: r"setup code invalid, expired, revoked",
        min: V5,
        max: None,
    },
    Hint {
        sign: "Connectivity probe / Capability status lines",
        pattern: r"Connectivity probe: |Capability: (?:read-only|write-capable|admin-capable|pairing-pending|connect-only)",
        min: V5,
        max: None,
    },
    Hint {
        sign: "short client text (device pairing required / role upgrade pending approval)",
        pattern: r"device pairing required \(requestId|role upgrade pending approval|device metadata change pending approval",
        min: V5,
        max: None,
    },
    Hint {
        sign: "local CLI token hint (use this gateway's gateway.auth.token)",
        pattern: r"use this gateway's gateway\.auth\.token or pair the device",
        min: v(2026, 8, 1),
        max: None,
    },
    Hint {
        sign: "Legacy exec approvals exist",
        pattern: r"Legacy exec approvals exist",
        min: v(2026, 8, 1),
        max: None,
    },
];

struct Compiled {
    /// Bytes and ASCII classes: the hints are about OpenClaw's own ASCII templates, and
    /// Unicode `\d`/`\S` made this set the costliest step of reading a record.
    any: regex::bytes::RegexSet,
    banner: Regex,
    config_newer: Regex,
    /// `$ openclaw --version` (the next line is the answer).
    version_command: Regex,
    /// A line that is only a version: the answer, or the guide script's `Version: …`.
    version_line: Regex,
    /// Literals the patterns above cannot match without: `banner`'s, `version_command`'s,
    /// `config_newer`'s.
    openclaw: memchr::memmem::Finder<'static>,
    openclaw_lower: memchr::memmem::Finder<'static>,
    newer: memchr::memmem::Finder<'static>,
}

/// Whether `finder`'s literal is in `hay`.
fn has(hay: &str, finder: &memchr::memmem::Finder<'_>) -> bool {
    finder.find(hay.as_bytes()).is_some()
}

/// Whether `version_line` can match `first`: after the indent and one of its words,
/// an optional `v`, then `20`, two characters (its digits) and a dot. A timestamp
/// (`2026-04-11T…`) fails at the dash, before the regex is asked.
fn may_be_version_line(first: &str) -> bool {
    let t = first.trim_start_matches([' ', '\t']);
    let t = ["Version: ", "OpenClaw ", "openclaw "]
        .iter()
        .find_map(|w| t.strip_prefix(w))
        .unwrap_or(t);
    let t = t.strip_prefix('v').unwrap_or(t);
    let Some(rest) = t.strip_prefix("20") else {
        return false;
    };
    let mut chars = rest.chars();
    chars.next();
    chars.next();
    chars.next() == Some('.')
}

// Fixed patterns, checked by the unit tests: a failure is a bug in this file.
#[allow(clippy::expect_used)]
static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    Compiled {
    // A record of several physical lines (a wrapped line joined with its tail) is one
    // event: a sign may run across the join.
    any: regex::bytes::RegexSetBuilder::new(HINTS.iter().map(|h| h.pattern))
        .unicode(false)
        .dot_matches_new_line(true)
        .build()
        .expect("version hint patterns"),
    // ASCII digits and boundaries, as the set: OpenClaw writes its versions in
    // ASCII, and the Unicode classes were most of the start-up this table cost.
    banner: Regex::new(r"OpenClaw ([0-9]{4}\.[0-9]{1,2}\.[0-9]{1,3}(?:-[0-9A-Za-z.]+)?) \(")
        .expect("banner pattern"),
    version_command: Regex::new(r"(?:^|[$#>%] )openclaw (?:--version|-V)(?-u:\b)").expect("version command"),
    version_line: Regex::new(
        r"^[ \t]*(Version: |OpenClaw |openclaw )?v?(20[0-9][0-9]\.[0-9]{1,2}\.[0-9]{1,3}(?:-[0-9A-Za-z.]+)?)(?: \([0-9a-f]{6,}\))?[ \t]*$",
    )
    .expect("version line"),
    config_newer: Regex::new(
        r"Config was last written by a newer OpenClaw \(([^)]+)\); current version is (\S+?)\.?$",
    )
    .expect("config-newer pattern"),
    openclaw: memchr::memmem::Finder::new("OpenClaw "),
    openclaw_lower: memchr::memmem::Finder::new("openclaw "),
    newer: memchr::memmem::Finder::new("Config was last written by a newer OpenClaw ("),
}
});

/// The most distinct exact versions kept for the report.
const MAX_SEEN: usize = 8;

/// Tracks every version sign in a stream of records. Memory is bounded: at most
/// 8 versions and one entry per hint.
#[derive(Clone, Debug, Default)]
pub struct VersionTracker {
    flag: Option<OcVersion>,
    gateway: Option<(OcVersion, String, Loc)>,
    /// The newest version the gateway's in-process client named.
    in_process: Option<(OcVersion, String, Loc)>,
    /// The best client version so far, with its rank (local 3, unknown 2, remote 1).
    client: Option<(OcVersion, String, Loc, u8)>,
    config: Option<(OcVersion, String)>,
    installed: Option<(OcVersion, String)>,
    /// Where the answer to a `$ openclaw --version` line would be (source, line).
    answer_at: Option<(String, u64)>,
    seen: Vec<VersionSeen>,
    hints: Vec<(usize, EraHint)>,
}

impl VersionTracker {
    /// A tracker; `flag` is `--openclaw-version` and wins over everything.
    pub fn new(flag: Option<OcVersion>) -> VersionTracker {
        VersionTracker {
            flag,
            ..VersionTracker::default()
        }
    }

    /// The config's `meta.lastTouchedVersion`: used when the log names no version.
    pub fn set_config_version(&mut self, version: &str, file: &str) {
        if let Some(v) = OcVersion::parse(version) {
            self.config = Some((v, format!("meta.lastTouchedVersion in {file}")));
        }
    }

    /// What `openclaw --version` answers on this machine (`clawscan report` asks
    /// it): the installed release, used when the log names no gateway version.
    pub fn set_installed_version(&mut self, answer: &str) {
        let found = answer
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .find_map(OcVersion::parse);
        if let Some(v) = found {
            self.installed = Some((v, "`openclaw --version` on this machine".to_string()));
        }
    }

    /// Reads what one record says about the version.
    pub fn observe(&mut self, rec: &Record) {
        let at = || Loc::of(rec);
        let c = &*COMPILED;
        // A pasted terminal: `$ openclaw --version` and its answer on the next line,
        // or the troubleshooting guide's script (`Version: 2026.3.31`).
        let first = first_line(&rec.text);
        // Almost no line names a version: each pattern is tried only on a line that
        // holds what it cannot match without (a literal, a version's shape), and
        // captured (which allocates) only on a line it matches.
        if has(first, &c.openclaw_lower) && c.version_command.is_match(first) {
            self.answer_at = Some((rec.source.to_string(), rec.last_line() + 1));
        } else if may_be_version_line(first)
            && c.version_line.is_match(first)
            && let Some(m) = c.version_line.captures(first)
            && let Some(v) = OcVersion::parse(&m[2])
        {
            let answer = self
                .answer_at
                .as_ref()
                .is_some_and(|(s, l)| **s == *rec.source && *l == rec.line);
            if answer || m.get(1).is_some() {
                self.gateway_seen(v, "`openclaw --version`".to_string(), at());
            }
        }
        // Exact versions: the gateway's own first.
        if has(&rec.text, &c.openclaw)
            && c.banner.is_match(&rec.text)
            && let Some(m) = c.banner.captures(&rec.text)
            && let Some(v) = OcVersion::parse(&m[1])
        {
            self.gateway_seen(v, "banner".to_string(), at());
        } else if has(&rec.message, &c.newer)
            && c.config_newer.is_match(&rec.message)
            && let Some(m) = c.config_newer.captures(&rec.message)
            && let Some(v) = OcVersion::parse(&m[2])
        {
            self.gateway_seen(
                v,
                "current version in `Config was last written by a newer OpenClaw`".to_string(),
                at(),
            );
        } else if let Some(ver) = rec.client_version.as_deref()
            && let Some(v) = OcVersion::parse(ver)
        {
            let client = rec.client.as_deref().unwrap_or("?");
            if is_in_process_client(client) {
                // The gateway's own version. The newest wins, where it first appears
                // (after an upgrade that is the running one; and the answer does not
                // depend on the order of the lines, see below).
                // Written only when kept: most records name a version already seen.
                let how = || format!("client={client} v{v}");
                if self.in_process.as_ref().is_none_or(|(cv, _, _)| v > *cv) {
                    self.in_process = Some((v, how(), at()));
                }
                self.remember(v, how, at());
            } else {
                // A client on the gateway host is usually the same install; one on
                // another host may run anything, so it counts least.
                let (rank, where_) = match rec.remote.as_deref() {
                    Some(r) if r == "unknown-ip" || super::incident::is_loopback(r) => {
                        (3, "local ")
                    }
                    Some(r) if !matches!(r, "" | "?" | "n/a") => (1, "remote "),
                    _ => (2, ""),
                };
                let how = || format!("{where_}client={client} v{v}");
                // A remote client's version says nothing about the gateway's build:
                // listed as seen, never taken for the build (advice for a wrong
                // version is worse than advice for an unknown one). Among the others
                // the nearest, then the newest release wins, where it first appears:
                // an answer that does not depend on the order of the lines, so a
                // plain scan that reads each client's line once (see
                // `search::ContextLines::version_only`) finds what `diagnose` finds.
                if rank > 1
                    && self
                        .client
                        .as_ref()
                        .is_none_or(|(cv, _, _, r)| rank > *r || (rank == *r && v > *cv))
                {
                    self.client = Some((v, how(), at(), rank));
                }
                self.remember(v, how, at());
            }
        }
        // Era hints: one regex-set pass over the line, then the first of each sign.
        // Only while no exact version is known: the hints matter only then, and the
        // regex set is the costliest part of reading a record.
        if self.flag.is_none()
            && self.gateway.is_none()
            && self.in_process.is_none()
            && self.installed.is_none()
            && self.client.is_none()
            && self.config.is_none()
        {
            // Most lines hold no hint: a plain search says so more cheaply (and with a
            // smaller automaton cache) than the overlapping one that names them.
            let text = rec.text.as_bytes();
            let hits: Vec<usize> = if c.any.is_match(text) {
                c.any.matches(text).into_iter().collect()
            } else {
                Vec::new()
            };
            for i in hits {
                if self.hints.iter().any(|(j, _)| *j == i) {
                    continue;
                }
                if let Some(h) = HINTS.get(i) {
                    let means = match (h.min, h.max) {
                        (Some(a), Some(b)) => format!("{a} – {b}"),
                        (Some(a), None) => format!(">= {a}"),
                        (None, Some(b)) => format!("<= {b}"),
                        (None, None) => String::new(),
                    };
                    self.hints.push((
                        i,
                        EraHint {
                            sign: h.sign,
                            means,
                            at: at(),
                        },
                    ));
                }
            }
        }
    }

    fn gateway_seen(&mut self, v: OcVersion, how: String, at: Loc) {
        // The latest wins: after an upgrade the log's newest lines tell the version
        // the user runs now.
        self.gateway = Some((v, how.clone(), at.clone()));
        self.remember(v, || how, at);
    }

    fn remember(&mut self, v: OcVersion, how: impl FnOnce() -> String, at: Loc) {
        let text = v.to_string();
        if self.seen.iter().any(|s| s.version == text) || self.seen.len() >= MAX_SEEN {
            return;
        }
        self.seen.push(VersionSeen {
            version: text,
            how: how(),
            at,
        });
    }

    fn era(&self) -> (Option<OcVersion>, Option<OcVersion>) {
        let mut min: Option<OcVersion> = None;
        let mut max: Option<OcVersion> = None;
        for (i, _) in &self.hints {
            if let Some(h) = HINTS.get(*i) {
                if let Some(a) = h.min {
                    min = Some(min.map_or(a, |m| m.max(a)));
                }
                if let Some(b) = h.max {
                    max = Some(max.map_or(b, |m| m.min(b)));
                }
            }
        }
        // Contradicting hints (a pasted mix of builds) tell nothing.
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            return (None, None);
        }
        (min, max)
    }

    /// The version the fix texts use.
    pub fn view(&self) -> VersionView {
        if let Some(v) = self.flag {
            return VersionView::exact(v);
        }
        if let Some((v, _, _)) = self.gateway.as_ref().or(self.in_process.as_ref()) {
            return VersionView::exact(*v);
        }
        if let Some((v, _)) = &self.installed {
            return VersionView::exact(*v);
        }
        if let Some((v, _, _, _)) = &self.client {
            return VersionView::exact(*v);
        }
        if let Some((v, _)) = &self.config {
            return VersionView::exact(*v);
        }
        let (min, max) = self.era();
        VersionView {
            exact: None,
            min,
            max,
        }
    }

    /// What the report says about the version.
    pub fn report(&self) -> VersionReport {
        let view = self.view();
        let (from, how, at) = if self.flag.is_some() {
            (
                VersionFrom::Flag,
                Some("--openclaw-version".to_string()),
                None,
            )
        } else if let Some((_, how, at)) = self.gateway.as_ref().or(self.in_process.as_ref()) {
            (VersionFrom::Gateway, Some(how.clone()), Some(at.clone()))
        } else if let Some((_, how)) = &self.installed {
            (VersionFrom::Installed, Some(how.clone()), None)
        } else if let Some((_, how, at, _)) = &self.client {
            (VersionFrom::Client, Some(how.clone()), Some(at.clone()))
        } else if let Some((_, how)) = &self.config {
            (VersionFrom::Config, Some(how.clone()), None)
        } else if view.min.is_some() || view.max.is_some() {
            (VersionFrom::Era, None, None)
        } else {
            (VersionFrom::Unknown, None, None)
        };
        VersionReport {
            used: view.exact.map(|v| v.to_string()),
            from,
            how,
            at,
            min: if view.exact.is_none() {
                view.min.map(|v| v.to_string())
            } else {
                None
            },
            max: if view.exact.is_none() {
                view.max.map(|v| v.to_string())
            } else {
                None
            },
            seen: self.seen.clone(),
            hints: self.hints.iter().map(|(_, h)| h.clone()).collect(),
        }
    }
}

/// The gateway's own in-process client (agent tools, cron): its version is the
/// gateway's. 4.11+ names it `gateway:<method>`.
pub fn is_in_process_client(client: &str) -> bool {
    client == "gateway-client" || client.starts_with("gateway:")
}

/// Parses a `--openclaw-version` argument.
pub fn parse_flag(s: &str) -> Result<OcVersion, String> {
    OcVersion::parse(s).ok_or_else(|| {
        format!("'{s}' is not an OpenClaw version (expected YYYY.M.D, e.g. 2026.4.12)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::parse::Parser;

    fn rec(line: &str) -> Record {
        let mut r = Record::new("t.log".into(), 1, 0);
        Parser::new().parse_into(line.as_bytes(), line.as_bytes(), &mut r);
        r
    }

    #[test]
    fn patterns_compile() {
        assert_eq!(COMPILED.any.len(), HINTS.len());
    }

    /// The cheap checks before the patterns only skip lines the patterns cannot match.
    #[test]
    fn prechecks_pass_every_match() {
        let c = &*COMPILED;
        for line in [
            "2026.4.12",
            "  v2026.4.12 (a1b2c3d)",
            "\tVersion: 2026.3.31",
            "OpenClaw 2026.4.12-1",
            "openclaw v2026.12.1",
            "20\u{663}\u{663}.4.1",
            "2026-04-11T10:39:30.755+00:00 2026.4.1",
            "Version: x",
            "20",
        ] {
            assert!(
                may_be_version_line(line) || !c.version_line.is_match(line),
                "{line}"
            );
        }
        assert!(may_be_version_line("20\u{663}\u{663}.4.1"));
        assert!(!may_be_version_line(
            "2026-04-11T10:39:30.755+00:00 2026.4.1"
        ));
        for (line, re, lit) in [
            ("🦞 OpenClaw 2026.4.12 (a1b2c3d)", &c.banner, &c.openclaw),
            (
                "$ openclaw --version",
                &c.version_command,
                &c.openclaw_lower,
            ),
            (
                "Config was last written by a newer OpenClaw (2026.5.1); current version is 2026.4.12.",
                &c.config_newer,
                &c.newer,
            ),
        ] {
            assert!(re.is_match(line) && has(line, lit), "{line}");
        }
    }

    #[test]
    fn gateway_client_gives_the_gateway_version() {
        let mut t = VersionTracker::new(None);
        t.observe(&rec(
            "[gateway] security audit: device access upgrade requested reason=scope-upgrade ip=unknown-ip client=gateway-client conn=c1",
        ));
        t.observe(&rec(
            "[ws] unauthorized conn=c2 remote=10.0.0.2 client=gateway-client backend v2026.3.31 reason=token_mismatch",
        ));
        assert_eq!(t.view().exact, OcVersion::parse("2026.3.31"));
        assert_eq!(t.report().from, VersionFrom::Gateway);
    }

    #[test]
    fn banner_and_flag() {
        let mut t = VersionTracker::new(None);
        t.observe(&rec("🦞 OpenClaw 2026.4.12 (a1b2c3d) — the lobster way"));
        assert_eq!(t.view().exact, OcVersion::parse("2026.4.12"));
        let mut t = VersionTracker::new(OcVersion::parse("2026.4.5"));
        t.observe(&rec("🦞 OpenClaw 2026.4.12 (a1b2c3d) — x"));
        assert_eq!(t.view().exact, OcVersion::parse("2026.4.5"));
        assert_eq!(t.report().from, VersionFrom::Flag);
    }

    #[test]
    fn era_hints_bound_the_version() {
        let mut t = VersionTracker::new(None);
        t.observe(&rec(
            "2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=c peer=127.0.0.1:1->127.0.0.1:2 remote=127.0.0.1 code=1008 reason=pairing required",
        ));
        let view = t.view();
        assert_eq!(view.exact, None);
        assert_eq!(view.min, OcVersion::parse("2026.4.11"));
        assert_eq!(view.in_range(v(2026, 4, 5), None), Some(true));
        assert_eq!(view.in_range(v(2026, 3, 31), v(2026, 4, 2)), Some(false));
        assert_eq!(view.in_range(v(2026, 5, 1), None), None);
        let mut t = VersionTracker::new(None);
        t.observe(&rec(
            "10:30:12+02:00 [ws] closed before connect conn=c remote=127.0.0.1 code=1008 reason=pairing required",
        ));
        let view = t.view();
        assert_eq!(view.min, OcVersion::parse("2026.3.24"));
        assert_eq!(view.max, OcVersion::parse("2026.4.11"));
        // A contradicting hint (a paste mixing builds) leaves the version unknown.
        t.observe(&rec("gateway connect failed: Error: pairing required"));
        assert_eq!(t.view(), VersionView::default());
    }

    #[test]
    fn ranges() {
        let x = VersionView::exact(OcVersion::new(2026, 3, 31));
        assert_eq!(x.in_range(v(2026, 3, 31), v(2026, 4, 2)), Some(true));
        assert_eq!(x.in_range(v(2026, 4, 2), None), Some(false));
        let unknown = VersionView::default();
        assert_eq!(unknown.in_range(v(2026, 4, 2), None), None);
        assert_eq!(unknown.in_range(None, None), Some(true));
        assert_eq!(unknown.describe(), "an unknown version");
    }
}
