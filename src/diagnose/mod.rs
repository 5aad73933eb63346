//! Diagnosis: which root cause a log shows behind "pairing required", how sure that
//! is, and a fix that works on the user's OpenClaw version.
//!
//! The diagnosis is a [`Sink`] adapter on the one search pipeline: [`Annotate`] takes
//! each record the search hands it, files it under an incident (one failed connection,
//! one client-side error block, one standalone line), sets the record's `cause` and
//! one-line `hint`, and passes it on to the inner sink (NDJSON, counts). The
//! [`Diagnoser`] inside it accumulates the report at the same time, so a scan with
//! `--summary` and `clawscan diagnose` read the input once.
//!
//! Submodules:
//! - [`causes`]: the cause table (titles, evidence, releases that fixed each cause,
//!   fix steps per version range, the guide's snippets and what works instead);
//! - [`incident`]: facts read from lines and the decision from facts to a cause;
//! - [`correlate`]: the bounded per-connection state and the windows that group
//!   records;
//! - [`version`]: the OpenClaw version (or era) the log shows;
//! - [`report`]: the report document, its human rendering and terminal safety;
//! - [`logfiles`]: where OpenClaw writes its file logs;
//! - [`setup`]: the searcher, config and inputs a diagnosis reads (shared by
//!   `clawscan diagnose` and `clawscan report`).
//!
//! This module does not find or parse lines (that is `search` and `parse`) and never
//! reads the network; it reads the config only through `config_check`.
//!
//! **Streaming attribution.** A record's cause can depend on a later line (the close
//! after an audit line, the client error after a close). [`Annotate`] therefore holds
//! records back briefly — at most [`HOLD_RECORDS`] records or [`HOLD_BYTES`] bytes,
//! and never past a pause in the input ([`Sink::idle`]), so a live pipe is not
//! delayed — and annotates each one with what its incident shows when it leaves.
//! Evidence that arrives later than that still counts in the report but cannot change
//! a record already written.

pub mod causes;
pub mod correlate;
pub mod incident;
pub mod logfiles;
pub mod report;
pub mod setup;
pub mod version;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::io;
use std::sync::{Arc, LazyLock};

use serde::Serialize;

use crate::cause::Cause;
use crate::config_check::{CheckReport, OcVersion, Severity};
use crate::record::Record;
use crate::search::rules::{Category, CategorySet};
use crate::search::{ContextLines, Sink, WordHasher};

use causes::{Facet, Facets, FixParams};
use correlate::{Id, IdMap, Incident, Table};
use incident::{Confidence, Evidence, LineKind, MAX_EVIDENCE, Verdict};
pub use report::Diagnosis;
use version::VersionTracker;

/// Most records [`Annotate`] holds back for later evidence.
pub const HOLD_RECORDS: usize = 256;
/// Most bytes of line text [`Annotate`] holds back.
pub const HOLD_BYTES: usize = 4 << 20;
/// Most finalized annotations remembered for records still held back (and most
/// memoized annotations of live incidents). One eviction can finalize every live
/// incident at once while [`HOLD_RECORDS`] records wait, so the bound covers both.
const MAX_FINAL_CACHE: usize = correlate::MAX_LIVE + 2 * HOLD_RECORDS;

/// What a record gets from the diagnosis: its `cause` and `hint`, and whether the
/// diagnosis counts it as a problem (what the default output keeps).
pub type Annotation = (Option<Cause>, Option<Arc<str>>, bool);

/// A place in the input: `source:line`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Loc {
    /// The input's name (`-` for standard input).
    pub source: Arc<str>,
    /// 1-based line number.
    pub line: u64,
}

impl Loc {
    /// The place of a record.
    pub fn of(rec: &Record) -> Loc {
        Loc {
            source: Arc::clone(&rec.source),
            line: rec.line,
        }
    }
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.source, self.line)
    }
}

/// One kind of context line: the pattern its text matches, a literal every match
/// holds (for the anchor search), and whether a plain scan reads it too. The
/// frequent kinds (`← connect`, `webchat connected`, `[cron]` are on most lines of a
/// verbose log) are read only by `diagnose` and `--summary`: parsing them all made a
/// plain scan five times slower.
struct ContextForm {
    pattern: &'static str,
    anchor: &'static str,
    in_plain_scan: PlainScan,
}

