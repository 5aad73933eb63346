//! clawscan finds, explains and counts the "pairing required" family of failures in
//! OpenClaw gateway logs.
//!
//! One pipeline serves every command, composed in one place, [`session`]:
//!
//! ```text
//!  read/            drive/             search/                  diagnose/          print/
//!  input, walk,  ─▶ batch (parallel, ─▶ Searcher: lines, ansi, ─▶ Annotate:      ─▶ Select ─▶ stats ─▶ Printer:
//!  decompress,      in order) or        rules, parse, redact,    cause, hint,       (session)          NDJSON, text,
//!  logs             follow (growing)    span → Record            held-back events                     counts, quiet
//!
//!                          session::Plan + Source ─▶ Session::run ─▶ Finished { output, diagnoser, totals }
//!
//!  config_check/ (openclaw.json, exec-approvals.json)  ─▶ findings ─▶ diagnose (causes, fix steps)
//!  report/ (environment, config, diagnosis, logs, doctor) ─▶ one masked document
//!
//!  vocabulary, imported by all, importing none of the above:
//!  record, line_facts, literals, cause, category, version, timestamp, text, style,
//!  timefilter
//! ```
//!
//! - [`read`] names inputs and obtains their bytes (directories, gzip and zstd);
//! - [`search`] is the core: whole lines from any reader or slice ([`search::lines`]),
//!   the rule table (`rules`), fields (`parse`), ANSI stripping (`ansi`), secrets
//!   masked ([`search::redact`]), events spanning lines (`span`), all behind the one
//!   [`Sink`] trait (the four in backticks are `pub(crate)`: the driver tester in
//!   `drive` runs them through every driver);
//! - [`drive`] runs the search over many inputs in parallel and in order
//!   ([`drive::batch`]) or follows growing files ([`drive::follow`]);
//! - [`record`], [`line_facts`], [`literals`], [`category`], [`cause`], [`version`],
//!   [`timestamp`], [`timefilter`], [`text`] and [`style`] are the vocabulary: they
//!   import nothing above them ([`line_facts`] is what one record says for the
//!   diagnosis, its line kind and phrases, read once by the search's workers;
//!   [`literals`] the SIMD search for a set of literals that the rules' anchors and
//!   the phrases share);
//! - [`diagnose`] names the cause behind a failure, as a sink adapter that reads every
//!   record and sets `cause` and `hint` on the ones shown;
//! - [`print`](mod@print) writes records (NDJSON, text), counts and `--stats` totals;
//! - [`session`] composes them for a command: the selection the user sees, the
//!   diagnosis that sees everything, the Ctrl-C handle;
//! - [`config_check`] checks OpenClaw's config as OpenClaw reads it; [`report`] puts
//!   environment, config, diagnosis and logs into one redacted help request.
//!
//! ```
//! use std::sync::Arc;
//! use clawscan::{print::CollectSink, SearchConfig, Searcher};
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

pub mod category;
pub mod cause;
pub mod config_check;
pub mod diagnose;
pub mod drive;
pub mod line_facts;
pub mod literals;
pub mod print;
pub mod read;
pub mod record;
pub mod report;
pub mod search;
pub mod session;
pub mod style;
pub mod text;
pub mod timefilter;
pub mod timestamp;
pub mod version;

pub use category::{Category, CategorySet};
pub use cause::Cause;
pub use record::{Level, Record};
pub use search::rules::RulesError;
pub use search::{SearchConfig, SearchError, Searcher, Sink};
