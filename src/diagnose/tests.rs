//! Unit tests of the diagnosis through the real search: records go through
//! `Searcher` → `Annotate` → `CollectSink`, as in the CLI.

use std::sync::Arc;

use super::*;
use crate::print::CollectSink;
use crate::{SearchConfig, Searcher};

fn run(log: &str) -> (Vec<Record>, Diagnosis) {
    run_with(log, Shown::default())
}

/// [`run`], passing on to the collector what `forward` selects.
fn run_with(log: &str, shown: Shown) -> (Vec<Record>, Diagnosis) {
    let searcher = Searcher::new(SearchConfig::default())
        .unwrap()
        .with_context(context_pattern())
        .unwrap();
    let mut sink = Annotate::new(
        CollectSink::default(),
        Diagnoser::new(&DiagnoseOptions::default()),
        shown,
    );
    let source: Arc<str> = Arc::from("t.log");
    searcher
        .search_reader(log.as_bytes(), &source, &mut sink)
        .unwrap();
    let (inner, diag) = sink.finish().unwrap();
    (inner.0, diag.report())
}

#[test]
fn context_pattern_compiles_and_stays_on_one_line() {
    for cx in [context_pattern(), light_context_pattern()] {
        let re = &cx.pattern;
        assert!(re.is_match(b"OpenClaw 2026.4.1 (da64a97)"));
        let follow = cx.follow.as_ref().unwrap();
        assert!(follow.is_match(b"Source: local loopback"));
        assert!(follow.is_match(b"  scopesTo: operator.write"));
        assert!(!follow.is_match(b"10:30:12 [ws] webchat connected conn=c"));
        assert!(!re.is_match(b"\n"));
        assert!(!re.is_match(b"author=mia"));
        // The search looks for the anchors only: every match must hold one, and a
        // line is asked a pattern only if it holds one of that pattern's anchors.
        let version = cx.version_only.iter().map(|v| (v, &cx.version_anchors));
        for (re, anchors) in std::iter::once((re, &cx.anchors)).chain(version) {
            let hir = regex_syntax::Parser::new().parse(re.as_str()).unwrap();
            assert!(
                crate::search::rules::covered(&hir, anchors),
                "{anchors:?} does not cover {}",
                re.as_str()
            );
        }
    }
}

#[test]
fn audit_then_close_then_client_block_is_one_incident() {
    let log = "\
2026-04-01T09:14:09.501+02:00 [ws] ← open remoteAddr=127.0.0.1 conn=5f0c91aa…77d2
2026-04-01T09:14:09.506+02:00 [gateway] security audit: device access upgrade requested reason=role-upgrade device=9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70 ip=unknown-ip auth=token roleFrom=<none> roleTo=node scopesFrom=<none> scopesTo=<none> client=node-host conn=5f0c91aa-3e4b-4d1c-a7f0-0c2b9e8d77d2
2026-04-01T09:14:09.512+02:00 [ws] closed before connect conn=5f0c91aa-3e4b-4d1c-a7f0-0c2b9e8d77d2 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=pairing required
2026-04-01T09:14:09.512+02:00 [ws] → close code=1008 reason=pairing required durationMs=11 cause=pairing-required handshake=failed conn=5f0c91aa…77d2
2026-04-01T09:14:09.530+02:00 node host gateway closed (1008): pairing required
2026-04-01T09:14:09.531+02:00 Gateway target: ws://127.0.0.1:18789
2026-04-01T09:14:09.531+02:00 Source: local loopback
";
    let (recs, report) = run(log);
    // Context lines (← open, Gateway target, Source) are read, not passed on.
    assert_eq!(recs.len(), 4);
    for r in &recs {
        assert_eq!(r.cause, Some(Cause::LoopbackLocalExec), "{}", r.text);
        assert!(r.hint.is_some());
    }
    assert_eq!(report.causes.len(), 1);
    let c = &report.causes[0];
    assert_eq!(c.cause, Cause::LoopbackLocalExec);
    assert_eq!(c.count, 1);
    assert_eq!(c.records, 4);
    assert_eq!(c.confidence, Confidence::High);
    // The first event line, not the `← open` before it.
    assert_eq!(c.first.as_ref().map(|l| l.line), Some(2));
}