/// What a plain scan does with a kind of context line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlainScan {
    /// Reads it as `diagnose` does.
    Reads,
    /// Reads only the client version it names: the version view (and so every
    /// hint) is then the one `diagnose` has, without correlating every connection.
    VersionOnly,
    /// Leaves it to `diagnose` and `--summary`.
    Skips,
}

const fn form(pattern: &'static str, anchor: &'static str, in_plain_scan: bool) -> ContextForm {
    ContextForm {
        pattern,
        anchor,
        in_plain_scan: if in_plain_scan {
            PlainScan::Reads
        } else {
            PlainScan::Skips
        },
    }
}

/// Version banners and hints, `← connect` (client and version), `webchat connected`,
/// the lines of a client error block, `sessions_spawn` / in-process client signs.
/// Each pattern is confined to one line.
static CONTEXT_FORMS: &[ContextForm] = &[
    form(r"OpenClaw 20[0-9][0-9]\.[0-9]", "OpenClaw 20", true),
    form("listening on ws://", "listening", true),
    form(r"ready \([0-9]+ plugins", "ready (", true),
    form("http server listening", "listening", true),
    ContextForm {
        pattern: "← connect ",
        anchor: "← connect ",
        in_plain_scan: PlainScan::VersionOnly,
    },
    form("webchat connected ", "webchat connected ", false),
    // The command a paste shows (which client ran, and where to), and the version
    // from `openclaw --version` or the troubleshooting guide's script.
    form(
        "(?:^|[$#>%] )openclaw (?:tui|logs|devices|node|cron|gateway|status|doctor|pair|dashboard|agent|message|sessions|channels|health|approvals|pairing|-V|--version)",
        "openclaw ",
        true,
    ),
    form(r"^[ \t]*Version: v?20[0-9][0-9]\.", "Version: ", true),
    form("sessions_spawn", "sessions_spawn", true),
    form(
        "client=gateway-client|client=gateway:",
        "client=gateway",
        false,
    ),
    form(r"\[cron\]", "[cron]", false),
];

/// The context lines of the chosen kinds, as the searcher takes them.
fn context_lines(plain_scan: bool) -> ContextLines {
    let forms: Vec<&ContextForm> = CONTEXT_FORMS
        .iter()
        .filter(|f| !plain_scan || f.in_plain_scan == PlainScan::Reads)
        .collect();
    let version_forms: Vec<&ContextForm> = CONTEXT_FORMS
        .iter()
        .filter(|f| plain_scan && f.in_plain_scan == PlainScan::VersionOnly)
        .collect();
    let alternatives: Vec<&str> = forms.iter().map(|f| f.pattern).collect();
    // Fixed patterns (a unit test compiles them): failing here is a bug in this file.
    #[allow(clippy::expect_used)]
    let pattern = regex::bytes::Regex::new(&alternatives.join("|")).expect("context pattern");
    let version_only = (!version_forms.is_empty()).then(|| {
        let alternatives: Vec<&str> = version_forms.iter().map(|f| f.pattern).collect();
        // Fixed patterns (a unit test compiles them).
        #[allow(clippy::expect_used)]
        regex::bytes::Regex::new(&alternatives.join("|")).expect("version-only pattern")
    });
    // Fixed patterns (a unit test compiles them).
    #[allow(clippy::expect_used)]
    let follow = crate::search::AnyOf(
        crate::search::span::FOLLOW_PATTERNS
            .iter()
            .map(|p| regex::bytes::Regex::new(p).expect("follow pattern"))
            .collect(),
    );
    ContextLines {
        pattern,
        anchors: forms.iter().map(|f| f.anchor).collect(),
        version_anchors: version_forms.iter().map(|f| f.anchor).collect(),
        follow: Some(follow),
        version_only,
    }
}

/// The context lines the diagnosis reads besides events: every kind in
/// `CONTEXT_FORMS`. Pass to [`crate::Searcher::with_context`].
pub fn context_pattern() -> ContextLines {
    static LINES: LazyLock<ContextLines> = LazyLock::new(|| context_lines(false));
    LINES.clone()
}

/// The context lines a plain scan reads for its records' `cause` and `hint`: only the
/// rare kinds (version banners and hints, client error blocks, in-process client
/// signs), a cost a plain scan can afford.
pub fn light_context_pattern() -> ContextLines {
    static LINES: LazyLock<ContextLines> = LazyLock::new(|| context_lines(true));
    LINES.clone()
}

