//! The binary's allocator: mimalloc, and the one setting it is given.
//!
//! Records are built on the search's threads and freed on the writer's. glibc's
//! malloc hands such a free back to the allocating thread's arena under that arena's
//! lock, and on dense input writer and searchers contended for it (issue 21: 18.9 k
//! context switches in a 2 s run); mimalloc frees across threads without a lock.
//! Measured on the 64 MiB corpora: 8 % fewer instructions and 15–30 % less wall time
//! at 10–50 % events.
//!
//! Memory: transparent huge pages are off for the process (the `no_thp` feature;
//! with them mimalloc's arenas took RSS to ~37 MiB), version 2 rather than 3 (3 held
//! 44 MiB on a 128 MiB file where 2 holds 31), and freed pages go back to the system
//! at once rather than after 10 ms ([`configure`]).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_e` (the `-sys` crate names no
/// constant for it; a test pins it to the option's documented default).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's options; called first thing in `main`, before any other thread
/// exists. Purging freed pages at once took peak RSS down by 2–9 MiB (a 160 MiB file
/// at 10 % events: 39.7 → 30.6 MiB, under the 32 MiB aim) for ~7 % more wall time on
/// dense input (more `madvise` calls).
pub fn configure() {
    // SAFETY: `mi_option_set` stores a plain integer in mimalloc's option table; no
    // other thread is running yet to read it, and the option is a valid one (see
    // the test below).
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_index_names_the_purge_delay() {
        // Its documented default in mimalloc 2 is 10 ms, unless the environment sets
        // it; its neighbours in the table default to 1 and 0.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads one option of the table, as mimalloc itself does from
            // any thread before each purge.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 10);
        }
    }
}
