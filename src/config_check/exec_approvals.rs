//! Checks `exec-approvals.json` the way OpenClaw loads it (facts §3.3, §5.2).
//!
//! This module owns the schema of the approvals file: `version`, `socket`, the policy
//! enums (`security`, `askFallback`: deny|allowlist|full; `ask`: off|on-miss|always)
//! in `defaults`, `agents.<id>` and `agents."*"`, allowlist entries, unknown keys, and
//! what each OpenClaw era does with a bad value. It does not parse the file (`json5`,
//! in strict JSON mode), read it from disk, or print (`render`); it never reports a
//! bad value as a cause of "pairing required", because no OpenClaw code path makes it
//! one.

use std::collections::HashMap;

use super::common::{
    Aliases, EnumCheck, check_enum, duplicate_keys, last_members, unknown_key, wrong_type,
};
use super::finding::{CfgPath, Finding, Severity, quote};
use super::json5::{Member, Node, Pos, Value};
use super::versions::{ExecEra, invalid_policy_value, whole_file_ignored};
use crate::cause::Cause;
use crate::version::OcVersion;

/// `security` and `askFallback`: the security enum (askFallback never had `allow`).
pub const SECURITY: &[&str] = &["deny", "allowlist", "full"];
/// `ask`.
pub const ASK: &[&str] = &["off", "on-miss", "always"];

const ROOT_KEYS: &[&str] = &["version", "socket", "defaults", "agents"];
const SOCKET_KEYS: &[&str] = &["path", "token"];
const POLICY_KEYS: &[&str] = &["security", "ask", "askFallback", "autoAllowSkills"];
const AGENT_KEYS: &[&str] = &[
    "security",
    "ask",
    "askFallback",
    "autoAllowSkills",
    "allowlist",
];
const ENTRY_KEYS: &[&str] = &[
    "id",
    "pattern",
    "source",
    "commandText",
    "argPattern",
    "lastUsedAt",
    "lastUsedCommand",
    "lastResolvedPath",
];

const SECURITY_ALIASES: Aliases = &[
    ("allow", &["full", "allowlist"]),
    ("allow-all", &["full"]),
    ("all", &["full"]),
    ("any", &["full"]),
    ("permissive", &["full"]),
    ("none", &["deny"]),
    ("block", &["deny"]),
    ("blocked", &["deny"]),
    ("reject", &["deny"]),
    ("denied", &["deny"]),
    ("whitelist", &["allowlist"]),
    ("allowed", &["allowlist"]),
];
const ASK_ALIASES: Aliases = &[
    ("never", &["off"]),
    ("no", &["off"]),
    ("none", &["off"]),
    ("false", &["off"]),
    ("miss", &["on-miss"]),
    ("ask", &["on-miss"]),
    ("on-demand", &["on-miss"]),
    ("yes", &["always"]),
    ("true", &["always"]),
    ("every", &["always"]),
];

const CAUSE: Cause = Cause::ExecApprovalsInvalid;

const INSTEAD_ENUM: &str = "set one of the valid values; `openclaw approvals get --gateway` shows the policy in effect \
     (tools.exec.security/ask in openclaw.json apply too: the stricter wins)";

const INSTEAD_WHOLE_FILE: &str = "fix the file rather than deleting it: deleting does not fix \"pairing required\", \
     2026.4.2+ regenerates permissive full/off defaults, and on 2026.8.x run `openclaw doctor --fix` instead";

/// The valid `defaults` policy found in the file, for comparison with `tools.exec`.
pub type ApprovalsPolicy = super::common::ExecPolicy;

/// The findings for one parsed approvals file, and its valid default policy.
#[derive(Clone, Debug, Default)]
pub struct ApprovalsCheck {
    /// Everything found, in file order.
    pub findings: Vec<Finding>,
    /// The default policy, for the cross-check with openclaw.json.
    pub policy: ApprovalsPolicy,
}

struct ApprovalsWalk<'a> {
    file: &'a str,
    version: Option<OcVersion>,
    out: Vec<Finding>,
}

