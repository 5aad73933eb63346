//! Per-line facts: what kind of line a record is for the diagnosis, and which of the
//! diagnosis' fixed phrases it holds.
//!
//! The diagnosis asks about a hundred fixed questions of every line ("does it say
//! `Proxy headers detected from untrusted address`?"). Asked one by one on the
//! writer thread, they were the costliest part of a record; here they are one table,
//! answered for every record in one search pass (two for a line in Chinese) where
//! the record is built (on the search's worker threads), and kept beside the record
//! as two bit sets. The diagnosis then reads bits (`text_has!`, `message_has!`) and
//! the line's [`LineKind`], which is decided once, here.
//!
//! This module owns the phrase tables, the line kind and the pasted-command reader.
//! It does not say what a phrase means for a cause (that is `diagnose::incident`),
//! nor which lines are records (that is `search::rules`).

use std::sync::{LazyLock, OnceLock};

use crate::literals::{self, Finder};
use crate::record::Record;
use crate::text::{find_literal, first_line};

/// The phrases the diagnosis looks for anywhere in a record's `text` (the whole line,
/// or the joined lines of a multi-line event). A phrase named in a `text_has!` but
/// missing here is a compile error.
pub const TEXT_PHRASES: &[&str] = &[
    "Proxy headers detected from untrusted address",
    "Loopback connection with non-local Host header",
    "Blocked unauthorized ",
    "drop dm (dmPolicy",
    "Invalid config at ",
    "Config invalid",
    "JSON5 parse failed",
    "Unrecognized key",
    "Invalid option: expected one of",
    "gateway.bind host aliases",
    "Config was last written by a newer OpenClaw",
    "dmPolicy=",
    "requires channels.",
    " pairing request",
    "access not configured.",
    "Pairing code:",
    "openclaw pairing approve",
    "openclaw pairing list",
    "Ask the bot owner",
    "user id: ",
    "xec denied",
    "SYSTEM_RUN_DENIED",
    "Legacy exec approvals exist",
    "invalid exec.approvals.",
    "exec-approvals.json",
    "device pairing auto-approved",
    "device pairing approved",
    "device pairing removed",
    "device pairing removal denied",
    "device token rotated",
    "device token revoked",
    "bootstrap token revoke skipped",
    "device token rotation denied",
    "sessions_spawn",
    "subagent",
    "sub-agent",
    "PAIRING_REQUIRED",
    "NOT_PAIRED",
    "proxy_attribution_required",
    "roxy client attribution is required",
    "ingress attribution required",
    "missing prepared ingress attribution",
    "unattributable proxy-shaped traffic",
    "Capability: pairing-pending",
    " for approval",
    "pprove this browser",
    "Approve the new access level",
    "Approve the new role",
    "Pair this browser",
    "aiting for pairing",
    "aiting for device approval",
    "airing pending",
    "airing approval pending",
    "配对",
    "批准此浏览器",
    "browser",
    "浏览器",
    "Approve the new",
    "此设备需要网关主机的配对批准",
    "Re-approve this browser",
    "pairing rejected",
    "pairing expired",
    "pairing superseded",
    "Access request declined",
    "Access request expired",
    "PAIRING_REJECTED",
    "PAIRING_EXPIRED",
    "Pairing link is no longer valid",
    "Access request",
    "Pairing link",
    "browser copilot requires a dedicated paired device",
    "can't approve its own scope upgrade",
    "未授权",
    "não autorizado",
    "令牌",
    "身份验证",
    "认证失败",
    "设备令牌",
    "次数过多",
    "Gateway secret rejected",
    "This Gateway expects its",
    "gateway auth failed",
    "Auth failed. Re-copy a tokenized URL",
    "expects its password",
    "Too many failed attempts",
    "Secure browser context required",
    "Browser origin not allowed",
    "require a verified user identity",
    "Verified identity required",
    "AUTH_VERIFIED_USER_REQUIRED",
    "AUTH_IDENTITY_HEADER_REQUIRED",
    "trusted-proxy, but a shared token is also configured",
    "设备签名",
    "setup code invalid, expired, revoked",
    "[openclaw] Failed to start CLI",
    "Pairing required. Run `openclaw devices list`",
    "node host gateway",
    "Gateway WebSocket closed (",
    "security=deny",
    "auto-approved",
    "removal denied",
    "removed",
    "\"localExec\"",
    "\"subagents\"",
    "\"allowedUsers\"",
    "allowFrom",
    "AUTH_TOKEN_MISMATCH",
    "AUTH_TOKEN_MISSING",
    "AUTH_DEVICE_TOKEN_MISMATCH",
    "DEVICE_AUTH_SIGNATURE_EXPIRED",
    "device-signature-stale",
    "DEVICE_AUTH_NONCE_",
    "device-nonce-",
    "DEVICE_AUTH_SIGNATURE_INVALID",
    "DEVICE_AUTH_DEVICE_ID_MISMATCH",
    "DEVICE_AUTH_PUBLIC_KEY_INVALID",
    "device-id-mismatch",
    "device-public-key",
    "CONTROL_UI_DEVICE_IDENTITY_REQUIRED",
    "DEVICE_IDENTITY_REQUIRED",
    "pair-node' failed",
    "pair-operator' failed",
    "pair-node\\u0027 failed",
    "pair-operator\\u0027 failed",
];

