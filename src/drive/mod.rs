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

/// Makes `buf` at least `len` bytes long, allocating no more than that. A read
/// buffer grown by `Vec::resize` doubles its capacity, and buffers that are reused
/// keep it: a block's buffer of 128 KiB and a line's rest held 256 KiB, and there
/// are several in flight (issue 21, a stream's memory).
pub(crate) fn grow_exact(buf: &mut Vec<u8>, len: usize) {
    if buf.len() < len {
        buf.reserve_exact(len - buf.len());
        buf.resize(len, 0);
    }
}

// Every driver against the reference and each other (tests only).
#[cfg(test)]
mod tester;

#[cfg(test)]
mod tests {
    #[test]
    fn a_buffer_grows_to_exactly_the_length_asked_and_keeps_its_bytes() {
        let mut buf = vec![7u8; 100];
        super::grow_exact(&mut buf, 150);
        // `reserve_exact` may leave a little more; doubling would leave 200.
        assert_eq!(buf.len(), 150);
        assert!(buf.capacity() < 200, "{}", buf.capacity());
        assert!(buf[..100].iter().all(|&b| b == 7) && buf[100..].iter().all(|&b| b == 0));
        // Never shrinks.
        super::grow_exact(&mut buf, 120);
        assert_eq!(buf.len(), 150);
    }
}
