//! `gen-corpus`: a deterministic generator of realistic OpenClaw gateway logs, for
//! benchmarks and for checking that clawscan finds every event line and nothing else.
//!
//! ```text
//! cargo run --release --example gen-corpus -- --size 1G --density 0.01 --seed 42 \
//!     [--format mixed|pretty|pretty-plain|pretty-ansi|compact|json|file|logs|wrapped] \
//!     [--out PATH] [--events-out PATH]
//! ```
//!
//! The same arguments always give the same bytes. About `density` of the lines are
//! event lines (lines the rule table in `src/rules.rs` classifies); the rest are the
//! harmless lines a busy gateway writes (heartbeats, agent runs, provider calls, ws
//! traffic, cron, channels), with the decoys that fool `grep`: `author=`, `auth=token`,
//! `maxTokens=`, `OAuth`, `webchat connected`, `→ close code=1005`, UUIDs holding `1008`.
//! As in a real verbose log (every `← connect` line holds `auth=`, every agent run a
//! `tokens=` usage line), about a fifth of the ordinary lines hold one of the guide's
//! grep words (`pairing|1008|token|auth`, case-insensitive): the default mix at 1 %
//! density has 20–21 %, and the generator reports the exact count.
//! Lines come in every format of `openclaw-facts.md` §1 (pretty console with and
//! without ANSI colour, compact console, console JSON, the tslog file log, `openclaw
//! logs --plain`, and journald / docker compose / kubectl / pm2 / ClawX wrappers);
//! `mixed` writes blocks of each, like logs concatenated from several sources.
//! Time only moves forward (each block prints it in its own host time zone, as logs
//! from several hosts would). The corpus stops at the last whole line that fits in
//! `--size`.
//!
//! It prints to stderr how many event lines it wrote (`events=N`), so a caller can
//! check that `clawscan FILE | wc -l` finds exactly that many; `--events-out PATH`
//! also lists their line numbers, to find the lines a scanner disagrees on. The same
//! line counts the lines holding a grep word, ordinary (`grep_ordinary=`) and event
//! lines (`grep_events=`): their sum is what `rg -ci 'pairing|1008|token|auth'` finds.
//!
//! This file is also compiled into `benches/scan.rs` (as a module, via `#[path]`), so
//! the benchmark searches the same text; it therefore uses the standard library only.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// A small xorshift64* generator: fast, deterministic across platforms, and enough for
/// picking templates (no statistical claims are made on its output).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator. SplitMix64 scrambles the seed first, so nearby seeds give
    /// unrelated streams and a zero seed does not lock xorshift at zero.
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 1 } else { z })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift rather than `%` to avoid the
    /// modulo bias towards small values.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index into `weights`, each chosen in proportion to its weight.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// One output style of `openclaw-facts.md` §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `HH:MM:SS[±HH:MM] [tag] msg`, no colour (a pipe without a terminal).
    PrettyPlain,
    /// The pretty layout with ANSI colour (`ESC[90m<time>ESC[39m ESC[<c>m[<tag>]…`).
    PrettyAnsi,
    /// `<ISO time> [tag] msg` (services, pipes).
    Compact,
    /// Console JSON style: `{"time","level","subsystem","message",…meta}`.
    ConsoleJson,
    /// The tslog JSONL file log (`"0"` bindings string, `"1"`/`"2"`, `_meta`, `time`).
    FileLog,
    /// `openclaw logs --plain`: `<time> <level> <subsystem> <bindings> [meta] msg`.
    Logs,
    /// Compact lines inside journald, docker compose, kubectl, pm2 or ClawX prefixes.
    Wrapped,
}

impl Format {
    /// Every format, in the order of the stderr report.
    pub const ALL: [Format; 7] = [
        Format::PrettyPlain,
        Format::PrettyAnsi,
        Format::Compact,
        Format::ConsoleJson,
        Format::FileLog,
        Format::Logs,
        Format::Wrapped,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::PrettyPlain => "pretty-plain",
            Format::PrettyAnsi => "pretty-ansi",
            Format::Compact => "compact",
            Format::ConsoleJson => "json",
            Format::FileLog => "file",
            Format::Logs => "logs",
            Format::Wrapped => "wrapped",
        }
    }

    /// The formats a `--format` value stands for (`mixed` = all of them in blocks,
    /// `pretty` = plain and coloured blocks).
    pub fn parse_choice(s: &str) -> Option<Vec<Format>> {
        match s {
            "mixed" => Some(Format::ALL.to_vec()),
            "pretty" => Some(vec![Format::PrettyPlain, Format::PrettyAnsi]),
            _ => Format::ALL
                .into_iter()
                .find(|f| f.name() == s)
                .map(|f| vec![f]),
        }
    }

    fn index(self) -> usize {
        Format::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    /// Upper bound on the corpus size in bytes; the corpus ends at the last whole line
    /// that fits.
    pub size: u64,
    /// The probability that a line is an event line.
    pub density: f64,
    /// The PRNG seed: same seed and settings, same bytes.
    pub seed: u64,
    /// The formats blocks are drawn from (one format: a uniform corpus).
    pub formats: Vec<Format>,
}

impl Config {
    /// A mixed-format corpus.
    pub fn mixed(size: u64, density: f64, seed: u64) -> Config {
        Config {
            size,
            density,
            seed,
            formats: Format::ALL.to_vec(),
        }
    }
}

/// Lines, event lines and bytes written in one format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Physical lines (each ends with `\n`).
    pub lines: u64,
    /// Lines the rule table classifies as events.
    pub events: u64,
    /// Bytes, line terminators included.
    pub bytes: u64,
    /// Ordinary (non-event) lines holding one of the guide's grep words
    /// ([`GREP_WORDS`]): the lines `grep -i` prints and clawscan does not.
    pub grep_ordinary: u64,
    /// Event lines holding one of the grep words (not every event does: `missing
    /// scope`, `handshake timeout`, `Proxy headers detected…` hold none).
    pub grep_events: u64,
}

impl Counts {
    /// The share of ordinary lines that hold a grep word, 0..1.
    pub fn grep_fraction(&self) -> f64 {
        self.grep_ordinary as f64 / (self.lines - self.events).max(1) as f64
    }
}

/// The words of the guide's filter, `grep -i 'pairing\|1008\|token\|auth'` (and
/// `rg -i 'pairing|1008|token|auth'`), which the benchmarks race.
pub const GREP_WORDS: [&str; 4] = ["pairing", "1008", "token", "auth"];

