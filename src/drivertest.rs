//! Every case through every driver and block size: the records must be identical to
//! each other and to a naive line-by-line reference.

use std::sync::{Arc, LazyLock};

use clawscan::ansi;
use clawscan::lines::{Position, trim_cr};
use clawscan::output::CollectSink;
use clawscan::parse::Parser;
use clawscan::redact::Redactor;
use clawscan::rules::Rules;
use clawscan::{CategorySet, Record, SearchConfig, Searcher};
use proptest::prelude::*;

static RULES: LazyLock<Rules> = LazyLock::new(|| Rules::new().unwrap());
static PARSER: LazyLock<Parser> = LazyLock::new(Parser::new);
const KEY: [u8; 16] = [42; 16];
static SEARCHER: LazyLock<Searcher> = LazyLock::new(|| {
    Searcher::new(SearchConfig::default())
        .unwrap()
        .with_redactor(Redactor::with_key(KEY))
});

fn searcher(cfg: &SearchConfig) -> Searcher {
    SEARCHER.with_config(cfg.clone())
}

/// The obvious implementation: split on `\n`, classify and parse each line.
fn reference(input: &[u8], cfg: &SearchConfig) -> Vec<Record> {
    let rules = &*RULES;
    let parser = &*PARSER;
    let redactor = Redactor::with_key(KEY);
    let source: Arc<str> = Arc::from("t");
    let max = cfg.max_line_bytes;
    let mut out = Vec::new();
    let (mut offset, mut line_no) = (0u64, 1u64);
    let mut rest = input;
    while !rest.is_empty() {
        let (line, used) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        let raw = trim_cr(line);
        let text = ansi::strip(raw);
        // The reference asks every pattern at once (a RegexSet), independently of
        // the anchor-driven classification the drivers use.
        let class = rules.classify_exhaustive(&text);
        if cfg.emit_all || class.categories.intersects(cfg.categories) {
            let head = &raw[..raw.len().min(max)];
            let head_text = ansi::strip(head);
            let head_text = if cfg.redact {
                redactor.redact(&head_text).into_owned()
            } else {
                head_text.into_owned()
            };
            let mut rec = Record::new(source.clone(), line_no, offset);
            parser.parse_into(&head_text, head, &mut rec);
            rec.categories = class.categories;
            rec.truncated = raw.len() > max;
            if rec.level.is_none() {
                rec.level = class.level();
            }
            out.push(rec);
        }
        offset += used as u64;
        line_no += 1;
        rest = &rest[used..];
    }
    out
}

fn via_reader(input: &[u8], cfg: &SearchConfig, read_size: usize) -> Vec<Record> {
    let cfg = SearchConfig {
        read_size,
        ..cfg.clone()
    };
    let s = searcher(&cfg);
    let mut sink = CollectSink::default();
    s.search_reader(input, &Arc::from("t"), &mut sink).unwrap();
    sink.0
}

fn via_slice(input: &[u8], cfg: &SearchConfig) -> Vec<Record> {
    let s = searcher(cfg);
    let mut sink = CollectSink::default();
    s.search_slice(input, Position::START, &Arc::from("t"), &mut sink)
        .unwrap();
    sink.0
}

/// Newline-aligned chunks searched separately, each told where it starts (as the
/// batch driver does with one large file).
fn via_chunks(input: &[u8], cfg: &SearchConfig, chunk: usize) -> Vec<Record> {
    let s = searcher(cfg);
    let mut sink = CollectSink::default();
    let mut pos = Position::START;
    let mut i = 0;
    while i < input.len() {
        let mut end = (i + chunk).min(input.len());
        while end < input.len() && input[end - 1] != b'\n' {
            end += 1;
        }
        let part = &input[i..end];
        s.search_slice(part, pos, &Arc::from("t"), &mut sink)
            .unwrap();
        pos = pos.after(part);
        i = end;
    }
    sink.0
}

