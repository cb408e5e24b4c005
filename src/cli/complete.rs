//! Shell completions and the man page. Completions use clap_complete's dynamic engine: the
//! script `cdkx completions SHELL` prints calls `cdkx` back (with `COMPLETE=SHELL` set) for
//! every Tab, so subcommands, flags and the construct names of the app in the current directory
//! (or `CDK_APP_DIR`) are completed from what is there now.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{CommandFactory, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate, SubcommandCandidates};
use clap_complete::env::{CompleteEnv, Shells};

use super::Cli;
use super::args::CompletionsArgs;
use crate::catalogue::CommandCatalogue;
use crate::model::{self, Target};

/// The environment variable that turns a run of `cdkx` into a completion request.
const VAR: &str = "COMPLETE";

/// `cdkx` as the completion engine sees it: the parser, plus the app's construct names where a
/// subcommand is expected (`cdkx <Tab>`).
pub fn command() -> clap::Command {
    Cli::command().add(SubcommandCandidates::new(constructs))
}

/// Completes `cdkx run`'s words: the app's construct names first (`cdkx run <Tab>`), then that
/// construct's commands (`cdkx run requestorFn <Tab>`), nothing for the command's own arguments.
pub fn construct_candidates() -> ArgValueCandidates {
    ArgValueCandidates::new(run_words)
}

fn run_words() -> Vec<CompletionCandidate> {
    // A completion request is `cdkx -- cdkx [FLAGS] run WORD... CURRENT`; the shell says which
    // word is being completed in _CLAP_COMPLETE_INDEX (else it is the last).
    let args: Vec<String> = std::env::args().collect();
    let Some(dashes) = args.iter().position(|a| a == "--") else {
        return constructs();
    };
    let words = &args[dashes + 1..];
    let index = std::env::var("_CLAP_COMPLETE_INDEX")
        .ok()
        .and_then(|i| i.parse::<usize>().ok())
        .unwrap_or(words.len().saturating_sub(1))
        .min(words.len());
    let Some(run) = words[..index].iter().position(|w| w == "run") else {
        return constructs();
    };
    match index - run - 1 {
        0 => constructs(),
        1 => commands_of(&words[run + 1]),
        _ => Vec::new(),
    }
}

/// The commands of one construct (built-in and the project's), described as `cdkx CONSTRUCT`
/// lists them. None when the app or the construct cannot be found.
fn commands_of(construct: &str) -> Vec<CompletionCandidate> {
    let Some((app, app_dir)) = app_here() else {
        return Vec::new();
    };
    let Ok(found) = app.resolve(construct) else {
        return Vec::new();
    };
    let mut catalogue = CommandCatalogue::builtin();
    if let Ok(Some(project)) = CommandCatalogue::load_project(&app_dir) {
        catalogue.merge(project);
    }
    let cfn_type = match found.target {
        Target::Resource(r) => app.resources[r].cfn_type.as_str(),
        Target::Stack(_) => crate::kind::ResourceKind::CloudFormationStack.as_str(),
    };
    catalogue
        .commands_for(
            app.constructs[found.construct].fqn.as_deref(),
            Some(cfn_type),
        )
        .into_iter()
        .map(|(name, cmd)| CompletionCandidate::new(name).help(cmd.description.map(Into::into)))
        .collect()
}

/// Answers a completion request (the shell calls `cdkx` with `COMPLETE` set) and exits; a
/// normal run returns at once.
pub fn answer_if_asked() {
    CompleteEnv::with_factory(command).var(VAR).complete();
}

/// `cdkx completions SHELL`: the script that registers cdkx's completions with the shell.
pub fn print_script(args: &CompletionsArgs) -> Result<i32> {
    let name = args
        .shell
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let shells = Shells::builtins();
    let shell = shells
        .completer(&name)
        .ok_or_else(|| anyhow!("no completions for {name}"))?;
    let mut out = std::io::stdout().lock();
    shell.write_registration(VAR, "cdkx", "cdkx", "cdkx", &mut out)?;
    out.flush()?;
    Ok(0)
}

/// `cdkx man`: the man page (roff) on stdout, e.g. `cdkx man > ~/.local/share/man/man1/cdkx.1`.
pub fn print_man() -> Result<i32> {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(0)
}

/// The constructs of the app in the current directory (or `CDK_APP_DIR`): each by its id when
/// that names it alone, else by its path; described by its type. None when there is no app.
fn constructs() -> Vec<CompletionCandidate> {
    match app_here() {
        Some((app, _)) => candidates(&app),
        None => Vec::new(),
    }
}

/// The app in the current directory (or `CDK_APP_DIR`) and its app directory, if there is one.
fn app_here() -> Option<(model::App, PathBuf)> {
    let cwd = std::env::current_dir().ok()?;
    let explicit = std::env::var_os("CDK_APP_DIR").map(PathBuf::from);
    let location = crate::assembly::locate(explicit.as_deref(), &cwd).ok()?;
    let asm = crate::assembly::read(&location.assembly_dir).ok()?;
    Some((model::App::from_assembly(asm), location.app_dir))
}

fn candidates(app: &model::App) -> Vec<CompletionCandidate> {
    // One name per resource or stack: the outermost construct that stands for it (the L2, not
    // its `Resource`), CDK bookkeeping left out.
    let mut seen = std::collections::HashSet::new();
    let named: Vec<&model::ConstructNode> = app
        .constructs
        .iter()
        .filter(|n| match n.target {
            Some(Target::Resource(r)) => !model::is_bookkeeping(&app.resources[r].cfn_type),
            Some(Target::Stack(_)) => true,
            None => false,
        })
        .filter(|n| {
            seen.insert(match n.target {
                Some(Target::Resource(r)) => (false, r),
                Some(Target::Stack(s)) => (true, s),
                None => (true, usize::MAX),
            })
        })
        .collect();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for n in &named {
        *ids.entry(n.id.as_str()).or_default() += 1;
    }
    named
        .iter()
        .map(|n| {
            let word = if ids[n.id.as_str()] == 1 {
                n.id.clone()
            } else {
                n.path.clone()
            };
            let help = match n.target {
                Some(Target::Resource(r)) => app.resources[r].display_type(),
                _ => "stack".to_string(),
            };
            CompletionCandidate::new(word).help(Some(help.into()))
        })
        .collect()
}
