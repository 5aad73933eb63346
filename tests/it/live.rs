//! Live use: `--follow` through appends, rotation and truncation; `--stats` lines in
//! JSON and Prometheus text; `--format text`; completions and the man page.
//!
//! Follow tests run the binary in a temp dir and wait for records with a bounded
//! deadline (never a fixed sleep that asserts timing).

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{BIN, interrupt, mkfifo, run, stderr, stdout};

const DEADLINE: Duration = Duration::from_secs(20);

fn event(conn: &str) -> String {
    format!(
        "10:30:12 [ws] closed before connect conn={conn} remote=127.0.0.1 code=1008 reason=pairing required\n"
    )
}

const HARMLESS: &str = "10:30:13 [ws] webchat connected conn=w1 remote=127.0.0.1\n";

fn append(path: &Path, text: &str) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A running `clawscan --follow` whose stdout lines are collected by a thread.
struct Follower {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Follower {
    fn start(dir: &Path, args: &[&str]) -> Follower {
        let mut child = Command::new(BIN)
            .args(["--follow", "--follow-interval", "20ms", "--redact-key", "t"])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                sink.lock().unwrap().push(l.unwrap());
            }
        });
        Follower { child, lines }
    }

    /// Waits until `n` records have arrived; returns them parsed.
    fn wait_for(&self, n: usize) -> Vec<serde_json::Value> {
        let until = Instant::now() + DEADLINE;
        loop {
            let got = self.lines.lock().unwrap().clone();
            if got.len() >= n {
                return got
                    .iter()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
            }
            assert!(
                Instant::now() < until,
                "waited {DEADLINE:?} for {n} records, have {}: {got:?}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ctrl-C: the run ends as a finished one, exit 130. Returns stderr.
    fn interrupt(mut self) -> String {
        interrupt(self.child.id());
        assert_eq!(wait_exit(&mut self.child).code(), Some(130));
        let mut err = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut err).unwrap();
        err
    }
}

/// Waits (at most [`DEADLINE`]) for the child to exit.
fn wait_exit(child: &mut Child) -> ExitStatus {
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < until, "no exit within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn summary(r: &serde_json::Value) -> (String, u64, u64, String) {
    (
        r["source"].as_str().unwrap().to_string(),
        r["line"].as_u64().unwrap(),
        r["offset"].as_u64().unwrap(),
        r["conn"].as_str().unwrap().to_string(),
    )
}

#[test]
fn follow_reads_appends_then_survives_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gateway.log");
    // Lines already there are not reported (the follow starts at the end), but they
    // are counted: the next record has its real line number and offset.
    let before = format!("{}{HARMLESS}", event("old"));
    fs::write(&log, &before).unwrap();
    let f = Follower::start(dir.path(), &["gateway.log"]);

    // Appended, in two writes that split a line: one record, whole.
    std::thread::sleep(Duration::from_millis(200));
    let line = event("a1");
    append(&log, &line[..20]);
    std::thread::sleep(Duration::from_millis(100));
    append(&log, &line[20..]);
    let recs = f.wait_for(1);
    assert_eq!(
        summary(&recs[0]),
        ("gateway.log".into(), 3, before.len() as u64, "a1".into())
    );

    // Rotation: rename, a last line into the old file, then a new file.
    fs::rename(&log, dir.path().join("gateway.log.1")).unwrap();
    append(&dir.path().join("gateway.log.1"), &event("a2"));
    std::thread::sleep(Duration::from_millis(100));
    append(&log, &format!("{HARMLESS}{}", event("b1")));
    let recs = f.wait_for(3);
    assert_eq!(recs[1]["conn"], "a2");
    assert_eq!(recs[1]["line"], 4);
    assert_eq!(
        summary(&recs[2]),
        ("gateway.log".into(), 2, HARMLESS.len() as u64, "b1".into())
    );

    // Truncation (copytruncate), then a shorter file: read again from its start.
    fs::write(&log, "").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    append(&log, &event("c1"));
    let recs = f.wait_for(4);
    assert_eq!(summary(&recs[3]), ("gateway.log".into(), 1, 0, "c1".into()));

    let err = f.interrupt();
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn follow_from_start_reads_what_is_there_and_waits_for_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.log"), event("x1")).unwrap();
    let f = Follower::start(dir.path(), &["--from-start", "a.log", "later.log"]);
    let recs = f.wait_for(1);
    assert_eq!(recs[0]["conn"], "x1");
    // A file that appears later is read from its start.
    append(&dir.path().join("later.log"), &event("y1"));
    let recs = f.wait_for(2);
    assert_eq!(summary(&recs[1]), ("later.log".into(), 1, 0, "y1".into()));
    let err = f.interrupt();
    assert!(err.contains("later.log: not there yet"), "{err}");
}