#[test]
fn lines_pasted_apart_join_by_request_id_but_retries_stay_apart() {
    // An audit line and, further down, the tool result quoting the same request:
    // one failure, read with the audit's client and address.
    let log = "\
[gateway] security audit: device access upgrade requested reason=scope-upgrade device=ab ip=unknown-ip auth=token roleFrom=operator roleTo=operator scopesFrom=operator.read scopesTo=operator.admin client=gateway-client requestId=7d1e4b2a-1111-4222-8333-944455556666
[agent] thinking
[agent] still thinking
[tools] sessions_spawn failed: gateway closed (1008): pairing required: device is asking for more scopes than currently approved (requestId: 7d1e4b2a-1111-4222-8333-944455556666)
";
    let (_, report) = run(log);
    assert_eq!(report.causes.len(), 1);
    let c = &report.causes[0];
    assert_eq!(c.cause, Cause::SubagentScopeUpgrade);
    assert_eq!((c.count, c.records), (1, 2));
    assert_eq!(c.confidence, Confidence::High);
    // The same pending request refused on two connections: a client retrying, two
    // occurrences.
    let log = "\
[ws] closed before connect conn=c1 remote=10.0.0.7 code=1008 reason=pairing required: device is not approved yet (requestId: 0a1b2c3d-1111-4222-8333-944455556666)
[ws] closed before connect conn=c2 remote=10.0.0.7 code=1008 reason=pairing required: device is not approved yet (requestId: 0a1b2c3d-1111-4222-8333-944455556666)
";
    let (_, report) = run(log);
    assert_eq!(report.causes.len(), 1);
    assert_eq!(report.causes[0].count, 2);
}

#[test]
fn client_error_before_the_close_still_joins() {
    let log = "\
gateway connect failed: GatewayClientRequestError: pairing required
[gateway] security audit: device access upgrade requested reason=scope-upgrade device=ab ip=unknown-ip auth=token roleFrom=operator roleTo=operator scopesFrom=operator.read scopesTo=operator.admin client=gateway-client conn=c9
[ws] closed before connect conn=c9 remote=127.0.0.1 code=1008 reason=pairing required
";
    let (recs, report) = run(log);
    assert_eq!(report.causes.len(), 1);
    assert_eq!(report.causes[0].cause, Cause::SubagentScopeUpgrade);
    assert_eq!(report.causes[0].count, 1);
    assert!(
        recs.iter()
            .all(|r| r.cause == Some(Cause::SubagentScopeUpgrade))
    );
}

#[test]
fn per_connection_state_stays_bounded() {
    let mut diag = Diagnoser::new(&DiagnoseOptions::default());
    let parser = crate::search::parse::Parser::new();
    let rules = crate::search::rules::Rules::new().unwrap();
    let mut max_live = 0;
    for i in 0..50_000u64 {
        let line = format!(
            "[ws] closed before connect conn={:08x}-0000-4000-8000-{:012x} remote=10.0.{}.{} code=1008 reason=pairing required",
            i,
            i,
            i % 250,
            i % 200
        );
        let mut r = Record::new(Arc::from("t"), i + 1, 0);
        parser.parse_into(line.as_bytes(), line.as_bytes(), &mut r);
        r.categories = rules.classify(line.as_bytes()).categories;
        diag.observe(&r);
        max_live = max_live.max(diag.live_incidents());
    }
    assert!(max_live <= correlate::MAX_LIVE + 1, "{max_live}");
    assert!(diag.live_connections() <= correlate::MAX_LIVE + 1);
    let report = diag.report();
    assert_eq!(report.causes[0].cause, Cause::RemoteDeviceUnpaired);
    assert_eq!(report.causes[0].count, 50_000);
}

#[test]
fn held_records_are_bounded_and_flushed_on_idle() {
    let mut sink = Annotate::new(
        CollectSink::default(),
        Diagnoser::new(&DiagnoseOptions::default()),
        Shown::default(),
    );
    let parser = crate::search::parse::Parser::new();
    for i in 0..1000u64 {
        let line =
            "[ws] closed before connect conn=x remote=10.0.0.1 code=1008 reason=pairing required";
        let mut r = Record::new(Arc::from("t"), i + 1, 0);
        parser.parse_into(line.as_bytes(), line.as_bytes(), &mut r);
        r.categories.insert(crate::Category::Pairing);
        sink.record(&r).unwrap();
        assert!(sink.held() <= HOLD_RECORDS);
    }
    sink.idle().unwrap();
    assert_eq!(sink.held(), 0);
    assert_eq!(sink.inner_mut().0.len(), 1000);
}

#[test]
fn category_filter_applies_after_the_diagnosis() {
    let log = "\
[ws] unauthorized conn=c1 remote=10.0.0.2 client=cli cli v2026.4.12 reason=token_mismatch
[ws] closed before connect conn=c2 remote=10.0.0.3 code=1008 reason=pairing required
";
    let (records, report) = run_with(log, Shown::for_scan(false, &[crate::Category::Token]));
    assert_eq!(records.len(), 1);
    // The diagnosis still saw both.
    assert_eq!(report.causes.len(), 2);
}

