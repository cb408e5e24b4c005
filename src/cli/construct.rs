//! `cdkx CONSTRUCT [COMMAND] [ARGS...]` (and `cdkx run ...`): list a construct's commands, or run
//! one of them, the way cdk-app-cli does.

use anyhow::{Result, bail};
use indexmap::IndexMap;
use serde::Serialize;

use super::{GlobalArgs, OutputFormat};
use crate::actions::Subject;
use crate::actions::command;
use crate::aws::Aws;
use crate::catalogue::{Command, CommandKind, NativeAction};
use crate::deployed;
use crate::deployed::Deployment;
use crate::model::App;
use crate::model::Target;
use crate::present::table::Table;
use crate::sanitize;

#[derive(Debug)]
pub struct RunArgs {
    /// The construct: path, id, logical id, unique path suffix or unique substring
    pub construct: String,
    /// The command to run; without it, the construct's commands are listed
    pub command: Option<String>,
    /// Arguments passed on to the command
    pub args: Vec<String>,
}

impl RunArgs {
    pub fn from_words(mut words: Vec<String>) -> Result<RunArgs> {
        if words.is_empty() {
            return Err(super::usage("name a construct; `cdkx list` shows them"));
        }
        let construct = words.remove(0);
        let command = (!words.is_empty()).then(|| words.remove(0));
        Ok(RunArgs {
            construct,
            command,
            args: words,
        })
    }
}

/// What a native action's front end gets: the resolved construct and the means to act on it.
pub struct Ctx<'a> {
    pub g: &'a GlobalArgs,
    pub app: &'a App,
    /// Credentials for the resource's account (cdkx.toml, --role-arn).
    pub aws: &'a Aws,
    /// The user's own credentials, for acting as the user (the probe signs with these).
    pub base_aws: &'a Aws,
    pub deployment: &'a Deployment,
    pub subject: &'a Subject,
    /// The command name the user typed (e.g. `visit-console`), for messages and `--help`.
    pub command: &'a str,
}

impl Ctx<'_> {
    /// Parses a native action's arguments the clap way: `--help` prints that action's help and
    /// exits 0, a bad argument prints usage and exits 2.
    pub fn parse<T: clap::Parser>(&self, args: &[String]) -> T {
        let bin = format!("cdkx {} {}", self.subject.construct_id, self.command);
        T::parse_from(std::iter::once(bin).chain(args.iter().cloned()))
    }
}

#[derive(Serialize)]
struct CommandsJson<'a> {
    construct: &'a Subject,
    commands: Vec<CommandJson<'a>>,
}

#[derive(Serialize)]
struct CommandJson<'a> {
    name: &'a str,
    kind: &'a CommandKind,
    template: &'a str,
    description: Option<&'a str>,
    source: String,
}

/// Moves cdkx's global options out of `words[from..]`: up to the first other word when
/// `leading_only`, else all of them. Returns them in order, ready for clap.
fn take_globals(words: &mut Vec<String>, from: usize, leading_only: bool) -> Result<Vec<String>> {
    let flags = super::args::global_flags();
    let mut taken = Vec::new();
    let mut i = from;
    while i < words.len() {
        let w = &words[i];
        let (flag, inline) = match w.split_once('=') {
            Some((f, _)) if f.starts_with("--") => (f.to_string(), true),
            _ => (w.clone(), false),
        };
        let known = flags.iter().find(|(f, _)| *f == flag);
        match known {
            Some((_, takes_value)) => {
                taken.push(words.remove(i));
                if *takes_value && !inline {
                    if i >= words.len() {
                        return Err(super::usage(format!("{flag} needs a value")));
                    }
                    taken.push(words.remove(i));
                }
            }
            None if w == "--" => break,
            None if leading_only => break,
            None => i += 1,
        }
    }
    Ok(taken)
}

