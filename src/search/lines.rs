//! Line machinery: the read buffer and the helpers that locate lines in a buffer.
//!
//! This module owns how bytes become complete lines: one `read()` per fill, a
//! partial last line rolled to the front for the next fill, growth for long lines up
//! to a cap, and fast location of a line around a byte position with memchr. It does
//! not know what a line means nor which lines matter.

use std::io::{self, Read};

/// Where a block of bytes starts in its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Position {
    /// Byte offset of the block's first byte.
    pub offset: u64,
    /// 1-based number of the block's first line.
    pub line: u64,
}

impl Position {
    /// The start of an input.
    pub const START: Position = Position { offset: 0, line: 1 };

    /// The position just past `block`, which starts at `self`.
    pub fn after(self, block: &[u8]) -> Position {
        Position {
            offset: self.offset + block.len() as u64,
            line: self.line + count_lines(block),
        }
    }
}

/// The number of line terminators in `bytes`.
#[inline]
pub fn count_lines(bytes: &[u8]) -> u64 {
    // memchr's iterator counts with SIMD.
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// The start of the line holding `pos`.
#[inline]
pub fn line_start(buf: &[u8], pos: usize) -> usize {
    memchr::memrchr(b'\n', &buf[..pos]).map_or(0, |i| i + 1)
}

/// The end (position of its `\n`, or the buffer's end) of the line holding `pos`.
#[inline]
pub fn line_end(buf: &[u8], pos: usize) -> usize {
    memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |i| pos + i)
}

/// A line without its `\r` when it ends in CRLF.
#[inline]
pub fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Counts lines from a moving position in a buffer: each call counts only the bytes
/// since the previous one, so a whole block is counted at most once.
#[derive(Debug)]
pub struct LineCounter {
    pos: usize,
    line: u64,
}

impl LineCounter {
    /// A counter at the start of a buffer whose first line is number `line`.
    pub fn new(line: u64) -> LineCounter {
        LineCounter { pos: 0, line }
    }

    /// The number of the line the counter stands at.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The number of the line that starts at or holds `pos` (`pos` never decreases).
    #[inline]
    pub fn line_at(&mut self, buf: &[u8], pos: usize) -> u64 {
        if pos > self.pos {
            self.line += count_lines(&buf[self.pos..pos]);
            self.pos = pos;
        }
        self.line
    }

    /// Moves forward by `n` line starts, returning the new position (the start of the
    /// line `n` lines further on).
    pub fn skip_lines(&mut self, buf: &[u8], n: u64) -> usize {
        if n > 0 {
            let from = self.pos;
            let mut it = memchr::memchr_iter(b'\n', &buf[from..]);
            let nl = usize::try_from(n - 1)
                .ok()
                .and_then(|k| it.nth(k))
                .map_or(buf.len(), |i| from + i + 1);
            self.pos = nl;
            self.line += n;
        }
        self.pos
    }
}

/// A read buffer holding complete lines plus a partial last line.
///
/// `fill` does exactly one `read()` so that a live stream is searched as soon as a
/// line has arrived (ripgrep 15.0 looped until full and stalled `journalctl -f | rg`).
#[derive(Debug)]
pub struct LineBuffer {
    buf: Vec<u8>,
    /// Bytes `[0, end)` hold data not yet consumed.
    end: usize,
    read_size: usize,
}

/// What one fill brought.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// `n` bytes arrived; `short` when fewer than asked for (the source had no more
    /// ready, so a live sink should flush).
    Data {
        /// Bytes read.
        n: usize,
        /// Fewer bytes than asked for arrived.
        short: bool,
    },
    /// End of input.
    Eof,
}

impl LineBuffer {
    /// A buffer that asks for `read_size` bytes per read (at least 1).
    pub fn new(read_size: usize) -> LineBuffer {
        let read_size = read_size.max(1);
        LineBuffer {
            buf: Vec::new(),
            end: 0,
            read_size,
        }
    }

    /// The unconsumed bytes.
    pub fn data(&self) -> &[u8] {
        &self.buf[..self.end]
    }

    /// Drops the first `n` unconsumed bytes, moving the rest to the front.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.end);
        self.buf.copy_within(n..self.end, 0);
        self.end -= n;
    }

    /// Releases memory grown for a long line, once it is gone.
    pub fn shrink(&mut self) {
        let keep = (self.end + self.read_size).max(self.read_size * 2);
        if self.buf.len() > keep * 2 {
            self.buf.truncate(keep.max(self.end));
            self.buf.shrink_to(keep);
        }
    }

    /// Reads once from `r` into the buffer, after the unconsumed bytes.
    pub fn fill<R: Read + ?Sized>(&mut self, r: &mut R) -> io::Result<Fill> {
        let want = self.end + self.read_size;
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        loop {
            match r.read(&mut self.buf[self.end..want]) {
                Ok(0) => return Ok(Fill::Eof),
                Ok(n) => {
                    self.end += n;
                    return Ok(Fill::Data {
                        n,
                        short: n < self.read_size,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_lines() {
        let buf = b"ab\ncd\r\nef";
        assert_eq!(line_start(buf, 4), 3);
        assert_eq!(line_end(buf, 4), 6);
        assert_eq!(trim_cr(&buf[3..6]), b"cd");
        assert_eq!(line_end(buf, 8), 9);
        assert_eq!(line_start(buf, 0), 0);
    }

    #[test]
    fn counter_counts_once() {
        let buf = b"a\nb\nc\nd";
        let mut c = LineCounter::new(10);
        assert_eq!(c.line_at(buf, 2), 11);
        assert_eq!(c.line_at(buf, 4), 12);
        assert_eq!(c.line_at(buf, 6), 13);
        let mut c = LineCounter::new(1);
        assert_eq!(c.skip_lines(buf, 2), 4);
        assert_eq!(c.skip_lines(buf, 0), 4);
        assert_eq!(c.skip_lines(buf, 5), buf.len());
    }

    #[test]
    fn fill_reads_once_and_rolls() {
        let mut src: &[u8] = b"one\ntwo\nthr";
        let mut lb = LineBuffer::new(5);
        assert_eq!(
            lb.fill(&mut src).unwrap(),
            Fill::Data { n: 5, short: false }
        );
        assert_eq!(lb.data(), b"one\nt");
        lb.consume(4);
        assert_eq!(lb.data(), b"t");
        assert_eq!(
            lb.fill(&mut src).unwrap(),
            Fill::Data { n: 5, short: false }
        );
        assert_eq!(lb.data(), b"two\nth");
        lb.consume(4);
        assert_eq!(lb.fill(&mut src).unwrap(), Fill::Data { n: 1, short: true });
        assert_eq!(lb.data(), b"thr");
        assert_eq!(lb.fill(&mut src).unwrap(), Fill::Eof);
    }
}
