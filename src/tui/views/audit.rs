//! The audit view: CloudTrail management events for a resource in a table that fills as pages
//! arrive (a spinner with "page N, M events" meanwhile, "load more" at the end), cross-account
//! callers highlighted, `c` for cross-account events only, `/` to filter, Enter for an event's
//! full JSON, and the note on what CloudTrail cannot show always in view.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::list::{column_widths, draw_cells, scroll_offset};
use crate::actions::Subject;
use crate::actions::audit::{AuditPage, AuditRow, DATA_EVENTS_NOTE};
use crate::tui::app::{App, AuditCursor, RequestId};
use crate::tui::keymap::Action;
use crate::tui::text::{self, fit, pad, wrap};
use crate::tui::ui::{spinner, streaming_pane};
use crate::tui::widgets::input::LineInput;

/// How many rows one "load more" asks for (a LookupEvents page is 50 events).
pub const BATCH_ROWS: usize = 100;

/// A row with its cells ready to draw.
#[derive(Debug)]
pub struct AuditLine {
    pub row: AuditRow,
    cells: [String; 8],
    hay: String,
}

impl AuditLine {
    pub fn new(row: AuditRow) -> AuditLine {
        let opt = |o: &Option<String>| text::safe(o.as_deref().unwrap_or("-")).into_owned();
        let cells = [
            text::safe(&row.time).into_owned(),
            text::safe(&row.event_name).into_owned(),
            text::safe(row.event_source.trim_end_matches(".amazonaws.com")).into_owned(),
            text::safe(&row.principal).into_owned(),
            opt(&row.caller_account),
            opt(&row.source_ip),
            match row.read_only {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "-".into(),
            },
            opt(&row.user_agent),
        ];
        let hay = cells.join("\u{1}").to_lowercase();
        AuditLine { row, cells, hay }
    }
}

#[derive(Debug)]
pub struct AuditView {
    pub subject: Subject,
    pub lines: Vec<AuditLine>,
    visible: Vec<usize>,
    /// Index into the visible rows; one past them is the "load more" row.
    pub selected: usize,
    pub cross_only: bool,
    pub filter: String,
    pub filter_input: Option<LineInput>,
    /// The batch being loaded.
    pub request: Option<RequestId>,
    pub requests: usize,
    pub events: usize,
    pub done: bool,
    pub cancelled: bool,
    pub error: Option<String>,
    pub cursor: Option<AuditCursor>,
    offset: Cell<usize>,
    page: Cell<usize>,
}

impl AuditView {
    pub fn new(subject: Subject, id: RequestId) -> AuditView {
        AuditView {
            subject,
            lines: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            cross_only: false,
            filter: String::new(),
            filter_input: None,
            request: Some(id),
            requests: 0,
            events: 0,
            done: false,
            cancelled: false,
            error: None,
            cursor: None,
            offset: Cell::new(0),
            page: Cell::new(10),
        }
    }

    fn shows(&self, line: &AuditLine, needle: &str) -> bool {
        (!self.cross_only || line.row.cross_account)
            && (needle.is_empty() || line.hay.contains(needle))
    }

