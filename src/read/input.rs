//! Inputs: naming them, and saying why one could not be read.
//!
//! This module owns the difference between standard input and a path, the messages
//! for inputs that cannot be read, and the totals of a multi-input search. It does not
//! open or search inputs (that is `batch`, `follow` and `decompress`) nor write
//! records (that is `output`).

use std::ffi::OsStr;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::search::lines::Position;

/// One input of a scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`, or no path at all).
    Stdin,
    /// A file.
    Path(PathBuf),
}

impl Input {
    /// Reads a command-line argument: `-` is standard input.
    pub fn from_arg(arg: &OsStr) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    /// The name records carry in `source`: the path as given, or `-`.
    pub fn name(&self) -> Arc<str> {
        match self {
            Input::Stdin => Arc::from("-"),
            Input::Path(p) => Arc::from(p.to_string_lossy().as_ref()),
        }
    }
}

/// An input that could not be opened or read to its end.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct InputError {
    /// The input's name as given.
    pub name: String,
    /// What went wrong, for people.
    pub message: String,
    /// The underlying error, where there is one.
    #[source]
    pub source: Option<io::Error>,
}

/// An I/O error in words, without Rust's `(os error N)` suffix.
pub fn describe(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => {
            let mut t = s[..i].to_string();
            if let Some(first) = t.get(..1) {
                let lower = first.to_lowercase();
                t.replace_range(..1, &lower);
            }
            t
        }
        None => s,
    }
}

/// The report for an input whose reading failed part way (a disk error, a corrupt or
/// truncated archive): `at` is how far it was read; the records before it were kept.
pub fn read_error(name: &str, source: io::Error, at: Position) -> InputError {
    InputError {
        name: name.to_string(),
        message: format!(
            "{} (after line {})",
            describe(&source),
            at.line.saturating_sub(1)
        ),
        source: Some(source),
    }
}

/// What a multi-input search saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Records delivered.
    pub records: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Inputs that could not be opened or read to their end.
    pub errors: u64,
    /// The sink asked to stop.
    pub stopped: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_strips_os_error() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(describe(&e), "no such file or directory");
    }

    #[test]
    fn dash_is_stdin() {
        assert_eq!(Input::from_arg(OsStr::new("-")), Input::Stdin);
        assert_eq!(Input::from_arg(OsStr::new("a")).name().as_ref(), "a");
    }
}
