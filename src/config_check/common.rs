//! Checks shared by both files: enum values, unknown keys, duplicate keys, types.
//!
//! This module owns the wording of these generic findings so both files report them
//! alike. It does not know which keys or values are valid where; the per-file
//! modules pass that in, and add what OpenClaw does and the cause.

use std::collections::HashMap;

use super::finding::{CfgPath, Finding, Severity, is_secret_key, quote, show_value};
use super::json5::{Member, Node, Pos, Value};
use super::suggest::{suggest, trimmed_match};
use crate::cause::Cause;

/// Other words people use for a value, mapped to the values they mean.
pub type Aliases = &'static [(&'static str, &'static [&'static str])];

/// What an enum field holds.
pub enum EnumCheck<'a> {
    /// A valid value.
    Valid(&'a str),
    /// An environment reference (`${NAME}`) that is substituted at load; not checked.
    EnvRef,
    /// Not valid; the finding says why.
    Invalid(Box<Finding>),
}

/// True for a string that is exactly one `${UPPER_CASE}` reference, which OpenClaw
/// substitutes from the environment before validating.
pub fn is_env_ref(s: &str) -> bool {
    s.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .is_some_and(|name| {
            let mut c = name.chars();
            matches!(c.next(), Some(f) if f.is_ascii_uppercase() || f == '_')
                && c.all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_')
        })
}

/// Checks the value of `m` against `valid`. `env_refs` says whether `${NAME}` is
/// substituted in this file (openclaw.json) or taken literally (exec-approvals.json).
#[allow(clippy::too_many_arguments)]
pub fn check_enum<'a>(
    file: &str,
    m: &'a Member,
    path: &CfgPath,
    valid: &[&str],
    aliases: Aliases,
    cause: Cause,
    env_refs: bool,
) -> EnumCheck<'a> {
    let node = &m.value;
    match &node.value {
        Value::String(s) if valid.contains(&s.as_str()) => EnumCheck::Valid(s),
        Value::String(s) if env_refs && is_env_ref(s) => EnumCheck::EnvRef,
        Value::String(s) => {
            let mut message = format!("invalid {} {}", m.key, quote(s));
            if trimmed_match(s, valid).is_some() {
                message.push_str(" (stray white space)");
            } else if valid.iter().any(|v| v.eq_ignore_ascii_case(s)) {
                message.push_str(" (values are case-sensitive)");
            }
            EnumCheck::Invalid(Box::new(
                Finding::at(
                    file,
                    node.pos,
                    Severity::Error,
                    "invalid_enum",
                    cause,
                    path,
                    message,
                )
                .key(&m.key)
                .value_of(node)
                .valid(valid)
                .did_you_mean(suggest(s, valid, aliases)),
            ))
        }
        _ => EnumCheck::Invalid(Box::new(
            Finding::at(
                file,
                node.pos,
                Severity::Error,
                "wrong_type",
                cause,
                path,
                format!(
                    "{} must be a string, not {} ({})",
                    m.key,
                    node.type_name(),
                    show_value(node)
                ),
            )
            .key(&m.key)
            .value_of(node)
            .valid(valid),
        )),
    }
}

/// zod's message for an enum value it rejects.
pub fn zod_enum_message(path: &CfgPath, valid: &[&str]) -> String {
    let options: Vec<String> = valid.iter().map(|v| format!("\"{v}\"")).collect();
    format!(
        "{}: Invalid option: expected one of {}",
        path.zod(),
        options.join("|")
    )
}

/// zod's message for a key a strict object does not know.
pub fn zod_unknown_key_message(parent: &CfgPath, key: &str) -> String {
    format!("{}: Unrecognized key: \"{}\"", parent.zod(), key)
}

/// A finding for a key not in `known`, at the key.
pub fn unknown_key(
    file: &str,
    m: &Member,
    parent: &CfgPath,
    known: &[&str],
    severity: Severity,
    cause: Cause,
) -> Finding {
    let where_ = if parent.0.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in {parent}")
    };
    Finding::at(
        file,
        m.key_pos,
        severity,
        "unknown_key",
        cause,
        &parent.key(&m.key),
        format!("unknown key {} {where_}", quote(&m.key)),
    )
    .key(&m.key)
    .did_you_mean(suggest(&m.key, known, &[]))
}

