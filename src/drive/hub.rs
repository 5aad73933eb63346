//! What the threads of one parallel search share: their state behind one lock, the
//! two places they wait, the flag that stops them, and what a thread that panicked
//! left.
//!
//! Both parallel drivers ([`super::batch`] and `super::blocks`) are one caller
//! thread (the writer, which owns the sink) and worker threads (readers, searchers)
//! around one `Mutex`. The rules that keep them from hanging live here once: the stop
//! flag is set under the lock (a thread that tests it and then waits cannot miss the
//! wake-up), and a worker that panics stops the run and leaves its message for the
//! caller, which otherwise would wait forever for the work the worker never finished.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// A worker thread panicked: the run ended early. The records before the work the
/// worker was doing were delivered; its own and the later ones were not.
#[derive(Debug, thiserror::Error)]
#[error("internal error: a search thread panicked ({message}); the scan stopped early")]
pub struct WorkerPanicked {
    /// The panic's message.
    pub message: String,
}

/// The shared state `S` of one run, with its condition variables and stop flag.
#[derive(Debug)]
pub(crate) struct Hub<S> {
    state: Mutex<S>,
    /// Workers wait here: for the window to move, for work, for queue space.
    to_workers: Condvar,
    /// The caller waits here for what workers hand over.
    to_caller: Condvar,
    /// The run is over (the sink stopped or failed, or a worker panicked): workers
    /// stop.
    cancel: AtomicBool,
    /// The first worker panic's message.
    panicked: OnceLock<String>,
}

impl<S> Hub<S> {
    pub(crate) fn new(state: S) -> Hub<S> {
        Hub {
            state: Mutex::new(state),
            to_workers: Condvar::new(),
            to_caller: Condvar::new(),
            cancel: AtomicBool::new(false),
            panicked: OnceLock::new(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        // A poisoned lock means a thread panicked mid-update of plain counters and
        // vectors; the state is still consistent enough to stop (a worker panic
        // stops the run, see `run_worker`).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits on the workers' condition variable.
    pub(crate) fn wait_workers<'a>(&self, g: MutexGuard<'a, S>) -> MutexGuard<'a, S> {
        self.to_workers.wait(g).unwrap_or_else(|p| p.into_inner())
    }

    /// Waits on the caller's condition variable.
    pub(crate) fn wait_caller<'a>(&self, g: MutexGuard<'a, S>) -> MutexGuard<'a, S> {
        self.to_caller.wait(g).unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn notify_workers(&self) {
        self.to_workers.notify_all();
    }

    pub(crate) fn notify_caller(&self) {
        // One caller thread waits.
        self.to_caller.notify_one();
    }

    /// Whether the run is over for the workers.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Ends the run: every thread stops. Set under the lock, so that no thread can
    /// test the flag, miss it and then miss the wake-up too.
    pub(crate) fn stop(&self) {
        let g = self.lock();
        self.cancel.store(true, Ordering::SeqCst);
        drop(g);
        self.to_workers.notify_all();
        self.to_caller.notify_all();
    }

    /// The error to end the run with, once a worker has panicked. The caller asks
    /// before each wait (under the lock: the flag is set under it too).
    pub(crate) fn panicked(&self) -> Option<WorkerPanicked> {
        self.panicked
            .get()
            .map(|m| WorkerPanicked { message: m.clone() })
    }

    /// Runs a worker thread's body `f`: a panic in it stops the run and is kept for
    /// the caller (see [`Hub::panicked`]) instead of leaving the caller waiting.
    pub(crate) fn run_worker(&self, f: impl FnOnce()) {
        // Unwind safety: after a panic the state is only read to stop (every waiter
        // tests `cancelled` or `panicked` first), never trusted for records.
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(f)) {
            let _ = self.panicked.set(panic_message(payload.as_ref()));
            self.stop();
        }
    }
}

/// Stops the run when dropped: the caller holds one while it delivers, so that the
/// workers stop however it leaves, a panic of the sink included (scoped workers would
/// otherwise wait forever and the scope with them).
pub(crate) struct StopOnDrop<'a, S>(pub(crate) &'a Hub<S>);

impl<S> Drop for StopOnDrop<'_, S> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// The text a panic was raised with (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_panic_stops_the_run_and_says_why() {
        let hub = Hub::new(0u32);
        std::thread::scope(|s| {
            s.spawn(|| hub.run_worker(|| panic!("boom {}", 7)));
        });
        assert!(hub.cancelled());
        assert_eq!(hub.panicked().map(|p| p.message), Some("boom 7".into()));
    }
}
