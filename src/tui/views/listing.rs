//! A built-in listing (`stages`, `ls`, `attributes`, `subscriptions`, `scan`, `policies`,
//! `resources`, `events`) as a table: the columns of the CLI's table, fitted to the width the
//! same way, every value sanitized; Enter shows a row's item as JSON, and in `ls` opens a prefix
//! ("folder") with Backspace going back up; the note on what was left out stays in view.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;
use serde_json::Value;

use super::pager::PagerView;
use super::{Step, View};
use crate::actions::Subject;
use crate::actions::listing::{Listing, ListingRequest};
use crate::catalogue::NativeAction;
use crate::present::table::Table;
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Load, Msg, RequestId, Slot};
use crate::tui::text::{self, fit};
use crate::tui::widgets::cursor::{scroll_offset, step};
use crate::tui::widgets::pane::{construct_pane, state_lines};
use crate::tui::widgets::scroll::{Scroll, draw_lines};

#[derive(Debug)]
pub struct ListingView {
    pub subject: Subject,
    pub action: NativeAction,
    /// `ls`: the key prefix listed (empty: the bucket's top level).
    pub prefix: String,
    pub load: Load<Listing>,
    /// The selected row.
    pub selected: usize,
    offset: Cell<usize>,
    page: Cell<usize>,
    /// For what is drawn instead of rows (loading, an error).
    scroll: Scroll,
}

impl ListingView {
    pub fn new(subject: Subject, action: NativeAction, prefix: String, id: RequestId) -> Self {
        ListingView {
            subject,
            action,
            prefix,
            load: Load::Loading(id),
            selected: 0,
            offset: Cell::new(0),
            page: Cell::new(10),
            scroll: Scroll::default(),
        }
    }

    /// Asks for the listing `action` of `subject` (under `prefix`, for `ls`).
    pub fn start(subject: Subject, action: NativeAction, prefix: String, cx: &mut Cx) -> View {
        let id = Self::ask(&subject, action, &prefix, cx);
        View::Listing(ListingView::new(subject, action, prefix, id))
    }

    fn ask(subject: &Subject, action: NativeAction, prefix: &str, cx: &mut Cx) -> RequestId {
        let id = cx.id();
        cx.push(Effect::Listing {
            id,
            subject: subject.clone(),
            action,
            request: ListingRequest {
                limit: None,
                prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
            },
        });
        id
    }

