//! Config check: validates `exec-approvals.json` and `openclaw.json` as OpenClaw reads them.
//!
//! This module owns finding the files (OpenClaw's state directory, `OPENCLAW_STATE_DIR`,
//! `OPENCLAW_CONFIG_PATH`, or the paths given), reading them without ever writing
//! them, running the per-file checks and the cross-file one (`tools.exec` against the
//! approvals defaults), and the outcome and exit code. Submodules own the parser
//! (`json5`), each file's schema (`exec_approvals`, `openclaw_json`), the finding
//! record (`finding`), near-miss suggestions (`suggest`), version behaviour
//! (`versions`) and output (`render`).
//!
//! It does not read logs or decide which cause a log shows; `diagnose` can call
//! [`check_dir`] (or [`check_default`]) and use [`CheckReport::findings`] as evidence.
//!
//! How a path argument is read: a directory is searched for both `openclaw.json` and
//! `exec-approvals.json`; a file whose name contains `exec-approvals` is checked as
//! the approvals file (strict JSON), any other file as `openclaw.json` (JSON5). The
//! cross-file check runs only when both files come from the same argument (a
//! directory, or the default location).

mod common;
mod exec_approvals;
mod finding;
pub mod json5;
mod openclaw_json;
mod render;
mod suggest;
mod versions;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use finding::{Finding, Severity};
pub use render::{file_summary, render_json, render_text};
// The version is vocabulary now; `config_check::OcVersion` is its old path.
pub use crate::version::OcVersion;

use crate::cause::Cause;
use exec_approvals::ApprovalsPolicy;
use json5::{Dialect, Pos};
use openclaw_json::ToolsExecPolicy;

/// The file name OpenClaw gives its main config.
pub const CONFIG_FILE: &str = "openclaw.json";
/// The file name of the exec approvals file.
pub const APPROVALS_FILE: &str = "exec-approvals.json";
/// Files larger than this are not read; real configs are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What `clawscan check` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Directories or files to check; empty means OpenClaw's own state directory.
    pub paths: Vec<PathBuf>,
    /// Write one JSON document instead of human text.
    pub json: bool,
    /// Use colour in human text.
    pub color: bool,
}

/// How a check ended when it could write its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// Nothing to report (notes aside).
    Clean,
    /// At least one error or warning.
    Findings,
    /// A file could not be read or parsed; the report says which and where.
    ReadFailed,
}

impl CheckOutcome {
    /// The process exit code for this outcome (0 clean, 1 findings, 2 unreadable or
    /// unparsable file).
    pub fn exit_code(self) -> i32 {
        match self {
            CheckOutcome::Clean => 0,
            CheckOutcome::Findings => 1,
            CheckOutcome::ReadFailed => 2,
        }
    }
}

/// Why a check could not run at all (exit 2, message on stderr).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A directory holds neither file.
    #[error("{}: no OpenClaw config here (neither {CONFIG_FILE} nor {APPROVALS_FILE} exists)", .dir.display())]
    NoConfigInDir {
        /// The directory.
        dir: PathBuf,
    },
    /// The default locations hold neither file.
    #[error(
        "no OpenClaw config found: neither {} nor {} exists (set OPENCLAW_STATE_DIR or OPENCLAW_CONFIG_PATH, or pass a directory)",
        .config.display(),
        .approvals.display()
    )]
    NoDefaultConfig {
        /// Where openclaw.json was looked for.
        config: PathBuf,
        /// Where exec-approvals.json was looked for.
        approvals: PathBuf,
    },
    /// A path argument does not exist.
    #[error("{}: no such file or directory", .path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// Neither `OPENCLAW_STATE_DIR` nor a home directory is known.
    #[error(
        "cannot find the OpenClaw state directory: HOME is not set (set OPENCLAW_STATE_DIR or pass a directory)"
    )]
    NoHome,
    /// Writing the report failed.
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
    /// Encoding the JSON report failed.
    #[error("cannot encode the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Which of the two files a report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// `openclaw.json` (JSON5).
    OpenclawJson,
    /// `exec-approvals.json` (strict JSON).
    ExecApprovals,
}

impl FileKind {
    fn dialect(self) -> Dialect {
        match self {
            FileKind::OpenclawJson => Dialect::Json5,
            FileKind::ExecApprovals => Dialect::Json,
        }
    }
}

