//! Where each `${PLACEHOLDER}` of an `open` URL stands (scheme, authority, path, query,
//! fragment), so a value is percent-encoded for its part and can never change where the URL
//! goes.

use std::fmt;

/// The part of a URL a placeholder stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Scheme,
    Authority,
    Path,
    Query,
    Fragment,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Scheme => "scheme",
            Part::Authority => "host",
            Part::Path => "path",
            Part::Query => "query",
            Part::Fragment => "fragment",
        })
    }
}

/// Placeholders that may stand in the host (`https://${AWS_REGION}.console.aws.amazon.com`):
/// their values are checked to be DNS labels (or, for the console host, come from cdkx's own
/// table), so they can add no `.`, `@`, `:` or `/`.
pub const HOST_PLACEHOLDERS: [&str; 4] =
    ["AWS_REGION", "AWS_ACCOUNT", "AWS_PARTITION", "CONSOLE_HOST"];

/// Why an `open` template is refused when the file is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlRefusal {
    /// A character a terminal or browser would act on (control, whitespace, bidi).
    Character(char),
    /// A placeholder in the scheme or, other than [`HOST_PLACEHOLDERS`], in the host.
    Placement { name: String, part: Part },
}

impl fmt::Display for UrlRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlRefusal::Character(c) => write!(
                f,
                "the URL contains {c:?}; write it percent-encoded (e.g. %20 for a space)"
            ),
            UrlRefusal::Placement { name, part } => write!(
                f,
                "${{{name}}} stands in the URL's {part}, where a value could send the browser elsewhere; placeholders may stand in the path, query or fragment (in the host only {})",
                HOST_PLACEHOLDERS.join(", ")
            ),
        }
    }
}

fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The part of the URL each placeholder stands in, in order: `(start, end, name, part)`.
pub fn parts(template: &str) -> Vec<(usize, usize, &str, Part)> {
    let mut out = Vec::new();
    let mut part = Part::Scheme;
    let mut i = 0;
    let b = template.as_bytes();
    while i < b.len() {
        if let Some((end, name)) = super::shell::placeholder_at(template, i) {
            out.push((i, end, name, part));
            i = end;
            continue;
        }
        match (part, b[i]) {
            (Part::Scheme, b':') if template[i..].starts_with("://") => {
                part = Part::Authority;
                i += 3;
                continue;
            }
            // `https:host` is read by browsers as `https://host`.
            (Part::Scheme, b':') => part = Part::Authority,
            (Part::Scheme | Part::Authority, b'/') => part = Part::Path,
            (Part::Scheme | Part::Authority | Part::Path, b'?') => part = Part::Query,
            (Part::Scheme | Part::Authority | Part::Path | Part::Query, b'#') => {
                part = Part::Fragment
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Checks an `open` template when the file is loaded.
pub fn check(template: &str) -> Result<(), UrlRefusal> {
    if let Some(c) = template.chars().find(|c| is_unsafe_char(*c)) {
        return Err(UrlRefusal::Character(c));
    }
    for (_, _, name, part) in parts(template) {
        let ok = match part {
            Part::Scheme => false,
            Part::Authority => HOST_PLACEHOLDERS.contains(&name),
            _ => true,
        };
        if !ok {
            return Err(UrlRefusal::Placement {
                name: name.to_string(),
                part,
            });
        }
    }
    Ok(())
}

/// A value for the host: a DNS label (`us-east-1`, `123456789012`, `aws-cn`).
pub fn is_host_label(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 63
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !v.starts_with('-')
        && !v.ends_with('-')
}
