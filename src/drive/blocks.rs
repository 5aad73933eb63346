//! One stream searched on every core: standard input, a pipe, a decompressed file.
//!
//! A stream cannot be cut into chunks ahead of time as a file is, so one reader thread
//! cuts it as it arrives: it fills a block of about `block_size` bytes with reads of
//! the search's own size, cuts it after its last newline (the partial line goes on to
//! the next block), counts its newlines and hands it over with its exact line and
//! offset. Searcher threads search blocks in parallel ([`Searcher::search_block`]),
//! and the calling thread hands the records to the sink in block order. The records
//! are those [`Searcher::search_reader`] gives, and so are the pauses:
//!
//! - **Pauses.** A read that returns less than it asked for means the input has no
//!   more ready (a live `openclaw gateway --verbose 2>&1 | clawscan`): the lines read
//!   so far are handed over at once as a block ending in a pause ([`Sink::idle`]), so
//!   their records are written without waiting for more input. A pause with no whole
//!   line to hand over still travels, as a block of its own. Reads ask for
//!   `SearchConfig::read_size` bytes as the stream does, so a file or an in-memory
//!   reader pauses only at its end, as there.
//! - **Events over several lines.** The search hands over the lines that continue a
//!   handed-over line (`ContextLines::follow`) and carries that look-ahead from block
//!   to block. A block's first line is tested when the block is cut
//!   ([`Searcher::continues_above`]): if it could not continue the line above, the
//!   block is searched at once; if it could, its searcher first waits for what the
//!   block above left to test, so nothing is speculative. A block cut after a full
//!   read ends before a line that cannot continue when one of its last lines is such.
//! - **Long lines.** A partial line longer than `--max-line-bytes` (the stream reads
//!   such a line in pieces from the read that makes it so) or than a block is read on
//!   by the reader itself, as a stream ([`Searcher::search_reader_carried`]), through
//!   the read that ends it; so a long line is cut exactly where the stream cuts it, in
//!   bounded memory. Blocks resume after it.
//! - **Errors.** A read error ends the input: the bytes read before it are searched
//!   (the partial last line as a line), their records delivered, then the error is
//!   returned with the position reached, as from the stream.
//!
//! Memory is bounded: at most `window` blocks are read and not yet delivered (each a
//! buffer of `block_size` plus one read, reused), and each block queues at most
//! `queue_bytes` of records before its searcher waits for the caller to reach it.
//! Deadlock freedom is batch's argument: blocks are taken in order, the caller
//! drains the first, and a searcher waits only for blocks before its own.

use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;

use crate::drive::hub::{Hub, StopOnDrop};
use crate::record::Record;
use crate::search::lines::Position;
use crate::search::{LOOKAHEAD, SearchError, SearchStats, Searcher, Sink};

/// The default size of a block (plus one read, itself at most a block: a block is
/// filled by whole reads). Measured on 2 cores: 128 KiB to 1 MiB run at the same
/// speed (128 KiB even ran 0.3 % fewer instructions than 256 KiB), and each block in
/// flight costs its buffer, its searcher's ANSI-stripping scratch and its records in
/// memory: the smallest keeps a stream's peak RSS lowest (issue 21: 512 KiB → 256 KiB
/// took 1.3 MiB off 1 %-event input, 3 MiB off 10 %; 256 → 128 KiB another 1 MiB).
pub(crate) const DEFAULT_BLOCK_SIZE: usize = 128 << 10;

/// Records are handed to a block's queue in batches of about this many bytes (fewer
/// lock round trips), and at once at the end of the block.
const BATCH_BYTES: usize = 64 << 10;

/// How a stream is searched in blocks.
#[derive(Clone, Debug)]
pub(crate) struct BlockOptions {
    /// Searcher threads.
    pub threads: usize,
    /// The size a block is filled to before it is cut (it ends at a newline).
    pub block_size: usize,
    /// The most blocks read and not yet delivered.
    pub window: usize,
    /// The most record bytes one block queues before its searcher waits.
    pub queue_bytes: usize,
}

impl BlockOptions {
    /// The options for `threads` searchers, given batch's bound on one input's queued
    /// records (`BatchOptions::queue_bytes`).
    pub(crate) fn new(threads: usize, queue_bytes: usize) -> BlockOptions {
        let threads = threads.max(1);
        // One block per searcher and one being filled or delivered: the searchers
        // need not wait for the reader when input is plentiful (measured: a larger
        // window or larger blocks gained nothing, and each block costs its memory).
        let window = threads + 1;
        BlockOptions {
            threads,
            block_size: DEFAULT_BLOCK_SIZE,
            window,
            // Batch's bound spread over the window: a block's records wait in its
            // queue until the writer reaches it, so a queue shorter than a dense
            // block's records stalls its searcher behind the block before it. With
            // two searchers and the 2 MiB default, a quarter of the bound (171 KiB a
            // block) kept 2 of 3 threads busy at 50 % events; this share (683 KiB,
            // about a 128 KiB block's records at 50 %) took 18 % off the wall time
            // for ~1.5 MiB more memory (issue 21). With many searchers each block's
            // share shrinks and dense input stalls again, unless `--queue-bytes`
            // grows with them.
            queue_bytes: (queue_bytes / window).max(BATCH_BYTES),
        }
    }
}

