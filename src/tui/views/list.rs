//! The resource list, the main screen: every stack and resource of the app in construct-tree
//! order with its physical id, a `/` filter over every column and a `:` jump to a stack or type.
//! Only the rows on screen are drawn, so ten thousand resources cost what a screenful does.
//! Functions and REST APIs get a sparkline of their last hour (invocations, requests), asked
//! for in the background once the physical ids are known and drawn when it arrives.

use std::cell::Cell;
use std::collections::HashMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::menu::MenuView;
use super::{Run, Step, View};
use crate::actions::metrics::{Activity, ActivityTarget};
use crate::deployed::{Deployment, Physical, StackState};
use crate::kind::ResourceKind;
use crate::model::{self, Resolved, StackIdx, Target};
use crate::present::table::{self, Col, Cut};
use crate::tui::cx::Cx;
use crate::tui::keymap::{Action, Mode};
use crate::tui::msg::{Effect, RequestId, Slot};
use crate::tui::text::{self, fit, pad};
use crate::tui::widgets::cursor::{scroll_offset, step};
use crate::tui::widgets::input::LineInput;

/// One row: a stack or a resource, with its columns ready to draw (sanitized).
#[derive(Debug, Clone)]
pub struct ListRow {
    pub target: Target,
    /// The construct a user means (index into the model's constructs).
    pub construct: usize,
    pub stack: StackIdx,
    /// The top-level stack whose group the row is drawn in (under its header row).
    pub group: StackIdx,
    pub depth: usize,
    pub is_stack: bool,
    pub stack_label: String,
    pub id: String,
    /// What the tree column shows: the path from the nearest ancestor that is a row
    /// (`Default/GET` under `iam-backed-api`), usually just the id.
    pub tree_label: String,
    pub path: String,
    pub logical_id: String,
    pub type_label: String,
    pub cfn_type: String,
    /// Lower-case text of every column but the physical id, for the filter.
    hay: String,
    /// Lower-case physical id (or state), kept in step with the deployment.
    hay_physical: String,
}

impl ListRow {
    fn matches(&self, needle: &str) -> bool {
        needle.is_empty() || self.hay.contains(needle) || self.hay_physical.contains(needle)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Jump,
}

#[derive(Debug)]
pub struct ListView {
    pub rows: Vec<ListRow>,
    /// Indices of the rows the filter lets through, in order.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    pub filter: String,
    pub prompt: Option<(PromptKind, LineInput)>,
    /// The activity column: functions' and APIs' last hour.
    pub sparks: Sparks,
    /// The first visible row drawn last time, and how many rows fit (drawing keeps them).
    offset: Cell<usize>,
    page: Cell<usize>,
}

/// The activity column's window: the last hour, one sum per 5 minutes.
pub const SPARK_WINDOW_S: i64 = 3600;
pub const SPARK_PERIOD_S: i32 = 300;

/// The activity column's data: per construct, its sums per period (`None`: no data points).
#[derive(Debug, Default)]
pub struct Sparks {
    /// The request on its way, if any.
    pub pending: Option<RequestId>,
    pub grids: HashMap<usize, Vec<Option<f64>>>,
}

impl Sparks {
    /// The column shows once an answer brought a series for some row.
    pub fn shown(&self) -> bool {
        !self.grids.is_empty()
    }
}

/// A stack as the list names it: its name, or `Parent/Nested` for a nested stack.
pub fn stack_label(app: &model::App, i: StackIdx) -> String {
    let s = &app.stacks[i];
    match &s.parent {
        Some((p, _)) => format!("{}/{}", stack_label(app, *p), s.name),
        None => s.name.clone(),
    }
}

impl ListView {
    /// The list of `app`; `loading` when a lookup is on its way (unknown ids show as `…`).
    pub fn new(app: &model::App, deployment: &Deployment, loading: bool) -> ListView {
        let mut view = ListView {
            rows: build_rows(app),
            visible: Vec::new(),
            selected: 0,
            filter: String::new(),
            prompt: None,
            sparks: Sparks::default(),
            offset: Cell::new(0),
            page: Cell::new(10),
        };
        view.set_deployment(app, deployment, loading);
        view
    }

