//! Checks `openclaw.json` the way OpenClaw's strict zod schema reads it (facts §5.3, §6).
//!
//! This module owns the parts of the config schema that bear on "pairing required":
//! keys strict objects reject (the guide's `gateway.localExec`, `agents.subagents`,
//! `dm.allowedUsers` in particular), `gateway.bind` and its legacy host aliases,
//! `gateway.auth` / `gateway.remote` token consistency (compared by fingerprint, never
//! printed), `channels.<ch>.dmPolicy` with `allowFrom`, legacy `dm.policy` /
//! `dm.allowFrom`, `tools.exec`, and `meta.lastTouchedVersion`. It does not validate the
//! rest of the (large) schema: unknown keys are errors only in objects whose key set
//! is known, and `$include`d files are not followed.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

use regex::Regex;

use super::common::{
    Aliases, EnumCheck, check_enum, duplicate_keys, is_env_ref, last_members, unknown_key,
    wrong_type, zod_enum_message, zod_unknown_key_message,
};
use super::exec_approvals::{ASK, SECURITY};
use super::finding::{CfgPath, Finding, Seg, Severity, quote, short};
use super::json5::{Member, Node, Value};
use crate::cause::Cause;
use crate::version::OcVersion;

const ROOT_KEYS: &[&str] = &[
    "$schema",
    "$include",
    "meta",
    "env",
    "wizard",
    "diagnostics",
    "logging",
    "cli",
    "crestodian",
    "update",
    "browser",
    "ui",
    "secrets",
    "auth",
    "acp",
    "models",
    "nodeHost",
    "agents",
    "tools",
    "bindings",
    "broadcast",
    "audio",
    "media",
    "messages",
    "commands",
    "approvals",
    "session",
    "cron",
    "hooks",
    "web",
    "channels",
    "discovery",
    "canvasHost",
    "talk",
    "gateway",
    "memory",
    "mcp",
    "skills",
    "plugins",
    "surfaces",
    "proxy",
];
const GATEWAY_KEYS: &[&str] = &[
    "port",
    "mode",
    "bind",
    "customBindHost",
    "controlUi",
    "auth",
    "trustedProxies",
    "allowRealIpFallback",
    "tools",
    "webchat",
    "channelHealthCheckMinutes",
    "channelStaleEventThresholdMinutes",
    "channelMaxRestartsPerHour",
    "tailscale",
    "remote",
    "reload",
    "tls",
    "http",
    "push",
    "nodes",
];
const AUTH_KEYS: &[&str] = &[
    "mode",
    "token",
    "password",
    "allowTailscale",
    "rateLimit",
    "trustedProxy",
];
const RATE_LIMIT_KEYS: &[&str] = &["maxAttempts", "windowMs", "lockoutMs", "exemptLoopback"];
const REMOTE_KEYS: &[&str] = &[
    "url",
    "transport",
    "token",
    "password",
    "tlsFingerprint",
    "sshTarget",
    "sshIdentity",
];
const CONTROL_UI_KEYS: &[&str] = &[
    "enabled",
    "basePath",
    "root",
    "embedSandbox",
    "allowExternalEmbedUrls",
    "allowedOrigins",
    "dangerouslyAllowHostHeaderOriginFallback",
    "allowInsecureAuth",
    "dangerouslyDisableDeviceAuth",
];
const AGENTS_KEYS: &[&str] = &["defaults", "list"];
const SUBAGENT_DEFAULT_KEYS: &[&str] = &[
    "allowAgents",
    "maxConcurrent",
    "maxSpawnDepth",
    "maxChildrenPerAgent",
    "archiveAfterMinutes",
    "model",
    "thinking",
    "runTimeoutSeconds",
    "announceTimeoutMs",
    "requireAgentId",
];
const SUBAGENT_LIST_KEYS: &[&str] = &["allowAgents", "model", "thinking", "requireAgentId"];
const TOOLS_EXEC_KEYS: &[&str] = &[
    "host",
    "security",
    "ask",
    "mode",
    "node",
    "pathPrepend",
    "safeBins",
    "strictInlineEval",
    "commandHighlighting",
    "safeBinTrustedDirs",
    "safeBinProfiles",
    "reviewer",
    "backgroundMs",
    "timeoutSec",
    "cleanupMs",
    "notifyOnExit",
    "notifyOnExitEmptySuccess",
    "applyPatch",
];
const DM_KEYS: &[&str] = &[
    "enabled",
    "policy",
    "allowFrom",
    "groupEnabled",
    "groupChannels",
    "replyToMode",
];

/// `gateway.bind` modes.
pub const BIND: &[&str] = &["auto", "lan", "loopback", "custom", "tailnet"];
const BIND_LOOPBACK_ALIASES: &[&str] = &["127.0.0.1", "localhost", "::1", "[::1]"];
const BIND_LAN_ALIASES: &[&str] = &["0.0.0.0", "::", "[::]", "*"];
const BIND_ALIASES: Aliases = &[
    ("local", &["loopback"]),
    ("tailscale", &["tailnet"]),
    ("all", &["lan"]),
    ("any", &["lan"]),
    ("public", &["lan"]),
];
/// `gateway.mode`.
pub const GATEWAY_MODE: &[&str] = &["local", "remote"];
/// `gateway.auth.mode`.
pub const AUTH_MODE: &[&str] = &["none", "token", "password", "trusted-proxy"];
/// `gateway.remote.transport`.
pub const REMOTE_TRANSPORT: &[&str] = &["ssh", "direct"];
/// `channels.<ch>.dmPolicy`.
pub const DM_POLICY: &[&str] = &["pairing", "allowlist", "open", "disabled"];
const DM_ALIASES: Aliases = &[
    ("whitelist", &["allowlist"]),
    ("allow", &["allowlist"]),
    ("allowed", &["allowlist"]),
    ("allowfrom", &["allowlist"]),
    ("public", &["open"]),
    ("everyone", &["open"]),
    ("all", &["open"]),
    ("off", &["disabled"]),
    ("none", &["disabled"]),
    ("closed", &["disabled"]),
    ("pair", &["pairing"]),
    ("paired", &["pairing"]),
];
/// `tools.exec.host`.
pub const EXEC_HOST: &[&str] = &["auto", "sandbox", "gateway", "node"];
const EXEC_HOST_ALIASES: Aliases = &[
    ("local", &["gateway"]),
    ("host", &["gateway"]),
    ("docker", &["sandbox"]),
];
/// `tools.exec.mode` (newer builds).
pub const EXEC_MODE: &[&str] = &["deny", "allowlist", "ask", "auto", "full"];

