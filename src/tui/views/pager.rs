//! Scrollable documents: the [`Scroll`] position every long view shares, and [`PagerView`], a
//! titled page of text (an audit event's full JSON).

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};
use serde_json::Value;

use crate::sanitize;
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::text;

/// A vertical scroll position. Drawing records how far it can go and how tall a page is, so
/// keys move by what is actually on screen.
#[derive(Debug, Clone, Default)]
pub struct Scroll {
    pos: usize,
    max: Cell<usize>,
    page: Cell<usize>,
}

impl Scroll {
    /// Moves for a navigation action; returns whether it was one.
    pub fn apply(&mut self, action: Action) -> bool {
        let max = self.max.get();
        let page = self.page.get().max(1);
        let cur = self.pos.min(max);
        self.pos = match action {
            Action::Down => (cur + 1).min(max),
            Action::Up => cur.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => max,
            Action::PageDown => (cur + page).min(max),
            Action::PageUp => cur.saturating_sub(page),
            _ => return false,
        };
        true
    }

    /// The first line to draw of `total` in `height` rows (recording the limits for keys).
    pub fn window(&self, total: usize, height: usize) -> usize {
        let max = total.saturating_sub(height);
        self.max.set(max);
        self.page.set(height.saturating_sub(1).max(1));
        self.pos.min(max)
    }
}

/// Draws the part of `lines` the scroll position shows, with a position marker when it scrolls.
pub fn draw_lines(lines: &[Line<'_>], scroll: &Scroll, area: Rect, buf: &mut Buffer, dim: Style) {
    let height = area.height as usize;
    let first = scroll.window(lines.len(), height);
    for (i, line) in lines.iter().skip(first).take(height).enumerate() {
        buf.set_line(area.x, area.y + i as u16, line, area.width);
    }
    if lines.len() > height && area.width > 12 {
        let marker = format!(
            " {}-{}/{} ",
            first + 1,
            (first + height).min(lines.len()),
            lines.len()
        );
        let w = marker.len() as u16;
        buf.set_stringn(
            area.x + area.width - w,
            area.y + area.height - 1,
            marker,
            w as usize,
            dim,
        );
    }
}

/// Wraps text lines to `width` as plain lines.
pub fn wrapped(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    text::wrap(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// A titled page of (already safe) text.
#[derive(Debug)]
pub struct PagerView {
    pub title: String,
    pub text: String,
    pub scroll: Scroll,
}

impl PagerView {
    /// Pretty JSON of an untrusted value, its control characters made visible.
    pub fn json(title: String, value: &Value) -> PagerView {
        let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
        PagerView {
            title: text::safe(&title).into_owned(),
            text: sanitize::block(&pretty).into_owned(),
            scroll: Scroll::default(),
        }
    }

    pub fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered()
            .border_style(app.theme.border())
            .title(Line::styled(
                format!(
                    " {} ",
                    text::fit(&self.title, usize::from(area.width).saturating_sub(4))
                ),
                app.theme.title(),
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = wrapped(&self.text, inner.width as usize, Style::new());
        draw_lines(&lines, &self.scroll, inner, buf, app.theme.dim());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_stops_at_the_ends() {
        let mut s = Scroll::default();
        assert_eq!(s.window(100, 10), 0);
        s.apply(Action::PageDown);
        assert_eq!(s.window(100, 10), 9);
        s.apply(Action::Bottom);
        assert_eq!(s.window(100, 10), 90);
        s.apply(Action::Down);
        assert_eq!(s.window(100, 10), 90);
        s.apply(Action::Up);
        assert_eq!(s.window(100, 10), 89);
        s.apply(Action::Top);
        s.apply(Action::Up);
        assert_eq!(s.window(100, 10), 0);
        assert!(!s.apply(Action::Open));
    }
}
