//! Tests of the whole check on files: loading, outcomes, rendering, and the
//! no-panic properties of the parser and the checkers.

use std::fs;
use std::path::Path;

use proptest::prelude::*;

use super::json5::{Dialect, Value, parse};
use super::*;

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).expect("write fixture");
}

fn codes(r: &CheckReport) -> Vec<(&'static str, Option<u32>, Option<u32>)> {
    r.findings
        .iter()
        .map(|f| (f.code, f.line, f.column))
        .collect()
}

#[test]
fn clean_dir_exits_zero() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        CONFIG_FILE,
        "{ gateway: { mode: 'local', bind: 'loopback' } }\n",
    );
    write(
        d.path(),
        APPROVALS_FILE,
        "{\"version\": 1, \"defaults\": {\"security\": \"allowlist\"}}\n",
    );
    let r = check_dir(d.path());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.outcome(), CheckOutcome::Clean);
    assert_eq!(r.outcome().exit_code(), 0);
}

#[test]
fn missing_file_is_a_note_when_the_other_exists() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), CONFIG_FILE, "{}");
    let r = check_dir(d.path());
    assert_eq!(codes(&r), [("file_missing", None, None)]);
    assert_eq!(r.findings[0].severity, Severity::Note);
    assert_eq!(r.outcome(), CheckOutcome::Clean);
    assert!(r.found_any_file());
}

#[test]
fn neither_file_is_an_error() {
    let d = tempfile::tempdir().expect("tempdir");
    let e = check_paths(&[d.path().to_path_buf()]).expect_err("nothing to check");
    assert!(matches!(e, CheckError::NoConfigInDir { .. }));
    assert!(
        e.to_string()
            .contains("neither openclaw.json nor exec-approvals.json")
    );
    assert!(!check_dir(d.path()).found_any_file());
    let e = check_paths(&[d.path().join("nope")]).expect_err("no such path");
    assert!(matches!(e, CheckError::NotFound { .. }));
}

#[test]
fn empty_file_is_a_syntax_error() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), CONFIG_FILE, "");
    write(d.path(), APPROVALS_FILE, "  \n");
    let r = check_dir(d.path());
    assert_eq!(
        codes(&r),
        [
            ("syntax_error", Some(1), Some(1)),
            ("syntax_error", Some(2), Some(1))
        ]
    );
    assert_eq!(r.outcome(), CheckOutcome::ReadFailed);
    assert_eq!(r.outcome().exit_code(), 2);
}

#[test]
fn directory_in_place_of_a_file_is_unreadable() {
    let d = tempfile::tempdir().expect("tempdir");
    fs::create_dir(d.path().join(CONFIG_FILE)).expect("mkdir");
    write(d.path(), APPROVALS_FILE, "{\"version\":1}");
    let r = check_dir(d.path());
    assert_eq!(codes(&r), [("file_unreadable", None, None)]);
    assert_eq!(r.outcome(), CheckOutcome::ReadFailed);
}

#[test]
fn too_deep_is_clawscans_limit_not_a_syntax_error() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), CONFIG_FILE, &"[".repeat(300));
    let r = check_dir(d.path());
    assert_eq!(
        codes(&r),
        [
            ("too_deep", Some(1), Some(201)),
            ("file_missing", None, None)
        ]
    );
    assert!(r.findings[0].openclaw_does.is_empty());
    assert_eq!(r.outcome(), CheckOutcome::ReadFailed);
}

#[test]
fn invalid_utf8_is_reported_with_position() {
    let d = tempfile::tempdir().expect("tempdir");
    fs::write(d.path().join(CONFIG_FILE), b"{\n  meta: '\xff'\n}").expect("write");
    let r = check_files(Some(&d.path().join(CONFIG_FILE)), None);
    assert_eq!(codes(&r), [("not_utf8", Some(2), Some(10))]);
}

#[test]
fn cross_check_names_the_stricter_side() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        CONFIG_FILE,
        "{ tools: { exec: { security: 'deny' } } }",
    );
    write(
        d.path(),
        APPROVALS_FILE,
        "{\"version\":1,\"defaults\":{\"security\":\"full\",\"ask\":\"always\"}}",
    );
    let r = check_dir(d.path());
    assert_eq!(codes(&r), [("exec_policy_differs", Some(1), Some(30))]);
    assert!(r.findings[0].file.ends_with(CONFIG_FILE));
    assert_eq!(r.outcome(), CheckOutcome::Clean);

    write(d.path(), CONFIG_FILE, "{ tools: { exec: { ask: 'off' } } }");
    let r = check_dir(d.path());
    assert_eq!(codes(&r), [("exec_policy_differs", Some(1), Some(50))]);
    assert!(r.findings[0].file.ends_with(APPROVALS_FILE));
}

