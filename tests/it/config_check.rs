//! `clawscan check` end to end: the built binary on the fixtures in testdata/config/
//! and on files made per test. Asserts exit codes, exact `file:line:column` of every
//! finding, the JSON document, and that secrets and the user's files are untouched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `clawscan check ARGS` from the crate root, with a clean OpenClaw environment.
fn check(args: &[&str]) -> Output {
    check_env(args, &[])
}

fn check_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clawscan"));
    cmd.current_dir(root())
        .arg("check")
        .args(args)
        .env_remove("OPENCLAW_STATE_DIR")
        .env_remove("OPENCLAW_CONFIG_PATH")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run clawscan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

/// The `path:line:col: severity: message` lines, in order.
fn locations(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(": ") && (l.contains(".json")))
        .filter(|l| l.contains(": error: ") || l.contains(": warning: ") || l.contains(": note: "))
        .map(|l| {
            let mut parts = l.splitn(3, ": ");
            format!(
                "{}: {}",
                parts.next().unwrap_or(""),
                parts.next().unwrap_or("")
            )
        })
        .collect()
}

/// One finding as the tests compare it: file name, line, column, code.
type Row = (String, i64, i64, String);
/// A fixture directory, its exit code, and its findings.
type Case<'a> = (&'a str, i32, &'a [(&'a str, i64, i64, &'a str)]);

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON document")
}

