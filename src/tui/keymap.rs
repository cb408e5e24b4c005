//! The keymap: a pure function from the current [`Mode`] and a key to an [`Action`]. Two tables
//! drive it, [`BINDINGS`] (moving, views, typing) and [`VERBS`] (what can be done to a resource),
//! and the same tables generate the help screen, the hints line and the action menu's hotkeys,
//! so what a key does and what the screen says it does cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::catalogue::NativeAction;

/// What has the keyboard: the view on top, or the prompt being typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The resource list (the main screen).
    List,
    /// Typing a `/` filter (over the list or the audit table).
    Filter,
    /// Typing a `:` jump target.
    Jump,
    /// The action menu of one resource.
    Menu,
    Help,
    /// What AWS knows of a resource.
    Describe,
    /// A scrollable document: an audit event's JSON.
    Document,
    /// Typing an invoke payload.
    Payload,
    /// Asking before an action with side effects.
    Confirm,
    /// An invoke result.
    Result,
    Audit,
    /// A console URL that was opened.
    Console,
    /// The probe of an API: the unsigned and the signed answer side by side.
    Probe,
    /// Typing the probe's request (method, path, body, stage).
    ProbeForm,
    /// Who called a function or an API.
    Invocations,
    /// A function's log lines, following new ones.
    Logs,
    /// A built-in listing (`ls`, `scan`, `stages`, ...) as a table.
    Listing,
    /// A function's or an API's CloudWatch metrics.
    Metrics,
}

impl Mode {
    pub const ALL: [Mode; 18] = [
        Mode::List,
        Mode::Filter,
        Mode::Jump,
        Mode::Menu,
        Mode::Help,
        Mode::Describe,
        Mode::Document,
        Mode::Payload,
        Mode::Confirm,
        Mode::Result,
        Mode::Audit,
        Mode::Console,
        Mode::Probe,
        Mode::ProbeForm,
        Mode::Invocations,
        Mode::Logs,
        Mode::Listing,
        Mode::Metrics,
    ];

    /// Modes where printable keys are text, not commands.
    pub fn is_typing(self) -> bool {
        matches!(
            self,
            Mode::Filter | Mode::Jump | Mode::Payload | Mode::ProbeForm
        )
    }
}

/// Something that can be done to a resource, from the list or its action menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Describe,
    Invoke,
    Console,
    Audit,
    AuditConsole,
    /// Call an API unsigned and signed.
    Probe,
    /// Who called a function or an API.
    Invocations,
    /// A function's log lines, following new ones.
    Logs,
    /// A function's or a REST API's CloudWatch metrics.
    Metrics,
    /// Copy the physical id to the clipboard (in the console view: the URL).
    Copy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Quit from anywhere (ctrl-c).
    ForceQuit,
    /// Quit from the main screen.
    Quit,
    /// Cancel what is running in the view, else go back.
    Back,
    Help,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// Enter: open the selected thing.
    Open,
    Filter,
    Jump,
    Refresh,
    Verb(Verb),
    /// Run the user's command with this number in the action menu (1-9).
    Command(u8),
    ToggleCrossAccount,
    ToggleLog,
    ToggleRaw,
    /// Probe: show or hide the signed request.
    ToggleSigned,
    /// Probe: edit the request.
    Edit,
    /// Invocations: group by account, principal, day.
    CycleGroup,
    /// Invocations: the next time window.
    CycleWindow,
    /// Logs: stop showing new lines (they are kept), or show them again.
    TogglePause,
    /// Logs: to the lines of the last invoke (its request id).
    JumpToInvoke,
    Confirm,
    // Line editing in a prompt.
    Submit,
    Input(char),
    Backspace,
    Delete,
    /// The next field of a form (Tab), the previous one (shift-Tab).
    NextField,
    PrevField,
    Left,
    Right,
    Home,
    End,
    ClearInput,
}

/// A key as the tables name it: a code and its modifiers (shift is part of the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