/// What became of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Read, parsed and checked.
    Checked,
    /// Not there (reported as a note, not an error).
    Missing,
    /// There but could not be read.
    Unreadable,
    /// Read but not valid JSON5 / JSON.
    Malformed,
}

/// One file of a check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    /// The path (lossy UTF-8).
    pub path: String,
    /// Which file it is.
    pub kind: FileKind,
    /// The syntax OpenClaw reads it with: `json5` or `json`.
    pub format: &'static str,
    /// What became of it.
    pub status: FileStatus,
    /// `meta.lastTouchedVersion` (openclaw.json only).
    pub last_touched_version: Option<String>,
    /// How many findings are about this file.
    pub findings: usize,
}

/// Everything a check found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckReport {
    /// The files looked at, in order.
    pub files: Vec<FileReport>,
    /// The findings, grouped by file in `files` order, then by position.
    pub findings: Vec<Finding>,
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
}

impl CheckReport {
    /// The outcome: any unreadable or malformed file wins, then any error or warning.
    pub fn outcome(&self) -> CheckOutcome {
        if self
            .files
            .iter()
            .any(|f| matches!(f.status, FileStatus::Unreadable | FileStatus::Malformed))
        {
            CheckOutcome::ReadFailed
        } else if self.findings.iter().any(|f| f.severity != Severity::Note) {
            CheckOutcome::Findings
        } else {
            CheckOutcome::Clean
        }
    }

    /// How many errors, warnings and notes.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.findings {
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Note => c.notes += 1,
            }
        }
        c
    }

    /// Each cause named by an error or warning, with how many findings name it.
    pub fn causes(&self) -> BTreeMap<Cause, usize> {
        let mut m = BTreeMap::new();
        for f in self
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
        {
            *m.entry(f.cause).or_insert(0) += 1;
        }
        m
    }

    /// True when at least one file was there to check (read or not).
    pub fn found_any_file(&self) -> bool {
        self.files.iter().any(|f| f.status != FileStatus::Missing)
    }

    fn append(&mut self, mut other: CheckReport) {
        self.files.append(&mut other.files);
        self.findings.append(&mut other.findings);
    }
}

/// Checks the two files in `dir`. Never fails: missing and unreadable files are in
/// the report (see [`CheckReport::found_any_file`]).
pub fn check_dir(dir: &Path) -> CheckReport {
    check_files(
        Some(&dir.join(CONFIG_FILE)),
        Some(&dir.join(APPROVALS_FILE)),
    )
}

/// Checks the files where OpenClaw itself looks for them (see [`default_paths`]).
pub fn check_default() -> Result<CheckReport, CheckError> {
    let (config, approvals) = default_paths()?;
    Ok(check_files(Some(&config), Some(&approvals)))
}