/// (file name, line, column, code) of every finding in the JSON report.
fn json_findings(v: &Value) -> Vec<Row> {
    v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or("");
            let name = Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                name,
                f["line"].as_i64().unwrap_or(0),
                f["column"].as_i64().unwrap_or(0),
                f["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn fx(name: &str) -> String {
    format!("testdata/config/{name}")
}

#[test]
fn guide_follower_text_output() {
    let o = check(&["--color", "never", &fx("guide-follower")]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let p = "testdata/config/guide-follower";
    assert_eq!(
        locations(&o),
        [
            format!("{p}/openclaw.json:17:5: error"),
            format!("{p}/openclaw.json:26:19: error"),
            format!("{p}/openclaw.json:28:9: error"),
            format!("{p}/openclaw.json:35:13: warning"),
            format!("{p}/openclaw.json:40:5: error"),
            format!("{p}/exec-approvals.json:10:20: error"),
        ]
    );
    let text = stdout(&o);
    for needle in [
        "error: unknown key \"subagents\" in agents",
        "OpenClaw says: agents: Unrecognized key: \"subagents\"",
        "OpenClaw says: gateway: Unrecognized key: \"localExec\"",
        "OpenClaw says: channels.discord.dm: Unrecognized key: \"allowedUsers\"",
        "OpenClaw says: channels.discord.allowFrom: channels.discord.dmPolicy=\"allowlist\" requires channels.discord.allowFrom to contain at least one sender ID",
        "warning: \"127.0.0.1\" is a legacy host alias for \"loopback\"",
        "did you mean \"loopback\"?",
        "error: invalid askFallback \"allow\"",
        "did you mean \"full\" or \"allowlist\"?",
        "2026.4.1 (your config's meta.lastTouchedVersion): keeps the invalid string",
        "cause: loopback_local_exec",
        "cause: subagent_scope_upgrade",
        "cause: exec_approvals_invalid",
        "cause: dm_policy_pairing",
        "2 files checked: 5 errors, 1 warning, 0 notes",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Every guide snippet is named as such.
    assert_eq!(text.matches("    guide: ").count(), 5, "{text}");
    let golden = fs::read_to_string(root().join("testdata/config/guide-follower.expected.txt"))
        .expect("golden file");
    assert_eq!(
        text, golden,
        "text output changed; update testdata/config/guide-follower.expected.txt if intended"
    );
}

#[test]
fn guide_follower_json_output() {
    let o = check(&["--json", &fx("guide-follower")]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["schema"], "clawscan.check/1");
    assert_eq!(v["outcome"], "findings");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["files"][0]["last_touched_version"], "2026.4.1");
    assert_eq!(v["files"][0]["format"], "json5");
    assert_eq!(v["files"][1]["format"], "json");
    assert_eq!(
        json_findings(&v),
        [
            ("openclaw.json".into(), 17, 5, "unknown_key".into()),
            ("openclaw.json".into(), 26, 19, "dm_allowlist_empty".into()),
            ("openclaw.json".into(), 28, 9, "unknown_key".into()),
            ("openclaw.json".into(), 35, 13, "bind_legacy_alias".into()),
            ("openclaw.json".into(), 40, 5, "unknown_key".into()),
            ("exec-approvals.json".into(), 10, 20, "invalid_enum".into()),
        ]
    );
    let f = &v["findings"];
    assert_eq!(f[0]["path"], "agents.subagents");
    assert_eq!(f[0]["cause"], "subagent_scope_upgrade");
    assert_eq!(f[4]["key"], "localExec");
    assert_eq!(f[4]["cause"], "loopback_local_exec");
    assert_eq!(f[5]["value"], "allow");
    assert_eq!(
        f[5]["valid"],
        serde_json::json!(["deny", "allowlist", "full"])
    );
    assert_eq!(
        f[5]["did_you_mean"],
        serde_json::json!(["full", "allowlist"])
    );
    assert!(f[5]["guide"].is_string());
    assert_eq!(v["summary"]["errors"], 5);
    assert_eq!(v["summary"]["warnings"], 1);
    assert_eq!(v["summary"]["causes"]["dm_policy_pairing"], 2);
}

#[test]
fn secrets_never_appear() {
    let secrets = [
        "fake-discord-bot-token-for-clawscan-tests",
        "4f1c9a0e6b2d47c8a3e5f90d1b7c2e68",
        "q3V9xY0bT1nR8wL2mK5cJ7hF4dS6aP0e",
        "a7f3c9e1d5b2486f9c0e3a1b7d4f6e28",
        "b8e4d0f2c6a3597e0d1f4b2c8e5a7f39",
        "hunter2",
        "old-token-from-a-blog-post",
    ];
    for dir in ["guide-follower", "token-mismatch"] {
        for args in [vec!["--json"], vec!["--color", "always"], vec![]] {
            let mut a: Vec<&str> = args.clone();
            let d = fx(dir);
            a.push(&d);
            let o = check(&a);
            let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
            for s in secrets {
                assert!(!all.contains(s), "{dir} {args:?} leaked {s}");
            }
        }
    }
}

#[test]
fn check_never_modifies_files() {
    let d = tempfile::tempdir().expect("tempdir");
    for name in ["openclaw.json", "exec-approvals.json"] {
        fs::copy(
            root().join("testdata/config/guide-follower").join(name),
            d.path().join(name),
        )
        .expect("copy");
    }
    let before: Vec<(Vec<u8>, std::time::SystemTime)> = ["openclaw.json", "exec-approvals.json"]
        .iter()
        .map(|n| {
            let p = d.path().join(n);
            (
                fs::read(&p).expect("read"),
                fs::metadata(&p).and_then(|m| m.modified()).expect("mtime"),
            )
        })
        .collect();
    let o = check(&[d.path().to_str().expect("utf-8 temp path")]);
    assert_eq!(o.status.code(), Some(1));
    for (i, n) in ["openclaw.json", "exec-approvals.json"].iter().enumerate() {
        let p = d.path().join(n);
        assert_eq!(fs::read(&p).expect("read"), before[i].0);
        assert_eq!(
            fs::metadata(&p).and_then(|m| m.modified()).expect("mtime"),
            before[i].1
        );
    }
    let entries = fs::read_dir(d.path()).expect("ls").count();
    assert_eq!(entries, 2, "check created files");
}

#[test]
fn clean_config_exits_zero() {
    let o = check(&[&fx("clean")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(locations(&o).is_empty());
    assert!(stdout(&o).contains("2 files checked: 0 errors, 0 warnings, 0 notes"));
    let v = json(&check(&["--json", &fx("clean")]));
    assert_eq!(v["outcome"], "clean");
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn fixtures_exact_locations() {
    let cases: &[Case<'_>] = &[
        (
            "exec-enums",
            1,
            &[
                ("openclaw.json", 0, 0, "file_missing"),
                ("exec-approvals.json", 4, 17, "invalid_enum"),
                ("exec-approvals.json", 5, 12, "invalid_enum"),
                ("exec-approvals.json", 6, 20, "invalid_enum"),
                ("exec-approvals.json", 10, 19, "invalid_enum"),
                ("exec-approvals.json", 11, 14, "invalid_enum"),
                ("exec-approvals.json", 12, 22, "invalid_enum"),
                ("exec-approvals.json", 15, 19, "invalid_enum"),
                ("exec-approvals.json", 20, 19, "invalid_enum"),
                ("exec-approvals.json", 21, 14, "invalid_enum"),
                ("exec-approvals.json", 22, 22, "invalid_enum"),
                ("exec-approvals.json", 25, 19, "wrong_type"),
                ("exec-approvals.json", 26, 14, "invalid_enum"),
            ],
        ),
        (
            "exec-version",
            1,
            &[
                ("openclaw.json", 0, 0, "file_missing"),
                ("exec-approvals.json", 2, 14, "version_invalid"),
            ],
        ),
        (
            "exec-allowlist",
            1,
            &[
                ("openclaw.json", 0, 0, "file_missing"),
                ("exec-approvals.json", 7, 9, "allowlist_duplicate"),
                ("exec-approvals.json", 8, 22, "allowlist_empty_pattern"),
                ("exec-approvals.json", 9, 9, "allowlist_no_pattern"),
                ("exec-approvals.json", 10, 9, "allowlist_string_entry"),
                ("exec-approvals.json", 11, 9, "allowlist_empty_pattern"),
                ("exec-approvals.json", 12, 9, "wrong_type"),
                ("exec-approvals.json", 13, 38, "unknown_key"),
                ("exec-approvals.json", 14, 9, "allowlist_duplicate"),
                ("exec-approvals.json", 14, 48, "invalid_enum"),
                ("exec-approvals.json", 17, 5, "legacy_agent_default"),
            ],
        ),
        (
            "exec-json5-syntax",
            2,
            &[
                ("openclaw.json", 0, 0, "file_missing"),
                ("exec-approvals.json", 3, 3, "syntax_error"),
            ],
        ),
        (
            "exec-unknown-keys",
            1,
            &[
                ("openclaw.json", 0, 0, "file_missing"),
                ("exec-approvals.json", 5, 5, "unknown_key"),
                ("exec-approvals.json", 6, 5, "unknown_key"),
                ("exec-approvals.json", 10, 7, "unknown_key"),
                ("exec-approvals.json", 13, 3, "unknown_key"),
            ],
        ),
        (
            "openclaw-syntax",
            2,
            &[
                ("openclaw.json", 6, 3, "syntax_error"),
                ("exec-approvals.json", 0, 0, "file_missing"),
            ],
        ),
        (
            "token-mismatch",
            1,
            &[
                ("openclaw.json", 4, 5, "legacy_gateway_token"),
                ("openclaw.json", 12, 16, "token_mismatch"),
                ("exec-approvals.json", 0, 0, "file_missing"),
            ],
        ),
        (
            "dm-policy",
            1,
            &[
                ("openclaw.json", 4, 17, "dm_open_without_wildcard"),
                ("openclaw.json", 8, 17, "invalid_enum"),
                ("openclaw.json", 9, 19, "allow_from_unsafe_number"),
                ("openclaw.json", 9, 39, "allow_from_placeholder"),
                ("openclaw.json", 13, 9, "dm_legacy_key"),
                ("openclaw.json", 13, 17, "dm_allowlist_empty"),
                ("openclaw.json", 14, 9, "dm_legacy_key"),
                ("openclaw.json", 20, 27, "dm_allowlist_empty"),
                ("openclaw.json", 21, 27, "invalid_enum"),
                ("exec-approvals.json", 0, 0, "file_missing"),
            ],
        ),
        (
            "tools-exec",
            1,
            &[
                ("openclaw.json", 4, 15, "invalid_enum"),
                ("openclaw.json", 5, 19, "exec_policy_differs"),
                ("openclaw.json", 6, 14, "invalid_enum"),
            ],
        ),
        (
            "legacy-sqlite",
            1,
            &[
                ("exec-approvals.json", 0, 0, "legacy_file_present"),
                ("exec-approvals.json", 5, 12, "invalid_enum"),
            ],
        ),
        (
            "only-approvals",
            0,
            &[("openclaw.json", 0, 0, "file_missing")],
        ),
        (
            "empty-file",
            2,
            &[
                ("openclaw.json", 1, 1, "syntax_error"),
                ("exec-approvals.json", 0, 0, "file_missing"),
            ],
        ),
        (
            "duplicate-gateway",
            1,
            &[
                ("openclaw.json", 2, 3, "duplicate_key"),
                ("exec-approvals.json", 0, 0, "file_missing"),
            ],
        ),
    ];
    for (dir, code, want) in cases {
        let o = check(&["--json", &fx(dir)]);
        assert_eq!(o.status.code(), Some(*code), "{dir}: {}", stdout(&o));
        let v = json(&o);
        assert_eq!(v["exit_code"], *code, "{dir}");
        let got = json_findings(&v);
        let want: Vec<Row> = want
            .iter()
            .map(|(f, l, c, k)| (f.to_string(), *l, *c, k.to_string()))
            .collect();
        assert_eq!(got, want, "{dir}");
        // The text report names the same places.
        let t = check(&["--color", "never", &fx(dir)]);
        assert_eq!(t.status.code(), Some(*code));
        let located = want.iter().filter(|w| w.1 > 0).count();
        assert_eq!(
            locations(&t)
                .iter()
                .filter(|l| l.matches(':').count() >= 3)
                .count(),
            located,
            "{dir}"
        );
    }
}

#[test]
fn did_you_mean_in_text() {
    let text = stdout(&check(&[&fx("exec-enums")]));
    for needle in [
        "invalid security \"allow-list\"\n    valid: \"deny\" | \"allowlist\" | \"full\"\n    did you mean \"allowlist\"?",
        "invalid ask \"on_miss\"\n    valid: \"off\" | \"on-miss\" | \"always\"\n    did you mean \"on-miss\"?",
        "invalid askFallback \"Deny\" (values are case-sensitive)",
        "invalid askFallback \" full\" (stray white space)",
        "invalid ask \"never\"",
        "did you mean \"off\"?",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
}

fn temp_with(name: &str, text: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    fs::write(d.path().join(name), text).expect("write");
    d
}

fn findings_of(dir: &Path) -> (i32, Vec<Row>, Value) {
    let o = check(&["--json", dir.to_str().expect("utf-8 path")]);
    let v = json(&o);
    let f = json_findings(&v)
        .into_iter()
        .filter(|f| f.3 != "file_missing")
        .collect();
    (o.status.code().unwrap_or(-1), f, v)
}

#[test]
fn every_exec_enum_value_valid_and_typo() {
    // Each value in its own agent, one per line, so every position is exact.
    let values: &[(&str, &[&str])] = &[
        ("security", &["deny", "allowlist", "full"]),
        ("ask", &["off", "on-miss", "always"]),
        ("askFallback", &["deny", "allowlist", "full"]),
    ];
    let mut good = String::from("{\n\"version\": 1,\n\"agents\": {\n");
    let mut bad = good.clone();
    let mut expected = Vec::new();
    let mut n = 0;
    for (field, vals) in values {
        for v in *vals {
            let sep = if n == 0 { "" } else { ",\n" };
            good.push_str(&format!("{sep}\"a{n}\": {{\"{field}\": \"{v}\"}}"));
            // A typo of each: first two letters swapped.
            let mut chars: Vec<char> = v.chars().collect();
            chars.swap(0, 1);
            let typo: String = chars.into_iter().collect();
            bad.push_str(&format!("{sep}\"a{n}\": {{\"{field}\": \"{typo}\"}}"));
            let col = format!("\"a{n}\": {{\"{field}\": ").chars().count() as i64 + 1;
            expected.push((
                "exec-approvals.json".to_string(),
                4 + n,
                col,
                "invalid_enum".to_string(),
                v.to_string(),
            ));
            n += 1;
        }
    }
    good.push_str("\n}\n}\n");
    bad.push_str("\n}\n}\n");
    let d = temp_with("exec-approvals.json", &good);
    let (code, f, _) = findings_of(d.path());
    assert_eq!((code, f.len()), (0, 0), "{f:?}");
    let d = temp_with("exec-approvals.json", &bad);
    let (code, f, v) = findings_of(d.path());
    assert_eq!(code, 1);
    let want: Vec<_> = expected
        .iter()
        .map(|e| (e.0.clone(), e.1, e.2, e.3.clone()))
        .collect();
    assert_eq!(f, want);
    let found = v["findings"].as_array().expect("array");
    let suggestions: Vec<&str> = found
        .iter()
        .filter(|f| f["code"] == "invalid_enum")
        .map(|f| f["did_you_mean"][0].as_str().unwrap_or(""))
        .collect();
    let originals: Vec<&str> = expected.iter().map(|e| e.4.as_str()).collect();
    assert_eq!(suggestions, originals);
}

#[test]
fn every_openclaw_enum_value_valid_and_typo() {
    let fields: &[(&str, &[&str])] = &[
        ("gateway.bind", &["auto", "lan", "loopback", "tailnet"]),
        ("gateway.mode", &["local", "remote"]),
        (
            "gateway.auth.mode",
            &["none", "token", "password", "trusted-proxy"],
        ),
        ("gateway.remote.transport", &["ssh", "direct"]),
        ("channels.telegram.dmPolicy", &["pairing", "disabled"]),
        ("tools.exec.host", &["auto", "sandbox", "gateway", "node"]),
        ("tools.exec.security", &["deny", "allowlist", "full"]),
        ("tools.exec.ask", &["off", "on-miss", "always"]),
        (
            "tools.exec.mode",
            &["deny", "allowlist", "ask", "auto", "full"],
        ),
    ];
    for (path, vals) in fields {
        for v in *vals {
            // Build { a: { b: { c: "v" } } } on one line per level.
            let keys: Vec<&str> = path.split('.').collect();
            let mut text = String::new();
            for k in &keys[..keys.len() - 1] {
                text.push_str(&format!("{{\n\"{k}\": "));
            }
            let last = keys[keys.len() - 1];
            for (label, value) in [("valid", v.to_string()), ("typo", v.to_uppercase())] {
                let body = format!(
                    "{text}{{\n\"{last}\": \"{value}\"\n{}}}\n",
                    "}\n".repeat(keys.len() - 1)
                );
                let d = temp_with("openclaw.json", &body);
                let (code, f, v2) = findings_of(d.path());
                if label == "valid" {
                    assert_eq!((code, f.len()), (0, 0), "{path}={value}: {f:?}");
                } else {
                    let line = keys.len() as i64 + 1;
                    let col = format!("\"{last}\": ").len() as i64 + 1;
                    assert_eq!(code, 1, "{path}={value}");
                    assert_eq!(
                        f,
                        [(
                            "openclaw.json".to_string(),
                            line,
                            col,
                            "invalid_enum".to_string()
                        )],
                        "{path}"
                    );
                    assert_eq!(v2["findings"][0]["did_you_mean"][0], *v, "{path}={value}");
                    assert!(
                        v2["findings"][0]["openclaw_says"]
                            .as_str()
                            .unwrap_or("")
                            .contains("Invalid option")
                    );
                }
            }
        }
    }
    // The remaining two dmPolicy values need allowFrom.
    let d = temp_with(
        "openclaw.json",
        "{ channels: { a: { dmPolicy: 'allowlist', allowFrom: ['1'] }, b: { dmPolicy: 'open', allowFrom: ['*'] } } }",
    );
    assert_eq!(findings_of(d.path()).0, 0);
    let d = temp_with(
        "openclaw.json",
        "{ gateway: { bind: 'custom', customBindHost: '192.168.1.20' } }",
    );
    assert_eq!(findings_of(d.path()).0, 0);
}

#[test]
fn json5_forms_are_accepted_in_openclaw_json_only() {
    let text =
        "// comment\n{\n  gateway: { mode: 'local', /* inline */ bind: \"loopback\", },\n}\n";
    let d = temp_with("openclaw.json", text);
    let (code, f, _) = findings_of(d.path());
    assert_eq!((code, f.len()), (0, 0), "{f:?}");
    // The same syntax in exec-approvals.json is a syntax error at the comment.
    let d = temp_with("exec-approvals.json", "// comment\n{\"version\": 1}\n");
    let (code, f, v) = findings_of(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        f,
        [(
            "exec-approvals.json".to_string(),
            1,
            1,
            "syntax_error".to_string()
        )]
    );
    assert_eq!(v["files"][1]["status"], "malformed");
}

#[test]
fn malformed_input_at_several_positions() {
    let cases: &[(&str, &str, i64, i64, &str)] = &[
        (
            "openclaw.json",
            "{\n  \"gateway\": {\n    \"bind\": \"lan\"\n",
            4,
            1,
            "never closed",
        ),
        (
            "openclaw.json",
            "{\n  a: 1\n  b: 2\n}\n",
            3,
            3,
            "comma missing",
        ),
        ("openclaw.json", "{ a: 'open }", 1, 13, "never closed"),
        (
            "openclaw.json",
            "{}\n\"gateway\": {}\n",
            2,
            1,
            "pasted outside",
        ),
        ("openclaw.json", "{ a: tru }", 1, 6, "strings need quotes"),
        (
            "exec-approvals.json",
            "{\"version\": 1,}",
            1,
            15,
            "trailing comma",
        ),
        (
            "exec-approvals.json",
            "{'version': 1}",
            1,
            2,
            "single-quoted",
        ),
        (
            "exec-approvals.json",
            "{\"version\": 1, defaults: {}}",
            1,
            16,
            "double-quoted",
        ),
        (
            "exec-approvals.json",
            "\u{feff}{\"version\": 1}",
            1,
            1,
            "byte order mark",
        ),
        (
            "exec-approvals.json",
            "{\"version\": 01}",
            1,
            14,
            "leading zeros",
        ),
    ];
    for (name, text, line, col, reason) in cases {
        let d = temp_with(name, text);
        let o = check(&["--color", "never", d.path().to_str().expect("utf-8")]);
        assert_eq!(o.status.code(), Some(2), "{text:?}");
        let out = stdout(&o);
        let want = format!("{}:{line}:{col}: error: ", d.path().join(name).display());
        let line_text = out
            .lines()
            .find(|l| l.starts_with(&want))
            .unwrap_or_else(|| panic!("no {want} in\n{out}"));
        assert!(line_text.contains(reason), "{line_text}");
    }
}

#[test]
fn empty_file_exits_two() {
    for name in ["openclaw.json", "exec-approvals.json"] {
        let d = temp_with(name, "");
        let (code, f, _) = findings_of(d.path());
        assert_eq!(code, 2);
        assert_eq!(f, [(name.to_string(), 1, 1, "syntax_error".to_string())]);
    }
}

#[test]
fn directory_with_neither_file_exits_two() {
    let o = check(&[&fx("neither")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("clawscan: "), "{err}");
    assert!(
        err.contains("neither openclaw.json nor exec-approvals.json exists"),
        "{err}"
    );
    let o = check(&["testdata/config/does-not-exist"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such file or directory"));
}

#[test]
fn unreadable_file_exits_two() {
    // A directory where the file should be cannot be read by anyone, root included.
    let d = tempfile::tempdir().expect("tempdir");
    fs::create_dir(d.path().join("exec-approvals.json")).expect("mkdir");
    fs::write(d.path().join("openclaw.json"), "{}").expect("write");
    let (code, f, v) = findings_of(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        f,
        [(
            "exec-approvals.json".to_string(),
            0,
            0,
            "file_unreadable".to_string()
        )]
    );
    assert_eq!(v["files"][1]["status"], "unreadable");
    assert_eq!(v["outcome"], "read_failed");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let d = temp_with("openclaw.json", "{}");
        let p = d.path().join("openclaw.json");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).expect("chmod");
        if fs::read(&p).is_err() {
            let (code, f, _) = findings_of(d.path());
            assert_eq!(code, 2);
            assert_eq!(
                f,
                [(
                    "openclaw.json".to_string(),
                    0,
                    0,
                    "file_unreadable".to_string()
                )]
            );
        }
    }
}

#[test]
fn default_location_follows_openclaw_env() {
    let home = tempfile::tempdir().expect("tempdir");
    // Nothing in ~/.openclaw: a clear error, exit 2.
    let o = check_env(&[], &[("HOME", home.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no OpenClaw config found"));

    // ~/.openclaw is used when OPENCLAW_STATE_DIR is unset.
    let state = home.path().join(".openclaw");
    fs::create_dir(&state).expect("mkdir");
    fs::copy(
        root().join("testdata/config/guide-follower/exec-approvals.json"),
        state.join("exec-approvals.json"),
    )
    .expect("copy");
    let o = check_env(&["--json"], &[("HOME", home.path())]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(
        v["files"][1]["path"],
        state.join("exec-approvals.json").to_string_lossy().as_ref()
    );

    // OPENCLAW_STATE_DIR wins over HOME; OPENCLAW_CONFIG_PATH over both for openclaw.json.
    let fixture = root().join("testdata/config/clean");
    let o = check_env(
        &["--json"],
        &[("HOME", home.path()), ("OPENCLAW_STATE_DIR", &fixture)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let cfg = root().join("testdata/config/tools-exec/openclaw.json");
    let o = check_env(
        &["--json"],
        &[
            ("HOME", home.path()),
            ("OPENCLAW_STATE_DIR", &fixture),
            ("OPENCLAW_CONFIG_PATH", &cfg),
        ],
    );
    let v = json(&o);
    assert_eq!(v["files"][0]["path"], cfg.to_string_lossy().as_ref());
    assert_eq!(
        v["files"][1]["path"],
        fixture
            .join("exec-approvals.json")
            .to_string_lossy()
            .as_ref()
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn file_arguments_are_classified_by_name() {
    // An exec-approvals file alone: strict JSON rules, no note about openclaw.json.
    let o = check(&[
        "--json",
        "testdata/config/guide-follower/exec-approvals.json",
    ]);
    let v = json(&o);
    assert_eq!(v["files"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["files"][0]["kind"], "exec_approvals");
    assert_eq!(
        json_findings(&v),
        [(
            "exec-approvals.json".to_string(),
            10,
            20,
            "invalid_enum".to_string()
        )]
    );
    // Any other name is read as openclaw.json (JSON5).
    let d = temp_with("backup.json5", "{ gateway: { localExec: {} } }");
    let o = check(&[
        "--json",
        d.path().join("backup.json5").to_str().expect("utf-8"),
    ]);
    let v = json(&o);
    assert_eq!(v["files"][0]["kind"], "openclaw_json");
    assert_eq!(
        json_findings(&v),
        [("backup.json5".to_string(), 1, 14, "unknown_key".to_string())]
    );
    // Several arguments: each is checked, the worst outcome wins.
    let o = check(&[&fx("clean"), &fx("exec-json5-syntax")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn colour_only_when_asked() {
    let plain = check(&["--color", "never", &fx("guide-follower")]);
    assert!(!plain.stdout.contains(&0x1b));
    let coloured = check(&["--color", "always", &fx("guide-follower")]);
    assert!(stdout(&coloured).contains("\x1b[1;31merror\x1b[0m"));
    // Piped output (not a terminal) is plain by default.
    let auto = check(&[&fx("guide-follower")]);
    assert!(!auto.stdout.contains(&0x1b));
}
