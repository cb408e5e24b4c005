//! The interactive terminal UI (`cdkx` alone, or `cdkx tui`): browse every stack and resource
//! of the app and run any action on any resource, k9s-style. A front end like the CLI: it calls
//! the same actions and never the SDK.
//!
//! Shape (ratatui's event-driven-async template): [`event`] merges keys, ticks and background
//! answers into one channel; [`app`] holds the state and turns actions and answers into new
//! state plus effects; [`tasks`] runs the effects that call AWS in background tasks (latest
//! request wins); [`ui`] and one file per view draw the state; [`keymap`] is the pure table of
//! keys. The loop below connects them and is the only code that touches the terminal.

pub mod app;
pub mod cx;
pub mod event;
pub mod keymap;
pub mod msg;
pub mod tasks;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod verbs;
pub mod views;
pub mod widgets;

/// Synthetic fixtures and the timing harness of `benches/tui.rs`: in tests and with the `bench`
/// feature only, never in a release binary.
#[cfg(any(test, feature = "bench"))]
#[doc(hidden)]
pub mod bench;
#[cfg(test)]
mod snapshots;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod transitions;

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::actions::Subject;
use crate::actions::command::{self, ExecEnv};
use crate::cache::Cache;
use crate::catalogue::Command;
/// The one text toolkit (fit, wrap, pretty), below both front ends; the views name it `text`.
pub use crate::present::text;
use crate::sanitize;
use crate::session::Session;

use app::App;
use cx::Header;
use event::{Event, Events};
use msg::Effect;
use tasks::Tasks;
use terminal::Term;
use theme::Theme;

/// Whether a person is at a terminal (`cdkx` alone opens the TUI only then).
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Opens the TUI on the app `session` points at; returns the exit code once the user quits.
/// `readonly` refuses what may change things (invoke, the user's exec commands).
pub async fn run(session: &Session, readonly: bool) -> Result<i32> {
    let cache = session.cache();
    let mut app = load(session, &cache, readonly)?;
    let mut events = Events::new();
    let mut tasks = Tasks::new(
        events.sender(),
        session.clone(),
        app.cx.model.clone(),
        cache,
    );
    tasks.connect();
    let (mut term, _restore) = terminal::enter().context("cannot set up the terminal")?;
    events.resume();
    let exec_env = session.exec_env();
    run_loop(&mut app, &mut term, &mut events, &mut tasks, &exec_env).await?;
    Ok(0)
}

/// The app, its catalogue and the physical ids the cache knows, ready for the first frame.
fn load(session: &Session, cache: &Cache, readonly: bool) -> Result<App> {
    let loaded = session.load_app()?;
    let catalogue = session.load_catalogue(&loaded.location.app_dir)?;
    let model = Arc::new(loaded.app);
    let deployment = session.cached_deployment(&model, cache);
    let cwd = std::env::current_dir().unwrap_or_default();
    let dir = &loaded.location.app_dir;
    let shown = dir.strip_prefix(&cwd).unwrap_or(dir);
    let header = Header {
        app_dir: if shown.as_os_str().is_empty() {
            ".".into()
        } else {
            shown.display().to_string()
        },
        profile: session.credentials_label(),
        region: session.default_region(),
        endpoint: session.endpoint(),
        readonly,
    };
    Ok(App::new(
        model,
        Arc::new(catalogue),
        deployment,
        header,
        Theme::from_env(),
        session.settings.refresh,
    ))
}

async fn run_loop(
    app: &mut App,
    term: &mut Term,
    events: &mut Events,
    tasks: &mut Tasks,
    exec_env: &ExecEnv,
) -> Result<()> {
    let mut dirty = true;
    loop {
        if dirty {
            draw(term, app)?;
            dirty = false;
        }
        let Some(first) = events.next().await else {
            return Ok(());
        };
        // Take in everything already waiting before drawing again: a held key or a burst of
        // pages costs one frame, not one each.
        let mut batch = vec![first];
        while batch.len() < 512
            && let Some(e) = events.try_next()
        {
            batch.push(e);
        }
        for event in batch {
            match event {
                Event::Key(key) => {
                    if let Some(action) = keymap::map(app.mode(), key) {
                        app.act(action);
                        dirty = true;
                    }
                }
                Event::Resize => dirty = true,
                Event::Tick => dirty |= app.on_tick(),
                Event::Msg(msg) => {
                    app.receive(*msg);
                    dirty = true;
                }
                Event::InputClosed(why) => anyhow::bail!("terminal input: {why}"),
            }
            for effect in app.take_effects() {
                match effect {
                    Effect::Copy(text) => terminal::copy(term.backend_mut(), &text)?,
                    Effect::Exec {
                        name,
                        command,
                        subject,
                    } => {
                        let result =
                            run_exec(term, events, &name, command, subject, exec_env).await?;
                        app.exec_finished(&name, result);
                        dirty = true;
                    }
                    other => tasks.run(other),
                }
            }
            if app.quit {
                return Ok(());
            }
        }
    }
}

fn draw(term: &mut Term, app: &App) -> std::io::Result<()> {
    let mut links = Vec::new();
    term.draw(|frame| {
        links = ui::render(app, frame.area(), frame.buffer_mut());
        if let Some(pos) = app.cx.cursor.get() {
            frame.set_cursor_position(pos);
        }
    })?;
    if !links.is_empty() {
        terminal::hyperlinks(term.backend_mut(), &links)?;
    }
    Ok(())
}

/// Runs a user's `exec` command with the terminal: the TUI steps aside, the command runs, a
/// key brings the TUI back where it was.
async fn run_exec(
    term: &mut Term,
    events: &mut Events,
    name: &str,
    command: Command,
    subject: Subject,
    env: &ExecEnv,
) -> Result<Result<i32, String>> {
    events.pause().await;
    terminal::suspend()?;
    let script = command::exec_script(name, &command, &subject).map_err(|e| e.to_string());
    let mut out = std::io::stdout();
    if let Ok(s) = &script {
        writeln!(out, "> {}", sanitize::line(&s.display))?;
    }
    let (n, env) = (name.to_string(), env.clone());
    // ctrl-c while the command runs is for the command (`logs --follow`), not for cdkx.
    let shield = terminal::InterruptShield::raise();
    let result = tokio::task::spawn_blocking(move || {
        command::exec(&n, &command, &subject, &[], &env).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    drop(shield);
    let outcome = match &result {
        Ok(code) => format!("`{name}` exited with status {code}"),
        Err(e) => sanitize::line(e).into_owned(),
    };
    write!(out, "\n[cdkx] {outcome}; press any key to return to cdkx ")?;
    out.flush()?;
    tokio::task::spawn_blocking(wait_for_key).await??;
    terminal::resume(term)?;
    events.resume();
    Ok(result)
}

fn wait_for_key() -> std::io::Result<()> {
    use crossterm::event::{Event as TermEvent, KeyEventKind, read};
    crossterm::terminal::enable_raw_mode()?;
    let result = loop {
        match read() {
            Ok(TermEvent::Key(k)) if k.kind == KeyEventKind::Press => break Ok(()),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    crossterm::terminal::disable_raw_mode()?;
    result
}
