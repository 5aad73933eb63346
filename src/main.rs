//! The `clawscan` command: parses arguments, calls the library, maps outcomes to exit
//! codes (0 match, 1 no match, 2 error, like grep).

use std::ffi::OsString;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use clawscan::batch::{self, BatchOptions};
use clawscan::config_check::{self, CheckOptions, OcVersion};
use clawscan::counts::Counts;
use clawscan::diagnose::{self, Annotate, DiagnoseOptions, Diagnoser, Forward};
use clawscan::follow::{self, FollowOptions, Target};
use clawscan::input::{self, Input, InputError};
use clawscan::output::{JsonSink, QuietSink, TextSink};
use clawscan::redact::Redactor;
use clawscan::report::{self, ReportOptions};
use clawscan::search::DEFAULT_READ_SIZE;
use clawscan::stats::{self, SharedStats, Stats, StatsFormat, StatsOut, StatsSink, Ticker};
use clawscan::style::Style;
use clawscan::timefilter::{self, Stamp, TimeRange, Undated};
use clawscan::walk::Filter;
use clawscan::{Category, CategorySet, Cause, SearchConfig, Searcher, Sink};

/// Finds, explains and counts "pairing required" failures in OpenClaw gateway logs.
///
/// Reads the given files (or standard input) and writes one JSON object per line for
/// every pairing, close-1008, token, auth, scope and related event:
///
///   openclaw gateway --verbose 2>&1 | clawscan | jq .
///
///   clawscan /tmp/openclaw/openclaw-2026-11-24.log
#[derive(Parser, Debug)]
#[command(
    name = "clawscan",
    version,
    about,
    long_about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    scan: ScanArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check exec-approvals.json and openclaw.json as OpenClaw reads them.
    ///
    /// With no path, checks OpenClaw's state directory ($OPENCLAW_STATE_DIR or
    /// ~/.openclaw, and $OPENCLAW_CONFIG_PATH). Exit 0 clean, 1 findings, 2 unreadable.
    Check(CheckArgs),

    /// Name the cause behind "pairing required" and give a fix for your version.
    ///
    /// Reads the given logs (or standard input; with no path and a terminal on
    /// standard input, OpenClaw's recent file logs under /tmp/openclaw/) and prints
    /// each cause found with its evidence, confidence and fix steps, what to do
    /// first first. Also checks OpenClaw's config when it is readable.
    ///
    ///   openclaw gateway --verbose 2>&1 | clawscan diagnose
    ///
    /// Exit 0 a cause was identified, 1 nothing to fix, 2 error; 130 on Ctrl-C
    /// (after printing the report so far).
    Diagnose(DiagnoseArgs),

    /// Write one redacted Markdown report to paste when asking for help.
    ///
    /// Puts together what a helper needs: OS, architecture, clawscan and `openclaw
    /// --version`; the OpenClaw version the logs show; the config check's findings;
    /// the diagnosis (causes, counts, first and last occurrence, example lines);
    /// `openclaw doctor` filtered to pairing, exec, approval, token, auth, error and
    /// warning lines; and the logs read, with sizes and time spans. Logs: the given
    /// paths, standard input, or (no path, a terminal on standard input) OpenClaw's
    /// recent file logs. Secrets, device ids and public IP addresses are masked.
    ///
    ///   clawscan report -o report.md
    ///
    /// Exit 0 when the report was written (unreadable logs are listed in it and on
    /// stderr), 2 when it could not be.
    Report(ReportArgs),

    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    ///
    ///   mkdir -p ~/.local/share/bash-completion/completions
    ///
    ///   clawscan completions bash > ~/.local/share/bash-completion/completions/clawscan
    ///
    ///   clawscan completions zsh > "${fpath[1]}/_clawscan"
    ///
    ///   mkdir -p ~/.config/fish/completions
    ///
    ///   clawscan completions fish > ~/.config/fish/completions/clawscan.fish
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },

    /// Print a manual page (roff), generated from the same definitions as --help:
    /// clawscan(1), or with a COMMAND the page of that subcommand (clawscan-check(1),
    /// clawscan-diagnose(1), ...).
    ///
    ///   mkdir -p ~/.local/share/man/man1
    ///
    ///   clawscan man > ~/.local/share/man/man1/clawscan.1
    ///
    ///   clawscan man diagnose > ~/.local/share/man/man1/clawscan-diagnose.1
    Man {
        /// The subcommand whose page to print (default: the main page).
        #[arg(value_name = "COMMAND", value_parser = subcommand_names())]
        command: Option<String>,
    },
}

#[derive(Args, Debug)]
struct ScanArgs {
    /// Files or directories to scan; none, or `-`, reads standard input. Directories
    /// are searched recursively for log files (`*.log`, `*.jsonl`, rotated names such
    /// as `gateway.log.1`, and their `.gz`/`.zst` forms; see --glob). gzip and zstd
    /// input is decoded whatever its name.
    #[arg(value_name = "PATH")]
    paths: Vec<OsString>,

