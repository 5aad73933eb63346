//! Time windows (`--since`, `--until`): which records fall inside, by their `ts_utc`.
//!
//! This module owns reading a bound (RFC 3339, a bare date, or a time relative to now
//! such as `30m`, `2h`, `7d`) and [`TimeRange::admits`], which says whether a record
//! falls inside the window (the session's selection applies it). A record's time is its `ts_utc`; records without one
//! (console lines carry only the time of day, some lines no time at all) are kept or
//! dropped as [`Undated`] says. It does not read timestamps from lines (that is
//! `parse` and `timestamp`).

use crate::record::Record;
use crate::timestamp::UtcStamp;
// The instant type lives with the timestamps; `timefilter::Stamp` is its old path.
pub use crate::timestamp::Stamp;

/// What happens to records without a full date (`ts_utc` is null) when a window is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Undated {
    /// Kept: a window should not hide an event whose date the line does not say.
    #[default]
    Keep,
    /// Dropped.
    Drop,
}

/// A time window; both ends optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Records at or after this time (inclusive).
    pub since: Option<Stamp>,
    /// Records before this time (exclusive, so `--since D --until D+1d` is one day).
    pub until: Option<Stamp>,
    /// Records without a date, when a bound is set.
    pub undated: Undated,
}

impl TimeRange {
    /// No bound: every record passes.
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether the window takes `rec`.
    pub fn admits(&self, rec: &Record) -> bool {
        if self.is_unbounded() {
            return true;
        }
        match rec.ts_utc.map(|t| t.stamp()) {
            None => self.undated == Undated::Keep,
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u),
        }
    }
}

/// Reads a bound: RFC 3339 with an offset (`2026-04-11T08:00:00Z`,
/// `2026-04-11T10:00:00+02:00`), a date and time without an offset, in this machine's
/// local time (`2026-04-11 10:00`, as journalctl writes it, `2026-04-11T10:00:00`), a
/// date (`2026-04-11`, midnight UTC), `now`, or a time before `now` written as numbers
/// with units `s`, `m`, `h`, `d`, `w` (`30m`, `2h`, `7d`, `1h30m`).
pub fn parse_bound(s: &str, now: Stamp) -> Result<Stamp, String> {
    parse_bound_in(s, now, &local_offset)
}

/// [`parse_bound`] with the local zone given as `offset`: the seconds east of UTC
/// that local time is at a Unix time (`None`: unknown).
pub fn parse_bound_in(
    s: &str,
    now: Stamp,
    offset: &dyn Fn(i64) -> Option<i64>,
) -> Result<Stamp, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(dt) = UtcStamp::parse(t) {
        return Ok(dt.stamp());
    }
    if let Some(naive) = parse_zoneless(t) {
        // The offset at the local time read as if it were UTC, then at the instant
        // that gives: right except within an hour of a DST change, where the second
        // guess settles it.
        let guess = offset(naive.unix).ok_or_else(|| no_zone(s))?;
        let off = offset(naive.unix - guess).ok_or_else(|| no_zone(s))?;
        return Ok(Stamp {
            unix: naive.unix - off,
            nanos: naive.nanos,
        });
    }
    if t.len() == 10
        && let Some(dt) = UtcStamp::parse(&format!("{t}T00:00:00Z"))
    {
        return Ok(dt.stamp());
    }
    if let Some(secs) = parse_relative(t) {
        return Ok(Stamp {
            unix: now.unix.saturating_sub(secs),
            nanos: now.nanos,
        });
    }
    Err(format!(
        "'{s}' is not a time (expected RFC 3339 such as 2026-04-11T08:00:00Z, a local date \
         and time such as '2026-04-11 08:00', a date such as 2026-04-11 (UTC), or a time \
         ago such as 30m, 2h, 7d)"
    ))
}

/// A date and time without an offset (`2026-04-11 10:00`, `2026-04-11T10:00:00.5`),
/// read as if it were UTC.
fn parse_zoneless(t: &str) -> Option<UtcStamp> {
    let b = t.as_bytes();
    if b.len() == 16 && matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        // No seconds: journalctl's `2026-04-11 10:00`.
        return UtcStamp::parse(&format!("{t}:00Z"));
    }
    if b.len() >= 19 {
        return UtcStamp::parse(&format!("{t}Z"));
    }
    None
}

fn no_zone(s: &str) -> String {
    format!(
        "'{s}': the local time zone is unknown here; give an offset (2026-04-11T08:00:00+02:00) or Z"
    )
}

