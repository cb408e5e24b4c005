//! The TUI's state and its transitions. [`App::act`] takes an [`Action`] from the keymap and
//! [`App::receive`] a [`Msg`] from a background task; both only change state and queue
//! [`Effect`]s (requests to start, cancel, copy, open, run), which the event loop carries out.
//! Nothing here awaits or touches the terminal, so every transition is tested without either.
//!
//! Every request carries a [`RequestId`]; the view that asked remembers it, and an answer whose
//! id no view is waiting for (the user went back, refreshed or asked again) is dropped.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::actions::audit::{Audit, AuditPage};
use crate::actions::console::{ConsoleRequest, console_url};
use crate::actions::describe::Description;
use crate::actions::invocations::{GroupBy, Invocation, InvocationReport, Progress};
use crate::actions::invoke::{InvokeResult, MAX_PAYLOAD};
use crate::actions::probe::{ProbeRequest, ProbeResult};
use crate::actions::{ActionError, Subject, command};
use crate::aws::Aws;
use crate::catalogue::{Command, CommandCatalogue, CommandKind};
use crate::deployed::Deployment;
use crate::model::{self, Resolved};

use super::audit::AuditView;
use super::confirm::ConfirmView;
use super::console::ConsoleView;
use super::describe::DescribeView;
use super::help::HelpView;
use super::input::LineInput;
use super::invocations::{DEFAULT_WINDOW, InvocationsView, WINDOWS, next_group};
use super::invoke::InvokeView;
use super::keymap::{Action, Mode, Verb, verb_spec};
use super::list::{ListView, PromptKind};
use super::menu::{MenuItem, MenuTarget, MenuView};
use super::pager::PagerView;
use super::payload::PayloadView;
use super::probe::{ProbeForm, ProbeInput, ProbeView};
use super::theme::Theme;

/// Ticks (10 a second) a message stays in the status line.
const FLASH_TICKS: u64 = 30;
const ERROR_TICKS: u64 = 100;

/// Identifies one background request; answers carry it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// Kinds of background work. Starting one aborts the previous of its kind: the latest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Lookup,
    Describe,
    Invoke,
    Audit,
    Probe,
    Invocations,
}

/// A running audit, handed back between batches so "load more" continues where it stopped.
pub struct AuditCursor(pub Box<Audit>);

impl std::fmt::Debug for AuditCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditCursor({:?})", self.0.names())
    }
}

/// What a background task sends back.
#[derive(Debug)]
pub enum Msg {
    Connected(Aws),
    Deployment {
        id: RequestId,
        deployment: Deployment,
    },
    Described {
        id: RequestId,
        result: Result<Description, String>,
    },
    Invoked {
        id: RequestId,
        result: Result<InvokeResult, String>,
    },
    AuditPage {
        id: RequestId,
        page: AuditPage,
    },
    /// A batch is loaded; more can be asked for with the cursor.
    AuditPaused {
        id: RequestId,
        cursor: AuditCursor,
    },
    /// No more pages (`Ok`), or the audit failed.
    AuditEnded {
        id: RequestId,
        result: Result<(), String>,
    },
    Opened {
        url: String,
        result: Result<(), String>,
    },
    Probed {
        id: RequestId,
        result: Result<Box<ProbeResult>, String>,
    },
    /// Calls found so far, and the counts.
    InvocationsFound {
        id: RequestId,
        progress: Progress,
        calls: Vec<Invocation>,
    },
    InvocationsDone {
        id: RequestId,
        result: Result<Box<InvocationReport>, String>,
    },
    /// A task failed unexpectedly (it panicked); the UI goes on.
    Failed {
        what: &'static str,
        error: String,
    },
}

/// Work for the event loop.
#[derive(Debug)]
pub enum Effect {
    Lookup {
        id: RequestId,
        refresh: bool,
    },
    Describe {
        id: RequestId,
        subject: Subject,
        /// The physical ids known when it was asked, to recognize the app's roles.
        deployment: Arc<Deployment>,
    },
    Invoke {
        id: RequestId,
        subject: Subject,
        payload: Vec<u8>,
    },
    AuditStart {
        id: RequestId,
        subject: Subject,
    },
    AuditMore {
        id: RequestId,
        cursor: AuditCursor,
    },
    Probe {
        id: RequestId,
        subject: Subject,
        request: ProbeRequest,
        stage: Option<String>,
        deployment: Arc<Deployment>,
    },
    Invocations {
        id: RequestId,
        subject: Subject,
        /// Seconds back from now.
        window: f64,
    },
    Cancel(Slot),
    OpenBrowser {
        name: String,
        url: String,
    },
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Run a user `exec` command with the terminal (the TUI steps aside meanwhile).
    Exec {
        name: String,
        command: Command,
        subject: Subject,
    },
}

