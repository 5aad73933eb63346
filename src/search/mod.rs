//! The search core and its drivers.
//!
//! This module owns the one pipeline every input goes through — find candidate lines
//! in a whole block, classify them, parse them into records, hand them to a [`Sink`] —
//! and the thin drivers that feed it blocks: a [`Read`] stream (stdin, files,
//! decompressors) and an in-memory slice (a chunk of a large file). Every driver ends
//! in one block search (`Scan::block`), so a record does not depend on how its input was cut.
//! It does not open files (that is `input`) or format output (that is `output`).

pub(crate) mod ansi;
pub mod lines;
pub(crate) mod parse;
pub mod redact;
pub(crate) mod rules;
pub(crate) mod span;

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::hash::{Hash, Hasher};
use std::io::{self, Read};
use std::sync::Arc;

use crate::record::Record;
use crate::search::lines::{Fill, LineBuffer, LineCounter, Position};
use crate::search::parse::Parser;
use crate::search::redact::Redactor;
use crate::search::rules::{CategorySet, Classification, ContextAnchors, Rules, RulesError};
use crate::text::find_literal;

/// The default bytes asked for per read (ripgrep uses 64 KiB; larger reads halve the
/// syscalls on files, and a pipe returns what it has anyway).
pub const DEFAULT_READ_SIZE: usize = 256 * 1024;

/// The default cap on a line's length before it is cut.
pub const DEFAULT_MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// How much of a cut line is searched again with its next piece, so an event text
/// split across two pieces is still found. Longer than any rule's match plus
/// [`PIECE_CONTEXT`].
const TAIL_OVERLAP: usize = 4096;

/// The least number of bytes of a cut line classified at a time.
const PIECE_BATCH: usize = 64 * 1024;

/// The bytes at the end of a piece that serve only as look-around context (for `\b`
/// and `$`); matches reaching into them are found with the next piece.
const PIECE_CONTEXT: usize = 256;

/// What a search looks for and how it reads.
#[derive(Clone, Debug)]
pub struct SearchConfig {
    /// Lines longer than this are reported cut, with `truncated: true`.
    pub max_line_bytes: usize,
    /// Emit every line, not only events.
    pub emit_all: bool,
    /// Emit only events with at least one of these categories.
    pub categories: CategorySet,
    /// Bytes asked for per read by the stream driver.
    pub read_size: usize,
    /// Replace secrets in records by markers (see [`crate::search::redact`]).
    pub redact: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            emit_all: false,
            categories: CategorySet::all(),
            read_size: DEFAULT_READ_SIZE,
            redact: true,
        }
    }
}

/// Lines a sink wants besides events (see [`Searcher::with_context`]): a pattern
/// confined to one line, and literals of which every match holds one (so that the
/// search for anchors finds them; the diagnosis's tests prove it for its patterns).
#[derive(Clone, Debug)]
pub struct ContextLines {
    /// The pattern a context line matches.
    pub pattern: regex::bytes::Regex,
    /// Literals of which every match of `pattern` holds at least one.
    pub anchors: Vec<&'static str>,
    /// Lines that continue the line above them (a client error block, pasted fields,
    /// a wrapped line's tail): handed over when they come right below a line that
    /// was, up to [`LOOKAHEAD`] lines in a row. They need no anchor: only the lines
    /// below a handed-over line are tested.
    pub follow: Option<AnyOf>,
    /// Lines handed over only for the client version they name (a plain scan's
    /// `← connect`): flagged [`Record::version_only`], they start no look-ahead, and
    /// the diagnosis reads their version and nothing else.
    pub version_only: Option<regex::bytes::Regex>,
    /// Literals of which every match of `version_only` holds at least one. A line
    /// is asked `version_only` only when it holds one of them (and `pattern` only
    /// when it holds one of `anchors`), so a pattern whose anchors are left out is
    /// never asked.
    pub version_anchors: Vec<&'static str>,
}

/// Patterns a line matches when it matches any of them. Kept apart rather than
/// joined into one alternation: a pattern anchored at the line's start fails in a
/// few bytes and one that starts with a literal is found by a memchr search,
/// where their alternation scans every byte of every line it is asked about.
#[derive(Clone, Debug, Default)]
pub struct AnyOf(pub Vec<regex::bytes::Regex>);

impl AnyOf {
    /// Whether one of the patterns matches `line`.
    pub fn is_match(&self, line: &[u8]) -> bool {
        self.0.iter().any(|re| re.is_match(line))
    }
}

/// The most distinct version-only lines a search remembers (then it starts over).
const MAX_VERSIONS_SEEN: usize = 4096;