const GUIDE_LOCAL_EXEC: &str = "the troubleshooting guide's variant-1 snippet: OpenClaw has no gateway.localExec \
     (nor requirePairing) in any version";
const INSTEAD_LOCAL_EXEC: &str = "remove it. Local exec/node clients refused with \"pairing required\" on \
     2026.3.31–4.1 are fixed in 2026.4.2 (#59092): upgrade and restart; until then approve once with \
     `openclaw devices list` → `openclaw devices approve <requestId>`";
const GUIDE_SUBAGENTS: &str = "the troubleshooting guide's variant-2 workaround: `agents` has only `defaults` and \
     `list`, and no version has subagents.scope or allowGatewaySubagentBinding";
const INSTEAD_SUBAGENTS: &str = "remove it. Sub-agent \"pairing required\" is fixed in 2026.2.23 (for 2.19–2.22) \
     and 2026.4.5 (for 3.25–4.4): upgrade; on any version approve the pending upgrade once with \
     `openclaw devices list` → `openclaw devices approve <requestId>`; on 4.5+ make sure gateway.auth.token is set. \
     Real sub-agent settings live in agents.defaults.subagents (allowAgents, maxConcurrent, …)";
const GUIDE_ALLOWED_USERS: &str = "the troubleshooting guide's variant-4 snippet: `dm.allowedUsers` does not exist in any version";
const GUIDE_BIND: &str = "the troubleshooting guide's variant-1 snippet sets bind to \"127.0.0.1\"; the bind \
     address has nothing to do with local pairing, and loopback is already the default";

/// What a rejected config does; the same for every strict-schema error.
fn rejects_config(file: &str) -> String {
    format!(
        "rejects the whole config (`Invalid config at {file}:` …): the gateway will not start until this is fixed"
    )
}

/// The valid `tools.exec` policy found, for comparison with exec-approvals.json.
pub type ToolsExecPolicy = super::common::ExecPolicy;

/// The findings for one parsed `openclaw.json`, and what other checks need from it.
#[derive(Clone, Debug, Default)]
pub struct OpenclawCheck {
    /// Everything found, in file order.
    pub findings: Vec<Finding>,
    /// `meta.lastTouchedVersion` as written.
    pub last_touched_version: Option<String>,
    /// The same, parsed.
    pub version: Option<OcVersion>,
    /// `tools.exec` policy.
    pub tools_exec: ToolsExecPolicy,
}

struct ConfigWalk<'a> {
    file: &'a str,
    out: Vec<Finding>,
}

impl ConfigWalk<'_> {
    /// An unknown key in a strict object: an error naming zod's message.
    fn strict_unknown(
        &mut self,
        m: &Member,
        parent: &CfgPath,
        known: &[&str],
        cause: Cause,
    ) -> Finding {
        unknown_key(self.file, m, parent, known, Severity::Error, cause)
            .says(zod_unknown_key_message(parent, &m.key))
            .does([rejects_config(self.file)])
    }

    fn enum_field(
        &mut self,
        m: &Member,
        path: &CfgPath,
        valid: &[&str],
        aliases: Aliases,
        cause: Cause,
    ) -> Option<String> {
        match check_enum(self.file, m, path, valid, aliases, cause, true) {
            EnumCheck::Valid(v) => Some(v.to_string()),
            EnumCheck::EnvRef => None,
            EnumCheck::Invalid(f) => {
                let f = *f;
                let f = f
                    .says(zod_enum_message(path, valid))
                    .does([rejects_config(self.file)]);
                self.out.push(f);
                None
            }
        }
    }

    fn object<'n>(&mut self, m: &'n Member, path: &CfgPath, cause: Cause) -> Option<&'n [Member]> {
        match m.value.as_object() {
            Some(o) => Some(o),
            None => {
                let f = wrong_type(
                    self.file,
                    &m.value,
                    path,
                    &m.key,
                    "an object",
                    Severity::Error,
                    cause,
                )
                .does([rejects_config(self.file)]);
                self.out.push(f);
                None
            }
        }
    }
}

/// An object with `$include` gets keys from another file, so its own key set proves
/// nothing about which keys are unknown.
fn has_include(obj: &[Member]) -> bool {
    obj.iter().any(|m| m.key == "$include")
}

fn cause_for_path(p: &CfgPath) -> Cause {
    let keys: Vec<&str> =
        p.0.iter()
            .filter_map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .collect();
    match keys.as_slice() {
        ["channels", ..] => Cause::DmPolicyPairing,
        ["agents", ..] => Cause::SubagentScopeUpgrade,
        ["tools", "exec", ..] => Cause::ExecApprovalsInvalid,
        ["gateway", "auth" | "remote", ..] => Cause::TokenMismatch,
        ["gateway", "controlUi", ..] => Cause::ControlUiInsecure,
        ["gateway", "localExec", ..] => Cause::LoopbackLocalExec,
        ["gateway", ..] => Cause::RemoteDeviceUnpaired,
        _ => Cause::Unknown,
    }
}