/// Where OpenClaw reads its files: `openclaw.json` from `OPENCLAW_CONFIG_PATH`, else
/// `$OPENCLAW_STATE_DIR/openclaw.json`, else `~/.openclaw/openclaw.json`; the approvals
/// file from `$OPENCLAW_STATE_DIR` or `~/.openclaw`. A leading `~` is expanded.
pub fn default_paths() -> Result<(PathBuf, PathBuf), CheckError> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var_os("USERPROFILE").filter(|h| !h.is_empty()))
        .map(PathBuf::from);
    let env_path = |name: &str| -> Option<String> {
        std::env::var_os(name)
            .map(|v| v.to_string_lossy().trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let expand = |p: String| -> Result<PathBuf, CheckError> {
        if p == "~" || p.starts_with("~/") {
            let h = home.clone().ok_or(CheckError::NoHome)?;
            Ok(match p.strip_prefix("~/") {
                Some(rest) => h.join(rest),
                None => h,
            })
        } else {
            Ok(PathBuf::from(p))
        }
    };
    let state = match env_path("OPENCLAW_STATE_DIR") {
        Some(s) => expand(s)?,
        None => home.clone().ok_or(CheckError::NoHome)?.join(".openclaw"),
    };
    let config = match env_path("OPENCLAW_CONFIG_PATH") {
        Some(c) => expand(c)?,
        None => state.join(CONFIG_FILE),
    };
    Ok((config, state.join(APPROVALS_FILE)))
}

/// Checks an `openclaw.json` and an `exec-approvals.json` that belong together
/// (either may be `None`: not asked for). The config is read first, for the version
/// it was last written by, which tailors what the approvals findings say.
pub fn check_files(config: Option<&Path>, approvals: Option<&Path>) -> CheckReport {
    let mut report = CheckReport::default();
    let mut version = None;
    let mut tools_exec: Option<(String, ToolsExecPolicy)> = None;
    if let Some(path) = config {
        let name = path.display().to_string();
        let (mut file, mut findings, root) = load(path, FileKind::OpenclawJson, None);
        if let Some(root) = root {
            let c = openclaw_json::check(&name, &root);
            file.last_touched_version = c.last_touched_version.clone();
            version = c.version;
            findings.extend(c.findings);
            tools_exec = Some((name, c.tools_exec));
        }
        file.findings = findings.len();
        report.files.push(file);
        report.findings.extend(findings);
    }
    if let Some(path) = approvals {
        let name = path.display().to_string();
        let (mut file, mut findings, root) = load(path, FileKind::ExecApprovals, version);
        if let Some(root) = root {
            let c = exec_approvals::check(&name, &root, version);
            findings.extend(c.findings);
            if let Some((cfg_name, tools)) = &tools_exec {
                let cross = cross_check(cfg_name, tools, &name, &c.policy);
                for f in cross {
                    if f.file == name {
                        findings.push(f);
                    } else if let Some(cfg) = report.files.first_mut() {
                        cfg.findings += 1;
                        report.findings.push(f);
                    }
                }
            }
        }
        findings.sort_by_key(|f| (f.line, f.column));
        file.findings = findings.len();
        report.files.push(file);
        report.findings.extend(findings);
    }
    // Keep findings grouped by file, in position order within each.
    let order: Vec<String> = report.files.iter().map(|f| f.path.clone()).collect();
    report.findings.sort_by_key(|f| {
        (
            order
                .iter()
                .position(|p| *p == f.file)
                .unwrap_or(usize::MAX),
            f.line,
            f.column,
        )
    });
    report
}

/// Reads and parses one file. Returns its report entry, any findings about reading
/// or parsing it, and the tree when it parsed.
fn load(
    path: &Path,
    kind: FileKind,
    version: Option<OcVersion>,
) -> (FileReport, Vec<Finding>, Option<json5::Node>) {
    let name = path.display().to_string();
    let mut file = FileReport {
        path: name.clone(),
        kind,
        format: kind.dialect().as_str(),
        status: FileStatus::Checked,
        last_touched_version: None,
        findings: 0,
    };
    let cause = match kind {
        FileKind::OpenclawJson => Cause::Unknown,
        FileKind::ExecApprovals => Cause::ExecApprovalsInvalid,
    };
    let unreadable = |file: &mut FileReport, why: String| {
        file.status = FileStatus::Unreadable;
        vec![Finding::file_level(
            &name,
            Severity::Error,
            "file_unreadable",
            cause,
            format!("could not be read: {why}"),
        )]
    };
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            file.status = FileStatus::Missing;
            return (file, vec![missing_note(&name, kind, version)], None);
        }
        Err(e) => {
            let f = unreadable(&mut file, e.to_string());
            return (file, f, None);
        }
    };
    if meta.is_dir() {
        let f = unreadable(&mut file, "it is a directory".to_string());
        return (file, f, None);
    }
    if meta.len() > MAX_FILE_BYTES {
        let f = unreadable(
            &mut file,
            format!(
                "it is {} bytes; clawscan reads config files up to {MAX_FILE_BYTES} bytes",
                meta.len()
            ),
        );
        return (file, f, None);
    }
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let f = unreadable(&mut file, e.to_string());
            return (file, f, None);
        }
    };
    let mut findings = Vec::new();
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or(&[])).into_owned();
            let pos = end_pos(&prefix);
            findings.push(
                Finding::at(
                    &name,
                    pos,
                    Severity::Warning,
                    "not_utf8",
                    cause,
                    &finding::CfgPath::root(),
                    "the file is not valid UTF-8 here",
                )
                .does(["reads each invalid byte as U+FFFD (�), which then never matches anything"])
                .instead("save the file as UTF-8"),
            );
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    match json5::parse(&text, kind.dialect()) {
        Ok(root) => (file, findings, Some(root)),
        Err(e) => {
            file.status = FileStatus::Malformed;
            findings.push(syntax_finding(&name, kind, &e, version));
            (file, findings, None)
        }
    }
}