/// Searches the stream `reader`, whose first byte is at `start` of its input, on
/// `opts.threads` threads, handing records and pauses to `sink` on this thread in the
/// order and at the places [`Searcher::search_reader_at`] would (see the module
/// documentation). The reader thread is detached: when the sink stops the search, a
/// read that is blocked on a pipe ends in the background.
pub(crate) fn search<R: Read + Send + 'static>(
    searcher: &Searcher,
    reader: R,
    start: Position,
    source: &Arc<str>,
    opts: &BlockOptions,
    sink: &mut dyn Sink,
) -> Result<SearchStats, SearchError> {
    search_with_peak(searcher, reader, start, source, opts, sink).0
}

/// [`search`], also returning the most record bytes that were ever queued.
fn search_with_peak<R: Read + Send + 'static>(
    searcher: &Searcher,
    reader: R,
    start: Position,
    source: &Arc<str>,
    opts: &BlockOptions,
    sink: &mut dyn Sink,
) -> (Result<SearchStats, SearchError>, usize) {
    let shared = Arc::new(Shared {
        hub: Hub::new(State {
            slots: VecDeque::new(),
            first: 0,
            next: 0,
            head_carry: 0,
            free: Vec::new(),
            read: 0,
            end: None,
            queued: 0,
            peak: 0,
        }),
        window: opts.window.max(2),
        queue_bytes: opts.queue_bytes.max(1),
    });
    let result = std::thread::scope(|scope| {
        // However delivery ends (a sink's panic included), the threads stop, so the
        // scope can join the searchers.
        let _stop = StopOnDrop(&shared.hub);
        let mut searchers = 0;
        for i in 0..opts.threads.max(1) {
            let shared = &*shared;
            let spawned = std::thread::Builder::new()
                .name(format!("clawscan-block-{i}"))
                .spawn_scoped(scope, move || {
                    shared
                        .hub
                        .run_worker(|| shared.search_blocks(searcher, source));
                });
            match spawned {
                Ok(_) => searchers += 1,
                Err(_) => break,
            }
        }
        if searchers == 0 {
            // No thread to search on: this one streams (the same records).
            return searcher.search_reader_at(reader, start, source, sink);
        }
        let reading = ReadPlan {
            searcher: searcher.clone(),
            source: Arc::clone(source),
            start,
            block_size: opts.block_size.max(1),
        };
        let for_reader = Arc::clone(&shared);
        // Detached: a run that ends early is not held up by a read blocked on a pipe.
        let spawned = std::thread::Builder::new()
            .name("clawscan-reader".to_string())
            .spawn(move || {
                for_reader
                    .hub
                    .run_worker(|| for_reader.read_blocks(&reading, reader));
            });
        match spawned {
            Ok(_) => shared.deliver(start, sink),
            Err(e) => Err(SearchError::Read {
                source: e,
                at: start,
            }),
        }
    });
    let peak = shared.hub.lock().peak;
    (result, peak)
}

/// What the reader thread needs besides the reader.
struct ReadPlan {
    searcher: Searcher,
    source: Arc<str>,
    start: Position,
    block_size: usize,
}

/// What travels from a searcher to the caller.
#[derive(Debug)]
enum Event {
    Record(Box<Record>),
    Idle,
}

/// A block cut from the stream, waiting for a searcher.
#[derive(Debug)]
struct Work {
    /// The buffer; the block is `data[..len]`.
    data: Vec<u8>,
    len: usize,
    at: Position,
    /// Its first line could continue a handed-over line above it.
    continues: bool,
    /// The read that ended it was short: a pause follows its records.
    idle: bool,
}

/// One block from the moment it is cut to the moment it is delivered.
#[derive(Debug, Default)]
struct Slot {
    /// The block, until a searcher takes it; none for a pause alone or a long line
    /// (the reader searches that itself).
    work: Option<Work>,
    /// Records and pauses waiting for the caller, and their approximate bytes.
    events: Vec<Event>,
    bytes: usize,
    /// The lines this block leaves to test in the next (see
    /// [`Searcher::search_block`]), once searched; stays `None` for a pause alone,
    /// which passes on what the block before it left.
    carry: Option<u64>,
    /// Searched: `events` receives nothing more.
    done: bool,
}

