//! Time: the clock, the `--since`/`--until` syntax, and the one RFC 3339 format every time is
//! shown and read in (UTC, `2025-01-01T00:00:00Z`). Times are seconds (or, where AWS counts
//! them so, milliseconds) since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// Seconds since the epoch, now (0 if the clock is before 1970).
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Milliseconds since the epoch, now (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Parses `--since`/`--until`: a duration back from `now` (`90s`, `30m`, `12h`, `7d`, `2w`), `now`,
/// a date (`2025-01-01`), or a time (`2025-01-01T00:00Z`, RFC 3339). Returns epoch seconds.
pub fn parse_when(s: &str, now: f64) -> Result<f64, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "expected a duration like 7d, 12h or 30m, or a time like 2025-01-01T00:00Z; got {s:?}"
        )
    };
    if t == "now" {
        return Ok(now);
    }
    if let Some(unit) = t.chars().last().filter(|c| c.is_ascii_alphabetic())
        && let Ok(n) = t[..t.len() - 1].parse::<u32>()
    {
        let secs = match unit {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86400.0,
            'w' => 7.0 * 86400.0,
            _ => return Err(bad()),
        };
        return Ok(now - f64::from(n) * secs);
    }
    let mut text = t.to_string();
    if text.len() == 10 {
        text.push_str("T00:00:00Z");
    }
    // `2025-01-01T00:00Z` (no seconds) is how people type it.
    if let Some(pos) = text.find('T')
        && text[pos + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ':')
            .filter(|c| *c == ':')
            .count()
            == 1
    {
        let end = pos + 6;
        if text.len() >= end {
            text.insert_str(end, ":00");
        }
    }
    parse_iso(&text).ok_or_else(bad)
}

/// An RFC 3339 time (`2025-01-01T00:00:00Z`, fractions and offsets allowed) -> epoch seconds.
pub fn parse_iso(text: &str) -> Option<f64> {
    DateTime::from_str(text, Format::DateTime)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// Epoch seconds -> `2025-01-01T00:00:00Z` (fractions shown when there are any); empty when the
/// time cannot be written (out of RFC 3339's range).
pub fn iso(epoch: f64) -> String {
    iso_of(&DateTime::from_secs_f64(epoch)).unwrap_or_default()
}

/// A time as the SDK gives it -> `2025-01-01T00:00:00Z`; `None` out of RFC 3339's range.
pub fn iso_of(t: &DateTime) -> Option<String> {
    t.fmt(Format::DateTime).ok()
}

/// Epoch milliseconds -> `2025-01-01T00:00:00.123Z`; the number itself when it cannot be
/// written as a time.
pub fn iso_ms(ms: i64) -> String {
    DateTime::from_millis(ms)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_parses_durations_dates_and_times() {
        let now = 1_700_000_000.0;
        assert_eq!(parse_when("7d", now), Ok(now - 7.0 * 86400.0));
        assert_eq!(parse_when("2w", now), Ok(now - 14.0 * 86400.0));
        assert_eq!(parse_when("90s", now), Ok(now - 90.0));
        assert_eq!(parse_when(" 12h ", now), Ok(now - 12.0 * 3600.0));
        assert_eq!(parse_when("now", now), Ok(now));
        assert_eq!(parse_when("2025-01-01", now), Ok(1_735_689_600.0));
        assert_eq!(parse_when("2025-01-01T00:00Z", now), Ok(1_735_689_600.0));
        assert_eq!(parse_when("2025-01-01T01:30:00Z", now), Ok(1_735_695_000.0));
        assert!(parse_when("7x", now).is_err());
        assert!(parse_when("yesterday", now).is_err());
        assert!(parse_when("", now).is_err());
    }

    #[test]
    fn odd_when_text_is_refused_with_what_was_given() {
        let now = 1_700_000_000.0;
        for s in [
            "-7d",
            "d",
            "99999999999d",
            "7dd",
            "2025-13-01",
            "2025-01-01T25:00Z",
            "2025-01-01T",
            "é",
            "7d\u{1b}[31m",
        ] {
            let e = parse_when(s, now).unwrap_err();
            assert!(e.contains(&format!("{s:?}")), "{s:?}: {e}");
        }
    }

    #[test]
    fn iso_round_trips() {
        assert_eq!(iso(1_735_689_600.0), "2025-01-01T00:00:00Z");
        assert_eq!(parse_iso("2025-01-01T00:00:00Z"), Some(1_735_689_600.0));
        assert_eq!(parse_iso("2025-01-01T00:00:00.5Z"), Some(1_735_689_600.5));
        assert_eq!(parse_iso("2025-01-01 00:00:00"), None);
        assert_eq!(parse_iso(""), None);
        assert_eq!(iso_ms(1_735_689_600_123), "2025-01-01T00:00:00.123Z");
        assert_eq!(iso_ms(i64::MAX), i64::MAX.to_string());
        assert_eq!(iso(f64::MAX), "");
        assert_eq!(
            iso_of(&DateTime::from_secs(1_735_689_600)).as_deref(),
            Some("2025-01-01T00:00:00Z")
        );
    }

    #[test]
    fn now_is_in_seconds_and_now_ms_in_milliseconds() {
        let (s, ms) = (now(), now_ms());
        assert!(s > 1_764_000_000.0, "{s}");
        assert!((ms as f64 / 1000.0 - s).abs() < 60.0, "{s} {ms}");
    }
}