/// The position just past the end of `text`.
fn end_pos(text: &str) -> Pos {
    let mut pos = Pos {
        line: 1,
        column: 1,
        offset: text.len(),
    };
    for c in text.chars() {
        if c == '\n' {
            pos.line = pos.line.saturating_add(1);
            pos.column = 1;
        } else {
            pos.column = pos.column.saturating_add(1);
        }
    }
    pos
}

fn syntax_finding(
    name: &str,
    kind: FileKind,
    e: &json5::SyntaxError,
    version: Option<OcVersion>,
) -> Finding {
    let root = finding::CfgPath::root();
    if e.limit {
        let cause = match kind {
            FileKind::OpenclawJson => Cause::Unknown,
            FileKind::ExecApprovals => Cause::ExecApprovalsInvalid,
        };
        return Finding::at(
            name,
            e.pos,
            Severity::Error,
            "too_deep",
            cause,
            &root,
            &e.reason,
        )
        .instead("check the file by hand; no OpenClaw config nests this deep");
    }
    match kind {
        FileKind::OpenclawJson => Finding::at(name, e.pos, Severity::Error, "syntax_error", Cause::Unknown, &root, &e.reason)
            .does([
                "cannot load the config (`JSON5 parse failed: …`): the gateway will not start and `openclaw` commands \
                 report the config as invalid",
            ])
            .instead(
                "fix the syntax here; openclaw.json is JSON5, so comments, trailing commas and unquoted keys are fine \
                 (do not check it with `python3 -m json.tool`, which rejects valid JSON5)",
            ),
        FileKind::ExecApprovals => Finding::at(
            name,
            e.pos,
            Severity::Error,
            "syntax_error",
            Cause::ExecApprovalsInvalid,
            &root,
            &e.reason,
        )
        .does(versions::whole_file_ignored(version))
        .instead(
            "fix the syntax here: exec-approvals.json is strict JSON (double quotes, no comments, no trailing \
             commas); do not delete the file to reset it: 2026.4.2+ regenerates permissive full/off defaults",
        ),
    }
}

fn missing_note(name: &str, kind: FileKind, version: Option<OcVersion>) -> Finding {
    match kind {
        FileKind::OpenclawJson => Finding::file_level(
            name,
            Severity::Note,
            "file_missing",
            Cause::Unknown,
            "not found: OpenClaw runs on its built-in defaults",
        ),
        FileKind::ExecApprovals => {
            let sqlite =
                version.is_some_and(|v| versions::ExecEra::of(v) == versions::ExecEra::Sqlite);
            let message = if sqlite {
                "not found: expected on 2026.8.x, which keeps exec approvals in SQLite"
            } else {
                "not found: OpenClaw uses its built-in defaults (≤ 2026.4.1 deny/on-miss/deny, 2026.4.2+ full/off) \
                 and writes the file when the gateway starts"
            };
            Finding::file_level(
                name,
                Severity::Note,
                "file_missing",
                Cause::ExecApprovalsInvalid,
                message,
            )
        }
    }
}

fn security_rank(v: &str) -> u8 {
    match v {
        "deny" => 0,
        "allowlist" => 1,
        _ => 2,
    }
}

fn ask_strictness(v: &str) -> u8 {
    match v {
        "always" => 2,
        "on-miss" => 1,
        _ => 0,
    }
}