/// Checks a parsed `openclaw.json`.
pub fn check(file: &str, root: &Node) -> OpenclawCheck {
    let mut cx = ConfigWalk {
        file,
        out: Vec::new(),
    };
    let mut result = OpenclawCheck::default();
    let top = CfgPath::root();
    let Some(members) = root.as_object() else {
        cx.out.push(
            Finding::at(
                file,
                root.pos,
                Severity::Error,
                "wrong_type",
                Cause::Unknown,
                &top,
                format!(
                    "the config must be an object {{ … }}, not {}",
                    root.type_name()
                ),
            )
            .does([rejects_config(file)]),
        );
        result.findings = cx.out;
        return result;
    };
    cx.out.extend(duplicate_keys(file, root, &cause_for_path));
    includes(&mut cx, root, &top);

    let include_here = has_include(members);
    for m in last_members(members) {
        let p = top.key(&m.key);
        match m.key.as_str() {
            "meta" => {
                let v = m
                    .value
                    .get("lastTouchedVersion")
                    .and_then(|v| v.value.as_str());
                if let Some(v) = v {
                    result.last_touched_version = Some(v.to_string());
                    result.version = OcVersion::parse(v);
                }
            }
            "gateway" => {
                if let Some(obj) = cx.object(m, &p, Cause::RemoteDeviceUnpaired) {
                    check_gateway(&mut cx, obj, &p);
                }
            }
            "agents" => {
                if let Some(obj) = cx.object(m, &p, Cause::SubagentScopeUpgrade) {
                    check_agents(&mut cx, obj, &p);
                }
            }
            "channels" => {
                if let Some(obj) = cx.object(m, &p, Cause::DmPolicyPairing) {
                    check_channels(&mut cx, obj, &p);
                }
            }
            "tools" => {
                if let Some(exec) = m.value.get("exec") {
                    result.tools_exec = check_tools_exec(&mut cx, exec, &p.key("exec"));
                }
            }
            k if ROOT_KEYS.contains(&k) || include_here => {}
            _ => {
                // The root's key set grows with every release, so an unknown one is only
                // a warning: it may be a newer key than clawscan knows.
                let f = unknown_key(file, m, &top, ROOT_KEYS, Severity::Warning, Cause::Unknown)
                    .does([format!(
                        "if your version does not know it either: `{}`, and {}",
                        zod_unknown_key_message(&top, &m.key),
                        rejects_config(file)
                    )]);
                cx.out.push(f);
            }
        }
    }
    cx.out.sort_by_key(|f| (f.line, f.column));
    result.findings = cx.out;
    result
}

fn includes(cx: &mut ConfigWalk<'_>, node: &Node, path: &CfgPath) {
    match &node.value {
        Value::Object(members) => {
            for m in members {
                let p = path.key(&m.key);
                if m.key == "$include" {
                    cx.out.push(
                        Finding::at(
                            cx.file,
                            m.key_pos,
                            Severity::Note,
                            "include_not_followed",
                            cause_for_path(path),
                            &p,
                            "$include is not followed: keys from included files are not checked, and unknown keys \
                             next to it are not reported",
                        )
                        .key("$include")
                        .instead("run `clawscan check` on the included files too"),
                    );
                } else {
                    includes(cx, &m.value, &p);
                }
            }
        }
        Value::Array(items) => {
            for (i, it) in items.iter().enumerate() {
                includes(cx, it, &path.index(i));
            }
        }
        _ => {}
    }
}

fn check_gateway(cx: &mut ConfigWalk<'_>, obj: &[Member], p: &CfgPath) {
    let include_here = has_include(obj);
    let mut bind_custom: Option<&Member> = None;
    for m in last_members(obj) {
        let mp = p.key(&m.key);
        match m.key.as_str() {
            "mode" => {
                cx.enum_field(m, &mp, GATEWAY_MODE, &[], Cause::Unknown);
            }
            "bind" => {
                if check_bind(cx, m, &mp).as_deref() == Some("custom") {
                    bind_custom = Some(m);
                }
            }
            "auth" => {
                if let Some(o) = cx.object(m, &mp, Cause::TokenMismatch) {
                    check_keys_and_enums(cx, o, &mp, AUTH_KEYS, Cause::TokenMismatch, &[("mode", AUTH_MODE)]);
                    let rate = mp.key("rateLimit");
                    if let Some(rl) = o.iter().rev().find(|x| x.key == "rateLimit")
                        && let Some(ro) = cx.object(rl, &rate, Cause::TokenMismatch)
                    {
                        check_keys_and_enums(cx, ro, &rate, RATE_LIMIT_KEYS, Cause::TokenMismatch, &[]);
                    }
                }
            }
            "remote" => {
                if let Some(o) = cx.object(m, &mp, Cause::TokenMismatch) {
                    check_keys_and_enums(
                        cx,
                        o,
                        &mp,
                        REMOTE_KEYS,
                        Cause::TokenMismatch,
                        &[("transport", REMOTE_TRANSPORT)],
                    );
                }
            }
            "controlUi" => {
                if let Some(o) = cx.object(m, &mp, Cause::ControlUiInsecure) {
                    check_keys_and_enums(cx, o, &mp, CONTROL_UI_KEYS, Cause::ControlUiInsecure, &[]);
                    check_control_ui_flags(cx, o, &mp);
                }
            }
            "token" => cx.out.push(
                Finding::at(
                    cx.file,
                    m.key_pos,
                    Severity::Warning,
                    "legacy_gateway_token",
                    Cause::TokenMismatch,
                    &mp,
                    "gateway.token is not where the gateway token lives (value not shown)",
                )
                .key("token")
                .does([
                    "ignores it with a warning at load (src/config/io.ts; whether validation also rejects it is \
                     unconfirmed): clients presenting this token are refused with `unauthorized: gateway token \
                     mismatch` unless gateway.auth.token holds the same value",
                ])
                .instead("move it to gateway.auth.token"),
            ),
            "localExec" => {
                let f = cx
                    .strict_unknown(m, p, GATEWAY_KEYS, Cause::LoopbackLocalExec)
                    .guide(GUIDE_LOCAL_EXEC)
                    .instead(INSTEAD_LOCAL_EXEC);
                cx.out.push(f);
            }
            k if GATEWAY_KEYS.contains(&k) || k == "$include" || include_here => {}
            _ => {
                let f = cx.strict_unknown(m, p, GATEWAY_KEYS, Cause::Unknown);
                cx.out.push(f);
            }
        }
    }
    if let Some(b) = bind_custom {
        let host = obj.iter().rev().find(|m| m.key == "customBindHost");
        let empty = host.is_none_or(|h| h.value.as_str().is_none_or(|s| s.trim().is_empty()));
        if empty {
            cx.out.push(
                Finding::at(
                    cx.file,
                    b.value.pos,
                    Severity::Warning,
                    "bind_custom_without_host",
                    Cause::RemoteDeviceUnpaired,
                    &p.key("bind"),
                    "bind \"custom\" without gateway.customBindHost",
                )
                .key("bind")
                .value_of(&b.value)
                .does(["has no address to bind to for \"custom\""])
                .instead("set gateway.customBindHost to the address to listen on, or use another bind mode"),
            );
        }
    }
    check_token_consistency(cx, obj, p);
}

