//! `cdkx FUNCTION invoke`: invokes a Lambda function and prints its answer, with the requestor
//! view (unsigned | signed, each with a verdict) when the payload follows that pattern.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::Value;
use std::ops::Not;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::OutputFormat;
use super::construct::Ctx;
use crate::actions::invoke::{self, InvokeRequest, InvokeResult, MAX_PAYLOAD, Payload};
use crate::sanitize;
use crate::verdict::Side;

/// Exit code when the function itself failed (FunctionError set).
pub const FUNCTION_ERROR_EXIT: i32 = 3;

/// Lines of payload shown on a terminal before the rest is left out (see --full).
const TERMINAL_LINES: usize = 200;

#[derive(Debug, Parser)]
#[command(
    about = "Invoke the Lambda function (RequestResponse) and show its answer",
    after_help = "Exit status: 0 when the function succeeded, 3 when it returned an error \
(FunctionError), 1 when cdkx could not invoke it.\n\nA payload of the form {\"without\": ..., \"with\": ...} \
(a requestor that calls an IAM-authorized API unsigned and signed) is shown side by side, with \
a verdict for each answer."
)]
struct InvokeArgs {
    /// The event as JSON text
    #[arg(long, value_name = "JSON", conflicts_with = "payload_file")]
    payload: Option<String>,
    /// Read the event from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    payload_file: Option<PathBuf>,
    /// Also show the last 4 KB of the function's log
    #[arg(long)]
    log: bool,
    /// Show the whole payload on a terminal too
    #[arg(long)]
    full: bool,
}

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: InvokeArgs = ctx.parse(args);
    let payload = read_payload(&args)?;
    let result = invoke::invoke(
        ctx.aws,
        ctx.subject,
        InvokeRequest {
            payload,
            log: args.log,
        },
    )
    .await?;
    match ctx.g.output {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        format => {
            let limit = (!args.full && std::io::stdout().is_terminal()).then_some(TERMINAL_LINES);
            print!("{}", render(&result, format, limit));
        }
    }
    Ok(if result.failed() {
        FUNCTION_ERROR_EXIT
    } else {
        0
    })
}

fn read_payload(args: &InvokeArgs) -> Result<Vec<u8>> {
    let (bytes, what) = match (&args.payload, &args.payload_file) {
        (Some(p), _) => (p.clone().into_bytes(), "--payload".to_string()),
        (None, Some(f)) if f.as_os_str() == "-" => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(MAX_PAYLOAD as u64 + 1)
                .read_to_end(&mut buf)
                .context("cannot read the payload from stdin")?;
            (buf, "the payload on stdin".to_string())
        }
        (None, Some(f)) => (
            std::fs::read(f)
                .with_context(|| format!("cannot read the payload file {}", f.display()))?,
            f.display().to_string(),
        ),
        (None, None) => return Ok(b"{}".to_vec()),
    };
    if bytes.len() > MAX_PAYLOAD {
        bail!("{what} is larger than Lambda's {MAX_PAYLOAD}-byte limit for a synchronous invoke");
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        bail!("{what} is not valid JSON ({e}); Lambda takes a JSON event");
    }
    Ok(bytes)
}

