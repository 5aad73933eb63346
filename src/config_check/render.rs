//! Text and JSON output of a [`CheckReport`].
//!
//! This module owns the report formats documented in docs/config-check.md: one
//! `path:line:col: severity: message` line per finding with indented detail lines,
//! colour only when asked, every file-derived string escaped so a crafted key cannot
//! drive the terminal; and the single JSON document for `--json`. It does not decide
//! what is found or the exit code.

use crate::style::Style;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use super::finding::{Finding, Severity};
use super::{CheckError, CheckReport, Counts, FileKind, FileReport, FileStatus};
use crate::cause::Cause;
// File content reaches the terminal only through the config check's escape notation.
use crate::text::{plural, terminal_safe_unicode as sanitize};

/// The `schema` value of the JSON document; bumped on incompatible changes.
pub const JSON_SCHEMA: &str = "clawscan.check/1";

fn cause_blurb(c: Cause) -> &'static str {
    match c {
        Cause::LoopbackLocalExec => {
            "guide variant 1: local exec/node clients refused after 3.31; fixed in 2026.4.2"
        }
        Cause::SubagentScopeUpgrade => {
            "guide variant 2: sub-agent loopback scope upgrade; fixed in 2.23, and again in 4.2/4.5"
        }
        Cause::ExecApprovalsInvalid => {
            "guide variant 3: never a \"pairing required\" close by itself; the real link is the operator.approvals scope upgrade"
        }
        Cause::DmPolicyPairing => {
            "guide variant 4: chat DM pairing, not device pairing; never a 1008 close"
        }
        Cause::RemoteDeviceUnpaired => "a client on another host must be approved",
        Cause::TokenMismatch => "`unauthorized: gateway token mismatch`, not pairing",
        Cause::DeviceIdentity => "missing, stale or corrupt device identity",
        Cause::ControlUiInsecure => "Control UI over plain HTTP from another host",
        Cause::UntrustedProxy => "a proxy in front of the gateway not in gateway.trustedProxies",
        Cause::Unknown => "no specific pairing cause",
    }
}

// The check's own colours, beside the shared ones of `crate::style`.
impl Style {
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        self.paint(code, s.as_str())
    }

    fn label(&self, s: &str) -> String {
        self.dim(s)
    }
}

fn show_valid(v: &str) -> String {
    if v.parse::<f64>().is_ok() {
        v.to_string()
    } else {
        format!("\"{v}\"")
    }
}

fn or_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Writes one finding in the text format.
fn finding_text(f: &Finding, st: &Style, out: &mut String) {
    let loc = match (f.line, f.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", f.file),
        _ => f.file.clone(),
    };
    let _ = writeln!(
        out,
        "{}: {}: {}",
        st.paint("1", &sanitize(&loc)),
        st.severity(f.severity),
        sanitize(&f.message)
    );
    let detail = |out: &mut String, label: &str, text: &str| {
        let _ = writeln!(out, "    {} {}", st.label(label), sanitize(text));
    };
    if let Some(s) = &f.openclaw_says {
        detail(out, "OpenClaw says:", s);
    }
    if !f.valid.is_empty() {
        let v: Vec<String> = f.valid.iter().map(|v| show_valid(v)).collect();
        detail(out, "valid:", &v.join(" | "));
    }
    if !f.did_you_mean.is_empty() {
        detail(
            out,
            "did you mean",
            &format!("{}?", or_list(&f.did_you_mean)),
        );
    }
    if let Some(g) = &f.guide {
        detail(out, "guide:", g);
    }
    match f.openclaw_does.as_slice() {
        [] => {}
        [one] => detail(out, "OpenClaw does:", one),
        many => {
            let _ = writeln!(out, "    {}", st.label("OpenClaw does:"));
            for line in many {
                let _ = writeln!(out, "      {}", sanitize(line));
            }
        }
    }
    if let Some(i) = &f.instead {
        detail(out, "instead:", i);
    }
    // A cause line helps only when the finding bears on a specific cause.
    if f.cause != Cause::Unknown && f.code != "file_missing" {
        detail(
            out,
            "cause:",
            &format!("{} ({})", f.cause, cause_blurb(f.cause)),
        );
    }
}

/// One file of a check in words: `path: JSON5, last written by OpenClaw …, 2 findings`.
pub fn file_summary(f: &FileReport) -> String {
    let format = match f.kind {
        FileKind::OpenclawJson => "JSON5",
        FileKind::ExecApprovals => "strict JSON",
    };
    let status = match f.status {
        FileStatus::Checked => {
            let mut s = format.to_string();
            if let Some(v) = &f.last_touched_version {
                s.push_str(&format!(", last written by OpenClaw {v}"));
            }
            s.push_str(&format!(
                ", {}",
                plural(f.findings as u64, "finding", "findings")
            ));
            s
        }
        FileStatus::Missing => "not found".to_string(),
        FileStatus::Unreadable => "could not be read".to_string(),
        FileStatus::Malformed => format!("not valid {format}; not checked further"),
    };
    format!("{}: {status}", f.path)
}

/// Writes the human-readable report.
pub fn render_text(
    report: &CheckReport,
    color: bool,
    out: &mut dyn Write,
) -> Result<(), CheckError> {
    let st = Style { on: color };
    let mut text = String::new();
    for f in &report.findings {
        finding_text(f, &st, &mut text);
        text.push('\n');
    }
    let c = report.counts();
    let checked = report
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Missing)
        .count();
    let _ = writeln!(
        text,
        "{}: {}, {}, {}",
        plural(checked as u64, "file checked", "files checked"),
        plural(c.errors as u64, "error", "errors"),
        plural(c.warnings as u64, "warning", "warnings"),
        plural(c.notes as u64, "note", "notes"),
    );
    for f in &report.files {
        let _ = writeln!(text, "  {}", sanitize(&file_summary(f)));
    }
    let causes = report.causes();
    if !causes.is_empty() {
        let list: Vec<String> = causes.iter().map(|(c, n)| format!("{c} ({n})")).collect();
        let _ = writeln!(text, "causes: {}", list.join(", "));
    }
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    counts: Counts,
    causes: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    outcome: super::CheckOutcome,
    exit_code: i32,
    files: &'a [FileReport],
    findings: &'a [Finding],
    summary: Summary,
}

/// Writes the report as one JSON document (see docs/config-check.md).
pub fn render_json(report: &CheckReport, out: &mut dyn Write) -> Result<(), CheckError> {
    let outcome = report.outcome();
    let doc = JsonDoc {
        schema: JSON_SCHEMA,
        outcome,
        exit_code: outcome.exit_code(),
        files: &report.files,
        findings: &report.findings,
        summary: Summary {
            counts: report.counts(),
            causes: report
                .causes()
                .into_iter()
                .map(|(c, n)| (c.as_str(), n))
                .collect(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_lists() {
        assert_eq!(or_list(&["a".into()]), "\"a\"");
        assert_eq!(or_list(&["a".into(), "b".into()]), "\"a\" or \"b\"");
        assert_eq!(
            or_list(&["a".into(), "b".into(), "c".into()]),
            "\"a\", \"b\" or \"c\""
        );
    }
}
