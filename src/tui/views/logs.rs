//! The log view (`l` on a function, in the list, its menu or its invoke result): the function's
//! log lines of the last hour, then each new line as it arrives, followed by a background task
//! until the view closes; one row per event (time, request id or stream, message; START, END
//! and REPORT summarized, everything sanitized). `/` shows only the lines that hold a
//! substring, space pauses (new lines are kept, not shown) and resumes, `i` goes to the lines of
//! the last invoke in this session, `G` follows the newest again. The top right says how lines
//! arrive: live (Live Tail) or polling, paused, or that it stopped.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::{Step, View};
use crate::actions::Subject;
use crate::actions::logs::{LineKind, LogLine};
use crate::tui::cx::Cx;
use crate::tui::keymap::{Action, Mode};
use crate::tui::msg::{Effect, Feed, Load, Msg, RequestId, Slot};
use crate::tui::text::{self, fit, wrap};
use crate::tui::widgets::input::LineInput;
use crate::tui::widgets::pane::{spinner, streaming_pane};
use crate::tui::widgets::scroll::Scroll;

/// How far back the view starts: the last hour (the CLI's `logs --since 1h`).
pub const WINDOW_MS: i64 = 3_600_000;
/// The most lines kept (the oldest go first), so a chatty function cannot exhaust memory.
pub const MAX_LINES: usize = 10_000;

/// A line as drawn: its text (sanitized), what the filter looks in, its request id.
#[derive(Debug)]
struct Shown {
    text: String,
    hay: String,
    request_id: Option<String>,
    runtime: bool,
}

impl Shown {
    fn new(line: &LogLine) -> Shown {
        let text = line.text();
        Shown {
            hay: text.to_lowercase(),
            text,
            request_id: line.request_id.clone(),
            runtime: line.kind != LineKind::Log,
        }
    }
}

#[derive(Debug)]
pub struct LogsView {
    pub subject: Subject,
    /// The reading: `Loading` while it finds the group and follows it; `Failed` when it stopped.
    pub load: Load<()>,
    /// The log group, once found.
    pub group: Option<String>,
    /// How new lines arrive, once following.
    pub feed: Option<Feed>,
    lines: VecDeque<Shown>,
    /// Lines that arrived while paused.
    held: VecDeque<Shown>,
    /// How many of the oldest lines went (over [`MAX_LINES`]).
    pub dropped: usize,
    pub paused: bool,
    pub filter: String,
    pub filter_input: Option<LineInput>,
    /// A request id to go to as soon as one of its lines shows.
    pub jump: Option<String>,
    pub scroll: Scroll,
}

impl LogsView {
    pub fn new(subject: Subject, id: RequestId) -> LogsView {
        let mut scroll = Scroll::default();
        scroll.to_end();
        LogsView {
            subject,
            load: Load::Loading(id),
            group: None,
            feed: None,
            lines: VecDeque::new(),
            held: VecDeque::new(),
            dropped: 0,
            paused: false,
            filter: String::new(),
            filter_input: None,
            jump: None,
            scroll,
        }
    }

    /// Starts reading `subject`'s log lines of the last hour and following new ones; with
    /// `jump`, the view goes to that request's lines when they arrive.
    pub fn start(subject: Subject, jump: Option<String>, cx: &mut Cx) -> View {
        let id = cx.id();
        cx.push(Effect::Logs {
            id,
            subject: subject.clone(),
            window_ms: WINDOW_MS,
        });
        let mut view = LogsView::new(subject, id);
        view.jump = jump;
        View::Logs(view)
    }

    pub fn mode(&self) -> Mode {
        if self.filter_input.is_some() {
            Mode::Filter
        } else {
            Mode::Logs
        }
    }

    /// Whether it waits (for the log group); following is not waiting.
    pub fn busy(&self) -> bool {
        self.load.pending().is_some() && self.feed.is_none()
    }

    /// How many lines are kept (shown or held while paused).
    pub fn kept(&self) -> usize {
        self.lines.len() + self.held.len()
    }

    /// The text of the lines the filter lets through, oldest first.
    pub fn visible_text(&self) -> Vec<&str> {
        self.visible().map(|l| l.text.as_str()).collect()
    }