/// What a `← connect` line tells about a client, as a hash of the words the version
/// tracker reads: `client=`, `version=`, `remote=`, `ip=` and the words without `=`
/// (a `client=<label> <mode> v<version>` value runs over them). The other fields
/// (`mode=`, `role=`, `scopes=`, `auth=`, the connection's `conn=` and `id=`) name
/// no client, version or address, so two lines with the same key tell the same. A
/// JSON line (console JSON, or the file log's
/// numbered arguments) counts when its message string is the last argument: what
/// follows it is the record's time and runtime (`_meta`), never a client field.
/// `None` (always hand the line over) when other text could add fields: `key=value`
/// words before the arrow, another argument after the message, escapes.
fn version_key(line: &[u8]) -> Option<u64> {
    const ARROW: &[u8] = "← connect ".as_bytes();
    let i = find_literal!(line, ARROW)?;
    let (before, rest) = (&line[..i], &line[i + ARROW.len()..]);
    // memchr, not `contains`: this runs on every `← connect` line, and core's byte
    // search is a word at a time where memchr's is SIMD (the byte loops here were
    // 5 % of a 1 %-event scan's instructions).
    if memchr::memchr(b'=', before).is_some() {
        return None;
    }
    let (words, tail) = match memchr::memchr(b'"', rest) {
        None if memchr::memchr(b'{', rest).is_none() => (rest, &b""[..]),
        None => return None,
        Some(q) => (&rest[..q], &rest[q..]),
    };
    let tail_kind: u8 = if tail.is_empty() {
        0
    } else if tail == b"\"}" {
        1
    } else if tail.starts_with(b"\",\"_meta\":") && find_literal!(tail, b"\"2\":").is_none() {
        2
    } else {
        return None;
    };
    // An escape in the message (`\"`, `\n`) or a terminal sequence: read it whole.
    if memchr::memchr3(b'{', b'\\', 0x1b, words).is_some() {
        return None;
    }
    let mut h = WordHasher::default();
    tail_kind.hash(&mut h);
    for word in words.split(|&b| b == b' ') {
        let read = memchr::memchr(b'=', word).is_none()
            || [&b"client="[..], b"version=", b"remote=", b"ip="]
                .iter()
                .any(|k| word.starts_with(k));
        if read {
            word.hash(&mut h);
        }
    }
    Some(h.finish())
}

/// The version-only lines a search has handed over, by [`version_key`]: the keys
/// are hashes already, so the set uses them as they are.
pub(crate) type VersionsSeen = HashSet<u64, BuildHasherDefault<KeyHasher>>;

/// What a searcher thread keeps from block to block (see
/// [`Searcher::search_block`]).
#[derive(Default)]
pub(crate) struct BlockMemory {
    /// The version-only lines it has handed over.
    versions_seen: VersionsSeen,
    /// The buffer a block with escapes is stripped into: reused, not allocated
    /// again for every block.
    scratch: Vec<u8>,
}

/// Hashes eight bytes at a time (FxHash's step), for keys hashed once per record:
/// a version key (computed for every `← connect` line) and the diagnosis's hint key.
/// SipHash's byte-at-a-time rounds were their main cost. Not keyed: the tables it
/// serves are capped (a collision costs a longer probe in at most 1024 entries, or a
/// line not handed over), and a fixed-key SipHash was no harder to collide.
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // The length keeps `ab` + `c` apart from `a` + `bc`.
        self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59))
            .wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Passes a `u64` key through: what [`VersionsSeen`] hashes is a hash.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else is folded in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Why a line is handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handed {
    /// An event, a context line or a line continuing one.
    Line,
    /// Only for the version it names ([`ContextLines::version_only`]).
    VersionOnly,
}

/// The most lines handed over in a row because they continue the line above.
pub const LOOKAHEAD: u64 = 16;

/// Where records go. NDJSON, counts, summaries and stats are all sinks.
pub trait Sink {
    /// Takes one record. `Ok(false)` stops the search early (as `--quiet` does).
    fn record(&mut self, rec: &Record) -> io::Result<bool>;

    /// Takes one record by value. The search and the batch driver hand records over
    /// this way, so a sink that keeps or passes on records (a queue, the diagnosis's
    /// hold-back) takes them without a copy; the default borrows.
    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        self.record(&rec)
    }

    /// The input has no more data ready right now: a live sink should flush.
    /// `Ok(false)` stops the search, as from [`Sink::record`]: a sink that holds
    /// records back (the diagnosis) may pass its first one on only now, and a
    /// `--quiet` run waiting on a followed file must hear that it is done.
    fn idle(&mut self) -> io::Result<bool> {
        Ok(true)
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        (**self).record(rec)
    }
    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        (**self).record_owned(rec)
    }
    fn idle(&mut self) -> io::Result<bool> {
        (**self).idle()
    }
}