/// Checks a parsed `exec-approvals.json`. `version` is the OpenClaw version the
/// config says it was last written by, to tailor "what OpenClaw does".
pub fn check(file: &str, root: &Node, version: Option<OcVersion>) -> ApprovalsCheck {
    let mut cx = ApprovalsWalk {
        file,
        version,
        out: Vec::new(),
    };
    let mut policy = ApprovalsPolicy::default();
    let top = CfgPath::root();
    let Some(members) = root.as_object() else {
        cx.out.push(
            Finding::at(
                file,
                root.pos,
                Severity::Error,
                "wrong_type",
                CAUSE,
                &top,
                format!(
                    "the file must hold an object {{ \"version\": 1, … }}, not {}",
                    root.type_name()
                ),
            )
            .does(whole_file_ignored(version))
            .instead(INSTEAD_WHOLE_FILE),
        );
        return ApprovalsCheck {
            findings: cx.out,
            policy,
        };
    };
    cx.out.extend(duplicate_keys(file, root, &|_| CAUSE));

    check_version(&mut cx, root);

    if let Some(v) = version
        && ExecEra::of(v) == ExecEra::Sqlite
    {
        cx.out.push(
            Finding::file_level(
                file,
                Severity::Warning,
                "legacy_file_present",
                CAUSE,
                format!("OpenClaw {v} keeps exec approvals in SQLite; this JSON file is legacy"),
            )
            .does(invalid_policy_value(Some(v), ""))
            .instead("run `openclaw doctor --fix` to import it (fix the problems below first)"),
        );
    }

    for m in last_members(members) {
        let p = top.key(&m.key);
        match m.key.as_str() {
            "version" => {}
            "socket" => check_socket(&mut cx, m, &p),
            "defaults" => {
                if let Some(obj) = object_or_report(&mut cx, m, &p) {
                    let found = check_policy_object(&mut cx, obj, &p, POLICY_KEYS);
                    policy = found;
                }
            }
            "agents" => check_agents(&mut cx, m, &p),
            _ => {
                let f = unknown_key(file, m, &top, ROOT_KEYS, Severity::Warning, CAUSE);
                cx.out.push(unknown_key_consequence(f, &top, &m.key));
            }
        }
    }
    cx.out.sort_by_key(|f| (f.line, f.column));
    ApprovalsCheck {
        findings: cx.out,
        policy,
    }
}

fn check_version(cx: &mut ApprovalsWalk<'_>, root: &Node) {
    let top = CfgPath::root();
    match root.get("version") {
        None => cx.out.push(
            Finding::at(
                cx.file,
                root.pos,
                Severity::Error,
                "version_invalid",
                CAUSE,
                &top.key("version"),
                "missing \"version\": 1 — OpenClaw only reads files that say version 1",
            )
            .valid(&["1"])
            .does(whole_file_ignored(cx.version))
            .instead(format!(
                "add \"version\": 1 as the first member; {INSTEAD_WHOLE_FILE}"
            )),
        ),
        Some(m) => {
            let ok = matches!(&m.value.value, Value::Number(n) if n.value == 1.0);
            if !ok {
                cx.out.push(
                    Finding::at(
                        cx.file,
                        m.value.pos,
                        Severity::Error,
                        "version_invalid",
                        CAUSE,
                        &top.key("version"),
                        format!(
                            "\"version\" must be the number 1, not {}",
                            super::finding::show_value(&m.value)
                        ),
                    )
                    .key("version")
                    .value_of(&m.value)
                    .valid(&["1"])
                    .does(whole_file_ignored(cx.version))
                    .instead(format!("write \"version\": 1; {INSTEAD_WHOLE_FILE}")),
                );
            }
        }
    }
}

fn object_or_report<'n>(
    cx: &mut ApprovalsWalk<'_>,
    m: &'n Member,
    p: &CfgPath,
) -> Option<&'n [Member]> {
    match m.value.as_object() {
        Some(o) => Some(o),
        None => {
            cx.out.push(
                wrong_type(
                    cx.file,
                    &m.value,
                    p,
                    &m.key,
                    "an object",
                    Severity::Error,
                    CAUSE,
                )
                .does(["ignores it as if it were absent (the built-in defaults apply)"]),
            );
            None
        }
    }
}

fn unknown_key_consequence(f: Finding, parent: &CfgPath, key: &str) -> Finding {
    f.says(format!(
        "invalid exec.approvals.set params: at {}: unexpected property '{key}'",
        json_pointer(parent)
    ))
    .does([
        "the file loader ignores the key, but saving the policy through the gateway (`exec.approvals.set`, \
         Control UI or `openclaw approvals`) rejects the whole file",
    ])
    .instead("remove the key, or fix its spelling")
}