#[derive(Debug)]
struct State {
    /// The blocks read and not yet delivered, `slots[0]` being block number `first`.
    slots: VecDeque<Slot>,
    first: u64,
    /// The next block a searcher looks at.
    next: u64,
    /// What the blocks delivered so far left to test.
    head_carry: u64,
    /// Buffers of searched blocks, for the reader to fill again.
    free: Vec<Vec<u8>>,
    /// Bytes read so far.
    read: u64,
    /// How the input ended, once it has: where, and the read error if one ended it.
    end: Option<(Position, Option<io::Error>)>,
    /// Record bytes queued over all blocks, and the most ever (the bound the tests
    /// check).
    queued: usize,
    peak: usize,
}

impl State {
    fn slot(&mut self, n: u64) -> Option<&mut Slot> {
        let i = usize::try_from(n.checked_sub(self.first)?).ok()?;
        self.slots.get_mut(i)
    }

    /// What the blocks before block `n` left to test, if known yet.
    fn carry_before(&self, n: u64) -> Option<u64> {
        let mut k = n;
        while k > self.first {
            k -= 1;
            let slot = &self.slots[usize::try_from(k - self.first).ok()?];
            if !slot.done {
                return None;
            }
            if let Some(c) = slot.carry {
                return Some(c);
            }
        }
        Some(self.head_carry)
    }
}

struct Shared {
    /// The state, where the reader and the searchers wait (for the window to move, a
    /// block to search, the carry of the block above, queue space) and where the
    /// caller waits for events.
    hub: Hub<State>,
    window: usize,
    queue_bytes: usize,
}

impl Shared {
    /// Waits for what the blocks before block `n` left to test; `None` when the
    /// search is cancelled.
    fn wait_carry(&self, n: u64) -> Option<u64> {
        let mut g = self.hub.lock();
        loop {
            if self.hub.cancelled() {
                return None;
            }
            if let Some(c) = g.carry_before(n) {
                return Some(c);
            }
            g = self.hub.wait_workers(g);
        }
    }

    /// Adds a block (or a pause, or a long line's place) after the others, waiting
    /// for the window; returns its number, `None` when the search is cancelled.
    fn push_slot(&self, slot: Slot) -> Option<u64> {
        let mut g = self.hub.lock();
        loop {
            if self.hub.cancelled() {
                return None;
            }
            if g.slots.len() < self.window {
                break;
            }
            g = self.hub.wait_workers(g);
        }
        g.slots.push_back(slot);
        let n = g.first + g.slots.len() as u64 - 1;
        drop(g);
        self.hub.notify_workers();
        self.hub.notify_caller();
        Some(n)
    }

    /// Marks block `n` searched, leaving `carry` to test (`None`: passes on the
    /// carry above), and returns its buffer for reuse.
    fn finish_slot(&self, n: u64, carry: Option<u64>, buffer: Option<Vec<u8>>) {
        let mut g = self.hub.lock();
        if let Some(b) = buffer {
            g.free.push(b);
        }
        if let Some(slot) = g.slot(n) {
            slot.carry = carry;
            slot.done = true;
        }
        drop(g);
        self.hub.notify_workers();
        self.hub.notify_caller();
    }

    /// A searcher's loop: take the next block in order, wait for the carry above if
    /// its first line could continue a line there, search it.
    fn search_blocks(&self, searcher: &Searcher, source: &Arc<str>) {
        // Kept from block to block (see `Searcher::search_block`).
        let mut memory = crate::search::BlockMemory::default();
        loop {
            let (n, work) = {
                let mut g = self.hub.lock();
                loop {
                    if self.hub.cancelled() {
                        return;
                    }
                    // Slots without a block (pauses, long lines) may have been
                    // delivered before any searcher looked at them.
                    g.next = g.next.max(g.first);
                    let n = g.next;
                    let taken = g.slot(n).map(|slot| slot.work.take());
                    match taken {
                        Some(work) => {
                            g.next += 1;
                            if let Some(w) = work {
                                break (n, w);
                            }
                        }
                        None if g.end.is_some() => return,
                        None => g = self.hub.wait_workers(g),
                    }
                }
            };
            let carry = if work.continues {
                match self.wait_carry(n) {
                    Some(c) => c,
                    None => return,
                }
            } else {
                // Its first line does not continue anything: the carry is moot.
                0
            };
            let mut q = SlotQueue::new(self, n, None);
            let block = &work.data[..work.len];
            let left =
                match searcher.search_block(block, work.at, carry, &mut memory, source, &mut q) {
                    Ok((_, left)) => left,
                    // The queue refused records: the search is cancelled.
                    Err(_) => return,
                };
            if work.idle {
                q.batch.push(Event::Idle);
            }
            if q.push().is_err() {
                return;
            }
            self.finish_slot(n, Some(left), Some(work.data));
        }
    }

