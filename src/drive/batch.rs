//! Batch scanning: many inputs (files, directories, archives) searched in parallel,
//! delivered in order.
//!
//! This module owns the parallel driver around the one search pipeline. It expands the
//! arguments (`walk`), opens and decodes each input (`decompress`), searches inputs on a
//! pool of `threads` worker threads — one very large plain file in newline-aligned
//! chunks — and hands every record to the caller's single [`Sink`], on the caller's
//! thread, **in the order a sequential scan would**: inputs in argument order
//! (directory entries sorted), records in line order within each. The sink sees the
//! same calls whatever the number of threads, so the output is byte-identical for
//! `-j1` and `-j8`, and any sink (NDJSON, counts, `--quiet`, the diagnosis) works
//! unchanged. It does not classify lines or format records.
//!
//! # Ordering and memory
//!
//! The inputs, and the chunks of split files, form a list of *units*. Workers take
//! units strictly in list order, and never more than `2 × threads` ahead of the unit the
//! writer (the caller's thread) is emitting — the reorder window. Each unit's records
//! go into its own queue, bounded in bytes ([`BatchOptions::queue_bytes`]); a worker
//! whose queue is full waits until the writer reaches its unit and drains it, so the
//! unit at the head of the list streams through, and a pipeline of any number of files
//! holds at most about `2 × threads × queue_bytes` of records plus `threads` chunks
//! ([`BatchOptions::chunk_size`]) — never all records of all files.
//!
//! Deadlock freedom follows from the order: the head unit has always been taken (units
//! are taken in order), its queue is always drained, and the only other wait — a chunk
//! waiting for the line counts of the chunks before it — depends on workers that count
//! right after reading, before they could block.
//!
//! # Large files
//!
//! With more than one worker, a plain regular file of at least
//! [`BatchOptions::split_threshold`] bytes is cut at newlines into chunks of about
//! [`BatchOptions::chunk_size`]. Each chunk is read with positioned reads (not mmap:
//! a log truncated while mapped — `logrotate copytruncate` — kills the process with
//! SIGBUS), its newlines are counted (memchr, many GB/s), and once the chunks before
//! it have been counted it is searched with [`Searcher::search_slice`] from its exact
//! line and offset: the records are those of the streaming path. A split file is read
//! up to the size it had when the scan started; a line longer than a chunk makes the
//! whole file stream instead.
//!
//! # One stream
//!
//! With more than one worker, when the only input is a stream — standard input, a
//! pipe, a compressed file — it is searched on every worker all the same: a reader
//! thread cuts it into blocks of whole lines as it arrives, with their exact line and
//! offset, the workers search the blocks, and this (the caller's) thread hands the
//! records to the sink in order, without a queue of its own in between (see
//! `drive::blocks`, which gives the stream's records and pauses). So is a lone plain
//! regular file from 1 MiB up to the split threshold; a smaller one is streamed by one
//! worker.
//!
//! # Pauses
//!
//! A pause in a live input ([`Sink::idle`]) travels through the queue and reaches the
//! sink at its place, so `tail -f log | clawscan` is not held back. Regular files do
//! not pause; each reports one pause at its end, however it was read.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use crate::drive::blocks::{self, BlockOptions};
use crate::drive::hub::{Hub, StopOnDrop};
use crate::read::decompress::{self, Decoded, Format, MAGIC_LEN};
use crate::read::input::{Input, InputError, Totals, describe, read_error};
use crate::read::walk::{self, Filter, Item};
use crate::record::Record;
use crate::search::lines::{Position, count_lines};
use crate::search::{SearchError, SearchStats, Searcher, Sink};

/// Default size from which a plain file is split into chunks.
pub const DEFAULT_SPLIT_THRESHOLD: u64 = 64 << 20;
/// Default chunk size for split files. Each worker holds one chunk: 2 MiB chunks
/// searched as fast as 8 MiB ones and kept a 128 MiB file's peak RSS at 25 MiB
/// instead of 39 (issue 21).
pub const DEFAULT_CHUNK_SIZE: u64 = 2 << 20;
/// Default bound of one unit's queue of records. 2 MiB took a 64 MiB log at 50 %
/// events from 33 to 22 MiB peak RSS at the same speed, when the writer was the bound
/// (issue 21, with glibc's malloc); a stream's blocks share it (`drive::blocks`).
pub const DEFAULT_QUEUE_BYTES: usize = 2 << 20;

/// From this size a lone plain file below the split threshold is searched in blocks on
/// every worker, as standard input is, instead of by one worker: on dense logs the
/// one worker was the bound (issue 21: 64 MiB at 50 % events, 2.5 s → 2.0 s, as fast
/// as `< FILE`, with the same records). Smaller files gain nothing from more threads.
const LONE_FILE_BLOCKS: u64 = 1 << 20;