#[test]
fn follow_a_directory_moves_to_the_next_daily_file() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = dir.path().join("openclaw-2026-11-23.log");
    fs::write(&day1, event("d0")).unwrap();
    let f = Follower::start(dir.path(), &["."]);
    std::thread::sleep(Duration::from_millis(200));
    append(&day1, &event("d1"));
    let recs = f.wait_for(1);
    assert_eq!(recs[0]["conn"], "d1");
    assert_eq!(recs[0]["line"], 2);
    // Midnight: the gateway starts a new file. Its mtime must be newer.
    std::thread::sleep(Duration::from_millis(50));
    let day2 = dir.path().join("openclaw-2026-11-24.log");
    append(&day2, &event("d2"));
    let recs = f.wait_for(2);
    assert_eq!(recs[1]["conn"], "d2");
    assert_eq!(recs[1]["line"], 1);
    assert!(
        recs[1]["source"]
            .as_str()
            .unwrap()
            .ends_with("openclaw-2026-11-24.log")
    );
    f.interrupt();
}

#[test]
fn follow_quiet_exits_on_the_first_event() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("g.log");
    fs::write(&log, event("old")).unwrap();
    let mut child = Command::new(BIN)
        .args(["-F", "-q", "--follow-interval", "20ms", "g.log"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "an old line must not count"
    );
    append(&log, &event("new"));
    assert_eq!(wait_exit(&mut child).code(), Some(0));
}

#[test]
fn follow_takes_a_time_window() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("g.log");
    fs::write(&log, "").unwrap();
    let f = Follower::start(
        dir.path(),
        &["--since", "2026-04-11T09:00:00Z", "--drop-undated", "g.log"],
    );
    std::thread::sleep(Duration::from_millis(200));
    let dated = |ts: &str, conn: &str| {
        format!(
            "{ts} [ws] closed before connect conn={conn} remote=127.0.0.1 code=1008 reason=pairing required\n"
        )
    };
    append(&log, &dated("2026-04-11T08:59:59.000Z", "early"));
    append(&log, &event("undated"));
    append(&log, &dated("2026-04-11T09:00:01.000Z", "inside"));
    let recs = f.wait_for(1);
    assert_eq!(recs[0]["conn"], "inside");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(f.wait_for(1).len(), 1, "only the line inside the window");
    let err = f.interrupt();
    assert!(!err.contains("error"), "{err}");
}

/// Checks the Prometheus text exposition format: every sample belongs to a family
/// announced by `# HELP` and `# TYPE` lines, names and labels are well formed, and
/// values are numbers. Returns the samples.
fn parse_prometheus(text: &str) -> Vec<(String, f64)> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    let mut helped = Vec::new();
    let mut typed = Vec::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(name_ok(name), "{line}");
            helped.push(name.to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap();
            let kind = parts.next().unwrap();
            assert!(["counter", "gauge"].contains(&kind), "{line}");
            assert_eq!(
                helped.last().map(String::as_str),
                Some(name),
                "HELP before TYPE: {line}"
            );
            typed.push((name.to_string(), kind.to_string()));
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let name = series.split('{').next().unwrap();
            assert!(name_ok(name), "{line}");
            let (family, kind) = typed.last().unwrap_or_else(|| panic!("no TYPE: {line}"));
            assert_eq!(name, family, "sample outside its family: {line}");
            if kind == "counter" {
                assert!(name.ends_with("_total"), "{line}");
            }
            let labels = &series[name.len()..];
            if !labels.is_empty() {
                let inner = labels
                    .strip_prefix('{')
                    .and_then(|l| l.strip_suffix('}'))
                    .unwrap();
                for pair in inner.split(',') {
                    let (k, v) = pair.split_once('=').unwrap();
                    assert!(name_ok(k), "{line}");
                    assert!(
                        v.starts_with('"') && v.ends_with('"') && v.len() >= 2,
                        "{line}"
                    );
                }
            }
            let v: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {line}"));
            samples.push((series.to_string(), v));
        }
    }
    samples
}

