//! `clawscan report`: one paste-ready, redacted help request.
//!
//! The troubleshooting guide ends with a script that prints `openclaw --version`, the
//! raw exec-approvals.json (socket token included) and a grep of `openclaw doctor`.
//! This module builds what a helper actually needs instead, as one [`HelpReport`]:
//! the environment (OS, architecture, clawscan, `openclaw --version`, the versions
//! the logs show), the config check's findings, the diagnosis (causes with counts,
//! first and last occurrence and a few example lines), `openclaw doctor` filtered to
//! the lines that matter, and which logs were read. Every string in it passes the
//! report's redaction ([`mask`]) before it is rendered as Markdown ([`markdown`]) or
//! JSON, so nothing reaches the output unmasked.
//!
//! Submodules:
//! - [`env`](mod@env): the machine, and running `openclaw` under a deadline;
//! - [`collect`]: the scan's sink (example lines per cause, per-log spans);
//! - [`mask`]: the redaction pass (secrets, device ids, public addresses);
//! - [`markdown`]: the document, with its size limit.
//!
//! It does not find lines, decide causes or check configs: the scan runs through the
//! same [`Diagnoser`] and [`crate::drive::batch`] pipeline as `clawscan diagnose` (set up by
//! [`crate::diagnose::setup`]), and the findings come from [`crate::config_check`].

pub mod collect;
pub mod env;
pub mod markdown;
pub mod mask;

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config_check::{self, CheckReport, OcVersion, Severity};
use crate::diagnose::report::{self as diag_report, Diagnosis};
use crate::diagnose::{DiagnoseOptions, Diagnoser, setup};
use crate::read::input::{Input, InputError};
use crate::read::walk::{self, Filter, Item};
use crate::search::redact::Redactor;
use crate::search::rules::RulesError;
use crate::session::{Plan, Selection, Session, Source};

use collect::Collector;
use env::{Environment, RunStatus};
use mask::Masker;

/// The `schema` value of the JSON document; bumped on incompatible changes.
pub const SCHEMA: &str = "clawscan.report/1";
/// Default example lines per cause.
pub const DEFAULT_EXAMPLES: usize = 3;
/// Most doctor lines kept after filtering.
pub const MAX_DOCTOR_LINES: usize = 40;
/// What the doctor filter keeps (case-insensitive), the guide's grep plus `auth`.
pub const DOCTOR_FILTER: &str = "pairing|exec|approval|token|auth|error|warn";

/// What to put in a report.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Logs to read; `-` is standard input. None: see [`setup::log_inputs`].
    pub paths: Vec<OsString>,
    /// Whether standard input is a terminal (then no path means the file logs).
    pub stdin_is_terminal: bool,
    /// The config directory; `None` is OpenClaw's own.
    pub config_dir: Option<PathBuf>,
    /// Do not read the config.
    pub no_config: bool,
    /// Run `openclaw doctor`.
    pub doctor: bool,
    /// The `openclaw` binary; `None` looks it up on `path`.
    pub openclaw: Option<PathBuf>,
    /// The `PATH` to look `openclaw` up on.
    pub path: Option<OsString>,
    /// Deadline of `openclaw --version`.
    pub version_timeout: Duration,
    /// Deadline of `openclaw doctor`.
    pub doctor_timeout: Duration,
    /// The OpenClaw version for the fix texts when the log does not say.
    pub openclaw_version: Option<OcVersion>,
    /// Example lines per cause.
    pub max_examples: usize,
    /// Lines longer than this are cut by the scan.
    pub max_line_bytes: usize,
    /// The redaction key for the scan and the report alike.
    pub redactor: Redactor,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            paths: Vec::new(),
            stdin_is_terminal: false,
            config_dir: None,
            no_config: false,
            doctor: true,
            openclaw: None,
            path: std::env::var_os("PATH"),
            version_timeout: env::VERSION_TIMEOUT,
            doctor_timeout: env::DOCTOR_TIMEOUT,
            openclaw_version: None,
            max_examples: DEFAULT_EXAMPLES,
            max_line_bytes: 16 << 20,
            redactor: Redactor::new(),
        }
    }
}