    /// Takes in new physical ids (the filter sees them too), keeping the selection.
    pub fn set_deployment(&mut self, app: &model::App, d: &Deployment, loading: bool) {
        for row in &mut self.rows {
            row.hay_physical = physical_label(app, d, row, loading).to_lowercase();
        }
        self.refilter();
    }

    /// Asks for the activity of every function and REST API whose physical id is known (after
    /// each lookup, so the list's refresh refreshes it). Nothing is asked when none is.
    pub fn load_activity(&mut self, cx: &mut Cx) {
        let mut seen = std::collections::HashSet::new();
        let targets: Vec<(StackIdx, ActivityTarget)> = self
            .rows
            .iter()
            .filter(|r| {
                // Only functions and REST APIs have a series: the others cost nothing here.
                !r.is_stack
                    && matches!(
                        ResourceKind::of(&r.cfn_type),
                        Some(ResourceKind::LambdaFunction | ResourceKind::ApiGatewayRestApi)
                    )
                    && seen.insert(r.construct)
            })
            .filter_map(|r| {
                let Target::Resource(res) = r.target else {
                    return None;
                };
                let resource = &cx.model.resources[res];
                let name = resource
                    .properties
                    .as_ref()
                    .and_then(|p| p.get("Name"))
                    .and_then(|n| n.as_str());
                let subject = cx.subject(&self.resolved_of(r));
                Some((r.stack, ActivityTarget::of(r.construct, &subject, name)?))
            })
            .collect();
        if targets.is_empty() {
            self.sparks = Sparks::default();
            return;
        }
        let id = cx.id();
        self.sparks.pending = Some(id);
        // A window that ends at the end of the current period: a whole number of periods.
        let period = i64::from(SPARK_PERIOD_S);
        let now = crate::time::now() as i64;
        let until_s = now - now.rem_euclid(period) + period;
        cx.push(Effect::Activity {
            id,
            targets,
            since_s: until_s - SPARK_WINDOW_S,
            until_s,
            period_s: SPARK_PERIOD_S,
        });
    }

    /// Takes in the activity asked for last (an older answer is dropped); a failure leaves the
    /// rows it concerns blank and is said once in the status line.
    pub fn receive_activity(&mut self, id: RequestId, activity: &Activity, cx: &mut Cx) {
        if self.sparks.pending != Some(id) {
            return;
        }
        self.sparks.pending = None;
        let slots = activity.slots();
        self.sparks.grids = activity
            .series
            .iter()
            .map(|(key, series)| {
                let grid = crate::present::metrics::grid(
                    series,
                    activity.since_s,
                    activity.period_s,
                    slots,
                );
                (*key, grid)
            })
            .collect();
        // An error already on the status line (usually the lookup's failure) says more: it
        // stays.
        let other_error = cx
            .status
            .as_ref()
            .is_some_and(|s| s.kind == crate::tui::cx::StatusKind::Error);
        if let Some(e) = activity.errors.first()
            && !other_error
        {
            cx.error(format!(
                "no activity column (CloudWatch metrics): {}",
                text::safe(e)
            ));
        }
    }

    fn resolved_of(&self, r: &ListRow) -> Resolved {
        Resolved {
            construct: r.construct,
            target: r.target,
        }
    }

    /// How many resources the list holds (stack header rows are not resources); the title and
    /// the footer both say this.
    pub fn resource_count(&self) -> usize {
        self.rows.iter().filter(|r| !r.is_stack).count()
    }

    /// How many of the rows the filter lets through are resources.
    pub fn visible_resource_count(&self) -> usize {
        self.visible
            .iter()
            .filter(|&&i| !self.rows[i].is_stack)
            .count()
    }

    /// The selected row's index in `rows`.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_string();
        self.refilter();
    }

