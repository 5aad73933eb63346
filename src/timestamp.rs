//! Timestamps as OpenClaw and its wrappers write them, and their UTC form.
//!
//! This module owns reading ISO 8601 date-times (`2026-03-10T09:14:02.315+02:00`,
//! `…Z`, nanosecond precision from kubectl) into a [`UtcStamp`], the typed value a
//! record carries in `ts_utc`, and writing it back in UTC exactly as records always
//! showed it (`2026-04-11T08:30:12.404Z`, the fraction with the digits it was written
//! with); and [`Stamp`], a bare instant for comparisons. It is vocabulary: it imports
//! nothing from the crate. It does not guess a date for time-only console lines:
//! those stay without a UTC form.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time: seconds since the Unix epoch (UTC) and nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Stamp {
    /// The current time.
    pub fn now() -> Stamp {
        let d = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => d,
            // A clock before 1970: treat as the epoch rather than fail.
            Err(_) => std::time::Duration::ZERO,
        };
        Stamp {
            unix: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nanos: d.subsec_nanos(),
        }
    }
}

/// A full date-time in UTC, read from a line that gave its offset, with the digits
/// of the fraction as written. Shown (and serialised) as RFC 3339 in UTC with those
/// digits: `2026-04-11T08:30:12.404Z`, `2026-01-01T06:00:00Z`. Ordered by time, then
/// by precision (so the order agrees with `==`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcStamp {
    /// Seconds since the Unix epoch, in UTC.
    pub unix: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// Digits of the fraction as written (0 when none), kept so output has the same precision.
    pub frac_digits: u8,
}

impl UtcStamp {
    /// Reads an RFC 3339 / ISO 8601 date-time with an offset (`Z` or `±HH:MM`).
    /// A space may stand for the `T`. Returns `None` for anything else, including a
    /// date-time without an offset (its zone is unknown).
    pub fn parse(s: &str) -> Option<UtcStamp> {
        let b = s.as_bytes();
        // Digits only (no sign, no space), two or four of them: folded by hand,
        // since `str::parse` costs more than the rest of the stamp (every record has
        // one). Every range asked is non-empty (an empty one would read as 0).
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            b.get(r)?.iter().try_fold(0i64, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
            })
        };
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || min > 59 || sec > 60 {
            return None;
        }
        let mut i = 19;
        let mut nanos: u32 = 0;
        let mut frac_digits: u8 = 0;
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                if frac_digits < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                    frac_digits += 1;
                }
                i += 1;
            }
            if i == start {
                return None;
            }
            for _ in frac_digits..9 {
                nanos *= 10;
            }
        }
        let offset_secs: i64 = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
                let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let off = oh * 3600 + om * 60;
                if sign == b'-' { -off } else { off }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let unix = days * 86_400 + hour * 3600 + min * 60 + sec.min(59) - offset_secs;
        Some(UtcStamp {
            unix,
            nanos,
            frac_digits,
        })
    }

    /// The instant, without the precision it was written with.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            unix: self.unix,
            nanos: self.nanos,
        }
    }

    /// `at` to the whole second, shown without a fraction.
    pub fn whole_seconds(at: Stamp) -> UtcStamp {
        UtcStamp {
            unix: at.unix,
            nanos: 0,
            frac_digits: 0,
        }
    }

    /// Appends the [`Display`](fmt::Display) form to `out`, the same bytes, without the
    /// formatting machinery: records write one per line (issue 21). Years outside
    /// 0–9999, which `{:04}` writes with a sign or a fifth digit, and an out-of-range
    /// `nanos` are left to `Display`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let days = self.unix.div_euclid(86_400);
        let secs = self.unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) || self.nanos >= 1_000_000_000 {
            out.extend_from_slice(self.to_string().as_bytes());
            return;
        }
        // Every value below is in 0..=9999 (year) or 0..=99 (the rest).
        let digit = |n: i64| b'0' + (n % 10) as u8;
        let (hh, mm, ss) = (secs / 3600, secs % 3600 / 60, secs % 60);
        out.extend_from_slice(&[
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
            b'T',
            digit(hh / 10),
            digit(hh),
            b':',
            digit(mm / 10),
            digit(mm),
            b':',
            digit(ss / 10),
            digit(ss),
        ]);
        if self.frac_digits > 0 {
            let mut frac = [0u8; 9];
            let mut n = self.nanos;
            for slot in frac.iter_mut().rev() {
                *slot = b'0' + (n % 10) as u8;
                n /= 10;
            }
            out.push(b'.');
            out.extend_from_slice(&frac[..usize::from(self.frac_digits).min(frac.len())]);
        }
        out.push(b'Z');
    }
}