/// The phrases the diagnosis looks for in a record's `message` (without its leading
/// white space).
pub const MESSAGE_PHRASES: &[&str] = &[
    "security audit: device ",
    " upgrade requested",
    "gateway connect failed: ",
    "gateway closed (",
    "Gateway WebSocket closed (",
    " disconnected (",
    "Pairing required.",
    "scope upgrade pending approval",
    "Exec approval registration failed",
    "metadata upgrade",
    "metadata",
    "device.pair.requested",
    "invalid exec.approvals.",
    "sessions.patch",
    "sessions.spawn",
    "gateway connect failed",
];

// One bit a phrase.
const _: () = assert!(TEXT_PHRASES.len() <= 128 && MESSAGE_PHRASES.len() <= 128);

/// A phrase of [`TEXT_PHRASES`], by index.
#[derive(Clone, Copy, Debug)]
pub struct TextPhrase(u8);

/// A phrase of [`MESSAGE_PHRASES`], by index.
#[derive(Clone, Copy, Debug)]
pub struct MessagePhrase(u8);

/// The text phrase `p`; a compile-time error (in a `const` block) when the table
/// lacks it.
pub const fn text_phrase(p: &str) -> TextPhrase {
    TextPhrase(index_of(TEXT_PHRASES, p))
}

/// The message phrase `p`; a compile-time error (in a `const` block) when the table
/// lacks it.
pub const fn message_phrase(p: &str) -> MessagePhrase {
    MessagePhrase(index_of(MESSAGE_PHRASES, p))
}