/// Runs `input` through every driver and block size and demands identical records.
fn check_all_drivers(input: &[u8], cfg: &SearchConfig) -> Vec<Record> {
    let want = reference(input, cfg);
    for read_size in [1, 2, 3, 7, 64, 1000, 4096, 1 << 16] {
        assert_eq!(
            via_reader(input, cfg, read_size),
            want,
            "stream driver, read size {read_size}"
        );
    }
    assert_eq!(via_slice(input, cfg), want, "slice driver");
    for chunk in [1, 50, 4096] {
        assert_eq!(via_chunks(input, cfg, chunk), want, "chunks of {chunk}");
    }
    for rec in &want {
        // The position is the line's: offset points just past a newline (or at 0)
        // and the line number counts the newlines before it.
        let off = rec.offset as usize;
        assert!(off == 0 || input[off - 1] == b'\n');
        let newlines = input[..off].iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(rec.line, newlines + 1);
        let json = serde_json::to_string(rec).unwrap();
        serde_json::from_str::<serde_json::Value>(&json).unwrap();
    }
    want
}

fn default_cfg() -> SearchConfig {
    SearchConfig::default()
}

const EVENT: &[u8] =
    b"10:30:12 [ws] closed before connect conn=c1 remote=127.0.0.1 code=1008 reason=pairing required";

#[test]
fn straddling_crlf_and_unterminated_last_line() {
    let mut input = Vec::new();
    input.extend_from_slice(b"noise line\r\n");
    input.extend_from_slice(EVENT);
    input.extend_from_slice(b"\r\nmore noise author=x\n");
    input.extend_from_slice(EVENT);
    let recs = check_all_drivers(&input, &default_cfg());
    assert_eq!(recs.len(), 2);
    assert_eq!((recs[0].line, recs[0].offset), (2, 12));
    assert_eq!(recs[1].line, 4);
    assert!(!recs[0].text.ends_with('\r'));
    assert_eq!(recs[1].reason.as_deref(), Some("pairing required"));
}

#[test]
fn nul_bytes_and_invalid_utf8() {
    let mut input = b"\0\0\0\n".to_vec();
    input.extend_from_slice(b"\xff\xfe code=1008 reason=pairing\0required\n");
    input.extend_from_slice(EVENT);
    input.push(b'\n');
    let recs = check_all_drivers(&input, &default_cfg());
    assert_eq!(recs.len(), 2);
    assert!(recs[0].lossy);
    assert!(recs[0].text.contains('\0'));
    assert!(!recs[1].lossy);
}

#[test]
fn ansi_colour_lines() {
    let input = b"\x1b[90m10:30:12\x1b[39m \x1b[35m[ws]\x1b[39m \x1b[36mwebchat connected\x1b[39m\n\
                  \x1b[90m10:30:12\x1b[39m \x1b[35m[ws]\x1b[39m \x1b[33mclosed before connect conn=c code=\x1b[1m1008\x1b[22m reason=pairing required\x1b[39m\n\
                  plain code=1008 line\n";
    let recs = check_all_drivers(input, &default_cfg());
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].line, 2);
    assert_eq!(recs[0].code, Some(1008));
    assert_eq!(recs[0].level, Some(clawscan::Level::Warn));
    assert!(!recs[0].text.contains('\x1b'));
    assert_eq!(recs[1].line, 3);
    assert_eq!(
        recs[1].offset,
        (input.len() - b"plain code=1008 line\n".len()) as u64
    );
}

#[test]
fn long_lines_are_cut_not_dropped() {
    let cfg = SearchConfig {
        max_line_bytes: 100,
        ..default_cfg()
    };
    let mut input = Vec::new();
    // The event text lies past the cut: the line is still an event.
    input.extend_from_slice(&[b'x'; 5000]);
    input.extend_from_slice(b" code=1008 reason=pairing required\n");
    // A long event line whose event text is in the head.
    input.extend_from_slice(EVENT);
    input.extend_from_slice(&[b'y'; 3000]);
    input.push(b'\n');
    // A long harmless line.
    input.extend_from_slice(&[b'z'; 9000]);
    input.push(b'\n');
    input.extend_from_slice(EVENT);
    let recs = check_all_drivers(&input, &cfg);
    assert_eq!(recs.len(), 3);
    assert!(recs[0].truncated && recs[1].truncated && !recs[2].truncated);
    assert_eq!(recs[0].text.len(), 100);
    assert!(recs[0].categories.contains(clawscan::Category::Close1008));
    assert_eq!(recs[2].line, 4);
}

#[test]
fn all_and_category_filter() {
    let input = [
        EVENT,
        b"\nhello\n",
        b"[ws] unauthorized conn=c reason=token_mismatch\n",
    ]
    .concat();
    let all = SearchConfig {
        emit_all: true,
        ..default_cfg()
    };
    let recs = check_all_drivers(&input, &all);
    assert_eq!(recs.len(), 3);
    assert!(recs[1].categories.is_empty());
    let token_only = SearchConfig {
        categories: [clawscan::Category::Token]
            .into_iter()
            .collect::<CategorySet>(),
        ..default_cfg()
    };
    let recs = check_all_drivers(&input, &token_only);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].line, 3);
}