    /// Applies the filter again, keeping the selected row selected when it still shows.
    fn refilter(&mut self) {
        let keep = self.selected_row();
        let needle = self.filter.to_lowercase();
        // A matching resource is shown under its stack's header row, as k9s groups by namespace.
        let mut visible = Vec::new();
        let mut header: Option<usize> = None;
        let mut header_shown = false;
        for (i, row) in self.rows.iter().enumerate() {
            if row.is_stack {
                header = Some(i);
                header_shown = row.matches(&needle);
                if header_shown {
                    visible.push(i);
                }
            } else if row.matches(&needle) {
                if !header_shown
                    && let Some(h) = header
                    && self.rows[h].group == row.group
                {
                    visible.push(h);
                    header_shown = true;
                }
                visible.push(i);
            }
        }
        self.visible = visible;
        // The selection stays where it was when it still shows, else on the first matching
        // resource (not its stack's header row).
        let first_resource = || {
            (!self.filter.is_empty())
                .then(|| self.visible.iter().position(|&i| !self.rows[i].is_stack))
                .flatten()
                .unwrap_or(0)
        };
        self.selected = keep
            .filter(|&k| self.filter.is_empty() || !self.rows[k].is_stack)
            .and_then(|k| self.visible.binary_search(&k).ok())
            .unwrap_or_else(first_resource);
    }

    /// Moves the selection; returns whether anything changed.
    pub fn navigate(&mut self, action: Action) -> bool {
        let before = self.selected;
        if let Some(to) = step(
            self.selected,
            self.visible.len(),
            self.page.get(),
            action,
            false,
        ) {
            self.selected = to;
        }
        before != self.selected
    }

    /// What the list has the keyboard for: the list, or the prompt being typed in.
    pub fn mode(&self) -> Mode {
        match &self.prompt {
            Some((PromptKind::Filter, _)) => Mode::Filter,
            Some((PromptKind::Jump, _)) => Mode::Jump,
            None => Mode::List,
        }
    }

    /// The construct a row stands for.
    pub fn resolved(&self, row: usize) -> Resolved {
        self.resolved_of(&self.rows[row])
    }

    /// Looks the physical ids up again, showing them as being refreshed meanwhile.
    pub fn refresh(&mut self, cx: &mut Cx) {
        cx.lookup(true);
        self.set_deployment(&cx.model, &cx.deployment, true);
        cx.info("refreshing physical ids…");
    }