/// What the diagnosis starts from.
#[derive(Clone, Debug, Default)]
pub struct DiagnoseOptions {
    /// `--openclaw-version`: wins over anything the log says.
    pub openclaw_version: Option<OcVersion>,
}

/// Per-cause totals of finalized incidents.
#[derive(Clone, Debug)]
struct CauseAgg {
    count: u64,
    records: u64,
    first: Option<(u64, Loc)>,
    last: Option<(u64, Loc)>,
    example: Option<(u8, Loc, String)>,
    confidence: Confidence,
    evidence: Vec<Evidence>,
    facets: Facets,
    params: FixParams,
    request_ids: Vec<String>,
    subs: Vec<&'static str>,
    notes: Vec<&'static str>,
    alternatives: Vec<Cause>,
    tell_apart: Option<&'static str>,
}

impl CauseAgg {
    fn new() -> CauseAgg {
        CauseAgg {
            count: 0,
            records: 0,
            first: None,
            last: None,
            example: None,
            confidence: Confidence::Low,
            evidence: Vec::new(),
            facets: Facets::default(),
            params: FixParams::default(),
            request_ids: Vec::new(),
            subs: Vec::new(),
            notes: Vec::new(),
            alternatives: Vec::new(),
            tell_apart: None,
        }
    }

    fn add(&mut self, inc: &Incident, v: &Verdict) {
        self.count += 1;
        self.records += inc.records;
        if self.first.as_ref().is_none_or(|(s, _)| inc.first_seq < *s) {
            self.first = Some((inc.first_seq, inc.first.clone()));
        }
        if self.last.as_ref().is_none_or(|(s, _)| inc.last_seq > *s) {
            self.last = Some((inc.last_seq, inc.last.clone()));
        }
        // The example comes from the most confident incident, then the first one.
        let better = self.example.is_none() || v.confidence > self.confidence;
        if better && let Some(e) = &inc.example {
            self.example = Some(e.clone());
        }
        // The alternatives of the most confident occurrence: a sure occurrence
        // closes what an unsure one left open.
        if v.confidence > self.confidence || self.count == 1 {
            self.alternatives = v.alternatives.to_vec();
            self.tell_apart = v.tell_apart;
        } else if v.confidence == self.confidence {
            for c in v.alternatives {
                if !self.alternatives.contains(c) {
                    self.alternatives.push(*c);
                }
            }
            self.tell_apart = self.tell_apart.or(v.tell_apart);
        }
        self.confidence = self.confidence.max(v.confidence);
        for e in &inc.facts.evidence {
            if self.evidence.len() < MAX_EVIDENCE && !self.evidence.iter().any(|x| x.what == e.what)
            {
                self.evidence.push(e.clone());
            }
        }
        self.facets = self.facets.union(inc.facts.fix_facets());
        let f = &inc.facts;
        if let Some(id) = &f.request_id {
            self.request_ids.retain(|r| r != id);
            self.request_ids.push(id.clone());
            if self.request_ids.len() > 5 {
                self.request_ids.remove(0);
            }
            self.params.request_id = Some(id.clone());
        } else if let Some(s) = &f.request_short
            && self.params.request_id.is_none()
        {
            self.params.request_short = Some(s.clone());
        }
        for (slot, val) in [
            (&mut self.params.device, &f.device),
            (&mut self.params.channel, &f.channel),
            (&mut self.params.sender, &f.sender),
            (&mut self.params.code, &f.code),
        ] {
            if val.is_some() {
                slot.clone_from(val);
            }
        }
        if let Some(s) = f.sub_name()
            && !self.subs.contains(&s)
        {
            self.subs.push(s);
        }
        if let Some(n) = v.note
            && !self.notes.contains(&n)
            && self.notes.len() < 4
        {
            self.notes.push(n);
        }
    }
}

/// Totals of events that are not problems.
#[derive(Clone, Debug)]
struct NoteAgg {
    cause: Option<Cause>,
    what: &'static str,
    count: u64,
    first: Loc,
    example: Option<String>,
}

/// Everything aggregated so far.
#[derive(Clone, Debug, Default)]
struct Aggregates {
    causes: BTreeMap<Cause, CauseAgg>,
    benign: Vec<NoteAgg>,
    unexplained: Vec<NoteAgg>,
    supporting: Vec<(Cause, NoteAgg, Vec<Evidence>)>,
}