/// Returns the valid bind mode, if any.
fn check_bind(cx: &mut ConfigWalk<'_>, m: &Member, mp: &CfgPath) -> Option<String> {
    if let Some(s) = m.value.as_str() {
        let loopback = BIND_LOOPBACK_ALIASES.contains(&s.trim());
        let lan = BIND_LAN_ALIASES.contains(&s.trim());
        if loopback || lan {
            let (mode, cause) = if loopback {
                ("loopback", Cause::LoopbackLocalExec)
            } else {
                ("lan", Cause::RemoteDeviceUnpaired)
            };
            let mut f = Finding::at(
                cx.file,
                m.value.pos,
                Severity::Warning,
                "bind_legacy_alias",
                cause,
                mp,
                format!("{} is a legacy host alias for \"{mode}\"", quote(s)),
            )
            .key("bind")
            .value_of(&m.value)
            .valid(BIND)
            .did_you_mean(vec![mode.to_string()])
            .does([format!(
                "some builds migrate it to \"{mode}\" on load, others reject the config (`{}`); `openclaw doctor \
                 --fix` rewrites it",
                zod_enum_message(mp, BIND)
            )]);
            if s == "127.0.0.1" {
                f = f.guide(GUIDE_BIND).instead(
                    "write \"bind\": \"loopback\", or remove the line (loopback is the default)",
                );
            } else {
                f = f.instead(format!("write \"bind\": \"{mode}\""));
            }
            cx.out.push(f);
            return None;
        }
    }
    cx.enum_field(m, mp, BIND, BIND_ALIASES, Cause::RemoteDeviceUnpaired)
}

/// Checks keys against `known` (errors: these objects are strict) and the listed
/// enum fields.
fn check_keys_and_enums(
    cx: &mut ConfigWalk<'_>,
    obj: &[Member],
    p: &CfgPath,
    known: &[&str],
    cause: Cause,
    enums: &[(&str, &[&str])],
) {
    let include_here = has_include(obj);
    for m in last_members(obj) {
        if let Some((_, valid)) = enums.iter().find(|(k, _)| *k == m.key) {
            cx.enum_field(m, &p.key(&m.key), valid, &[], cause);
        } else if !known.contains(&m.key.as_str()) && m.key != "$include" && !include_here {
            let f = cx.strict_unknown(m, p, known, cause);
            cx.out.push(f);
        }
    }
}

fn check_control_ui_flags(cx: &mut ConfigWalk<'_>, obj: &[Member], p: &CfgPath) {
    for (key, what) in [
        (
            "allowInsecureAuth",
            "lets the Control UI authenticate over plain HTTP without a device identity",
        ),
        (
            "dangerouslyDisableDeviceAuth",
            "turns off device identity checks for the Control UI",
        ),
    ] {
        if let Some(m) = obj.iter().rev().find(|m| m.key == key)
            && m.value.value == Value::Bool(true)
        {
            cx.out.push(
                    Finding::at(
                        cx.file,
                        m.value.pos,
                        Severity::Note,
                        "control_ui_insecure_flag",
                        Cause::ControlUiInsecure,
                        &p.key(key),
                        format!("{key} is true: it {what}"),
                    )
                    .key(key)
                    .value_of(&m.value)
                    .does(["logs `security warning: dangerous config flags enabled` at start"])
                    .instead(
                        "open the UI as http://127.0.0.1:18789/ on the gateway host, through an SSH tunnel, or over \
                         HTTPS (Tailscale Serve), and turn the flag off",
                    ),
                );
        }
    }
}