    /// The list acts on a key (no view is over it).
    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        if let Some((kind, mut input)) = self.prompt.take() {
            match action {
                Action::Submit => {
                    if kind == PromptKind::Jump && !self.jump(input.text()) {
                        cx.error(format!(
                            "no stack or type matches {:?}",
                            text::safe(input.text())
                        ));
                    }
                }
                Action::Back => {
                    if kind == PromptKind::Filter {
                        self.set_filter("");
                    }
                }
                edit => {
                    if input.edit(edit) && kind == PromptKind::Filter {
                        self.set_filter(input.text());
                    }
                    self.prompt = Some((kind, input));
                }
            }
            return Step::Stay;
        }
        match action {
            Action::Back => {
                if !self.filter.is_empty() {
                    self.set_filter("");
                } else if cx.refreshing.take().is_some() {
                    cx.push(Effect::Cancel(Slot::Lookup));
                    self.set_deployment(&cx.model, &cx.deployment, false);
                    cx.info("refresh cancelled");
                }
            }
            Action::Filter => {
                self.prompt = Some((PromptKind::Filter, LineInput::new(&self.filter)));
            }
            Action::Jump => self.prompt = Some((PromptKind::Jump, LineInput::default())),
            Action::Refresh => self.refresh(cx),
            Action::Open => {
                if let Some(row) = self.selected_row() {
                    return Step::Push(View::Menu(MenuView::new(cx, self.resolved(row))));
                }
            }
            Action::Verb(verb) => {
                if let Some(row) = self.selected_row() {
                    return Step::Run(Run::Verb(cx.subject(&self.resolved(row)), verb));
                }
            }
            nav => {
                self.navigate(nav);
            }
        }
        Step::Stay
    }

    /// Selects the next row (after the selection, wrapping) that is the stack named `query`, or
    /// a resource whose type contains it. Returns whether one was found.
    pub fn jump(&mut self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        if q.is_empty() || self.visible.is_empty() {
            return false;
        }
        let n = self.visible.len();
        let hit = (1..=n).map(|k| (self.selected + k) % n).find(|&v| {
            let r = &self.rows[self.visible[v]];
            if r.is_stack {
                r.stack_label.to_lowercase().contains(&q)
            } else {
                r.type_label.to_lowercase().contains(&q) || r.cfn_type.to_lowercase().contains(&q)
            }
        });
        if let Some(v) = hit {
            self.selected = v;
        }
        hit.is_some()
    }

    /// What a `:` query would reach: matching stacks and types, for the prompt to show.
    pub fn jump_candidates(&self, query: &str) -> Vec<String> {
        let q = query.trim().to_lowercase();
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            let name = if r.is_stack {
                &r.stack_label
            } else {
                &r.type_label
            };
            if (q.is_empty() || name.to_lowercase().contains(&q)) && !out.contains(name) {
                out.push(name.clone());
            }
            if out.len() >= 8 {
                break;
            }
        }
        out
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let count = if self.filter.is_empty() {
            format!(" Resources ({}) ", self.resource_count())
        } else {
            format!(
                " Resources ({} of {}) · filter: {} ",
                self.visible_resource_count(),
                self.resource_count(),
                text::safe(&self.filter)
            )
        };
        let block = Block::bordered()
            .border_style(theme.border())
            .title(Line::styled(count, theme.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 3 || inner.width < 10 {
            return;
        }
        let width = inner.width as usize;
        // Header, rows, and one line at the bottom for the breadcrumb or the prompt.
        let header_y = inner.y;
        let body_h = (inner.height - 2) as usize;
        self.page.set(body_h.saturating_sub(1).max(1));
        let offset = scroll_offset(self.offset.get(), self.selected, body_h, self.visible.len());
        self.offset.set(offset);
        let loading = cx.refreshing.is_some();
        let window: Vec<usize> = self
            .visible
            .iter()
            .skip(offset)
            .take(body_h)
            .copied()
            .collect();
        let physical: Vec<String> = window
            .iter()
            .map(|&ri| {
                text::safe(&physical_label(
                    &cx.model,
                    &cx.deployment,
                    &self.rows[ri],
                    loading,
                ))
                .into_owned()
            })
            .collect();
        // The columns are fitted to the rows on screen: one table layout with the CLI's.
        let resources: Vec<usize> = (0..window.len())
            .filter(|&k| !self.rows[window[k]].is_stack)
            .collect();
        let trees: Vec<String> = resources
            .iter()
            .map(|&k| {
                let row = &self.rows[window[k]];
                format!(
                    "{}{}",
                    "  ".repeat(row.depth.saturating_sub(1).min(8)),
                    row.id
                )
            })
            .collect();
        let values: Vec<Vec<&str>> = vec![
            trees.iter().map(String::as_str).collect(),
            resources
                .iter()
                .map(|&k| self.rows[window[k]].logical_id.as_str())
                .collect(),
            resources
                .iter()
                .map(|&k| self.rows[window[k]].type_label.as_str())
                .collect(),
            resources.iter().map(|&k| physical[k].as_str()).collect(),
        ];
        let natural: Vec<usize> = COLUMNS
            .iter()
            .zip(&values)
            .map(|(c, v)| {
                v.iter()
                    .map(|s| text::width(s))
                    .max()
                    .unwrap_or(0)
                    .max(text::width(c.header))
            })
            .collect();
        // The activity column, at the right end, once there is activity to show.
        let spark_w = if self.sparks.shown() {
            spark_width(width)
        } else {
            0
        };
        let table_w = if spark_w > 0 {
            width - spark_w - 2
        } else {
            width
        };
        let widths = table::fit_columns(&COLUMNS, &values, &natural, table_w);
        // The last shown column takes what is left of the line.
        let mut widths = widths;
        let used: usize = widths.iter().flatten().sum::<usize>()
            + 2 * widths.iter().flatten().count().saturating_sub(1);
        if let Some(last) = widths.iter_mut().rev().find(|w| w.is_some()) {
            *last = Some(last.unwrap_or(0) + table_w.saturating_sub(used));
        }
        let spark_x = inner.x + (table_w + 2) as u16;
        let draw_row = |buf: &mut Buffer, y: u16, cells: &[Cell4]| {
            let mut x = inner.x;
            for (cell, w, cut, style) in cells {
                let shown = table::shorten(cell, *w, *cut);
                buf.set_stringn(x, y, pad(&shown, *w), *w, *style);
                x += *w as u16 + 2;
            }
        };
        let heading: Vec<Cell4> = COLUMNS
            .iter()
            .zip(&widths)
            .filter_map(|(c, w)| w.map(|w| (c.header, w, Cut::End, theme.heading())))
            .collect();
        draw_row(buf, header_y, &heading);
        if spark_w > 0 {
            let title = if spark_w >= 12 { "LAST HOUR" } else { "1 HOUR" };
            buf.set_stringn(spark_x, header_y, title, spark_w, theme.heading());
        }
        let mut next_resource = 0;
        for (line, &ri) in window.iter().enumerate() {
            let row = &self.rows[ri];
            let y = header_y + 1 + line as u16;
            if row.is_stack {
                // One header row per stack: its name, type and state across the whole line.
                let label = if physical[line].starts_with(&row.stack_label) {
                    physical[line].clone()
                } else {
                    format!("{}  {}", row.stack_label, physical[line])
                };
                let text = format!("{label}  · {}", row.type_label);
                buf.set_stringn(inner.x, y, pad(&text, width), width, theme.heading());
            } else {
                let k = next_resource;
                next_resource += 1;
                let deployed = physical_is_id(&cx.model, &cx.deployment, row);
                let cells: Vec<Cell4> = COLUMNS
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        let w = widths[i]?;
                        let style = if i == COLUMNS.len() - 1 && !deployed {
                            theme.dim()
                        } else {
                            ratatui::style::Style::new()
                        };
                        Some((values[i][k], w, c.cut, style))
                    })
                    .collect();
                draw_row(buf, y, &cells);
                if spark_w > 0
                    && let Some(grid) = self.sparks.grids.get(&row.construct)
                {
                    if grid.iter().all(Option::is_none) {
                        buf.set_stringn(spark_x, y, NO_ACTIVITY, spark_w, theme.dim());
                    } else {
                        let bars = crate::present::metrics::spark(grid, spark_w);
                        buf.set_stringn(spark_x, y, bars, spark_w, theme.ok());
                    }
                }
            }
            if offset + line == self.selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected());
            }
        }
        if self.visible.is_empty() {
            let msg = if self.rows.is_empty() {
                "the app has no resources"
            } else {
                "no resource matches the filter (Esc clears it)"
            };
            buf.set_stringn(inner.x + 1, header_y + 1, msg, width - 1, theme.dim());
        }
        let bottom = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        match &self.prompt {
            Some((kind, input)) => {
                let prefix = match kind {
                    PromptKind::Filter => "/",
                    PromptKind::Jump => ":",
                };
                let pos = input.render(
                    prefix,
                    Rect::new(bottom.x, bottom.y, bottom.width.min(48), 1),
                    buf,
                    ratatui::style::Style::new(),
                    theme.key(),
                );
                cx.cursor.set(Some(pos));
                if *kind == PromptKind::Jump && bottom.width > 52 {
                    let c = self.jump_candidates(input.text()).join(", ");
                    let room = bottom.width as usize - 50;
                    buf.set_stringn(
                        bottom.x + 50,
                        bottom.y,
                        fit(&format!("→ {c}"), room),
                        room,
                        theme.dim(),
                    );
                }
            }
            None => {
                if let Some(ri) = self.selected_row() {
                    let crumbs = self.rows[ri].path.replace('/', " › ");
                    buf.set_line(
                        bottom.x,
                        bottom.y,
                        &Line::from(Span::styled(
                            text::fit_start(&crumbs, width).into_owned(),
                            theme.dim(),
                        )),
                        bottom.width,
                    );
                }
            }
        }
    }
}