/// RFC 3339 in UTC, with the fraction digits it was written with.
impl fmt::Display for UtcStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix.div_euclid(86_400);
        let secs = self.unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )?;
        if self.frac_digits > 0 {
            let frac = format!("{:09}", self.nanos);
            let digits = usize::from(self.frac_digits).min(frac.len());
            write!(f, ".{}", &frac[..digits])?;
        }
        f.write_str("Z")
    }
}

/// As its [`Display`](fmt::Display) form: the string records have always carried.
impl Serialize for UtcStamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// From any date-time [`UtcStamp::parse`] reads (records' own strings included).
impl<'de> Deserialize<'de> for UtcStamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UtcStamp, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        UtcStamp::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("not a date-time with an offset: {s:?}"))
        })
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<String> {
        UtcStamp::parse(s).map(|d| d.to_string())
    }

    proptest::proptest! {
        /// `write_to` is the `Display` form, fallbacks included.
        #[test]
        fn write_to_is_display(
            unix in -400_000_000_000i64..400_000_000_000,
            nanos in 0u32..1_200_000_000,
            frac_digits in 0u8..12,
        ) {
            let stamp = UtcStamp { unix, nanos, frac_digits };
            let mut out = Vec::new();
            stamp.write_to(&mut out);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), stamp.to_string());
        }
    }

    #[test]
    fn offsets_become_utc() {
        assert_eq!(
            utc("2026-03-10T09:14:02.315+02:00").as_deref(),
            Some("2026-03-10T07:14:02.315Z")
        );
        assert_eq!(
            utc("2026-02-27T07:14:02.315Z").as_deref(),
            Some("2026-02-27T07:14:02.315Z")
        );
        assert_eq!(
            utc("2026-01-01T00:30:00-05:30").as_deref(),
            Some("2026-01-01T06:00:00Z")
        );
        assert_eq!(
            utc("2026-03-01T01:00:00+02:00").as_deref(),
            Some("2026-02-28T23:00:00Z")
        );
        assert_eq!(
            utc("2026-04-11T08:30:12.404511832Z").as_deref(),
            Some("2026-04-11T08:30:12.404511832Z")
        );
    }

    #[test]
    fn rejects_what_is_not_a_full_date_time() {
        for s in [
            "09:14:02",
            "2026-03-10T09:14:02",
            "2026-13-10T09:14:02Z",
            "2026-02-30T09:14:02Z",
            "2026-03-10T09:14:02.Z",
            "2026-03-10T09:14:02+0200",
            "not a time at all, no",
        ] {
            assert_eq!(utc(s), None, "{s}");
        }
    }

    #[test]
    fn serialises_as_its_string_and_reads_back() {
        for s in [
            "2026-04-11T08:30:12.404Z",
            "2026-01-01T06:00:00Z",
            "2026-04-11T08:30:12.404511832Z",
            "2026-04-11T08:30:12.400Z",
        ] {
            let t = UtcStamp::parse(s).unwrap();
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<UtcStamp>(&json).unwrap(), t);
        }
        assert!(serde_json::from_str::<UtcStamp>("\"08:30:12\"").is_err());
    }

    #[test]
    fn ordered_by_time_first() {
        let a = UtcStamp::parse("2026-04-11T08:30:12.9Z").unwrap();
        let b = UtcStamp::parse("2026-04-11T10:30:12.404+02:00").unwrap();
        let c = UtcStamp::parse("2026-04-11T08:30:13Z").unwrap();
        assert!(b < a && a < c);
        assert_eq!(b.stamp().unix, a.stamp().unix);
        assert_eq!(
            UtcStamp::whole_seconds(c.stamp()).to_string(),
            "2026-04-11T08:30:13Z"
        );
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
