//! Criterion benchmarks of the search core on in-memory gateway logs.
//!
//! The input is made in-process by the corpus generator (`examples/gen-corpus.rs`,
//! compiled in as a module), so the benchmark searches the same realistic text as
//! `scripts/bench.sh` without touching the disk. Every benchmark reports bytes per
//! second of input.
//!
//! - `search_slice/*`: [`Searcher::search_slice`] (the driver for memory and chunks
//!   of a large file) into a sink that discards records, at densities 0 (nothing
//!   but harmless lines: the pure line machinery and candidate search), 1 % and 10 %;
//! - `search_reader/*`: [`Searcher::search_reader`] over the same bytes (the stdin
//!   path: line buffer, reads, partial lines);
//! - `search_json/*`: `search_slice` with the real NDJSON sink writing into
//!   `io::sink()`, i.e. the cost of serialising full records;
//! - `format/*`: one format at a time at 1 %, to see which format costs most per
//!   byte.
//!
//! Sample counts and times are small so `cargo bench --bench scan` finishes in about
//! two minutes on a busy machine; pass criterion's own flags for more precision.

use std::hint::black_box;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use clawscan::print::JsonSink;
use clawscan::search::lines::Position;
use clawscan::{Record, SearchConfig, Searcher, Sink};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

// The generator's command-line half (`main`, argument parsing) is unused here.
#[allow(dead_code)]
#[path = "../examples/gen-corpus.rs"]
mod corpus;

use corpus::{Config, Format};

/// Bytes of input per benchmark: large enough that per-call set-up is noise and
/// every format of the mixed corpus appears, small enough to stay in cache-friendly
/// RAM and generate in a fraction of a second.
const SIZE: u64 = 16 << 20;
/// Bytes per single-format input.
const FORMAT_SIZE: u64 = 4 << 20;
const SEED: u64 = 42;

/// A sink that looks at each record (so it is not optimised away) and drops it.
#[derive(Default)]
struct Discard(u64);

impl Sink for Discard {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        black_box(rec);
        self.0 += 1;
        Ok(true)
    }
}

/// Generates a corpus and checks, once, that the searcher finds exactly its event
/// lines; a mismatch means the generator and the rule table disagree, which makes
/// the numbers incomparable, so it is reported loudly (but the benchmark still runs).
fn corpus(cfg: &Config, searcher: &Searcher, source: &Arc<str>) -> Vec<u8> {
    let (data, stats) = corpus::generate_vec(cfg);
    let mut sink = Discard::default();
    let _ = searcher.search_slice(&data, Position::START, source, &mut sink);
    if sink.0 != stats.total.events {
        eprintln!(
            "warning: clawscan found {} records, the generator wrote {} event lines \
             (density {}, formats {:?})",
            sink.0, stats.total.events, cfg.density, cfg.formats
        );
    }
    data
}

fn densities(c: &mut Criterion) {
    let searcher = Searcher::new(SearchConfig::default()).expect("the rule table compiles");
    let source: Arc<str> = Arc::from("bench");
    let inputs: Vec<(f64, Vec<u8>)> = [0.0, 0.01, 0.10]
        .into_iter()
        .map(|d| (d, corpus(&Config::mixed(SIZE, d, SEED), &searcher, &source)))
        .collect();

    let mut g = c.benchmark_group("search_slice");
    for (d, data) in &inputs {
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(label(*d)), data, |b, data| {
            b.iter(|| scan_discarding(&searcher, data, &source))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("search_reader");
    for (d, data) in &inputs {
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(label(*d)), data, |b, data| {
            b.iter(|| {
                let mut sink = Discard::default();
                searcher
                    .search_reader(&data[..], &source, &mut sink)
                    .expect("reading memory cannot fail");
                sink.0
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("search_json");
    for (d, data) in inputs.iter().filter(|(d, _)| *d > 0.0) {
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(label(*d)), data, |b, data| {
            b.iter(|| {
                // What the binary does, less the file system: full records, serialised.
                let mut sink =
                    JsonSink::new(io::BufWriter::with_capacity(1 << 16, io::sink()), false);
                searcher
                    .search_slice(data, Position::START, &source, &mut sink)
                    .expect("io::sink cannot fail")
            })
        });
    }
    g.finish();
}

fn formats(c: &mut Criterion) {
    let searcher = Searcher::new(SearchConfig::default()).expect("the rule table compiles");
    let source: Arc<str> = Arc::from("bench");
    let mut g = c.benchmark_group("format");
    for f in Format::ALL {
        let cfg = Config {
            size: FORMAT_SIZE,
            density: 0.01,
            seed: SEED,
            formats: vec![f],
        };
        let data = corpus(&cfg, &searcher, &source);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(f.name()), &data, |b, data| {
            b.iter(|| scan_discarding(&searcher, data, &source))
        });
    }
    g.finish();
}

/// One search of `data` in memory into a sink that only counts records.
fn scan_discarding(searcher: &Searcher, data: &[u8], source: &Arc<str>) -> u64 {
    let mut sink = Discard::default();
    searcher
        .search_slice(data, Position::START, source, &mut sink)
        .expect("a discarding sink cannot fail");
    sink.0
}

fn label(density: f64) -> String {
    format!("density_{}pct", density * 100.0)
}

criterion_group! {
    name = benches;
    // Few, short samples: the point is a throughput figure per input in minutes, on a
    // machine shared with builds; criterion's flags can ask for more.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = densities, formats
}
criterion_main!(benches);
