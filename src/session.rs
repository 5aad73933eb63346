//! The one composition point: a [`Plan`] run over a [`Source`].
//!
//! Every command that reads logs is a plan run here: a scan (records, `-c`, `-q`,
//! `--summary`, `--stats`, `--follow`), `clawscan diagnose` and `clawscan report`.
//! The session builds, in one place and in one order:
//!
//! ```text
//! Source ─▶ driver (batch: files, directories, archives, stdin │ follow: growing files)
//!        ─▶ Searcher (every event, the diagnosis's context lines)
//!        ─▶ Annotate (the diagnosis reads every record; sets cause and hint)
//!        ─▶ Select (the user's categories, causes and time window)
//!        ─▶ StatsSink (--stats totals) ─▶ the output sink
//! ```
//!
//! So a line's `cause` and `hint` rest on the same evidence whatever the flags, and
//! the diagnosis sees every line while the user sees the selection.
//!
//! It owns the order of that stack, the searcher a plan gets, and the [`Interrupt`]
//! handle a Ctrl-C handler uses. It does not parse arguments, print errors (they go
//! to a callback), render reports (the caller reads the returned [`Diagnoser`]) or
//! decide exit codes.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError, Weak};
use std::time::{Duration, Instant};

use crate::Cause;
use crate::diagnose::{self, Annotate, Diagnoser, Shown};
use crate::drive::batch::{self, BatchOptions};
use crate::drive::follow::{self, FollowOptions, Target};
use crate::print::stats::{SharedStats, Stats, StatsFormat, StatsOut, StatsSink, Ticker};
use crate::read::input::{Input, InputError, Totals};
use crate::record::Record;
use crate::search::redact::Redactor;
use crate::search::rules::{Category, CategorySet, RulesError};
use crate::search::{SearchConfig, Searcher, Sink};
use crate::timefilter::TimeRange;

/// What the user sees of the records the diagnosis reads.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// `--all`: every line, events or not.
    pub all_lines: bool,
    /// `--category`: events of these categories (empty: every category, without the
    /// handshake noise; see [`Shown::for_scan`]).
    pub categories: Vec<Category>,
    /// `--cause`: events whose cause is one of these (empty: any).
    pub causes: Vec<Cause>,
    /// `--since`/`--until`: events inside this window.
    pub time: TimeRange,
}

/// How many lines besides events the diagnosis reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Depth {
    /// Every context line the diagnosis can use ([`diagnose::context_pattern`]):
    /// `clawscan diagnose`, `report` and `--summary`.
    #[default]
    Full,
    /// Only the rare context lines ([`diagnose::light_context_pattern`]: version
    /// banners and hints, client error blocks): a scan's records, which must cost
    /// about what a line costs. The frequent `← connect` lines (which also name the
    /// client's version) are left out, so a record's hint can say less than
    /// `--summary` does about the same line.
    Records,
}

/// `--stats`: totals every interval and at the end.
#[derive(Clone, Debug)]
pub struct StatsPlan {
    /// How often.
    pub interval: Duration,
    /// JSON lines or Prometheus text.
    pub format: StatsFormat,
    /// Standard error or a file.
    pub out: StatsOut,
    /// Told when a snapshot during the run cannot be written (the last one's error
    /// is in [`Finished::stats_error`]).
    pub on_error: fn(&io::Error),
}

/// Everything a run needs besides its source and output.
#[derive(Debug)]
pub struct Plan {
    /// Line length bound, redaction on or off, read size. Its categories and
    /// `emit_all` are the session's: the diagnosis reads every event, and every
    /// line only when the selection shows every line.
    pub search: SearchConfig,
    /// The redaction key (`None`: a random one).
    pub redactor: Option<Redactor>,
    /// What reaches the output; `None`: nothing (the diagnosis reads, nobody prints
    /// records: `clawscan diagnose`).
    pub select: Option<Selection>,
    /// How many context lines the diagnosis reads.
    pub depth: Depth,
    /// How many inputs at once, which files of a directory, progress, chunking.
    pub read: BatchOptions,
    /// How to follow, for a [`Source::Follow`].
    pub follow: FollowOptions,
    /// `--stats`.
    pub stats: Option<StatsPlan>,
    /// The diagnosis to feed (with the config's findings, the installed version and
    /// `--openclaw-version` already given to it).
    pub diagnoser: Diagnoser,
}

