//! `cdkx CONSTRUCT audit`: CloudTrail management events for a resource, streamed as pages arrive.

use std::io::{IsTerminal, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use clap::Parser;
use unicode_width::UnicodeWidthStr;

use super::OutputFormat;
use super::construct::Ctx;
use crate::actions::audit::{Audit, AuditQuery, AuditRow, DATA_EVENTS_NOTE, parse_when};
use crate::sanitize;

#[derive(Debug, Parser)]
#[command(
    about = "CloudTrail management events for the resource (LookupEvents), newest first",
    after_help = "--output json prints one JSON object per event (JSON Lines), with the full \
CloudTrail record under \"event\", as pages arrive."
)]
struct AuditArgs {
    /// Start of the window: a duration back (30m, 12h, 7d) or a time (2025-01-01T00:00Z)
    #[arg(long, default_value = "90d", value_name = "WHEN")]
    since: String,
    /// End of the window (same forms as --since)
    #[arg(long, default_value = "now", value_name = "WHEN")]
    until: String,
    /// Only events of this name (e.g. UpdateFunctionCode)
    #[arg(long, value_name = "NAME")]
    event: Option<String>,
    /// At most this many events (0: all in the window)
    #[arg(long, default_value_t = 50, value_name = "N")]
    limit: usize,
    /// Only events whose caller is in another account than the resource
    #[arg(long)]
    cross_account: bool,
}

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: AuditArgs = ctx.parse(args);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    let since = parse_when(&args.since, now).map_err(|e| super::usage(format!("--since: {e}")))?;
    let until = parse_when(&args.until, now).map_err(|e| super::usage(format!("--until: {e}")))?;
    if since > until {
        return Err(super::usage("--since is after --until"));
    }
    let query = AuditQuery {
        since,
        until,
        event: args.event.clone(),
        limit: (args.limit > 0).then_some(args.limit),
        cross_account_only: args.cross_account,
    };
    let mut audit = Audit::new(ctx.aws.clone(), ctx.subject, query)?;
    eprintln!("note: {DATA_EVENTS_NOTE}");
    let progress = std::io::stderr().is_terminal();
    let mut stdout = std::io::stdout().lock();
    let mut shown = 0usize;
    let mut header = false;
    while let Some(page) = audit.next_page().await? {
        if progress {
            eprint!("\rpage {}, {} events", page.requests, page.events_seen);
        }
        for row in &page.rows {
            let line = match ctx.g.output {
                OutputFormat::Json => crate::sanitize::json_line(row)?,
                OutputFormat::Text => crate::sanitize::line(&text_line(row)).into_owned(),
                OutputFormat::Table => {
                    if !header {
                        writeln!(stdout, "{}", table_line(&HEADER.map(str::to_string)))?;
                        header = true;
                    }
                    table_line(&cells(row))
                }
            };
            writeln!(stdout, "{line}")?;
            shown += 1;
        }
        stdout.flush()?;
        if page.done {
            break;
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    if shown == 0 {
        eprintln!(
            "cdkx: no management events name {} between {} and {}",
            crate::sanitize::line(&audit.names().join(" or ")),
            args.since,
            args.until
        );
    } else if args.limit > 0 && shown >= args.limit {
        eprintln!("cdkx: showing the newest {shown} events; --limit 0 shows all");
    }
    Ok(0)
}

const HEADER: [&str; 9] = [
    "TIME",
    "EVENT",
    "SOURCE",
    "PRINCIPAL",
    "ACCOUNT",
    "SOURCE IP",
    "RO",
    "XACCT",
    "USER AGENT",
];
/// Column widths for a table that streams (widths cannot wait for the last row).
const WIDTHS: [usize; 8] = [20, 30, 16, 48, 12, 15, 3, 5];

fn cells(r: &AuditRow) -> [String; 9] {
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    [
        r.time.clone(),
        r.event_name.clone(),
        r.event_source
            .trim_end_matches(".amazonaws.com")
            .to_string(),
        r.principal.clone(),
        opt(&r.caller_account),
        opt(&r.source_ip),
        match r.read_only {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => "-".into(),
        },
        if r.cross_account {
            "YES".into()
        } else {
            "".into()
        },
        opt(&r.user_agent),
    ]
}

fn table_line(cells: &[String; 9]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let safe = sanitize::line(cell);
        match WIDTHS.get(i) {
            Some(&w) => {
                let fitted = fit(&safe, w);
                let pad = w.saturating_sub(fitted.width());
                line.push_str(&fitted);
                line.push_str(&" ".repeat(pad + 2));
            }
            None => line.push_str(&fit(&safe, 60)),
        }
    }
    line.trim_end().to_string()
}

/// Cuts text to `width` columns, ending in `…` when cut.
fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) >= width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn text_line(r: &AuditRow) -> String {
    let mut s = format!(
        "{} {} {} by {}",
        r.time,
        r.event_source.trim_end_matches(".amazonaws.com"),
        r.event_name,
        r.principal
    );
    if let Some(a) = &r.caller_account {
        s.push_str(&format!(" (account {a})"));
    }
    if let Some(ip) = &r.source_ip {
        s.push_str(&format!(" from {ip}"));
    }
    if r.cross_account {
        s.push_str(" [cross-account]");
    }
    sanitize::line(&s).into_owned()
}
