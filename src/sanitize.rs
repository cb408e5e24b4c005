//! Terminal safety: text from the cloud or from files is data, so control characters (ESC, CSI,
//! OSC, BEL, `\r`, C1 codes) and bidi overrides are made visible before a terminal sees them.
//! [`json`] is the one JSON writer of `--output json`: valid JSON in which those characters are
//! `\u` escapes, so piping it to a terminal is safe too.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// One line of untrusted text: every control character, newlines included, becomes a visible
/// escape (`\x1b`, `\n`, `\u{202e}`).
pub fn line(s: &str) -> Cow<'_, str> {
    // Printable ASCII (most ids, paths and types) is safe: checked a byte at a time.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c, false);
    }
    Cow::Owned(out)
}

/// Multi-line untrusted text: newlines and tabs are kept, every other control is made visible.
pub fn block(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c, true);
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char, keep_lines: bool) {
    match c {
        '\n' | '\t' if keep_lines => out.push(c),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x100 && is_unsafe(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// One line of untrusted text, escaped as [`line`] does and cut to at most `max` characters
/// (`…` and how much was left out), for error messages that quote what they reject.
pub fn excerpt(s: &str, max: usize) -> String {
    let safe = line(s);
    let total = safe.chars().count();
    if total <= max {
        return safe.into_owned();
    }
    let kept: String = safe.chars().take(max).collect();
    format!("{kept}… ({} more characters)", total - max)
}

/// Pretty JSON for `--output json`: serde_json's text, with DEL, C1 controls and bidi controls
/// written as `\uXXXX` (serde_json escapes C0 itself but leaves these raw). They can only occur
/// inside strings, so the result is still valid JSON and parses back to the same value.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(value).map(escape_json)
}

/// [`json`] on one line, for JSON Lines.
pub fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value).map(escape_json)
}

fn escape_json(text: String) -> String {
    // C0 characters in serde_json's text are only its own newlines and indentation.
    let escaped = |c: char| c as u32 >= 0x7f && is_unsafe(c);
    if !text.chars().any(escaped) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escaped(c) {
            // DEL, C1 and bidi controls, all in the BMP: one \u escape each.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_neutralized() {
        let hostile = "a\x1b[2J\x1b]52;c;ZXZpbA==\x07b\rc\u{202e}d\u{9b}e";
        let safe = line(hostile);
        assert!(!safe.chars().any(is_unsafe), "{safe:?}");
        assert_eq!(
            safe,
            "a\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07b\\rc\\u{202e}d\\x9be"
        );
        assert_eq!(block("x\ny\tz\x1b"), "x\ny\tz\\x1b");
        assert!(matches!(line("plain ünïcode"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_c1_and_bidi_and_round_trips() {
        let hostile = "x\u{9b}31m\u{202e}\u{2066}\u{200f}\u{61c}\u{7f}\x1b ü";
        let v = serde_json::json!({ "id": hostile, "k\u{202e}": [1, "ok"] });
        for text in [json(&v).unwrap(), json_line(&v).unwrap()] {
            assert!(
                !text.chars().any(|c| is_unsafe(c) && c != '\n' && c != ' '),
                "{text:?}"
            );
            assert!(
                text.contains("\\u009b") && text.contains("\\u202e"),
                "{text}"
            );
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, v);
        }
    }
}