    /// Print the number of events per category and per cause instead of records;
    /// with several inputs, each input's counts first (prefixed `PATH:`), then the
    /// totals. `--format json` writes them as one JSON object.
    #[arg(short = 'c', long, conflicts_with = "quiet")]
    count: bool,

    /// At the end of input (or on Ctrl-C) print the diagnosis report to stderr, as
    /// `clawscan diagnose` would; records still go to stdout.
    #[arg(long, conflicts_with = "quiet")]
    summary: bool,

    /// Print nothing; exit 0 on the first event, 1 if there is none.
    #[arg(short = 'q', long)]
    quiet: bool,

    /// Emit every line as a record, events or not (non-events have no categories).
    /// Not with --category or --cause, which select events.
    #[arg(long, conflicts_with_all = ["category", "cause"])]
    all: bool,

    /// Emit only events of these categories (comma-separated). By default every
    /// category, except lines that are only `handshake` (a normal close, a lost
    /// transport, a handshake timeout) and that the diagnosis ties to no cause: name
    /// `handshake` here, or use --all, to see those too.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = category_parser())]
    category: Vec<Category>,

    /// Emit only events whose probable cause is one of these (comma-separated; see
    /// `clawscan diagnose`). With --category, an event must pass both.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = cause_parser())]
    cause: Vec<Cause>,

    /// Flush after every record (by default output is flushed whenever the input
    /// pauses, which is enough for live pipes).
    #[arg(long)]
    line_buffered: bool,

    /// The record format: `json` (one object per line, the default) or `text` (one
    /// line per record for people: time, level, categories, cause, message). With
    /// -c the counts are text unless `--format json` is given.
    #[arg(long, value_name = "FORMAT")]
    format: Option<Format>,

    /// When to colour `--format text`: auto (a terminal, unless NO_COLOR is set),
    /// always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    color: ColorChoice,

    /// Keep reading files as they grow, like `tail -F`: start at the end (see
    /// --from-start), survive rotation and truncation, and, given a directory or a
    /// quoted glob (`'/tmp/openclaw/openclaw-*.log'`), follow its newest log file as
    /// the gateway starts a new one. Runs until Ctrl-C. Standard input (no path, or
    /// `-`) is a stream already: it is read to its end.
    #[arg(short = 'F', long, conflicts_with_all = ["count", "since", "until"])]
    follow: bool,

    /// With --follow, read the lines already in the files first.
    #[arg(long, requires = "follow")]
    from_start: bool,

    /// With --follow, how often to look for new lines, rotation and truncation when
    /// there is nothing to read.
    #[arg(long, value_name = "INTERVAL", default_value = "250ms", value_parser = stats::parse_interval, hide = true)]
    follow_interval: Duration,

    /// Every INTERVAL (`10s`, `1m`), and at the end, write one line of totals: events
    /// per category and cause, distinct remotes and devices, the last event's time.
    /// To standard error, or to --stats-file.
    #[arg(long, value_name = "INTERVAL", value_parser = stats::parse_interval, conflicts_with = "quiet")]
    stats: Option<Duration>,

    /// The stats format: `json` (one object per line) or `prom` (Prometheus text
    /// exposition format).
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "json",
        requires = "stats"
    )]
    stats_format: StatsFormatArg,

    /// Write each stats snapshot to this file, replacing it atomically (for
    /// node_exporter's textfile collector), instead of appending to standard error.
    #[arg(long, value_name = "PATH", requires = "stats")]
    stats_file: Option<PathBuf>,

    /// Write secrets (tokens, passwords, keys, pairing codes) as they are instead of
    /// replacing them with `[REDACTED:<hash>]` markers.
    #[arg(long)]
    no_redact: bool,

    /// Derive the redaction key from this text instead of drawing it at random, so
    /// markers are the same from run to run (tests, comparing two runs).
    #[arg(long, value_name = "TEXT", hide = true)]
    redact_key: Option<String>,

    /// Cut lines longer than this (suffixes K, M, G); cut lines are still reported,
    /// with "truncated": true.
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    max_line_bytes: usize,

    /// Search this many inputs at once (default: one per CPU). Output is the same
    /// for any number: records come grouped per file, in the order of the arguments
    /// (directory entries sorted by name).
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    threads: usize,

    /// In directories, read the files matching GLOB instead of the log-file names
    /// (repeatable). A GLOB without `/` matches file names (`*.txt`); one with `/`
    /// matches the path below the directory (`2026-*/**/*.log`). Files named on the
    /// command line are always read.
    #[arg(long, value_name = "GLOB")]
    glob: Vec<String>,

    /// Only events at or after TIME: RFC 3339 (2026-04-11T08:00:00Z), a date and
    /// time without a zone, taken as local time (`2026-04-11 08:00`, journalctl's
    /// form, or `2026-04-11T08:00:00`), a date (2026-04-11, UTC), or a time ago (30m,
    /// 2h, 7d). Compared with the record's `ts_utc`; events whose line carries no date
    /// (console lines have only the time of day) are kept, unless --drop-undated.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    since: Option<Stamp>,

    /// Only events before TIME (same forms as --since; the end is exclusive, so
    /// `--since 2026-04-11 --until 2026-04-12` is one day).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<Stamp>,

    /// With --since or --until, drop events whose line carries no date instead of
    /// keeping them.
    #[arg(long)]
    drop_undated: bool,

    /// Split plain files at least this large into chunks searched in parallel.
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size, hide = true)]
    split_threshold: usize,

    /// The chunk size for split files.
    #[arg(long, value_name = "BYTES", default_value = "8M", value_parser = parse_size, hide = true)]
    chunk_size: usize,

    /// The most record bytes held per input waiting for its turn.
    #[arg(long, value_name = "BYTES", default_value = "8M", value_parser = parse_size, hide = true)]
    queue_bytes: usize,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Directories or files to check (default: OpenClaw's state directory).
    #[arg(value_name = "DIR|FILE")]
    paths: Vec<PathBuf>,

    /// Write one JSON document instead of text.
    #[arg(long)]
    json: bool,

    /// When to use colour.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    color: ColorChoice,
}

