//! Incidents: what one failed connection (or one client-side error block, or one
//! standalone line) shows, and which cause that evidence settles.
//!
//! This module owns reading the diagnosis' facts out of a record ([`Facts::apply`],
//! from the record's [`LineKind`] and phrases, which `crate::line_facts` read once on
//! the search's workers) and the decision from facts to a [`Verdict`] (cause,
//! confidence, whether it is a problem at all). The decision follows the facts file
//! §3: the sub-kind (meta `reason`, the newer close text, the audit `reason=`), the
//! locality (loopback `remote=`, audit `ip=unknown-ip`, `Source: local loopback`), the
//! client (`gateway-client` / `gateway:<method>` is the gateway's own in-process
//! client, `node-host` the node host), and the version's silent-approval rules.
//!
//! It does not group records into incidents (that is `correlate`) nor print anything.

use std::cell::Cell;
use std::fmt::{self, Write as _};

use serde::Serialize;
use serde_json::Value;

use crate::cause::Cause;
pub use crate::line_facts::{LineKind, command_of};
use crate::line_facts::{message_has, text_has};
use crate::record::Record;
use crate::text::{find_literal, first_line};

use super::Loc;
use super::causes::{Facet, Facets};
use super::version::{VersionView, is_in_process_client};

/// `hay.contains(needle)` for a fixed needle, with the substring searcher built once
/// per call site: the diagnosis asks a few dozen fixed questions of every line, and
/// building a searcher for each question cost more than the search itself.
macro_rules! has {
    ($hay:expr, $needle:literal) => {
        find_literal!($hay, $needle).is_some()
    };
}

/// How sure the diagnosis is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// One indirect sign.
    Low,
    /// The cause's main sign without all of its context.
    Medium,
    /// The evidence the cause needs, on one connection or block.
    High,
}

impl Confidence {
    /// The word printed in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// What kind of device-pairing request a refusal was about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A device that was never approved.
    NotPaired,
    /// A paired device asking for a higher role.
    RoleUpgrade,
    /// A paired device asking for more scopes.
    ScopeUpgrade,
    /// A paired device whose platform or metadata changed.
    MetadataUpgrade,
}

impl RequestKind {
    fn from_word(w: &str) -> Option<RequestKind> {
        Some(match w {
            "not-paired" => RequestKind::NotPaired,
            "role-upgrade" => RequestKind::RoleUpgrade,
            "scope-upgrade" => RequestKind::ScopeUpgrade,
            "metadata-upgrade" => RequestKind::MetadataUpgrade,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            RequestKind::NotPaired => "not-paired",
            RequestKind::RoleUpgrade => "role-upgrade",
            RequestKind::ScopeUpgrade => "scope-upgrade",
            RequestKind::MetadataUpgrade => "metadata-upgrade",
        }
    }
}

/// Which client was refused: the user's frame for "who" (the causes follow from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    /// The `openclaw` CLI (`openclaw logs`, `devices`, `cron`, …).
    Cli,
    /// `openclaw tui`.
    Tui,
    /// The node host (`openclaw node run`), the local exec client.
    NodeHost,
    /// A browser: the Control UI or a web client.
    Browser,
    /// A desktop or phone app, or a wrapper such as ClawX.
    App,
    /// The gateway's own in-process client (sub-agents, agent tools, approvals).
    InProcess,
}

impl ClientKind {
    /// The kind a `client=` id names.
    fn of_client_id(id: &str) -> Option<ClientKind> {
        let id = id.to_ascii_lowercase();
        Some(if is_in_process_client(&id) {
            ClientKind::InProcess
        } else if id == "cli" || id == "openclaw-cli" {
            ClientKind::Cli
        } else if id.contains("tui") {
            ClientKind::Tui
        } else if id.starts_with("node") {
            ClientKind::NodeHost
        } else if id.contains("control-ui") || id.contains("webchat") || id.contains("browser") {
            ClientKind::Browser
        } else if id.contains("macos")
            || id.contains("ios")
            || id.contains("android")
            || id.contains("windows")
            || id.contains("app")
        {
            ClientKind::App
        } else {
            return None;
        })
    }

    /// The kind the command of a pasted prompt line runs.
    pub fn of_command(cmd: &str) -> ClientKind {
        if cmd.starts_with("tui") {
            ClientKind::Tui
        } else if cmd.starts_with("node") {
            ClientKind::NodeHost
        } else {
            ClientKind::Cli
        }
    }
}

/// Whether an address is the gateway host's own (loopback).
pub fn is_loopback(addr: &str) -> bool {
    let a = addr.trim();
    let host = if let Some(rest) = a.strip_prefix('[') {
        // `[::1]:18789`
        rest.split(']').next().unwrap_or_default()
    } else if a.bytes().filter(|&b| b == b':').count() >= 2 {
        // A bare IPv6 address (`::1`, `::ffff:127.0.0.1`): no port to drop.
        a
    } else {
        // `127.0.0.1:50420`, `localhost:18789`, `127.0.0.1`.
        memchr::memchr(b':', a.as_bytes()).map_or(a, |i| &a[..i])
    };
    let host = host.strip_prefix("::ffff:").unwrap_or(host);
    host.starts_with("127.") || host == "::1" || host == "localhost"
}

/// An address that says where the peer is: not empty, `n/a`, `?` or `unknown-ip`.
fn is_address(a: &str) -> bool {
    !matches!(a.trim(), "" | "n/a" | "?" | "unknown-ip" | "unknown")
}

/// The most evidence lines kept per incident (and per cause in the report).
pub const MAX_EVIDENCE: usize = 8;

/// One piece of evidence: what a line showed, and where.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// What the line showed, in a few words with its key values.
    pub what: String,
    /// The line.
    pub at: Loc,
}

/// The facts gathered from the records of one incident.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// A refusal for device pairing was seen.
    pub pairing: bool,
    /// A close with `connect failed` and no reason of its own (the client closed first).
    pub connect_failed: bool,
    /// A credential was refused.
    pub auth: bool,
    /// The sub-kind of the pairing request.
    pub sub: Option<RequestKind>,
    /// An audit line was seen.
    pub audit: bool,
    /// True: the peer is on the gateway host; false: it is not; None: unknown.
    pub local: Option<bool>,
    /// A `fwd=` / `forwardedFor` address was present.
    pub forwarded: bool,
    /// The audit's `roleFrom=<none>`.
    pub role_from_none: bool,
    /// The role asked for.
    pub role_to: Option<String>,
    /// The scopes asked for.
    pub scopes_to: Vec<String>,
    /// The client id or label.
    pub client: Option<String>,
    /// The client is the gateway's own in-process client.
    pub in_process: bool,
    /// A `sessions_spawn` / sub-agent / cron sign nearby.
    pub subagent_ctx: bool,
    /// `Exec approval registration failed`.
    pub exec_registration: bool,
    /// An RPC denial `missing scope: <scope>`.
    pub missing_scope: Option<String>,
    /// The full pairing request id.
    pub request_id: Option<String>,
    /// A ws-log short request id.
    pub request_short: Option<String>,
    /// The device id.
    pub device: Option<String>,
    /// Evidence facets (token kind, identity kind, guide snippets, …).
    pub facets: Facets,
    /// A client-side error line was seen.
    pub client_error: bool,
    /// A server-side close was seen.
    pub server_close: bool,
    /// Why this is no problem, when it is not.
    pub benign: Option<&'static str>,
    /// A failure whose reason the line does not give, when that is all there is.
    pub unexplained: Option<&'static str>,
    /// A DM pairing request or reply.
    pub dm: bool,
    /// The DM channel.
    pub channel: Option<String>,
    /// The DM sender id.
    pub sender: Option<String>,
    /// The DM pairing code.
    pub code: Option<String>,
    /// Exec approvals evidence, and how strong.
    pub exec: Option<Confidence>,
    /// OpenClaw rejected its config.
    pub config_invalid: bool,
    /// The config line points at a guide snippet of this cause.
    pub config_cause: Option<Cause>,
    /// A locality warning (supporting evidence only).
    pub locality_warning: bool,
    /// Which client was refused, where the lines say.
    pub client_kind: Option<ClientKind>,
    /// A proxy the gateway does not trust (warning, attribution refusal).
    pub proxy: bool,
    /// The 2026.8.1+ refusal of untrusted proxy traffic (HTTP 403
    /// `proxy_attribution_required`, ingress attribution): no pairing request exists.
    pub proxy_attribution: bool,
    /// A pairing request waits for approval (status, doctor, the UI's cards).
    pub pending: bool,
    /// The client's block names a remote source (`cli --url`, `config
    /// gateway.remote.url`, `env OPENCLAW_GATEWAY_URL`).
    pub source_remote: bool,
    /// The block's `Gateway target:` is not a loopback address.
    pub target_remote: bool,
    /// What the lines showed.
    pub evidence: Vec<Evidence>,
}

