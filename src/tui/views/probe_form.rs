//! The probe's request form (`e` in the probe view): method, path, body and stage, checked as
//! they are typed; Enter sends the request.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::probe::ProbeInput;
use super::{Run, Step};
use crate::actions::Subject;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::text::{self, fit};
use crate::tui::widgets::input::LineInput;
use crate::tui::widgets::pane::popup;

/// The request form over the probe view.
#[derive(Debug)]
pub struct ProbeForm {
    pub subject: Subject,
    /// Method, path, body, stage.
    pub fields: [LineInput; 4],
    pub focus: usize,
    /// Why Enter was refused, until the next edit.
    pub error: Option<String>,
}

const LABELS: [&str; 4] = ["Method", "Path", "Body", "Stage"];

impl ProbeForm {
    pub fn new(subject: Subject, input: &ProbeInput) -> ProbeForm {
        ProbeForm {
            subject,
            fields: [
                LineInput::new(&input.method),
                LineInput::new(&input.path),
                LineInput::new(&input.body),
                LineInput::new(&input.stage),
            ],
            focus: 1,
            error: None,
        }
    }

    pub fn input(&self) -> ProbeInput {
        ProbeInput {
            method: self.fields[0].text().to_string(),
            path: self.fields[1].text().to_string(),
            body: self.fields[2].text().to_string(),
            stage: self.fields[3].text().to_string(),
        }
    }

    pub fn next(&mut self, forward: bool) {
        let n = self.fields.len();
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => return Step::Close,
            Action::NextField => self.next(true),
            Action::PrevField => self.next(false),
            Action::Submit => {
                let input = self.input();
                match input.request(cx.header.readonly) {
                    Ok(_) => return Step::CloseAndRun(Run::Probe(self.subject.clone(), input)),
                    Err(e) => self.error = Some(e),
                }
            }
            edit => {
                if self.fields[self.focus].edit(edit) {
                    self.error = None;
                }
            }
        }
        Step::Stay
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let rect = popup(area, 76, 12);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .border_style(theme.border())
            .title(Line::styled(
                format!(
                    " probe {} ",
                    fit(&text::safe(&self.subject.construct_id), 60)
                ),
                theme.title(),
            ))
            .title_bottom(Line::styled(
                " Tab next field · Enter send · Esc cancel ",
                theme.dim(),
            ));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let w = inner.width as usize;
        let api = self
            .subject
            .physical_id
            .as_deref()
            .unwrap_or(&self.subject.physical_state);
        buf.set_line(
            inner.x,
            inner.y,
            &Line::from(vec![
                Span::styled("API ", theme.dim()),
                Span::raw(fit(&text::safe(api), w.saturating_sub(4)).into_owned()),
            ]),
            inner.width,
        );
        for (i, (label, field)) in LABELS.iter().zip(&self.fields).enumerate() {
            let y = inner.y + 2 + i as u16;
            if y >= inner.y + inner.height {
                break;
            }
            let focused = i == self.focus;
            let prefix = format!("{}{label:<7}", if focused { "▸ " } else { "  " });
            let row = Rect::new(inner.x, y, inner.width, 1);
            if focused {
                let pos = field.render(&prefix, row, buf, Style::new(), theme.key());
                cx.cursor.set(Some(pos));
            } else {
                buf.set_stringn(row.x, y, &prefix, w, theme.dim());
                let shown = if i == 3 && field.text().is_empty() {
                    ("(the stage the app deploys)".to_string(), theme.dim())
                } else {
                    (text::safe(field.text()).into_owned(), Style::new())
                };
                let pw = text::width(&prefix) as u16;
                buf.set_stringn(
                    row.x + pw,
                    y,
                    fit(&shown.0, w.saturating_sub(pw as usize)),
                    w.saturating_sub(pw as usize),
                    shown.1,
                );
            }
        }
        let (note, style) = match (&self.error, self.input().request(cx.header.readonly)) {
            (Some(e), _) => (format!("✗ {e}"), theme.error()),
            (None, Ok(_)) => (
                "sent twice at once: unsigned and signed (SigV4)".to_string(),
                theme.dim(),
            ),
            (None, Err(e)) => (format!("✗ {e}"), theme.warn()),
        };
        if inner.height > 7 {
            buf.set_stringn(inner.x, inner.y + 7, fit(&text::safe(&note), w), w, style);
        }
    }
}
