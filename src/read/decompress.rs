//! Compressed input, decoded in-process and recognised by its magic bytes.
//!
//! This module owns telling plain text from gzip and zstd by the first bytes of a
//! stream (never by the file name: rotated archives such as `gateway.log.1` often
//! have no extension), and handing back a reader of the decoded bytes. Standard input
//! is decoded the same way. gzip files may hold several members (`cat a.gz b.gz`,
//! pigz, logrotate appends): all are read. Formats that are recognised but not
//! supported (xz, lz4) are refused with a clear message rather than searched as
//! binary noise.
//!
//! A corrupt or truncated stream surfaces as a read error from the returned reader,
//! worded for people (`gzip data is truncated`); the search driver reports it with the
//! line it reached. This module does not search, and does not decide which files to
//! open (that is `walk`).

use std::fmt;
use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use crate::search::DEFAULT_READ_SIZE;

/// What a stream holds, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Anything that is not a known compressed format: searched as it is.
    Plain,
    /// gzip (RFC 1952), one or more members.
    Gzip,
    /// Zstandard, one or more frames.
    Zstd,
}

impl Format {
    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Gzip => "gzip",
            Format::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How many leading bytes [`sniff`] needs to tell every format apart.
pub const MAGIC_LEN: usize = 6;

/// gzip: ID1 ID2 and CM = 8 (deflate, the only method defined); the third byte makes a
/// text line that happens to start with 0x1f 0x8b even less likely to be taken.
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];
/// A Zstandard frame.
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
/// A skippable Zstandard frame starts with 0x184D2A5? in little endian; a stream may
/// begin with one (some tools write metadata there).
fn is_zstd_skippable(head: &[u8]) -> bool {
    head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18]
}
/// Recognised only to be refused: searching them as text would silently find nothing.
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];
const LZ4_MAGIC: &[u8] = &[0x04, 0x22, 0x4d, 0x18];

/// Tells the format from the first bytes of a stream (fewer than [`MAGIC_LEN`] only
/// at the end of a short input). `Err` names a compression that is recognised but not
/// supported.
pub fn sniff(head: &[u8]) -> Result<Format, &'static str> {
    if head.starts_with(GZIP_MAGIC) {
        Ok(Format::Gzip)
    } else if head.starts_with(ZSTD_MAGIC) || is_zstd_skippable(head) {
        Ok(Format::Zstd)
    } else if head.starts_with(XZ_MAGIC) {
        Err("xz")
    } else if head.starts_with(LZ4_MAGIC) {
        Err("lz4")
    } else {
        Ok(Format::Plain)
    }
}

/// A stream ready for the search: its format and a reader of the decoded bytes.
pub struct Decoded {
    /// What the stream held.
    pub format: Format,
    /// The decoded bytes (the stream itself when plain).
    pub reader: Box<dyn Read + Send>,
}

impl fmt::Debug for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoded")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Reads the first bytes of `reader` to learn its format, and returns a reader of
/// the decoded stream that still starts at the first byte (nothing is lost).
///
/// The peek issues one read and more only while fewer than [`MAGIC_LEN`] bytes have
/// come, so a live pipe is not held back waiting for a full buffer.
pub fn decode<R: Read + Send + 'static>(mut reader: R) -> io::Result<Decoded> {
    // One read of the search's own size: for plain input these bytes are the first
    // block the search sees, and a file's first read stays a full one (a short read
    // means "the input paused" to the search, which flushes and releases held records).
    let mut head = vec![0u8; DEFAULT_READ_SIZE];
    let mut n = 0;
    while n < MAGIC_LEN {
        match reader.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    head.truncate(n);
    let format = match sniff(&head) {
        Ok(f) => f,
        Err(name) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{name}-compressed input is not supported (gzip and zstd are)"),
            ));
        }
    };
    let stream = Rejoined {
        head,
        at: 0,
        rest: reader,
    };
    let reader: Box<dyn Read + Send> = match format {
        Format::Plain => Box::new(stream),
        Format::Gzip => Box::new(Labelled {
            inner: MultiGzDecoder::new(Passthrough(stream)),
            format,
        }),
        Format::Zstd => {
            let dec = zstd::stream::read::Decoder::new(Passthrough(stream))
                .map_err(|e| label(e, format))?;
            Box::new(Labelled { inner: dec, format })
        }
    };
    Ok(Decoded { format, reader })
}

/// The peeked bytes, then the rest of the stream: what `Read::chain` on a `Cursor`
/// does, but the peek's buffer, a whole read of 256 KiB, is freed once it has been
/// read instead of being held for the rest of the run (issue 21, a stream's memory).
struct Rejoined<R> {
    head: Vec<u8>,
    at: usize,
    rest: R,
}

impl<R: Read> Read for Rejoined<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at < self.head.len() {
            let n = buf.len().min(self.head.len() - self.at);
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            if self.at == self.head.len() {
                self.head = Vec::new();
                self.at = 0;
            }
            return Ok(n);
        }
        self.rest.read(buf)
    }
}

/// Marks errors of the underlying stream (a failing disk, a closed pipe) so that
/// [`Labelled`] passes them through as they are instead of calling them corrupt data.
struct Passthrough<R>(R);

