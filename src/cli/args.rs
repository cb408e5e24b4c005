//! Every clap type of the command line: the top-level parser, the global options, the
//! subcommands and their arguments, and the CLI's own value enums (the actions below stay free of
//! clap). The global options are defined once, here: the list of them that `cdkx CONSTRUCT ...`
//! recognizes after the construct ([`global_flags`]) and the way they are laid over the ones given
//! before it ([`GlobalArgs::overlay`]) are derived from this definition by clap, not typed again.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::actions::invocations::{GroupBy, SourceKind};
use crate::catalogue::NativeAction;
use crate::session::{Session, Settings};

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
    #[arg(long, global = true, value_name = "URL", value_parser = crate::session::parse_endpoint)]
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

impl GlobalArgs {
    /// The settings below both front ends (what is not about printing).
    pub fn settings(&self) -> Settings {
        Settings {
            app: self.app.clone(),
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            refresh: self.refresh,
            commands: self.commands.clone(),
            role_arn: self.role_arn.clone(),
            external_id: self.external_id.clone(),
            timeout: self.timeout.map(Duration::from_secs_f64),
        }
    }

    /// The session these options open.
    pub fn session(&self) -> Session {
        Session::new(self.settings())
    }

    /// These options with the ones in `typed` (as written after the construct, e.g.
    /// `cdkx fn -o json invoke`) laid over them: an option typed there wins, a switch typed
    /// there is set, everything else stays as it was.
    pub fn overlay(&self, typed: &[String]) -> Result<GlobalArgs> {
        let mut out = self.clone();
        if typed.is_empty() {
            return Ok(out);
        }
        let matches = typed_only().try_get_matches_from(typed)?;
        out.update_from_arg_matches(&matches)?;
        Ok(out)
    }
}

/// The global options as a parser of what was typed and nothing else: no defaults, no
/// environment, and a switch present only when given (so laying them over others changes only
/// what the user wrote).
fn typed_only() -> clap::Command {
    GlobalArgs::augment_args(clap::Command::new("cdkx").no_binary_name(true)).mut_args(|a| {
        let a = a.default_value(None).env(None).global(false);
        if matches!(a.get_action(), ArgAction::SetTrue) {
            a.action(ArgAction::Set)
                .num_args(0)
                .default_missing_value("true")
        } else {
            a
        }
    })
}

/// cdkx's global options as they may be written (`--region`, `-o`, ...) and whether each takes
/// a value, read from [`GlobalArgs`]' definition.
pub fn global_flags() -> Vec<(String, bool)> {
    let cmd = GlobalArgs::augment_args(clap::Command::new("cdkx"));
    let mut out = Vec::new();
    for a in cmd.get_arguments() {
        let takes_value = a.get_action().takes_values();
        if let Some(long) = a.get_long() {
            out.push((format!("--{long}"), takes_value));
        }
        if let Some(short) = a.get_short() {
            out.push((format!("-{short}"), takes_value));
        }
    }
    out
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds between 0 and 3600"
        )),
    }
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
    List(ListArgs),
    /// Run a command on a construct (the explicit form of `cdkx CONSTRUCT [COMMAND]`)
    Run(RunWords),
    /// Who the credentials for each of the app's accounts are, and how they were obtained
    Whoami,
    /// Call any URL unsigned and SigV4-signed (execute-api), and explain both answers
    Probe(UrlProbeArgs),
    /// Open the interactive terminal UI (what `cdkx` alone does on a terminal)
    Tui(TuiArgs),
    /// Print the shell completion script (subcommands, flags and the app's construct names)
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `cdkx man > ~/.local/share/man/man1/cdkx.1`
    Man,
    #[command(external_subcommand)]
    External(Vec<String>),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only stacks whose name or path contains this (case-insensitive)
    #[arg(long, value_name = "STACK")]
    pub stack: Option<String>,
    /// Only resources whose CloudFormation type or construct type contains this (e.g. Lambda)
    #[arg(long = "type", value_name = "TYPE")]
    pub type_filter: Option<String>,
    /// Read the assembly only; make no AWS call (physical ids are not shown)
    #[arg(long)]
    pub offline: bool,
    /// Also list CDK bookkeeping resources (AWS::CDK::Metadata)
    #[arg(long)]
    pub all: bool,
}

