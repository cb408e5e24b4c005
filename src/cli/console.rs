//! `cdkx CONSTRUCT console` (also `visit-console`) and `audit-console`: open the construct's
//! page in the AWS console, or CloudTrail's event history for it, or print the URL.

use anyhow::Result;
use clap::Parser;

use super::OutputFormat;
use super::construct::Ctx;
use crate::actions::command::open_in_browser;
use crate::actions::console::{ConsoleRequest, console_url};
use crate::sanitize;

/// Open the resource's page in the AWS console (audit-console: CloudTrail's event history for
/// it). With --print, print the URL instead.
#[derive(Debug, Parser)]
struct ConsoleArgs {
    /// Print the URL instead of opening a browser
    #[arg(long, short)]
    print: bool,
    /// For a REST API: open its stages page
    #[arg(long, value_name = "STAGE")]
    stage: Option<String>,
}

pub fn run(ctx: &Ctx<'_>, args: &[String], audit: bool) -> Result<i32> {
    let args: ConsoleArgs = ctx.parse(args);
    if audit && args.stage.is_some() {
        return Err(super::usage(format!(
            "`{}` opens CloudTrail's event history; --stage is for `console`",
            ctx.command
        )));
    }
    let req = ConsoleRequest {
        audit,
        stage: args.stage.as_deref(),
    };
    let url = console_url(ctx.subject, ctx.deployment, req)?;
    if ctx.g.output == OutputFormat::Json {
        println!(
            "{}",
            crate::sanitize::json_line(&serde_json::json!({ "url": url }))?
        );
    } else if args.print {
        println!("{}", sanitize::line(&url));
    }
    if !args.print {
        eprintln!("> opening {}", sanitize::line(&url));
        open_in_browser(ctx.command, &url)?;
    }
    Ok(0)
}