impl Plan {
    /// A plan with default reading and this diagnosis, that shows `select`.
    pub fn new(diagnoser: Diagnoser, select: Option<Selection>) -> Plan {
        Plan {
            search: SearchConfig::default(),
            redactor: None,
            select,
            depth: Depth::Full,
            read: BatchOptions::default(),
            follow: FollowOptions::default(),
            stats: None,
            diagnoser,
        }
    }
}

/// Where the lines come from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// Files, directories, archives and `-`, each read to its end.
    Inputs(&'a [Input]),
    /// Files followed as they grow, until [`Interrupt::stop_following`].
    Follow(&'a [Target]),
}

/// Passes on the records the user selected by cause and time (categories were
/// decided by the diagnosis's [`Shown`], which needs its verdict for the noise),
/// and counts them: the exit code speaks of what was shown.
#[derive(Debug)]
struct Select<S> {
    inner: S,
    causes: Vec<Cause>,
    time: TimeRange,
    passed: u64,
}

impl<S: Sink> Select<S> {
    fn admits(&self, rec: &Record) -> bool {
        (self.causes.is_empty() || rec.cause.is_some_and(|c| self.causes.contains(&c)))
            && self.time.admits(rec)
    }
}

impl<S: Sink> Sink for Select<S> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        if !self.admits(rec) {
            return Ok(true);
        }
        self.passed += 1;
        self.inner.record(rec)
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        if !self.admits(&rec) {
            return Ok(true);
        }
        self.passed += 1;
        self.inner.record_owned(rec)
    }

    fn idle(&mut self) -> io::Result<bool> {
        self.inner.idle()
    }
}

/// The stack below the drivers, shared with a Ctrl-C handler (which must be able to
/// flush what was read and read the diagnosis).
type Stack<S> = Annotate<Select<StatsSink<S>>>;

/// A sink that locks the shared stack for each record (uncontended but for Ctrl-C).
struct Shared<S: Sink>(Arc<Mutex<Stack<S>>>);

impl<S: Sink> Shared<S> {
    fn lock(&self) -> MutexGuard<'_, Stack<S>> {
        lock(&self.0)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic mid-record leaves the state usable: records are whole or absent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<S: Sink> Sink for Shared<S> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.lock().record(rec)
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        self.lock().record_owned(rec)
    }

    fn idle(&mut self) -> io::Result<bool> {
        self.lock().idle()
    }
}

/// A run, built from a [`Plan`] and an output sink.
pub struct Session<S: Sink> {
    searcher: Searcher,
    read: BatchOptions,
    follow: FollowOptions,
    stack: Arc<Mutex<Stack<S>>>,
    stats: Option<(SharedStats, StatsPlan)>,
    stop: Arc<AtomicBool>,
}

