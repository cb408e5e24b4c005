//! Small words shared by the CLI and the TUI: counts with the right plural, byte sizes in a
//! sensible unit, times to the second.

/// `1 error`, `2 errors`, `0 errors`.
pub fn count(n: u64, singular: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {}", plural(singular))
    }
}

fn plural(singular: &str) -> String {
    match singular {
        "entry" => "entries".into(),
        s if s.ends_with('s') || s.ends_with('x') => format!("{s}es"),
        s => format!("{s}s"),
    }
}

/// A byte count in the unit that reads best: `512 B`, `4.2 KB`, `3.1 MB`, `1.2 GB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    if v < 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.0} {unit}")
    }
}

/// An RFC 3339 time to the second: `2025-01-01T10:00:00.123456Z` -> `2025-01-01T10:00:00Z`.
pub fn to_second(iso: &str) -> String {
    match iso.split_once('.') {
        Some((head, rest))
            if rest.ends_with('Z')
                && rest[..rest.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{head}Z")
        }
        _ => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_bytes_and_times_read_right() {
        assert_eq!(count(1, "error"), "1 error");
        assert_eq!(count(0, "error"), "0 errors");
        assert_eq!(count(3, "object"), "3 objects");
        assert_eq!(count(2, "access"), "2 accesses");
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(4_200), "4.2 KB");
        assert_eq!(bytes(31_000_000), "31 MB");
        assert_eq!(bytes(1_200_000_000), "1.2 GB");
        assert_eq!(
            to_second("2025-01-01T10:00:00.123456Z"),
            "2025-01-01T10:00:00Z"
        );
        assert_eq!(to_second("2025-01-01T10:00:00Z"), "2025-01-01T10:00:00Z");
    }
}
