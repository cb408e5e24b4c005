//! Who called a function or an API (`w`): the summary by caller account, principal or day on
//! top, the calls below, both filling in as trail log objects, Athena pages or access-log pages
//! are read, with progress (objects, bytes, calls) in the title. A source that is not set up
//! says so with the command that sets it up, instead of an empty table.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::{Step, View};
use crate::actions::Subject;
use crate::actions::invocations::{
    GroupBy, Invocation, InvocationReport, Progress, SourceReport, Summary, account_names,
};
use crate::present::table::pane_widths;
use crate::present::{timeline, words};
use crate::time::parse_iso;
use crate::tui::cx::Cx;
use crate::tui::keymap::{Action, Verb};
use crate::tui::msg::{Effect, Load, Msg, RequestId, Slot};
use crate::tui::text::{self, wrap};
use crate::tui::widgets::pane::{spinner, streaming_pane};
use crate::tui::widgets::scroll::Scroll;
use crate::tui::widgets::table::draw_cells;

/// The windows `t` steps through: (label, seconds).
pub const WINDOWS: [(&str, f64); 4] = [
    ("last hour", 3600.0),
    ("last day", 86400.0),
    ("last 7 days", 7.0 * 86400.0),
    ("last 30 days", 30.0 * 86400.0),
];
/// The CLI's default (`--since 1d`).
pub const DEFAULT_WINDOW: usize = 1;

#[derive(Debug)]
pub struct InvocationsView {
    pub subject: Subject,
    pub window: usize,
    pub by: GroupBy,
    pub cross_only: bool,
    /// Every call read so far, newest first once the report is in.
    pub calls: Vec<Invocation>,
    /// The summary of the calls shown (all, or the cross-account ones).
    pub summary: Summary,
    pub progress: Progress,
    /// The reading: running, over, failed or stopped (what it found is above).
    pub load: Load<()>,
    /// The sources' reports, when the reading is over.
    pub sources: Vec<SourceReport>,
    pub scroll: Scroll,
    /// The window read (seconds since the epoch): from the start, then the report's.
    pub span: (f64, f64),
}

impl InvocationsView {
    pub fn new(subject: Subject, window: usize, by: GroupBy, id: RequestId) -> InvocationsView {
        InvocationsView {
            subject,
            window,
            by,
            cross_only: false,
            calls: Vec::new(),
            summary: Summary::new(by),
            progress: Progress::default(),
            load: Load::Loading(id),
            sources: Vec::new(),
            scroll: Scroll::default(),
            span: {
                let until = crate::time::now();
                (until - WINDOWS[window].1, until)
            },
        }
    }