/// `cdkx run CONSTRUCT [COMMAND] [ARGS...]`: the words as typed, read exactly as
/// `cdkx CONSTRUCT ...` reads them (so `cdkx run X -x` is `cdkx X -x`).
#[derive(Debug, Args)]
pub struct RunWords {
    /// The construct, then the command and its arguments, as for `cdkx CONSTRUCT [COMMAND] [ARGS...]`
    #[arg(
        value_name = "CONSTRUCT [COMMAND] [ARGS]",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        add = super::complete::construct_candidates()
    )]
    pub words: Vec<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct TuiArgs {
    /// Refuse what may change things (invoke, your exec commands); a READONLY badge says so
    #[arg(long, env = "CDKX_READONLY")]
    pub readonly: bool,
}

impl TuiArgs {
    /// The options when `cdkx` runs with no subcommand (so clap did not read them):
    /// `CDKX_READONLY`, as `--readonly` reads it.
    pub fn from_env() -> TuiArgs {
        let readonly = std::env::var("CDKX_READONLY").is_ok_and(|v| {
            !matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "" | "0" | "false" | "no" | "off" | "n" | "f"
            )
        });
        TuiArgs { readonly }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Args)]
#[command(after_help = "Install, for example:\n  \
    bash:       cdkx completions bash > ~/.local/share/bash-completion/completions/cdkx\n  \
    zsh:        cdkx completions zsh > \"${fpath[1]}/_cdkx\"   (or: source <(cdkx completions zsh))\n  \
    fish:       cdkx completions fish > ~/.config/fish/completions/cdkx.fish\n  \
    powershell: cdkx completions powershell >> $PROFILE\n\
The script calls cdkx back for every Tab, so construct names come from the app of the current \
directory (or CDK_APP_DIR).")]
pub struct CompletionsArgs {
    /// The shell to print the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `invocations --source`: where to read the calls from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    /// Every source that applies and is configured
    Auto,
    /// Lambda data events in the trail's S3 logs (or --trail-logs DIR)
    Trail,
    /// The same over an Athena table of the trail (--athena-table)
    Athena,
    /// A CloudTrail Lake event data store that logs Lambda data events (where the account has one)
    Lake,
    /// API Gateway access logs in CloudWatch Logs
    AccessLogs,
}

impl From<SourceArg> for SourceKind {
    fn from(s: SourceArg) -> SourceKind {
        match s {
            SourceArg::Auto => SourceKind::Auto,
            SourceArg::Trail => SourceKind::Trail,
            SourceArg::Athena => SourceKind::Athena,
            SourceArg::Lake => SourceKind::Lake,
            SourceArg::AccessLogs => SourceKind::AccessLogs,
        }
    }
}

/// `invocations --by`: how the summary is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupArg {
    Account,
    Principal,
    Day,
}

