//! The describe view: what AWS knows of a resource, as the CLI's readable sections or as the
//! pretty JSON of the same result (`v`), scrollable. A function or a REST API also gets a
//! metrics panel below (its last 3 hours, as the metrics view draws them), asked for beside
//! the description so neither waits for the other.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::{Run, Step, View};
use crate::actions::Subject;
use crate::actions::describe::Description;
use crate::actions::metrics::{MetricsReport, queries_for};
use crate::kind::ResourceKind;
use crate::sanitize;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Load, Msg, RequestId, Slot};
use crate::tui::widgets::pane::{construct_pane, state_lines};
use crate::tui::widgets::scroll::{Scroll, draw_lines, wrapped};

use super::metrics::{WINDOWS, report_lines, request};

/// The metrics panel's window: the last 3 hours, per minute (as `cdkx FN metrics`).
const PANEL_WINDOW: usize = 1;

/// A description, rendered once when it arrives (sanitized).
#[derive(Debug)]
pub struct Described {
    pub sections: String,
    pub json: String,
}

#[derive(Debug)]
pub struct DescribeView {
    pub subject: Subject,
    pub load: Load<Described>,
    pub raw: bool,
    pub scroll: Scroll,
    /// The metrics panel of a function or a REST API.
    pub metrics: Option<Load<Box<MetricsReport>>>,
}

/// Whether `subject` gets a metrics panel: what the `metrics` action reads.
fn has_metrics(subject: &Subject) -> bool {
    ResourceKind::LambdaFunction.is(&subject.cfn_type)
        || ResourceKind::ApiGatewayRestApi.is(&subject.cfn_type)
}

impl DescribeView {
    pub fn new(subject: Subject, id: RequestId) -> DescribeView {
        DescribeView {
            subject,
            load: Load::Loading(id),
            raw: false,
            scroll: Scroll::default(),
            metrics: None,
        }
    }

    /// Asks AWS about `subject` and shows the answer when it comes.
    pub fn start(subject: Subject, cx: &mut Cx) -> View {
        let metrics = Self::ask_metrics(&subject, cx);
        let id = cx.id();
        cx.push(Effect::Describe {
            id,
            subject: subject.clone(),
            deployment: cx.deployment.clone(),
        });
        let mut view = DescribeView::new(subject, id);
        view.metrics = metrics;
        View::Describe(view)
    }

    /// Asks for the metrics panel's series, for a subject that has them.
    fn ask_metrics(subject: &Subject, cx: &mut Cx) -> Option<Load<Box<MetricsReport>>> {
        (has_metrics(subject) && subject.physical_id.is_some())
            .then(|| Load::Loading(request(subject, PANEL_WINDOW, Slot::MetricsPanel, cx)))
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => {
                // The panel's request goes with the description's, or with the view.
                if self.metrics.as_mut().is_some_and(Load::cancel) {
                    cx.push(Effect::Cancel(Slot::MetricsPanel));
                }
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Describe));
            }
            Action::Refresh => {
                self.metrics = Self::ask_metrics(&self.subject, cx);
                let id = cx.id();
                self.load = Load::Loading(id);
                cx.push(Effect::Describe {
                    id,
                    subject: self.subject.clone(),
                    deployment: cx.deployment.clone(),
                });
            }
            Action::Verb(verb) => {
                return Step::Run(Run::Verb(self.subject.clone(), verb));
            }
            Action::ToggleRaw => {
                self.raw = !self.raw;
                self.scroll = Default::default();
            }
            nav => {
                self.scroll.apply(nav);
            }
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::Described { id, result } if self.load.waits_for(id) => {
                self.set_result(result);
                None
            }
            Msg::Metrics { id, result }
                if self.metrics.as_ref().is_some_and(|m| m.waits_for(id)) =>
            {
                self.metrics = Some(Load::answer(result));
                None
            }
            other => Some(other),
        }
    }

    pub fn set_result(&mut self, result: Result<Description, String>) {
        self.load = match result {
            Ok(d) => {
                let json = serde_json::to_string_pretty(&d).unwrap_or_default();
                Load::Loaded(Described {
                    sections: crate::present::describe::render_for(&d, None),
                    json: sanitize::block(&json).into_owned(),
                })
            }
            Err(e) => Load::Failed(e),
        };
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let hints = if self.raw {
            " v sections · r refresh · Esc back "
        } else {
            " v raw JSON · r refresh · Esc back "
        };
        let theme = &cx.theme;
        let loading = self.load.pending().is_some();
        // The metrics panel takes the bottom, when the screen leaves the description room.
        let panel_h = self.metrics.as_ref().map_or(0, |_| self.panel_height());
        let (area, panel) = if panel_h > 0 && area.height >= panel_h + 8 {
            let top = Rect::new(area.x, area.y, area.width, area.height - panel_h);
            let bottom = Rect::new(area.x, area.y + top.height, area.width, panel_h);
            (top, Some(bottom))
        } else {
            (area, None)
        };
        if let (Some(rect), Some(load)) = (panel, &self.metrics) {
            let title = format!(" metrics · {} ", WINDOWS[PANEL_WINDOW].2);
            let block = ratatui::widgets::Block::bordered()
                .border_style(theme.border())
                .title(Line::styled(title, theme.title()))
                .title_bottom(Line::styled(" m opens the metrics view ", theme.dim()));
            let inner = block.inner(rect);
            block.render(rect, buf);
            let lines = report_lines(cx, load, false, usize::from(inner.width));
            draw_lines(&lines, &Scroll::default(), inner, buf, theme.dim());
        }
        let block = construct_pane(
            cx,
            "describe",
            &self.subject.construct_path,
            loading,
            area.width,
            hints,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let width = inner.width as usize;
        let lines: Vec<Line> = match &self.load {
            Load::Loaded(d) if self.raw => wrapped(&d.json, width, Style::new()),
            Load::Loaded(d) => wrapped(&d.sections, width, Style::new())
                .into_iter()
                .map(|l| {
                    // Section titles ("Resource policy:") and the first line stand out.
                    let s = l.to_string();
                    if !s.starts_with(' ') && !s.is_empty() {
                        l.style(theme.heading())
                    } else {
                        l
                    }
                })
                .collect(),
            other => state_lines(cx, other, "asking AWS…", "r asks again", width),
        };
        draw_lines(&lines, &self.scroll, inner, buf, theme.dim());
    }

    /// The panel's height: a line per series (as many as the `metrics` action reads for the
    /// subject) and its borders.
    fn panel_height(&self) -> u16 {
        let series = queries_for(&self.subject, Some(""), None).map_or(6, |(_, q)| q.len());
        series as u16 + 2
    }
}