/// Whether `line` holds one of [`GREP_WORDS`], ignoring ASCII case: the lines that
/// `grep -i` and `rg -i` match in the generator's text (it writes no character whose
/// Unicode case folding would add a match, such as the Kelvin sign).
pub fn has_grep_word(line: &[u8]) -> bool {
    (0..line.len()).any(|i| {
        let word: &[u8] = match line[i] | 0x20 {
            b'p' => b"pairing",
            b'1' => b"1008",
            b't' => b"token",
            b'a' => b"auth",
            _ => return false,
        };
        line.get(i..i + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
}

/// Counts the lines of one rendered entry that hold a grep word: (ordinary, event).
/// An entry's event line is always its first.
fn grep_word_lines(buf: &[u8], event: bool) -> (u64, u64) {
    let (mut ordinary, mut events) = (0, 0);
    let body = buf.strip_suffix(b"\n").unwrap_or(buf);
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        if has_grep_word(line) {
            if event && i == 0 {
                events += 1;
            } else {
                ordinary += 1;
            }
        }
    }
    (ordinary, events)
}

/// What a generation wrote, in total and per format.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// The totals.
    pub total: Counts,
    /// The counts of each format, indexed like [`Format::ALL`].
    pub per_format: [Counts; Format::ALL.len()],
}

/// Writes a corpus to `out` and returns what it wrote.
pub fn generate<W: Write>(cfg: &Config, out: W) -> io::Result<Stats> {
    generate_with(cfg, out, None)
}

/// Like [`generate`], and writes the 1-based number of every event line to
/// `event_lines`, one a line: to find which lines a scanner and the generator
/// disagree on.
pub fn generate_with<W: Write>(
    cfg: &Config,
    out: W,
    mut event_lines: Option<&mut dyn Write>,
) -> io::Result<Stats> {
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut g = Gen::new(cfg.seed);
    let mut stats = Stats::default();
    let mut buf = Vec::with_capacity(4096);
    let formats = if cfg.formats.is_empty() {
        Format::ALL.to_vec()
    } else {
        cfg.formats.clone()
    };
    let mut current: Option<Format> = None;
    'blocks: loop {
        // Several sources' logs one after another: a block of one format, then another
        // format. Blocks are sized in bytes (64 KiB to 1 MiB), not lines, so every
        // format gets a similar share of the bytes (file-log lines are three times as
        // long as console lines), and even a few MiB of benchmark input holds several
        // formats.
        let format = next_format(&mut g.rng, &formats, current);
        current = Some(format);
        let block = Block::new(&mut g.rng, format);
        let mut left = g.rng.range(64 << 10, 1 << 20);
        while left > 0 {
            buf.clear();
            let event = g.rng.chance(cfg.density);
            let entry = if event {
                g.event(&block)
            } else {
                g.harmless(&block)
            };
            block.render(&mut g.rng, (g.now_ms, g.nanos), &entry, &mut buf);
            if stats.total.bytes + buf.len() as u64 > cfg.size {
                break 'blocks;
            }
            out.write_all(&buf)?;
            if let (true, Some(w)) = (entry.event, event_lines.as_mut()) {
                // The event is always an entry's first line.
                writeln!(w, "{}", stats.total.lines + 1)?;
            }
            let lines = count_newlines(&buf);
            let (grep_ordinary, grep_events) = grep_word_lines(&buf, entry.event);
            let c = Counts {
                lines,
                events: u64::from(entry.event),
                bytes: buf.len() as u64,
                grep_ordinary,
                grep_events,
            };
            add(&mut stats.total, c);
            add(&mut stats.per_format[format.index()], c);
            left = left.saturating_sub(buf.len() as u64);
            g.tick();
        }
    }
    out.flush()?;
    Ok(stats)
}

/// Generates a corpus in memory (for benchmarks).
pub fn generate_vec(cfg: &Config) -> (Vec<u8>, Stats) {
    let mut v = Vec::with_capacity(usize::try_from(cfg.size).unwrap_or(0));
    // Writing into a Vec cannot fail.
    let stats = generate(cfg, &mut v).unwrap_or_default();
    (v, stats)
}

fn add(a: &mut Counts, b: Counts) {
    a.lines += b.lines;
    a.events += b.events;
    a.bytes += b.bytes;
    a.grep_ordinary += b.grep_ordinary;
    a.grep_events += b.grep_events;
}

fn count_newlines(buf: &[u8]) -> u64 {
    buf.iter().filter(|&&b| b == b'\n').count() as u64
}

fn next_format(rng: &mut Rng, formats: &[Format], current: Option<Format>) -> Format {
    if formats.len() == 1 {
        return formats[0];
    }
    loop {
        let f = rng.pick(formats);
        if Some(f) != current {
            return f;
        }
    }
}

/// A subsystem: its full name (JSON styles, file log) and its console tag.
#[derive(Clone, Copy, Debug)]
struct Sub {
    full: &'static str,
    tag: &'static str,
}

const WS: Sub = Sub {
    full: "gateway/ws",
    tag: "ws",
};
const GATEWAY: Sub = Sub {
    full: "gateway",
    tag: "gateway",
};
const HEALTH: Sub = Sub {
    full: "gateway/health",
    tag: "health",
};
const DIAGNOSTIC: Sub = Sub {
    full: "diagnostic",
    tag: "diagnostic",
};
const AGENT: Sub = Sub {
    full: "agent/embedded",
    tag: "agent/embedded",
};
const TELEGRAM: Sub = Sub {
    full: "gateway/channels/telegram",
    tag: "telegram",
};
const DISCORD: Sub = Sub {
    full: "gateway/channels/discord",
    tag: "discord",
};
const WHATSAPP: Sub = Sub {
    full: "gateway/channels/whatsapp",
    tag: "whatsapp",
};
const CRON: Sub = Sub {
    full: "cron",
    tag: "cron",
};
const ANTHROPIC: Sub = Sub {
    full: "providers/anthropic",
    tag: "anthropic",
};
const GOOGLE: Sub = Sub {
    full: "providers/google",
    tag: "google",
};
const PLUGINS: Sub = Sub {
    full: "plugins",
    tag: "plugins",
};
const CANVAS: Sub = Sub {
    full: "gateway/canvas",
    tag: "canvas",
};
const BROWSER: Sub = Sub {
    full: "browser/server",
    tag: "browser/server",
};
const RELOAD: Sub = Sub {
    full: "gateway/reload",
    tag: "reload",
};
const SKILLS: Sub = Sub {
    full: "skills",
    tag: "skills",
};

/// Log levels as OpenClaw prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    fn upper(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }

    /// tslog's numeric level id.
    fn tslog_id(self) -> u8 {
        match self {
            Level::Debug => 2,
            Level::Info => 3,
            Level::Warn => 4,
            Level::Error => 5,
        }
    }

    /// The colour of the message span in pretty console output.
    fn colour(self) -> u8 {
        match self {
            Level::Debug => 90,
            Level::Info => 36,
            Level::Warn => 33,
            Level::Error => 31,
        }
    }
}

/// One logical log entry before formatting. `msg` may hold `\n` (a multi-line client
/// error): console styles print the rest raw, JSON styles escape it.
#[derive(Clone, Debug)]
struct Entry {
    level: Level,
    /// `None` for captured `console.*` text, which has no tag.
    sub: Option<Sub>,
    msg: String,
    /// Meta object members (`"k":v,…`, no braces), as the close context of §2.3.
    meta: Option<String>,
    event: bool,
    /// A line the wrapper itself wrote (ClawX's own lines): printed as is.
    wrapper_own: bool,
}

impl Entry {
    fn new(level: Level, sub: Option<Sub>, msg: String, event: bool) -> Entry {
        Entry {
            level,
            sub,
            msg,
            meta: None,
            event,
            wrapper_own: false,
        }
    }
}

/// The program that wrapped the gateway's lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wrapper {
    Journald,
    Compose,
    Kubectl,
    Pm2,
    ClawX,
}

/// The settings of one block: which format, and the variations a real source fixes
/// for its whole log (version-dependent time style, host time zone, wrapper).
#[derive(Clone, Debug)]
struct Block {
    format: Format,
    /// Host UTC offset in minutes.
    offset_min: i32,
    /// Pretty time with `±HH:MM` (3.24–4.11).
    pretty_offset: bool,
    /// ISO times in UTC with `Z` (≤ 3.3).
    iso_z: bool,
    /// `openclaw logs` on a terminal (`HH:MM:SS+00:00`).
    logs_tty: bool,
    /// Truecolour tags (a TTY's inner codes).
    truecolor: bool,
    /// The newer file log keys (`hostname`, `message`).
    newer_file: bool,
    wrapper: Wrapper,
    crlf: bool,
    host: &'static str,
    pid: u32,
}

