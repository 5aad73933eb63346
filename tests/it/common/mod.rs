//! Helpers shared by the integration tests that run the `clawscan` binary.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_clawscan");

/// The crate root, where `testdata/` is.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the crate root (so `source` in records is the relative path),
/// feeding `stdin` from a thread when given, else no standard input.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(root()).env_remove("NO_COLOR");
    start(cmd, stdin).wait_with_output().unwrap()
}

/// Starts `cmd` with its output piped, feeding `stdin` from a thread when given,
/// else no standard input.
pub fn start(mut cmd: Command, stdin: Option<&[u8]>) -> Child {
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    child
}

/// Standard output as UTF-8 (records are always UTF-8).
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Standard error, lossily.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every output line parsed as JSON.
pub fn records(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Sends SIGINT (what Ctrl-C sends) to a running clawscan.
pub fn interrupt(pid: u32) {
    let ok = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success());
}

/// Makes a FIFO (named pipe) at `path`.
pub fn mkfifo(path: &std::path::Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo failed");
}
