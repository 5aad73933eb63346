//! What a diagnosis reads before it starts: OpenClaw's config, and which logs.
//!
//! This module owns the choices `clawscan diagnose` and `clawscan report` share:
//! where the config is read from (a directory, or
//! OpenClaw's own state directory), and which inputs are read when none is given
//! (standard input, or the gateway's recent file logs when standard input is a
//! terminal). It does not run the search or print anything: callers decide what a
//! missing config or log means to them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::config_check::{self, CheckReport, FileStatus};
use crate::read::input::Input;

use super::logfiles;

/// OpenClaw's config as a diagnosis reads it.
#[derive(Clone, Debug, Default)]
pub struct ConfigRead {
    /// The check of the files that were there (`None`: neither file exists, or the
    /// state directory is unknown).
    pub report: Option<CheckReport>,
    /// Where openclaw.json is (or would be), for `logging.file`.
    pub config_file: Option<PathBuf>,
    /// Why a directory that was asked for gave nothing, for the user.
    pub warning: Option<String>,
    /// Config files that are there but could not be read (`PATH: reason`), for
    /// stderr. They are not in `report`: a file nobody could read says nothing about
    /// the config, so it must not become a finding, nor a cause.
    pub errors: Vec<ConfigError>,
}

/// A config file that is there but could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// Why, for people (`could not be read: …`).
    pub message: String,
}

/// Checks the config in `dir`, or where OpenClaw itself reads it when `dir` is
/// `None`. Never fails: what could not be read is in the report, or the warning.
pub fn read_config(dir: Option<&Path>) -> ConfigRead {
    let mut out = ConfigRead::default();
    let report = match dir {
        Some(dir) => {
            out.config_file = Some(dir.join(config_check::CONFIG_FILE));
            let r = config_check::check_dir(dir);
            if !r.found_any_file() {
                out.warning = Some(format!(
                    "{}: no OpenClaw config here (neither {} nor {})",
                    dir.display(),
                    config_check::CONFIG_FILE,
                    config_check::APPROVALS_FILE
                ));
            }
            Some(r)
        }
        None => {
            out.config_file = config_check::default_paths().ok().map(|(c, _)| c);
            config_check::check_default().ok()
        }
    };
    out.report = report
        .map(|r| without_unreadable(r, &mut out.errors))
        .filter(|r| r.found_any_file());
    out
}

/// `report` without its unreadable files and their findings, which go to `errors`.
fn without_unreadable(mut report: CheckReport, errors: &mut Vec<ConfigError>) -> CheckReport {
    let unreadable: Vec<String> = report
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Unreadable)
        .map(|f| f.path.clone())
        .collect();
    if unreadable.is_empty() {
        return report;
    }
    for path in &unreadable {
        let why = report
            .findings
            .iter()
            .find(|f| f.file == *path && f.code == UNREADABLE)
            .map_or_else(|| "could not be read".to_string(), |f| f.message.clone());
        errors.push(ConfigError {
            path: path.clone(),
            message: why,
        });
    }
    report.files.retain(|f| f.status != FileStatus::Unreadable);
    report.findings.retain(|f| !unreadable.contains(&f.file));
    report
}

/// The finding code of a config file that could not be read.
const UNREADABLE: &str = "file_unreadable";

/// The logs a diagnosis reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogInputs {
    /// The inputs, in order.
    pub inputs: Vec<Input>,
    /// The file logs found because no input was given (empty otherwise).
    pub file_logs: Vec<PathBuf>,
    /// Where the file logs were looked for, when none was found (the inputs are then
    /// empty).
    pub looked_in: Vec<PathBuf>,
}

/// The inputs for `paths`: the paths as given (`-` is standard input); with none,
/// standard input, or OpenClaw's recent file logs when standard input is a terminal
/// (`config_file` may set `logging.file`).
pub fn log_inputs(
    paths: &[OsString],
    stdin_is_terminal: bool,
    config_file: Option<&Path>,
) -> LogInputs {
    if !paths.is_empty() {
        return LogInputs {
            inputs: paths.iter().map(|p| Input::from_arg(p)).collect(),
            ..LogInputs::default()
        };
    }
    if !stdin_is_terminal {
        return LogInputs {
            inputs: vec![Input::Stdin],
            ..LogInputs::default()
        };
    }
    let found = logfiles::find(config_file);
    if found.files.is_empty() {
        return LogInputs {
            looked_in: found.looked_in,
            ..LogInputs::default()
        };
    }
    LogInputs {
        inputs: found.files.iter().cloned().map(Input::Path).collect(),
        file_logs: found.files,
        looked_in: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_win_then_stdin() {
        let got = log_inputs(&[OsString::from("a.log"), OsString::from("-")], true, None);
        assert_eq!(
            got.inputs,
            vec![Input::Path(PathBuf::from("a.log")), Input::Stdin]
        );
        assert!(got.file_logs.is_empty());
        let got = log_inputs(&[], false, None);
        assert_eq!(got.inputs, vec![Input::Stdin]);
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_config_is_an_error_not_a_finding() {
        // A link to itself: unreadable even for root, whom permissions do not stop.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(config_check::CONFIG_FILE);
        std::os::unix::fs::symlink(&file, &file).unwrap();
        let got = read_config(Some(dir.path()));
        assert!(got.report.is_none(), "{:?}", got.report);
        assert_eq!(got.errors.len(), 1, "{:?}", got.errors);
        assert!(
            got.errors[0].message.contains("could not be read"),
            "{:?}",
            got.errors
        );
    }

    #[test]
    fn an_empty_config_dir_warns() {
        let dir = tempfile::tempdir().unwrap();
        let got = read_config(Some(dir.path()));
        assert!(got.report.is_none());
        assert!(got.warning.unwrap().contains("no OpenClaw config here"));
        assert_eq!(
            got.config_file,
            Some(dir.path().join(config_check::CONFIG_FILE))
        );
    }
}
