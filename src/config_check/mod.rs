//! Config check: validates `exec-approvals.json` and `openclaw.json` as OpenClaw reads them.
//!
//! (Being written: see issue 12. The public contract below is what `main.rs` calls.)

use std::io::Write;
use std::path::PathBuf;

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

/// How a check ended when it could read what it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Nothing to report.
    Clean,
    /// At least one finding.
    Findings,
}

impl CheckOutcome {
    /// The process exit code for this outcome (0 clean, 1 findings).
    pub fn exit_code(self) -> i32 {
        match self {
            CheckOutcome::Clean => 0,
            CheckOutcome::Findings => 1,
        }
    }
}

/// Why a check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Not written yet.
    #[error("config check is not implemented yet")]
    Unimplemented,
}

/// Runs the check and writes its report to `out`.
pub fn run(_opts: &CheckOptions, _out: &mut dyn Write) -> Result<CheckOutcome, CheckError> {
    Err(CheckError::Unimplemented)
}