impl Key {
    /// How help and hints write the key.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "shift-Tab".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("ctrl-{base}")
        } else {
            base
        }
    }

    fn from_event(e: &KeyEvent) -> Key {
        let mut mods = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        if let KeyCode::Char(c) = e.code
            && e.modifiers.contains(KeyModifiers::CONTROL)
        {
            // Some terminals report ctrl-R as ctrl+shift+r: both are ctrl-r here.
            mods |= KeyModifiers::CONTROL;
            return Key {
                code: KeyCode::Char(c.to_ascii_lowercase()),
                mods,
            };
        }
        Key { code: e.code, mods }
    }
}

/// Where the help screen lists a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Everywhere,
    Moving,
    List,
    Menu,
    Views,
    Audit,
    Probe,
    Invocations,
    Logs,
    Listing,
    Typing,
}

impl Section {
    pub const ORDER: [Section; 11] = [
        Section::Everywhere,
        Section::List,
        Section::Menu,
        Section::Moving,
        Section::Views,
        Section::Audit,
        Section::Probe,
        Section::Invocations,
        Section::Logs,
        Section::Listing,
        Section::Typing,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Everywhere => "Everywhere",
            Section::Moving => "Moving (lists, menus, documents)",
            Section::List => "Resource list",
            Section::Menu => "Actions on a resource (list and action menu)",
            Section::Views => "Describe, invoke, console",
            Section::Audit => "Audit",
            Section::Probe => "Probe (unsigned | signed)",
            Section::Invocations => "Invocations",
            Section::Logs => "Logs",
            Section::Listing => "Listings (stages, ls, attributes, scan, policies, ...)",
            Section::Typing => "Typing (filter, jump, payload, probe request)",
        }
    }
}

pub struct Binding {
    pub modes: &'static [Mode],
    pub keys: &'static [Key],
    pub action: Action,
    pub section: Section,
    pub help: &'static str,
    /// The word the hints line shows for this binding in its modes, if any.
    pub hint: Option<&'static str>,
}

use Mode::*;

const NAV: &[Mode] = &[
    List,
    Menu,
    Help,
    Describe,
    Document,
    Confirm,
    Result,
    Audit,
    Console,
    Probe,
    Invocations,
    Logs,
    Listing,
    Metrics,
];
const NOT_LIST: &[Mode] = &[
    Menu,
    Help,
    Describe,
    Document,
    Confirm,
    Result,
    Audit,
    Console,
    Probe,
    Invocations,
    Logs,
    Listing,
    Metrics,
];
const SCROLL: &[Mode] = &[
    List,
    Menu,
    Help,
    Describe,
    Document,
    Result,
    Audit,
    Probe,
    Invocations,
    Logs,
    Listing,
    Metrics,
];
const REFRESH: &[Mode] = &[
    List,
    Menu,
    Describe,
    Result,
    Audit,
    Probe,
    Invocations,
    Logs,
    Listing,
    Metrics,
];
const TYPING: &[Mode] = &[Filter, Jump, Payload, ProbeForm];
const DIGITS: &[Key] = &[
    ch('1'),
    ch('2'),
    ch('3'),
    ch('4'),
    ch('5'),
    ch('6'),
    ch('7'),
    ch('8'),
    ch('9'),
];