/// Records are handed to the queue in batches of about this many bytes (fewer lock
/// round trips), and at once on a pause.
const BATCH_BYTES: usize = 64 << 10;

/// How a batch scan runs.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Worker threads; 0 means one per CPU.
    pub threads: usize,
    /// Which files inside directory arguments are read.
    pub filter: Filter,
    /// Told how far the scan has read (a progress bar the caller draws).
    pub progress: Option<Arc<dyn Progress>>,
    /// Plain regular files at least this large are split into chunks.
    pub split_threshold: u64,
    /// The size of a chunk of a split file (it ends at the next newline).
    pub chunk_size: u64,
    /// The most record bytes one unit may queue before its worker waits.
    pub queue_bytes: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            threads: 0,
            filter: Filter::default(),
            progress: None,
            split_threshold: DEFAULT_SPLIT_THRESHOLD,
            chunk_size: DEFAULT_CHUNK_SIZE,
            queue_bytes: DEFAULT_QUEUE_BYTES,
        }
    }
}

impl BatchOptions {
    /// The number of worker threads `threads` stands for.
    pub fn worker_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }
}

/// Searches `inputs` (files, directories, `-`) into `sink`, in parallel, delivering
/// records in input order (see the module documentation). An input that cannot be
/// read, or stops reading part way, is reported through `on_error` at its place in the
/// order, and the others are still searched; an error of the sink ends the run. Files
/// of a directory that were left unread are noted through `on_error` too, without
/// counting as errors (see [`walk::Item::Note`]).
/// `Totals::records` counts the records delivered.
///
/// When the run ends early (the sink stopped or failed), workers still blocked in a
/// read finish in the background; a command exits without waiting for them.
///
/// A worker thread that panics ends the run too: the error is then an `io::Error`
/// holding a [`WorkerPanicked`](crate::drive::WorkerPanicked), and the records of the
/// units (or blocks) before the one the worker was searching have been delivered.
pub fn search(
    searcher: &Searcher,
    inputs: &[Input],
    opts: &BatchOptions,
    sink: &mut dyn Sink,
    on_error: &mut dyn FnMut(&InputError),
) -> io::Result<Totals> {
    run(searcher, inputs, opts, sink, on_error).0
}

/// [`search`], also returning the most record bytes that were ever queued.
fn run(
    searcher: &Searcher,
    inputs: &[Input],
    opts: &BatchOptions,
    sink: &mut dyn Sink,
    on_error: &mut dyn FnMut(&InputError),
) -> (io::Result<Totals>, usize) {
    let items = walk::expand(inputs, &opts.filter);
    let units = plan(items, opts);
    let threads = opts.worker_threads();
    let total_bytes: u64 = units.iter().map(Unit::regular_bytes).sum();
    let progress = opts.progress.clone().filter(|_| total_bytes > 0);
    if let Some(p) = &progress {
        p.start(total_bytes);
    }
    let scanning = units
        .iter()
        .filter(|u| !matches!(u, Unit::Report(_) | Unit::Note(_)))
        .count();
    let lone = lone_stream(&units, threads, scanning);
    let shared = Arc::new(Shared {
        hub: Hub::new(State {
            next: 0,
            head: 0,
            slots: (0..units.len()).map(|_| Slot::default()).collect(),
            queued: 0,
            peak: 0,
        }),
        units,
        searcher: searcher.clone(),
        window: threads.saturating_mul(2).max(2),
        queue_bytes: opts.queue_bytes.max(1),
        threads,
        lone,
        progress: progress.clone(),
    });
    // A lone stream is searched in blocks from the writer's thread, which starts the
    // block searchers itself.
    let workers = if lone.is_some() {
        0
    } else {
        threads.min(scanning)
    };
    if workers > 0 {
        for i in 0..workers {
            let shared = Arc::clone(&shared);
            // Detached: a run that ends early is not held up by a worker blocked
            // reading a pipe.
            let spawned = std::thread::Builder::new()
                .name(format!("clawscan-worker-{i}"))
                .spawn(move || shared.hub.run_worker(|| shared.work()));
            if let Err(e) = spawned {
                if i == 0 {
                    return (Err(e), 0);
                }
                // Fewer workers than asked for still finish the scan.
                break;
            }
        }
    }
    let mut report = |e: &InputError| match &progress {
        Some(p) => p.suspend(&mut || on_error(e)),
        None => on_error(e),
    };
    let result = {
        // However the writer ends (a sink's panic included), the workers stop.
        let _stop = StopOnDrop(&shared.hub);
        write_in_order(&shared, sink, &mut report)
    };
    if let Some(p) = &progress {
        p.finish();
    }
    let peak = shared.hub.lock().peak;
    (result, peak)
}