    /// The reader thread: cuts the stream into blocks until it ends, fails or the
    /// search is cancelled, then records how it ended.
    fn read_blocks<R: Read>(&self, plan: &ReadPlan, mut reader: R) {
        let end = self.cut_blocks(plan, &mut reader);
        let mut g = self.hub.lock();
        if let Some(end) = end {
            g.read = end.0.offset - plan.start.offset;
            g.end = Some(end);
        }
        drop(g);
        self.hub.notify_workers();
        self.hub.notify_caller();
    }

    /// Reads and cuts blocks; returns where the input ended and the read error that
    /// ended it, if one did (`None`: cancelled).
    fn cut_blocks<R: Read>(
        &self,
        plan: &ReadPlan,
        reader: &mut R,
    ) -> Option<(Position, Option<io::Error>)> {
        let read_size = plan.searcher.config().read_size.min(plan.block_size).max(1);
        let max = plan.searcher.config().max_line_bytes.max(1);
        let mut buf: Vec<u8> = Vec::new();
        // `buf[..filled]` holds input from `at` on: whole lines from the last cut,
        // then a partial line. `buf[..scanned]` has been searched for newlines, and
        // the last one is at `last_nl`.
        let mut filled = 0;
        let mut scanned = 0;
        let mut last_nl: Option<usize> = None;
        let mut at = plan.start;
        // Whether to read before looking at the buffer (not right after a long line),
        // and whether the last read was short.
        let mut read_next = true;
        let mut short;
        loop {
            if self.hub.cancelled() {
                return None;
            }
            short = false;
            if read_next {
                super::grow_exact(&mut buf, filled + read_size);
                let n = match reader.read(&mut buf[filled..filled + read_size]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        // Keep what was read: the partial last line is still a line.
                        let end = at.after(&buf[..filled]);
                        if filled > 0 {
                            self.hand_over(plan, buf, filled, at, false)?;
                        }
                        return Some((end, Some(e)));
                    }
                };
                if n == 0 {
                    let end = at.after(&buf[..filled]);
                    if filled > 0 {
                        self.hand_over(plan, buf, filled, at, false)?;
                    }
                    return Some((end, None));
                }
                self.hub.lock().read += n as u64;
                filled += n;
                if let Some(i) = memchr::memrchr(b'\n', &buf[scanned..filled]) {
                    last_nl = Some(scanned + i);
                }
                scanned = filled;
                short = n < read_size;
            }
            read_next = true;
            let lines_end = last_nl.map_or(0, |i| i + 1);
            // A partial line the stream would read in pieces (longer than the cap, as
            // the stream tests it after each read), or one that fills a block.
            let long =
                filled - lines_end > max + 1 || (lines_end == 0 && filled >= plan.block_size);
            if !long && !short && filled < plan.block_size {
                continue;
            }
            if lines_end == 0 {
                if short {
                    // No whole line to hand over, but the pause still reaches the
                    // sink in its place (records before it may be waiting to be
                    // written).
                    self.push_slot(Slot {
                        done: true,
                        events: vec![Event::Idle],
                        ..Slot::default()
                    })?;
                }
            } else {
                let cut = if short || long {
                    // Everything now: the input paused, or a long line follows.
                    lines_end
                } else {
                    cut_before_a_fresh_line(&plan.searcher, &buf[..lines_end])
                };
                // The rest goes to the front of the next buffer.
                let mut next = self.hub.lock().free.pop().unwrap_or_default();
                let rest = filled - cut;
                super::grow_exact(&mut next, rest + read_size);
                next[..rest].copy_from_slice(&buf[cut..filled]);
                let block_at = at;
                at = at.after(&buf[..cut]);
                let block = std::mem::replace(&mut buf, next);
                self.hand_over(plan, block, cut, block_at, short)?;
                filled = rest;
                scanned = rest;
                last_nl = memchr::memrchr(b'\n', &buf[..rest]);
            }
            if long {
                // `buf[..filled]` is the line so far: the stream reads it on.
                match self.long_line(plan, reader, &buf[..filled], at)? {
                    LongEnd::Ended(end) => return Some(end),
                    LongEnd::More { rest, after } => {
                        super::grow_exact(&mut buf, rest.len());
                        buf[..rest.len()].copy_from_slice(&rest);
                        filled = rest.len();
                        scanned = filled;
                        last_nl = None;
                        at = after;
                        // What that last read left may be a long line already (its
                        // pause, if any, has been passed on by the stream).
                        read_next = false;
                    }
                }
            }
        }
    }

    /// Hands a block over to the searchers.
    fn hand_over(
        &self,
        plan: &ReadPlan,
        data: Vec<u8>,
        len: usize,
        at: Position,
        idle: bool,
    ) -> Option<u64> {
        let continues = plan.searcher.continues_above(&data[..len]);
        self.push_slot(Slot {
            work: Some(Work {
                data,
                len,
                at,
                continues,
                idle,
            }),
            ..Slot::default()
        })
    }

    /// Reads a line longer than a block (its first bytes are `head`, at `at`) as a
    /// stream, through the read that ends it, into a slot of its own. `None` when the
    /// search is cancelled.
    fn long_line<R: Read>(
        &self,
        plan: &ReadPlan,
        reader: &mut R,
        head: &[u8],
        at: Position,
    ) -> Option<LongEnd> {
        let n = self.push_slot(Slot::default())?;
        // The stream goes on from the lines above exactly: it needs what they left.
        let carry = self.wait_carry(n)?;
        let pause = Cell::new(false);
        let mut through = ThroughLineEnd {
            head,
            served: 0,
            inner: reader,
            pause: &pause,
            rest: Vec::new(),
            passed: Position::default(),
            ended: false,
            done: false,
        };
        let mut q = SlotQueue::new(self, n, Some(&pause));
        let result =
            plan.searcher
                .search_reader_carried(&mut through, at, carry, &plan.source, &mut q);
        let after = Position {
            offset: at.offset + through.passed.offset,
            line: at.line + through.passed.line,
        };
        let end = match result {
            Ok((_, left)) => {
                if q.push().is_err() {
                    return None;
                }
                self.finish_slot(n, Some(left), None);
                if through.ended {
                    LongEnd::Ended((after, None))
                } else {
                    LongEnd::More {
                        rest: std::mem::take(&mut through.rest),
                        after,
                    }
                }
            }
            Err(SearchError::Read { source, at }) => {
                // The stream searched what it had read; its records go out first.
                if q.push().is_err() {
                    return None;
                }
                self.finish_slot(n, None, None);
                LongEnd::Ended((at, Some(source)))
            }
            Err(SearchError::Write(_)) => return None,
        };
        Some(end)
    }

    /// The caller's loop: delivers each block's events in block order into `sink`,
    /// until the input has ended and every block is delivered.
    fn deliver(&self, start: Position, sink: &mut dyn Sink) -> Result<SearchStats, SearchError> {
        let mut stats = SearchStats::default();
        loop {
            let events = {
                let mut g = self.hub.lock();
                loop {
                    match g.slots.front() {
                        Some(front) if front.done || !front.events.is_empty() => break,
                        Some(_) => {}
                        None if g.end.is_some() => {
                            let (end, error) = g.end.take().unwrap_or_default();
                            stats.bytes = end.offset - start.offset;
                            return match error {
                                None => Ok(stats),
                                Some(source) => Err(SearchError::Read { source, at: end }),
                            };
                        }
                        None => {}
                    }
                    if let Some(p) = self.hub.panicked() {
                        // The run ends as on an output error; batch tells it apart by
                        // the error inside.
                        return Err(SearchError::Write(io::Error::other(p)));
                    }
                    g = self.hub.wait_caller(g);
                }
                let state = &mut *g;
                let Some(front) = state.slots.front_mut() else {
                    continue;
                };
                let events = std::mem::take(&mut front.events);
                state.queued -= std::mem::take(&mut front.bytes);
                // `done` is set after a block's last events: with it, all are here.
                if front.done {
                    if let Some(c) = front.carry {
                        state.head_carry = c;
                    }
                    state.slots.pop_front();
                    state.first += 1;
                }
                events
            };
            self.hub.notify_workers();
            for ev in events {
                let go_on = match ev {
                    Event::Record(rec) => {
                        stats.records += 1;
                        sink.record_owned(*rec)
                    }
                    Event::Idle => sink.idle(),
                };
                match go_on {
                    Ok(true) => {}
                    Ok(false) => {
                        stats.stopped = true;
                        stats.bytes = self.hub.lock().read;
                        return Ok(stats);
                    }
                    Err(e) => return Err(SearchError::Write(e)),
                }
            }
        }
    }
}

