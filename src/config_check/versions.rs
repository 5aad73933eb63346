//! What each OpenClaw era does with a broken `exec-approvals.json`.
//!
//! This module owns the per-version behaviour text the exec-approvals findings print
//! (facts §3.3, §5.2). It does not parse versions (that is the vocabulary's
//! [`crate::version`]) nor find the version; `openclaw_json` reads it from the config.

use crate::version::OcVersion;

/// The 2026.4.2 release that started stripping invalid policy values (#59112).
pub const STRIP_FROM: OcVersion = OcVersion::new(2026, 4, 2);
/// First month whose JSON builds may treat invalid values as a malformed file (#112327).
pub const FAIL_CLOSED_FROM: OcVersion = OcVersion::new(2026, 7, 1);
/// First month that keeps approvals in SQLite (#114063).
pub const SQLITE_FROM: OcVersion = OcVersion::new(2026, 8, 1);

/// How a release treats `exec-approvals.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecEra {
    /// ≤ 2026.4.1: invalid strings leak into policy comparisons.
    Leaky,
    /// 2026.4.2 – 2026.6.x: invalid values stripped silently, file rewritten at start.
    Stripped,
    /// 2026.7.x: stripped, or on builds with #112327 the file counts as malformed.
    StrippedOrFailClosed,
    /// 2026.8.x and later: approvals in SQLite; the JSON file only trips the legacy gate.
    Sqlite,
}

impl ExecEra {
    /// The era of a release.
    pub fn of(v: OcVersion) -> ExecEra {
        if v < STRIP_FROM {
            ExecEra::Leaky
        } else if v < FAIL_CLOSED_FROM {
            ExecEra::Stripped
        } else if v < SQLITE_FROM {
            ExecEra::StrippedOrFailClosed
        } else {
            ExecEra::Sqlite
        }
    }
}

/// Which versions a behaviour line is about, and what it says.
struct Line {
    range: &'static str,
    text: String,
}

fn lines_for(version: Option<OcVersion>, all: Vec<(ExecEra, Line)>) -> Vec<String> {
    match version {
        Some(v) => {
            let era = ExecEra::of(v);
            let mut out: Vec<String> = all
                .iter()
                .filter(|(e, _)| {
                    *e == era
                        || (era == ExecEra::StrippedOrFailClosed
                            && matches!(e, ExecEra::Stripped | ExecEra::StrippedOrFailClosed))
                })
                .map(|(_, l)| format!("{v} (your config's meta.lastTouchedVersion): {}", l.text))
                .collect();
            if out.is_empty() {
                out = all
                    .into_iter()
                    .map(|(_, l)| format!("{}: {}", l.range, l.text))
                    .collect();
            }
            out
        }
        None => all
            .into_iter()
            .map(|(_, l)| format!("{}: {}", l.range, l.text))
            .collect(),
    }
}

const LEGACY_GATE: &str = "approvals live in SQLite (#114063); while this JSON file exists, exec approvals \
    stop with `Legacy exec approvals exist at ~/.openclaw/exec-approvals.json. Run openclaw doctor --fix …` \
    until `openclaw doctor --fix` imports it";

/// What OpenClaw does with an invalid `security` / `ask` / `askFallback` value.
/// `field_default` is the built-in value used instead on 2026.4.2+.
pub fn invalid_policy_value(version: Option<OcVersion>, field_default: &str) -> Vec<String> {
    lines_for(
        version,
        vec![
            (
                ExecEra::Leaky,
                Line {
                    range: "≤ 2026.4.1",
                    text: "keeps the invalid string, which leaks into policy comparisons (#59006): exec approvals behave erratically".to_string(),
                },
            ),
            (
                ExecEra::Stripped,
                Line {
                    range: "2026.4.2 and later",
                    text: format!(
                        "drops it silently (#59112), falls back to the next level or the built-in default ({field_default}), and rewrites the file at gateway start (#67747) — the typo then vanishes from the file"
                    ),
                },
            ),
            (
                ExecEra::StrippedOrFailClosed,
                Line {
                    range: "newer JSON builds (2026-07, #112327)",
                    text: "treat the whole file as malformed and apply security=deny ask=off askFallback=deny: all host exec is denied, silently".to_string(),
                },
            ),
            (
                ExecEra::Sqlite,
                Line {
                    range: "2026.8.x",
                    text: LEGACY_GATE.to_string(),
                },
            ),
        ],
    )
}

/// What OpenClaw does when the whole file is unusable: not strict JSON, not an object,
/// or `version` ≠ 1.
pub fn whole_file_ignored(version: Option<OcVersion>) -> Vec<String> {
    lines_for(
        version,
        vec![
            (
                ExecEra::Leaky,
                Line {
                    range: "≤ 2026.4.1",
                    text: "ignores the file, uses the built-in defaults (security=deny ask=on-miss askFallback=deny) and overwrites the file with them at gateway start".to_string(),
                },
            ),
            (
                ExecEra::Stripped,
                Line {
                    range: "2026.4.2 – 2026.6.x",
                    text: "ignores the file, uses the permissive built-in defaults (security=full ask=off) and overwrites the file with them at gateway start — your allowlist is lost".to_string(),
                },
            ),
            (
                ExecEra::StrippedOrFailClosed,
                Line {
                    range: "newer JSON builds (2026-07, #112327)",
                    text: "fail closed: security=deny ask=off askFallback=deny, all host exec denied, silently".to_string(),
                },
            ),
            (
                ExecEra::Sqlite,
                Line {
                    range: "2026.8.x",
                    text: LEGACY_GATE.to_string(),
                },
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eras() {
        assert_eq!(ExecEra::of(OcVersion::new(2026, 3, 31)), ExecEra::Leaky);
        assert_eq!(ExecEra::of(OcVersion::new(2026, 4, 1)), ExecEra::Leaky);
        assert_eq!(ExecEra::of(OcVersion::new(2026, 4, 2)), ExecEra::Stripped);
        assert_eq!(ExecEra::of(OcVersion::new(2026, 4, 12)), ExecEra::Stripped);
        assert_eq!(
            ExecEra::of(OcVersion::new(2026, 7, 20)),
            ExecEra::StrippedOrFailClosed
        );
        assert_eq!(ExecEra::of(OcVersion::new(2026, 8, 16)), ExecEra::Sqlite);
    }

    #[test]
    fn behaviour_lines() {
        assert_eq!(invalid_policy_value(None, "full").len(), 4);
        let one = invalid_policy_value(Some(OcVersion::new(2026, 4, 12)), "full");
        assert_eq!(one.len(), 1);
        assert!(one[0].starts_with("2026.4.12 (your config"));
        assert!(one[0].contains("drops it silently"));
        let two = invalid_policy_value(Some(OcVersion::new(2026, 7, 3)), "full");
        assert_eq!(two.len(), 2);
    }
}