/// The activity column's width for a list `width` wide: a bar per 5 minutes when there is
/// room, a bar per 10 minutes at 80 columns, none on a very narrow screen.
fn spark_width(width: usize) -> usize {
    match width {
        w if w >= 120 => 12,
        w if w >= 60 => 6,
        _ => 0,
    }
}

/// What the activity column shows for a function or API without data points in the hour.
const NO_ACTIVITY: &str = "·";

/// A cell to draw: its text, width, how it is shortened, its style.
type Cell4<'a> = (&'a str, usize, Cut, ratatui::style::Style);

/// The list's columns: the construct tree and the physical id always stay; on a narrow screen
/// the type goes first, then the logical id. The stack is the header row of its group.
const COLUMNS: [Col; 4] = [
    Col::new("CONSTRUCT", 14),
    Col::new("LOGICAL ID", 12).optional(1),
    Col::new("TYPE", 12).optional(2),
    Col::new("PHYSICAL ID", 14),
];

/// The physical id a row shows, or why there is none (`…` while the first lookup runs).
pub fn physical_label(app: &model::App, d: &Deployment, row: &ListRow, loading: bool) -> String {
    match row.target {
        Target::Resource(r) => match d.physical(&app.resources[r]) {
            Physical::Offline if loading => "…".into(),
            p => p.label().to_string(),
        },
        Target::Stack(s) => match &d.stacks[s] {
            StackState::Deployed(dep) => {
                let name = crate::arn::stack_name(&dep.stack_id).unwrap_or(&dep.stack_id);
                match &dep.status {
                    Some(status) => format!("{name} ({status})"),
                    None => name.to_string(),
                }
            }
            StackState::NotDeployed => Physical::NotDeployed.label().into(),
            StackState::Failed(_) => Physical::Unknown.label().into(),
            StackState::Offline if loading => "…".into(),
            StackState::Offline => Physical::Offline.label().into(),
        },
    }
}