/// A fingerprint of a secret, so two can be compared without keeping or printing
/// either.
fn fingerprint(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn check_token_consistency(cx: &mut ConfigWalk<'_>, gateway: &[Member], p: &CfgPath) {
    let auth = gateway
        .iter()
        .rev()
        .find(|m| m.key == "auth")
        .map(|m| &m.value);
    let remote = gateway
        .iter()
        .rev()
        .find(|m| m.key == "remote")
        .map(|m| &m.value);
    let (Some(auth), Some(remote)) = (auth, remote) else {
        return;
    };
    let remote_url = remote
        .get("url")
        .and_then(|u| u.value.as_str())
        .unwrap_or("");
    let url_is_local = ["://127.", "://localhost", "://[::1]"]
        .iter()
        .any(|h| remote_url.to_ascii_lowercase().contains(h));
    for (kind, code) in [
        ("token", "token_mismatch"),
        ("password", "password_mismatch"),
    ] {
        let a = auth.get(kind).and_then(|m| m.value.as_str());
        let Some(r) = remote.get(kind) else { continue };
        let (Some(a), Some(rs)) = (a, r.value.as_str()) else {
            continue;
        };
        if a.is_empty() || rs.is_empty() {
            continue;
        }
        // An env reference is substituted at load; two different references may hold
        // the same secret, so only identical references prove anything.
        if (is_env_ref(a) || is_env_ref(rs)) && a != rs {
            continue;
        }
        if fingerprint(a) == fingerprint(rs) {
            continue;
        }
        let where_ = if url_is_local {
            " and gateway.remote.url points at this machine"
        } else {
            ""
        };
        cx.out.push(
            Finding::at(
                cx.file,
                r.value.pos,
                Severity::Warning,
                code,
                Cause::TokenMismatch,
                &p.key("remote").key(kind),
                format!(
                    "gateway.remote.{kind} differs from gateway.auth.{kind}{where_} (compared by fingerprint; \
                     neither value is shown)"
                ),
            )
            .key(kind)
            .says(format!(
                "unauthorized: gateway {kind} mismatch (set gateway.remote.{kind} to match gateway.auth.{kind})"
            ))
            .does([format!(
                "a client that presents gateway.remote.{kind} to this gateway (the CLI in remote mode or with \
                 --url) is refused: `unauthorized … reason={kind}_mismatch`; if gateway.remote.url is another \
                 gateway this is expected"
            )])
            .instead(format!(
                "make gateway.remote.{kind} equal to gateway.auth.{kind} (or remove it on the gateway host); after \
                 changing gateway.auth.{kind}, restart the gateway: clients get 4001 `gateway auth changed` and \
                 need the new value"
            )),
        );
    }
}

fn check_agents(cx: &mut ConfigWalk<'_>, obj: &[Member], p: &CfgPath) {
    let include_here = has_include(obj);
    for m in last_members(obj) {
        let mp = p.key(&m.key);
        match m.key.as_str() {
            "defaults" => {
                if let Some(sub) = m.value.get("subagents") {
                    check_subagents(cx, sub, &mp.key("subagents"), SUBAGENT_DEFAULT_KEYS);
                }
            }
            "list" => {
                let Some(items) = m.value.as_array() else {
                    let f = wrong_type(
                        cx.file,
                        &m.value,
                        &mp,
                        "list",
                        "an array",
                        Severity::Error,
                        Cause::Unknown,
                    )
                    .does([rejects_config(cx.file)]);
                    cx.out.push(f);
                    continue;
                };
                for (i, it) in items.iter().enumerate() {
                    if let Some(sub) = it.get("subagents") {
                        check_subagents(cx, sub, &mp.index(i).key("subagents"), SUBAGENT_LIST_KEYS);
                    }
                }
            }
            "subagents" => {
                let f = cx
                    .strict_unknown(m, p, AGENTS_KEYS, Cause::SubagentScopeUpgrade)
                    .guide(GUIDE_SUBAGENTS)
                    .instead(INSTEAD_SUBAGENTS);
                cx.out.push(f);
            }
            "$include" => {}
            _ if include_here => {}
            _ => {
                let f = cx.strict_unknown(m, p, AGENTS_KEYS, Cause::Unknown);
                cx.out.push(f);
            }
        }
    }
}

fn check_subagents(cx: &mut ConfigWalk<'_>, m: &Member, p: &CfgPath, known: &[&str]) {
    let Some(obj) = cx.object(m, p, Cause::SubagentScopeUpgrade) else {
        return;
    };
    if has_include(obj) {
        return;
    }
    for sm in last_members(obj) {
        if known.contains(&sm.key.as_str()) || sm.key == "$include" {
            continue;
        }
        let mut f = cx.strict_unknown(sm, p, known, Cause::SubagentScopeUpgrade);
        if sm.key == "scope" || sm.key == "allowGatewaySubagentBinding" {
            f = f.guide(GUIDE_SUBAGENTS).instead(INSTEAD_SUBAGENTS);
        }
        cx.out.push(f);
    }
}

/// Placeholder ids copied from docs and guides (`USER_ID_1`, `<your id>`, `YOUR_ID`).
fn placeholder_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    // A constant pattern; should it ever fail to build, the check is skipped.
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:user_?id(?:_?\d+)?|sender_?id(?:_?\d+)?|your[_ -].*|<[^>]*>|x{3,}|\.\.\.|…|changeme|todo|id_?\d+)$",
        )
        .ok()
    })
    .as_ref()
}

/// `allowFrom` as OpenClaw normalises it: entries as strings, trimmed, empty ones
/// dropped. Also reports placeholders and ids too large for a JavaScript number.
fn allow_from_entries(cx: &mut ConfigWalk<'_>, m: &Member, p: &CfgPath) -> Vec<String> {
    let Some(items) = m.value.as_array() else {
        let f = wrong_type(
            cx.file,
            &m.value,
            p,
            &m.key,
            "an array of sender ids",
            Severity::Error,
            Cause::DmPolicyPairing,
        )
        .does([rejects_config(cx.file)]);
        cx.out.push(f);
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let ip = p.index(i);
        match &it.value {
            Value::String(s) => {
                let t = s.trim();
                if placeholder_re().is_some_and(|r| r.is_match(t)) {
                    cx.out.push(
                        Finding::at(
                            cx.file,
                            it.pos,
                            Severity::Warning,
                            "allow_from_placeholder",
                            Cause::DmPolicyPairing,
                            &ip,
                            format!("{} looks like a placeholder, not a sender id", quote(s)),
                        )
                        .value_of(it)
                        .does(["matches no real sender: that person still cannot DM the bot"])
                        .instead(
                            "put the sender's real id here: the bot's pairing reply shows it (\"Your Telegram user id: …\"), \
                             or approve them with `openclaw pairing approve <channel> <CODE>`",
                        ),
                    );
                }
                if !t.is_empty() {
                    out.push(t.to_string());
                }
            }
            Value::Number(n) => {
                const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
                if n.value.abs() > MAX_SAFE && n.value.is_finite() {
                    cx.out.push(
                        Finding::at(
                            cx.file,
                            it.pos,
                            Severity::Warning,
                            "allow_from_unsafe_number",
                            Cause::DmPolicyPairing,
                            &ip,
                            format!(
                                "sender id {} is too large for a JavaScript number: it is read as {} and matches nobody",
                                short(&n.raw), n.value
                            ),
                        )
                        .value_of(it)
                        .instead(format!("quote it: \"{}\"", short(n.raw.trim_start_matches('+')))),
                    );
                }
                out.push(n.raw.clone());
            }
            _ => {
                let f = wrong_type(
                    cx.file,
                    it,
                    &ip,
                    "a sender id",
                    "a string or number",
                    Severity::Error,
                    Cause::DmPolicyPairing,
                )
                .does([rejects_config(cx.file)]);
                cx.out.push(f);
            }
        }
    }
    out
}

const INSTEAD_DM: &str = "to let specific people DM the bot, list their sender ids: \"allowFrom\": [\"<id>\"] (the \
     bot's pairing reply shows a sender's id); or keep \"pairing\" and approve each sender with \
     `openclaw pairing list <channel>` → `openclaw pairing approve <channel> <CODE>`";

fn check_channels(cx: &mut ConfigWalk<'_>, obj: &[Member], p: &CfgPath) {
    for cm in last_members(obj) {
        if cm.key == "defaults" || cm.key == "$include" {
            continue;
        }
        let Some(ch) = cm.value.as_object() else {
            continue;
        };
        check_channel(cx, &cm.key, ch, &p.key(&cm.key));
    }
}

struct DmSettings<'n> {
    policy: Option<(String, &'n Node)>,
    allow_from: Option<Vec<String>>,
}