/// Every binding but the resource verbs. The first binding of a mode that has the key wins.
pub const BINDINGS: &[Binding] = &[
    Binding {
        modes: &Mode::ALL,
        keys: &[ctrl('c')],
        action: Action::ForceQuit,
        section: Section::Everywhere,
        help: "quit cdkx, from anywhere",
        hint: None,
    },
    Binding {
        modes: NOT_LIST,
        keys: &[code(KeyCode::Esc)],
        action: Action::Back,
        section: Section::Everywhere,
        help: "back (first cancels a request that is running)",
        hint: Some("back"),
    },
    Binding {
        modes: NAV,
        keys: &[ch('?')],
        action: Action::Help,
        section: Section::Everywhere,
        help: "this help",
        hint: Some("help"),
    },
    Binding {
        modes: REFRESH,
        keys: &[ch('r'), ctrl('r')],
        action: Action::Refresh,
        section: Section::Everywhere,
        help: "refresh: physical ids (list, menu), or run the view's request again",
        hint: Some("refresh"),
    },
    Binding {
        modes: SCROLL,
        keys: &[ch('j'), code(KeyCode::Down)],
        action: Action::Down,
        section: Section::Moving,
        help: "down",
        hint: None,
    },
    Binding {
        modes: SCROLL,
        keys: &[ch('k'), code(KeyCode::Up)],
        action: Action::Up,
        section: Section::Moving,
        help: "up",
        hint: None,
    },
    Binding {
        modes: SCROLL,
        keys: &[ch('g'), code(KeyCode::Home)],
        action: Action::Top,
        section: Section::Moving,
        help: "to the top",
        hint: None,
    },
    Binding {
        modes: SCROLL,
        keys: &[ch('G'), code(KeyCode::End)],
        action: Action::Bottom,
        section: Section::Moving,
        help: "to the bottom",
        hint: None,
    },
    Binding {
        modes: SCROLL,
        keys: &[code(KeyCode::PageDown), ctrl('d')],
        action: Action::PageDown,
        section: Section::Moving,
        help: "a page down",
        hint: None,
    },
    Binding {
        modes: SCROLL,
        keys: &[code(KeyCode::PageUp), ctrl('u')],
        action: Action::PageUp,
        section: Section::Moving,
        help: "a page up",
        hint: None,
    },
    Binding {
        modes: &[List],
        keys: &[code(KeyCode::Enter)],
        action: Action::Open,
        section: Section::List,
        help: "the action menu of the selected resource",
        hint: Some("actions"),
    },
    Binding {
        modes: &[List, Audit],
        keys: &[ch('/')],
        action: Action::Filter,
        section: Section::List,
        help: "filter: a substring of any column, any case (also in the audit table)",
        hint: Some("filter"),
    },
    Binding {
        modes: &[List],
        keys: &[ch(':')],
        action: Action::Jump,
        section: Section::List,
        help: "jump to a stack by name, or to the next resource of a type",
        hint: Some("jump"),
    },
    Binding {
        modes: &[List],
        keys: &[code(KeyCode::Esc)],
        action: Action::Back,
        section: Section::List,
        help: "clear the filter",
        hint: None,
    },
    Binding {
        modes: &[List],
        keys: &[ch('q')],
        action: Action::Quit,
        section: Section::List,
        help: "quit",
        hint: Some("quit"),
    },
    Binding {
        modes: &[Menu],
        keys: &[code(KeyCode::Enter)],
        action: Action::Open,
        section: Section::Menu,
        help: "run the selected action",
        hint: Some("run"),
    },
    Binding {
        modes: &[Menu],
        keys: DIGITS,
        action: Action::Command(0),
        section: Section::Menu,
        help: "run your own command (construct-commands.json) by its number",
        hint: None,
    },
    Binding {
        modes: &[Describe],
        keys: &[ch('v')],
        action: Action::ToggleRaw,
        section: Section::Views,
        help: "describe: sections or raw JSON",
        hint: Some("raw/sections"),
    },
    Binding {
        modes: &[Describe],
        keys: &[ch('m')],
        action: Action::Verb(Verb::Metrics),
        section: Section::Views,
        help: "describe: the metrics of its panel in a view of their own, any window",
        hint: None,
    },
    Binding {
        modes: &[Confirm],
        keys: &[ch('y'), code(KeyCode::Enter)],
        action: Action::Confirm,
        section: Section::Views,
        help: "invoke: yes, invoke the function now",
        hint: Some("invoke"),
    },
    Binding {
        modes: &[Confirm],
        keys: &[ch('n')],
        action: Action::Back,
        section: Section::Views,
        help: "invoke: no, back to the payload",
        hint: Some("no"),
    },
    Binding {
        modes: &[Result],
        keys: &[ch('l')],
        action: Action::Verb(Verb::Logs),
        section: Section::Views,
        help: "invoke result: the function's log lines, at this invoke's",
        hint: Some("logs"),
    },
    Binding {
        modes: &[Result],
        keys: &[ch('t')],
        action: Action::ToggleLog,
        section: Section::Views,
        help: "invoke result: show or hide the log tail Lambda returned",
        hint: Some("log tail"),
    },
    Binding {
        modes: &[Console],
        keys: &[ch('o')],
        action: Action::Verb(Verb::Console),
        section: Section::Views,
        help: "console: open the browser again",
        hint: Some("open"),
    },
    Binding {
        modes: &[Console],
        keys: &[ch('y')],
        action: Action::Verb(Verb::Copy),
        section: Section::Views,
        help: "console: copy the URL (OSC 52)",
        hint: Some("copy"),
    },
    Binding {
        modes: &[Audit],
        keys: &[code(KeyCode::Enter)],
        action: Action::Open,
        section: Section::Audit,
        help: "the event's full JSON; on the last row, load more",
        hint: Some("event"),
    },
    Binding {
        modes: &[Audit],
        keys: &[ch('c')],
        action: Action::ToggleCrossAccount,
        section: Section::Audit,
        help: "cross-account events only, or all",
        hint: Some("cross-account"),
    },
    Binding {
        modes: &[Probe],
        keys: &[ch('e')],
        action: Action::Edit,
        section: Section::Probe,
        help: "edit the request: method, path, body, stage",
        hint: Some("edit"),
    },
    Binding {
        modes: &[Probe],
        keys: &[ch('s')],
        action: Action::ToggleSigned,
        section: Section::Probe,
        help: "show or hide the signed request (signature and token redacted)",
        hint: Some("signed request"),
    },
    Binding {
        modes: &[Invocations],
        keys: &[ch('b')],
        action: Action::CycleGroup,
        section: Section::Invocations,
        help: "summary by caller account, principal or day",
        hint: Some("group by"),
    },
    Binding {
        modes: &[Invocations],
        keys: &[ch('t')],
        action: Action::CycleWindow,
        section: Section::Invocations,
        help: "time window: last hour, day, 7 days, 30 days (reads again)",
        hint: Some("window"),
    },
    Binding {
        modes: &[Invocations],
        keys: &[ch('c')],
        action: Action::ToggleCrossAccount,
        section: Section::Invocations,
        help: "cross-account calls only, or all",
        hint: Some("cross-account"),
    },
    Binding {
        modes: &[Invocations],
        keys: &[ch('y')],
        action: Action::Verb(Verb::Copy),
        section: Section::Invocations,
        help: "copy the command that sets up a source that is not set up (OSC 52)",
        hint: Some("copy setup"),
    },
    Binding {
        modes: &[Metrics],
        keys: &[ch('t')],
        action: Action::CycleWindow,
        section: Section::Views,
        help: "metrics: time window: last hour, 3 hours, day, 7 days",
        hint: Some("window"),
    },
    Binding {
        modes: &[Logs],
        keys: &[ch('/')],
        action: Action::Filter,
        section: Section::Logs,
        help: "show only the lines that hold a substring, any case",
        hint: Some("filter"),
    },
    Binding {
        modes: &[Logs],
        keys: &[ch(' ')],
        action: Action::TogglePause,
        section: Section::Logs,
        help: "pause: new lines are kept but not shown; again to show them",
        hint: Some("pause"),
    },
    Binding {
        modes: &[Logs],
        keys: &[ch('i')],
        action: Action::JumpToInvoke,
        section: Section::Logs,
        help: "to the lines of the last invoke in this session (its request id)",
        hint: Some("last invoke"),
    },
    Binding {
        modes: &[Listing],
        keys: &[code(KeyCode::Enter)],
        action: Action::Open,
        section: Section::Listing,
        help: "the row's item as JSON; in ls, a prefix (\"folder\"): list what is under it",
        hint: Some("open"),
    },
    Binding {
        modes: &[Listing],
        keys: &[code(KeyCode::Backspace)],
        action: Action::Backspace,
        section: Section::Listing,
        help: "ls: up one prefix",
        // Only ls has prefixes: its pane says "Backspace up"; the status line would say it for
        // every listing.
        hint: None,
    },
    Binding {
        modes: &[ProbeForm],
        keys: &[code(KeyCode::Tab), code(KeyCode::Down)],
        action: Action::NextField,
        section: Section::Typing,
        help: "probe request: the next field",
        hint: Some("next field"),
    },
    Binding {
        modes: &[ProbeForm],
        keys: &[code(KeyCode::BackTab), code(KeyCode::Up)],
        action: Action::PrevField,
        section: Section::Typing,
        help: "probe request: the previous field",
        hint: None,
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::Enter)],
        action: Action::Submit,
        section: Section::Typing,
        help: "done (payload: go on to invoke; probe request: send it)",
        hint: Some("done"),
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::Esc)],
        action: Action::Back,
        section: Section::Typing,
        help: "cancel (a filter is cleared)",
        hint: Some("cancel"),
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::Backspace)],
        action: Action::Backspace,
        section: Section::Typing,
        help: "delete before the cursor",
        hint: None,
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::Delete)],
        action: Action::Delete,
        section: Section::Typing,
        help: "delete at the cursor",
        hint: None,
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::Left)],
        action: Action::Left,
        section: Section::Typing,
        help: "cursor left",
        hint: None,
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::Right)],
        action: Action::Right,
        section: Section::Typing,
        help: "cursor right",
        hint: None,
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::Home), ctrl('a')],
        action: Action::Home,
        section: Section::Typing,
        help: "to the start",
        hint: None,
    },
    Binding {
        modes: TYPING,
        keys: &[code(KeyCode::End), ctrl('e')],
        action: Action::End,
        section: Section::Typing,
        help: "to the end",
        hint: None,
    },
    Binding {
        modes: TYPING,
        keys: &[ctrl('u')],
        action: Action::ClearInput,
        section: Section::Typing,
        help: "clear",
        hint: None,
    },
];