#[test]
fn stats_lines_are_json_and_prometheus_text() {
    let o = run(&["--stats", "1h", "testdata/gateway-verbose.log"], None);
    assert_eq!(o.status.code(), Some(0));
    let records = stdout(&o).lines().count() as u64;
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one final line: {err}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["type"], "stats");
    assert_eq!(v["events"], records);
    assert_eq!(v["causes"]["loopback_local_exec"], 5);
    assert_eq!(v["categories"]["config"], 0);
    assert!(v["last_event"].as_str().unwrap().starts_with("2026-04-01T"));

    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("clawscan.prom");
    let o = run(
        &[
            "--stats",
            "1h",
            "--stats-format",
            "prom",
            "--stats-file",
            prom.to_str().unwrap(),
            "-c",
            "testdata/gateway-verbose.log",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "");
    let samples = parse_prometheus(&fs::read_to_string(&prom).unwrap());
    let get = |s: &str| samples.iter().find(|(n, _)| n == s).map(|(_, v)| *v);
    assert_eq!(get("clawscan_events_total"), Some(records as f64));
    assert_eq!(
        get("clawscan_cause_events_total{cause=\"token_mismatch\"}"),
        Some(2.0)
    );
    assert!(get("clawscan_last_event_timestamp_seconds").unwrap() > 1.7e9);
    // Only the file itself: the temporary beside it was renamed over it.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn stats_tick_while_following() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("g.log");
    fs::write(&log, "").unwrap();
    let f = Follower::start(dir.path(), &["--stats", "100ms", "g.log"]);
    std::thread::sleep(Duration::from_millis(150));
    append(&log, &event("s1"));
    f.wait_for(1);
    std::thread::sleep(Duration::from_millis(300));
    let err = f.interrupt();
    let stats: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(stats.len() >= 2, "{err}");
    assert_eq!(stats.last().unwrap()["events"], 1);
}

#[test]
fn text_format_is_stable_without_colour() {
    let o = run(
        &[
            "--format",
            "text",
            "--redact-key",
            "test",
            "testdata/gateway-verbose.log",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "no colour into a pipe");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[2],
        "2026-04-01T07:14:09.512Z WARN  [pairing,close_1008,handshake] loopback_local_exec: closed before connect conn=5f0c91aa-3e4b-4d1c-a7f0-0c2b9e8d77d2 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=pairing required"
    );
    // As many lines as records.
    let json = run(&["testdata/gateway-verbose.log"], None);
    assert_eq!(lines.len(), stdout(&json).lines().count());

    // Colour when asked, on the level and the values; two inputs name the file.
    let o = run(
        &[
            "--format",
            "text",
            "--color",
            "always",
            "testdata/gateway-verbose.log",
            "testdata/gateway-verbose.log",
        ],
        None,
    );
    let out = stdout(&o);
    assert!(out.contains("\x1b[33mWARN \x1b[0m"), "{out}");
    assert!(out.contains("code=\x1b[1;33m1008\x1b[0m"), "{out}");
    assert!(out.contains("testdata/gateway-verbose.log:"), "{out}");
}

#[test]
fn completions_and_man_page_generate() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell], None);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let out = stdout(&o);
        assert!(out.contains("clawscan"), "{shell}");
        assert!(out.contains("follow"), "{shell}: {out}");
    }
    let o = run(&["completions", "tcsh"], None);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["man"], None);
    assert_eq!(o.status.code(), Some(0));
    let man = stdout(&o);
    assert!(man.contains(".TH clawscan 1"), "{man}");
    assert!(man.contains("\\-\\-follow"), "{man}");
}