impl Aggregates {
    fn add(&mut self, inc: &Incident, v: &Verdict) {
        if inc.records == 0 {
            // Context lines only (a `← connect` of a healthy connection).
            return;
        }
        match (v.cause, v.problem) {
            (Some(c), true) => self
                .causes
                .entry(c)
                .or_insert_with(CauseAgg::new)
                .add(inc, v),
            (None, _) => {
                note_add(
                    &mut self.benign,
                    None,
                    v.note.unwrap_or("a benign event"),
                    inc,
                );
            }
            (Some(c), false) if v.note.is_some() && c != Cause::Unknown => {
                let what = v.note.unwrap_or("supporting evidence");
                match self
                    .supporting
                    .iter()
                    .position(|(sc, n, _)| *sc == c && n.what == what)
                {
                    Some(i) => {
                        if let Some((_, n, _)) = self.supporting.get_mut(i) {
                            n.count += 1;
                        }
                    }
                    None if self.supporting.len() < 16 => self.supporting.push((
                        c,
                        NoteAgg {
                            cause: Some(c),
                            what,
                            count: 1,
                            first: inc.first.clone(),
                            example: inc.example.as_ref().map(|e| e.2.clone()),
                        },
                        inc.facts.evidence.clone(),
                    )),
                    None => {}
                }
            }
            (Some(c), false) => {
                let what = v.note.unwrap_or("an event that does not settle a cause");
                note_add(&mut self.unexplained, Some(c), what, inc);
            }
        }
    }
}

fn note_add(list: &mut Vec<NoteAgg>, cause: Option<Cause>, what: &'static str, inc: &Incident) {
    match list.iter().position(|n| n.what == what) {
        Some(i) => {
            if let Some(n) = list.get_mut(i) {
                n.count += 1;
            }
        }
        None if list.len() < 32 => list.push(NoteAgg {
            cause,
            what,
            count: 1,
            first: inc.first.clone(),
            example: inc.example.as_ref().map(|e| e.2.clone()),
        }),
        None => {}
    }
}

/// The diagnosis state: correlation, version, and the report so far.
///
/// Memory is bounded however long the input: the correlation table keeps at most
/// [`correlate::MAX_LIVE`] incidents, the report keeps totals per cause and a few
/// examples.
#[derive(Debug)]
pub struct Diagnoser {
    table: Table,
    version: VersionTracker,
    seq: u64,
    events: u64,
    locality_seen: bool,
    agg: Aggregates,
    final_cache: IdMap<Annotation>,
    final_order: VecDeque<Id>,
    /// Annotations of live incidents, valid while their revision and the version
    /// view are unchanged, or while what the hint is built from is (a failure's
    /// lines share one). Boxed, as the table's incidents are: a `Memo` is most of a
    /// kilobyte, and a map's slots stay allocated at its peak, filled or not.
    memo: IdMap<Box<Memo>>,
    /// The hints built so far (shared by incidents that show the same).
    hints: Hints,
    inputs: Vec<String>,
    config: Option<CheckReport>,
}

impl Diagnoser {
    /// A fresh diagnosis.
    pub fn new(opts: &DiagnoseOptions) -> Diagnoser {
        Diagnoser {
            table: Table::new(),
            version: VersionTracker::new(opts.openclaw_version),
            seq: 0,
            events: 0,
            locality_seen: false,
            agg: Aggregates::default(),
            final_cache: IdMap::default(),
            final_order: VecDeque::new(),
            memo: IdMap::default(),
            hints: Hints::default(),
            inputs: Vec::new(),
            config: None,
        }
    }

    /// What `openclaw --version` answered on this machine (see
    /// [`version::VersionTracker::set_installed_version`]).
    pub fn set_installed_version(&mut self, answer: &str) {
        self.version.set_installed_version(answer);
    }

    /// Reads only the version a record names (see [`Record::version_only`]): no
    /// incident, no count.
    pub fn observe_version(&mut self, rec: &Record) {
        self.version.observe(rec);
    }

    /// Reads one record (event or context line). Returns the incident it was filed
    /// under, for [`Diagnoser::annotation`].
    pub fn observe(&mut self, rec: &Record) -> Option<Id> {
        self.seq += 1;
        if !rec.categories.is_empty() {
            self.events += 1;
        }
        if self.inputs.last().is_none_or(|s| **s != *rec.source) && self.inputs.len() < 64 {
            let name = rec.source.to_string();
            if !self.inputs.contains(&name) {
                self.inputs.push(name);
            }
        }
        self.version.observe(rec);
        let kind = rec.facts().kind();
        if kind == LineKind::Locality {
            self.locality_seen = true;
        }
        let id = self.table.file(rec, kind, self.seq, self.locality_seen);
        let view = self.version.view();
        for inc in self.table.evict(self.seq) {
            self.finalize(inc, &view);
        }
        id
    }

