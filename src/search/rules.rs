//! The rule table: which log texts are events, and of which category.
//!
//! This module owns the one table of rules (category, pattern, level of the template)
//! and its compiled form: a SIMD literal search for the rules' anchors over a whole
//! buffer, then, for the anchors a line holds, their rules: a rule whose pattern is a
//! set of strings is compared as bytes where its anchor starts, any other runs its own
//! small regex. It does not parse fields
//! out of a line (that is `parse`) nor decide causes (that is the diagnosis).
//!
//! Patterns are written against OpenClaw's own templates (see the facts file) and are
//! case-sensitive on purpose: the gateway prints them in one case, and case-sensitive
//! literals keep the whole-buffer prefilter on its SIMD path. Where a text really
//! appears in two cases (the TUI's "Pairing required."), the pattern says so.
//! No pattern may match a newline: every pattern is confined to one line.

use std::sync::{Arc, OnceLock};

use crate::literals::{self, Finder};
use crate::record::Level;
use regex_automata::meta;
// The categories are vocabulary (the record carries them); `rules::Category` and
// `rules::CategorySet` are their old paths.
pub use crate::category::{Category, CategorySet};

/// One row of the rule table.
#[derive(Debug)]
pub struct Rule {
    /// A short stable name, used in tests and in the table's errors.
    pub id: &'static str,
    /// The categories a matching line carries.
    pub categories: &'static [Category],
    /// The pattern (regex syntax, bytes, case-sensitive unless it says otherwise).
    pub pattern: &'static str,
    /// Literals of which every match of `pattern` contains one: what the
    /// whole-buffer search looks for.
    pub anchors: &'static [&'static str],
    /// The level OpenClaw logs this template at, for lines that carry no level.
    pub level: Option<Level>,
}

use Category::*;

macro_rules! rule {
    ($id:literal, [$($c:ident),+], $pat:literal, [$($a:literal),+]) => {
        Rule { id: $id, categories: &[$($c),+], pattern: $pat, anchors: &[$($a),+], level: None }
    };
    ($id:literal, [$($c:ident),+], $pat:literal, [$($a:literal),+], $lvl:ident) => {
        Rule { id: $id, categories: &[$($c),+], pattern: $pat, anchors: &[$($a),+], level: Some(Level::$lvl) }
    };
}

