//! The command-line front end: argument parsing, and for each subcommand a function that loads
//! what it needs, calls the actions and prints their results. It never calls the SDK itself.

mod audit;
pub mod complete;
mod console;
mod construct;
pub(crate) mod describe;
mod invocations;
mod invoke;
mod list;
mod listing;
mod logs;
mod metrics;
mod probe;
mod sides;
pub mod table;
mod whoami;
pub mod words;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::assembly;
use crate::aws::{Aws, AwsOptions};
use crate::cache::Cache;
use crate::catalogue::CommandCatalogue;
use crate::model::App;

const AFTER_HELP: &str = "\
Examples:
  cdkx list                          every resource of every stack, with physical ids
  cdkx list --offline --output json  what the assembly holds, no AWS calls
  cdkx iamApiFn                      the commands available for a construct
  cdkx iamApiFn describe             run one (extra arguments are passed on)
  cdkx run list describe             the same, for a construct whose name is a subcommand

A construct is named by its path, its id, its logical id, a unique path suffix or a unique
substring. cdkx options go before the construct name; everything after the command name is
passed to the command.";

#[derive(Debug, Parser)]
#[command(
    name = "cdkx",
    version = env!("CDKX_VERSION"),
    about = "See and exercise a deployed AWS CDK app from the terminal",
    long_about = "See and exercise a deployed AWS CDK app from the terminal.\n\n\
cdkx reads the cloud assembly (cdk.out) of a CDK app, asks CloudFormation for the physical ids \
of what is deployed, and runs commands on each construct: built-in ones and your own from \
construct-commands.json (the cdk-app-cli format).",
    after_help = AFTER_HELP,
    allow_external_subcommands = true,
    subcommand_value_name = "CONSTRUCT|COMMAND",
    subcommand_help_heading = "Commands"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The CDK app: a cdk.out directory, or a directory holding cdk.json [default: ./cdk.out]
    #[arg(long, global = true, env = "CDK_APP_DIR", value_name = "DIR")]
    pub app: Option<PathBuf>,
    /// AWS profile to use (from ~/.aws/config)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region for every stack [default: each stack's own, else the configured region]
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Send AWS calls to this endpoint (e.g. a local emulator); AWS_ENDPOINT_URL also works
    #[arg(long, global = true, value_name = "URL", value_parser = parse_endpoint)]
    pub endpoint_url: Option<String>,
    /// Output format
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Ignore cached physical ids and ask CloudFormation again
    #[arg(long, global = true)]
    pub refresh: bool,
    /// A construct-commands file to use instead of the app directory's
    #[arg(long, global = true, value_name = "FILE")]
    pub commands: Option<PathBuf>,
    /// Assume this role for calls to its account (other accounts: cdkx.toml, else your credentials)
    #[arg(long, global = true, value_name = "ARN", value_parser = parse_role_arn)]
    pub role_arn: Option<String>,
    /// External id for --role-arn, when the role's trust policy asks for one
    #[arg(long, global = true, value_name = "ID", requires = "role_arn")]
    pub external_id: Option<String>,
    /// Seconds one AWS call may take, retries included, before cdkx gives up on it [default: 20]
    #[arg(long, global = true, env = "CDKX_TIMEOUT", value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<f64>,
    /// Print every value in full, even when a table is wider than the terminal
    #[arg(long, global = true)]
    pub wide: bool,
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0 and 3600"
        )),
    }
}

