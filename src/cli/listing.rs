//! The built-in listings (`stages`, `ls`, `attributes`, `subscriptions`, `scan`, `policies`,
//! `resources`, `events`) as a table, tab-separated text or one JSON document; a note on stderr
//! when the listing was cut at `--limit`.

use anyhow::Result;

use super::OutputFormat;
use super::args::{LimitArgs, LsArgs, PlainArgs};
use super::construct::Ctx;
use crate::actions::listing::{self, ListingRequest};
use crate::catalogue::NativeAction;
use crate::present::table::Table;
use crate::sanitize;

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