/// Where a long line left the stream.
enum LongEnd {
    /// The input ended with it (or a read failed): where, and the error.
    Ended((Position, Option<io::Error>)),
    /// The line ended: `rest` is what the last read brought after the last newline,
    /// which is at `after`.
    More { rest: Vec<u8>, after: Position },
}

/// Where a block cut after a full read ends: before one of its last lines that
/// cannot continue a line above it (so the next block needs not wait for this one),
/// else after its last newline. `block` ends with that newline.
fn cut_before_a_fresh_line(searcher: &Searcher, block: &[u8]) -> usize {
    let mut start = block.len();
    // The last few lines are enough: a line that could continue one above it is
    // rare, and a run of them is bounded by the look-ahead.
    for _ in 0..=LOOKAHEAD {
        let Some(nl) = start
            .checked_sub(1)
            .and_then(|end| memchr::memrchr(b'\n', &block[..end]))
        else {
            break;
        };
        start = nl + 1;
        if !searcher.continues_above(&block[start..]) {
            return start;
        }
    }
    block.len()
}

/// The reader for a long line: its first bytes (`head`, read already), then the
/// input through the read that ends the line, cut after that read's last newline;
/// then end of input. The bytes after that newline are kept in `rest`.
struct ThroughLineEnd<'a, R> {
    head: &'a [u8],
    served: usize,
    inner: &'a mut R,
    /// Whether the last read was short because the input paused (not because the
    /// head ran out or the line ended): only then does a pause reach the sink.
    pause: &'a Cell<bool>,
    rest: Vec<u8>,
    /// Bytes and newlines passed to the stream.
    passed: Position,
    /// The input itself ended.
    ended: bool,
    /// The line has ended (or the input): reads return 0.
    done: bool,
}