/// Why a report could not be made at all (the report tolerates everything else).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The rule table did not compile (a bug).
    #[error("{0}")]
    Rules(#[from] RulesError),
    /// The scan's sink failed (it does not write, so this is a bug too).
    #[error("scan failed: {0}")]
    Scan(#[from] std::io::Error),
    /// The redaction pass could not rebuild the report (a bug).
    #[error("cannot redact the report: {0}")]
    Json(#[from] serde_json::Error),
}

/// The whole report (also the `--json` document).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HelpReport {
    /// [`SCHEMA`].
    pub schema: String,
    /// Always true: every string passed the redaction.
    pub redacted: bool,
    /// The machine and the tools.
    pub environment: Environment,
    /// The OpenClaw versions the logs and config show.
    pub versions: Versions,
    /// The diagnosis.
    pub diagnosis: DiagnosisSection,
    /// The config check.
    pub config: ConfigSection,
    /// `openclaw doctor`.
    pub doctor: DoctorSection,
    /// The logs read.
    pub logs: LogsSection,
    /// What the limits left out (example lines, doctor lines, output).
    pub cut: Vec<String>,
}

/// The OpenClaw versions the logs and config show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// The version the fix texts used, and where it came from.
    pub used: String,
    /// Every exact version seen in the logs, with where.
    pub seen: Vec<String>,
    /// `meta.lastTouchedVersion` of openclaw.json.
    pub config: Option<String>,
}

/// The diagnosis in brief.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisSection {
    /// Event lines read.
    pub events: u64,
    /// The causes, what to do first first.
    pub causes: Vec<CauseSection>,
    /// Events whose cause the log does not settle.
    pub unexplained: Vec<NoteLine>,
    /// Events that are no problem.
    pub benign: Vec<NoteLine>,
}

/// One cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CauseSection {
    /// Its identifier (`loopback_local_exec`, …).
    pub cause: String,
    /// Its title.
    pub title: String,
    /// The troubleshooting guide's variant number.
    pub guide_variant: Option<u8>,
    /// `low`, `medium` or `high`.
    pub confidence: String,
    /// Occurrences (failed connections, client error blocks, …).
    pub count: u64,
    /// Event lines attributed to it.
    pub lines: u64,
    /// Its first line.
    pub first: Option<Occurrence>,
    /// Its last line.
    pub last: Option<Occurrence>,
    /// Pairing sub-kinds (`role-upgrade`, …).
    pub sub_kinds: Vec<String>,
    /// Pairing request ids, latest last.
    pub request_ids: Vec<String>,
    /// What to do, in order.
    pub fix: Vec<String>,
    /// Causes the evidence leaves open besides this one.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// What tells this cause from the alternatives.
    #[serde(default)]
    pub tell_apart: Option<String>,
    /// The first few lines.
    pub examples: Vec<ExampleLine>,
    /// Lines attributed to it beyond the examples.
    pub examples_omitted: u64,
}

/// Where and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    /// `source:line`.
    pub at: String,
    /// The line's time, when it has one.
    pub ts: Option<String>,
}

/// A quoted line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExampleLine {
    /// `source:line`.
    pub at: String,
    /// The line (see [`collect::quote`]).
    pub text: String,
}

/// A kind of event, counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteLine {
    /// What it is.
    pub what: String,
    /// How many.
    pub count: u64,
    /// The first, `source:line`.
    pub first: String,
}

/// The config check in brief.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigSection {
    /// Whether a config was checked.
    pub checked: bool,
    /// Why not, or what was odd.
    pub note: Option<String>,
    /// Each file and what became of it.
    pub files: Vec<String>,
    /// The findings (never a secret value).
    pub findings: Vec<ConfigFindingLine>,
}

/// One config finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFindingLine {
    /// `file:line:column`.
    pub at: String,
    /// `error`, `warning` or `note`.
    pub severity: String,
    /// The finding's code (docs/config-check.md).
    pub code: String,
    /// The problem.
    pub message: String,
    /// What to do instead.
    pub instead: Option<String>,
    /// The cause it bears on.
    pub cause: Option<String>,
}

/// `openclaw doctor`, filtered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorSection {
    /// What became of the run.
    pub run: RunStatus,
    /// The filter, as a regular expression (case-insensitive).
    pub filter: String,
    /// Lines it printed.
    pub total_lines: usize,
    /// The lines the filter kept (at most [`MAX_DOCTOR_LINES`]).
    pub lines: Vec<String>,
    /// Kept lines beyond [`MAX_DOCTOR_LINES`].
    pub omitted: usize,
}