impl From<GroupArg> for GroupBy {
    fn from(g: GroupArg) -> GroupBy {
        match g {
            GroupArg::Account => GroupBy::Account,
            GroupArg::Principal => GroupBy::Principal,
            GroupArg::Day => GroupBy::Day,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    about = "CloudTrail management events for the resource (LookupEvents), newest first",
    after_help = "--output json prints one JSON object per event (JSON Lines), with the full \
CloudTrail record under \"event\", as pages arrive."
)]
pub struct AuditArgs {
    /// Start of the window: a duration back (30m, 12h, 7d) or a time (2025-01-01T00:00Z)
    #[arg(long, default_value = "90d", value_name = "WHEN")]
    pub since: String,
    /// End of the window (same forms as --since)
    #[arg(long, default_value = "now", value_name = "WHEN")]
    pub until: String,
    /// Only events of this name (e.g. UpdateFunctionCode)
    #[arg(long, value_name = "NAME")]
    pub event: Option<String>,
    /// At most this many events (0: all in the window)
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Only events whose caller is in another account than the resource
    #[arg(long)]
    pub cross_account: bool,
}

/// Open the resource's page in the AWS console (audit-console: CloudTrail's event history for
/// it). With --print, print the URL instead.
#[derive(Debug, Parser)]
pub struct ConsoleArgs {
    /// Print the URL instead of opening a browser
    #[arg(long, short)]
    pub print: bool,
    /// For a REST API: open its stages page
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
}

/// Show what AWS knows of the resource: a Lambda function's configuration and policy, a REST
/// API's stages, methods and resource policy, an HTTP API's stages and routes, or
/// CloudFormation's view of anything else.
#[derive(Debug, Parser)]
pub struct DescribeArgs {
    /// Show the values of a function's environment variables (they may hold secrets)
    #[arg(long)]
    pub show_env: bool,
}

#[derive(Debug, Parser)]
#[command(
    about = "Who invoked the function (Lambda data events) or the API (access logs), and how often",
    after_help = "CloudTrail's event history never shows these calls. cdkx reads them from a \
trail that logs Lambda data events (its S3 objects, or --trail-logs DIR), from an Athena table \
over that trail (--athena-table), from a CloudTrail Lake event data store where the account has \
one (used by auto when present), or, for a REST or HTTP API, from its stages' access logs. A source that \
is not set up is reported with the command that sets it up."
)]
pub struct InvocationsArgs {
    /// Start of the window (30m, 12h, 7d, or 2025-01-01T00:00Z)
    #[arg(long, default_value = "1d", value_name = "WHEN")]
    pub since: String,
    /// End of the window
    #[arg(long, default_value = "now", value_name = "WHEN")]
    pub until: String,
    /// Where to read the calls from
    #[arg(long, value_enum, default_value_t = SourceArg::Auto)]
    pub source: SourceArg,
    /// Group the summary by caller account, principal or day
    #[arg(long, value_enum, default_value_t = GroupArg::Account)]
    pub by: GroupArg,
    /// Also list every call
    #[arg(long)]
    pub rows: bool,
    /// Also chart the calls by caller account over the window (a sparkline per account)
    #[arg(long)]
    pub chart: bool,
    /// Read trail log files (*.json.gz) from this directory instead of S3
    #[arg(long, value_name = "DIR")]
    pub trail_logs: Option<PathBuf>,
    /// Query this Athena table of the trail (DATABASE.TABLE)
    #[arg(long, value_name = "TABLE")]
    pub athena_table: Option<String>,
    /// Athena workgroup
    #[arg(long, value_name = "W")]
    pub workgroup: Option<String>,
    /// Athena database (when --athena-table has none)
    #[arg(long, value_name = "D")]
    pub database: Option<String>,
    /// Where Athena writes results (s3://bucket/prefix/)
    #[arg(long, value_name = "S3_URL")]
    pub output_location: Option<String>,
    /// Print the Athena query
    #[arg(long)]
    pub show_sql: bool,
}

#[derive(Debug, Parser)]
#[command(
    about = "Invoke the Lambda function (RequestResponse) and show its answer",
    after_help = "Exit status: 0 when the function succeeded, 3 when it returned an error \
(FunctionError), 1 when cdkx could not invoke it.\n\nA payload of the form {\"without\": ..., \"with\": ...} \
(a requestor that calls an IAM-authorized API unsigned and signed) is shown side by side, with \
a verdict for each answer."
)]
pub struct InvokeArgs {
    /// The event as JSON text
    #[arg(long, value_name = "JSON", conflicts_with = "payload_file")]
    pub payload: Option<String>,
    /// Read the event from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub payload_file: Option<PathBuf>,
    /// Also show the run's log lines (by request id from its log group; else the last 4 KB)
    #[arg(long)]
    pub log: bool,
    /// Show the whole payload on a terminal too
    #[arg(long)]
    pub full: bool,
}

/// Listings without options.
#[derive(Debug, Parser)]
#[command(about = "List what AWS holds for the resource (as a table, text or JSON)")]
pub struct PlainArgs {}

/// Listings that may be long: at most --limit items.
#[derive(Debug, Parser)]
#[command(about = "List what AWS holds for the resource, the first --limit items")]
pub struct LimitArgs {
    /// At most this many items (default 100)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: Option<u32>,
}

/// `ls [PREFIX]`, as `aws s3 ls s3://BUCKET/PREFIX` lists.
#[derive(Debug, Parser)]
#[command(
    about = "The bucket's prefixes and objects directly under PREFIX (as `aws s3 ls` lists them)"
)]
pub struct LsArgs {
    /// A key prefix (end it with / to list a "folder")
    pub prefix: Option<String>,
    /// At most this many entries (default 100)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: Option<u32>,
}

