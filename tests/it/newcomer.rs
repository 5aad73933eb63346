//! A newcomer's first hour (issue 19), end to end with the built binary: inputs that
//! were skipped or misread without a word, output errors, help and man pages, the
//! ripgrep and jq habits (`--all` with `--category`, `-c` per file and cause,
//! `--cause`, local times), and `report` leaving no process behind.

use std::fs;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{BIN, records, root, run, start, stderr, stdout};

const LOG: &str = "testdata/gateway-verbose.log";

/// Runs the binary in the crate root with `envs`, killed (and failed) past `limit`.
fn run_env(args: &[&str], envs: &[(&str, &std::ffi::OsStr)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(root());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    finish(start(cmd, stdin), args, Duration::from_secs(60))
}

fn finish(mut child: std::process::Child, what: &[&str], limit: Duration) -> Output {
    let began = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if began.elapsed() > limit {
            let _ = child.kill();
            panic!("clawscan {what:?} ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

// ---- 2. an unreadable config is an error, not a cause ----

/// A state directory whose two config files are links to themselves: there, but
/// unreadable even for root (whom permissions do not stop).
fn unreadable_state_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["openclaw.json", "exec-approvals.json"] {
        let p = dir.path().join(name);
        std::os::unix::fs::symlink(&p, &p).unwrap();
    }
    dir
}

#[test]
fn an_unreadable_config_invents_no_cause() {
    let state = unreadable_state_dir();
    let config = state.path().join("openclaw.json");
    let env = [
        ("OPENCLAW_STATE_DIR", state.path().as_os_str()),
        ("OPENCLAW_CONFIG_PATH", config.as_os_str()),
    ];
    // A log with no event: before, the config alone gave `exec_approvals_invalid` and
    // `unknown` "from the config only".
    let quiet_log = "testdata/causes/decoys-nothing-to-fix.log";
    for json in [false, true] {
        let mut args = vec!["diagnose"];
        if json {
            args.push("--json");
        }
        args.push(quiet_log);
        let o = run_env(&args, &env, None);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
        for bad in [
            "exec_approvals_invalid",
            "from the config only",
            "could not be read",
        ] {
            assert!(!out.contains(bad), "{bad} in:\n{out}");
        }
        let err = stderr(&o);
        assert!(
            err.contains("exec-approvals.json: could not be read"),
            "{err}"
        );
        assert!(err.contains("openclaw.json: could not be read"), "{err}");
    }
    // Nothing else read: exit 2.
    let o = run_env(&["diagnose", "no-such.log"], &env, None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

// ---- 3. a missing log is not "nothing to fix" ----

#[test]
fn diagnose_of_a_missing_file_says_nothing_was_read() {
    for args in [
        &["diagnose", "nosuch.log"][..],
        &["diagnose", "--json", "nosuch.log"][..],
        &["diagnose", "nosuch.log", "other-missing.log"][..],
    ] {
        let o = run(args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.contains("nosuch.log: no such file or directory"),
            "{err}"
        );
        assert!(err.contains("nothing could be read"), "{err}");
        assert!(!err.contains("nothing to fix"), "{err}");
    }
    // One readable log among missing ones still gets its diagnosis (and exit 2).
    let o = run(&["diagnose", "nosuch.log", LOG], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("loopback_local_exec"), "{}", stdout(&o));
}

// ---- 4. inputs are not skipped without a word ----

#[test]
fn a_directory_of_text_files_is_read_and_binaries_counted() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join(LOG), dir.path().join("saved-output.txt")).unwrap();
    fs::write(
        dir.path().join("screenshot.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();

    let o = run(&["diagnose", d], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("loopback_local_exec"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("1 file skipped (binary)"),
        "{}",
        stderr(&o)
    );

    let o = run(&[d], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(records(&o).len(), 9);
}

#[test]
fn text_files_beside_logs_are_counted_with_the_way_to_read_them() {
    let o = run(&["-c", "testdata/archive/logs"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("testdata/archive/logs: 1 file not named like a log skipped (notes.txt)"),
        "{err}"
    );
    assert!(err.contains("--glob '*'"), "{err}");
    // A note, not an error: the exit code is the scan's.
    let o = run(&["-q", "testdata/archive/logs"], None);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn standard_input_on_a_terminal_gets_a_hint() {
    // `script` gives the command a terminal; without it there is nothing to test.
    let Ok(script) = which("script") else {
        eprintln!("SKIPPED: no `script` to provide a terminal");
        return;
    };
    // Ctrl-D (forwarded by `script` to the terminal) ends clawscan's input.
    let mut cmd = Command::new(script);
    cmd.args(["-q", "-e", "-c", BIN, "/dev/null"]);
    let o = finish(
        start(cmd, Some(b"\x04")),
        &["(on a terminal)"],
        Duration::from_secs(30),
    );
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(all.contains("clawscan: reading standard input"), "{all}");

    // A pipe gets no hint.
    let o = run(&[], Some(b""));
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

// ---- 5. `-` means standard input, with --follow too ----

#[test]
fn follow_reads_standard_input_to_its_end() {
    let log = fs::read(root().join(LOG)).unwrap();
    let plain = run(&[], Some(&log));
    for args in [
        &["-F", "-"][..],
        &["-F"][..],
        &["--follow", "-", "--from-start"][..],
    ] {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(root());
        let o = finish(start(cmd, Some(&log)), args, Duration::from_secs(20));
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), stdout(&plain), "{args:?}");
        assert!(!stderr(&o).contains("not there yet"), "{}", stderr(&o));
    }
    let o = run(&["-F", "-", LOG], Some(&log));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be followed together with files"));
}

// ---- 7. every subcommand survives a full disk and a closed pipe ----

/// Commands that write to standard output, each with the exit code it has when its
/// output is read to the end.
fn writers() -> Vec<Vec<&'static str>> {
    vec![
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["man"],
        vec!["man", "diagnose"],
        vec!["check", "testdata/config/clean"],
        vec!["check", "--json", "testdata/config/guide-follower"],
        vec!["diagnose", LOG],
        vec!["diagnose", "--json", LOG],
        vec!["report", "--no-doctor", "--no-config", LOG],
        vec!["report", "--json", "--no-doctor", "--no-config", LOG],
        vec![LOG],
        vec!["-c", LOG],
        vec!["--format", "text", LOG],
        vec!["--help"],
    ]
}

#[test]
fn a_full_disk_is_an_error_with_a_message() {
    for args in writers() {
        if args == ["--help"] {
            continue; // clap's own output
        }
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(BIN)
            .args(&args)
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.to_lowercase().contains("no space left on device"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_0() {
    for args in writers() {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(BIN)
            .args(&args)
            .current_dir(root())
            .env("PATH", "/nonexistent")
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

// ---- 8. help, man pages and completion ----

#[test]
fn help_and_man_keep_the_examples_apart() {
    let help = stdout(&run(&["--help"], None));
    for example in [
        "openclaw gateway --verbose 2>&1 | clawscan | jq .",
        "clawscan /tmp/openclaw/openclaw-2026-11-24.log",
    ] {
        assert!(
            help.lines().any(|l| l.trim() == example),
            "{example} not on a line of its own:\n{help}"
        );
    }
    let man = stdout(&run(&["man"], None));
    assert!(
        !man.lines()
            .any(|l| l.contains("jq .") && l.contains("clawscan /tmp")),
        "{man}"
    );
    // Two text lines in a row are one paragraph in roff: the examples must be apart.
    let lines: Vec<&str> = man.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("| jq ."))
        .expect("the first example");
    assert!(lines[at + 1].starts_with('.'), "{:?}", &lines[at..at + 2]);
}

#[test]
fn every_page_the_man_page_refers_to_can_be_generated() {
    let man = stdout(&run(&["man"], None));
    let refs: Vec<String> = man
        .lines()
        .filter_map(|l| l.strip_prefix("clawscan\\-"))
        .filter_map(|l| l.strip_suffix("(1)"))
        .map(str::to_string)
        .collect();
    assert!(refs.len() >= 5, "{refs:?}");
    for name in refs {
        let o = run(&["man", &name], None);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let page = stdout(&o);
        assert!(
            page.contains(&format!(".TH clawscan-{name} 1")),
            "{name}: {}",
            &page[..200.min(page.len())]
        );
        assert!(page.contains(env!("CARGO_PKG_VERSION")), "{name}");
    }
    let o = run(&["man", "nosuch"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn category_and_cause_complete_their_names() {
    let bash = stdout(&run(&["completions", "bash"], None));
    let after = |flag: &str| {
        let at = bash.find(&format!("{flag})\n")).expect(flag);
        bash[at..].lines().nth(1).unwrap().to_string()
    };
    let cat = after("--category");
    assert!(cat.contains("pairing close_1008 token"), "{cat}");
    assert!(!cat.contains("compgen -f"), "{cat}");
    let cause = after("--cause");
    assert!(cause.contains("loopback_local_exec"), "{cause}");
}

#[test]
fn diagnose_help_names_no_repository_path() {
    let help = stdout(&run(&["diagnose", "--help"], None));
    assert!(!help.contains("docs/"), "{help}");
    assert!(help.contains("--json"), "{help}");
}

// ---- 9. ripgrep and jq habits ----

#[test]
fn all_with_category_or_cause_is_refused() {
    for args in [
        &["--all", "--category", "token", LOG][..],
        &["--all", "--cause", "token_mismatch", LOG][..],
    ] {
        let o = run(args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
        assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    }
}

#[test]
fn counts_per_file_per_cause_and_as_json() {
    let other = "testdata/formats/wrapped.log";
    let o = run(&["-c", LOG], None);
    let text = stdout(&o);
    assert!(text.contains("\nloopback_local_exec 5\n"), "{text}");
    assert!(text.contains("\ntoken_mismatch  2\n"), "{text}");
    assert!(!text.contains(':'), "one input, no prefix: {text}");

    let o = run(&["-c", LOG, other], None);
    let text = stdout(&o);
    assert!(
        text.starts_with(&format!("{LOG}:pairing         5\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{LOG}:total           9\n")),
        "{text}"
    );
    assert!(text.contains(&format!("{other}:total ")), "{text}");
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("total "), "{text}");

    let o = run(&["-c", "--format", "json", LOG, other], None);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["type"], "counts");
    assert_eq!(v["files"][0]["source"], LOG);
    assert_eq!(v["files"][0]["total"], 9);
    assert_eq!(v["files"][0]["causes"]["loopback_local_exec"], 5);
    let sum: u64 = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["total"].as_u64().unwrap())
        .sum();
    assert_eq!(v["total"].as_u64().unwrap(), sum);
}

#[test]
fn cause_selects_events_like_category() {
    let o = run(&["--cause", "token_mismatch", LOG], None);
    assert_eq!(o.status.code(), Some(0));
    let recs = records(&o);
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r["cause"] == "token_mismatch"));

    let o = run(
        &[
            "--cause",
            "token_mismatch,dm_policy_pairing",
            "--category",
            "dm_pairing",
            LOG,
        ],
        None,
    );
    let recs = records(&o);
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0]["cause"], "dm_policy_pairing");

    let o = run(&["-q", "--cause", "device_identity", LOG], None);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["-q", "--cause", "token_mismatch", LOG], None);
    assert_eq!(o.status.code(), Some(0));

    let o = run(&["--cause", "nope", LOG], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown cause 'nope'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn since_takes_journalctl_form_in_local_time() {
    // A zone two hours east of UTC, as a POSIX TZ string (no zone files needed).
    let tz: &std::ffi::OsStr = "XYZ-2".as_ref();
    let env = [("TZ", tz)];
    let utc = run_env(&["--since", "2026-04-01T07:14:30Z", LOG], &env, None);
    let all = records(&run(&[LOG], None)).len();
    let want = records(&utc);
    assert!(
        !want.is_empty() && want.len() < all,
        "{} of {all}",
        want.len()
    );
    for local in ["2026-04-01 09:14:30", "2026-04-01T09:14:30"] {
        let o = run_env(
            &["--since", local],
            &env,
            Some(&fs::read(root().join(LOG)).unwrap()),
        );
        assert_eq!(o.status.code(), Some(0), "{local}: {}", stderr(&o));
        let got: Vec<_> = records(&o).iter().map(|r| r["line"].clone()).collect();
        let exp: Vec<_> = want.iter().map(|r| r["line"].clone()).collect();
        assert_eq!(got, exp, "{local}");
    }
    // Minutes only, as journalctl takes it.
    let o = run_env(&["-c", "--since", "2026-04-01 09:15", LOG], &env, None);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let help = stdout(&run(&["--help"], None));
    assert!(help.contains("local time"), "{help}");
}

// ---- 10. report leaves no process behind ----

/// Whether process `pid` is still running (a zombie waiting for its parent is not).
fn alive(pid: &str) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

#[test]
fn a_timed_out_doctor_leaves_no_child_running() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let fake = dir.path().join("openclaw");
    fs::write(
        &fake,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  --version) echo 2026.3.31 ;;\n  doctor)\n    \
             sleep 300 & echo $! >> '{p}'\n    (sleep 300; echo never) & echo $! >> '{p}'\n    \
             echo $$ >> '{p}'\n    echo checking\n    sleep 300\n    ;;\nesac\n",
            p = pids.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::env::join_paths(
        std::iter::once(dir.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let o = run_env(
        &["report", "--doctor-timeout", "1", "--no-config", LOG],
        &[("PATH", path.as_os_str())],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let started = fs::read_to_string(&pids).unwrap();
    let started: Vec<&str> = started.split_whitespace().collect();
    assert_eq!(started.len(), 3, "{started:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while started.iter().any(|p| alive(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<&&str> = started.iter().filter(|p| alive(p)).collect();
    for p in &left {
        let _ = Command::new("kill").args(["-KILL", p]).status();
    }
    assert!(left.is_empty(), "still running after the timeout: {left:?}");
}