/// Why a search stopped early.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Reading the input failed; records before `at` were delivered.
    #[error("{source} (at line {})", at.line)]
    Read {
        /// The read error.
        source: io::Error,
        /// How far the input had been read.
        at: Position,
    },
    /// The sink could not take a record (a closed pipe, a full disk).
    #[error("{0}")]
    Write(#[source] io::Error),
}

/// What one search saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Bytes read.
    pub bytes: u64,
    /// Records delivered to the sink.
    pub records: u64,
    /// The sink asked to stop before the input ended.
    pub stopped: bool,
}

/// The compiled rules and parser plus a configuration: build once, search many inputs
/// (from many threads: it is `Sync`).
#[derive(Clone, Debug)]
pub struct Searcher {
    rules: Rules,
    parser: Parser,
    redactor: Redactor,
    config: SearchConfig,
    /// Lines to hand over as context (see [`Searcher::with_context`]).
    context: Option<regex::bytes::Regex>,
    /// Lines handed over when they continue a handed-over line.
    follow: Option<AnyOf>,
    /// Lines handed over only for their version (see [`ContextLines::version_only`]).
    version_only: Option<regex::bytes::Regex>,
}

impl Searcher {
    /// Compiles the rule table and the format parser.
    pub fn new(config: SearchConfig) -> Result<Searcher, RulesError> {
        Ok(Searcher {
            rules: Rules::new()?,
            parser: Parser::new(),
            redactor: Redactor::new(),
            config,
            context: None,
            follow: None,
            version_only: None,
        })
    }

    /// The same compiled rules and parser with another configuration (cheap: the
    /// compiled parts are shared).
    pub fn with_config(&self, config: SearchConfig) -> Searcher {
        Searcher {
            rules: self.rules.clone(),
            parser: self.parser.clone(),
            redactor: self.redactor.clone(),
            config,
            context: self.context.clone(),
            follow: self.follow.clone(),
            version_only: self.version_only.clone(),
        }
    }

    /// The same searcher, also handing the sink *context lines*: lines that match
    /// `context.pattern` but no rule reach the sink with empty categories. The
    /// diagnosis reads them (version banners, `Source: local loopback`) without
    /// having every line parsed. Lines longer than `max_line_bytes` are never
    /// context. The anchors join the rules' in the one whole-buffer search.
    pub fn with_context(&self, context: ContextLines) -> Result<Searcher, RulesError> {
        debug_assert!(
            context.version_only.is_none() || !context.version_anchors.is_empty(),
            "a version-only pattern without anchors would never be asked"
        );
        Ok(Searcher {
            rules: self
                .rules
                .with_context_anchors(&context.anchors, &context.version_anchors)?,
            context: Some(context.pattern),
            follow: context.follow,
            version_only: context.version_only,
            ..self.clone()
        })
    }

    /// The same searcher, redacting with `redactor` (a fixed key gives reproducible
    /// markers) when the configuration asks for redaction.
    pub fn with_redactor(&self, redactor: Redactor) -> Searcher {
        Searcher {
            redactor,
            ..self.clone()
        }
    }

    /// The configuration this searcher was built with.
    pub fn config(&self) -> &SearchConfig {
        &self.config
    }

    /// Searches a stream. Calls [`Sink::idle`] whenever a read returns less than it
    /// asked for, so a live pipe's records are not held back in a buffer.
    pub fn search_reader<R: Read>(
        &self,
        reader: R,
        source: &Arc<str>,
        sink: &mut dyn Sink,
    ) -> Result<SearchStats, SearchError> {
        self.search_reader_at(reader, Position::START, source, sink)
    }

    /// Searches a stream whose first byte is at `start` of its input: the rest of a
    /// file being followed, after the lines that were there before.
    pub fn search_reader_at<R: Read>(
        &self,
        reader: R,
        start: Position,
        source: &Arc<str>,
        sink: &mut dyn Sink,
    ) -> Result<SearchStats, SearchError> {
        self.search_reader_carried(reader, start, 0, source, sink)
            .map(|(stats, _)| stats)
    }

