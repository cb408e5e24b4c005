//! `cdkx CONSTRUCT describe`: what AWS knows of a construct, as JSON (`-o json`) or as the
//! readable sections of [`crate::present::describe`].

use anyhow::Result;

use super::OutputFormat;
use super::args::DescribeArgs;
use super::construct::Ctx;
use crate::actions::describe::{DescribeOptions, describe};
use crate::present::describe::render_for;

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: DescribeArgs = ctx.parse(args);
    let opts = DescribeOptions {
        show_env: args.show_env,
    };
    let description = describe(ctx.app, Some(ctx.deployment), ctx.aws, ctx.subject, opts).await?;
    if ctx.g.output == OutputFormat::Json {
        println!("{}", crate::sanitize::json(&description)?);
    } else {
        print!(
            "{}",
            render_for(&description, Some("--show-env shows them"))
        );
    }
    Ok(0)
}