impl Block {
    fn new(rng: &mut Rng, format: Format) -> Block {
        let wrapper = rng.pick(&[
            Wrapper::Journald,
            Wrapper::Compose,
            Wrapper::Kubectl,
            Wrapper::Pm2,
            Wrapper::ClawX,
        ]);
        Block {
            format,
            offset_min: rng.pick(&[0, 60, 120, -300, -420, 330]),
            pretty_offset: rng.chance(0.3),
            iso_z: rng.chance(0.15),
            logs_tty: rng.chance(0.3),
            truecolor: rng.chance(0.3),
            newer_file: rng.chance(0.3),
            wrapper,
            // The ClawX desktop wrapper runs on Windows too.
            crlf: wrapper == Wrapper::ClawX && rng.chance(0.5),
            host: rng.pick(&["pi-gw", "mia-nuc", "gw-01", "openclaw-vps"]),
            pid: rng.range(900, 65000) as u32,
        }
    }

    /// Appends the entry's physical lines to `out`.
    /// `now` is the entry's time: ms since the Unix epoch and the nanoseconds below
    /// the ms (for kubectl's 9-digit stamps).
    fn render(&self, rng: &mut Rng, now: (u64, u32), e: &Entry, out: &mut Vec<u8>) {
        let mut s = String::with_capacity(512);
        match self.format {
            Format::PrettyPlain | Format::PrettyAnsi | Format::Compact => {
                self.console(&mut s, e, now.0, "");
            }
            Format::ConsoleJson => self.console_json(&mut s, e, now.0),
            Format::FileLog => self.file_log(rng, &mut s, e, now.0),
            Format::Logs => self.logs(&mut s, e, now.0),
            Format::Wrapped => self.wrapped(&mut s, e, now),
        }
        if self.crlf {
            s = s.replace('\n', "\r\n");
        }
        out.extend_from_slice(s.as_bytes());
    }

    /// Console output (pretty or compact). Continuation lines of a multi-line message
    /// are printed raw, each behind `prefix` (a wrapper's per-line prefix).
    fn console(&self, s: &mut String, e: &Entry, ms: u64, prefix: &str) {
        let mut parts = e.msg.split('\n');
        let first = parts.next().unwrap_or("");
        s.push_str(prefix);
        match self.format {
            Format::PrettyAnsi => {
                s.push_str("\x1b[90m");
                self.pretty_time(s, ms);
                s.push_str("\x1b[39m ");
                if let Some(sub) = e.sub {
                    if self.truecolor {
                        let (r, g, b) = tag_rgb(sub.tag);
                        let _ = write!(s, "\x1b[38;2;{r};{g};{b}m[{}]\x1b[39m ", sub.tag);
                    } else {
                        let _ = write!(s, "\x1b[{}m[{}]\x1b[39m ", tag_colour(sub.tag), sub.tag);
                    }
                }
                let c = e.level.colour();
                let _ = write!(s, "\x1b[{c}m");
                // ws-log colours its marks inside the message; chalk re-opens the
                // outer colour after an inner span.
                let msg = first
                    .replacen("✓", &format!("\x1b[32m✓\x1b[{c}m"), 1)
                    .replacen("✗", &format!("\x1b[31m✗\x1b[{c}m"), 1);
                s.push_str(&msg);
                s.push_str("\x1b[39m\n");
            }
            Format::PrettyPlain => {
                self.pretty_time(s, ms);
                s.push(' ');
                if let Some(sub) = e.sub {
                    let _ = write!(s, "[{}] ", sub.tag);
                }
                s.push_str(first);
                s.push('\n');
            }
            _ => {
                self.iso_local(s, ms);
                s.push(' ');
                if let Some(sub) = e.sub {
                    let _ = write!(s, "[{}] ", sub.tag);
                }
                s.push_str(first);
                s.push('\n');
            }
        }
        for rest in parts {
            s.push_str(prefix);
            s.push_str(rest);
            s.push('\n');
        }
    }

    fn console_json(&self, s: &mut String, e: &Entry, ms: u64) {
        s.push_str("{\"time\":\"");
        self.iso_local(s, ms);
        let _ = write!(s, "\",\"level\":\"{}\"", e.level.word());
        if let Some(sub) = e.sub {
            let _ = write!(s, ",\"subsystem\":\"{}\"", sub.full);
        }
        s.push_str(",\"message\":");
        json_str(s, &e.msg);
        if let Some(meta) = &e.meta {
            s.push(',');
            s.push_str(meta);
        }
        s.push_str("}\n");
    }

    fn file_log(&self, rng: &mut Rng, s: &mut String, e: &Entry, ms: u64) {
        let bindings = match e.sub {
            Some(sub) => format!("{{\"subsystem\":\"{}\"}}", sub.full),
            None => String::new(),
        };
        // Some messages reach the file with their colour codes, JSON-escaped.
        let msg = if rng.chance(0.03) {
            format!("\x1b[{}m{}\x1b[39m", e.level.colour(), e.msg)
        } else {
            e.msg.clone()
        };
        s.push('{');
        if e.sub.is_some() {
            s.push_str("\"0\":");
            json_str(s, &bindings);
            match &e.meta {
                Some(meta) => {
                    let _ = write!(s, ",\"1\":{{{meta}}},\"2\":");
                }
                None => s.push_str(",\"1\":"),
            }
            json_str(s, &msg);
        } else {
            s.push_str("\"0\":");
            json_str(s, &msg);
        }
        s.push_str(",\"_meta\":{\"runtime\":\"node\",\"runtimeVersion\":\"22.14.0\",\"hostname\":\"unknown\",\"name\":");
        if e.sub.is_some() {
            json_str(s, &bindings);
            s.push_str(",\"parentNames\":[\"openclaw\"]");
        } else {
            s.push_str("\"openclaw\"");
        }
        s.push_str(",\"date\":\"");
        iso_utc(s, ms);
        let _ = write!(
            s,
            "\",\"logLevelId\":{},\"logLevelName\":\"{}\",\"path\":{{\"fullFilePath\":\"file:///usr/lib/node_modules/openclaw/dist/subsystem-BqMw4DVy.js:212:14\",\"fileName\":\"subsystem-BqMw4DVy.js\",\"fileNameWithLine\":\"subsystem-BqMw4DVy.js:212\",\"fileColumn\":\"14\",\"fileLine\":\"212\",\"filePath\":\"usr/lib/node_modules/openclaw/dist/subsystem-BqMw4DVy.js\",\"filePathWithLine\":\"usr/lib/node_modules/openclaw/dist/subsystem-BqMw4DVy.js:212\",\"method\":\"logToFile\"}}}}",
            e.level.tslog_id(),
            e.level.upper()
        );
        s.push_str(",\"time\":\"");
        self.iso_local(s, ms);
        s.push('"');
        if self.newer_file {
            let _ = write!(s, ",\"hostname\":\"{}\",\"message\":", self.host);
            json_str(s, &e.msg);
        }
        s.push_str("}\n");
    }