#[derive(Args, Debug)]
struct DiagnoseArgs {
    /// Logs to read; `-` is standard input. With none: standard input, or OpenClaw's
    /// recent file logs when standard input is a terminal.
    #[arg(value_name = "PATH")]
    paths: Vec<OsString>,

    /// Write one JSON document instead of text: `"v": 1`, the `outcome`, the
    /// `inputs`, the OpenClaw `version`, and each cause with its evidence and fix
    /// steps, as the text report has them.
    #[arg(long)]
    json: bool,

    /// The OpenClaw version the gateway runs (`openclaw --version`), when the log does
    /// not say; it chooses the version-specific fix steps.
    #[arg(long, value_name = "VERSION", value_parser = diagnose::version::parse_flag)]
    openclaw_version: Option<OcVersion>,

    /// When to use colour.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    color: ColorChoice,

    /// Check the config in this directory (default: OpenClaw's state directory,
    /// $OPENCLAW_STATE_DIR or ~/.openclaw, when it is there).
    #[arg(long, value_name = "DIR", conflicts_with = "no_config")]
    config_dir: Option<PathBuf>,

    /// Do not read OpenClaw's config.
    #[arg(long)]
    no_config: bool,

    /// Cut lines longer than this (suffixes K, M, G).
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    max_line_bytes: usize,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// Logs to read; `-` is standard input. With none: standard input, or OpenClaw's
    /// recent file logs when standard input is a terminal.
    #[arg(value_name = "PATH")]
    paths: Vec<OsString>,

    /// Write the report as one JSON document instead of Markdown.
    #[arg(long)]
    json: bool,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Do not run `openclaw doctor` (it may be slow).
    #[arg(long)]
    no_doctor: bool,

    /// Stop `openclaw doctor` after this many seconds.
    #[arg(long, value_name = "SECS", default_value = "20", value_parser = parse_seconds)]
    doctor_timeout: Duration,

    /// Stop `openclaw --version` after this many seconds.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_seconds, hide = true)]
    version_timeout: Duration,

    /// The `openclaw` binary to run (default: the first `openclaw` on PATH).
    #[arg(long, value_name = "PATH")]
    openclaw: Option<PathBuf>,

    /// Check the config in this directory (default: OpenClaw's state directory,
    /// $OPENCLAW_STATE_DIR or ~/.openclaw).
    #[arg(long, value_name = "DIR", conflicts_with = "no_config")]
    config_dir: Option<PathBuf>,

    /// Do not read OpenClaw's config.
    #[arg(long)]
    no_config: bool,

    /// The OpenClaw version the gateway runs, when the log does not say; it chooses
    /// the version-specific fix steps.
    #[arg(long, value_name = "VERSION", value_parser = diagnose::version::parse_flag)]
    openclaw_version: Option<OcVersion>,

    /// Example lines quoted per cause.
    #[arg(long, value_name = "N", default_value_t = report::DEFAULT_EXAMPLES)]
    examples: usize,

    /// Keep the Markdown report under about this many characters (a forum post's
    /// limit); what is left out is listed at its end.
    #[arg(long, value_name = "N", default_value_t = report::markdown::DEFAULT_MAX_CHARS)]
    max_chars: usize,

    /// Cut log lines longer than this (suffixes K, M, G).
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    max_line_bytes: usize,