impl<S: Sink + Send + 'static> Session<S> {
    /// Builds the searcher and the sink stack of `plan` in front of `output`.
    pub fn new(plan: Plan, output: S) -> Result<Session<S>, RulesError> {
        let all_lines = plan.select.as_ref().is_some_and(|s| s.all_lines);
        let search = SearchConfig {
            // The diagnosis reads every event; the selection applies to the output.
            categories: CategorySet::all(),
            emit_all: all_lines,
            ..plan.search
        };
        let context = match plan.depth {
            Depth::Full => diagnose::context_pattern(),
            Depth::Records => diagnose::light_context_pattern(),
        };
        let searcher = Searcher::new(search)?.with_context(context)?;
        let searcher = match plan.redactor {
            Some(r) => searcher.with_redactor(r),
            None => searcher,
        };
        let (forward, causes, time) = match plan.select {
            Some(s) => (
                Shown::for_scan(s.all_lines, &s.categories),
                s.causes,
                s.time,
            ),
            None => (Shown::nothing(), Vec::new(), TimeRange::default()),
        };
        let shared_stats = plan.stats.map(|p| (Arc::new(Mutex::new(Stats::new())), p));
        let counted = StatsSink::new(output, shared_stats.as_ref().map(|(s, _)| Arc::clone(s)));
        let select = Select {
            inner: counted,
            causes,
            time,
            passed: 0,
        };
        Ok(Session {
            searcher,
            read: plan.read,
            follow: plan.follow,
            stack: Arc::new(Mutex::new(Annotate::new(select, plan.diagnoser, forward))),
            stats: shared_stats,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The handle a Ctrl-C handler uses; it outlives the run harmlessly.
    pub fn interrupt(&self) -> Interrupt<S> {
        Interrupt {
            stack: Arc::downgrade(&self.stack),
            stop: Arc::clone(&self.stop),
        }
    }

    /// Reads `source` to its end (or, following, until stopped), then passes on the
    /// records held for later evidence. Inputs that cannot be read go to `on_error`
    /// as they come (with notes such as files of a directory left unread), and the
    /// others are still read; an output error ends the run and is in
    /// [`Finished::output_error`].
    pub fn run(self, source: Source<'_>, on_error: &(dyn Fn(&InputError) + Sync)) -> Finished<S> {
        let ticker = self.stats.as_ref().map(|(s, p)| {
            Ticker::start(
                Arc::clone(s),
                p.interval,
                p.format,
                p.out.clone(),
                p.on_error,
            )
        });
        let driven = match source {
            Source::Inputs(inputs) => {
                let mut sink = Shared(Arc::clone(&self.stack));
                batch::search(&self.searcher, inputs, &self.read, &mut sink, &mut |e| {
                    on_error(e)
                })
            }
            Source::Follow(targets) => follow::follow(
                &self.searcher,
                targets,
                &self.follow,
                || Shared(Arc::clone(&self.stack)),
                &self.stop,
                on_error,
            ),
        };
        let held = lock(&self.stack).flush_held();
        let stats_error = ticker.and_then(|t| t.finish().err());
        let stack = take(self.stack);
        let (select, diagnoser) = stack
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_parts();
        let (totals, output_error) = match (driven, held) {
            (Ok(t), Ok(())) => (t, None),
            (Ok(t), Err(e)) => (t, Some(e)),
            (Err(e), _) => (Totals::default(), Some(e)),
        };
        Finished {
            output: select.inner.into_inner(),
            diagnoser,
            shown: select.passed,
            totals,
            output_error,
            stats_error,
        }
    }
}

/// Takes the stack back from the [`Interrupt`] handles: a handler that holds it is
/// on its way to ending the process, so waiting for it is waiting for the exit.
fn take<T>(mut arc: Arc<T>) -> T {
    loop {
        match Arc::try_unwrap(arc) {
            Ok(inner) => return inner,
            Err(again) => {
                arc = again;
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// What a run leaves.
#[derive(Debug)]
pub struct Finished<S> {
    /// The output sink, to write what it kept for the end (counts) or read it.
    pub output: S,
    /// The diagnosis of everything read.
    pub diagnoser: Diagnoser,
    /// Records that reached the output (after the selection).
    pub shown: u64,
    /// Bytes read, inputs that failed (records here count what the drivers handed
    /// to the diagnosis).
    pub totals: Totals,
    /// Writing the output failed (a closed pipe, a full disk): the run ended there.
    pub output_error: Option<io::Error>,
    /// Writing the last `--stats` line failed.
    pub stats_error: Option<io::Error>,
}

/// A handle on a running session for a Ctrl-C handler.
pub struct Interrupt<S: Sink> {
    stack: Weak<Mutex<Stack<S>>>,
    stop: Arc<AtomicBool>,
}

/// What [`Interrupt::flush_then`] could do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flushed {
    /// The run had already finished: it writes its own report.
    RunEnded,
    /// Held records were passed on and the diagnosis read.
    Done,
    /// The output stayed blocked (a full pipe): nothing was done.
    Blocked,
}

impl<S: Sink> Interrupt<S> {
    /// Ends a [`Source::Follow`] run as if its files had ended.
    pub fn stop_following(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether the run is still reading.
    pub fn running(&self) -> bool {
        self.stack.strong_count() > 0
    }

    /// Passes on the records held for later evidence and hands the diagnosis so far
    /// to `read`, waiting up to `wait` for a record in progress.
    pub fn flush_then(&self, wait: Duration, read: impl FnOnce(&Diagnoser)) -> Flushed {
        let Some(stack) = self.stack.upgrade() else {
            return Flushed::RunEnded;
        };
        let until = Instant::now() + wait;
        let mut g = loop {
            match stack.try_lock() {
                Ok(g) => break g,
                Err(TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(TryLockError::WouldBlock) if Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(TryLockError::WouldBlock) => return Flushed::Blocked,
            }
        };
        // Best effort: the output may be gone, the report still goes out. (`idle`
        // passes on the held records and flushes the output.)
        let _ = g.idle();
        read(g.diagnoser());
        Flushed::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::DiagnoseOptions;
    use crate::print::CollectSink;

    fn run(log: &[u8], select: Option<Selection>) -> Finished<CollectSink> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.log");
        std::fs::write(&path, log).unwrap();
        let plan = Plan::new(Diagnoser::new(&DiagnoseOptions::default()), select);
        let session = Session::new(plan, CollectSink::default()).unwrap();
        let inputs = [Input::Path(path)];
        session.run(Source::Inputs(&inputs), &|e| panic!("{e}"))
    }

    const LOG: &[u8] = b"2026-04-11T08:00:01.000Z [gateway] listening on ws://127.0.0.1:18789\n\
2026-04-11T08:00:02.000Z [ws] closed before connect conn=c1 remote=127.0.0.1 code=1008 reason=pairing required\n\
2026-04-11T09:00:02.000Z [ws] closed before connect conn=c2 remote=127.0.0.1 code=1008 reason=pairing required\n";

    #[test]
    fn the_diagnosis_reads_what_the_selection_hides() {
        let window = Selection {
            time: TimeRange {
                since: Some(
                    crate::timefilter::parse_bound(
                        "2026-04-11T09:00:00Z",
                        crate::timefilter::Stamp::now(),
                    )
                    .unwrap(),
                ),
                ..TimeRange::default()
            },
            ..Selection::default()
        };
        let all = run(LOG, Some(Selection::default()));
        let some = run(LOG, Some(window));
        assert_eq!(all.shown, 2);
        assert_eq!(some.shown, 1);
        assert_eq!(some.output.0[0].line, 3);
        // The record shown is annotated as the unfiltered run annotates it.
        assert_eq!(some.output.0[0].cause, all.output.0[1].cause);
        assert_eq!(some.output.0[0].hint, all.output.0[1].hint);
        assert_eq!(all.diagnoser.events(), some.diagnoser.events());
    }

    #[test]
    fn nothing_shown_when_nothing_is_selected() {
        let got = run(LOG, None);
        assert_eq!(got.shown, 0);
        assert!(got.output.0.is_empty());
        assert!(got.diagnoser.events() >= 2);
    }

    #[test]
    fn an_interrupt_after_the_run_does_nothing() {
        let plan = Plan::new(Diagnoser::new(&DiagnoseOptions::default()), None);
        let session = Session::new(plan, CollectSink::default()).unwrap();
        let handle = session.interrupt();
        assert!(handle.running());
        let _ = session.run(Source::Inputs(&[]), &|_| {});
        assert!(!handle.running());
        assert_eq!(
            handle.flush_then(Duration::ZERO, |_| panic!()),
            Flushed::RunEnded
        );
    }
}