#[derive(Debug, Parser)]
#[command(
    about = "Log lines from CloudWatch Logs: a function's, or a REST API stage's (history, or --follow)",
    after_help = "A function's log group is its LoggingConfig.LogGroup, else /aws/lambda/NAME. A REST \
API's are, for its stage (--stage) or every stage, the execution log group \
(API-Gateway-Execution-Logs_{restApiId}/{stage}) when the stage logs executions, and the access log \
group of its AccessLogSettings; stderr says which were read. Lines of all streams and groups are \
interleaved, oldest first. --follow uses CloudWatch Logs Live Tail (StartLiveTail; sessions are \
renewed when AWS ends them after 3 hours) and, where Live Tail cannot be used, polls \
FilterLogEvents every second; stderr says which. It runs until interrupted.\n\nExit status: 0, or 1 \
when no log group exists or one cannot be read."
)]
pub struct LogsArgs {
    /// Start of the window: a duration back (30m, 1h, 2d) or a time (2025-01-01T00:00Z)
    #[arg(long, default_value = "1h", value_name = "WHEN")]
    pub since: String,
    /// End of the window (same forms as --since); not with --follow
    #[arg(long, value_name = "WHEN", conflicts_with = "follow")]
    pub until: Option<String>,
    /// A CloudWatch Logs filter pattern (e.g. ERROR, "exact phrase", { $.level = "ERROR" })
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Only the lines of this invocation (or API request)
    #[arg(long, value_name = "ID", conflicts_with = "filter")]
    pub request_id: Option<String>,
    /// Keep printing new lines as they arrive
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// A REST API's stage (default: every stage)
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
}

#[derive(Debug, Parser)]
#[command(
    about = "CloudWatch metrics over a window, as sparklines (numbers with -o json)",
    after_help = "A function: Invocations, Errors, Throttles (sums), Duration p50/p99, \
ConcurrentExecutions (maximum). A REST API: Count, 4XXError, 5XXError (sums), Latency p50/p99, \
of one stage with --stage. All series come from one GetMetricData request. When a sparkline has \
fewer columns than periods, each column shows the largest value of the periods it covers."
)]
pub struct MetricsArgs {
    /// Start of the window: a duration back (30m, 3h, 2d) or a time (2025-01-01T00:00Z)
    #[arg(long, default_value = "3h", value_name = "WHEN")]
    pub since: String,
    /// One point per period: 1m, 5m, 1h, ... (a multiple of 60 s)
    #[arg(long, default_value = "1m", value_name = "PERIOD", value_parser = crate::actions::metrics::parse_period)]
    pub period: i32,
    /// A REST API's stage (default: all stages together)
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
}

// The arguments of the native actions (`cdkx CONSTRUCT ACTION ...`), each parsed by its runner in
// src/cli/ from the words after the action's name.

/// The arguments of a native action as clap reads them: its parser (for checking them and
/// answering `--help` before any AWS call).
pub fn native_args(action: NativeAction) -> clap::Command {
    match action {
        NativeAction::Describe => DescribeArgs::command(),
        NativeAction::Invoke => InvokeArgs::command(),
        NativeAction::Console | NativeAction::AuditConsole => ConsoleArgs::command(),
        NativeAction::Audit => AuditArgs::command(),
        NativeAction::Probe => ConstructProbeArgs::command(),
        NativeAction::Invocations => InvocationsArgs::command(),
        NativeAction::Logs => LogsArgs::command(),
        NativeAction::Metrics => MetricsArgs::command(),
        NativeAction::Ls => LsArgs::command(),
        NativeAction::Scan | NativeAction::Events | NativeAction::Subscriptions => {
            LimitArgs::command()
        }
        NativeAction::Stages
        | NativeAction::Attributes
        | NativeAction::Policies
        | NativeAction::Resources => PlainArgs::command(),
    }
}

/// What `probe --help` says after the options (both forms).
const PROBE_AFTER_HELP: &str = "The request is sent twice, concurrently: without a signature and \
SigV4-signed (service execute-api; lambda for a function URL, ID.lambda-url.REGION.on.aws) with \
your credentials, or with --as-role's. Each answer gets a verdict that names the problem: not \
signed, bad signature, expired, no identity policy, the API's resource policy does not allow \
your account.\n\n\
A function URL (AWS::Lambda::Url, AuthType AWS_IAM) needs both lambda:InvokeFunctionUrl and \
lambda:InvokeFunction: the analysis reads the function's resource policy (GetPolicy) and your \
identity policies for each and names the one you lack.\n\n\
Before the answers: who may call the API, and whether you may (allow, deny, unknown, \
conditional) by IAM's rules, your identity policies asked of iam:SimulatePrincipalPolicy, else \
read from IAM, else (for the app's own roles) from the template. A resource policy that names \
only your account leaves the decision to your identity policies.\n\n\
Exit status: 0 when the signed request succeeded (2xx), 4 when it got an error answer, 1 when \
a request could not be sent.\n\n\
With --endpoint-url (or AWS_ENDPOINT_URL, or --execute-api-endpoint) the requests go to that \
address with the API's own Host header, as for a local emulator, a proxy or a private endpoint.";

