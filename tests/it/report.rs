//! `clawscan report` end to end: the built binary with a fake `openclaw` first on
//! PATH (one that answers, one that hangs, none at all), a config directory and a
//! log with planted secrets. Checks the sections, that no planted secret reaches
//! the Markdown or the JSON, the size limit, `-o`, and a snapshot of the whole
//! document. Run `CLAWSCAN_BLESS=1 cargo test --test main report::` to rewrite
//! `testdata/report/expected.md` after an intended change (and review the diff).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common::{BIN, root, start, stderr, stdout};

const LOG: &str = "testdata/report/gateway.log";
const CONFIG: &str = "testdata/report/config";
const FAKE_DIR: &str = "testdata/report/fake-openclaw";

/// Every secret planted in the fixtures (config, log, fake doctor output), and the
/// identifying values that must be masked.
const PLANTED: &[&str] = &[
    // gateway.auth.token (config, dashboard URL in the log, doctor)
    "9f8e7d6c5b4a39281706f5e4d3c2b1a0c1d2e3f4a5b6c7d8",
    // a client's wrong token in a URL (log)
    "0badc0ffee0badc0ffee0badc0ffee00",
    // exec-approvals socket.token (config, doctor)
    "sK7tPlanted0SocketToken9xQ2wE4r",
    // gateway.remote.password (config, doctor)
    "Planted-Passw0rd-42",
    // a Telegram bot token (config)
    "AAPlantedTelegramBotTokenForTests0",
    // a bootstrap token (doctor)
    "BSTRAP7Q2M9XK4PLANTED",
    // a DM pairing code (doctor)
    "ZK4M7Q2P",
    // a Bearer value (log, doctor)
    "eyJhbGciOiJIUzI1NiJ9",
    // a device id (log, doctor)
    "5f4e3d2c1b0a99887766554433221100ffeeddccbbaa99887766554433221100",
    // a public address (log, doctor)
    "81.2.69.160",
];

/// `PATH` with `dir` first.
fn path_with(dir: &Path) -> OsString {
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(dirs).unwrap()
}

/// `clawscan report ARGS` in the crate root with `PATH` set, no OpenClaw state
/// directory, and standard input from `stdin` (else none), killed if it runs past
/// `limit`.
fn report_with(path: &OsString, args: &[&str], stdin: Option<&[u8]>, limit: Duration) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("report")
        .args(args)
        .current_dir(root())
        .env("PATH", path)
        .env(
            "OPENCLAW_STATE_DIR",
            root().join("testdata/report/no-such-state-dir"),
        )
        .env_remove("OPENCLAW_CONFIG_PATH");
    let mut child = start(cmd, stdin);
    let began = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if began.elapsed() > limit {
            let _ = child.kill();
            panic!("clawscan report {args:?} ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn report(args: &[&str]) -> Output {
    report_with(
        &path_with(&root().join(FAKE_DIR)),
        args,
        None,
        Duration::from_secs(60),
    )
}

/// The fixture report with the fake `openclaw`, reproducible markers.
fn full_args() -> Vec<&'static str> {
    vec!["--redact-key", "test", "--config-dir", CONFIG, LOG]
}

fn assert_no_secret(text: &str) {
    for s in PLANTED {
        assert!(!text.contains(s), "{s} leaked:\n{text}");
    }
}

