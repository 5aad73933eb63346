//! Reading inputs: naming them, walking directories, decoding archives.
//!
//! This stage owns what an input is and how its bytes are obtained; it does not
//! split lines or decide what is an event (that is [`crate::search`]).

pub mod decompress;
pub mod input;
pub mod logs;
pub mod walk;
