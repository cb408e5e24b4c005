//! Terminal safety: text from the cloud or from files is data, so control characters (ESC, CSI,
//! OSC, BEL, `\r`, C1 codes) and bidi overrides are made visible before a terminal sees them.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// One line of untrusted text: every control character, newlines included, becomes a visible
/// escape (`\x1b`, `\n`, `\u{202e}`).
pub fn line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
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
}