/// The RPC's path to `parent` inside its `file` parameter.
fn json_pointer(parent: &CfgPath) -> String {
    let mut s = String::from("/file");
    for seg in &parent.0 {
        s.push('/');
        match seg {
            super::finding::Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            super::finding::Seg::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

fn check_socket(cx: &mut ApprovalsWalk<'_>, m: &Member, p: &CfgPath) {
    let Some(obj) = object_or_report(cx, m, p) else {
        return;
    };
    for sm in last_members(obj) {
        let sp = p.key(&sm.key);
        if !SOCKET_KEYS.contains(&sm.key.as_str()) {
            let f = unknown_key(cx.file, sm, p, SOCKET_KEYS, Severity::Warning, CAUSE);
            cx.out.push(unknown_key_consequence(f, p, &sm.key));
        } else if sm.value.as_str().is_none() {
            // `socket.path` / `socket.token` are trimmed as strings at load; anything
            // else throws and the whole file is replaced by defaults.
            cx.out.push(
                wrong_type(
                    cx.file,
                    &sm.value,
                    &sp,
                    &sm.key,
                    "a string",
                    Severity::Error,
                    CAUSE,
                )
                .does(whole_file_ignored(cx.version)),
            );
        }
    }
}

fn default_for(field: &str) -> &'static str {
    match field {
        "security" => "security=full",
        "ask" => "ask=off",
        _ => "askFallback=full, deny from 2026-06 (#89938)",
    }
}

/// Checks the policy fields of `defaults` or one agent; returns the valid
/// `security`/`ask` found (used for `defaults`).
fn check_policy_object(
    cx: &mut ApprovalsWalk<'_>,
    obj: &[Member],
    p: &CfgPath,
    known: &[&str],
) -> ApprovalsPolicy {
    let mut found = ApprovalsPolicy::default();
    for m in last_members(obj) {
        let fp = p.key(&m.key);
        match m.key.as_str() {
            "security" | "askFallback" | "ask" => {
                let (valid, aliases) = if m.key == "ask" {
                    (ASK, ASK_ALIASES)
                } else {
                    (SECURITY, SECURITY_ALIASES)
                };
                match check_enum(cx.file, m, &fp, valid, aliases, CAUSE, false) {
                    EnumCheck::Valid(v) => {
                        if m.key == "security" {
                            found.security = Some((v.to_string(), m.value.pos));
                        } else if m.key == "ask" {
                            found.ask = Some((v.to_string(), m.value.pos));
                        }
                    }
                    EnumCheck::EnvRef => {}
                    EnumCheck::Invalid(f) => {
                        let mut f = *f;
                        let trimmed = m.value.as_str().map(|s| s.trim() != s).unwrap_or(false);
                        if trimmed {
                            f.openclaw_does.push(
                                "some builds trim surrounding white space before comparing and accept it; the others treat it as below"
                                    .to_string(),
                            );
                        }
                        f = f.does(invalid_policy_value(cx.version, default_for(&m.key)));
                        let mut instead = INSTEAD_ENUM.to_string();
                        if m.key == "askFallback" && m.value.as_str() == Some("allow") {
                            f = f.guide(
                                "the guide lists askFallback values \"deny\", \"allow\"; \"allow\" was never valid: \
                                 askFallback takes the security values (#67747)",
                            );
                            instead = "\"full\" runs the command when no approver answers, \"allowlist\" runs it only if \
                                       it is allowlisted, \"deny\" refuses it"
                                .to_string();
                        }
                        cx.out.push(f.instead(instead));
                    }
                }
            }
            "autoAllowSkills" => {
                if !matches!(m.value.value, Value::Bool(_)) {
                    cx.out.push(
                        wrong_type(cx.file, &m.value, &fp, &m.key, "true or false", Severity::Warning, CAUSE)
                            .does(["treats any other value by its truthiness; `exec.approvals.set` rejects it"]),
                    );
                }
            }
            "allowlist" if known.contains(&"allowlist") => check_allowlist(cx, m, &fp),
            _ => {
                let f = unknown_key(cx.file, m, p, known, Severity::Warning, CAUSE);
                cx.out.push(unknown_key_consequence(f, p, &m.key));
            }
        }
    }
    found
}

fn check_agents(cx: &mut ApprovalsWalk<'_>, m: &Member, p: &CfgPath) {
    let Some(agents) = object_or_report(cx, m, p) else {
        return;
    };
    for am in last_members(agents) {
        let ap = p.key(&am.key);
        let Some(obj) = am.value.as_object() else {
            cx.out.push(
                wrong_type(
                    cx.file,
                    &am.value,
                    &ap,
                    &am.key,
                    "an object",
                    Severity::Error,
                    CAUSE,
                )
                .does(whole_file_ignored(cx.version)),
            );
            continue;
        };
        if am.key == "default" {
            let has_main = agents.iter().any(|o| o.key == "main");
            let extra = if has_main {
                "; where both set a field, \"main\" wins, and the allowlists are merged"
            } else {
                ""
            };
            cx.out.push(
                Finding::at(
                    cx.file,
                    am.key_pos,
                    Severity::Note,
                    "legacy_agent_default",
                    CAUSE,
                    &ap,
                    format!("legacy agent id \"default\": OpenClaw merges it into \"main\"{extra}"),
                )
                .key("default")
                .instead("rename it to \"main\" (or \"*\" to apply to every agent)"),
            );
        }
        check_policy_object(cx, obj, &ap, AGENT_KEYS);
    }
}

fn check_allowlist(cx: &mut ApprovalsWalk<'_>, m: &Member, p: &CfgPath) {
    let Some(items) = m.value.as_array() else {
        cx.out.push(
            wrong_type(
                cx.file,
                &m.value,
                p,
                "allowlist",
                "an array",
                Severity::Error,
                CAUSE,
            )
            .does(["drops the allowlist: no command is allowlisted for this agent"]),
        );
        return;
    };
    // (lower-cased trimmed pattern, trimmed argPattern) → where it was first seen:
    // the key OpenClaw itself de-duplicates by when it merges allowlists.
    let mut seen: HashMap<(String, String), (Pos, usize)> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let ip = p.index(i);
        let pattern: Option<String> = match &item.value {
            Value::String(s) => {
                if s.trim().is_empty() {
                    cx.out.push(empty_pattern(cx.file, item, &ip));
                    None
                } else {
                    cx.out.push(
                        Finding::at(
                            cx.file,
                            item.pos,
                            Severity::Note,
                            "allowlist_string_entry",
                            CAUSE,
                            &ip,
                            format!("legacy string entry {}: OpenClaw converts it to {{ \"pattern\": … }}", quote(s)),
                        )
                        .value_of(item),
                    );
                    Some(s.clone())
                }
            }
            Value::Object(fields) => check_entry(cx, item, fields, &ip),
            _ => {
                cx.out.push(
                    wrong_type(
                        cx.file,
                        item,
                        &ip,
                        "an allowlist entry",
                        "an object with \"pattern\"",
                        Severity::Warning,
                        CAUSE,
                    )
                    .does(["drops the entry when loading"]),
                );
                None
            }
        };
        let Some(pattern) = pattern else { continue };
        let arg = item
            .get("argPattern")
            .and_then(|a| a.value.as_str())
            .map(|a| a.trim().to_string())
            .unwrap_or_default();
        let key = (pattern.trim().to_lowercase(), arg);
        if let Some((first_pos, first_i)) = seen.get(&key) {
            cx.out.push(
                Finding::at(
                    cx.file,
                    item.pos,
                    Severity::Warning,
                    "allowlist_duplicate",
                    CAUSE,
                    &ip,
                    format!(
                        "duplicate allowlist entry {}: same pattern as entry [{first_i}] at {}:{}",
                        quote(&pattern),
                        first_pos.line,
                        first_pos.column
                    ),
                )
                .does(["matches the first entry; this one is redundant (merges de-duplicate it)"])
                .instead("remove one of the two"),
            );
        } else {
            seen.insert(key, (item.pos, i));
        }
    }
}

fn empty_pattern(file: &str, at: &Node, p: &CfgPath) -> Finding {
    Finding::at(
        file,
        at.pos,
        Severity::Warning,
        "allowlist_empty_pattern",
        CAUSE,
        p,
        "empty allowlist pattern",
    )
    .value_of(at)
    .does(["drops the entry when loading (and from the file when it is rewritten)"])
    .instead("give the full path of the executable, e.g. \"/usr/bin/git\", or remove the entry")
}

/// Checks one object entry; returns its pattern when OpenClaw would keep it.
fn check_entry(
    cx: &mut ApprovalsWalk<'_>,
    item: &Node,
    fields: &[Member],
    ip: &CfgPath,
) -> Option<String> {
    for f in last_members(fields) {
        let fp = ip.key(&f.key);
        if !ENTRY_KEYS.contains(&f.key.as_str()) {
            let fnd = unknown_key(cx.file, f, ip, ENTRY_KEYS, Severity::Warning, CAUSE);
            cx.out.push(unknown_key_consequence(fnd, ip, &f.key));
            continue;
        }
        match f.key.as_str() {
            "source" => {
                if let EnumCheck::Invalid(fnd) =
                    check_enum(cx.file, f, &fp, &["allow-always"], &[], CAUSE, false)
                {
                    let mut fnd = *fnd;
                    fnd.severity = Severity::Warning;
                    cx.out
                        .push(fnd.does(["`exec.approvals.set` rejects the file with this entry"]));
                }
            }
            "lastUsedAt" => {
                let ok = matches!(&f.value.value, Value::Number(n) if n.value >= 0.0 && n.value.fract() == 0.0);
                if !ok {
                    cx.out.push(
                        wrong_type(
                            cx.file,
                            &f.value,
                            &fp,
                            &f.key,
                            "a non-negative integer (milliseconds)",
                            Severity::Warning,
                            CAUSE,
                        )
                        .does(["`exec.approvals.set` rejects the file with this entry"]),
                    );
                }
            }
            "pattern" => {}
            _ => {
                if f.value.as_str().is_none() {
                    cx.out.push(
                        wrong_type(
                            cx.file,
                            &f.value,
                            &fp,
                            &f.key,
                            "a string",
                            Severity::Warning,
                            CAUSE,
                        )
                        .does(["`exec.approvals.set` rejects the file with this entry"]),
                    );
                }
            }
        }
    }
    match item.get("pattern") {
        None => {
            cx.out.push(
                Finding::at(
                    cx.file,
                    item.pos,
                    Severity::Warning,
                    "allowlist_no_pattern",
                    CAUSE,
                    ip,
                    "allowlist entry without \"pattern\"",
                )
                .does(["drops the entry when loading; `exec.approvals.set` rejects the file"])
                .instead("add \"pattern\": \"/full/path/to/executable\", or remove the entry"),
            );
            None
        }
        Some(pm) => match pm.value.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.to_string()),
            Some(_) => {
                cx.out
                    .push(empty_pattern(cx.file, &pm.value, &ip.key("pattern")));
                None
            }
            None => {
                cx.out.push(
                    wrong_type(
                        cx.file,
                        &pm.value,
                        &ip.key("pattern"),
                        "pattern",
                        "a string",
                        Severity::Warning,
                        CAUSE,
                    )
                    .does(["drops the entry when loading"]),
                );
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config_check::json5::{Dialect, parse};

    fn run(src: &str) -> ApprovalsCheck {
        let node = parse(src, Dialect::Json).expect("test input parses");
        check("exec-approvals.json", &node, None)
    }

    fn codes(c: &ApprovalsCheck) -> Vec<(&'static str, u32, u32)> {
        c.findings
            .iter()
            .map(|f| (f.code, f.line.unwrap_or(0), f.column.unwrap_or(0)))
            .collect()
    }

    #[test]
    fn clean_file() {
        let c = run(
            r#"{"version":1,"defaults":{"security":"allowlist","ask":"on-miss","askFallback":"deny"}}"#,
        );
        assert!(c.findings.is_empty(), "{:?}", c.findings);
        assert_eq!(
            c.policy.security.as_ref().map(|s| s.0.as_str()),
            Some("allowlist")
        );
        assert_eq!(c.policy.ask.as_ref().map(|s| s.0.as_str()), Some("on-miss"));
    }

    #[test]
    fn every_valid_value_passes() {
        for field in ["security", "askFallback"] {
            for v in SECURITY {
                let c = run(&format!(
                    r#"{{"version":1,"defaults":{{"{field}":"{v}"}},"agents":{{"*":{{"{field}":"{v}"}}}}}}"#
                ));
                assert!(c.findings.is_empty(), "{field}={v}: {:?}", c.findings);
            }
        }
        for v in ASK {
            let c = run(&format!(
                r#"{{"version":1,"defaults":{{"ask":"{v}"}},"agents":{{"main":{{"ask":"{v}"}}}}}}"#
            ));
            assert!(c.findings.is_empty(), "ask={v}: {:?}", c.findings);
        }
    }

    #[test]
    fn typos_of_each_value_are_found_with_suggestions() {
        let cases = [
            ("security", "dney", "deny"),
            ("security", "allow-list", "allowlist"),
            ("security", "Full", "full"),
            ("askFallback", "Deny", "deny"),
            ("askFallback", "allow_list", "allowlist"),
            ("askFallback", "ful", "full"),
            ("ask", "of", "off"),
            ("ask", "on_miss", "on-miss"),
            ("ask", "Always", "always"),
            ("ask", " on-miss", "on-miss"),
        ];
        for (field, bad, want) in cases {
            let src = format!("{{\"version\":1,\"defaults\":{{\"{field}\":\"{bad}\"}}}}");
            let c = run(&src);
            assert_eq!(c.findings.len(), 1, "{field}={bad}: {:?}", c.findings);
            let f = &c.findings[0];
            assert_eq!(f.code, "invalid_enum");
            assert_eq!((f.line, f.column), (Some(1), Some(29 + field.len() as u32)));
            assert_eq!(
                f.did_you_mean.first().map(String::as_str),
                Some(want),
                "{field}={bad}"
            );
            assert_eq!(f.cause, Cause::ExecApprovalsInvalid);
            assert!(f.openclaw_does.len() >= 4);
        }
    }

    #[test]
    fn guide_allow_is_flagged_as_guide() {
        let c = run(r#"{"version":1,"defaults":{"askFallback":"allow"}}"#);
        let f = &c.findings[0];
        assert!(f.guide.is_some());
        assert_eq!(f.did_you_mean, ["full", "allowlist"]);
    }

    #[test]
    fn version_problems() {
        assert_eq!(
            codes(&run(r#"{"defaults":{}}"#)),
            [("version_invalid", 1, 1)]
        );
        assert_eq!(
            codes(&run(r#"{"version":"1"}"#)),
            [("version_invalid", 1, 12)]
        );
        assert_eq!(
            codes(&run(r#"{"version":2}"#)),
            [("version_invalid", 1, 12)]
        );
        assert!(run(r#"{"version":1.0}"#).findings.is_empty());
        assert_eq!(codes(&run("[]")), [("wrong_type", 1, 1)]);
    }

    #[test]
    fn allowlist_entries() {
        let src = r#"{"version":1,"agents":{"main":{"allowlist":[
{"pattern":"/usr/bin/git"},
{"pattern":"/USR/BIN/GIT "},
{"pattern":"  "},
{"id":"x"},
"/bin/ls",
"",
7,
{"pattern":"/bin/cat","color":"red"}
]}}}"#;
        let c = run(src);
        assert_eq!(
            codes(&c),
            [
                ("allowlist_duplicate", 3, 1),
                ("allowlist_empty_pattern", 4, 12),
                ("allowlist_no_pattern", 5, 1),
                ("allowlist_string_entry", 6, 1),
                ("allowlist_empty_pattern", 7, 1),
                ("wrong_type", 8, 1),
                ("unknown_key", 9, 23),
            ]
        );
    }

    #[test]
    fn unknown_keys_and_legacy_default() {
        let src = "{\"version\":1,\"defaults\":{\"askfallback\":\"deny\"},\"agents\":{\"default\":{}},\"extra\":1}";
        let c = run(src);
        assert_eq!(
            codes(&c),
            [
                ("unknown_key", 1, 26),
                ("legacy_agent_default", 1, 58),
                ("unknown_key", 1, 72)
            ]
        );
        assert_eq!(c.findings[0].did_you_mean, ["askFallback"]);
        assert_eq!(
            c.findings[0].openclaw_says.as_deref(),
            Some(
                "invalid exec.approvals.set params: at /file/defaults: unexpected property 'askfallback'"
            )
        );
    }

    #[test]
    fn version_tailors_behaviour() {
        let node = parse(
            r#"{"version":1,"defaults":{"ask":"sometimes"}}"#,
            Dialect::Json,
        )
        .expect("parses");
        let c = check("f", &node, OcVersion::parse("2026.4.12"));
        assert_eq!(c.findings[0].openclaw_does.len(), 1);
        let c = check("f", &node, OcVersion::parse("2026.8.20"));
        assert_eq!(codes(&c)[0].0, "legacy_file_present");
    }

    #[test]
    fn socket_token_never_printed() {
        let c = run(r#"{"version":1,"socket":{"token":12345678}}"#);
        let text = format!("{:?}", c.findings);
        assert!(!text.contains("12345678"));
        assert_eq!(codes(&c), [("wrong_type", 1, 32)]);
    }
}