    /// Derive the redaction key from this text instead of drawing it at random, so
    /// markers are the same from run to run (tests, comparing two reports).
    #[arg(long, value_name = "TEXT", hide = true)]
    redact_key: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Json,
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum StatsFormatArg {
    Json,
    Prom,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::from_name(s.trim()).ok_or_else(|| {
        let names: Vec<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
        format!(
            "unknown category '{s}' (expected one of: {})",
            names.join(", ")
        )
    })
}

fn parse_cause(s: &str) -> Result<Cause, String> {
    let s = s.trim();
    Cause::ALL
        .into_iter()
        .find(|c| c.as_str() == s)
        .ok_or_else(|| {
            let names: Vec<_> = Cause::ALL.iter().map(|c| c.as_str()).collect();
            format!(
                "unknown cause '{s}' (expected one of: {})",
                names.join(", ")
            )
        })
}

/// A value parser for a list of names that also tells clap the names, so shell
/// completion offers them (a plain function parser completes file names).
#[derive(Clone)]
struct NameParser<T> {
    names: fn() -> Vec<&'static str>,
    parse: fn(&str) -> Result<T, String>,
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for NameParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.parse)(&text).map_err(|msg| {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{msg}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.names)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

fn category_parser() -> NameParser<Category> {
    NameParser {
        names: || Category::ALL.iter().map(|c| c.as_str()).collect(),
        parse: parse_category,
    }
}

fn cause_parser() -> NameParser<Cause> {
    NameParser {
        names: || Cause::ALL.iter().map(|c| c.as_str()).collect(),
        parse: parse_cause,
    }
}

/// The subcommands, each with a page from `clawscan man COMMAND` (`cli_is_consistent`
/// checks the list against clap's, which cannot be asked here: this is part of it).
const SUBCOMMANDS: [&str; 6] = ["check", "diagnose", "report", "completions", "man", "help"];

fn subcommand_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(SUBCOMMANDS)
}

fn parse_time(s: &str) -> Result<Stamp, String> {
    timefilter::parse_bound(s, Stamp::now())
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!(
            "'{s}' is not a number of seconds (0 < SECS <= 3600)"
        )),
    }
}

fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1usize << 10),
        Some((i, 'm' | 'M')) => (&t[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    let n: usize = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 65536, 64K, 16M)"))?;
    match n.checked_mul(mult) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(format!("'{s}' is out of range")),
    }
}

/// The process outcome, like grep's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Match = 0,
    NoMatch = 1,
    Error = 2,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Check(args)) => run_check(args),
        Some(Command::Diagnose(args)) => run_diagnose(args),
        Some(Command::Report(args)) => run_report(args),

        Some(Command::Completions { shell }) => {
            // Generated into memory: clap_complete panics on a write error, and a full
            // disk or a closed pipe is the user's to hear about, not a crash.
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "clawscan", &mut script);
            finish_stdout(write_stdout(&script))
        }
        Some(Command::Man { command }) => {
            let mut page = Vec::new();
            let rendered = man_page(command.as_deref()).render(&mut page);
            finish_stdout(rendered.and_then(|()| write_stdout(&page)))
        }
        None => run_scan(cli.scan),
    };
    if INTERRUPTED.load(Ordering::SeqCst) {
        // Finished within the grace of a Ctrl-C: the shell still learns of it.
        return ExitCode::from(130);
    }
    ExitCode::from(outcome as u8)
}

/// The manual page of `clawscan`, or of one of its subcommands (`clawscan-check`).
fn man_page(subcommand: Option<&str>) -> clap_mangen::Man {
    let mut cmd = Cli::command();
    cmd.build();
    let page = subcommand.and_then(|name| {
        let sub = cmd.find_subcommand(name)?.clone();
        // The page's title and synopsis name the command as it is typed.
        let full = format!("clawscan-{name}");
        Some(
            sub.name(full)
                .bin_name(format!("clawscan {name}"))
                .version(env!("CARGO_PKG_VERSION")),
        )
    });
    clap_mangen::Man::new(page.unwrap_or(cmd))
}

/// Writes `bytes` to standard output and flushes it.
fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush())
}

/// The outcome of printing a generated document to standard output.
fn finish_stdout(r: io::Result<()>) -> Outcome {
    match r {
        Ok(()) => Outcome::Match,
        Err(e) => write_failed(&e, Outcome::Match),
    }
}

/// Set by the first Ctrl-C.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Set (under the scan's lock) once the run has written its records and report, so
/// a Ctrl-C handler that wakes later writes nothing twice.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// How long a Ctrl-C waits for the scan to reach the end of its input: the program
/// upstream of a pipe gets the same Ctrl-C and closes the pipe, and the last line it
/// wrote, even without a newline, should still become a record.
const INTERRUPT_GRACE: Duration = Duration::from_millis(1500);