    fn finalize(&mut self, inc: Incident, view: &version::VersionView) {
        self.memo.remove(&inc.id);
        let v = inc.facts.verdict(view);
        let ann = self.hints.annotation(&HintKey::of(&inc, &v, view));
        self.final_cache.insert(inc.id, ann);
        self.final_order.push_back(inc.id);
        while self.final_order.len() > MAX_FINAL_CACHE {
            if let Some(old) = self.final_order.pop_front() {
                self.final_cache.remove(&old);
            }
        }
        self.agg.add(&inc, &v);
    }

    /// The cause and hint of an incident as the evidence stands now.
    pub fn annotation(&mut self, id: Id) -> Annotation {
        let id = self.table.resolve(id);
        if let Some(inc) = self.table.get(id) {
            let view = self.version.view();
            let memo = self.memo.get_mut(&id);
            if let Some(m) = &memo
                && m.rev == inc.rev
                && m.view == view
            {
                return m.ann.clone();
            }
            let v = inc.facts.verdict(&view);
            // A new line of the failure seldom changes what its hint is built from.
            if let Some(m) = memo
                && m.key.matches(inc, &v, &view)
            {
                m.rev = inc.rev;
                m.view = view;
                return m.ann.clone();
            }
            let key = HintKey::of(inc, &v, &view);
            let ann = self.hints.annotation(&key);
            if self.memo.len() >= MAX_FINAL_CACHE {
                self.memo.clear();
            }
            self.memo.insert(
                id,
                Box::new(Memo {
                    rev: inc.rev,
                    view,
                    key,
                    ann: ann.clone(),
                }),
            );
            return ann;
        }
        self.final_cache
            .get(&id)
            .cloned()
            .unwrap_or((Some(Cause::Unknown), None, false))
    }

    /// Adds what the config check found (and the config's version).
    pub fn add_config(&mut self, report: CheckReport) {
        for f in &report.files {
            if let Some(v) = &f.last_touched_version {
                self.version.set_config_version(v, &f.path);
            }
        }
        self.config = Some(report);
    }

    /// Incidents kept now (bounded by [`correlate::MAX_LIVE`]).
    pub fn live_incidents(&self) -> usize {
        self.table.live()
    }

    /// Connection keys kept now.
    pub fn live_connections(&self) -> usize {
        self.table.live_connections()
    }

    /// Event records seen.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The report as the evidence stands now (the state is unchanged, so a Ctrl-C
    /// summary can be printed mid-stream).
    pub fn report(&self) -> Diagnosis {
        let view = self.version.view();
        let mut agg = self.agg.clone();
        let mut live: Vec<&Incident> = self.table.iter().collect();
        live.sort_by_key(|i| i.first_seq);
        for inc in live {
            let v = inc.facts.verdict(&view);
            agg.add(inc, &v);
        }
        report::build(
            &agg_view(&agg),
            &view,
            self.version.report(),
            &self.inputs,
            self.events,
            self.config.as_ref(),
        )
    }
}

/// What [`report::build`] reads from the aggregates.
pub(crate) struct AggView<'a> {
    pub(crate) causes: Vec<(Cause, AggCause<'a>)>,
    pub(crate) benign: Vec<report::NoteReport>,
    pub(crate) unexplained: Vec<report::NoteReport>,
    pub(crate) supporting: Vec<(Cause, report::NoteReport, &'a [Evidence])>,
}

/// One cause's totals, borrowed for the report.
pub(crate) struct AggCause<'a> {
    pub(crate) count: u64,
    pub(crate) records: u64,
    pub(crate) first: Option<&'a Loc>,
    pub(crate) last: Option<&'a Loc>,
    pub(crate) example: Option<(&'a Loc, &'a str)>,
    pub(crate) confidence: Confidence,
    pub(crate) evidence: &'a [Evidence],
    pub(crate) facets: Facets,
    pub(crate) params: &'a FixParams,
    pub(crate) request_ids: &'a [String],
    pub(crate) subs: &'a [&'static str],
    pub(crate) notes: &'a [&'static str],
    pub(crate) alternatives: &'a [Cause],
    pub(crate) tell_apart: Option<&'static str>,
}

