//! Where OpenClaw writes its file logs, for `clawscan diagnose` with no input.
//!
//! This module owns finding the gateway's recent file logs (facts file §1):
//! `logging.file` from openclaw.json when set, else `/tmp/openclaw/openclaw-YYYY-MM-DD.log`,
//! else the per-user fallback `<tmpdir>/openclaw-<uid>/`. OpenClaw prunes these after
//! 24 hours, so "recent" is the newest few files. It never writes or deletes anything.
//!
//! It does not read the logs (the search does).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::config_check::json5::{self, Dialect};
use crate::read::logs::is_openclaw_file_log;

/// Most files read by default (today's, yesterday's, and one more).
const MAX_FILES: usize = 3;
/// Files older than this are not "recent" (OpenClaw prunes after 24 h; a
/// long-running gateway keeps writing into its start-day file, #29594).
const RECENT: Duration = Duration::from_secs(72 * 3600);

/// The file logs found, and where clawscan looked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFiles {
    /// The files to read, oldest first.
    pub files: Vec<PathBuf>,
    /// Every place looked at, in order (for the message when nothing is found).
    pub looked_in: Vec<PathBuf>,
}

/// Finds the recent file logs. `config` is openclaw.json (for `logging.file`).
pub fn find(config: Option<&Path>) -> LogFiles {
    let mut out = LogFiles::default();
    if let Some(cfg) = config
        && let Some(file) = logging_file(cfg)
    {
        out.looked_in.push(file.clone());
        if file.is_file() {
            out.files.push(file);
            return out;
        }
        if file.is_dir() {
            out.files = recent_in(&file);
            if !out.files.is_empty() {
                return out;
            }
        }
    }
    let mut dirs = vec![PathBuf::from("/tmp/openclaw")];
    let tmp = std::env::temp_dir();
    if let Some(uid) = uid() {
        dirs.push(tmp.join(format!("openclaw-{uid}")));
    }
    if tmp != Path::new("/tmp") {
        dirs.push(tmp.join("openclaw"));
    }
    for d in dirs {
        out.looked_in.push(d.clone());
        let files = recent_in(&d);
        if !files.is_empty() {
            out.files = files;
            return out;
        }
    }
    out
}

/// `logging.file` from openclaw.json (JSON5), `~` expanded.
fn logging_file(config: &Path) -> Option<PathBuf> {
    let meta = fs::metadata(config).ok()?;
    if meta.len() > crate::config_check::MAX_FILE_BYTES {
        return None;
    }
    let text = fs::read_to_string(config).ok()?;
    let root = json5::parse(&text, Dialect::Json5).ok()?;
    let file = root
        .get("logging")?
        .value
        .get("file")?
        .value
        .as_str()?
        .to_string();
    if let Some(rest) = file.strip_prefix("~/") {
        let home = std::env::var_os("HOME")?;
        return Some(PathBuf::from(home).join(rest));
    }
    Some(PathBuf::from(file))
}

/// The newest OpenClaw file logs in `dir` ([`is_openclaw_file_log`]), oldest first.
fn recent_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let now = SystemTime::now();
    let mut found: Vec<(SystemTime, PathBuf)> = rd
        .filter_map(Result::ok)
        .filter(|e| is_openclaw_file_log(&e.file_name()))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            m.is_file()
                .then_some((m.modified().unwrap_or(now), e.path()))
        })
        .collect();
    found.sort();
    let recent: Vec<PathBuf> = found
        .iter()
        .filter(|(t, _)| now.duration_since(*t).unwrap_or_default() <= RECENT)
        .map(|(_, p)| p.clone())
        .collect();
    let mut files = if recent.is_empty() {
        // Nothing recent: the newest file still tells something.
        found
            .last()
            .map(|(_, p)| vec![p.clone()])
            .unwrap_or_default()
    } else {
        recent
    };
    if files.len() > MAX_FILES {
        files.drain(..files.len() - MAX_FILES);
    }
    files
}

/// The current user's id, for the per-user fallback directory. Read from the
/// owner of `/proc/self` (no libc needed); `None` where that does not exist.
fn uid() -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata("/proc/self").ok().map(|m| m.uid())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_file_from_config_wins() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("gw.log");
        fs::write(&log, "x\n").unwrap();
        let cfg = dir.path().join("openclaw.json");
        fs::write(
            &cfg,
            format!("{{ // json5\n logging: {{ file: '{}' }}, }}", log.display()),
        )
        .unwrap();
        let found = find(Some(&cfg));
        assert_eq!(found.files, vec![log]);
    }

    #[test]
    fn newest_files_of_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        for d in 1..=5 {
            fs::write(dir.path().join(format!("openclaw-2026-04-0{d}.log")), "x\n").unwrap();
        }
        fs::write(dir.path().join("other.txt"), "x\n").unwrap();
        let files = recent_in(dir.path());
        assert_eq!(files.len(), MAX_FILES);
        assert!(files.iter().all(|f| f.to_string_lossy().ends_with(".log")));
    }
}