fn check_channel(cx: &mut ConfigWalk<'_>, name: &str, ch: &[Member], p: &CfgPath) {
    let cause = Cause::DmPolicyPairing;
    let strict_dm = name == "discord" || name == "slack";
    let mut settings = DmSettings {
        policy: None,
        allow_from: None,
    };
    let mut legacy = DmSettings {
        policy: None,
        allow_from: None,
    };
    let mut allowed_users = false;
    for m in last_members(ch) {
        let mp = p.key(&m.key);
        match m.key.as_str() {
            "dmPolicy" => {
                if let Some(v) = cx.enum_field(m, &mp, DM_POLICY, DM_ALIASES, cause) {
                    settings.policy = Some((v, &m.value));
                }
            }
            "allowFrom" => settings.allow_from = Some(allow_from_entries(cx, m, &mp)),
            "dm" => {
                let Some(dm) = cx.object(m, &mp, cause) else {
                    continue;
                };
                for dmm in last_members(dm) {
                    let dp = mp.key(&dmm.key);
                    match dmm.key.as_str() {
                        "allowedUsers" => {
                            allowed_users = true;
                            let f = cx
                                .strict_unknown(dmm, &mp, DM_KEYS, cause)
                                .did_you_mean(vec![format!("channels.{name}.allowFrom")])
                                .guide(GUIDE_ALLOWED_USERS)
                                .instead(format!(
                                    "move the ids to channels.{name}.allowFrom (next to \"dmPolicy\"), with real sender ids"
                                ));
                            cx.out.push(f);
                        }
                        "policy" => {
                            cx.out.push(legacy_dm(cx.file, dmm, &dp, name, "dmPolicy"));
                            if let Some(v) = cx.enum_field(dmm, &dp, DM_POLICY, DM_ALIASES, cause) {
                                legacy.policy = Some((v, &dmm.value));
                            }
                        }
                        "allowFrom" => {
                            cx.out.push(legacy_dm(cx.file, dmm, &dp, name, "allowFrom"));
                            legacy.allow_from = Some(allow_from_entries(cx, dmm, &dp));
                        }
                        k if DM_KEYS.contains(&k) || k == "$include" => {}
                        _ if strict_dm && !has_include(dm) => {
                            let f = cx.strict_unknown(dmm, &mp, DM_KEYS, cause);
                            cx.out.push(f);
                        }
                        _ => {}
                    }
                }
            }
            "accounts" => {
                if let Some(accounts) = cx.object(m, &mp, cause) {
                    for am in last_members(accounts) {
                        let Some(acc) = am.value.as_object() else {
                            continue;
                        };
                        check_account(cx, name, acc, &mp.key(&am.key), &settings, &legacy);
                    }
                }
            }
            _ => {}
        }
    }
    // The current keys win over the legacy dm.* spellings when both are set.
    let allow = settings
        .allow_from
        .clone()
        .or_else(|| legacy.allow_from.clone());
    if let Some((policy, node)) = &settings.policy {
        dm_requirements(
            cx,
            name,
            p,
            &p.key("dmPolicy"),
            policy,
            node,
            allow.as_deref(),
            allowed_users,
            None,
        );
    } else if let Some((policy, node)) = &legacy.policy {
        dm_requirements(
            cx,
            name,
            p,
            &p.key("dm").key("policy"),
            policy,
            node,
            legacy.allow_from.as_deref(),
            allowed_users,
            Some("dm"),
        );
    }
}

fn legacy_dm(file: &str, m: &Member, p: &CfgPath, channel: &str, now: &str) -> Finding {
    Finding::at(
        file,
        m.key_pos,
        Severity::Warning,
        "dm_legacy_key",
        Cause::DmPolicyPairing,
        p,
        format!("legacy spelling: dm.{} is now channels.{channel}.{now}", m.key),
    )
    .key(&m.key)
    .did_you_mean(vec![format!("channels.{channel}.{now}")])
    .does(["still reads it (discord and slack), and `openclaw doctor --fix` migrates it; newer schemas drop it"])
    .instead(format!("move it to channels.{channel}.{now}"))
}

fn check_account(
    cx: &mut ConfigWalk<'_>,
    name: &str,
    acc: &[Member],
    p: &CfgPath,
    channel: &DmSettings<'_>,
    legacy: &DmSettings<'_>,
) {
    let cause = Cause::DmPolicyPairing;
    let mut own_policy: Option<(String, &Node)> = None;
    let mut own_allow: Option<Vec<String>> = None;
    let mut set_anything = false;
    for m in last_members(acc) {
        let mp = p.key(&m.key);
        match m.key.as_str() {
            "dmPolicy" => {
                set_anything = true;
                if let Some(v) = cx.enum_field(m, &mp, DM_POLICY, DM_ALIASES, cause) {
                    own_policy = Some((v, &m.value));
                }
            }
            "allowFrom" => {
                set_anything = true;
                own_allow = Some(allow_from_entries(cx, m, &mp));
            }
            _ => {}
        }
    }
    if !set_anything {
        return;
    }
    let policy = own_policy.or_else(|| channel.policy.clone().or_else(|| legacy.policy.clone()));
    let allow = own_allow
        .or_else(|| channel.allow_from.clone())
        .or_else(|| legacy.allow_from.clone());
    if let Some((policy, node)) = policy {
        dm_requirements(
            cx,
            name,
            p,
            &p.key("dmPolicy"),
            &policy,
            node,
            allow.as_deref(),
            false,
            Some("account"),
        );
    }
}