    fn logs(&self, s: &mut String, e: &Entry, ms: u64) {
        if self.logs_tty {
            // A terminal shows UTC time of day with the offset.
            let t = Tm::at(ms, 0);
            let _ = write!(s, "{:02}:{:02}:{:02}+00:00", t.h, t.mi, t.s);
        } else {
            iso_utc(s, ms);
        }
        let _ = write!(s, " {} ", e.level.word());
        if let Some(sub) = e.sub {
            let _ = write!(s, "{} {{\"subsystem\":\"{}\"}} ", sub.full, sub.full);
            if let Some(meta) = &e.meta {
                let _ = write!(s, "{{{meta}}} ");
            }
        }
        s.push_str(&e.msg);
        s.push('\n');
    }

    fn wrapped(&self, s: &mut String, e: &Entry, (ms, nanos): (u64, u32)) {
        if e.wrapper_own {
            // ClawX's own line: `[<UTC ISO>] [WARN ] <text>`.
            s.push('[');
            iso_utc(s, ms);
            let _ = writeln!(s, "] [{:<5}] {}", e.level.upper(), e.msg);
            return;
        }
        let mut prefix = String::with_capacity(64);
        match self.wrapper {
            Wrapper::Journald => {
                let t = Tm::at(ms, self.offset_min);
                let _ = write!(
                    prefix,
                    "{} {:2} {:02}:{:02}:{:02} {} node[{}]: ",
                    MONTHS[t.mo as usize - 1],
                    t.d,
                    t.h,
                    t.mi,
                    t.s,
                    self.host,
                    self.pid
                );
            }
            Wrapper::Compose => prefix.push_str("openclaw-gateway-1  | "),
            Wrapper::Kubectl => {
                let t = Tm::at(ms, 0);
                let _ = write!(
                    prefix,
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z ",
                    t.y,
                    t.mo,
                    t.d,
                    t.h,
                    t.mi,
                    t.s,
                    u64::from(t.ms) * 1_000_000 + u64::from(nanos)
                );
            }
            Wrapper::Pm2 => prefix.push_str("0|openclaw | "),
            Wrapper::ClawX => {
                prefix.push('[');
                iso_utc(&mut prefix, ms);
                let (lvl, stream) = match e.level {
                    Level::Warn | Level::Error => (e.level.upper(), "stderr"),
                    _ => ("INFO", "stdout"),
                };
                let _ = write!(prefix, "] [{lvl:<5}] [Gateway {stream}] ");
            }
        }
        let inner = Block {
            format: Format::Compact,
            ..self.clone()
        };
        inner.console(s, e, ms, &prefix);
    }

    fn pretty_time(&self, s: &mut String, ms: u64) {
        let t = Tm::at(ms, self.offset_min);
        let _ = write!(s, "{:02}:{:02}:{:02}", t.h, t.mi, t.s);
        if self.pretty_offset {
            offset(s, self.offset_min);
        }
    }

    fn iso_local(&self, s: &mut String, ms: u64) {
        if self.iso_z {
            iso_utc(s, ms);
        } else {
            let t = Tm::at(ms, self.offset_min);
            let _ = write!(
                s,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
                t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms
            );
            offset(s, self.offset_min);
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn offset(s: &mut String, min: i32) {
    let sign = if min < 0 { '-' } else { '+' };
    let m = min.unsigned_abs();
    let _ = write!(s, "{sign}{:02}:{:02}", m / 60, m % 60);
}

fn iso_utc(s: &mut String, ms: u64) {
    let t = Tm::at(ms, 0);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms
    );
}

/// A broken-down time.
struct Tm {
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
}

impl Tm {
    /// `ms` since the Unix epoch (UTC), shown at UTC offset `offset_min`.
    fn at(ms: u64, offset_min: i32) -> Tm {
        let local = ms as i64 + i64::from(offset_min) * 60_000;
        let days = local.div_euclid(86_400_000);
        let rem = local.rem_euclid(86_400_000);
        let (y, mo, d) = civil_from_days(days);
        Tm {
            y,
            mo,
            d,
            h: (rem / 3_600_000) as u32,
            mi: (rem / 60_000 % 60) as u32,
            s: (rem / 1000 % 60) as u32,
            ms: (rem % 1000) as u32,
        }
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn tag_colour(tag: &str) -> u8 {
    // The gateway hashes the tag to a colour; `[diagnostic]` is red at any level.
    if tag == "diagnostic" {
        return 31;
    }
    const PALETTE: [u8; 8] = [36, 35, 32, 34, 33, 96, 95, 94];
    PALETTE[tag
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31) + usize::from(b))
        % 8]
}

fn tag_rgb(tag: &str) -> (u8, u8, u8) {
    let h = tag
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(131) ^ u32::from(b));
    (
        (h & 0x7f) as u8 + 100,
        ((h >> 8) & 0x7f) as u8 + 100,
        ((h >> 16) & 0x7f) as u8 + 100,
    )
}

/// Appends `v` as a JSON string literal.
fn json_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

/// The generator's state: the clock and the ids that recur (open connections, paired
/// devices), so correlated lines share ids as in a real log.
struct Gen {
    rng: Rng,
    now_ms: u64,
    nanos: u32,
    conns: Vec<String>,
    devices: Vec<String>,
    seq: u64,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut rng = Rng::new(seed);
        // 2026-04-11 06:00 UTC (a 4.11/4.12-era log), plus up to a day, by seed.
        let start = days_from_civil(2026, 4, 11) as u64 * 86_400_000
            + 6 * 3_600_000
            + rng.below(86_400_000);
        let mut g = Gen {
            rng,
            now_ms: start,
            nanos: 0,
            conns: Vec::new(),
            devices: Vec::new(),
            seq: 1,
        };
        for _ in 0..8 {
            let c = g.uuid();
            g.conns.push(c);
        }
        for _ in 0..4 {
            let d = g.hex(64);
            g.devices.push(d);
        }
        g.tick();
        g
    }

    /// Moves the clock forward (never back).
    fn tick(&mut self) {
        // Mostly bursts a few ms apart, sometimes a quiet second or more.
        self.now_ms += if self.rng.chance(0.9) {
            self.rng.below(40)
        } else {
            self.rng.range(200, 3000)
        };
        self.nanos = self.rng.below(1_000_000) as u32;
        if self.rng.chance(0.02) {
            // Connections come and go.
            let i = self.rng.below(self.conns.len() as u64) as usize;
            self.conns[i] = self.uuid();
        }
    }

    fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(n);
        let mut bits = 0u64;
        for i in 0..n {
            if i % 16 == 0 {
                bits = self.rng.next_u64();
            }
            s.push(char::from(HEX[(bits & 15) as usize]));
            bits >>= 4;
        }
        s
    }

    /// A v4 UUID; one in 200 holds `1008` (a decoy for a naive `1008` search).
    fn uuid(&mut self) -> String {
        let mut h = self.hex(32);
        h.replace_range(12..13, "4");
        let variant = self.rng.pick(&["8", "9", "a", "b"]);
        h.replace_range(16..17, variant);
        // A random UUID holds `1008` about once in 2,300; ten times that puts a few
        // decoys in every MiB without making them a large share of all lines (which
        // would turn a benchmark into a test of decoys).
        if self.rng.chance(0.005) {
            let at = self.rng.pick(&[0usize, 4, 20, 24, 28]);
            h.replace_range(at..at + 4, "1008");
        }
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// ws-log's short form of a UUID: 8 chars, `…`, the last 4.
    fn short(id: &str) -> String {
        format!("{}…{}", &id[..8], &id[id.len() - 4..])
    }

    fn conn(&mut self) -> String {
        let i = self.rng.below(self.conns.len() as u64) as usize;
        self.conns[i].clone()
    }

    fn device(&mut self) -> String {
        if self.rng.chance(0.3) {
            self.hex(64)
        } else {
            let i = self.rng.below(self.devices.len() as u64) as usize;
            self.devices[i].clone()
        }
    }

    fn port(&mut self) -> u64 {
        self.rng.range(40000, 65000)
    }

    /// A client address: mostly loopback, else LAN, Docker bridge or tailnet.
    fn remote(&mut self) -> String {
        match self.rng.weighted(&[50, 10, 10, 15, 8, 7]) {
            0 => "127.0.0.1".into(),
            1 => "::1".into(),
            2 => "::ffff:127.0.0.1".into(),
            3 => format!("192.168.1.{}", self.rng.range(2, 250)),
            4 => "172.17.0.1".into(),
            _ => format!(
                "100.{}.{}.{}",
                self.rng.range(64, 127),
                self.rng.range(0, 255),
                self.rng.range(1, 254)
            ),
        }
    }

    fn peer(&mut self, remote: &str) -> String {
        let p = self.port();
        if remote.contains(':') {
            format!("[{remote}]:{p}->[::1]:18789")
        } else {
            format!("{remote}:{p}->127.0.0.1:18789")
        }
    }

    fn version(&mut self) -> &'static str {
        self.rng
            .pick(&["2026.4.12", "2026.4.11", "2026.4.5", "2026.3.31", "dev"])
    }

    fn ms(&mut self) -> u64 {
        if self.rng.chance(0.002) {
            1008 // a duration that is not a close code
        } else {
            self.rng.range(1, 900)
        }
    }

    fn seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A harmless line: nothing in it is an event per `src/rules.rs`.
    fn harmless(&mut self, block: &Block) -> Entry {
        use Level::*;
        if block.format == Format::Wrapped
            && block.wrapper == Wrapper::ClawX
            && self.rng.chance(0.05)
        {
            let msg = match self.rng.below(3) {
                0 => format!("Gateway process started (pid {})", block.pid),
                1 => "Gateway health check ok (ws://127.0.0.1:18789)".to_string(),
                _ => format!("Gateway WebSocket connected (handshake={}ms)", self.ms()),
            };
            let mut e = Entry::new(Info, None, msg, false);
            e.wrapper_own = true;
            return e;
        }
        let weights = [
            14, // 0 ws res ok
            6,  // 1 ws event
            6,  // 2 ← connect (auth=token)
            4,  // 3 ← open
            4,  // 4 → hello-ok
            4,  // 5 → close 1005 / 1000
            3,  // 6 webchat connected
            3,  // 7 webchat disconnected 1001 / 1012
            6,  // 8 heartbeat
            6,  // 9 diagnostic lanes
            6,  // 10 agent run start/done
            5,  // 11 agent usage (maxTokens, tokens=)
            4,  // 12 provider request
            2,  // 13 OAuth
            3,  // 14 cron
            4,  // 15 telegram
            3,  // 16 discord author=
            2,  // 17 whatsapp
            2,  // 18 tool output with author=/authored
            2,  // 19 gateway startup lines
            1,  // 20 browser control (auth=token), canvas, plugins, skills
            1,  // 21 hasDeviceToken / pairing store / reload
            2,  // 22 ws res failed, harmless error
        ];
        match self.rng.weighted(&weights) {
            0 => {
                let c = self.conn();
                let id = self.uuid();
                let method = self.rng.pick(&[
                    "chat.send",
                    "chat.history",
                    "sessions.list",
                    "status",
                    "node.invoke",
                    "health",
                    "models.list",
                    "config.get",
                ]);
                let ms = self.ms();
                let mut m = format!("⇄ res ✓ {method} {ms}ms");
                if method == "chat.send" {
                    let run = self.uuid();
                    let _ = write!(m, " runId={}", Gen::short(&run));
                }
                let _ = write!(m, " conn={} id={}", Gen::short(&c), Gen::short(&id));
                Entry::new(Info, Some(WS), m, false)
            }
            1 => {
                let seq = self.seq();
                let ev = self.rng.pick(&["tick", "health", "agent", "presence", "chat"]);
                let mut m = format!("→ event {ev} seq={seq}");
                if ev == "agent" || ev == "chat" {
                    let run = self.uuid();
                    let _ = write!(m, " stream=assistant runId={}", Gen::short(&run));
                }
                if self.rng.chance(0.5) {
                    let c = self.conn();
                    let _ = write!(m, " conn={}", Gen::short(&c));
                }
                Entry::new(Info, Some(WS), m, false)
            }
            2 => {
                let c = self.conn();
                let id = self.uuid();
                let client = self.rng.pick(&[
                    "client=cli mode=cli",
                    "client=openclaw-control-ui mode=webchat",
                    "client=gateway-client mode=backend",
                    "client=node-host mode=node",
                    "client=openclaw-macos mode=ui",
                ]);
                let v = self.version();
                // The method that succeeded: mostly the shared token (the default
                // auth mode), then a paired device's token.
                let auth = ["token", "device-token", "password", "none"]
                    [self.rng.weighted(&[12, 6, 1, 1])];
                let scopes = self.rng.pick(&[
                    "operator.read,operator.write",
                    "operator.admin",
                    "operator.read,operator.pairing",
                    "operator.approvals",
                ]);
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "← connect {client} version={v} role=operator scopes={scopes} auth={auth} conn={} id={}",
                        Gen::short(&c),
                        Gen::short(&id)
                    ),
                    false,
                )
            }
            3 => {
                let r = self.remote();
                let p = self.port();
                let c = self.conn();
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "← open remoteAddr={r} remotePort={p} localAddr=127.0.0.1 localPort=18789 endpoint={} conn={}",
                        self.peer(&r),
                        Gen::short(&c)
                    ),
                    false,
                )
            }
            4 => {
                let c = self.conn();
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "→ hello-ok protocol=3 methods={} events=14 tickIntervalMs=30000 conn={}",
                        self.rng.range(80, 95),
                        Gen::short(&c)
                    ),
                    false,
                )
            }
            5 => {
                let c = self.conn();
                let id = self.uuid();
                let code = self.rng.pick(&["1005", "1000", "1001", "1006"]);
                let dur = self.rng.range(40, 900_000);
                let method = self.rng.pick(&["chat.history", "status", "sessions.list"]);
                let r = self.remote();
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "→ close code={code} reason=n/a durationMs={dur} handshake=connected lastFrameType=req lastFrameMethod={method} lastFrameId={id} endpoint={} conn={}",
                        self.peer(&r),
                        Gen::short(&c)
                    ),
                    false,
                )
            }
            6 => {
                let c = self.conn();
                let r = self.remote();
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "webchat connected conn={c} remote={r} client=openclaw-control-ui webchat vcontrol-ui"
                    ),
                    false,
                )
            }
            7 => {
                let c = self.conn();
                let (code, reason) =
                    self.rng
                        .pick(&[("1001", "n/a"), ("1012", "service restart"), ("1005", "n/a")]);
                Entry::new(
                    Info,
                    Some(WS),
                    format!("webchat disconnected code={code} reason={reason} conn={c}"),
                    false,
                )
            }
            8 => {
                let up = self.now_ms % 86_400_000;
                Entry::new(
                    Debug,
                    Some(HEALTH),
                    format!(
                        "heartbeat ok uptimeMs={up} connections={} queueDepth={} rssMb={}",
                        self.rng.range(0, 9),
                        self.rng.range(0, 3),
                        self.rng.range(180, 420)
                    ),
                    false,
                )
            }
            9 => {
                let lane = self.rng.pick(&[
                    "session:agent:main:main",
                    "session:agent:main:telegram:dm:41230987",
                    "main",
                    "cron",
                ]);
                let m = match self.rng.below(3) {
                    0 => format!("lane enqueue: lane={lane} queueSize={}", self.rng.range(1, 4)),
                    1 => format!(
                        "lane dequeue: lane={lane} waitMs={} queueSize=0",
                        self.rng.range(0, 40)
                    ),
                    _ => format!(
                        "lane task done: lane={lane} durationMs={} active=0 queued=0",
                        self.ms()
                    ),
                };
                Entry::new(Debug, Some(DIAGNOSTIC), m, false)
            }
            10 => {
                let run = self.uuid();
                let sess = self.uuid();
                let m = if self.rng.chance(0.5) {
                    let ch = self.rng.pick(&["telegram", "webchat", "discord", "whatsapp"]);
                    format!(
                        "embedded run start: runId={run} sessionId={sess} provider=anthropic model=claude-sonnet-4-5 thinking=low messageChannel={ch}"
                    )
                } else {
                    format!(
                        "embedded run done: runId={run} sessionId={sess} durationMs={} aborted=false",
                        self.rng.range(800, 60_000)
                    )
                };
                Entry::new(Info, Some(AGENT), m, false)
            }
            11 => {
                let run = self.uuid();
                Entry::new(
                    Debug,
                    Some(AGENT),
                    format!(
                        "usage runId={run} inputTokens={} outputTokens={} cacheRead={} tokens={} maxTokens=8192",
                        self.rng.range(200, 90_000),
                        self.rng.range(10, 4000),
                        if self.rng.chance(0.02) {
                            1008
                        } else {
                            self.rng.below(60_000)
                        },
                        self.rng.range(200, 9000)
                    ),
                    false,
                )
            }
            12 => {
                let model = self
                    .rng
                    .pick(&["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"]);
                Entry::new(
                    Debug,
                    Some(ANTHROPIC),
                    format!(
                        "request model={model} stream=true latencyMs={} status=200 requestId=req_{}",
                        self.rng.range(200, 9000),
                        self.hex(24)
                    ),
                    false,
                )
            }
            13 => {
                let m = if self.rng.chance(0.5) {
                    format!(
                        "OAuth token refreshed for profile=google-gemini-cli:mia@example.org expiresIn={}s",
                        self.rng.range(3000, 3599)
                    )
                } else {
                    "OAuth login complete for provider=google-antigravity (author=mia)".to_string()
                };
                Entry::new(Info, Some(GOOGLE), m, false)
            }
            14 => {
                let job = self.rng.pick(&["daily-digest", "inbox-sweep", "backup-notes"]);
                let m = match self.rng.below(3) {
                    0 => format!(
                        "cron: job started jobId={job} name=\"Morning digest\" schedule=\"0 8 * * *\""
                    ),
                    1 => format!(
                        "cron: job finished jobId={job} status=ok durationMs={}",
                        self.rng.range(900, 90_000)
                    ),
                    _ => format!("cron: next wake in {}s", self.rng.range(5, 3600)),
                };
                Entry::new(Info, Some(CRON), m, false)
            }
            15 => {
                let m = if self.rng.chance(0.5) {
                    format!(
                        "update received chatId={} messageId={} type=message",
                        self.rng.range(10_000_000, 99_999_999),
                        self.rng.range(1, 90_000)
                    )
                } else {
                    format!(
                        "sendMessage ok chat={} message={} chars={}",
                        self.rng.range(10_000_000, 99_999_999),
                        self.rng.range(1, 90_000),
                        self.rng.range(1, 4000)
                    )
                };
                Entry::new(Info, Some(TELEGRAM), m, false)
            }
            16 => Entry::new(
                Info,
                Some(DISCORD),
                format!(
                    "message received author={} channel={} guild={} chars={}",
                    self.rng.range(100_000_000_000_000_000, 999_999_999_999_999_999),
                    self.rng.range(100_000_000_000_000_000, 999_999_999_999_999_999),
                    self.rng.range(100_000_000_000_000_000, 999_999_999_999_999_999),
                    self.rng.range(1, 2000)
                ),
                false,
            ),
            17 => Entry::new(
                Info,
                Some(WHATSAPP),
                format!(
                    "Inbound message +4917{} -> +4917{} (direct, {} chars)",
                    self.rng.range(10_000_000, 99_999_999),
                    self.rng.range(10_000_000, 99_999_999),
                    self.rng.range(1, 900)
                ),
                false,
            ),
            18 => {
                let m = if self.rng.chance(0.5) {
                    format!(
                        "tool result exec: commit {} author=mia <mia@example.org> authored {} hours ago",
                        &self.hex(7),
                        self.rng.range(1, 48)
                    )
                } else {
                    "tool result read: README.md authored by mia, 212 lines (maxTokens=4096)"
                        .to_string()
                };
                Entry::new(Debug, Some(AGENT), m, false)
            }
            19 => {
                let m = match self.rng.below(4) {
                    0 => format!(
                        "listening on ws://127.0.0.1:18789, ws://[::1]:18789 (PID {})",
                        block.pid
                    ),
                    1 => format!(
                        "ready (12 plugins: memory-core, telegram, discord, browser, canvas…; {}.{}s)",
                        self.rng.range(1, 4),
                        self.rng.range(0, 9)
                    ),
                    2 => "log file: /tmp/openclaw/openclaw-2026-04-11.log".to_string(),
                    _ => "agent model: anthropic/claude-sonnet-4-5".to_string(),
                };
                Entry::new(Info, Some(GATEWAY), m, false)
            }
            20 => match self.rng.below(4) {
                0 => Entry::new(
                    Info,
                    Some(BROWSER),
                    "Browser control listening on http://127.0.0.1:18791/ (auth=token)".into(),
                    false,
                ),
                1 => Entry::new(
                    Info,
                    Some(CANVAS),
                    "canvas host mounted at http://127.0.0.1:18789/__openclaw__/canvas/ (root /home/mia/.openclaw/canvas)".into(),
                    false,
                ),
                2 => Entry::new(
                    Info,
                    Some(PLUGINS),
                    format!("memory-core: indexed {} files ({}ms)", self.rng.range(1, 90), self.ms()),
                    false,
                ),
                _ => Entry::new(
                    Info,
                    Some(SKILLS),
                    format!("skills snapshot refreshed count={} (watch)", self.rng.range(5, 40)),
                    false,
                ),
            },
            21 => match self.rng.below(3) {
                0 => Entry::new(
                    Info,
                    None,
                    "node host handshake diagnostics: hasDeviceToken=true hasSharedToken=false role=node"
                        .into(),
                    false,
                ),
                1 => Entry::new(
                    Info,
                    Some(GATEWAY),
                    format!(
                        "device pairing store loaded ({} paired, 0 pending)",
                        self.rng.range(1, 6)
                    ),
                    false,
                ),
                _ => Entry::new(
                    Info,
                    Some(RELOAD),
                    "config change detected; evaluating reload (gateway.controlUi.allowedOrigins)"
                        .into(),
                    false,
                ),
            },
            _ => {
                let c = self.conn();
                let id = self.uuid();
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "⇄ res ✗ chat.send {}ms errorCode=UNAVAILABLE errorMessage=gateway starting conn={} id={}",
                        self.ms(),
                        Gen::short(&c),
                        Gen::short(&id)
                    ),
                    false,
                )
            }
        }
    }

    /// The close context of a `closed before connect` line (§2.3), as meta members.
    fn close_meta(&mut self, cause: &str, extra: &str, remote: &str, port: u64) -> String {
        let id = self.uuid();
        format!(
            "\"cause\":\"{cause}\",\"handshake\":\"failed\",\"durationMs\":{},\"lastFrameType\":\"req\",\"lastFrameMethod\":\"connect\",\"lastFrameId\":\"{id}\",\"host\":\"127.0.0.1:18789\",\"origin\":\"n/a\",\"userAgent\":\"n/a\",\"remoteAddr\":\"{remote}\",\"remotePort\":{port},\"localAddr\":\"127.0.0.1\",\"localPort\":18789,\"client\":\"cli\",\"clientDisplayName\":\"openclaw cli\",\"mode\":\"cli\",\"version\":\"{}\"{extra}",
            self.ms(),
            self.version()
        )
    }

    /// An event line: every one matches at least one rule of `src/rules.rs`.
    fn event(&mut self, block: &Block) -> Entry {
        use Level::*;
        if block.format == Format::Wrapped
            && block.wrapper == Wrapper::ClawX
            && self.rng.chance(0.2)
        {
            let mut e = Entry::new(
                Warn,
                None,
                "Gateway WebSocket closed (code=1008, reason=pairing required, handshake=failed)"
                    .into(),
                true,
            );
            e.wrapper_own = true;
            return e;
        }
        let weights = [
            22, // 0 closed before connect
            10, // 1 → close 1008
            10, // 2 security audit upgrade
            7,  // 3 unauthorized conn=
            4,  // 4 handshake timeout / invalid handshake
            8,  // 5 device pairing auto-approved / approved / removed
            3,  // 6 device token rotated / bootstrap token
            8,  // 7 gateway connect failed
            3,  // 8 gateway closed (1008) multi-line
            2,  // 9 exec approval registration failed
            5,  // 10 missing scope
            3,  // 11 device.pair.requested
            2,  // 12 DM pairing request / blocked
            2,  // 13 proxy headers
            2,  // 14 webchat disconnected 1008
        ];
        match self.rng.weighted(&weights) {
            0 => {
                let c = self.conn();
                let r = self.remote();
                let port = self.port();
                let peer = self.peer(&r);
                let req = self.uuid();
                let dev = self.device();
                let sub_reason =
                    self.rng
                        .pick(&["not-paired", "role-upgrade", "scope-upgrade", "metadata-upgrade"]);
                let pairing_meta = format!(
                    ",\"deviceId\":\"{dev}\",\"requestId\":\"{req}\",\"reason\":\"{sub_reason}\""
                );
                let (code, reason, cause, extra, ua) = match self.rng.below(8) {
                    0 | 1 => ("1008", "pairing required".to_string(), "pairing-required", pairing_meta, "n/a"),
                    2 | 3 => ("1008", "connect failed".to_string(), "pairing-required", pairing_meta, "n/a"),
                    4 => (
                        "4008",
                        "connect failed".to_string(),
                        "pairing-required",
                        pairing_meta,
                        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36",
                    ),
                    5 => (
                        "1008",
                        "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)".to_string(),
                        "unauthorized",
                        ",\"authMode\":\"token\",\"authProvided\":\"token\",\"authReason\":\"token_mismatch\"".to_string(),
                        "n/a",
                    ),
                    6 => (
                        "1008",
                        format!("pairing required: device is not approved yet (requestId: {req})"),
                        "pairing-required",
                        pairing_meta,
                        "n/a",
                    ),
                    _ => (
                        "1008",
                        self.rng
                            .pick(&[
                                "device signature expired",
                                "origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)",
                                "control ui requires device identity (use HTTPS or localhost secure context)",
                            ])
                            .to_string(),
                        "device-auth-invalid",
                        ",\"reason\":\"device-signature-stale\"".to_string(),
                        "n/a",
                    ),
                };
                let mut e = Entry::new(
                    Warn,
                    Some(WS),
                    format!(
                        "closed before connect conn={c} peer={peer} remote={r} fwd=n/a origin=n/a host=127.0.0.1:18789 ua={ua} code={code} reason={reason}"
                    ),
                    true,
                );
                e.meta = Some(self.close_meta(cause, &extra, &r, port));
                e
            }
            1 => {
                let c = self.conn();
                let id = self.uuid();
                let r = self.remote();
                let reason = self.rng.pick(&["pairing required", "connect failed"]);
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "→ close code=1008 reason={reason} durationMs={} cause=pairing-required handshake=failed lastFrameType=req lastFrameMethod=connect lastFrameId={id} endpoint={} conn={}",
                        self.ms(),
                        self.peer(&r),
                        Gen::short(&c)
                    ),
                    true,
                )
            }
            2 => {
                let dev = self.device();
                let c = self.conn();
                let (reason, role_from, role_to, scopes_from, scopes_to, client) =
                    match self.rng.below(3) {
                        0 => (
                            "scope-upgrade",
                            "operator",
                            "operator",
                            "operator.read,operator.write",
                            "operator.admin",
                            "gateway-client",
                        ),
                        1 => ("role-upgrade", "<none>", "node", "<none>", "<none>", "node-host"),
                        _ => (
                            "scope-upgrade",
                            "operator",
                            "operator",
                            "operator.read",
                            "operator.approvals",
                            "cli",
                        ),
                    };
                let ip = if self.rng.chance(0.7) {
                    "unknown-ip".to_string()
                } else {
                    self.remote()
                };
                Entry::new(
                    Warn,
                    Some(GATEWAY),
                    format!(
                        "security audit: device access upgrade requested reason={reason} device={dev} ip={ip} auth=token roleFrom={role_from} roleTo={role_to} scopesFrom={scopes_from} scopesTo={scopes_to} client={client} conn={c}"
                    ),
                    true,
                )
            }
            3 => {
                let c = self.conn();
                let r = self.remote();
                let peer = self.peer(&r);
                let v = self.version();
                let reason = self.rng.pick(&[
                    "token_mismatch",
                    "token_missing",
                    "device_token_mismatch",
                    "rate_limited",
                    "password_mismatch",
                ]);
                Entry::new(
                    Warn,
                    Some(WS),
                    format!(
                        "unauthorized conn={c} peer={peer} remote={r} client=cli cli v{v} role=operator scopes=2 auth=token device=yes platform=linux instance=n/a host=127.0.0.1:18789 origin=n/a ua=n/a reason={reason}"
                    ),
                    true,
                )
            }
            4 => {
                let c = self.conn();
                let r = self.remote();
                let peer = self.peer(&r);
                let m = if self.rng.chance(0.7) {
                    format!("handshake timeout conn={c} peer={peer} remote={r}")
                } else {
                    format!(
                        "invalid handshake conn={c} peer={peer} remote={r} fwd=n/a origin=n/a host=127.0.0.1:18789 ua=curl/8.5.0"
                    )
                };
                Entry::new(Warn, Some(WS), m, true)
            }
            5 => {
                let dev = self.device();
                let role = self.rng.pick(&["operator", "node"]);
                let (lvl, m) = match self.rng.below(4) {
                    0 | 1 => (
                        Info,
                        format!("device pairing auto-approved device={dev} role={role}"),
                    ),
                    2 => (Info, format!("device pairing approved device={dev} role={role}")),
                    _ => (Info, format!("device pairing removed device={dev}")),
                };
                Entry::new(lvl, Some(GATEWAY), m, true)
            }
            6 => {
                let dev = self.device();
                let m = if self.rng.chance(0.7) {
                    format!(
                        "device token rotated device={dev} role=operator scopes=operator.read,operator.write"
                    )
                } else {
                    format!("bootstrap token revoke skipped after approval device={dev}")
                };
                Entry::new(Info, Some(GATEWAY), m, true)
            }
            7 => {
                let m = match self.rng.below(4) {
                    0 | 1 => "gateway connect failed: GatewayClientRequestError: pairing required"
                        .to_string(),
                    2 => "gateway connect failed: Error: pairing required".to_string(),
                    _ => {
                        let req = self.uuid();
                        format!(
                            "gateway connect failed: GatewayClientRequestError: scope upgrade pending approval (requestId: {req})"
                        )
                    }
                };
                Entry::new(Error, None, m, true)
            }
            8 => Entry::new(
                Error,
                None,
                // One console.error with a multi-line text: only the first line is an
                // event; the rest are harmless follow-up lines.
                "gateway closed (1008): pairing required\nGateway target: ws://127.0.0.1:18789\nSource: local loopback\nConfig: /home/mia/.openclaw/openclaw.json\nBind: loopback"
                    .into(),
                true,
            ),
            9 => Entry::new(
                Error,
                None,
                "Exec approval registration failed: Error: gateway closed (1008): pairing required"
                    .into(),
                true,
            ),
            10 => {
                let c = self.conn();
                let id = self.uuid();
                let method = self.rng.pick(&["sessions.patch", "config.set", "cron.add"]);
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "⇄ res ✗ {method} {}ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.admin conn={} id={}",
                        self.ms(),
                        Gen::short(&c),
                        Gen::short(&id)
                    ),
                    true,
                )
            }
            11 => {
                let req = self.uuid();
                let dev = self.device();
                let seq = self.seq();
                Entry::new(
                    Info,
                    Some(WS),
                    format!(
                        "→ event device.pair.requested seq={seq} requestId={} deviceId={}",
                        Gen::short(&req),
                        &dev[..12]
                    ),
                    true,
                )
            }
            12 => {
                let m = if self.rng.chance(0.6) {
                    format!(
                        "discord pairing request sender={} tag=mia#0001 (matchKey=dm matchSource=id)",
                        self.rng.range(100_000_000_000_000_000, 999_999_999_999_999_999)
                    )
                } else {
                    format!(
                        "Blocked unauthorized telegram sender {} (dmPolicy=allowlist, reason=not-allowed)",
                        self.rng.range(10_000_000, 99_999_999)
                    )
                };
                Entry::new(Info, None, m, true)
            }
            13 => Entry::new(
                Warn,
                Some(WS),
                "Proxy headers detected from untrusted address. Connection will not be treated as local. Configure gateway.trustedProxies to restore local client detection behind your proxy."
                    .into(),
                true,
            ),
            _ => {
                let c = self.conn();
                Entry::new(
                    Info,
                    Some(WS),
                    format!("webchat disconnected code=1008 reason=pairing required conn={c}"),
                    true,
                )
            }
        }
    }
}

