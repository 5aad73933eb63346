//! Criterion benchmarks of the search core on in-memory gateway logs.
//!
//! The input is made in-process by the corpus generator (`examples/gen-corpus.rs`,
//! compiled in as a module), so the benchmark searches the same realistic text as
//! `scripts/bench.sh` without touching the disk (the default mix: every format, about
//! a fifth of the ordinary lines holding one of the grep's words). The benchmarks
//! report bytes per second of input, except `per_record`, which reports records.
//!
//! - `search_slice/*`: [`Searcher::search_slice`] (the driver for memory and chunks
//!   of a large file) into a sink that discards records, at densities 0 (nothing
//!   but harmless lines: the pure line machinery and candidate search), 1 %, 10 %
//!   and 50 %;
//! - `search_reader/*`: [`Searcher::search_reader`] over the same bytes (the stdin
//!   path: line buffer, reads, partial lines);
//! - `search_json/*`: `search_slice` with the real NDJSON sink writing into
//!   `io::sink()`, i.e. the cost of serialising full records, at 1 %, 10 % and 50 %;
//! - `per_record/*`: what a record costs at 1 %, 10 % and 50 %: each iteration times
//!   a pass into the discarding sink and a pass into the NDJSON sink, and counts
//!   only the difference (building, redacting and serialising the records), with
//!   the records as criterion's throughput (elements/s). After the group a table
//!   prints the cost in µs per record, the difference and the whole NDJSON pass;
//! - `record_json/*`: the records of the 10 % input, collected once, written as
//!   NDJSON into memory by `serde_json` (the derived `Serialize`) and by the
//!   hand-written [`Record::write_json`] that the sink uses; throughput in records;
//! - `format/*`: one format at a time at 1 %, to see which format costs most per
//!   byte.
//!
//! This is one thread, without the diagnosis and the per-connection correlation the
//! binary adds: `scripts/bench.sh` measures those, end to end.
//!
//! Sample counts and times are small so `cargo bench --bench scan` finishes in about
//! three minutes on a busy machine; `-- --quick` is quicker, `-- per_record` runs one
//! group; pass criterion's own flags for more precision.

use std::cell::Cell;
use std::hint::black_box;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clawscan::print::{CollectSink, JsonSink};
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
/// The densities of event lines: none, the realistic 1 %, and the dense worst cases.
const DENSITIES: [f64; 4] = [0.0, 0.01, 0.10, 0.50];

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
    corpus_counted(cfg, searcher, source).0
}

/// [`corpus`], and the number of records the searcher finds in it.
fn corpus_counted(cfg: &Config, searcher: &Searcher, source: &Arc<str>) -> (Vec<u8>, u64) {
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
    (data, sink.0)
}

fn densities(c: &mut Criterion) {
    let searcher = Searcher::new(SearchConfig::default()).expect("the rule table compiles");
    let source: Arc<str> = Arc::from("bench");
    let inputs: Vec<(f64, Vec<u8>)> = DENSITIES
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

    // The writer alone, on the records of the 10 % input: the same bytes both ways
    // (checked once here, and by the crate's tests on every fixture).
    let Some((_, data)) = inputs.iter().find(|(d, _)| *d == 0.10) else {
        return;
    };
    let mut found = CollectSink::default();
    searcher
        .search_slice(data, Position::START, &source, &mut found)
        .expect("collecting cannot fail");
    let records = found.0;
    let mut by_serde = Vec::new();
    let mut by_hand = Vec::new();
    for r in &records {
        serde_json::to_writer(&mut by_serde, r).expect("memory cannot fail");
        r.write_json(&mut by_hand).expect("memory cannot fail");
    }
    assert!(by_serde == by_hand, "write_json differs from serde_json");
    let mut g = c.benchmark_group("record_json");
    g.throughput(Throughput::Elements(records.len() as u64));
    let mut out = Vec::with_capacity(by_hand.len() + records.len());
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            out.clear();
            for r in &records {
                serde_json::to_writer(&mut out, r).expect("memory cannot fail");
                out.push(b'\n');
            }
            out.len()
        })
    });
    g.bench_function("write_json", |b| {
        b.iter(|| {
            out.clear();
            for r in &records {
                r.write_json(&mut out).expect("memory cannot fail");
                out.push(b'\n');
            }
            out.len()
        })
    });
    g.finish();
}