#[derive(Debug)]
struct SourceError(io::Error);

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceError {}

impl<R: Read> Read for Passthrough<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), SourceError(e)))
    }
}

/// A decoder whose own errors are reworded to name the format.
struct Labelled<D> {
    inner: D,
    format: Format,
}

impl<D: Read> Read for Labelled<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| label(e, self.format))
    }
}

/// Words a decoder error for people; a marked error of the underlying stream is
/// returned unchanged.
fn label(e: io::Error, format: Format) -> io::Error {
    let kind = e.kind();
    if e.get_ref().is_some_and(|inner| inner.is::<SourceError>()) {
        return match e.into_inner().map(|inner| inner.downcast::<SourceError>()) {
            Some(Ok(src)) => src.0,
            _ => io::Error::from(kind),
        };
    }
    let message = if kind == io::ErrorKind::UnexpectedEof {
        format!("{format} data is truncated")
    } else {
        format!("{format} data is corrupt ({})", lower_first(&e.to_string()))
    };
    io::Error::new(kind, message)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"line one\nline two code=1008\nthree\n";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>) -> (Format, io::Result<Vec<u8>>) {
        let d = decode(io::Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        let mut r = d.reader;
        let res = r.read_to_end(&mut out).map(|_| out);
        (d.format, res)
    }

    #[test]
    fn plain_passes_through_whole() {
        for data in [&b""[..], b"a", b"ab\n", TEXT] {
            let (f, got) = read_all(data.to_vec());
            assert_eq!(f, Format::Plain);
            assert_eq!(got.unwrap(), data);
        }
    }

    #[test]
    fn a_files_first_read_is_a_full_one() {
        // A short first read would tell the search that the input paused.
        let data = TEXT.repeat(DEFAULT_READ_SIZE / TEXT.len() * 3);
        let mut r = decode(io::Cursor::new(data)).unwrap().reader;
        let mut buf = vec![0u8; DEFAULT_READ_SIZE];
        assert_eq!(r.read(&mut buf).unwrap(), DEFAULT_READ_SIZE);
        assert_eq!(r.read(&mut buf).unwrap(), DEFAULT_READ_SIZE);
    }

    #[test]
    fn the_peek_is_read_in_pieces_then_the_rest_and_its_buffer_freed() {
        let mut r = Rejoined {
            head: b"abcde".to_vec(),
            at: 0,
            rest: io::Cursor::new(b"fgh".to_vec()),
        };
        let mut buf = [0u8; 2];
        let mut got = Vec::new();
        assert_eq!(r.read(&mut []).unwrap(), 0, "an empty read reads nothing");
        for _ in 0..3 {
            let n = r.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        // The peek ends a read short of its size, as `Cursor::chain` does.
        assert_eq!(got, b"abcde");
        assert_eq!(r.head.capacity(), 0);
        r.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"abcdefgh");
    }

    #[test]
    fn gzip_multi_member() {
        let mut data = gzip(&TEXT[..10]);
        data.extend(gzip(&TEXT[10..]));
        let (f, got) = read_all(data);
        assert_eq!(f, Format::Gzip);
        assert_eq!(got.unwrap(), TEXT);
    }

    #[test]
    fn zstd_multi_frame() {
        let mut data = zstd::encode_all(&TEXT[..10], 3).unwrap();
        data.extend(zstd::encode_all(&TEXT[10..], 3).unwrap());
        let (f, got) = read_all(data);
        assert_eq!(f, Format::Zstd);
        assert_eq!(got.unwrap(), TEXT);
    }

    #[test]
    fn truncated_and_corrupt_are_errors() {
        let big: Vec<u8> = TEXT.repeat(2000);
        let gz = gzip(&big);
        let (_, got) = read_all(gz[..gz.len() / 2].to_vec());
        let e = got.unwrap_err();
        assert_eq!(e.to_string(), "gzip data is truncated");

        let mut bad = gz.clone();
        for b in &mut bad[20..40] {
            *b ^= 0x55;
        }
        let (_, got) = read_all(bad);
        assert!(got.unwrap_err().to_string().starts_with("gzip data is"));

        let zs = zstd::encode_all(&big[..], 3).unwrap();
        let (_, got) = read_all(zs[..zs.len() / 2].to_vec());
        let e = got.unwrap_err();
        assert!(e.to_string().starts_with("zstd data is"), "{e}");
    }

    #[test]
    fn source_errors_are_not_called_corrupt() {
        struct Failing(Vec<u8>, bool);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.1 {
                    return Err(io::Error::other("disk on fire"));
                }
                self.1 = true;
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let gz = gzip(&TEXT.repeat(1000));
        let d = decode(Failing(gz[..gz.len() / 2].to_vec(), false)).unwrap();
        let mut r = d.reader;
        let e = r.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(e.to_string(), "disk on fire");
    }

    #[test]
    fn unsupported_formats_are_refused() {
        let e = decode(io::Cursor::new(b"\xfd7zXZ\x00rest".to_vec())).unwrap_err();
        assert!(e.to_string().contains("xz-compressed"), "{e}");
    }
}