pub async fn run(g: &GlobalArgs, mut args: RunArgs) -> Result<i32> {
    // `cdkx fn -o json invoke`: options between the construct and the command are cdkx's.
    let mut words: Vec<String> = args
        .command
        .take()
        .into_iter()
        .chain(args.args.drain(..))
        .collect();
    let mut extra = take_globals(&mut words, 0, true)?;
    args.command = (!words.is_empty()).then(|| words.remove(0));
    args.args = words;

    let g0 = g.overlay(&extra)?;
    let (loaded, resolved) = g0.session().load_app_resolving(&args.construct)?;
    let app = &loaded.app;
    let catalogue = g0.session().load_catalogue(&loaded.location.app_dir)?;
    let resolved = resolved?;
    let (stack, cfn_type) = match resolved.target {
        Target::Resource(r) => (app.resources[r].stack, app.resources[r].cfn_type.as_str()),
        Target::Stack(s) => (s, crate::kind::ResourceKind::CloudFormationStack.as_str()),
    };
    let commands = catalogue.commands_for(
        app.constructs[resolved.construct].fqn.as_deref(),
        Some(cfn_type),
    );
    let wants_list = matches!(
        args.command.as_deref(),
        None | Some("help" | "--help" | "-h")
    );
    let native = args
        .command
        .as_deref()
        .and_then(|c| commands.get(c))
        .and_then(Command::native);
    if native.is_some() {
        // Native actions also take cdkx's options after the command (`cdkx fn invoke -o json`).
        extra.extend(take_globals(&mut args.args, 0, false)?);
    }
    let g = &g.overlay(&extra)?;
    let session = g.session();
    if let Some(action) = native {
        // `--help` and bad arguments are answered before any AWS call.
        let bin = format!(
            "cdkx {} {}",
            app.constructs[resolved.construct].id,
            args.command.as_deref().unwrap_or_default()
        );
        check_args(action, &bin, &args.args);
    }

    let aws = session.connect().await?;
    let root = app.root_stack(stack);
    let deployment = deployed::lookup_roots(app, &aws, &session.cache(), g.refresh, &[root]).await;
    super::report(app, &deployment);
    // Actions on the resource use the credentials of its stack's account.
    let base_aws = aws;
    let aws = base_aws
        .for_reading(
            app.stacks[root].env.account.as_deref(),
            app.stacks[root].lookup_role.as_ref(),
        )
        .await;
    let subject = Subject::new(app, &deployment, Some(&aws), &resolved);

    if wants_list {
        print_commands(g.output, &subject, &commands)?;
        return Ok(0);
    }
    let name = args.command.expect("checked above");
    let Some(cmd) = commands.get(&name) else {
        let names: Vec<&str> = commands.keys().map(String::as_str).collect();
        if names.is_empty() {
            bail!(
                "no commands for {} ({}); add some in construct-commands.json",
                subject.construct_path,
                type_label(&subject)
            );
        }
        return Err(super::usage(format!(
            "{} has no command {}; its commands: {}",
            subject.construct_path,
            sanitize::excerpt(&format!("{name:?}"), 100),
            names.join(", ")
        )));
    };
    if let Some(action) = native {
        let ctx = Ctx {
            g,
            app,
            aws: &aws,
            base_aws: &base_aws,
            deployment: &deployment,
            subject: &subject,
            command: &name,
        };
        return match action {
            NativeAction::Describe => super::describe::run(&ctx, &args.args).await,
            NativeAction::Invoke => super::invoke::run(&ctx, &args.args).await,
            NativeAction::Console => super::console::run(&ctx, &args.args, false),
            NativeAction::AuditConsole => super::console::run(&ctx, &args.args, true),
            NativeAction::Audit => super::audit::run(&ctx, &args.args).await,
            NativeAction::Probe => super::probe::run_native(&ctx, &args.args).await,
            NativeAction::Invocations => super::invocations::run(&ctx, &args.args).await,
            NativeAction::Logs => super::logs::run(&ctx, &args.args).await,
            NativeAction::Metrics => super::metrics::run(&ctx, &args.args).await,
            NativeAction::Stages
            | NativeAction::Ls
            | NativeAction::Attributes
            | NativeAction::Subscriptions
            | NativeAction::Scan
            | NativeAction::Policies
            | NativeAction::Resources
            | NativeAction::Events => super::listing::run(&ctx, action, &args.args).await,
        };
    }
    match cmd.kind {
        CommandKind::Native => unreachable!("native commands are dispatched above"),
        CommandKind::Exec => {
            let prepared = command::exec_script(&name, cmd, &subject)?;
            if !args.args.is_empty() && !prepared.takes_args {
                // Bad usage (exit 2): the arguments have nowhere to go.
                let e = command::RunError::NoArgs { name: name.clone() };
                eprintln!("cdkx: error: {}", sanitize::line(&e.to_string()));
                return Ok(2);
            }
            eprintln!("> {}", sanitize::line(&prepared.display));
            // The command runs with the user's own credentials, never the lookup role.
            if let Some(advice) = aws.acting_advice() {
                eprintln!("cdkx: note: the command runs with your own credentials: {advice}");
            }
            let env = session.exec_env();
            Ok(command::exec(&name, cmd, &subject, &args.args, &env)?)
        }
        CommandKind::Open => {
            let mut print = false;
            for a in &args.args {
                match a.as_str() {
                    "--print" | "-p" => print = true,
                    other => {
                        return Err(super::usage(format!(
                            "`{name}` opens a URL; it takes only --print, not {other:?}"
                        )));
                    }
                }
            }
            let url = command::open_url(&name, cmd, &subject)?;
            if print {
                println!("{}", sanitize::line(&url));
            } else {
                super::console::open_or_print(&name, &url, false)?;
            }
            Ok(0)
        }
    }
}

