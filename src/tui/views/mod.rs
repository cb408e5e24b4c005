//! The views over the resource list, one file per view: its state, its key handling
//! (`act(&mut self, Action, &mut Cx) -> Step`), its answers (`receive`), its drawing and its
//! tests. [`View`] is the stack's element: one arm per view, dispatching statically.

pub mod audit;
pub mod confirm;
pub mod console;
pub mod describe;
pub mod help;
pub mod invocations;
pub mod invoke;
pub mod list;
pub mod listing;
pub mod logs;
pub mod menu;
pub mod metrics;
pub mod pager;
pub mod payload;
pub mod probe;
pub mod probe_form;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::cx::Cx;
use super::keymap::{Action, Mode, Verb};
use super::msg::Msg;
use super::widgets::pane::Link;
use crate::actions::Subject;

use audit::AuditView;
use confirm::ConfirmView;
use console::ConsoleView;
use describe::DescribeView;
use help::HelpView;
use invocations::InvocationsView;
use invoke::InvokeView;
use listing::ListingView;
use logs::LogsView;
use menu::{MenuItem, MenuView};
use metrics::MetricsView;
use pager::PagerView;
use payload::PayloadView;
use probe::{ProbeInput, ProbeView};
use probe_form::ProbeForm;

/// What becomes of the view stack after a view acted on a key.
#[derive(Debug)]
pub enum Step {
    /// The view stays on top.
    Stay,
    /// The view closes: back to the one under it.
    Close,
    /// The view stays and another opens over it.
    Push(View),
    /// Another view takes its place.
    Replace(View),
    /// The view stays and the app runs something beyond it.
    Run(Run),
    /// The view closes and the app runs something.
    CloseAndRun(Run),
}

/// What a view asks of the app when it cannot do it alone (it opens other views, or needs what
/// the app remembers across views).
#[derive(Debug)]
pub enum Run {
    /// A resource verb (a hotkey in the list or the menu).
    Verb(Subject, Verb),
    /// An action-menu item: a verb or a catalogue command.
    Item(Subject, MenuItem),
    /// Look the physical ids up again.
    RefreshIds,
    /// Send a probe: into the probe view on top when it is the same construct's, else a new one.
    Probe(Subject, ProbeInput),
    /// Invoke with this payload (closing the payload prompt on top, if any).
    Invoke(Subject, String),
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
    Logs(LogsView),
    Listing(ListingView),
    Metrics(MetricsView),
}

impl View {
    pub fn mode(&self) -> Mode {
        match self {
            View::Menu(_) => Mode::Menu,
            View::Help(_) => Mode::Help,
            View::Describe(_) => Mode::Describe,
            View::Pager(_) => Mode::Document,
            View::Payload(_) => Mode::Payload,
            View::Confirm(_) => Mode::Confirm,
            View::Invoke(_) => Mode::Result,
            View::Audit(a) => a.mode(),
            View::Console(_) => Mode::Console,
            View::Probe(_) => Mode::Probe,
            View::ProbeForm(_) => Mode::ProbeForm,
            View::Invocations(_) => Mode::Invocations,
            View::Logs(v) => v.mode(),
            View::Listing(_) => Mode::Listing,
            View::Metrics(_) => Mode::Metrics,
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

    /// Whether it waits for something (the spinner turns).
    pub fn busy(&self) -> bool {
        match self {
            View::Describe(v) => v.load.pending().is_some(),
            View::Invoke(v) => v.load.pending().is_some(),
            View::Audit(v) => v.load.pending().is_some(),
            View::Console(v) => v.opened.is_none(),
            View::Probe(v) => v.load.pending().is_some(),
            View::Invocations(v) => v.load.pending().is_some(),
            View::Logs(v) => v.busy(),
            View::Listing(v) => v.load.pending().is_some(),
            View::Metrics(v) => v.load.pending().is_some(),
            _ => false,
        }
    }

    /// The view on top acts on a key.
    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match self {
            View::Menu(v) => v.act(action, cx),
            View::Help(v) => v.act(action),
            View::Describe(v) => v.act(action, cx),
            View::Payload(v) => v.act(action),
            View::Confirm(v) => v.act(action),
            View::Invoke(v) => v.act(action, cx),
            View::Audit(v) => v.act(action, cx),
            View::Pager(v) => v.act(action),
            View::Console(v) => v.act(action, cx),
            View::Probe(v) => v.act(action, cx),
            View::ProbeForm(v) => v.act(action, cx),
            View::Invocations(v) => v.act(action, cx),
            View::Logs(v) => v.act(action, cx),
            View::Listing(v) => v.act(action, cx),
            View::Metrics(v) => v.act(action, cx),
        }
    }

    /// Offers an answer to the view: `None` when it took it, else the message back (it is not
    /// this view's, or others may want it too).
    pub fn receive(&mut self, msg: Msg, cx: &mut Cx) -> Option<Msg> {
        match self {
            View::Describe(v) => v.receive(msg),
            View::Invoke(v) => v.receive(msg, cx),
            View::Audit(v) => v.receive(msg),
            View::Console(v) => v.receive(msg),
            View::Probe(v) => v.receive(msg),
            View::Invocations(v) => v.receive(msg),
            View::Logs(v) => v.receive(msg),
            View::Listing(v) => v.receive(msg),
            View::Metrics(v) => v.receive(msg),
            View::Menu(_)
            | View::Help(_)
            | View::Payload(_)
            | View::Confirm(_)
            | View::Pager(_)
            | View::ProbeForm(_) => Some(msg),
        }
    }

    /// Draws the view; returns the links on screen (a console URL).
    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) -> Vec<Link> {
        match self {
            View::Menu(v) => v.render(cx, area, buf),
            View::Help(v) => v.render(cx, area, buf),
            View::Describe(v) => v.render(cx, area, buf),
            View::Payload(v) => v.render(cx, area, buf),
            View::Confirm(v) => v.render(cx, area, buf),
            View::Invoke(v) => v.render(cx, area, buf),
            View::Audit(v) => v.render(cx, area, buf),
            View::Pager(v) => v.render(cx, area, buf),
            View::Console(v) => return v.render(cx, area, buf),
            View::Probe(v) => v.render(cx, area, buf),
            View::ProbeForm(v) => v.render(cx, area, buf),
            View::Invocations(v) => v.render(cx, area, buf),
            View::Logs(v) => v.render(cx, area, buf),
            View::Listing(v) => v.render(cx, area, buf),
            View::Metrics(v) => v.render(cx, area, buf),
        }
        Vec::new()
    }
}
