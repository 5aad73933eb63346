//! Follow mode (`--follow`): keep reading files as they grow, like `tail -F`.
//!
//! This module owns what a followed file is (a path, or the newest log file in a
//! directory or matching a glob), where reading starts (the end, or the beginning
//! with `--from-start`), and noticing rotation (the path now names another file),
//! truncation (the file shrank below what was read) and a newer daily file. Each
//! stretch of one file is searched by the same core as any stream
//! ([`Searcher::search_reader_at`]), so records carry that file's path, line numbers
//! and byte offsets. It does not decide what is an event, and it does not watch with
//! inotify: a poll at a fixed interval works the same on local disks, network file
//! systems and container volumes, and costs one `stat` per interval while idle.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crate::read::input::{InputError, Totals, describe};
use crate::read::walk::Filter;
use crate::search::lines::Position;
use crate::search::{SearchError, Searcher, Sink};

/// How often a followed file is checked for new bytes, rotation and truncation
/// when there is nothing to read.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(250);

/// How to follow.
#[derive(Clone, Debug)]
pub struct FollowOptions {
    /// Read the lines already in the file first, instead of starting at its end.
    pub from_start: bool,
    /// The poll interval while there is nothing to read.
    pub interval: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            from_start: false,
            interval: DEFAULT_INTERVAL,
        }
    }
}

/// What one `--follow` argument names.
#[derive(Clone, Debug)]
pub enum Target {
    /// One path; it may not exist yet, and may be replaced (rotated) or truncated.
    File(PathBuf),
    /// The most recently modified file in `dir` that `filter` accepts: a directory
    /// of daily logs (`/tmp/openclaw/`), or a glob (`/tmp/openclaw/openclaw-*.log`).
    Newest {
        /// The directory searched (not recursively).
        dir: PathBuf,
        /// Which file names count.
        filter: Filter,
    },
}

impl Target {
    /// Reads a command-line argument: a directory follows its newest file matching
    /// `globs` (by default `*.log` and `*.jsonl`: a rotated `gateway.log.1` is never
    /// the live log), a path whose last component holds `*`, `?` or `[` and that does
    /// not exist follows the newest file matching it, and anything else is one file.
    pub fn from_arg<S: AsRef<str>>(arg: &OsStr, globs: &[S]) -> Result<Target, String> {
        let path = PathBuf::from(arg);
        if path.is_dir() {
            let filter = if globs.is_empty() {
                Filter::from_globs(&crate::read::logs::LIVE_LOG_GLOBS)
            } else {
                Filter::from_globs(globs)
            }
            .map_err(|e| format!("--glob: {e}"))?;
            return Ok(Target::Newest { dir: path, filter });
        }
        let name = path.file_name().and_then(OsStr::to_str).unwrap_or("");
        if !path.exists() && name.contains(['*', '?', '[']) {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if dir.to_str().is_some_and(|d| d.contains(['*', '?', '['])) {
                return Err(format!(
                    "{}: --follow takes a glob in the file name only",
                    path.display()
                ));
            }
            let filter = Filter::from_globs(&[name]).map_err(|e| format!("{name}: {e}"))?;
            return Ok(Target::Newest { dir, filter });
        }
        Ok(Target::File(path))
    }

    /// What the target names now: `None` when nothing is there (yet).
    pub fn current(&self) -> Option<PathBuf> {
        match self {
            Target::File(p) => p.exists().then(|| p.clone()),
            Target::Newest { dir, filter } => newest(dir, filter),
        }
    }

    /// The argument, for messages.
    pub fn describe(&self) -> String {
        match self {
            Target::File(p) => p.display().to_string(),
            Target::Newest { dir, .. } => format!("{} (newest log file)", dir.display()),
        }
    }
}

/// The newest file in `dir` (not in subdirectories) that `filter` accepts, by
/// modification time and then name (daily names sort by date). Compressed files are
/// finished rotations, never the live log.
fn newest(dir: &Path, filter: &Filter) -> Option<PathBuf> {
    candidates(dir, filter)
        .into_iter()
        .map(|(path, meta)| (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), path))
        .max()
        .map(|(_, p)| p)
}

