//! Hostile and broken input: nothing panics, nothing is lost, errors are clear.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::common::{BIN, interrupt, mkfifo};

fn scan(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_100_mib_line_is_reported_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b" code=1008 reason=pairing required\nafter code=1008\n")
        .unwrap();
    drop(f);
    let o = scan(&[path.as_os_str()]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    let recs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["truncated"], true);
    assert_eq!(recs[0]["text"].as_str().unwrap().len(), 16 << 20);
    assert!(
        recs[0]["categories"]
            .as_array()
            .unwrap()
            .contains(&"close_1008".into())
    );
    assert_eq!(recs[1]["line"], 2);
    assert_eq!(recs[1]["offset"], (100u64 << 20) + 35);
}

#[test]
fn only_nuls_and_dev_null_are_no_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nul.log");
    std::fs::write(&path, vec![0u8; 10 << 20]).unwrap();
    for p in [path.as_os_str(), std::ffi::OsStr::new("/dev/null")] {
        let o = scan(&[p]);
        assert_eq!(o.status.code(), Some(1), "{p:?}");
        assert!(o.stdout.is_empty() && o.stderr.is_empty(), "{p:?}");
    }
}

#[test]
fn a_fifo_is_read_like_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("gateway.fifo");
    mkfifo(&fifo);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        w.write_all(b"[ws] closed before connect conn=f1 code=1008 reason=pairing required\n")
            .unwrap();
        w.write_all(b"noise\n[ws] unauthorized conn=f2 reason=token_missing")
            .unwrap();
    });
    let o = scan(&[fifo.as_os_str()]);
    writer.join().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), 2);
    assert!(out.contains("\"conn\":\"f2\""));
}

/// The second input is deleted while the first (a FIFO) is still being read: its
/// error is reported and the first input's records are all there.
#[test]
fn a_path_that_vanishes_mid_run() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("first.fifo");
    let second = dir.path().join("second.log");
    mkfifo(&fifo);
    std::fs::write(&second, b"code=1008\n").unwrap();
    // One input at a time: with more, the second could be opened (and read) in
    // parallel before it is deleted.
    let child = Command::new(BIN)
        .arg("-j1")
        .arg(&fifo)
        .arg(&second)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    w.write_all(b"gateway closed (1008): pairing required\n")
        .unwrap();
    std::fs::remove_file(&second).unwrap();
    drop(w);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("second.log: no such file or directory"),
        "{err}"
    );
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 1);
}

/// A small deterministic generator, so the test needs no crate.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Several hundred MiB through stdin in random-size writes: every event line comes
/// out exactly once, in order, with its line number and offset.
#[test]
fn a_long_stream_loses_nothing() {
    const TARGET: usize = 300 << 20;
    let noise: [&[u8]; 4] = [
        b"2026-04-11T10:30:12.404+02:00 [ws] \xe2\x86\x90 connect client=cli version=2026.4.12 mode=cli auth=token conn=0b7e52d4\xe2\x80\xa69c1f\n",
        b"2026-04-11T10:30:13.000+02:00 [agent/embedded] run finished agent=main durationMs=2070 author=mia tokens=1744\n",
        b"\x1b[90m10:30:14\x1b[39m \x1b[35m[health]\x1b[39m \x1b[36mheartbeat ok channels=2\x1b[39m\r\n",
        b"{\"time\":\"2026-04-11T10:30:15.000+02:00\",\"level\":\"info\",\"subsystem\":\"gateway/ws\",\"message\":\"webchat connected conn=aa\"}\n",
    ];
    // Build the stream once, remembering where each event line starts.
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut data = Vec::with_capacity(TARGET + 4096);
    let mut expected: Vec<(u64, u64, u64)> = Vec::new(); // (serial, line, offset)
    let mut line = 1u64;
    let mut serial = 0u64;
    while data.len() < TARGET {
        if rng.next().is_multiple_of(100) {
            let l = format!(
                "2026-04-11T10:30:16.000+02:00 [ws] closed before connect conn=ev{serial} remote=127.0.0.1 code=1008 reason=pairing required\n"
            );
            expected.push((serial, line, data.len() as u64));
            data.extend_from_slice(l.as_bytes());
            serial += 1;
        } else {
            data.extend_from_slice(noise[(rng.next() % 4) as usize]);
        }
        line += 1;
    }
    let mut child = Command::new(BIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut rng = XorShift(12345);
        let mut i = 0;
        while i < data.len() {
            let n = ((rng.next() % 200_000) as usize + 1).min(data.len() - i);
            stdin.write_all(&data[i..i + n]).unwrap();
            i += n;
        }
    });
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut got = Vec::new();
    for l in out.lines() {
        let rec: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
        let conn = rec["conn"].as_str().unwrap();
        let serial: u64 = conn.trim_start_matches("ev").parse().unwrap();
        got.push((
            serial,
            rec["line"].as_u64().unwrap(),
            rec["offset"].as_u64().unwrap(),
        ));
    }
    writer.join().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(expected.len() > 10_000);
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "records differ from the events written");
}

/// Ctrl-C on a live pipe whose writer dies with the same Ctrl-C: the records, the
/// last line without a newline among them, and the summary all come out; exit 130.
#[test]
fn ctrl_c_keeps_the_partial_last_line() {
    let mut child = Command::new(BIN)
        .arg("--summary")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"10:30:12 [ws] closed before connect conn=p1 remote=127.0.0.1 code=1008 reason=pairing required\n")
        .unwrap();
    stdin
        .write_all(b"10:30:13 [ws] closed before connect conn=p2 remote=127.0.0.1 code=1008 reason=pairing required")
        .unwrap();
    stdin.flush().unwrap();
    // The first record out means the scan runs, so its Ctrl-C handler is in place
    // (a fixed sleep raced with a slow start on a loaded machine).
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("\"conn\":\"p1\""), "{first}");
    interrupt(child.id());
    // The handler runs on its own thread: give it a moment to see the signal before
    // the input ends (closing stdin at once raced with it on a loaded machine, and
    // the scan then ended normally with 0).
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    let out = first + &rest;
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("\"conn\":\"p2\""), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("loopback") || err.contains("pairing"),
        "no summary: {err}"
    );
}