#[test]
fn version_from_config_tailors_approvals_findings() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        CONFIG_FILE,
        "{ meta: { lastTouchedVersion: '2026.4.12' } }",
    );
    write(
        d.path(),
        APPROVALS_FILE,
        "{\"version\":1,\"defaults\":{\"ask\":\"on_miss\"}}",
    );
    let r = check_dir(d.path());
    assert_eq!(
        r.files[0].last_touched_version.as_deref(),
        Some("2026.4.12")
    );
    let f = &r.findings[0];
    assert_eq!(f.openclaw_does.len(), 1);
    assert!(f.openclaw_does[0].contains("drops it silently"));
}

#[test]
fn text_rendering_plain_and_coloured() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        APPROVALS_FILE,
        "{\"version\":1,\"defaults\":{\"ask\":\"\\u001b[31mx\"}}",
    );
    let r = check_dir(d.path());
    let mut plain = Vec::new();
    render_text(&r, false, &mut plain).expect("render");
    let plain = String::from_utf8(plain).expect("utf8");
    assert!(!plain.contains('\x1b'), "{plain}");
    assert!(plain.contains(":1:32: error: invalid ask"), "{plain}");
    assert!(plain.contains("    valid: \"off\" | \"on-miss\" | \"always\""));
    assert!(plain.contains("cause: exec_approvals_invalid"));
    let mut col = Vec::new();
    render_text(&r, true, &mut col).expect("render");
    let col = String::from_utf8(col).expect("utf8");
    assert!(col.contains("\x1b[1;31merror\x1b[0m"));
    // The value's own escape byte is shown escaped, never raw.
    assert!(!col.contains("\x1b[31mx"));
}

#[test]
fn json_rendering_is_one_document() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), CONFIG_FILE, "{ gateway: { localExec: {} } }");
    let r = check_dir(d.path());
    let mut buf = Vec::new();
    render_json(&r, &mut buf).expect("render");
    let v: serde_json::Value = serde_json::from_slice(&buf).expect("valid JSON");
    assert_eq!(v["schema"], "clawscan.check/1");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["outcome"], "findings");
    assert_eq!(v["findings"][0]["code"], "unknown_key");
    assert_eq!(v["findings"][0]["line"], 1);
    assert_eq!(v["findings"][0]["column"], 14);
    assert_eq!(v["findings"][0]["cause"], "loopback_local_exec");
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["causes"]["loopback_local_exec"], 1);
    assert_eq!(v["files"][1]["status"], "missing");
}

#[test]
fn run_writes_and_maps_exit_codes() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), APPROVALS_FILE, "{\"version\":1,}");
    let opts = CheckOptions {
        paths: vec![d.path().join(APPROVALS_FILE)],
        json: false,
        color: false,
    };
    let mut out = Vec::new();
    let outcome = run(&opts, &mut out).expect("runs");
    assert_eq!(outcome.exit_code(), 2);
    let text = String::from_utf8(out).expect("utf8");
    assert!(
        text.contains(":1:14: error: trailing comma before '}' is not allowed in JSON"),
        "{text}"
    );
}

struct BrokenPipe;

impl std::io::Write for BrokenPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn broken_pipe_is_not_an_error() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), CONFIG_FILE, "{ gateway: { bind: 'lan' } }");
    let opts = CheckOptions {
        paths: vec![d.path().to_path_buf()],
        json: false,
        color: false,
    };
    assert_eq!(
        run(&opts, &mut BrokenPipe).expect("ok"),
        CheckOutcome::Clean
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_exits_two() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join(APPROVALS_FILE);
    write(d.path(), APPROVALS_FILE, "{\"version\":1}");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read(&p).is_ok() {
        // Running as root: permissions do not stop reads, nothing to test.
        return;
    }
    let r = check_dir(d.path());
    assert!(codes(&r).contains(&("file_unreadable", None, None)));
    assert_eq!(r.outcome(), CheckOutcome::ReadFailed);
}