/// One thing that can be done to a resource: its hotkey in the list and the action menu, and
/// the catalogue's native action it stands for (`None`: cdkx's own, shown for every resource).
pub struct VerbSpec {
    pub verb: Verb,
    pub key: char,
    pub name: &'static str,
    pub native: Option<NativeAction>,
    pub help: &'static str,
}

/// The resource verbs. A catalogue command whose `native` action is listed here gets the key;
/// the user's `exec`/`open` commands are numbered 1-9 in the menu instead.
pub const VERBS: &[VerbSpec] = &[
    VerbSpec {
        verb: Verb::Describe,
        key: 'd',
        name: "describe",
        native: Some(NativeAction::Describe),
        help: "what AWS knows of it",
    },
    VerbSpec {
        verb: Verb::Invoke,
        key: 'i',
        name: "invoke",
        native: Some(NativeAction::Invoke),
        help: "run a Lambda function: payload, confirmation, result",
    },
    VerbSpec {
        verb: Verb::Console,
        key: 'o',
        name: "console",
        native: Some(NativeAction::Console),
        help: "open it in the AWS console",
    },
    VerbSpec {
        verb: Verb::Audit,
        key: 'a',
        name: "audit",
        native: Some(NativeAction::Audit),
        help: "CloudTrail management events for it",
    },
    VerbSpec {
        verb: Verb::AuditConsole,
        key: 'e',
        name: "audit-console",
        native: Some(NativeAction::AuditConsole),
        help: "CloudTrail's event history for it in the console",
    },
    VerbSpec {
        verb: Verb::Probe,
        key: 'p',
        name: "probe",
        native: Some(NativeAction::Probe),
        help: "call the API unsigned and SigV4-signed, and explain both answers",
    },
    VerbSpec {
        verb: Verb::Invocations,
        key: 'w',
        name: "invocations",
        native: Some(NativeAction::Invocations),
        help: "who called it, from which accounts (trail data events, access logs)",
    },
    VerbSpec {
        verb: Verb::Logs,
        key: 'l',
        name: "logs",
        native: Some(NativeAction::Logs),
        help: "a function's log lines, following new ones as they come",
    },
    VerbSpec {
        verb: Verb::Metrics,
        key: 'm',
        name: "metrics",
        native: Some(NativeAction::Metrics),
        help: "CloudWatch metrics as sparklines: invocations, errors, duration; an API's count, errors, latency",
    },
    VerbSpec {
        verb: Verb::Copy,
        key: 'y',
        name: "copy id",
        native: None,
        help: "copy the physical id to the clipboard (OSC 52)",
    },
];