fn note_report(n: &NoteAgg) -> report::NoteReport {
    report::NoteReport {
        cause: n.cause,
        what: n.what,
        count: n.count,
        first: n.first.clone(),
        example: n.example.clone(),
    }
}

fn agg_view(agg: &Aggregates) -> AggView<'_> {
    AggView {
        causes: agg
            .causes
            .iter()
            .map(|(c, a)| {
                (
                    *c,
                    AggCause {
                        count: a.count,
                        records: a.records,
                        first: a.first.as_ref().map(|(_, l)| l),
                        last: a.last.as_ref().map(|(_, l)| l),
                        example: a.example.as_ref().map(|(_, l, t)| (l, t.as_str())),
                        confidence: a.confidence,
                        evidence: &a.evidence,
                        facets: a.facets,
                        params: &a.params,
                        request_ids: &a.request_ids,
                        subs: &a.subs,
                        notes: &a.notes,
                        alternatives: &a.alternatives,
                        tell_apart: a.tell_apart,
                    },
                )
            })
            .collect(),
        benign: agg.benign.iter().map(note_report).collect(),
        unexplained: agg.unexplained.iter().map(note_report).collect(),
        supporting: agg
            .supporting
            .iter()
            .map(|(c, n, e)| (*c, note_report(n), e.as_slice()))
            .collect(),
    }
}

/// A live incident's annotation, and what it was built from.
#[derive(Debug)]
struct Memo {
    rev: u64,
    view: version::VersionView,
    key: HintKey,
    ann: Annotation,
}

/// Most distinct hints [`Hints`] keeps: a log shows a handful of causes, versions and
/// request ids, so the bound is reached only by a stream of ever new ids.
const MAX_HINTS: usize = 1024;

/// Everything a record's hint is built from. Every line of a failure, and every
/// repeat of the same failure, has the same: the hint is built once per key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct HintKey {
    cause: Option<Cause>,
    /// A problem with a cause: the fix steps speak (else a note does).
    problem: bool,
    note: Option<&'static str>,
    /// The fix steps' inputs; left default when no step is asked for.
    facets: Facets,
    view: version::VersionView,
    params: FixParams,
}

impl HintKey {
    fn of(inc: &Incident, v: &Verdict, view: &version::VersionView) -> HintKey {
        let problem = v.problem && v.cause.is_some();
        let (facets, view, params) = if problem {
            let f = &inc.facts;
            let params = FixParams {
                request_id: f.request_id.clone(),
                request_short: f.request_short.clone(),
                device: f.device.clone(),
                channel: f.channel.clone(),
                sender: f.sender.clone(),
                code: f.code.clone(),
            };
            (f.fix_facets(), *view, params)
        } else {
            Default::default()
        };
        HintKey {
            cause: v.cause,
            problem,
            note: v.note,
            facets,
            view,
            params,
        }
    }

    /// Whether [`HintKey::of`] would give this key (compared in place: no value is
    /// copied for a key that is not needed).
    fn matches(&self, inc: &Incident, v: &Verdict, view: &version::VersionView) -> bool {
        let problem = v.problem && v.cause.is_some();
        if self.cause != v.cause || self.problem != problem || self.note != v.note {
            return false;
        }
        if !problem {
            return true;
        }
        let f = &inc.facts;
        let p = &self.params;
        self.facets == f.fix_facets()
            && self.view == *view
            && p.request_id == f.request_id
            && p.request_short == f.request_short
            && p.device == f.device
            && p.channel == f.channel
            && p.sender == f.sender
            && p.code == f.code
    }

    /// The one-line hint: the first fix step (a problem), or what the event is.
    fn hint(&self) -> String {
        match (self.cause, self.problem) {
            (Some(c), true) => {
                let steps = causes::first_fix_steps(c, self.facets, &self.view, &self.params, 1);
                match (self.note, steps.into_iter().next()) {
                    (Some(n), Some(s)) if c == Cause::Unknown => format!("{n}. {s}"),
                    (_, Some(s)) => s,
                    (Some(n), None) => n.to_string(),
                    (None, None) => causes::row(c).title.to_string(),
                }
            }
            (None, _) => format!("not a problem: {}", self.note.unwrap_or("a benign event")),
            (Some(_), false) => match self.note {
                Some(n) => format!("not a failure by itself: {n}"),
                None => "not a failure by itself".to_string(),
            },
        }
    }
}

