//! The decompressors' wrapping: arbitrary bytes (often starting with a gzip or zstd
//! magic, so the decoders run) sniffed, decoded and scanned. Corrupt archives must
//! give errors, never panics, and the records before the error must be whole.
#![no_main]

use std::sync::{Arc, LazyLock};

use clawscan::read::decompress;
use clawscan::print::CollectSink;
use clawscan::{SearchConfig, Searcher};
use libfuzzer_sys::fuzz_target;

static SEARCHER: LazyLock<Searcher> =
    LazyLock::new(|| Searcher::new(SearchConfig::default()).expect("rules compile"));

const GZIP: &[u8] = &[0x1f, 0x8b, 0x08, 0x00];
const ZSTD: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    // Steer a share of the inputs into the decoders.
    let mut input = match ctl % 3 {
        0 => GZIP.to_vec(),
        1 => ZSTD.to_vec(),
        _ => Vec::new(),
    };
    input.extend_from_slice(rest);
    let Ok(decoded) = decompress::decode(std::io::Cursor::new(input)) else {
        return;
    };
    let source: Arc<str> = Arc::from("fuzz");
    let mut sink = CollectSink::default();
    let _ = SEARCHER.search_reader(decoded.reader, &source, &mut sink);
    for rec in &sink.0 {
        let _: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(rec).expect("serializes"))
                .expect("valid JSON");
    }
});
