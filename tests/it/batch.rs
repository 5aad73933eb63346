//! Batch scanning through the `clawscan` binary: directories, gzip and zstd archives
//! (`testdata/archive/`, made by `scripts/make-archive.sh`), ordering for any number of
//! threads, truncated archives, split large files, symbolic link loops, `--glob`,
//! `--since` / `--until`.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::{records, root, stderr};

const ARCHIVE: &str = "testdata/archive";

/// Runs the binary in the crate root with a fixed redaction key (reproducible
/// markers), so `source` in records is the relative path.
fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let args: Vec<&str> = ["--redact-key", "batch"]
        .iter()
        .chain(args)
        .copied()
        .collect();
    crate::common::run(&args, stdin)
}

fn source(r: &Value) -> &str {
    r["source"].as_str().unwrap()
}

/// A record without `source`, and without the diagnosis fields when `plain` (those
/// may depend on lines after the record, which a truncated input lacks).
fn strip(r: &Value, plain: bool) -> Value {
    let mut r = r.clone();
    let obj = r.as_object_mut().unwrap();
    obj.remove("source");
    if plain {
        obj.remove("cause");
        obj.remove("hint");
    }
    r
}

/// The rows of `testdata/archive/SOURCES.tsv`: archive path, source log, encoding.
fn manifest() -> Vec<(String, String, String)> {
    std::fs::read_to_string(root().join(ARCHIVE).join("SOURCES.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn archive_records_equal_those_of_the_same_logs_uncompressed() {
    // The same tree with every file holding its log as plain text (same names, so the
    // same order): decoding must change nothing but `source`.
    let mirror = tempfile::tempdir().unwrap();
    for (archive, src, enc) in manifest() {
        if !archive.starts_with("logs/") {
            continue;
        }
        assert!(!enc.contains("truncated"));
        let dest = mirror.path().join(&archive);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(root().join("testdata").join(&src), &dest).unwrap();
    }
    let from_archive = run(&[&format!("{ARCHIVE}/logs")]);
    assert_eq!(
        from_archive.status.code(),
        Some(0),
        "{}",
        stderr(&from_archive)
    );
    // notes.txt is not read, and said so (tests/it/newcomer.rs).
    assert_eq!(
        stderr(&from_archive),
        format!(
            "clawscan: {ARCHIVE}/logs: 1 file not named like a log skipped (notes.txt); name them to read them (a scan also takes --glob '*')\n"
        )
    );
    let mirror_logs = mirror.path().join("logs");
    let from_plain = run(&[mirror_logs.to_str().unwrap()]);
    assert_eq!(from_plain.status.code(), Some(0), "{}", stderr(&from_plain));

    let a = records(&from_archive);
    let p = records(&from_plain);
    assert!(a.len() > 40, "{}", a.len());
    assert_eq!(a.len(), p.len());
    for (x, y) in a.iter().zip(&p) {
        let rel_x = source(x).strip_prefix(&format!("{ARCHIVE}/logs/")).unwrap();
        let rel_y = source(y)
            .strip_prefix(mirror_logs.to_str().unwrap())
            .unwrap()
            .trim_start_matches('/');
        assert_eq!(rel_x, rel_y);
        assert_eq!(strip(x, false), strip(y, false), "{rel_x}");
    }

    // Every log file was read, in name order at every level; notes.txt was not.
    let mut seen: Vec<&str> = a.iter().map(source).collect();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "testdata/archive/logs/2026-04/multi-member.log.gz",
            "testdata/archive/logs/2026-04/openclaw-2026-04-01.log.gz",
            "testdata/archive/logs/2026-04/openclaw-2026-04-02.log.zst",
            "testdata/archive/logs/gateway-verbose.log",
            "testdata/archive/logs/nested/a/b/client.jsonl.zst",
            "testdata/archive/logs/nested/a/secrets.log",
            "testdata/archive/logs/rotated/gateway.log.1",
            "testdata/archive/logs/rotated/gateway.log.2.gz",
        ]
    );

    // Each archive file alone gives the records of its source log.
    for (archive, src, enc) in manifest() {
        if enc.contains("truncated") || archive.ends_with(".txt") {
            continue;
        }
        let one = records(&run(&[&format!("{ARCHIVE}/{archive}")]));
        let want = records(&run(&[&format!("testdata/{src}")]));
        let one: Vec<Value> = one.iter().map(|r| strip(r, false)).collect();
        let want: Vec<Value> = want.iter().map(|r| strip(r, false)).collect();
        assert_eq!(one, want, "{archive} ({enc})");
    }
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let base = run(&["-j1", ARCHIVE]);
    assert_eq!(
        base.status.code(),
        Some(2),
        "the tree holds broken archives"
    );
    assert!(records(&base).len() > 40);
    for args in [
        vec!["-j2", ARCHIVE],
        vec!["-j4", ARCHIVE],
        vec!["--threads", "8", ARCHIVE],
        // A one-byte queue makes every worker wait for its turn at every batch.
        vec!["-j4", "--queue-bytes", "1", ARCHIVE],
        // Split even small plain files into many chunks.
        vec![
            "-j3",
            "--split-threshold",
            "1K",
            "--chunk-size",
            "256",
            ARCHIVE,
        ],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), base.status.code(), "{args:?}");
        assert!(o.stdout == base.stdout, "{args:?}: stdout differs");
        assert_eq!(stderr(&o), stderr(&base), "{args:?}");
    }
    for mode in ["-c", "--all"] {
        let one = run(&[mode, "-j1", ARCHIVE]);
        let four = run(&[
            mode,
            "-j4",
            "--split-threshold",
            "1K",
            "--chunk-size",
            "300",
            ARCHIVE,
        ]);
        assert!(one.stdout == four.stdout, "{mode}");
        assert_eq!(one.status.code(), four.status.code(), "{mode}");
    }
}