    /// [`Searcher::search_reader_at`], the input before `start` having left `carry`
    /// lines to test (see [`Searcher::search_block`]); also returns what this input
    /// leaves. For a stream that continues a block searched apart
    /// (`drive::blocks` reads a line too long for a block this way).
    pub(crate) fn search_reader_carried<R: Read>(
        &self,
        mut reader: R,
        start: Position,
        carry: u64,
        source: &Arc<str>,
        sink: &mut dyn Sink,
    ) -> Result<(SearchStats, u64), SearchError> {
        let mut scan = Scan::new(self, source, sink);
        scan.carry = carry;
        let mut buf = LineBuffer::new(self.config.read_size);
        let mut pos = start;
        let mut long: Option<LongLine> = None;
        let max = self.config.max_line_bytes.max(1);
        loop {
            // The unconsumed bytes hold no newline (they are a partial line), so
            // only what this fill brings needs searching: a long line arriving in
            // small reads costs linear, not quadratic, time.
            let searched = buf.data().len();
            let fill = match buf.fill(&mut reader) {
                Ok(f) => f,
                Err(e) => {
                    // Keep what was read: the partial last line is still a line.
                    scan.finish(&mut buf, pos, long.take())?;
                    return Err(SearchError::Read {
                        source: e,
                        at: scan.end_pos(pos, &buf),
                    });
                }
            };
            let short = match fill {
                Fill::Eof => {
                    scan.finish(&mut buf, pos, long.take())?;
                    return Ok((scan.stats, scan.carry));
                }
                Fill::Data { n, short } => {
                    scan.stats.bytes += n as u64;
                    short
                }
            };
            if let Some(mut ll) = long.take() {
                match memchr::memchr(b'\n', buf.data()) {
                    Some(i) => {
                        ll.feed(&self.rules, &buf.data()[..i], true);
                        pos = ll.end_position();
                        buf.consume(i + 1);
                        buf.shrink();
                        if !scan.long_line(ll)? {
                            return Ok((scan.stats, scan.carry));
                        }
                    }
                    None => {
                        ll.feed(&self.rules, buf.data(), false);
                        let n = buf.data().len();
                        buf.consume(n);
                        long = Some(ll);
                    }
                }
            }
            if long.is_none() {
                let data = buf.data();
                if let Some(last) =
                    memchr::memrchr(b'\n', &data[searched.min(data.len())..]).map(|i| searched + i)
                {
                    let block = &data[..=last];
                    if !scan.block(block, pos)? {
                        return Ok((scan.stats, scan.carry));
                    }
                    pos = pos.after(block);
                    buf.consume(last + 1);
                    buf.shrink();
                }
                // `max + 1`: a line of exactly `max` bytes may still be followed by
                // the `\r` of its CRLF.
                if buf.data().len() > max + 1 {
                    let mut ll = LongLine::new(&self.rules, &buf.data()[..max], pos);
                    ll.feed(&self.rules, &buf.data()[max..], false);
                    let n = buf.data().len();
                    buf.consume(n);
                    long = Some(ll);
                }
            }
            if short && !scan.sink.idle().map_err(SearchError::Write)? {
                scan.stats.stopped = true;
                return Ok((scan.stats, scan.carry));
            }
        }
    }

    /// Searches bytes already in memory (a whole file, or a newline-aligned chunk of
    /// one that starts at `start`).
    pub fn search_slice(
        &self,
        data: &[u8],
        start: Position,
        source: &Arc<str>,
        sink: &mut dyn Sink,
    ) -> Result<SearchStats, SearchError> {
        self.search_chunk(data, start, source, sink, &mut Vec::new())
    }

    /// [`Searcher::search_slice`] with the buffer a chunk with escapes is stripped
    /// into kept by the caller: a split file's worker reuses it from chunk to chunk.
    /// A fresh one grew (copied) and was page-faulted in for every chunk: four in
    /// five of a split scan's page faults, and a tenth of its CPU time in the kernel
    /// (issue 21).
    pub(crate) fn search_chunk(
        &self,
        data: &[u8],
        start: Position,
        source: &Arc<str>,
        sink: &mut dyn Sink,
        scratch: &mut Vec<u8>,
    ) -> Result<SearchStats, SearchError> {
        let mut scan = Scan::new(self, source, sink);
        if start.line > 1 && self.follow.is_some() && !self.config.emit_all {
            // The line above this chunk is in another one: hand over the first
            // lines that would continue it, marked so that the sink keeps them only
            // if that line was handed over (as a stream would have).
            scan.carry = LOOKAHEAD;
            scan.speculative = true;
        }
        scan.scratch = std::mem::take(scratch);
        let result = scan.slice(data, start);
        *scratch = std::mem::take(&mut scan.scratch);
        result?;
        Ok(scan.stats)
    }

    /// Searches a block of whole lines in memory (the last may lack its terminator at
    /// the end of input) that starts at `start`, exactly as a stream reading on from
    /// the input before it would: `carry` is what that input left, the number of lines
    /// below its last handed-over line still to test for continuing it (0 when its
    /// last line was not handed over). Returns what this block leaves for the next.
    /// Unlike [`Searcher::search_slice`], which cannot know and hands such lines over
    /// speculatively, nothing here is speculative.
    ///
    /// `memory` is what the searcher thread keeps from block to block: what the
    /// version-only lines handed over so far said (see
    /// [`ContextLines::version_only`]), so a repeat is skipped as a stream skips it,
    /// except the first time each thread meets it (the diagnosis reads repeats the
    /// same way), and its scratch buffer.
    pub(crate) fn search_block(
        &self,
        data: &[u8],
        start: Position,
        carry: u64,
        memory: &mut BlockMemory,
        source: &Arc<str>,
        sink: &mut dyn Sink,
    ) -> Result<(SearchStats, u64), SearchError> {
        let mut scan = Scan::new(self, source, sink);
        scan.carry = carry;
        scan.versions_seen = std::mem::take(&mut memory.versions_seen);
        scan.scratch = std::mem::take(&mut memory.scratch);
        let result = scan.slice(data, start);
        memory.versions_seen = std::mem::take(&mut scan.versions_seen);
        memory.scratch = std::mem::take(&mut scan.scratch);
        result?;
        Ok((scan.stats, scan.carry))
    }