    fn visible(&self) -> impl Iterator<Item = &Shown> {
        let needle = self.filter.to_lowercase();
        self.lines
            .iter()
            .filter(move |l| needle.is_empty() || l.hay.contains(&needle))
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        if let Some(input) = self.filter_input.as_mut() {
            match action {
                Action::Submit => self.filter_input = None,
                Action::Back => {
                    self.filter_input = None;
                    self.filter.clear();
                }
                edit => {
                    if input.edit(edit) {
                        self.filter = input.text().to_string();
                        self.scroll.to_end();
                    }
                }
            }
            return Step::Stay;
        }
        match action {
            Action::Back => {
                // Following ends with the view.
                if self.load.cancel() {
                    cx.push(Effect::Cancel(Slot::Logs));
                }
                return Step::Close;
            }
            Action::Refresh => {
                let (subject, jump) = (self.subject.clone(), self.jump.clone());
                return Step::Replace(LogsView::start(subject, jump, cx));
            }
            Action::Filter => self.filter_input = Some(LineInput::new(&self.filter)),
            Action::TogglePause => {
                self.paused = !self.paused;
                if !self.paused {
                    let held = std::mem::take(&mut self.held);
                    self.keep(held);
                    self.go_to_jump();
                }
            }
            Action::JumpToInvoke => match cx.invoked.get(&self.subject.construct_path) {
                Some(request) => {
                    self.jump = Some(request.clone());
                    if !self.go_to_jump() {
                        cx.info(format!(
                            "no line of request {} yet: the view goes there when one arrives",
                            text::safe(request)
                        ));
                    }
                }
                None => cx.info("no invoke of this function in this session yet (i on it invokes)"),
            },
            Action::Bottom => self.scroll.to_end(),
            nav => {
                self.scroll.apply(nav);
            }
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::LogsFollowing { id, group, feed } if self.load.waits_for(id) => {
                self.group = Some(group);
                self.feed = Some(feed);
            }
            Msg::LogLines { id, lines } if self.load.waits_for(id) => self.add(&lines),
            Msg::LogsEnded { id, error } if self.load.waits_for(id) => {
                self.load = Load::Failed(error);
            }
            other => return Some(other),
        }
        None
    }

    /// Lines that arrived: shown, or held while paused.
    pub fn add(&mut self, lines: &[LogLine]) {
        let shown = lines.iter().map(Shown::new);
        if self.paused {
            self.held.extend(shown);
            while self.held.len() > MAX_LINES {
                self.held.pop_front();
                self.dropped += 1;
            }
        } else {
            self.keep(shown);
            self.go_to_jump();
        }
    }

    fn keep(&mut self, shown: impl IntoIterator<Item = Shown>) {
        self.lines.extend(shown);
        while self.lines.len() > MAX_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
    }

    /// Puts the first shown line of the request to go to on top; returns whether there was one.
    fn go_to_jump(&mut self) -> bool {
        let Some(request) = &self.jump else {
            return false;
        };
        let found = self
            .visible()
            .position(|l| l.request_id.as_ref() == Some(request));
        if let Some(pos) = found {
            self.scroll.set(pos);
            self.jump = None;
        }
        found.is_some()
    }