/// The Vector config in docs/ parses, and its source command, run the way Vector's
/// streaming `exec` source runs it (with this build's binary and a temp log dir),
/// writes JSON objects, one per line, as `decoding.codec = "json"` needs. Vector is
/// not in the package registries this project can install from, so Vector itself
/// is not run.
#[test]
fn vector_config_runs_clawscan() {
    let text = fs::read_to_string(crate::common::root().join("docs/shippers/vector.toml")).unwrap();
    let config: toml::Table = text.parse().unwrap();
    let source = config["sources"]["clawscan"].as_table().unwrap();
    assert_eq!(source["type"].as_str(), Some("exec"));
    assert_eq!(source["mode"].as_str(), Some("streaming"));
    assert_eq!(source["decoding"]["codec"].as_str(), Some("json"));
    let command: Vec<&str> = source["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(command[0], "clawscan");
    assert_eq!(command.last(), Some(&"/tmp/openclaw"));
    let sinks = config["sinks"].as_table().unwrap();
    assert!(sinks.values().all(|s| s["inputs"].as_array().is_some()));

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("openclaw-2026-11-24.log");
    fs::write(&log, "").unwrap();
    // Follower::start adds --follow (and a short poll interval).
    assert_eq!(command[1], "--follow");
    let mut args: Vec<&str> = command[2..command.len() - 1].to_vec();
    args.push(".");
    let f = Follower::start(dir.path(), &args);
    std::thread::sleep(Duration::from_millis(150));
    append(&log, &format!("{}{HARMLESS}{}", event("v1"), event("v2")));
    let recs = f.wait_for(2);
    assert!(recs.iter().all(serde_json::Value::is_object));
    assert_eq!(recs[1]["conn"], "v2");
    f.interrupt();
}

/// A directory with two live logs written in turn (`gateway.log` and
/// `gateway.err.log` on macOS): each line is read once, and the lines there before the
/// follow began are not read at all.
#[test]
fn follow_a_directory_with_two_live_files_reads_each_line_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gateway.log");
    let err = dir.path().join("gateway.err.log");
    fs::write(&out, event("a1")).unwrap();
    fs::write(&err, event("b1")).unwrap();
    let f = Follower::start(dir.path(), &["."]);
    std::thread::sleep(Duration::from_millis(200));
    let mut want = Vec::new();
    for (i, (path, conn)) in [(&out, "a2"), (&err, "b2"), (&out, "a3"), (&err, "b3")]
        .into_iter()
        .enumerate()
    {
        append(path, &event(conn));
        want.push(conn.to_string());
        let recs = f.wait_for(i + 1);
        // Each append is seen before the next: the newest file changes every time.
        assert_eq!(recs.len(), i + 1, "{recs:?}");
        std::thread::sleep(Duration::from_millis(60));
    }
    std::thread::sleep(Duration::from_millis(200));
    let recs = f.wait_for(4);
    let got: Vec<String> = recs
        .iter()
        .map(|r| r["conn"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want);
    let lines: Vec<u64> = recs.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 2, 3, 3]);
    f.interrupt();
}

/// A file whose size is an exact multiple of the read size: its records come out
/// while the follow waits for more, not at Ctrl-C.
#[test]
fn follow_flushes_after_a_read_that_fills_the_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("g.log");
    let line = event("x");
    let mut text = String::new();
    while text.len() + line.len() < 256 * 1024 {
        text.push_str(&line);
    }
    // Pad with a harmless line to exactly 256 KiB.
    let pad = 256 * 1024 - text.len();
    text.push_str(&"y".repeat(pad - 1));
    text.push('\n');
    assert_eq!(text.len(), 256 * 1024);
    fs::write(&log, &text).unwrap();
    let f = Follower::start(dir.path(), &["--from-start", "g.log"]);
    let n = text.matches("conn=x").count();
    let recs = f.wait_for(n);
    assert_eq!(recs.len(), n);
    f.interrupt();
}

/// A FIFO is refused rather than waited on (opening it would block beyond the reach
/// of Ctrl-C).
#[test]
fn follow_refuses_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("p.log");
    mkfifo(&fifo);
    let o = Command::new(BIN)
        .args(["-F", "p.log"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a regular file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
