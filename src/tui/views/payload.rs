//! The invoke payload prompt: a one-line JSON editor, checked as it is typed, starting from the
//! payload last sent to the same function.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::confirm::ConfirmView;
use super::{Step, View};
use crate::actions::Subject;
use crate::actions::invoke::MAX_PAYLOAD;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::text::{self, fit};
use crate::tui::widgets::input::LineInput;
use crate::tui::widgets::pane::popup;

#[derive(Debug)]
pub struct PayloadView {
    pub subject: Subject,
    pub input: LineInput,
    /// Why Enter was refused, until the next edit.
    pub error: Option<String>,
}

impl PayloadView {
    pub fn new(subject: Subject, last: &str) -> PayloadView {
        PayloadView {
            subject,
            input: LineInput::new(last),
            error: None,
        }
    }

    pub fn act(&mut self, action: Action) -> Step {
        match action {
            Action::Back => Step::Close,
            Action::Submit => match check_payload(self.input.text()) {
                Ok(()) => Step::Push(View::Confirm(ConfirmView::new(
                    self.subject.clone(),
                    self.input.text(),
                ))),
                Err(e) => {
                    self.error = Some(e);
                    Step::Stay
                }
            },
            edit => {
                if self.input.edit(edit) {
                    self.error = None;
                }
                Step::Stay
            }
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let rect = popup(area, 76, 9);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .border_style(theme.border())
            .title(Line::styled(
                format!(
                    " invoke {} ",
                    fit(&text::safe(&self.subject.construct_id), 60)
                ),
                theme.title(),
            ))
            .title_bottom(Line::styled(" Enter continue · Esc back ", theme.dim()));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let w = inner.width as usize;
        let function = self
            .subject
            .physical_id
            .as_deref()
            .unwrap_or(&self.subject.physical_state);
        let facts = Line::from(vec![
            Span::styled("function ", theme.dim()),
            Span::raw(fit(&text::safe(function), w.saturating_sub(9)).into_owned()),
        ]);
        buf.set_line(inner.x, inner.y, &facts, inner.width);
        buf.set_line(
            inner.x,
            inner.y + 2,
            &Line::styled("Payload (JSON):", theme.heading()),
            inner.width,
        );
        let pos = self.input.render(
            "> ",
            Rect::new(inner.x, inner.y + 3, inner.width, 1),
            buf,
            Style::new(),
            theme.key(),
        );
        cx.cursor.set(Some(pos));
        let (verdict, style) = match (&self.error, check_payload(self.input.text())) {
            (Some(e), _) => (format!("✗ {e}"), theme.error()),
            (None, Ok(())) => ("✓ valid JSON".to_string(), theme.ok()),
            (None, Err(e)) => (format!("✗ {e}"), theme.warn()),
        };
        buf.set_stringn(
            inner.x,
            inner.y + 5,
            fit(&text::safe(&verdict), w),
            w,
            style,
        );
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
