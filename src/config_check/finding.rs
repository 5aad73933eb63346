//! The finding record every check produces, and the small helpers that build one.
//!
//! This module owns the shape of a finding (what the text and JSON reports print and
//! what `diagnose` consumes) and the config-path notation. It does not decide what is
//! wrong (the checkers do) nor how findings are printed (`render`).

use std::fmt;

use serde::Serialize;

use super::json5::{Node, Pos, Value};
use crate::cause::Cause;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// OpenClaw rejects or silently drops this, or the file could not be read.
    Error,
    /// OpenClaw accepts it but it is probably not what was meant.
    Warning,
    /// Worth knowing; never changes the exit code.
    Note,
}

impl Severity {
    /// The word printed in text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in one file, with everything a user needs to act on it.
///
/// Secret values (`token`, `password`, …) never appear in any field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The file, as given or resolved (lossy UTF-8).
    pub file: String,
    /// 1-based line of the key or value, when the finding has a place in the file.
    pub line: Option<u32>,
    /// 1-based column (Unicode scalar values), with `line`.
    pub column: Option<u32>,
    /// How serious it is.
    pub severity: Severity,
    /// Stable identifier of the kind of finding (see docs/config-check.md).
    pub code: &'static str,
    /// Where in the config: `gateway.auth.token`, `agents."*".ask`, `allowlist[2]`;
    /// empty for the file as a whole.
    pub path: String,
    /// The offending key, when the finding is about a key.
    pub key: Option<String>,
    /// The offending value (scalars only; never a secret).
    pub value: Option<serde_json::Value>,
    /// One-line statement of the problem.
    pub message: String,
    /// The values (or keys) that are valid here.
    pub valid: Vec<String>,
    /// Near misses the user probably meant, best first.
    pub did_you_mean: Vec<String>,
    /// The message OpenClaw itself prints for this, when known.
    pub openclaw_says: Option<String>,
    /// What OpenClaw does with it, one line per version range where that differs.
    pub openclaw_does: Vec<String>,
    /// Set when the offending text is one of the troubleshooting guide's snippets.
    pub guide: Option<String>,
    /// What to do instead.
    pub instead: Option<String>,
    /// The diagnosis cause this relates to.
    pub cause: Cause,
}

impl Finding {
    /// A finding about the file as a whole (no position).
    pub fn file_level(
        file: &str,
        severity: Severity,
        code: &'static str,
        cause: Cause,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            file: file.to_string(),
            line: None,
            column: None,
            severity,
            code,
            path: String::new(),
            key: None,
            value: None,
            message: message.into(),
            valid: Vec::new(),
            did_you_mean: Vec::new(),
            openclaw_says: None,
            openclaw_does: Vec::new(),
            guide: None,
            instead: None,
            cause,
        }
    }

    /// A finding at `pos` about config path `path`.
    pub fn at(
        file: &str,
        pos: Pos,
        severity: Severity,
        code: &'static str,
        cause: Cause,
        path: &CfgPath,
        message: impl Into<String>,
    ) -> Finding {
        let mut f = Finding::file_level(file, severity, code, cause, message);
        f.line = Some(pos.line);
        f.column = Some(pos.column);
        f.path = path.to_string();
        f
    }

    /// Sets the offending key.
    pub fn key(mut self, key: &str) -> Self {
        self.key = Some(key.to_string());
        self
    }

    /// Sets the offending value from a node, unless it is not a scalar.
    pub fn value_of(mut self, node: &Node) -> Self {
        self.value = scalar_json(node);
        self
    }

    /// Sets the valid set.
    pub fn valid(mut self, valid: &[&str]) -> Self {
        self.valid = valid.iter().map(|s| (*s).to_string()).collect();
        self
    }

    /// Sets the near misses.
    pub fn did_you_mean(mut self, d: Vec<String>) -> Self {
        self.did_you_mean = d;
        self
    }

    /// Sets OpenClaw's own message.
    pub fn says(mut self, s: impl Into<String>) -> Self {
        self.openclaw_says = Some(s.into());
        self
    }

    /// Adds lines saying what OpenClaw does.
    pub fn does<S: Into<String>>(mut self, lines: impl IntoIterator<Item = S>) -> Self {
        self.openclaw_does.extend(lines.into_iter().map(Into::into));
        self
    }

    /// Marks the finding as one of the guide's snippets.
    pub fn guide(mut self, g: impl Into<String>) -> Self {
        self.guide = Some(g.into());
        self
    }

    /// Sets what to do instead.
    pub fn instead(mut self, s: impl Into<String>) -> Self {
        self.instead = Some(s.into());
        self
    }
}

