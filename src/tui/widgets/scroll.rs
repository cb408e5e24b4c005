//! Scrollable text: the [`Scroll`] position every long view shares, and how a scrolled page of
//! lines is drawn.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::cursor;
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
        match cursor::step(self.pos, self.max.get() + 1, self.page.get(), action, false) {
            Some(pos) => {
                self.pos = pos;
                true
            }
            None => false,
        }
    }

    /// Goes to the end and stays there as lines are added (a log being followed).
    pub fn to_end(&mut self) {
        self.pos = usize::MAX;
    }

    /// Whether it stays at the end as lines are added.
    pub fn at_end(&self) -> bool {
        self.pos == usize::MAX
    }

    /// Puts line `pos` at the top (as far as the lines go).
    pub fn set(&mut self, pos: usize) {
        self.pos = pos;
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
        s.to_end();
        assert!(s.at_end());
        assert_eq!(s.window(120, 10), 110, "the end, however long it grew");
        s.apply(Action::Up);
        assert!(!s.at_end());
        assert_eq!(s.window(130, 10), 109);
    }
}