/// The regular files in `dir` (not in subdirectories) that `filter` accepts and that
/// could be a live log: compressed files are finished rotations.
fn candidates(dir: &Path, filter: &Filter) -> Vec<(PathBuf, Metadata)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let rel = Path::new(&name);
            let compressed = rel
                .extension()
                .is_some_and(|e| e == "gz" || e == "zst" || e == "zstd");
            !compressed && filter.matches(rel)
        })
        .filter_map(|entry| {
            let meta = entry.metadata().ok()?;
            meta.is_file().then(|| (entry.path(), meta))
        })
        .collect()
}

/// A file's identity: device and inode where the platform has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(meta: &Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId(meta.dev(), meta.ino()))
    }

    #[cfg(not(unix))]
    fn of(_meta: &Metadata) -> Option<FileId> {
        None
    }
}

/// Why reading one file stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Switch {
    /// The file shrank: read it again from its start.
    Truncated,
    /// The path names another file now (rotation), or a newer file appeared.
    Moved,
    /// Asked to stop.
    Stopped,
}

/// A followed file as a `Read`: returns what is appended, waits while there is
/// nothing, and reports end of input once the file was rotated, truncated or
/// superseded (after taking every byte written to it before that).
struct Tail<'a> {
    file: File,
    path: PathBuf,
    id: Option<FileId>,
    /// Bytes of the file read so far (where the next read starts).
    offset: u64,
    /// Where to pick the file up again: just past the last line terminator read.
    resume: Position,
    target: &'a Target,
    opts: &'a FollowOptions,
    stop: &'a AtomicBool,
    switch: Option<Switch>,
    /// After a move: the rest of the old file has been read.
    drained: bool,
}

impl Tail<'_> {
    /// What happened to the file since the last look, if anything.
    fn check(&self) -> Option<Switch> {
        if self.stop.load(Ordering::Relaxed) {
            return Some(Switch::Stopped);
        }
        if let Ok(meta) = self.file.metadata()
            && meta.len() < self.offset
        {
            return Some(Switch::Truncated);
        }
        // A path that is gone is being rotated: keep reading the old file until the
        // new one appears.
        let now = self.target.current()?;
        if now != self.path {
            return Some(Switch::Moved);
        }
        let id = fs::metadata(&now).ok().as_ref().and_then(FileId::of);
        (id.is_some() && id != self.id).then_some(Switch::Moved)
    }

    /// One read from the file. The searcher flushes its output whenever a read
    /// comes back short, so the read that reaches the current end of the file is
    /// kept short: were it to fill the buffer exactly, the next one would wait for
    /// new data with the records of this one still held.
    fn read_file(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut want = buf.len();
        if let Ok(meta) = self.file.metadata() {
            let left = meta.len().saturating_sub(self.offset);
            if left > 0 && left <= want as u64 {
                want = (left as usize).min(want.saturating_sub(1)).max(1);
            }
        }
        let n = self.file.read(&mut buf[..want])?;
        let got = &buf[..n];
        if let Some(i) = memchr::memrchr(b'\n', got) {
            self.resume = Position {
                offset: self.offset + i as u64 + 1,
                line: self.resume.line + crate::search::lines::count_lines(got),
            };
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl Read for Tail<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.switch {
            None => {}
            // The writer may have added to the old file before it moved on: read
            // it to its end.
            Some(Switch::Moved) if !self.drained => {
                let n = self.read_file(buf)?;
                self.drained = n == 0;
                return Ok(n);
            }
            Some(_) => return Ok(0),
        }
        loop {
            let n = self.read_file(buf)?;
            if n > 0 {
                return Ok(n);
            }
            match self.check() {
                None => sleep(self.opts.interval, self.stop),
                Some(why) => {
                    self.switch = Some(why);
                    return self.read(buf);
                }
            }
        }
    }
}

/// Sleeps `d`, waking early when asked to stop.
fn sleep(d: Duration, stop: &AtomicBool) {
    const STEP: Duration = Duration::from_millis(50);
    let mut left = d;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let step = left.min(STEP);
        std::thread::sleep(step);
        left -= step;
    }
}