/// The local zone's offset from UTC, in seconds east, at Unix time `unix` (from the
/// C library, which reads `TZ` and the system's zone files).
#[cfg(unix)]
// `time_t` and `tm_gmtoff` are 32 bits wide on some targets: the conversions are
// needed there.
#[allow(clippy::useless_conversion)]
pub fn local_offset(unix: i64) -> Option<i64> {
    let t: libc::time_t = unix.try_into().ok()?;
    // SAFETY: `localtime_r` only reads `t` and writes the `tm` it is given, which is
    // plain data that all-zero bytes make valid; it is the thread-safe form.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return None;
        }
        tm
    };
    Some(i64::from(tm.tm_gmtoff))
}

/// The local zone's offset: unknown on this platform.
#[cfg(not(unix))]
pub fn local_offset(_unix: i64) -> Option<i64> {
    None
}

/// `1h30m` → 5400. `None` unless the whole text is number–unit pairs.
fn parse_relative(t: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut rest = t;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let mult = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(mult)?)?;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Stamp = Stamp {
        unix: 1_775_900_000,
        nanos: 5,
    };

    #[test]
    fn bounds() {
        let at = |s| parse_bound(s, NOW).unwrap();
        assert_eq!(at("now"), NOW);
        assert_eq!(at("2h").unix, NOW.unix - 7200);
        assert_eq!(at("1h30m").unix, NOW.unix - 5400);
        assert_eq!(at("7d").unix, NOW.unix - 7 * 86_400);
        assert_eq!(at("1970-01-02").unix, 86_400);
        assert_eq!(
            at("2026-04-11T10:00:00.5+02:00"),
            Stamp {
                unix: at("2026-04-11").unix + 8 * 3600,
                nanos: 500_000_000
            }
        );
        for bad in [
            "",
            "2",
            "h",
            "2x",
            "2h-",
            "yesterday",
            "2026-04-11 10",
            "2026-04-11T25:00",
        ] {
            assert!(parse_bound(bad, NOW).is_err(), "{bad}");
        }
    }

    #[test]
    fn zoneless_times_are_local() {
        // A zone two hours east of UTC.
        let east = |_: i64| Some(7200);
        let at = |s| parse_bound_in(s, NOW, &east).unwrap();
        let utc = parse_bound("2026-04-11T08:00:00Z", NOW).unwrap();
        assert_eq!(at("2026-04-11 10:00"), utc);
        assert_eq!(at("2026-04-11T10:00"), utc);
        assert_eq!(at("2026-04-11 10:00:00"), utc);
        assert_eq!(at("2026-04-11T10:00:00.5").nanos, 500_000_000);
        // Offsets and dates are not local.
        assert_eq!(at("2026-04-11T08:00:00Z"), utc);
        assert_eq!(at("2026-04-11").unix, utc.unix - 8 * 3600);
        let unknown = |_: i64| None;
        assert!(parse_bound_in("2026-04-11 10:00", NOW, &unknown).is_err());
    }

    fn rec(ts: Option<&str>) -> Record {
        let mut r = Record::new("-".into(), 1, 0);
        r.ts_utc = ts.and_then(UtcStamp::parse);
        r
    }

    #[test]
    fn window_is_half_open_and_undated_follow_the_option() {
        let range = TimeRange {
            since: Some(parse_bound("2026-04-11T08:00:00Z", NOW).unwrap()),
            until: Some(parse_bound("2026-04-11T09:00:00Z", NOW).unwrap()),
            undated: Undated::Keep,
        };
        let kept: Vec<_> = [
            Some("2026-04-11T07:59:59.999Z"),
            Some("2026-04-11T08:00:00Z"),
            Some("2026-04-11T08:59:59.999999999Z"),
            Some("2026-04-11T09:00:00Z"),
            None,
        ]
        .into_iter()
        .map(rec)
        .filter(|r| range.admits(r))
        .map(|r| r.ts_utc.map(|t| t.to_string()))
        .collect();
        assert_eq!(
            kept,
            [
                Some("2026-04-11T08:00:00Z".to_string()),
                Some("2026-04-11T08:59:59.999999999Z".to_string()),
                None
            ]
        );
        let drop = TimeRange {
            undated: Undated::Drop,
            ..range
        };
        assert!(!drop.admits(&rec(None)));
        assert!(TimeRange::default().admits(&rec(None)));
    }
}
