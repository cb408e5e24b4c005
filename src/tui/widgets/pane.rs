//! The frames views draw in: the bordered pane of a view about one construct, the pane of a
//! table that fills while it loads, a centred popup, what a view shows while its request is not
//! answered, the spinner, and the links a real terminal should make clickable.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Block;

use crate::tui::cx::Cx;
use crate::tui::msg::Load;
use crate::tui::text::{self, fit, wrap};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Text on screen that the terminal should make a hyperlink (OSC 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub url: String,
}

pub fn spinner(cx: &Cx) -> &'static str {
    SPINNER[(cx.tick % SPINNER.len() as u64) as usize]
}

/// The bordered pane of a view about one construct: ` VERB path ` (with a spinner while
/// `loading`) fitted to `width`, and the view's key hints at the bottom.
pub fn construct_pane(
    cx: &Cx,
    verb: &str,
    path: &str,
    loading: bool,
    width: u16,
    hints: &str,
) -> Block<'static> {
    let theme = &cx.theme;
    let mut title = format!(" {verb} {} ", text::safe(path));
    if loading {
        title = format!("{title}{} ", spinner(cx));
    }
    Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(
            fit(&title, usize::from(width).saturating_sub(2)).into_owned(),
            theme.title(),
        ))
        .title_bottom(Line::styled(hints.to_string(), theme.dim()))
}

/// The bordered pane of a table that fills while it loads (audit, invocations): the title fitted
/// before the progress, which sits on the right, and the view's key hints at the bottom.
pub fn streaming_pane(
    cx: &Cx,
    title: &str,
    progress: String,
    hints: &str,
    width: u16,
) -> Block<'static> {
    let theme = &cx.theme;
    let room = usize::from(width).saturating_sub(text::width(&progress) + 4);
    Block::bordered()
        .border_style(theme.border())
        .title(Line::styled(fit(title, room).into_owned(), theme.title()))
        .title(Line::styled(progress, theme.dim()).right_aligned())
        .title_bottom(Line::styled(hints.to_string(), theme.dim()))
}

/// A `w`×`h` rectangle centred in `area` (shrunk to fit).
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(1);
    let h = h.min(area.height).max(1);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// What a view shows while its request is not answered: the spinner, the error, or that it was
/// cancelled.
pub fn state_lines<T>(
    cx: &Cx,
    load: &Load<T>,
    loading: &str,
    cancelled: &str,
    width: usize,
) -> Vec<Line<'static>> {
    match load {
        Load::Loading(_) => vec![Line::styled(
            format!("{} {loading} (Esc cancels)", spinner(cx)),
            cx.theme.dim(),
        )],
        Load::Failed(e) => wrap(&text::safe(&format!("✗ {e}")), width)
            .into_iter()
            .map(|l| Line::styled(l, cx.theme.error()))
            .collect(),
        Load::Cancelled => vec![Line::styled(
            format!("cancelled: {cancelled}"),
            cx.theme.dim(),
        )],
        Load::Loaded(_) => Vec::new(),
    }
}