fn run_check(args: CheckArgs) -> Outcome {
    let opts = CheckOptions {
        paths: args.paths,
        json: args.json,
        color: args.color.enabled(),
    };
    let stdout = io::stdout();
    let mut out = PipeWatch {
        inner: BufWriter::new(stdout.lock()),
        closed: false,
    };
    let result = config_check::run(&opts, &mut out);
    let flushed = out.flush();
    match result {
        // `clawscan check | head` closing early: the reader has what it wanted (the
        // check passes over a closed pipe, this says it happened).
        Ok(_) if out.closed => Outcome::Match,
        Ok(outcome) => {
            if let Err(e) = flushed {
                return write_failed(&e, Outcome::Match);
            }
            match outcome.exit_code() {
                0 => Outcome::Match,
                1 => Outcome::NoMatch,
                _ => Outcome::Error,
            }
        }
        Err(e) => {
            eprintln!("clawscan: {e}");
            Outcome::Error
        }
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

fn run_scan(args: ScanArgs) -> Outcome {
    let config = SearchConfig {
        max_line_bytes: args.max_line_bytes,
        emit_all: args.all,
        categories: if args.category.is_empty() {
            CategorySet::all()
        } else {
            args.category.iter().copied().collect()
        },
        read_size: DEFAULT_READ_SIZE,
        redact: !args.no_redact,
    };
    if args.no_redact {
        eprintln!("clawscan: --no-redact: secrets in the input are written out as they are");
    }
    let searcher = match Searcher::new(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("clawscan: {e}");
            return Outcome::Error;
        }
    };
    let searcher = match &args.redact_key {
        Some(text) => searcher.with_redactor(Redactor::from_text_key(text)),
        None => searcher,
    };
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
    let batch = match batch_options(&args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("clawscan: {e}");
            return Outcome::Error;
        }
    };
    // Records carry a cause and a hint: the diagnosis sits between search and output.
    // (Before stdout is locked below: the Ctrl-C handler of `--summary` must be able
    // to flush it from its own thread.)
    // `--follow` with no path, or `-`, reads standard input to its end: a pipe is
    // live already, and there is no file to reopen.
    let stdin_only = inputs.iter().all(|i| *i == Input::Stdin);
    if args.follow && !stdin_only && inputs.contains(&Input::Stdin) {
        eprintln!(
            "clawscan: --follow: standard input (-) cannot be followed together with files; follow the files, and pipe the stream into a second clawscan"
        );
        return Outcome::Error;
    }
    let targets = if args.follow && !stdin_only {
        let parsed: Result<Vec<Target>, String> = args
            .paths
            .iter()
            .map(|p| Target::from_arg(p, &args.glob))
            .collect();
        match parsed {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("clawscan: {e}");
                return Outcome::Error;
            }
        }
    } else {
        None
    };
    if let (Some(targets), true) = (&targets, args.quiet && args.cause.is_empty()) {
        // `-F -q` waits for the first event line as it arrives: the diagnosis would
        // hold it back until the next line or a pause, and a pause ends no follow.
        on_interrupt_stop_following();
        let on_error = |e: &InputError| eprintln!("clawscan: {e}");
        let opts = follow_options(&args);
        return match follow::follow(
            &searcher,
            targets,
            &opts,
            || QuietSink,
            &FOLLOW_STOP,
            &on_error,
        ) {
            Ok(t) if t.records > 0 => Outcome::Match,
            Ok(t) if t.errors > 0 => Outcome::Error,
            Ok(_) => Outcome::NoMatch,
            Err(e) => write_failed(&e, Outcome::Match),
        };
    }
    // Every other scan reads its records through the diagnosis: a record's `cause`,
    // the events that span several lines and the noise left out by default are the
    // same whether records are written, counted (`-c`) or only looked for (`-q`).
    run_scan_annotated(&args, &searcher, &inputs, targets.as_deref(), &batch)
}

/// How a scan reads its inputs: threads, directory filter, time window, progress.
fn batch_options(args: &ScanArgs) -> Result<BatchOptions, String> {
    let filter = Filter::from_globs(&args.glob).map_err(|e| format!("--glob: {e}"))?;
    Ok(BatchOptions {
        threads: args.threads,
        filter,
        time: TimeRange {
            since: args.since,
            until: args.until,
            undated: if args.drop_undated {
                Undated::Drop
            } else {
                Undated::Keep
            },
        },
        // Only for a person watching: never into a file or pipe, never with --quiet,
        // and not over records being written to the same terminal.
        progress: !args.quiet
            && io::stderr().is_terminal()
            && (args.count || !io::stdout().is_terminal()),
        split_threshold: args.split_threshold as u64,
        chunk_size: args.chunk_size as u64,
        queue_bytes: args.queue_bytes,
    })
}

/// `1 input`, `2 inputs`.
fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Reports an output error; a closed pipe is not one.
fn write_failed(e: &io::Error, on_broken_pipe: Outcome) -> Outcome {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return on_broken_pipe;
    }
    eprintln!("clawscan: error writing output: {}", input::describe(e));
    Outcome::Error
}

/// The outputs a scan's diagnosis can feed.
enum OutSink {
    Json(JsonSink<BufWriter<io::Stdout>>),
    Text(TextSink<BufWriter<io::Stdout>>),
    Count {
        counts: Counts,
        /// `--format json`: one JSON object instead of lines.
        json: bool,
        /// Several inputs: each one's counts, then the totals.
        per_file: bool,
    },
    /// `--quiet` (with `--cause`): nothing written, the first record ends the run.
    Quiet,
    /// `clawscan diagnose`: the records are read, not written.
    Nothing,
}

