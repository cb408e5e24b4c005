//! The calls by caller account over time as text: one row per account (its id and the app's
//! name for it, a sparkline of its calls per bucket, its total), shared by the CLI's
//! `invocations --chart` and the TUI's invocations view.

use super::spark::spark;
use super::text::{fit, pad, safe, width};
use crate::actions::invocations::{AccountLine, Timeline};

/// A bucket's width in words: `1 min`, `30 min`, `1 h`, `12 h`, `1 day`, `3 days`.
pub fn bucket_words(secs: u64) -> String {
    match secs {
        s if s % 86400 == 0 => {
            let d = s / 86400;
            format!("{d} day{}", if d == 1 { "" } else { "s" })
        }
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// The account as a row names it: `222222222222 (StackB)`, sanitized.
pub fn account_label(a: &AccountLine) -> String {
    match &a.name {
        Some(n) => format!("{} ({})", safe(&a.account), safe(n)),
        None => safe(&a.account).into_owned(),
    }
}

/// The account's calls per bucket as a sparkline, one glyph per bucket.
pub fn sparkline(a: &AccountLine) -> String {
    let values: Vec<f64> = a.counts.iter().map(|&c| c as f64).collect();
    spark(&values)
}

/// The chart: a title line (bucket width, window) and one row per account, `!` marking an
/// account other than the target's. Fitted to `cols` when given (the sparkline squeezed,
/// long names cut), else every bucket of the timeline.
pub fn render(t: &Timeline, since: &str, until: &str, cols: Option<usize>) -> String {
    let total_w = t
        .accounts
        .iter()
        .map(|a| a.total.to_string().len())
        .max()
        .unwrap_or(1);
    let mut label_w = t
        .accounts
        .iter()
        .map(|a| width(&account_label(a)))
        .max()
        .unwrap_or(0);
    let t = match cols {
        Some(cols) => {
            // `! LABEL  SPARK  TOTAL`: at least 12 buckets, the label cut to make room.
            let fixed = 2 + 2 + 2 + total_w;
            label_w = label_w.min(cols.saturating_sub(fixed + 12).max(12));
            t.squeezed(cols.saturating_sub(fixed + label_w).max(1))
        }
        None => t.clone(),
    };
    let mut out = format!(
        "calls per {} by caller account, {} to {} (first bucket from {})\n",
        bucket_words(t.bucket_seconds),
        safe(&super::words::to_second(since)),
        safe(&super::words::to_second(until)),
        t.starts.first().map(String::as_str).unwrap_or("-"),
    );
    for a in &t.accounts {
        let mark = if a.cross_account { '!' } else { ' ' };
        out.push_str(&format!(
            "{mark} {}  {}  {:>total_w$}\n",
            pad(&fit(&account_label(a), label_w), label_w),
            sparkline(a),
            a.total
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::invocations::{Invocation, timeline};
    use crate::time::parse_iso;

    fn call(time: &str, account: &str) -> Invocation {
        Invocation {
            time: time.into(),
            epoch: parse_iso(time).unwrap(),
            caller_account: Some(account.into()),
            principal: "p".into(),
            source_ip: None,
            error: None,
            status: None,
            path: None,
            cross_account: account != "111111111111",
            source: "trail",
            door: None,
        }
    }

    fn day() -> Timeline {
        let mut calls = vec![call("2026-01-01T00:10:00Z", "222222222222")];
        for h in 0..24 {
            calls.push(call(&format!("2026-01-01T{h:02}:20:00Z"), "111111111111"));
        }
        calls.push(call("2026-01-01T23:50:00Z", "222222222222"));
        calls.push(call("2026-01-01T23:51:00Z", "222222222222"));
        let mut t = timeline(
            &calls,
            parse_iso("2026-01-01T00:00:00Z").unwrap(),
            parse_iso("2026-01-02T00:00:00Z").unwrap(),
            60,
        );
        t.name_accounts(&[("111111111111".to_string(), "ApiStack".to_string())].into());
        t
    }

    #[test]
    fn one_row_per_account_with_its_sparkline_and_total() {
        assert_eq!(bucket_words(60), "1 min");
        assert_eq!(bucket_words(1800), "30 min");
        assert_eq!(bucket_words(7200), "2 h");
        assert_eq!(bucket_words(86400), "1 day");
        assert_eq!(bucket_words(3 * 86400), "3 days");
        // The window to the second, as the summary line above it says it.
        let text = render(
            &day(),
            "2026-01-01T00:00:00.927549Z",
            "2026-01-02T00:00:00Z",
            None,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "calls per 30 min by caller account, 2026-01-01T00:00:00Z to 2026-01-02T00:00:00Z (first bucket from 2026-01-01T00:00:00Z)"
        );
        assert_eq!(lines.len(), 3);
        let own = format!("  111111111111 (ApiStack)  {}  24", "█▁".repeat(24));
        assert_eq!(lines[1], own);
        let other = format!("! {}  ▅{}█   3", pad("222222222222", 23), "▁".repeat(46));
        assert_eq!(lines[2], other);
    }

    #[test]
    fn fitted_rows_squeeze_the_buckets_and_cut_the_label() {
        let text = render(&day(), "a", "b", Some(40));
        for l in text.lines().skip(1) {
            assert!(width(l) <= 40, "{l:?} is {} wide", width(l));
        }
        // 48 half hours in 24 columns: an hour each, every one with a call.
        let text = render(&day(), "a", "b", Some(60));
        assert!(text.starts_with("calls per 1 h by"), "{text}");
        assert!(text.contains(&"█".repeat(24)), "{text}");
    }

    #[test]
    fn hostile_names_are_drawn_harmless() {
        let mut t = day();
        t.accounts[0].name = Some("\u{1b}[2Jevil\u{202e}".into());
        let text = render(&t, "a", "b", None);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
    }
}