/// An http(s) URL with a host and nothing that could split a request (`--endpoint-url`,
/// `AWS_ENDPOINT_URL`).
fn parse_endpoint(s: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!(
            "{} is not an endpoint URL ({why}); expected e.g. http://127.0.0.1:4566 or https://HOST",
            crate::sanitize::excerpt(&format!("{s:?}"), 100)
        )
    };
    if s.chars().any(char::is_control) {
        return Err(bad("it holds a control character"));
    }
    let url: reqwest::Url = s.parse().map_err(|e| bad(&format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    Ok(s.to_string())
}

/// A role ARN, checked as cdkx.toml's `role_arn` is.
fn parse_role_arn(s: &str) -> Result<String, String> {
    match crate::config::role_account(s) {
        Some(_) => Ok(s.to_string()),
        None => Err(format!(
            "{} is not a role ARN; expected arn:aws:iam::ACCOUNT:role/NAME",
            crate::sanitize::excerpt(&format!("{s:?}"), 100)
        )),
    }
}

/// A mistake in how cdkx was called that cdkx itself found (not clap): reported like any error,
/// with exit status 2 as the README promises for bad usage.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A [`UsageError`] as an `anyhow::Error`.
pub(crate) fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// Exit status of bad usage.
pub const USAGE_EXIT: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people
    Table,
    /// Stable JSON on stdout, for scripts
    Json,
    /// Tab-separated fields, one record per line, no header (the aws CLI's text, for cut/awk)
    Text,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List every resource of every stack with its physical id
    List(list::ListArgs),
    /// Run a command on a construct (the explicit form of `cdkx CONSTRUCT [COMMAND]`)
    Run(construct::RunWords),
    /// Who the credentials for each of the app's accounts are, and how they were obtained
    Whoami,
    /// Call any URL unsigned and SigV4-signed (execute-api), and explain both answers
    Probe(probe::UrlProbeArgs),
    /// Open the interactive terminal UI (what `cdkx` alone does on a terminal)
    Tui(crate::tui::TuiArgs),
    /// Print the shell completion script (subcommands, flags and the app's construct names)
    Completions(complete::CompletionsArgs),
    /// Print the man page (roff), e.g. `cdkx man > ~/.local/share/man/man1/cdkx.1`
    Man,
    #[command(external_subcommand)]
    External(Vec<String>),
}

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
        Some(Cmd::Tui(args)) => crate::tui::run(&g, args).await,
        Some(Cmd::Completions(args)) => complete::print_script(&args),
        Some(Cmd::Man) => complete::print_man(),
        None if crate::tui::is_interactive() => {
            crate::tui::run(&g, crate::tui::TuiArgs::from_env()).await
        }
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(2)
        }
    }
}

/// The app, its catalogue and where they came from, as every subcommand needs them.
pub(crate) struct Loaded {
    pub app: App,
    pub location: assembly::Location,
}

pub(crate) fn load_app(g: &GlobalArgs) -> Result<Loaded> {
    load_app_with(g, assembly::ReadOptions::default())
}

/// The app, read as `options` say (e.g. without resources' properties, for `list`).
pub(crate) fn load_app_with(g: &GlobalArgs, options: assembly::ReadOptions) -> Result<Loaded> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let location = assembly::locate(g.app.as_deref(), &cwd)?;
    let app = App::load(&location.assembly_dir, options)?;
    check_role_account(g, &app)?;
    Ok(Loaded { app, location })
}

/// The app as far as naming `query` needs it (one stack for a construct path, see
/// `App::load_resolving`), and what the name resolved to. How a name that is not exact was
/// understood is said on stderr.
pub(crate) fn load_app_resolving(
    g: &GlobalArgs,
    query: &str,
) -> Result<(
    Loaded,
    Result<crate::model::Resolved, crate::model::ResolveError>,
)> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let location = assembly::locate(g.app.as_deref(), &cwd)?;
    let (app, resolved) = if g.role_arn.is_some() {
        // --role-arn is checked against every account of the app: all of it is needed.
        let app = App::load(&location.assembly_dir, assembly::ReadOptions::default())?;
        check_role_account(g, &app)?;
        let resolved = app.resolve_noting(query);
        (app, resolved)
    } else {
        App::load_resolving(&location.assembly_dir, query)?
    };
    let resolved = resolved.map(|(r, note)| {
        if let Some(note) = note {
            eprintln!("cdkx: {}", crate::sanitize::line(&note));
        }
        r
    });
    Ok((Loaded { app, location }, resolved))
}

