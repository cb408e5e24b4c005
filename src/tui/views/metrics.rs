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

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::*;
    use crate::tui::keymap::Mode;
    use crate::tui::testing::*;

    fn asked(effects: &[Effect]) -> (RequestId, Slot, i64, i32) {
        effects
            .iter()
            .rev()
            .find_map(|e| match e {
                Effect::Metrics {
                    id,
                    slot,
                    since_s,
                    until_s,
                    period_s,
                    ..
                } => Some((*id, *slot, until_s - since_s, *period_s)),
                _ => None,
            })
            .expect("a metrics request")
    }

    #[test]
    fn m_opens_the_view_t_moves_the_window_and_older_answers_are_dropped() {
        let mut app = app();
        let row = select(&mut app, "requestorFn");
        press(&mut app, KeyCode::Char('m'));
        assert_eq!(app.mode(), Mode::Metrics);
        let (first, slot, back, period) = asked(&app.take_effects());
        assert_eq!((slot, back, period), (Slot::Metrics, 3 * 3600, 60));
        press(&mut app, KeyCode::Char('t'));
        let (second, _, back, period) = asked(&app.take_effects());
        assert_eq!((back, period), (86400, 300));
        let function = app.subject(row).physical_id.unwrap();
        app.receive(Msg::Metrics {
            id: first,
            result: Ok(Box::new(metrics_report(&function))),
        });
        assert!(
            matches!(app.views.last(), Some(View::Metrics(v)) if v.load.waits_for(second)),
            "the first window's answer is stale"
        );
        app.receive(Msg::Metrics {
            id: second,
            result: Err("cloudwatch:GetMetricData in us-east-1: access denied".into()),
        });
        let text = screen(&app, 80, 24);
        assert!(text.contains("last day, per 5 minutes"), "{text}");
        assert!(text.contains("✗ cloudwatch:GetMetricData"), "{text}");
        // On to 7 days, then round to the first window; Esc cancels a request, then closes.
        for _ in 0..2 {
            press(&mut app, KeyCode::Char('t'));
        }
        assert_eq!(asked(&app.take_effects()).2, 3600);
        press(&mut app, KeyCode::Esc);
        assert!(
            app.take_effects()
                .iter()
                .any(|e| matches!(e, Effect::Cancel(Slot::Metrics)))
        );
        assert_eq!(app.mode(), Mode::Metrics);
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.mode(), Mode::List);
    }

    #[test]
    fn the_menu_runs_metrics_natively_and_only_where_the_catalogue_has_it() {
        let mut app = app();
        select(&mut app, "iam-backed-api");
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Char('m'));
        assert_eq!(app.mode(), Mode::Metrics);
        assert!(
            app.take_effects()
                .iter()
                .any(|e| matches!(e, Effect::Metrics { .. }))
        );
        let mut app = crate::tui::testing::app();
        select(&mut app, "ServiceRole");
        press(&mut app, KeyCode::Char('m'));
        assert_eq!(app.mode(), Mode::List);
        assert!(app.take_effects().is_empty());
        let status = app.cx.status.clone().unwrap();
        assert!(
            status.text.contains("has no `metrics` action"),
            "{status:?}"
        );
    }

    #[test]
    fn describe_asks_for_its_panel_beside_the_description() {
        let mut app = app();
        select(&mut app, "requestorFn");
        press(&mut app, KeyCode::Char('d'));
        let effects = app.take_effects();
        let (_, slot, back, period) = asked(&effects);
        assert_eq!((slot, back, period), (Slot::MetricsPanel, 3 * 3600, 60));
        assert!(effects.iter().any(|e| matches!(e, Effect::Describe { .. })));
        // Loading: the panel says so, the description does not wait for it.
        assert!(screen(&app, 160, 48).contains("asking CloudWatch"));
        // Esc closes the view and the panel's request goes with it.
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Esc);
        let effects = app.take_effects();
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Cancel(Slot::MetricsPanel))),
            "{effects:?}"
        );
        assert_eq!(app.mode(), Mode::List);
        // A role has no panel.
        select(&mut app, "ServiceRole");
        press(&mut app, KeyCode::Char('d'));
        assert!(
            !app.take_effects()
                .iter()
                .any(|e| matches!(e, Effect::Metrics { .. }))
        );
        assert!(!screen(&app, 160, 48).contains("metrics ·"));
    }
}
