//! The cause table: one row of data per cause, beside the rule table.
//!
//! This module owns what clawscan says about each [`Cause`]: its title, the guide's
//! variant number, the evidence it needs (as people read it), the releases and
//! changes that fixed it, the fix steps per version range and per kind of evidence
//! ("facet"), and the one-line correction of the troubleshooting guide where the
//! guide recommends something OpenClaw does not accept. Every fact comes from the
//! facts file (§3, §6); no step recommends a key OpenClaw rejects
//! (`gateway.localExec`, `agents.subagents.*`, `dm.allowedUsers`) or deleting
//! `exec-approvals.json` as a pairing fix (a test checks both).
//!
//! It does not decide which cause a log shows (that is `incident`) nor print anything
//! (that is `report`).

use serde::Serialize;

use crate::cause::Cause;
use crate::version::OcVersion;

use super::version::VersionView;

/// A kind of evidence that changes which fix steps apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Facet {
    /// The guide's `gateway.localExec` snippet is in the config (or a config error).
    GuideLocalExec = 0,
    /// The guide's `"bind": "127.0.0.1"`.
    GuideBind,
    /// The guide's `agents.subagents.*` workaround.
    GuideSubagents,
    /// The guide's `dm.allowedUsers`.
    GuideAllowedUsers,
    /// The exec approvals client asked for `operator.approvals` and was refused.
    ApprovalsUpgrade,
    /// Exec denials, rejected `exec.approvals.set`, bad values in the file.
    ExecPolicy,
    /// The 2026.8.x legacy-file gate.
    ExecLegacy,
    /// A local-looking client the gateway treated as remote (proxy, Host header).
    ViaProxy,
    /// A paired remote device asking for a higher role or more scopes.
    RemoteUpgrade,
    /// The shared gateway token is missing or wrong.
    SharedToken,
    /// The gateway has no token configured.
    TokenNotConfigured,
    /// Password mode.
    Password,
    /// The device token is stale or rejected.
    DeviceToken,
    /// Too many failed attempts.
    RateLimited,
    /// 4001 `gateway auth changed`.
    AuthChanged,
    /// An expired or invalid bootstrap (setup-code) token.
    Bootstrap,
    /// Tailscale identity or trusted-proxy auth refused.
    ProxyAuth,
    /// No device identity sent.
    IdentityMissing,
    /// Device signature expired (clock skew).
    SignatureExpired,
    /// Device nonce missing or wrong (old client).
    Nonce,
    /// Identity mismatch, bad signature or key.
    IdentityCorrupt,
    /// Control UI over plain HTTP from another host.
    InsecureContext,
    /// Control UI origin not allowed.
    Origin,
    /// `gateway.roles` wants a verified user identity for this auth method.
    VerifiedIdentity,
    /// The refused client is a browser (Control UI).
    Browser,
    /// `trusted-proxy` auth with a shared token too: the gateway does not start.
    TrustedProxyToken,
}

/// A small set of facets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Facets(u32);

impl Facets {
    /// Adds a facet.
    pub fn insert(&mut self, f: Facet) {
        self.0 |= 1 << f as u8;
    }

    /// Whether the set holds `f`.
    pub fn contains(self, f: Facet) -> bool {
        self.0 & (1 << f as u8) != 0
    }

    /// The union.
    pub fn union(self, other: Facets) -> Facets {
        Facets(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Which versions a fix rule is for.
#[derive(Clone, Copy, Debug)]
pub enum Range {
    /// Every version.
    Any,
    /// `[from, until)`, either end open.
    In(Option<OcVersion>, Option<OcVersion>),
    /// When no `In` rule of the same facet applies with certainty (the log cannot
    /// tell the version, or cannot place it). The steps speak of the releases in
    /// `[about.0, about.1)`: when the log rules those out (it says "2026.6.1 or
    /// later"), the `In` rules still possible are given instead, each introduced by
    /// its range, so no step is about a release the user is not running.
    Unknown {
        /// The releases the steps are about.
        about: (Option<OcVersion>, Option<OcVersion>),
    },
}

/// Fix steps for one version range and (optionally) one facet.
#[derive(Debug)]
pub struct FixRule {
    /// Needed evidence; `None` applies to every occurrence.
    pub facet: Option<Facet>,
    /// Versions.
    pub range: Range,
    /// The steps, with placeholders `{version}`, `{approve}`, `{channel}`, `{sender}`,
    /// `{code}`, `{device}`.
    pub steps: &'static [&'static str],
}

/// A release that fixed the cause (or part of it).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FixedIn {
    /// The release.
    pub release: &'static str,
    /// The versions that had the bug.
    pub broken: &'static str,
    /// The change (upstream PR or commit) and what it did.
    pub change: &'static str,
}

/// Where the troubleshooting guide and OpenClaw differ for this cause.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct GuideNote {
    /// What the guide recommends.
    pub says: &'static str,
    /// What is true, and what works instead.
    pub instead: &'static str,
}

/// One row of the cause table.
#[derive(Debug)]
pub struct CauseRow {
    /// The cause.
    pub cause: Cause,
    /// A short title for people.
    pub title: &'static str,
    /// The troubleshooting guide's variant number, where it names this cause.
    pub guide_variant: Option<u8>,
    /// The evidence this cause needs, as people read it.
    pub evidence: &'static [&'static str],
    /// The releases and changes that fixed it.
    pub fixed_in: &'static [FixedIn],
    /// The fix steps.
    pub fixes: &'static [FixRule],
    /// The guide's recommendation and what works instead, when they differ.
    pub guide: Option<GuideNote>,
    /// What to do first: lower comes first in reports (credentials before pairing,
    /// upgrades before approvals).
    pub order: u8,
}

const fn ver(y: u32, m: u32, d: u32) -> Option<OcVersion> {
    Some(OcVersion::new(y, m, d))
}

const APPROVE_LATER: &str = "Approve the pending request once on the gateway host: `openclaw devices list`, then {approve}.";