/// The state of one request as its view shows it.
#[derive(Debug)]
pub enum Load<T> {
    Loading(RequestId),
    Loaded(T),
    Failed(String),
    Cancelled,
}

impl<T> Load<T> {
    pub fn pending(&self) -> Option<RequestId> {
        match self {
            Load::Loading(id) => Some(*id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Done,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
    until: u64,
}

/// What the header says about where cdkx points.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub app_dir: String,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub readonly: bool,
}

/// A view over the list; the last one has the keyboard.
#[derive(Debug)]
pub enum View {
    Menu(MenuView),
    Help(HelpView),
    Describe(DescribeView),
    Payload(PayloadView),
    Confirm(ConfirmView),
    Invoke(InvokeView),
    Audit(AuditView),
    Pager(PagerView),
    Console(ConsoleView),
    Probe(ProbeView),
    ProbeForm(ProbeForm),
    Invocations(InvocationsView),
}

impl View {
    fn mode(&self) -> Mode {
        match self {
            View::Menu(_) => Mode::Menu,
            View::Help(_) => Mode::Help,
            View::Describe(_) => Mode::Describe,
            View::Pager(_) => Mode::Document,
            View::Payload(_) => Mode::Payload,
            View::Confirm(_) => Mode::Confirm,
            View::Invoke(_) => Mode::Result,
            View::Audit(a) if a.filter_input.is_some() => Mode::Filter,
            View::Audit(_) => Mode::Audit,
            View::Console(_) => Mode::Console,
            View::Probe(_) => Mode::Probe,
            View::ProbeForm(_) => Mode::ProbeForm,
            View::Invocations(_) => Mode::Invocations,
        }
    }

    /// Whether it covers the whole body (the views under it need not be drawn).
    pub fn full_screen(&self) -> bool {
        !matches!(
            self,
            View::Menu(_)
                | View::Payload(_)
                | View::Confirm(_)
                | View::Console(_)
                | View::ProbeForm(_)
        )
    }
}

pub struct App {
    pub header: Header,
    pub theme: Theme,
    pub model: Arc<model::App>,
    pub catalogue: Arc<CommandCatalogue>,
    pub deployment: Arc<Deployment>,
    /// The physical-id lookup in flight, if any.
    pub refreshing: Option<RequestId>,
    pub aws: Option<Aws>,
    pub list: ListView,
    pub views: Vec<View>,
    pub status: Option<Status>,
    pub tick: u64,
    /// The last payload sent to each function (by construct path).
    pub payloads: HashMap<String, String>,
    /// The last probe request per construct path (`e` starts from it, `p` sends it).
    pub probes: HashMap<String, ProbeInput>,
    /// Where the drawing put the text cursor (a prompt), if anywhere.
    pub cursor: Cell<Option<(u16, u16)>>,
    pub quit: bool,
    next_id: u64,
    effects: Vec<Effect>,
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
        let mut app = App {
            header,
            theme,
            model,
            catalogue,
            deployment: Arc::new(deployment),
            refreshing: None,
            aws: None,
            list,
            views: Vec::new(),
            status: None,
            tick: 0,
            payloads: HashMap::new(),
            probes: HashMap::new(),
            cursor: Cell::new(None),
            quit: false,
            next_id: 0,
            effects: Vec::new(),
        };
        app.lookup(refresh);
        app
    }

    pub fn mode(&self) -> Mode {
        match self.views.last() {
            Some(v) => v.mode(),
            None => match &self.list.prompt {
                Some((PromptKind::Filter, _)) => Mode::Filter,
                Some((PromptKind::Jump, _)) => Mode::Jump,
                None => Mode::List,
            },
        }
    }

    /// The effects queued since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    fn id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.set_status(StatusKind::Info, text.into(), FLASH_TICKS * 2);
    }

    pub fn done(&mut self, text: impl Into<String>) {
        self.set_status(StatusKind::Done, text.into(), FLASH_TICKS);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.set_status(StatusKind::Error, text.into(), ERROR_TICKS);
    }

