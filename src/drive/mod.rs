//! Drivers over many inputs: in parallel and in order ([`batch`]), or followed as
//! files grow ([`follow`]).
//!
//! This stage owns threads, ordering and re-opening; it runs [`crate::search::Searcher`]
//! on each input and hands records to one [`crate::search::Sink`]. It does not decide
//! what a record says, nor what is shown (that is [`crate::session`]).

pub mod batch;
mod blocks;
pub mod follow;
mod hub;

pub use hub::WorkerPanicked;

// Every driver against the reference and each other (tests only).
#[cfg(test)]
mod tester;
