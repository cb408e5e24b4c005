//! The invoke result: the function's answer, or for the requestor pattern the unsigned answer on
//! the left and the signed one on the right, each with its status, verdict and pretty body; the
//! log tail in a pane that `l` opens and closes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::confirm::ConfirmView;
use super::{Run, Step, View};
use crate::actions::Subject;
use crate::actions::invoke::InvokeResult;
use crate::sanitize;
use crate::tui::cx::Cx;
use crate::tui::keymap::{Action, Verb};
use crate::tui::msg::{Effect, Load, Msg, RequestId, Slot};
use crate::tui::text::{self, fit, wrap};
use crate::tui::widgets::pane::{construct_pane, state_lines};
use crate::tui::widgets::scroll::{Scroll, draw_lines, wrapped};
use crate::tui::widgets::sides::side_lines;

#[derive(Debug)]
pub struct InvokeView {
    pub subject: Subject,
    pub payload: String,
    pub load: Load<Box<InvokeResult>>,
    pub scroll: Scroll,
    pub log_open: bool,
}

impl InvokeView {
    pub fn new(subject: Subject, payload: String, id: RequestId) -> InvokeView {
        InvokeView {
            subject,
            payload,
            load: Load::Loading(id),
            scroll: Scroll::default(),
            log_open: false,
        }
    }

    /// Invokes the function with `payload` and shows the answer when it comes.
    pub fn start(subject: Subject, payload: String, cx: &mut Cx) -> View {
        let id = cx.id();
        cx.push(Effect::Invoke {
            id,
            subject: subject.clone(),
            payload: payload.clone().into_bytes(),
        });
        View::Invoke(InvokeView::new(subject, payload, id))
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => {
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Invoke));
            }
            // Invoking again asks again.
            Action::Refresh if self.load.pending().is_none() => {
                return Step::Replace(View::Confirm(ConfirmView::new(
                    self.subject.clone(),
                    &self.payload,
                )));
            }
            Action::Refresh => {}
            Action::ToggleLog => self.log_open = !self.log_open,
            Action::Verb(Verb::Logs) => {
                return Step::Run(Run::Verb(self.subject.clone(), Verb::Logs));
            }
            nav => {
                self.scroll.apply(nav);
            }
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg, cx: &mut Cx) -> Option<Msg> {
        match msg {
            Msg::Invoked { id, result } if self.load.waits_for(id) => {
                if let Ok(r) = &result
                    && let Some(request) = &r.request_id
                {
                    cx.invoked
                        .insert(self.subject.construct_path.clone(), request.clone());
                }
                self.load = Load::answer(result.map(Box::new));
                None
            }
            other => Some(other),
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let loading = self.load.pending().is_some();
        let hints = " l logs · t log tail · r invoke again · Esc back ";
        let block = construct_pane(
            cx,
            "invoke",
            &self.subject.construct_path,
            loading,
            area.width,
            hints,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 4 {
            return;
        }
        let w = inner.width as usize;
        let result = match &self.load {
            Load::Loaded(r) => r,
            other => {
                let lines = state_lines(
                    cx,
                    other,
                    "invoking the function…",
                    "the function may still have run; r invokes again",
                    w,
                );
                draw_lines(&lines, &self.scroll, inner, buf, theme.dim());
                return;
            }
        };
        // Head: what ran and how it went.
        let version = result.executed_version.as_deref().unwrap_or("?");
        let facts = format!(
            "  status {} · {} · version {}",
            result.status_code,
            text::safe(&result.region),
            text::safe(version)
        );
        let mut head = vec![
            Line::from(vec![
                Span::styled(
                    fit(
                        &text::safe(&result.function),
                        w.saturating_sub(text::width(&facts)),
                    )
                    .into_owned(),
                    theme.heading(),
                ),
                Span::raw(facts),
            ]),
            Line::from(vec![
                Span::styled("payload sent ", theme.dim()),
                Span::raw(fit(&text::safe(&self.payload), w.saturating_sub(13)).into_owned()),
            ]),
        ];
        if let Some(kind) = &result.function_error {
            let what = match (&result.error_type, &result.error_message) {
                (Some(t), Some(m)) => format!("{t}: {m}"),
                (Some(t), None) => t.clone(),
                (None, Some(m)) => m.clone(),
                (None, None) => "see the payload".to_string(),
            };
            for l in wrap(&text::safe(&format!("function error ({kind}): {what}")), w)
                .into_iter()
                .take(3)
            {
                head.push(Line::styled(l, theme.error()));
            }
        }
        for (i, line) in head.iter().enumerate() {
            buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
        }
        let mut body = Rect::new(
            inner.x,
            inner.y + head.len() as u16 + 1,
            inner.width,
            inner.height.saturating_sub(head.len() as u16 + 1),
        );
        // The log tail: a closed line at the bottom, or a pane over the bottom part.
        if let Some(log) = &result.log_tail {
            let log = sanitize::block(log);
            let count = log.lines().count();
            if self.log_open && body.height >= 8 {
                let h = (body.height * 2 / 5).max(4);
                body.height -= h;
                let pane = Rect::new(body.x, body.y + body.height, body.width, h);
                let block = Block::new()
                    .borders(Borders::TOP)
                    .border_style(theme.border())
                    .title(Line::styled(
                        format!(" ▾ log tail, {count} lines (t hides) "),
                        theme.heading(),
                    ));
                let inner = block.inner(pane);
                block.render(pane, buf);
                let lines = wrapped(&log, inner.width as usize, theme.dim());
                // The end of the log is what matters: show the last lines.
                let skip = lines.len().saturating_sub(inner.height as usize);
                for (i, l) in lines.iter().skip(skip).enumerate() {
                    buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
                }
            } else if body.height >= 2 {
                body.height -= 1;
                buf.set_stringn(
                    body.x,
                    body.y + body.height,
                    format!("▸ log tail, {count} lines (t shows)"),
                    w,
                    theme.dim(),
                );
            }
        }
        match &result.requestor {
            Some(view) => {
                let half = body.width.saturating_sub(3) / 2;
                let left = Rect::new(body.x, body.y, half, body.height);
                let sep = body.x + half + 1;
                let right = Rect::new(sep + 2, body.y, body.width - half - 3, body.height);
                let l = side_lines(
                    cx,
                    "WITHOUT SIGNATURE",
                    &view.without,
                    &[],
                    left.width as usize,
                );
                let r = side_lines(
                    cx,
                    "WITH SIGNATURE (SigV4)",
                    &view.with,
                    &[],
                    right.width as usize,
                );
                // Both sides scroll together; the longer one sets the limit.
                let total = l.len().max(r.len());
                let first = self.scroll.window(total, body.height as usize);
                for (area, lines) in [(left, &l), (right, &r)] {
                    for (i, line) in lines
                        .iter()
                        .skip(first)
                        .take(area.height as usize)
                        .enumerate()
                    {
                        buf.set_line(area.x, area.y + i as u16, line, area.width);
                    }
                }
                for y in body.y..body.y + body.height {
                    buf.set_stringn(sep, y, "│", 1, theme.border());
                }
            }
            None => {
                let text = crate::present::sides::payload_text(
                    &result.payload,
                    result.payload_bytes,
                    None,
                );
                let style = if result.failed() {
                    theme.error()
                } else {
                    Style::new()
                };
                let lines = wrapped(&text, w, style);
                draw_lines(&lines, &self.scroll, body, buf, theme.dim());
            }
        }
    }
}