    /// The top right: how lines arrive, or that it stopped.
    fn progress(&self, cx: &Cx) -> String {
        let count = crate::present::words::count(self.lines.len() as u64, "line");
        match (&self.load, self.feed) {
            (Load::Failed(_), _) => format!("stopped · {count} "),
            (Load::Cancelled | Load::Loaded(()), _) => format!("{count} "),
            (Load::Loading(_), None) => format!("{} finding the log group… ", spinner(cx)),
            (Load::Loading(_), Some(_)) if self.paused => {
                format!("paused · {} new · {count} ", self.held.len())
            }
            (Load::Loading(_), Some(feed)) => {
                let where_ = if self.scroll.at_end() {
                    "following"
                } else {
                    "scrolled (G follows)"
                };
                let how = match feed {
                    Feed::Live => "live".to_string(),
                    Feed::Polling { every_secs } => format!("polling every {every_secs}s"),
                };
                format!("{where_} · {how} · {count} ")
            }
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let mut title = format!(" logs {} ", text::safe(&self.subject.construct_path));
        if !self.filter.is_empty() {
            title.push_str(&format!("· filter: {} ", text::safe(&self.filter)));
        }
        let block = streaming_pane(
            cx,
            &title,
            self.progress(cx),
            " / filter · Space pause · i last invoke · G newest · r reload · Esc back ",
            area.width,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let w = inner.width as usize;
        if inner.height < 4 || w < 20 {
            return;
        }
        let mut top = inner.y;
        let mut bottom = inner.y + inner.height;
        // What is read, on top; the prompt or why it stopped at the bottom.
        let source = match &self.group {
            Some(g) => format!("{} · the last hour, then new lines", text::safe(g)),
            None => "the function's log group".to_string(),
        };
        buf.set_stringn(inner.x, top, fit(&source, w), w, theme.dim());
        top += 1;
        if let Some(input) = &self.filter_input {
            bottom -= 1;
            let pos = input.render(
                "/",
                Rect::new(inner.x, bottom, inner.width.min(48), 1),
                buf,
                Style::new(),
                theme.key(),
            );
            cx.cursor.set(Some(pos));
        }
        if let Load::Failed(e) = &self.load {
            let lines = wrap(&text::safe(&format!("✗ {e} (r tries again)")), w);
            for l in lines.iter().rev().take(2) {
                bottom -= 1;
                buf.set_stringn(inner.x, bottom, l, w, theme.error());
            }
        }
        let height = bottom.saturating_sub(top) as usize;
        let shown: Vec<&Shown> = self.visible().collect();
        if shown.is_empty() {
            let msg = if !self.lines.is_empty() {
                "no line holds the filter (/ changes it)"
            } else if self.feed.is_some() {
                "no log line in the last hour; new ones appear here"
            } else {
                ""
            };
            buf.set_stringn(inner.x, top, fit(msg, w), w, theme.dim());
            return;
        }
        let first = self.scroll.window(shown.len(), height);
        for (i, line) in shown.iter().skip(first).take(height).enumerate() {
            let style = if line.runtime {
                theme.dim()
            } else {
                Style::new()
            };
            buf.set_stringn(inner.x, top + i as u16, fit(&line.text, w), w, style);
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::*;
    use crate::aws::LogEvent;
    use crate::tui::app::App;
    use crate::tui::testing::*;

    const A: &str = "aaaa1111-1111-2222-3333-444455556666";
    const B: &str = "bbbb2222-1111-2222-3333-444455556666";

    fn line(ts: i64, request: &str, message: &str) -> LogLine {
        crate::actions::logs::parse_line(LogEvent {
            timestamp: 1_760_000_000_000 + ts,
            message: format!("2025-10-09T08:53:20.000Z\t{request}\tINFO\t{message}\n"),
            event_id: Some(format!("e{ts}")),
            stream: Some("2025/10/09/[$LATEST]abc".into()),
        })
    }

    fn view(app: &App) -> &LogsView {
        match app.views.last() {
            Some(View::Logs(v)) => v,
            other => panic!("{other:?}"),
        }
    }

    /// The log view of requestorFn, following, with three lines of two requests.
    fn following() -> (App, RequestId) {
        let mut app = app();
        select(&mut app, "requestorFn");
        press(&mut app, KeyCode::Char('l'));
        assert_eq!(app.mode(), Mode::Logs);
        let effects = app.take_effects();
        let Some(Effect::Logs { id, window_ms, .. }) = effects.last() else {
            panic!("{effects:?}")
        };
        assert_eq!(*window_ms, WINDOW_MS, "the last hour, as the CLI");
        let id = *id;
        assert!(app.busy(), "finding the group");
        app.receive(Msg::LogsFollowing {
            id,
            group: "/aws/lambda/requestorFn".into(),
            feed: Feed::Polling { every_secs: 1 },
        });
        assert!(!app.busy(), "following is not waiting");
        app.receive(Msg::LogLines {
            id,
            lines: vec![
                line(0, A, "first"),
                line(1, B, "second"),
                line(2, A, "third \u{1b}[2J"),
            ],
        });
        (app, id)
    }

    #[test]
    fn lines_arrive_sanitized_and_stale_ones_are_dropped() {
        let (mut app, id) = following();
        let text = view(&app).visible_text().join("\n");
        assert!(text.contains("aaaa1111  INFO  first"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("third \\x1b[2J"), "{text}");
        app.receive(Msg::LogLines {
            id: RequestId(id.0 + 100),
            lines: vec![line(9, "x", "stale")],
        });
        assert_eq!(view(&app).kept(), 3);
        let screen = screen(&app, 80, 24);
        assert!(
            screen.contains("following · polling every 1s · 3 lines"),
            "{screen}"
        );
    }

    #[test]
    fn pause_keeps_new_lines_until_resumed() {
        let (mut app, id) = following();
        press(&mut app, KeyCode::Char(' '));
        app.receive(Msg::LogLines {
            id,
            lines: vec![line(3, "cccc", "while paused")],
        });
        assert_eq!(view(&app).visible_text().len(), 3, "not shown while paused");
        assert!(screen(&app, 80, 24).contains("paused · 1 new · 3 lines"));
        press(&mut app, KeyCode::Char(' '));
        let shown = view(&app).visible_text();
        assert_eq!(shown.len(), 4);
        assert!(shown[3].ends_with("while paused"));
    }

    #[test]
    fn the_filter_shows_matching_lines_and_esc_clears_it() {
        let (mut app, _) = following();
        press(&mut app, KeyCode::Char('/'));
        assert_eq!(app.mode(), Mode::Filter);
        typed(&mut app, "AAAA1111");
        assert_eq!(view(&app).visible_text().len(), 2, "any case");
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.mode(), Mode::Logs);
        assert!(screen(&app, 160, 48).contains("filter: AAAA1111"));
        press(&mut app, KeyCode::Char('/'));
        press(&mut app, KeyCode::Esc);
        assert_eq!(view(&app).visible_text().len(), 3);
    }

    #[test]
    fn from_an_invoke_result_it_goes_to_that_invoke_when_its_lines_arrive() {
        let mut app = app();
        select(&mut app, "requestorFn");
        press(&mut app, KeyCode::Char('i'));
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Char('y'));
        let id = request_of(&app.take_effects()).unwrap();
        let mut result = requestor_result("fn");
        result.request_id = Some(B.into());
        app.receive(Msg::Invoked {
            id,
            result: Ok(result),
        });
        press(&mut app, KeyCode::Char('l'));
        assert_eq!(
            app.mode(),
            Mode::Logs,
            "l in the invoke result opens the log view"
        );
        let id = request_of(&app.take_effects()).unwrap();
        assert_eq!(view(&app).jump.as_deref(), Some(B));
        app.receive(Msg::LogsFollowing {
            id,
            group: "/aws/lambda/fn".into(),
            feed: Feed::Polling { every_secs: 1 },
        });
        let many: Vec<LogLine> = (0..100)
            .map(|i| line(i, A, &format!("line {i}")))
            .chain([line(100, B, "the invoke")])
            .collect();
        app.receive(Msg::LogLines { id, lines: many });
        let v = view(&app);
        assert!(v.jump.is_none(), "gone there");
        assert!(!v.scroll.at_end(), "no longer following the newest");
        let screen = screen(&app, 80, 24);
        assert!(screen.contains("bbbb2222  INFO  the invoke"), "{screen}");
        assert!(screen.contains("scrolled (G follows)"), "{screen}");
        press(&mut app, KeyCode::Char('G'));
        assert!(view(&app).scroll.at_end());
        // i goes there again; Esc closes the view and stops following.
        press(&mut app, KeyCode::Char('i'));
        assert!(!view(&app).scroll.at_end());
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.mode(), Mode::Result);
        assert!(
            app.take_effects()
                .iter()
                .any(|e| matches!(e, Effect::Cancel(Slot::Logs)))
        );
    }

    #[test]
    fn no_invoke_yet_says_so_and_a_failure_is_shown() {
        let (mut app, id) = following();
        press(&mut app, KeyCode::Char('i'));
        assert!(
            app.cx
                .status
                .as_ref()
                .unwrap()
                .text
                .contains("no invoke of this function"),
            "{:?}",
            app.cx.status
        );
        app.receive(Msg::LogsEnded {
            id,
            error: "logs:FilterLogEvents in us-east-1: AccessDeniedException".into(),
        });
        let screen = screen(&app, 80, 24);
        assert!(
            screen.contains("✗ logs:FilterLogEvents in us-east-1"),
            "{screen}"
        );
        assert!(screen.contains("stopped · 3 lines"), "{screen}");
        // r reads again, in a new view in its place.
        press(&mut app, KeyCode::Char('r'));
        assert!(matches!(
            app.take_effects().as_slice(),
            [Effect::Logs { .. }]
        ));
        assert_eq!(app.views.len(), 1);
        assert_eq!(view(&app).kept(), 0);
    }

    #[test]
    fn a_rest_api_has_a_log_view_of_its_stage_logs() {
        let mut app = app();
        select(&mut app, "iam-backed-api");
        press(&mut app, KeyCode::Char('l'));
        assert_eq!(app.views.len(), 1);
        assert!(matches!(
            app.take_effects().as_slice(),
            [Effect::Logs { .. }]
        ));
    }

    #[test]
    fn memory_is_bounded() {
        let mut v = LogsView::new(app().subject(0), RequestId(1));
        let lines: Vec<LogLine> = (0..(MAX_LINES as i64 + 5))
            .map(|i| line(i, "r", "x"))
            .collect();
        v.add(&lines);
        assert_eq!((v.kept(), v.dropped), (MAX_LINES, 5));
    }
}