#[test]
fn decoys_are_nothing_to_fix() {
    let log = "\
[gateway] device pairing auto-approved device=3b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c role=operator
[ws] ← connect client=cli version=2026.4.12 auth=token conn=abc
[agent/embedded] run started author=mia
[ws] closed before connect conn=d1 remote=192.168.1.30 fwd=n/a origin=http://192.168.1.10:18789 host=192.168.1.10:18789 ua=Mozilla/5.0 code=4008 reason=connect failed
[ws] closed before connect conn=d2 remote=127.0.0.1 code=1006 reason=n/a
";
    let (_, report) = run(log);
    assert_eq!(
        report.outcome,
        report::Conclusion::NothingToFix,
        "{report:#?}"
    );
}

#[test]
fn hostile_text_is_escaped_in_the_human_report() {
    let log = "[ws] closed before connect conn=e1 remote=10.0.0.9 ua=\x1b]0;owned\x07 code=1008 reason=pairing required\n";
    let (_, report) = run(log);
    let text = report::render_text(&report, false);
    assert!(!text.contains('\x1b'));
    assert!(!text.contains('\x07'));
}

/// The multi-line events of the spans test, as a user pastes them.
const SPANS: &str = "\
$ openclaw devices list
gateway connect failed: GatewayClientRequestError: pairing required
[openclaw] Failed to start CLI: Error: gateway closed (1008): pairing required
Gateway target: ws://127.0.0.1:18789
Source: local loopback
Config: /home/mia/.openclaw/openclaw.json
Bind: loopback
2026-07-02T10:30:12.404+02:00 [ws] closed before connect conn=320d827d-a7c1-41b1-9e08-29e57102324c remote=192.168.1.40 fwd=n/a ua=Mozilla/5.0 (X11; Linux
x86_64) code=1008 reason=pairing required phase=auth_validated
[gateway] security audit: device access upgrade requested
  reason: scope-upgrade
  ip: unknown-ip
  scopesTo: operator.admin
  client: gateway-client
unauthorized: gateway token mismatch
  (set gateway.remote.token to match gateway.auth.token)
";

/// A diagnosis passing the default selection on to a collector.
fn collector() -> Annotate<CollectSink> {
    Annotate::new(
        CollectSink::default(),
        Diagnoser::new(&DiagnoseOptions::default()),
        Shown::default(),
    )
}

/// The same text through a stream read in pieces of `read_size` bytes.
fn run_pieces(log: &str, read_size: usize) -> Vec<Record> {
    let searcher = Searcher::new(SearchConfig {
        read_size,
        ..SearchConfig::default()
    })
    .unwrap()
    .with_context(light_context_pattern())
    .unwrap();
    let mut sink = collector();
    let source: Arc<str> = Arc::from("t.log");
    searcher
        .search_reader(log.as_bytes(), &source, &mut sink)
        .unwrap();
    sink.finish().unwrap().0.0
}

#[test]
fn multi_line_events_are_one_record_each() {
    let records = run_pieces(SPANS, 256 * 1024);
    let spans: Vec<(u64, Option<u64>)> = records.iter().map(|r| (r.line, r.end_line)).collect();
    assert_eq!(
        spans,
        [
            (2, None),
            (3, Some(7)),
            (8, Some(9)),
            (10, Some(14)),
            (15, Some(16))
        ]
    );
    assert_eq!(records[1].cause, Some(Cause::LoopbackLocalExec));
    assert_eq!(records[2].code, Some(1008));
    assert_eq!(records[2].phase.as_deref(), Some("auth_validated"));
    assert_eq!(records[2].cause, Some(Cause::RemoteDeviceUnpaired));
    assert_eq!(records[3].kv.get("scopesTo"), Some("operator.admin"));
    assert_eq!(records[4].cause, Some(Cause::TokenMismatch));
}

proptest::proptest! {
    /// However the input is cut into reads, the events and their spans are the same.
    #[test]
    fn spans_do_not_depend_on_read_size(read_size in 1usize..600) {
        let want = run_pieces(SPANS, 256 * 1024);
        let got = run_pieces(SPANS, read_size);
        proptest::prop_assert_eq!(got, want);
    }
}

#[test]
fn handshake_noise_is_left_out_unless_asked_for() {
    let log = "\
[ws] closed before connect conn=c1 remote=192.168.1.30 fwd=n/a origin=http://x host=h ua=Mozilla code=4008 reason=connect failed
gateway closed (1000 normal closure): no close reason
[ws] closed before connect conn=c2 remote=10.0.0.3 code=1008 reason=pairing required
";
    let (records, _) = run(log);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].line, 3);
    let (records, _) = run_with(log, Shown::for_scan(false, &[crate::Category::Handshake]));
    assert_eq!(records.len(), 3);
    let (records, _) = run_with(log, Shown::for_scan(true, &[]));
    assert_eq!(records.len(), 3);
}

