//! A titled page of text to scroll through: an audit event's full JSON.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};
use serde_json::Value;

use super::Step;
use crate::sanitize;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::text;
use crate::tui::widgets::scroll::{Scroll, draw_lines, wrapped};

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

    pub fn act(&mut self, action: Action) -> Step {
        if action == Action::Back {
            return Step::Close;
        }
        self.scroll.apply(action);
        Step::Stay
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered()
            .border_style(cx.theme.border())
            .title(Line::styled(
                format!(
                    " {} ",
                    text::fit(&self.title, usize::from(area.width).saturating_sub(4))
                ),
                cx.theme.title(),
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        let lines = wrapped(&self.text, inner.width as usize, Style::new());
        draw_lines(&lines, &self.scroll, inner, buf, cx.theme.dim());
    }
}
