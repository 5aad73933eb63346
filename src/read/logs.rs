//! What a log file is called: the one place the names of log files are decided.
//!
//! Three rules, from widest to narrowest, each for its own reader:
//! - [`is_log_name`]: any log file a directory argument may hold, rotated or
//!   compressed (`gateway.log.1`, `x.jsonl.gz`); what a batch scan reads by default;
//! - [`LIVE_LOG_GLOBS`]: a log file being written now (`*.log`, `*.jsonl`, never a
//!   rotation: `gateway.log.1` is not the live log); what `--follow DIR` watches;
//! - [`is_openclaw_file_log`]: OpenClaw's own daily file log
//!   (`openclaw-2026-04-11.log`); what `diagnose` with no input reads.
//!
//! It is vocabulary: it imports nothing from the crate and does not list, open or
//! read files (`walk`, `follow` and `diagnose::logfiles` do).

use std::ffi::OsStr;

/// The extensions of a log file, before any rotation or compression suffix.
pub const LOG_EXTENSIONS: [&str; 2] = [".log", ".jsonl"];

/// The names a live log file matches, as globs (the [`LOG_EXTENSIONS`] with
/// nothing after them; matched as written, case and all).
pub const LIVE_LOG_GLOBS: [&str; 2] = ["*.log", "*.jsonl"];

/// The extensions of compressed logs, which are decoded whatever their name says.
const COMPRESSED: [&str; 3] = [".gz", ".zst", ".zstd"];

/// Whether a file name looks like a log file: `*.log` or `*.jsonl`, optionally
/// rotated (`gateway.log.1`, `openclaw-2026-04-11.log.2`, logrotate's dateext
/// `gateway.log-20260411`), optionally compressed (`.gz`, `.zst`, `.zstd`). Case is
/// ignored. `.txt`, `.ndjson` (clawscan's own output) and the rest are not logs.
pub fn is_log_name(name: &OsStr) -> bool {
    let lower = name.to_string_lossy().to_ascii_lowercase();
    let mut s = lower.as_str();
    for ext in COMPRESSED {
        if let Some(t) = s.strip_suffix(ext) {
            s = t;
            break;
        }
    }
    LOG_EXTENSIONS.iter().any(|ext| {
        s.rfind(ext).is_some_and(|i| {
            let rest = &s[i + ext.len()..];
            rest.is_empty() || is_rotation_suffix(rest)
        })
    })
}

/// `.1`, `.12`, `-20260411`, `-2026-04-11`, `.2026-04-11_0930`: a separator, a digit,
/// then digits and separators.
fn is_rotation_suffix(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() >= 2
        && matches!(b[0], b'.' | b'-' | b'_')
        && b[1].is_ascii_digit()
        && b[2..]
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_'))
}

/// Whether a file name is OpenClaw's own file log: `openclaw-YYYY-MM-DD.log` (and
/// any `openclaw*.log`). Narrower than [`is_log_name`] on purpose: in a shared
/// directory such as `/tmp/openclaw/` only the gateway's own logs are the diagnosis's
/// evidence, and OpenClaw prunes them after a day rather than rotating or
/// compressing them.
pub fn is_openclaw_file_log(name: &OsStr) -> bool {
    let n = name.to_string_lossy();
    n.starts_with("openclaw") && n.ends_with(".log")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_filter_names() {
        for yes in [
            "gateway.log",
            "gateway.LOG",
            "openclaw-2026-04-11.log",
            "file.jsonl",
            "gateway.log.1",
            "openclaw-2026-04-11.log.2",
            "gateway.log.1.gz",
            "gateway.log-20260411",
            "gateway.log-2026-04-11.zst",
            "x.jsonl.gz",
            "x.log.zstd",
        ] {
            assert!(is_log_name(OsStr::new(yes)), "{yes}");
        }
        for no in [
            "notes.txt",
            "out.ndjson",
            "README.md",
            "gateway.log.old",
            "catalog",
            "x.gz",
            "logs",
            "a.log.",
            "a.log.x1",
        ] {
            assert!(!is_log_name(OsStr::new(no)), "{no}");
        }
    }

    #[test]
    fn live_globs_are_the_extensions() {
        for (glob, ext) in LIVE_LOG_GLOBS.iter().zip(LOG_EXTENSIONS) {
            assert_eq!(glob.strip_prefix('*'), Some(ext));
        }
    }

    #[test]
    fn openclaw_file_logs() {
        for yes in ["openclaw-2026-04-11.log", "openclaw.log"] {
            assert!(is_openclaw_file_log(OsStr::new(yes)), "{yes}");
            assert!(is_log_name(OsStr::new(yes)), "{yes}");
        }
        for no in ["gateway.log", "openclaw-2026-04-11.log.1", "openclaw.jsonl"] {
            assert!(!is_openclaw_file_log(OsStr::new(no)), "{no}");
        }
    }
}
