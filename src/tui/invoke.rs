//! The invoke result: the function's answer, or for the requestor pattern the unsigned answer on
//! the left and the signed one on the right, each with its status, verdict and pretty body; the
//! log tail in a pane that `l` opens and closes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::app::{App, Load, RequestId};
use super::pager::{Scroll, draw_lines, wrapped};
use super::text::{self, fit, pretty, wrap};
use super::ui::{construct_pane, state_lines};
use crate::actions::Subject;
use crate::actions::invoke::InvokeResult;
use crate::present::sides::payload_text;
use crate::sanitize;
use crate::verdict::{Side, VerdictKind};

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

    pub fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let theme = &app.theme;
        let loading = self.load.pending().is_some();
        let hints = " l log · r invoke again · Esc back ";
        let block = construct_pane(
            app,
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
                    app,
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
                        format!(" ▾ log tail, {count} lines (l hides) "),
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
                    format!("▸ log tail, {count} lines (l shows)"),
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
                    app,
                    "WITHOUT SIGNATURE",
                    &view.without,
                    &[],
                    left.width as usize,
                );
                let r = side_lines(
                    app,
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
                let text = payload_text(&result.payload, result.payload_bytes, None);
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

/// One side of an answer pair (the requestor view, the probe): heading, verdict, advice, the
/// `extra` lines (latency, request id), then the body.
pub fn side_lines(
    app: &App,
    heading: &str,
    side: &Side,
    extra: &[String],
    width: usize,
) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let verdict_style = if side.verdict.kind == VerdictKind::Ok {
        theme.ok()
    } else {
        theme.error()
    };
    let mut lines = vec![Line::styled(heading.to_string(), theme.heading())];
    lines.extend(wrapped(
        &text::safe(&side.verdict.summary),
        width,
        verdict_style,
    ));
    lines.extend(wrapped(
        &text::safe(&side.verdict.advice),
        width,
        theme.dim(),
    ));
    for e in extra {
        lines.extend(wrapped(&text::safe(e), width, theme.dim()));
    }
    lines.push(Line::default());
    lines.extend(wrapped(&pretty(&side.body), width, Style::new()));
    lines
}
