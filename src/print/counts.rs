//! `clawscan -c`: events counted per category and per cause, overall and per input.
//!
//! This module owns the counting sink of `--count` and its two renderings: text
//! (`NAME COUNT` lines, prefixed with `SOURCE:` per input when there are several, as
//! `rg -c` does) and one JSON document (`--format json`). It counts the records it is
//! given: which records those are (categories, causes, time window) is decided
//! upstream.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::cause::Cause;
use crate::record::Record;
use crate::search::Sink;
use crate::search::rules::Category;

/// The counts of one input, or of the whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records counted.
    pub total: u64,
    per_category: [u64; Category::ALL.len()],
    per_cause: [u64; Cause::ALL.len()],
}

impl Tally {
    fn add(&mut self, rec: &Record) {
        self.total += 1;
        for c in rec.categories.iter() {
            self.per_category[c as usize] += 1;
        }
        if let Some(cause) = rec.cause
            && let Some(i) = Cause::ALL.iter().position(|c| *c == cause)
        {
            self.per_cause[i] += 1;
        }
    }

    /// Records counted that carry category `c`.
    pub fn category(&self, c: Category) -> u64 {
        self.per_category[c as usize]
    }

    /// Records counted whose probable cause is `c`.
    pub fn cause(&self, c: Cause) -> u64 {
        Cause::ALL
            .iter()
            .position(|x| *x == c)
            .map_or(0, |i| self.per_cause[i])
    }

    /// The non-zero rows, categories first then causes, in table order.
    fn rows(&self) -> Vec<(&'static str, u64)> {
        let cats = Category::ALL
            .iter()
            .map(|c| (c.as_str(), self.category(*c)));
        let causes = Cause::ALL.iter().map(|c| (c.as_str(), self.cause(*c)));
        cats.chain(causes).filter(|(_, n)| *n > 0).collect()
    }

    fn json(&self) -> TallyJson {
        TallyJson {
            total: self.total,
            // Every name, zeros included, as the `--stats` lines do: a consumer reads
            // a key without checking it is there.
            categories: Category::ALL
                .iter()
                .map(|c| (c.as_str(), self.category(*c)))
                .collect(),
            causes: Cause::ALL
                .iter()
                .map(|c| (c.as_str(), self.cause(*c)))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct TallyJson {
    total: u64,
    categories: BTreeMap<&'static str, u64>,
    causes: BTreeMap<&'static str, u64>,
}

#[derive(Serialize)]
struct FileJson<'a> {
    source: &'a str,
    #[serde(flatten)]
    tally: TallyJson,
}

#[derive(Serialize)]
struct CountsJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    tally: TallyJson,
    files: Vec<FileJson<'a>>,
}

/// Counts records per category and per cause, overall and per input (`source`).
#[derive(Clone, Debug, Default)]
pub struct Counts {
    all: Tally,
    /// Per input, in the order inputs were first seen (records arrive in input order).
    files: Vec<(Arc<str>, Tally)>,
}

impl Counts {
    /// An empty count.
    pub fn new() -> Counts {
        Counts::default()
    }

    /// The totals over every input.
    pub fn overall(&self) -> &Tally {
        &self.all
    }

    /// The totals of each input that had a record, in input order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &Tally)> {
        self.files.iter().map(|(s, t)| (&**s, t))
    }

    /// Writes the counts as text: `NAME COUNT` lines for every category and cause
    /// seen, then `total COUNT`. With `per_file`, each input's lines first, each
    /// prefixed with `SOURCE:` (inputs without a record have none), then the totals.
    pub fn write_text<W: Write>(&self, mut out: W, per_file: bool) -> io::Result<()> {
        if per_file {
            for (source, tally) in &self.files {
                write_rows(&mut out, &format!("{source}:"), tally)?;
            }
        }
        write_rows(&mut out, "", &self.all)?;
        out.flush()
    }

    /// Writes the counts as one JSON object on one line: `type` `"counts"`, `total`,
    /// `categories` and `causes` (every name, with zeros), and `files`, the same per
    /// input that had a record.
    pub fn write_json<W: Write>(&self, mut out: W) -> io::Result<()> {
        let doc = CountsJson {
            kind: "counts",
            tally: self.all.json(),
            files: self
                .files
                .iter()
                .map(|(s, t)| FileJson {
                    source: s,
                    tally: t.json(),
                })
                .collect(),
        };
        serde_json::to_writer(&mut out, &doc).map_err(io::Error::from)?;
        writeln!(out)?;
        out.flush()
    }
}

fn write_rows<W: Write>(out: &mut W, prefix: &str, tally: &Tally) -> io::Result<()> {
    for (name, n) in tally.rows() {
        writeln!(out, "{prefix}{name:<15} {n}")?;
    }
    writeln!(out, "{prefix}{:<15} {}", "total", tally.total)
}

impl Sink for Counts {
    fn record(&mut self, rec: &Record) -> io::Result<bool> {
        self.all.add(rec);
        match self.files.last_mut() {
            Some((s, t)) if *s == rec.source => t.add(rec),
            _ => {
                let mut t = Tally::default();
                t.add(rec);
                self.files.push((Arc::clone(&rec.source), t));
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::rules::CategorySet;

    fn rec(source: &str, cats: &[Category], cause: Option<Cause>) -> Record {
        let mut r = Record::new(Arc::from(source), 1, 0);
        r.categories = cats.iter().copied().collect::<CategorySet>();
        r.cause = cause;
        r
    }

    #[test]
    fn per_file_and_per_cause() {
        let mut c = Counts::new();
        c.record(&rec(
            "a.log",
            &[Category::Pairing],
            Some(Cause::TokenMismatch),
        ))
        .unwrap();
        c.record(&rec("a.log", &[Category::Token], None)).unwrap();
        c.record(&rec(
            "b.log",
            &[Category::Pairing],
            Some(Cause::TokenMismatch),
        ))
        .unwrap();
        let mut text = Vec::new();
        c.write_text(&mut text, true).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("a.log:pairing         1\n"), "{text}");
        assert!(text.contains("b.log:token_mismatch  1\n"), "{text}");
        assert!(text.contains("\ntoken_mismatch  2\n"), "{text}");
        assert!(text.ends_with("\ntotal           3\n"), "{text}");

        let mut json = Vec::new();
        c.write_json(&mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["type"], "counts");
        assert_eq!(v["total"], 3);
        assert_eq!(v["causes"]["token_mismatch"], 2);
        assert_eq!(v["causes"]["unknown"], 0);
        assert_eq!(v["files"][1]["source"], "b.log");
        assert_eq!(v["files"][1]["categories"]["pairing"], 1);
    }
}