/// What a batch scan tells a progress display. The library draws nothing: the
/// binary puts a bar behind this.
pub trait Progress: Send + Sync {
    /// The scan starts: `total` bytes of regular files to read.
    fn start(&self, total: u64);
    /// `bytes` more were read.
    fn advance(&self, bytes: u64);
    /// Runs `f` (which writes a message to the terminal) with the display out of its way.
    fn suspend(&self, f: &mut dyn FnMut());
    /// The scan ended: clear the display.
    fn finish(&self);
}

impl std::fmt::Debug for dyn Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// One piece of work, in output order.
#[derive(Debug)]
enum Unit {
    /// A path that could not be listed; reported by the writer at its place.
    Report(InputError),
    /// Files of a directory that were not read: passed to `on_error` at its place,
    /// but not counted as an error.
    Note(InputError),
    /// An input searched as a stream.
    Stream {
        input: Input,
        /// Its size, for a regular file (no pauses; progress).
        regular: Option<u64>,
    },
    /// A newline-aligned piece of a large plain file.
    Chunk {
        file: Arc<SplitFile>,
        start: u64,
        end: u64,
    },
}

impl Unit {
    fn regular_bytes(&self) -> u64 {
        match self {
            Unit::Report(_) | Unit::Note(_) => 0,
            Unit::Stream { regular, .. } => regular.unwrap_or(0),
            Unit::Chunk { start, end, .. } => end - start,
        }
    }
}

/// A file searched in chunks: the units `first..=last`.
#[derive(Debug)]
struct SplitFile {
    path: PathBuf,
    name: Arc<str>,
    first: usize,
    last: usize,
}

/// Turns the expanded arguments into units, splitting large plain files.
fn plan(items: Vec<Item>, opts: &BatchOptions) -> Vec<Unit> {
    // One worker gains nothing from chunks (the records are the same either way), and
    // streaming reuses a small buffer.
    let split = opts.worker_threads() > 1;
    let mut units = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Error(e) => units.push(Unit::Report(e)),
            Item::Note(e) => units.push(Unit::Note(e)),
            Item::Scan {
                input,
                regular_size,
            } => {
                let ranges = match (&input, regular_size) {
                    (Input::Path(p), Some(size)) if split && size >= opts.split_threshold => {
                        chunk_ranges(p, size, opts.chunk_size.max(1))
                    }
                    _ => None,
                };
                match (input, ranges) {
                    (Input::Path(path), Some(ranges)) => {
                        let first = units.len();
                        let file = Arc::new(SplitFile {
                            name: Input::Path(path.clone()).name(),
                            path,
                            first,
                            last: first + ranges.len() - 1,
                        });
                        for (start, end) in ranges {
                            units.push(Unit::Chunk {
                                file: Arc::clone(&file),
                                start,
                                end,
                            });
                        }
                    }
                    (input, _) => units.push(Unit::Stream {
                        input,
                        regular: regular_size,
                    }),
                }
            }
        }
    }
    units
}

/// The unit searched in blocks on every worker (see "One stream" in the module
/// documentation): the only unit to search, when it is a stream other than a small
/// plain regular file (which a single worker streams; a large one is split in chunks).
fn lone_stream(units: &[Unit], threads: usize, scanning: usize) -> Option<usize> {
    if threads < 2 || scanning != 1 {
        return None;
    }
    let i = units
        .iter()
        .position(|u| matches!(u, Unit::Stream { .. }))?;
    match &units[i] {
        Unit::Stream {
            input: Input::Path(p),
            regular: Some(size),
        } if *size < LONE_FILE_BLOCKS && is_plain(p) => None,
        Unit::Stream { .. } => Some(i),
        _ => None,
    }
}

