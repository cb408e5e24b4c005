//! Text for a terminal, the one implementation both front ends use: untrusted text made safe
//! (control characters visible), cut to a width with an ellipsis (at its end, its start or its
//! middle), wrapped at spaces, and JSON made readable, so a long value never breaks a layout.

use std::borrow::Cow;

use serde_json::Value;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::sanitize;

/// One line of untrusted text, safe to draw.
pub fn safe(s: &str) -> Cow<'_, str> {
    sanitize::line(s)
}

/// Display width in columns.
pub fn width(s: &str) -> usize {
    s.width()
}

/// `s` cut to `max` columns, ending in `…` when cut.
pub fn fit(s: &str, max: usize) -> Cow<'_, str> {
    if s.width() <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(max + 3);
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// `s` cut to `max` columns keeping its end (`…/deep/path`), for paths.
pub fn fit_start(s: &str, max: usize) -> Cow<'_, str> {
    if s.width() <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        tail.push(c);
        used += w;
    }
    let mut out = String::from("…");
    out.extend(tail.into_iter().rev());
    Cow::Owned(out)
}

/// `s` in at most `max` columns, keeping its start and its end: `IamApigat…8813B` (ids keep
/// both their readable start and their unique hash).
pub fn fit_middle(s: &str, max: usize) -> Cow<'_, str> {
    if s.width() <= max {
        return Cow::Borrowed(s);
    }
    if max < 5 {
        return fit(s, max);
    }
    let room = max - 1;
    let tail_room = room / 3 + 1;
    let head_room = room - tail_room;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        head.push(c);
        used += w;
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_room {
            break;
        }
        tail.push(c);
        used += w;
    }
    head.push('…');
    head.extend(tail.into_iter().rev());
    Cow::Owned(head)
}

/// `s` cut or padded with spaces to exactly `cols` columns.
pub fn pad(s: &str, cols: usize) -> String {
    let cut = fit(s, cols);
    let w = cut.width();
    let mut out = cut.into_owned();
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// Wraps each line of `text` to `max` columns: at spaces when it can, inside a word when it must.
/// A wrapped line keeps the leading indentation of its source line (JSON stays readable).
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    for line in text.lines() {
        wrap_into(line, max, &mut out);
    }
    out
}

/// One line wrapped as [`wrap`] wraps each: an empty line stays one empty line.
pub fn wrap_line(line: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    wrap_into(line, max.max(1), &mut out);
    out
}

fn wrap_into(line: &str, max: usize, out: &mut Vec<String>) {
    if line.width() <= max {
        out.push(line.to_string());
        return;
    }
    let indent_len = line.len() - line.trim_start_matches(' ').len();
    // Deep indentation on a narrow pane would leave no room: cap it.
    let ind = indent_len.min(max / 2);
    let pad = " ".repeat(ind);
    let mut cur = pad.clone();
    let mut cur_w = ind;
    for word in line[indent_len..].split(' ') {
        if cur_w > ind {
            if cur_w + 1 + word.width() > max {
                out.push(std::mem::replace(&mut cur, pad.clone()));
                cur_w = ind;
            } else {
                cur.push(' ');
                cur_w += 1;
            }
        }
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if cur_w + w > max && cur_w > ind {
                out.push(std::mem::replace(&mut cur, pad.clone()));
                cur_w = ind;
            }
            cur.push(c);
            cur_w += w;
        }
    }
    if cur_w > ind || out.is_empty() {
        out.push(cur);
    }
}

/// A JSON value for reading: a string as itself, anything else pretty-printed; sanitized.
pub fn pretty(v: &Value) -> String {
    match v {
        Value::String(s) => sanitize::block(s).into_owned(),
        other => {
            sanitize::block(&serde_json::to_string_pretty(other).unwrap_or_default()).into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("exactly10!", 10), "exactly10!");
        assert_eq!(fit("a longer value", 8), "a longe…");
        assert_eq!(fit("日本語テキスト", 7), "日本語…");
        assert_eq!(fit("x", 0), "");
        assert_eq!(fit_start("Stack/api/Default/GET", 10), "…fault/GET");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcdef", 4), "abc…");
    }

    #[test]
    fn wrap_keeps_indentation_and_splits_long_words() {
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(
            wrap("the request was not signed", 12),
            ["the request", "was not", "signed"]
        );
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert_eq!(
            wrap("    \"key\": \"a long value\"", 14),
            ["    \"key\": \"a", "    long", "    value\""]
        );
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        for line in wrap(&"x".repeat(500), 7) {
            assert!(line.width() <= 7);
        }
        assert_eq!(wrap_line("", 5), [""]);
        assert_eq!(wrap_line("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert_eq!(
            wrap_line("  \"key\": \"a long value\"", 12),
            ["  \"key\": \"a", "  long", "  value\""]
        );
    }

    #[test]
    fn pretty_shows_strings_as_themselves_and_json_indented() {
        assert_eq!(pretty(&serde_json::json!("a\u{1b}b")), "a\\x1bb");
        assert_eq!(pretty(&serde_json::json!({"k": 1})), "{\n  \"k\": 1\n}");
    }

    #[test]
    fn control_characters_never_reach_the_screen() {
        assert_eq!(safe("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(safe("ok"), "ok");
    }
}
