//! `cdkx FUNCTION metrics` (and a REST API's): each series as a sparkline that fits the
//! terminal, with its min, max and sum (drawn by `present::metrics`, as the TUI draws them);
//! the numbers themselves with `-o json`.

use std::io::IsTerminal;

use anyhow::{Result, anyhow};

use super::OutputFormat;
use super::args::MetricsArgs;
use super::construct::Ctx;
use crate::actions::metrics::{self, MetricsRequest};
use crate::present::metrics::render;
use crate::time::parse_when;

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: MetricsArgs = ctx.parse(args);
    let now = crate::time::now();
    let since = parse_when(&args.since, now).map_err(|e| anyhow!("--since: {e}"))?;
    let period = args.period;
    let report = metrics::metrics(
        ctx.aws,
        ctx.subject,
        &MetricsRequest {
            since_s: since as i64,
            until_s: now as i64,
            period_s: period,
            stage: args.stage.clone(),
        },
    )
    .await?;
    if ctx.g.output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report, columns()));
    }
    Ok(0)
}

/// `COLUMNS`, else the terminal's width, else 100.
fn columns() -> usize {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
    {
        return c;
    }
    if std::io::stdout().is_terminal()
        && let Ok((w, _)) = crossterm::terminal::size()
    {
        return usize::from(w);
    }
    100
}
