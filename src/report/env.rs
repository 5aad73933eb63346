//! The report's environment: the machine, clawscan, and the `openclaw` binary.
//!
//! This module owns finding `openclaw` on `PATH` and running it (`--version`,
//! `doctor`) under a deadline: the child's standard input is closed, its stdout and
//! stderr share one pipe (as `2>&1`, so lines keep their order) read on a thread, and
//! when the deadline passes the child is killed with its whole process group (what
//! it started, such as a wrapper script's `sleep`), and whatever it printed so far is
//! kept. A process that left the group may still hold the pipe: the reader is then
//! left behind rather than waited for, so a report never hangs. Nothing here fails
//! the report: a missing binary, a failed spawn or a timeout is a [`RunStatus`].
//!
//! It does not filter or redact the output (the report does).

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How long `openclaw --version` may take.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `openclaw doctor` may take (it checks services and may be slow).
pub const DOCTOR_TIMEOUT: Duration = Duration::from_secs(20);
/// Most output kept from one run of `openclaw`; the rest is read and dropped.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;
/// How long to wait for the pipes to close after the child has exited.
const DRAIN_GRACE: Duration = Duration::from_millis(300);

/// What became of running a program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum RunStatus {
    /// The program is not on `PATH`.
    NotFound,
    /// Not run (`--no-doctor`, or the binary did not answer `--version`).
    Skipped {
        /// Why.
        reason: String,
    },
    /// It could not be started.
    Failed {
        /// Why.
        error: String,
    },
    /// It ran to its end.
    Exited {
        /// Its exit code (`None` when a signal ended it).
        code: Option<i32>,
    },
    /// It was killed at the deadline.
    TimedOut {
        /// The deadline, in seconds.
        after_secs: u64,
    },
}

impl RunStatus {
    /// The status in words, for the report.
    pub fn describe(&self, what: &str) -> String {
        match self {
            RunStatus::NotFound => "not found (no `openclaw` on PATH)".to_string(),
            RunStatus::Skipped { reason } => format!("not run: {reason}"),
            RunStatus::Failed { error } => format!("`{what}` could not be started: {error}"),
            RunStatus::Exited { code: Some(0) } => format!("`{what}` exited with status 0"),
            RunStatus::Exited { code: Some(c) } => format!("`{what}` exited with status {c}"),
            RunStatus::Exited { code: None } => format!("`{what}` was ended by a signal"),
            RunStatus::TimedOut { after_secs } => {
                format!("`{what}` did not finish within {after_secs} s and was stopped")
            }
        }
    }
}

/// A program's run: its status and its output (stdout and stderr, by lines as they
/// came, ANSI escapes removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    /// What became of it.
    pub status: RunStatus,
    /// What it printed (lossy UTF-8).
    pub output: String,
    /// Output bytes dropped past [`MAX_OUTPUT_BYTES`].
    pub dropped_bytes: u64,
}

impl RunOutput {
    fn status(status: RunStatus) -> RunOutput {
        RunOutput {
            status,
            output: String::new(),
            dropped_bytes: 0,
        }
    }
}

/// The first `name` on `path` (a `PATH` value) that is an executable file. On
/// Windows the usual extensions are tried (`openclaw.cmd` is what npm installs).
pub fn find_on_path(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    let path = path?;
    let names: Vec<String> = if cfg!(windows) {
        ["exe", "cmd", "bat", "com"]
            .iter()
            .map(|e| format!("{name}.{e}"))
            .chain(std::iter::once(name.to_string()))
            .collect()
    } else {
        vec![name.to_string()]
    };
    std::env::split_paths(path)
        .filter(|d| !d.as_os_str().is_empty())
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Output read so far.
#[derive(Default)]
struct Captured {
    bytes: Vec<u8>,
    dropped: u64,
}

impl Captured {
    fn push(&mut self, chunk: &[u8]) {
        let take = chunk
            .len()
            .min(MAX_OUTPUT_BYTES.saturating_sub(self.bytes.len()));
        self.bytes.extend_from_slice(&chunk[..take]);
        self.dropped += (chunk.len() - take) as u64;
    }

    fn text(&self) -> String {
        let plain = crate::search::ansi::strip(&self.bytes);
        String::from_utf8_lossy(&plain).replace("\r\n", "\n")
    }
}

/// Kills `child` and every process in its group (it leads one, see
/// [`run_with_timeout`]).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: `kill` takes plain integers; a negative pid names the process group
        // the child leads, which nothing else is in (it was made for this child).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    // The child itself, also where there are no process groups.
    let _ = child.kill();
}

