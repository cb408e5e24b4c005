//! The TUI's state and its dispatch. [`App::act`] hands an [`Action`] from the keymap to the view
//! that has the keyboard and applies the [`Step`] it returns to the view stack;
//! [`App::receive`] hands a [`Msg`] from a background task to the view waiting for it. Views
//! change only their own state and queue [`Effect`](super::msg::Effect)s (requests to start,
//! cancel, copy, open, run), which the event loop carries out. Nothing here awaits or touches
//! the terminal, so every transition is tested without either.
//!
//! Every request carries a [`RequestId`](super::msg::RequestId); the view that asked remembers it, and an answer whose
//! id no view is waiting for (the user went back, refreshed or asked again) is dropped.

use std::sync::Arc;

use super::cx::{Cx, Header, StatusKind};
use super::keymap::{Action, Mode, Verb};
use super::msg::{Effect, Msg};
use super::theme::Theme;
use super::verbs::{self, Recall};
use super::views::help::HelpView;
use super::views::list::ListView;
use super::views::{Run, Step, View};
use crate::actions::Subject;
use crate::catalogue::CommandCatalogue;
use crate::deployed::Deployment;
use crate::model;

pub struct App {
    /// What every view acts and draws in.
    pub cx: Cx,
    pub list: ListView,
    /// The views over the list; the last one has the keyboard.
    pub views: Vec<View>,
    pub recall: Recall,
    pub quit: bool,
}

impl App {
    /// The app with the physical ids known so far (from the cache); queues the first lookup.
    pub fn new(
        model: Arc<model::App>,
        catalogue: Arc<CommandCatalogue>,
        deployment: Deployment,
        header: Header,
        theme: Theme,
        refresh: bool,
    ) -> App {
        let list = ListView::new(&model, &deployment, true);
        let mut cx = Cx::new(model, catalogue, deployment, header, theme);
        cx.lookup(refresh);
        App {
            cx,
            list,
            views: Vec::new(),
            recall: Recall::default(),
            quit: false,
        }
    }

    pub fn mode(&self) -> Mode {
        match self.views.last() {
            Some(v) => v.mode(),
            None => self.list.mode(),
        }
    }

    /// The effects queued since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        self.cx.take_effects()
    }

    /// Whether anything is loading (the spinner turns).
    pub fn busy(&self) -> bool {
        self.cx.refreshing.is_some() || self.views.iter().any(View::busy)
    }

    /// A tick of the clock: the spinner turns and old messages go. Returns whether to redraw.
    pub fn on_tick(&mut self) -> bool {
        self.cx.on_tick() || self.busy()
    }

    /// The subject of a list row, from what is known now.
    pub fn subject(&self, row: usize) -> Subject {
        self.cx.subject(&self.list.resolved(row))
    }

    /// Runs a verb on a list row, as its hotkey does.
    pub fn run_verb(&mut self, row: usize, verb: Verb) {
        let subject = self.subject(row);
        self.run(Run::Verb(subject, verb));
    }

    // ---- keys ------------------------------------------------------------------------------

    pub fn act(&mut self, action: Action) {
        match action {
            Action::ForceQuit | Action::Quit => {
                self.quit = true;
                return;
            }
            Action::Help if !self.mode().is_typing() => {
                if !matches!(self.views.last(), Some(View::Help(_))) {
                    self.views.push(View::Help(HelpView::default()));
                }
                return;
            }
            _ => {}
        }
        let Some(mut view) = self.views.pop() else {
            let step = self.list.act(action, &mut self.cx);
            return self.apply(None, step);
        };
        let step = view.act(action, &mut self.cx);
        self.apply(Some(view), step);
    }

    /// Puts `view` (the one that acted, popped off the stack; `None`: the list) back as its
    /// step says, and runs what it asked for.
    fn apply(&mut self, view: Option<View>, step: Step) {
        let keep = matches!(step, Step::Stay | Step::Push(_) | Step::Run(_));
        if keep && let Some(view) = view {
            self.views.push(view);
        }
        match step {
            Step::Stay | Step::Close => {}
            Step::Push(v) | Step::Replace(v) => self.views.push(v),
            Step::Run(run) | Step::CloseAndRun(run) => self.run(run),
        }
    }

    fn run(&mut self, run: Run) {
        match run {
            Run::RefreshIds => self.list.refresh(&mut self.cx),
            other => verbs::run(&mut self.cx, &mut self.views, &mut self.recall, other),
        }
    }

    // ---- answers -----------------------------------------------------------------------------

    pub fn receive(&mut self, msg: Msg) {
        match msg {
            Msg::Connected(aws) => {
                let header = &mut self.cx.header;
                if header.region.is_none() {
                    header.region = aws.default_region();
                }
                if let Some(e) = aws.endpoint_url() {
                    header.endpoint = Some(e.to_string());
                }
                self.cx.aws = Some(aws);
            }
            Msg::Deployment { id, deployment } => {
                if self.cx.refreshing == Some(id) {
                    self.cx.refreshing = None;
                    self.take_deployment(deployment);
                    self.list.load_activity(&mut self.cx);
                }
            }
            Msg::Activity { id, activity } => {
                self.list.receive_activity(id, &activity, &mut self.cx);
            }
            Msg::Failed { what, error } => self.cx.error(format!("{what} failed: {error}")),
            msg => {
                if let Msg::Opened { result: Err(e), .. } = &msg {
                    self.cx.error(format!("{e}; the URL is on the clipboard"));
                }
                // The view waiting for it takes it; an answer nobody waits for is dropped.
                let mut msg = Some(msg);
                for view in &mut self.views {
                    match msg.take() {
                        Some(m) => msg = view.receive(m, &mut self.cx),
                        None => break,
                    }
                }
            }
        }
    }

    /// Takes in the answer of a lookup: says what failed, and keeps the physical ids known
    /// before (from the cache or an earlier lookup) where the refresh failed, rather than
    /// forgetting them.
    fn take_deployment(&mut self, mut deployment: Deployment) {
        let cx = &mut self.cx;
        let mut failures: Vec<String> = deployment
            .failures()
            .filter(|(i, _)| !cx.model.stacks[*i].is_nested())
            .map(|(i, why)| {
                format!(
                    "could not look up stack {}: {}",
                    cx.model.stacks[i].name, why
                )
            })
            .collect();
        // A failed refresh keeps the physical ids known before.
        let kept = crate::session::keep_known(&mut deployment, &cx.deployment);
        if kept && let Some(f) = failures.first_mut() {
            f.push_str(" (showing the physical ids known before)");
        }
        let other_warnings: Vec<&String> = deployment
            .warnings
            .iter()
            // The header says which stacks were looked up in another account.
            .filter(|w| !w.contains("belongs to account"))
            .collect();
        if let Some(f) = failures.first() {
            cx.error(f.clone());
        } else if let Some(w) = other_warnings.first() {
            cx.info(format!("warning: {w}"));
        } else if matches!(cx.status.as_ref(), Some(s) if s.kind == StatusKind::Info) {
            cx.status = None;
        }
        cx.deployment = Arc::new(deployment);
        self.list.set_deployment(&cx.model, &cx.deployment, false);
    }

    /// What an `exec` command's end looks like in the status line.
    pub fn exec_finished(&mut self, name: &str, result: Result<i32, String>) {
        match result {
            Ok(0) => self.cx.done(format!("`{name}` finished")),
            Ok(code) => self.cx.error(format!("`{name}` exited with status {code}")),
            Err(e) => self.cx.error(e),
        }
    }
}
