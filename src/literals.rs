//! The search for a few dozen literals in a buffer: the leftmost place where one
//! of them starts.
//!
//! This module owns how such a set is searched, Teddy (SIMD) where the CPU has it,
//! else an Aho-Corasick automaton, and the order of the literals that makes Teddy
//! fastest. It does not decide what the literals are or what a place found means:
//! the rules' anchors (`search::rules`) and the diagnosis' phrase windows
//! (`line_facts`) each look at every literal that starts where it reports. It is
//! vocabulary: it imports nothing from the crate.

use aho_corasick::{AhoCorasick, BuildError, MatchKind, packed};

/// A compiled set of literals (see the module doc).
#[derive(Clone, Debug)]
pub struct Finder {
    inner: Inner,
    /// For each pattern of the searcher, its index among the literals given.
    literal_of: Vec<usize>,
}

#[derive(Clone, Debug)]
enum Inner {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Finder {
    /// Compiles `literals` (distinct and non-empty): Teddy where it takes them (a
    /// CPU with SIMD, up to 64 literals), else an automaton. Fails only past the
    /// automaton's limits, far above a few dozen short literals.
    pub fn new<A: AsRef<[u8]>>(literals: &[A]) -> Result<Finder, BuildError> {
        debug_assert!(
            literals.iter().all(|l| !l.as_ref().is_empty()),
            "an empty literal is found everywhere"
        );
        let order = teddy_order(literals);
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(order.iter().map(|&i| literals[i].as_ref()))
            .build();
        Ok(match packed {
            Some(p) => Finder {
                inner: Inner::Packed(p),
                literal_of: order,
            },
            None => Finder {
                inner: Inner::Automaton(
                    AhoCorasick::builder()
                        .match_kind(MatchKind::LeftmostFirst)
                        .build(literals)?,
                ),
                literal_of: (0..literals.len()).collect(),
            },
        })
    }

    /// The span of the leftmost literal that starts at or after `start` in
    /// `haystack`. Which literal is reported where several start at one place is
    /// not said: callers compare every literal starting there.
    #[inline]
    pub fn find_at(&self, haystack: &[u8], start: usize) -> Option<(usize, usize)> {
        let m = self.find(haystack, start)?;
        Some((start + m.start(), start + m.end()))
    }

    /// Where the leftmost literal at or after `start` starts, and which one it is
    /// (its index among those given to [`Finder::new`]). Another literal may start
    /// there too, one of another length.
    #[inline]
    pub fn find_literal_at(&self, haystack: &[u8], start: usize) -> Option<(usize, usize)> {
        let m = self.find(haystack, start)?;
        let literal = self.literal_of.get(m.pattern().as_usize()).copied()?;
        Some((start + m.start(), literal))
    }