/// The cause table.
pub static CAUSES: &[CauseRow] = &[
    CauseRow {
        cause: Cause::TokenMismatch,
        title: "the gateway token, password or device token does not match",
        guide_variant: None,
        evidence: &[
            "`unauthorized conn=… reason=token_mismatch|token_missing|token_missing_config|password_*|device_token_mismatch|rate_limited`",
            "close `unauthorized: gateway token mismatch|missing (…)` or `unauthorized: device token mismatch|rejected (…)`",
            "`AUTH_TOKEN_MISMATCH`, `AUTH_DEVICE_TOKEN_MISMATCH`; 4001 `gateway auth changed` (2026.4.5+)",
        ],
        fixed_in: &[],
        fixes: &[
            FixRule {
                facet: Some(Facet::SharedToken),
                range: Range::Any,
                steps: &[
                    "The client must present the gateway's `gateway.auth.token`: a remote CLI through `gateway.remote.token` in its openclaw.json (or `OPENCLAW_GATEWAY_TOKEN`), the Control UI by opening the dashboard URL and pasting the token in its settings.",
                ],
            },
            FixRule {
                facet: Some(Facet::TokenNotConfigured),
                range: Range::Any,
                steps: &[
                    "The gateway has no token configured: set `gateway.auth.token` (or `gateway.auth.password` in password mode) in the gateway's openclaw.json and restart it.",
                ],
            },
            FixRule {
                facet: Some(Facet::Password),
                range: Range::Any,
                steps: &[
                    "Password mode: the client must present `gateway.auth.password` (a remote CLI through `gateway.remote.password`).",
                ],
            },
            FixRule {
                facet: Some(Facet::DeviceToken),
                range: Range::Any,
                steps: &[
                    "A stale device token: clients drop it and retry by themselves (one retry since 2026.3.11, #42507). If it keeps failing, pair the device again: `openclaw devices remove {device}`, reconnect, then approve with `openclaw devices approve <requestId>` — or `openclaw devices rotate`.",
                ],
            },
            FixRule {
                facet: Some(Facet::RateLimited),
                range: Range::Any,
                steps: &[
                    "Rate limited after repeated failures: stop the client's retry loop first, then fix its credential.",
                ],
            },
            FixRule {
                facet: Some(Facet::AuthChanged),
                range: Range::Any,
                steps: &[
                    "4001 `gateway auth changed`: the gateway's token or password changed; give every client the new one (remote CLIs: `gateway.remote.token`).",
                ],
            },
            FixRule {
                facet: Some(Facet::Bootstrap),
                range: Range::Any,
                steps: &[
                    "The setup code's bootstrap token is invalid or expired: scan a fresh setup code.",
                ],
            },
            FixRule {
                facet: Some(Facet::TrustedProxyToken),
                range: Range::Any,
                steps: &[
                    "The gateway refuses to start with `gateway.auth.mode: \"trusted-proxy\"` and a shared token together (since 2026.3.31, #58371): remove `gateway.auth.token` and `OPENCLAW_GATEWAY_TOKEN` from its environment, or use `gateway.auth.mode: \"token\"` instead of trusted-proxy.",
                ],
            },
            FixRule {
                facet: Some(Facet::VerifiedIdentity),
                range: Range::Any,
                steps: &[
                    "`gateway.roles` requires a verified user identity for this way of authenticating (`AUTH_VERIFIED_USER_REQUIRED`): no pairing request exists, so approving devices does not help. Connect through the identity-aware route (Tailscale or the trusted proxy), or change `gateway.roles` on the gateway.",
                ],
            },
            FixRule {
                facet: Some(Facet::ProxyAuth),
                range: Range::Any,
                steps: &[
                    "Tailscale identity or trusted-proxy auth was refused: check `gateway.auth.allowTailscale` / `gateway.auth.trustedProxy` on the gateway and the path the client takes (or give it the gateway token).",
                ],
            },
        ],
        guide: None,
        order: 1,
    },
    CauseRow {
        cause: Cause::DeviceIdentity,
        title: "the client's device identity is missing, stale or corrupt",
        guide_variant: None,
        evidence: &[
            "close `device identity required` (none sent), `device signature expired` (clock skew), `device nonce required|mismatch` (old client)",
            "close `device identity mismatch`, `device signature invalid`, `device public key invalid` (corrupt identity); meta `cause=device-auth-invalid`",
        ],
        fixed_in: &[],
        fixes: &[
            FixRule {
                facet: Some(Facet::IdentityMissing),
                range: Range::Any,
                steps: &[
                    "The client sent no device identity: update it to the gateway's version ({version}); a browser must open the Control UI from a secure context (see control_ui_insecure).",
                ],
            },
            FixRule {
                facet: Some(Facet::SignatureExpired),
                range: Range::Any,
                steps: &[
                    "The device signature expired: the client's or the gateway's clock is off. Sync time (NTP) on both hosts, then reconnect.",
                ],
            },
            FixRule {
                facet: Some(Facet::Nonce),
                range: Range::Any,
                steps: &[
                    "The client is older than the gateway and does not answer its connect challenge: update the client to the gateway's version ({version}).",
                ],
            },
            FixRule {
                facet: Some(Facet::IdentityCorrupt),
                range: Range::Any,
                steps: &[
                    "The client's device identity does not match what the gateway stored: reset the identity on the client, reconnect, and approve the new device: `openclaw devices list`, then {approve}.",
                ],
            },
        ],
        guide: None,
        order: 2,
    },
    CauseRow {
        cause: Cause::ControlUiInsecure,
        title: "the Control UI was opened over plain HTTP from another host (or from an origin the gateway refuses)",
        guide_variant: None,
        evidence: &[
            "close `control ui requires device identity (use HTTPS or localhost secure context)`, meta `cause=control-ui-insecure-auth`",
            "close `origin not allowed (…)`, meta `cause=origin-mismatch`",
        ],
        fixed_in: &[],
        fixes: &[
            FixRule {
                facet: Some(Facet::InsecureContext),
                range: Range::Any,
                steps: &[
                    "Open the Control UI from a secure context: http://127.0.0.1:18789/ on the gateway host, through an SSH tunnel (`ssh -N -L 18789:127.0.0.1:18789 <gateway-host>`, then http://127.0.0.1:18789/), or over HTTPS (e.g. Tailscale Serve).",
                ],
            },
            FixRule {
                facet: Some(Facet::InsecureContext),
                range: Range::In(None, ver(2026, 7, 2)),
                steps: &[
                    "On {version}, `gateway.controlUi.allowInsecureAuth` and `gateway.controlUi.dangerouslyDisableDeviceAuth` also silence this, by weakening security: last resort only (both are retired from 2026.7.2 on).",
                ],
            },
            FixRule {
                facet: Some(Facet::InsecureContext),
                range: Range::In(ver(2026, 7, 2), None),
                steps: &[
                    "Browser pairing cannot be switched off on {version}: `gateway.controlUi.allowInsecureAuth` is rejected and `dangerouslyDisableDeviceAuth` is ignored. `gateway.auth.mode: \"none\"` or a Tailscale-authenticated browser skips it.",
                ],
            },
            FixRule {
                facet: Some(Facet::Origin),
                range: Range::Any,
                steps: &[
                    "Open the Control UI from the gateway host, or add the page's origin to `gateway.controlUi.allowedOrigins`.",
                ],
            },
        ],
        guide: None,
        order: 3,
    },
    CauseRow {
        cause: Cause::LoopbackLocalExec,
        title: "a client on the gateway's own host (CLI, TUI, node host, app) was refused",
        guide_variant: Some(1),
        evidence: &[
            "audit `security audit: device access upgrade requested reason=role-upgrade` with `ip=unknown-ip` (local), `roleFrom=<none>`, `roleTo=node|operator`, `client=node-host|cli`",
            "on the same conn=, a loopback close `code=1008 reason=pairing required` (or `connect failed` with meta reason `role-upgrade`)",
            "the node host's own `gateway closed (1008): …` followed by `Source: local loopback`",
        ],
        fixed_in: &[FixedIn {
            release: "2026.4.2",
            broken: "2026.3.31 – 2026.4.1",
            change: "#59092: local role upgrades are approved silently again (27519cf in 3.31 took a device's roles from its `tokens` map in ~/.openclaw/devices/paired.json, and an empty map meant no role)",
        }],
        fixes: &[
            FixRule {
                facet: Some(Facet::GuideLocalExec),
                range: Range::Any,
                steps: &[
                    "Remove `gateway.localExec` from openclaw.json: OpenClaw has no such key (`gateway: Unrecognized key: \"localExec\"`) and the gateway does not start while it is there.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(None, ver(2026, 3, 31)),
                steps: &[
                    "This build ({version}) is older than 2026.3.31, whose device-role change causes the known bug; before 2026.4.2 a local role upgrade still needs one approval.",
                    APPROVE_LATER,
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 3, 31), ver(2026, 4, 2)),
                steps: &[
                    "The log shows {version}; the local-exec fix (#59092) shipped in 2026.4.2 — upgrade to 2026.4.2 or later, then restart the gateway.",
                    "Until you can upgrade, approve the device once (the local CLI falls back to the pairing files when the gateway refuses it): `openclaw devices list`, then {approve}.",
                    "A restart alone does not help: the stored device record keeps its empty role map.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 4, 2), ver(2026, 8, 1)),
                steps: &[
                    "This build ({version}) already has the 2026.4.2 fix (local role upgrades are approved silently), so either the gateway did not see this client as local — look for `Proxy headers detected from untrusted address` or `Loopback connection with non-local Host header` and add the proxy to `gateway.trustedProxies`, or connect to ws://127.0.0.1:18789 directly — or it asked for more scopes, which a local client must have approved once on this release.",
                    "Approve the pending request once on the gateway host: `openclaw devices list`, then {approve}.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 8, 1), None),
                steps: &[
                    "On {version} local clients are approved silently (`gateway.nodes.pairing.autoApproveLocal`, on by default) only when they connect with local-grade credentials — no auth, the shared token or the password (#124589); a client that presents its device token, or comes through Tailscale or a trusted proxy, keeps its paired scopes and needs one approval. Check `gateway.nodes.pairing.autoApproveLocal` is not off and give the client the gateway's token (`openclaw gateway auth-token --show`).",
                    "Approve the pending request from the Control UI or another authorized device (a device cannot approve its own scope upgrade): `openclaw devices list`, then {approve}.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::Unknown {
                    about: (ver(2026, 3, 31), ver(2026, 4, 2)),
                },
                steps: &[
                    "The log does not tell the OpenClaw version ({version}; pass --openclaw-version). On 2026.3.31 – 2026.4.1 this is the empty-role bug fixed in 2026.4.2 (#59092): upgrade to 2026.4.2 or later and restart the gateway.",
                    "Meanwhile (and on 2026.4.2 or later) approve the device once: `openclaw devices list`, then {approve}.",
                ],
            },
        ],
        guide: Some(GuideNote {
            says: "set `gateway.localExec.requirePairing: false` and `\"bind\": \"127.0.0.1\"`; the broken state is in exec-approvals.json",
            instead: "`gateway.localExec` is not an OpenClaw key: the whole config is rejected (`gateway: Unrecognized key: \"localExec\"`) and the gateway will not start. `\"127.0.0.1\"` is a legacy alias of `\"loopback\"`, the default, and has nothing to do with pairing. The broken state is the `tokens` map in ~/.openclaw/devices/paired.json, not exec-approvals.json: upgrade to 2026.4.2, or approve the device once.",
        }),
        order: 4,
    },
    CauseRow {
        cause: Cause::SubagentScopeUpgrade,
        title: "a sub-agent (the gateway's in-process client) was refused a scope upgrade",
        guide_variant: Some(2),
        evidence: &[
            "audit `reason=scope-upgrade` with `ip=unknown-ip`, `scopesTo` holding `operator.admin` (2.x often `operator.write`) and `client=gateway-client` (2026.4.11+: `gateway:<method>`)",
            "the 1008 close on that conn=; untagged `gateway connect failed: …pairing required` from the gateway's own client",
            "tool result `gateway closed (1008): pairing required` + `Source: local loopback`; `sessions_spawn`",
            "`⇄ res ✗ sessions.patch … missing scope: operator.admin`",
        ],
        fixed_in: &[
            FixedIn {
                release: "2026.2.23",
                broken: "2026.2.19 – 2026.2.22",
                change: "#23708: local scope upgrades approved silently",
            },
            FixedIn {
                release: "2026.4.2",
                broken: "2026.3.25 – 2026.4.1",
                change: "#59555: admin-only sub-agent gateway calls pinned to operator.admin",
            },
            FixedIn {
                release: "2026.4.5",
                broken: "2026.3.25 – 2026.4.4",
                change: "1ab37d7: direct-local backend clients with the shared secret or a device token skip pairing",
            },
        ],
        fixes: &[
            FixRule {
                facet: Some(Facet::ApprovalsUpgrade),
                range: Range::In(ver(2026, 3, 25), ver(2026, 4, 5)),
                steps: &[
                    "The exec approvals client asked for `operator.approvals` and the gateway wanted pairing; on {version} local scope upgrades are not silent (2026.3.25 – 2026.4.4): upgrade to 2026.4.5 or later, or approve once: `openclaw devices list`, then {approve}.",
                ],
            },
            FixRule {
                facet: Some(Facet::ApprovalsUpgrade),
                range: Range::In(ver(2026, 4, 5), None),
                steps: &[
                    "This build ({version}) has the 2026.4.5 fix, so the approvals client's `operator.approvals` upgrade is pending: run {approve} (`openclaw devices list` shows it).",
                ],
            },
            FixRule {
                facet: Some(Facet::ApprovalsUpgrade),
                range: Range::Unknown {
                    about: (ver(2026, 3, 25), ver(2026, 4, 5)),
                },
                steps: &[
                    "The exec approvals client (the gateway's own in-process client) asked for `operator.approvals` and was refused: approve the pending upgrade once (`openclaw devices list`, then {approve}); on 2026.3.25 – 2026.4.4 upgrading to 2026.4.5 or later also fixes it.",
                ],
            },
            FixRule {
                facet: Some(Facet::GuideSubagents),
                range: Range::Any,
                steps: &[
                    "Remove `agents.subagents` from openclaw.json: `agents` has only `defaults` and `list` (`agents: Unrecognized key: \"subagents\"`), and the gateway does not start while it is there.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 2, 19), ver(2026, 2, 23)),
                steps: &[
                    "The log shows {version}; sub-agent calls were fixed in 2026.2.23 (#23708) and, after the 2026.3.25 regression, again in 2026.4.5 — upgrade to 2026.4.5 or later.",
                    APPROVE_LATER,
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 2, 23), ver(2026, 3, 25)),
                steps: &[
                    "This build ({version}) approves local scope upgrades silently, so the gateway did not treat the call as local: look for `Proxy headers detected from untrusted address` or `Loopback connection with non-local Host header` (`gateway.trustedProxies`).",
                    APPROVE_LATER,
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 3, 25), ver(2026, 4, 5)),
                steps: &[
                    "The log shows {version}; local scope upgrades stopped being silent in 2026.3.25 (#54694) and sub-agent calls are fixed in 2026.4.5 (#59555 in 2026.4.2 pins admin-only calls to operator.admin; 1ab37d7 in 2026.4.5 lets local backend clients with the shared token skip pairing) — upgrade to 2026.4.5 or later and restart the gateway.",
                    "Until then approve the pending upgrade once: `openclaw devices list`, then {approve}.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 4, 5), None),
                steps: &[
                    "This build ({version}) already has the sub-agent fixes (2026.4.2 and 2026.4.5), so this is a pending scope upgrade: run {approve} (`openclaw devices list` shows it).",
                    "Check that `gateway.auth.token` is set and that no proxy headers reach the gateway: since 2026.4.5 only direct local backend clients presenting the shared token or a device token skip pairing.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::Unknown {
                    about: (ver(2026, 2, 19), ver(2026, 4, 5)),
                },
                steps: &[
                    "The log does not tell the OpenClaw version ({version}; pass --openclaw-version). Sub-agent calls fail this way on 2026.2.19 – 2026.2.22 and 2026.3.25 – 2026.4.4: on those, upgrade to 2026.4.5 or later.",
                    "On any version, approve the pending upgrade once: `openclaw devices list`, then {approve}.",
                ],
            },
        ],
        guide: Some(GuideNote {
            says: "set `agents.subagents.allowGatewaySubagentBinding: true` and `agents.subagents.scope: \"operator.admin\"`; fixed \"in a 4.x patch\"",
            instead: "neither is a key (`agents: Unrecognized key: \"subagents\"`): the config is rejected and the gateway will not start. The fixes are 2026.2.23 (#23708) and 2026.4.2/2026.4.5 (#59555, 1ab37d7): compare them with your version, or approve the upgrade once.",
        }),
        order: 5,
    },
    CauseRow {
        cause: Cause::RemoteDeviceUnpaired,
        title: "a device on another host (or behind a proxy) is not approved yet",
        guide_variant: None,
        evidence: &[
            "close `reason=pairing required` (newer: `…device is not approved yet`) with a non-loopback `remote=` or a `fwd=` address",
            "close meta reason `not-paired`; `NOT_PAIRED`",
            "`Proxy headers detected from untrusted address` / `Loopback connection with non-local Host header`: a local client treated as remote",
        ],
        fixed_in: &[],
        fixes: &[
            FixRule {
                facet: None,
                range: Range::Any,
                steps: &[
                    "On the gateway host: `openclaw devices list`, then {approve} — or approve it in the Control UI. Requests expire after 5 minutes: reconnect the client first if the request is older.",
                ],
            },
            FixRule {
                facet: Some(Facet::Browser),
                range: Range::In(ver(2026, 5, 13), None),
                steps: &[
                    "A browser is approved silently only on direct loopback since 2026.5 (#81289): on the gateway host, `openclaw dashboard` opens an owner link, or `openclaw pair <CODE>` approves a browser that chose \"Pair this browser\".",
                ],
            },
            FixRule {
                facet: Some(Facet::RemoteUpgrade),
                range: Range::Any,
                steps: &[
                    "The device is paired but asks for a higher role or more scopes than approved: approve the upgrade the same way.",
                ],
            },
            FixRule {
                facet: Some(Facet::ViaProxy),
                range: Range::Any,
                steps: &[
                    "The client came through a proxy or with a non-local Host header: if it really runs on the gateway host, add the proxy to `gateway.trustedProxies` (or connect to ws://127.0.0.1:18789 directly) and it is approved silently.",
                ],
            },
        ],
        guide: None,
        order: 6,
    },
    CauseRow {
        cause: Cause::ExecApprovalsInvalid,
        title: "exec approvals (never a \"pairing required\" close by itself)",
        guide_variant: Some(3),
        evidence: &[
            "`Exec approval registration failed: Error: gateway closed (1008): …` with an audit `scopesTo` holding `operator.approvals`: the approvals client's scope upgrade, the real link to \"pairing required\"",
            "`⇄ res ✗ exec.approvals.set … invalid exec.approvals.set params: … unexpected property`",
            "`Legacy exec approvals exist at …` (2026.8.x); `exec denied: …`, `SYSTEM_RUN_DENIED: approval required`",
            "config check findings in exec-approvals.json",
        ],
        fixed_in: &[FixedIn {
            release: "2026.4.2",
            broken: "2026.4.1 and earlier",
            change: "#59112: invalid policy values are dropped instead of leaking into policy comparisons (#59006)",
        }],
        fixes: &[
            FixRule {
                facet: Some(Facet::ExecPolicy),
                range: Range::Any,
                steps: &[
                    "Use only valid values in ~/.openclaw/exec-approvals.json: `security` and `askFallback` ∈ `deny|allowlist|full`, `ask` ∈ `off|on-miss|always` (`askFallback: \"allow\"` is not valid); `clawscan check` shows each bad value and where.",
                    "`openclaw approvals get --gateway` shows the effective policy.",
                ],
            },
            FixRule {
                facet: Some(Facet::ExecPolicy),
                range: Range::In(None, ver(2026, 8, 1)),
                steps: &[
                    "`tools.exec.security` / `tools.exec.ask` in openclaw.json also apply, and the stricter wins.",
                ],
            },
            FixRule {
                facet: Some(Facet::ExecPolicy),
                range: Range::In(ver(2026, 8, 1), None),
                steps: &[
                    "`tools.exec.mode` in openclaw.json also applies (it replaced `tools.exec.security`/`ask`), and the stricter wins.",
                ],
            },
            FixRule {
                facet: Some(Facet::ExecPolicy),
                range: Range::In(None, ver(2026, 4, 2)),
                steps: &[
                    "On {version} invalid values leak into policy comparisons (#59006) and approvals behave erratically: fix them, or upgrade to 2026.4.2 or later, which drops them.",
                ],
            },
            FixRule {
                facet: Some(Facet::ExecPolicy),
                range: Range::In(ver(2026, 4, 2), ver(2026, 7, 1)),
                steps: &[
                    "On {version} invalid values are dropped silently and the file is rewritten at start (#59112, #67747).",
                ],
            },
            FixRule {
                facet: Some(Facet::ExecPolicy),
                range: Range::In(ver(2026, 7, 1), ver(2026, 8, 1)),
                steps: &[
                    "2026.7 builds with #112327 treat any invalid value as a malformed file and deny all host exec silently (`security=deny ask=off askFallback=deny`).",
                ],
            },
            FixRule {
                facet: Some(Facet::ExecLegacy),
                range: Range::Any,
                steps: &[
                    "2026.8.x keeps exec approvals in SQLite: run `openclaw doctor --fix` to migrate the legacy exec-approvals.json.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::Any,
                steps: &[
                    "Do not delete exec-approvals.json to fix pairing: it fixes none of the pairing causes, 2026.4.2 and later regenerate permissive `full/off` defaults, and 2026.8.x needs `openclaw doctor --fix` instead.",
                ],
            },
        ],
        guide: Some(GuideNote {
            says: "invalid `security`/`ask`/`askFallback` values make the gateway block everything as \"pairing required\"; `askFallback` is `deny|allow`; delete the file and restart to reset",
            instead: "no code path turns these values into a pairing close; `askFallback` takes `deny|allowlist|full`. Deleting the file fixes none of the pairing causes (2026.4.2+ regenerates permissive defaults; 2026.8.x needs `openclaw doctor --fix`). The real link is the approvals client's `operator.approvals` scope upgrade.",
        }),
        order: 7,
    },
    CauseRow {
        cause: Cause::DmPolicyPairing,
        title: "chat DM pairing: a new sender waits for approval (not device pairing)",
        guide_variant: Some(4),
        evidence: &[
            "`<channel> pairing request sender=<id> …` (verbose; Telegram only in the file log)",
            "the bot's reply `OpenClaw: access not configured.` / `Pairing code: …` / `openclaw pairing approve <channel> <CODE>`",
            "never a 1008 close: DM pairing is not device pairing",
        ],
        fixed_in: &[],
        fixes: &[
            FixRule {
                facet: Some(Facet::GuideAllowedUsers),
                range: Range::Any,
                steps: &[
                    "Remove `dm.allowedUsers` from openclaw.json: it is not a key (`Unrecognized key: \"allowedUsers\"`) and invalidates the whole config; the ids go in `channels.{channel}.allowFrom`.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::Any,
                steps: &[
                    "Approve the sender: `openclaw pairing list {channel}`, then `openclaw pairing approve {channel} {code} --notify`. Codes live 1 hour, at most 3 are pending per account, and repeats get no reply — which is why the bot \"doesn't answer\".",
                    "Or let known senders in without pairing: `channels.{channel}.dmPolicy: \"allowlist\"` with `channels.{channel}.allowFrom: [\"{sender}\"]` (the list must not be empty); `\"open\"` needs `allowFrom: [\"*\"]`.",
                ],
            },
        ],
        guide: Some(GuideNote {
            says: "DM users \"get pairing required\"; set `dmPolicy: \"allowlist\"` with `dm.allowedUsers: [...]`",
            instead: "DM users never get a 1008 close: they get an access-not-configured reply with a pairing code, or silence. `dm.allowedUsers` does not exist and invalidates the config: use `channels.<channel>.allowFrom` (not empty), or approve with `openclaw pairing approve`.",
        }),
        order: 8,
    },
    CauseRow {
        cause: Cause::UntrustedProxy,
        title: "a proxy in front of the gateway is not in gateway.trustedProxies",
        guide_variant: None,
        evidence: &[
            "client `gateway rejected websocket upgrade (HTTP 403): …proxy_attribution_required…` or `node host gateway permanently rejected connection (proxy_attribution_required)` (2026.8.1+)",
            "gateway `observed unattributable proxy-shaped traffic from <ip>`, `gateway websocket missing prepared ingress attribution`, close `gateway ingress attribution required` (2026.8.1+)",
            "before 2026.8.1: `Proxy headers detected from untrusted address. Connection will not be treated as local.`, then a local client refused as if remote",
        ],
        fixed_in: &[],
        fixes: &[
            FixRule {
                facet: None,
                range: Range::Any,
                steps: &[
                    "List the proxy's own address in `gateway.trustedProxies` on the gateway (`[\"127.0.0.1\", \"::1\"]` for a proxy on the same host; the Docker bridge or the ingress's address or CIDR otherwise), never the clients' LAN, then restart the gateway. The proxy must overwrite or rebuild `X-Forwarded-For` instead of passing on the client's.",
                    "Or connect to the gateway directly (ws://127.0.0.1:18789 on its host, or an SSH tunnel) instead of through the proxy. A gateway-managed `gateway.tailscale.mode: \"serve\"` needs no entry.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(None, ver(2026, 8, 1)),
                steps: &[
                    "On {version} the gateway treats clients behind an untrusted proxy as remote, so they need pairing: once the proxy is trusted, local clients are approved silently again; until then approve the request once: `openclaw devices list`, then {approve}.",
                ],
            },
            FixRule {
                facet: None,
                range: Range::In(ver(2026, 8, 1), None),
                steps: &[
                    "Since 2026.8.1 (#119950) the gateway refuses such traffic outright (HTTP 403 `proxy_attribution_required`): there is no pairing request to approve. `gateway.remote.edgeAuth`, which clients suggest for a 403, is for identity-aware proxies such as Cloudflare Access, not for this.",
                ],
            },
        ],
        guide: None,
        order: 3,
    },
    CauseRow {
        cause: Cause::Unknown,
        title: "a pairing or auth failure the log does not explain",
        guide_variant: None,
        evidence: &[
            "a pairing or auth failure whose connection shows none of the evidence above (no audit line, no close context, no locality)",
        ],
        fixed_in: &[],
        fixes: &[FixRule {
            facet: None,
            range: Range::Any,
            steps: &[
                "The log does not say which cause this is. Capture the gateway's own lines with their close context: `openclaw gateway --verbose 2>&1 | clawscan diagnose`, or run `clawscan diagnose` with no input to read the file log under /tmp/openclaw/.",
                "If a pairing request is pending: `openclaw devices list`, then {approve}.",
            ],
        }],
        guide: None,
        order: 9,
    },
];

/// The row of a cause.
pub fn row(cause: Cause) -> &'static CauseRow {
    // Every cause has a row (a test checks it); the last row is `unknown`.
    CAUSES
        .iter()
        .find(|r| r.cause == cause)
        .unwrap_or(&CAUSES[CAUSES.len() - 1])
}

/// The values the placeholders of the fix steps take.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FixParams {
    /// The full request id from the log.
    pub request_id: Option<String>,
    /// A ws-log short request id (`c41f7a02…8e19`), when no full one was seen.
    pub request_short: Option<String>,
    /// A device id (64 hex).
    pub device: Option<String>,
    /// The DM channel (`telegram`, `discord`, …).
    pub channel: Option<String>,
    /// The DM sender id.
    pub sender: Option<String>,
    /// The DM pairing code.
    pub code: Option<String>,
}

/// The fix steps for a cause, given the evidence's facets, the version and the
/// values taken from the log.
pub fn fix_steps(
    cause: Cause,
    facets: Facets,
    view: &VersionView,
    params: &FixParams,
) -> Vec<String> {
    first_fix_steps(cause, facets, view, params, usize::MAX)
}

/// The first `limit` of [`fix_steps`], filling no more than those: a record's hint is
/// the first step, asked for once per incident.
pub fn first_fix_steps(
    cause: Cause,
    facets: Facets,
    view: &VersionView,
    params: &FixParams,
    limit: usize,
) -> Vec<String> {
    let row = row(cause);
    let applies = |r: &FixRule| r.facet.is_none_or(|f| facets.contains(f));
    let known = |r: &FixRule| match r.range {
        Range::In(a, b) => view.in_range(a, b) == Some(true),
        _ => false,
    };
    let mut out = Vec::new();
    for r in row.fixes.iter().filter(|r| applies(r)) {
        let take = match r.range {
            Range::Any => true,
            Range::In(..) => known(r),
            Range::Unknown {
                about: (from, until),
            } => {
                let placed = row
                    .fixes
                    .iter()
                    .any(|o| o.facet == r.facet && applies(o) && known(o));
                if placed {
                    false
                } else if view.in_range(from, until) == Some(false) {
                    // The catch-all speaks of releases the log rules out.
                    let open = row
                        .fixes
                        .iter()
                        .filter(|o| o.facet == r.facet && applies(o));
                    out.extend(open_release_steps(open, view, params));
                    false
                } else {
                    true
                }
            }
        };
        if take {
            out.extend(r.steps.iter().map(|s| fill(s, view, params)));
        }
        if out.len() >= limit {
            out.truncate(limit);
            break;
        }
    }
    out
}

/// The steps of the `In` rules the log leaves open, each introduced by the releases
/// both the rule and the log allow; `{version}` says those too, not the log's whole
/// span (a 2026.8.1+ step must not say "on 2026.5.1 or later").
fn open_release_steps<'a>(
    rules: impl Iterator<Item = &'a FixRule>,
    view: &VersionView,
    params: &FixParams,
) -> Vec<String> {
    let mut out = Vec::new();
    for o in rules {
        if let Range::In(a, b) = o.range
            && view.in_range(a, b).is_none()
        {
            let on = range_text(a.max(view.min), b);
            for s in o.steps {
                out.push(format!(
                    "If it runs {on}: {}",
                    fill_as(s, view, &on, params)
                ));
            }
        }
    }
    out
}

/// `[from, until)` for people.
fn range_text(from: Option<OcVersion>, until: Option<OcVersion>) -> String {
    match (from, until) {
        (Some(a), Some(b)) => format!("{a} or later, before {b}"),
        (Some(a), None) => format!("{a} or later"),
        (None, Some(b)) => format!("a release before {b}"),
        (None, None) => "any release".to_string(),
    }
}

/// Fills the placeholders of one step.
fn fill(step: &str, view: &VersionView, p: &FixParams) -> String {
    fill_with(step, view, || view.describe(), p)
}

/// [`fill`], with `{version}` said as `version`.
fn fill_as(step: &str, view: &VersionView, version: &str, p: &FixParams) -> String {
    fill_with(step, view, || version.to_string(), p)
}

/// Replaces the placeholders in turn, as a chain of `str::replace` does (a value put
/// in is searched by the placeholders after it), but only those the text holds, with
/// values built only for those: a step has one or two of the six, and building
/// every value and copying the step six times was most of the cost of a hint.
fn fill_with(
    step: &str,
    view: &VersionView,
    version: impl FnOnce() -> String,
    p: &FixParams,
) -> String {
    let mut s = step.to_string();
    if !s.contains('{') {
        return s;
    }
    if s.contains("{version}") {
        s = s.replace("{version}", &version());
    }
    if s.contains("{approve}") {
        s = s.replace("{approve}", &approve_text(view, p));
    }
    for (placeholder, value) in [
        ("{channel}", p.channel.as_deref().unwrap_or("<channel>")),
        ("{sender}", p.sender.as_deref().unwrap_or("<sender id>")),
        ("{code}", p.code.as_deref().unwrap_or("<CODE>")),
        ("{device}", p.device.as_deref().unwrap_or("<deviceId>")),
    ] {
        if s.contains(placeholder) {
            s = s.replace(placeholder, value);
        }
    }
    s
}

/// `openclaw devices approve <id>` with the id from the log where there is one.
fn approve_text(view: &VersionView, p: &FixParams) -> String {
    let mut s = match (&p.request_id, &p.request_short) {
        (Some(id), _) => format!("`openclaw devices approve {id}`"),
        (None, Some(short)) => {
            let (head, tail) = short.split_once('…').unwrap_or((short.as_str(), ""));
            format!(
                "`openclaw devices approve <requestId>` with the full id of the request that starts {head} and ends {tail}"
            )
        }
        (None, None) => "`openclaw devices approve <requestId>`".to_string(),
    };
    // The exact id is required since 2026.4.10 (#64160); before, `--latest` worked.
    if view.in_range(None, Some(OcVersion::new(2026, 4, 10))) == Some(true) {
        s.push_str(" (on this version `openclaw devices approve --latest` also works)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_one_row() {
        for c in Cause::ALL {
            assert_eq!(CAUSES.iter().filter(|r| r.cause == c).count(), 1, "{c}");
            assert_eq!(row(c).guide_variant, c.guide_variant(), "{c}");
        }
    }

    #[test]
    fn no_step_recommends_what_openclaw_rejects() {
        for r in CAUSES {
            for f in r.fixes {
                for s in f.steps {
                    let lower = s.to_lowercase();
                    for key in ["localexec", "agents.subagents", "allowedusers"] {
                        if lower.contains(key) {
                            assert!(
                                lower.starts_with("remove"),
                                "{}: a step names {key} other than to remove it: {s}",
                                r.cause
                            );
                        }
                    }
                    if lower.contains("delete") || lower.contains("rm ") {
                        assert!(lower.starts_with("do not delete"), "{s}");
                    }
                }
            }
        }
    }

    /// A record's hint (the first step) is the first of the report's steps.
    #[test]
    fn the_first_step_is_the_first_of_all_steps() {
        let p = FixParams::default();
        let views = [
            VersionView::default(),
            VersionView::exact(OcVersion::new(2026, 3, 31)),
            VersionView::exact(OcVersion::new(2026, 9, 1)),
            VersionView {
                exact: None,
                min: Some(OcVersion::new(2026, 6, 1)),
                max: None,
            },
        ];
        for row in CAUSES {
            for view in &views {
                for f in FACETS.iter().map(|f| {
                    let mut s = Facets::default();
                    s.insert(*f);
                    s
                }) {
                    let all = fix_steps(row.cause, f, view, &p);
                    let first = first_fix_steps(row.cause, f, view, &p, 1);
                    assert_eq!(first, all.into_iter().take(1).collect::<Vec<_>>());
                }
            }
        }
    }

    /// A log that places the release only partly ("2026.6.1 or later") gets the steps
    /// of the releases it leaves open, never the catch-all's advice for older ones.
    #[test]
    fn a_partly_known_release_gets_no_steps_for_releases_it_rules_out() {
        let p = FixParams::default();
        let later = VersionView {
            exact: None,
            min: Some(OcVersion::new(2026, 6, 1)),
            max: None,
        };
        let steps = fix_steps(Cause::LoopbackLocalExec, Facets::default(), &later, &p);
        assert!(
            !steps.iter().any(|s| s.contains("upgrade to 2026.4.2")),
            "{steps:#?}"
        );
        assert!(
            steps[0].starts_with("If it runs 2026.6.1 or later, before 2026.8.1: "),
            "{steps:#?}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s.starts_with("If it runs 2026.8.1 or later: ")),
            "{steps:#?}"
        );
        // Each step speaks of its own releases, not of the log's whole span.
        assert!(
            steps[0].contains("This build (2026.6.1 or later, before 2026.8.1)"),
            "{steps:#?}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s.contains(": On 2026.8.1 or later local clients")),
            "{steps:#?}"
        );
        // A span that still holds the releases the catch-all speaks of keeps it.
        let open = VersionView {
            exact: None,
            min: Some(OcVersion::new(2026, 2, 19)),
            max: Some(OcVersion::new(2026, 4, 2)),
        };
        let steps = fix_steps(Cause::LoopbackLocalExec, Facets::default(), &open, &p);
        assert!(
            steps[0].starts_with("The log does not tell the OpenClaw version"),
            "{steps:#?}"
        );
    }

    /// For every cause, every facet and every release era, the steps name no key the
    /// era rejects or ignores, and `--latest` only where it still approves.
    #[test]
    fn every_era_gets_steps_it_accepts() {
        let eras: &[(OcVersion, &str)] = &[
            (OcVersion::new(2026, 2, 20), "2.x"),
            (OcVersion::new(2026, 3, 31), "3.31"),
            (OcVersion::new(2026, 4, 5), "4.5"),
            (OcVersion::new(2026, 4, 12), "4.12"),
            (OcVersion::new(2026, 6, 3), "6.x"),
            (OcVersion::new(2026, 7, 2), "7.2"),
            (OcVersion::new(2026, 8, 1), "8.1"),
            (OcVersion::new(2026, 9, 33), "9.33"),
            (OcVersion::new(2026, 11, 3), "11.3"),
        ];
        let p = FixParams::default();
        for &(v, name) in eras {
            let view = VersionView::exact(v);
            for row in CAUSES {
                for facet_bits in 0..32u8 {
                    let mut facets = Facets::default();
                    if let Some(f) = FACETS.get(facet_bits as usize) {
                        facets.insert(*f);
                    }
                    for step in fix_steps(row.cause, facets, &view, &p) {
                        let lower = step.to_lowercase();
                        if v >= OcVersion::new(2026, 4, 10) {
                            assert!(!step.contains("--latest"), "{name} {}: {step}", row.cause);
                        }
                        if v >= OcVersion::new(2026, 7, 2) {
                            for retired in ["allowinsecureauth", "dangerouslydisabledeviceauth"] {
                                assert!(
                                    !lower.contains(retired)
                                        || lower.contains("retired")
                                        || lower.contains("rejected"),
                                    "{name} {}: {step}",
                                    row.cause
                                );
                            }
                        }
                        if v >= OcVersion::new(2026, 8, 1) {
                            assert!(!step.contains("tools.exec.security` /"), "{name}: {step}");
                        }
                        for bad in ["localexec", "agents.subagents", "allowedusers"] {
                            assert!(
                                !lower.contains(bad) || lower.starts_with("remove"),
                                "{name} {}: {step}",
                                row.cause
                            );
                        }
                        assert!(!lower.contains("bind\": \"127.0.0.1"), "{step}");
                    }
                }
            }
        }
    }

    const FACETS: &[Facet] = &[
        Facet::GuideLocalExec,
        Facet::GuideBind,
        Facet::GuideSubagents,
        Facet::GuideAllowedUsers,
        Facet::ApprovalsUpgrade,
        Facet::ExecPolicy,
        Facet::ExecLegacy,
        Facet::ViaProxy,
        Facet::RemoteUpgrade,
        Facet::SharedToken,
        Facet::TokenNotConfigured,
        Facet::Password,
        Facet::DeviceToken,
        Facet::RateLimited,
        Facet::AuthChanged,
        Facet::Bootstrap,
        Facet::ProxyAuth,
        Facet::IdentityMissing,
        Facet::SignatureExpired,
        Facet::Nonce,
        Facet::IdentityCorrupt,
        Facet::InsecureContext,
        Facet::Origin,
        Facet::VerifiedIdentity,
        Facet::Browser,
        Facet::TrustedProxyToken,
    ];

    #[test]
    fn version_picks_the_steps() {
        let p = FixParams {
            request_id: Some("7d1c2a9e-0b6f-4f51-9a51-3d1f1c0e2b44".into()),
            ..FixParams::default()
        };
        let old = VersionView::exact(OcVersion::new(2026, 3, 31));
        let steps = fix_steps(Cause::LoopbackLocalExec, Facets::default(), &old, &p);
        assert!(steps[0].contains("shows 2026.3.31"), "{steps:?}");
        assert!(steps[0].contains("upgrade to 2026.4.2"));
        assert!(steps.iter().any(|s| s.contains("--latest")));
        let new = VersionView::exact(OcVersion::new(2026, 4, 12));
        let steps = fix_steps(Cause::SubagentScopeUpgrade, Facets::default(), &new, &p);
        assert!(steps[0].contains("already has"), "{steps:?}");
        assert!(steps[0].contains("openclaw devices approve 7d1c2a9e-0b6f-4f51-9a51-3d1f1c0e2b44"));
        assert!(!steps.iter().any(|s| s.contains("--latest")));
        let unknown = VersionView::default();
        let steps = fix_steps(Cause::SubagentScopeUpgrade, Facets::default(), &unknown, &p);
        assert!(steps[0].contains("does not tell"), "{steps:?}");
    }

    #[test]
    fn facets_add_steps() {
        let mut f = Facets::default();
        f.insert(Facet::GuideLocalExec);
        let steps = fix_steps(
            Cause::LoopbackLocalExec,
            f,
            &VersionView::default(),
            &FixParams::default(),
        );
        assert!(steps[0].starts_with("Remove `gateway.localExec`"));
        let steps = fix_steps(
            Cause::ExecApprovalsInvalid,
            Facets::default(),
            &VersionView::default(),
            &FixParams::default(),
        );
        assert_eq!(steps.len(), 1);
        assert!(steps[0].starts_with("Do not delete"));
    }
}
