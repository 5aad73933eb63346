//! Periodic aggregates for dashboards (`--stats`): counts per category and cause,
//! distinct remotes and devices, and the time of the last event.
//!
//! This module owns the running totals ([`Stats`]), the sink adapter that feeds them
//! from the records on their way to the output ([`StatsSink`]), their two renderings
//! (one JSON object per line, and the Prometheus text exposition format for
//! node_exporter's textfile collector), and the writer that prints them every
//! interval ([`Ticker`]). Totals are cumulative from the start of the run, as
//! Prometheus counters must be; a dashboard takes rates. It does not decide which
//! records exist, and it sees only the records that are written (after `--category`).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::hash::BuildHasher;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cause::Cause;
use crate::record::Record;
use crate::search::Sink;
use crate::search::rules::Category;
use crate::timestamp::{Stamp, UtcStamp};

/// Distinct values are counted by hash, and at most this many: a flood of spoofed
/// remotes must not grow memory without bound (the count then reads as "at least").
const DISTINCT_CAP: usize = 100_000;

/// How stats lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatsFormat {
    /// One JSON object per interval (see [`Snapshot`]).
    #[default]
    Json,
    /// Prometheus text exposition format 0.0.4.
    Prometheus,
}

/// The running totals.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    events: u64,
    categories: [u64; Category::ALL.len()],
    causes: [u64; Cause::ALL.len()],
    remotes: HashSet<u64>,
    devices: HashSet<u64>,
    /// The latest `ts_utc` seen (records from several files need not come in order).
    last_event: Option<UtcStamp>,
    /// For hashing distinct values; a fixed key is fine, nothing is published.
    hasher: std::hash::RandomState,
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

impl Stats {
    /// Empty totals, starting now.
    pub fn new() -> Stats {
        Stats {
            started: Instant::now(),
            events: 0,
            categories: [0; Category::ALL.len()],
            causes: [0; Cause::ALL.len()],
            remotes: HashSet::new(),
            devices: HashSet::new(),
            last_event: None,
            hasher: std::hash::RandomState::new(),
        }
    }

    /// Counts one record; lines without categories (`--all`, context) are not events.
    pub fn observe(&mut self, rec: &Record) {
        if rec.categories.is_empty() {
            return;
        }
        self.events += 1;
        for c in rec.categories.iter() {
            self.categories[c as usize] += 1;
        }
        if let Some(cause) = rec.cause
            && let Some(i) = Cause::ALL.iter().position(|&c| c == cause)
        {
            self.causes[i] += 1;
        }
        let hasher = &self.hasher;
        let add = |set: &mut HashSet<u64>, v: &Option<String>| {
            if let Some(v) = v
                && set.len() < DISTINCT_CAP
            {
                set.insert(hasher.hash_one(v));
            }
        };
        add(&mut self.remotes, &rec.remote);
        add(&mut self.devices, &rec.device);
        // By instant: of two records at the same time, the first seen is shown.
        if let Some(ts) = rec.ts_utc
            && self.last_event.is_none_or(|last| ts.stamp() > last.stamp())
        {
            self.last_event = Some(ts);
        }
    }

