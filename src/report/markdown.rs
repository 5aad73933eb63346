//! The report as one Markdown document, sized for a forum post.
//!
//! This module owns the document's layout (a redaction notice first, then
//! environment, diagnosis, config check, doctor and logs) and its size limit. The
//! document is built as a list of blocks, each whole (a code block is never split)
//! and ranked by how much a helper needs it; when the document is longer than the
//! limit, the least needed blocks are dropped from the end first (event notes, then
//! quoted lines and doctor output, then fix steps and findings), and the end of the
//! document says what was left out, as it does for the report's own limits.
//!
//! Every string taken from the report is made terminal- and layout-safe (control
//! characters and newlines escaped); quoted lines go in fenced blocks whose fence is
//! longer than any backtick run inside. Redaction happened before (see
//! [`super::mask`]): this module adds only fixed text.

use std::fmt::Write as _;

use crate::text::{plural, terminal_safe};

use super::env::RunStatus;
use super::{CauseSection, HelpReport, NoteLine};

/// The default size limit, in characters (a Reddit post takes 40,000).
pub const DEFAULT_MAX_CHARS: usize = 40_000;
/// Most log files listed one by one.
const MAX_FILES_LISTED: usize = 50;

/// How much a helper needs a block; higher ranks are dropped first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// Headings, environment, counts, the logs list, the notice: never dropped.
    Always,
    /// Fix steps and config findings.
    High,
    /// Quoted lines and doctor output.
    Medium,
    /// Benign and unexplained event counts.
    Low,
}

struct Block {
    text: String,
    need: Need,
    /// What the block is, for the "left out" note.
    what: &'static str,
}

#[derive(Default)]
struct Doc {
    blocks: Vec<Block>,
}

impl Doc {
    fn push(&mut self, need: Need, what: &'static str, text: String) {
        self.blocks.push(Block { text, need, what });
    }

    fn always(&mut self, text: String) {
        self.push(Need::Always, "", text);
    }

    fn chars(&self) -> usize {
        self.blocks.iter().map(|b| b.text.chars().count()).sum()
    }
}