const fn index_of(table: &[&str], p: &str) -> u8 {
    let mut i = 0;
    while i < table.len() {
        if same(table[i].as_bytes(), p.as_bytes()) {
            return i as u8;
        }
        i += 1;
    }
    panic!("phrase not in the table of src/line_facts.rs")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether a record's text holds a phrase of [`TEXT_PHRASES`]:
/// `text_has!(rec.facts(), "Pairing code:")`.
macro_rules! text_has {
    ($facts:expr, $p:literal) => {
        $facts.text_has(const { $crate::line_facts::text_phrase($p) })
    };
}
pub(crate) use text_has;

/// Whether a record's message holds a phrase of [`MESSAGE_PHRASES`].
macro_rules! message_has {
    ($facts:expr, $p:literal) => {
        $facts.message_has(const { $crate::line_facts::message_phrase($p) })
    };
}
pub(crate) use message_has;

/// How many bytes of a phrase stand for it in the search (see [`PhraseSet`]).
const WINDOW_BYTES: usize = 6;

/// What a pattern of a [`PhraseSet`] is: a bit of the text's set or of the message's.
#[derive(Clone, Copy, Debug)]
enum Bit {
    Text(u8),
    Message(u8),
}

/// The phrases a window stands for (indices into [`PhraseSet`]'s `phrases`), each
/// with where the window starts in it and the byte of it compared first (see
/// [`literals::probe`]).
type StoodFor = Vec<(usize, usize, usize)>;

/// Phrases of both tables in one search, so that one pass over a record's text
/// answers both when its message is the end of its text, as in every format but
/// JSON (whose message is unescaped). The phrases are in two such sets (see
/// [`PhraseSet::for_haystack`]).
///
/// Each phrase is looked for by one of its windows: [`WINDOW_BYTES`] bytes of it,
/// chosen so that few windows stand for all the phrases (`airing` for the nineteen
/// that say pairing), few enough for Teddy, the SIMD search the rules' anchors use
/// ([`Finder`]). Where a window starts, each phrase it stands for is compared
/// whole, at the window's place in that phrase. Every place where a window starts
/// is visited, so every occurrence of every phrase is found, once.
///
/// This replaced an Aho-Corasick automaton over the phrases' first 12 bytes (issue
/// 21): its DFA read a record in 4–6 k instructions but took 0.5 MB and ~12 M
/// instructions to build, so the first 2,048 records were read with its NFA, at
/// ~25 k each.
struct PhraseSet {
    phrases: Vec<&'static str>,
    bits: Vec<Bit>,
    /// The windows, the finder's literals.
    windows: Vec<&'static [u8]>,
    /// For each window, the phrases it stands for.
    phrases_of_window: Vec<StoodFor>,
    /// The windows shorter than [`WINDOW_BYTES`] (phrases that short; none in the
    /// tables): where the finder reports a full-length window, only such a one can
    /// start there too.
    short_windows: Vec<usize>,
    finder: Finder,
}

impl PhraseSet {
    /// The phrases of both tables that `keep` keeps.
    fn of(keep: fn(&str) -> bool) -> PhraseSet {
        let text = (0u8..).zip(TEXT_PHRASES).map(|(i, p)| (Bit::Text(i), *p));
        let message = (0u8..)
            .zip(MESSAGE_PHRASES)
            .map(|(i, p)| (Bit::Message(i), *p));
        let (bits, phrases) = text.chain(message).filter(|(_, p)| keep(p)).unzip();
        PhraseSet::new(bits, phrases)
    }

    /// A set of these phrases, with their bits.
    fn new(bits: Vec<Bit>, phrases: Vec<&'static str>) -> PhraseSet {
        let (windows, phrases_of_window) = choose_windows(&phrases);
        let short_windows = (0..windows.len())
            .filter(|&w| windows[w].len() < WINDOW_BYTES)
            .collect();
        // A few dozen short literals are far below the automaton's limits (a test
        // builds both sets): failing here would be a bug in the table, not the input.
        #[allow(clippy::expect_used)]
        let finder = Finder::new(&windows).expect("the phrase windows are a small literal set");
        PhraseSet {
            phrases,
            bits,
            windows,
            phrases_of_window,
            short_windows,
            finder,
        }
    }

    /// Calls `found` with the bit and the start of every occurrence of every phrase
    /// of the set in `hay`.
    fn each(&self, hay: &[u8], mut found: impl FnMut(Bit, usize)) {
        let mut next = self.finder.find_literal_at(hay, 0);
        while let Some((at, reported)) = next {
            let rest = &hay[at..];
            // The window reported, and any other starting there too: two windows of
            // one length cannot start at one place, so where a full one was
            // reported only a shorter one can (none in the tables), and where a
            // shorter one was, any.
            let (any, short) = if self.windows[reported].len() < WINDOW_BYTES {
                (0..self.windows.len(), &[][..])
            } else {
                (0..0, &self.short_windows[..])
            };
            let others = any
                .chain(short.iter().copied())
                .filter(|&w| w != reported && rest.starts_with(self.windows[w]));
            let windows = std::iter::once(reported).chain(others);
            for w in windows {
                for &(p, back, probe) in &self.phrases_of_window[w] {
                    let phrase = self.phrases[p].as_bytes();
                    if let Some(from) = at.checked_sub(back)
                        && literals::starts_at(hay, from, phrase, probe)
                    {
                        found(self.bits[p], from);
                    }
                }
            }
            next = self.finder.find_literal_at(hay, at + 1);
        }
    }

    /// The sets that can match in `hay`. The eleven phrases in Chinese (translated
    /// UIs) have a set of their own, searched only in a haystack that holds a lead
    /// byte of their characters: not in most lines, whose non-ASCII is the log's
    /// arrows, ticks and ellipses (`←`, `✓`, `…`). Nearly every line is then
    /// searched for fewer windows (with an automaton, they also made its DFA's
    /// rows twice as wide).
    fn for_haystack(hay: &str) -> impl Iterator<Item = &'static PhraseSet> {
        std::iter::once(&*LATIN).chain(has_cjk(hay).then(|| &*CJK))
    }
}