/// Reads `1G`, `256M`, `512K`, `1GiB`, `100` (binary units).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let t = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (num, mult) = match t.chars().last()? {
        'k' => (&t[..t.len() - 1], 1u64 << 10),
        'm' => (&t[..t.len() - 1], 1 << 20),
        'g' => (&t[..t.len() - 1], 1 << 30),
        't' => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let n: f64 = num.trim().parse().ok()?;
    (n >= 0.0).then_some((n * mult as f64) as u64)
}

const USAGE: &str = "usage: gen-corpus [--size SIZE] [--density P] [--seed N] \
[--format mixed|pretty|pretty-plain|pretty-ansi|compact|json|file|logs|wrapped] [--out PATH]

  --size     upper bound on bytes, suffixes K M G (binary); default 64M
  --density  fraction of lines that are event lines, 0..1; default 0.01
  --seed     PRNG seed; same arguments, same bytes; default 42
  --format   line format(s); mixed = blocks of every format; default mixed
  --out      output file; default standard output
  --events-out PATH
             also write the line number of every event line to PATH

Prints to stderr, last, the line scripts parse:
  events=N lines=L bytes=B grep_ordinary=G grep_events=H
(G and H: ordinary and event lines holding pairing|1008|token|auth, any case;
G + H is what `rg -ci 'pairing|1008|token|auth'` counts).";

