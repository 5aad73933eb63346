//! Each command's arguments turned into a session plan, run, and its result printed.
//!
//! This module owns the conversion args → [`Plan`] (one function per command) and what
//! each command prints at the end. It does not build pipelines (the library's
//! [`Session`] does), install signal handlers or choose the process's exit code from
//! an error (`main` does, with [`Outcome`] and [`write_failed`]).

use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::sync::Arc;

use clawscan::SearchConfig;
use clawscan::config_check::{self, CheckOptions};
use clawscan::diagnose::{self, DiagnoseOptions, Diagnoser};
use clawscan::drive::batch::{BatchOptions, Progress};
use clawscan::drive::follow::{FollowOptions, Target};
use clawscan::print::stats::{StatsFormat, StatsOut};
use clawscan::print::{JsonSink, Printer, TextSink};
use clawscan::read::input::{Input, InputError};
use clawscan::read::walk::Filter;
use clawscan::report::{self, ReportOptions};
use clawscan::search::redact::Redactor;
use clawscan::session::{Depth, Finished, Plan, Selection, Session, Source, StatsPlan};
use clawscan::style::Style;
use clawscan::timefilter::{TimeRange, Undated};

use crate::cli::{CheckArgs, DiagnoseArgs, Format, ReportArgs, ScanArgs, StatsFormatArg};
use crate::{Outcome, on_interrupt_report, on_interrupt_stop_following, write_failed};

/// Errors of inputs, as they come: one line on stderr each.
fn say(e: &InputError) {
    eprintln!("clawscan: {e}");
}

/// Whether to colour text written to stderr (the `--summary` report).
fn stderr_color() -> bool {
    crate::cli::auto_color(io::stderr().is_terminal())
}