/// Parses a native action's arguments the way the action will: `--help` prints its help and
/// exits 0, a bad argument prints usage and exits 2.
fn check_args(action: NativeAction, bin: &str, args: &[String]) {
    let command = super::args::native_args(action);
    if let Err(e) = command
        .bin_name(bin.to_string())
        .try_get_matches_from(std::iter::once(bin.to_string()).chain(args.iter().cloned()))
    {
        e.exit();
    }
}

fn type_label(s: &Subject) -> String {
    match &s.fqn {
        Some(f) => format!("{f}, {}", s.cfn_type),
        None => s.cfn_type.clone(),
    }
}

fn print_commands(
    output: OutputFormat,
    subject: &Subject,
    commands: &IndexMap<String, Command>,
) -> Result<()> {
    if output == OutputFormat::Json {
        let doc = CommandsJson {
            construct: subject,
            commands: commands
                .iter()
                .map(|(name, c)| CommandJson {
                    name,
                    kind: &c.kind,
                    template: &c.template,
                    description: c.description.as_deref(),
                    source: c.source.to_string(),
                })
                .collect(),
        };
        println!("{}", crate::sanitize::json(&doc)?);
        return Ok(());
    }
    println!("{}", sanitize::line(&subject.construct_path));
    println!("  type:        {}", sanitize::line(&type_label(subject)));
    println!("  stack:       {}", sanitize::line(&subject.stack_name));
    if let Some(l) = &subject.logical_id {
        println!("  logical id:  {}", sanitize::line(l));
    }
    println!("  physical id: {}", sanitize::line(&subject.physical_state));
    if commands.is_empty() {
        println!("No commands for this type; add some in construct-commands.json.");
        return Ok(());
    }
    println!("Commands:");
    let mut t = Table::new(vec!["  NAME", "KIND", "DESCRIPTION"]);
    for (name, c) in commands {
        let mut what = c.description.clone().unwrap_or_else(|| c.template.clone());
        if c.source != crate::catalogue::Source::BuiltIn {
            what.push_str(&format!("  [{}]", c.source));
        }
        t.push(vec![format!("  {name}"), c.kind.to_string(), what]);
    }
    print!("{}", t.render());
    Ok(())
}