/// A scalar as JSON, for the `value` field. Non-finite numbers, which JSON cannot
/// hold, become their source text.
pub fn scalar_json(node: &Node) -> Option<serde_json::Value> {
    match &node.value {
        Value::Null => Some(serde_json::Value::Null),
        Value::Bool(b) => Some(serde_json::Value::Bool(*b)),
        Value::Number(n) => Some(
            serde_json::Number::from_f64(n.value)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| serde_json::Value::String(n.raw.clone())),
        ),
        Value::String(s) => Some(serde_json::Value::String(s.clone())),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A value as it would be written in the file, shortened for messages.
pub fn show_value(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => short(&n.raw),
        Value::String(s) => quote(s),
        Value::Array(_) => "[…]".to_string(),
        Value::Object(_) => "{…}".to_string(),
    }
}

/// `s` cut at 40 characters, for number literals in messages.
pub fn short(s: &str) -> String {
    crate::text::cut(s, 40)
}

/// `s` in double quotes, JSON-escaped, cut at 60 characters.
pub fn quote(s: &str) -> String {
    let short = crate::text::prefix(s, 60);
    let mut q = serde_json::to_string(short).unwrap_or_else(|_| format!("\"{short}\""));
    if short.len() < s.len() {
        q.insert(q.len().saturating_sub(1), '…');
    }
    q
}

/// One step of a config path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path into a config, printed as `gateway.auth.token`, `agents."*".ask`,
/// `allowlist[2]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CfgPath(pub Vec<Seg>);

impl CfgPath {
    /// The root.
    pub fn root() -> CfgPath {
        CfgPath(Vec::new())
    }

    /// This path plus a key.
    pub fn key(&self, k: &str) -> CfgPath {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        CfgPath(v)
    }

    /// This path plus an index.
    pub fn index(&self, i: usize) -> CfgPath {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        CfgPath(v)
    }

    /// The path as zod prints it in `Invalid config` messages: segments joined by
    /// `.`, `<root>` for the root.
    pub fn zod(&self) -> String {
        if self.0.is_empty() {
            return "<root>".to_string();
        }
        self.0
            .iter()
            .map(|s| match s {
                Seg::Key(k) => k.clone(),
                Seg::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

fn plain_key(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
}

impl fmt::Display for CfgPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if plain_key(k) {
                        f.write_str(k)?;
                    } else {
                        f.write_str(&quote(k))?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// True for keys whose values are secrets and must never be printed.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "token",
        "password",
        "secret",
        "apikey",
        "api_key",
        "privatekey",
    ]
    .iter()
    .any(|s| k.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display() {
        let p = CfgPath::root()
            .key("agents")
            .key("*")
            .key("allowlist")
            .index(2);
        assert_eq!(p.to_string(), "agents.\"*\".allowlist[2]");
        assert_eq!(p.zod(), "agents.*.allowlist.2");
        assert_eq!(CfgPath::root().zod(), "<root>");
        assert_eq!(
            CfgPath::root().key("gateway").key("localExec").to_string(),
            "gateway.localExec"
        );
    }

    #[test]
    fn quoting_cuts_long_values() {
        let long = "x".repeat(100);
        let q = quote(&long);
        assert!(q.chars().count() < 70);
        assert!(q.ends_with("…\""));
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn secrets() {
        assert!(is_secret_key("token"));
        assert!(is_secret_key("botToken"));
        assert!(is_secret_key("password"));
        assert!(!is_secret_key("security"));
    }
}
