//! The integration tests, as one test binary.
//!
//! Cargo makes a binary of every top-level `tests/*.rs` file, and each links the whole
//! crate and its dependencies: eleven links cost more than the tests themselves. So
//! this is the only top-level file, and the tests live in `tests/it/`, one module per
//! area (a file there is not a binary of its own). Run one area's tests with a filter
//! on its module: `cargo test --test main cli::`.
//!
//! The `#[path]`s are needed because a crate root finds `mod x;` beside itself
//! (`tests/x.rs`), and a `tests/x.rs` would be a binary again.

#[path = "it/common/mod.rs"]
mod common;

#[path = "it/batch.rs"]
mod batch;
#[path = "it/cli.rs"]
mod cli;
#[path = "it/config_check.rs"]
mod config_check;
#[path = "it/diagnose.rs"]
mod diagnose;
#[path = "it/hostile.rs"]
mod hostile;
#[path = "it/live.rs"]
mod live;
#[path = "it/newcomer.rs"]
mod newcomer;
#[path = "it/readme.rs"]
mod readme;
#[path = "it/report.rs"]
mod report;