    /// The totals as they stand, at `now`.
    pub fn snapshot(&self, now: Stamp) -> Snapshot {
        Snapshot {
            kind: "stats",
            time: UtcStamp::whole_seconds(now),
            // Milliseconds are plenty, and keep the JSON short.
            uptime_seconds: (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            events: self.events,
            categories: Category::ALL
                .iter()
                .map(|c| (c.as_str(), self.categories[*c as usize]))
                .collect(),
            causes: Cause::ALL
                .iter()
                .zip(self.causes)
                .map(|(c, n)| (c.as_str(), n))
                .collect(),
            distinct_remotes: self.remotes.len() as u64,
            distinct_devices: self.devices.len() as u64,
            last_event: self.last_event,
        }
    }
}

fn as_map<S: serde::Serializer>(pairs: &[(&'static str, u64)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// One stats line. Every key is always present; categories and causes list every
/// name, with zeros, so a dashboard's series exist from the first line.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    /// Always `"stats"`: tells a stats line from a record in a mixed stream.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When the line was written (UTC, whole seconds).
    pub time: UtcStamp,
    /// Seconds since the run started.
    pub uptime_seconds: f64,
    /// Events written since the start.
    pub events: u64,
    /// Events per category (an event may have several).
    #[serde(serialize_with = "as_map")]
    pub categories: Vec<(&'static str, u64)>,
    /// Events per probable cause (only events the diagnosis attributed).
    #[serde(serialize_with = "as_map")]
    pub causes: Vec<(&'static str, u64)>,
    /// Distinct `remote` addresses among the events.
    pub distinct_remotes: u64,
    /// Distinct `device` ids among the events.
    pub distinct_devices: u64,
    /// The latest `ts_utc` among the events, if any had a date.
    pub last_event: Option<UtcStamp>,
}

impl Snapshot {
    /// One line of JSON (categories and causes as objects), with its newline.
    pub fn to_json_line(&self) -> String {
        // Serializing plain strings, numbers and maps cannot fail.
        serde_json::to_string(self).unwrap_or_default() + "\n"
    }

    /// The Prometheus text exposition format: `# HELP` and `# TYPE` before each
    /// metric family, counters named `_total`.
    pub fn to_prometheus(&self) -> String {
        let mut body = String::new();
        let mut section = |name: &str, kind: &str, help: &str, samples: Vec<String>| {
            let _ = writeln!(body, "# HELP {name} {help}");
            let _ = writeln!(body, "# TYPE {name} {kind}");
            for s in samples {
                let _ = writeln!(body, "{s}");
            }
        };
        section(
            "clawscan_events_total",
            "counter",
            "Pairing-family events seen in OpenClaw gateway logs.",
            vec![format!("clawscan_events_total {}", self.events)],
        );
        section(
            "clawscan_category_events_total",
            "counter",
            "Events per category (an event may count in several).",
            self.categories
                .iter()
                .map(|(c, n)| format!("clawscan_category_events_total{{category=\"{c}\"}} {n}"))
                .collect(),
        );
        section(
            "clawscan_cause_events_total",
            "counter",
            "Events per probable root cause named by the diagnosis.",
            self.causes
                .iter()
                .map(|(c, n)| format!("clawscan_cause_events_total{{cause=\"{c}\"}} {n}"))
                .collect(),
        );
        section(
            "clawscan_distinct_remotes",
            "gauge",
            "Distinct remote addresses among the events since the start.",
            vec![format!(
                "clawscan_distinct_remotes {}",
                self.distinct_remotes
            )],
        );
        section(
            "clawscan_distinct_devices",
            "gauge",
            "Distinct device ids among the events since the start.",
            vec![format!(
                "clawscan_distinct_devices {}",
                self.distinct_devices
            )],
        );
        if let Some(ts) = self.last_event {
            section(
                "clawscan_last_event_timestamp_seconds",
                "gauge",
                "Unix time of the latest dated event.",
                vec![format!("clawscan_last_event_timestamp_seconds {}", ts.unix)],
            );
        }
        section(
            "clawscan_uptime_seconds",
            "gauge",
            "Seconds since clawscan started.",
            vec![format!(
                "clawscan_uptime_seconds {:.3}",
                self.uptime_seconds
            )],
        );
        body
    }

    /// The snapshot in `format`.
    pub fn render(&self, format: StatsFormat) -> String {
        match format {
            StatsFormat::Json => self.to_json_line(),
            StatsFormat::Prometheus => self.to_prometheus(),
        }
    }
}

/// Totals shared between the sink that feeds them and the ticker that prints them.
pub type SharedStats = Arc<Mutex<Stats>>;

fn lock(stats: &SharedStats) -> MutexGuard<'_, Stats> {
    // Totals stay consistent across a panic elsewhere: each update is one call.
    stats.lock().unwrap_or_else(|p| p.into_inner())
}

/// A sink adapter: counts every record into the shared totals, then passes it on.
#[derive(Debug)]
pub struct StatsSink<S> {
    inner: S,
    stats: Option<SharedStats>,
}

impl<S> StatsSink<S> {
    /// Counts into `stats` when given; otherwise only passes records on.
    pub fn new(inner: S, stats: Option<SharedStats>) -> StatsSink<S> {
        StatsSink { inner, stats }
    }

    /// The wrapped sink.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped sink, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Sink> Sink for StatsSink<S> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        if let Some(s) = &self.stats {
            lock(s).observe(rec);
        }
        self.inner.record(rec)
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        if let Some(s) = &self.stats {
            lock(s).observe(&rec);
        }
        self.inner.record_owned(rec)
    }

    fn idle(&mut self) -> io::Result<bool> {
        self.inner.idle()
    }
}

/// Where stats lines go.
#[derive(Clone, Debug)]
pub enum StatsOut {
    /// Appended to standard error, one snapshot after another.
    Stderr,
    /// A file replaced atomically with the latest snapshot (written beside it, then
    /// renamed), so a collector never reads half a file.
    File(PathBuf),
}

/// Writes one snapshot to `out`.
pub fn write_snapshot(text: &str, out: &StatsOut) -> io::Result<()> {
    match out {
        StatsOut::Stderr => {
            let mut e = io::stderr().lock();
            e.write_all(text.as_bytes())?;
            e.flush()
        }
        StatsOut::File(path) => replace_file(path, text.as_bytes()),
    }
}

/// Writes `path` by writing a temporary file in the same directory and renaming it.
fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Prints a snapshot every interval from its own thread, and a last one when
/// finished, so a dashboard sees the final totals of a run that ends.
#[derive(Debug)]
pub struct Ticker {
    stats: SharedStats,
    format: StatsFormat,
    out: StatsOut,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts printing `stats` every `interval`. A snapshot that cannot be written
    /// goes to `on_error`, once per failing stretch (the library prints nothing).
    pub fn start(
        stats: SharedStats,
        interval: Duration,
        format: StatsFormat,
        out: StatsOut,
        on_error: fn(&io::Error),
    ) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stats, out, stop) = (Arc::clone(&stats), out.clone(), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("clawscan-stats".into())
                .spawn(move || {
                    let mut next = Instant::now() + interval;
                    let mut failed = false;
                    while !stop.load(Ordering::Relaxed) {
                        let now = Instant::now();
                        if now < next {
                            std::thread::sleep((next - now).min(Duration::from_millis(50)));
                            continue;
                        }
                        // After a stall (a blocked stderr, a slow disk), one line, not
                        // a burst of catch-up lines.
                        next = (next + interval).max(now);
                        let text = lock(&stats).snapshot(Stamp::now()).render(format);
                        match write_snapshot(&text, &out) {
                            Ok(()) => failed = false,
                            // Said once per failing stretch, not every interval.
                            Err(e) if !failed => {
                                failed = true;
                                on_error(&e);
                            }
                            Err(_) => {}
                        }
                    }
                })
                .ok()
        };
        Ticker {
            stats,
            format,
            out,
            stop,
            thread,
        }
    }

