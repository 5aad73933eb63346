//! The `clawscan` binary on the files in `testdata/`: records, exit codes, errors,
//! pipes. Run `CLAWSCAN_BLESS=1 cargo test --test main cli::` to rewrite the
//! expected-records files after an intended change (and review the diff).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{BIN, records, root, run, stderr, stdout};

/// Every log in testdata with an expected-records file beside it.
fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out = vec![(
        "testdata/gateway-verbose.log".to_string(),
        root().join("testdata/gateway-verbose.expected.ndjson"),
    )];
    let mut formats: Vec<_> = std::fs::read_dir(root().join("testdata/formats"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".expected.ndjson"))
        .collect();
    formats.sort();
    for name in formats {
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        out.push((
            format!("testdata/formats/{name}"),
            root().join(format!("testdata/formats/{stem}.expected.ndjson")),
        ));
    }
    out
}

#[test]
fn testdata_records_match_expected() {
    let bless = std::env::var_os("CLAWSCAN_BLESS").is_some();
    for (log, expected) in fixtures() {
        let o = run(&["--redact-key", "test", &log], None);
        let got = stdout(&o);
        // Exit 1 is "no event", right for a log of noise only (handshake-noise.log).
        let code = if got.is_empty() { 1 } else { 0 };
        assert_eq!(o.status.code(), Some(code), "{log}: {}", stderr(&o));
        assert!(o.stderr.is_empty(), "{log}: {}", stderr(&o));
        if bless {
            std::fs::write(&expected, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected)
            .unwrap_or_else(|e| panic!("{}: {e} (run with CLAWSCAN_BLESS=1)", expected.display()));
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(g, w, "{log}: record {}", i + 1);
        }
        assert_eq!(
            got.lines().count(),
            want.lines().count(),
            "{log}: record count"
        );
    }
}