    #[inline]
    fn find(&self, haystack: &[u8], start: usize) -> Option<aho_corasick::Match> {
        let hay = haystack.get(start..)?;
        match &self.inner {
            // (Teddy hands haystacks shorter than it can take to Rabin-Karp.)
            Inner::Packed(p) => p.find(hay),
            Inner::Automaton(ac) => ac.find(hay),
        }
    }
}

/// Which byte of `text` to compare first where `literal` (`len` bytes) was found
/// `back` bytes into it: the one after it, else the one before it, else the first
/// (`text` is the literal). A finder's hit is checked against the longer texts it
/// stands for (the rules' strings, the diagnosis' phrases); a place that is not
/// one of them most often differs right beside the literal (`airing` in
/// `operator.pairing,`), and one byte compared inline is cheaper than a `memcmp`.
pub fn probe(text: &[u8], back: usize, len: usize) -> usize {
    let after = back + len;
    if after < text.len() {
        after
    } else {
        back.saturating_sub(1)
    }
}

/// Whether `text` starts at `hay[from..]`, its byte `probe` compared first (see
/// [`probe`]): how a place the finder reports is checked against a longer text it
/// stands for.
#[inline]
pub fn starts_at(hay: &[u8], from: usize, text: &[u8], probe: usize) -> bool {
    hay.get(from + probe) == text.get(probe) && hay[from..].starts_with(text)
}

/// The literals in the order that makes Teddy fastest (as indices into them). The
/// order changes speed, not results: callers look at every literal starting where
/// one is found, and [`Finder::find_literal_at`] names it by its place in the
/// caller's list. Teddy deals the `i`-th pattern to a bucket by `i mod B` (B = 16
/// with AVX2 past 32 patterns, else 8; a pattern whose first bytes look like an
/// earlier one's joins that one's bucket instead) and tests a place against each
/// bucket's patterns' bytes *together*: a bucket of unlike patterns (the rules'
/// anchors `airing`, `upgrade`, `1008`, `ct failed`) passes places none of them
/// starts at, each to be checked by hand. Sorted, then dealt so that neighbours
/// share a bucket, a bucket's patterns start alike (`not allowed`, `not
/// configured`, `not-paired`) and far fewer places pass: the rules' anchor search
/// ran a third faster on the bench corpora.
fn teddy_order<A: AsRef<[u8]>>(literals: &[A]) -> Vec<usize> {
    let mut sorted: Vec<usize> = (0..literals.len()).collect();
    sorted.sort_unstable_by_key(|&i| literals[i].as_ref());
    let n = sorted.len();
    let buckets = if n > 32 { 16 } else { 8 };
    let per = n.div_ceil(buckets).max(1);
    // The first `full` buckets take `per` neighbours, the others one fewer, so that
    // the places left empty are all at the end and closing them up moves no
    // pattern to another bucket. Pattern `j + buckets * r` is bucket `j`'s `r`-th.
    let full = n - buckets * (per - 1);
    let mut dealt: Vec<Option<usize>> = vec![None; buckets * per];
    let mut rest = sorted.into_iter();
    for j in 0..buckets {
        let count = if j < full { per } else { per - 1 };
        for r in 0..count {
            dealt[j + buckets * r] = rest.next();
        }
    }
    dealt.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teddy_order_keeps_every_literal_and_deals_neighbours_together() {
        for n in [1usize, 5, 8, 9, 31, 32, 33, 48, 61, 64] {
            let anchors: Vec<String> = (0..n).map(|i| format!("a{i:03}")).collect();
            let order: Vec<&[u8]> = teddy_order(&anchors)
                .into_iter()
                .map(|i| anchors[i].as_bytes())
                .collect();
            let mut back: Vec<&[u8]> = order.clone();
            back.sort_unstable();
            let want: Vec<&[u8]> = anchors.iter().map(|a| a.as_bytes()).collect();
            assert_eq!(back, want, "{n}");
            // Sorted neighbours share a bucket (the same place modulo the buckets).
            let buckets = if n > 32 { 16 } else { 8 };
            let bucket = |a: &[u8]| order.iter().position(|x| *x == a).unwrap() % buckets;
            let per = n.div_ceil(buckets);
            let full = n - buckets * (per - 1);
            for w in want.chunks(per).take(full) {
                assert!(w.iter().all(|a| bucket(a) == bucket(w[0])), "{n}");
            }
        }
    }

    #[test]
    fn finds_the_leftmost_start_both_ways() {
        let lits = ["pairing", "airing", "1008", "token "];
        let teddy = Finder::new(&lits).unwrap();
        let automaton = Finder {
            inner: Inner::Automaton(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(lits)
                    .unwrap(),
            ),
            literal_of: (0..lits.len()).collect(),
        };
        let hay = b"x scopes=operator.pairing code=1008 and a token here, padded to be long enough for SIMD";
        for f in [&teddy, &automaton] {
            assert_eq!(f.find_at(hay, 0).map(|m| m.0), Some(18));
            assert_eq!(f.find_at(hay, 19).map(|m| m.0), Some(19));
            assert_eq!(f.find_at(hay, 20).map(|m| m.0), Some(31));
            assert_eq!(f.find_at(hay, 60).map(|m| m.0), None);
            assert_eq!(f.find_at(hay, hay.len() + 1), None);
            // Which literal, by its place in the list given (Teddy's own order is
            // another).
            assert_eq!(f.find_literal_at(hay, 0), Some((18, 0)));
            assert_eq!(f.find_literal_at(hay, 19), Some((19, 1)));
            assert_eq!(f.find_literal_at(hay, 20), Some((31, 2)));
            assert_eq!(f.find_literal_at(hay, 36), Some((42, 3)));
        }
    }
}