/// Where reading starts when following from the end: after the last complete
/// line within the file's first `limit` bytes (a partial last line is read again
/// once it is finished), with that line's number, so records carry real line
/// numbers. Gives up (`None`) when asked to stop.
fn tail_start(file: &mut File, limit: u64, stop: &AtomicBool) -> io::Result<Option<Position>> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut pos = Position::START;
    let mut read: u64 = 0;
    while read < limit {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let want = buf
            .len()
            .min(usize::try_from(limit - read).unwrap_or(usize::MAX));
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        let lines = crate::search::lines::count_lines(chunk);
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            pos = Position {
                offset: read + i as u64 + 1,
                line: pos.line + lines,
            };
        }
        read += n as u64;
    }
    Ok(Some(pos))
}

/// Where to pick up a file met again (by device and inode): a position already
/// counted, or a length to count lines up to (a file that was there at the start).
#[derive(Clone, Copy, Debug)]
enum Resume {
    At(Position),
    AfterBytes(u64),
}

/// Follows every target until `stop` is set or a sink asks to stop (`--quiet` after
/// its first record); each target in its own thread, with its own sink from
/// `make_sink`. Returns the first output error (a closed pipe stops everything).
pub fn follow<S, F>(
    searcher: &Searcher,
    targets: &[Target],
    opts: &FollowOptions,
    make_sink: F,
    stop: &AtomicBool,
    on_error: &(dyn Fn(&InputError) + Sync),
) -> io::Result<Totals>
where
    S: Sink,
    F: Fn() -> S + Sync,
{
    let results: Vec<io::Result<Totals>> = std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|target| {
                let make_sink = &make_sink;
                scope.spawn(move || {
                    let mut sink = make_sink();
                    let r = follow_one(searcher, target, opts, &mut sink, stop, on_error);
                    // One target's end (a closed pipe, `--quiet`'s first match) ends all.
                    stop.store(true, Ordering::Relaxed);
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("a follow thread panicked")))
            })
            .collect()
    });
    let mut totals = Totals::default();
    for r in results {
        let t = r?;
        totals.records += t.records;
        totals.bytes += t.bytes;
        totals.errors += t.errors;
    }
    Ok(totals)
}

/// The files a target could name now, with their identities and sizes.
fn present_files(target: &Target) -> Vec<(FileId, u64)> {
    let files = match target {
        Target::File(p) => fs::metadata(p)
            .ok()
            .filter(Metadata::is_file)
            .map(|m| vec![(p.clone(), m)])
            .unwrap_or_default(),
        Target::Newest { dir, filter } => candidates(dir, filter),
    };
    files
        .iter()
        .filter_map(|(_, m)| FileId::of(m).map(|id| (id, m.len())))
        .collect()
}