/// Whether the file at `path` reads as plain text (not a compressed format); a file
/// that cannot be read here counts as plain (it is then reported as it always was).
fn is_plain(path: &std::path::Path) -> bool {
    let Ok(file) = File::open(path) else {
        return true;
    };
    let mut head = [0u8; MAGIC_LEN];
    let mut n = 0;
    while n < head.len() {
        match (&file).read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
    decompress::sniff(&head[..n]) == Ok(Format::Plain)
}

/// The chunks of a large file, each ending just after a newline (the last at the
/// file's end); `None` when the file should be streamed instead: compressed, not
/// readable here, or holding a line longer than a chunk.
fn chunk_ranges(path: &std::path::Path, size: u64, chunk: u64) -> Option<Vec<(u64, u64)>> {
    let file = File::open(path).ok()?;
    let mut head = [0u8; MAGIC_LEN];
    read_exact_at(&file, &mut head, 0).ok()?;
    if decompress::sniff(&head) != Ok(Format::Plain) {
        return None;
    }
    let mut ranges = Vec::new();
    let mut start = 0u64;
    while size - start > chunk {
        // The chunk ends after the first newline at or past its nominal end.
        let end = newline_after(&file, start + chunk - 1, start + 2 * chunk, size)?;
        if end >= size {
            break;
        }
        ranges.push((start, end));
        start = end;
    }
    ranges.push((start, size));
    (ranges.len() > 1).then_some(ranges)
}

/// The position just after the first `\n` at or after `from` and before `limit`.
fn newline_after(file: &File, from: u64, limit: u64, size: u64) -> Option<u64> {
    let mut buf = vec![0u8; 64 << 10];
    let mut pos = from;
    while pos < limit.min(size) {
        let n = (limit.min(size) - pos).min(buf.len() as u64) as usize;
        read_exact_at(file, &mut buf[..n], pos).ok()?;
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Some(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    if limit >= size { Some(size) } else { None }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.seek_read(&mut buf[done..], offset + done as u64) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn read_exact_at(_file: &File, _buf: &mut [u8], _offset: u64) -> io::Result<()> {
    // No positioned reads: files are streamed, never split.
    Err(io::ErrorKind::Unsupported.into())
}

/// What travels from a worker to the writer.
#[derive(Debug)]
enum Event {
    Record(Box<Record>),
    Idle,
}

/// The line count of a chunk, once read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Lines {
    #[default]
    Pending,
    Known(u64),
    /// The chunk could not be read: the chunks after it are not searched, as a stream
    /// stops at its first read error.
    Failed,
}

/// How a unit ended.
#[derive(Debug, Default)]
struct UnitEnd {
    stats: SearchStats,
    error: Option<InputError>,
}

#[derive(Debug, Default)]
struct Slot {
    events: Vec<Event>,
    bytes: usize,
    lines: Lines,
    end: Option<UnitEnd>,
}

#[derive(Debug)]
struct State {
    /// The next unit a worker takes.
    next: usize,
    /// The unit the writer is emitting.
    head: usize,
    slots: Vec<Slot>,
    /// Record bytes queued over all units, and the most ever queued (the memory bound
    /// the tests check).
    queued: usize,
    peak: usize,
}

struct Shared {
    units: Vec<Unit>,
    /// The state; workers wait in it for the window to move, queue space and line
    /// counts, the writer for events.
    hub: Hub<State>,
    searcher: Searcher,
    window: usize,
    queue_bytes: usize,
    /// Worker threads (a lone stream's block searchers).
    threads: usize,
    /// The unit searched in blocks by the writer's thread, if any (see
    /// [`lone_stream`]).
    lone: Option<usize>,
    progress: Option<Arc<dyn Progress>>,
}

impl Shared {
    /// A worker's loop: take the next unit in order (inside the window), search it,
    /// record how it ended.
    fn work(&self) {
        // The chunk buffer is kept from chunk to chunk: a fresh one would be zeroed and
        // page-faulted in each time (measured: 10% of a split scan). So is the buffer
        // a chunk is stripped of escapes into.
        let mut buf = Vec::new();
        let mut scratch = Vec::new();
        loop {
            let i = {
                let mut g = self.hub.lock();
                loop {
                    if self.hub.cancelled() || g.next >= self.units.len() {
                        return;
                    }
                    if g.next < g.head + self.window {
                        break;
                    }
                    g = self.hub.wait_workers(g);
                }
                g.next += 1;
                g.next - 1
            };
            let end = match &self.units[i] {
                Unit::Report(_) | Unit::Note(_) => continue,
                Unit::Stream { input, regular } => self.stream(i, input, regular.is_some()),
                Unit::Chunk { file, start, end } => {
                    self.chunk(i, file, *start, *end, &mut buf, &mut scratch)
                }
            };
            let mut g = self.hub.lock();
            g.slots[i].end = Some(end);
            drop(g);
            self.hub.notify_caller();
        }
    }

    /// Opens an input and decodes it (gzip, zstd), counting its raw bytes for the
    /// progress bar.
    fn open(&self, input: &Input) -> io::Result<Decoded> {
        match input {
            Input::Stdin => decompress::decode(Tracked {
                inner: io::stdin(),
                progress: None,
            }),
            Input::Path(p) => File::open(p).and_then(|f| {
                decompress::decode(Tracked {
                    inner: f,
                    progress: self.progress.clone(),
                })
            }),
        }
    }

    /// Searches the lone stream `input` in blocks on every worker (see
    /// [`lone_stream`]), into `sink` on this (the writer's) thread. `Err` is the
    /// sink's error; the end of the input, a read error included, is in the
    /// [`UnitEnd`], with the stream's own stats (records delivered, stopped).
    fn blocks(
        &self,
        input: &Input,
        regular: bool,
        sink: &mut dyn Sink,
    ) -> io::Result<(UnitEnd, SearchStats)> {
        let name = input.name();
        let reader = match self.open(input) {
            Ok(d) => d.reader,
            Err(e) => {
                return Ok((
                    UnitEnd::failed(&name, describe(&e), e),
                    SearchStats::default(),
                ));
            }
        };
        let opts = BlockOptions::new(self.threads, self.queue_bytes);
        // A regular file (plain or compressed) does not pause but at its end, however
        // it reads.
        let mut paused = Pauses {
            inner: sink,
            forward: !regular,
        };
        let result = blocks::search(
            &self.searcher,
            reader,
            Position::START,
            &name,
            &opts,
            &mut paused,
        );
        let mut end = UnitEnd::default();
        let mut stats = SearchStats::default();
        match result {
            Ok(s) => {
                stats = s;
                end.stats = s;
            }
            Err(SearchError::Read { source, at }) => {
                end.error = Some(read_error(&name, source, at));
            }
            Err(SearchError::Write(e)) => return Err(e),
        }
        if regular && !stats.stopped && !sink.idle()? {
            stats.stopped = true;
        }
        Ok((end, stats))
    }

    /// Searches an input as a stream.
    fn stream(&self, unit: usize, input: &Input, regular: bool) -> UnitEnd {
        let name = input.name();
        let opened = self.open(input);
        let reader = match opened {
            Ok(d) => Cancellable {
                inner: d.reader,
                shared: self,
            },
            Err(e) => return UnitEnd::failed(&name, describe(&e), e),
        };
        let mut q = self.queue(unit, !regular);
        let result = self.searcher.search_reader(reader, &name, &mut q);
        if regular {
            q.batch.push(Event::Idle);
        }
        // The records read before an error are kept: they go out first. (A push fails
        // only when the run is cancelled.)
        let _ = q.push();
        let mut end = UnitEnd::default();
        match result {
            Ok(stats) => end.stats = stats,
            Err(SearchError::Read { source, at }) => {
                end.error = Some(read_error(&name, source, at));
            }
            // The queue refused records: the run is being cancelled.
            Err(SearchError::Write(_)) => {}
        }
        end
    }

    /// Searches one chunk of a split file from its exact line and offset.
    fn chunk(
        &self,
        unit: usize,
        file: &SplitFile,
        start: u64,
        end: u64,
        buf: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
    ) -> UnitEnd {
        let data = if self.hub.cancelled() {
            Err(io::Error::other("cancelled"))
        } else {
            read_chunk(file, start, end, buf)
        };
        let mut g = self.hub.lock();
        g.slots[unit].lines = match &data {
            Ok(d) => Lines::Known(count_lines(d)),
            Err(_) => Lines::Failed,
        };
        self.hub.notify_workers();
        // The chunk's first line is one past the newlines of the chunks before it.
        let line = loop {
            let mut line = 1u64;
            let mut pending = false;
            let mut failed = false;
            for slot in &g.slots[file.first..unit] {
                match slot.lines {
                    Lines::Known(n) => line += n,
                    Lines::Pending => pending = true,
                    Lines::Failed => failed = true,
                }
            }
            if failed || self.hub.cancelled() {
                // An earlier chunk failed (and is reported): this one is skipped.
                return UnitEnd::default();
            }
            if !pending {
                break line;
            }
            g = self.hub.wait_workers(g);
        };
        drop(g);
        let data = match data {
            Ok(d) => d,
            Err(e) => {
                let at = Position {
                    offset: start,
                    line,
                };
                return UnitEnd {
                    stats: SearchStats::default(),
                    error: Some(read_error(&file.name, e, at)),
                };
            }
        };
        if let Some(p) = &self.progress {
            p.advance(data.len() as u64);
        }
        let mut q = self.queue(unit, false);
        let at = Position {
            offset: start,
            line,
        };
        let result = self
            .searcher
            .search_chunk(data, at, &file.name, &mut q, scratch);
        if unit == file.last {
            q.batch.push(Event::Idle);
        }
        let _ = q.push(); // fails only when the run is cancelled
        UnitEnd {
            stats: result.unwrap_or_default(),
            error: None,
        }
    }

    fn queue(&self, unit: usize, forward_idle: bool) -> Queue<'_> {
        Queue {
            shared: self,
            unit,
            batch: Vec::new(),
            batch_bytes: 0,
            forward_idle,
        }
    }
}

impl UnitEnd {
    fn failed(name: &str, message: String, source: io::Error) -> UnitEnd {
        UnitEnd {
            stats: SearchStats::default(),
            error: Some(InputError {
                name: name.to_string(),
                message,
                source: Some(source),
            }),
        }
    }
}

/// Reads `start..end` of a split file with a positioned read, into `buf`.
fn read_chunk<'b>(
    file: &SplitFile,
    start: u64,
    end: u64,
    buf: &'b mut Vec<u8>,
) -> io::Result<&'b [u8]> {
    let len = usize::try_from(end - start).map_err(io::Error::other)?;
    let f = File::open(&file.path)?;
    super::grow_exact(buf, len);
    let data = &mut buf[..len];
    read_exact_at(&f, data, start).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            io::Error::new(e.kind(), "file shrank while being read")
        } else {
            e
        }
    })?;
    Ok(data)
}

