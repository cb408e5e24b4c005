//! `cdkx FUNCTION|API invocations`: who called it, from which accounts, how often.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use clap::Parser;

use super::construct::Ctx;
use super::{OutputFormat, table::Table};
use crate::actions::audit::parse_when;
use crate::actions::invocations::{
    self, GroupBy, InvocationQuery, InvocationReport, Progress, SourceKind,
};
use crate::aws::AthenaTarget;
use crate::sanitize;

#[derive(Debug, Parser)]
#[command(
    about = "Who invoked the function (Lambda data events) or the API (access logs), and how often",
    after_help = "CloudTrail's event history never shows these calls. cdkx reads them from a \
trail that logs Lambda data events (its S3 objects, or --trail-logs DIR), from an Athena table \
over that trail (--athena-table), from a CloudTrail Lake event data store where the account has \
one (used by auto when present), or, for a REST API, from its stage's access logs. A source that \
is not set up is reported with the command that sets it up."
)]
struct InvocationsArgs {
    /// Start of the window (30m, 12h, 7d, or 2025-01-01T00:00Z)
    #[arg(long, default_value = "1d", value_name = "WHEN")]
    since: String,
    /// End of the window
    #[arg(long, default_value = "now", value_name = "WHEN")]
    until: String,
    /// Where to read the calls from
    #[arg(long, value_enum, default_value_t = SourceKind::Auto)]
    source: SourceKind,
    /// Group the summary by caller account, principal or day
    #[arg(long, value_enum, default_value_t = GroupBy::Account)]
    by: GroupBy,
    /// Also list every call
    #[arg(long)]
    rows: bool,
    /// Read trail log files (*.json.gz) from this directory instead of S3
    #[arg(long, value_name = "DIR")]
    trail_logs: Option<PathBuf>,
    /// Query this Athena table of the trail (DATABASE.TABLE)
    #[arg(long, value_name = "TABLE")]
    athena_table: Option<String>,
    /// Athena workgroup
    #[arg(long, value_name = "W")]
    workgroup: Option<String>,
    /// Athena database (when --athena-table has none)
    #[arg(long, value_name = "D")]
    database: Option<String>,
    /// Where Athena writes results (s3://bucket/prefix/)
    #[arg(long, value_name = "S3_URL")]
    output_location: Option<String>,
    /// Print the Athena query
    #[arg(long)]
    show_sql: bool,
}

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: InvocationsArgs = ctx.parse(args);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    let since = parse_when(&args.since, now).map_err(|e| super::usage(format!("--since: {e}")))?;
    let until = parse_when(&args.until, now).map_err(|e| super::usage(format!("--until: {e}")))?;
    let query = InvocationQuery {
        since,
        until,
        source: args.source,
        trail_logs: args.trail_logs.clone(),
        athena_table: args.athena_table.clone(),
        athena: AthenaTarget {
            workgroup: args.workgroup.clone(),
            database: args.database.clone(),
            output_location: args.output_location.clone(),
        },
        by: args.by,
        keep_rows: args.rows || ctx.g.output == OutputFormat::Json,
    };
    let show = std::io::stderr().is_terminal();
    let progress = move |p: Progress, _: &[invocations::Invocation]| {
        if show {
            eprint!(
                "\r{} objects, {:.1} MB, {} calls",
                p.objects,
                p.bytes as f64 / 1e6,
                p.calls
            );
        }
    };
    let report = invocations::invocations(ctx.aws, ctx.subject, &query, &progress).await?;
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
        _ => print!("{}", render(&report, args.rows)),
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

fn render(r: &InvocationReport, rows: bool) -> String {
    let mut out = format!(
        "{}: {} calls, {} errors, {} to {}\n",
        sanitize::line(&r.construct_path),
        r.total,
        r.errors,
        r.since,
        r.until
    );
    for s in r.sources.iter().filter(|s| s.status == "used") {
        out.push_str(&format!(
            "  from {}: {} objects, {:.1} MB read\n",
            sanitize::line(&s.detail),
            s.objects_read,
            s.bytes_read as f64 / 1e6
        ));
    }
    if r.groups.is_empty() {
        return out;
    }
    out.push('\n');
    let key = match r.by {
        GroupBy::Account => "CALLER ACCOUNT",
        GroupBy::Principal => "PRINCIPAL",
        GroupBy::Day => "DAY",
    };
    let mut t = Table::new(vec![
        key,
        "CALLS",
        "ERRORS",
        "FIRST SEEN",
        "LAST SEEN",
        "CROSS-ACCOUNT",
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
    out.push_str(&t.render());
    if rows && let Some(calls) = &r.rows {
        out.push('\n');
        let mut t = Table::new(vec![
            "TIME",
            "CALLER ACCOUNT",
            "PRINCIPAL",
            "SOURCE IP",
            "ERROR",
            "XACCT",
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
        out.push_str(&t.render());
    }
    out
}