fn meta_str<'a>(rec: &'a Record, key: &str) -> Option<&'a str> {
    rec.meta
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
}

/// Cuts a value for an evidence line (log text can be long or hostile; the report
/// escapes it too).
fn short(s: &str) -> crate::text::Cut<'_> {
    crate::text::Cut::new(s, 100)
}

/// [`short`] as a `String`, for a value kept in the facts.
fn short_owned(s: &str) -> String {
    crate::text::cut(s, 100)
}

impl Facts {
    /// Keeps a line of evidence (see [`Facts::note_with`]).
    fn note(&mut self, what: fmt::Arguments<'_>, rec: &Record) {
        self.note_with(rec, |line| line.write_fmt(what));
    }

    /// Keeps the line of evidence that `write` writes, unless [`MAX_EVIDENCE`] are
    /// kept or it repeats one. Most lines of a long failure repeat one already kept
    /// or come after the last kept, so nothing is written once the list is full,
    /// and a line is written into one reused buffer and copied out only when new.
    fn note_with(&mut self, rec: &Record, write: impl FnOnce(&mut String) -> fmt::Result) {
        thread_local! {
            static LINE: Cell<String> = const { Cell::new(String::new()) };
        }
        /// A buffer grown past this by one long value is not kept for the next.
        const KEEP: usize = 4096;
        if self.evidence.len() >= MAX_EVIDENCE {
            return;
        }
        // Taken out of the cell and put back, so that a `write` noting evidence of
        // its own would find an empty buffer, not a borrowed one.
        let mut line = LINE.take();
        line.clear();
        let written = write(&mut line);
        // Only a `Display` that fails can fail here: the old `format!` panicked.
        debug_assert!(written.is_ok(), "evidence formatting failed");
        if written.is_ok() && self.would_keep(&line) {
            self.evidence.push(Evidence {
                what: line.clone(),
                at: Loc::of(rec),
            });
        }
        if line.capacity() <= KEEP {
            LINE.set(line);
        }
    }

    /// Whether a line of evidence saying `what` is kept: there is room, and it
    /// repeats none kept.
    fn would_keep(&self, what: &str) -> bool {
        self.evidence.len() < MAX_EVIDENCE && !self.evidence.iter().any(|e| e.what == what)
    }

    fn set_local_from(&mut self, addr: &str) {
        if addr.trim() == "unknown-ip" {
            // The audit's `ip=unknown-ip` is the gateway's word for a local client.
            self.local = Some(true);
        } else if is_address(addr) {
            if is_loopback(addr) {
                self.local = Some(true);
            } else if self.local != Some(true) {
                self.local = Some(false);
            }
        }
    }

    fn set_client(&mut self, client: &str) {
        if client.is_empty() || client == "n/a" {
            return;
        }
        if is_in_process_client(client) {
            self.in_process = true;
        }
        if self.client_kind.is_none() {
            self.client_kind = ClientKind::of_client_id(client);
        }
        if self.client.is_none() {
            self.client = Some(client.to_string());
        }
    }

    fn set_request_id(&mut self, id: &str) {
        let id = id.trim();
        if id.contains('…') {
            self.request_short = Some(id.to_string());
        } else if id.len() >= 8 {
            self.request_id = Some(id.to_string());
        }
    }