struct Args {
    cfg: Config,
    format_name: String,
    out: Option<String>,
    events_out: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut cfg = Config::mixed(64 << 20, 0.01, 42);
    let mut format_name = "mixed".to_string();
    let mut out = None;
    let mut events_out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        if key == "-h" || key == "--help" {
            return Err(String::new());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{key} needs a value"))
        };
        match key.as_str() {
            "--size" => {
                let v = value()?;
                cfg.size = parse_size(&v).ok_or_else(|| format!("bad size {v:?}"))?;
            }
            "--density" => {
                let v = value()?;
                cfg.density = v
                    .parse::<f64>()
                    .ok()
                    .filter(|d| (0.0..=1.0).contains(d))
                    .ok_or_else(|| format!("bad density {v:?} (want 0..1)"))?;
            }
            "--seed" => {
                let v = value()?;
                cfg.seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?;
            }
            "--format" => {
                let v = value()?;
                cfg.formats =
                    Format::parse_choice(&v).ok_or_else(|| format!("unknown format {v:?}"))?;
                format_name = v;
            }
            "--out" | "-o" => out = Some(value()?),
            "--events-out" => events_out = Some(value()?),
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    Ok(Args {
        cfg,
        format_name,
        out,
        events_out,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if msg.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("gen-corpus: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = (|| {
        let mut events = match &args.events_out {
            Some(p) => Some(BufWriter::new(std::fs::File::create(p)?)),
            None => None,
        };
        let ev = events.as_mut().map(|w| w as &mut dyn Write);
        let stats = match &args.out {
            Some(path) => generate_with(&args.cfg, std::fs::File::create(path)?, ev)?,
            None => generate_with(&args.cfg, io::stdout().lock(), ev)?,
        };
        if let Some(mut w) = events {
            w.flush()?;
        }
        Ok::<_, io::Error>(stats)
    })();
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gen-corpus: {e}");
            return ExitCode::from(2);
        }
    };
    let t = stats.total;
    eprintln!(
        "gen-corpus: wrote {} bytes, {} lines, {} event lines ({:.3} %), format {}, seed {}, density {} -> {}",
        t.bytes,
        t.lines,
        t.events,
        100.0 * t.events as f64 / t.lines.max(1) as f64,
        args.format_name,
        args.cfg.seed,
        args.cfg.density,
        args.out.as_deref().unwrap_or("stdout")
    );
    eprintln!(
        "gen-corpus: {} of {} ordinary lines ({:.1} %) hold a grep word (pairing|1008|token|auth, any case)",
        t.grep_ordinary,
        t.lines - t.events,
        100.0 * t.grep_fraction()
    );
    for (f, c) in Format::ALL.iter().zip(stats.per_format) {
        if c.lines > 0 {
            eprintln!(
                "gen-corpus:   {:<12} {:>10} bytes {:>9} lines {:>8} events {:>5.1} % grep words",
                f.name(),
                c.bytes,
                c.lines,
                c.events,
                100.0 * c.grep_fraction()
            );
        }
    }
    // The one line scripts parse.
    eprintln!(
        "events={} lines={} bytes={} grep_ordinary={} grep_events={}",
        t.events, t.lines, t.bytes, t.grep_ordinary, t.grep_events
    );
    ExitCode::SUCCESS
}
