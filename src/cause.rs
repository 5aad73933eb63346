//! The root causes clawscan can name behind a "pairing required" family failure.
//!
//! This module owns the [`Cause`] identifiers shared by the diagnosis and the config
//! check, and their stable names. It does not decide which cause a log shows (that is
//! the diagnosis) nor what to do about it beyond a one-line hint.

use std::fmt;

use serde::Serialize;

/// A root cause, as named in records, reports and config findings.
///
/// The first four are the troubleshooting guide's variants 1–4; the others are causes
/// the guide does not name but real gateways show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Guide variant 1: a local exec/node client refused after the 3.31 role-map change.
    LoopbackLocalExec,
    /// Guide variant 2: an in-process sub-agent call refused a scope upgrade.
    SubagentScopeUpgrade,
    /// Guide variant 3: an invalid exec-approvals.json (never itself a pairing close).
    ExecApprovalsInvalid,
    /// Guide variant 4: chat DM pairing under `dmPolicy: "pairing"` (not device pairing).
    DmPolicyPairing,
    /// A client on another host that has not been approved yet.
    RemoteDeviceUnpaired,
    /// A gateway token, password or device token that does not match.
    TokenMismatch,
    /// A missing, stale or corrupt device identity.
    DeviceIdentity,
    /// The Control UI opened over plain HTTP from another host.
    ControlUiInsecure,
    /// A proxy in front of the gateway that is not in `gateway.trustedProxies`.
    UntrustedProxy,
    /// An event whose cause the evidence does not settle.
    Unknown,
}

impl Cause {
    /// Every cause, in the order reports list them when nothing else orders them.
    pub const ALL: [Cause; 10] = [
        Cause::LoopbackLocalExec,
        Cause::SubagentScopeUpgrade,
        Cause::ExecApprovalsInvalid,
        Cause::DmPolicyPairing,
        Cause::RemoteDeviceUnpaired,
        Cause::TokenMismatch,
        Cause::DeviceIdentity,
        Cause::ControlUiInsecure,
        Cause::UntrustedProxy,
        Cause::Unknown,
    ];

    /// The stable snake_case identifier used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::LoopbackLocalExec => "loopback_local_exec",
            Cause::SubagentScopeUpgrade => "subagent_scope_upgrade",
            Cause::ExecApprovalsInvalid => "exec_approvals_invalid",
            Cause::DmPolicyPairing => "dm_policy_pairing",
            Cause::RemoteDeviceUnpaired => "remote_device_unpaired",
            Cause::TokenMismatch => "token_mismatch",
            Cause::DeviceIdentity => "device_identity",
            Cause::ControlUiInsecure => "control_ui_insecure",
            Cause::UntrustedProxy => "untrusted_proxy",
            Cause::Unknown => "unknown",
        }
    }

    /// The troubleshooting guide's variant number, where the guide names this cause.
    pub fn guide_variant(self) -> Option<u8> {
        match self {
            Cause::LoopbackLocalExec => Some(1),
            Cause::SubagentScopeUpgrade => Some(2),
            Cause::ExecApprovalsInvalid => Some(3),
            Cause::DmPolicyPairing => Some(4),
            _ => None,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for c in Cause::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }
}
