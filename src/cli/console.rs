//! `cdkx CONSTRUCT console` (also `visit-console`) and `audit-console`: open the construct's
//! page in the AWS console, or CloudTrail's event history for it, or print the URL.

use anyhow::Result;

use super::OutputFormat;
use super::args::ConsoleArgs;
use super::construct::Ctx;
use crate::actions::command::{RunError, open_in_browser};
use crate::actions::console::{ConsoleRequest, console_url};
use crate::sanitize;

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
        open_or_print(ctx.command, &url, ctx.g.output == OutputFormat::Json)?;
    }
    Ok(0)
}

/// Opens `url` in a browser; where none can be started (no display, no `xdg-open`, a `BROWSER`
/// that does not run), prints the URL on stdout and says how to open it. Not being able to
/// start a browser is not an error: the URL is what was asked for.
pub(super) fn open_or_print(command: &str, url: &str, url_printed: bool) -> Result<()> {
    eprintln!("> opening {}", sanitize::line(url));
    match open_in_browser(command, url) {
        Ok(()) => Ok(()),
        // A URL that is not https is refused, never handed to anything.
        Err(e @ RunError::NotHttps { .. }) => Err(e.into()),
        Err(e) => {
            if !url_printed {
                println!("{}", sanitize::line(url));
            }
            eprintln!(
                "cdkx: no browser could be started ({}); open the URL above yourself, set BROWSER \
             to a browser command, or use --print to only print it",
                sanitize::line(&e.to_string())
            );
            Ok(())
        }
    }
}