#[test]
fn records_validate_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/record-schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut checked = 0;
    for (log, _) in fixtures() {
        for args in [vec![log.as_str()], vec!["--all", log.as_str()]] {
            for rec in records(&run(&args, None)) {
                let errors: Vec<String> =
                    validator.iter_errors(&rec).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{log}: {errors:?}\n{rec}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
}

#[test]
fn stdin_gives_the_same_records_as_the_file() {
    for (log, _) in fixtures() {
        let data = std::fs::read(root().join(&log)).unwrap();
        let from_file = records(&run(&["--redact-key", "t", &log], None));
        let mut from_stdin = records(&run(&["--redact-key", "t"], Some(&data)));
        for r in &mut from_stdin {
            assert_eq!(r["source"], "-");
            r["source"] = serde_json::Value::String(log.clone());
        }
        assert_eq!(from_file, from_stdin, "{log}");
        let dash = records(&run(&["-"], Some(&data)));
        assert_eq!(dash.len(), from_file.len());
    }
}

const SECRETS: [&str; 5] = [
    "7c0e4b9a2f6d8e1c3b5a7f9d0e2c4b6a",
    "51d2e3f4a5b6c7d8e9f00112233445566",
    "S3cretPassw0rd",
    "eyJhbGciOiJIUzI1NiJ9",
    "Q7M2X9KD",
];

#[test]
fn secrets_are_redacted_by_default() {
    let o = run(&["testdata/formats/secrets.log"], None);
    let out = stdout(&o);
    for secret in SECRETS {
        assert!(!out.contains(secret), "{secret} leaked:\n{out}");
    }
    let recs = records(&o);
    assert_eq!(recs.len(), 8);
    // The same token gives the same marker on every line that carries it.
    let env_line = recs
        .iter()
        .find(|r| {
            r["text"]
                .as_str()
                .unwrap()
                .contains("OPENCLAW_GATEWAY_TOKEN")
        })
        .unwrap();
    let config_line = recs
        .iter()
        .find(|r| r["text"].as_str().unwrap().contains("Invalid config"))
        .unwrap();
    let marker = env_line["text"]
        .as_str()
        .unwrap()
        .split("OPENCLAW_GATEWAY_TOKEN=")
        .nth(1)
        .unwrap()[..17]
        .to_string();
    assert!(marker.starts_with("[REDACTED:"), "{marker}");
    assert!(config_line["text"].as_str().unwrap().contains(&marker));
    // Words about tokens stay readable.
    assert!(out.contains("token_mismatch") && out.contains("hasDeviceToken=true"));
    assert!(out.contains("gateway token mismatch"));

    // Markers are keyed per run: two runs differ, unless given the same key.
    let again = stdout(&run(&["testdata/formats/secrets.log"], None));
    assert_ne!(out, again);
    let k1 = stdout(&run(
        &["--redact-key", "k", "testdata/formats/secrets.log"],
        None,
    ));
    let k2 = stdout(&run(
        &["--redact-key", "k", "testdata/formats/secrets.log"],
        None,
    ));
    assert_eq!(k1, k2);

    let o = run(&["--no-redact", "testdata/formats/secrets.log"], None);
    assert!(stderr(&o).contains("--no-redact"));
    for secret in SECRETS {
        assert!(stdout(&o).contains(secret), "{secret}");
    }
}

#[test]
fn no_event_exits_1_quietly() {
    let o = run(
        &[],
        Some(b"author=mia\n[ws] webchat connected conn=x auth=token\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    let o = run(&[], Some(b""));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn unreadable_inputs_are_reported_and_the_rest_scanned() {
    // A directory is searched for log files (tests/it/batch.rs); this one holds nothing.
    let empty = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "testdata/nope.log",
            "testdata/gateway-verbose.log",
            empty.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("clawscan: testdata/nope.log: no such file or directory"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(records(&o).len(), 9);
    assert!(!err.contains("panicked"));
}

#[test]
fn count_quiet_category_and_all() {
    let o = run(&["-c", "testdata/gateway-verbose.log"], None);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("pairing         5\n"), "{text}");
    assert!(text.ends_with("total           9\n"), "{text}");

    let o = run(&["-q", "testdata/gateway-verbose.log"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());

    let o = run(
        &[
            "--category",
            "token,dm_pairing",
            "testdata/gateway-verbose.log",
        ],
        None,
    );
    let recs = records(&o);
    assert_eq!(recs.len(), 3);
    assert!(recs.iter().all(|r| {
        let cats = r["categories"].as_array().unwrap();
        cats.contains(&"token".into()) || cats.contains(&"dm_pairing".into())
    }));

    let o = run(&["--category", "nope"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown category 'nope'"));

    let o = run(&["--all", "testdata/gateway-verbose.log"], None);
    let recs = records(&o);
    assert_eq!(recs.len(), 30);
    assert_eq!(recs[29]["line"], 30);
}

#[test]
fn long_lines_are_reported_cut() {
    let mut input = vec![b'x'; 300_000];
    input.extend_from_slice(b" code=1008 reason=pairing required\nnext code=1008\n");
    let o = run(&["--max-line-bytes", "64K"], Some(&input));
    let recs = records(&o);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["truncated"], true);
    assert_eq!(recs[0]["text"].as_str().unwrap().len(), 65536);
    assert_eq!(recs[1]["line"], 2);
    assert_eq!(recs[1]["offset"], 300_035);
}

#[test]
fn help_and_version() {
    let o = run(&["--help"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Usage: clawscan [OPTIONS] [PATH]..."));
    let o = run(&["--version"], None);
    assert_eq!(
        stdout(&o).trim(),
        format!("clawscan {}", env!("CARGO_PKG_VERSION"))
    );
}

/// `clawscan big.log | head -1`: the reader goes away; clawscan ends quietly, exit 0.
#[test]
fn closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let line = b"10:30:12 [ws] closed before connect conn=c remote=127.0.0.1 code=1008 reason=pairing required\n";
    std::fs::write(&path, line.repeat(200_000)).unwrap();
    let mut child = Command::new(BIN)
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.contains("\"code\":1008"));
    drop(out);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

/// A record reaches a reader while the writer keeps the pipe open: no flag needed.
#[test]
fn live_pipe_is_not_held_back() {
    let mut child = Command::new(BIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for _ in 0..2 {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            tx.send(line).unwrap();
        }
    });
    stdin
        .write_all(b"10:30:11 [ws] webchat connected conn=a\n10:30:12 [ws] closed before connect conn=c1 code=1008 reason=pairing required\n")
        .unwrap();
    stdin.flush().unwrap();
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("record while the pipe is open");
    assert!(first.contains("\"conn\":\"c1\""));
    stdin
        .write_all(b"10:30:13 [ws] unauthorized conn=c2 reason=token_mismatch\n")
        .unwrap();
    stdin.flush().unwrap();
    let second = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("second record");
    assert!(second.contains("\"conn\":\"c2\""));
    drop(stdin);
    reader.join().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn full_disk_is_an_error() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: no /dev/full on this system");
        return;
    }
    let o = Command::new(BIN)
        .arg("testdata/gateway-verbose.log")
        .current_dir(root())
        .stdout(std::fs::OpenOptions::new().write(true).open(full).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("clawscan: error writing output: no space left on device"),
        "{err}"
    );
}