/// `tools.exec` and the approvals defaults both apply and the stricter wins, so a
/// difference means editing the looser one changes nothing.
fn cross_check(
    cfg_file: &str,
    tools: &ToolsExecPolicy,
    appr_file: &str,
    ap: &ApprovalsPolicy,
) -> Vec<Finding> {
    let mut out = Vec::new();
    type Pair<'a> = (&'a Option<(String, Pos)>, &'a Option<(String, Pos)>);
    type Field<'a> = (&'a str, Pair<'a>, fn(&str) -> u8);
    let fields: [Field<'_>; 2] = [
        // Lower security rank is stricter; higher ask strictness is stricter.
        ("security", (&tools.security, &ap.security), |v| {
            2 - security_rank(v)
        }),
        ("ask", (&tools.ask, &ap.ask), ask_strictness),
    ];
    for (field, (t, a), strictness) in fields {
        let (Some((tv, tpos)), Some((av, apos))) = (t, a) else {
            continue;
        };
        if tv == av {
            continue;
        }
        let tools_stricter = strictness(tv) > strictness(av);
        let (file, pos, path, message) = if tools_stricter {
            (
                cfg_file,
                *tpos,
                finding::CfgPath::root().key("tools").key("exec").key(field),
                format!(
                    "tools.exec.{field} \"{tv}\" is stricter than {APPROVALS_FILE} defaults.{field} \"{av}\": \"{tv}\" applies"
                ),
            )
        } else {
            (
                appr_file,
                *apos,
                finding::CfgPath::root().key("defaults").key(field),
                format!(
                    "defaults.{field} \"{av}\" is stricter than tools.exec.{field} \"{tv}\" in {CONFIG_FILE}: \"{av}\" applies"
                ),
            )
        };
        out.push(
            Finding::at(file, pos, Severity::Note, "exec_policy_differs", Cause::ExecApprovalsInvalid, &path, message)
                .key(field)
                .does(["applies the stricter of tools.exec and exec-approvals.json, so loosening only the other one changes nothing"])
                .instead("change both if you mean to change the policy; `openclaw approvals get --gateway` shows the one in effect"),
        );
    }
    out
}

/// One unit of work: files that belong together.
struct FilePair {
    config: Option<PathBuf>,
    approvals: Option<PathBuf>,
}

fn exists_or_unreadable(p: &Path) -> bool {
    match fs::metadata(p) {
        Ok(_) => true,
        Err(e) => e.kind() != io::ErrorKind::NotFound,
    }
}

fn resolve_targets(paths: &[PathBuf]) -> Result<Vec<FilePair>, CheckError> {
    if paths.is_empty() {
        let (config, approvals) = default_paths()?;
        if !exists_or_unreadable(&config) && !exists_or_unreadable(&approvals) {
            return Err(CheckError::NoDefaultConfig { config, approvals });
        }
        return Ok(vec![FilePair {
            config: Some(config),
            approvals: Some(approvals),
        }]);
    }
    let mut targets = Vec::new();
    for p in paths {
        match fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                let config = p.join(CONFIG_FILE);
                let approvals = p.join(APPROVALS_FILE);
                if !exists_or_unreadable(&config) && !exists_or_unreadable(&approvals) {
                    return Err(CheckError::NoConfigInDir { dir: p.clone() });
                }
                targets.push(FilePair {
                    config: Some(config),
                    approvals: Some(approvals),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(CheckError::NotFound { path: p.clone() });
            }
            // A file, or something we cannot stat: `load` reports what it can.
            _ => {
                let is_approvals = p
                    .file_name()
                    .map(|n| n.to_string_lossy().contains("exec-approvals"))
                    .unwrap_or(false);
                targets.push(if is_approvals {
                    FilePair {
                        config: None,
                        approvals: Some(p.clone()),
                    }
                } else {
                    FilePair {
                        config: Some(p.clone()),
                        approvals: None,
                    }
                });
            }
        }
    }
    Ok(targets)
}

/// Checks the given paths (or OpenClaw's defaults) without modifying any file.
pub fn check_paths(paths: &[PathBuf]) -> Result<CheckReport, CheckError> {
    let mut report = CheckReport::default();
    for t in resolve_targets(paths)? {
        report.append(check_files(t.config.as_deref(), t.approvals.as_deref()));
    }
    Ok(report)
}

/// Runs the check and writes its report to `out`.
pub fn run(opts: &CheckOptions, out: &mut dyn Write) -> Result<CheckOutcome, CheckError> {
    let report = check_paths(&opts.paths)?;
    let written = if opts.json {
        render_json(&report, out)
    } else {
        render_text(&report, opts.color, out)
    };
    match written {
        Ok(()) => {}
        // `clawscan check | head` closing the pipe is not a failure of the check.
        Err(CheckError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e),
    }
    Ok(report.outcome())
}

#[cfg(test)]
mod tests;