/// `--role-arn` must name a role in an account the app has a stack in: a role elsewhere would
/// never be used, silently.
pub(crate) fn check_role_account(g: &GlobalArgs, app: &App) -> Result<()> {
    let Some(account) = g.role_arn.as_deref().and_then(crate::config::role_account) else {
        return Ok(());
    };
    let mut accounts: Vec<&str> = Vec::new();
    for s in &app.stacks {
        match s.env.account.as_deref() {
            // An environment-agnostic stack goes to whatever account the credentials are for.
            None => return Ok(()),
            Some(a) if !accounts.contains(&a) => accounts.push(a),
            Some(_) => {}
        }
    }
    if accounts.is_empty() || accounts.contains(&account) {
        return Ok(());
    }
    Err(usage(format!(
        "--role-arn names a role in account {account}, but no stack of the app is in that account (the app's accounts: {})",
        accounts.join(", ")
    )))
}

pub(crate) fn load_catalogue(
    g: &GlobalArgs,
    app_dir: &std::path::Path,
) -> Result<CommandCatalogue> {
    let mut catalogue = CommandCatalogue::builtin();
    let project = match &g.commands {
        Some(file) => Some(CommandCatalogue::load_file(file)?),
        None => CommandCatalogue::load_project(app_dir)?,
    };
    if let Some(p) = project {
        catalogue.merge(p);
    }
    Ok(catalogue)
}

/// AWS access as the flags, the environment and cdkx.toml (app and user level) say. A
/// `--profile` that no AWS config file defines is an error naming it and the files.
pub(crate) async fn connect(g: &GlobalArgs) -> Result<Aws> {
    if let Some(p) = &g.profile {
        check_profile(p)?;
    }
    connect_any(g).await
}

/// Whether the profile `name` is defined in the AWS config or credentials file (as the SDK
/// reads them: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`).
fn check_profile(name: &str) -> Result<()> {
    let home = dirs::home_dir().unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default))
    };
    let config = file("AWS_CONFIG_FILE", "config");
    let credentials = file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    for (path, prefixed) in [(&config, true), (&credentials, false)] {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let defined = text.lines().any(|line| {
            let l = line.trim();
            let Some(inner) = l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
                return false;
            };
            let inner = inner.trim();
            let section = if prefixed {
                inner.strip_prefix("profile ").map_or(inner, str::trim)
            } else {
                inner
            };
            section == name
        });
        if defined {
            return Ok(());
        }
    }
    anyhow::bail!(
        "profile {:?} (--profile) is not defined in {} or {}; `aws configure list-profiles` lists the defined ones",
        crate::sanitize::line(name),
        config.display(),
        credentials.display()
    )
}

/// [`connect`] without checking `--profile` first (`whoami` reports an unusable profile in
/// its table, account by account).
pub(crate) async fn connect_any(g: &GlobalArgs) -> Result<Aws> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // cdkx.toml lives in the app directory; without an app, the user's file still counts.
    let app_dir = assembly::locate(g.app.as_deref(), &cwd)
        .ok()
        .map(|l| l.app_dir);
    let config = crate::config::Config::load(app_dir.as_deref())?;
    // The SDK reads AWS_ENDPOINT_URL itself and would fail on a bad one with a dump of its own.
    if g.endpoint_url.is_none()
        && let Some(e) = std::env::var_os("AWS_ENDPOINT_URL").filter(|e| !e.is_empty())
    {
        parse_endpoint(&e.to_string_lossy())
            .map_err(|m| usage(format!("AWS_ENDPOINT_URL: {m}")))?;
    }
    Ok(Aws::load(AwsOptions {
        profile: g.profile.clone(),
        region: g.region.clone(),
        endpoint_url: g.endpoint_url.clone(),
        role_arn: g.role_arn.clone(),
        external_id: g.external_id.clone(),
        accounts: config.accounts,
        timeout: g.timeout.map(std::time::Duration::from_secs_f64),
    })
    .await)
}

pub(crate) fn cache() -> Cache {
    let cache = Cache::default_location();
    if let Some(w) = cache.warning() {
        eprintln!("cdkx: warning: {}", crate::sanitize::line(w));
    }
    cache
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