    /// Starts reading who called `subject` in a window; the view fills as calls are found.
    pub fn start(subject: Subject, window: usize, by: GroupBy, cx: &mut Cx) -> View {
        let id = cx.id();
        cx.push(Effect::Invocations {
            id,
            subject: subject.clone(),
            window: WINDOWS[window].1,
        });
        View::Invocations(InvocationsView::new(subject, window, by, id))
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => {
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Invocations));
            }
            Action::Refresh => {
                let subject = self.subject.clone();
                return Step::Replace(InvocationsView::start(subject, self.window, self.by, cx));
            }
            Action::CycleWindow => {
                if self.load.pending().is_some() {
                    cx.push(Effect::Cancel(Slot::Invocations));
                }
                let (subject, window) = (self.subject.clone(), (self.window + 1) % WINDOWS.len());
                return Step::Replace(InvocationsView::start(subject, window, self.by, cx));
            }
            Action::Verb(Verb::Copy) => match self.setup_command() {
                Some(cmd) => {
                    cx.push(Effect::Copy(cmd.to_string()));
                    cx.done("the setup command is on the clipboard");
                }
                None => cx.info("every source is set up: nothing to copy"),
            },
            Action::CycleGroup => self.set_by(next_group(self.by)),
            Action::ToggleCrossAccount => self.toggle_cross_account(),
            nav => {
                self.scroll.apply(nav);
            }
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::InvocationsFound {
                id,
                progress,
                calls,
            } if self.load.waits_for(id) => self.add(progress, calls),
            Msg::InvocationsDone { id, result } if self.load.waits_for(id) => match result {
                Ok(report) => self.finish(*report),
                Err(e) => self.fail(e),
            },
            other => return Some(other),
        }
        None
    }

    fn shows(&self, c: &Invocation) -> bool {
        !self.cross_only || c.cross_account
    }

    /// Calls found while reading: they count at once.
    pub fn add(&mut self, progress: Progress, calls: Vec<Invocation>) {
        self.progress = progress;
        for c in calls {
            if self.shows(&c) {
                self.summary.add(&c);
            }
            self.calls.push(c);
        }
    }

    /// The final report replaces what streamed in (sorted, duplicates across sources merged).
    pub fn finish(&mut self, report: InvocationReport) {
        self.load = Load::Loaded(());
        if let (Some(since), Some(until)) = (parse_iso(&report.since), parse_iso(&report.until)) {
            self.span = (since, until);
        }
        self.sources = report.sources;
        self.progress.calls = report.total;
        if let Some(calls) = report.rows {
            self.calls = calls;
        }
        self.resummarize();
    }

    pub fn fail(&mut self, error: String) {
        self.load = Load::Failed(error);
    }

    pub fn set_by(&mut self, by: GroupBy) {
        self.by = by;
        self.resummarize();
    }

    pub fn toggle_cross_account(&mut self) {
        self.cross_only = !self.cross_only;
        self.scroll = Scroll::default();
        self.resummarize();
    }

    fn resummarize(&mut self) {
        let mut s = Summary::new(self.by);
        for c in self.calls.iter().filter(|c| self.shows(c)) {
            s.add(c);
        }
        self.summary = s;
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let p = &self.progress;
        let progress = format!(
            "{}{}, {}, {} ",
            if self.load.pending().is_some() {
                format!("{} ", spinner(cx))
            } else {
                String::new()
            },
            words::count(p.objects, "object"),
            words::bytes(p.bytes),
            words::count(p.calls, "call")
        );
        let mut title = format!(
            " invocations · {} · {} ",
            WINDOWS[self.window].0,
            text::safe(&self.subject.construct_path)
        );
        if self.cross_only {
            title.push_str("· cross-account only ");
        }
        let block = streaming_pane(
            cx,
            &title,
            progress,
            " b group by · t window · c cross-account · y copy setup · Esc back ",
            area.width,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let w = inner.width as usize;
        if inner.height < 6 || w < 30 {
            return;
        }
        let mut y = inner.y;
        let bottom = inner.y + inner.height;
        let mut say = |y: &mut u16, s: &str, style: Style| {
            for l in wrap(&text::safe(s), w) {
                if *y >= bottom {
                    return;
                }
                buf.set_stringn(inner.x, *y, &l, w, style);
                *y += 1;
            }
        };
        // Where the calls come from; what is not set up, and how to set it up.
        match &self.load {
            Load::Loading(_) => say(
                &mut y,
                &format!("{} reading… (Esc stops)", spinner(cx)),
                theme.dim(),
            ),
            Load::Cancelled => say(&mut y, "stopped (r reads again)", theme.dim()),
            Load::Failed(e) => say(&mut y, &format!("✗ {e}"), theme.error()),
            Load::Loaded(()) => {}
        }
        for s in &self.sources {
            let name = serde_json::to_value(s.source)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let style = match s.status {
                "used" => theme.dim(),
                "failed" => theme.error(),
                _ => theme.warn(),
            };
            say(
                &mut y,
                &format!("{name}: {} · {}", s.status, s.detail),
                style,
            );
            if let Some(how) = &s.how_to_enable {
                say(&mut y, &format!("  to enable it: {how}"), theme.dim());
            }
        }
        if y + 3 >= bottom {
            return;
        }
        let shown: Vec<&Invocation> = self.calls.iter().filter(|c| self.shows(c)).collect();
        if shown.is_empty() {
            if matches!(self.load, Load::Loaded(()) | Load::Cancelled) {
                let read = self.sources.iter().any(|s| s.status == "used");
                let msg = if !read {
                    "nothing could be read: set up a source as said above (y copies the command)"
                        .to_string()
                } else if self.cross_only && !self.calls.is_empty() {
                    "no cross-account call in this window (c shows all)".to_string()
                } else {
                    format!(
                        "no call in the {} (t widens the window)",
                        WINDOWS[self.window].0
                    )
                };
                say(&mut y, &msg, theme.dim());
            }
            return;
        }
        // The summary: at most a third of what is left, the rest for the calls.
        y += u16::from(y > inner.y);
        let key = match self.by {
            GroupBy::Account => "CALLER ACCOUNT",
            GroupBy::Principal => "PRINCIPAL",
            GroupBy::Day => "DAY",
        };
        let groups = self.summary.groups();
        let left = (bottom - y) as usize;
        let summary_h = (groups.len() + 1).min((left / 3).max(2));
        // By account: each account's calls over the window as a sparkline (in place of the
        // first and last times, which it shows, when the width is short).
        let wide = w >= 110;
        let by_account = self.by == GroupBy::Account;
        let key_w = match self.by {
            GroupBy::Principal => 44,
            GroupBy::Account if wide => 40,
            _ => 16,
        };
        let mut weights = vec![1, key_w, 7, 7];
        if wide || !by_account {
            weights.extend([20, 20]);
        }
        if by_account {
            weights.push(1);
        }
        let widths = pane_widths(w, &weights);
        let chart = by_account.then(|| {
            let cols = widths.last().copied().unwrap_or(1);
            let shown = self.calls.iter().filter(|c| self.shows(c));
            let mut t =
                crate::actions::invocations::timeline(shown, self.span.0, self.span.1, cols);
            t.name_accounts(&account_names(&cx.model));
            t
        });
        let mut headings = vec![
            String::new(),
            key.to_string(),
            "CALLS".into(),
            "ERRORS".into(),
        ];
        if wide || !by_account {
            headings.extend(["FIRST SEEN".to_string(), "LAST SEEN".to_string()]);
        }
        if let Some(t) = &chart {
            headings.push(format!(
                "CALLS PER {}",
                timeline::bucket_words(t.bucket_seconds).to_uppercase()
            ));
        }
        draw_cells(
            buf,
            inner.x,
            y,
            &widths,
            headings.into_iter(),
            theme.heading(),
        );
        for (i, g) in groups.iter().take(summary_h - 1).enumerate() {
            let style = if g.cross_account {
                theme.cross_account()
            } else {
                Style::new()
            };
            let line = chart.as_ref().and_then(|t| t.line(&g.key));
            let key = match line {
                Some(l) if wide => timeline::account_label(l),
                _ => text::safe(&g.key).into_owned(),
            };
            let mut cells = vec![
                if g.cross_account { "!" } else { "" }.to_string(),
                key,
                format!("{:>7}", g.calls),
                format!("{:>7}", g.errors),
            ];
            if wide || !by_account {
                cells.push(text::safe(&g.first_seen).into_owned());
                cells.push(text::safe(&g.last_seen).into_owned());
            }
            if by_account {
                cells.push(line.map(timeline::sparkline).unwrap_or_default());
            }
            draw_cells(
                buf,
                inner.x,
                y + 1 + i as u16,
                &widths,
                cells.into_iter(),
                style,
            );
        }
        if groups.len() + 1 > summary_h {
            buf.set_stringn(
                inner.x + 2,
                y + summary_h as u16 - 1,
                format!(
                    "… {} more (b groups otherwise)",
                    groups.len() + 2 - summary_h
                ),
                w - 2,
                theme.dim(),
            );
        }
        y += summary_h as u16 + 1;
        if y + 2 > bottom {
            return;
        }
        // The calls, newest first once all are in.
        let widths = if wide {
            pane_widths(w, &[1, 20, 12, 56, 15, 14, 20])
        } else {
            pane_widths(w, &[1, 20, 12, 12, 30])
        };
        let headers: &[&str] = if wide {
            &[
                "",
                "TIME",
                "ACCOUNT",
                "PRINCIPAL",
                "SOURCE IP",
                "ERROR",
                "PATH",
            ]
        } else {
            &["", "TIME", "ACCOUNT", "ERROR", "PRINCIPAL"]
        };
        draw_cells(
            buf,
            inner.x,
            y,
            &widths,
            headers.iter().map(|h| h.to_string()),
            theme.heading(),
        );
        y += 1;
        let body_h = (bottom - y) as usize;
        let first = self.scroll.window(shown.len(), body_h);
        for (i, c) in shown.iter().skip(first).take(body_h).enumerate() {
            let opt = |o: &Option<String>| text::safe(o.as_deref().unwrap_or("-")).into_owned();
            let mark = if c.cross_account { "!" } else { "" }.to_string();
            let error = c.error.clone().unwrap_or_default();
            let cells: Vec<String> = if wide {
                vec![
                    mark,
                    text::safe(&c.time).into_owned(),
                    opt(&c.caller_account),
                    text::safe(&c.principal).into_owned(),
                    opt(&c.source_ip),
                    text::safe(&error).into_owned(),
                    opt(&c.path),
                ]
            } else {
                vec![
                    mark,
                    text::safe(&c.time).into_owned(),
                    opt(&c.caller_account),
                    text::safe(&error).into_owned(),
                    text::safe(&c.principal).into_owned(),
                ]
            };
            let style = if c.cross_account {
                theme.cross_account()
            } else if c.error.is_some() {
                theme.error()
            } else {
                Style::new()
            };
            draw_cells(
                buf,
                inner.x,
                y + i as u16,
                &widths,
                cells.into_iter(),
                style,
            );
        }
    }
}

impl InvocationsView {
    /// The command that sets up the first source that is not set up, if any.
    pub fn setup_command(&self) -> Option<&str> {
        self.sources.iter().find_map(|s| s.how_to_enable.as_deref())
    }
}

/// The next grouping `b` gives.
pub fn next_group(by: GroupBy) -> GroupBy {
    match by {
        GroupBy::Account => GroupBy::Principal,
        GroupBy::Principal => GroupBy::Day,
        GroupBy::Day => GroupBy::Account,
    }
}
