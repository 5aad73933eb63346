//! OpenClaw versions: the `2026.M.D[-N|-beta.N]` release a log, a config or the
//! user names.
//!
//! This module owns parsing and showing a version and its order. It is vocabulary:
//! the diagnosis (which fixes apply), the config check (`meta.lastTouchedVersion`)
//! and the report all use it, and it imports nothing from the crate. It does not find
//! the version nor decide what a version does (`diagnose::version`,
//! `config_check`).

use std::fmt;

/// An OpenClaw release: year, month, day and re-release number (`-N`); a beta suffix
/// is dropped because beta-vs-final order is unreliable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OcVersion {
    /// Year.
    pub year: u32,
    /// Month.
    pub month: u32,
    /// Day.
    pub day: u32,
    /// The `-N` re-release number, 0 when absent.
    pub rerelease: u32,
}

impl OcVersion {
    /// Builds a version.
    pub const fn new(year: u32, month: u32, day: u32) -> OcVersion {
        OcVersion {
            year,
            month,
            day,
            rerelease: 0,
        }
    }

    /// Parses `2026.4.12`, `2026.4.12-1`, `2026.4.12-beta.1`, with an optional `v`.
    pub fn parse(s: &str) -> Option<OcVersion> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let (main, suffix) = match s.split_once('-') {
            Some((m, suf)) => (m, Some(suf)),
            None => (s, None),
        };
        let mut parts = main.split('.');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=999).contains(&day) {
            return None;
        }
        let rerelease = match suffix {
            Some(n) if n.chars().all(|c| c.is_ascii_digit()) => n.parse().ok()?,
            _ => 0,
        };
        Some(OcVersion {
            year,
            month,
            day,
            rerelease,
        })
    }
}

impl fmt::Display for OcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.year, self.month, self.day)?;
        if self.rerelease > 0 {
            write!(f, "-{}", self.rerelease)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(
            OcVersion::parse("2026.4.12"),
            Some(OcVersion::new(2026, 4, 12))
        );
        assert_eq!(
            OcVersion::parse("2026.4.12-beta.1"),
            Some(OcVersion::new(2026, 4, 12))
        );
        let re = OcVersion::parse("2026.3.31-1");
        assert_eq!(re.map(|v| v.rerelease), Some(1));
        assert_eq!(
            OcVersion::parse("v2026.8.3"),
            Some(OcVersion::new(2026, 8, 3))
        );
        assert_eq!(OcVersion::parse("2026.13.1"), None);
        assert_eq!(OcVersion::parse("banana"), None);
        assert_eq!(OcVersion::parse(""), None);
        assert!(OcVersion::new(2026, 4, 1) < OcVersion::new(2026, 4, 2));
    }
}