/// Strings that look like configs, to reach deep into the checkers.
fn config_like() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("gateway"),
        Just("bind"),
        Just("auth"),
        Just("remote"),
        Just("token"),
        Just("localExec"),
        Just("agents"),
        Just("subagents"),
        Just("defaults"),
        Just("list"),
        Just("channels"),
        Just("discord"),
        Just("dm"),
        Just("dmPolicy"),
        Just("allowFrom"),
        Just("allowedUsers"),
        Just("accounts"),
        Just("tools"),
        Just("exec"),
        Just("security"),
        Just("ask"),
        Just("askFallback"),
        Just("version"),
        Just("allowlist"),
        Just("pattern"),
        Just("meta"),
        Just("lastTouchedVersion"),
        Just("$include"),
        Just("*"),
        Just("default"),
        Just("main"),
        Just("socket"),
        Just("argPattern"),
        Just("controlUi"),
        Just("allowInsecureAuth"),
    ];
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("1".to_string()),
        Just("1e400".to_string()),
        Just("123456789012345678".to_string()),
        Just("\"allowlist\"".to_string()),
        Just("\"open\"".to_string()),
        Just("\"*\"".to_string()),
        Just("\"on_miss\"".to_string()),
        Just("\"2026.8.1\"".to_string()),
        Just("\"custom\"".to_string()),
        Just("\"\"".to_string()),
        Just("\"USER_ID_1\"".to_string()),
        "\"[^\"\\\\]{0,8}\"",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|v| {
                let members: Vec<String> =
                    v.iter().map(|(k, val)| format!("\"{k}\":{val}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

fn check_text(text: &str) {
    for dialect in [Dialect::Json5, Dialect::Json] {
        if let Ok(root) = parse(text, dialect) {
            let oc = openclaw_json::check("openclaw.json", &root);
            let ex = exec_approvals::check("exec-approvals.json", &root, oc.version);
            let mut report = CheckReport::default();
            report.findings.extend(oc.findings);
            report.findings.extend(ex.findings);
            let mut sink = Vec::new();
            render_text(&report, true, &mut sink).expect("render to memory");
            render_json(&report, &mut sink).expect("render to memory");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        check_text(&text);
    }

    #[test]
    fn parser_never_panics_on_json_ish_text(text in "[{}\\[\\]:,\"'/*\\\\ \\n\\tnulltrefas0-9.eE+xXa-zA-Z_$\\u{2028}\\u{feff}é]{0,120}") {
        check_text(&text);
    }

    #[test]
    fn checkers_never_panic_on_config_shapes(text in config_like()) {
        check_text(&text);
        // Every parse error has a position inside the text (or just past its end).
        if let Err(e) = parse(&text, Dialect::Json) {
            prop_assert!(e.pos.offset <= text.len());
        }
    }

    #[test]
    fn valid_json_parses_alike_in_both_dialects(text in config_like()) {
        let strict = parse(&text, Dialect::Json);
        let five = parse(&text, Dialect::Json5);
        if let Ok(s) = strict {
            let f = five.expect("JSON5 accepts all JSON");
            prop_assert_eq!(strip(&s), strip(&f));
            // serde_json refuses numbers like 1e400 that JavaScript reads as Infinity.
            if let Ok(serde) = serde_json::from_str::<serde_json::Value>(&text) {
                prop_assert!(serde.is_object() == matches!(s.value, Value::Object(_)));
            }
        }
    }
}

/// The tree without positions, to compare two parses.
fn strip(n: &json5::Node) -> String {
    match &n.value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(x) => x.raw.clone(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!("[{}]", a.iter().map(strip).collect::<Vec<_>>().join(",")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|m| format!("{:?}:{}", m.key, strip(&m.value)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

#[test]
fn syntax_errors_do_not_echo_unquoted_secrets() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        CONFIG_FILE,
        "{ gateway: { auth: { token: abcdef0123456789secret } } }",
    );
    let r = check_dir(d.path());
    let mut out = Vec::new();
    render_text(&r, false, &mut out).expect("render");
    render_json(&r, &mut out).expect("render");
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("openclaw.json:1:29: error: unquoted word"),
        "{text}"
    );
    assert!(!text.contains("abcdef0123456789secret"));
}
