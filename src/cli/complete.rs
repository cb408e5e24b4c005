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
use crate::model::{self, Target};

/// The environment variable that turns a run of `cdkx` into a completion request.
const VAR: &str = "COMPLETE";

/// `cdkx` as the completion engine sees it: the parser, plus the app's construct names where a
/// subcommand is expected (`cdkx <Tab>`).
pub fn command() -> clap::Command {
    Cli::command().add(SubcommandCandidates::new(constructs))
}

/// Completes a construct argument (`cdkx run <Tab>`) with the app's construct names.
pub fn construct_candidates() -> ArgValueCandidates {
    ArgValueCandidates::new(constructs)
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
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let explicit = std::env::var_os("CDK_APP_DIR").map(PathBuf::from);
    let Ok(location) = crate::assembly::locate(explicit.as_deref(), &cwd) else {
        return Vec::new();
    };
    let Ok(asm) = crate::assembly::read(&location.assembly_dir) else {
        return Vec::new();
    };
    let app = model::App::from_assembly(asm);
    candidates(&app)
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
