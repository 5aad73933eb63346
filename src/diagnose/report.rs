//! The diagnosis report: one JSON document (`--json`, documented in
//! `docs/diagnose.md`) and its human rendering.
//!
//! This module owns the report's shape, the order causes are listed in (what to do
//! first), the outcome that sets the exit code, and terminal safety: every text taken
//! from a log or a config is printed with control characters escaped, so a hostile
//! line cannot move the cursor, retitle the terminal or hide text. Colour is the
//! caller's choice (TTY, `--color`, `NO_COLOR`).
//!
//! It does not read records or decide causes (the rest of `diagnose` does).

use crate::style::Style;
use std::fmt::Write as _;

use serde::Serialize;

use crate::cause::Cause;
use crate::config_check::{CheckReport, Severity};
use crate::text::{cut, plural, terminal_safe};

use super::causes::{self, FixedIn, GuideNote};
use super::incident::{Confidence, Evidence};
use super::version::{VersionFrom, VersionReport, VersionView};
use super::{AggView, Loc, config_facets};

/// The version of the report document; bumped on any incompatible change.
pub const REPORT_VERSION: u32 = 1;

/// How long an example line may be in the report (longer ones are cut, with `…`).
const MAX_EXAMPLE_CHARS: usize = 400;

/// What the diagnosis concluded, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// At least one cause with something to fix (exit 0).
    CauseIdentified,
    /// No events, or only benign or unexplained ones (exit 1).
    NothingToFix,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    /// Document version ([`REPORT_VERSION`]).
    pub v: u32,
    /// The outcome.
    pub outcome: Conclusion,
    /// The inputs that held records, in order (files the default mode read are
    /// listed by the caller separately).
    pub inputs: Vec<String>,
    /// The file logs clawscan found and read because it was given no input (empty
    /// otherwise).
    pub file_logs: Vec<String>,
    /// Event records read.
    pub events: u64,
    /// The OpenClaw version the fix texts used, and how it was found.
    pub version: VersionReport,
    /// Each cause found, what to do first first.
    pub causes: Vec<CauseReport>,
    /// Events that are no problem (auto-approved devices, normal closes), by kind.
    pub benign: Vec<NoteReport>,
    /// Failures or events whose cause the log does not settle and that are not
    /// counted as problems (a `connect failed` close with no pairing cause).
    pub unexplained: Vec<NoteReport>,
    /// The config check, when OpenClaw's config was readable.
    pub config: Option<ConfigSummary>,
    /// What clawscan looked for (printed when nothing was found).
    pub looked_for: &'static [&'static str],
}

/// One cause found.
#[derive(Clone, Debug, Serialize)]
pub struct CauseReport {
    /// The cause's identifier.
    pub cause: Cause,
    /// Its title.
    pub title: &'static str,
    /// The troubleshooting guide's variant number, where the guide names it.
    pub guide_variant: Option<u8>,
    /// How sure the diagnosis is (the best of its occurrences).
    pub confidence: Confidence,
    /// Occurrences in the log: failed connections, client error blocks, DM requests.
    pub count: u64,
    /// Event lines attributed to it.
    pub records: u64,
    /// First line of its first occurrence.
    pub first: Option<Loc>,
    /// Last line of its last occurrence.
    pub last: Option<Loc>,
    /// One example line.
    pub example: Option<Example>,
    /// The pairing sub-kinds seen (`role-upgrade`, `scope-upgrade`, …).
    pub sub_kinds: Vec<&'static str>,
    /// Pairing request ids from the log, latest last (what `openclaw devices
    /// approve` takes).
    pub request_ids: Vec<String>,
    /// What the lines showed.
    pub evidence: Vec<Evidence>,
    /// The evidence this cause needs, from the cause table.
    pub needs: &'static [&'static str],
    /// What to do, in order, for the version in `version`.
    pub fix: Vec<String>,
    /// The releases that fixed it.
    pub fixed_in: &'static [FixedIn],
    /// What the troubleshooting guide says and what works instead.
    pub guide: Option<GuideNote>,
    /// Supporting notes (a proxy warning, a metadata change).
    pub notes: Vec<String>,
    /// Other causes the evidence leaves open (runners-up, not the named cause).
    pub alternatives: Vec<Cause>,
    /// The one command or place that tells `cause` from the alternatives.
    pub tell_apart: Option<&'static str>,
    /// Config-check findings that bear on it.
    pub config_findings: Vec<ConfigFinding>,
}