/// The logs read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogsSection {
    /// No path was given and these are OpenClaw's recent file logs.
    pub default_file_logs: bool,
    /// Where the file logs were looked for, when none was found.
    pub looked_in: Vec<String>,
    /// Each input.
    pub files: Vec<LogFile>,
    /// Inputs that could not be read.
    pub errors: Vec<String>,
    /// Bytes read (decoded).
    pub bytes_read: u64,
}

/// One input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFile {
    /// Its name (`-` for standard input).
    pub name: String,
    /// Its size on disk (standard input: the bytes read).
    pub size: Option<u64>,
    /// Event lines in it.
    pub events: u64,
    /// The first event's time.
    pub first_ts: Option<String>,
    /// The last event's time.
    pub last_ts: Option<String>,
}

/// Builds the report: probes `openclaw`, checks the config, scans the logs, runs
/// doctor, and redacts the lot. Inputs that cannot be read are passed to `on_error`
/// as they come (and listed in the report), and so are config files that cannot be
/// read (said in the config section); they do not stop it.
pub fn build(
    opts: &ReportOptions,
    on_error: &(dyn Fn(&InputError) + Sync),
) -> Result<HelpReport, ReportError> {
    let bin = match &opts.openclaw {
        Some(p) => Some(p.clone()),
        None => env::find_on_path("openclaw", opts.path.as_deref()),
    };
    let environment = env::probe(bin.as_deref(), opts.version_timeout);

    let mut diag = Diagnoser::new(&DiagnoseOptions {
        openclaw_version: opts.openclaw_version,
    });
    // The release `openclaw --version` names is the one the fix must suit: the
    // report's Environment and Diagnosis then tell one story.
    if let Some(v) = environment.openclaw_version.as_deref() {
        diag.set_installed_version(v);
    }
    let mut config_version = None;
    let (config, config_file) = if opts.no_config {
        (
            ConfigSection {
                checked: false,
                note: Some("not read (--no-config)".to_string()),
                files: Vec::new(),
                findings: Vec::new(),
            },
            None,
        )
    } else {
        let read = setup::read_config(opts.config_dir.as_deref());
        config_version = read
            .report
            .iter()
            .flat_map(|r| &r.files)
            .find_map(|f| f.last_touched_version.clone());
        // A file that could not be read is said so in the section and passed to
        // `on_error` (stderr), never turned into findings.
        let warning = match (read.warning, read.errors.is_empty()) {
            (w, true) => w,
            (w, false) => Some(
                w.into_iter()
                    .chain(read.errors.iter().map(ToString::to_string))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        for e in &read.errors {
            on_error(&InputError {
                name: e.path.clone(),
                message: e.message.clone(),
                source: None,
            });
        }
        let section = config_section(read.report.as_ref(), warning);
        if let Some(r) = read.report {
            diag.add_config(r);
        }
        (section, read.config_file)
    };

    let logs_in = setup::log_inputs(&opts.paths, opts.stdin_is_terminal, config_file.as_deref());
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut bytes_read = 0;
    let mut cut: Vec<String> = Vec::new();
    let (collector, diagnosis) = if logs_in.inputs.is_empty() {
        (Collector::new(0), diag.report())
    } else {
        let mut plan = Plan::new(diag, Some(Selection::default()));
        plan.search.max_line_bytes = opts.max_line_bytes;
        plan.redactor = Some(opts.redactor.clone());
        let session = Session::new(plan, Collector::new(opts.max_examples))?;
        let note = |e: &InputError| {
            errors
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.to_string());
            on_error(e);
        };
        let finished = session.run(Source::Inputs(&logs_in.inputs), &note);
        if let Some(e) = finished.output_error {
            return Err(e.into());
        }
        bytes_read = finished.totals.bytes;
        let report = finished.diagnoser.report();
        (finished.output, report)
    };
    let errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());

    let doctor = doctor_section(opts, bin.as_deref(), &environment.openclaw, &mut cut);
    let logs = logs_section(&logs_in, &collector, errors, bytes_read);
    let versions = Versions {
        used: diag_report::version_line(&diagnosis.version),
        seen: diagnosis
            .version
            .seen
            .iter()
            .map(|s| format!("{} ({} at {})", s.version, s.how, s.at))
            .collect(),
        config: config_version,
    };
    let diagnosis = diagnosis_section(&diagnosis, &collector, &mut cut);
    let report = HelpReport {
        schema: SCHEMA.to_string(),
        redacted: true,
        environment,
        versions,
        diagnosis,
        config,
        doctor,
        logs,
        cut,
    };
    redact(report, opts.redactor.clone())
}

