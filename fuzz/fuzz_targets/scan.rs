//! The line machinery, parser, classifier and redaction on arbitrary bytes, read at
//! an arbitrary block size: no panic, the stream and slice drivers agree, and every
//! record serializes to valid JSON.
#![no_main]

use std::sync::{Arc, LazyLock};

use clawscan::search::lines::Position;
use clawscan::print::CollectSink;
use clawscan::search::redact::Redactor;
use clawscan::{SearchConfig, Searcher};
use libfuzzer_sys::fuzz_target;

static SEARCHER: LazyLock<Searcher> = LazyLock::new(|| {
    Searcher::new(SearchConfig::default())
        .expect("rules compile")
        .with_redactor(Redactor::with_key([1; 16]))
});

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let cut_lines = ctl & 0x80 != 0;
    let cfg = SearchConfig {
        read_size: 1 + usize::from(ctl & 0x3f) * 37,
        max_line_bytes: if cut_lines { 64 } else { 1 << 20 },
        emit_all: ctl & 0x40 != 0,
        ..SearchConfig::default()
    };
    let searcher = SEARCHER.with_config(cfg);
    let source: Arc<str> = Arc::from("fuzz");
    let mut stream = CollectSink::default();
    searcher
        .search_reader(input, &source, &mut stream)
        .expect("reading a slice cannot fail");
    let mut slice = CollectSink::default();
    searcher
        .search_slice(input, Position::START, &source, &mut slice)
        .expect("searching a slice cannot fail");
    if !cut_lines {
        assert_eq!(stream.0, slice.0);
    }
    for rec in &stream.0 {
        let json = serde_json::to_string(rec).expect("a record serializes");
        let _: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    }
});