    /// Reads a close reason (server or client side).
    fn read_reason(&mut self, reason: &str) {
        let r = reason.trim();
        if has!(r, "pairing required") || has!(r, "Pairing required") {
            self.pairing = true;
        }
        if has!(r, "not approved yet") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::NotPaired));
        } else if has!(r, "higher role than currently approved") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::RoleUpgrade));
        } else if has!(r, "more scopes than currently approved") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::ScopeUpgrade));
        } else if has!(r, "identity changed and must be re-approved") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::MetadataUpgrade));
        } else if has!(r, "role upgrade pending approval") {
            // The short client texts of current releases (§7.2).
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::RoleUpgrade));
        } else if has!(r, "scope upgrade pending approval") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::ScopeUpgrade));
        } else if has!(r, "device metadata change pending approval") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::MetadataUpgrade));
        } else if has!(r, "device pairing required") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::NotPaired));
        }
        if r.starts_with("connect failed") || r.starts_with("connect challenge") {
            self.connect_failed = true;
        }
        if r.starts_with("unauthorized") || has!(r, "gateway auth changed") {
            self.auth = true;
            self.facets.insert(
                if has!(r, "gateway token not configured")
                    || has!(r, "gateway password not configured")
                {
                    Facet::TokenNotConfigured
                } else if has!(r, "gateway token") {
                    Facet::SharedToken
                } else if has!(r, "gateway password") {
                    Facet::Password
                } else if has!(r, "device token") {
                    Facet::DeviceToken
                } else if has!(r, "bootstrap token") {
                    Facet::Bootstrap
                } else if has!(r, "too many failed") {
                    Facet::RateLimited
                } else if has!(r, "gateway auth changed") {
                    Facet::AuthChanged
                } else if has!(r, "tailscale") || has!(r, "proxy") {
                    Facet::ProxyAuth
                } else {
                    Facet::SharedToken
                },
            );
        }
        if r.starts_with("repeated unauthorized calls") {
            self.auth = true;
            self.facets.insert(Facet::RateLimited);
        }
        let identity = if r.starts_with("device identity required") {
            Some(Facet::IdentityMissing)
        } else if r.starts_with("device signature expired") {
            Some(Facet::SignatureExpired)
        } else if r.starts_with("device nonce") {
            Some(Facet::Nonce)
        } else if r.starts_with("device identity mismatch")
            || r.starts_with("device signature invalid")
            || r.starts_with("device public key invalid")
        {
            Some(Facet::IdentityCorrupt)
        } else {
            None
        };
        if let Some(f) = identity {
            self.facets.insert(f);
        }
        if r.starts_with("control ui requires device identity") {
            self.facets.insert(Facet::InsecureContext);
        }
        if r.starts_with("origin not allowed") {
            self.facets.insert(Facet::Origin);
        }
        if r.starts_with("device removed") {
            self.benign = Some("a device removed by an operator (it must pair again)");
        }
    }

    /// Reads the close context's `cause` (meta or ws-log `cause=`).
    fn read_cause(&mut self, cause: &str, rec: &Record) {
        match cause {
            "pairing-required" => self.pairing = true,
            "unauthorized" => {
                self.auth = true;
                if let Some(code) = meta_str(rec, "authReason") {
                    self.read_auth_code(code);
                } else {
                    self.facets.insert(Facet::SharedToken);
                }
            }
            "device-auth-invalid" => {
                self.facets.insert(match meta_str(rec, "reason") {
                    Some("device-signature-stale") => Facet::SignatureExpired,
                    Some(r) if has!(r, "nonce") => Facet::Nonce,
                    _ => Facet::IdentityCorrupt,
                });
            }
            "device-required" => self.facets.insert(Facet::IdentityMissing),
            "control-ui-insecure-auth" => self.facets.insert(Facet::InsecureContext),
            "origin-mismatch" => self.facets.insert(Facet::Origin),
            "handshake-timeout" => {
                self.unexplained = self.unexplained.or(Some("handshake timeout"));
            }
            _ => {}
        }
    }

    fn read_auth_code(&mut self, code: &str) {
        let f = match code {
            "token_missing" | "token_mismatch" => Facet::SharedToken,
            "token_missing_config" | "password_missing_config" => Facet::TokenNotConfigured,
            c if c.starts_with("password_") => Facet::Password,
            "device_token_mismatch" => Facet::DeviceToken,
            "bootstrap_token_invalid" => Facet::Bootstrap,
            "rate_limited" => Facet::RateLimited,
            "scope_mismatch" => Facet::DeviceToken,
            c if c.starts_with("tailscale_") || c.starts_with("trusted_proxy_") => Facet::ProxyAuth,
            _ => Facet::SharedToken,
        };
        self.facets.insert(f);
    }

    fn read_common(&mut self, rec: &Record) {
        if let Some(id) = rec.request_id.as_deref() {
            self.set_request_id(id);
        }
        if let Some(id) = rec.kv.get("requestId") {
            self.set_request_id(id);
        }
        if let Some(d) = rec.device.as_deref()
            && d.len() == 64
        {
            self.device = Some(d.to_string());
        }
        if text_has!(rec.facts(), "sessions_spawn")
            || text_has!(rec.facts(), "subagent")
            || text_has!(rec.facts(), "sub-agent")
            || rec
                .subsystem
                .as_deref()
                .is_some_and(|s| s.starts_with("cron"))
        {
            self.subagent_ctx = true;
        }
        if text_has!(rec.facts(), "PAIRING_REQUIRED") || text_has!(rec.facts(), "NOT_PAIRED") {
            self.pairing = true;
        }
        self.read_current(rec);
        let lf = rec.facts();
        for (present, f) in [
            (text_has!(lf, "AUTH_TOKEN_MISMATCH"), Facet::SharedToken),
            (text_has!(lf, "AUTH_TOKEN_MISSING"), Facet::SharedToken),
            (
                text_has!(lf, "AUTH_DEVICE_TOKEN_MISMATCH"),
                Facet::DeviceToken,
            ),
        ] {
            if present {
                self.auth = true;
                self.facets.insert(f);
            }
        }
    }

    /// The texts of current releases (§7), of the Control UI and of translated
    /// builds, wherever they stand on a line.
    fn read_current(&mut self, rec: &Record) {
        if text_has!(rec.facts(), "proxy_attribution_required")
            || text_has!(rec.facts(), "roxy client attribution is required")
            || text_has!(rec.facts(), "ingress attribution required")
            || text_has!(rec.facts(), "missing prepared ingress attribution")
            || text_has!(rec.facts(), "unattributable proxy-shaped traffic")
        {
            self.proxy = true;
            self.proxy_attribution = true;
            self.note(
                format_args!("untrusted proxy: {}", short(first_line(&rec.message))),
                rec,
            );
        }
        if text_has!(rec.facts(), "Proxy headers detected from untrusted address") {
            self.proxy = true;
        }
        if text_has!(rec.facts(), "Capability: pairing-pending")
            || text_has!(rec.facts(), " for approval")
            || text_has!(rec.facts(), "pprove this browser")
            || text_has!(rec.facts(), "Approve the new access level")
            || text_has!(rec.facts(), "Approve the new role")
            || text_has!(rec.facts(), "Pair this browser")
            || text_has!(rec.facts(), "aiting for pairing")
            || text_has!(rec.facts(), "aiting for device approval")
            || text_has!(rec.facts(), "airing pending")
            || text_has!(rec.facts(), "airing approval pending")
            || text_has!(rec.facts(), "配对")
            || text_has!(rec.facts(), "批准此浏览器")
        {
            self.pairing = true;
            self.pending = true;
            if text_has!(rec.facts(), "browser")
                || text_has!(rec.facts(), "浏览器")
                || text_has!(rec.facts(), "Approve the new")
                || text_has!(rec.facts(), "此设备需要网关主机的配对批准")
            {
                // The Control UI's cards and banners (§7.3).
                self.client_kind.get_or_insert(ClientKind::Browser);
            }
            if text_has!(rec.facts(), "Approve the new access level") {
                self.sub = self.sub.or(Some(RequestKind::ScopeUpgrade));
            } else if text_has!(rec.facts(), "Approve the new role") {
                self.sub = self.sub.or(Some(RequestKind::RoleUpgrade));
            } else if text_has!(rec.facts(), "Re-approve this browser") {
                self.sub = self.sub.or(Some(RequestKind::MetadataUpgrade));
            }
            self.note(
                format_args!("pending approval: {}", short(first_line(&rec.message))),
                rec,
            );
        }
        if text_has!(rec.facts(), "pairing rejected")
            || text_has!(rec.facts(), "pairing expired")
            || text_has!(rec.facts(), "pairing superseded")
            || text_has!(rec.facts(), "Access request declined")
            || text_has!(rec.facts(), "Access request expired")
            || text_has!(rec.facts(), "PAIRING_REJECTED")
            || text_has!(rec.facts(), "PAIRING_EXPIRED")
            || text_has!(rec.facts(), "Pairing link is no longer valid")
        {
            self.pairing = true;
            if text_has!(rec.facts(), "Access request") || text_has!(rec.facts(), "Pairing link") {
                self.client_kind.get_or_insert(ClientKind::Browser);
            }
        }
        // A pending request's fields as `openclaw devices list --json` or a paste
        // shows them (`"reason": "not-paired",`, `reason: scope-upgrade`).
        // (Most texts start with a time or a tag: the key is looked at first.)
        let first = first_line(&rec.text).trim();
        if first.trim_start_matches('"').starts_with("reason")
            && let Some(("reason", r)) = crate::search::span::field(first)
            && let Some(sub) = RequestKind::from_word(r)
        {
            self.pairing = true;
            self.pending = true;
            self.sub = self.sub.or(Some(sub));
        }
        if text_has!(
            rec.facts(),
            "browser copilot requires a dedicated paired device"
        ) {
            self.pairing = true;
            self.client_kind.get_or_insert(ClientKind::Browser);
        }
        if text_has!(rec.facts(), "can't approve its own scope upgrade") {
            self.pairing = true;
            self.sub = self.sub.or(Some(RequestKind::ScopeUpgrade));
        }
        // Translated builds and UIs (§7.3): 未授权 unauthorized, 令牌 token,
        // 设备令牌 device token, 次数过多 too many, 身份验证 authentication.
        if text_has!(rec.facts(), "未授权")
            || text_has!(rec.facts(), "não autorizado")
            || text_has!(rec.facts(), "令牌")
            || text_has!(rec.facts(), "身份验证")
            || text_has!(rec.facts(), "认证失败")
        {
            self.auth = true;
            self.facets.insert(if text_has!(rec.facts(), "设备令牌") {
                Facet::DeviceToken
            } else if text_has!(rec.facts(), "次数过多") {
                Facet::RateLimited
            } else {
                Facet::SharedToken
            });
            self.note(
                format_args!("auth (translated): {}", short(first_line(&rec.message))),
                rec,
            );
        }
        // The Control UI's own words (§7.3).
        let ui_auth = if text_has!(rec.facts(), "Gateway secret rejected")
            || text_has!(rec.facts(), "This Gateway expects its")
            || text_has!(rec.facts(), "gateway auth failed")
            || text_has!(rec.facts(), "Auth failed. Re-copy a tokenized URL")
        {
            Some(if text_has!(rec.facts(), "expects its password") {
                Facet::Password
            } else {
                Facet::SharedToken
            })
        } else if text_has!(rec.facts(), "Too many failed attempts") {
            Some(Facet::RateLimited)
        } else {
            None
        };
        if let Some(f) = ui_auth {
            self.auth = true;
            self.facets.insert(f);
            self.client_kind.get_or_insert(ClientKind::Browser);
        }
        if text_has!(rec.facts(), "Secure browser context required") {
            self.facets.insert(Facet::InsecureContext);
        }
        if text_has!(rec.facts(), "Browser origin not allowed") {
            self.facets.insert(Facet::Origin);
        }
        if text_has!(rec.facts(), "require a verified user identity")
            || text_has!(rec.facts(), "Verified identity required")
            || text_has!(rec.facts(), "AUTH_VERIFIED_USER_REQUIRED")
            || text_has!(rec.facts(), "AUTH_IDENTITY_HEADER_REQUIRED")
        {
            self.auth = true;
            self.facets.insert(Facet::VerifiedIdentity);
        }
        if text_has!(
            rec.facts(),
            "trusted-proxy, but a shared token is also configured"
        ) {
            self.auth = true;
            self.facets.insert(Facet::TrustedProxyToken);
            self.note(
                format_args!("start-up refused: {}", short(first_line(&rec.message))),
                rec,
            );
        }
        // The connect error's diagnostic codes (§3.7's texts as `error.details`), as a
        // client, a wrapper or a tool result quotes them.
        let lf = rec.facts();
        let identity = if text_has!(lf, "DEVICE_AUTH_SIGNATURE_EXPIRED")
            || text_has!(lf, "device-signature-stale")
        {
            Some(Facet::SignatureExpired)
        } else if text_has!(lf, "DEVICE_AUTH_NONCE_") || text_has!(lf, "device-nonce-") {
            Some(Facet::Nonce)
        } else if text_has!(lf, "DEVICE_AUTH_SIGNATURE_INVALID")
            || text_has!(lf, "DEVICE_AUTH_DEVICE_ID_MISMATCH")
            || text_has!(lf, "DEVICE_AUTH_PUBLIC_KEY_INVALID")
            || text_has!(lf, "device-id-mismatch")
            || text_has!(lf, "device-public-key")
        {
            Some(Facet::IdentityCorrupt)
        } else if text_has!(lf, "CONTROL_UI_DEVICE_IDENTITY_REQUIRED") {
            Some(Facet::InsecureContext)
        } else if text_has!(lf, "DEVICE_IDENTITY_REQUIRED") {
            Some(Facet::IdentityMissing)
        } else {
            None
        };
        if let Some(f) = identity {
            self.facets.insert(f);
            self.note(
                format_args!("device auth refused: {}", short(first_line(&rec.message))),
                rec,
            );
        }
        if text_has!(rec.facts(), "pair-node' failed")
            || text_has!(rec.facts(), "pair-operator' failed")
            || text_has!(rec.facts(), "pair-node\\u0027 failed")
            || text_has!(rec.facts(), "pair-operator\\u0027 failed")
        {
            // A desktop companion's setup step: its node or operator connection was
            // refused while pairing; its other lines say why.
            self.pairing = true;
            self.client_kind.get_or_insert(ClientKind::App);
            self.note(
                format_args!(
                    "companion pairing step: {}",
                    short(first_line(&rec.message))
                ),
                rec,
            );
        }
        if text_has!(rec.facts(), "设备签名") {
            // "device signature" (invalid / expired) in a translated build or app.
            self.facets.insert(Facet::IdentityCorrupt);
        }
        if text_has!(rec.facts(), "setup code invalid, expired, revoked") {
            self.auth = true;
            self.facets.insert(Facet::Bootstrap);
        }
        // Which client: the CLI's own wrapper, the TUI's text, the node host, the
        // desktop wrapper, the browser.
        let m = rec.message.trim_start();
        let kind = if text_has!(rec.facts(), "[openclaw] Failed to start CLI") {
            Some(ClientKind::Cli)
        } else if text_has!(rec.facts(), "Pairing required. Run `openclaw devices list`") {
            Some(ClientKind::Tui)
        } else if m.starts_with("node host ") || text_has!(rec.facts(), "node host gateway") {
            Some(ClientKind::NodeHost)
        } else if text_has!(rec.facts(), "Gateway WebSocket closed (") {
            Some(ClientKind::App)
        } else if m.starts_with("disconnected (")
            || rec.code == Some(4008)
            || rec
                .kv
                .get("ua")
                .is_some_and(|ua| ua.starts_with("Mozilla/"))
        {
            Some(ClientKind::Browser)
        } else {
            None
        };
        if let Some(k) = kind {
            self.client_kind.get_or_insert(k);
        }
    }

    /// A pasted prompt line: the client it runs, and for `openclaw node run --host
    /// <h>` where it connects.
    fn read_command(&mut self, rest: &str) {
        let kind = ClientKind::of_command(rest);
        self.client_kind.get_or_insert(kind);
        if kind == ClientKind::NodeHost {
            let mut words = rest.split_whitespace();
            while let Some(w) = words.next() {
                let host = match w.strip_prefix("--host=") {
                    Some(h) => Some(h),
                    None if w == "--host" => words.next(),
                    None => None,
                };
                if let Some(h) = host {
                    self.local = Some(is_loopback(h) || h == "0.0.0.0");
                }
            }
        }
    }

    /// Adds what one record shows.
    pub fn apply(&mut self, rec: &Record, kind: LineKind, locality_seen: bool) {
        self.read_common(rec);
        let msg = rec.message.trim_start();
        if kind != LineKind::ClientError && rec.end_line.is_some() {
            // The lines a span joined below its first (see `crate::search::span`).
            for part in msg.split('\n').skip(1) {
                self.block_line(part.trim());
            }
        }
        match kind {
            LineKind::Audit => {
                self.audit = true;
                self.sub = rec
                    .kv
                    .get("reason")
                    .and_then(RequestKind::from_word)
                    .or(self.sub);
                if message_has!(rec.facts(), "metadata upgrade") {
                    self.sub = Some(RequestKind::MetadataUpgrade);
                }
                if let Some(ip) = rec.kv.get("ip") {
                    self.set_local_from(ip);
                }
                if rec.kv.get("roleFrom") == Some("<none>") {
                    self.role_from_none = true;
                }
                self.role_to = rec
                    .kv
                    .get("roleTo")
                    .map(str::to_string)
                    .or(self.role_to.take());
                if let Some(s) = &rec.scopes
                    && rec.kv.get("scopesTo").is_some()
                {
                    self.scopes_to = s.iter().take(16).cloned().collect();
                }
                if let Some(c) = rec.kv.get("client") {
                    self.set_client(c);
                }
                self.note_with(rec, |w| {
                    write!(
                        w,
                        "audit: {} upgrade requested reason={}",
                        if message_has!(rec.facts(), "metadata") {
                            "metadata"
                        } else {
                            "access"
                        },
                        rec.kv.get("reason").unwrap_or("?")
                    )?;
                    for k in ["ip", "roleFrom", "roleTo", "scopesTo", "client"] {
                        if let Some(v) = rec.kv.get(k) {
                            write!(w, " {k}={}", short(v))?;
                        }
                    }
                    Ok(())
                });
            }
            LineKind::ServerClose | LineKind::Unauthorized => {
                self.server_close = true;
                if let Some(r) = rec.reason.as_deref() {
                    self.read_reason(r);
                }
                if let Some(c) = rec.kv.get("cause").or_else(|| meta_str(rec, "cause")) {
                    self.read_cause(c, rec);
                }
                if let Some(s) = meta_str(rec, "reason").and_then(RequestKind::from_word) {
                    self.sub = Some(s);
                }
                if kind == LineKind::Unauthorized {
                    self.auth = true;
                    if let Some(code) = rec.kv.get("reason") {
                        self.read_auth_code(code);
                    }
                }
                for a in [rec.remote.as_deref(), meta_str(rec, "remoteAddr")]
                    .into_iter()
                    .flatten()
                {
                    self.set_local_from(a);
                }
                let fwd = rec
                    .kv
                    .get("fwd")
                    .or_else(|| meta_str(rec, "forwardedFor"))
                    .unwrap_or("n/a");
                if is_address(fwd) {
                    self.forwarded = true;
                }
                if let Some(c) = rec.client.as_deref().or_else(|| meta_str(rec, "client")) {
                    self.set_client(c);
                }
                if msg.starts_with("handshake timeout") {
                    self.unexplained = Some("handshake timeout");
                } else if msg.starts_with("invalid handshake") {
                    self.unexplained = Some("invalid handshake (not an OpenClaw client?)");
                } else if msg.starts_with("protocol mismatch") || rec.code == Some(1002) {
                    self.unexplained =
                        Some("protocol mismatch: update the client to the gateway's version");
                }
                self.read_close_code(rec);
                self.note_with(rec, |w| {
                    if kind == LineKind::Unauthorized {
                        return write!(
                            w,
                            "unauthorized reason={} remote={}",
                            rec.kv.get("reason").unwrap_or("?"),
                            rec.remote.as_deref().unwrap_or("?")
                        );
                    }
                    w.push_str("close code=");
                    match rec.code {
                        Some(c) => write!(w, "{c}")?,
                        None => w.push('?'),
                    }
                    write!(w, " reason={}", short(rec.reason.as_deref().unwrap_or("?")))?;
                    if let Some(r) = rec.remote.as_deref() {
                        write!(w, " remote={}", short(r))?;
                    }
                    if let Some(c) = rec.kv.get("cause").or_else(|| meta_str(rec, "cause")) {
                        write!(w, " cause={}", short(c))?;
                    }
                    if let Some(s) = meta_str(rec, "reason") {
                        write!(w, " (meta reason={})", short(s))?;
                    }
                    Ok(())
                });
                if self.local == Some(true) && self.forwarded {
                    self.facets.insert(Facet::ViaProxy);
                }
                if locality_seen && self.local == Some(true) {
                    self.facets.insert(Facet::ViaProxy);
                }
            }
            LineKind::Ws => {
                if let Some(a) = rec.kv.get("remoteAddr") {
                    self.set_local_from(a);
                }
                if let Some(c) = rec.kv.get("client") {
                    self.set_client(c);
                }
                if message_has!(rec.facts(), "device.pair.requested") {
                    self.note(
                        format_args!(
                            "pairing request event requestId={}",
                            rec.kv.get("requestId").unwrap_or("?")
                        ),
                        rec,
                    );
                }
                if let Some(m) = rec.kv.get("errorMessage") {
                    if let Some(scope) = m.strip_prefix("missing scope: ") {
                        self.missing_scope = Some(short_owned(scope));
                        self.note(
                            format_args!("RPC denied: missing scope: {}", short(scope)),
                            rec,
                        );
                    } else if message_has!(rec.facts(), "invalid exec.approvals.") {
                        self.exec = Some(Confidence::High);
                        self.facets.insert(Facet::ExecPolicy);
                        self.note(
                            format_args!("exec.approvals RPC rejected: {}", short(m)),
                            rec,
                        );
                    }
                }
                if message_has!(rec.facts(), "sessions.patch")
                    || message_has!(rec.facts(), "sessions.spawn")
                {
                    self.subagent_ctx = true;
                }
            }
            LineKind::ClientError => {
                self.client_error = true;
                if let Some(r) = rec.reason.as_deref() {
                    self.read_reason(r);
                }
                self.read_reason(after_error_prefix(msg));
                // The TUI's `Pairing required. Run …`, the short client texts and
                // others with no error prefix.
                self.read_reason(first_line(msg));
                if message_has!(rec.facts(), "Exec approval registration failed") {
                    self.exec_registration = true;
                }
                // A tool result holds its whole block on one line: with real newlines
                // once decoded, with `\n` escapes when it sits inside other text.
                for part in msg.split('\n').flat_map(|l| l.split("\\n")).skip(1) {
                    self.block_line(part.trim());
                }
                self.read_close_code(rec);
                let first = first_line(msg);
                self.note(format_args!("client: {}", short(first)), rec);
            }
            LineKind::BlockLine => {
                self.block_line(msg);
                self.note(format_args!("client block: {}", short(msg)), rec);
            }
            LineKind::Dm => {
                self.dm = true;
                self.read_dm(rec, msg);
            }
            LineKind::DmBlocked => {
                self.benign =
                    Some("a DM policy blocking a sender it does not allow (working as configured)");
                self.note(format_args!("DM policy: {}", short(msg)), rec);
            }
            LineKind::Exec => {
                if text_has!(rec.facts(), "Legacy exec approvals exist") {
                    self.exec = Some(Confidence::High);
                    self.facets.insert(Facet::ExecLegacy);
                } else if text_has!(rec.facts(), "invalid exec.approvals.") {
                    self.exec = Some(Confidence::High);
                    self.facets.insert(Facet::ExecPolicy);
                } else if text_has!(rec.facts(), "security=deny") {
                    self.exec = Some(Confidence::Medium);
                    self.facets.insert(Facet::ExecPolicy);
                } else if text_has!(rec.facts(), "xec denied")
                    || text_has!(rec.facts(), "SYSTEM_RUN_DENIED")
                {
                    self.exec = Some(Confidence::Low);
                    self.facets.insert(Facet::ExecPolicy);
                } else {
                    self.benign = Some("a mention of exec-approvals.json");
                }
                self.note(format_args!("exec: {}", short(msg)), rec);
            }
            LineKind::Config => self.read_config(rec, msg),
            LineKind::PairingNote => {
                self.benign = Some(if text_has!(rec.facts(), "auto-approved") {
                    "a device approved silently (local or bootstrap)"
                } else if text_has!(rec.facts(), "removal denied") {
                    "a device removal refused (not the device's owner)"
                } else if text_has!(rec.facts(), "removed") {
                    "a device removed by an operator"
                } else {
                    "a device approved by an operator"
                });
            }
            LineKind::TokenNote => {
                self.benign = Some("device token lifecycle (rotation, revocation)");
            }
            LineKind::Locality => {
                self.locality_warning = true;
                self.facets.insert(Facet::ViaProxy);
                self.note(format_args!("locality: {}", short(msg)), rec);
            }
            LineKind::Command => {
                if let Some(rest) = command_of(&rec.text) {
                    self.read_command(rest);
                }
            }
            LineKind::Context | LineKind::Other => {
                if let Some(c) = rec.client.as_deref() {
                    self.set_client(c);
                }
                if let Some(r) = rec.reason.as_deref() {
                    self.read_reason(r);
                } else if msg.starts_with("unauthorized")
                    || has!(first_line(msg), "pairing required")
                {
                    // A close text pasted on its own (a UI banner, a quoted error).
                    self.read_reason(first_line(msg));
                }
            }
        }
    }

    fn read_close_code(&mut self, rec: &Record) {
        let benign = match rec.code {
            Some(1000) => Some("a normal close (1000)"),
            Some(1001) => Some("a client going away (1001)"),
            Some(1005) => Some("a normal end (1005)"),
            Some(1006) => Some("a transport lost without a close frame (1006)"),
            Some(1012) => Some("a service restart (1012)"),
            Some(1013) => Some("the gateway still starting (1013)"),
            Some(4000) => Some("a tick timeout (4000)"),
            _ => None,
        };
        if benign.is_some() && self.benign.is_none() {
            self.benign = benign;
        }
        if rec.code == Some(1009) {
            self.unexplained = Some("preauth payload too large (1009)");
        }
    }

    /// One line of a client error block.
    fn block_line(&mut self, line: &str) {
        if let Some(src) = line.strip_prefix("Source: ") {
            if has!(src, "via ssh tunnel") {
                // The CLI reaches a gateway on another host through a tunnel.
                self.local = Some(false);
                self.source_remote = true;
            } else if src.starts_with("local loopback")
                || src.starts_with("local lan")
                || src.starts_with("local tailnet")
                || src.starts_with("missing gateway.remote.url")
            {
                // The CLI runs on the gateway's own host (§7.2).
                self.local = Some(true);
            } else if src.starts_with("cli --url")
                || src.starts_with("env OPENCLAW_GATEWAY_URL")
                || src.starts_with("config gateway.remote.url")
            {
                self.source_remote = true;
                if self.target_remote {
                    self.local = Some(false);
                }
            }
        } else if let Some(target) = line.strip_prefix("Gateway target: ") {
            let host = target
                .trim()
                .trim_start_matches("wss://")
                .trim_start_matches("ws://");
            let host = host.split('/').next().unwrap_or_default();
            if is_loopback(host) {
                self.local = Some(true);
            } else if !host.is_empty() {
                self.target_remote = true;
                if self.source_remote && self.local.is_none() {
                    self.local = Some(false);
                }
            }
        } else if let Some(id) = line.strip_prefix("(requestId: ") {
            self.set_request_id(id.trim_end_matches(')'));
        } else if let Some((key, v)) = crate::search::span::field(line) {
            // Audit and request fields pasted one per line (`scopesTo: …`,
            // `"requestId": "…",`).
            match key {
                "requestId" => self.set_request_id(v),
                "reason" => {
                    if let Some(s) = RequestKind::from_word(v) {
                        self.sub = Some(s);
                    }
                }
                "scopesTo" if self.scopes_to.is_empty() && v != "<none>" => {
                    self.scopes_to = v
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .take(16)
                        .collect();
                }
                "ip" => self.set_local_from(v),
                "roleFrom" if v == "<none>" => self.role_from_none = true,
                "client" => self.set_client(v),
                _ => {}
            }
        }
    }

    fn read_dm(&mut self, rec: &Record, msg: &str) {
        if let Some(i) = find_literal!(msg, " pairing request") {
            let ch = msg[..i].rsplit(' ').next().unwrap_or_default();
            if !ch.is_empty() && ch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                self.channel = Some(ch.to_ascii_lowercase());
            }
        }
        if let Some(s) = rec.kv.get("sender") {
            self.sender = Some(short_owned(s));
        }
        if let Some(meta) = rec.meta.as_ref().and_then(Value::as_object) {
            for k in ["senderUserId", "chatId"] {
                if self.sender.is_none()
                    && let Some(v) = meta.get(k)
                {
                    self.sender = Some(short_owned(v.as_str().map_or(&v.to_string(), |s| s)));
                }
            }
        }
        if self.channel.is_none()
            && let Some(m) = rec.subsystem.as_deref()
            && let Some(ch) = m.strip_suffix("-auto-reply")
        {
            self.channel = Some(ch.to_string());
        }
        if let Some(i) = find_literal!(msg, " user id: ") {
            let ch = msg[..i].rsplit(' ').next().unwrap_or_default();
            if !ch.is_empty() {
                self.channel = Some(ch.to_ascii_lowercase());
            }
            self.sender = Some(short_owned(msg[i + 10..].trim()));
        }
        if let Some(i) = find_literal!(msg, "Pairing code:") {
            let code = msg[i + 13..].split_whitespace().next().unwrap_or_default();
            // A redacted code (`[REDACTED:…]`) is no use to type: keep `<CODE>`.
            if !code.is_empty() && !code.starts_with('[') {
                self.code = Some(short_owned(code));
            }
        }
        if let Some(i) = find_literal!(msg, "openclaw pairing approve ") {
            let mut it = msg[i + 25..].split_whitespace();
            if let (Some(ch), Some(code)) = (it.next(), it.next()) {
                self.channel = Some(short_owned(ch));
                let code = code.trim_end_matches('`');
                if !code.starts_with('<') && !code.starts_with('[') {
                    self.code = Some(short_owned(code));
                }
            }
        }
        self.note(format_args!("DM pairing: {}", short(msg)), rec);
    }

    fn read_config(&mut self, rec: &Record, msg: &str) {
        if text_has!(rec.facts(), "Config was last written by a newer OpenClaw") {
            self.benign = Some("a config written by a newer OpenClaw");
            return;
        }
        if text_has!(rec.facts(), "gateway.bind host aliases") {
            self.facets.insert(Facet::GuideBind);
            self.config_cause = self.config_cause.or(Some(Cause::LoopbackLocalExec));
            self.benign = Some("a legacy gateway.bind alias (use \"loopback\")");
            self.note(format_args!("config: {}", short(msg)), rec);
            return;
        }
        self.config_invalid = true;
        if text_has!(rec.facts(), "\"localExec\"") {
            self.facets.insert(Facet::GuideLocalExec);
            self.config_cause = Some(Cause::LoopbackLocalExec);
        } else if text_has!(rec.facts(), "\"subagents\"") {
            self.facets.insert(Facet::GuideSubagents);
            self.config_cause = Some(Cause::SubagentScopeUpgrade);
        } else if text_has!(rec.facts(), "\"allowedUsers\"") {
            self.facets.insert(Facet::GuideAllowedUsers);
            self.config_cause = Some(Cause::DmPolicyPairing);
        } else if text_has!(rec.facts(), "dmPolicy=") && text_has!(rec.facts(), "allowFrom") {
            self.config_cause = self.config_cause.or(Some(Cause::DmPolicyPairing));
        }
        self.note(format_args!("config: {}", short(msg)), rec);
    }

    /// Merges the facts of another incident of the same failure (a client error
    /// joined to its connection).
    pub fn merge(&mut self, o: &Facts) {
        self.pairing |= o.pairing;
        self.connect_failed |= o.connect_failed;
        self.auth |= o.auth;
        self.sub = self.sub.or(o.sub);
        self.audit |= o.audit;
        self.local = match (self.local, o.local) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (a, b) => a.or(b),
        };
        self.forwarded |= o.forwarded;
        self.role_from_none |= o.role_from_none;
        if self.role_to.is_none() {
            self.role_to.clone_from(&o.role_to);
        }
        if self.scopes_to.is_empty() {
            self.scopes_to.clone_from(&o.scopes_to);
        }
        if self.client.is_none() {
            self.client.clone_from(&o.client);
        }
        self.in_process |= o.in_process;
        self.subagent_ctx |= o.subagent_ctx;
        self.exec_registration |= o.exec_registration;
        if self.missing_scope.is_none() {
            self.missing_scope.clone_from(&o.missing_scope);
        }
        if self.request_id.is_none() {
            self.request_id.clone_from(&o.request_id);
        }
        if self.request_short.is_none() {
            self.request_short.clone_from(&o.request_short);
        }
        if self.device.is_none() {
            self.device.clone_from(&o.device);
        }
        self.facets = self.facets.union(o.facets);
        self.client_error |= o.client_error;
        self.server_close |= o.server_close;
        self.client_kind = self.client_kind.or(o.client_kind);
        self.proxy |= o.proxy;
        self.proxy_attribution |= o.proxy_attribution;
        self.pending |= o.pending;
        self.source_remote |= o.source_remote;
        self.target_remote |= o.target_remote;
        for e in &o.evidence {
            if self.would_keep(&e.what) {
                self.evidence.push(e.clone());
            }
        }
    }

    /// The facets that choose fix steps: the evidence's, and what the facts add.
    pub fn fix_facets(&self) -> Facets {
        let mut f = self.facets;
        if self.exec_registration {
            f.insert(Facet::ApprovalsUpgrade);
        }
        if self.asks_more() {
            f.insert(Facet::RemoteUpgrade);
        }
        if self.client_kind == Some(ClientKind::Browser) {
            f.insert(Facet::Browser);
        }
        f
    }

    /// Whether these facts show a failure a client-side error can belong to.
    pub fn is_failure(&self) -> bool {
        self.pairing
            || self.auth
            || self.connect_failed
            || self.proxy_attribution
            || self.identity_or_ui().is_some()
    }

    fn identity_or_ui(&self) -> Option<Cause> {
        let f = self.facets;
        if f.contains(Facet::InsecureContext) || f.contains(Facet::Origin) {
            Some(Cause::ControlUiInsecure)
        } else if f.contains(Facet::IdentityMissing)
            || f.contains(Facet::SignatureExpired)
            || f.contains(Facet::Nonce)
            || f.contains(Facet::IdentityCorrupt)
        {
            Some(Cause::DeviceIdentity)
        } else {
            None
        }
    }

    /// Decides the cause these facts show: the likeliest one, how sure, and the
    /// causes still open with what tells them apart.
    pub fn verdict(&self, view: &VersionView) -> Verdict {
        use Confidence::{High, Low, Medium};
        let v = Verdict::problem;
        if let Some(c) = self.identity_or_ui() {
            // A close text that names it: nothing else to weigh.
            return v(c, High);
        }
        if self.proxy_attribution {
            // 2026.8.1+: the proxy's traffic is refused before any pairing.
            return v(Cause::UntrustedProxy, High);
        }
        if self.auth {
            return v(Cause::TokenMismatch, High);
        }
        if self.dm {
            return v(Cause::DmPolicyPairing, High);
        }
        if self.config_invalid {
            return match self.config_cause {
                Some(c) => v(c, Medium),
                None => Verdict {
                    note: Some("OpenClaw rejected its config: run `clawscan check`"),
                    ..v(Cause::Unknown, Medium)
                },
            };
        }
        if self.exec_registration || (self.pairing && self.asks_approvals()) {
            // The exec approvals client is the gateway's own in-process client: its
            // `operator.approvals` upgrade is variant 2, not a bad approvals file.
            return v(
                Cause::SubagentScopeUpgrade,
                if self.audit { High } else { Medium },
            );
        }
        // A close that only says the client gave up: the audit line (or a pairing
        // request) on the same connection says why.
        let pairing = self.pairing
            || self.pending
            || (self.connect_failed
                && (self.audit || self.request_id.is_some() || self.request_short.is_some()));
        if pairing {
            return self.pairing_verdict(view);
        }
        if let Some(scope) = &self.missing_scope {
            let c = if self.in_process || self.subagent_ctx || scope.contains("operator.admin") {
                Medium
            } else {
                Low
            };
            return v(
                Cause::SubagentScopeUpgrade,
                if self.in_process { c } else { Low },
            );
        }
        if let Some(c) = self.exec {
            return v(Cause::ExecApprovalsInvalid, c);
        }
        if self.proxy {
            return Verdict {
                problem: false,
                note: Some(
                    "the gateway sees a proxy it does not trust: clients behind it are treated as remote and need pairing",
                ),
                ..v(Cause::UntrustedProxy, Low)
            };
        }
        if self.locality_warning {
            return Verdict {
                problem: false,
                note: Some("the gateway treats connections with a non-local Host header as remote"),
                ..v(Cause::RemoteDeviceUnpaired, Low)
            };
        }
        let not_a_problem = |cause, confidence, note| Verdict {
            problem: false,
            note: Some(note),
            ..v(cause, confidence)
        };
        if let Some(why) = self.unexplained {
            return not_a_problem(Cause::Unknown, Low, why);
        }
        if self.connect_failed {
            return not_a_problem(
                Cause::Unknown,
                Low,
                "a client gave up after a failed connect; nothing on this connection says why (no pairing cause)",
            );
        }
        if let Some(why) = self.benign {
            return Verdict {
                cause: None,
                ..not_a_problem(Cause::Unknown, High, why)
            };
        }
        if self.audit {
            return Verdict {
                cause: None,
                ..not_a_problem(
                    Cause::Unknown,
                    Medium,
                    "an upgrade request with no refusal on its connection (approved, or still pending)",
                )
            };
        }
        if self.config_cause.is_some() {
            return Verdict {
                cause: self.config_cause,
                problem: false,
                ..v(Cause::Unknown, Low)
            };
        }
        not_a_problem(
            Cause::Unknown,
            Low,
            "an event that is not a failure by itself",
        )
    }

    /// A paired device asking for a higher role or more scopes.
    pub fn asks_more(&self) -> bool {
        matches!(
            self.sub,
            Some(RequestKind::RoleUpgrade | RequestKind::ScopeUpgrade)
        )
    }

    fn asks_approvals(&self) -> bool {
        self.scopes_to.iter().any(|s| s == "operator.approvals")
            && !self.scopes_to.iter().any(|s| s == "operator.admin")
    }

    /// A pairing refusal: who was refused decides the cause (the guide's frame),
    /// how is the kind (`not-paired`, `role-upgrade`, …). Never `unknown`: with no
    /// locality or client in the evidence it names the likeliest cause for the
    /// release, with the others as alternatives and the command that tells them
    /// apart.
    fn pairing_verdict(&self, view: &VersionView) -> Verdict {
        use Cause::{LoopbackLocalExec as Local, RemoteDeviceUnpaired as Remote};
        use Confidence::{High, Low, Medium};
        let v = Verdict::problem;
        let kind = self.client_kind;
        let user_client = matches!(
            kind,
            Some(
                ClientKind::Cli
                    | ClientKind::Tui
                    | ClientKind::NodeHost
                    | ClientKind::Browser
                    | ClientKind::App
            )
        );
        let in_process = self.in_process
            || kind == Some(ClientKind::InProcess)
            || (!user_client
                && (self.subagent_ctx
                    || self.missing_scope.is_some()
                    || self.scopes_to.iter().any(|s| s == "operator.admin")));
        // 2026.3.31 – 2026.4.1: every local client's connect became a role upgrade.
        let broken_31 = view.in_range(
            Some(crate::version::OcVersion::new(2026, 3, 31)),
            Some(crate::version::OcVersion::new(2026, 4, 2)),
        ) == Some(true);
        if self.proxy || (self.local == Some(true) && self.forwarded) {
            // On the gateway's host, but through a proxy it does not trust: to the
            // gateway the client is remote, and remote devices need approval.
            return v(Cause::UntrustedProxy, Medium).or(&[Local, Remote], TELL_PROXY);
        }
        if in_process && self.local != Some(false) {
            let sure = (self.audit || self.in_process) && self.local == Some(true);
            return v(
                Cause::SubagentScopeUpgrade,
                if sure { High } else { Medium },
            )
            .or(&[Local], TELL_CLIENT);
        }
        match self.local {
            Some(true) => {
                if self.facets.contains(Facet::ViaProxy) {
                    // A `Loopback connection with non-local Host header` warning.
                    return v(Cause::UntrustedProxy, Medium).or(&[Local], TELL_PROXY);
                }
                let sure = (self.sub == Some(RequestKind::RoleUpgrade) && self.role_from_none)
                    || broken_31
                    || (self.audit && self.server_close);
                let verdict = v(Local, if sure { High } else { Medium });
                if self.audit || user_client {
                    verdict
                } else {
                    verdict.or(&[Cause::SubagentScopeUpgrade], TELL_CLIENT)
                }
            }
            Some(false) => {
                let sure = self.server_close || self.source_remote;
                let verdict = v(Remote, if sure { High } else { Medium });
                if kind == Some(ClientKind::Browser) {
                    verdict.or(&[Cause::UntrustedProxy], TELL_PROXY)
                } else {
                    verdict
                }
            }
            None if kind == Some(ClientKind::Browser) => {
                // Since 2026.5 (#81289) a browser is approved silently only on direct
                // loopback: any other path needs approval.
                v(Remote, Medium).or(&[Cause::UntrustedProxy], TELL_LOCALITY)
            }
            None if broken_31 => v(Local, Medium).or(&[Remote], TELL_LOCALITY),
            None if self.sub == Some(RequestKind::NotPaired) => {
                // Local not-paired devices are approved silently on every version
                // since 2.19: a never-approved device is one the gateway saw as remote.
                v(Remote, Medium).or(&[Local], TELL_LOCALITY)
            }
            None if user_client => {
                // The CLI, TUI and node host run on the gateway host for most users;
                // a paired one asking for more is the local-client case.
                let c = if self.sub.is_some() || kind == Some(ClientKind::NodeHost) {
                    Medium
                } else {
                    Low
                };
                v(Local, c).or(&[Remote], TELL_LOCALITY)
            }
            None if self.sub == Some(RequestKind::ScopeUpgrade) => {
                v(Cause::SubagentScopeUpgrade, Low).or(&[Local], TELL_CLIENT)
            }
            None => v(Local, Low).or(&[Remote, Cause::SubagentScopeUpgrade], TELL_LOCALITY),
        }
    }
}