    /// Whether the first line of `data` would be handed over as continuing a
    /// handed-over line right above it. When it would not, a block starting with it
    /// gives the same records whatever the input before it left to test (the
    /// look-ahead stops at its first line), so it can be searched before the block
    /// above is.
    pub(crate) fn continues_above(&self, data: &[u8]) -> bool {
        let Some(follow) = self.follow.as_ref() else {
            return false;
        };
        if self.config.emit_all || data.is_empty() {
            return false;
        }
        // The line as the block search sees it: stripped with its terminator (an
        // escape may sit between a `\r` and the `\n`), then without it.
        let raw = &data[..lines::line_end(data, 0).saturating_add(1).min(data.len())];
        let stripped;
        let hay: &[u8] = if ansi::has_escapes(raw) {
            stripped = ansi::strip(raw);
            &stripped
        } else {
            raw
        };
        follow.is_match(lines::trim_cr(&hay[..lines::line_end(hay, 0)]))
    }
}

impl Scan<'_> {
    /// Searches `data` (whole lines, starting at `start`) in windows.
    fn slice(&mut self, data: &[u8], start: Position) -> Result<(), SearchError> {
        // Windows bound the scratch memory that ANSI stripping needs.
        const WINDOW: usize = 1 << 20;
        let scan = self;
        let mut pos = start;
        let mut i = 0;
        while i < data.len() {
            let mut end = (i + WINDOW).min(data.len());
            if end < data.len() {
                end = lines::line_end(data, end).saturating_add(1).min(data.len());
            }
            let block = &data[i..end];
            scan.stats.bytes += block.len() as u64;
            if !scan.block(block, pos)? {
                break;
            }
            pos = pos.after(block);
            i = end;
        }
        Ok(())
    }
}

/// A line longer than the cap, being read piece by piece: its head is kept for the
/// record, and every piece is classified with the overlap of the one before.
struct LongLine {
    head: Vec<u8>,
    start: Position,
    len: u64,
    class: Classification,
    overlap: Vec<u8>,
    scratch: Vec<u8>,
}

impl LongLine {
    fn new(rules: &Rules, head: &[u8], start: Position) -> LongLine {
        let mut ll = LongLine {
            head: head.to_vec(),
            start,
            len: 0,
            class: Classification::default(),
            overlap: Vec::new(),
            scratch: Vec::new(),
        };
        ll.feed(rules, head, false);
        ll
    }

    /// Classifies the next piece; `last` when the line ends with it.
    fn feed(&mut self, rules: &Rules, piece: &[u8], last: bool) {
        self.len += piece.len() as u64;
        self.overlap.extend_from_slice(piece);
        // Classify in windows of at least PIECE_BATCH new bytes: pieces as small as
        // one byte (a slow pipe) would otherwise re-read the overlap every time.
        if !last && self.overlap.len() < TAIL_OVERLAP + PIECE_BATCH {
            return;
        }
        self.scratch.clear();
        ansi::strip_into(&self.overlap, &mut self.scratch);
        let text = if last {
            lines::trim_cr(&self.scratch)
        } else {
            &self.scratch[..]
        };
        let end = if last {
            text.len()
        } else {
            text.len().saturating_sub(PIECE_CONTEXT)
        };
        self.class.merge(rules.classify_piece(text, end));
        let keep = self.overlap.len().saturating_sub(TAIL_OVERLAP);
        self.overlap.drain(..keep);
    }

    fn end_position(&self) -> Position {
        Position {
            offset: self.start.offset + self.len + 1,
            line: self.start.line + 1,
        }
    }
}

/// A block being searched, and the line counters that turn its offsets into line
/// numbers (lazily, in order).
struct BlockLines<'b> {
    hay: &'b [u8],
    raw: &'b [u8],
    pos: Position,
    has_escapes: bool,
    hay_lines: LineCounter,
    raw_lines: LineCounter,
}

