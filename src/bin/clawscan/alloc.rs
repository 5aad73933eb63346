//! The binary's allocator: mimalloc, and the one setting it is given.
//!
//! Records are built on the search's threads and freed on the writer's. glibc's
//! malloc hands such a free back to the allocating thread's arena under that arena's
//! lock, and on dense input writer and searchers contended for it (issue 21: 18.9 k
//! context switches in a 2 s run); mimalloc frees across threads without a lock.
//! Measured on the 64 MiB corpora: 8 % fewer instructions and 10–20 % less wall time
//! at 10–50 % events.
//!
//! Memory: mimalloc does not ask for transparent huge pages (the `no_thp` feature: no
//! `madvise(MADV_HUGEPAGE)` on its memory; when it did, RSS reached 36–38 MiB on 64 MiB
//! files. A host whose THP mode is `always` still backs it with them). Version 2
//! rather than 3: 3 held 44 MiB on a 128 MiB file where 2 holds 31. And freed pages
//! go back to the system at once rather than after 10 ms (100 ms for arenas): see
//! [`configure`].

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_e` (the `-sys` crate names no
/// constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's options, unless a `MIMALLOC_…` variable in the environment sets
/// the same one (mimalloc reads those when the process loads, so its own
/// `mi_option_set_default` would come too late to tell them apart). Purging freed
/// pages at once took peak RSS down by 2–9 MiB (a 160 MiB file at 10 % events: 39.7 →
/// 30.6 MiB, under the 32 MiB aim) for ~7 % more wall time on dense input (more
/// `madvise`).
///
/// # Safety
///
/// mimalloc's option setters are not thread-safe: call this before any other thread
/// starts (first thing in `main`).
pub unsafe fn configure() {
    if !in_environment(&["PURGE_DELAY", "RESET_DELAY"]) {
        // SAFETY: the caller guarantees no other thread runs; `mi_option_set` takes
        // a C int and a C long, as declared, and checks the option's index.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    }
}

/// Whether the environment sets one of mimalloc's `options` (`MIMALLOC_` and the
/// name, in any case, as mimalloc reads them; `RESET_DELAY` is the purge delay's old
/// name).
fn in_environment(options: &[&str]) -> bool {
    std::env::vars_os().any(|(key, _)| {
        let key = key.to_string_lossy().to_ascii_uppercase();
        key.strip_prefix("MIMALLOC_")
            .is_some_and(|name| options.contains(&name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_index_is_not_shifted() {
        // The option's documented default in mimalloc 2 is 10 ms, its neighbours' 1
        // and 0: a shifted index would read another value. (The test binary does not
        // call `configure`.)
        if in_environment(&["PURGE_DELAY", "RESET_DELAY"]) {
            return;
        }
        // SAFETY: reads one option of the table, as mimalloc itself does from any
        // thread before each purge.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 10);
    }
}
