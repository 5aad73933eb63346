//! The command line: clap definitions, value parsers and the manual pages.
//!
//! This module owns what a user can type and what `--help`, `clawscan man` and the
//! completions say about it. It does not run anything: `commands` turns these
//! arguments into a session plan.

use std::ffi::OsString;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use clawscan::config_check::OcVersion;
use clawscan::diagnose;
use clawscan::print::stats;
use clawscan::report;
use clawscan::timefilter::{self, Stamp};
use clawscan::{Category, Cause};

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
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
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
pub(crate) struct ScanArgs {
    /// Files or directories to scan; none, or `-`, reads standard input. Directories
    /// are searched recursively for log files (`*.log`, `*.jsonl`, rotated names such
    /// as `gateway.log.1`, and their `.gz`/`.zst` forms; see --glob). gzip and zstd
    /// input is decoded whatever its name.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<OsString>,

    /// Print the number of events per category and per cause instead of records;
    /// with several inputs, each input's counts first (prefixed `PATH:`), then the
    /// totals. `--format json` writes them as one JSON object.
    #[arg(short = 'c', long, conflicts_with = "quiet")]
    pub(crate) count: bool,

    /// At the end of input (or on Ctrl-C) print the diagnosis report to stderr, as
    /// `clawscan diagnose` would; records still go to stdout. The diagnosis then also
    /// reads every connect line (which names the client's version), as `diagnose`
    /// does: records' hints may say more than without --summary, and the scan takes
    /// about twice as long.
    #[arg(long, conflicts_with = "quiet")]
    pub(crate) summary: bool,

    /// Print nothing; exit 0 on the first event, 1 if there is none.
    #[arg(short = 'q', long)]
    pub(crate) quiet: bool,

    /// Emit every line as a record, events or not (non-events have no categories).
    /// Not with --category or --cause, which select events.
    #[arg(long, conflicts_with_all = ["category", "cause"])]
    pub(crate) all: bool,

    /// Emit only events of these categories (comma-separated). By default every
    /// category, except lines that are only `handshake` (a normal close, a lost
    /// transport, a handshake timeout) and that the diagnosis ties to no cause: name
    /// `handshake` here, or use --all, to see those too.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = category_parser())]
    pub(crate) category: Vec<Category>,

    /// Emit only events whose probable cause is one of these (comma-separated; see
    /// `clawscan diagnose`). With --category, an event must pass both.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = cause_parser())]
    pub(crate) cause: Vec<Cause>,

    /// Flush after every record (by default output is flushed whenever the input
    /// pauses, which is enough for live pipes).
    #[arg(long)]
    pub(crate) line_buffered: bool,

    /// The record format: `json` (one object per line, the default) or `text` (one
    /// line per record for people: time, level, categories, cause, message). With
    /// -c the counts are text unless `--format json` is given.
    #[arg(long, value_name = "FORMAT")]
    pub(crate) format: Option<Format>,

    /// When to colour `--format text`: auto (a terminal, unless NO_COLOR is set),
    /// always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: ColorChoice,

    /// Keep reading files as they grow, like `tail -F`: start at the end (see
    /// --from-start), survive rotation and truncation, and, given a directory or a
    /// quoted glob (`'/tmp/openclaw/openclaw-*.log'`), follow its newest log file as
    /// the gateway starts a new one. Runs until Ctrl-C. Standard input (no path, or
    /// `-`) is a stream already: it is read to its end.
    #[arg(short = 'F', long, conflicts_with = "count")]
    pub(crate) follow: bool,

    /// With --follow, read the lines already in the files first.
    #[arg(long, requires = "follow")]
    pub(crate) from_start: bool,

    /// With --follow, how often to look for new lines, rotation and truncation when
    /// there is nothing to read.
    #[arg(long, value_name = "INTERVAL", default_value = "250ms", value_parser = stats::parse_interval, hide = true)]
    pub(crate) follow_interval: Duration,

    /// Every INTERVAL (`10s`, `1m`), and at the end, write one line of totals: events
    /// per category and cause, distinct remotes and devices, the last event's time.
    /// To standard error, or to --stats-file.
    #[arg(long, value_name = "INTERVAL", value_parser = stats::parse_interval, conflicts_with = "quiet")]
    pub(crate) stats: Option<Duration>,