/// The time the NDJSON sink adds to a search, per record.
///
/// Criterion measures, per iteration, one pass into [`Discard`] and one into the
/// NDJSON sink, and is given only the difference; its throughput is in records. The
/// table printed after the group divides the same totals by the records.
fn per_record(c: &mut Criterion) {
    let searcher = Searcher::new(SearchConfig::default()).expect("the rule table compiles");
    let source: Arc<str> = Arc::from("bench");
    struct Input {
        density: f64,
        data: Vec<u8>,
        records: u64,
        /// Passes measured (warm-up included), and their total times.
        passes: Cell<u64>,
        discard: Cell<Duration>,
        json: Cell<Duration>,
    }
    let inputs: Vec<Input> = DENSITIES
        .into_iter()
        .filter(|&d| d > 0.0)
        .map(|density| {
            let (data, records) =
                corpus_counted(&Config::mixed(SIZE, density, SEED), &searcher, &source);
            Input {
                density,
                data,
                records,
                passes: Cell::new(0),
                discard: Cell::new(Duration::ZERO),
                json: Cell::new(Duration::ZERO),
            }
        })
        .collect();

    let mut g = c.benchmark_group("per_record");
    for input in &inputs {
        g.throughput(Throughput::Elements(input.records));
        g.bench_function(BenchmarkId::from_parameter(label(input.density)), |b| {
            b.iter_custom(|iters| {
                let (mut discard, mut json) = (Duration::ZERO, Duration::ZERO);
                for _ in 0..iters {
                    let t0 = Instant::now();
                    black_box(scan_discarding(&searcher, &input.data, &source));
                    let t1 = Instant::now();
                    scan_json(&searcher, &input.data, &source);
                    let t2 = Instant::now();
                    discard += t1 - t0;
                    json += t2 - t1;
                }
                input.passes.set(input.passes.get() + iters);
                input.discard.set(input.discard.get() + discard);
                input.json.set(input.json.get() + json);
                // Noise can make the difference negative; criterion needs a duration.
                json.saturating_sub(discard).max(Duration::from_nanos(1))
            })
        });
    }
    g.finish();

    // Criterion's figures are per pass; this says it per record. Nothing was measured
    // when a filter left the group out.
    if inputs.iter().all(|i| i.passes.get() == 0) {
        return;
    }
    println!(
        "\nper_record: µs per record, one thread, {} MiB mixed corpus, mean of every pass",
        SIZE >> 20
    );
    println!(
        "  {:<8} {:>8} {:>7} {:>11} {:>11} {:>9} {:>9}",
        "density", "records", "passes", "discard ms", "NDJSON ms", "µs/rec Δ", "µs/rec"
    );
    for i in inputs.iter().filter(|i| i.passes.get() > 0) {
        let n = i.passes.get() as f64;
        let discard = i.discard.get().as_secs_f64() / n;
        let json = i.json.get().as_secs_f64() / n;
        let per = |s: f64| s * 1e6 / i.records.max(1) as f64;
        println!(
            "  {:<8} {:>8} {:>7} {:>11.2} {:>11.2} {:>9.2} {:>9.2}",
            format!("{} %", i.density * 100.0),
            i.records,
            i.passes.get(),
            discard * 1e3,
            json * 1e3,
            per(json - discard),
            per(json)
        );
    }
    println!(
        "  µs/rec Δ = (NDJSON pass − discarding pass) / records: building and writing a \
         record;\n  µs/rec = NDJSON pass / records (the search included)\n"
    );
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

/// One search of `data` in memory into the NDJSON sink writing into `io::sink()`:
/// full records, serialised, as the binary writes them less the file system.
fn scan_json(searcher: &Searcher, data: &[u8], source: &Arc<str>) {
    let mut sink = JsonSink::new(io::BufWriter::with_capacity(1 << 16, io::sink()), false);
    black_box(
        searcher
            .search_slice(data, Position::START, source, &mut sink)
            .expect("io::sink cannot fail"),
    );
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
    targets = densities, per_record, formats
}
criterion_main!(benches);