/// Every string of the report through one masker for the whole document: a value
/// masked in one place is masked in all (see [`Masker::for_document`]).
fn redact(report: HelpReport, redactor: Redactor) -> Result<HelpReport, ReportError> {
    let value = serde_json::to_value(&report)?;
    let masker = Masker::for_document(redactor, &value);
    Ok(serde_json::from_value(masker.value(value))?)
}

fn config_section(report: Option<&CheckReport>, warning: Option<String>) -> ConfigSection {
    let Some(r) = report else {
        return ConfigSection {
            checked: false,
            note: Some(warning.unwrap_or_else(|| {
                "no OpenClaw config found (looked where OpenClaw reads it: $OPENCLAW_CONFIG_PATH, $OPENCLAW_STATE_DIR or ~/.openclaw)".to_string()
            })),
            files: Vec::new(),
            findings: Vec::new(),
        };
    };
    ConfigSection {
        checked: true,
        note: warning,
        files: r.files.iter().map(config_check::file_summary).collect(),
        findings: r
            .findings
            .iter()
            .map(|f| ConfigFindingLine {
                at: match (f.line, f.column) {
                    (Some(l), Some(c)) => format!("{}:{l}:{c}", f.file),
                    _ => f.file.clone(),
                },
                severity: f.severity.as_str().to_string(),
                code: f.code.to_string(),
                message: f.message.clone(),
                instead: f.instead.clone(),
                cause: (f.cause != crate::Cause::Unknown && f.severity != Severity::Note)
                    .then(|| f.cause.as_str().to_string()),
            })
            .collect(),
    }
}

fn doctor_section(
    opts: &ReportOptions,
    bin: Option<&std::path::Path>,
    version_run: &RunStatus,
    cut: &mut Vec<String>,
) -> DoctorSection {
    let mut section = DoctorSection {
        run: RunStatus::NotFound,
        filter: DOCTOR_FILTER.to_string(),
        total_lines: 0,
        lines: Vec::new(),
        omitted: 0,
    };
    let Some(bin) = bin else {
        return section;
    };
    if !opts.doctor {
        section.run = RunStatus::Skipped {
            reason: "--no-doctor".to_string(),
        };
        return section;
    }
    if !matches!(version_run, RunStatus::Exited { .. }) {
        // A binary that cannot say its version in time will not get through doctor.
        section.run = RunStatus::Skipped {
            reason: "`openclaw --version` did not answer".to_string(),
        };
        return section;
    }
    let run = env::run_with_timeout(bin, &["doctor"], opts.doctor_timeout);
    if run.dropped_bytes > 0 {
        cut.push(format!(
            "{} bytes of `openclaw doctor` output past the first {} KiB",
            run.dropped_bytes,
            env::MAX_OUTPUT_BYTES >> 10
        ));
    }
    section.run = run.status;
    let lines: Vec<&str> = run.output.lines().collect();
    section.total_lines = lines.len();
    let keep = doctor_filter();
    let kept: Vec<String> = lines
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| keep.is_match(l))
        .map(|l| crate::text::cut(l, collect::MAX_EXAMPLE_CHARS))
        .collect();
    section.omitted = kept.len().saturating_sub(MAX_DOCTOR_LINES);
    if section.omitted > 0 {
        cut.push(format!(
            "{} matching `openclaw doctor` lines past the first {MAX_DOCTOR_LINES}",
            section.omitted
        ));
    }
    section.lines = kept.into_iter().take(MAX_DOCTOR_LINES).collect();
    section
}

