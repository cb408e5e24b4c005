//! The command-line front end and the launcher above the TUI: the arguments ([`args`]), and for
//! each subcommand a function that opens a [`crate::session::Session`], calls the actions and
//! prints their results (as [`crate::present`] words them). It never calls the SDK itself.

pub mod args;
mod audit;
pub mod complete;
mod console;
mod construct;
mod describe;
mod invocations;
mod invoke;
mod list;
mod listing;
mod logs;
mod metrics;
mod probe;
mod whoami;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::model::App;

pub use crate::session::UsageError;
pub(crate) use crate::session::usage;
pub use args::{Cli, Cmd, GlobalArgs, OutputFormat, TuiArgs};

/// Exit status of bad usage.
pub const USAGE_EXIT: u8 = 2;

/// Parses the arguments, runs the command and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    // A shell asking for completions gets them and nothing else.
    complete::answer_if_asked();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cdkx: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(1)),
        Err(e) => {
            eprintln!("cdkx: error: {}", format_error(&e));
            if e.chain().any(|c| c.is::<UsageError>()) {
                ExitCode::from(USAGE_EXIT)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn format_error(e: &anyhow::Error) -> String {
    let mut s = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
    }
    crate::sanitize::block(&s).into_owned()
}

async fn run(cli: Cli) -> Result<i32> {
    let g = cli.global;
    match cli.command {
        Some(Cmd::List(args)) => list::run(&g, args).await,
        Some(Cmd::Run(args)) => {
            construct::run(&g, construct::RunArgs::from_words(args.words)?).await
        }
        Some(Cmd::Whoami) => whoami::run(&g).await,
        Some(Cmd::Probe(args)) => probe::run_url(&g, args).await,
        Some(Cmd::External(words)) => {
            construct::run(&g, construct::RunArgs::from_words(words)?).await
        }
        Some(Cmd::Tui(args)) => crate::tui::run(&g.session(), args.readonly).await,
        Some(Cmd::Completions(args)) => complete::print_script(&args),
        Some(Cmd::Man) => complete::print_man(),
        None if crate::tui::is_interactive() => {
            crate::tui::run(&g.session(), TuiArgs::from_env().readonly).await
        }
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(2)
        }
    }
}

/// Prints lookup warnings and failures to stderr (stdout is for data).
pub(crate) fn report(app: &App, d: &crate::deployed::Deployment) {
    for w in &d.warnings {
        eprintln!("cdkx: warning: {}", crate::sanitize::line(w));
    }
    for (i, why) in d.failures() {
        let s = &app.stacks[i];
        if !s.is_nested() {
            eprintln!(
                "cdkx: error: could not look up stack {}: {}",
                crate::sanitize::line(&s.name),
                crate::sanitize::line(why)
            );
        }
    }
}

/// The width tables are fitted to: the terminal's, unless `--wide` asks for everything.
pub(crate) fn output_width(g: &GlobalArgs) -> Option<usize> {
    if g.wide {
        None
    } else {
        crate::present::table::terminal_width()
    }
}

/// `t` as `--output` asks: `text` as tab-separated records, else the table fitted to the width.
pub(crate) fn render_table(t: &crate::present::table::Table, g: &GlobalArgs) -> String {
    match g.output {
        OutputFormat::Text => t.render_text(),
        _ => t.render_fit(output_width(g)),
    }
}
