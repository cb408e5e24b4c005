//! The built-in listings (`stages`, `ls`, `attributes`, `subscriptions`, `scan`, `policies`,
//! `resources`, `events`) as a table, tab-separated text or one JSON document; a note on stderr
//! when the listing was cut at `--limit`.

use anyhow::Result;
use clap::Parser;

use super::OutputFormat;
use super::construct::Ctx;
use crate::actions::listing::{self, ListingRequest};
use crate::catalogue::NativeAction;
use crate::present::table::Table;
use crate::sanitize;

/// Listings without options.
#[derive(Debug, Parser)]
#[command(about = "List what AWS holds for the resource (as a table, text or JSON)")]
struct PlainArgs {}

/// Listings that may be long: at most --limit items.
#[derive(Debug, Parser)]
#[command(about = "List what AWS holds for the resource, the first --limit items")]
struct LimitArgs {
    /// At most this many items (default 100)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    limit: Option<u32>,
}

/// `ls [PREFIX]`, as `aws s3 ls s3://BUCKET/PREFIX` lists.
#[derive(Debug, Parser)]
#[command(
    about = "The bucket's prefixes and objects directly under PREFIX (as `aws s3 ls` lists them)"
)]
struct LsArgs {
    /// A key prefix (end it with / to list a "folder")
    prefix: Option<String>,
    /// At most this many entries (default 100)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    limit: Option<u32>,
}

fn request(ctx: &Ctx<'_>, action: NativeAction, args: &[String]) -> ListingRequest {
    match action {
        NativeAction::Ls => {
            let a: LsArgs = ctx.parse(args);
            ListingRequest {
                limit: a.limit.map(|n| n as usize),
                prefix: a.prefix,
            }
        }
        NativeAction::Scan | NativeAction::Events | NativeAction::Subscriptions => {
            let a: LimitArgs = ctx.parse(args);
            ListingRequest {
                limit: a.limit.map(|n| n as usize),
                prefix: None,
            }
        }
        _ => {
            let _: PlainArgs = ctx.parse(args);
            ListingRequest::default()
        }
    }
}

pub async fn run(ctx: &Ctx<'_>, action: NativeAction, args: &[String]) -> Result<i32> {
    let req = request(ctx, action, args);
    let listing = listing::run(ctx.aws, ctx.subject, action, &req).await?;
    if ctx.g.output == OutputFormat::Json {
        println!("{}", sanitize::json(&listing)?);
    } else {
        let mut table = Table::new(listing.columns.iter().map(|(h, _)| *h).collect());
        for item in &listing.items {
            table.push(listing.row(item));
        }
        if table.is_empty() && ctx.g.output != OutputFormat::Text {
            eprintln!("nothing to list");
        } else {
            print!("{}", super::render_table(&table, ctx.g));
        }
    }
    if let Some(note) = &listing.note {
        eprintln!("{}", sanitize::line(note));
    }
    Ok(0)
}

/// The listing's own arguments, for checking them (and answering `--help`) before any AWS call.
pub(super) fn args_command(action: NativeAction) -> clap::Command {
    use clap::CommandFactory;
    match action {
        NativeAction::Ls => LsArgs::command(),
        NativeAction::Scan | NativeAction::Events | NativeAction::Subscriptions => {
            LimitArgs::command()
        }
        _ => PlainArgs::command(),
    }
}
