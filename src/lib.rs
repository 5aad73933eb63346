//! clawscan finds, explains and counts the "pairing required" family of failures in
//! OpenClaw gateway logs.
//!
//! The pipeline is one line: input → lines → classify → enrich → output.
//!
//! - [`input`] names inputs and says why one could not be read;
//! - [`walk`], [`decompress`] and [`batch`] scan many inputs (directories, gzip and
//!   zstd archives) in parallel and deliver their records in order; [`timefilter`]
//!   keeps records inside a `--since`/`--until` window;
//! - [`lines`] turns bytes into complete lines (one read per fill, memchr);
//! - `rules` is the rule table: which texts are events, of which [`Category`];
//! - [`record`], [`category`], [`cause`], [`timestamp`], [`version`], [`logs`] and
//!   [`text`] are the vocabulary below everything: they import nothing above them;
//! - `parse` reads a line's format and fields into a [`Record`];
//! - [`search`] is the core that ties them together behind the [`Sink`] trait;
//!   `ansi` (escape stripping) and `span` (multi-line events) serve it and the
//!   diagnosis. These four are `pub(crate)`: nothing outside the crate uses them,
//!   and the driver tester (`drivertest`) tests them through every driver;
//! - [`output`] holds the sinks (NDJSON, counts, quiet); [`counts`] the per-input and
//!   per-cause counts of `-c`;
//! - [`follow`] keeps reading files as they grow (`--follow`), through rotation;
//! - [`diagnose`] names the cause behind a failure (a sink adapter on the same pipeline);
//! - [`report`] puts the diagnosis, the config check and the environment into one
//!   redacted help request.
//!
//! ```
//! use std::sync::Arc;
//! use clawscan::{output::CollectSink, SearchConfig, Searcher};
//!
//! let searcher = Searcher::new(SearchConfig::default()).unwrap();
//! let log = b"10:30:12 [ws] closed before connect conn=c1 remote=127.0.0.1 code=1008 reason=pairing required\n\
//!             10:30:13 [ws] webchat connected conn=c2\n";
//! let mut sink = CollectSink::default();
//! let source: Arc<str> = Arc::from("-");
//! searcher.search_reader(&log[..], &source, &mut sink).unwrap();
//! assert_eq!(sink.0.len(), 1);
//! assert_eq!(sink.0[0].code, Some(1008));
//! assert_eq!(sink.0[0].reason.as_deref(), Some("pairing required"));
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub(crate) mod ansi;
pub mod batch;
pub mod category;
pub mod cause;
pub mod config_check;
pub mod counts;
pub mod decompress;
pub mod diagnose;
// Every driver against the reference and each other (tests only).
#[cfg(test)]
mod drivertest;
pub mod follow;
pub mod input;
pub mod lines;
pub mod logs;
pub mod output;
pub(crate) mod parse;
pub mod record;
pub mod redact;
pub mod report;
pub(crate) mod rules;
pub mod search;
pub mod session;
pub(crate) mod span;
pub mod stats;
pub mod style;
pub mod text;
pub mod timefilter;
pub mod timestamp;
pub mod version;
pub mod walk;

pub use category::{Category, CategorySet};
pub use cause::Cause;
pub use record::{Level, Record};
pub use rules::RulesError;
pub use search::{SearchConfig, SearchError, Searcher, Sink};