fn doctor_filter() -> &'static regex::Regex {
    // A fixed pattern (a unit test compiles it): failing here is a bug in this file.
    #[allow(clippy::expect_used)]
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(&format!("(?i){DOCTOR_FILTER}")).expect("doctor filter")
    });
    &RE
}

fn logs_section(
    logs_in: &setup::LogInputs,
    collector: &Collector,
    errors: Vec<String>,
    bytes_read: u64,
) -> LogsSection {
    // The inputs as the scan expanded them (directories into their log files); the
    // read errors come from the scan itself.
    let items = walk::expand(&logs_in.inputs, &Filter::default());
    let only_stdin = logs_in.inputs.iter().all(|i| *i == Input::Stdin);
    let files = items
        .iter()
        .filter_map(|it| match it {
            Item::Scan {
                input,
                regular_size,
            } => Some((input.name(), *regular_size)),
            Item::Error(_) | Item::Note(_) => None,
        })
        .map(|(name, size)| {
            let ev = collector
                .sources
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            LogFile {
                size: size.or((only_stdin && &*name == "-").then_some(bytes_read)),
                name: name.to_string(),
                events: ev.events,
                first_ts: ev.first_ts,
                last_ts: ev.last_ts,
            }
        })
        .collect();
    LogsSection {
        default_file_logs: !logs_in.file_logs.is_empty(),
        looked_in: logs_in
            .looked_in
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        files,
        errors,
        bytes_read,
    }
}

fn diagnosis_section(
    report: &Diagnosis,
    collector: &Collector,
    cut: &mut Vec<String>,
) -> DiagnosisSection {
    let mut omitted_total = 0;
    let causes = report
        .causes
        .iter()
        .map(|c| {
            let lines = collector.causes.get(&c.cause);
            let occurrence = |line: Option<&collect::Line>, loc: Option<&crate::diagnose::Loc>| {
                match (line, loc) {
                    (Some(l), _) => Some(Occurrence {
                        at: l.at.to_string(),
                        ts: l.ts.clone(),
                    }),
                    (None, Some(loc)) => Some(Occurrence {
                        at: loc.to_string(),
                        ts: None,
                    }),
                    (None, None) => None,
                }
            };
            let examples: Vec<ExampleLine> = lines
                .map(|l| {
                    l.examples
                        .iter()
                        .map(|e| ExampleLine {
                            at: e.at.to_string(),
                            text: e.text.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let omitted = lines.map_or(0, |l| l.total.saturating_sub(examples.len() as u64));
            omitted_total += omitted;
            CauseSection {
                cause: c.cause.as_str().to_string(),
                title: c.title.to_string(),
                guide_variant: c.guide_variant,
                confidence: c.confidence.as_str().to_string(),
                count: c.count,
                lines: c.records,
                first: occurrence(lines.and_then(|l| l.first.as_ref()), c.first.as_ref()),
                last: occurrence(lines.and_then(|l| l.last.as_ref()), c.last.as_ref()),
                sub_kinds: c.sub_kinds.iter().map(|s| s.to_string()).collect(),
                request_ids: c.request_ids.clone(),
                fix: c.fix.clone(),
                alternatives: c
                    .alternatives
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .collect(),
                tell_apart: c.tell_apart.map(str::to_string),
                examples,
                examples_omitted: omitted,
            }
        })
        .collect();
    if omitted_total > 0 {
        cut.push(format!(
            "{omitted_total} event lines beyond the examples shown per cause (run `clawscan diagnose` or `clawscan` on the logs for all of them)"
        ));
    }
    let notes = |v: &[diag_report::NoteReport]| -> Vec<NoteLine> {
        v.iter()
            .map(|n| NoteLine {
                what: n.what.to_string(),
                count: n.count,
                first: n.first.to_string(),
            })
            .collect()
    };
    DiagnosisSection {
        events: report.events,
        causes,
        unexplained: notes(&report.unexplained),
        benign: notes(&report.benign),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctor_filter_keeps_the_guides_words() {
        let re = doctor_filter();
        for l in [
            "Exec approvals: ok",
            "WARNING: gateway.bind legacy",
            "pairing: 1 pending",
            "Gateway auth: token",
            "Error: cannot reach gateway",
        ] {
            assert!(re.is_match(l), "{l}");
        }
        assert!(!re.is_match("Node 22.3.0"));
    }
}
