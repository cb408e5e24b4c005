//! `cdkx FUNCTION|API invocations`: who called it, from which accounts, how often.

use std::io::IsTerminal;

use anyhow::Result;

use super::OutputFormat;
use super::args::InvocationsArgs;
use super::construct::Ctx;
use crate::actions::invocations::{
    self, GroupBy, InvocationQuery, InvocationReport, Progress, SourceKind,
};
use crate::aws::AthenaTarget;
use crate::present::table::{Col, Table};
use crate::present::{timeline, words};
use crate::sanitize;
use crate::time::parse_when;

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: InvocationsArgs = ctx.parse(args);
    let now = crate::time::now();
    let since = parse_when(&args.since, now).map_err(|e| super::usage(format!("--since: {e}")))?;
    let until = parse_when(&args.until, now).map_err(|e| super::usage(format!("--until: {e}")))?;
    let query = InvocationQuery {
        since,
        until,
        source: args.source.into(),
        trail_logs: args.trail_logs.clone(),
        athena_table: args.athena_table.clone(),
        athena: AthenaTarget {
            workgroup: args.workgroup.clone(),
            database: args.database.clone(),
            output_location: args.output_location.clone(),
        },
        by: args.by.into(),
        keep_rows: args.rows || ctx.g.output == OutputFormat::Json,
    };
    let show = std::io::stderr().is_terminal();
    let progress = move |p: Progress, _: &[invocations::Invocation]| {
        if show {
            eprint!(
                "\r\x1b[K{}, {}, {}",
                words::count(p.objects, "object"),
                words::bytes(p.bytes),
                words::count(p.calls, "call")
            );
        }
    };
    let mut report = invocations::invocations(ctx.aws, ctx.subject, &query, &progress).await?;
    report
        .timeline
        .name_accounts(&invocations::account_names(ctx.app));
    if show {
        eprint!("\r\x1b[K");
    }
    for s in &report.sources {
        if args.show_sql
            && let Some(sql) = &s.sql
        {
            eprintln!("{}", sanitize::block(sql));
        }
        if s.status != "used" {
            eprintln!(
                "cdkx: {} source {}: {}",
                source_name(s.source),
                s.status,
                sanitize::line(&s.detail)
            );
            if let Some(how) = &s.how_to_enable {
                eprintln!("  to enable it:\n    {}", sanitize::line(how));
            }
        }
    }
    match ctx.g.output {
        OutputFormat::Json => println!("{}", crate::sanitize::json(&report)?),
        OutputFormat::Text => {
            print!("{}", render_text(&report, args.rows));
            if args.chart {
                print!("{}", chart_text(&report));
            }
        }
        OutputFormat::Table => {
            let width = super::output_width(ctx.g);
            print!("{}", render(&report, args.rows, width));
            if args.chart && !report.timeline.accounts.is_empty() {
                print!(
                    "\n{}",
                    timeline::render(&report.timeline, &report.since, &report.until, width)
                );
            }
        }
    }
    let nothing_read = report.sources.iter().all(|s| s.status != "used");
    Ok(i32::from(nothing_read))
}

fn source_name(s: SourceKind) -> &'static str {
    match s {
        SourceKind::Auto => "auto",
        SourceKind::Trail => "trail",
        SourceKind::Athena => "athena",
        SourceKind::Lake => "lake",
        SourceKind::AccessLogs => "access-logs",
    }
}

fn render(r: &InvocationReport, rows: bool, width: Option<usize>) -> String {
    let mut out = format!(
        "{}: {}, {}, {} to {}\n",
        sanitize::line(&r.construct_path),
        words::count(r.total, "call"),
        words::count(r.errors, "error"),
        words::to_second(&r.since),
        words::to_second(&r.until)
    );
    for s in r.sources.iter().filter(|s| s.status == "used") {
        out.push_str(&format!(
            "  from {}: {}, {} read\n",
            sanitize::line(&s.detail),
            words::count(s.objects_read, "object"),
            words::bytes(s.bytes_read)
        ));
    }
    if r.groups.is_empty() {
        return out;
    }
    out.push('\n');
    out.push_str(&groups_table(r).render_fit(width));
    if rows && let Some(t) = calls_table(r) {
        out.push('\n');
        out.push_str(&t.render_fit(width));
    }
    out
}

/// `--output text`: the summary's records, or with `--rows` the calls, tab-separated.
fn render_text(r: &InvocationReport, rows: bool) -> String {
    match calls_table(r) {
        Some(t) if rows => t.render_text(),
        _ => groups_table(r).render_text(),
    }
}

/// `--chart` with `--output text`: per caller account, tab-separated: the account, the app's
/// name for it, its total and its calls in each bucket (as `-o json`'s `timeline`).
fn chart_text(r: &InvocationReport) -> String {
    let mut t = Table::new(vec!["ACCOUNT", "NAME", "TOTAL", "COUNTS"]);
    for a in &r.timeline.accounts {
        let counts: Vec<String> = a.counts.iter().map(u64::to_string).collect();
        t.push(vec![
            a.account.clone(),
            a.name.clone().unwrap_or_default(),
            a.total.to_string(),
            counts.join(" "),
        ]);
    }
    t.render_text()
}

fn groups_table(r: &InvocationReport) -> Table {
    let key = match r.by {
        GroupBy::Account => "CALLER ACCOUNT",
        GroupBy::Principal => "PRINCIPAL",
        GroupBy::Day => "DAY",
    };
    let mut t = Table::with_columns(vec![
        Col::new(key, 16),
        Col::new("CALLS", 5),
        Col::new("ERRORS", 6),
        Col::new("FIRST SEEN", 10).optional(2),
        Col::new("LAST SEEN", 10).optional(1),
        Col::new("CROSS-ACCOUNT", 13),
    ]);
    for g in &r.groups {
        t.push(vec![
            g.key.clone(),
            g.calls.to_string(),
            g.errors.to_string(),
            g.first_seen.clone(),
            g.last_seen.clone(),
            if g.cross_account {
                "YES".into()
            } else {
                String::new()
            },
        ]);
    }
    t
}

fn calls_table(r: &InvocationReport) -> Option<Table> {
    let calls = r.rows.as_ref()?;
    let mut t = Table::with_columns(vec![
        Col::new("TIME", 20),
        Col::new("CALLER ACCOUNT", 14),
        Col::new("PRINCIPAL", 20),
        Col::new("SOURCE IP", 9).optional(2),
        Col::new("ERROR", 8).optional(1).prose(),
        Col::new("XACCT", 5),
    ]);
    for c in calls {
        t.push(vec![
            c.time.clone(),
            c.caller_account.clone().unwrap_or_else(|| "-".into()),
            c.principal.clone(),
            c.source_ip.clone().unwrap_or_else(|| "-".into()),
            c.error.clone().unwrap_or_default(),
            if c.cross_account {
                "YES".into()
            } else {
                String::new()
            },
        ]);
    }
    Some(t)
}