/// The human rendering: a header, the function error, the payload or the requestor view, the log.
pub fn render(r: &InvokeResult, format: OutputFormat, limit: Option<usize>) -> String {
    let mut out = String::new();
    let version = r.executed_version.as_deref().unwrap_or("?");
    out.push_str(&format!(
        "{}  ({}, version {version})  status {}\n",
        sanitize::line(&r.function),
        r.region,
        r.status_code
    ));
    if let Some(kind) = &r.function_error {
        let what = match (&r.error_type, &r.error_message) {
            (Some(t), Some(m)) => format!("{t}: {m}"),
            (Some(t), None) => t.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) => "see the payload".to_string(),
        };
        out.push_str(&format!(
            "function error ({}): {}\n",
            sanitize::line(kind),
            sanitize::line(&what)
        ));
    }
    out.push('\n');
    match &r.requestor {
        Some(view) if format == OutputFormat::Table => {
            out.push_str(&side_by_side(&view.without, &view.with, limit))
        }
        Some(view) => {
            out.push_str(&side_block("without signature", &view.without, limit));
            out.push('\n');
            out.push_str(&side_block("with signature (SigV4)", &view.with, limit));
        }
        None => out.push_str(&limited(&payload_text(&r.payload, r.payload_bytes), limit)),
    }
    if let Some(log) = &r.log_tail {
        out.push_str("\n--- log tail ---\n");
        out.push_str(&sanitize::block(log));
        if !log.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn payload_text(p: &Payload, bytes: usize) -> String {
    match p {
        Payload::Json(v) => pretty(v),
        Payload::Text(t) => sanitize::block(t).into_owned(),
        Payload::Binary(_) => {
            format!("(binary payload, {bytes} bytes; --output json shows it as base64)")
        }
    }
}

fn pretty(v: &Value) -> String {
    match v {
        Value::String(s) => sanitize::block(s).into_owned(),
        other => {
            sanitize::block(&serde_json::to_string_pretty(other).unwrap_or_default()).into_owned()
        }
    }
}

/// Cuts text to `limit` lines with a note on how to see the rest.
fn limited(text: &str, limit: Option<usize>) -> String {
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

fn side_lines(side: &Side) -> Vec<String> {
    let mut lines = vec![
        sanitize::line(&side.verdict.summary).into_owned(),
        sanitize::line(&side.verdict.advice).into_owned(),
        String::new(),
    ];
    lines.extend(pretty(&side.body).lines().map(str::to_string));
    lines
}

fn side_block(label: &str, side: &Side, limit: Option<usize>) -> String {
    let mut out = format!("{label}: {}\n", sanitize::line(&side.verdict.summary));
    out.push_str(&format!("  {}\n", sanitize::line(&side.verdict.advice)));
    for line in limited(&pretty(&side.body), limit).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// Two columns, each word-wrapped to half the terminal (`COLUMNS`, else 100 columns).
fn side_by_side(left: &Side, right: &Side, limit: Option<usize>) -> String {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(100);
    let width = (columns.saturating_sub(3) / 2).clamp(24, 60);
    let wrapped =
        |lines: Vec<String>| -> Vec<String> { lines.iter().flat_map(|l| wrap(l, width)).collect() };
    let mut l = wrapped(side_lines(left));
    let mut r = wrapped(side_lines(right));
    let total = l.len().max(r.len());
    let shown = limit.map_or(total, |n| n.min(total));
    l.resize(total, String::new());
    r.resize(total, String::new());
    let mut out = format!(
        "{:<width$} │ {}\n",
        "WITHOUT SIGNATURE", "WITH SIGNATURE (SigV4)"
    );
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

/// Greedy word wrap to `width` columns; a word longer than a line is split. Leading spaces
/// (JSON indentation) are kept.
fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.width() <= width {
        return vec![line.to_string()];
    }
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    let mut out = Vec::new();
    let mut cur = indent.clone();
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(cur.trim_start().is_empty().not());
        if cur.width() + sep + word.width() > width && !cur.trim().is_empty() {
            out.push(std::mem::replace(&mut cur, indent.clone()));
        }
        if !cur.trim().is_empty() {
            cur.push(' ');
        }
        for c in word.chars() {
            if cur.width() + c.width().unwrap_or(0) > width {
                out.push(std::mem::replace(&mut cur, indent.clone()));
            }
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(
            wrap("the request was not signed", 12),
            ["the request", "was not", "signed"]
        );
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert_eq!(
            wrap("  \"key\": \"a long value\"", 12),
            ["  \"key\": \"a", "  long", "  value\""]
        );
    }
}