/// One search in progress: the sink, scratch space and counts.
struct Scan<'a> {
    searcher: &'a Searcher,
    source: &'a Arc<str>,
    sink: &'a mut dyn Sink,
    scratch: Vec<u8>,
    stats: SearchStats,
    /// Lines still to test at the start of the next block, because the block before
    /// ended right after a handed-over line (or its continuations).
    carry: u64,
    /// The lines handed over from `carry` are speculative (a chunk's first lines).
    speculative: bool,
    /// What the version-only lines handed over so far said (see [`version_key`]): a
    /// repeat tells the diagnosis nothing new, and a verbose log repeats them on most
    /// connections.
    versions_seen: VersionsSeen,
}

impl<'a> Scan<'a> {
    fn new(searcher: &'a Searcher, source: &'a Arc<str>, sink: &'a mut dyn Sink) -> Scan<'a> {
        Scan {
            searcher,
            source,
            sink,
            scratch: Vec::new(),
            stats: SearchStats::default(),
            carry: 0,
            speculative: false,
            versions_seen: VersionsSeen::default(),
        }
    }

    /// The position after the unconsumed data, for error messages.
    fn end_pos(&self, pos: Position, buf: &LineBuffer) -> Position {
        pos.after(buf.data())
    }

    /// Ends the input: a pending long line, then a last line without a terminator.
    fn finish(
        &mut self,
        buf: &mut LineBuffer,
        pos: Position,
        long: Option<LongLine>,
    ) -> Result<(), SearchError> {
        if let Some(mut ll) = long {
            ll.feed(&self.searcher.rules, buf.data(), true);
            let n = buf.data().len();
            buf.consume(n);
            self.long_line(ll)?;
        } else if !buf.data().is_empty() {
            self.block(buf.data(), pos)?;
        }
        Ok(())
    }

    /// Searches a block of whole lines (the last may lack its terminator at the end of
    /// input) that starts at `pos`. Returns false when the sink asked to stop.
    fn block(&mut self, raw: &[u8], pos: Position) -> Result<bool, SearchError> {
        if self.searcher.config.emit_all {
            return self.block_all(raw, pos);
        }
        let has_escapes = ansi::has_escapes(raw);
        let mut scratch = std::mem::take(&mut self.scratch);
        let hay: &[u8] = if has_escapes {
            // Search the text as it reads without colour: a rule must match whether
            // or not the gateway was writing to a terminal. Line ends are kept, so
            // line numbers agree; offsets are read from the raw block.
            scratch.clear();
            // Exactly: grown by doubling, a block's scratch held twice its size for
            // the rest of the run (the stripped text is never longer than the raw).
            scratch.reserve_exact(raw.len());
            ansi::strip_into(raw, &mut scratch);
            &scratch
        } else {
            raw
        };
        let rules = &self.searcher.rules;
        let mut lines = BlockLines {
            hay,
            raw,
            pos,
            has_escapes,
            hay_lines: LineCounter::new(pos.line),
            raw_lines: LineCounter::new(pos.line),
        };
        let mut from = 0;
        let result = (|| {
            if self.carry > 0 {
                // The lines that continue the last line of the block before.
                let carry = std::mem::take(&mut self.carry);
                match self.look_ahead(&mut lines, 0, carry)? {
                    Some(next) => from = next,
                    None => return Ok(false),
                }
            }
            self.speculative = false;
            let context = self.searcher.context.as_ref();
            let version_only = self.searcher.version_only.as_ref();
            // One search finds the anchors of events and of context lines alike.
            // `known`: the search has gone on from `.0` and found `.1` first.
            let mut known: Option<(usize, Option<usize>)> = None;
            loop {
                let next = match known {
                    Some((searched, first))
                        if searched <= from && first.is_none_or(|m| m >= from) =>
                    {
                        first
                    }
                    _ => rules.find_at(hay, from).map(|(m, _)| m),
                };
                let Some(m) = next else {
                    break;
                };
                let ls = lines::line_start(hay, m);
                let le = lines::line_end(hay, m);
                // An anchor is a word most of whose lines are events, not all: the
                // rules behind the line's anchors say which it is, before the full work.
                let hay_line = lines::trim_cr(&hay[ls..le]);
                let (class, anchors) = if m - ls < hay_line.len() {
                    let line_end = ls + hay_line.len();
                    let (class, anchors, next) = rules.classify_in(hay, ls, line_end, m);
                    // The search went on past the line: where the next line to test
                    // starts, unless the lines below this one are taken with it.
                    known = Some((line_end, next));
                    (class, anchors)
                } else {
                    (Classification::default(), ContextAnchors::default())
                };
                let confirmed = !class.categories.is_empty();
                let context_hit = !confirmed
                    && anchors.context
                    && context.is_some_and(|cx| cx.is_match(hay_line));
                let version_hit = !confirmed
                    && !context_hit
                    && anchors.version
                    && version_only.is_some_and(|v| v.is_match(hay_line));
                if version_hit {
                    // Read for its version only: nothing below it is looked at, and a
                    // line that says what one before it said is not handed over.
                    if let Some(key) = version_key(hay_line) {
                        if self.versions_seen.len() >= MAX_VERSIONS_SEEN {
                            self.versions_seen.clear();
                        }
                        if !self.versions_seen.insert(key) {
                            from = le + 1;
                            continue;
                        }
                    }
                    if !self.emit_line(&mut lines, ls, le, class, Handed::VersionOnly)? {
                        return Ok(false);
                    }
                    from = le + 1;
                    continue;
                }
                if !confirmed && !context_hit {
                    from = le + 1;
                    continue;
                }
                if !self.emit_line(&mut lines, ls, le, class, Handed::Line)? {
                    return Ok(false);
                }
                match self.look_ahead(&mut lines, le + 1, LOOKAHEAD)? {
                    Some(next) => from = next,
                    None => return Ok(false),
                }
            }
            Ok(true)
        })();
        self.scratch = scratch;
        result
    }

    /// Hands over the line `[ls, le)` of the block.
    fn emit_line(
        &mut self,
        b: &mut BlockLines<'_>,
        ls: usize,
        le: usize,
        class: Classification,
        handed: Handed,
    ) -> Result<bool, SearchError> {
        let hay = b.hay;
        let line_no = b.hay_lines.line_at(hay, ls);
        let (raw_line, raw_start) = if b.has_escapes {
            let rs = b.raw_lines.skip_lines(b.raw, line_no - b.raw_lines.line());
            (&b.raw[rs..lines::line_end(b.raw, rs)], rs)
        } else {
            (&hay[ls..le], ls)
        };
        let at = Position {
            offset: b.pos.offset + raw_start as u64,
            line: line_no,
        };
        // A line is its bytes before `\n` less the `\r` of a CRLF, then without
        // escapes: strip the raw line itself, since an escape may sit between a `\r`
        // and the `\n`.
        let raw_line = lines::trim_cr(raw_line);
        let text = if b.has_escapes {
            ansi::strip(raw_line)
        } else {
            std::borrow::Cow::Borrowed(raw_line)
        };
        self.emit(&text, raw_line, at, Some(class), false, handed)
    }

    /// Hands over the lines from `start` on that continue the line above them, at
    /// most `budget` of them. Returns where the search goes on (`None`: the sink
    /// asked to stop); a block that ends with budget left carries it to the next.
    fn look_ahead(
        &mut self,
        b: &mut BlockLines<'_>,
        start: usize,
        budget: u64,
    ) -> Result<Option<usize>, SearchError> {
        let Some(follow) = self.searcher.follow.as_ref() else {
            return Ok(Some(start));
        };
        let hay = b.hay;
        let mut next = start;
        let mut left = budget;
        while left > 0 {
            if next >= hay.len() {
                // The block ends here: the next one starts with what is left.
                self.carry = left;
                return Ok(Some(next));
            }
            let le = lines::line_end(hay, next);
            let line = lines::trim_cr(&hay[next..le]);
            if !follow.is_match(line) {
                break;
            }
            let class = self.searcher.rules.classify(line);
            if !self.emit_line(b, next, le, class, Handed::Line)? {
                return Ok(None);
            }
            next = le + 1;
            left -= 1;
        }
        self.carry = 0;
        Ok(Some(next))
    }

    /// `--all`: every line is a record.
    fn block_all(&mut self, raw: &[u8], pos: Position) -> Result<bool, SearchError> {
        let mut start = 0;
        let mut line = pos.line;
        while start < raw.len() {
            let end = lines::line_end(raw, start);
            let raw_line = lines::trim_cr(&raw[start..end]);
            let text = ansi::strip(raw_line);
            let at = Position {
                offset: pos.offset + start as u64,
                line,
            };
            if !self.emit(&text, raw_line, at, None, false, Handed::Line)? {
                return Ok(false);
            }
            start = end + 1;
            line += 1;
        }
        Ok(true)
    }

    /// A long line has ended: report it from its head.
    fn long_line(&mut self, ll: LongLine) -> Result<bool, SearchError> {
        let text = ansi::strip(&ll.head);
        let go_on = self.emit(
            &text,
            &ll.head,
            ll.start,
            Some(ll.class),
            true,
            Handed::Line,
        )?;
        // The lines below it are tested as below any other handed-over line.
        if go_on && self.searcher.follow.is_some() {
            self.carry = LOOKAHEAD;
        }
        Ok(go_on)
    }

    /// Classifies one line (unless `class` says already) and, if selected, parses
    /// it and hands it to the sink. `text` is the whole line without escapes and
    /// `raw` the line as read; for a line read piece by piece (`cut`), `raw` is its
    /// head and `class` what its pieces said.
    fn emit(
        &mut self,
        text: &[u8],
        raw: &[u8],
        at: Position,
        class: Option<Classification>,
        cut: bool,
        handed: Handed,
    ) -> Result<bool, SearchError> {
        let searcher = self.searcher;
        let config = &searcher.config;
        let class = class.unwrap_or_else(|| searcher.rules.classify(text));
        let categories = class.categories;
        // With context patterns, a line without categories was found by them (the
        // block search passes on only confirmed events and context matches), so it
        // goes to the sink as context.
        let context_line = categories.is_empty() && searcher.context.is_some() && !cut;
        if !config.emit_all && !categories.intersects(config.categories) && !context_line {
            return Ok(true);
        }
        let max = config.max_line_bytes.max(1);
        let truncated = cut || raw.len() > max;
        let head_raw = &raw[..raw.len().min(max)];
        let head_text = if truncated {
            ansi::strip(head_raw)
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        // Redact before parsing: every field read from the line is then redacted.
        let head_text = if config.redact {
            match searcher.redactor.redact(&head_text) {
                std::borrow::Cow::Borrowed(_) => head_text,
                std::borrow::Cow::Owned(v) => std::borrow::Cow::Owned(v),
            }
        } else {
            head_text
        };
        let mut rec = Record::new(Arc::clone(self.source), at.line, at.offset);
        searcher.parser.parse_into(&head_text, head_raw, &mut rec);
        rec.categories = categories;
        rec.speculative = self.speculative && categories.is_empty();
        rec.version_only = handed == Handed::VersionOnly;
        rec.truncated = truncated;
        if rec.level.is_none() {
            rec.level = class.level();
        }
        // Read what the line says for the diagnosis here, on the worker, so the
        // writer thread only correlates (see `crate::line_facts`). A version-only line
        // is read for its version alone.
        if handed == Handed::Line {
            rec.facts();
        }
        self.stats.records += 1;
        match self.sink.record_owned(rec) {
            Ok(true) => Ok(true),
            Ok(false) => {
                self.stats.stopped = true;
                Ok(false)
            }
            Err(e) => Err(SearchError::Write(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::version_key;

    #[test]
    fn version_keys_hold_what_the_version_tracker_reads() {
        let a = "10:00:01 [ws] ← connect client=cli mode=cli version=2026.4.5 auth=token conn=aa…11 id=bb…22";
        let b = "10:09:44 [ws] ← connect client=cli mode=cli version=2026.4.5 auth=token conn=cc…33 id=dd…44";
        let newer =
            "10:09:44 [ws] ← connect client=cli mode=cli version=2026.4.12 auth=token conn=cc…33";
        let other_scopes = "10:09:45 [ws] ← connect client=cli mode=cli version=2026.4.5 scopes=operator.admin auth=password conn=x";
        let remote =
            "10:09:46 [ws] ← connect client=cli mode=cli version=2026.4.5 remote=10.0.0.5 conn=x";
        let positional = "10:09:47 [ws] ← connect client=cli webchat v2026.4.5 conn=x";
        let k = |l: &str| version_key(l.as_bytes());
        assert!(k(a).is_some());
        assert_eq!(k(a), k(b));
        assert_ne!(k(a), k(newer));
        assert_eq!(k(a), k(other_scopes));
        assert_ne!(k(a), k(remote));
        assert_ne!(k(a), k(positional));
        // Console JSON and the file log's arguments: the message is what counts.
        let json = |t: &str, m: &str| {
            format!(r#"{{"time":"{t}","subsystem":"gateway/ws","message":"{m}"}}"#)
        };
        assert_eq!(
            k(&json("1", "← connect client=cli version=2026.4.5 conn=a")),
            k(&json("2", "← connect client=cli version=2026.4.5 conn=b"))
        );
        let file = |m: &str, d: &str| {
            format!(
                r#"{{"0":"{{\"subsystem\":\"gateway/ws\"}}","1":"{m}","_meta":{{"date":"{d}"}},"time":"{d}"}}"#
            )
        };
        assert_eq!(
            k(&file("← connect client=cli version=2026.4.5 conn=a", "x")),
            k(&file("← connect client=cli version=2026.4.5 conn=b", "y"))
        );
        // Text that could add a client field is always handed over.
        for l in [
            "remote=10.0.0.5 ← connect client=cli version=2026.4.5",
            "\x1b[2m← connect client=cli\x1b[0m version=2026.4.5",
            r#"{"1":"← connect client=cli","2":{"remoteAddr":"10.0.0.5"},"_meta":{}}"#,
            r#"{"1":"← connect client=cli","_meta":{},"2":{"remoteAddr":"10.0.0.5"}}"#,
            r#"{"message":"← connect client=\"cli\" version=2026.4.5"}"#,
        ] {
            assert_eq!(k(l), None, "{l}");
        }
    }
}
