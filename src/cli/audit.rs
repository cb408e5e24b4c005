//! `cdkx CONSTRUCT audit`: CloudTrail management events for a resource, streamed as pages arrive.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use unicode_width::UnicodeWidthStr;

use super::OutputFormat;
use super::args::AuditArgs;
use super::construct::Ctx;
use crate::actions::audit::{Audit, AuditQuery, AuditRow, DATA_EVENTS_NOTE};
use crate::present;
use crate::present::audit::HEADERS;
use crate::present::table::{Col, Cut, fit_columns, shorten};
use crate::sanitize;
use crate::time::parse_when;

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: AuditArgs = ctx.parse(args);
    let now = crate::time::now();
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
    // A table that streams cannot wait for its widest value: the columns get their usual
    // widths, fitted to the terminal (not on a terminal, values are printed in full).
    let widths = stream_widths(super::output_width(ctx.g));
    let mut stdout = std::io::stdout().lock();
    let mut shown = 0usize;
    let mut header = false;
    while let Some(page) = audit.next_page().await? {
        // Progress is erased before any data line is printed, and counts what is shown (the
        // name and the ARN lookups return the same events; rows are already deduplicated).
        if progress && !page.rows.is_empty() {
            eprint!("\r\x1b[K");
        }
        for row in &page.rows {
            let line = match ctx.g.output {
                OutputFormat::Json => crate::sanitize::json_line(row)?,
                OutputFormat::Text => cells(row)
                    .map(|c| sanitize::line(&c).into_owned())
                    .join("\t"),
                OutputFormat::Table => {
                    if !header {
                        writeln!(
                            stdout,
                            "{}",
                            table_line(&COLUMNS.map(|(c, _)| c.header.to_string()), &widths)
                        )?;
                        header = true;
                    }
                    table_line(&cells(row), &widths)
                }
            };
            writeln!(stdout, "{line}")?;
            shown += 1;
        }
        stdout.flush()?;
        if progress && !page.done {
            eprint!(
                "\r\x1b[Kpage {}, {} shown",
                page.requests,
                crate::present::words::count(shown as u64, "event")
            );
        }
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

/// The columns of the audit table, with the widths they usually need (a table that streams
/// cannot wait for its last row to measure them).
/// present::audit's columns, with XACCT (the cross-account mark) before the user agent.
const COLUMNS: [(Col, usize); 9] = [
    (Col::new(HEADERS[0], 20), 20),
    (Col::new(HEADERS[1], 14).prose(), 30),
    (Col::new(HEADERS[2], 8).optional(3), 16),
    (Col::new(HEADERS[3], 16), 48),
    (Col::new(HEADERS[4], 12).optional(2), 12),
    (Col::new(HEADERS[5], 9).optional(4), 15),
    (Col::new(HEADERS[6], 3).optional(5), 3),
    (Col::new("XACCT", 5), 5),
    (Col::new(HEADERS[7], 10).optional(6).prose(), 60),
];

/// Each column's width (None: dropped) for a terminal of `width` columns; not on a terminal,
/// the usual widths, which longer values overflow rather than being cut.
fn stream_widths(width: Option<usize>) -> Vec<Option<(usize, Option<Cut>)>> {
    let cols: Vec<Col> = COLUMNS.iter().map(|(c, _)| *c).collect();
    let natural: Vec<usize> = COLUMNS.iter().map(|(_, w)| *w).collect();
    match width {
        Some(w) => {
            let empty: Vec<Vec<&str>> = vec![Vec::new(); cols.len()];
            fit_columns(&cols, &empty, &natural, w)
                .into_iter()
                .zip(&cols)
                .map(|(w, c)| w.map(|w| (w, Some(c.cut))))
                .collect()
        }
        None => natural.iter().map(|&w| Some((w, None))).collect(),
    }
}

fn cells(r: &AuditRow) -> [String; 9] {
    let [time, event, source, principal, account, ip, ro, agent] = present::audit::cells(r);
    let xacct = if r.cross_account { "YES" } else { "" };
    [
        time,
        event,
        source,
        principal,
        account,
        ip,
        ro,
        xacct.into(),
        agent,
    ]
}

fn table_line(cells: &[String; 9], widths: &[Option<(usize, Option<Cut>)>]) -> String {
    let mut line = String::new();
    for (cell, w) in cells.iter().zip(widths) {
        let Some((w, cut)) = *w else { continue };
        let safe = sanitize::line(cell);
        let fitted = match cut {
            None => safe,
            Some(cut) => shorten(&safe, w, cut).into_owned().into(),
        };
        let pad = w.saturating_sub(fitted.width());
        line.push_str(&fitted);
        line.push_str(&" ".repeat(pad + 2));
    }
    line.trim_end().to_string()
}