    /// Lists again, under `prefix`.
    fn reload(&mut self, prefix: String, cx: &mut Cx) {
        self.prefix = prefix;
        self.selected = 0;
        self.offset.set(0);
        self.load = Load::Loading(Self::ask(&self.subject, self.action, &self.prefix, cx));
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => {
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Listing));
            }
            Action::Refresh => self.reload(self.prefix.clone(), cx),
            Action::Open => {
                let Some(item) = self.selected_item() else {
                    return Step::Stay;
                };
                if self.action == NativeAction::Ls
                    && item.get("kind").and_then(Value::as_str) == Some("prefix")
                {
                    let key = item.get("key").and_then(Value::as_str).unwrap_or_default();
                    let key = key.to_string();
                    self.reload(key, cx);
                } else {
                    let title = format!(
                        "{} {} · row {}",
                        self.action.name(),
                        self.subject.construct_path,
                        self.selected + 1
                    );
                    return Step::Push(View::Pager(PagerView::json(
                        title,
                        &Value::Object(item.clone()),
                    )));
                }
            }
            Action::Backspace if self.action == NativeAction::Ls => {
                if self.prefix.is_empty() {
                    cx.info("already at the bucket's top level");
                } else {
                    self.reload(parent(&self.prefix).to_string(), cx);
                }
            }
            nav => {
                if matches!(self.load, Load::Loaded(_)) {
                    if let Some(to) = step(self.selected, self.len(), self.page.get(), nav, false) {
                        self.selected = to;
                    }
                } else {
                    self.scroll.apply(nav);
                }
            }
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::Listed { id, result } if self.load.waits_for(id) => {
                self.load = Load::answer(result.map(|b| *b));
                None
            }
            other => Some(other),
        }
    }

    fn len(&self) -> usize {
        match &self.load {
            Load::Loaded(l) => l.items.len(),
            _ => 0,
        }
    }

    fn selected_item(&self) -> Option<&serde_json::Map<String, Value>> {
        match &self.load {
            Load::Loaded(l) => l.items.get(self.selected),
            _ => None,
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let ls = self.action == NativeAction::Ls;
        let hints = if ls {
            " Enter open prefix / item · Backspace up · r refresh · Esc back "
        } else {
            " Enter item JSON · r refresh · Esc back "
        };
        let block = construct_pane(
            cx,
            self.action.name(),
            &self.subject.construct_path,
            self.load.pending().is_some(),
            area.width,
            hints,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let w = inner.width as usize;
        if inner.height == 0 || w == 0 {
            return;
        }
        let listing = match &self.load {
            Load::Loaded(l) => l,
            other => {
                let lines = state_lines(cx, other, "asking AWS…", "r lists again", w);
                draw_lines(&lines, &self.scroll, inner, buf, theme.dim());
                return;
            }
        };
        let bottom = inner.y + inner.height;
        let mut y = inner.y;
        // Where: the bucket and prefix, or the resource and its region.
        let place = if ls {
            format!("s3://{}/{}", listing.resource, self.prefix)
        } else {
            format!("{} · {}", listing.resource, listing.region)
        };
        let count = crate::present::words::count(listing.items.len() as u64, "item");
        buf.set_stringn(
            inner.x,
            y,
            fit(&text::safe(&format!("{place} · {count}")), w),
            w,
            theme.dim(),
        );
        y += 1;
        // The note on what was left out keeps the last line.
        let mut body_bottom = bottom;
        if let Some(note) = &listing.note
            && bottom > y + 2
        {
            body_bottom -= 1;
            buf.set_stringn(
                inner.x,
                body_bottom,
                fit(&text::safe(&format!("⚠ {note} (on the command line)")), w),
                w,
                theme.warn(),
            );
        }
        if listing.items.is_empty() {
            if y < body_bottom {
                let empty = if ls && !self.prefix.is_empty() {
                    "nothing under this prefix (Backspace goes up)"
                } else {
                    "nothing to list"
                };
                buf.set_stringn(inner.x, y, empty, w, theme.dim());
            }
            return;
        }
        // The CLI's table, fitted to the width: a heading line, then one line per item.
        let mut table = Table::new(listing.columns.iter().map(|(h, _)| *h).collect());
        for item in &listing.items {
            table.push(listing.row(item));
        }
        let rendered = table.render_fit(Some(w));
        let mut lines = rendered.lines();
        if let Some(heading) = lines.next()
            && y < body_bottom
        {
            buf.set_stringn(inner.x, y, fit(heading, w), w, theme.heading());
            y += 1;
        }
        let rows: Vec<&str> = lines.collect();
        let height = usize::from(body_bottom.saturating_sub(y));
        if height == 0 {
            return;
        }
        self.page.set(height.saturating_sub(1).max(1));
        let selected = self.selected.min(rows.len().saturating_sub(1));
        let offset = scroll_offset(self.offset.get(), selected, height, rows.len());
        self.offset.set(offset);
        for (i, row) in rows.iter().enumerate().skip(offset).take(height) {
            let ry = y + (i - offset) as u16;
            let prefix_row =
                ls && listing.items[i].get("kind").and_then(Value::as_str) == Some("prefix");
            let style = if prefix_row {
                theme.key()
            } else {
                Style::new()
            };
            buf.set_stringn(inner.x, ry, fit(row, w), w, style);
            if i == selected {
                buf.set_style(Rect::new(inner.x, ry, inner.width, 1), theme.selected());
            }
        }
        if rows.len() > height && w > 12 {
            let marker = format!(
                " {}-{}/{} ",
                offset + 1,
                (offset + height).min(rows.len()),
                rows.len()
            );
            let mw = text::width(&marker);
            buf.set_stringn(
                inner.x + (w - mw) as u16,
                body_bottom - 1,
                marker,
                mw,
                theme.dim(),
            );
        }
    }
}

/// The prefix one level up: `a/b/` -> `a/`, `a/` -> ``, `a/b` (a partial name) -> `a/`.
pub fn parent(prefix: &str) -> &str {
    let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
    match trimmed.rfind('/') {
        Some(i) => &prefix[..=i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::App;
    use crate::tui::keymap::Mode;
    use crate::tui::testing::{app, ls_listing, press, request_of, select};
    use crossterm::event::KeyCode;

    /// The app with `ls` of a bucket open (under `prefix`) and its effects taken.
    fn ls_open(prefix: &str) -> (App, RequestId) {
        let mut app = app();
        let row = select(&mut app, "requestorFn");
        let mut subject = app.subject(row);
        subject.cfn_type = "AWS::S3::Bucket".into();
        let view = ListingView::start(subject, NativeAction::Ls, prefix.into(), &mut app.cx);
        app.views.push(view);
        let id = request_of(&app.take_effects()).unwrap();
        (app, id)
    }

    fn asked(app: &mut App) -> Option<(RequestId, NativeAction, Option<String>)> {
        app.take_effects().into_iter().find_map(|e| match e {
            Effect::Listing {
                id,
                action,
                request,
                ..
            } => Some((id, action, request.prefix)),
            _ => None,
        })
    }

    fn view(app: &App) -> &ListingView {
        match app.views.last() {
            Some(View::Listing(v)) => v,
            _ => panic!("the listing view is on top"),
        }
    }

    #[test]
    fn enter_opens_a_prefix_and_backspace_goes_up() {
        let (mut app, id) = ls_open("photos/");
        assert_eq!(app.mode(), Mode::Listing);
        app.receive(Msg::Listed {
            id,
            result: Ok(Box::new(ls_listing("b"))),
        });
        press(&mut app, KeyCode::Char('j'));
        press(&mut app, KeyCode::Enter);
        let (id2, action, prefix) = asked(&mut app).expect("a listing under the prefix");
        assert_eq!(
            (action, prefix.as_deref()),
            (NativeAction::Ls, Some("photos/2026/"))
        );
        assert!(view(&app).load.waits_for(id2));
        assert_eq!(view(&app).selected, 0);
        // The old answer is stale now.
        app.receive(Msg::Listed {
            id,
            result: Err("stale".into()),
        });
        assert!(view(&app).load.waits_for(id2));
        press(&mut app, KeyCode::Backspace);
        let (_, _, prefix) = asked(&mut app).expect("a listing one level up");
        assert_eq!(prefix.as_deref(), Some("photos/"));
        press(&mut app, KeyCode::Backspace);
        let (id3, _, prefix) = asked(&mut app).expect("the top level");
        assert_eq!(prefix, None, "the bucket's top level has no prefix");
        app.receive(Msg::Listed {
            id: id3,
            result: Ok(Box::new(ls_listing("b"))),
        });
        // At the top, Backspace says so and asks nothing.
        press(&mut app, KeyCode::Backspace);
        assert!(asked(&mut app).is_none());
    }

    #[test]
    fn enter_on_an_object_shows_its_json_and_r_lists_again() {
        let (mut app, id) = ls_open("");
        app.receive(Msg::Listed {
            id,
            result: Ok(Box::new(ls_listing("b"))),
        });
        press(&mut app, KeyCode::Char('G'));
        press(&mut app, KeyCode::Enter);
        match app.views.last() {
            Some(View::Pager(p)) => {
                assert!(p.text.contains("\"kind\": \"object\""), "{}", p.text);
                assert!(!p.text.contains('\u{1b}'), "{}", p.text);
            }
            _ => panic!("the item's JSON"),
        }
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Char('r'));
        let (_, _, prefix) = asked(&mut app).expect("listed again");
        assert_eq!(prefix, None);
    }

    #[test]
    fn esc_cancels_a_running_listing_then_goes_back_and_errors_show() {
        let (mut app, id) = ls_open("");
        press(&mut app, KeyCode::Esc);
        assert!(
            app.take_effects()
                .iter()
                .any(|e| matches!(e, Effect::Cancel(Slot::Listing)))
        );
        assert!(matches!(view(&app).load, Load::Cancelled));
        // A late answer is dropped.
        app.receive(Msg::Listed {
            id,
            result: Ok(Box::new(ls_listing("b"))),
        });
        assert!(matches!(view(&app).load, Load::Cancelled));
        press(&mut app, KeyCode::Char('r'));
        let (id, _, _) = asked(&mut app).unwrap();
        app.receive(Msg::Listed {
            id,
            result: Err("s3:ListObjectsV2 in us-east-1: AccessDenied".into()),
        });
        let text = crate::tui::testing::screen(&app, 80, 24);
        assert!(
            text.contains("✗ s3:ListObjectsV2 in us-east-1: AccessDenied"),
            "{text}"
        );
        press(&mut app, KeyCode::Esc);
        assert!(app.views.is_empty(), "Esc goes back to the list");
    }

    #[test]
    fn the_menu_opens_each_listing_in_its_view() {
        use crate::tui::views::menu::{MenuTarget, items};
        let catalogue = crate::catalogue::CommandCatalogue::builtin();
        for (cfn_type, name) in [
            ("AWS::S3::Bucket", "ls"),
            ("AWS::SQS::Queue", "attributes"),
            ("AWS::SNS::Topic", "subscriptions"),
            ("AWS::DynamoDB::Table", "scan"),
            ("AWS::IAM::Role", "policies"),
            ("AWS::ApiGateway::RestApi", "stages"),
            ("AWS::CloudFormation::Stack", "resources"),
            ("AWS::CloudFormation::Stack", "events"),
        ] {
            let menu = items(&catalogue.commands_for(None, Some(cfn_type)));
            let item = menu
                .iter()
                .find(|i| i.name == name)
                .unwrap_or_else(|| panic!("{cfn_type} has {name}"));
            assert!(
                matches!(item.target, MenuTarget::Listing(a) if a.name() == name),
                "{name}: {:?}",
                item.target
            );
            assert!(!item.help.contains("command line only"), "{}", item.help);
            assert!(!item.help.contains("--"), "{}", item.help);
        }
    }

    #[test]
    fn up_one_prefix() {
        assert_eq!(parent("a/b/"), "a/");
        assert_eq!(parent("a/"), "");
        assert_eq!(parent("a/b"), "a/");
        assert_eq!(parent("ab"), "");
        assert_eq!(parent(""), "");
    }
}