/// The hints built so far, by what they were built from: filling a fix step's
/// placeholders was most of the cost of annotating a record (issue 21).
#[derive(Debug, Default)]
struct Hints(HashMap<HintKey, Arc<str>, BuildHasherDefault<WordHasher>>);

impl Hints {
    /// The record annotation for what a verdict shows: its cause, a one-line hint, and
    /// whether it is a problem.
    fn annotation(&mut self, key: &HintKey) -> Annotation {
        let hint = match self.0.get(key) {
            Some(h) => h.clone(),
            None => {
                let h: Arc<str> = key.hint().into();
                if self.0.len() >= MAX_HINTS {
                    self.0.clear();
                }
                self.0.insert(key.clone(), h.clone());
                h
            }
        };
        (key.cause, Some(hint), key.problem)
    }
}

/// Which records an [`Annotate`] passes on (the rest are context it reads only).
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    /// `--all`: every line.
    pub all_lines: bool,
    /// The user's `--category` selection.
    pub categories: CategorySet,
    /// Pass on `handshake`-only events that the diagnosis does not tie to a problem
    /// (a normal close, a transport loss, a browser's `4008 connect failed` with
    /// nothing on its connection): asked for with `--category handshake` or `--all`.
    pub handshake_noise: bool,
}

impl Default for Shown {
    fn default() -> Self {
        Shown {
            all_lines: false,
            categories: CategorySet::all(),
            handshake_noise: false,
        }
    }
}

impl Shown {
    /// What a scan passes on for `--all` and `--category LIST` (empty: the default).
    pub fn for_scan(all_lines: bool, categories: &[Category]) -> Shown {
        Shown {
            all_lines,
            categories: if categories.is_empty() {
                CategorySet::all()
            } else {
                categories.iter().copied().collect()
            },
            handshake_noise: all_lines || categories.contains(&Category::Handshake),
        }
    }

    /// Passes nothing on: the diagnosis reads, nobody prints records
    /// (`clawscan diagnose`).
    pub fn nothing() -> Shown {
        Shown {
            all_lines: false,
            categories: CategorySet::EMPTY,
            handshake_noise: false,
        }
    }

    fn wants(&self, rec: &Record) -> bool {
        self.all_lines || rec.categories.intersects(self.categories)
    }

    /// Whether an annotated event is noise the default output leaves out.
    fn is_noise(&self, rec: &Record, problem: bool) -> bool {
        !self.handshake_noise
            && !problem
            && !rec.categories.is_empty()
            && rec.categories.iter().all(|c| c == Category::Handshake)
    }
}

/// A [`Sink`] adapter that diagnoses as records pass: it sets each event record's
/// `cause` and `hint` and hands it to the inner sink, holding records back briefly
/// (see the module docs) so that later lines of the same failure count.
#[derive(Debug)]
pub struct Annotate<S: Sink> {
    inner: S,
    diag: Diagnoser,
    /// The last record, not yet read: the next one may continue its event
    /// (see [`crate::search::span`]).
    span: Option<Record>,
    pending: VecDeque<(Record, Option<Id>)>,
    pending_bytes: usize,
    shown: Shown,
    forwarded: u64,
    stopped: bool,
}

