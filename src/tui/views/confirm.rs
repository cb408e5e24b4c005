//! The confirmation before an invoke: it runs the function, which may change things.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{Run, Step};
use crate::actions::Subject;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::text::{self, fit, wrap};
use crate::tui::widgets::pane::popup;

#[derive(Debug)]
pub struct ConfirmView {
    pub subject: Subject,
    pub payload: String,
}

impl ConfirmView {
    pub fn new(subject: Subject, payload: &str) -> ConfirmView {
        ConfirmView {
            subject,
            payload: payload.to_string(),
        }
    }

    pub fn act(&mut self, action: Action) -> Step {
        match action {
            Action::Confirm => {
                Step::CloseAndRun(Run::Invoke(self.subject.clone(), self.payload.clone()))
            }
            Action::Back => Step::Close,
            _ => Step::Stay,
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        // As wide as the payload prompt and taller, so it covers it.
        let rect = popup(area, 76, 11);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .border_style(theme.warn())
            .title(Line::styled(" invoke? ", theme.warn()))
            .title_bottom(Line::styled(" y/Enter invoke · n/Esc back ", theme.dim()));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let w = inner.width as usize;
        let function = self
            .subject
            .physical_id
            .as_deref()
            .unwrap_or(&self.subject.physical_state);
        let region = self.subject.region.as_deref().unwrap_or("?");
        // The function's whole name, wrapped when it does not fit: never cut.
        let question = format!("Invoke {} in {region}?", text::safe(function));
        let mut lines: Vec<Line> = wrap(&question, w)
            .into_iter()
            .map(|l| Line::styled(l, theme.heading()))
            .collect();
        for l in wrap(
            "The function runs with this payload and may change things; this cannot be undone.",
            w,
        ) {
            lines.push(Line::styled(l, theme.dim()));
        }
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("payload ", theme.dim()),
            Span::raw(fit(&text::safe(&self.payload), w.saturating_sub(8)).into_owned()),
        ]));
        for (i, line) in lines.iter().enumerate().take(inner.height as usize) {
            buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
        }
    }
}
