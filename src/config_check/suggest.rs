//! "Did you mean" for enum values and keys.
//!
//! This module owns deciding which valid value or key a near miss was meant to be:
//! stray white space, wrong case, `_`/space for `-`, a missing or extra hyphen, small
//! typos (optimal string alignment distance), and a few words people use for a value
//! that has another name (`allow` for `full`). It does not decide whether the value is
//! an error; the checkers do, and it does not compute the distance (strsim does).

/// Lower case with `_`, `.`, and spaces turned into `-`, trimmed.
fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn squash(s: &str) -> String {
    fold(s).chars().filter(|&c| c != '-').collect()
}

fn max_typos(len: usize) -> usize {
    match len {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    }
}

/// The valid values `input` was most likely meant to be, best first; empty when
/// nothing is close. `aliases` maps other words for a value (lower case) to the
/// values they mean.
pub fn suggest(input: &str, valid: &[&str], aliases: &[(&str, &[&str])]) -> Vec<String> {
    if let Some(v) = valid.iter().find(|v| **v == input.trim()) {
        return vec![(*v).to_string()];
    }
    let folded = fold(input);
    if let Some(v) = valid.iter().find(|v| fold(v) == folded) {
        return vec![(*v).to_string()];
    }
    let squashed = squash(input);
    if let Some(v) = valid.iter().find(|v| squash(v) == squashed) {
        return vec![(*v).to_string()];
    }
    if let Some((_, means)) = aliases.iter().find(|(word, _)| squash(word) == squashed) {
        return means.iter().map(|s| (*s).to_string()).collect();
    }
    // Nothing sensible is ever meant by a very long word, and the distance costs
    // length × length.
    if folded.is_empty() || folded.chars().count() > 64 {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &str)> = valid
        .iter()
        // Optimal string alignment (Levenshtein plus adjacent transpositions), counted
        // in chars: `dney` is one typo from `deny`, as people make them; plain
        // Levenshtein would count a transposition as two.
        .map(|v| (strsim::osa_distance(&folded, &fold(v)), *v))
        .filter(|(d, v)| *d <= max_typos(v.chars().count().min(folded.chars().count())))
        .collect();
    scored.sort_by_key(|(d, _)| *d);
    let best = scored.first().map(|(d, _)| *d);
    scored
        .into_iter()
        .filter(|(d, _)| Some(*d) == best)
        .map(|(_, v)| v.to_string())
        .collect()
}

/// The valid value `input` becomes once trimmed, when surrounding white space is its
/// only fault.
pub fn trimmed_match<'v>(input: &str, valid: &[&'v str]) -> Option<&'v str> {
    if input.trim() == input {
        return None;
    }
    valid.iter().copied().find(|v| *v == input.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASK: &[&str] = &["off", "on-miss", "always"];
    const SEC: &[&str] = &["deny", "allowlist", "full"];

    /// The distance `suggest` ranks by (strsim's, pinned here as the one the
    /// thresholds of `max_typos` were chosen for).
    #[test]
    fn distance_basics() {
        let edit_distance = strsim::osa_distance;
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("deny", "dney"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
        // Optimal string alignment, not unrestricted Damerau: `ca` → `abc` is 3.
        assert_eq!(edit_distance("ca", "abc"), 3);
    }

    #[test]
    fn near_misses() {
        assert_eq!(suggest("on_miss", ASK, &[]), ["on-miss"]);
        assert_eq!(suggest("onmiss", ASK, &[]), ["on-miss"]);
        assert_eq!(suggest("On-Miss", ASK, &[]), ["on-miss"]);
        assert_eq!(suggest("allow-list", SEC, &[]), ["allowlist"]);
        assert_eq!(suggest("Deny", SEC, &[]), ["deny"]);
        assert_eq!(suggest(" full ", SEC, &[]), ["full"]);
        assert_eq!(suggest("alwyas", ASK, &[]), ["always"]);
        assert_eq!(suggest("allowlsit", SEC, &[]), ["allowlist"]);
        assert!(suggest("banana", SEC, &[]).is_empty());
        assert!(suggest("", SEC, &[]).is_empty());
    }

    #[test]
    fn aliases_win_over_distance() {
        let aliases: &[(&str, &[&str])] = &[("allow", &["full", "allowlist"])];
        assert_eq!(suggest("allow", SEC, aliases), ["full", "allowlist"]);
        assert_eq!(suggest("Allow", SEC, aliases), ["full", "allowlist"]);
    }

    #[test]
    fn trimmed() {
        assert_eq!(trimmed_match(" deny", SEC), Some("deny"));
        assert_eq!(trimmed_match("deny", SEC), None);
        assert_eq!(trimmed_match(" dny", SEC), None);
    }
}