/// `allowlist` needs at least one sender, `open` needs `"*"` (facts §5.3).
#[allow(clippy::too_many_arguments)]
fn dm_requirements(
    cx: &mut ConfigWalk<'_>,
    channel: &str,
    chan_path: &CfgPath,
    policy_path: &CfgPath,
    policy: &str,
    node: &Node,
    allow: Option<&[String]>,
    allowed_users: bool,
    variant: Option<&str>,
) {
    let allow = allow.unwrap_or(&[]);
    let (prefix, allow_key) = match variant {
        Some("dm") => (
            format!("channels.{channel}.dm.policy"),
            format!("channels.{channel}.dm.allowFrom"),
        ),
        Some("account") => (
            format!("channels.{channel}.accounts.*.dmPolicy"),
            format!("channels.{channel}.accounts.*.allowFrom (or channels.{channel}.allowFrom)"),
        ),
        _ => (
            format!("channels.{channel}.dmPolicy"),
            format!("channels.{channel}.allowFrom"),
        ),
    };
    let allow_path = match variant {
        Some("dm") => chan_path.key("dm").key("allowFrom"),
        _ => chan_path.key("allowFrom"),
    };
    let legacy_allowlist = variant == Some("dm");
    let (policy_key, allow_key_short) = if legacy_allowlist {
        ("dm.policy", "dm.allowFrom")
    } else {
        ("dmPolicy", "allowFrom")
    };
    if policy == "allowlist" && allow.is_empty() {
        let note = if allowed_users {
            " (dm.allowedUsers does not count: it is not a key)"
        } else {
            ""
        };
        let says = format!(
            "{prefix}=\"allowlist\" requires {allow_key} to contain at least one sender ID"
        );
        let mut f = Finding::at(
            cx.file,
            node.pos,
            if legacy_allowlist {
                Severity::Warning
            } else {
                Severity::Error
            },
            "dm_allowlist_empty",
            Cause::DmPolicyPairing,
            policy_path,
            format!(
                "{policy_key} \"allowlist\" with no sender in {allow_key_short}{note}: nobody could DM the bot"
            ),
        )
        .value_of(node)
        .instead(INSTEAD_DM);
        f = if legacy_allowlist {
            f.does(["accepts it on older builds, but drops every DM: no sender is allowed"])
        } else {
            f.says(format!("{}: {says}", allow_path.zod()))
                .does([format!("2026.2.26 and later: {}", rejects_config(cx.file))])
        };
        cx.out.push(f);
    } else if policy == "open" && !allow.iter().any(|a| a == "*") {
        let says = format!("{prefix}=\"open\" requires {allow_key} to include \"*\"");
        cx.out.push(
            Finding::at(
                cx.file,
                node.pos,
                Severity::Error,
                "dm_open_without_wildcard",
                Cause::DmPolicyPairing,
                policy_path,
                format!("{policy_key} \"open\" without \"*\" in {allow_key_short}"),
            )
            .value_of(node)
            .says(format!("{}: {says}", allow_path.zod()))
            .does([rejects_config(cx.file)])
            .instead(
                "to accept DMs from anyone add \"allowFrom\": [\"*\"]; to accept only some people use \"allowlist\" \
                 with their ids",
            ),
        );
    }
}