/// An example line.
#[derive(Clone, Debug, Serialize)]
pub struct Example {
    /// Where.
    pub at: Loc,
    /// The line without ANSI escapes (cut at 400 characters).
    pub text: String,
}

/// A kind of event that is not counted as a problem.
#[derive(Clone, Debug, Serialize)]
pub struct NoteReport {
    /// The cause it relates to, if any.
    pub cause: Option<Cause>,
    /// What it is.
    pub what: &'static str,
    /// How many.
    pub count: u64,
    /// The first one.
    pub first: Loc,
    /// Its line.
    pub example: Option<String>,
}

/// A config-check finding, as the report lists it.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigFinding {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The finding's code (see docs/config-check.md).
    pub code: &'static str,
    /// The problem.
    pub message: String,
    /// What to do instead.
    pub instead: Option<String>,
}

/// The config check in brief.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigSummary {
    /// The files looked at.
    pub files: Vec<String>,
    /// Errors and warnings (notes are not counted).
    pub findings: usize,
}

/// What the diagnosis looks for, for the "nothing found" message.
pub const LOOKED_FOR: &[&str] = &[
    "device pairing refusals: close `pairing required` (1008), `cause=pairing-required`, `NOT_PAIRED`, `scope upgrade pending approval`",
    "`security audit: device access upgrade requested` with the close on its conn=",
    "client errors: `gateway connect failed: …`, `gateway closed (1008): …` with `Source:` / `Gateway target:`",
    "auth failures: `unauthorized conn=… reason=…`, `unauthorized: gateway token mismatch`, device identity and signature closes",
    "Control UI: `control ui requires device identity`, `origin not allowed`",
    "chat DM pairing: `<channel> pairing request`, `access not configured.`",
    "exec approvals: `Exec approval registration failed`, `exec denied`, `invalid exec.approvals.set params`",
    "config errors: `Invalid config at …`, `Unrecognized key`",
];

