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

use super::pager::PagerView;
use super::{Step, View};
use crate::actions::Subject;
use crate::actions::audit::{AuditPage, AuditRow, DATA_EVENTS_NOTE};
use crate::present::audit::HEADERS;
use crate::present::table::pane_widths;
use crate::tui::cx::Cx;
use crate::tui::keymap::{Action, Mode};
use crate::tui::msg::{AuditCursor, Effect, Load, Msg, RequestId, Slot};
use crate::tui::text::{self, fit, pad, wrap};
use crate::tui::widgets::cursor::{scroll_offset, step};
use crate::tui::widgets::input::LineInput;
use crate::tui::widgets::pane::{spinner, streaming_pane};
use crate::tui::widgets::table::draw_cells;

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
        let cells = crate::present::audit::cells(&row);
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
    /// The batch being loaded; once loaded, the cursor that loads more (none: the end, or an
    /// interruption).
    pub load: Load<Option<AuditCursor>>,
    pub requests: usize,
    pub events: usize,
    /// CloudTrail has no more events.
    pub done: bool,
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
            load: Load::Loading(id),
            requests: 0,
            events: 0,
            done: false,
            offset: Cell::new(0),
            page: Cell::new(10),
        }
    }

    /// Starts reading `subject`'s events; the view fills as pages arrive.
    pub fn start(subject: Subject, cx: &mut Cx) -> View {
        let id = cx.id();
        cx.push(Effect::AuditStart {
            id,
            subject: subject.clone(),
        });
        View::Audit(AuditView::new(subject, id))
    }

    pub fn mode(&self) -> Mode {
        if self.filter_input.is_some() {
            Mode::Filter
        } else {
            Mode::Audit
        }
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        if let Some(input) = self.filter_input.as_mut() {
            match action {
                Action::Submit => self.filter_input = None,
                Action::Back => {
                    self.filter_input = None;
                    self.set_filter("");
                }
                edit => {
                    if input.edit(edit) {
                        let text = input.text().to_string();
                        self.set_filter(&text);
                    }
                }
            }
            return Step::Stay;
        }
        match action {
            Action::Back => {
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Audit));
            }
            Action::Refresh => return Step::Replace(AuditView::start(self.subject.clone(), cx)),
            Action::Filter => self.filter_input = Some(LineInput::new(&self.filter)),
            Action::ToggleCrossAccount => self.toggle_cross_account(),
            Action::Open => {
                if self.on_load_more() {
                    if let Load::Loaded(cursor) = &mut self.load
                        && let Some(cursor) = cursor.take()
                    {
                        let id = cx.id();
                        self.load = Load::Loading(id);
                        cx.push(Effect::AuditMore { id, cursor });
                    }
                } else if let Some(row) = self.selected_row() {
                    let title = format!("{} {}", row.event_name, row.time);
                    return Step::Push(View::Pager(PagerView::json(title, &row.event)));
                }
            }
            nav => self.navigate(nav),
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::AuditPage { id, page } if self.load.waits_for(id) => self.add_page(page),
            Msg::AuditPaused { id, cursor } if self.load.waits_for(id) => {
                self.load = Load::Loaded(Some(cursor));
            }
            Msg::AuditEnded { id, result } if self.load.waits_for(id) => {
                if result.is_ok() {
                    self.done = true;
                }
                self.load = Load::answer(result.map(|()| None));
            }
            other => return Some(other),
        }
        None
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
        !self.done && matches!(self.load, Load::Loaded(Some(_)))
    }

    pub fn on_load_more(&self) -> bool {
        self.has_more_row() && self.selected == self.visible.len()
    }

    pub fn selected_row(&self) -> Option<&AuditRow> {
        self.visible.get(self.selected).map(|&i| &self.lines[i].row)
    }

    pub fn navigate(&mut self, action: Action) {
        let n = self.visible.len() + usize::from(self.has_more_row());
        if let Some(to) = step(self.selected, n, self.page.get(), action, false) {
            self.selected = to;
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let progress = if self.load.pending().is_some() {
            format!(
                "{} page {}, {} events ",
                spinner(cx),
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
            cx,
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
            cx.cursor.set(Some(pos));
        }
        let wide = w >= 110;
        // The columns shown (of present::audit's), after the cross-account mark.
        let (weights, picks): (&[usize], &[usize]) = if wide {
            (
                &[1, 20, 28, 12, 44, 12, 15, 3, 20],
                &[0, 1, 2, 3, 4, 5, 6, 7],
            )
        } else {
            (&[1, 20, 22, 12, 30], &[0, 1, 4, 3])
        };
        let widths = pane_widths(w, weights);
        draw_cells(
            buf,
            inner.x,
            inner.y,
            &widths,
            std::iter::once(String::new()).chain(picks.iter().map(|&c| HEADERS[c].to_string())),
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
                let (text, style) = self.tail_line(cx);
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
        if let Load::Failed(e) = &self.load {
            let lines = wrap(&text::safe(e), w);
            let y0 = inner.y + 1 + (total.min(body_h) as u16).min(table_h.saturating_sub(2));
            for (i, l) in lines.iter().take(2).enumerate() {
                let line = Line::from(Span::styled(format!("✗ {l}"), theme.error()));
                buf.set_line(inner.x, y0 + i as u16, &line, inner.width);
            }
        }
    }

    /// The row after the events: progress, "load more", or why it stopped.
    fn tail_line(&self, cx: &Cx) -> (String, Style) {
        match self.load {
            Load::Loading(_) => (
                format!("{} loading… (Esc stops)", spinner(cx)),
                cx.theme.dim(),
            ),
            Load::Loaded(Some(_)) => ("▸ load more (Enter)".into(), cx.theme.key()),
            Load::Cancelled => ("stopped (r starts again)".into(), cx.theme.dim()),
            _ => (String::new(), cx.theme.dim()),
        }
    }
}