impl<R: Read> Read for ThroughLineEnd<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        let n = if self.served < self.head.len() {
            // The head holds no newline.
            let n = out.len().min(self.head.len() - self.served);
            out[..n].copy_from_slice(&self.head[self.served..self.served + n]);
            self.served += n;
            self.pause.set(false);
            n
        } else {
            let m = self.inner.read(out)?;
            self.pause.set(m < out.len());
            if m == 0 {
                self.ended = true;
                self.done = true;
                return Ok(0);
            }
            match memchr::memrchr(b'\n', &out[..m]) {
                Some(i) => {
                    self.rest.extend_from_slice(&out[i + 1..m]);
                    self.done = true;
                    i + 1
                }
                None => m,
            }
        };
        self.passed = self.passed.after(&out[..n]);
        Ok(n)
    }
}

/// A block's sink in its searcher: records go to the block's queue in batches.
struct SlotQueue<'a> {
    shared: &'a Shared,
    slot: u64,
    batch: Vec<Event>,
    batch_bytes: usize,
    /// For a long line read as a stream: whether a pause the stream reports is one
    /// of the input (see [`ThroughLineEnd`]). Blocks add their pause themselves.
    pause: Option<&'a Cell<bool>>,
}

impl<'a> SlotQueue<'a> {
    fn new(shared: &'a Shared, slot: u64, pause: Option<&'a Cell<bool>>) -> SlotQueue<'a> {
        SlotQueue {
            shared,
            slot,
            batch: Vec::new(),
            batch_bytes: 0,
            pause,
        }
    }

    /// Moves the batch to the block's queue, waiting while the queue is full (until
    /// the caller reaches this block and drains it).
    fn push(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let shared = self.shared;
        let mut g = shared.hub.lock();
        loop {
            if shared.hub.cancelled() {
                return Err(io::Error::other("search cancelled"));
            }
            let bytes = g.slot(self.slot).map_or(0, |s| s.bytes);
            // An empty queue takes any batch, so one huge record still gets through.
            if bytes == 0 || bytes + self.batch_bytes <= shared.queue_bytes {
                break;
            }
            g = shared.hub.wait_workers(g);
        }
        let state = &mut *g;
        let Some(slot) = state.slot(self.slot) else {
            return Err(io::Error::other("search cancelled"));
        };
        slot.events.append(&mut self.batch);
        slot.bytes += self.batch_bytes;
        state.queued += self.batch_bytes;
        state.peak = state.peak.max(state.queued);
        self.batch_bytes = 0;
        drop(g);
        shared.hub.notify_caller();
        Ok(())
    }
}

