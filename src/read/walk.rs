//! Expanding path arguments into the list of inputs a batch scan reads.
//!
//! This module owns which files a directory argument stands for: its regular files,
//! recursively, in name order at every level (so a run is reproducible), filtered by
//! name — by default the names log files and their rotations carry
//! ([`is_log_name`]), or by `--glob` patterns ([`Filter::from_globs`]). Symbolic links
//! are followed; a link back to a directory being walked is a loop, reported and
//! skipped. Entries that cannot be listed or followed are reported as
//! `PATH: reason` items in their place, and the walk goes on.
//!
//! Listing and sorting a directory is walkdir's; following links, recognising loops
//! and reporting what cannot be read are this module's.
//!
//! Paths named on the command line are never filtered: a file given by name is read
//! whatever its name or type (a FIFO, `/dev/stdin`). This module does not open or read
//! files (that is `decompress` and `batch`).

use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::read::input::{Input, InputError, describe};
use crate::read::logs::is_log_name;

/// How deep a walk goes before it reports the directory as too deeply nested: a
/// guard for file systems where loops cannot be recognised by device and inode.
const MAX_DEPTH: usize = 256;

/// Which files found inside directories are scanned.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// `None`: the default, [`is_log_name`].
    globs: Option<Globs>,
}

#[derive(Clone, Debug)]
struct Globs {
    /// Patterns without a `/`, matched against the file name.
    names: GlobSet,
    /// Patterns with a `/`, matched against the path below the directory argument.
    paths: GlobSet,
}

impl Filter {
    /// Files whose name [`is_log_name`].
    pub fn logs() -> Filter {
        Filter::default()
    }

    /// Files matching any of `globs` instead of the default. A pattern without `/`
    /// matches the file name (`*.log.gz`); one with `/` matches the path below the
    /// directory argument (`2026-*/**/*.log`), where `*` stays within one component
    /// and `**` crosses them. An empty list means the default.
    pub fn from_globs<S: AsRef<str>>(globs: &[S]) -> Result<Filter, globset::Error> {
        if globs.is_empty() {
            return Ok(Filter::default());
        }
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for g in globs {
            let g = g.as_ref();
            let glob = GlobBuilder::new(g).literal_separator(true).build()?;
            if g.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        Ok(Filter {
            globs: Some(Globs {
                names: names.build()?,
                paths: paths.build()?,
            }),
        })
    }

    /// Whether this is the default filter ([`is_log_name`]), not `--glob` patterns.
    pub fn is_default(&self) -> bool {
        self.globs.is_none()
    }

    /// Whether a file found at `rel` below a directory argument is scanned.
    pub fn matches(&self, rel: &Path) -> bool {
        let name = rel.file_name().unwrap_or(rel.as_os_str());
        match &self.globs {
            None => is_log_name(name),
            Some(g) => g.names.is_match(name) || g.paths.is_match(rel),
        }
    }
}

/// One item of an expanded argument list, in scan order.
#[derive(Debug)]
pub enum Item {
    /// An input to scan.
    Scan {
        /// The input.
        input: Input,
        /// Its size, when it is a regular file (not a pipe or device): the batch
        /// driver may split it, and shows progress against it.
        regular_size: Option<u64>,
    },
    /// A path that could not be read or followed, to report in its place.
    Error(InputError),
    /// Files of a directory argument that were not read: a note for the user, not an
    /// error (`name` is the directory, `message` says how many and how to read them).
    Note(InputError),
}

/// Expands `inputs` in order: standard input and files as given, directories into
/// their matching files (see the module documentation).
pub fn expand(inputs: &[Input], filter: &Filter) -> Vec<Item> {
    let mut out = Vec::new();
    for input in inputs {
        let path = match input {
            Input::Stdin => {
                out.push(Item::Scan {
                    input: Input::Stdin,
                    regular_size: None,
                });
                continue;
            }
            Input::Path(p) => p,
        };
        match fs::metadata(path) {
            Err(e) => out.push(error(path, describe(&e))),
            Ok(meta) if meta.is_dir() => {
                let first = out.len();
                let mut walk = Walk {
                    root: path,
                    filter,
                    out: &mut out,
                    ancestors: Vec::new(),
                    skipped: Skipped::default(),
                };
                walk.dir(path, &meta);
                let skipped = walk.skipped;
                let found = out[first..].iter().any(|i| matches!(i, Item::Scan { .. }));
                skipped.settle(path, found, &mut out);
            }
            Ok(meta) => out.push(Item::Scan {
                input: input.clone(),
                regular_size: meta.is_file().then_some(meta.len()),
            }),
        }
    }
    out
}

fn error(path: &Path, message: String) -> Item {
    Item::Error(InputError {
        name: path.to_string_lossy().into_owned(),
        message,
        source: None,
    })
}

/// A directory's identity, to recognise a link back to it.
type DirId = (u64, u64);

#[cfg(unix)]
fn dir_id(meta: &Metadata) -> Option<DirId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn dir_id(_meta: &Metadata) -> Option<DirId> {
    None
}

struct Walk<'a> {
    root: &'a Path,
    filter: &'a Filter,
    out: &'a mut Vec<Item>,
    /// The directories from the root down to the one being listed.
    ancestors: Vec<(Option<DirId>, PathBuf)>,
    /// Regular files the default filter passed over.
    skipped: Skipped,
}

