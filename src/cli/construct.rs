//! `cdkx CONSTRUCT [COMMAND] [ARGS...]` (and `cdkx run ...`): list a construct's commands, or run
//! one of them, the way cdk-app-cli does.

use anyhow::{Result, bail};
use clap::Args;
use indexmap::IndexMap;
use serde::Serialize;

use super::{GlobalArgs, OutputFormat, table::Table};
use crate::actions::Subject;
use crate::actions::command::{self, ExecEnv};
use crate::catalogue::{Command, CommandKind};
use crate::deployed;
use crate::model::Target;
use crate::sanitize;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The construct: path, id, logical id, unique path suffix or unique substring
    pub construct: String,
    /// The command to run; without it, the construct's commands are listed
    pub command: Option<String>,
    /// Arguments passed on to the command
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

impl RunArgs {
    pub fn from_words(mut words: Vec<String>) -> Result<RunArgs> {
        if words.is_empty() {
            bail!("name a construct; `cdkx list` shows them");
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

pub async fn run(g: &GlobalArgs, args: RunArgs) -> Result<i32> {
    let loaded = super::load_app(g)?;
    let app = &loaded.app;
    let catalogue = super::load_catalogue(g, &loaded.location.app_dir)?;
    let resolved = app.resolve(&args.construct)?;

    let stack = match resolved.target {
        Target::Resource(r) => app.resources[r].stack,
        Target::Stack(s) => s,
    };
    let aws = super::connect(g).await;
    let deployment = deployed::lookup_roots(
        app,
        &aws,
        &super::cache(),
        g.refresh,
        &[app.root_stack(stack)],
    )
    .await;
    super::report(app, &deployment);
    let subject = Subject::new(app, &deployment, Some(&aws), &resolved);
    let commands = catalogue.commands_for(subject.fqn.as_deref(), Some(&subject.cfn_type));

    let wants_list = match args.command.as_deref() {
        None | Some("help" | "--help" | "-h") => true,
        Some(_) => false,
    };
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
        bail!(
            "{} has no command {:?}; its commands: {}",
            subject.construct_path,
            name,
            names.join(", ")
        );
    };
    match cmd.kind {
        CommandKind::Exec => {
            let script = command::exec_script(&name, cmd, &subject)?;
            eprintln!("> {}", sanitize::line(&script));
            let env = ExecEnv {
                profile: g.profile.clone(),
                endpoint_url: g.endpoint_url.clone(),
            };
            Ok(command::exec(&name, cmd, &subject, &args.args, &env)?)
        }
        CommandKind::Open => {
            let mut print = false;
            for a in &args.args {
                match a.as_str() {
                    "--print" | "-p" => print = true,
                    other => bail!("`{name}` opens a URL; it takes only --print, not {other:?}"),
                }
            }
            let url = command::open_url(&name, cmd, &subject)?;
            if print {
                println!("{url}");
            } else {
                eprintln!("> opening {url}");
                command::open_in_browser(&name, &url)?;
            }
            Ok(0)
        }
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
        println!("{}", serde_json::to_string_pretty(&doc)?);
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