/// "after line N" in an error message.
fn after_line(err: &str) -> u64 {
    let i = err.find("(after line ").unwrap() + "(after line ".len();
    err[i..].split(')').next().unwrap().parse().unwrap()
}

#[test]
fn truncated_archive_reports_path_and_line_keeps_records_and_goes_on() {
    let gz = format!("{ARCHIVE}/broken/truncated.log.gz");
    let next = "testdata/gateway-verbose.log";
    let o = run(&[&gz, next]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "clawscan: {gz}: gzip data is truncated (after line "
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let n = after_line(&err);
    assert!(n >= 1, "{err}");

    // The records before the cut are those of the whole log, in order.
    let recs = records(&o);
    let (broken, rest): (Vec<_>, Vec<_>) = recs.iter().partition(|r| source(r) == gz);
    let whole = records(&run(&["testdata/formats/file-log.jsonl"]));
    let before: Vec<Value> = whole
        .iter()
        .filter(|r| r["line"].as_u64().unwrap() <= n)
        .map(|r| strip(r, true))
        .collect();
    assert!(!before.is_empty());
    let kept: Vec<Value> = broken
        .iter()
        .filter(|r| r["line"].as_u64().unwrap() <= n)
        .map(|r| strip(r, true))
        .collect();
    assert_eq!(kept, before);
    // Only the partial line at the cut may follow.
    assert!(broken.iter().all(|r| r["line"].as_u64().unwrap() <= n + 1));

    // The next input is still read, after the broken one.
    assert_eq!(rest.len(), 9);
    assert!(rest.iter().all(|r| source(r) == next));
    assert!(recs.iter().position(|r| source(r) == next).unwrap() >= broken.len());

    let zst = format!("{ARCHIVE}/broken/truncated.log.zst");
    let o = run(&[&zst]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!(
            "clawscan: {zst}: zstd data is truncated (after line "
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stdin_is_decoded_by_magic_bytes() {
    let plain = run(&["testdata/formats/file-log.jsonl"]);
    for file in [
        "logs/2026-04/openclaw-2026-04-01.log.gz",
        "logs/rotated/gateway.log.1",
    ] {
        let data = std::fs::read(root().join(ARCHIVE).join(file)).unwrap();
        let o = run_with_stdin(&[], Some(&data));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        if file.ends_with(".gz") {
            let a: Vec<Value> = records(&o).iter().map(|r| strip(r, false)).collect();
            let b: Vec<Value> = records(&plain).iter().map(|r| strip(r, false)).collect();
            assert_eq!(a, b);
            assert!(records(&o).iter().all(|r| source(r) == "-"));
        }
    }
    let o = run_with_stdin(&["-"], Some(b"\xfd7zXZ\x00\x00\x04"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("clawscan: -: xz-compressed input is not supported"));
}

/// A log of about `bytes` bytes made from the testdata logs, with CRLF lines, colour,
/// and no newline at the end: many events, lines of every kind.
fn big_log(bytes: usize) -> Vec<u8> {
    let mut parts = Vec::new();
    for f in [
        "testdata/gateway-verbose.log",
        "testdata/formats/console-json.log",
        "testdata/formats/pretty-color.log",
        "testdata/formats/wrapped.log",
        "testdata/formats/edge-cases.log",
    ] {
        parts.push(std::fs::read(root().join(f)).unwrap());
    }
    let mut out = Vec::with_capacity(bytes + 8192);
    let mut i = 0usize;
    while out.len() < bytes {
        let part = &parts[i % parts.len()];
        if i % 3 == 1 {
            // CRLF endings in some blocks.
            for line in part.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                out.extend_from_slice(line);
                out.extend_from_slice(b"\r\n");
            }
        } else {
            out.extend_from_slice(part);
            if !part.ends_with(b"\n") {
                out.push(b'\n');
            }
        }
        i += 1;
    }
    out.extend_from_slice(
        b"10:30:12 [ws] closed before connect conn=last code=1008 reason=pairing required",
    );
    out
}

#[test]
fn split_large_file_gives_the_records_of_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    std::fs::write(&path, big_log(3 << 20)).unwrap();
    let p = path.to_str().unwrap();
    for mode in [&[][..], &["--all"][..], &["-c"][..]] {
        let streamed = run(&[mode, &["-j1", p]].concat());
        assert_eq!(streamed.status.code(), Some(0), "{}", stderr(&streamed));
        for split in [
            &["-j1", "--split-threshold", "100K", "--chunk-size", "64K"][..],
            &["-j4", "--split-threshold", "1M", "--chunk-size", "100000"][..],
            &[
                "-j2",
                "--split-threshold",
                "1",
                "--chunk-size",
                "4K",
                "--queue-bytes",
                "1K",
            ][..],
        ] {
            let o = run(&[mode, split, &[p]].concat());
            assert_eq!(o.status.code(), Some(0), "{split:?}: {}", stderr(&o));
            assert!(
                o.stdout == streamed.stdout,
                "{mode:?} {split:?}: output differs"
            );
        }
    }
    // `--all` numbers every line: offsets and line numbers across chunk boundaries.
    let all = records(&run(&[
        "--all",
        "--split-threshold",
        "1",
        "--chunk-size",
        "10K",
        p,
    ]));
    let data = std::fs::read(&path).unwrap();
    let lines = data.split(|&b| b == b'\n').count() as u64;
    assert_eq!(all.len() as u64, lines);
    for (i, r) in all.iter().enumerate() {
        assert_eq!(r["line"].as_u64().unwrap(), i as u64 + 1);
        let off = r["offset"].as_u64().unwrap() as usize;
        assert!(off == 0 || data[off - 1] == b'\n', "line {}", i + 1);
    }
}

#[test]
fn a_line_longer_than_a_chunk_makes_the_file_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    let mut data = big_log(200_000);
    data.extend_from_slice(b"\n");
    data.extend(std::iter::repeat_n(b'x', 50_000));
    data.extend_from_slice(b" code=1008 reason=pairing required\n");
    data.extend(big_log(100_000));
    std::fs::write(&path, &data).unwrap();
    let p = path.to_str().unwrap();
    let streamed = run(&[p]);
    let split = run(&["-j4", "--split-threshold", "1", "--chunk-size", "16K", p]);
    assert!(split.stdout == streamed.stdout);
    assert!(
        records(&split)
            .iter()
            .any(|r| r["text"].as_str().unwrap().starts_with("xxx"))
    );
}

/// Runs the binary with standard input read from the file at `path` (a regular file:
/// every read is full, so the stream pauses only at its end, whatever the timing).
fn run_with_stdin_file(args: &[&str], path: &Path) -> Output {
    let mut cmd = std::process::Command::new(crate::common::BIN);
    cmd.args(["--redact-key", "batch"])
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .stdin(std::fs::File::open(path).unwrap());
    cmd.output().unwrap()
}

#[test]
fn stdin_on_every_core_gives_the_records_of_the_stream() {
    // Several blocks (512 KiB each), a line longer than a block (read as a stream, then
    // blocks again), CRLF, colour, multi-line events, no final newline.
    let dir = tempfile::tempdir().unwrap();
    let mut data = big_log(2_500_000);
    data.extend_from_slice(b"\n");
    data.extend(std::iter::repeat_n(b'x', 1_500_000));
    data.extend_from_slice(b" code=1008 reason=pairing required\n");
    data.extend(std::fs::read(root().join("testdata/formats/multi-line.txt")).unwrap());
    data.extend(big_log(1_200_000));
    let path = dir.path().join("stdin.log");
    std::fs::write(&path, &data).unwrap();
    let gz = dir.path().join("stdin.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &data).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    for mode in [&[][..], &["--all"][..], &["-c"][..], &["--summary"][..]] {
        let streamed = run_with_stdin_file(&[mode, &["-j1"]].concat(), &path);
        assert_eq!(streamed.status.code(), Some(0), "{}", stderr(&streamed));
        for threads in ["-j2", "-j4"] {
            let o = run_with_stdin_file(&[mode, &[threads]].concat(), &path);
            assert_eq!(o.status.code(), Some(0), "{threads}: {}", stderr(&o));
            assert!(
                o.stdout == streamed.stdout,
                "{mode:?} {threads}: output differs"
            );
            assert_eq!(stderr(&o), stderr(&streamed), "{mode:?} {threads}");
        }
        // A compressed file is a stream too; its records name the file.
        let one = run(&[mode, &["-j1", gz.to_str().unwrap()]].concat());
        let four = run(&[mode, &["-j4", gz.to_str().unwrap()]].concat());
        assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
        assert!(one.stdout == four.stdout, "{mode:?} gzip: output differs");
        assert_eq!(stderr(&one), stderr(&four), "{mode:?} gzip");
    }
    // `--all`: every line once, in order (a multi-line event is one record with
    // `end_line`), at its exact offset, across the blocks.
    let all = records(&run_with_stdin_file(&["--all", "-j2"], &path));
    let lines = data.split(|&b| b == b'\n').count() as u64;
    let mut next = 1;
    for r in &all {
        let line = r["line"].as_u64().unwrap();
        assert_eq!(line, next);
        let off = r["offset"].as_u64().unwrap() as usize;
        assert!(off == 0 || data[off - 1] == b'\n', "line {line}");
        next = r["end_line"].as_u64().unwrap_or(line) + 1;
    }
    assert_eq!(next - 1, lines);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_and_the_run_continues() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(logs.join("sub")).unwrap();
    std::fs::copy(
        root().join("testdata/gateway-verbose.log"),
        logs.join("a.log"),
    )
    .unwrap();
    std::fs::copy(
        root().join("testdata/formats/secrets.log"),
        logs.join("sub/z.log"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&logs, logs.join("sub/loop")).unwrap();
    let o = run(&[logs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let loop_path = logs.join("sub/loop");
    assert_eq!(
        err,
        format!(
            "clawscan: {}: symbolic link loop (leads back to {}); not followed\n",
            loop_path.display(),
            logs.display()
        )
    );
    let recs = records(&o);
    assert_eq!(
        recs.iter().filter(|r| source(r).ends_with("a.log")).count(),
        9
    );
    assert_eq!(
        recs.iter().filter(|r| source(r).ends_with("z.log")).count(),
        8
    );
}

#[cfg(unix)]
#[test]
fn unreadable_entries_are_reported_and_the_run_continues() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(logs.join("locked")).unwrap();
    std::fs::copy(
        root().join("testdata/gateway-verbose.log"),
        logs.join("b.log"),
    )
    .unwrap();
    std::fs::write(logs.join("a.log"), "x\n").unwrap();
    std::fs::set_permissions(logs.join("a.log"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(logs.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(logs.join("a.log")).is_ok() {
        eprintln!("skipped: permissions are not enforced for this user (root?)");
        return;
    }
    let o = run(&[logs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "clawscan: {}: permission denied",
            logs.join("a.log").display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "clawscan: {}: permission denied",
            logs.join("locked").display()
        )),
        "{err}"
    );
    assert_eq!(records(&o).len(), 9);
}

#[test]
fn glob_replaces_the_default_filter_and_named_files_are_always_read() {
    let logs = format!("{ARCHIVE}/logs");
    let txt = records(&run(&["--glob", "*.txt", &logs]));
    assert!(!txt.is_empty());
    assert!(txt.iter().all(|r| source(r) == format!("{logs}/notes.txt")));

    let rotated = records(&run(&["--glob", "rotated/*", "--glob", "*.zst", &logs]));
    let mut seen: Vec<&str> = rotated.iter().map(source).collect();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "testdata/archive/logs/2026-04/openclaw-2026-04-02.log.zst",
            "testdata/archive/logs/nested/a/b/client.jsonl.zst",
            "testdata/archive/logs/rotated/gateway.log.1",
            "testdata/archive/logs/rotated/gateway.log.2.gz",
        ]
    );

    // A file named on the command line is read whatever its name.
    let named = run(&[&format!("{logs}/notes.txt")]);
    assert_eq!(named.status.code(), Some(0));
    assert_eq!(records(&named).len(), txt.len());

    let bad = run(&["--glob", "a[", &logs]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).starts_with("clawscan: --glob: "),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn since_and_until_filter_on_ts_utc() {
    let logs = format!("{ARCHIVE}/logs");
    let all = records(&run(&[&logs]));
    let dated: Vec<&Value> = all.iter().filter(|r| !r["ts_utc"].is_null()).collect();
    let undated = all.len() - dated.len();
    assert!(dated.len() > 10 && undated > 0);
    let mut times: Vec<&str> = dated
        .iter()
        .map(|r| r["ts_utc"].as_str().unwrap())
        .collect();
    times.sort();
    let (since, until) = (times[times.len() / 4], times[times.len() * 3 / 4]);
    let inside = |t: &str| t >= since && t < until;

    let o = run(&["--since", since, "--until", until, &logs]);
    assert_eq!(o.status.code(), Some(0));
    let got = records(&o);
    // The window selects records before the diagnosis sees them, so `cause` and
    // `hint` may differ from a run over everything.
    let want: Vec<Value> = all
        .iter()
        .filter(|r| r["ts_utc"].as_str().is_none_or(inside))
        .map(|r| strip(r, true))
        .collect();
    let got_plain: Vec<Value> = got.iter().map(|r| strip(r, true)).collect();
    assert_eq!(got_plain, want);
    assert_eq!(
        got.iter().filter(|r| r["ts_utc"].is_null()).count(),
        undated
    );

    let o = run(&["--since", since, "--until", until, "--drop-undated", &logs]);
    let got = records(&o);
    assert!(!got.is_empty());
    assert!(got.iter().all(|r| r["ts_utc"].as_str().is_some_and(inside)));

    // Relative: the fixture's events are older than a day; only undated ones remain,
    // and none with --drop-undated (exit 1: no event).
    let o = run(&["--since", "1d", &logs]);
    assert_eq!(records(&o).len(), undated);
    let o = run(&["--since", "2h", "--drop-undated", "-c", &logs]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).ends_with("total           0\n"));

    let o = run(&["--since", "yesterday", &logs]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a time"), "{}", stderr(&o));
}

#[test]
fn quiet_stops_at_the_first_event_of_a_batch() {
    let o = run(&["-q", "-j2", ARCHIVE]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    let o = run(&["-q", "--glob", "*.none", ARCHIVE]);
    assert_eq!(o.status.code(), Some(1));
}

/// `Path` of a fixture relative to the crate root exists (guards the manifest).
#[test]
fn manifest_lists_every_archive_file() {
    let mut listed: Vec<String> = manifest().into_iter().map(|(a, _, _)| a).collect();
    listed.push("SOURCES.tsv".to_string());
    listed.sort();
    let mut found = Vec::new();
    let base = root().join(ARCHIVE);
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    walk(&base, &base, &mut found);
    found.sort();
    assert_eq!(found, listed, "run scripts/make-archive.sh");
}