/// Runs `program args` with standard input closed and no colour asked for, killing
/// it and the processes it started at `timeout`. Never blocks past `timeout` plus a
/// fraction of a second.
pub fn run_with_timeout(program: &Path, args: &[&str], timeout: Duration) -> RunOutput {
    let failed = |e: &std::io::Error| {
        RunOutput::status(RunStatus::Failed {
            error: crate::read::input::describe(e),
        })
    };
    // One pipe for both streams, as `2>&1`: the lines keep the order they were written in.
    let (mut reader, writer) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    let writer_too = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return failed(&e),
    };
    // The `Command` (holding this process's copies of the write end) is dropped at the
    // end of the statement, so the reader sees end of file when the child is done.
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_too)
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0");
    // Its own process group, so that a timeout can end whatever it started too
    // (`openclaw` is a Node script that runs others; killing only the first process
    // would leave them running, holding the output pipe).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let spawned = command.spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return failed(&e),
    };
    let captured = Arc::new(Mutex::new(Captured::default()));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let into = Arc::clone(&captured);
    let reading = std::thread::Builder::new()
        .name("openclaw-output".into())
        .spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => into
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(&buf[..n]),
                }
            }
            drop(done_tx);
        })
        .is_ok();
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break RunStatus::Exited { code: st.code() },
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                let _ = child.wait();
                break RunStatus::TimedOut {
                    after_secs: timeout.as_secs_f64().ceil() as u64,
                };
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                kill_group(&mut child);
                let _ = child.wait();
                break RunStatus::Failed {
                    error: crate::read::input::describe(&e),
                };
            }
        }
    };
    // The pipe closes when the last process holding it ends; a grandchild may hold it
    // for longer, and its output is not waited for.
    if reading {
        let _ = done_rx.recv_timeout(DRAIN_GRACE);
    }
    let cap = captured.lock().unwrap_or_else(PoisonError::into_inner);
    RunOutput {
        status,
        output: cap.text(),
        dropped_bytes: cap.dropped,
    }
}

/// The machine and the tools, as the report's first section shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// The operating system family (`linux`, `macos`, `windows`).
    pub os: String,
    /// Its release, when it can be read (`/etc/os-release`, `sw_vers`).
    pub os_version: Option<String>,
    /// The CPU architecture (`x86_64`, `aarch64`).
    pub arch: String,
    /// This clawscan's version.
    pub clawscan_version: String,
    /// What `openclaw --version` answered.
    pub openclaw: RunStatus,
    /// Its first line of output, when it printed one.
    pub openclaw_version: Option<String>,
}

/// Reads the environment and asks `openclaw` (the binary at `openclaw`, `None` when
/// it is not on `PATH`) for its version. Returns the doctor-relevant run too, so the
/// caller can skip `doctor` for a binary that hangs.
pub fn probe(openclaw: Option<&Path>, timeout: Duration) -> Environment {
    let (status, version) = match openclaw {
        None => (RunStatus::NotFound, None),
        Some(bin) => {
            let run = run_with_timeout(bin, &["--version"], timeout);
            let first = run
                .output
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(|l| crate::text::prefix(l, 200).to_string());
            (run.status, first)
        }
    };
    Environment {
        os: std::env::consts::OS.to_string(),
        os_version: os_version(),
        arch: std::env::consts::ARCH.to_string(),
        clawscan_version: env!("CARGO_PKG_VERSION").to_string(),
        openclaw: status,
        openclaw_version: version,
    }
}

/// The OS release in words, best effort.
fn os_version() -> Option<String> {
    if cfg!(target_os = "linux") {
        let text = std::fs::read_to_string("/etc/os-release").ok()?;
        return os_release_name(&text);
    }
    if cfg!(target_os = "macos") {
        let run = run_with_timeout(
            Path::new("/usr/bin/sw_vers"),
            &["-productVersion"],
            Duration::from_secs(2),
        );
        let v = run.output.trim();
        return (!v.is_empty()).then(|| format!("macOS {v}"));
    }
    None
}

/// `PRETTY_NAME` (else `NAME` and `VERSION_ID`) of an os-release file.
fn os_release_name(text: &str) -> Option<String> {
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    };
    get("PRETTY_NAME").or_else(|| {
        let name = get("NAME")?;
        Some(match get("VERSION_ID") {
            Some(v) => format!("{name} {v}"),
            None => name,
        })
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn finds_the_first_executable_on_path() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join("openclaw"), "not executable").unwrap();
        let want = script(b.path(), "openclaw", "exit 0");
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        assert_eq!(find_on_path("openclaw", Some(&path)), Some(want));
        assert_eq!(find_on_path("openclaw", Some(a.path().as_os_str())), None);
        assert_eq!(find_on_path("openclaw", None), None);
    }

    #[test]
    fn both_streams_in_order_without_colour() {
        let d = tempfile::tempdir().unwrap();
        let p = script(
            d.path(),
            "x",
            "echo one; echo two >&2; printf '\\033[31mred\\033[0m\\nlast'; exit 3",
        );
        let run = run_with_timeout(&p, &[], Duration::from_secs(5));
        assert_eq!(run.status, RunStatus::Exited { code: Some(3) });
        // One pipe: the streams keep the order they were written in; colour is gone.
        assert_eq!(run.output, "one\ntwo\nred\nlast");
    }

    #[test]
    fn a_hanging_child_is_stopped_even_when_a_grandchild_holds_the_pipe() {
        let d = tempfile::tempdir().unwrap();
        // `sleep` without exec: the shell's child keeps stdout open after the kill.
        let p = script(d.path(), "x", "echo started; sleep 30; echo never");
        let t = Instant::now();
        let run = run_with_timeout(&p, &[], Duration::from_millis(500));
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(run.status, RunStatus::TimedOut { after_secs: 1 });
        assert!(run.output.contains("started"), "{:?}", run.output);
        assert!(!run.output.contains("never"));
    }

    #[test]
    fn a_missing_program_is_a_failure_not_a_panic() {
        let run = run_with_timeout(Path::new("/no/such/openclaw"), &[], Duration::from_secs(1));
        assert!(matches!(run.status, RunStatus::Failed { .. }));
    }

    #[test]
    fn os_release() {
        let t = "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
        assert_eq!(
            os_release_name(t).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(
            os_release_name("NAME=Alpine\nVERSION_ID=3.20\n").as_deref(),
            Some("Alpine 3.20")
        );
    }
}
