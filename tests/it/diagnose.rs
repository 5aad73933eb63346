//! `clawscan diagnose` and the diagnosis in ordinary scans, end to end: the built
//! binary on every excerpt in testdata/causes/ (each beside a `<name>.expected.json`
//! that says which causes, how many, where they start and what the fix must say),
//! records carrying `cause` and `hint`, `--summary`, Ctrl-C on a live pipe, colour,
//! terminal safety, and bounded state on a long stream of distinct connections.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::common::{BIN, interrupt, root, stdout};

/// `clawscan ARGS` from the crate root, with no OpenClaw state directory and no
/// colour unless a test asks.
fn clawscan(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(root())
        .args(args)
        .env(
            "OPENCLAW_STATE_DIR",
            root().join("testdata/causes/no-such-state-dir"),
        )
        .env_remove("OPENCLAW_CONFIG_PATH")
        .env("NO_COLOR", "1");
    cmd
}

fn run(args: &[&str]) -> Output {
    clawscan(args).output().expect("run clawscan")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

fn diagnose_json(log: &str, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["diagnose", "--json"];
    args.extend_from_slice(extra);
    args.push(log);
    let o = run(&args);
    let v: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{log}: not JSON ({e}): {}\n{}", stdout(&o), stderr(&o)));
    (v, o.status.code().unwrap_or(-1))
}

/// Every excerpt in testdata/causes with its expectations.
fn fixtures() -> Vec<(String, Value)> {
    let dir = root().join("testdata/causes");
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("testdata/causes")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in &entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".expected.json") else {
            continue;
        };
        let log = entries
            .iter()
            .find(|q| {
                let n = q.file_name().unwrap().to_string_lossy().to_string();
                n != name && n.rsplit_once('.').is_some_and(|(s, _)| s == stem)
            })
            .unwrap_or_else(|| panic!("no log beside {name}"));
        let rel = log
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .to_string();
        let want: Value = serde_json::from_str(&fs::read_to_string(p).unwrap()).unwrap();
        out.push((rel, want));
    }
    assert!(out.len() >= 20, "only {} excerpts", out.len());
    out
}