/// Builds the report from the aggregates.
pub(crate) fn build(
    agg: &AggView<'_>,
    view: &VersionView,
    version: VersionReport,
    inputs: &[String],
    events: u64,
    config: Option<&CheckReport>,
) -> Diagnosis {
    let mut causes_out: Vec<CauseReport> = Vec::new();
    let cfg = config.map(config_facets).unwrap_or_default();
    let mut all_causes: Vec<Cause> = agg.causes.iter().map(|(c, _)| *c).collect();
    for (c, _, _) in &cfg {
        if !all_causes.contains(c) {
            all_causes.push(*c);
        }
    }
    for cause in all_causes {
        let row = causes::row(cause);
        let a = agg.causes.iter().find(|(c, _)| *c == cause).map(|(_, a)| a);
        let mut facets = a.map(|a| a.facets).unwrap_or_default();
        let mut findings = Vec::new();
        if let Some(cr) = config {
            for (c, f, i) in &cfg {
                if *c != cause {
                    continue;
                }
                facets = facets.union(*f);
                if let Some(fd) = cr.findings.get(*i) {
                    findings.push(ConfigFinding {
                        file: fd.file.clone(),
                        line: fd.line,
                        column: fd.column,
                        severity: fd.severity,
                        code: fd.code,
                        message: fd.message.clone(),
                        instead: fd.instead.clone(),
                    });
                }
            }
        }
        let params = a.map(|a| a.params.clone()).unwrap_or_default();
        let mut fix = causes::fix_steps(cause, facets, view, &params);
        if fix.is_empty() {
            fix.push(format!(
                "See `clawscan check` for the config findings of {cause}."
            ));
        }
        let mut notes: Vec<String> = a
            .map(|a| a.notes.iter().map(|n| n.to_string()).collect())
            .unwrap_or_default();
        let mut evidence: Vec<Evidence> = a.map(|a| a.evidence.to_vec()).unwrap_or_default();
        for (sc, n, ev) in &agg.supporting {
            if *sc == cause {
                notes.push(format!("{} ({} × from {})", n.what, n.count, n.first));
                for e in ev.iter() {
                    if evidence.len() < 10 && !evidence.iter().any(|x| x.what == e.what) {
                        evidence.push(e.clone());
                    }
                }
            }
        }
        causes_out.push(CauseReport {
            cause,
            title: row.title,
            guide_variant: row.guide_variant,
            confidence: a.map_or(
                if findings.iter().any(|f| f.severity == Severity::Error) {
                    Confidence::Medium
                } else {
                    Confidence::Low
                },
                |a| a.confidence,
            ),
            count: a.map_or(0, |a| a.count),
            records: a.map_or(0, |a| a.records),
            first: a.and_then(|a| a.first.cloned()),
            last: a.and_then(|a| a.last.cloned()),
            example: a.and_then(|a| a.example).map(|(at, text)| Example {
                at: at.clone(),
                text: cut(text, MAX_EXAMPLE_CHARS),
            }),
            sub_kinds: a.map(|a| a.subs.to_vec()).unwrap_or_default(),
            request_ids: a.map(|a| a.request_ids.to_vec()).unwrap_or_default(),
            evidence,
            needs: row.evidence,
            fix,
            fixed_in: row.fixed_in,
            guide: row.guide,
            notes,
            alternatives: a
                .map(|a| {
                    a.alternatives
                        .iter()
                        .copied()
                        .filter(|c| *c != cause)
                        .collect()
                })
                .unwrap_or_default(),
            tell_apart: a.and_then(|a| a.tell_apart),
            config_findings: findings,
        });
    }
    // What to do first: credentials before pairing, upgrades before approvals, and
    // the weakly supported causes last.
    causes_out.sort_by_key(|c| {
        (
            c.count == 0,
            c.confidence == Confidence::Low,
            causes::row(c.cause).order,
            std::cmp::Reverse(c.count),
        )
    });
    let outcome = if causes_out.is_empty() {
        Conclusion::NothingToFix
    } else {
        Conclusion::CauseIdentified
    };
    // Supporting notes whose cause was not found are listed with the unexplained.
    let mut unexplained = agg.unexplained.clone();
    for (c, n, _) in &agg.supporting {
        if !causes_out.iter().any(|r| r.cause == *c) {
            unexplained.push(n.clone());
        }
    }
    Diagnosis {
        v: REPORT_VERSION,
        outcome,
        inputs: inputs.to_vec(),
        file_logs: Vec::new(),
        events,
        version,
        causes: causes_out,
        benign: agg.benign.clone(),
        unexplained,
        config: config.map(|c| ConfigSummary {
            files: c
                .files
                .iter()
                .map(|f| format!("{} ({:?})", f.path, f.status).to_lowercase())
                .collect(),
            findings: c
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Note)
                .count(),
        }),
        looked_for: LOOKED_FOR,
    }
}

// The report's own colours, beside the shared ones of `crate::style`.
impl Style {
    fn cause(&self, s: &str) -> String {
        self.paint("1;33", s)
    }
    fn good(&self, s: &str) -> String {
        self.paint("32", s)
    }
    /// `code` spans of a fix step in cyan (the table writes commands in backticks).
    fn commands(&self, s: &str) -> String {
        if !self.on {
            return s.to_string();
        }
        let mut out = String::new();
        for (i, part) in s.split('`').enumerate() {
            if i % 2 == 1 {
                out.push_str(&self.paint("36", &format!("`{part}`")));
            } else {
                out.push_str(part);
            }
        }
        out
    }
}

