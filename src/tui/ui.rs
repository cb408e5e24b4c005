//! Drawing: `impl Widget for &App`, so a frame is a pure function of the state. The header
//! (where cdkx points), the body (the list and the views over it), the status line and the
//! hints line generated from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::app::App;
use super::cx::StatusKind;
use super::keymap;
use super::text::{self, fit, wrap};
use super::views::View;
use super::widgets::pane::{Link, spinner};

/// The smallest screen the layout is made for.
pub const MIN_SIZE: (u16, u16) = (40, 12);

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render(self, area, buf);
    }
}

/// Draws the whole screen; returns the links to mark on a real terminal.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) -> Vec<Link> {
    app.cx.cursor.set(None);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "cdkx needs at least {}x{}; this terminal is {}x{}",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        for (i, l) in wrap(&msg, area.width as usize).iter().enumerate() {
            if i as u16 >= area.height {
                break;
            }
            buf.set_stringn(
                area.x,
                area.y + i as u16,
                l,
                area.width as usize,
                Style::new(),
            );
        }
        return Vec::new();
    }
    let header = header_lines(app, area.width as usize);
    let [head, body, status, hints] = Layout::vertical([
        Constraint::Length(header.len() as u16),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    for (i, line) in header.iter().enumerate() {
        buf.set_line(head.x, head.y + i as u16, line, head.width);
    }
    // Draw from the last full-screen view up: what is under it is hidden anyway.
    let base = app
        .views
        .iter()
        .rposition(View::full_screen)
        .map_or(0, |i| i);
    if !app.views.get(base).is_some_and(View::full_screen) {
        app.list.render(&app.cx, body, buf);
    }
    let mut links = Vec::new();
    for view in &app.views[base..] {
        links.extend(view.render(&app.cx, body, buf));
    }
    status_line(app, status, buf);
    hints_line(app, hints, buf);
    links
}

/// App directory, profile, region, account, endpoint, READONLY; a third line when stacks
/// belong to other accounts than the credentials.
fn header_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.cx.theme;
    let h = &app.cx.header;
    // Line 1: the app, and on the right the endpoint override and the READONLY badge.
    let badge = if h.readonly { " READONLY " } else { "" };
    let endpoint = h
        .endpoint
        .as_deref()
        .map(|e| format!("endpoint: {} ", text::safe(e)))
        .unwrap_or_default();
    let endpoint = fit(&endpoint, width / 2).into_owned();
    let right_w = text::width(&endpoint) + badge.len();
    let dir_room = width.saturating_sub(7 + right_w + 1);
    let dir = text::fit_start(&text::safe(&h.app_dir), dir_room).into_owned();
    let used = 6 + text::width(&dir);
    let first = vec![
        Span::styled(" cdkx ", theme.title()),
        Span::raw(dir),
        Span::raw(" ".repeat(width.saturating_sub(used + right_w))),
        Span::styled(endpoint, theme.warn()),
        Span::styled(badge, theme.badge()),
    ];
    let account = match (&app.cx.deployment.identity, app.cx.refreshing) {
        (Some(id), _) => id.account.clone(),
        (None, Some(_)) => "…".into(),
        (None, None) => "unknown".into(),
    };
    let facts = [
        (
            "profile",
            h.profile.clone().unwrap_or_else(|| "default".into()),
        ),
        ("region", h.region.clone().unwrap_or_else(|| "…".into())),
        ("account", account),
    ];
    let mut second = vec![Span::raw(" ")];
    for (i, (k, v)) in facts.iter().enumerate() {
        if i > 0 {
            second.push(Span::styled(" · ", theme.dim()));
        }
        second.push(Span::styled(format!("{k}: "), theme.dim()));
        second.push(Span::raw(text::safe(v).into_owned()));
    }
    let mut lines = vec![Line::from(first), Line::from(second)];
    // Stacks whose environment names another account than the one they were looked up in.
    let deployment = &app.cx.deployment;
    let others: Vec<String> = app
        .cx
        .model
        .stacks
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_nested())
        .filter_map(|(i, s)| {
            let want = s.env.account.as_deref()?;
            let identity = deployment.identity.as_ref();
            let got = match deployment.deployed(i) {
                Some(d) => d.account(),
                None => identity.map(|id| id.account.as_str()),
            }?;
            (want != got).then(|| format!("{} is in {want} (looked up in {got})", s.name))
        })
        .collect();
    if !others.is_empty() {
        let text = format!(" ⚠ {}", others.join(", "));
        lines.push(Line::styled(
            fit(&text::safe(&text), width).into_owned(),
            theme.warn(),
        ));
    }
    lines
}

fn status_line(app: &App, area: Rect, buf: &mut Buffer) {
    let cx = &app.cx;
    let theme = &cx.theme;
    let w = area.width as usize;
    let right = if cx.refreshing.is_some() {
        format!("{} refreshing physical ids ", spinner(cx))
    } else if app.busy() {
        format!("{} working ", spinner(cx))
    } else {
        String::new()
    };
    let left_room = w.saturating_sub(text::width(&right));
    let (left, style) = match &cx.status {
        Some(s) => {
            let (mark, style) = match s.kind {
                StatusKind::Error => ("✗ ", theme.error()),
                StatusKind::Done => ("✓ ", theme.ok()),
                StatusKind::Info => ("", Style::new()),
            };
            (format!(" {mark}{}", text::safe(&s.text)), style)
        }
        None => {
            let stacks = cx.model.stacks.len();
            let resources = app.list.resource_count();
            let cached = if cx.deployment.cache_hits > 0 && cx.refreshing.is_some() {
                " · physical ids from the cache"
            } else {
                ""
            };
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            (
                format!(
                    " {} in {}{cached}",
                    plural(resources, "resource"),
                    plural(stacks, "stack")
                ),
                theme.dim(),
            )
        }
    };
    buf.set_stringn(area.x, area.y, fit(&left, left_room), left_room, style);
    if !right.is_empty() {
        let rw = text::width(&right).min(w);
        buf.set_stringn(area.x + (w - rw) as u16, area.y, &right, rw, theme.dim());
    }
}

fn hints_line(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.cx.theme;
    let mut spans = vec![Span::raw(" ")];
    for (keys, word) in keymap::hints(app.mode()) {
        spans.push(Span::styled(keys, theme.key()));
        spans.push(Span::styled(format!(" {word}  "), theme.dim()));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