impl OutSink {
    /// Writes what is buffered; counts are written now, at the end.
    fn finish(&mut self) -> io::Result<()> {
        match self {
            OutSink::Json(j) => j.idle(),
            OutSink::Text(t) => t.idle(),
            OutSink::Count {
                counts, json: true, ..
            } => counts.write_json(BufWriter::new(io::stdout().lock())),
            OutSink::Count {
                counts, per_file, ..
            } => counts.write_text(BufWriter::new(io::stdout().lock()), *per_file),
            OutSink::Quiet | OutSink::Nothing => Ok(()),
        }
    }
}

impl Sink for OutSink {
    fn record(&mut self, rec: &clawscan::Record) -> io::Result<bool> {
        match self {
            OutSink::Json(s) => s.record(rec),
            OutSink::Text(s) => s.record(rec),
            OutSink::Count { counts, .. } => counts.record(rec),
            OutSink::Quiet => Ok(false),
            OutSink::Nothing => Ok(true),
        }
    }

    fn idle(&mut self) -> io::Result<()> {
        match self {
            OutSink::Json(s) => s.idle(),
            OutSink::Text(s) => s.idle(),
            OutSink::Count { .. } | OutSink::Quiet | OutSink::Nothing => Ok(()),
        }
    }
}

/// Passes on the records whose cause is one of `causes` (all when it is empty), and
/// counts what it passed: the exit code speaks of what was written.
struct CauseFilter<S> {
    inner: S,
    causes: Vec<Cause>,
    passed: u64,
}

impl<S: Sink> CauseFilter<S> {
    fn new(inner: S, causes: Vec<Cause>) -> CauseFilter<S> {
        CauseFilter {
            inner,
            causes,
            passed: 0,
        }
    }

    fn admits(&self, rec: &clawscan::Record) -> bool {
        self.causes.is_empty() || rec.cause.is_some_and(|c| self.causes.contains(&c))
    }
}

impl<S: Sink> Sink for CauseFilter<S> {
    fn record(&mut self, rec: &clawscan::Record) -> io::Result<bool> {
        if !self.admits(rec) {
            return Ok(true);
        }
        self.passed += 1;
        self.inner.record(rec)
    }

    fn record_owned(&mut self, rec: clawscan::Record) -> io::Result<bool> {
        if !self.admits(&rec) {
            return Ok(true);
        }
        self.passed += 1;
        self.inner.record_owned(rec)
    }

    fn idle(&mut self) -> io::Result<()> {
        self.inner.idle()
    }
}

/// The output: records selected by `--cause`, counted into the `--stats` totals
/// when they are on.
type Output = CauseFilter<StatsSink<OutSink>>;

/// The diagnosis and its output, shared with the Ctrl-C handler (which must be able
/// to flush the records already read and print the report).
type SharedScan = Arc<Mutex<Annotate<Output>>>;

/// A sink that locks the shared state for each record.
struct SharedSink(SharedScan);

impl SharedSink {
    fn lock(&self) -> MutexGuard<'_, Annotate<Output>> {
        // A panic mid-record leaves the state usable: records are whole or absent.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sink for SharedSink {
    fn record(&mut self, rec: &clawscan::Record) -> io::Result<bool> {
        self.lock().record(rec)
    }

    fn record_owned(&mut self, rec: clawscan::Record) -> io::Result<bool> {
        self.lock().record_owned(rec)
    }

    fn idle(&mut self) -> io::Result<()> {
        self.lock().idle()
    }
}

/// Set by Ctrl-C while following: the followers stop, and the run ends as a finished
/// scan does (records flushed, `--summary` report, last stats line), exit 130.
static FOLLOW_STOP: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler of `--follow`: the first stops the followers, a second
/// exits at once (the output may be blocked).
fn on_interrupt_stop_following() {
    let installed = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        FOLLOW_STOP.store(true, Ordering::SeqCst);
    });
    if let Err(e) = installed {
        eprintln!("clawscan: cannot catch Ctrl-C ({e}); records are flushed as they come");
    }
}

fn follow_options(args: &ScanArgs) -> FollowOptions {
    FollowOptions {
        from_start: args.from_start,
        interval: args.follow_interval,
    }
}