fn physical_is_id(app: &model::App, d: &Deployment, row: &ListRow) -> bool {
    match row.target {
        Target::Resource(r) => d.physical(&app.resources[r]).id().is_some(),
        Target::Stack(s) => d.deployed(s).is_some(),
    }
}

/// Stacks and resources in construct-tree order: each top-level stack, then what it holds
/// (nested stacks as one row each, their resources under them). CDK bookkeeping is left out.
pub fn build_rows(app: &model::App) -> Vec<ListRow> {
    let node_of: HashMap<&str, usize> = app
        .constructs
        .iter()
        .enumerate()
        .map(|(i, n)| (n.path.as_str(), i))
        .collect();
    let root_order: HashMap<StackIdx, usize> = (0..app.stacks.len())
        .filter(|&i| !app.stacks[i].is_nested())
        .enumerate()
        .map(|(order, i)| (i, order))
        .collect();
    let labels: Vec<String> = (0..app.stacks.len()).map(|i| stack_label(app, i)).collect();
    // Indentation follows the construct tree as drawn: a row is indented once per ancestor that
    // is a row itself (or a stack), so hidden levels (`Default`, `Resource`) shift nothing.
    let drawn: std::collections::HashSet<&str> = app
        .stacks
        .iter()
        .map(|s| s.path.as_str())
        .chain(
            app.resources
                .iter()
                .filter(|r| !model::is_bookkeeping(&r.cfn_type))
                .map(|r| r.construct_path.as_str()),
        )
        .collect();
    // (depth, label): the label is the path below the nearest drawn ancestor.
    let place = |path: &str| -> (usize, String) {
        let ancestors: Vec<usize> = path
            .match_indices('/')
            .map(|(i, _)| i)
            .filter(|&i| drawn.contains(&path[..i]))
            .collect();
        let label = match ancestors.last() {
            Some(&i) => path[i + 1..].to_string(),
            None => path.to_string(),
        };
        (ancestors.len(), label)
    };
    // Sort small keys first, then build the rows in order (rows are big to move around).
    // A key: (top-level stack's order, stack row first, construct-tree order, what).
    let mut keys: Vec<(usize, bool, usize, Target)> = Vec::with_capacity(app.resources.len());
    for (s, st) in app.stacks.iter().enumerate() {
        if let (false, Some(&node)) = (st.is_nested(), node_of.get(st.path.as_str())) {
            keys.push((root_order[&s], false, node, Target::Stack(s)));
        }
    }
    for (r, res) in app.resources.iter().enumerate() {
        if model::is_bookkeeping(&res.cfn_type) {
            continue;
        }
        if let Some(&node) = node_of.get(res.construct_path.as_str()) {
            let root = app.root_stack(res.stack);
            let order = root_order.get(&root).copied().unwrap_or(usize::MAX);
            keys.push((order, true, node, Target::Resource(r)));
        }
    }
    keys.sort_unstable_by_key(|&(order, resource, node, target)| {
        let t = match target {
            Target::Stack(s) => s,
            Target::Resource(r) => r,
        };
        (order, resource, node, t)
    });
    keys.into_iter()
        .map(|(_, is_resource, node, target)| match target {
            Target::Stack(s) if !is_resource => {
                let st = &app.stacks[s];
                let type_label = model::type_label(
                    app.constructs[node].fqn.as_deref(),
                    ResourceKind::CloudFormationStack.as_str(),
                );
                row(
                    target,
                    node,
                    s,
                    s,
                    0,
                    true,
                    labels[s].clone(),
                    &st.path,
                    &st.name,
                    &st.name,
                    "",
                    type_label,
                    ResourceKind::CloudFormationStack.as_str(),
                )
            }
            Target::Stack(_) => unreachable!("resources are keyed by resource"),
            Target::Resource(r) => {
                let res = &app.resources[r];
                // A nested stack's resource stands for the stack it creates.
                let target = match app.constructs[node].target {
                    Some(Target::Stack(child))
                        if ResourceKind::CloudFormationStack.is(&res.cfn_type) =>
                    {
                        Target::Stack(child)
                    }
                    _ => target,
                };
                let root = app.root_stack(res.stack);
                let (depth, tree_label) = place(&res.construct_path);
                row(
                    target,
                    node,
                    res.stack,
                    root,
                    depth,
                    false,
                    labels[res.stack].clone(),
                    &res.construct_path,
                    &res.construct_id,
                    &tree_label,
                    &res.logical_id.0,
                    res.display_type(),
                    &res.cfn_type,
                )
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn row(
    target: Target,
    construct: usize,
    stack: StackIdx,
    group: StackIdx,
    depth: usize,
    is_stack: bool,
    stack_label: String,
    path: &str,
    id: &str,
    tree_label: &str,
    logical_id: &str,
    type_label: String,
    cfn_type: &str,
) -> ListRow {
    let s = |v: &str| text::safe(v).into_owned();
    let mut r = ListRow {
        target,
        construct,
        stack,
        group,
        depth,
        is_stack,
        stack_label: s(&stack_label),
        id: s(id),
        tree_label: s(tree_label),
        path: s(path),
        logical_id: s(logical_id),
        type_label: s(&type_label),
        cfn_type: s(cfn_type),
        hay: String::new(),
        hay_physical: String::new(),
    };
    let parts = [
        &r.stack_label,
        &r.path,
        &r.id,
        &r.logical_id,
        &r.type_label,
        &r.cfn_type,
    ];
    let mut hay = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hay.push('\u{1}');
        }
        if part.is_ascii() {
            let start = hay.len();
            hay.push_str(part);
            hay[start..].make_ascii_lowercase();
        } else {
            hay.extend(part.chars().flat_map(char::to_lowercase));
        }
    }
    r.hay = hay;
    r
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use crate::actions::metrics::Activity;
    use crate::tui::msg::{Effect, Msg};
    use crate::tui::testing::*;

    #[test]
    fn the_first_frame_asks_no_metrics_the_lookup_answer_does() {
        let model = fixture_model();
        let d = deployed(&model);
        let mut app = crate::tui::app::App::new(
            std::sync::Arc::new(model),
            std::sync::Arc::new(crate::catalogue::CommandCatalogue::builtin()),
            d.clone(),
            header(false),
            crate::tui::theme::Theme { color: false },
            false,
        );
        let effects = app.take_effects();
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Activity { .. })),
            "{effects:?}"
        );
        assert!(!screen(&app, 160, 48).contains("LAST HOUR"));
        let id = request_of(&effects).unwrap();
        app.receive(Msg::Deployment { id, deployment: d });
        let effects = app.take_effects();
        let Some(Effect::Activity {
            targets,
            since_s,
            until_s,
            period_s,
            ..
        }) = effects
            .into_iter()
            .find(|e| matches!(e, Effect::Activity { .. }))
        else {
            panic!("no activity request after the lookup");
        };
        // Both functions and the REST API, by the name its template gives.
        assert_eq!(targets.len(), 3, "{targets:?}");
        assert!(targets.iter().any(|(_, t)| matches!(
            &t.of,
            crate::actions::metrics::ActivityOf::RestApi { name: Some(n), .. } if n == "iam-backed-api"
        )), "{targets:?}");
        assert_eq!((until_s - since_s, period_s), (3600, 300));
        assert_eq!(until_s % 300, 0);
    }

    #[test]
    fn refresh_asks_again_and_an_older_answer_is_dropped() {
        let mut app = app();
        answer_activity(&mut app);
        assert!(app.list.sparks.shown());
        app.list.load_activity(&mut app.cx);
        let old = app.list.sparks.pending.unwrap();
        // The list's refresh: a lookup, then (its answer) a new activity request.
        press(&mut app, KeyCode::Char('r'));
        let lookup = request_of(&app.take_effects()).unwrap();
        app.receive(Msg::Deployment {
            id: lookup,
            deployment: deployed(&app.cx.model),
        });
        let new = app.list.sparks.pending.unwrap();
        assert_ne!(old, new);
        app.receive(Msg::Activity {
            id: old,
            activity: Box::new(Activity {
                since_s: 0,
                until_s: 3600,
                period_s: 300,
                series: Vec::new(),
                errors: vec!["stale".into()],
            }),
        });
        assert_eq!(app.list.sparks.pending, Some(new), "still waiting");
        assert!(app.list.sparks.shown(), "the old sparklines stay meanwhile");
        assert!(app.cx.status.is_none(), "{:?}", app.cx.status);
    }

    #[test]
    fn a_failure_leaves_the_column_out_and_says_so_once() {
        let mut app = app();
        app.list.load_activity(&mut app.cx);
        let id = app.list.sparks.pending.unwrap();
        app.receive(Msg::Activity {
            id,
            activity: Box::new(Activity {
                since_s: 0,
                until_s: 3600,
                period_s: 300,
                series: Vec::new(),
                errors: vec![
                    "cloudwatch:GetMetricData in us-east-1: access denied \u{1b}[2J".into(),
                ],
            }),
        });
        assert!(!app.list.sparks.shown());
        assert!(app.views.is_empty(), "no popup");
        let text = screen(&app, 160, 48);
        assert!(!text.contains("LAST HOUR"), "{text}");
        assert_eq!(
            text.matches("no activity column (CloudWatch metrics): cloudwatch:GetMetricData")
                .count(),
            1,
            "{text}"
        );
        assert!(!text.contains('\u{1b}'));
        // After a failed lookup, its error stays on the status line.
        app.list.load_activity(&mut app.cx);
        let id = app.list.sparks.pending.unwrap();
        app.cx
            .error("could not look up stack IamApigatewayLambdaStack: offline");
        app.receive(Msg::Activity {
            id,
            activity: Box::new(Activity {
                since_s: 0,
                until_s: 3600,
                period_s: 300,
                series: Vec::new(),
                errors: vec!["cloudwatch:GetMetricData: could not reach the endpoint".into()],
            }),
        });
        let status = app.cx.status.clone().unwrap();
        assert!(
            status.text.contains("could not look up stack"),
            "{status:?}"
        );
    }

    #[test]
    fn the_column_fits_80_columns_and_goes_on_a_tiny_screen() {
        let mut app = app();
        answer_activity(&mut app);
        for (w, h, header) in [
            (80, 24, Some("1 HOUR")),
            (160, 48, Some("LAST HOUR")),
            (50, 20, None),
        ] {
            let text = screen(&app, w, h);
            for line in text.lines() {
                assert!(line.chars().count() <= usize::from(w) + 2, "{line:?}");
            }
            match header {
                Some(hd) => assert!(text.contains(hd), "{text}"),
                None => assert!(!text.contains("HOUR"), "{text}"),
            }
        }
    }
}
