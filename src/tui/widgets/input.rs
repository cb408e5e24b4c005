//! A single-line text field with a cursor, for the filter, jump and payload prompts, and how it
//! is drawn: scrolled sideways so the cursor stays visible however long the text is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthChar;

use crate::tui::keymap::Action;
use crate::tui::text;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
}

impl LineInput {
    pub fn new(text: impl Into<String>) -> LineInput {
        let text = text.into();
        let cursor = text.chars().count();
        LineInput { text, cursor }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Applies an editing action; returns whether the text changed.
    pub fn edit(&mut self, action: Action) -> bool {
        let len = self.text.chars().count();
        match action {
            Action::Input(c) if !c.is_control() => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                true
            }
            Action::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                true
            }
            Action::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            Action::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            Action::Right => {
                self.cursor = (self.cursor + 1).min(len);
                false
            }
            Action::Home => {
                self.cursor = 0;
                false
            }
            Action::End => {
                self.cursor = len;
                false
            }
            Action::ClearInput if !self.text.is_empty() => {
                self.text.clear();
                self.cursor = 0;
                true
            }
            _ => false,
        }
    }

    /// Draws `prefix` and the text on one row, scrolled so the cursor is visible; returns the
    /// cursor's screen position.
    pub fn render(
        &self,
        prefix: &str,
        area: Rect,
        buf: &mut Buffer,
        style: Style,
        prefix_style: Style,
    ) -> (u16, u16) {
        if area.width == 0 || area.height == 0 {
            return (area.x, area.y);
        }
        let prefix_w = text::width(prefix).min(area.width as usize / 2);
        buf.set_stringn(area.x, area.y, prefix, prefix_w, prefix_style);
        let room = (area.width as usize).saturating_sub(prefix_w + 1).max(1);
        // Show the text as typed, its control characters made visible.
        let chars: Vec<String> = self
            .text
            .chars()
            .map(|c| text::safe(c.encode_utf8(&mut [0; 4])).into_owned())
            .collect();
        let widths: Vec<usize> = chars
            .iter()
            .map(|s| s.chars().map(|c| c.width().unwrap_or(0)).sum())
            .collect();
        // The first character shown: as far left as possible with the cursor still in view.
        let mut start = 0;
        let mut w: usize = widths[..self.cursor].iter().sum();
        while w >= room && start < self.cursor {
            w -= widths[start];
            start += 1;
        }
        let mut x = area.x + prefix_w as u16;
        let end_x = area.x + area.width;
        if start > 0 {
            buf.set_stringn(x, area.y, "…", 1, prefix_style);
        }
        let mut cursor_x = x;
        for (i, s) in chars.iter().enumerate().skip(start) {
            if i == self.cursor {
                cursor_x = x;
            }
            if x as usize + widths[i] > end_x as usize {
                break;
            }
            if !(i == start && start > 0) {
                buf.set_stringn(x, area.y, s, widths[i], style);
            }
            x += widths[i] as u16;
        }
        if self.cursor >= chars.len() {
            cursor_x = x.min(end_x.saturating_sub(1));
        }
        (cursor_x, area.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_moves_the_cursor_like_a_line_editor() {
        let mut i = LineInput::new("{}");
        assert_eq!(i.cursor(), 2);
        i.edit(Action::Left);
        for c in "\"a\":1".chars() {
            i.edit(Action::Input(c));
        }
        assert_eq!(i.text(), "{\"a\":1}");
        i.edit(Action::Home);
        assert!(i.edit(Action::Delete));
        assert_eq!(i.text(), "\"a\":1}");
        i.edit(Action::End);
        assert!(i.edit(Action::Backspace));
        assert_eq!(i.text(), "\"a\":1");
        assert!(!i.edit(Action::Right));
        i.edit(Action::Left);
        i.edit(Action::Input('é'));
        assert_eq!(i.text(), "\"a\":é1");
        assert!(i.edit(Action::ClearInput));
        assert_eq!((i.text(), i.cursor()), ("", 0));
        assert!(!i.edit(Action::Backspace));
    }

    #[test]
    fn long_text_scrolls_to_keep_the_cursor_visible() {
        let i = LineInput::new("x".repeat(100));
        let area = Rect::new(0, 0, 20, 1);
        let mut buf = Buffer::empty(area);
        let (cx, _) = i.render("> ", area, &mut buf, Style::new(), Style::new());
        assert!(cx < 20);
        let row: String = (0..20).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(row.starts_with("> …x"), "{row:?}");
    }
}
