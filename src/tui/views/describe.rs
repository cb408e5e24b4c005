//! The describe view: what AWS knows of a resource, as the CLI's readable sections or as the
//! pretty JSON of the same result (`v`), scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::{Step, View};
use crate::actions::Subject;
use crate::actions::describe::Description;
use crate::sanitize;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Load, Msg, RequestId, Slot};
use crate::tui::widgets::pane::{construct_pane, state_lines};
use crate::tui::widgets::scroll::{Scroll, draw_lines, wrapped};

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
}

impl DescribeView {
    pub fn new(subject: Subject, id: RequestId) -> DescribeView {
        DescribeView {
            subject,
            load: Load::Loading(id),
            raw: false,
            scroll: Scroll::default(),
        }
    }

    /// Asks AWS about `subject` and shows the answer when it comes.
    pub fn start(subject: Subject, cx: &mut Cx) -> View {
        let id = cx.id();
        cx.push(Effect::Describe {
            id,
            subject: subject.clone(),
            deployment: cx.deployment.clone(),
        });
        View::Describe(DescribeView::new(subject, id))
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => {
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Describe));
            }
            Action::Refresh => {
                let id = cx.id();
                self.load = Load::Loading(id);
                cx.push(Effect::Describe {
                    id,
                    subject: self.subject.clone(),
                    deployment: cx.deployment.clone(),
                });
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
}