fn check_tools_exec(cx: &mut ConfigWalk<'_>, m: &Member, p: &CfgPath) -> ToolsExecPolicy {
    let cause = Cause::ExecApprovalsInvalid;
    let mut found = ToolsExecPolicy::default();
    let Some(obj) = cx.object(m, p, cause) else {
        return found;
    };
    let include_here = has_include(obj);
    for em in last_members(obj) {
        let ep = p.key(&em.key);
        match em.key.as_str() {
            "host" => {
                cx.enum_field(em, &ep, EXEC_HOST, EXEC_HOST_ALIASES, cause);
            }
            "mode" => {
                cx.enum_field(em, &ep, EXEC_MODE, &[], cause);
            }
            "security" => {
                if let Some(v) = cx.enum_field(
                    em,
                    &ep,
                    SECURITY,
                    &[("allow", &["full", "allowlist"])],
                    cause,
                ) {
                    found.security = Some((v, em.value.pos));
                }
            }
            "ask" => {
                if let Some(v) = cx.enum_field(em, &ep, ASK, &[], cause) {
                    found.ask = Some((v, em.value.pos));
                }
            }
            k if TOOLS_EXEC_KEYS.contains(&k) || k == "$include" || include_here => {}
            _ => {
                let f = cx.strict_unknown(em, p, TOOLS_EXEC_KEYS, cause);
                cx.out.push(f);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config_check::json5::{Dialect, parse};

    fn run(src: &str) -> OpenclawCheck {
        let node = parse(src, Dialect::Json5).expect("test input parses");
        check("openclaw.json", &node)
    }

    fn codes(c: &OpenclawCheck) -> Vec<(&'static str, u32, u32)> {
        c.findings
            .iter()
            .map(|f| (f.code, f.line.unwrap_or(0), f.column.unwrap_or(0)))
            .collect()
    }

    #[test]
    fn empty_config_is_clean() {
        assert!(run("{}").findings.is_empty());
        assert!(run("// nothing yet\n{ }").findings.is_empty());
    }

    #[test]
    fn valid_values_pass() {
        for b in BIND {
            let extra = if *b == "custom" {
                ", customBindHost: '10.0.0.2'"
            } else {
                ""
            };
            let c = run(&format!("{{ gateway: {{ bind: '{b}'{extra} }} }}"));
            assert!(c.findings.is_empty(), "bind {b}: {:?}", c.findings);
        }
        for d in ["pairing", "disabled"] {
            let c = run(&format!(
                "{{ channels: {{ telegram: {{ dmPolicy: '{d}' }} }} }}"
            ));
            assert!(c.findings.is_empty(), "{d}: {:?}", c.findings);
        }
        let c = run("{ channels: { telegram: { dmPolicy: 'allowlist', allowFrom: ['123'] } } }");
        assert!(c.findings.is_empty(), "{:?}", c.findings);
        let c = run("{ channels: { telegram: { dmPolicy: 'open', allowFrom: ['*'] } } }");
        assert!(c.findings.is_empty(), "{:?}", c.findings);
    }

    #[test]
    fn guide_keys() {
        let c = run(
            "{\n  gateway: {\n    localExec: { requirePairing: false },\n  },\n  agents: { subagents: { scope: 'operator.admin' } },\n}",
        );
        assert_eq!(codes(&c), [("unknown_key", 3, 5), ("unknown_key", 5, 13)]);
        assert_eq!(c.findings[0].cause, Cause::LoopbackLocalExec);
        assert_eq!(
            c.findings[0].openclaw_says.as_deref(),
            Some("gateway: Unrecognized key: \"localExec\"")
        );
        assert_eq!(c.findings[1].cause, Cause::SubagentScopeUpgrade);
        assert_eq!(
            c.findings[1].openclaw_says.as_deref(),
            Some("agents: Unrecognized key: \"subagents\"")
        );
        assert!(c.findings.iter().all(|f| f.guide.is_some()));
    }

    #[test]
    fn bind_aliases() {
        let c = run("{ gateway: { bind: '127.0.0.1' } }");
        assert_eq!(codes(&c), [("bind_legacy_alias", 1, 20)]);
        assert_eq!(c.findings[0].did_you_mean, ["loopback"]);
        assert!(c.findings[0].guide.is_some());
        let c = run("{ gateway: { bind: '0.0.0.0' } }");
        assert_eq!(c.findings[0].did_you_mean, ["lan"]);
        assert_eq!(c.findings[0].cause, Cause::RemoteDeviceUnpaired);
        let c = run("{ gateway: { bind: 'Loopback' } }");
        assert_eq!(codes(&c), [("invalid_enum", 1, 20)]);
        let c = run("{ gateway: { bind: 'custom' } }");
        assert_eq!(codes(&c), [("bind_custom_without_host", 1, 20)]);
    }

    #[test]
    fn tokens_compared_not_printed() {
        let c =
            run("{ gateway: { auth: { token: 'sekrit-one' }, remote: { token: 'sekrit-two' } } }");
        assert_eq!(codes(&c), [("token_mismatch", 1, 62)]);
        let dump = format!("{:?}", c.findings);
        assert!(!dump.contains("sekrit"));
        assert!(
            run("{ gateway: { auth: { token: 'same' }, remote: { token: 'same' } } }")
                .findings
                .is_empty()
        );
        assert!(
            run("{ gateway: { auth: { token: '${A}' }, remote: { token: '${B}' } } }")
                .findings
                .is_empty()
        );
    }

    #[test]
    fn dm_policy_rules() {
        let c = run(
            "{ channels: { discord: { dmPolicy: 'allowlist', dm: { allowedUsers: ['USER_ID_1'] } } } }",
        );
        assert_eq!(
            codes(&c),
            [("dm_allowlist_empty", 1, 36), ("unknown_key", 1, 55)]
        );
        let c = run("{ channels: { telegram: { dmPolicy: 'open', allowFrom: ['123'] } } }");
        assert_eq!(codes(&c), [("dm_open_without_wildcard", 1, 37)]);
        let c = run("{ channels: { discord: { dm: { policy: 'allowlist', allowFrom: ['1'] } } } }");
        assert_eq!(
            codes(&c),
            [("dm_legacy_key", 1, 32), ("dm_legacy_key", 1, 53)]
        );
        let c = run("{ channels: { telegram: { dmPolicy: 'allow-list' } } }");
        assert_eq!(codes(&c), [("invalid_enum", 1, 37)]);
        assert_eq!(c.findings[0].did_you_mean, ["allowlist"]);
        let c = run("{ channels: { telegram: { allowFrom: ['USER_ID_1', 123456789012345678] } } }");
        assert_eq!(
            codes(&c),
            [
                ("allow_from_placeholder", 1, 39),
                ("allow_from_unsafe_number", 1, 52)
            ]
        );
    }

    #[test]
    fn accounts_inherit() {
        let c = run(
            "{ channels: { telegram: { allowFrom: ['1'], accounts: { work: { dmPolicy: 'allowlist' } } } } }",
        );
        assert!(c.findings.is_empty(), "{:?}", c.findings);
        let c = run(
            "{ channels: { telegram: { accounts: { work: { dmPolicy: 'open', allowFrom: ['1'] } } } } }",
        );
        assert_eq!(codes(&c), [("dm_open_without_wildcard", 1, 57)]);
    }

    #[test]
    fn tools_exec_and_version() {
        let c = run(
            "{ meta: { lastTouchedVersion: '2026.4.12' }, tools: { exec: { security: 'deny', ask: 'sometimes', hots: 'node' } } }",
        );
        assert_eq!(c.version, OcVersion::parse("2026.4.12"));
        assert_eq!(codes(&c), [("invalid_enum", 1, 86), ("unknown_key", 1, 99)]);
        assert_eq!(
            c.tools_exec.security.as_ref().map(|s| s.0.as_str()),
            Some("deny")
        );
        assert_eq!(c.findings[1].did_you_mean, ["host"]);
    }

    #[test]
    fn passwords_and_control_ui_flags() {
        let c = run("{ gateway: { auth: { password: 'pw-1' }, remote: { password: 'pw-2' } } }");
        assert_eq!(codes(&c), [("password_mismatch", 1, 62)]);
        assert!(!format!("{:?}", c.findings).contains("pw-"));
        let c = run(
            "{ gateway: { controlUi: { allowInsecureAuth: true, dangerouslyDisableDeviceAuth: true } } }",
        );
        assert_eq!(
            codes(&c),
            [
                ("control_ui_insecure_flag", 1, 46),
                ("control_ui_insecure_flag", 1, 82)
            ]
        );
        assert!(
            c.findings
                .iter()
                .all(|f| f.cause == Cause::ControlUiInsecure)
        );
        assert!(
            run("{ gateway: { controlUi: { allowInsecureAuth: false } } }")
                .findings
                .is_empty()
        );
    }

    #[test]
    fn root_unknown_key_is_a_warning_with_suggestion() {
        let c = run("{\n  chanels: {},\n  gateway: { bnid: 'lan' }\n}");
        assert_eq!(codes(&c), [("unknown_key", 2, 3), ("unknown_key", 3, 14)]);
        assert_eq!(c.findings[0].severity, Severity::Warning);
        assert_eq!(c.findings[0].did_you_mean, ["channels"]);
        assert_eq!(c.findings[1].severity, Severity::Error);
        assert_eq!(c.findings[1].did_you_mean, ["bind"]);
    }

    #[test]
    fn include_suppresses_unknown_keys() {
        let c = run("{ gateway: { $include: './gw.json5', whatever: 1 } }");
        assert_eq!(codes(&c), [("include_not_followed", 1, 14)]);
    }

    #[test]
    fn duplicates_reported() {
        let c = run("{ gateway: { bind: 'lan' }, gateway: { mode: 'local' } }");
        assert_eq!(codes(&c), [("duplicate_key", 1, 3)]);
    }
}