/// Few windows that together stand for every phrase, greedily: the window held by
/// the most phrases not yet stood for, until none is left (on a tie, the least in
/// byte order, so the choice is the same on every run). Each phrase is then stood
/// for by the first chosen window it holds, at that window's first place in it. A
/// phrase shorter than [`WINDOW_BYTES`] is its own window.
fn choose_windows(phrases: &[&'static str]) -> (Vec<&'static [u8]>, Vec<StoodFor>) {
    const WORDS: usize = 4;
    debug_assert!(phrases.len() <= 64 * WORDS && phrases.iter().all(|p| !p.is_empty()));
    let windows_in = |p: &'static str| -> Vec<&'static [u8]> {
        let b = p.as_bytes();
        if b.len() <= WINDOW_BYTES {
            vec![b]
        } else {
            b.windows(WINDOW_BYTES).collect()
        }
    };
    // Every window with the set of phrases holding it, in byte order.
    let mut pairs: Vec<(&'static [u8], usize)> = phrases
        .iter()
        .enumerate()
        .flat_map(|(i, p)| windows_in(p).into_iter().map(move |w| (w, i)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut held: Vec<(&'static [u8], [u64; WORDS])> = Vec::new();
    for (w, i) in pairs {
        if held.last().is_none_or(|(last, _)| *last != w) {
            held.push((w, [0; WORDS]));
        }
        if let Some((_, set)) = held.last_mut() {
            set[i / 64] |= 1 << (i % 64);
        }
    }
    let mut left = [0u64; WORDS];
    for i in 0..phrases.len() {
        left[i / 64] |= 1 << (i % 64);
    }
    let mut windows = Vec::new();
    let mut phrases_of_window: Vec<StoodFor> = Vec::new();
    while left.iter().any(|&w| w != 0) {
        let count = |set: &[u64; WORDS]| -> u32 {
            set.iter()
                .zip(&left)
                .map(|(s, l)| (s & l).count_ones())
                .sum()
        };
        // `max_by_key` keeps the last of equals: go backwards to keep the first.
        let Some((w, set)) = held.iter().rev().max_by_key(|(_, set)| count(set)) else {
            break;
        };
        let mut of = Vec::new();
        for i in 0..phrases.len() {
            let bit = 1 << (i % 64);
            if set[i / 64] & left[i / 64] & bit != 0 {
                left[i / 64] &= !bit;
                let phrase = phrases[i].as_bytes();
                let back = phrase.windows(w.len()).position(|x| x == *w).unwrap_or(0);
                of.push((i, back, literals::probe(phrase, back, w.len())));
            }
        }
        windows.push(*w);
        phrases_of_window.push(of);
    }
    (windows, phrases_of_window)
}

/// The phrases without Chinese characters (see [`PhraseSet::for_haystack`]).
static LATIN: LazyLock<PhraseSet> = LazyLock::new(|| PhraseSet::of(|p| !has_cjk(p)));

/// The phrases with Chinese characters.
static CJK: LazyLock<PhraseSet> = LazyLock::new(|| PhraseSet::of(has_cjk));

/// Whether `s` holds a byte that leads a character of U+4000 to U+9FFF (most of the
/// CJK ideographs, every one the phrases use): 0xE4 to 0xE9. Sixteen bytes at a
/// time, a test the compiler turns into one vector comparison.
fn has_cjk(s: &str) -> bool {
    let lead = |b: u8| b.wrapping_sub(0xE4) < 6;
    let (blocks, tail) = s.as_bytes().as_chunks::<16>();
    blocks
        .iter()
        .any(|block| block.iter().fold(false, |any, &b| any | lead(b)))
        || tail.iter().any(|&b| lead(b))
}

/// The phrases of `text` and of `message`: in one pass when the message ends the
/// text (a message phrase then counts when it starts inside the message), else
/// in one pass each.
fn phrases_in(text: &str, message: &str) -> (u128, u128) {
    let (mut in_text, mut in_message) = (0u128, 0u128);
    let message_from = text
        .len()
        .checked_sub(message.len())
        .filter(|&at| text.as_bytes()[at..] == *message.as_bytes());
    for set in PhraseSet::for_haystack(text) {
        set.each(text.as_bytes(), |bit, start| match bit {
            Bit::Text(i) => in_text |= 1 << i,
            Bit::Message(i) if message_from.is_some_and(|at| start >= at) => {
                in_message |= 1 << i;
            }
            Bit::Message(_) => {}
        });
    }
    if message_from.is_none() {
        for set in PhraseSet::for_haystack(message) {
            set.each(message.as_bytes(), |bit, _| {
                if let Bit::Message(i) = bit {
                    in_message |= 1 << i;
                }
            });
        }
    }
    (in_text, in_message)
}

/// What one record says, for the diagnosis: its kind and its phrases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineFacts {
    kind: LineKind,
    text: u128,
    message: u128,
}

impl LineFacts {
    /// Reads a record (see [`Record::facts`], which keeps the answer).
    pub fn of(rec: &Record) -> LineFacts {
        let (text, message) = phrases_in(&rec.text, rec.message.trim_start());
        let mut f = LineFacts {
            kind: LineKind::Other,
            text,
            message,
        };
        f.kind = LineKind::of(rec, &f);
        f
    }

    /// The kind of line.
    pub fn kind(&self) -> LineKind {
        self.kind
    }

    /// Whether the text holds the phrase (see `text_has!`).
    pub fn text_has(&self, p: TextPhrase) -> bool {
        self.text & (1 << p.0) != 0
    }

    /// Whether the message holds the phrase (see `message_has!`).
    pub fn message_has(&self, p: MessagePhrase) -> bool {
        self.message & (1 << p.0) != 0
    }
}

/// A record's [`LineFacts`], computed at most once: by the search before it hands the
/// record over, else on first use. Derived from the record's other fields, so two
/// records compare equal whatever their cells hold.
#[derive(Clone, Debug, Default)]
pub struct FactsCell(OnceLock<LineFacts>);

impl FactsCell {
    /// The facts, read from `rec` the first time.
    pub fn get(&self, rec: &Record) -> &LineFacts {
        self.0.get_or_init(|| LineFacts::of(rec))
    }

    /// Forgets the facts (the record's text changed: a multi-line event was joined).
    pub fn clear(&mut self) {
        self.0 = OnceLock::new();
    }
}

impl PartialEq for FactsCell {
    fn eq(&self, _: &FactsCell) -> bool {
        true
    }
}

/// What kind of line a record is, for the diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// `security audit: device access|metadata upgrade requested …`.
    Audit,
    /// A server-side close or handshake failure (`closed before connect`, `→ close`).
    ServerClose,
    /// `unauthorized conn=…`.
    Unauthorized,
    /// Other ws-log traffic (`← open`, `← connect`, `→ event`, `⇄ res`).
    Ws,
    /// A client-side error (`gateway connect failed: …`, `gateway closed (…)`, the
    /// TUI's and Control UI's texts, a tool result).
    ClientError,
    /// A continuation of a client error block (`Gateway target:`, `Source:`, …).
    BlockLine,
    /// Chat DM pairing (a request, the bot's reply).
    Dm,
    /// A DM policy doing its job (`Blocked unauthorized … sender`).
    DmBlocked,
    /// Exec approvals lines.
    Exec,
    /// OpenClaw rejecting or warning about its config.
    Config,
    /// Pairing lifecycle that is not a failure (`auto-approved`, `approved`, …).
    PairingNote,
    /// Token lifecycle that is not a failure (`rotated`, `revoked`, …).
    TokenNote,
    /// `Proxy headers detected …` / `Loopback connection with non-local Host header`.
    Locality,
    /// A pasted shell command (`$ openclaw tui`): which client ran, and where to.
    Command,
    /// A line that only gives context (version banners, `sessions_spawn`).
    Context,
    /// Any other event.
    Other,
}

impl LineKind {
    /// Classifies a record by its message and phrases.
    fn of(rec: &Record, f: &LineFacts) -> LineKind {
        let m = rec.message.trim_start();
        let t = rec.text.as_str();
        if rec.categories.is_empty() && command_of(t).is_some() {
            LineKind::Command
        } else if message_has!(f, "security audit: device ")
            && message_has!(f, " upgrade requested")
        {
            LineKind::Audit
        } else if m.starts_with("closed before connect")
            || m.starts_with("→ close")
            || m.starts_with("webchat disconnected")
            || m.starts_with("handshake timeout")
            || m.starts_with("invalid handshake")
            || m.starts_with("protocol mismatch conn=")
            || (m.starts_with("error conn=") && rec.conn.is_some())
        {
            LineKind::ServerClose
        } else if m.starts_with("unauthorized conn=") {
            LineKind::Unauthorized
        } else if m.starts_with('←') || m.starts_with('→') || m.starts_with('⇄') {
            LineKind::Ws
        } else if m.starts_with("Gateway target: ")
            || m.starts_with("Source: ")
            || m.starts_with("Config: ")
            || m.starts_with("Bind: ")
            || m.starts_with("reason: ")
        {
            LineKind::BlockLine
        } else if text_has!(f, "Proxy headers detected from untrusted address")
            || text_has!(f, "Loopback connection with non-local Host header")
        {
            LineKind::Locality
        } else if text_has!(f, "Blocked unauthorized ") || text_has!(f, "drop dm (dmPolicy") {
            LineKind::DmBlocked
        } else if text_has!(f, "Invalid config at ")
            || text_has!(f, "Config invalid")
            || text_has!(f, "JSON5 parse failed")
            || text_has!(f, "Unrecognized key")
            || text_has!(f, "Invalid option: expected one of")
            || text_has!(f, "gateway.bind host aliases")
            || text_has!(f, "Config was last written by a newer OpenClaw")
            || (text_has!(f, "dmPolicy=") && text_has!(f, "requires channels."))
        {
            LineKind::Config
        } else if is_client_error(m, f) {
            LineKind::ClientError
        } else if text_has!(f, " pairing request")
            || text_has!(f, "access not configured.")
            || text_has!(f, "Pairing code:")
            || text_has!(f, "openclaw pairing approve")
            || text_has!(f, "openclaw pairing list")
            || text_has!(f, "Ask the bot owner")
            || text_has!(f, "user id: ")
        {
            LineKind::Dm
        } else if text_has!(f, "xec denied")
            || text_has!(f, "SYSTEM_RUN_DENIED")
            || text_has!(f, "Legacy exec approvals exist")
            || text_has!(f, "invalid exec.approvals.")
            || text_has!(f, "exec-approvals.json")
        {
            LineKind::Exec
        } else if text_has!(f, "device pairing auto-approved")
            || text_has!(f, "device pairing approved")
            || text_has!(f, "device pairing removed")
            || text_has!(f, "device pairing removal denied")
        {
            LineKind::PairingNote
        } else if text_has!(f, "device token rotated")
            || text_has!(f, "device token revoked")
            || text_has!(f, "bootstrap token revoke skipped")
            || text_has!(f, "device token rotation denied")
        {
            LineKind::TokenNote
        } else if rec.categories.is_empty() {
            LineKind::Context
        } else {
            LineKind::Other
        }
    }
}

/// The `openclaw` subcommand of a pasted prompt line (`$ openclaw node run --host
/// 10.0.0.5`), with its arguments.
pub fn command_of(text: &str) -> Option<&str> {
    let first = first_line(text).trim_start();
    let rest = ["$ ", "# ", "> ", "% ", "❯ ", ""]
        .iter()
        .find_map(|p| first.strip_prefix(p)?.strip_prefix("openclaw "))
        .or_else(|| {
            const PROMPT: &str = "$ openclaw ";
            let i = find_literal!(first, PROMPT)?;
            first.get(i + PROMPT.len()..)
        })?;
    const COMMANDS: &[&str] = &[
        "tui",
        "logs",
        "devices",
        "node",
        "cron",
        "gateway",
        "status",
        "doctor",
        "pair",
        "dashboard",
        "agent",
        "message",
        "sessions",
        "channels",
        "health",
        "approvals",
        "pairing",
        "-V",
        "--version",
    ];
    COMMANDS
        .iter()
        .any(|c| rest.starts_with(c) && rest[c.len()..].chars().next().is_none_or(|ch| ch == ' '))
        .then_some(rest)
}

fn is_client_error(m: &str, f: &LineFacts) -> bool {
    message_has!(f, "gateway connect failed: ")
        || message_has!(f, "gateway closed (")
        || message_has!(f, "Gateway WebSocket closed (")
        || m.starts_with("disconnected (")
        || message_has!(f, " disconnected (")
        || message_has!(f, "Pairing required.")
        || message_has!(f, "scope upgrade pending approval")
        || message_has!(f, "Exec approval registration failed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(text: &str, message: &str) -> Record {
        let mut r = Record::new("t.log".into(), 1, 0);
        r.text = text.to_string();
        r.message = message.to_string();
        r
    }

    #[test]
    fn every_phrase_is_listed_once() {
        for table in [TEXT_PHRASES, MESSAGE_PHRASES] {
            for (i, p) in table.iter().enumerate() {
                assert!(!p.is_empty());
                assert_eq!(table.iter().position(|q| q == p), Some(i), "{p:?} twice");
            }
        }
    }

    #[test]
    fn phrases_are_what_contains_says_whether_or_not_the_message_ends_the_text() {
        let texts = [
            "10:00:01 [ws] gateway connect failed: pairing required metadata upgrade",
            "gateway connect failed: x | Proxy headers detected from untrusted address",
            r#"{"message":"security audit: device access upgrade requested"}"#,
            "security audit: device metadata upgrade requested\nsessions.spawn",
            "10:00:01 网关 未授权: 设备令牌 不匹配 (gateway connect failed: 配对)",
            r#"{"message":"\u672a\u6388\u6743 gateway closed (1008)"}"#,
            "falha: não autorizado, Pair this browser",
        ];
        let messages = [
            "gateway connect failed: pairing required metadata upgrade",
            "pairing required metadata upgrade",
            "security audit: device access upgrade requested",
            "sessions.spawn",
            "未授权 gateway closed (1008)",
            "设备令牌 不匹配 (gateway connect failed: 配对)",
            "",
        ];
        for text in texts {
            for message in messages {
                let (t, m) = phrases_in(text, message);
                for (i, p) in TEXT_PHRASES.iter().enumerate() {
                    assert_eq!(t & (1 << i) != 0, text.contains(p), "{text:?} {p:?}");
                }
                for (i, p) in MESSAGE_PHRASES.iter().enumerate() {
                    let want = message.contains(p);
                    assert_eq!(m & (1 << i) != 0, want, "{message:?} {p:?}");
                }
            }
        }
    }

    #[test]
    fn every_phrase_is_in_one_set_and_the_cjk_set_is_small() {
        let (latin, wide) = (&*LATIN, &*CJK);
        assert_eq!(
            latin.phrases.len() + wide.phrases.len(),
            TEXT_PHRASES.len() + MESSAGE_PHRASES.len()
        );
        assert!(wide.phrases.len() < 20, "{:?}", wide.phrases);
        // The gate's premise: a line can hold a phrase of the CJK set only if it holds
        // one of the bytes `has_cjk` looks for.
        assert!(wide.phrases.iter().all(|p| has_cjk(p)));
        assert!(has_cjk("…………………………………… 网关") && !has_cjk("← ⇄ ✓ … não é"));
        for set in [latin, wide] {
            for (p, bit) in set.phrases.iter().zip(&set.bits) {
                let listed = match *bit {
                    Bit::Text(i) => TEXT_PHRASES[usize::from(i)],
                    Bit::Message(i) => MESSAGE_PHRASES[usize::from(i)],
                };
                assert_eq!(p, &listed);
            }
        }
    }

    #[test]
    fn each_phrase_has_one_window_and_the_windows_fit_teddy() {
        for set in [&*LATIN, &*CJK] {
            // Teddy takes up to 64 literals; past that the search falls back to an
            // automaton: right, but slower.
            assert!(set.windows.len() <= 64, "{} windows", set.windows.len());
            let mut stood_for: Vec<usize> = set
                .phrases_of_window
                .iter()
                .flatten()
                .map(|&(p, _, _)| p)
                .collect();
            stood_for.sort_unstable();
            assert_eq!(stood_for, (0..set.phrases.len()).collect::<Vec<_>>());
            for (i, (w, of)) in set.windows.iter().zip(&set.phrases_of_window).enumerate() {
                assert_eq!(
                    set.windows.iter().position(|x| x == w),
                    Some(i),
                    "{w:?} twice"
                );
                assert!(w.len() <= WINDOW_BYTES && !of.is_empty());
                for &(p, back, probe) in of {
                    let phrase = set.phrases[p].as_bytes();
                    assert!(phrase[back..].starts_with(w) && probe < phrase.len());
                }
            }
        }
        // A short phrase's window and a long one's may start at one place; Teddy
        // reports one of them, and both phrases are found.
        let set = PhraseSet::new(
            vec![Bit::Text(0), Bit::Text(1), Bit::Message(0)],
            vec!["abcd", "abcdefgh", "qrstuvw"],
        );
        assert_eq!(set.windows, [&b"abcd"[..], b"abcdef", b"qrstuv"]);
        assert_eq!(set.short_windows, [0]);
        let long = "abcdefgh padded to more than the shortest haystack Teddy searches itself";
        for hay in ["abcdefgh", "x abcdefgh qrstuvw", long] {
            let mut seen = Vec::new();
            set.each(hay.as_bytes(), |bit, at| seen.push(format!("{bit:?} {at}")));
            seen.sort();
            let (a, q) = (hay.find("abcd").unwrap(), hay.find("qrstuvw"));
            let mut want = vec![format!("Text(0) {a}"), format!("Text(1) {a}")];
            want.extend(q.map(|q| format!("Message(0) {q}")));
            want.sort();
            assert_eq!(seen, want, "{hay:?}");
        }
        // The greedy choice, on this table: the Latin phrases need about forty
        // windows; a table grown past Teddy's 64 would say so here.
        assert!(LATIN.windows.len() <= 48, "{}", LATIN.windows.len());
        // Shorter than a window, a phrase is its own.
        let (w, of) = choose_windows(&["abc", "xxabcxx"]);
        // (On a tie, the least window: `xabcxx` before `xxabcx`.)
        assert_eq!(w, [&b"abc"[..], b"xabcxx"]);
        assert_eq!(of, [vec![(0, 0, 0)], vec![(1, 1, 0)]]);
        let (w, of) = choose_windows(&["device pairing", "pairing required", "x pairing"]);
        assert_eq!(w, [&b"airing"[..]]);
        assert_eq!(of, [vec![(0, 8, 7), (1, 1, 7), (2, 3, 2)]]);
    }

    #[test]
    fn phrases_inside_phrases_are_all_found() {
        let r = rec(
            "Approve the new role for this browser",
            "  Pairing required. gateway closed (1008)",
        );
        let f = r.facts();
        assert!(text_has!(f, "Approve the new role"));
        assert!(text_has!(f, "Approve the new"));
        assert!(text_has!(f, "browser"));
        assert!(!text_has!(f, "Approve the new access level"));
        assert!(message_has!(f, "Pairing required."));
        assert!(message_has!(f, "gateway closed ("));
    }

    #[test]
    fn the_message_is_read_without_its_leading_space() {
        // ` disconnected (` must follow a word, as on the line, not the indentation.
        let f = LineFacts::of(&rec("x", " disconnected (1006)"));
        assert!(!message_has!(f, " disconnected ("));
        let f = LineFacts::of(&rec("x", "webchat disconnected (1006)"));
        assert!(message_has!(f, " disconnected ("));
    }

    #[test]
    fn a_changed_record_is_read_again_after_clear() {
        let mut r = rec("nothing here", "nothing here");
        assert!(!text_has!(r.facts(), "Pairing code:"));
        r.text.push_str("\nPairing code: ABCD1234");
        r.line_facts.clear();
        assert!(text_has!(r.facts(), "Pairing code:"));
        // Equality ignores the cell: it only caches what the other fields say.
        assert_eq!(r.clone(), {
            let mut c = r.clone();
            c.line_facts.clear();
            c
        });
    }

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(TEXT_PHRASES).prop_map(str::to_string),
            proptest::sample::select(MESSAGE_PHRASES).prop_map(str::to_string),
            // Halves of phrases, so near misses are common.
            proptest::sample::select(TEXT_PHRASES)
                .prop_map(|p| p.chars().take(p.chars().count() / 2).collect()),
            "[ a-zA-Z():.\n\u{8bbe}\u{5907}]{0,8}",
        ]
    }

    /// Every bit of a record with this text and message is what `str::contains` says.
    fn bits_match_contains(text: &str, message: &str) -> Result<(), TestCaseError> {
        let f = LineFacts::of(&rec(text, message));
        for (i, p) in TEXT_PHRASES.iter().enumerate() {
            prop_assert_eq!(f.text_has(TextPhrase(i as u8)), text.contains(p), "{:?}", p);
        }
        let m = message.trim_start();
        for (i, p) in MESSAGE_PHRASES.iter().enumerate() {
            prop_assert_eq!(
                f.message_has(MessagePhrase(i as u8)),
                m.contains(p),
                "{:?}",
                p
            );
        }
        Ok(())
    }

    proptest! {
        /// A bit is set exactly when the phrase occurs (what `str::contains` says).
        #[test]
        fn bits_say_what_contains_says(
            text in proptest::collection::vec(piece(), 0..8).prop_map(|v| v.concat()),
            message in proptest::collection::vec(piece(), 0..6).prop_map(|v| v.concat()),
        ) {
            bits_match_contains(&text, &message)?;
        }

        /// The same when the message ends the text, as in every format but JSON (one
        /// pass, and a message phrase counts only where it starts in the message).
        #[test]
        fn bits_say_what_contains_says_when_the_message_ends_the_text(
            head in proptest::collection::vec(piece(), 0..5).prop_map(|v| v.concat()),
            message in proptest::collection::vec(piece(), 0..5).prop_map(|v| v.concat()),
        ) {
            let text = format!("{head}{message}");
            bits_match_contains(&text, &message)?;
        }
    }
}