/// A unit's sink in its worker: records go to the unit's queue in batches.
struct Queue<'a> {
    shared: &'a Shared,
    unit: usize,
    batch: Vec<Event>,
    batch_bytes: usize,
    /// Pass pauses on (live inputs); regular files report one pause at their end.
    forward_idle: bool,
}

impl Queue<'_> {
    /// Moves the batch to the unit's queue, waiting while the queue is full (until the
    /// writer reaches this unit and drains it).
    fn push(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let shared = self.shared;
        let mut g = shared.hub.lock();
        loop {
            if shared.hub.cancelled() {
                return Err(io::Error::other("scan cancelled"));
            }
            let slot = &g.slots[self.unit];
            // An empty queue takes any batch, so one huge record still gets through.
            if slot.bytes == 0 || slot.bytes + self.batch_bytes <= shared.queue_bytes {
                break;
            }
            g = shared.hub.wait_workers(g);
        }
        let slot = &mut g.slots[self.unit];
        slot.events.append(&mut self.batch);
        slot.bytes += self.batch_bytes;
        g.queued += self.batch_bytes;
        g.peak = g.peak.max(g.queued);
        self.batch_bytes = 0;
        drop(g);
        shared.hub.notify_caller();
        Ok(())
    }
}

impl Sink for Queue<'_> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.record_owned(rec.clone())
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        self.batch_bytes += approx_size(&rec);
        self.batch.push(Event::Record(Box::new(rec)));
        if self.batch_bytes >= BATCH_BYTES {
            self.push()?;
        }
        Ok(true)
    }

    fn idle(&mut self) -> io::Result<bool> {
        if self.forward_idle {
            self.batch.push(Event::Idle);
            self.push()?;
        }
        // The writer hears the output's answer; a stop reaches this worker as a
        // cancelled push.
        Ok(true)
    }
}