/// The verb row for a catalogue command's native action, if the TUI has a view for it.
pub fn verb_for_native(action: NativeAction) -> Option<&'static VerbSpec> {
    VERBS.iter().find(|v| v.native == Some(action))
}

pub fn verb_spec(verb: Verb) -> &'static VerbSpec {
    VERBS
        .iter()
        .find(|v| v.verb == verb)
        .expect("every verb has a row")
}

/// The action for a key in a mode; `None` when the key means nothing there.
pub fn map(mode: Mode, event: KeyEvent) -> Option<Action> {
    if event.kind != KeyEventKind::Press {
        return None;
    }
    let key = Key::from_event(&event);
    if let Some(b) = BINDINGS
        .iter()
        .find(|b| b.modes.contains(&mode) && b.keys.contains(&key))
    {
        return Some(match (b.action, key.code) {
            (Action::Command(_), KeyCode::Char(d)) => {
                Action::Command(d.to_digit(10).unwrap_or(0) as u8)
            }
            (a, _) => a,
        });
    }
    if let KeyCode::Char(c) = key.code
        && key.mods.is_empty()
    {
        if mode.is_typing() {
            return Some(Action::Input(c));
        }
        if matches!(mode, List | Menu)
            && let Some(v) = VERBS.iter().find(|v| v.key == c)
        {
            return Some(Action::Verb(v.verb));
        }
    }
    None
}

