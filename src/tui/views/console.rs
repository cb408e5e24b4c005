//! The console view: a URL that was opened in the browser (the resource's console page, or a
//! user's `open` command), shown as a clickable link and copied to the clipboard.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};

use super::{Step, View};
use crate::tui::cx::Cx;
use crate::tui::keymap::{Action, Verb};
use crate::tui::msg::{Effect, Msg};
use crate::tui::text::{self, wrap};
use crate::tui::widgets::pane::{Link, popup, spinner};

#[derive(Debug)]
pub struct ConsoleView {
    /// The command that opened it (`console`, `audit-console`, a user's `open` command).
    pub name: String,
    pub url: String,
    /// `None` while the browser is starting, then whether it did.
    pub opened: Option<bool>,
}

impl ConsoleView {
    pub fn new(name: String, url: String) -> ConsoleView {
        ConsoleView {
            name,
            url,
            opened: None,
        }
    }

    /// Opens `url` in the browser (the command `name` made it), copies it to the clipboard and
    /// shows it.
    pub fn open(name: &str, url: String, cx: &mut Cx) -> View {
        cx.push(Effect::OpenBrowser {
            name: name.to_string(),
            url: url.clone(),
        });
        cx.push(Effect::Copy(url.clone()));
        cx.done("URL copied to the clipboard");
        View::Console(ConsoleView::new(name.to_string(), url))
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => return Step::Close,
            Action::Verb(Verb::Copy) => {
                cx.push(Effect::Copy(self.url.clone()));
                cx.done("URL copied to the clipboard");
            }
            Action::Verb(Verb::Console) => cx.push(Effect::OpenBrowser {
                name: self.name.clone(),
                url: self.url.clone(),
            }),
            _ => {}
        }
        Step::Stay
    }

    /// Whether the browser opened. The message goes on: every view of the same URL learns it.
    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        if let Msg::Opened { url, result } = &msg
            && *url == self.url
        {
            self.opened = Some(result.is_ok());
        }
        Some(msg)
    }

    /// Draws the view; returns where the URL is, for the terminal to make it a link (OSC 8).
    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) -> Vec<Link> {
        let theme = &cx.theme;
        let url = text::safe(&self.url).into_owned();
        let inner_w = area.width.saturating_sub(6).min(100) as usize;
        let url_lines = wrap(&url, inner_w.max(10));
        let height = (url_lines.len() + 5) as u16;
        let rect = popup(area, inner_w as u16 + 2, height);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .border_style(theme.border())
            .title(Line::styled(
                format!(" {} ", text::fit(&text::safe(&self.name), 40)),
                theme.title(),
            ))
            .title_bottom(Line::styled(
                " o open again · y copy · Esc back ",
                theme.dim(),
            ));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let (state, style) = match self.opened {
            None => (
                format!("{} opening your browser…", spinner(cx)),
                theme.dim(),
            ),
            Some(true) => ("opened in your browser".to_string(), theme.ok()),
            Some(false) => (
                "no browser could be opened: the link is below and on the clipboard".to_string(),
                theme.warn(),
            ),
        };
        buf.set_stringn(inner.x, inner.y, &state, inner.width as usize, style);
        let mut links = Vec::new();
        let safe_to_link = url == self.url && self.url.starts_with("https://");
        for (i, l) in url_lines.iter().enumerate() {
            let y = inner.y + 2 + i as u16;
            if y >= inner.y + inner.height {
                break;
            }
            buf.set_stringn(inner.x, y, l, inner.width as usize, theme.link());
            if safe_to_link {
                links.push(Link {
                    x: inner.x,
                    y,
                    text: l.clone(),
                    url: self.url.clone(),
                });
            }
        }
        links
    }
}