/// A finding for a value of the wrong type.
pub fn wrong_type(
    file: &str,
    node: &Node,
    path: &CfgPath,
    key: &str,
    expected: &str,
    severity: Severity,
    cause: Cause,
) -> Finding {
    let shown = if is_secret_key(key) {
        String::new()
    } else {
        format!(" ({})", show_value(node))
    };
    let f = Finding::at(
        file,
        node.pos,
        severity,
        "wrong_type",
        cause,
        path,
        format!("{key} must be {expected}, not {}{shown}", node.type_name()),
    )
    .key(key);
    if is_secret_key(key) {
        f
    } else {
        f.value_of(node)
    }
}

/// For each key, the index of its last occurrence: the one JavaScript keeps.
fn last_index(members: &[Member]) -> HashMap<&str, usize> {
    members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.key.as_str(), i))
        .collect()
}

/// Members as OpenClaw sees them: for a repeated key only the last counts (the
/// earlier ones get a `duplicate_key` finding instead).
pub fn last_members(members: &[Member]) -> impl Iterator<Item = &Member> {
    let last = last_index(members);
    members
        .iter()
        .enumerate()
        .filter(move |(i, m)| last.get(m.key.as_str()) == Some(i))
        .map(|(_, m)| m)
}

/// Every object member whose key appears again later in the same object: JSON.parse
/// and json5 keep only the last, so the earlier value is silently ignored.
pub fn duplicate_keys(
    file: &str,
    root: &Node,
    cause_of: &dyn Fn(&CfgPath) -> Cause,
) -> Vec<Finding> {
    let mut out = Vec::new();
    walk_duplicates(file, root, &CfgPath::root(), cause_of, &mut out);
    out
}

fn walk_duplicates(
    file: &str,
    node: &Node,
    path: &CfgPath,
    cause_of: &dyn Fn(&CfgPath) -> Cause,
    out: &mut Vec<Finding>,
) {
    match &node.value {
        Value::Object(members) => {
            let last = last_index(members);
            for (i, m) in members.iter().enumerate() {
                let later = last
                    .get(m.key.as_str())
                    .filter(|&&l| l != i)
                    .and_then(|&l| members.get(l));
                let p = path.key(&m.key);
                if let Some(l) = later {
                    out.push(
                        Finding::at(
                            file,
                            m.key_pos,
                            Severity::Warning,
                            "duplicate_key",
                            cause_of(&p),
                            &p,
                            format!(
                                "duplicate key {}: this one is ignored, the one at {}:{} wins",
                                quote(&m.key),
                                l.key_pos.line,
                                l.key_pos.column
                            ),
                        )
                        .key(&m.key)
                        .does(["keeps only the last occurrence of a key; everything in this earlier one is dropped"])
                        .instead(format!(
                            "merge the two {} entries into one",
                            quote(&m.key)
                        )),
                    );
                } else {
                    walk_duplicates(file, &m.value, &p, cause_of, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_duplicates(file, item, &path.index(i), cause_of, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_refs() {
        assert!(is_env_ref("${OPENCLAW_DM_POLICY}"));
        assert!(is_env_ref("${_X1}"));
        assert!(!is_env_ref("${lower}"));
        assert!(!is_env_ref("$X"));
        assert!(!is_env_ref("${}"));
        assert!(!is_env_ref("a${X}"));
    }

    #[test]
    fn zod_messages() {
        let p = CfgPath::root().key("gateway").key("bind");
        assert_eq!(
            zod_enum_message(&p, &["auto", "lan"]),
            "gateway.bind: Invalid option: expected one of \"auto\"|\"lan\""
        );
        assert_eq!(
            zod_unknown_key_message(&CfgPath::root().key("gateway"), "localExec"),
            "gateway: Unrecognized key: \"localExec\""
        );
    }
}

/// An exec policy found in a file (`defaults` of exec-approvals.json, or `tools.exec`
/// of openclaw.json), for the cross-check between the two: the stricter wins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecPolicy {
    /// `security`, when valid, and where it is.
    pub security: Option<(String, Pos)>,
    /// `ask`, when valid, and where it is.
    pub ask: Option<(String, Pos)>,
}