    /// The stats format: `json` (one object per line) or `prom` (Prometheus text
    /// exposition format).
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "json",
        requires = "stats"
    )]
    pub(crate) stats_format: StatsFormatArg,

    /// Write each stats snapshot to this file, replacing it atomically (for
    /// node_exporter's textfile collector), instead of appending to standard error.
    #[arg(long, value_name = "PATH", requires = "stats")]
    pub(crate) stats_file: Option<PathBuf>,

    /// Write secrets (tokens, passwords, keys, pairing codes) as they are instead of
    /// replacing them with `[REDACTED:<hash>]` markers.
    #[arg(long)]
    pub(crate) no_redact: bool,

    /// Derive the redaction key from this text instead of drawing it at random, so
    /// markers are the same from run to run (tests, comparing two runs).
    #[arg(long, value_name = "TEXT", hide = true)]
    pub(crate) redact_key: Option<String>,

    /// Cut lines longer than this (suffixes K, M, G); cut lines are still reported,
    /// with "truncated": true.
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    pub(crate) max_line_bytes: usize,

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
    pub(crate) threads: usize,

    /// In directories, read the files matching GLOB instead of the log-file names
    /// (repeatable). A GLOB without `/` matches file names (`*.txt`); one with `/`
    /// matches the path below the directory (`2026-*/**/*.log`). Files named on the
    /// command line are always read.
    #[arg(long, value_name = "GLOB")]
    pub(crate) glob: Vec<String>,

    /// Only events at or after TIME: RFC 3339 (2026-04-11T08:00:00Z), a date and
    /// time without a zone, taken as local time (`2026-04-11 08:00`, journalctl's
    /// form, or `2026-04-11T08:00:00`), a date (2026-04-11, UTC), or a time ago (30m,
    /// 2h, 7d). Compared with the record's `ts_utc`; events whose line carries no date
    /// (console lines have only the time of day) are kept, unless --drop-undated.
    /// The window selects the records shown; the diagnosis behind their `cause`
    /// (and `--summary`) still reads every line, so a version or config line from
    /// before the window counts.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) since: Option<Stamp>,

    /// Only events before TIME (same forms as --since; the end is exclusive, so
    /// `--since 2026-04-11 --until 2026-04-12` is one day).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) until: Option<Stamp>,

    /// With --since or --until, drop events whose line carries no date instead of
    /// keeping them.
    #[arg(long)]
    pub(crate) drop_undated: bool,

    /// Split plain files at least this large into chunks searched in parallel.
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size, hide = true)]
    pub(crate) split_threshold: usize,

    /// The chunk size for split files.
    #[arg(long, value_name = "BYTES", default_value = "2M", value_parser = parse_size, hide = true)]
    pub(crate) chunk_size: usize,

    /// The most record bytes held per input waiting for its turn.
    #[arg(long, value_name = "BYTES", default_value = "2M", value_parser = parse_size, hide = true)]
    pub(crate) queue_bytes: usize,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// Directories or files to check (default: OpenClaw's state directory).
    #[arg(value_name = "DIR|FILE")]
    pub(crate) paths: Vec<PathBuf>,

    /// Write one JSON document instead of text.
    #[arg(long)]
    pub(crate) json: bool,

    /// When to use colour.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(crate) struct DiagnoseArgs {
    /// Logs to read; `-` is standard input. With none: standard input, or OpenClaw's
    /// recent file logs when standard input is a terminal.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<OsString>,

    /// Write one JSON document instead of text: `"v": 1`, the `outcome`, the
    /// `inputs`, the OpenClaw `version`, and each cause with its evidence and fix
    /// steps, as the text report has them.
    #[arg(long)]
    pub(crate) json: bool,

    /// The OpenClaw version the gateway runs (`openclaw --version`), when the log does
    /// not say; it chooses the version-specific fix steps.
    #[arg(long, value_name = "VERSION", value_parser = diagnose::version::parse_flag)]
    pub(crate) openclaw_version: Option<OcVersion>,

    /// When to use colour.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: ColorChoice,

    /// Check the config in this directory (default: OpenClaw's state directory,
    /// $OPENCLAW_STATE_DIR or ~/.openclaw, when it is there).
    #[arg(long, value_name = "DIR", conflicts_with = "no_config")]
    pub(crate) config_dir: Option<PathBuf>,

    /// Do not read OpenClaw's config.
    #[arg(long)]
    pub(crate) no_config: bool,

    /// Cut lines longer than this (suffixes K, M, G).
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    pub(crate) max_line_bytes: usize,
}

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// Logs to read; `-` is standard input. With none: standard input, or OpenClaw's
    /// recent file logs when standard input is a terminal.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<OsString>,

    /// Write the report as one JSON document instead of Markdown.
    #[arg(long)]
    pub(crate) json: bool,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Do not run `openclaw doctor` (it may be slow).
    #[arg(long)]
    pub(crate) no_doctor: bool,

    /// Stop `openclaw doctor` after this long (seconds, or `30s`, `2m`; at most an hour).
    #[arg(long, value_name = "SECS", default_value = "20", value_parser = parse_seconds)]
    pub(crate) doctor_timeout: Duration,

    /// Stop `openclaw --version` after this many seconds.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_seconds, hide = true)]
    pub(crate) version_timeout: Duration,

    /// The `openclaw` binary to run (default: the first `openclaw` on PATH).
    #[arg(long, value_name = "PATH")]
    pub(crate) openclaw: Option<PathBuf>,

    /// Check the config in this directory (default: OpenClaw's state directory,
    /// $OPENCLAW_STATE_DIR or ~/.openclaw).
    #[arg(long, value_name = "DIR", conflicts_with = "no_config")]
    pub(crate) config_dir: Option<PathBuf>,

    /// Do not read OpenClaw's config.
    #[arg(long)]
    pub(crate) no_config: bool,

    /// The OpenClaw version the gateway runs, when the log does not say; it chooses
    /// the version-specific fix steps.
    #[arg(long, value_name = "VERSION", value_parser = diagnose::version::parse_flag)]
    pub(crate) openclaw_version: Option<OcVersion>,

    /// Example lines quoted per cause.
    #[arg(long, value_name = "N", default_value_t = report::DEFAULT_EXAMPLES)]
    pub(crate) examples: usize,

    /// Keep the Markdown report under about this many characters (a forum post's
    /// limit); what is left out is listed at its end.
    #[arg(long, value_name = "N", default_value_t = report::markdown::DEFAULT_MAX_CHARS)]
    pub(crate) max_chars: usize,

    /// Cut log lines longer than this (suffixes K, M, G).
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    pub(crate) max_line_bytes: usize,

    /// Derive the redaction key from this text instead of drawing it at random, so
    /// markers are the same from run to run (tests, comparing two reports).
    #[arg(long, value_name = "TEXT", hide = true)]
    pub(crate) redact_key: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Json,
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatsFormatArg {
    Json,
    Prom,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour standard output.
    pub(crate) fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => auto_color(io::stdout().is_terminal()),
        }
    }
}

