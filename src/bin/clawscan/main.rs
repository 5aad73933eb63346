//! The `clawscan` command: parses arguments, hands each command to `commands`, and
//! maps outcomes to exit codes (0 match, 1 no match, 2 error, like grep; 130 after
//! Ctrl-C). The pipeline itself is the library's `session`.

mod alloc;
mod cli;
mod commands;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{CommandFactory, Parser};

use clawscan::Sink;
use clawscan::diagnose::Diagnoser;
use clawscan::session::{Flushed, Interrupt};

use cli::{Cli, Command};

/// The process outcome, like grep's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Match = 0,
    NoMatch = 1,
    Error = 2,
}

fn main() -> ExitCode {
    // SAFETY: no other thread has started yet.
    unsafe { alloc::configure() };
    let cli = Cli::parse();
    let run = match cli.command {
        None => commands::scan(cli.scan),
        Some(Command::Check(args)) => commands::check(args),
        Some(Command::Diagnose(args)) => commands::diagnose(args),
        Some(Command::Report(args)) => commands::report(args),
        Some(Command::Completions { shell }) => {
            // Generated into memory: clap_complete panics on a write error, and a full
            // disk or a closed pipe is the user's to hear about, not a crash.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "clawscan", &mut script);
            Ok(finish_stdout(write_stdout(&script)))
        }
        Some(Command::Man { command }) => {
            let mut page = Vec::new();
            let rendered = cli::man_page(command.as_deref()).render(&mut page);
            Ok(finish_stdout(rendered.and_then(|()| write_stdout(&page))))
        }
    };
    // The one place a command's error is said: one line, with its causes.
    let outcome = run.unwrap_or_else(|e| {
        eprintln!("clawscan: {e:#}");
        Outcome::Error
    });
    if INTERRUPTED.load(Ordering::SeqCst) {
        // Finished within the grace of a Ctrl-C: the shell still learns of it.
        return ExitCode::from(130);
    }
    ExitCode::from(outcome as u8)
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

/// The one rule for output errors: a closed pipe is the reader's choice (`| head`)
/// and ends the run as `on_broken_pipe`; anything else (a full disk) is an error.
fn write_failed(e: &io::Error, on_broken_pipe: Outcome) -> Outcome {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return on_broken_pipe;
    }
    // A search thread's panic ends the run through the output's error path (it
    // stops the writer), but it is no output error.
    if let Some(p) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<clawscan::drive::WorkerPanicked>())
    {
        eprintln!("clawscan: {p}");
        return Outcome::Error;
    }
    eprintln!(
        "clawscan: error writing output: {}",
        clawscan::read::input::describe(e)
    );
    Outcome::Error
}

/// Set by the first Ctrl-C.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How long a Ctrl-C waits for the scan to reach the end of its input: the program
/// upstream of a pipe gets the same Ctrl-C and closes the pipe, and the last line it
/// wrote, even without a newline, should still become a record.
const INTERRUPT_GRACE: Duration = Duration::from_millis(1500);

/// Ctrl-C while following: the first stops the followers and the run ends as a
/// finished scan does (records flushed, `--summary`, last stats line); a second exits
/// at once (the output may be blocked).
fn on_interrupt_stop_following<S: Sink + Send + 'static>(run: Interrupt<S>) {
    let installed = ctrlc::set_handler(move || {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        run.stop_following();
    });
    if let Err(e) = installed {
        eprintln!("clawscan: cannot catch Ctrl-C ({e}); records are flushed as they come");
    }
}

/// Ctrl-C with a report to give: flush what was read, `print` the diagnosis so far,
/// exit 130 — unless the input ends within the grace, and the run reports itself.
fn on_interrupt_report<S: Sink + Send + 'static>(
    run: Interrupt<S>,
    print: impl Fn(&Diagnoser) + Send + 'static,
) {
    let installed = ctrlc::set_handler(move || {
        if !INTERRUPTED.swap(true, Ordering::SeqCst) {
            let until = Instant::now() + INTERRUPT_GRACE;
            while Instant::now() < until && run.running() {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        match run.flush_then(Duration::from_secs(2), &print) {
            // The run finished and reports; main exits with 130.
            Flushed::RunEnded => return,
            Flushed::Done => {}
            Flushed::Blocked => {
                eprintln!("clawscan: interrupted while the output was blocked; no report");
            }
        }
        std::process::exit(130);
    });
    if let Err(e) = installed {
        eprintln!(
            "clawscan: cannot catch Ctrl-C ({e}); the report is printed only at end of input"
        );
    }
}