/// What tells a local client from a remote one.
const TELL_LOCALITY: &str = "`openclaw devices list` on the gateway host: a pending request from 127.0.0.1 or the host's own address is a client on the gateway host (loopback_local_exec); any other address is a device elsewhere (remote_device_unpaired)";
/// What tells the gateway's own client from one the user ran.
const TELL_CLIENT: &str = "`openclaw devices list` on the gateway host: a pending request from client `gateway-client` (or `gateway:<method>`) is the gateway's own sub-agent client (subagent_scope_upgrade); `cli`, `openclaw-tui` or `node-host` is a client you ran (loopback_local_exec)";
/// What tells a proxy problem from a pairing one.
const TELL_PROXY: &str = "the gateway's log: `Proxy headers detected from untrusted address`, `observed unattributable proxy-shaped traffic` or an HTTP 403 `proxy_attribution_required` means a proxy not in `gateway.trustedProxies` (untrusted_proxy); without them, `openclaw devices list` shows the pending request";

/// The text after `gateway connect failed: Error: ` / `…GatewayClientRequestError: `.
fn after_error_prefix(msg: &str) -> &str {
    const REQUEST_ERROR: &str = "GatewayClientRequestError: ";
    const ERROR: &str = "Error: ";
    let first = first_line(msg);
    if let Some(i) = find_literal!(first, REQUEST_ERROR) {
        &first[i + REQUEST_ERROR.len()..]
    } else if let Some(i) = find_literal!(first, ERROR) {
        &first[i + ERROR.len()..]
    } else {
        ""
    }
}