/// Renders the report for people; `color` turns on SGR styles.
pub fn render_text(report: &Diagnosis, color: bool) -> String {
    let read_files = &report.file_logs;
    let st = Style { on: color };
    let safe = terminal_safe;
    let mut o = String::new();
    if !read_files.is_empty() {
        let _ = writeln!(o, "Read OpenClaw's file logs:");
        for f in read_files {
            let _ = writeln!(o, "  {}", safe(f));
        }
        let _ = writeln!(o);
    }
    let inputs = if report.inputs.is_empty() {
        "the input".to_string()
    } else {
        report
            .inputs
            .iter()
            .map(|s| safe(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let n = report.causes.len() as u64;
    let head = match report.outcome {
        Conclusion::CauseIdentified => format!(
            "clawscan diagnose: {} in {inputs} ({})",
            plural(n, "cause", "causes"),
            plural(report.events, "event", "events")
        ),
        Conclusion::NothingToFix => format!(
            "clawscan diagnose: nothing to fix in {inputs} ({})",
            plural(report.events, "event", "events")
        ),
    };
    let _ = writeln!(o, "{}", st.bold(&head));
    let _ = writeln!(o, "OpenClaw version: {}", version_line(&report.version));

    for (i, c) in report.causes.iter().enumerate() {
        let _ = writeln!(o);
        let variant = c
            .guide_variant
            .map(|v| format!(" (the guide's variant {v})"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "{}. {} — {}{variant}",
            i + 1,
            st.cause(c.cause.as_str()),
            c.title
        );
        let mut facts = vec![format!("confidence {}", c.confidence.as_str())];
        if c.count > 0 {
            facts.push(format!(
                "{} ({})",
                plural(c.count, "occurrence", "occurrences"),
                plural(c.records, "line", "lines")
            ));
        } else {
            facts.push("from the config only".to_string());
        }
        if let Some(f) = &c.first {
            facts.push(format!("first {}", safe(&f.to_string())));
        }
        if let Some(l) = &c.last {
            facts.push(format!("last {}", safe(&l.to_string())));
        }
        let _ = writeln!(o, "   {}", st.dim(&facts.join(" · ")));
        if !c.sub_kinds.is_empty() {
            let _ = writeln!(o, "   kind: {}", c.sub_kinds.join(", "));
        }
        if let Some(e) = &c.example {
            let _ = writeln!(o, "   example ({}):", safe(&e.at.to_string()));
            let _ = writeln!(o, "     {}", safe(&e.text));
        }
        if !c.evidence.is_empty() {
            let _ = writeln!(o, "   evidence:");
            for e in &c.evidence {
                let _ = writeln!(
                    o,
                    "     - {}  {}",
                    st.dim(&safe(&e.at.to_string())),
                    safe(&e.what)
                );
            }
        }
        for f in &c.config_findings {
            let at = match (f.line, f.column) {
                (Some(l), Some(col)) => format!("{}:{l}:{col}", f.file),
                _ => f.file.clone(),
            };
            let _ = writeln!(
                o,
                "     - {}  config {}: {}",
                st.dim(&safe(&at)),
                f.severity,
                safe(&f.message)
            );
        }
        for n in &c.notes {
            let _ = writeln!(o, "   note: {}", safe(n));
        }
        if !c.alternatives.is_empty() {
            let names: Vec<&str> = c.alternatives.iter().map(|a| a.as_str()).collect();
            let _ = writeln!(o, "   also possible: {}", names.join(", "));
            if let Some(t) = c.tell_apart {
                let _ = writeln!(o, "   to tell them apart: {}", st.commands(t));
            }
        }
        let _ = writeln!(o, "   {}", st.good("fix:"));
        for (j, step) in c.fix.iter().enumerate() {
            let _ = writeln!(o, "     {}. {}", j + 1, st.commands(&safe(step)));
        }
        for f in c.fixed_in {
            let _ = writeln!(
                o,
                "   fixed in {} (broken {}): {}",
                f.release, f.broken, f.change
            );
        }
        if let Some(g) = &c.guide {
            let _ = writeln!(o, "   the guide says: {}", g.says);
            let _ = writeln!(o, "     but: {}", st.commands(g.instead));
        }
    }

    if !report.unexplained.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Not settled by the log (not counted as problems):");
        for u in &report.unexplained {
            let _ = writeln!(
                o,
                "  - {} × {} (first {})",
                u.count,
                safe(u.what),
                safe(&u.first.to_string())
            );
        }
    }
    if !report.benign.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Not problems:");
        for b in &report.benign {
            let _ = writeln!(
                o,
                "  - {} × {} (first {})",
                b.count,
                safe(b.what),
                safe(&b.first.to_string())
            );
        }
    }
    if let Some(cfg) = &report.config {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Config checked: {} ({}; details: `clawscan check`)",
            cfg.files
                .iter()
                .map(|f| safe(f))
                .collect::<Vec<_>>()
                .join(", "),
            plural(cfg.findings as u64, "finding", "findings")
        );
    }
    if report.outcome == Conclusion::NothingToFix {
        let _ = writeln!(o);
        if report.events == 0 {
            let _ = writeln!(
                o,
                "No pairing, token or auth events found. clawscan looked for:"
            );
        } else {
            let _ = writeln!(o, "No failure with a cause to fix. clawscan looked for:");
        }
        for l in report.looked_for {
            let _ = writeln!(o, "  - {l}");
        }
        let _ = writeln!(
            o,
            "If the failure is not in this input, capture the gateway's own lines: `openclaw gateway --verbose 2>&1 | clawscan diagnose`."
        );
    }
    o
}

/// The version line of the report: the version the fix texts used and where it came
/// from, or the era the log's signs bound it to.
pub fn version_line(v: &VersionReport) -> String {
    let safe = terminal_safe;
    match v.from {
        VersionFrom::Flag => format!(
            "{} (from --openclaw-version)",
            v.used.as_deref().unwrap_or("?")
        ),
        VersionFrom::Gateway | VersionFrom::Client => {
            let whose = if v.from == VersionFrom::Gateway {
                "the gateway's"
            } else {
                "a client's; the gateway is probably the same install"
            };
            format!(
                "{} (from the log, {whose}: {}{})",
                v.used.as_deref().unwrap_or("?"),
                safe(v.how.as_deref().unwrap_or("")),
                v.at.as_ref()
                    .map(|a| format!(" at {}", safe(&a.to_string())))
                    .unwrap_or_default()
            )
        }
        VersionFrom::Installed => format!(
            "{} (from `openclaw --version` on this machine)",
            v.used.as_deref().unwrap_or("?")
        ),
        VersionFrom::Config => format!(
            "{} (from {})",
            v.used.as_deref().unwrap_or("?"),
            safe(v.how.as_deref().unwrap_or("the config"))
        ),
        VersionFrom::Era => {
            let range = match (&v.min, &v.max) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => format!("{a} or later"),
                (None, Some(b)) => format!("{b} or earlier"),
                (None, None) => "unknown".to_string(),
            };
            let signs: Vec<String> = v
                .hints
                .iter()
                .take(3)
                .map(|h| format!("{} at {}", h.sign, safe(&h.at.to_string())))
                .collect();
            format!(
                "{range} (no version in the log; from {}; pass --openclaw-version to be exact)",
                signs.join(", ")
            )
        }
        VersionFrom::Unknown => {
            "unknown (nothing in the log says; pass --openclaw-version for version-specific fixes)"
                .to_string()
        }
    }
}