/// A sink that passes pauses on only if `forward`.
struct Pauses<'a> {
    inner: &'a mut dyn Sink,
    forward: bool,
}

impl Sink for Pauses<'_> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.inner.record(rec)
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        self.inner.record_owned(rec)
    }

    fn idle(&mut self) -> io::Result<bool> {
        if self.forward {
            self.inner.idle()
        } else {
            Ok(true)
        }
    }
}

/// The memory a queued record holds, roughly: enough to bound a queue.
pub(super) fn approx_size(rec: &Record) -> usize {
    let kv = rec.kv.text_len() + 16 * rec.kv.len();
    let meta = if rec.meta.is_some() {
        rec.text.len()
    } else {
        0
    };
    std::mem::size_of::<Record>() + rec.text.len() + rec.message.len() + kv + meta
}

/// The raw input: counts bytes for the progress bar.
struct Tracked<R> {
    inner: R,
    progress: Option<Arc<dyn Progress>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.advance(n as u64);
        }
        Ok(n)
    }
}

/// The decoded input: ends early when the run is cancelled.
struct Cancellable<'a> {
    inner: Box<dyn Read + Send>,
    shared: &'a Shared,
}

impl Read for Cancellable<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.shared.hub.cancelled() {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// The writer: emits each unit's events in unit order into `sink`.
fn write_in_order(
    shared: &Shared,
    sink: &mut dyn Sink,
    on_error: &mut dyn FnMut(&InputError),
) -> io::Result<Totals> {
    let mut totals = Totals::default();
    for i in 0..shared.units.len() {
        if let Unit::Report(e) = &shared.units[i] {
            totals.errors += 1;
            on_error(e);
        } else if let Unit::Note(e) = &shared.units[i] {
            on_error(e);
        } else if let (true, Unit::Stream { input, regular }) =
            (shared.lone == Some(i), &shared.units[i])
        {
            let (end, stats) = shared.blocks(input, regular.is_some(), sink)?;
            totals.records += stats.records;
            if stats.stopped {
                totals.stopped = true;
                return Ok(totals);
            }
            totals.bytes += end.stats.bytes;
            if let Some(e) = &end.error {
                totals.errors += 1;
                on_error(e);
            }
        } else {
            let end = loop {
                let (events, end) = {
                    let mut g = shared.hub.lock();
                    while g.slots[i].events.is_empty() && g.slots[i].end.is_none() {
                        if let Some(p) = shared.hub.panicked() {
                            return Err(io::Error::other(p));
                        }
                        g = shared.hub.wait_caller(g);
                    }
                    let drained = std::mem::take(&mut g.slots[i].bytes);
                    g.queued -= drained;
                    let slot = &mut g.slots[i];
                    // `end` is set after the unit's last push: with it, all is here.
                    (std::mem::take(&mut slot.events), slot.end.take())
                };
                shared.hub.notify_workers();
                for ev in events {
                    match ev {
                        Event::Record(rec) => {
                            totals.records += 1;
                            if !sink.record_owned(*rec)? {
                                totals.stopped = true;
                                return Ok(totals);
                            }
                        }
                        Event::Idle => {
                            if !sink.idle()? {
                                totals.stopped = true;
                                return Ok(totals);
                            }
                        }
                    }
                }
                if let Some(end) = end {
                    break end;
                }
            };
            totals.bytes += end.stats.bytes;
            if let Some(e) = &end.error {
                totals.errors += 1;
                on_error(e);
            }
        }
        shared.hub.lock().head = i + 1;
        shared.hub.notify_workers();
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::CollectSink;
    use crate::search::SearchConfig;
    use std::io::Write;

    fn searcher() -> Searcher {
        Searcher::new(SearchConfig::default())
            .unwrap()
            .with_redactor(crate::search::redact::Redactor::with_key([7; 16]))
    }

    const EVENT: &str = "10:30:12 [ws] closed before connect conn=c1 remote=127.0.0.1 code=1008 reason=pairing required\n";

    fn log(n: usize, tag: &str) -> String {
        (0..n)
            .map(|i| {
                if i % 7 == 3 {
                    EVENT.replace("c1", &format!("{tag}{i}"))
                } else {
                    format!("10:30:12 [agent] run {tag} step {i}\n")
                }
            })
            .collect()
    }

    fn run(inputs: &[Input], opts: &BatchOptions) -> (Vec<Record>, Totals) {
        let mut sink = CollectSink::default();
        let totals = search(&searcher(), inputs, opts, &mut sink, &mut |e| {
            panic!("unexpected error {e}")
        })
        .unwrap();
        (sink.0, totals)
    }

    /// A slow consumer: the workers run ahead as far as the bounds let them.
    struct Slow(u64, u64);

    impl Sink for Slow {
        fn record(&mut self, _rec: &Record) -> io::Result<bool> {
            self.0 += 1;
            if self.0.is_multiple_of(200) {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Ok(true)
        }
        fn idle(&mut self) -> io::Result<bool> {
            self.1 += 1;
            Ok(true)
        }
    }

    #[test]
    fn a_worker_panic_ends_the_run_with_an_error() {
        /// Panics on the worker that reports progress.
        struct Exploding;
        impl Progress for Exploding {
            fn start(&self, _total: u64) {}
            fn advance(&self, _bytes: u64) {
                panic!("progress exploded");
            }
            fn suspend(&self, f: &mut dyn FnMut()) {
                f();
            }
            fn finish(&self) {}
        }
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.log");
        std::fs::write(&big, log(20_000, "b")).unwrap();
        let small = dir.path().join("small.log");
        std::fs::write(&small, log(100, "s")).unwrap();
        // Chunks of a split file, and files streamed by the workers.
        for (inputs, split_threshold) in [
            (vec![Input::Path(big.clone())], 1),
            (vec![Input::Path(small), Input::Path(big)], u64::MAX),
        ] {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let opts = BatchOptions {
                    threads: 2,
                    split_threshold,
                    chunk_size: 64 << 10,
                    progress: Some(Arc::new(Exploding)),
                    ..BatchOptions::default()
                };
                let mut sink = CollectSink::default();
                let result = search(&searcher(), &inputs, &opts, &mut sink, &mut |_| {});
                let _ = tx.send(result.map(|_| ()));
            });
            let result = rx
                .recv_timeout(std::time::Duration::from_secs(20))
                .expect("the run must end, not hang");
            let e = result.expect_err("the run must fail");
            let panicked = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<crate::drive::WorkerPanicked>())
                .expect("the error says a worker panicked");
            assert_eq!(panicked.message, "progress exploded");
        }
    }