#[derive(Debug, Clone, Args)]
pub struct ProbeOptions {
    /// Path under the stage, with an optional query (e.g. /items?id=1)
    #[arg(long, default_value = "/", value_name = "PATH")]
    pub path: String,
    /// HTTP method
    #[arg(
        short = 'X',
        long = "request",
        default_value = "GET",
        value_name = "METHOD"
    )]
    pub method: String,
    /// Request body, or @FILE to read it from a file
    #[arg(short = 'd', long = "data", value_name = "BODY|@FILE")]
    pub data: Option<String>,
    /// Extra header, 'Name: value' (repeatable)
    #[arg(short = 'H', long = "header", value_name = "'K: V'")]
    pub headers: Vec<String>,
    /// Sign as this role (assumed with your credentials) instead of as yourself
    #[arg(long, value_name = "ARN")]
    pub as_role: Option<String>,
    /// Print the signed request (signature and token redacted) and an equivalent curl line
    #[arg(long)]
    pub show_signed: bool,
    /// Send the requests to this address instead of the API's host, keeping its Host header
    #[arg(long, env = "CDKX_EXECUTE_API_ENDPOINT", value_name = "URL")]
    pub execute_api_endpoint: Option<String>,
}

#[derive(Debug, Parser)]
#[command(about = "Call the REST API or function URL unsigned and signed, and explain both answers", after_help = PROBE_AFTER_HELP)]
pub struct ConstructProbeArgs {
    /// The stage to call [default: the stage the app deploys]
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    #[command(flatten)]
    pub opts: ProbeOptions,
}

/// `cdkx probe URL`: any URL, https or (for loopback and private addresses) http.
#[derive(Debug, Args)]
#[command(after_help = PROBE_AFTER_HELP)]
pub struct UrlProbeArgs {
    /// The URL to call (https://ID.execute-api.REGION.amazonaws.com/stage/path, or any other)
    pub url: String,
    #[command(flatten)]
    pub opts: ProbeOptions,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_global_flags_are_read_from_their_definition() {
        let flags = global_flags();
        for (flag, takes_value) in [
            ("--app", true),
            ("--profile", true),
            ("--region", true),
            ("--endpoint-url", true),
            ("--output", true),
            ("-o", true),
            ("--refresh", false),
            ("--commands", true),
            ("--role-arn", true),
            ("--external-id", true),
            ("--timeout", true),
            ("--wide", false),
        ] {
            assert!(
                flags.contains(&(flag.to_string(), takes_value)),
                "{flag}: {flags:?}"
            );
        }
        assert_eq!(flags.len(), 12, "{flags:?}");
    }

    #[test]
    fn an_overlay_changes_only_what_was_typed() {
        let before = Cli::try_parse_from(words("cdkx --refresh -o json --region eu-west-1 tui"))
            .unwrap()
            .global;
        let after = before.overlay(&words("--profile p --timeout 5")).unwrap();
        assert_eq!(after.profile.as_deref(), Some("p"));
        assert_eq!(after.timeout, Some(5.0));
        assert!(after.refresh, "a switch not typed stays set");
        assert_eq!(
            after.output,
            OutputFormat::Json,
            "an option not typed stays"
        );
        assert_eq!(after.region.as_deref(), Some("eu-west-1"));

        let after = before
            .overlay(&words("-o text --wide --region=us-east-1"))
            .unwrap();
        assert_eq!(after.output, OutputFormat::Text);
        assert!(after.wide && after.refresh);
        assert_eq!(after.region.as_deref(), Some("us-east-1"));

        assert!(before.overlay(&words("--timeout 0")).is_err());
        assert!(
            before.overlay(&words("--external-id x")).is_err(),
            "needs --role-arn"
        );
    }

    #[test]
    fn the_cli_enums_map_onto_the_actions() {
        for (arg, kind) in [
            (SourceArg::Auto, SourceKind::Auto),
            (SourceArg::Trail, SourceKind::Trail),
            (SourceArg::Athena, SourceKind::Athena),
            (SourceArg::Lake, SourceKind::Lake),
            (SourceArg::AccessLogs, SourceKind::AccessLogs),
        ] {
            assert_eq!(SourceKind::from(arg), kind);
        }
        assert_eq!(
            SourceArg::from_str("access-logs", false),
            Ok(SourceArg::AccessLogs)
        );
        assert_eq!(GroupBy::from(GroupArg::Day), GroupBy::Day);
        assert_eq!(GroupBy::from(GroupArg::Principal), GroupBy::Principal);
        assert_eq!(GroupBy::from(GroupArg::Account), GroupBy::Account);
    }
}