impl<S: Sink> Annotate<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, diag: Diagnoser, shown: Shown) -> Annotate<S> {
        Annotate {
            inner,
            diag,
            span: None,
            pending: VecDeque::new(),
            pending_bytes: 0,
            shown,
            forwarded: 0,
            stopped: false,
        }
    }

    /// The diagnosis so far.
    pub fn diagnoser(&self) -> &Diagnoser {
        &self.diag
    }

    /// The diagnosis, to add config findings.
    pub fn diagnoser_mut(&mut self) -> &mut Diagnoser {
        &mut self.diag
    }

    /// Records passed on so far.
    pub fn forwarded(&self) -> u64 {
        self.forwarded
    }

    /// Records held back now.
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    /// The inner sink.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Passes on every held record (end of input, a pause, Ctrl-C).
    pub fn flush_held(&mut self) -> io::Result<()> {
        if let Some(head) = self.span.take() {
            self.read(head)?;
        }
        while !self.pending.is_empty() {
            self.forward_one()?;
        }
        Ok(())
    }

    /// Passes on what is held and returns the inner sink and the diagnosis.
    pub fn finish(mut self) -> io::Result<(S, Diagnoser)> {
        self.flush_held()?;
        Ok(self.into_parts())
    }

    /// The inner sink and the diagnosis, as they are (records still held are
    /// dropped: call [`Annotate::flush_held`] first).
    pub fn into_parts(self) -> (S, Diagnoser) {
        (self.inner, self.diag)
    }

    /// Takes the next record: joined to the event above it when it continues it,
    /// else that event is read and this record waits in its place.
    fn take(&mut self, rec: Record) -> io::Result<()> {
        if rec.version_only {
            // In stream order: the event above it first.
            if let Some(head) = self.span.take() {
                self.read(head)?;
            }
            self.diag.observe_version(&rec);
            return Ok(());
        }
        if rec.speculative
            && !self
                .span
                .as_ref()
                .is_some_and(|p| *p.source == *rec.source && p.last_line() + 1 == rec.line)
        {
            // A chunk's first line, handed over in case the line above (in the chunk
            // before) had been: it was not, so a stream would not have seen it.
            return Ok(());
        }
        if let Some(head) = self.span.as_mut()
            && crate::search::span::continues(head, &rec)
        {
            crate::search::span::absorb(head, rec);
            return Ok(());
        }
        if let Some(head) = self.span.replace(rec) {
            self.read(head)?;
        }
        Ok(())
    }

    /// Reads a whole event (or context line) into the diagnosis and holds it back
    /// for the output.
    fn read(&mut self, rec: Record) -> io::Result<()> {
        let id = self.diag.observe(&rec);
        if self.shown.wants(&rec) && !self.stopped {
            self.hold(rec, id)?;
        }
        Ok(())
    }

    /// Keeps a record back for later evidence, passing on the oldest beyond the bound.
    fn hold(&mut self, rec: Record, id: Option<Id>) -> io::Result<()> {
        self.pending_bytes += rec.text.len();
        self.pending.push_back((rec, id));
        while self.pending.len() > HOLD_RECORDS || self.pending_bytes > HOLD_BYTES {
            self.forward_one()?;
        }
        Ok(())
    }

    fn forward_one(&mut self) -> io::Result<()> {
        let Some((mut rec, id)) = self.pending.pop_front() else {
            return Ok(());
        };
        self.pending_bytes = self.pending_bytes.saturating_sub(rec.text.len());
        if self.stopped {
            return Ok(());
        }
        if let Some(id) = id
            && !rec.categories.is_empty()
        {
            let (cause, hint, problem) = self.diag.annotation(id);
            if self.shown.is_noise(&rec, problem) {
                return Ok(());
            }
            rec.cause = cause;
            rec.hint = hint;
        }
        self.forwarded += 1;
        if !self.inner.record(&rec)? {
            self.stopped = true;
        }
        Ok(())
    }
}

impl<S: Sink> Sink for Annotate<S> {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.take(rec.clone())?;
        Ok(!self.stopped)
    }

    fn record_owned(&mut self, rec: Record) -> io::Result<bool> {
        self.take(rec)?;
        Ok(!self.stopped)
    }

    fn idle(&mut self) -> io::Result<bool> {
        self.flush_held()?;
        Ok(self.inner.idle()? && !self.stopped)
    }
}

/// The config-check findings that bear on a cause, with the facets they add.
pub(crate) fn config_facets(report: &CheckReport) -> Vec<(Cause, Facets, usize)> {
    let mut out: Vec<(Cause, Facets, usize)> = Vec::new();
    for (i, f) in report.findings.iter().enumerate() {
        if f.severity == Severity::Note {
            continue;
        }
        let mut facets = Facets::default();
        match f.key.as_deref() {
            Some("localExec") => facets.insert(Facet::GuideLocalExec),
            Some("subagents") => facets.insert(Facet::GuideSubagents),
            Some("allowedUsers") => facets.insert(Facet::GuideAllowedUsers),
            _ => {}
        }
        if f.path.ends_with("gateway.bind") && f.guide.is_some() {
            facets.insert(Facet::GuideBind);
        }
        if f.cause == Cause::ExecApprovalsInvalid {
            facets.insert(if f.code == "legacy_file_present" {
                Facet::ExecLegacy
            } else {
                Facet::ExecPolicy
            });
        }
        out.push((f.cause, facets, i));
    }
    out
}

#[cfg(test)]
mod tests;