/// The rule table. Each row is one OpenClaw text (or a few spellings of it): its id,
/// categories, pattern, anchors, and the level OpenClaw logs it at.
///
/// **Anchors** are literals of which every match of the pattern contains at least one
/// (a test proves it from the pattern's syntax tree). The whole-buffer search looks
/// only for anchors, so they are chosen to be rare in ordinary log lines: not `conn`,
/// `code=`, `reason=`, `device=` or `origin=`, which are on every connection line.
#[rustfmt::skip]
pub static RULES: &[Rule] = &[
    // --- device pairing ---------------------------------------------------------------
    // Close reason (all versions, and the newer "pairing required: device …" texts),
    // the TUI's "Pairing required.", the `cause` meta value and the error details code.
    rule!("pairing_required", [Pairing], r"[Pp]airing required|PAIRING_REQUIRED|pairing-required", ["airing", "PAIR"]),
    rule!("not_paired", [Pairing], r"NOT_PAIRED", ["PAIR"]),
    rule!("pairing_auto_approved", [Pairing], r"device pairing auto-approved", ["airing"], Info),
    rule!("pairing_approved", [Pairing], r"device pairing approved", ["airing"], Info),
    rule!("pairing_removed", [Pairing], r"device pairing removed", ["airing"], Info),
    rule!("pairing_removal_denied", [Pairing], r"device pairing removal denied", ["airing"], Warn),
    rule!("pair_event", [Pairing], r"device\.pair\.(?:requested|resolved)", [".pair."]),
    rule!("device_removed", [Pairing], r"reason=device removed|\): device removed", ["ice removed"]),
    rule!("reapprove", [Pairing], r"identity changed and must be re-approved", ["identity"]),
    rule!("devices_approve", [Pairing], r"openclaw devices approve", ["devices approve"]),
    // Current releases (§7): `openclaw gateway status`, a Control UI connect that
    // waited for the owner's decision (`pairing approved` is a success: no rule),
    // the error details codes, and doctor's count of waiting devices.
    rule!("capability_pending", [Pairing], r"Capability: pairing-pending", ["airing"]),
    // A desktop companion's setup step that pairs its node or operator connection
    // (`Step 'pair-node' failed (attempt 1/3), retrying in 3s: Node connection failed:
    // …`); in its JSON log the quotes are `\u0027`.
    rule!("companion_pair_step", [Pairing], r"Step (?:'|\\u0027)pair-(?:node|operator)(?:'|\\u0027) failed", ["pair-"]),
    rule!("pairing_outcome", [Pairing], r"pairing (?:rejected|expired|superseded)|PAIRING_(?:REJECTED|EXPIRED)", ["airing", "PAIR"]),
    rule!("waits_for_approval", [Pairing], r"[0-9]+ (?:devices?|requests?|nodes?) (?:waits?|waiting|pending) for approval", ["approval"]),
    // Control UI login cards and banners (§7.3), and wrapper apps' own words.
    rule!("ui_approve_browser", [Pairing], r"(?:Approve|Re-approve|Pair) this browser|Approve the new (?:access level|role)|Access request (?:declined|expired)|Pairing link is no longer valid", ["this browser", "pprove the new", "ccess request ", "airing"]),
    rule!("browser_copilot", [Pairing, Auth], r"browser copilot requires a dedicated paired device identity", ["identity"]),
    rule!("waiting_for_pairing", [Pairing], r"[Ww]aiting for pairing approval|[Pp]airing (?:approval )?pending", ["airing"]),
    // Translated UI and wrapper texts: zh-CN pairing hint and card, and "pairing" in
    // Chinese and Japanese wrappers.
    rule!("pairing_translated", [Pairing], "配对", ["配对"]),
    // --- close code 1008 ------------------------------------------------------------------
    // `code=1008`, JSON `"code":1008`, `gateway closed (1008)`, `disconnected (1008)`,
    // `close(1008)`; not a 1008 inside a UUID or a longer number.
    rule!("close_1008", [Close1008], r#"code(?:=|":|: | )1008(?-u:\b)|\(1008(?-u:\b)"#, ["1008"]),
    // --- tokens -----------------------------------------------------------------------------
    rule!("token_code", [Token], r"token_mismatch|token_missing|token_invalid", ["mismatch", "missing", "nvalid"]),
    rule!("gateway_token", [Token], r"gateway token (?:missing|mismatch|not configured)", ["y token "]),
    rule!("device_token", [Token], r"device token (?:mismatch|rejected)", ["ce token "]),
    rule!("device_token_lifecycle", [Token], r"device token (?:rotated|revoked)", ["ce token "], Info),
    rule!("device_token_denied", [Token], r"device token rotation denied", ["ce token "], Warn),
    rule!("device_token_scope", [Token, Scope], r"device token scope mismatch|scope_mismatch", ["mismatch"]),
    rule!("bootstrap_token", [Token], r"bootstrap token (?:invalid|revoke skipped)", ["p token "]),
    rule!("setup_code", [Token], r"unauthorized: setup code invalid, expired, revoked, or already used", ["unauthorized"]),
    // Translated close texts and UI strings (§7.3): 令牌 is "token".
    rule!("token_translated", [Token], "令牌", ["令牌"]),
    rule!("token_details", [Token], r"AUTH_(?:DEVICE_)?TOKEN_(?:MISMATCH|MISSING)", ["AUTH_"]),
    // --- auth and device identity ---------------------------------------------------------
    // (`reason=<auth code>` values such as rate_limited or tailscale_* stand on
    // `unauthorized` lines, which the first rule already takes.)
    rule!("unauthorized_conn", [Auth], r"unauthorized conn=", ["unauthorized"], Warn),
    rule!("unauthorized_close", [Auth], r"unauthorized: |unauthorized$", ["unauthorized"]),
    rule!("unauthorized_cause", [Auth], r#"cause"?[=:]"?unauthorized"#, ["unauthorized"]),
    rule!("repeated_unauthorized", [Auth], r"repeated unauthorized calls", ["unauthorized"]),
    rule!("password_code", [Auth], r"password_mismatch|password_missing|gateway password (?:missing|mismatch)|gateway password not configured", ["mismatch", "missing", "not configured"]),
    // Start-up refusal since 2026.3.31 (#58371): trusted-proxy auth with a token too.
    rule!("trusted_proxy_token", [Auth, Config], r"trusted-proxy, but a shared token is also configured", ["shared token is also"], Error),
    rule!("tailscale", [Auth], r"tailscale identity (?:missing|mismatch)", ["identity"]),
    rule!("auth_changed", [Auth, Token], r"gateway auth changed", ["th changed"]),
    // With the connect error's diagnostic codes (`error.details.code` and `.reason`),
    // which a client or wrapper logs or a tool result quotes without the close text.
    // (`DEVICE_IDENTITY_REQUIRED` and `device-public-key` come with their close text or
    // a `DEVICE_AUTH_` code: anchors of their own would overflow the SIMD search.)
    rule!("device_identity", [Auth], r"device identity (?:required|mismatch)|device signature (?:expired|invalid)|device nonce (?:required|mismatch)|device public key invalid|device-auth-invalid|device-required|device-signature-stale|DEVICE_AUTH_(?:NONCE_REQUIRED|NONCE_MISMATCH|SIGNATURE_INVALID|SIGNATURE_EXPIRED|DEVICE_ID_MISMATCH|PUBLIC_KEY_INVALID)|device-(?:nonce-missing|nonce-mismatch|id-mismatch)\b", ["identity", "signature", "required", "mismatch", "nvalid", "AUTH_", "missing"]),
    rule!("control_ui_insecure", [Auth], r"control ui requires device identity", ["identity"]),
    rule!("origin", [Auth], r"origin not allowed|origin-mismatch", ["not allowed", "mismatch"]),
    rule!("locality", [Auth], r"Loopback connection with non-local Host header", ["non-local"], Warn),
    rule!("verified_identity", [Auth], r"require a verified user identity|Verified identity required|AUTH_VERIFIED_USER_REQUIRED|AUTH_IDENTITY_HEADER_REQUIRED", ["identity", "AUTH_"]),
    rule!("ui_auth", [Auth], r"Gateway secret rejected|This Gateway expects its (?:token|password)|Too many failed attempts|Secure browser context required|Browser origin not allowed|gateway auth failed|Auth failed\. Re-copy a tokenized URL", ["rejected", "xpects its", "failed attempts", "browser context", "not allowed", "uth failed"]),
    // 未授权 "unauthorized", 身份验证 / 认证 "authentication" (zh-CN); Portuguese.
    rule!("auth_translated", [Auth], "未授权", ["未授权"]),
    // --- a proxy the gateway does not trust (§7.1, §7.2, §7.5) ---------------------------
    rule!("untrusted_proxy", [Proxy, Auth], r"Proxy headers detected from untrusted address", ["untrusted address"], Warn),
    rule!("proxy_attribution", [Proxy], r"proxy_attribution_required|[Pp]roxy client attribution is required|ingress attribution required|missing prepared ingress attribution|unattributable proxy-shaped traffic", ["attribut"]),
    // --- role and scope upgrades ----------------------------------------------------------
    rule!("access_upgrade", [Scope], r"security audit: device (?:access|metadata) upgrade requested", ["upgrade"], Warn),
    // `reason=…`, meta `"reason":"…"`, and the same pasted one field per line
    // (`reason: scope-upgrade`, pretty-printed `"reason": "not-paired",`).
    rule!("upgrade_reason", [Scope], r#"reason"? ?[=:] ?"?(?:role|scope|metadata)-upgrade"#, ["upgrade"]),
    rule!("not_paired_reason", [Pairing], r#"reason"? ?[=:] ?"?not-paired"#, ["not-paired"]),
    rule!("missing_scope", [Scope], r"missing scope: |unauthorized role: ", ["missing", "unauthorized"]),
    // The short client texts of current releases (§7.2), each with `(requestId: …)`.
    rule!("upgrade_pending", [Scope, Pairing], r"(?:scope|role) upgrade pending approval|device metadata change pending approval", ["approval"]),
    rule!("own_scope_upgrade", [Scope, Pairing], r"can't approve its own scope upgrade", ["upgrade"]),
    rule!("more_than_approved", [Scope], r"(?:higher role|more scopes) than currently approved", ["currently approved"]),
    // --- connections that failed around the handshake -------------------------------------
    rule!("closed_before_connect", [Handshake], r"closed before connect", ["d before connect"], Warn),
    rule!("handshake_ws", [Handshake], r"handshake timeout|invalid handshake|protocol mismatch conn=", ["shake timeout", "invalid handshake", "mismatch"], Warn),
    rule!("handshake_failed", [Handshake], r#"handshake=failed|handshake":"failed"#, ["shake=failed", "shake\":\"failed"]),
    rule!("client_connect_failed", [Handshake], r"gateway connect failed: ", ["ct failed"], Error),
    rule!("client_closed", [Handshake], r"gateway closed \(", ["closed ("], Error),
    rule!("ui_disconnected", [Handshake], r"disconnected \((?:1008|4008)\)", ["1008", "4008"]),
    rule!("clawx_closed", [Handshake], r"Gateway WebSocket closed \(code=", ["closed ("]),
    rule!("connect_challenge", [Handshake], r"connect challenge missing nonce", ["missing"]),
    rule!("upgrade_rejected", [Handshake], r"rejected websocket upgrade \(HTTP [0-9]{3}\)", ["upgrade"], Error),
    rule!("code_4008", [Handshake], r#"code(?:=|":|: | )4008(?-u:\b)|\(4008(?-u:\b)"#, ["4008"]),
    // --- chat DM pairing --------------------------------------------------------------------
    rule!("dm_pairing_request", [DmPairing], r" pairing request(?-u:\b)", ["airing"], Info),
    rule!("dm_access", [DmPairing], r"access not configured\.|Pairing code:|openclaw pairing (?:approve|list)", ["not configured", "airing"]),
    rule!("dm_blocked", [DmPairing], r"Blocked unauthorized [a-z-]{1,40} sender|drop dm \(dmPolicy", ["unauthorized", "dmPolicy"]),
    rule!("dm_policy", [DmPairing], r"dmPolicy", ["dmPolicy"]),
    // --- exec approvals ---------------------------------------------------------------------
    rule!("exec_registration", [ExecApprovals], r"Exec approval registration failed", ["approval"], Error),
    rule!("exec_denied", [ExecApprovals], r"[Ee]xec denied|SYSTEM_RUN_DENIED", ["xec denied", "SYSTEM_RUN"]),
    rule!("exec_set_params", [ExecApprovals], r"invalid exec\.approvals\.[a-z]+ params", ["approval"]),
    rule!("exec_legacy", [ExecApprovals], r"Legacy exec approvals exist", ["approval"]),
    rule!("exec_file", [ExecApprovals], r"exec-approvals\.json", ["approval"]),
    // --- configuration ----------------------------------------------------------------------
    rule!("config_invalid", [Config], r"Invalid config at |Config invalid|JSON5 parse failed", ["nvalid", "JSON5 parse"], Error),
    rule!("config_key", [Config], r"Unrecognized keys?: |Invalid option: expected one of", ["Unrecognized key", "nvalid"]),
    rule!("config_bind_alias", [Config], r"gateway\.bind host aliases", ["bind host aliases"]),
];

/// The most rows a rule table may have (the classifier marks the rules it tested in
/// a fixed bitset, so that classifying a line allocates nothing).
pub const MAX_RULES: usize = 256;

/// Errors building the compiled rules (only a broken table can cause one).
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A pattern did not compile.
    #[error("rule pattern does not compile: {0}")]
    Pattern(String),
    /// The table has more than `MAX_RULES` rows.
    #[error("the rule table has {0} rows; at most {MAX_RULES} are supported")]
    TooMany(usize),
}

/// Which kinds of context line an anchor belongs to, or a line's anchors do (see
/// [`Rules::with_context_anchors`]). A context pattern can match only a line that
/// holds one of its anchors, so a line without one is not asked: most of a plain
/// scan's `← connect` lines hold a version-only anchor and no context one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContextAnchors {
    /// An anchor of the context pattern.
    pub context: bool,
    /// An anchor of the version-only pattern.
    pub version: bool,
}

impl ContextAnchors {
    const CONTEXT: ContextAnchors = ContextAnchors {
        context: true,
        version: false,
    };
    const VERSION: ContextAnchors = ContextAnchors {
        context: false,
        version: true,
    };
}

impl std::ops::BitOrAssign for ContextAnchors {
    fn bitor_assign(&mut self, other: ContextAnchors) {
        self.context |= other.context;
        self.version |= other.version;
    }
}

/// The compiled rule table.
#[derive(Clone, Debug)]
pub struct Rules {
    finder: Finder,
    /// The anchors, in the order given to the finder (its literal indices).
    anchors: Vec<&'static [u8]>,
    /// Which context lines of [`Rules::with_context_anchors`] each anchor belongs
    /// to (none: it is a rule's only).
    context_anchor: Vec<ContextAnchors>,
    /// For each anchor, the rules that name it and are asked as regexes: those whose
    /// pattern `literal_checks` does not spell out as strings.
    anchor_rules: Vec<Vec<usize>>,
    /// For each anchor, the strings of the rules that name it whose pattern is a
    /// finite set of strings (most of the table), some to be followed by a word
    /// boundary: such a rule matches a line if and only if one of its strings is in
    /// it (so followed), and each string holds one of the rule's anchors, so
    /// comparing bytes where an anchor starts answers for it with no regex (a regex
    /// asked ~460 instructions a line, and an event line holding `1008`, `pairing`
    /// and `required` asked some twenty).
    anchor_literals: Vec<Vec<LiteralCheck>>,
    /// Each rule alone, to confirm a candidate line cheaply. Compiled on first use
    /// (shared by every clone and thread): a log meets a handful of the rules, and
    /// compiling all of them took most of the start-up, which a short paste pays
    /// in full. `Rules::from_table` has checked that each pattern parses.
    singles: Arc<[OnceLock<Option<meta::Regex>>]>,
    /// For each first byte, the anchors that start with it: what `classify_line`
    /// compares at a place where the finder found an anchor (another may start
    /// there too).
    by_first_byte: Arc<[Vec<usize>]>,
    /// The same patterns, reporting every rule that matches inside a span while
    /// look-around still sees the bytes beyond it: for lines read in pieces. Built
    /// on first use: it is large (its literal prefilter alone takes megabytes) and
    /// only lines longer than `--max-line-bytes` need it.
    pieces: OnceLock<Option<meta::Regex>>,
    /// The patterns, to build `pieces`.
    patterns: Vec<&'static str>,
    /// Category set and template level of each rule, by rule index.
    rows: Vec<(CategorySet, Option<Level>)>,
}

/// What the classifier said about one line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Classification {
    /// The union of the matching rules' categories.
    pub categories: CategorySet,
    /// The level of the first matching rule (in table order) that names one, with
    /// that rule's index.
    pub level: Option<(usize, Level)>,
}

impl Classification {
    /// Adds what another piece of the same line said.
    pub fn merge(&mut self, other: Classification) {
        self.categories = self.categories.union(other.categories);
        self.level = match (self.level, other.level) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
    }

    /// The template level, if a matching rule names one.
    pub fn level(&self) -> Option<Level> {
        self.level.map(|(_, l)| l)
    }

    fn add_rule(&mut self, i: usize, rows: &[(CategorySet, Option<Level>)]) {
        if let Some((cats, level)) = rows.get(i) {
            self.categories = self.categories.union(*cats);
            if let Some(l) = level {
                self.merge(Classification {
                    categories: CategorySet::EMPTY,
                    level: Some((i, *l)),
                });
            }
        }
    }
}

/// What the anchors of one line said so far: the rules they matched, the kinds of
/// context anchor among them, and which rules were tested.
#[derive(Default)]
struct Found {
    class: Classification,
    context: ContextAnchors,
    tested: [u64; MAX_RULES / 64],
}

impl Found {
    fn is_tested(&self, r: usize) -> bool {
        self.tested[r / 64] & (1u64 << (r % 64)) != 0
    }

    fn set_tested(&mut self, r: usize) {
        self.tested[r / 64] |= 1u64 << (r % 64);
    }
}

/// One string of a rule whose pattern is a finite set of strings, under one of
/// the rule's anchors: where that anchor starts `back` bytes into `text`.
#[derive(Clone, Debug)]
struct LiteralCheck {
    rule: usize,
    back: usize,
    /// The byte of `text` compared first (see [`literals::probe`]).
    probe: usize,
    text: Box<[u8]>,
    /// The pattern has an ASCII word boundary (`(?-u:\b)`) after the string, which
    /// ends with a word byte: the line must end there or go on with a non-word byte.
    word_end: bool,
}

impl LiteralCheck {
    /// Whether the string is at `line[from..]`, followed as it must be.
    #[inline]
    fn is_at(&self, line: &[u8], from: usize) -> bool {
        literals::starts_at(line, from, &self.text, self.probe)
            && !(self.word_end && line.get(from + self.text.len()).is_some_and(is_word_byte))
    }
}

/// A byte of an ASCII word (`\w` without Unicode).
fn is_word_byte(b: &u8) -> bool {
    b.is_ascii_alphanumeric() || *b == b'_'
}

/// The most strings of a rule under one of its anchors that are compared as
/// strings: a few patterns spell out dozens (`(?:role|scope|metadata) upgrade …`),
/// each one more comparison at every place of their anchor, where their regex
/// costs the same whatever their number.
const MAX_STRINGS: usize = 16;

/// A rule's strings, each under the first of the rule's anchors it holds.
type Strings = Vec<(&'static str, LiteralCheck)>;

/// The strings rule `rule`'s pattern matches, if the extractor of `regex_syntax`
/// spells them all out (it gives up, marking its strings inexact, on repetition
/// without bound or of a range, classes of more than ten members, more than 250
/// strings in a branch or strings over 100 bytes), each with the first of `anchors`
/// it holds. A branch of the parsed pattern (an alternative at its top, or the
/// whole) may end with an ASCII word boundary after strings that end with a word
/// byte: its strings then carry [`LiteralCheck::word_end`]. (The parser may fold
/// alternatives that start alike into one branch, which then runs as a regex: slower,
/// never wrong.) `None` if the pattern has any other look-around
/// or an empty match, is not such a set, has more than [`MAX_STRINGS`] strings under
/// one anchor, or one of them holds none of the anchors (then the rule is asked as a
/// regex).
fn literal_checks(
    hir: &regex_syntax::hir::Hir,
    rule: usize,
    anchors: &[&'static str],
) -> Option<Strings> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    use regex_syntax::hir::{Hir, HirKind, Look};
    let branches: Vec<&Hir> = match hir.kind() {
        HirKind::Alternation(alternatives) => alternatives.iter().collect(),
        _ => vec![hir],
    };
    let mut out = Strings::new();
    for branch in branches {
        let (body, word_end) = match branch.kind() {
            HirKind::Concat(parts)
                if matches!(
                    parts.last().map(Hir::kind),
                    Some(HirKind::Look(Look::WordAscii))
                ) =>
            {
                (Hir::concat(parts[..parts.len() - 1].to_vec()), true)
            }
            _ => (branch.clone(), false),
        };
        // `\b`, `^` and `$` hold between bytes: the extractor reads them as empty
        // strings, which would make `\bauth\b` the same as `auth`.
        if !body.properties().look_set().is_empty() {
            return None;
        }
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&body);
        let strings = seq.literals()?;
        // Exact: each string is a whole match, and together they are every match.
        if strings.is_empty() || !strings.iter().all(|l| l.is_exact() && !l.is_empty()) {
            return None;
        }
        for l in strings {
            let text = l.as_bytes();
            // A boundary after a non-word byte would ask for a word byte next.
            if word_end && !text.last().is_some_and(is_word_byte) {
                return None;
            }
            let (anchor, back) = anchors.iter().find_map(|a| {
                let back = text.windows(a.len()).position(|w| w == a.as_bytes())?;
                Some((*a, back))
            })?;
            let check = LiteralCheck {
                rule,
                back,
                probe: literals::probe(text, back, anchor.len()),
                text: Box::from(text),
                word_end,
            };
            out.push((anchor, check));
        }
    }
    let most_under_one_anchor = anchors
        .iter()
        .map(|a| out.iter().filter(|(b, _)| b == a).count())
        .max()
        .unwrap_or(0);
    (most_under_one_anchor <= MAX_STRINGS).then_some(out)
}

impl Rules {
    /// Compiles [`RULES`].
    pub fn new() -> Result<Rules, RulesError> {
        Rules::from_table(RULES)
    }

    /// Compiles a rule table.
    pub fn from_table(table: &[Rule]) -> Result<Rules, RulesError> {
        if table.len() > MAX_RULES {
            return Err(RulesError::TooMany(table.len()));
        }
        let patterns: Vec<&'static str> = table.iter().map(|r| r.pattern).collect();
        // The finder looks only for the anchors: plain literals, searched with
        // SIMD (Teddy) and confirmed by comparing bytes, with no automaton.
        let mut anchors: Vec<&'static str> = table
            .iter()
            .flat_map(|r| r.anchors.iter().copied())
            .collect();
        anchors.sort_unstable();
        anchors.dedup();
        let mut languages = Vec::with_capacity(table.len());
        for r in table {
            // An empty anchor would be found everywhere (and cannot say where a
            // string rule's string starts).
            if r.anchors.is_empty() || r.anchors.iter().any(|a| a.is_empty()) {
                return Err(RulesError::Pattern(format!(
                    "rule {}: an empty anchor list or anchor",
                    r.id
                )));
            }
            // Parsing is a small part of compiling, and finds every error but a
            // size limit, which no rule of the table comes near (a test compiles
            // them all).
            let hir = regex_automata::util::syntax::parse_with(r.pattern, &single_syntax())
                .map_err(|e| RulesError::Pattern(e.to_string()))?;
            languages.push(literal_checks(&hir, languages.len(), r.anchors));
        }
        let anchor_rules = anchors
            .iter()
            .map(|a| {
                (0..table.len())
                    .filter(|&i| table[i].anchors.contains(a) && languages[i].is_none())
                    .collect()
            })
            .collect();
        let anchor_literals = anchors
            .iter()
            .map(|a| {
                languages
                    .iter()
                    .flatten()
                    .flatten()
                    .filter(|(anchor, _)| anchor == a)
                    .map(|(_, check)| check.clone())
                    .collect()
            })
            .collect();
        let singles = table.iter().map(|_| OnceLock::new()).collect();
        let finder = anchor_finder(&anchors)?;
        let rows = table
            .iter()
            .map(|r| (r.categories.iter().copied().collect(), r.level))
            .collect();
        let anchors: Vec<&'static [u8]> = anchors.iter().map(|a| a.as_bytes()).collect();
        Ok(Rules {
            finder,
            context_anchor: vec![ContextAnchors::default(); anchors.len()],
            by_first_byte: by_first_byte(&anchors),
            anchors,
            anchor_rules,
            anchor_literals,
            singles,
            pieces: OnceLock::new(),
            patterns,
            rows,
        })
    }

    /// The same rules, whose search also finds the literals of which every context
    /// line holds one (`context`) and those of which every version-only line holds
    /// one (`version`; see [`crate::search::ContextLines`]). One search over the
    /// buffer then finds both events and context lines, instead of a second pass
    /// for the context patterns.
    pub fn with_context_anchors(
        &self,
        context: &[&'static str],
        version: &[&'static str],
    ) -> Result<Rules, RulesError> {
        let mut anchors: Vec<&'static [u8]> = self.anchors.clone();
        let mut anchor_rules = self.anchor_rules.clone();
        let mut anchor_literals = self.anchor_literals.clone();
        let mut context_anchor = self.context_anchor.clone();
        let kinds = context
            .iter()
            .map(|a| (a, ContextAnchors::CONTEXT))
            .chain(version.iter().map(|a| (a, ContextAnchors::VERSION)));
        for (a, kind) in kinds {
            match anchors.iter().position(|x| *x == a.as_bytes()) {
                Some(i) => context_anchor[i] |= kind,
                None => {
                    anchors.push(a.as_bytes());
                    anchor_rules.push(Vec::new());
                    anchor_literals.push(Vec::new());
                    context_anchor.push(kind);
                }
            }
        }
        Ok(Rules {
            finder: anchor_finder(&anchors)?,
            by_first_byte: by_first_byte(&anchors),
            anchors,
            context_anchor,
            anchor_rules,
            anchor_literals,
            ..self.clone()
        })
    }

    /// Finds the first anchor at or after `start` in `haystack`, returning its byte
    /// span. Every line a rule matches holds an anchor, so only lines holding one
    /// need [`Rules::classify`]; most lines holding one are events.
    #[inline]
    pub fn find_at(&self, haystack: &[u8], start: usize) -> Option<(usize, usize)> {
        self.finder.find_at(haystack, start)
    }

    /// Classifies one line (without its line terminator), given that its first
    /// anchor starts at `line[at..]`: tests the rules of every anchor in the line.
    /// A rule that is a set of strings is compared where its anchor starts, the
    /// others are asked as regexes, each once. Exact, because every match of a rule
    /// holds one of its anchors (the tests prove it), and much cheaper than asking
    /// every pattern at once: a line holds one or two anchors, so a few comparisons
    /// and a handful of small regexes run, where the set's overlapping search
    /// drives one automaton for all the patterns. Ordinary lines that merely
    /// contain an anchor word come out empty.
    pub fn classify_at(&self, line: &[u8], at: usize) -> Classification {
        self.classify_line(line, at).0
    }

    /// [`Rules::classify_at`], also saying which kinds of context anchor the line
    /// holds (see [`Rules::with_context_anchors`]).
    pub fn classify_line(&self, line: &[u8], at: usize) -> (Classification, ContextAnchors) {
        let (class, context, _) = self.classify_in(line, 0, line.len(), at);
        (class, context)
    }

    /// [`Rules::classify_line`] for the line `hay[ls..le]` (without its line
    /// terminator) of a whole buffer, whose first anchor starts at `m`. The line's
    /// other anchors are found by going on with the buffer's search, which also
    /// finds the first anchor past the line: returned last, it is where the
    /// buffer's search would go on from `le` (`None`: no anchor is left). Searching
    /// the line alone again cost a little more (~1 % of the instructions on the
    /// bench corpora): Teddy hands a haystack that short to a slower search, and
    /// the bytes after the line were searched anyway.
    pub fn classify_in(
        &self,
        hay: &[u8],
        ls: usize,
        le: usize,
        m: usize,
    ) -> (Classification, ContextAnchors, Option<usize>) {
        let line = &hay[ls..le];
        let mut found = Found::default();
        let mut next = Some(m);
        while let Some(at) = next.filter(|&at| at < le) {
            self.anchors_at(line, at - ls, &mut found);
            next = self.find_at(hay, at + 1).map(|(m, _)| m);
        }
        (found.class, found.context, next)
    }

    /// Tests the rules of every anchor that starts at `line[at..]` (the finder
    /// reports one; another may start there too). A regex rule is asked once a line;
    /// a string rule is compared at each such place until one of its strings is
    /// there, followed as its pattern asks.
    fn anchors_at(&self, line: &[u8], at: usize, found: &mut Found) {
        let rest = &line[at..];
        let first = rest
            .first()
            .map_or(&[][..], |&b| &self.by_first_byte[usize::from(b)]);
        for &i in first {
            if !self.anchors.get(i).is_some_and(|a| rest.starts_with(a)) {
                continue;
            }
            found.context |= self.context_anchor.get(i).copied().unwrap_or_default();
            for c in self.anchor_literals.get(i).map_or(&[][..], Vec::as_slice) {
                // A string rule is marked once it matched; until then each place
                // of its anchors is compared.
                let Some(from) = at.checked_sub(c.back) else {
                    continue;
                };
                if !found.is_tested(c.rule) && c.is_at(line, from) {
                    found.set_tested(c.rule);
                    found.class.add_rule(c.rule, &self.rows);
                }
            }
            for &r in self.anchor_rules.get(i).map_or(&[][..], Vec::as_slice) {
                if found.is_tested(r) {
                    continue;
                }
                found.set_tested(r);
                if self.single(r).is_some_and(|re| re.is_match(line)) {
                    found.class.add_rule(r, &self.rows);
                }
            }
        }
    }

    /// Rule `r`'s pattern alone, compiled the first time a line asks for it.
    /// `None` only if it does not compile, which the table's tests rule out.
    fn single(&self, r: usize) -> Option<&meta::Regex> {
        self.singles
            .get(r)?
            .get_or_init(|| {
                // Only `is_match` is asked: the engines that report where groups
                // matched (one-pass DFA, backtracker) and the full DFA built up
                // front were half the cost of compiling a rule; the lazy DFA
                // answers as fast.
                meta::Builder::new()
                    .syntax(single_syntax())
                    .configure(
                        meta::Config::new()
                            .dfa(false)
                            .onepass(false)
                            .backtrack(false),
                    )
                    .build(self.patterns.get(r)?)
                    .ok()
            })
            .as_ref()
    }

    /// Classifies one line (without its line terminator).
    pub fn classify(&self, line: &[u8]) -> Classification {
        match self.find_at(line, 0) {
            Some((at, _)) => self.classify_at(line, at),
            None => Classification::default(),
        }
    }

    /// Classifies one line by asking every rule, anchors or not: the reference
    /// that [`Rules::classify`] must agree with, kept for tests and fuzzing.
    pub fn classify_exhaustive(&self, line: &[u8]) -> Classification {
        let mut out = Classification::default();
        for i in 0..self.singles.len() {
            if self.single(i).is_some_and(|re| re.is_match(line)) {
                out.add_rule(i, &self.rows);
            }
        }
        out
    }

    /// Classifies the matches lying wholly in `window[..end]` of a piece of a long
    /// line. The bytes after `end` are context only, so a match is never cut short
    /// by where the piece happens to end; a match that runs past `end` is found in
    /// the next piece, which starts with an overlap of this one.
    pub fn classify_piece(&self, window: &[u8], end: usize) -> Classification {
        let end = end.min(window.len());
        let Some(pieces) = self.pieces.get_or_init(|| self.build_pieces()) else {
            // Unreachable in practice (every pattern compiled alone when the table
            // was built); the piece alone is the next best thing.
            return self.classify_exhaustive(&window[..end]);
        };
        let mut out = Classification::default();
        let input = regex_automata::Input::new(window).span(0..end);
        let mut set = regex_automata::PatternSet::new(pieces.pattern_len());
        pieces.which_overlapping_matches(&input, &mut set);
        for pid in set.iter() {
            out.add_rule(pid.as_usize(), &self.rows);
        }
        out
    }

    fn build_pieces(&self) -> Option<meta::Regex> {
        // Bytes, not UTF-8: log lines may hold invalid UTF-8 and NULs, and a line must
        // still match. `(?-u)` keeps classes and boundaries ASCII, which also keeps
        // the literal prefilter small.
        // `multi_line` + `crlf` make `$` mean "end of line" both in a whole buffer and
        // in one line, with or without a CR before the LF.
        let syntax = regex_automata::util::syntax::Config::new()
            .unicode(false)
            .utf8(false)
            .multi_line(true)
            .crlf(true);
        meta::Builder::new()
            .syntax(syntax)
            .configure(meta::Config::new().match_kind(regex_automata::MatchKind::All))
            .build_many(&self.patterns)
            .ok()
    }
}

/// The search for `anchors` (a table's, and those of its context lines).
fn anchor_finder<A: AsRef<[u8]>>(anchors: &[A]) -> Result<Finder, RulesError> {
    Finder::new(anchors).map_err(|e| RulesError::Pattern(e.to_string()))
}

/// How a rule's pattern is read alone (as `RegexBuilder` with `unicode(false)`,
/// `multi_line(true)`, `crlf(true)`): to check it parses, to read its strings, and
/// to build its regex.
fn single_syntax() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
        .crlf(true)
}

/// The index of anchors by their first byte.
fn by_first_byte(anchors: &[&[u8]]) -> Arc<[Vec<usize>]> {
    let mut index = vec![Vec::new(); 256];
    for (i, a) in anchors.iter().enumerate() {
        if let Some(&b) = a.first() {
            index[usize::from(b)].push(i);
        }
    }
    index.into()
}

/// Whether every match of `hir` contains one of `anchors`: a literal contains one, a
/// concatenation has a part that does, an alternation's every branch does. What the
/// tests use to prove that searching for anchors alone finds every line a pattern
/// matches.
#[cfg(test)]
pub(crate) fn covered(hir: &regex_syntax::hir::Hir, anchors: &[&str]) -> bool {
    covered_by(hir, &|lit| {
        anchors
            .iter()
            .any(|a| lit.windows(a.len()).any(|w| w == a.as_bytes()))
    })
}

/// [`covered`], with the literals compared in ASCII lower case to `words` (which are
/// lower case): for a pattern read without its case folding.
#[cfg(test)]
pub(crate) fn covered_folding(hir: &regex_syntax::hir::Hir, words: &[String]) -> bool {
    covered_by(hir, &|lit| {
        let lower = lit.to_ascii_lowercase();
        words
            .iter()
            .any(|a| lower.windows(a.len()).any(|w| w == a.as_bytes()))
    })
}

/// Whether every match of `hir` holds a literal piece that `holds` accepts.
#[cfg(test)]
fn covered_by(hir: &regex_syntax::hir::Hir, holds: &dyn Fn(&[u8]) -> bool) -> bool {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(lit) => holds(&lit.0),
        HirKind::Concat(parts) => parts.iter().any(|p| covered_by(p, holds)),
        HirKind::Alternation(alts) => alts.iter().all(|p| covered_by(p, holds)),
        HirKind::Capture(c) => covered_by(&c.sub, holds),
        HirKind::Repetition(r) => r.min >= 1 && covered_by(&r.sub, holds),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(line: &str) -> Vec<&'static str> {
        let rules = Rules::new().unwrap();
        rules
            .classify(line.as_bytes())
            .categories
            .iter()
            .map(Category::as_str)
            .collect()
    }

    #[test]
    fn table_compiles_and_ids_are_unique() {
        // The piece classifier and each rule alone are built on first use: they
        // must build.
        let rules = Rules::new().unwrap();
        assert!(rules.build_pieces().is_some());
        for (i, r) in RULES.iter().enumerate() {
            assert!(rules.single(i).is_some(), "{}", r.id);
        }
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn a_line_says_which_kinds_of_context_anchor_it_holds() {
        // `airing` is a rule's anchor too: marked, it keeps its rules.
        let rules = Rules::new()
            .unwrap()
            .with_context_anchors(&["OpenClaw 20", "airing"], &["← connect "])
            .unwrap();
        let kinds = |line: &str| {
            let at = rules.find_at(line.as_bytes(), 0).map(|(m, _)| m).unwrap();
            rules.classify_line(line.as_bytes(), at)
        };
        let (class, seen) = kinds("[ws] ← connect client=cli version=2026.11.2");
        assert!(class.categories.is_empty());
        assert_eq!((seen.context, seen.version), (false, true));
        let (_, seen) = kinds("OpenClaw 2026.11.2 (abc1234)");
        assert_eq!((seen.context, seen.version), (true, false));
        let (class, seen) = kinds("[ws] ← connect scopes=operator.pairing: pairing required");
        assert!(class.categories.contains(Category::Pairing));
        assert_eq!((seen.context, seen.version), (true, true));
        let (_, seen) = kinds("device pairing approved");
        assert_eq!((seen.context, seen.version), (true, false));
    }

    #[test]
    fn every_match_holds_an_anchor() {
        // This is what makes searching for anchors alone exact: a line a rule
        // matches always holds one of that rule's anchors.
        for r in RULES {
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .multi_line(true)
                .crlf(true)
                .build()
                .parse(r.pattern)
                .unwrap();
            assert!(covered(&hir, r.anchors), "{}: {:?}", r.id, r.anchors);
        }
    }

    #[test]
    fn anchors_are_few_and_not_common_words() {
        let mut all: Vec<&str> = RULES
            .iter()
            .flat_map(|r| r.anchors.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        // Teddy, the SIMD multi-literal search, takes up to 64 literals. (Past 32 it
        // runs a slower form, but measured on a realistic corpus, specific anchors
        // that ordinary lines do not hold win over fewer, vaguer ones.)
        assert!(all.len() <= 64, "{} anchors", all.len());
        for common in [
            "conn", "code=", "reason=", "device=", "origin=", "token", "auth",
        ] {
            assert!(!all.contains(&common), "{common}");
        }
    }

    #[test]
    fn no_pattern_crosses_a_newline() {
        // A match that spans lines would make the whole-buffer search report one
        // event for two lines.
        for r in RULES {
            let re = regex::bytes::Regex::new(r.pattern).unwrap();
            assert!(!r.pattern.contains(r"\s"), "{} uses \\s", r.id);
            assert!(!re.is_match(b"\n"), "{}", r.id);
        }
    }

    #[test]
    fn no_pattern_starts_with_an_assertion() {
        // A piece of a long line starts at an arbitrary byte; a pattern that looks
        // behind its first byte could match there and not in the whole line.
        for r in RULES {
            for alt in r.pattern.split('|') {
                assert!(
                    !alt.starts_with('^') && !alt.starts_with(r"\b") && !alt.starts_with("(?-u:"),
                    "{}",
                    r.id
                );
            }
        }
    }

    #[test]
    fn pieces_classify_like_whole_lines() {
        let rules = Rules::new().unwrap();
        let line = b"x code=10080 y code=1008";
        // Cut right after "code=1008" of "code=10080": the context says no match.
        let c = rules.classify_piece(line, 11);
        assert!(c.categories.is_empty());
        let c = rules.classify_piece(line, line.len());
        assert_eq!(c, rules.classify(line));
    }

    #[test]
    fn closed_before_connect_pairing() {
        let line = "2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=320d827d-a7c1-41b1-9e08-29e57102324c peer=127.0.0.1:50420->127.0.0.1:18789 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=pairing required";
        assert_eq!(cats(line), ["pairing", "close_1008", "handshake"]);
    }

    #[test]
    fn connect_failed_close_is_handshake_only_in_text() {
        let line =
            "[ws] closed before connect conn=1 remote=127.0.0.1 code=1008 reason=connect failed";
        assert_eq!(cats(line), ["close_1008", "handshake"]);
        let line =
            "[ws] closed before connect conn=1 remote=192.168.1.9 code=4008 reason=connect failed";
        assert_eq!(cats(line), ["handshake"]);
    }

    #[test]
    fn ws_log_close_line() {
        let line = "10:30:12 [ws] → close code=1008 reason=pairing required durationMs=58 cause=pairing-required handshake=failed lastFrameType=req lastFrameMethod=connect conn=64e9a9b0…d56b";
        assert_eq!(cats(line), ["pairing", "close_1008", "handshake"]);
    }

    #[test]
    fn audit_upgrade_line() {
        let line = "security audit: device access upgrade requested reason=scope-upgrade device=0f1e ip=unknown-ip auth=token roleFrom=operator roleTo=operator scopesFrom=operator.read scopesTo=operator.admin client=gateway-client conn=abc";
        assert_eq!(cats(line), ["scope"]);
    }

    #[test]
    fn unauthorized_token_mismatch() {
        let line = "[ws] unauthorized conn=1 remote=10.0.0.2 client=cli cli v2026.4.12 role=operator scopes=2 auth=token device=yes platform=linux instance=n/a host=gw origin=n/a ua=n/a reason=token_mismatch";
        assert_eq!(cats(line), ["token", "auth"]);
        let close = "closed before connect conn=1 remote=10.0.0.2 code=1008 reason=unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)";
        assert_eq!(cats(close), ["close_1008", "token", "auth", "handshake"]);
    }

    #[test]
    fn client_side_texts() {
        assert_eq!(
            cats("gateway connect failed: GatewayClientRequestError: pairing required"),
            ["pairing", "handshake"]
        );
        assert_eq!(
            cats("gateway closed (1008): pairing required"),
            ["pairing", "close_1008", "handshake"]
        );
        assert_eq!(
            cats("disconnected (1008): pairing required"),
            ["pairing", "close_1008", "handshake"]
        );
        assert_eq!(
            cats(
                "Pairing required. Run `openclaw devices list`, approve your request ID, then reconnect."
            ),
            ["pairing"]
        );
        assert_eq!(
            cats(
                "[2026-04-11T08:30:12.404Z] [WARN ] [Gateway stderr] Gateway WebSocket closed (code=1008, reason=pairing required, handshake=failed)"
            ),
            ["pairing", "close_1008", "handshake"]
        );
        assert_eq!(
            cats("close(1008) \"pairing required\""),
            ["pairing", "close_1008"]
        );
    }

    #[test]
    fn scope_denials() {
        let line = "⇄ res ✗ sessions.patch 4ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.admin conn=b83a4598…3404";
        assert_eq!(cats(line), ["scope"]);
        assert_eq!(
            cats("gateway connect failed: scope upgrade pending approval (requestId: 1f2e)"),
            ["pairing", "scope", "handshake"]
        );
    }

    #[test]
    fn dm_pairing_lines() {
        assert_eq!(
            cats("discord pairing request sender=1234 tag=mia#0001 (matchKey=dm matchSource=id)"),
            ["dm_pairing"]
        );
        assert_eq!(cats("OpenClaw: access not configured."), ["dm_pairing"]);
        assert_eq!(
            cats(
                "Blocked unauthorized telegram sender 99 (dmPolicy=allowlist, reason=not-allowed)"
            ),
            ["dm_pairing"]
        );
    }

    #[test]
    fn exec_and_config_lines() {
        assert_eq!(
            cats(
                "Exec approval registration failed: Error: gateway closed (1008): pairing required"
            ),
            ["pairing", "close_1008", "handshake", "exec_approvals"]
        );
        assert_eq!(
            cats("exec denied: host=gateway security=deny"),
            ["exec_approvals"]
        );
        assert_eq!(
            cats("- gateway: Unrecognized key: \"localExec\""),
            ["config"]
        );
    }

    #[test]
    fn device_identity_and_tokens() {
        assert_eq!(
            cats("code=1008 reason=device signature expired"),
            ["close_1008", "auth"]
        );
        assert_eq!(
            cats("device token rotated device=ab role=operator scopes=operator.read"),
            ["token"]
        );
        assert_eq!(cats("details.code=AUTH_DEVICE_TOKEN_MISMATCH"), ["token"]);
    }

    #[test]
    fn decoys_are_not_events() {
        for line in [
            "author=mia committed the change",
            "authored by mia",
            "OAuth login complete for provider=google",
            "maxTokens=4096 tokens=812",
            "Tokens: 812 in / 44 out",
            "[ws] ← connect client=cli version=2026.4.12 auth=token conn=abc",
            "Browser control listening on http://127.0.0.1:18791/ (auth=token)",
            "hasDeviceToken=true",
            "[ws] webchat disconnected code=1001 reason=n/a conn=abc",
            "[ws] → close code=1005 reason=n/a durationMs=1200",
            "conn=64e91008-b46a-4288-bdc2-5167dd59ea96 id=10080",
            "code=10080 reason=nope",
            "service restart (1012)",
            // Benign lines of current releases (§7.1, §7.2).
            "[ws] authenticated user disconnected code=1000 reason=n/a conn=c9 user=u1",
            "[gateway] security audit: trusted-proxy operator device auto-approved user=mia device=0c4f9a2b11de scopes=operator.read",
            "[ws] webchat disconnected code=1012 reason=node capabilities changed conn=c",
            "Approved pairing for operator mia",
        ] {
            assert!(cats(line).is_empty(), "{line}: {:?}", cats(line));
        }
    }

    /// One realistic line per rule (constructed ids), from the templates in the facts.
    const EXAMPLES: &[(&str, &str)] = &[
        (
            "pairing_required",
            "2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=1c2d remote=192.168.1.5 code=1008 reason=pairing required: device is not approved yet (requestId: 7d1c2a9e-0b6f-4f51-9a51-3d1f1c0e2b44)",
        ),
        (
            "not_paired",
            r#"GatewayClientRequestError: {"code":"NOT_PAIRED","message":"pairing required"}"#,
        ),
        (
            "pairing_auto_approved",
            "[gateway] device pairing auto-approved device=3b1d0c9e8f7a6b5c role=operator",
        ),
        (
            "pairing_approved",
            "[gateway] device pairing approved device=3b1d0c9e8f7a6b5c role=node",
        ),
        (
            "pairing_removed",
            "[gateway] device pairing removed device=3b1d0c9e8f7a6b5c",
        ),
        (
            "pairing_removal_denied",
            "[gateway] device pairing removal denied device=3b1d reason=device-ownership-mismatch",
        ),
        (
            "pair_event",
            "[ws] → event device.pair.requested requestId=c41f7a02…8e19 deviceId=9f2c…6f70 conn=5f0c91aa…77d2",
        ),
        (
            "device_removed",
            "[ws] webchat disconnected code=4001 reason=device removed conn=77aa",
        ),
        (
            "reapprove",
            "closed before connect conn=c code=1008 reason=pairing required: device identity changed and must be re-approved (requestId: 1a2b)",
        ),
        (
            "devices_approve",
            "Pairing required. Run `openclaw devices list`, then `openclaw devices approve 1a2b3c4d`.",
        ),
        ("close_1008", "gateway closed (1008): pairing required"),
        (
            "token_code",
            "[ws] unauthorized conn=c remote=10.0.0.2 client=cli cli v2026.4.12 reason=token_mismatch",
        ),
        (
            "gateway_token",
            "reason=unauthorized: gateway token not configured on gateway (set gateway.auth.token)",
        ),
        (
            "device_token",
            "reason=unauthorized: device token rejected (pair/repair this device, or provide gateway token)",
        ),
        (
            "device_token_lifecycle",
            "[gateway] device token rotated device=aa00bb11 role=operator scopes=operator.read",
        ),
        (
            "device_token_denied",
            "[gateway] device token rotation denied device=aa00bb11 role=operator reason=scope-not-held scope=operator.admin",
        ),
        (
            "device_token_scope",
            "reason=unauthorized: device token scope mismatch (re-pair or approve scope upgrade)",
        ),
        (
            "bootstrap_token",
            "[gateway] bootstrap token revoke skipped after pairing device=aa00bb11",
        ),
        (
            "token_details",
            r#"details={"code":"AUTH_DEVICE_TOKEN_MISMATCH"}"#,
        ),
        (
            "unauthorized_conn",
            "[ws] unauthorized conn=c remote=10.0.0.2 client=cli cli v2026.4.10 reason=password_mismatch",
        ),
        (
            "unauthorized_close",
            "disconnected (1008): unauthorized: too many failed authentication attempts (retry later)",
        ),
        (
            "unauthorized_cause",
            r#"{"cause":"unauthorized","authReason":"token_missing"}"#,
        ),
        (
            "repeated_unauthorized",
            "[ws] closed before connect conn=c code=1008 reason=repeated unauthorized calls",
        ),
        (
            "password_code",
            "reason=unauthorized: gateway password not configured on gateway (set gateway.auth.password)",
        ),
        (
            "tailscale",
            "reason=unauthorized: tailscale identity mismatch (check tailscale serve)",
        ),
        (
            "auth_changed",
            "[ws] webchat disconnected code=4001 reason=gateway auth changed conn=c",
        ),
        (
            "device_identity",
            "[ws] closed before connect conn=c code=1008 reason=device signature expired",
        ),
        (
            "control_ui_insecure",
            "code=1008 reason=control ui requires device identity (use HTTPS or localhost secure context)",
        ),
        (
            "origin",
            "code=1008 reason=origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)",
        ),
        (
            "locality",
            "[ws] Loopback connection with non-local Host header. Treating it as remote. host=gw.example.net",
        ),
        (
            "untrusted_proxy",
            "[ws] Proxy headers detected from untrusted address. Connection will not be treated as local. remote=172.17.0.1",
        ),
        (
            "proxy_attribution",
            r#"gateway connect failed: Error: gateway rejected websocket upgrade (HTTP 403): {"error":{"message":"Proxy client attribution is required.","type":"proxy_attribution_required"}}"#,
        ),
        (
            "upgrade_rejected",
            "gateway connect failed: Error: gateway rejected websocket upgrade (HTTP 429): rate limited",
        ),
        (
            "verified_identity",
            "gateway closed (1008): operator role policies require a verified user identity for this authentication method; use an identity-aware route",
        ),
        (
            "ui_auth",
            "Auth failed. Re-copy a tokenized URL with openclaw dashboard --no-open, or update the token, then click Connect.",
        ),
        ("auth_translated", "未授权：认证失败次数过多（请稍后重试）"),
        ("token_translated", "此 Gateway 需要令牌"),
        (
            "trusted_proxy_token",
            "Gateway failed to start: Error: gateway auth mode is trusted-proxy, but a shared token is also configured; remove gateway.auth.token / OPENCLAW_GATEWAY_TOKEN because trusted-proxy and token auth are mutually exclusive",
        ),
        ("identity_translated", "连接网关失败：设备签名无效"),
        (
            "device_identity",
            r#"{"ok":false,"error":{"code":"INVALID_REQUEST","details":{"code":"DEVICE_AUTH_PUBLIC_KEY_INVALID","reason":"device-public-key"}}}"#,
        ),
        (
            "device_identity",
            "connect rejected reason=device-nonce-missing",
        ),
        (
            "companion_pair_step",
            "Step 'pair-node' failed (attempt 1/3), retrying in 3s: Node connection failed: Error",
        ),
        (
            "companion_pair_step",
            r#"{"level":"warn","msg":"Step \u0027pair-operator\u0027 failed: Operator connection failed: Error"}"#,
        ),
        (
            "setup_code",
            "reason=unauthorized: setup code invalid, expired, revoked, or already used (create a new code; review `openclaw devices list`)",
        ),
        ("capability_pending", "Capability: pairing-pending"),
        ("pairing_outcome", "disconnected (1008): pairing rejected"),
        ("waits_for_approval", "Error: 1 device waits for approval"),
        ("ui_approve_browser", "Approve this browser"),
        (
            "browser_copilot",
            "gateway closed (1008): browser copilot requires a dedicated paired device identity",
        ),
        (
            "waiting_for_pairing",
            "[ClawX] Waiting for pairing approval on the gateway host",
        ),
        ("pairing_translated", "此设备需要网关主机的配对批准。"),
        ("not_paired_reason", r#"      "reason": "not-paired","#),
        (
            "own_scope_upgrade",
            "This device can't approve its own scope upgrade. Approve it from the Control UI or another authorized device.",
        ),
        (
            "access_upgrade",
            "[gateway] security audit: device access upgrade requested reason=scope-upgrade device=0c4f ip=unknown-ip auth=token client=gateway-client conn=c",
        ),
        (
            "upgrade_reason",
            r#"{"cause":"pairing-required","reason":"metadata-upgrade"}"#,
        ),
        (
            "missing_scope",
            "[ws] ⇄ res ✗ sessions.patch 4ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.admin",
        ),
        (
            "upgrade_pending",
            "gateway connect failed: GatewayClientRequestError: role upgrade pending approval (requestId: 5b0f3c2e)",
        ),
        (
            "more_than_approved",
            "reason=pairing required: device is asking for more scopes than currently approved (requestId: 5b0f)",
        ),
        (
            "closed_before_connect",
            "[ws] closed before connect conn=c remote=10.0.0.9 code=1000 reason=n/a",
        ),
        (
            "handshake_ws",
            "[ws] handshake timeout conn=c peer=10.0.0.9:51000->10.0.0.5:18789 remote=10.0.0.9",
        ),
        (
            "handshake_failed",
            "[ws] → close code=1000 reason=n/a durationMs=10000 cause=handshake-timeout handshake=failed",
        ),
        (
            "client_connect_failed",
            "gateway connect failed: Error: pairing required",
        ),
        (
            "client_closed",
            "gateway closed (1006 abnormal closure (no close frame)): no close reason",
        ),
        ("ui_disconnected", "disconnected (4008): connect failed"),
        (
            "clawx_closed",
            "[2026-04-11T08:30:16.300Z] [WARN ] Gateway WebSocket closed (code=1006, reason=, handshake=pending)",
        ),
        (
            "connect_challenge",
            "gateway closed (1008): connect challenge missing nonce",
        ),
        (
            "code_4008",
            "[ws] closed before connect conn=c remote=192.168.1.50 code=4008 reason=connect failed",
        ),
        (
            "dm_pairing_request",
            "whatsapp pairing request sender=+15551234567 name=unknown",
        ),
        ("dm_access", "OpenClaw: access not configured."),
        (
            "dm_blocked",
            "Blocked unauthorized telegram sender 5512345678 (dmPolicy=allowlist, reason=not-allowed)",
        ),
        ("dm_policy", "discord: drop dm (dmPolicy: disabled)"),
        (
            "exec_registration",
            "Exec approval registration failed: Error: gateway closed (1008): pairing required",
        ),
        (
            "exec_denied",
            "Exec denied (gateway id=ab12, approval-timeout): rm -rf build",
        ),
        (
            "exec_set_params",
            "[ws] ⇄ res ✗ exec.approvals.set 2ms errorMessage=invalid exec.approvals.set params: at /file/defaults: unexpected property 'mode'",
        ),
        (
            "exec_legacy",
            "Legacy exec approvals exist at ~/.openclaw/exec-approvals.json. Run `openclaw doctor --fix` before using exec approvals.",
        ),
        (
            "exec_file",
            "[gateway] reading ~/.openclaw/exec-approvals.json failed: Unexpected token",
        ),
        (
            "config_invalid",
            "Invalid config at /home/mia/.openclaw/openclaw.json:",
        ),
        ("config_key", "- agents: Unrecognized key: \"subagents\""),
        (
            "config_bind_alias",
            "[gateway] gateway.bind host aliases (127.0.0.1) are legacy; use \"loopback\"",
        ),
    ];

    #[test]
    fn every_rule_matches_its_example_and_finds_the_line() {
        let rules = Rules::new().unwrap();
        for r in RULES {
            let (_, line) = EXAMPLES
                .iter()
                .find(|(id, _)| *id == r.id)
                .unwrap_or_else(|| panic!("rule {} has no example line", r.id));
            let re = regex::bytes::RegexBuilder::new(r.pattern)
                .unicode(false)
                .build()
                .unwrap();
            assert!(re.is_match(line.as_bytes()), "{}: {line}", r.id);
            // The whole pipeline's view: an anchor is found and confirmed, and the
            // classifier gives the rule's categories.
            let b = line.as_bytes();
            let (at, _) = rules
                .find_at(b, 0)
                .unwrap_or_else(|| panic!("{}: no anchor", r.id));
            let cats = rules.classify_at(b, at).categories;
            assert_eq!(cats, rules.classify_exhaustive(b).categories, "{}", r.id);
            for c in r.categories {
                assert!(cats.contains(*c), "{}: {c}", r.id);
            }
        }
    }

    #[test]
    fn anchored_classification_agrees_with_the_set() {
        let rules = Rules::new().unwrap();
        for line in [
            "→ close code=1000 handshake=connected localAddr=127.0.0.1 scopes=operator.pairing",
            "x handshake=connected then closed before connect code=1008",
            "OAuth token refreshed for operator.approvals",
            "device pairing auto-approved device=ab role=operator",
            "scopes=operator.pairing,operator.approvals localPort=1 1008x",
            "author=x auth=token",
            // An anchor whose first place is not a string of its rules, the second is.
            "scopes=operator.pairing then pairing required",
            "pairing pairing required pairing",
            "PAIR PAIRING_ PAIRING_REQUIRED",
            "device.pair device.pair.requested",
        ] {
            let b = line.as_bytes();
            assert_eq!(rules.classify(b), rules.classify_exhaustive(b), "{line}");
        }
    }

    #[test]
    fn most_rules_are_strings_compared_where_their_anchor_is() {
        let rules = Rules::new().unwrap();
        let mut strings = 0;
        for (i, r) in RULES.iter().enumerate() {
            let hir =
                regex_automata::util::syntax::parse_with(r.pattern, &single_syntax()).unwrap();
            let Some(checks) = literal_checks(&hir, i, r.anchors) else {
                continue;
            };
            strings += 1;
            let re = regex::bytes::Regex::new(&format!("^(?:{})$", r.pattern)).unwrap();
            for (anchor, c) in &checks {
                let text = &c.text[..];
                // Each string is a whole match of the rule and holds its anchor there.
                let shown = String::from_utf8_lossy(text);
                assert!(re.is_match(text), "{}: {shown:?}", r.id);
                assert!(text[c.back..].starts_with(anchor.as_bytes()), "{}", r.id);
                assert!(c.probe < text.len() && c.rule == i, "{}", r.id);
                // Found inside other text, and not found once cut short at either end.
                let line = [b"x ", text, b" y"].concat();
                let class = rules.classify(&line);
                assert_eq!(class, rules.classify_exhaustive(&line), "{}", r.id);
                assert!(!class.categories.is_empty(), "{}", r.id);
                // Glued to a word byte or a non-word one, at either end (a string
                // followed by a word boundary must not be found before a word byte).
                for glued in [
                    [text, b"x"].concat(),
                    [text, b"_1"].concat(),
                    [text, b"-"].concat(),
                    [b"x", text].concat(),
                ] {
                    assert_eq!(
                        rules.classify(&glued),
                        rules.classify_exhaustive(&glued),
                        "{}: {shown:?}",
                        r.id
                    );
                }
                for cut in [&text[1..], &text[..text.len() - 1]] {
                    assert_eq!(
                        rules.classify(cut),
                        rules.classify_exhaustive(cut),
                        "{}",
                        r.id
                    );
                }
            }
            assert!(
                rules.anchor_rules.iter().all(|rs| !rs.contains(&i)),
                "{}",
                r.id
            );
        }
        // The table's rules are mostly plain strings; a change to the extraction that
        // sent them back to the regexes would be slower, not wrong, so say so here.
        assert!(
            strings * 4 >= RULES.len() * 3,
            "{strings} of {}",
            RULES.len()
        );
    }

    #[test]
    fn a_word_boundary_is_checked_at_each_place() {
        let rules = Rules::new().unwrap();
        let close = |line: &[u8]| {
            let class = rules.classify(line);
            assert_eq!(class, rules.classify_exhaustive(line), "{line:?}");
            class.categories.contains(Category::Close1008)
        };
        // The first place fails the boundary, a later one passes.
        assert!(close(b"x code=10080 y code=1008"));
        assert!(!close(b"x code=10080 y code=1008_"));
        // After the string: the line's end, a CR, a byte past ASCII (not word bytes
        // to `\b` without Unicode), a word byte.
        assert!(close(b"code=1008"));
        assert!(close(b"code=1008\r x"));
        assert!(close(b"(1008\xe9"));
        assert!(!close(b"(1008a"));
        for line in [
            &b"a pairing requests b"[..],
            b"a pairing request\xff",
            b"device-id-mismatchx",
        ] {
            assert_eq!(
                rules.classify(line),
                rules.classify_exhaustive(line),
                "{line:?}"
            );
        }
        // One string with and without the boundary, in two branches: either matches.
        let table = [Rule {
            id: "x",
            categories: &[Pairing],
            pattern: r"abc(?-u:\b)|abcd",
            anchors: &["abc"],
            level: None,
        }];
        let own = Rules::from_table(&table).unwrap();
        assert!(own.anchor_rules.iter().all(Vec::is_empty), "a string rule");
        for (line, want) in [
            ("abc", true),
            ("abcd", true),
            ("abcx", false),
            ("x abc y", true),
        ] {
            let got = !own.classify(line.as_bytes()).categories.is_empty();
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn a_rule_without_an_anchor_is_an_error() {
        for anchors in [&[][..], &[""][..], &["abc", ""][..]] {
            let table = [Rule {
                id: "x",
                categories: &[Pairing],
                pattern: "abc",
                anchors,
                level: None,
            }];
            assert!(Rules::from_table(&table).is_err(), "{anchors:?}");
        }
    }

    #[test]
    fn only_finite_sets_with_at_most_a_final_word_boundary_are_strings() {
        let strings = |p: &str, anchors: &[&'static str]| {
            let hir = regex_automata::util::syntax::parse_with(p, &single_syntax()).unwrap();
            literal_checks(&hir, 0, anchors)
        };
        let checks = strings(r"device\.pair\.(?:requested|resolved)", &[".pair."]).unwrap();
        let texts: Vec<&[u8]> = checks.iter().map(|(_, c)| &c.text[..]).collect();
        assert_eq!(
            texts,
            [&b"device.pair.requested"[..], b"device.pair.resolved"]
        );
        // The byte after the anchor is compared first; where the anchor ends the
        // string, the one before it; where it is the string, its first.
        assert!(
            checks
                .iter()
                .all(|(a, c)| *a == ".pair." && c.back == 6 && c.probe == 12)
        );
        assert_eq!(strings("x 1008", &["1008"]).unwrap()[0].1.probe, 1);
        assert_eq!(strings("1008", &["1008"]).unwrap()[0].1.probe, 0);
        // Look-around (but a word boundary ending a branch after a word byte),
        // unbounded repetition, a wide class: asked as regexes.
        assert!(strings(r"\bauth failed\b", &["uth failed"]).is_none());
        assert!(strings(r"auth failed$", &["uth failed"]).is_none());
        assert!(strings(r"auth failed(?-u:\b)x", &["uth failed"]).is_none());
        assert!(strings(r"auth failed:(?-u:\b)", &["uth failed"]).is_none());
        let bounded = strings(r"code=1008(?-u:\b)|\(1008(?-u:\b)|1008 pairing", &["1008"]).unwrap();
        let ends: Vec<(&[u8], bool)> = bounded
            .iter()
            .map(|(_, c)| (&c.text[..], c.word_end))
            .collect();
        assert_eq!(
            ends,
            [
                (&b"code=1008"[..], true),
                (b"(1008", true),
                (b"1008 pairing", false)
            ]
        );
        assert!(strings(r"[0-9]+ waiting for approval", &["approval"]).is_none());
        assert!(strings(r"code=1008 .* closed", &["1008"]).is_none());
        // Too many strings to compare at every place of one anchor; as many spread
        // over two anchors are compared.
        let many = "(?:role|scope|metadata|name|device|node) (?:upgrade|change) (?:pending|requested|denied|seen)";
        assert!(strings(many, &[" upgrade ", " change "]).is_none());
        let spread =
            "(?:role|scope|metadata|name) (?:upgrade|change) (?:pending|requested|denied|seen)";
        assert_eq!(
            strings(spread, &[" upgrade ", " change "]).unwrap().len(),
            32
        );
        // A string holding none of the rule's anchors.
        assert!(strings(r"pairing required|NOT_PAIRED", &["airing"]).is_none());
    }

    #[test]
    fn finder_finds_every_event_line() {
        let rules = Rules::new().unwrap();
        for line in [
            "x code=1008 y",
            "OpenClaw: access not configured.",
            "nothing here",
            "author=x",
        ] {
            let found = rules.find_at(line.as_bytes(), 0).is_some();
            let classified = !rules
                .classify_exhaustive(line.as_bytes())
                .categories
                .is_empty();
            assert!(found || !classified, "{line}");
        }
    }

    #[test]
    fn category_names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_name(c.as_str()), Some(c));
        }
        assert_eq!(Category::from_name("nope"), None);
    }
}