/// A fake `openclaw` in a fresh directory.
fn fake(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("openclaw");
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn report_holds_every_section_and_no_secret() {
    let o = report(&full_args());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with("# OpenClaw \"pairing required\" report\n"));
    assert!(md.contains("**Redacted by clawscan.**"));
    assert!(md.contains("**Check before posting:**"));
    for section in [
        "## Environment",
        "## Diagnosis",
        "## Config check",
        "## openclaw doctor",
        "## Logs read",
    ] {
        assert!(md.contains(&format!("\n{section}\n")), "{section}:\n{md}");
    }
    // Environment: the fake binary's version, and the log's.
    assert!(
        md.contains("- OpenClaw CLI: `2026.3.31` (`openclaw --version`)"),
        "{md}"
    );
    assert!(
        md.contains("- OpenClaw version in the logs: 2026.3.31"),
        "{md}"
    );
    assert!(md.contains("- clawscan: "));
    // Diagnosis: three causes from the log, one from the config, with counts,
    // occurrences and examples.
    for cause in [
        "`token_mismatch`",
        "`loopback_local_exec`",
        "`remote_device_unpaired`",
        "`exec_approvals_invalid`",
    ] {
        assert!(md.contains(cause), "{cause}:\n{md}");
    }
    assert!(
        md.contains("- 2 occurrences (5 lines), confidence high"),
        "{md}"
    );
    assert!(md.contains("- first: 2026-04-01T06:02:14.889Z at `testdata/report/gateway.log:5`"));
    assert!(md.contains("Example lines (3 of 5):"), "{md}");
    // Config: both files, findings without values.
    assert!(md.contains("testdata/report/config/openclaw.json: JSON5"));
    assert!(md.contains("testdata/report/config/exec-approvals.json: strict JSON"));
    assert!(md.contains("unknown key \"localExec\" in gateway"));
    assert!(md.contains("invalid askFallback \"allow\""));
    // Doctor: filtered, redacted.
    assert!(
        md.contains("`openclaw doctor` exited with status 1"),
        "{md}"
    );
    assert!(md.contains("Warning: gateway.bind \"127.0.0.1\" is a legacy alias"));
    assert!(md.contains("socket.token: [REDACTED:"), "{md}");
    assert!(
        !md.contains("Skills: 14 loaded"),
        "unfiltered doctor line:\n{md}"
    );
    // Logs: size and time span.
    let size = std::fs::metadata(root().join(LOG)).unwrap().len();
    assert!(
        md.contains(&format!(
            "- `testdata/report/gateway.log`: {:.1} KiB, 11 events, 2026-04-01T06:02:14.889Z – 2026-04-01T06:08:00.000Z",
            size as f64 / 1024.0
        )),
        "{md}"
    );
    // Redaction: private and loopback addresses stay, the rest is masked.
    assert_no_secret(&md);
    assert!(md.contains("remote=192.168.1.23"));
    assert!(md.contains("remote=127.0.0.1"));
    assert!(md.contains("remote=[IP:"));
    assert!(md.contains("device=[DEVICE:"));
    // The same device in a log line and in doctor output gives the same marker.
    let marker = |after: &str| {
        let i = md.find(after).unwrap() + after.len();
        md[i..i + 6].to_string()
    };
    assert_eq!(marker("device=[DEVICE:"), marker("(device [DEVICE:"));
    assert!(
        md.trim_end()
            .ends_with("_Made by `clawscan report` 0.1.0._")
    );
}

#[test]
fn config_secrets_never_appear_even_unredacted_elsewhere() {
    // The config files themselves hold the planted secrets; make sure the test
    // would notice a leak.
    let cfg = std::fs::read_to_string(root().join(CONFIG).join("openclaw.json")).unwrap();
    assert!(cfg.contains(PLANTED[0]) && cfg.contains(PLANTED[3]));
    let approvals =
        std::fs::read_to_string(root().join(CONFIG).join("exec-approvals.json")).unwrap();
    assert!(approvals.contains(PLANTED[2]));
}