/// `clawscan [PATH...]`: records (or counts, or only the exit code) for the events
/// found, each with the cause the diagnosis gives it.
pub(crate) fn scan(args: ScanArgs) -> anyhow::Result<Outcome> {
    if args.no_redact {
        eprintln!("clawscan: --no-redact: secrets in the input are written out as they are");
    }
    let inputs: Vec<Input> = if args.paths.is_empty() {
        vec![Input::Stdin]
    } else {
        args.paths.iter().map(|p| Input::from_arg(p)).collect()
    };
    if inputs.contains(&Input::Stdin) && io::stdin().is_terminal() {
        // Otherwise a newcomer typing `clawscan` sees nothing happen.
        eprintln!(
            "clawscan: reading standard input (pipe a log into clawscan, or name files; Ctrl-D ends, --help for more)"
        );
    }
    // `--follow` with no path, or `-`, reads standard input to its end: a pipe is
    // live already, and there is no file to reopen.
    let stdin_only = inputs.iter().all(|i| *i == Input::Stdin);
    if args.follow && !stdin_only && inputs.contains(&Input::Stdin) {
        bail!(
            "--follow: standard input (-) cannot be followed together with files; follow the files, and pipe the stream into a second clawscan"
        );
    }
    let targets: Option<Vec<Target>> = if args.follow && !stdin_only {
        let parsed: Result<Vec<Target>, String> = args
            .paths
            .iter()
            .map(|p| Target::from_arg(p, &args.glob))
            .collect();
        Some(parsed.map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let plan = scan_plan(&args).map_err(anyhow::Error::msg)?;
    // Like grep -H: say where each record is from when there is more than one place.
    // (A followed directory or glob moves from file to file.)
    let located = targets
        .as_ref()
        .is_some_and(|t| t.len() > 1 || t.iter().any(|t| matches!(t, Target::Newest { .. })))
        || inputs.len() > 1
        || inputs
            .iter()
            .any(|i| matches!(i, Input::Path(p) if p.is_dir()));
    let session = Session::new(plan, printer(&args, located))?;
    let color = stderr_color();
    let summary = move |d: &Diagnoser| {
        eprint!("{}", diagnose::report::render_text(&d.report(), color));
    };
    if targets.is_some() {
        on_interrupt_stop_following(session.interrupt());
    } else if args.summary {
        on_interrupt_report(session.interrupt(), summary);
    }
    let source = match &targets {
        Some(t) => Source::Follow(t),
        None => Source::Inputs(&inputs),
    };
    let Finished {
        output,
        diagnoser,
        shown,
        totals,
        output_error,
        stats_error,
    } = session.run(source, &say);
    let written = match output_error {
        Some(e) => Err(e),
        None => output.finish(),
    };
    if args.summary {
        summary(&diagnoser);
    }
    if let Some(e) = stats_error {
        eprintln!("clawscan: --stats: {e}");
    }
    if let Err(e) = written {
        return Ok(write_failed(&e, Outcome::Match));
    }
    // Like `grep -q`: an event found is the answer, whatever else failed.
    Ok(if args.quiet && shown > 0 {
        Outcome::Match
    } else if totals.errors > 0 {
        Outcome::Error
    } else if shown > 0 {
        Outcome::Match
    } else {
        Outcome::NoMatch
    })
}

/// The plan of a scan: the user's selection over a diagnosis of every line.
fn scan_plan(args: &ScanArgs) -> Result<Plan, String> {
    let selection = Selection {
        all_lines: args.all,
        categories: args.category.clone(),
        causes: args.cause.clone(),
        time: TimeRange {
            since: args.since,
            until: args.until,
            undated: if args.drop_undated {
                Undated::Drop
            } else {
                Undated::Keep
            },
        },
    };
    let mut plan = Plan::new(Diagnoser::new(&DiagnoseOptions::default()), Some(selection));
    // A report reads every context line; records alone read the rare ones (see
    // `Depth::Records`: the frequent connect lines would double a scan's cost).
    plan.depth = if args.summary {
        Depth::Full
    } else {
        Depth::Records
    };
    plan.search = SearchConfig {
        max_line_bytes: args.max_line_bytes,
        redact: !args.no_redact,
        ..SearchConfig::default()
    };
    plan.redactor = args.redact_key.as_deref().map(Redactor::from_text_key);
    plan.read = BatchOptions {
        threads: args.threads,
        filter: Filter::from_globs(&args.glob).map_err(|e| format!("--glob: {e}"))?,
        // Only for a person watching: never into a file or pipe, never with --quiet,
        // and not over records being written to the same terminal.
        progress: (!args.quiet
            && io::stderr().is_terminal()
            && (args.count || !io::stdout().is_terminal()))
        .then(|| Arc::new(Bar::default()) as Arc<dyn Progress>),
        split_threshold: args.split_threshold as u64,
        chunk_size: args.chunk_size as u64,
        queue_bytes: args.queue_bytes,
    };
    plan.follow = FollowOptions {
        from_start: args.from_start,
        interval: args.follow_interval,
    };
    plan.stats = args.stats.map(|interval| StatsPlan {
        interval,
        format: match args.stats_format {
            StatsFormatArg::Json => StatsFormat::Json,
            StatsFormatArg::Prom => StatsFormat::Prometheus,
        },
        out: match &args.stats_file {
            Some(p) => StatsOut::File(p.clone()),
            None => StatsOut::Stderr,
        },
        on_error: |e| eprintln!("clawscan: --stats: {e}"),
    });
    Ok(plan)
}

/// Standard output, block-buffered (the sinks flush when the input pauses).
type Stdout = BufWriter<io::Stdout>;

/// Where a scan's records go, in the form asked for.
fn printer(args: &ScanArgs, located: bool) -> Printer<Stdout> {
    let stdout = || BufWriter::with_capacity(64 * 1024, io::stdout());
    if args.quiet {
        Printer::Quiet
    } else if args.count {
        Printer::Count {
            counts: Default::default(),
            json: args.format == Some(Format::Json),
            per_file: located,
            out: stdout(),
        }
    } else if args.format == Some(Format::Text) {
        let style = Style {
            on: args.color.enabled(),
        };
        Printer::Text(TextSink::new(stdout(), style, located, args.line_buffered))
    } else {
        Printer::Json(JsonSink::new(stdout(), args.line_buffered))
    }
}

/// The progress bar of a long batch scan, on stderr.
#[derive(Default)]
struct Bar(std::sync::OnceLock<indicatif::ProgressBar>);

impl Progress for Bar {
    fn start(&self, total: u64) {
        use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let template = "{bytes:>10}/{total_bytes} {wide_bar} {binary_bytes_per_sec} ETA {eta}";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        let _ = self.0.set(bar);
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.0.get() {
            bar.inc(bytes);
        }
    }

    fn suspend(&self, f: &mut dyn FnMut()) {
        match self.0.get() {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.0.get() {
            bar.finish_and_clear();
        }
    }
}

/// `clawscan diagnose`: the report of every cause found, from the same session as a
/// scan, with nothing written but the report.
pub(crate) fn diagnose(args: DiagnoseArgs) -> anyhow::Result<Outcome> {
    // The config: for findings, its version, and `logging.file`.
    let mut diag = Diagnoser::new(&DiagnoseOptions {
        openclaw_version: args.openclaw_version,
    });
    let mut config_file: Option<PathBuf> = None;
    if !args.no_config {
        let read = diagnose::setup::read_config(args.config_dir.as_deref());
        if let Some(w) = &read.warning {
            eprintln!("clawscan: {w}");
        }
        for e in &read.errors {
            eprintln!("clawscan: {e}");
        }
        config_file = read.config_file;
        if let Some(r) = read.report {
            diag.add_config(r);
        }
    }
    // The inputs: the paths, standard input, or OpenClaw's file logs.
    let logs = diagnose::setup::log_inputs(
        &args.paths,
        io::stdin().is_terminal(),
        config_file.as_deref(),
    );
    if logs.inputs.is_empty() {
        let places: Vec<String> = logs
            .looked_in
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        bail!(
            "no OpenClaw file logs found (looked in {}); give a log file, or pipe the gateway's output: openclaw gateway --verbose 2>&1 | clawscan diagnose",
            places.join(", ")
        );
    }
    let names: Vec<String> = logs.inputs.iter().map(|i| i.name().to_string()).collect();
    let read_files: Vec<String> = logs
        .file_logs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let (color, json) = (args.color.enabled(), args.json);
    let print = move |d: &Diagnoser| -> io::Result<()> {
        let mut report = d.report();
        report.inputs.clone_from(&names);
        report.file_logs.clone_from(&read_files);
        let mut out = io::stdout().lock();
        if json {
            serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::from)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", diagnose::report::render_text(&report, color))?;
        }
        out.flush()
    };
    let mut plan = Plan::new(diag, None);
    plan.search.max_line_bytes = args.max_line_bytes;
    let session = Session::new(plan, Printer::<io::Sink>::Discard)?;
    let print = Arc::new(print);
    {
        let print = Arc::clone(&print);
        on_interrupt_report(session.interrupt(), move |d| {
            let _ = print(d);
        });
    }
    let finished = session.run(Source::Inputs(&logs.inputs), &say);
    let t = finished.totals;
    if t.errors > 0 && t.bytes == 0 {
        // Every input failed (the reasons are on stderr above): "nothing to fix"
        // would be a finding about logs nobody read.
        eprintln!(
            "clawscan diagnose: nothing could be read ({} unreadable); no diagnosis",
            clawscan::text::plural(t.errors, "input", "inputs")
        );
        return Ok(Outcome::Error);
    }
    let outcome = finished.diagnoser.report().outcome;
    if let Err(e) = print(&finished.diagnoser) {
        // `clawscan diagnose | head` closing early is not a failure.
        return Ok(write_failed(&e, Outcome::Match));
    }
    if let Some(e) = finished.output_error {
        return Ok(write_failed(&e, Outcome::Error));
    }
    if t.errors > 0 {
        return Ok(Outcome::Error);
    }
    Ok(match outcome {
        diagnose::report::Conclusion::CauseIdentified => Outcome::Match,
        diagnose::report::Conclusion::NothingToFix => Outcome::NoMatch,
    })
}

/// `clawscan report`: one redacted document for a help request.
pub(crate) fn report(args: ReportArgs) -> anyhow::Result<Outcome> {
    let opts = ReportOptions {
        paths: args.paths,
        stdin_is_terminal: io::stdin().is_terminal(),
        config_dir: args.config_dir,
        no_config: args.no_config,
        doctor: !args.no_doctor,
        openclaw: args.openclaw,
        version_timeout: args.version_timeout,
        doctor_timeout: args.doctor_timeout,
        openclaw_version: args.openclaw_version,
        max_examples: args.examples,
        max_line_bytes: args.max_line_bytes,
        redactor: args
            .redact_key
            .as_deref()
            .map_or_else(Redactor::new, Redactor::from_text_key),
        ..ReportOptions::default()
    };
    let report = report::build(&opts, &say)?;
    let text = if args.json {
        serde_json::to_string_pretty(&report).context("cannot encode the report")? + "\n"
    } else {
        report::markdown::render(&report, args.max_chars)
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                bail!(
                    "{}: {}",
                    path.display(),
                    clawscan::read::input::describe(&e)
                );
            }
            eprintln!(
                "clawscan: report written to {}; read it before posting",
                path.display()
            );
            Ok(Outcome::Match)
        }
        None => Ok(crate::finish_stdout(crate::write_stdout(text.as_bytes()))),
    }
}

/// `clawscan check`: the config as OpenClaw reads it.
pub(crate) fn check(args: CheckArgs) -> anyhow::Result<Outcome> {
    let opts = CheckOptions {
        paths: args.paths,
        json: args.json,
        color: args.color.enabled(),
    };
    let mut out = PipeWatch {
        inner: BufWriter::new(io::stdout().lock()),
        closed: false,
    };
    let result = config_check::run(&opts, &mut out);
    let flushed = out.flush();
    match result {
        // `clawscan check | head` closing early: the reader has what it wanted (the
        // check passes over a closed pipe, this says it happened).
        Ok(_) if out.closed => Ok(Outcome::Match),
        Ok(outcome) => {
            if let Err(e) = flushed {
                return Ok(write_failed(&e, Outcome::Match));
            }
            Ok(match outcome.exit_code() {
                0 => Outcome::Match,
                1 => Outcome::NoMatch,
                _ => Outcome::Error,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// A writer that remembers whether its reader went away (a closed pipe).
struct PipeWatch<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> PipeWatch<W> {
    fn seen<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        r
    }
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.seen(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.seen(r)
    }
}