/// What the facts of an incident settle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The cause; `None` for benign events.
    pub cause: Option<Cause>,
    /// How sure.
    pub confidence: Confidence,
    /// Something to fix (counted in the report and the exit code).
    pub problem: bool,
    /// For benign, supporting and unexplained events: what it is.
    pub note: Option<&'static str>,
    /// Causes the evidence leaves open besides `cause`.
    pub alternatives: &'static [Cause],
    /// The one thing to run or look at that tells `cause` from the alternatives.
    pub tell_apart: Option<&'static str>,
}

impl Verdict {
    /// A problem with this cause, and nothing else open.
    pub fn problem(cause: Cause, confidence: Confidence) -> Verdict {
        Verdict {
            cause: Some(cause),
            confidence,
            problem: true,
            note: None,
            alternatives: &[],
            tell_apart: None,
        }
    }

    /// The same verdict with causes still open and what tells them apart.
    fn or(self, alternatives: &'static [Cause], tell_apart: &'static str) -> Verdict {
        Verdict {
            alternatives,
            tell_apart: Some(tell_apart),
            ..self
        }
    }
}

impl Facts {
    /// The sub-kind, for reports.
    pub fn sub_name(&self) -> Option<&'static str> {
        self.sub.map(RequestKind::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::parse::Parser;

    fn rec(line: &str) -> Record {
        let mut r = Record::new("t.log".into(), 1, 0);
        Parser::new().parse_into(line.as_bytes(), line.as_bytes(), &mut r);
        r
    }

    fn facts(lines: &[&str]) -> Facts {
        let mut f = Facts::default();
        for l in lines {
            let r = rec(l);
            f.apply(&r, r.facts().kind(), false);
        }
        f
    }

    #[test]
    fn loopback() {
        for a in [
            "127.0.0.1",
            "127.0.0.1:50420",
            "::1",
            "[::1]:18789",
            "::ffff:127.0.0.1",
            "localhost:18789",
        ] {
            assert!(is_loopback(a), "{a}");
        }
        for a in [
            "172.17.0.1",
            "192.168.1.20:4000",
            "10.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_loopback(a), "{a}");
        }
    }

    #[test]
    fn a_pasted_reason_field_names_the_request() {
        // As `openclaw devices list --json` prints it (quoted, indented, with a
        // comma) and as a paste shows it bare: the record's own first line.
        for (line, sub) in [
            (r#"      "reason": "not-paired","#, RequestKind::NotPaired),
            ("  reason: scope-upgrade", RequestKind::ScopeUpgrade),
        ] {
            let f = facts(&[line]);
            assert!(f.pairing && f.pending, "{line}");
            assert_eq!(f.sub, Some(sub), "{line}");
        }
        // A key that only starts like it is not the field.
        let f = facts(&[r#"  "reasonCode": "not-paired","#]);
        assert_eq!(f.sub, None);
    }

    #[test]
    fn role_upgrade_on_loopback_is_variant_1() {
        let f = facts(&[
            "[gateway] security audit: device access upgrade requested reason=role-upgrade device=9f2c ip=unknown-ip auth=token roleFrom=<none> roleTo=node scopesFrom=<none> scopesTo=<none> client=node-host conn=c1",
            "[ws] closed before connect conn=c1 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=pairing required",
        ]);
        let v = f.verdict(&VersionView::default());
        assert_eq!(v.cause, Some(Cause::LoopbackLocalExec));
        assert_eq!(v.confidence, Confidence::High);
    }

    #[test]
    fn connect_failed_needs_context() {
        let f = facts(&[
            "[ws] closed before connect conn=c remote=192.168.1.30 fwd=n/a origin=http://x host=h ua=Mozilla code=4008 reason=connect failed",
        ]);
        let v = f.verdict(&VersionView::default());
        assert!(!v.problem);
        let f = facts(&[
            r#"{"time":"2026-04-11T10:30:12.404+02:00","level":"warn","subsystem":"gateway/ws","message":"closed before connect conn=c2 remote=127.0.0.1 code=1008 reason=connect failed","cause":"pairing-required","handshake":"failed","reason":"scope-upgrade","requestId":"deb67699-a335-4533-a45f-b31fd5d31348"}"#,
        ]);
        // A local scope upgrade with no sign of which client: a client on the
        // gateway's host, with the gateway's own client left open.
        let v = f.verdict(&VersionView::default());
        assert_eq!(v.cause, Some(Cause::LoopbackLocalExec));
        assert_eq!(v.alternatives, &[Cause::SubagentScopeUpgrade]);
        assert!(v.tell_apart.is_some());
        assert_eq!(
            f.request_id.as_deref(),
            Some("deb67699-a335-4533-a45f-b31fd5d31348")
        );
    }

    #[test]
    fn token_and_identity() {
        let f = facts(&[
            "[ws] unauthorized conn=c remote=10.0.0.2 client=cli cli v2026.4.12 reason=token_mismatch",
        ]);
        assert_eq!(
            f.verdict(&VersionView::default()).cause,
            Some(Cause::TokenMismatch)
        );
        assert!(f.facets.contains(Facet::SharedToken));
        let f = facts(&[
            "[ws] closed before connect conn=c remote=10.0.0.2 code=1008 reason=device signature expired",
        ]);
        assert_eq!(
            f.verdict(&VersionView::default()).cause,
            Some(Cause::DeviceIdentity)
        );
        let f = facts(&[
            "[ws] closed before connect conn=c remote=10.0.0.2 code=1008 reason=control ui requires device identity (use HTTPS or localhost secure context)",
        ]);
        assert_eq!(
            f.verdict(&VersionView::default()).cause,
            Some(Cause::ControlUiInsecure)
        );
    }

    #[test]
    fn benign_lines() {
        let f = facts(&["[gateway] device pairing auto-approved device=3b1d role=operator"]);
        let v = f.verdict(&VersionView::default());
        assert_eq!(v.cause, None);
        assert!(!v.problem);
        let f = facts(&["[ws] closed before connect conn=c remote=127.0.0.1 code=1006 reason=n/a"]);
        assert!(!f.verdict(&VersionView::default()).problem);
    }

    #[test]
    fn client_texts_without_prefix() {
        let f = facts(&[
            "Pairing required. Run `openclaw devices list`, approve your request ID, then reconnect.",
        ]);
        assert!(f.pairing);
        // A tool result quoted inside another line keeps `\n` escapes.
        let f = facts(&[
            r#"[agent/embedded] tool result sessions_spawn: {"status":"error","error":"gateway closed (1008): pairing required\nGateway target: ws://127.0.0.1:18789\nSource: local loopback"}"#,
        ]);
        assert!(f.pairing);
        assert_eq!(f.local, Some(true));
        assert!(f.subagent_ctx);
    }

    #[test]
    fn dm_reply_block() {
        let f = facts(&[
            "OpenClaw: access not configured.",
            "Your Telegram user id: 5550123",
            "Pairing code: QX7K2M9P",
            "openclaw pairing approve telegram QX7K2M9P",
        ]);
        assert_eq!(
            f.verdict(&VersionView::default()).cause,
            Some(Cause::DmPolicyPairing)
        );
        assert_eq!(f.channel.as_deref(), Some("telegram"));
        assert_eq!(f.sender.as_deref(), Some("5550123"));
        assert_eq!(f.code.as_deref(), Some("QX7K2M9P"));
    }
}