    fn set_status(&mut self, kind: StatusKind, text: String, ticks: u64) {
        self.status = Some(Status {
            kind,
            text,
            until: self.tick + ticks,
        });
    }

    /// Whether anything is loading (the spinner turns).
    pub fn busy(&self) -> bool {
        self.refreshing.is_some() || self.views.iter().any(view_busy)
    }

    /// A tick of the clock: the spinner turns and old messages go. Returns whether to redraw.
    pub fn on_tick(&mut self) -> bool {
        self.tick += 1;
        let expired = self.status.as_ref().is_some_and(|s| self.tick >= s.until);
        if expired {
            self.status = None;
        }
        expired || self.busy()
    }

    fn lookup(&mut self, refresh: bool) {
        let id = self.id();
        self.refreshing = Some(id);
        self.effects.push(Effect::Lookup { id, refresh });
    }

    /// The subject of a list row, from what is known now.
    pub fn subject(&self, row: usize) -> Subject {
        let r = &self.list.rows[row];
        Subject::new(
            &self.model,
            &self.deployment,
            self.aws.as_ref(),
            &Resolved {
                construct: r.construct,
                target: r.target,
            },
        )
    }

    /// The catalogue's commands for a list row, as action-menu items.
    pub fn menu_items(&self, row: usize) -> Vec<MenuItem> {
        let r = &self.list.rows[row];
        let node = &self.model.constructs[r.construct];
        let commands = self
            .catalogue
            .commands_for(node.fqn.as_deref(), Some(&r.cfn_type));
        super::menu::items(&commands)
    }

    // ---- keys ------------------------------------------------------------------------------