fn joined(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn check_fixture(log: &str, want: &Value) {
    let (got, code) = diagnose_json(log, &["--no-config"]);
    let ctx = || format!("{log}:\n{}", serde_json::to_string_pretty(&got).unwrap());
    assert_eq!(
        Some(code as i64),
        want["exit"].as_i64(),
        "exit code of {}",
        ctx()
    );
    let want_causes = want["causes"].as_array().expect("causes");
    let got_causes = got["causes"].as_array().expect("report causes");
    let names = |a: &[Value]| -> Vec<String> {
        a.iter()
            .map(|c| c["cause"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    assert_eq!(names(got_causes), names(want_causes), "causes of {}", ctx());
    for (g, w) in got_causes.iter().zip(want_causes) {
        let cause = w["cause"].as_str().unwrap_or("?");
        assert_eq!(g["count"], w["count"], "{cause} count in {}", ctx());
        assert_eq!(
            g["first"]["line"],
            w["first"],
            "{cause} first line in {}",
            ctx()
        );
        if let Some(last) = w.get("last") {
            assert_eq!(&g["last"]["line"], last, "{cause} last line in {}", ctx());
        }
        if let Some(c) = w.get("confidence") {
            assert_eq!(&g["confidence"], c, "{cause} confidence in {}", ctx());
        }
        if let Some(alts) = w.get("alternatives") {
            assert_eq!(
                &g["alternatives"],
                alts,
                "{cause} alternatives in {}",
                ctx()
            );
        }
        if let Some(ids) = w.get("request_ids") {
            assert_eq!(&g["request_ids"], ids, "{cause} request ids in {}", ctx());
        }
        let fix = joined(&g["fix"]);
        for s in w["fix_contains"].as_array().into_iter().flatten() {
            let s = s.as_str().unwrap();
            assert!(fix.contains(s), "{cause}: fix lacks {s:?} in {}", ctx());
        }
        for s in w["fix_excludes"].as_array().into_iter().flatten() {
            let s = s.as_str().unwrap();
            assert!(!fix.contains(s), "{cause}: fix has {s:?} in {}", ctx());
        }
        // Every cause has evidence, an example and a first/last place.
        assert!(
            g["example"]["text"].is_string(),
            "{cause} example in {}",
            ctx()
        );
        assert!(!g["evidence"].as_array().unwrap().is_empty());
    }
    if let Some(v) = want.get("version") {
        assert_eq!(&got["version"]["used"], v, "version of {}", ctx());
    }
    for (key, field) in [
        ("version_from", "from"),
        ("version_min", "min"),
        ("version_max", "max"),
    ] {
        if let Some(v) = want.get(key) {
            assert_eq!(&got["version"][field], v, "version {field} of {}", ctx());
        }
    }
    for (key, field) in [
        ("benign_contains", "benign"),
        ("unexplained_contains", "unexplained"),
    ] {
        for s in want[key].as_array().into_iter().flatten() {
            let s = s.as_str().unwrap();
            let found = got[field]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["what"].as_str().is_some_and(|w| w.contains(s)));
            assert!(found, "{field} lacks {s:?} in {}", ctx());
        }
    }
    // The advice never names a key OpenClaw rejects, except to remove it, and never
    // offers deleting exec-approvals.json.
    for c in got_causes {
        for step in c["fix"].as_array().unwrap() {
            let s = step.as_str().unwrap();
            let lower = s.to_lowercase();
            for key in ["localexec", "agents.subagents", "allowedusers"] {
                if lower.contains(key) {
                    assert!(lower.starts_with("remove"), "{log}: {s}");
                }
            }
            if lower.contains("exec-approvals.json") && lower.contains("delete") {
                assert!(lower.starts_with("do not delete"), "{log}: {s}");
            }
        }
    }
}

#[test]
fn every_excerpt_gives_its_expected_report() {
    for (log, want) in fixtures() {
        check_fixture(&log, &want);
    }
}

#[test]
fn every_excerpt_reads_well_in_a_terminal() {
    for (log, want) in fixtures() {
        let o = run(&["diagnose", "--no-config", &log]);
        let text = stdout(&o);
        assert!(!text.contains('\x1b'), "{log}: escape in plain output");
        for c in want["causes"].as_array().unwrap() {
            let name = c["cause"].as_str().unwrap();
            assert!(text.contains(name), "{log}: {name} missing from\n{text}");
        }
        if want["causes"].as_array().unwrap().is_empty() {
            assert!(text.contains("nothing to fix"), "{log}:\n{text}");
            assert!(text.contains("clawscan looked for"), "{log}:\n{text}");
        } else {
            assert!(text.contains("fix:"), "{log}:\n{text}");
        }
    }
}

#[test]
fn old_and_fixed_builds_get_different_advice() {
    let (old, _) = diagnose_json(
        "testdata/causes/loopback-3.31-compact.log",
        &["--no-config"],
    );
    let fix = joined(&old["causes"][0]["fix"]);
    assert!(fix.contains("The log shows 2026.3.31"));
    assert!(fix.contains("upgrade to 2026.4.2"));
    let (new, _) = diagnose_json(
        "testdata/causes/subagent-4.12-openclaw-logs.txt",
        &["--no-config"],
    );
    let fix = joined(&new["causes"][0]["fix"]);
    assert!(fix.contains("this is a pending scope upgrade"));
    assert!(fix.contains("openclaw devices approve c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f"));
    assert!(!fix.contains("upgrade to"));
}

#[test]
fn openclaw_version_flag_wins() {
    let (v, _) = diagnose_json(
        "testdata/causes/loopback-3.31-compact.log",
        &["--no-config", "--openclaw-version", "2026.4.5"],
    );
    assert_eq!(v["version"]["used"], "2026.4.5");
    assert_eq!(v["version"]["from"], "flag");
    assert!(joined(&v["causes"][0]["fix"]).contains("already has the 2026.4.2 fix"));
    let o = run(&["diagnose", "--openclaw-version", "4.2", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an OpenClaw version"));
}

#[test]
fn config_findings_join_the_report() {
    let (v, code) = diagnose_json(
        "testdata/causes/guide-snippets-config-errors.log",
        &["--config-dir", "testdata/config/guide-follower"],
    );
    assert_eq!(code, 0);
    // No version in the log: the config's meta.lastTouchedVersion is used.
    assert_eq!(v["version"]["used"], "2026.4.1");
    assert_eq!(v["version"]["from"], "config");
    let causes = v["causes"].as_array().unwrap();
    let lx = causes
        .iter()
        .find(|c| c["cause"] == "loopback_local_exec")
        .unwrap();
    let findings = lx["config_findings"].as_array().unwrap();
    assert!(findings.iter().any(
        |f| f["code"] == "unknown_key" || f["message"].as_str().unwrap().contains("localExec")
    ));
    // exec-approvals.json's bad askFallback shows as its own cause from the config.
    let exec = causes
        .iter()
        .find(|c| c["cause"] == "exec_approvals_invalid")
        .expect("exec_approvals_invalid from the config");
    assert_eq!(exec["count"], 0);
    assert!(joined(&exec["fix"]).contains("Do not delete exec-approvals.json"));
    assert!(v["config"]["findings"].as_u64().unwrap() >= 5);
}

#[test]
fn decoys_exit_one_and_errors_exit_two() {
    let o = run(&[
        "diagnose",
        "--no-config",
        "testdata/causes/decoys-nothing-to-fix.log",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = run(&[
        "diagnose",
        "--no-config",
        "testdata/causes/no-such-file.log",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-file.log"));
    let o = clawscan(&["diagnose", "--no-config"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("No pairing, token or auth events found"));
}

#[test]
fn scan_records_carry_cause_and_hint() {
    let o = run(&[
        "--redact-key",
        "t",
        "testdata/causes/two-causes-token-and-subagent-4.2.log",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let recs: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!recs.is_empty());
    for r in &recs {
        assert!(r["cause"].is_string(), "{r}");
        let hint = r["hint"].as_str().unwrap();
        assert!(!hint.is_empty() && !hint.contains('\n'), "{r}");
    }
    let by_line = |n: i64| recs.iter().find(|r| r["line"] == n).unwrap();
    assert_eq!(by_line(2)["cause"], "token_mismatch");
    assert_eq!(by_line(5)["cause"], "subagent_scope_upgrade");
    // The client-side line without conn= joins its connection's cause.
    assert_eq!(by_line(7)["cause"], "subagent_scope_upgrade");
    // Context lines are read, not written.
    assert!(recs.iter().all(|r| r["line"] != 4));

    // A benign event has no cause and says so.
    let o = run(&["testdata/causes/decoys-nothing-to-fix.log"]);
    let recs: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let auto = recs.iter().find(|r| r["line"] == 3).unwrap();
    assert!(auto["cause"].is_null());
    assert!(auto["hint"].as_str().unwrap().starts_with("not a problem"));
}

#[test]
fn summary_goes_to_stderr() {
    let o = run(&["--summary", "testdata/causes/loopback-3.31-compact.log"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.lines().all(|l| l.starts_with('{')), "{out}");
    let err = stderr(&o);
    assert!(err.contains("1. loopback_local_exec"), "{err}");
    assert!(err.contains("upgrade to 2026.4.2"), "{err}");
    // With --count the summary comes along too, and categories filter only the output.
    let o = run(&[
        "--summary",
        "--count",
        "--category",
        "token",
        "testdata/causes/two-causes-token-and-subagent-4.2.log",
    ]);
    assert!(stdout(&o).contains("token "), "{}", stdout(&o));
    assert!(stderr(&o).contains("subagent_scope_upgrade"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let log = "testdata/causes/remote-unpaired-journald.log";
    let o = run(&["diagnose", "--no-config", log]);
    assert!(!stdout(&o).contains('\x1b'));
    let o = run(&["diagnose", "--no-config", "--color", "always", log]);
    assert!(stdout(&o).contains("\x1b["));
    let o = clawscan(&["diagnose", "--no-config", "--color", "auto", log])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!stdout(&o).contains('\x1b'), "piped output is plain");
}

#[test]
fn hostile_log_text_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hostile.log");
    fs::write(
        &log,
        "[ws] closed before connect conn=e1 remote=10.0.0.9 fwd=n/a origin=n/a host=h ua=x\u{1b}]0;owned\u{7}\u{9b}2J\u{202e}y code=1008 reason=pairing required \u{1b}[2J\n",
    )
    .unwrap();
    let o = run(&["diagnose", "--no-config", log.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(
        !text.contains('\u{9b}') && !text.contains('\u{202e}'),
        "{text:?}"
    );
}

/// A long stream of distinct failed connections.
fn many_connections(n: u64) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "2026-04-12T10:00:00.000+02:00 [ws] closed before connect conn={i:08x}-1111-4222-8333-{i:012x} remote=10.{}.{}.{} fwd=n/a origin=n/a host=h ua=n/a code=1008 reason=pairing required\n",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ));
    }
    s
}

#[test]
fn per_connection_state_stays_bounded() {
    use clawscan::diagnose::{self, Annotate, DiagnoseOptions, Diagnoser, Shown};
    use clawscan::print::counts::Counts;
    use clawscan::{SearchConfig, Searcher, Sink};

    struct Probe {
        inner: Annotate<Counts>,
        max_live: usize,
        max_conns: usize,
        max_held: usize,
    }
    impl Sink for Probe {
        fn record(&mut self, rec: &clawscan::Record) -> std::io::Result<bool> {
            let r = self.inner.record(rec);
            let d = self.inner.diagnoser();
            self.max_live = self.max_live.max(d.live_incidents());
            self.max_conns = self.max_conns.max(d.live_connections());
            self.max_held = self.max_held.max(self.inner.held());
            r
        }
    }
    let n = 100_000;
    let log = many_connections(n);
    let searcher = Searcher::new(SearchConfig::default())
        .unwrap()
        .with_context(diagnose::context_pattern())
        .unwrap();
    let mut probe = Probe {
        inner: Annotate::new(
            Counts::new(),
            Diagnoser::new(&DiagnoseOptions::default()),
            Shown::default(),
        ),
        max_live: 0,
        max_conns: 0,
        max_held: 0,
    };
    let source: Arc<str> = Arc::from("stream");
    searcher
        .search_reader(log.as_bytes(), &source, &mut probe)
        .unwrap();
    assert!(
        probe.max_live <= diagnose::correlate::MAX_LIVE + 1,
        "{}",
        probe.max_live
    );
    assert!(probe.max_conns <= diagnose::correlate::MAX_LIVE + 1);
    assert!(probe.max_held <= diagnose::HOLD_RECORDS);
    // The last record waits for the line below it (a multi-line event): end of input.
    probe.inner.flush_held().unwrap();
    let report = probe.inner.diagnoser().report();
    assert_eq!(report.causes.len(), 1);
    assert_eq!(
        report.causes[0].count, n,
        "evicted incidents are still counted"
    );

    // The binary on the same stream: the same count, every record written.
    let mut child = clawscan(&["--summary", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(log.as_bytes()));
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        stdout(&o).contains(&format!("total           {n}")),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains(&format!("{n} occurrences")),
        "{}",
        stderr(&o)
    );
}

/// Reads stdout lines on a thread so the test can wait with a timeout.
fn line_reader(out: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn excerpt_lines(path: &str, n: usize) -> String {
    let text = fs::read_to_string(root().join(path)).unwrap();
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}

#[test]
fn ctrl_c_on_a_live_pipe_keeps_records_and_prints_the_summary() {
    let mut child = clawscan(&["--summary"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines = line_reader(child.stdout.take().unwrap());
    // The first failure of the excerpt: audit, event, close, the node host's block.
    stdin
        .write_all(excerpt_lines("testdata/causes/loopback-3.31-compact.log", 15).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    // Records come out while the pipe stays open (flushed when the input pauses).
    let mut got = Vec::new();
    while got.len() < 4 {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => got.push(l),
            Err(e) => panic!("records not written on a live pipe ({e}); got {got:?}"),
        }
    }
    interrupt(child.id());
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(130));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("loopback_local_exec"), "{err}");
    assert!(err.contains("upgrade to 2026.4.2"), "{err}");
    while let Ok(l) = lines.recv_timeout(Duration::from_millis(200)) {
        got.push(l);
    }
    for l in &got {
        let r: Value = serde_json::from_str(l).unwrap();
        assert_eq!(r["cause"], "loopback_local_exec", "{l}");
    }
}

#[test]
fn ctrl_c_in_diagnose_prints_the_report_so_far() {
    let mut child = clawscan(&["diagnose", "--no-config", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(excerpt_lines("testdata/causes/remote-unpaired-journald.log", 6).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    // Give the process time to read what was written before interrupting.
    std::thread::sleep(Duration::from_millis(700));
    interrupt(child.id());
    let o = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(o.status.code(), Some(130));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["causes"][0]["cause"], "remote_device_unpaired");
    assert_eq!(v["causes"][0]["count"], 2);
}

#[test]
fn report_document_has_its_documented_fields() {
    let (v, _) = diagnose_json(
        "testdata/causes/two-causes-loopback-and-remote-3.31.jsonl",
        &["--no-config"],
    );
    for key in [
        "v",
        "outcome",
        "inputs",
        "file_logs",
        "events",
        "version",
        "causes",
        "benign",
        "unexplained",
        "config",
        "looked_for",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let c = &v["causes"][0];
    for key in [
        "cause",
        "title",
        "guide_variant",
        "confidence",
        "count",
        "records",
        "first",
        "last",
        "example",
        "sub_kinds",
        "request_ids",
        "evidence",
        "needs",
        "fix",
        "fixed_in",
        "guide",
        "notes",
        "config_findings",
    ] {
        assert!(c.get(key).is_some(), "cause lacks {key}");
    }
    assert_eq!(v["outcome"], "cause_identified");
    assert_eq!(c["guide_variant"], 1);
    assert_eq!(c["fixed_in"][0]["release"], "2026.4.2");
    assert!(Path::new(&root().join("docs/diagnose.md")).exists());
}

/// One version view: a plain scan's hints read the version `diagnose` reports, on
/// every excerpt and format fixture (a plain scan reads fewer context lines, but the
/// lines that name a version all the same).
#[test]
fn plain_scan_hints_and_diagnose_agree_on_the_version() {
    let mut logs: Vec<String> = vec!["testdata/gateway-verbose.log".to_string()];
    for dir in ["testdata/causes", "testdata/formats"] {
        let mut names: Vec<String> = fs::read_dir(root().join(dir))
            .expect("testdata dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|n| !n.contains(".expected.") && !n.starts_with("no-such"))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        names.sort();
        logs.extend(names);
    }
    let mut checked = 0;
    for log in &logs {
        let (d, _) = diagnose_json(log, &["--no-config"]);
        let used = d["version"]["used"].as_str().map(str::to_string);
        let o = run(&[log.as_str()]);
        for line in stdout(&o).lines() {
            let rec: Value = serde_json::from_str(line).expect("a record");
            let Some(hint) = rec["hint"].as_str() else {
                continue;
            };
            checked += 1;
            match &used {
                Some(v) => assert!(
                    !hint.contains("does not tell the OpenClaw version"),
                    "{log}:{}: diagnose reads {v}, the hint does not: {hint}",
                    rec["line"]
                ),
                None => assert!(
                    !hint.contains("The log shows 20"),
                    "{log}:{}: diagnose reads no version, the hint does: {hint}",
                    rec["line"]
                ),
            }
        }
    }
    assert!(checked > 100, "only {checked} hints checked");
}
