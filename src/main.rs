//! The `clawscan` command: parses arguments, calls the library, maps outcomes to exit
//! codes (0 match, 1 no match, 2 error, like grep).

use std::ffi::OsString;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use clawscan::config_check::{self, CheckOptions};
use clawscan::input::{self, Input, InputError};
use clawscan::output::{CountSink, JsonSink, QuietSink};
use clawscan::redact::Redactor;
use clawscan::search::DEFAULT_READ_SIZE;
use clawscan::{Category, CategorySet, SearchConfig, Searcher, Sink};

/// Finds, explains and counts "pairing required" failures in OpenClaw gateway logs.
///
/// Reads the given files (or standard input) and writes one JSON object per line for
/// every pairing, close-1008, token, auth, scope and related event:
///
///   openclaw gateway --verbose 2>&1 | clawscan | jq .
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
}

#[derive(Args, Debug)]
struct ScanArgs {
    /// Files to scan; none, or `-`, reads standard input.
    #[arg(value_name = "PATH")]
    paths: Vec<OsString>,

    /// Print the number of events per category instead of records.
    #[arg(short = 'c', long, conflicts_with = "quiet")]
    count: bool,

    /// Print nothing; exit 0 on the first event, 1 if there is none.
    #[arg(short = 'q', long)]
    quiet: bool,

    /// Emit every line as a record, events or not (non-events have no categories).
    #[arg(long)]
    all: bool,

    /// Emit only events of these categories (comma-separated): pairing, close_1008,
    /// token, auth, scope, handshake, dm_pairing, exec_approvals, config.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_category)]
    category: Vec<Category>,

    /// Flush after every record (by default output is flushed whenever the input
    /// pauses, which is enough for live pipes).
    #[arg(long)]
    line_buffered: bool,

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
        None => run_scan(cli.scan),
    };
    ExitCode::from(outcome as u8)
}

fn run_check(args: CheckArgs) -> Outcome {
    let opts = CheckOptions {
        paths: args.paths,
        json: args.json,
        color: args.color.enabled(),
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = config_check::run(&opts, &mut out);
    let flushed = out.flush();
    match result {
        Ok(outcome) => {
            if let Err(e) = flushed {
                return write_failed(&e, Outcome::Error);
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
    let mut on_error = |e: &InputError| eprintln!("clawscan: {e}");
    let stdout = io::stdout();
    let out = BufWriter::with_capacity(64 * 1024, stdout.lock());

    let (result, finished) = if args.quiet {
        let mut sink = QuietSink;
        let r = input::search_inputs(&searcher, &inputs, &mut sink, &mut on_error);
        (r, Ok(()))
    } else if args.count {
        let mut sink = CountSink::new();
        let r = input::search_inputs(&searcher, &inputs, &mut sink, &mut on_error);
        let f = match &r {
            Ok(_) => sink.write_to(out),
            Err(_) => Ok(()),
        };
        (r, f)
    } else {
        let mut sink = JsonSink::new(out, args.line_buffered);
        let r = input::search_inputs(
            &searcher,
            &inputs,
            &mut sink as &mut dyn Sink,
            &mut on_error,
        );
        (r, sink.finish().map(drop))
    };

    let totals = match result.and_then(|t| finished.map(|()| t)) {
        Ok(t) => t,
        // A closed pipe means a reader such as `head` has what it wanted: it only ever
        // happens while writing a record, so there was a match.
        Err(e) => return write_failed(&e, Outcome::Match),
    };
    if args.quiet && totals.records > 0 {
        Outcome::Match
    } else if totals.errors > 0 {
        Outcome::Error
    } else if totals.records > 0 {
        Outcome::Match
    } else {
        Outcome::NoMatch
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
}