    pub fn act(&mut self, action: Action) {
        match action {
            Action::ForceQuit => {
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
        match self.views.pop() {
            None => self.act_list(action),
            Some(view) => self.act_view(view, action),
        }
    }

    fn act_list(&mut self, action: Action) {
        if let Some((kind, mut input)) = self.list.prompt.take() {
            match action {
                Action::Submit => {
                    if kind == PromptKind::Jump && !self.list.jump(input.text()) {
                        self.error(format!(
                            "no stack or type matches {:?}",
                            super::text::safe(input.text())
                        ));
                    }
                }
                Action::Back => {
                    if kind == PromptKind::Filter {
                        self.list.set_filter("");
                    }
                }
                edit => {
                    if input.edit(edit) && kind == PromptKind::Filter {
                        self.list.set_filter(input.text());
                    }
                    self.list.prompt = Some((kind, input));
                }
            }
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Back => {
                if !self.list.filter.is_empty() {
                    self.list.set_filter("");
                } else if self.refreshing.take().is_some() {
                    self.effects.push(Effect::Cancel(Slot::Lookup));
                    self.list
                        .set_deployment(&self.model, &self.deployment, false);
                    self.info("refresh cancelled");
                }
            }
            Action::Filter => {
                self.list.prompt = Some((PromptKind::Filter, LineInput::new(&self.list.filter)));
            }
            Action::Jump => self.list.prompt = Some((PromptKind::Jump, LineInput::default())),
            Action::Refresh => self.refresh_ids(),
            Action::Open => {
                if let Some(row) = self.list.selected_row() {
                    let items = self.menu_items(row);
                    self.views.push(View::Menu(MenuView::new(row, items)));
                }
            }
            Action::Verb(verb) => {
                if let Some(row) = self.list.selected_row() {
                    self.run_verb(row, verb);
                }
            }
            nav => {
                self.list.navigate(nav);
            }
        }
    }

    fn refresh_ids(&mut self) {
        self.lookup(true);
        self.list
            .set_deployment(&self.model, &self.deployment, true);
        self.info("refreshing physical ids…");
    }

    /// `view` was popped off the stack; put it (or what replaces it) back as the action says.
    fn act_view(&mut self, view: View, action: Action) {
        match view {
            View::Menu(mut m) => match action {
                Action::Back => {}
                Action::Refresh => {
                    self.views.push(View::Menu(m));
                    self.refresh_ids();
                }
                Action::Open => {
                    let item = m.items.get(m.selected).cloned();
                    let row = m.row;
                    self.views.push(View::Menu(m));
                    if let Some(item) = item {
                        self.run_item(row, &item);
                    }
                }
                Action::Verb(verb) => {
                    let row = m.row;
                    self.views.push(View::Menu(m));
                    self.run_verb(row, verb);
                }
                Action::Command(n) => {
                    let item = m
                        .items
                        .iter()
                        .find(|i| i.key == char::from_digit(n.into(), 10));
                    let item = item.cloned();
                    let row = m.row;
                    self.views.push(View::Menu(m));
                    match item {
                        Some(item) => self.run_item(row, &item),
                        None => self.error(format!("no command numbered {n} here")),
                    }
                }
                nav => {
                    m.navigate(nav);
                    self.views.push(View::Menu(m));
                }
            },
            View::Help(mut h) => {
                if action != Action::Back {
                    h.scroll.apply(action);
                    self.views.push(View::Help(h));
                }
            }
            View::Pager(mut p) => {
                if action != Action::Back {
                    p.scroll.apply(action);
                    self.views.push(View::Pager(p));
                }
            }
            View::Describe(mut d) => match action {
                Action::Back => {
                    if d.load.pending().is_some() {
                        d.load = Load::Cancelled;
                        self.effects.push(Effect::Cancel(Slot::Describe));
                        self.views.push(View::Describe(d));
                    }
                }
                Action::Refresh => {
                    let id = self.id();
                    d.load = Load::Loading(id);
                    self.effects.push(Effect::Describe {
                        id,
                        subject: d.subject.clone(),
                        deployment: self.deployment.clone(),
                    });
                    self.views.push(View::Describe(d));
                }
                Action::ToggleRaw => {
                    d.raw = !d.raw;
                    d.scroll = Default::default();
                    self.views.push(View::Describe(d));
                }
                nav => {
                    d.scroll.apply(nav);
                    self.views.push(View::Describe(d));
                }
            },
            View::Payload(mut p) => match action {
                Action::Back => {}
                Action::Submit => match check_payload(p.input.text()) {
                    Ok(()) => {
                        let confirm = ConfirmView::new(p.subject.clone(), p.input.text());
                        self.views.push(View::Payload(p));
                        self.views.push(View::Confirm(confirm));
                    }
                    Err(e) => {
                        p.error = Some(e);
                        self.views.push(View::Payload(p));
                    }
                },
                edit => {
                    if p.input.edit(edit) {
                        p.error = None;
                    }
                    self.views.push(View::Payload(p));
                }
            },
            View::Confirm(c) => match action {
                Action::Confirm => {
                    if matches!(self.views.last(), Some(View::Payload(_))) {
                        self.views.pop();
                    }
                    self.start_invoke(c.subject, c.payload);
                }
                Action::Back => {}
                _ => self.views.push(View::Confirm(c)),
            },
            View::Invoke(mut v) => match action {
                Action::Back => {
                    if v.load.pending().is_some() {
                        v.load = Load::Cancelled;
                        self.effects.push(Effect::Cancel(Slot::Invoke));
                        self.views.push(View::Invoke(v));
                    }
                }
                Action::Refresh => {
                    if v.load.pending().is_none() {
                        let confirm = ConfirmView::new(v.subject.clone(), &v.payload);
                        self.views.push(View::Confirm(confirm));
                    } else {
                        self.views.push(View::Invoke(v));
                    }
                }
                Action::ToggleLog => {
                    v.log_open = !v.log_open;
                    self.views.push(View::Invoke(v));
                }
                nav => {
                    v.scroll.apply(nav);
                    self.views.push(View::Invoke(v));
                }
            },
            View::Audit(a) => self.act_audit(a, action),
            View::Probe(mut v) => match action {
                Action::Back => {
                    if v.load.pending().is_some() {
                        v.load = Load::Cancelled;
                        self.effects.push(Effect::Cancel(Slot::Probe));
                        self.views.push(View::Probe(v));
                    }
                }
                Action::Refresh => {
                    let (subject, input) = (v.subject.clone(), v.input.clone());
                    self.views.push(View::Probe(v));
                    self.start_probe(subject, input);
                }
                Action::Edit => {
                    let form = ProbeForm::new(v.subject.clone(), &v.input);
                    self.views.push(View::Probe(v));
                    self.views.push(View::ProbeForm(form));
                }
                Action::ToggleSigned => {
                    v.show_signed = !v.show_signed;
                    self.views.push(View::Probe(v));
                }
                nav => {
                    v.scroll.apply(nav);
                    self.views.push(View::Probe(v));
                }
            },
            View::ProbeForm(mut f) => match action {
                Action::Back => {}
                Action::NextField => {
                    f.next(true);
                    self.views.push(View::ProbeForm(f));
                }
                Action::PrevField => {
                    f.next(false);
                    self.views.push(View::ProbeForm(f));
                }
                Action::Submit => {
                    let input = f.input();
                    match input.request(self.header.readonly) {
                        Ok(_) => self.start_probe(f.subject, input),
                        Err(e) => {
                            f.error = Some(e);
                            self.views.push(View::ProbeForm(f));
                        }
                    }
                }
                edit => {
                    let focus = f.focus;
                    if f.fields[focus].edit(edit) {
                        f.error = None;
                    }
                    self.views.push(View::ProbeForm(f));
                }
            },
            View::Invocations(mut v) => match action {
                Action::Back => {
                    if v.request.is_some() {
                        v.request = None;
                        v.cancelled = true;
                        self.effects.push(Effect::Cancel(Slot::Invocations));
                        self.views.push(View::Invocations(v));
                    }
                }
                Action::Refresh => {
                    let (subject, window, by) = (v.subject.clone(), v.window, v.by);
                    self.start_invocations(subject, window, by);
                }
                Action::CycleWindow => {
                    let (subject, window, by) =
                        (v.subject.clone(), (v.window + 1) % WINDOWS.len(), v.by);
                    if v.request.is_some() {
                        self.effects.push(Effect::Cancel(Slot::Invocations));
                    }
                    self.start_invocations(subject, window, by);
                }
                Action::Verb(Verb::Copy) => {
                    match v.setup_command() {
                        Some(cmd) => {
                            self.effects.push(Effect::Copy(cmd.to_string()));
                            self.done("the setup command is on the clipboard");
                        }
                        None => self.info("every source is set up: nothing to copy"),
                    }
                    self.views.push(View::Invocations(v));
                }
                Action::CycleGroup => {
                    v.set_by(next_group(v.by));
                    self.views.push(View::Invocations(v));
                }
                Action::ToggleCrossAccount => {
                    v.toggle_cross_account();
                    self.views.push(View::Invocations(v));
                }
                nav => {
                    v.scroll.apply(nav);
                    self.views.push(View::Invocations(v));
                }
            },
            View::Console(c) => match action {
                Action::Back => {}
                Action::Verb(Verb::Copy) => {
                    self.effects.push(Effect::Copy(c.url.clone()));
                    self.done("URL copied to the clipboard");
                    self.views.push(View::Console(c));
                }
                Action::Verb(Verb::Console) => {
                    self.effects.push(Effect::OpenBrowser {
                        name: c.name.clone(),
                        url: c.url.clone(),
                    });
                    self.views.push(View::Console(c));
                }
                _ => self.views.push(View::Console(c)),
            },
        }
    }

    fn act_audit(&mut self, mut a: AuditView, action: Action) {
        if a.filter_input.is_some() {
            let input = a.filter_input.as_mut().expect("checked");
            match action {
                Action::Submit => a.filter_input = None,
                Action::Back => {
                    a.filter_input = None;
                    a.set_filter("");
                }
                edit => {
                    if input.edit(edit) {
                        let text = input.text().to_string();
                        a.set_filter(&text);
                    }
                }
            }
            self.views.push(View::Audit(a));
            return;
        }
        match action {
            Action::Back => {
                if a.request.is_some() {
                    a.request = None;
                    a.cancelled = true;
                    self.effects.push(Effect::Cancel(Slot::Audit));
                    self.views.push(View::Audit(a));
                }
            }
            Action::Refresh => {
                let subject = a.subject.clone();
                let id = self.id();
                self.views
                    .push(View::Audit(AuditView::new(subject.clone(), id)));
                self.effects.push(Effect::AuditStart { id, subject });
            }
            Action::Filter => {
                a.filter_input = Some(LineInput::new(&a.filter));
                self.views.push(View::Audit(a));
            }
            Action::ToggleCrossAccount => {
                a.toggle_cross_account();
                self.views.push(View::Audit(a));
            }
            Action::Open => {
                if a.on_load_more() {
                    match a.cursor.take() {
                        Some(cursor) => {
                            let id = self.id();
                            a.request = Some(id);
                            self.effects.push(Effect::AuditMore { id, cursor });
                        }
                        None if a.request.is_none() && !a.done => {
                            self.error("the audit was interrupted: r starts it again")
                        }
                        None => {}
                    }
                    self.views.push(View::Audit(a));
                } else if let Some(row) = a.selected_row() {
                    let pager =
                        PagerView::json(format!("{} {}", row.event_name, row.time), &row.event);
                    self.views.push(View::Audit(a));
                    self.views.push(View::Pager(pager));
                } else {
                    self.views.push(View::Audit(a));
                }
            }
            nav => {
                a.navigate(nav);
                self.views.push(View::Audit(a));
            }
        }
    }

    /// Runs a menu item on a list row.
    fn run_item(&mut self, row: usize, item: &MenuItem) {
        match &item.target {
            MenuTarget::Verb(v) => self.run_verb(row, *v),
            MenuTarget::Command(cmd) => self.run_command(row, &item.name, cmd),
        }
    }

    fn run_command(&mut self, row: usize, name: &str, cmd: &Command) {
        let subject = self.subject(row);
        match cmd.kind {
            CommandKind::Native => {
                if let Some(spec) = cmd
                    .native()
                    .and_then(|n| super::keymap::verb_for_native(n.name()))
                {
                    self.run_verb(row, spec.verb);
                }
            }
            CommandKind::Exec => {
                if self.header.readonly {
                    self.error(format!(
                        "READONLY: `{name}` runs a shell command, which may change things; it is refused"
                    ));
                    return;
                }
                if let Err(e) = command::exec_script(name, cmd, &subject) {
                    self.error(e.to_string());
                    return;
                }
                self.effects.push(Effect::Exec {
                    name: name.to_string(),
                    command: cmd.clone(),
                    subject,
                });
            }
            CommandKind::Open => match command::open_url(name, cmd, &subject) {
                Ok(url) => self.open_url(name, url),
                Err(e) => self.error(e.to_string()),
            },
        }
    }

    fn open_url(&mut self, name: &str, url: String) {
        self.effects.push(Effect::OpenBrowser {
            name: name.to_string(),
            url: url.clone(),
        });
        self.effects.push(Effect::Copy(url.clone()));
        self.done("URL copied to the clipboard");
        self.views
            .push(View::Console(ConsoleView::new(name.to_string(), url)));
    }

    /// Runs a verb on a list row, if the row's catalogue has it (copy is always there).
    pub fn run_verb(&mut self, row: usize, verb: Verb) {
        let subject = self.subject(row);
        if verb != Verb::Copy
            && !self
                .menu_items(row)
                .iter()
                .any(|i| matches!(i.target, MenuTarget::Verb(v) if v == verb))
        {
            self.error(format!(
                "{} has no `{}` action (Enter lists its actions)",
                super::text::safe(&subject.construct_path),
                verb_spec(verb).name
            ));
            return;
        }
        match verb {
            Verb::Describe => {
                let id = self.id();
                self.views
                    .push(View::Describe(DescribeView::new(subject.clone(), id)));
                self.effects.push(Effect::Describe {
                    id,
                    subject,
                    deployment: self.deployment.clone(),
                });
            }
            Verb::Invoke => {
                if self.header.readonly {
                    self.error(
                        "READONLY: invoke runs the function and may change things; it is refused",
                    );
                    return;
                }
                if !crate::kind::ResourceKind::LambdaFunction.is(&subject.cfn_type) {
                    self.error(
                        ActionError::WrongType {
                            action: "invoke",
                            construct: subject.construct_path.clone(),
                            cfn_type: subject.cfn_type.clone(),
                            expected: "a Lambda function (AWS::Lambda::Function)",
                        }
                        .to_string(),
                    );
                    return;
                }
                let last = self
                    .payloads
                    .get(&subject.construct_path)
                    .cloned()
                    .unwrap_or_else(|| "{}".into());
                self.views
                    .push(View::Payload(PayloadView::new(subject, &last)));
            }
            Verb::Console | Verb::AuditConsole => {
                let req = ConsoleRequest {
                    audit: verb == Verb::AuditConsole,
                    stage: None,
                };
                match console_url(&subject, &self.deployment, req) {
                    Ok(url) => self.open_url(verb_spec(verb).name, url),
                    Err(e) => self.error(e.to_string()),
                }
            }
            Verb::Audit => {
                let id = self.id();
                self.views
                    .push(View::Audit(AuditView::new(subject.clone(), id)));
                self.effects.push(Effect::AuditStart { id, subject });
            }
            Verb::Probe => {
                if !crate::kind::ResourceKind::ApiGatewayRestApi.is(&subject.cfn_type)
                    && !crate::kind::ResourceKind::ApiGatewayV2Api.is(&subject.cfn_type)
                {
                    self.error(
                        ActionError::WrongType {
                            action: "probe",
                            construct: subject.construct_path.clone(),
                            cfn_type: subject.cfn_type.clone(),
                            expected: "a REST API (AWS::ApiGateway::RestApi) or an HTTP API (AWS::ApiGatewayV2::Api)",
                        }
                        .to_string(),
                    );
                    return;
                }
                let input = self
                    .probes
                    .get(&subject.construct_path)
                    .cloned()
                    .unwrap_or_default();
                if let Err(e) = input.request(self.header.readonly) {
                    // A request READONLY refuses: edit it instead of sending it.
                    self.error(e);
                    self.views
                        .push(View::ProbeForm(ProbeForm::new(subject, &input)));
                    return;
                }
                self.start_probe(subject, input);
            }
            Verb::Invocations => {
                self.start_invocations(subject, DEFAULT_WINDOW, GroupBy::Account);
            }
            Verb::Copy => match &subject.physical_id {
                Some(pid) => {
                    self.effects.push(Effect::Copy(pid.clone()));
                    self.done(format!("copied {}", super::text::safe(pid)));
                }
                None => self.error(
                    ActionError::NotDeployed {
                        construct: subject.construct_path.clone(),
                        state: subject.physical_state.clone(),
                    }
                    .to_string(),
                ),
            },
        }
    }

    /// Sends a probe and shows it: in the probe view on top (replaced), else a new one.
    fn start_probe(&mut self, subject: Subject, input: ProbeInput) {
        let request = match input.request(self.header.readonly) {
            Ok(r) => r,
            Err(e) => return self.error(e),
        };
        let id = self.id();
        self.probes
            .insert(subject.construct_path.clone(), input.clone());
        self.effects.push(Effect::Probe {
            id,
            subject: subject.clone(),
            request,
            stage: input.stage(),
            deployment: self.deployment.clone(),
        });
        match self.views.last_mut() {
            Some(View::Probe(v)) if v.subject.construct_path == subject.construct_path => {
                v.input = input;
                v.load = Load::Loading(id);
            }
            _ => self
                .views
                .push(View::Probe(ProbeView::new(subject, input, id))),
        }
    }

    fn start_invocations(&mut self, subject: Subject, window: usize, by: GroupBy) {
        let id = self.id();
        self.effects.push(Effect::Invocations {
            id,
            subject: subject.clone(),
            window: WINDOWS[window].1,
        });
        self.views.push(View::Invocations(InvocationsView::new(
            subject, window, by, id,
        )));
    }

    fn start_invoke(&mut self, subject: Subject, payload: String) {
        let id = self.id();
        self.payloads
            .insert(subject.construct_path.clone(), payload.clone());
        self.effects.push(Effect::Invoke {
            id,
            subject: subject.clone(),
            payload: payload.clone().into_bytes(),
        });
        self.views
            .push(View::Invoke(InvokeView::new(subject, payload, id)));
    }

    // ---- answers -----------------------------------------------------------------------------

    pub fn receive(&mut self, msg: Msg) {
        match msg {
            Msg::Connected(aws) => {
                if self.header.region.is_none() {
                    self.header.region = aws.default_region();
                }
                if let Some(e) = aws.endpoint_url() {
                    self.header.endpoint = Some(e.to_string());
                }
                self.aws = Some(aws);
            }
            Msg::Deployment { id, mut deployment } => {
                if self.refreshing != Some(id) {
                    return;
                }
                self.refreshing = None;
                let mut failures: Vec<String> = deployment
                    .failures()
                    .filter(|(i, _)| !self.model.stacks[*i].is_nested())
                    .map(|(i, why)| {
                        format!(
                            "could not look up stack {}: {}",
                            self.model.stacks[i].name, why
                        )
                    })
                    .collect();
                // A failed refresh keeps the physical ids known before.
                let kept = crate::session::keep_known(&mut deployment, &self.deployment);
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
                    self.error(f.clone());
                } else if let Some(w) = other_warnings.first() {
                    self.info(format!("warning: {w}"));
                } else if matches!(self.status.as_ref(), Some(s) if s.kind == StatusKind::Info) {
                    self.status = None;
                }
                self.deployment = Arc::new(deployment);
                self.list
                    .set_deployment(&self.model, &self.deployment, false);
            }
            Msg::Described { id, result } => {
                if let Some(d) = self.views.iter_mut().find_map(|v| match v {
                    View::Describe(d) if d.load.pending() == Some(id) => Some(d),
                    _ => None,
                }) {
                    d.set_result(result);
                }
            }
            Msg::Invoked { id, result } => {
                if let Some(v) = self.views.iter_mut().find_map(|v| match v {
                    View::Invoke(i) if i.load.pending() == Some(id) => Some(i),
                    _ => None,
                }) {
                    v.load = match result {
                        Ok(r) => Load::Loaded(Box::new(r)),
                        Err(e) => Load::Failed(e),
                    };
                }
            }
            Msg::AuditPage { id, page } => {
                if let Some(a) = self.audit_waiting(id) {
                    a.add_page(page);
                }
            }
            Msg::AuditPaused { id, cursor } => {
                if let Some(a) = self.audit_waiting(id) {
                    a.request = None;
                    a.cursor = Some(cursor);
                }
            }
            Msg::AuditEnded { id, result } => {
                if let Some(a) = self.audit_waiting(id) {
                    a.request = None;
                    match result {
                        Ok(()) => a.done = true,
                        Err(e) => a.error = Some(e),
                    }
                }
            }
            Msg::Opened { url, result } => {
                let ok = result.is_ok();
                if let Err(e) = result {
                    self.error(format!("{e}; the URL is on the clipboard"));
                }
                for v in &mut self.views {
                    if let View::Console(c) = v
                        && c.url == url
                    {
                        c.opened = Some(ok);
                    }
                }
            }
            Msg::Probed { id, result } => {
                if let Some(v) = self.views.iter_mut().find_map(|v| match v {
                    View::Probe(p) if p.load.pending() == Some(id) => Some(p),
                    _ => None,
                }) {
                    v.load = match result {
                        Ok(r) => Load::Loaded(r),
                        Err(e) => Load::Failed(e),
                    };
                }
            }
            Msg::InvocationsFound {
                id,
                progress,
                calls,
            } => {
                if let Some(v) = self.invocations_waiting(id) {
                    v.add(progress, calls);
                }
            }
            Msg::InvocationsDone { id, result } => {
                if let Some(v) = self.invocations_waiting(id) {
                    match result {
                        Ok(report) => v.finish(*report),
                        Err(e) => v.fail(e),
                    }
                }
            }
            Msg::Failed { what, error } => self.error(format!("{what} failed: {error}")),
        }
    }

    fn invocations_waiting(&mut self, id: RequestId) -> Option<&mut InvocationsView> {
        self.views.iter_mut().find_map(|v| match v {
            View::Invocations(i) if i.request == Some(id) => Some(i),
            _ => None,
        })
    }

    fn audit_waiting(&mut self, id: RequestId) -> Option<&mut AuditView> {
        self.views.iter_mut().find_map(|v| match v {
            View::Audit(a) if a.request == Some(id) => Some(a),
            _ => None,
        })
    }

    /// What an `exec` command's end looks like in the status line.
    pub fn exec_finished(&mut self, name: &str, result: Result<i32, String>) {
        match result {
            Ok(0) => self.done(format!("`{name}` finished")),
            Ok(code) => self.error(format!("`{name}` exited with status {code}")),
            Err(e) => self.error(e),
        }
    }
}

fn view_busy(v: &View) -> bool {
    match v {
        View::Describe(d) => d.load.pending().is_some(),
        View::Invoke(i) => i.load.pending().is_some(),
        View::Audit(a) => a.request.is_some(),
        View::Console(c) => c.opened.is_none(),
        View::Probe(p) => p.load.pending().is_some(),
        View::Invocations(i) => i.request.is_some(),
        _ => false,
    }
}

/// Checks an invoke payload as the CLI does: JSON, within Lambda's size limit.
pub fn check_payload(text: &str) -> Result<(), String> {
    if text.len() > MAX_PAYLOAD {
        return Err(format!(
            "the payload is {} bytes; Lambda takes at most {MAX_PAYLOAD}",
            text.len()
        ));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| format!("not valid JSON: {e}"))
}
