//! Answers as text: a payload, and two answers side by side (or as two labelled blocks): the
//! requestor view of `invoke` and the unsigned | signed view of `probe` share this one renderer.

use unicode_width::UnicodeWidthStr;

use super::text::{pretty, wrap_line};
use crate::actions::invoke::Payload;
use crate::sanitize;
use crate::verdict::Side;

/// A column: its title, the answer, and extra lines shown under the verdict.
pub type Column<'a> = (&'a str, &'a Side, &'a [String]);

/// A payload for reading: JSON pretty-printed, text as itself (sanitized), binary as its size
/// followed by `binary_hint` (how to see it, where the front end has a way).
pub fn payload_text(p: &Payload, bytes: usize, binary_hint: Option<&str>) -> String {
    match p {
        Payload::Json(v) => pretty(v),
        Payload::Text(t) => sanitize::block(t).into_owned(),
        Payload::Binary(_) => match binary_hint {
            Some(hint) => format!("(binary payload, {bytes} bytes; {hint})"),
            None => format!("(binary payload, {bytes} bytes)"),
        },
    }
}

/// Cuts text to `limit` lines with a note on how to see the rest.
pub fn limited(text: &str, limit: Option<usize>) -> String {
    let mut out = String::new();
    let total = text.lines().count();
    for line in text.lines().take(limit.unwrap_or(usize::MAX)) {
        out.push_str(line);
        out.push('\n');
    }
    if let Some(l) = limit
        && total > l
    {
        out.push_str(&format!(
            "… {} more lines (--full or --output json shows all)\n",
            total - l
        ));
    }
    out
}

fn side_lines(side: &Side, extra: &[String]) -> Vec<String> {
    let mut lines = vec![
        sanitize::line(&side.verdict.summary).into_owned(),
        sanitize::line(&side.verdict.advice).into_owned(),
    ];
    lines.extend(extra.iter().map(|e| sanitize::line(e).into_owned()));
    lines.push(String::new());
    lines.extend(pretty(&side.body).lines().map(str::to_string));
    lines
}

pub fn side_block(label: &str, side: &Side, extra: &[String], limit: Option<usize>) -> String {
    let mut out = format!("{label}: {}\n", sanitize::line(&side.verdict.summary));
    out.push_str(&format!("  {}\n", sanitize::line(&side.verdict.advice)));
    for e in extra {
        out.push_str(&format!("  {}\n", sanitize::line(e)));
    }
    for line in limited(&pretty(&side.body), limit).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// Below this many columns the two answers are stacked, one labelled block after the other.
const SIDE_BY_SIDE_MIN: usize = 72;

/// Two columns, each word-wrapped to half the terminal (on a terminal its width, else
/// `COLUMNS`, else 100 columns); stacked when the terminal is too narrow for two.
pub fn side_by_side(left: Column, right: Column, limit: Option<usize>) -> String {
    let columns = super::table::terminal_width()
        .or_else(|| {
            std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse::<usize>().ok())
        })
        .unwrap_or(100);
    side_by_side_in(columns, left, right, limit)
}

/// [`side_by_side`] for a terminal `columns` wide.
pub fn side_by_side_in(
    columns: usize,
    left: Column,
    right: Column,
    limit: Option<usize>,
) -> String {
    let (left_title, left, left_extra) = left;
    let (right_title, right, right_extra) = right;
    if columns < SIDE_BY_SIDE_MIN {
        let mut out = side_block(left_title, left, left_extra, limit);
        out.push('\n');
        out.push_str(&side_block(right_title, right, right_extra, limit));
        return out;
    }
    let width = (columns.saturating_sub(3) / 2).clamp(24, 80);
    let wrapped = |lines: Vec<String>| -> Vec<String> {
        lines.iter().flat_map(|l| wrap_line(l, width)).collect()
    };
    let mut l = wrapped(side_lines(left, left_extra));
    let mut r = wrapped(side_lines(right, right_extra));
    let total = l.len().max(r.len());
    let shown = limit.map_or(total, |n| n.min(total));
    l.resize(total, String::new());
    r.resize(total, String::new());
    let left_title: String = sanitize::line(left_title).chars().take(width).collect();
    let mut out = format!("{left_title:<width$} │ {}\n", sanitize::line(right_title));
    out.push_str(&format!("{} ┼ {}\n", "─".repeat(width), "─".repeat(width)));
    for (a, b) in l.iter().zip(&r).take(shown) {
        let pad = width.saturating_sub(a.width());
        out.push_str(format!("{a}{} │ {b}", " ".repeat(pad)).trim_end());
        out.push('\n');
    }
    if shown < total {
        out.push_str(&format!(
            "… {} more lines (--full or --output json shows all)\n",
            total - shown
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_answers_fit_80_100_and_160_columns_and_stack_when_narrow() {
        use crate::verdict::{Verdict, VerdictKind};
        let side = |summary: &str, body: serde_json::Value| Side {
            status: Some(200),
            error_type: None,
            verdict: Verdict {
                kind: VerdictKind::Ok,
                status: Some(200),
                message: None,
                summary: summary.into(),
                advice: "a piece of advice long enough to be wrapped on any usual terminal width"
                    .into(),
            },
            body,
        };
        let l = side(
            "403 Missing Authentication Token: the request was not signed",
            serde_json::json!({"message": "Missing Authentication Token"}),
        );
        let r = side(
            "200 OK",
            serde_json::json!({"hello": "world", "a": "x".repeat(150)}),
        );
        for columns in [80, 100, 160] {
            let out = side_by_side_in(columns, ("UNSIGNED", &l, &[]), ("SIGNED", &r, &[]), None);
            for line in out.lines() {
                assert!(line.width() <= columns, "{columns}: {line:?}");
            }
            assert!(
                out.lines().next().unwrap().contains('│'),
                "{columns}: side by side"
            );
            assert!(out.contains("xxxx"), "{columns}: wrapped, not cut");
        }
        let narrow = side_by_side_in(60, ("UNSIGNED", &l, &[]), ("SIGNED", &r, &[]), None);
        assert!(!narrow.contains('│'), "{narrow}");
        assert!(
            narrow.starts_with("UNSIGNED: 403") && narrow.contains("\nSIGNED: 200 OK"),
            "{narrow}"
        );
    }
}