    /// A lone plain file from `LONE_FILE_BLOCKS` up (and below the split threshold)
    /// is searched in blocks on every worker; a smaller one, or one among others, by
    /// one worker. Either way its records are those one worker finds.
    #[test]
    fn a_lone_file_of_a_mebibyte_is_searched_in_blocks_with_the_same_records() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.log");
        let text = log(40_000, "b");
        assert!(text.len() as u64 >= LONE_FILE_BLOCKS);
        std::fs::write(&big, &text).unwrap();
        let small = dir.path().join("small.log");
        std::fs::write(&small, log(100, "s")).unwrap();
        let plan_of = |inputs: &[Input], threads| {
            let opts = BatchOptions {
                threads,
                ..BatchOptions::default()
            };
            let units = plan(walk::expand(inputs, &opts.filter), &opts);
            lone_stream(&units, threads, units.len())
        };
        let lone_big = [Input::Path(big.clone())];
        assert_eq!(plan_of(&lone_big, 2), Some(0));
        assert_eq!(plan_of(&lone_big, 1), None);
        assert_eq!(plan_of(&[Input::Path(small.clone())], 2), None);
        assert_eq!(plan_of(&[Input::Path(small), Input::Path(big)], 2), None);
        let one = BatchOptions {
            threads: 1,
            ..BatchOptions::default()
        };
        let two = BatchOptions {
            threads: 2,
            ..BatchOptions::default()
        };
        let (want, want_totals) = run(&lone_big, &one);
        let (got, got_totals) = run(&lone_big, &two);
        assert_eq!(want.len(), (0..40_000).filter(|i| i % 7 == 3).count());
        assert_eq!(got, want);
        assert_eq!(got_totals.records, want_totals.records);
        assert_eq!(got_totals.bytes, text.len() as u64);
    }

    #[test]
    fn queued_records_stay_within_the_reorder_bound() {
        let dir = tempfile::tempdir().unwrap();
        let mut inputs = Vec::new();
        for k in 0..24 {
            let p = dir.path().join(format!("f{k:02}.log"));
            std::fs::write(&p, log(1500, &format!("f{k}x"))).unwrap();
            inputs.push(Input::Path(p));
        }
        // Every line a record: far more record bytes than the bound.
        let all = searcher().with_config(SearchConfig {
            emit_all: true,
            ..SearchConfig::default()
        });
        let opts = BatchOptions {
            threads: 3,
            queue_bytes: 16 << 10,
            ..BatchOptions::default()
        };
        let mut sink = Slow(0, 0);
        let (totals, peak) = super::run(&all, &inputs, &opts, &mut sink, &mut |e| {
            panic!("unexpected error {e}")
        });
        let totals = totals.unwrap();
        assert_eq!(totals.records, 24 * 1500);
        assert_eq!(sink.1, 24, "one pause at the end of each regular file");
        let per_unit = opts.queue_bytes + BATCH_BYTES + 8192;
        let bound = 2 * opts.threads * per_unit;
        let produced = 24 * 1500 * std::mem::size_of::<Record>();
        assert!(peak <= bound, "peak {peak} > bound {bound}");
        assert!(
            produced > 10 * bound,
            "the test must hold back more than the bound"
        );
    }

    #[test]
    fn chunks_match_the_stream_for_every_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        let mut f = File::create(&path).unwrap();
        f.write_all(log(3000, "a").as_bytes()).unwrap();
        f.write_all(b"last line without newline code=1008").unwrap();
        drop(f);
        let inputs = [Input::Path(path)];
        let (want, wt) = run(&inputs, &BatchOptions::default());
        assert!(want.len() > 400);
        for (chunk, threads, queue) in [
            (1, 1, 1),
            (100, 2, 1000),
            (4096, 3, 64),
            (50_000, 4, 1 << 20),
        ] {
            let opts = BatchOptions {
                threads,
                split_threshold: 1,
                chunk_size: chunk,
                queue_bytes: queue,
                ..BatchOptions::default()
            };
            let (got, gt) = run(&inputs, &opts);
            assert_eq!(got, want, "chunk {chunk}");
            assert_eq!(gt, wt, "chunk {chunk}");
        }
    }

    #[test]
    fn order_is_the_argument_order_for_any_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let mut inputs = Vec::new();
        for k in 0..9 {
            let p = dir.path().join(format!("f{k}.log"));
            std::fs::write(&p, log(50 + k * 31, &format!("f{k}x"))).unwrap();
            inputs.push(Input::Path(p));
        }
        inputs.reverse();
        let (want, _) = run(
            &inputs,
            &BatchOptions {
                threads: 1,
                ..BatchOptions::default()
            },
        );
        let sources: Vec<_> = want.iter().map(|r| r.source.to_string()).collect();
        let mut dedup = sources.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), 9);
        assert!(dedup[0].ends_with("f8.log"));
        for threads in [2, 3, 8] {
            let opts = BatchOptions {
                threads,
                queue_bytes: 1,
                ..BatchOptions::default()
            };
            assert_eq!(run(&inputs, &opts).0, want, "threads {threads}");
        }
    }

    #[test]
    fn chunk_boundaries_are_newline_aligned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        std::fs::write(&path, "aaaa\nbb\nccc\nd\n").unwrap();
        let r = chunk_ranges(&path, 14, 4).unwrap();
        assert_eq!(r, [(0, 5), (5, 12), (12, 14)]);
        // A line longer than a chunk: stream the file instead.
        std::fs::write(&path, "a\nbbbbbbbbbbbb\nc\n").unwrap();
        assert_eq!(chunk_ranges(&path, 17, 4), None);
    }
}