/// Takes the shared state for the Ctrl-C handler, waiting a little for a record in
/// progress; gives up if the main thread is stuck (a full output pipe).
fn lock_for_interrupt(state: &SharedScan) -> Option<MutexGuard<'_, Annotate<Output>>> {
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        match state.try_lock() {
            Ok(g) => return Some(g),
            Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// Whether to colour text written to stderr (the `--summary` report).
fn stderr_color() -> bool {
    io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the Ctrl-C handler: flush what was read, print the report, exit 130.
/// `print` renders the report where the command prints it.
fn on_interrupt(state: &SharedScan, print: impl Fn(&Diagnoser) + Send + 'static) {
    let state = Arc::clone(state);
    let installed = ctrlc::set_handler(move || {
        if !INTERRUPTED.swap(true, Ordering::SeqCst) {
            // First Ctrl-C: let the scan finish on its own if its input ends soon.
            let until = Instant::now() + INTERRUPT_GRACE;
            while Instant::now() < until && !REPORTED.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        if let Some(mut g) = lock_for_interrupt(&state) {
            if REPORTED.load(Ordering::SeqCst) {
                // The scan finished and reported; main exits with 130.
                return;
            }
            // Records held for later evidence go out now, annotated as they stand.
            let _ = g.idle();
            print(g.diagnoser());
        } else {
            eprintln!("clawscan: interrupted while the output was blocked; no report");
        }
        std::process::exit(130);
    });
    if let Err(e) = installed {
        eprintln!(
            "clawscan: cannot catch Ctrl-C ({e}); the report is printed only at end of input"
        );
    }
}

/// A scan whose records carry `cause` and `hint`; with `--summary`, the diagnosis
/// report goes to stderr at the end (or on Ctrl-C).
fn run_scan_annotated(
    args: &ScanArgs,
    searcher: &Searcher,
    inputs: &[Input],
    targets: Option<&[Target]>,
    batch: &BatchOptions,
) -> Outcome {
    let forward = Forward::for_scan(args.all, &args.category);
    // The diagnosis sees every event and the context lines; the user's categories
    // apply to what is written.
    let searcher = searcher
        .with_config(SearchConfig {
            categories: CategorySet::all(),
            ..searcher.config().clone()
        })
        .with_context(if args.summary {
            diagnose::context_pattern()
        } else {
            diagnose::light_context_pattern()
        });
    let searcher = match searcher {
        Ok(s) => s,
        Err(e) => {
            eprintln!("clawscan: {e}");
            return Outcome::Error;
        }
    };
    let stdout = || BufWriter::with_capacity(64 * 1024, io::stdout());
    // Like grep -H: say where each record is from when there is more than one place.
    // (A followed directory or glob moves from file to file.)
    let located = targets
        .is_some_and(|t| t.len() > 1 || t.iter().any(|t| matches!(t, Target::Newest { .. })))
        || inputs.len() > 1
        || inputs
            .iter()
            .any(|i| matches!(i, Input::Path(p) if p.is_dir()));
    let format = if args.quiet {
        OutSink::Quiet
    } else if args.count {
        OutSink::Count {
            counts: Counts::new(),
            json: args.format == Some(Format::Json),
            per_file: located,
        }
    } else if args.format == Some(Format::Text) {
        let style = Style {
            on: args.color.enabled(),
        };
        OutSink::Text(TextSink::new(stdout(), style, located, args.line_buffered))
    } else {
        OutSink::Json(JsonSink::new(stdout(), args.line_buffered))
    };
    let mut totals: Option<SharedStats> = None;
    let ticker = args.stats.map(|interval| {
        let shared: SharedStats = Arc::new(Mutex::new(Stats::new()));
        totals = Some(Arc::clone(&shared));
        let format = match args.stats_format {
            StatsFormatArg::Json => StatsFormat::Json,
            StatsFormatArg::Prom => StatsFormat::Prometheus,
        };
        let dest = match &args.stats_file {
            Some(p) => StatsOut::File(p.clone()),
            None => StatsOut::Stderr,
        };
        Ticker::start(shared, interval, format, dest)
    });
    let out = CauseFilter::new(StatsSink::new(format, totals), args.cause.clone());
    let diag = Diagnoser::new(&DiagnoseOptions::default());
    let state: SharedScan = Arc::new(Mutex::new(Annotate::new(out, diag, forward)));
    let color = stderr_color();
    if targets.is_some() {
        on_interrupt_stop_following();
    } else if args.summary {
        on_interrupt(&state, move |d| {
            eprint!("{}", diagnose::report::render_text(&d.report(), color));
        });
    }
    let on_error = |e: &InputError| eprintln!("clawscan: {e}");
    let result = match targets {
        Some(targets) => follow::follow(
            &searcher,
            targets,
            &follow_options(args),
            || SharedSink(Arc::clone(&state)),
            &FOLLOW_STOP,
            &on_error,
        )
        .map(|t| t.errors),
        None => {
            let mut sink = SharedSink(Arc::clone(&state));
            batch::search(&searcher, inputs, batch, &mut sink, &mut |e| on_error(e))
                .map(|t| t.errors)
        }
    };
    let mut g = state.lock().unwrap_or_else(|p| p.into_inner());
    let finished = g
        .flush_held()
        .and_then(|()| g.inner_mut().inner.inner_mut().finish());
    let forwarded = g.inner_mut().passed;
    if args.summary {
        eprint!(
            "{}",
            diagnose::report::render_text(&g.diagnoser().report(), color)
        );
    }
    REPORTED.store(true, Ordering::SeqCst);
    drop(g);
    if let Some(t) = ticker
        && let Err(e) = t.finish()
    {
        eprintln!("clawscan: --stats: {e}");
    }
    let errors = match result.and_then(|t| finished.map(|()| t)) {
        Ok(t) => t,
        Err(e) => return write_failed(&e, Outcome::Match),
    };
    // Like `grep -q`: an event found is the answer, whatever else failed.
    if args.quiet && forwarded > 0 {
        Outcome::Match
    } else if errors > 0 {
        Outcome::Error
    } else if forwarded > 0 {
        Outcome::Match
    } else {
        Outcome::NoMatch
    }
}

fn run_diagnose(args: DiagnoseArgs) -> Outcome {
    let searcher = match diagnose::setup::searcher(args.max_line_bytes) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("clawscan: {e}");
            return Outcome::Error;
        }
    };
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
        eprintln!(
            "clawscan: no OpenClaw file logs found (looked in {}); give a log file, or pipe the gateway's output: openclaw gateway --verbose 2>&1 | clawscan diagnose",
            places.join(", ")
        );
        return Outcome::Error;
    }
    let read_files: Vec<String> = logs
        .file_logs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let inputs = logs.inputs;
    let names: Vec<String> = inputs.iter().map(|i| i.name().to_string()).collect();
    let color = args.color.enabled();
    let json = args.json;
    let print = move |d: &Diagnoser, names: &[String], read_files: &[String]| -> io::Result<()> {
        let mut report = d.report();
        report.inputs = names.to_vec();
        report.file_logs = read_files.to_vec();
        let mut out = io::stdout().lock();
        if json {
            serde_json::to_writer_pretty(&mut out, &report).map_err(io::Error::from)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", diagnose::report::render_text(&report, color))?;
        }
        out.flush()
    };
    let forward = Forward {
        all_lines: false,
        categories: CategorySet::EMPTY,
        handshake_noise: false,
    };
    let state: SharedScan = Arc::new(Mutex::new(Annotate::new(
        CauseFilter::new(StatsSink::new(OutSink::Nothing, None), Vec::new()),
        diag,
        forward,
    )));
    {
        let names = names.clone();
        let read_files = read_files.clone();
        on_interrupt(&state, move |d| {
            let _ = print(d, &names, &read_files);
        });
    }
    let mut on_error = |e: &InputError| eprintln!("clawscan: {e}");
    let mut sink = SharedSink(Arc::clone(&state));
    // The same reading as a scan: directories, compressed logs, large files in chunks.
    let batch = BatchOptions::default();
    let result = batch::search(&searcher, &inputs, &batch, &mut sink, &mut on_error);
    let g = sink.lock();
    if let Ok(t) = &result
        && t.errors > 0
        && t.bytes == 0
    {
        // Every input failed (the reasons are on stderr above): "nothing to fix"
        // would be a finding about logs nobody read.
        REPORTED.store(true, Ordering::SeqCst);
        eprintln!(
            "clawscan diagnose: nothing could be read ({} unreadable); no diagnosis",
            plural(t.errors as usize, "input")
        );
        return Outcome::Error;
    }
    let report = g.diagnoser().report();
    let printed = print(g.diagnoser(), &names, &read_files);
    REPORTED.store(true, Ordering::SeqCst);
    drop(g);
    if let Err(e) = printed {
        // `clawscan diagnose | head` closing early is not a failure.
        return write_failed(&e, Outcome::Match);
    }
    match result {
        Ok(t) if t.errors > 0 => Outcome::Error,
        Ok(_) => match report.outcome {
            diagnose::report::Outcome::CauseIdentified => Outcome::Match,
            diagnose::report::Outcome::NothingToFix => Outcome::NoMatch,
        },
        Err(e) => write_failed(&e, Outcome::Error),
    }
}

fn run_report(args: ReportArgs) -> Outcome {
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
    let mut on_error = |e: &InputError| eprintln!("clawscan: {e}");
    let report = match report::build(&opts, &mut on_error) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("clawscan: {e}");
            return Outcome::Error;
        }
    };
    let text = if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(j) => j + "\n",
            Err(e) => {
                eprintln!("clawscan: cannot encode the report: {e}");
                return Outcome::Error;
            }
        }
    } else {
        report::markdown::render(&report, args.max_chars)
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("clawscan: {}: {}", path.display(), input::describe(&e));
                return Outcome::Error;
            }
            eprintln!(
                "clawscan: report written to {}; read it before posting",
                path.display()
            );
            Outcome::Match
        }
        None => {
            let mut out = io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => Outcome::Match,
                Err(e) => write_failed(&e, Outcome::Match),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("10"), Ok(10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn man_knows_every_subcommand() {
        let mut cmd = Cli::command();
        cmd.build();
        let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(names, SUBCOMMANDS);
    }
}
