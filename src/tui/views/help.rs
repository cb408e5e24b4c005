//! The help screen, generated from the keymap's tables (the same ones that decide what a key
//! does), so it cannot fall out of date.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::Step;
use crate::tui::cx::Cx;
use crate::tui::keymap::{self, Action};
use crate::tui::text::{fit, wrap};
use crate::tui::widgets::scroll::{Scroll, draw_lines};

#[derive(Debug, Default)]
pub struct HelpView {
    pub scroll: Scroll,
}

impl HelpView {
    pub fn act(&mut self, action: Action) -> Step {
        if action == Action::Back {
            return Step::Close;
        }
        self.scroll.apply(action);
        Step::Stay
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let block = Block::bordered()
            .border_style(theme.border())
            .title(Line::styled(" Help: keys ", theme.title()))
            .title_bottom(Line::styled(" Esc back ", theme.dim()));
        let inner = block.inner(area);
        block.render(area, buf);
        let key_w = 16usize;
        let text_w = (inner.width as usize).saturating_sub(key_w + 2).max(10);
        let mut lines: Vec<Line> = Vec::new();
        for (title, rows) in keymap::help() {
            if !lines.is_empty() {
                lines.push(Line::default());
            }
            lines.push(Line::styled(title, theme.heading()));
            for (keys, what) in rows {
                for (i, part) in wrap(&what, text_w).into_iter().enumerate() {
                    let k = if i == 0 {
                        fit(&keys, key_w).into_owned()
                    } else {
                        String::new()
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {k:<key_w$}"), theme.key()),
                        Span::raw(part),
                    ]));
                }
            }
        }
        draw_lines(&lines, &self.scroll, inner, buf, theme.dim());
    }
}