/// The files of one directory argument that the default name filter passed over.
#[derive(Debug, Default)]
struct Skipped {
    /// Text files (by their first bytes), with their sizes, in walk order.
    text: Vec<(PathBuf, u64)>,
    /// Files whose first bytes hold a NUL: not text, never read.
    binary: usize,
}

/// How much of a file is looked at to tell text from binary.
const SNIFF_BYTES: usize = 8 * 1024;

/// Whether a file looks like text: no NUL byte in its first bytes, as grep and git
/// decide. gzip and zstd data count as text (they are decoded, whatever the name).
fn looks_like_text(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = fs::File::open(path) else {
        // Unreadable: let the scan open it and report why, rather than skip it here.
        return true;
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    if file
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .is_err()
    {
        return true;
    }
    let compressed = head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
    compressed || !head.contains(&0)
}

impl Skipped {
    /// What a directory argument's skipped files become: read, when the directory
    /// held no log file at all (a folder of saved `*.txt` output is what the user
    /// asked to scan); otherwise one note saying what was left and how to read it.
    fn settle(self, dir: &Path, found_logs: bool, out: &mut Vec<Item>) {
        if !found_logs && !self.text.is_empty() {
            out.extend(self.text.into_iter().map(|(path, size)| Item::Scan {
                input: Input::Path(path),
                regular_size: Some(size),
            }));
            if self.binary > 0 {
                out.push(note(
                    dir,
                    format!("{} skipped (binary)", files(self.binary)),
                ));
            }
            return;
        }
        let mut parts = Vec::new();
        if let Some((first, _)) = self.text.first() {
            let name = first
                .strip_prefix(dir)
                .unwrap_or(first)
                .display()
                .to_string();
            let also = match self.text.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            parts.push(format!(
                "{} not named like a log skipped ({name}{also})",
                files(self.text.len())
            ));
        }
        if self.binary > 0 {
            parts.push(format!("{} skipped (binary)", files(self.binary)));
        }
        if parts.is_empty() {
            return;
        }
        out.push(note(
            dir,
            format!(
                "{}; name them to read them (a scan also takes --glob '*')",
                parts.join(", ")
            ),
        ));
    }
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_string()
    } else {
        format!("{n} files")
    }
}

fn note(path: &Path, message: String) -> Item {
    Item::Note(InputError {
        name: path.to_string_lossy().into_owned(),
        message,
        source: None,
    })
}