    pub fn add_page(&mut self, page: AuditPage) {
        let needle = self.filter.to_lowercase();
        for row in page.rows {
            let line = AuditLine::new(row);
            if self.shows(&line, &needle) {
                self.visible.push(self.lines.len());
            }
            self.lines.push(line);
        }
        self.requests = page.requests;
        self.events = page.events_seen;
        if page.done {
            self.done = true;
        }
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    fn refilter(&mut self) {
        let keep = self.visible.get(self.selected).copied();
        let needle = self.filter.to_lowercase();
        self.visible = (0..self.lines.len())
            .filter(|&i| self.shows(&self.lines[i], &needle))
            .collect();
        self.selected = keep
            .and_then(|k| self.visible.binary_search(&k).ok())
            .unwrap_or(0);
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_string();
        self.refilter();
    }

    pub fn toggle_cross_account(&mut self) {
        self.cross_only = !self.cross_only;
        self.refilter();
    }

    /// Whether the "load more" row is there to select.
    fn has_more_row(&self) -> bool {
        !self.done && self.cursor.is_some()
    }

    pub fn on_load_more(&self) -> bool {
        self.has_more_row() && self.selected == self.visible.len()
    }

    pub fn selected_row(&self) -> Option<&AuditRow> {
        self.visible.get(self.selected).map(|&i| &self.lines[i].row)
    }

    pub fn navigate(&mut self, action: Action) {
        let n = self.visible.len() + usize::from(self.has_more_row());
        if n == 0 {
            return;
        }
        let page = self.page.get().max(1);
        self.selected = match action {
            Action::Down => (self.selected + 1).min(n - 1),
            Action::Up => self.selected.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => n - 1,
            Action::PageDown => (self.selected + page).min(n - 1),
            Action::PageUp => self.selected.saturating_sub(page),
            _ => self.selected,
        };
    }

    pub fn render(&self, app: &App, area: Rect, buf: &mut Buffer) {
        let theme = &app.theme;
        let progress = if self.request.is_some() {
            format!(
                "{} page {}, {} events ",
                spinner(app),
                self.requests.max(1),
                self.events
            )
        } else {
            format!("{} events read ", self.events)
        };
        let mut title = format!(" audit {} ", text::safe(&self.subject.construct_path));
        if self.cross_only {
            title.push_str("· cross-account only ");
        }
        if !self.filter.is_empty() {
            title.push_str(&format!("· filter: {} ", text::safe(&self.filter)));
        }
        let block = streaming_pane(
            app,
            &title,
            progress,
            " Enter event · c cross-account · / filter · r reload · Esc back ",
            area.width,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let w = inner.width as usize;
        if inner.height < 6 || w < 20 {
            return;
        }
        // The note takes the bottom lines, the filter prompt (if any) the line above it.
        let note: Vec<String> = wrap(&format!("note: {DATA_EVENTS_NOTE}"), w);
        let note_h = note.len().min(3) as u16;
        let note_y = inner.y + inner.height - note_h;
        for (i, l) in note.iter().take(note_h as usize).enumerate() {
            buf.set_stringn(inner.x, note_y + i as u16, l, w, theme.dim());
        }
        let mut table_h = inner.height - note_h;
        if let Some(input) = &self.filter_input {
            table_h -= 1;
            let pos = input.render(
                "/",
                Rect::new(inner.x, inner.y + table_h, inner.width.min(48), 1),
                buf,
                Style::new(),
                theme.key(),
            );
            app.cursor.set(Some(pos));
        }
        let wide = w >= 110;
        let (headers, weights, picks): (&[&str], &[usize], &[usize]) = if wide {
            (
                &[
                    "",
                    "TIME",
                    "EVENT",
                    "SOURCE",
                    "PRINCIPAL",
                    "ACCOUNT",
                    "SOURCE IP",
                    "RO",
                    "USER AGENT",
                ],
                &[1, 20, 28, 12, 44, 12, 15, 3, 20],
                &[0, 1, 2, 3, 4, 5, 6, 7],
            )
        } else {
            (
                &["", "TIME", "EVENT", "ACCOUNT", "PRINCIPAL"],
                &[1, 20, 22, 12, 30],
                &[0, 1, 4, 3],
            )
        };
        let widths = fixed_widths(w, weights);
        draw_cells(
            buf,
            inner.x,
            inner.y,
            &widths,
            headers.iter().map(|h| h.to_string()),
            theme.heading(),
        );
        let body_h = (table_h as usize).saturating_sub(1);
        let extra = usize::from(!self.done);
        let total = self.visible.len() + extra;
        self.page.set(body_h.saturating_sub(1).max(1));
        let offset = scroll_offset(self.offset.get(), self.selected, body_h, total);
        self.offset.set(offset);
        for line_no in 0..body_h.min(total.saturating_sub(offset)) {
            let v = offset + line_no;
            let y = inner.y + 1 + line_no as u16;
            if let Some(&li) = self.visible.get(v) {
                let line = &self.lines[li];
                let mark = if line.row.cross_account { "!" } else { "" };
                let cells = std::iter::once(mark.to_string())
                    .chain(picks.iter().map(|&c| line.cells[c].clone()));
                let style = if line.row.cross_account {
                    theme.cross_account()
                } else {
                    Style::new()
                };
                draw_cells(buf, inner.x, y, &widths, cells, style);
            } else {
                let (text, style) = self.tail_line(app);
                buf.set_stringn(inner.x + 2, y, pad(&text, w - 2), w - 2, style);
            }
            if v == self.selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected());
            }
        }
        if self.visible.is_empty() && self.done {
            let msg = if self.lines.is_empty() {
                format!(
                    "no management events name {} in the last 90 days",
                    self.subject.physical_id.as_deref().unwrap_or("it")
                )
            } else {
                "no event matches (c or / changes what is shown)".to_string()
            };
            buf.set_stringn(
                inner.x + 2,
                inner.y + 1,
                fit(&text::safe(&msg), w - 2),
                w - 2,
                theme.dim(),
            );
        }
        if let Some(e) = &self.error {
            let lines = wrap(&text::safe(e), w);
            let y0 = inner.y + 1 + (total.min(body_h) as u16).min(table_h.saturating_sub(2));
            for (i, l) in lines.iter().take(2).enumerate() {
                let line = Line::from(Span::styled(format!("✗ {l}"), theme.error()));
                buf.set_line(inner.x, y0 + i as u16, &line, inner.width);
            }
        }
    }

    /// The row after the events: progress, "load more", or why it stopped.
    fn tail_line(&self, app: &App) -> (String, Style) {
        if self.request.is_some() {
            (
                format!("{} loading… (Esc stops)", spinner(app)),
                app.theme.dim(),
            )
        } else if self.cursor.is_some() {
            ("▸ load more (Enter)".into(), app.theme.key())
        } else if self.cancelled {
            ("stopped (r starts again)".into(), app.theme.dim())
        } else {
            (String::new(), app.theme.dim())
        }
    }
}

/// Like [`column_widths`], keeping the small fixed columns exact and giving the rest to the last.
pub fn fixed_widths(total: usize, weights: &[usize]) -> Vec<usize> {
    let gaps = weights.len().saturating_sub(1);
    let fixed: usize = weights[..weights.len() - 1].iter().sum();
    if fixed + gaps + 10 <= total {
        let mut out = weights.to_vec();
        *out.last_mut().expect("non-empty") = total - fixed - gaps;
        out
    } else {
        column_widths(total, weights)
    }
}
