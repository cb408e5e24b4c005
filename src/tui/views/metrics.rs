//! The metrics view (`m`): a function's or a REST API's CloudWatch series (the `metrics`
//! action) as sparklines with their min, max and sum, drawn as the CLI prints them, over a window
//! that `t` moves between the last hour, 3 hours, day and 7 days. Describe's metrics panel
//! draws with the same [`report_lines`].

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::{Step, View};
use crate::actions::Subject;
use crate::actions::metrics::MetricsReport;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Load, Msg, RequestId, Slot};
use crate::tui::widgets::pane::{construct_pane, state_lines};
use crate::tui::widgets::scroll::{Scroll, draw_lines};

/// The windows `t` goes through: (seconds back, period in seconds, how the title says it). Each
/// has at most 288 periods, so a sparkline of a wide terminal shows one bar a period.
pub const WINDOWS: [(i64, i32, &str); 4] = [
    (3600, 60, "last hour, per minute"),
    (3 * 3600, 60, "last 3 hours, per minute"),
    (86400, 300, "last day, per 5 minutes"),
    (7 * 86400, 3600, "last 7 days, per hour"),
];

/// The window a view opens with (as `cdkx FN metrics` defaults to).
pub const DEFAULT_WINDOW: usize = 1;

#[derive(Debug)]
pub struct MetricsView {
    pub subject: Subject,
    /// Index into [`WINDOWS`].
    pub window: usize,
    pub load: Load<Box<MetricsReport>>,
    pub scroll: Scroll,
}

/// Asks for `subject`'s metrics over `window` (an index into [`WINDOWS`]) in `slot`; returns the
/// request.
pub fn request(subject: &Subject, window: usize, slot: Slot, cx: &mut Cx) -> RequestId {
    let (back, period, _) = WINDOWS[window.min(WINDOWS.len() - 1)];
    let id = cx.id();
    let until_s = crate::time::now() as i64;
    cx.push(Effect::Metrics {
        id,
        slot,
        subject: subject.clone(),
        since_s: until_s - back,
        until_s,
        period_s: period,
    });
    id
}

/// A report's lines as `cdkx FN metrics` prints them at `width` (without its first line, which
/// a pane's title says), or the state of the request.
pub fn report_lines(
    cx: &Cx,
    load: &Load<Box<MetricsReport>>,
    with_header: bool,
    width: usize,
) -> Vec<Line<'static>> {
    match load {
        Load::Loaded(r) => crate::present::metrics::render(r, width)
            .lines()
            .skip(usize::from(!with_header))
            .map(|l| {
                let style = if l.ends_with("no data") {
                    cx.theme.dim()
                } else {
                    Style::new()
                };
                Line::styled(crate::tui::text::fit(l, width).into_owned(), style)
            })
            .collect(),
        other => state_lines(cx, other, "asking CloudWatch…", "r asks again", width),
    }
}

impl MetricsView {
    pub fn start(subject: Subject, cx: &mut Cx) -> View {
        let id = request(&subject, DEFAULT_WINDOW, Slot::Metrics, cx);
        View::Metrics(MetricsView {
            subject,
            window: DEFAULT_WINDOW,
            load: Load::Loading(id),
            scroll: Scroll::default(),
        })
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => {
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Metrics));
            }
            Action::Refresh => {
                self.load = Load::Loading(request(&self.subject, self.window, Slot::Metrics, cx));
            }
            Action::CycleWindow => {
                self.window = (self.window + 1) % WINDOWS.len();
                self.load = Load::Loading(request(&self.subject, self.window, Slot::Metrics, cx));
            }
            nav => {
                self.scroll.apply(nav);
            }
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::Metrics { id, result } if self.load.waits_for(id) => {
                self.load = Load::answer(result);
                None
            }
            other => Some(other),
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let (_, _, window) = WINDOWS[self.window];
        let block = construct_pane(
            cx,
            "metrics",
            &self.subject.construct_path,
            self.load.pending().is_some(),
            area.width,
            " t window · r refresh · Esc back ",
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let width = usize::from(inner.width);
        let mut lines = vec![
            Line::styled(window.to_string(), cx.theme.heading()),
            Line::default(),
        ];
        lines.extend(report_lines(cx, &self.load, true, width));
        draw_lines(&lines, &self.scroll, inner, buf, cx.theme.dim());
    }
}