impl Walk<'_> {
    /// Whether the directory at `path` is walked: not when it leads back to one of
    /// the directories being walked (a symbolic link loop) or lies too deep. Reports
    /// why not; when it is walked, it becomes the innermost ancestor.
    fn enter(&mut self, path: &Path, meta: &Metadata) -> bool {
        let id = dir_id(meta);
        if let Some(id) = id
            && let Some((_, first)) = self.ancestors.iter().find(|(a, _)| *a == Some(id))
        {
            let message = format!(
                "symbolic link loop (leads back to {}); not followed",
                first.display()
            );
            self.out.push(error(path, message));
            return false;
        }
        if self.ancestors.len() >= MAX_DEPTH {
            self.out.push(error(
                path,
                format!("nested more than {MAX_DEPTH} directories deep; not read"),
            ));
            return false;
        }
        self.ancestors.push((id, path.to_path_buf()));
        true
    }

    /// Walks the directory at `path` (the argument, or where a symbolic link leads).
    ///
    /// walkdir lists and sorts; links are followed here rather than by walkdir
    /// (`follow_links`), because walkdir opens every followed directory to compare it
    /// with its ancestors and reports a directory it cannot open without its path,
    /// where the user must see `PATH: permission denied`.
    fn dir(&mut self, path: &Path, meta: &Metadata) {
        let base = self.ancestors.len();
        if !self.enter(path, meta) {
            return;
        }
        // Byte order of names: the same on every run and machine (no locale).
        let mut it = walkdir::WalkDir::new(path)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter();
        while let Some(next) = it.next() {
            let entry = match next {
                Ok(e) => e,
                Err(e) => {
                    // A directory that cannot be listed carries its path; an entry
                    // that cannot be read is reported under the directory listed.
                    let at = match e.path() {
                        Some(p) => p.to_path_buf(),
                        None => self.listing(base + e.depth()),
                    };
                    let message = match e.io_error() {
                        Some(io) => describe(io),
                        None => e.to_string(),
                    };
                    self.out.push(error(&at, message));
                    continue;
                }
            };
            // Leaving a subdirectory: its ancestors end at this entry's parent.
            self.ancestors.truncate(base + entry.depth());
            let child = entry.path();
            if entry.file_type().is_dir() {
                match entry.metadata() {
                    Ok(m) => {
                        if !self.enter(child, &m) {
                            it.skip_current_dir();
                        }
                    }
                    Err(e) => {
                        self.out.push(error(child, describe(&e.into())));
                        it.skip_current_dir();
                    }
                }
                continue;
            }
            // `metadata` follows symbolic links: a link to a file is that file, a link
            // to a directory is walked (loops are caught in `enter`).
            let meta = if entry.file_type().is_symlink() {
                fs::metadata(child)
            } else {
                entry.metadata().map_err(std::io::Error::from)
            };
            match meta {
                Ok(m) if m.is_dir() => self.dir(child, &m),
                Ok(m) if m.is_file() => self.file(child.to_path_buf(), m.len()),
                // Pipes, sockets and devices inside a directory are not logs: skipped.
                Ok(_) => {}
                Err(e) => self.unreadable(child, &e),
            }
        }
        self.ancestors.truncate(base);
    }

    /// The directory being listed at `depth` below the first ancestor.
    fn listing(&self, depth: usize) -> PathBuf {
        let i = depth
            .saturating_sub(1)
            .min(self.ancestors.len().saturating_sub(1));
        self.ancestors
            .get(i)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| self.root.to_path_buf())
    }

    /// An entry whose metadata cannot be read, or a link that leads nowhere.
    fn unreadable(&mut self, child: &Path, e: &std::io::Error) {
        let is_link = fs::symlink_metadata(child).is_ok_and(|m| m.is_symlink());
        if is_link && e.kind() == std::io::ErrorKind::NotFound {
            // A dangling link is worth a word only where a log was expected (a stale
            // `current -> …` link elsewhere is noise).
            let rel = child.strip_prefix(self.root).unwrap_or(child);
            if self.filter.matches(rel) {
                self.out
                    .push(error(child, "broken symbolic link".to_string()));
            }
        } else {
            self.out.push(error(child, describe(e)));
        }
    }

    /// A regular file found in a directory: scanned, or set aside by the filter.
    fn file(&mut self, child: PathBuf, len: u64) {
        let rel = child.strip_prefix(self.root).unwrap_or(&child);
        if self.filter.matches(rel) {
            self.out.push(Item::Scan {
                input: Input::Path(child),
                regular_size: Some(len),
            });
        } else if self.filter.is_default() {
            // Other names are sorted by content, for a word to the user (or to be
            // read, see `Skipped::settle`); `--glob` is the user's own choice and
            // needs no comment.
            if looks_like_text(&child) {
                self.skipped.text.push((child, len));
            } else {
                self.skipped.binary += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expanded items as the tests compare them: paths below `root`, errors and
    /// notes by their message.
    fn shown(items: &[Item], root: &Path) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Scan {
                    input: Input::Path(p),
                    ..
                } => p.strip_prefix(root).unwrap().display().to_string(),
                Item::Scan { .. } => "-".to_string(),
                Item::Error(e) => format!("ERR {}", e.message),
                Item::Note(e) => format!("NOTE {}", e.message),
            })
            .collect()
    }

    #[test]
    fn globs_replace_the_default() {
        let f = Filter::from_globs(&["*.txt", "sub/**/*.gz"]).unwrap();
        assert!(f.matches(Path::new("a/notes.txt")));
        assert!(!f.matches(Path::new("a.log")));
        assert!(f.matches(Path::new("sub/x/y.gz")));
        assert!(!f.matches(Path::new("other/y.gz")));
        assert!(Filter::from_globs(&["a[" as &str]).is_err());
        let none: [&str; 0] = [];
        assert!(
            Filter::from_globs(&none)
                .unwrap()
                .matches(Path::new("a.log"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn walks_sorted_reports_loops_and_continues() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/c")).unwrap();
        fs::write(root.join("b/c/z.log"), "x\n").unwrap();
        fs::write(root.join("b/a.log.gz"), "x\n").unwrap();
        fs::write(root.join("a.log"), "x\n").unwrap();
        fs::write(root.join("skip.txt"), "x\n").unwrap();
        std::os::unix::fs::symlink(root, root.join("b/c/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("nowhere"), root.join("dangling.log")).unwrap();
        std::os::unix::fs::symlink(root.join("nowhere"), root.join("stale")).unwrap();
        let items = expand(&[Input::Path(root.to_path_buf())], &Filter::logs());
        let shown = shown(&items, root);
        let loop_msg = format!(
            "ERR symbolic link loop (leads back to {}); not followed",
            root.display()
        );
        assert_eq!(
            shown,
            [
                "a.log",
                "b/a.log.gz",
                loop_msg.as_str(),
                "b/c/z.log",
                "ERR broken symbolic link",
                "NOTE 1 file not named like a log skipped (skip.txt); name them to read them (a scan also takes --glob '*')",
            ]
        );
    }

    #[test]
    fn a_directory_without_logs_has_its_text_files_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("saved-grep.txt"), "x\n").unwrap();
        fs::write(root.join("pasted"), "x\n").unwrap();
        fs::write(root.join("image.png"), b"\x89PNG\r\n\x1a\n\0\0\0").unwrap();
        let items = expand(&[Input::Path(root.to_path_buf())], &Filter::logs());
        let shown = shown(&items, root);
        assert_eq!(
            shown,
            ["pasted", "saved-grep.txt", "NOTE 1 file skipped (binary)"]
        );
        // With --glob the user chose: nothing else is read or remarked upon.
        let globbed = expand(
            &[Input::Path(root.to_path_buf())],
            &Filter::from_globs(&["*.log"]).unwrap(),
        );
        assert!(globbed.is_empty(), "{globbed:?}");
    }
}