/// Renders the report, at most about `max_chars` characters long (the fixed parts
/// alone may exceed a very small limit).
pub fn render(report: &HelpReport, max_chars: usize) -> String {
    let mut doc = body(report);
    let mut dropped: Vec<(&'static str, usize)> = Vec::new();
    let trailer_room = 600;
    for need in [Need::Low, Need::Medium, Need::High] {
        while doc.chars() + trailer_room > max_chars {
            let Some(i) = doc.blocks.iter().rposition(|b| b.need == need) else {
                break;
            };
            let b = doc.blocks.remove(i);
            match dropped.iter_mut().find(|(w, _)| *w == b.what) {
                Some((_, n)) => *n += 1,
                None => dropped.push((b.what, 1)),
            }
        }
    }
    let mut out: String = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    let mut cut: Vec<String> = report.cut.iter().map(|c| safe(c)).collect();
    if !dropped.is_empty() {
        let list: Vec<String> = dropped
            .iter()
            .map(|(what, n)| format!("{n} × {what}"))
            .collect();
        cut.push(format!(
            "to stay under {max_chars} characters: {}",
            list.join(", ")
        ));
    }
    out.push_str("\n---\n\n");
    if !cut.is_empty() {
        out.push_str("**Left out of this report:**\n\n");
        for c in &cut {
            let _ = writeln!(out, "- {c}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "_Made by `clawscan report` {}._",
        safe(&report.environment.clawscan_version)
    );
    out
}

fn safe(s: &str) -> String {
    terminal_safe(s)
}

/// `s` as inline code, with a delimiter longer than any backtick run inside.
fn code(s: &str) -> String {
    let s = safe(s);
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A fenced block of lines.
fn fenced(lines: &[String]) -> String {
    let lines: Vec<String> = lines.iter().map(|l| safe(l)).collect();
    let run = lines
        .iter()
        .map(|l| longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(run.max(2) + 1);
    let mut out = format!("{fence}text\n");
    for l in &lines {
        out.push_str(l);
        out.push('\n');
    }
    let _ = writeln!(out, "{fence}");
    out.push('\n');
    out
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => plural(b, "byte", "bytes"),
        b if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
    }
}

fn body(r: &HelpReport) -> Doc {
    let mut doc = Doc::default();
    doc.always(notice());
    environment(r, &mut doc);
    diagnosis(r, &mut doc);
    config(r, &mut doc);
    doctor(r, &mut doc);
    logs(r, &mut doc);
    doc
}

fn notice() -> String {
    concat!(
        "# OpenClaw \"pairing required\" report\n\n",
        "> **Redacted by clawscan.** Tokens, passwords, bootstrap and pairing codes, `Bearer` values ",
        "and `socket.token` show as `[REDACTED:…]`; device ids as `[DEVICE:…]`, public IP addresses ",
        "as `[IP:…]` and public host names (including `*.ts.net`) as `[HOST:…]` (short keyed hashes: ",
        "the same value gives the same marker throughout). Loopback, private, CGNAT/Tailscale ",
        "(100.64.0.0/10) and link-local addresses, and local names, are kept: they show where a client ",
        "connected from.\n",
        ">\n",
        "> **Check before posting:** search this text for the secrets you know — the gateway token ",
        "(`gateway.auth.token` in `~/.openclaw/openclaw.json`) and `socket.token` in ",
        "`~/.openclaw/exec-approvals.json`; neither may appear. With `clawscan report -o report.md`: ",
        "`grep -cF 'YOUR-TOKEN' report.md` prints 0.\n\n",
    )
    .to_string()
}

fn environment(r: &HelpReport, doc: &mut Doc) {
    let e = &r.environment;
    let mut s = String::from("## Environment\n\n");
    let os = match &e.os_version {
        Some(v) => format!("{} ({})", safe(&e.os), safe(v)),
        None => safe(&e.os),
    };
    let _ = writeln!(s, "- OS: {os}");
    let _ = writeln!(s, "- Architecture: {}", safe(&e.arch));
    let _ = writeln!(s, "- clawscan: {}", safe(&e.clawscan_version));
    let openclaw = match (&e.openclaw, &e.openclaw_version) {
        (RunStatus::Exited { code: Some(0) }, Some(v)) => {
            format!("{} (`openclaw --version`)", code(v))
        }
        (RunStatus::Exited { .. }, Some(v)) => {
            format!(
                "{} ({})",
                code(v),
                e.openclaw.describe("openclaw --version")
            )
        }
        (status, _) => status.describe("openclaw --version"),
    };
    let _ = writeln!(s, "- OpenClaw CLI: {openclaw}");
    let _ = writeln!(
        s,
        "- OpenClaw version in the logs: {}",
        safe(&r.versions.used)
    );
    if r.versions.seen.len() > 1 {
        let seen: Vec<String> = r.versions.seen.iter().map(|v| safe(v)).collect();
        let _ = writeln!(s, "- Versions seen in the logs: {}", seen.join("; "));
    }
    if let Some(v) = &r.versions.config {
        let _ = writeln!(s, "- openclaw.json last written by: OpenClaw {}", safe(v));
    }
    s.push('\n');
    doc.always(s);
}

fn diagnosis(r: &HelpReport, doc: &mut Doc) {
    let d = &r.diagnosis;
    let mut s = String::from("## Diagnosis\n\n");
    if d.causes.is_empty() {
        let _ = writeln!(
            s,
            "No failure with a cause to fix ({} read).\n",
            plural(d.events, "event line", "event lines")
        );
    } else {
        let _ = writeln!(
            s,
            "{} in {}, what to do first first.\n",
            plural(d.causes.len() as u64, "cause", "causes"),
            plural(d.events, "event line", "event lines")
        );
    }
    doc.always(s);
    for (i, c) in d.causes.iter().enumerate() {
        cause(i + 1, c, doc);
    }
    notes(
        doc,
        "Not settled by the log (not counted as problems)",
        &d.unexplained,
    );
    notes(doc, "Not problems", &d.benign);
}

fn cause(n: usize, c: &CauseSection, doc: &mut Doc) {
    let variant = c
        .guide_variant
        .map(|v| format!(" (the guide's variant {v})"))
        .unwrap_or_default();
    let mut s = format!(
        "### {n}. `{}`: {}{variant}\n\n",
        safe(&c.cause),
        safe(&c.title)
    );
    let count = if c.count > 0 {
        format!(
            "{} ({})",
            plural(c.count, "occurrence", "occurrences"),
            plural(c.lines, "line", "lines")
        )
    } else {
        "from the config only".to_string()
    };
    let _ = writeln!(s, "- {count}, confidence {}", safe(&c.confidence));
    for (label, occ) in [("first", &c.first), ("last", &c.last)] {
        if let Some(o) = occ {
            match &o.ts {
                Some(ts) => {
                    let _ = writeln!(s, "- {label}: {} at {}", safe(ts), code(&o.at));
                }
                None => {
                    let _ = writeln!(s, "- {label}: {}", code(&o.at));
                }
            }
        }
    }
    if !c.sub_kinds.is_empty() {
        let kinds: Vec<String> = c.sub_kinds.iter().map(|k| code(k)).collect();
        let _ = writeln!(s, "- kind: {}", kinds.join(", "));
    }
    if !c.request_ids.is_empty() {
        let ids: Vec<String> = c.request_ids.iter().map(|k| code(k)).collect();
        let _ = writeln!(s, "- request ids: {}", ids.join(", "));
    }
    if !c.alternatives.is_empty() {
        let alts: Vec<String> = c.alternatives.iter().map(|k| code(k)).collect();
        let _ = writeln!(s, "- also possible: {}", alts.join(", "));
        if let Some(t) = &c.tell_apart {
            let _ = writeln!(s, "- to tell them apart: {}", safe(t));
        }
    }
    s.push('\n');
    doc.always(s);
    if !c.fix.is_empty() {
        let mut f = String::from("Fix:\n\n");
        for (j, step) in c.fix.iter().enumerate() {
            let _ = writeln!(f, "{}. {}", j + 1, safe(step));
        }
        f.push('\n');
        doc.push(Need::High, "fix steps", f);
    }
    if !c.examples.is_empty() {
        let shown = c.examples.len() as u64;
        let mut e = format!(
            "Example lines ({} of {}):\n\n",
            shown,
            shown + c.examples_omitted
        );
        let lines: Vec<String> = c
            .examples
            .iter()
            .map(|x| format!("{}  {}", x.at, x.text))
            .collect();
        e.push_str(&fenced(&lines));
        doc.push(Need::Medium, "example blocks", e);
    }
}

fn notes(doc: &mut Doc, title: &str, list: &[NoteLine]) {
    if list.is_empty() {
        return;
    }
    let mut s = format!("{title}:\n\n");
    for n in list {
        let _ = writeln!(
            s,
            "- {} × {} (first {})",
            n.count,
            safe(&n.what),
            code(&n.first)
        );
    }
    s.push('\n');
    doc.push(Need::Low, "lists of other events", s);
}

fn config(r: &HelpReport, doc: &mut Doc) {
    let c = &r.config;
    let mut s = String::from("## Config check\n\n");
    if let Some(n) = &c.note {
        let _ = writeln!(s, "{}\n", safe(n));
    }
    for f in &c.files {
        let _ = writeln!(s, "- {}", safe(f));
    }
    if c.checked {
        let problems = c.findings.iter().filter(|f| f.severity != "note").count();
        let _ = writeln!(
            s,
            "\n{} (secret values are never shown).\n",
            plural(problems as u64, "finding", "findings")
        );
    } else {
        s.push('\n');
    }
    doc.always(s);
    if c.findings.is_empty() {
        return;
    }
    let mut f = String::new();
    for x in &c.findings {
        let mut line = format!(
            "- **{}** {}: {}",
            safe(&x.severity),
            code(&x.at),
            safe(&x.message)
        );
        if let Some(i) = &x.instead {
            let _ = write!(line, " — instead: {}", safe(i));
        }
        if let Some(cause) = &x.cause {
            let _ = write!(line, " (cause {})", code(cause));
        }
        f.push_str(&line);
        f.push('\n');
    }
    f.push('\n');
    doc.push(Need::High, "config finding lists", f);
}

fn doctor(r: &HelpReport, doc: &mut Doc) {
    let d = &r.doctor;
    let mut s = String::from("## openclaw doctor\n\n");
    match &d.run {
        RunStatus::NotFound => s.push_str("Not run: `openclaw` is not on PATH.\n\n"),
        RunStatus::Skipped { reason } => {
            let _ = writeln!(s, "Not run ({}).\n", safe(reason));
        }
        RunStatus::Failed { .. } => {
            let _ = writeln!(s, "{}.\n", safe(&d.run.describe("openclaw doctor")));
        }
        RunStatus::Exited { .. } | RunStatus::TimedOut { .. } => {
            let _ = writeln!(
                s,
                "{}; {} of {} match {} (case-insensitive).\n",
                safe(&d.run.describe("openclaw doctor")),
                d.lines.len() + d.omitted,
                plural(d.total_lines as u64, "line", "lines"),
                code(&d.filter),
            );
        }
    }
    doc.always(s);
    if !d.lines.is_empty() {
        doc.push(Need::Medium, "doctor output", fenced(&d.lines));
    }
}

fn logs(r: &HelpReport, doc: &mut Doc) {
    let l = &r.logs;
    let mut s = String::from("## Logs read\n\n");
    if l.default_file_logs {
        s.push_str("No path given: OpenClaw's recent file logs.\n\n");
    }
    if l.files.is_empty() && l.errors.is_empty() {
        if l.looked_in.is_empty() {
            s.push_str("None.\n");
        } else {
            let places: Vec<String> = l.looked_in.iter().map(|p| code(p)).collect();
            let _ = writeln!(
                s,
                "None: no OpenClaw file logs found (looked in {}). Give a log file: `clawscan report /tmp/openclaw/openclaw-YYYY-MM-DD.log`.",
                places.join(", ")
            );
        }
    }
    for f in l.files.iter().take(MAX_FILES_LISTED) {
        let mut line = format!("- {}", code(&f.name));
        if let Some(b) = f.size {
            let _ = write!(line, ": {}", size(b));
        }
        let _ = write!(line, ", {}", plural(f.events, "event", "events"));
        match (&f.first_ts, &f.last_ts) {
            (Some(a), Some(b)) if a != b => {
                let _ = write!(line, ", {} – {}", safe(a), safe(b));
            }
            (Some(a), _) => {
                let _ = write!(line, ", at {}", safe(a));
            }
            _ => {}
        }
        s.push_str(&line);
        s.push('\n');
    }
    if l.files.len() > MAX_FILES_LISTED {
        let _ = writeln!(s, "- … and {} more files", l.files.len() - MAX_FILES_LISTED);
    }
    for e in &l.errors {
        let _ = writeln!(s, "- could not read {}", code(e));
    }
    doc.always(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_code_and_fences_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        let f = fenced(&["```".to_string(), "ok".to_string()]);
        assert!(f.starts_with("````text\n"), "{f}");
        assert!(f.ends_with("\n````\n\n"), "{f}");
    }

    #[test]
    fn log_text_cannot_break_the_layout() {
        assert_eq!(safe("a\nb\x1b[2J"), "a\\nb\\x1b[2J");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(2048), "2.0 KiB");
        assert_eq!(size(3 << 20), "3.0 MiB");
    }
}