/// The rules' anchors and every context line's fit in one SIMD (Teddy) search: past
/// 64 literals the search falls back to a slower automaton.
#[test]
fn anchors_with_context_fit_one_simd_search() {
    let mut all: Vec<&str> = crate::search::rules::RULES
        .iter()
        .flat_map(|r| r.anchors.iter().copied())
        .chain(context_pattern().anchors)
        .chain(light_context_pattern().version_anchors)
        .collect();
    all.sort_unstable();
    all.dedup();
    assert!(all.len() <= 64, "{} anchors", all.len());
}

/// The same text cut into two chunks at a line boundary and searched as slices (as
/// a large file is, in parallel), delivered in order to one diagnosis.
fn run_chunks(log: &str, cut_line: usize) -> Vec<Record> {
    let searcher = Searcher::new(SearchConfig::default())
        .unwrap()
        .with_context(light_context_pattern())
        .unwrap();
    let mut sink = collector();
    let source: Arc<str> = Arc::from("t.log");
    let bytes = log.as_bytes();
    let cut = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(cut_line)
        .map_or(bytes.len(), |(i, _)| i + 1);
    let second = crate::search::lines::Position::START.after(&bytes[..cut]);
    searcher
        .search_slice(
            &bytes[..cut],
            crate::search::lines::Position::START,
            &source,
            &mut sink,
        )
        .unwrap();
    searcher
        .search_slice(&bytes[cut..], second, &source, &mut sink)
        .unwrap();
    sink.finish().unwrap().0.0
}

#[test]
fn spans_do_not_depend_on_chunk_boundaries() {
    let want = run_pieces(SPANS, 256 * 1024);
    for cut in 0..SPANS.lines().count() {
        assert_eq!(run_chunks(SPANS, cut), want, "cut after line {}", cut + 1);
    }
}

#[test]
fn evidence_lines_read_as_they_always_have() {
    // Each form of evidence line, pinned: the audit's keys in order, a close with and
    // without a code, a value cut at 100 characters, an unauthorized line, and a
    // repeat that is kept once.
    let evidence = |log: &str| -> Vec<String> {
        let (_, report) = run(log);
        let mut lines: Vec<String> = report
            .causes
            .iter()
            .flat_map(|c| c.evidence.iter().map(|e| e.what.clone()))
            .collect();
        lines.sort();
        lines
    };
    let log = "\
2026-04-01T09:14:09.506+02:00 [gateway] security audit: device access upgrade requested reason=role-upgrade device=9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70 ip=unknown-ip auth=token roleFrom=<none> roleTo=node scopesFrom=<none> scopesTo=<none> client=node-host conn=5f0c91aa-3e4b-4d1c-a7f0-0c2b9e8d77d2
2026-04-01T09:14:09.512+02:00 [ws] closed before connect conn=5f0c91aa-3e4b-4d1c-a7f0-0c2b9e8d77d2 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=pairing required
2026-04-01T09:14:09.512+02:00 [ws] closed before connect conn=5f0c91aa-3e4b-4d1c-a7f0-0c2b9e8d77d2 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=pairing required
2026-04-01T09:14:11.001+02:00 [ws] unauthorized conn=88bb0000-3e4b-4d1c-a7f0-0c2b9e8d0002 peer=172.17.0.1:44601->127.0.0.1:18789 remote=172.17.0.1 client=cli cli vdev role=operator scopes=2 auth=token device=yes platform=linux instance=n/a host=127.0.0.1:18789 origin=n/a ua=n/a reason=token_mismatch
";
    assert_eq!(
        evidence(log),
        [
            "audit: access upgrade requested reason=role-upgrade ip=unknown-ip roleFrom=<none> \
             roleTo=node scopesTo=<none> client=node-host",
            "close code=1008 reason=pairing required remote=127.0.0.1",
            "unauthorized reason=token_mismatch remote=172.17.0.1",
        ]
    );
    // The same connection closed again, with no code (nor reason) and a long remote.
    let long = format!(
        "{log}2026-04-01T09:14:09.600+02:00 [ws] closed before connect \
         conn=5f0c91aa-3e4b-4d1c-a7f0-0c2b9e8d77d2 remote={} reason=pairing required\n",
        "x".repeat(120)
    );
    let cut = format!("close code=? reason=? remote={}…", "x".repeat(100));
    assert!(evidence(&long).contains(&cut), "{:?}", evidence(&long));
}