#[test]
fn empty_inputs() {
    assert!(check_all_drivers(b"", &default_cfg()).is_empty());
    assert!(check_all_drivers(b"\n\n\r\n", &default_cfg()).is_empty());
}

/// Pieces that, joined at random, make lines of every awkward kind.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xff\xc3".to_vec()),
        Just(b"\x1b[33m".to_vec()),
        Just(b"\x1b[39m".to_vec()),
        Just(b"\\u001b[31m".to_vec()),
        Just(b"\x1b".to_vec()),
        Just(b"code=1008".to_vec()),
        Just(b"(1008)".to_vec()),
        Just(b" reason=pairing required".to_vec()),
        Just(b"pairing".to_vec()),
        Just(b" required".to_vec()),
        Just(b"closed before connect ".to_vec()),
        Just(b"unauthorized conn=".to_vec()),
        Just(b"token_mismatch".to_vec()),
        Just(b"author=".to_vec()),
        Just(b" token=9f3b2c7d1e8a4f60 ".to_vec()),
        Just(b"#token=".to_vec()),
        Just(b"Bearer abcdefgh12345678".to_vec()),
        Just(br#""password":"hunter2hunter2""#.to_vec()),
        Just(b"10:30:12 [ws] ".to_vec()),
        Just(b"2026-04-11T10:30:12.404+02:00 ".to_vec()),
        Just(br#"{"time":"2026-04-11T08:30:12Z","message":"code=1008 x"}"#.to_vec()),
        Just(
            br#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":"pairing required","_meta":{}}"#.to_vec()
        ),
        Just(b"Apr 11 10:30:12 h node[1]: ".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
        "[a-z =:]{0,20}".prop_map(String::into_bytes),
    ]
}

fn input_strategy() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(fragment(), 0..60).prop_map(|v| v.concat())
}

proptest! {
    // 256 cases each by default; PROPTEST_CASES=N runs more (or fewer).

    #[test]
    fn drivers_agree_with_reference(input in input_strategy()) {
        check_all_drivers(&input, &default_cfg());
    }

    #[test]
    fn anchored_classification_agrees_with_the_set(input in input_strategy()) {
        for line in input.split(|&b| b == b'\n') {
            prop_assert_eq!(RULES.classify(line), RULES.classify_exhaustive(line));
        }
    }

    #[test]
    fn drivers_agree_with_emit_all(input in input_strategy()) {
        let cfg = SearchConfig { emit_all: true, ..default_cfg() };
        let recs = check_all_drivers(&input, &cfg);
        let lines = input.split(|&b| b == b'\n').count() - usize::from(input.ends_with(b"\n") || input.is_empty());
        prop_assert_eq!(recs.len(), lines);
    }

    #[test]
    fn no_generated_secret_gets_through(input in input_strategy(), secret in "[a-zA-Z0-9]{12,24}") {
        let line = format!("code=1008 reason=pairing required ?token={secret} Bearer {secret} token={secret}\n");
        let mut data = input.clone();
        data.push(b'\n');
        data.extend_from_slice(line.as_bytes());
        for rec in via_reader(&data, &default_cfg(), 4096) {
            let json = serde_json::to_string(&rec).unwrap();
            prop_assert!(!json.contains(&secret), "{}", json);
        }
    }

    #[test]
    fn arbitrary_bytes_never_break_anything(input in proptest::collection::vec(any::<u8>(), 0..2000), read_size in 1usize..300) {
        let cfg = default_cfg();
        prop_assert_eq!(via_reader(&input, &cfg, read_size), reference(&input, &cfg));
    }

    #[test]
    fn small_line_caps_agree(input in input_strategy(), max in 8usize..64) {
        // Cut lines: only the stream driver reads them in pieces, so compare it
        // (at several block sizes) with the reference.
        let cfg = SearchConfig { max_line_bytes: max, ..default_cfg() };
        let want = reference(&input, &cfg);
        for read_size in [1, 5, 64, 4096] {
            prop_assert_eq!(&via_reader(&input, &cfg, read_size), &want);
        }
    }
}