/// Follows one target through rotations until stopped.
///
/// Every file met is remembered by its identity with the place to pick it up again,
/// so a directory whose newest file changes back and forth (`gateway.log` and
/// `gateway.err.log` written in turn) reads each line once. Files there at the start
/// are picked up at the length they had then (unless `--from-start`), files that
/// appear later from their start, and a truncated file from its start again.
fn follow_one(
    searcher: &Searcher,
    target: &Target,
    opts: &FollowOptions,
    sink: &mut dyn Sink,
    stop: &AtomicBool,
    on_error: &(dyn Fn(&InputError) + Sync),
) -> io::Result<Totals> {
    let mut totals = Totals::default();
    let mut resume: HashMap<FileId, Resume> = HashMap::new();
    if !opts.from_start {
        for (id, len) in present_files(target) {
            resume.insert(id, Resume::AfterBytes(len));
        }
    }
    let mut waiting_said = false;
    // Each problem is said once, not at every retry.
    let mut said: Option<String> = None;
    let mut report = |e: InputError, totals: &mut Totals| {
        let text = e.to_string();
        if said.as_deref() != Some(text.as_str()) {
            on_error(&e);
            totals.errors += 1;
            said = Some(text);
        }
    };
    let error = |name: &Path, e: io::Error| InputError {
        name: name.display().to_string(),
        message: describe(&e),
        source: Some(e),
    };
    while !stop.load(Ordering::Relaxed) {
        let Some(path) = target.current() else {
            if !waiting_said {
                // A note, not an error: the file may well come.
                on_error(&InputError {
                    name: target.describe(),
                    message: "not there yet; waiting for it".to_string(),
                    source: None,
                });
                waiting_said = true;
            }
            sleep(opts.interval, stop);
            continue;
        };
        // Opening a FIFO would wait for a writer, beyond the reach of Ctrl-C; and a
        // pipe is live without --follow.
        if fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            on_error(&InputError {
                name: path.display().to_string(),
                message: "not a regular file; --follow reads files (read a pipe without --follow)"
                    .into(),
                source: None,
            });
            totals.errors += 1;
            return Ok(totals);
        }
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                report(error(&path, e), &mut totals);
                sleep(opts.interval.max(Duration::from_secs(1)), stop);
                continue;
            }
        };
        let id = file.metadata().ok().as_ref().and_then(FileId::of);
        let start = match id.and_then(|id| resume.get(&id).copied()) {
            Some(Resume::At(p)) => Ok(Some(p)),
            Some(Resume::AfterBytes(len)) => tail_start(&mut file, len, stop),
            None => Ok(Some(Position::START)),
        };
        let start = match start.and_then(|p| match p {
            Some(p) => file.seek(SeekFrom::Start(p.offset)).map(|_| Some(p)),
            None => Ok(None),
        }) {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                report(error(&path, e), &mut totals);
                sleep(opts.interval.max(Duration::from_secs(1)), stop);
                continue;
            }
        };
        let mut tail = Tail {
            file,
            path: path.clone(),
            id,
            offset: start.offset,
            resume: start,
            target,
            opts,
            stop,
            switch: None,
            drained: false,
        };
        let source: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        let result = searcher.search_reader_at(&mut tail, start, &source, sink);
        if let Some(id) = id {
            if tail.switch == Some(Switch::Truncated) {
                resume.remove(&id);
            } else {
                resume.insert(id, Resume::At(tail.resume));
            }
        }
        match result {
            Ok(stats) => {
                totals.records += stats.records;
                totals.bytes += stats.bytes;
                if stats.stopped {
                    break;
                }
            }
            Err(SearchError::Write(e)) => return Err(e),
            // Picked up again where it stopped, after a pause.
            Err(SearchError::Read { source: e, .. }) => {
                report(error(&path, e), &mut totals);
                sleep(opts.interval.max(Duration::from_secs(1)), stop);
            }
        }
        if !sink.idle()? {
            break;
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn tail_start_is_after_the_last_complete_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        fs::write(&p, b"one\ntwo\nthr").unwrap();
        let stop = AtomicBool::new(false);
        let mut f = File::open(&p).unwrap();
        assert_eq!(
            tail_start(&mut f, u64::MAX, &stop).unwrap(),
            Some(Position { offset: 8, line: 3 })
        );
        // Only the first bytes: the length a file had when the follow began.
        let mut f = File::open(&p).unwrap();
        assert_eq!(
            tail_start(&mut f, 5, &stop).unwrap(),
            Some(Position { offset: 4, line: 2 })
        );
        fs::write(&p, b"").unwrap();
        let mut f = File::open(&p).unwrap();
        assert_eq!(
            tail_start(&mut f, u64::MAX, &stop).unwrap(),
            Some(Position::START)
        );
    }

    #[test]
    fn newest_prefers_the_latest_daily_file() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "openclaw-2026-11-23.log",
            "openclaw-2026-11-24.log",
            "openclaw-2026-11-22.log.gz",
            "gateway.log.1",
            "notes.txt",
        ] {
            let mut f = File::create(dir.path().join(name)).unwrap();
            f.write_all(b"x\n").unwrap();
        }
        let t = Target::from_arg::<&str>(dir.path().as_os_str(), &[]).unwrap();
        assert_eq!(
            t.current().unwrap().file_name().unwrap(),
            "openclaw-2026-11-24.log"
        );
        let glob = dir.path().join("openclaw-*.log");
        let t = Target::from_arg::<&str>(glob.as_os_str(), &[]).unwrap();
        assert!(matches!(t, Target::Newest { .. }));
        assert_eq!(
            t.current().unwrap().file_name().unwrap(),
            "openclaw-2026-11-24.log"
        );
    }

    #[test]
    fn a_missing_plain_path_is_a_file_target() {
        let t = Target::from_arg::<&str>(OsStr::new("/nonexistent/gateway.log"), &[]).unwrap();
        assert!(matches!(t, Target::File(_)));
        assert!(t.current().is_none());
        assert!(Target::from_arg::<&str>(OsStr::new("/x*/a*.log"), &[]).is_err());
    }
}