    /// Stops the thread and writes the final snapshot.
    pub fn finish(mut self) -> io::Result<()> {
        self.stop_thread();
        let text = lock(&self.stats).snapshot(Stamp::now()).render(self.format);
        write_snapshot(&text, &self.out)
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// Reads an interval: `10s`, `500ms`, `2m`, `1h`, or a number of seconds.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not an interval (e.g. 10s, 500ms, 1m)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (ms, s, m, h)")),
    };
    if !(0.01..=86_400.0 * 7.0).contains(&secs) {
        return Err(format!("'{s}' is out of range (10ms to 7 days)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::rules::CategorySet;

    fn event(remote: &str, ts: &str, cause: Cause) -> Record {
        let mut r = Record::new("-".into(), 1, 0);
        r.categories = [Category::Pairing, Category::Close1008]
            .into_iter()
            .collect();
        r.remote = Some(remote.into());
        r.ts_utc = UtcStamp::parse(ts);
        r.cause = Some(cause);
        r
    }

    #[test]
    fn totals_count_events_categories_causes_and_distinct_values() {
        let mut s = Stats::new();
        s.observe(&event(
            "127.0.0.1",
            "2026-11-24T10:00:02Z",
            Cause::LoopbackLocalExec,
        ));
        s.observe(&event(
            "127.0.0.1",
            "2026-11-24T10:00:01Z",
            Cause::LoopbackLocalExec,
        ));
        s.observe(&event(
            "10.0.0.7",
            "2026-11-24T09:00:00Z",
            Cause::RemoteDeviceUnpaired,
        ));
        let mut context = Record::new("-".into(), 2, 0);
        context.categories = CategorySet::EMPTY;
        s.observe(&context);
        let snap = s.snapshot(Stamp {
            unix: 1_795_000_000,
            nanos: 0,
        });
        assert_eq!(snap.events, 3);
        assert_eq!(snap.distinct_remotes, 2);
        assert_eq!(
            snap.last_event.map(|t| t.to_string()).as_deref(),
            Some("2026-11-24T10:00:02Z")
        );
        let v: serde_json::Value = serde_json::from_str(&snap.to_json_line()).unwrap();
        assert_eq!(v["categories"]["pairing"], 3);
        assert_eq!(v["categories"]["token"], 0);
        assert_eq!(v["causes"]["loopback_local_exec"], 2);
        assert_eq!(v["causes"]["remote_device_unpaired"], 1);
        let prom = snap.to_prometheus();
        assert!(prom.contains("clawscan_events_total 3\n"));
        assert!(prom.contains("clawscan_cause_events_total{cause=\"loopback_local_exec\"} 2\n"));
        assert!(prom.contains("# TYPE clawscan_category_events_total counter\n"));
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_interval("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_interval("3"), Ok(Duration::from_secs(3)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("10x").is_err());
        assert!(parse_interval("").is_err());
    }

    #[test]
    fn stats_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("clawscan.prom");
        write_snapshot("a 1\n", &StatsOut::File(p.clone())).unwrap();
        write_snapshot("a 2\n", &StatsOut::File(p.clone())).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "a 2\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