/// The hints line of a mode: `(keys, word)` in table order.
pub fn hints(mode: Mode) -> Vec<(String, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .filter_map(|b| b.hint.map(|h| (keys_label(b.keys), h)))
        .collect()
}

/// How a binding's keys are written: `j/↓`, `1-9`.
pub fn keys_label(keys: &[Key]) -> String {
    if keys.len() > 2
        && keys
            .iter()
            .all(|k| matches!(k.code, KeyCode::Char(c) if c.is_ascii_digit()))
    {
        return format!(
            "{}-{}",
            keys[0].label(),
            keys.last().expect("non-empty").label()
        );
    }
    keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// The help screen's rows: per section, `(keys, what it does)`, from the same tables.
pub fn help() -> Vec<(&'static str, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for section in Section::ORDER {
        let mut rows: Vec<(String, String)> = BINDINGS
            .iter()
            .filter(|b| b.section == section)
            .map(|b| (keys_label(b.keys), b.help.to_string()))
            .collect();
        if section == Section::Menu {
            let verbs = VERBS
                .iter()
                .map(|v| (v.key.to_string(), format!("{}: {}", v.name, v.help)));
            rows.splice(0..0, verbs);
        }
        out.push((section.title(), rows));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn press(c: char) -> KeyEvent {
        key(KeyCode::Char(c))
    }

    #[test]
    fn the_list_keys_do_what_the_issue_says() {
        assert_eq!(map(List, press('j')), Some(Action::Down));
        assert_eq!(map(List, key(KeyCode::Down)), Some(Action::Down));
        assert_eq!(map(List, press('k')), Some(Action::Up));
        assert_eq!(map(List, press('g')), Some(Action::Top));
        assert_eq!(
            map(List, KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(map(List, key(KeyCode::PageDown)), Some(Action::PageDown));
        assert_eq!(map(List, key(KeyCode::PageUp)), Some(Action::PageUp));
        assert_eq!(map(List, press('/')), Some(Action::Filter));
        assert_eq!(map(List, press(':')), Some(Action::Jump));
        assert_eq!(map(List, key(KeyCode::Enter)), Some(Action::Open));
        assert_eq!(map(List, press('q')), Some(Action::Quit));
        assert_eq!(map(List, press('?')), Some(Action::Help));
        assert_eq!(map(List, press('d')), Some(Action::Verb(Verb::Describe)));
        assert_eq!(map(List, press('x')), None);
    }

    #[test]
    fn q_quits_only_from_the_main_screen_and_ctrl_c_always() {
        for mode in Mode::ALL {
            let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
            assert_eq!(map(mode, ctrl_c), Some(Action::ForceQuit), "{mode:?}");
            let q = map(mode, press('q'));
            match mode {
                List => assert_eq!(q, Some(Action::Quit)),
                m if m.is_typing() => assert_eq!(q, Some(Action::Input('q'))),
                _ => assert_eq!(q, None, "{mode:?}"),
            }
            assert_eq!(
                map(mode, key(KeyCode::Esc)),
                Some(Action::Back),
                "Esc goes back in {mode:?}"
            );
        }
    }

    #[test]
    fn menu_hotkeys_come_from_the_verb_table() {
        assert_eq!(map(Menu, press('i')), Some(Action::Verb(Verb::Invoke)));
        assert_eq!(map(Menu, press('o')), Some(Action::Verb(Verb::Console)));
        assert_eq!(map(Menu, press('a')), Some(Action::Verb(Verb::Audit)));
        assert_eq!(map(Menu, press('y')), Some(Action::Verb(Verb::Copy)));
        assert_eq!(map(Menu, press('r')), Some(Action::Refresh));
        assert_eq!(
            map(
                Menu,
                KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)
            ),
            Some(Action::Refresh)
        );
        assert_eq!(map(Menu, press('3')), Some(Action::Command(3)));
        assert_eq!(map(Menu, press('0')), None);
        // Verbs are not keys inside a document or while typing.
        assert_eq!(map(Describe, press('d')), None);
        assert_eq!(map(Document, press('r')), None);
        assert_eq!(map(Payload, press('d')), Some(Action::Input('d')));
    }

    #[test]
    fn probe_and_invocations_have_their_keys() {
        assert_eq!(map(List, press('p')), Some(Action::Verb(Verb::Probe)));
        assert_eq!(map(Menu, press('w')), Some(Action::Verb(Verb::Invocations)));
        assert_eq!(map(Probe, press('e')), Some(Action::Edit));
        assert_eq!(map(Probe, press('r')), Some(Action::Refresh));
        assert_eq!(map(ProbeForm, press('e')), Some(Action::Input('e')));
        assert_eq!(map(ProbeForm, key(KeyCode::Tab)), Some(Action::NextField));
        assert_eq!(
            map(
                ProbeForm,
                KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)
            ),
            Some(Action::PrevField)
        );
        assert_eq!(map(ProbeForm, key(KeyCode::Enter)), Some(Action::Submit));
        assert_eq!(map(Invocations, press('b')), Some(Action::CycleGroup));
        assert_eq!(map(Invocations, press('t')), Some(Action::CycleWindow));
        assert_eq!(map(Invocations, press('j')), Some(Action::Down));
    }

    #[test]
    fn no_key_means_two_things_in_one_mode() {
        for mode in Mode::ALL {
            let mut seen: Vec<Key> = Vec::new();
            for b in BINDINGS.iter().filter(|b| b.modes.contains(&mode)) {
                for k in b.keys {
                    assert!(!seen.contains(k), "{} twice in {mode:?}", k.label());
                    seen.push(*k);
                }
            }
            if matches!(mode, List | Menu) {
                for v in VERBS {
                    assert!(!seen.contains(&ch(v.key)), "{} in {mode:?}", v.key);
                }
            }
        }
    }

    #[test]
    fn typing_modes_take_text_and_editing_keys() {
        assert_eq!(map(Filter, press('j')), Some(Action::Input('j')));
        assert_eq!(map(Filter, press('?')), Some(Action::Input('?')));
        assert_eq!(map(Jump, press(' ')), Some(Action::Input(' ')));
        assert_eq!(map(Payload, key(KeyCode::Enter)), Some(Action::Submit));
        assert_eq!(
            map(Payload, key(KeyCode::Backspace)),
            Some(Action::Backspace)
        );
        assert_eq!(map(Payload, key(KeyCode::Left)), Some(Action::Left));
        assert_eq!(
            map(
                Payload,
                KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)
            ),
            Some(Action::ClearInput)
        );
    }

    #[test]
    fn only_presses_count() {
        let mut release = press('j');
        release.kind = KeyEventKind::Release;
        release.state = KeyEventState::NONE;
        assert_eq!(map(List, release), None);
    }

    #[test]
    fn help_and_hints_come_from_the_tables() {
        let help = help();
        let all: Vec<&(String, String)> = help.iter().flat_map(|(_, rows)| rows).collect();
        for v in VERBS {
            assert!(
                all.iter()
                    .any(|(k, h)| *k == v.key.to_string() && h.ends_with(v.help))
            );
        }
        for b in BINDINGS {
            assert!(
                all.iter()
                    .any(|(k, h)| *k == keys_label(b.keys) && h == b.help)
            );
        }
        assert!(all.iter().any(|(k, _)| k == "1-9"));
        let list: Vec<&str> = hints(List).into_iter().map(|(_, h)| h).collect();
        assert_eq!(
            list,
            ["help", "refresh", "actions", "filter", "jump", "quit"]
        );
    }
}