/// The report with the machine-dependent lines replaced.
fn normalized(md: &str) -> String {
    md.lines()
        .map(|l| {
            if l.starts_with("- OS: ") {
                "- OS: <os>".to_string()
            } else if l.starts_with("- Architecture: ") {
                "- Architecture: <arch>".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn report_matches_the_snapshot() {
    let o = report(&full_args());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = normalized(&stdout(&o));
    let expected = root().join("testdata/report/expected.md");
    if std::env::var_os("CLAWSCAN_BLESS").is_some() {
        std::fs::write(&expected, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&expected)
        .unwrap_or_else(|e| panic!("{}: {e} (run with CLAWSCAN_BLESS=1)", expected.display()));
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert_eq!(got.lines().count(), want.lines().count(), "line count");
    // Random keys give other markers, nothing else.
    let again = normalized(&stdout(&report(&["--config-dir", CONFIG, LOG])));
    assert_eq!(again.lines().count(), got.lines().count());
}

#[test]
fn a_hanging_openclaw_does_not_hang_the_report() {
    // `sleep` without exec: a grandchild keeps the pipes open after the kill.
    let dir = fake("echo 'starting…'\nsleep 60\necho never");
    let start = Instant::now();
    let o = report_with(
        &path_with(dir.path()),
        &["--config-dir", CONFIG, LOG],
        None,
        Duration::from_secs(30),
    );
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The `--version` deadline (5 s) and no doctor run after it.
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(took >= Duration::from_secs(4), "took {took:?}");
    let md = stdout(&o);
    assert!(
        md.contains(
            "- OpenClaw CLI: `openclaw --version` did not finish within 5 s and was stopped"
        ),
        "{md}"
    );
    assert!(
        md.contains("Not run (`openclaw --version` did not answer)."),
        "{md}"
    );
    assert!(md.contains("## Diagnosis") && md.contains("`loopback_local_exec`"));
    assert_no_secret(&md);
}

#[test]
fn a_slow_doctor_is_stopped_at_its_deadline() {
    let dir = fake(
        "case \"$1\" in --version) echo 2026.4.12 ;; doctor) echo 'Warning: checking pairing…'; sleep 60 ;; esac",
    );
    let start = Instant::now();
    let o = report_with(
        &path_with(dir.path()),
        &["--no-config", "--doctor-timeout", "1", LOG],
        None,
        Duration::from_secs(30),
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let md = stdout(&o);
    assert!(md.contains("- OpenClaw CLI: `2026.4.12`"), "{md}");
    assert!(
        md.contains(
            "`openclaw doctor` did not finish within 1 s and was stopped; 1 of 1 line match"
        ),
        "{md}"
    );
    assert!(md.contains("Warning: checking pairing…"), "{md}");
}

#[test]
fn a_missing_openclaw_is_not_found() {
    let empty = tempfile::tempdir().unwrap();
    let o = report_with(
        &OsString::from(empty.path()),
        &["--config-dir", CONFIG, LOG],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains("- OpenClaw CLI: not found (no `openclaw` on PATH)"),
        "{md}"
    );
    assert!(md.contains("Not run: `openclaw` is not on PATH."), "{md}");
    assert!(md.contains("## Diagnosis"));
    assert_no_secret(&md);
}

#[test]
fn no_doctor_skips_it() {
    let o = report(&["--no-doctor", "--no-config", LOG]);
    let md = stdout(&o);
    assert!(md.contains("Not run (--no-doctor)."), "{md}");
    assert!(!md.contains("Gateway auth:"), "{md}");
    assert!(md.contains("not read (--no-config)"), "{md}");
}

#[test]
fn json_holds_the_same_report_redacted() {
    let mut args = full_args();
    args.insert(0, "--json");
    let o = report(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert_no_secret(&text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], "clawscan.report/1");
    assert_eq!(v["redacted"], true);
    assert_eq!(v["environment"]["openclaw"]["status"], "exited");
    assert_eq!(v["environment"]["openclaw_version"], "2026.3.31");
    let causes: Vec<&str> = v["diagnosis"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cause"].as_str().unwrap())
        .collect();
    assert_eq!(
        causes,
        [
            "token_mismatch",
            "loopback_local_exec",
            "remote_device_unpaired",
            "exec_approvals_invalid"
        ]
    );
    let size = std::fs::metadata(root().join(LOG)).unwrap().len();
    assert_eq!(v["logs"]["files"][0]["size"], size);
    assert_eq!(v["doctor"]["run"]["code"], 1);
    assert_eq!(v["config"]["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn output_file_gets_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.md");
    let mut args = full_args();
    let f = file.to_str().unwrap().to_string();
    args.extend(["-o", f.as_str()]);
    let o = report(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("report written to"), "{}", stderr(&o));
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, stdout(&report(&full_args())));
    // An unwritable place is an error (exit 2).
    let o = report(&["--no-config", "-o", "/no/such/dir/report.md", LOG]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/dir/report.md"));
}

#[test]
fn unreadable_logs_are_listed_and_the_report_still_prints() {
    let o = report(&[
        "--no-config",
        "--no-doctor",
        "testdata/report/no-such.log",
        LOG,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("clawscan: testdata/report/no-such.log: no such file or directory"),
        "{}",
        stderr(&o)
    );
    let md = stdout(&o);
    assert!(
        md.contains("- could not read `testdata/report/no-such.log: no such file or directory`"),
        "{md}"
    );
    assert!(md.contains("`loopback_local_exec`"));
}

#[test]
fn standard_input_is_read_and_sized() {
    let data = std::fs::read(root().join(LOG)).unwrap();
    let o = report_with(
        &path_with(&root().join(FAKE_DIR)),
        &["--no-config", "--no-doctor", "-"],
        Some(&data),
        Duration::from_secs(60),
    );
    let md = stdout(&o);
    assert!(
        md.contains(&format!(
            "- `-`: {:.1} KiB, 11 events",
            data.len() as f64 / 1024.0
        )),
        "{md}"
    );
    assert_no_secret(&md);
}

#[test]
fn the_size_limit_drops_blocks_and_says_so() {
    let full = stdout(&report(&full_args()));
    let mut args = full_args();
    args.extend(["--max-chars", "5000"]);
    let small = stdout(&report(&args));
    assert!(
        full.chars().count() > 5000,
        "fixture too small to test the limit"
    );
    assert!(small.chars().count() <= 5000, "{}", small.chars().count());
    assert!(small.contains("to stay under 5000 characters:"), "{small}");
    // Every section heading is still there, and no code block is left open.
    for section in [
        "## Environment",
        "## Diagnosis",
        "## Config check",
        "## Logs read",
    ] {
        assert!(small.contains(section), "{section}");
    }
    let fences = small.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fences % 2, 0, "{small}");
    // Fewer examples per cause.
    let mut args = full_args();
    args.extend(["--examples", "1"]);
    let one = stdout(&report(&args));
    assert!(one.contains("Example lines (1 of 5):"), "{one}");
}

#[test]
fn the_readme_example_is_current() {
    // The README's "Asking for help" section shows this fixture's report.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let expected = std::fs::read_to_string(root().join("testdata/report/expected.md")).unwrap();
    let body: Vec<&str> = expected
        .lines()
        .filter(|l| l.starts_with("### ") || l.starts_with("- **error**"))
        .collect();
    assert!(!body.is_empty());
    for l in body {
        assert!(readme.contains(l), "README misses: {l}");
    }
}

/// Every form of secret and identifying value, planted in a log (with a doctor that
/// repeats some of them): none may appear anywhere in the Markdown or the JSON, fix
/// steps included (a DM pairing code not shaped like `[A-Z0-9]{6,12}` once reached
/// the fix text as it was).
#[test]
fn every_planted_form_is_masked_in_the_whole_document() {
    let codes = ["ABCD-EFGH", "abcd-2345", "K7Q2", "Q7M2X9KD"];
    let token = "tok3nPlantedForTheWholeDocument77";
    let device = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    let public_v4 = "203.0.113.77";
    let public_v6 = "2a01:4f8:c0c:1234::1";
    let host = "gw.example.net";
    let tailnet = "studio.tail1a2b3.ts.net";
    let mut log = String::new();
    for (i, code) in codes.iter().enumerate() {
        log.push_str(&format!(
            "2026-04-10T18:0{i}:11.408+02:00 discord pairing request sender=40291837364591001{i} tag=user{i} (matchKey=40291837364591001{i} matchSource=id)\n\
             OpenClaw: access not configured.\n\
             Pairing code: {code}\n\
             Ask the bot owner to approve with:\n\
             openclaw pairing approve discord {code}\n"
        ));
    }
    log.push_str(&format!(
        "2026-04-10T18:06:40.118+02:00 [ws] closed before connect conn=6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098 remote={public_v4} fwd=n/a origin=https://{tailnet} host={host}:18789 ua=n/a code=1008 reason=pairing required\n\
         2026-04-10T18:06:41.118+02:00 [ws] closed before connect conn=7e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098 remote={public_v6} fwd=n/a origin=n/a host={tailnet}:18789 ua=n/a code=1008 reason=pairing required\n\
         2026-04-10T18:06:42.000+02:00 gateway connect failed: GatewayClientRequestError: unauthorized: gateway token mismatch url=wss://{host}/?token={token}\n\
         2026-04-10T18:06:43.500+02:00 [gateway] security audit: device access upgrade requested reason=role-upgrade device={device} ip=unknown-ip auth=token roleFrom=<none> roleTo=node scopesFrom=<none> scopesTo=<none> client=node-host conn=8e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("planted.log");
    std::fs::write(&log_path, &log).unwrap();
    let doctor = fake(&format!(
        "case \"$1\" in --version) echo 2026.3.31 ;; doctor) echo 'Gateway: {host} ({public_v4}), auth token (gateway.auth.token: {token})'; echo 'Pairing: discord request (Pairing code: {code})'; echo 'Approve: openclaw pairing approve discord {code}'; echo 'Tailnet: {tailnet}' ;; esac",
        code = codes[0]
    ));
    let planted: Vec<&str> = codes
        .iter()
        .copied()
        .chain([token, device, public_v4, public_v6, host, tailnet])
        .collect();
    let log_arg = log_path.to_str().unwrap();
    for json in [false, true] {
        let mut args = vec!["--no-config", "--max-chars", "1000000", log_arg];
        if json {
            args.insert(0, "--json");
        }
        let o = report_with(
            &path_with(doctor.path()),
            &args,
            None,
            Duration::from_secs(60),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        for p in &planted {
            assert!(!text.contains(p), "{p} leaked (json: {json}):\n{text}");
        }
        // The fix step still reads as a command, with the code masked.
        assert!(
            text.contains("openclaw pairing approve discord [REDACTED:"),
            "{text}"
        );
        assert!(text.contains("[HOST:"), "{text}");
        assert!(text.contains("[IP:"), "{text}");
    }
}

/// The three lines of variant 1 on the release that has it, with `openclaw --version`
/// answering 2026.3.31: the report's Environment and Diagnosis tell one story, and
/// `diagnose` on the same lines names the same cause.
#[test]
fn report_and_diagnose_agree_on_version_and_cause() {
    let log = "\
09:00:01 [gateway] listening on ws://127.0.0.1:18789, ws://[::1]:18789 (PID 4242)
09:00:05 [ws] closed before connect conn=c1a2b3c4-1111-4222-8333-944455556666 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=pairing required
09:00:05 [exec] node client failed: gateway connect failed: Error: pairing required
";
    let dir = fake("case \"$1\" in --version) echo 2026.3.31 ;; *) echo 'doctor: ok' ;; esac");
    let o = report_with(
        &path_with(dir.path()),
        &["--json", "--no-config", "-"],
        Some(log.as_bytes()),
        Duration::from_secs(60),
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&o), stderr(&o)));
    let diagnosis = &doc["diagnosis"];
    let used = doc["versions"]["used"].as_str().unwrap();
    assert!(
        used.starts_with("2026.3.31 (from `openclaw --version`"),
        "{used}"
    );
    assert_eq!(doc["environment"]["openclaw_version"], "2026.3.31");
    assert_eq!(
        diagnosis["causes"][0]["cause"], "loopback_local_exec",
        "{diagnosis}"
    );
    let fix = diagnosis["causes"][0]["fix"].to_string();
    assert!(fix.contains("shipped in 2026.4.2"), "{fix}");
    assert!(!fix.contains("already has"), "one story per release: {fix}");

    let mut cmd = Command::new(BIN);
    cmd.args([
        "diagnose",
        "--json",
        "--no-config",
        "--openclaw-version",
        "2026.3.31",
        "-",
    ])
    .current_dir(root());
    let o = start(cmd, Some(log.as_bytes())).wait_with_output().unwrap();
    let d: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(d["version"]["used"], "2026.3.31");
    assert_eq!(d["causes"][0]["cause"], diagnosis["causes"][0]["cause"]);
    assert_eq!(
        d["causes"][0]["confidence"],
        diagnosis["causes"][0]["confidence"]
    );
}