impl Sink for SlotQueue<'_> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.record_owned(rec.clone())
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        self.batch_bytes += super::batch::approx_size(&rec);
        self.batch.push(Event::Record(Box::new(rec)));
        if self.batch_bytes >= BATCH_BYTES {
            self.push()?;
        }
        Ok(true)
    }

    fn idle(&mut self) -> io::Result<bool> {
        if self.pause.is_some_and(Cell::get) {
            self.batch.push(Event::Idle);
            self.push()?;
        }
        // The caller hears the output's answer; a stop reaches this thread as a
        // cancelled push.
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::CollectSink;
    use crate::search::SearchConfig;
    use std::sync::mpsc;
    use std::time::Duration;

    fn searcher() -> Searcher {
        Searcher::new(SearchConfig::default())
            .unwrap()
            .with_redactor(crate::search::redact::Redactor::with_key([7; 16]))
    }

    const EVENT: &str = "10:30:12 [ws] closed before connect conn=c1 remote=127.0.0.1 code=1008 reason=pairing required\n";

    fn log(n: usize) -> String {
        (0..n)
            .map(|i| {
                if i % 7 == 3 {
                    EVENT.replace("c1", &format!("c{i}"))
                } else {
                    format!("10:30:12 [agent] run step {i}\n")
                }
            })
            .collect()
    }

    fn source() -> Arc<str> {
        Arc::from("-")
    }

    fn opts(threads: usize, block_size: usize) -> BlockOptions {
        BlockOptions {
            threads,
            block_size,
            window: threads + 2,
            queue_bytes: 1 << 10,
        }
    }

    /// A pipe: each read returns one message sent by the test, and blocks until the
    /// next one comes (end of input when the sender is dropped).
    struct Pipe(mpsc::Receiver<Vec<u8>>, Vec<u8>);

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1.is_empty() {
                match self.0.recv() {
                    Ok(v) => self.1 = v,
                    Err(_) => return Ok(0),
                }
            }
            let n = buf.len().min(self.1.len());
            buf[..n].copy_from_slice(&self.1[..n]);
            self.1.drain(..n);
            Ok(n)
        }
    }

    /// Passes records and pauses to the test thread as they come.
    struct Tell(mpsc::Sender<Option<u64>>);

    impl Sink for Tell {
        fn record(&mut self, rec: &Record) -> io::Result<bool> {
            let _ = self.0.send(Some(rec.line));
            Ok(true)
        }
        fn idle(&mut self) -> io::Result<bool> {
            let _ = self.0.send(None);
            Ok(true)
        }
    }

    #[test]
    fn a_live_record_is_delivered_before_the_input_ends() {
        let (to_pipe, pipe) = mpsc::channel();
        let (tell, told) = mpsc::channel();
        let search = std::thread::spawn(move || {
            let mut sink = Tell(tell);
            search(
                &searcher(),
                Pipe(pipe, Vec::new()),
                Position::START,
                &source(),
                &opts(2, DEFAULT_BLOCK_SIZE),
                &mut sink,
            )
            .unwrap()
        });
        let wait = || told.recv_timeout(Duration::from_secs(20)).unwrap();
        let first = format!("10:30:11 [ws] webchat connected conn=a\n{EVENT}");
        let bytes = (first.len() + EVENT.len()) as u64;
        to_pipe.send(first.into_bytes()).unwrap();
        assert_eq!(wait(), Some(2), "the record, while the input is open");
        assert_eq!(wait(), None, "then the pause");
        // Half a line: nothing to hand over, but the pause still comes.
        to_pipe.send(EVENT.as_bytes()[..20].to_vec()).unwrap();
        assert_eq!(wait(), None);
        to_pipe.send(EVENT.as_bytes()[20..].to_vec()).unwrap();
        assert_eq!(wait(), Some(3));
        assert_eq!(wait(), None);
        drop(to_pipe);
        let stats = search.join().unwrap();
        assert_eq!(stats.records, 2);
        assert_eq!(stats.bytes, bytes);
    }

    /// Returns `data` in reads of `piece` bytes, then fails.
    struct Failing {
        data: Vec<u8>,
        piece: usize,
    }

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.data.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.piece).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_keeps_the_records_before_it_and_says_where() {
        // The input stops inside an event line: its head is still searched.
        let mut data = log(3000).into_bytes();
        data.extend_from_slice(&EVENT.as_bytes()[..80]);
        let s = searcher();
        for (piece, block) in [(usize::MAX, 4096), (1000, 50_000), (7, 333)] {
            let mut want = CollectSink::default();
            let reader = Failing {
                data: data.clone(),
                piece,
            };
            let Err(SearchError::Read { at: want_at, .. }) =
                s.search_reader(reader, &source(), &mut want)
            else {
                panic!("the stream must fail");
            };
            let mut got = CollectSink::default();
            let reader = Failing {
                data: data.clone(),
                piece,
            };
            let result = search(
                &s,
                reader,
                Position::START,
                &source(),
                &opts(3, block),
                &mut got,
            );
            let Err(SearchError::Read { source, at }) = result else {
                panic!("the block search must fail: {result:?}");
            };
            assert_eq!(source.to_string(), "disk on fire");
            assert_eq!(at, want_at);
            assert_eq!(at.offset, data.len() as u64);
            assert!(want.0.len() > 400);
            assert_eq!(got.0, want.0, "piece {piece}, block {block}");
        }
    }

    /// A slow consumer: the searchers run ahead as far as the bounds let them.
    struct Slow(u64);

    impl Sink for Slow {
        fn record(&mut self, _rec: &Record) -> io::Result<bool> {
            self.0 += 1;
            if self.0.is_multiple_of(500) {
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(true)
        }
    }

    #[test]
    fn queued_records_stay_within_the_window() {
        // Every line a record: far more record bytes than the bound.
        let all = searcher().with_config(SearchConfig {
            emit_all: true,
            ..SearchConfig::default()
        });
        let data = log(40_000).into_bytes();
        let opts = BlockOptions {
            threads: 3,
            block_size: 16 << 10,
            window: 4,
            queue_bytes: 16 << 10,
        };
        let mut sink = Slow(0);
        let (result, peak) = search_with_peak(
            &all,
            io::Cursor::new(data),
            Position::START,
            &source(),
            &opts,
            &mut sink,
        );
        assert_eq!(result.unwrap().records, 40_000);
        assert_eq!(sink.0, 40_000);
        let bound = opts.window * (opts.queue_bytes + BATCH_BYTES + 8192);
        let produced = 40_000 * std::mem::size_of::<Record>();
        assert!(peak <= bound, "peak {peak} > bound {bound}");
        assert!(
            produced > 10 * bound,
            "the test must hold back more than the bound"
        );
    }

    #[test]
    fn a_stop_ends_the_search() {
        /// Stops at the third record.
        struct Three(u64);
        impl Sink for Three {
            fn record(&mut self, _rec: &Record) -> io::Result<bool> {
                self.0 += 1;
                Ok(self.0 < 3)
            }
        }
        let data = log(50_000).into_bytes();
        let mut sink = Three(0);
        let stats = search(
            &searcher(),
            io::Cursor::new(data),
            Position::START,
            &source(),
            &opts(2, 4096),
            &mut sink,
        )
        .unwrap();
        assert!(stats.stopped);
        assert_eq!((stats.records, sink.0), (3, 3));
    }

    /// Runs `f` on a thread of its own; `None` if it has not returned in 20 s (a
    /// hang).
    fn within_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(20)).ok()
    }

    #[test]
    fn a_reader_panic_ends_the_search_with_an_error() {
        /// Returns a few blocks of lines, then panics.
        struct Panicking(usize);
        impl Read for Panicking {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += 1;
                assert!(self.0 < 8, "reader exploded");
                let data = log(100);
                let n = buf.len().min(data.len());
                buf[..n].copy_from_slice(&data.as_bytes()[..n]);
                Ok(n)
            }
        }
        let result = within_timeout(|| {
            let mut sink = CollectSink::default();
            let result = search(
                &searcher(),
                Panicking(0),
                Position::START,
                &source(),
                &opts(2, 4096),
                &mut sink,
            );
            (result.map(|_| ()), sink.0.len())
        })
        .expect("the search must end, not hang");
        let Err(SearchError::Write(e)) = result.0 else {
            panic!("the search must fail: {:?}", result.0);
        };
        let panicked = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<crate::drive::WorkerPanicked>())
            .expect("the error says a thread panicked");
        assert_eq!(panicked.message, "reader exploded");
    }

    #[test]
    fn a_sink_panic_does_not_hang_the_searchers() {
        /// Panics at the first record, on the caller's thread.
        struct Exploding;
        impl Sink for Exploding {
            fn record(&mut self, _rec: &Record) -> io::Result<bool> {
                panic!("sink exploded");
            }
        }
        let ended = within_timeout(|| {
            std::panic::catch_unwind(|| {
                search(
                    &searcher(),
                    io::Cursor::new(log(50_000).into_bytes()),
                    Position::START,
                    &source(),
                    &opts(2, 4096),
                    &mut Exploding,
                )
                .map(|_| ())
            })
            .is_err()
        });
        assert_eq!(ended, Some(true), "the panic comes through, without a hang");
    }

    #[test]
    fn cuts_fall_before_a_line_that_cannot_continue() {
        let s = searcher()
            .with_context(crate::diagnose::context_pattern())
            .unwrap();
        // The last two lines could continue an event: the cut falls before them.
        let block = b"a\n10:30:12 [ws] x conn=c\n  Source: local loopback\n  Bind: lan\n";
        assert_eq!(cut_before_a_fresh_line(&s, block), 2);
        // Nothing but such lines: the cut stays at the end.
        let block = b"  Source: local loopback\n  Bind: lan\n";
        assert_eq!(cut_before_a_fresh_line(&s, block), block.len());
    }
}
