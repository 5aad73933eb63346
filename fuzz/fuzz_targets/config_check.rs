//! The config checker on arbitrary files: the position-keeping JSON5/JSON parser, both
//! checks and both renderers. No panic whatever the bytes.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use clawscan::config_check::json5::{self, Dialect};
use clawscan::config_check::{check_dir, render_json, render_text};
use libfuzzer_sys::fuzz_target;

static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("clawscan-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
});

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = json5::parse(text, Dialect::Json5);
        let _ = json5::parse(text, Dialect::Json);
    }
    // Both files hold the input, so both checkers and their cross-check run.
    std::fs::write(DIR.join("openclaw.json"), data).expect("write");
    std::fs::write(DIR.join("exec-approvals.json"), data).expect("write");
    let report = check_dir(&DIR);
    let _ = render_text(&report, true, &mut std::io::sink());
    let _ = render_json(&report, &mut std::io::sink());
});