/// The one colour rule for `auto`: a terminal, unless `NO_COLOR` is set (non-empty).
pub(crate) fn auto_color(to_terminal: bool) -> bool {
    to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
pub(crate) struct NameParser<T> {
    pub(crate) names: fn() -> Vec<&'static str>,
    pub(crate) parse: fn(&str) -> Result<T, String>,
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

/// A timeout: the same forms as an interval (`20`, `2.5s`, `500ms`, `1m`), at most an
/// hour.
fn parse_seconds(s: &str) -> Result<Duration, String> {
    match stats::parse_interval(s) {
        Ok(d) if d <= Duration::from_secs(3600) => Ok(d),
        Ok(_) => Err(format!("'{s}' is out of range (at most 3600 seconds)")),
        Err(e) => Err(e),
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

/// The manual page of `clawscan`, or of one of its subcommands (`clawscan-check`).
pub(crate) fn man_page(subcommand: Option<&str>) -> clap_mangen::Man {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_seconds("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("2h").is_err());
        assert!(parse_seconds("x").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("10"), Ok(10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    /// The hidden tuning flags default to what the library's callers get.
    #[test]
    fn read_defaults_are_the_library_defaults() {
        use clap::Parser;
        let cli = Cli::try_parse_from(["clawscan"]).unwrap();
        let lib = clawscan::drive::batch::BatchOptions::default();
        assert_eq!(cli.scan.split_threshold as u64, lib.split_threshold);
        assert_eq!(cli.scan.chunk_size as u64, lib.chunk_size);
        assert_eq!(cli.scan.queue_bytes, lib.queue_bytes);
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
