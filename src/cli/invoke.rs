//! `cdkx FUNCTION invoke`: invokes a Lambda function and prints its answer, with the requestor
//! view (unsigned | signed, each with a verdict) when the payload follows that pattern.

use std::io::{IsTerminal, Read};

use anyhow::{Context, Result};

use super::OutputFormat;
use super::args::InvokeArgs;
use super::construct::Ctx;
use crate::actions::invoke::{self, InvokeRequest, InvokeResult, MAX_PAYLOAD};
use crate::present::sides;
use crate::sanitize;

/// Exit code when the function itself failed (FunctionError set).
pub const FUNCTION_ERROR_EXIT: i32 = 3;

/// Lines of payload shown on a terminal before the rest is left out (see --full).
const TERMINAL_LINES: usize = 200;

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
        OutputFormat::Json => println!("{}", crate::sanitize::json(&result)?),
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
            crate::bounds::read_file(f, MAX_PAYLOAD as u64, "a Lambda invoke payload")
                .map_err(|e| super::usage(e.to_string()))?,
            f.display().to_string(),
        ),
        (None, None) => return Ok(b"{}".to_vec()),
    };
    invoke::check_payload(&what, &bytes).map_err(super::usage)?;
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
        Some(view) if format == OutputFormat::Table => out.push_str(&sides::side_by_side(
            ("WITHOUT SIGNATURE", &view.without, &[]),
            ("WITH SIGNATURE (SigV4)", &view.with, &[]),
            limit,
        )),
        Some(view) => {
            out.push_str(&sides::side_block(
                "without signature",
                &view.without,
                &[],
                limit,
            ));
            out.push('\n');
            out.push_str(&sides::side_block(
                "with signature (SigV4)",
                &view.with,
                &[],
                limit,
            ));
        }
        None => out.push_str(&sides::limited(
            &sides::payload_text(
                &r.payload,
                r.payload_bytes,
                Some("--output json shows it as base64"),
            ),
            limit,
        )),
    }
    if let Some(lines) = &r.log_lines {
        out.push_str(&format!(
            "\n--- log ({}) ---\n",
            sanitize::line(r.request_id.as_deref().unwrap_or("?"))
        ));
        for l in lines {
            out.push_str(&l.text());
            out.push('\n');
        }
        if lines.is_empty() {
            out.push_str("(no lines for this request id in the log group yet)\n");
        }
        return out;
    }
    if let Some(note) = &r.log_note {
        out.push_str(&format!("\nnote: {}\n", sanitize::line(note)));
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
