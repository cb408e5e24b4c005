//! The action menu of one resource: every catalogue command for it (cdkx's own actions with
//! their hotkeys from [`VERBS`], the user's `exec`/`open` commands numbered 1-9), plus copying
//! the physical id.

use std::collections::HashSet;

use indexmap::IndexMap;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{Run, Step};
use crate::actions::Subject;
use crate::actions::listing::is_listing;
use crate::catalogue::{Command, CommandKind, NativeAction, Source};
use crate::model::Resolved;
use crate::tui::cx::Cx;
use crate::tui::keymap::{Action, VERBS, Verb, verb_for_native, verb_spec};
use crate::tui::text::{self, fit, pad};
use crate::tui::widgets::cursor::step;
use crate::tui::widgets::pane::popup;

#[derive(Debug, Clone)]
pub enum MenuTarget {
    Verb(Verb),
    /// A built-in listing (`ls`, `scan`, ...): its view.
    Listing(NativeAction),
    Command(Command),
}

#[derive(Debug, Clone)]
pub struct MenuItem {
    pub key: Option<char>,
    pub name: String,
    pub kind: String,
    pub help: String,
    pub target: MenuTarget,
}

/// The menu of what the catalogue has for `subject`.
pub fn items_for(cx: &Cx, subject: &Subject) -> Vec<MenuItem> {
    let commands = cx
        .catalogue
        .commands_for(subject.fqn.as_deref(), Some(&subject.cfn_type));
    items(&commands)
}

/// The menu for a construct's commands (as `CommandCatalogue::commands_for` gives them): cdkx's
/// actions first in the verb table's order, then the user's commands in the file's order.
pub fn items(commands: &IndexMap<String, Command>) -> Vec<MenuItem> {
    let mut keyed: Vec<(usize, MenuItem)> = Vec::new();
    let mut verbs_seen = HashSet::new();
    let mut number = 0u32;
    for (name, cmd) in commands {
        let spec = cmd.native().and_then(verb_for_native);
        let mut help = cmd
            .description
            .clone()
            .unwrap_or_else(|| cmd.template.clone());
        if cmd.source != Source::BuiltIn {
            help.push_str(&format!(" [{}]", cmd.source));
        } else {
            help = without_flags(&help);
        }
        let (order, key, target) = match spec {
            Some(spec) => {
                let order = VERBS.iter().position(|v| v.verb == spec.verb).unwrap_or(0);
                let key = verbs_seen.insert(spec.verb).then_some(spec.key);
                (order, key, MenuTarget::Verb(spec.verb))
            }
            None if let Some(action) = cmd.native().filter(|a| is_listing(*a)) => {
                (VERBS.len(), None, MenuTarget::Listing(action))
            }
            // Every native action has a view (see the test below); a new one without a view
            // still shows, and says where it runs.
            None if cmd.kind == CommandKind::Native => {
                help = format!("(command line only) {help}");
                (VERBS.len(), None, MenuTarget::Command(cmd.clone()))
            }
            None => {
                number += 1;
                let key = char::from_digit(number, 10).filter(|_| number <= 9);
                (VERBS.len() + 1, key, MenuTarget::Command(cmd.clone()))
            }
        };
        keyed.push((
            order,
            MenuItem {
                key,
                name: name.clone(),
                kind: cmd.kind.to_string(),
                help,
                target,
            },
        ));
    }
    let copy = verb_spec(Verb::Copy);
    keyed.push((
        VERBS.iter().position(|v| v.verb == Verb::Copy).unwrap_or(0),
        MenuItem {
            key: Some(copy.key),
            name: copy.name.to_string(),
            kind: "cdkx".into(),
            help: copy.help.to_string(),
            target: MenuTarget::Verb(Verb::Copy),
        },
    ));
    keyed.sort_by_key(|(order, _)| *order);
    keyed.into_iter().map(|(_, i)| i).collect()
}

#[derive(Debug)]
pub struct MenuView {
    /// The construct it acts on.
    pub resolved: Resolved,
    pub items: Vec<MenuItem>,
    pub selected: usize,
}

impl MenuView {
    /// The menu of a construct, with what the catalogue has for it.
    pub fn new(cx: &Cx, resolved: Resolved) -> MenuView {
        let items = items_for(cx, &cx.subject(&resolved));
        MenuView {
            resolved,
            items,
            selected: 0,
        }
    }

    pub fn navigate(&mut self, action: Action) {
        let n = self.items.len();
        // The whole menu is on screen: a page is all of it, and up and down go round.
        if let Some(to) = step(self.selected, n, n, action, true) {
            self.selected = to;
        }
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        let subject = || cx.subject(&self.resolved);
        match action {
            Action::Back => Step::Close,
            Action::Refresh => Step::Run(Run::RefreshIds),
            Action::Open => match self.items.get(self.selected) {
                Some(item) => Step::Run(Run::Item(subject(), item.clone())),
                None => Step::Stay,
            },
            Action::Verb(verb) => Step::Run(Run::Verb(subject(), verb)),
            Action::Command(n) => {
                let key = char::from_digit(n.into(), 10);
                match self.items.iter().find(|i| i.key == key) {
                    Some(item) => Step::Run(Run::Item(subject(), item.clone())),
                    None => {
                        cx.error(format!("no command numbered {n} here"));
                        Step::Stay
                    }
                }
            }
            nav => {
                self.navigate(nav);
                Step::Stay
            }
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let subject = cx.subject(&self.resolved);
        let height = (self.items.len() + 6) as u16;
        let rect = popup(area, 76, height);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .border_style(theme.border())
            .title(Line::styled(
                format!(
                    " {} ",
                    fit(
                        &text::safe(&subject.construct_id),
                        usize::from(rect.width).saturating_sub(4)
                    )
                ),
                theme.title(),
            ))
            .title_bottom(Line::styled(" Enter run · Esc back · ? help ", theme.dim()));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let w = inner.width as usize;
        let kind = match &subject.fqn {
            Some(f) => format!("{} ({})", crate::model::short_fqn(f), subject.cfn_type),
            None => subject.cfn_type.clone(),
        };
        let facts = [
            ("path", subject.construct_path.clone()),
            ("type", kind),
            ("physical id", subject.physical_state.clone()),
        ];
        for (i, (k, v)) in facts.iter().enumerate() {
            let line = Line::from(vec![
                Span::styled(format!("{k:<12}"), theme.dim()),
                Span::raw(fit(&text::safe(v), w.saturating_sub(12)).into_owned()),
            ]);
            buf.set_line(inner.x, inner.y + i as u16, &line, inner.width);
        }
        let top = inner.y + 4;
        let name_w = self
            .items
            .iter()
            .map(|i| text::width(&i.name))
            .max()
            .unwrap_or(0)
            .min(18);
        for (i, item) in self.items.iter().enumerate() {
            let y = top + i as u16;
            if y >= inner.y + inner.height {
                break;
            }
            let key = item.key.map(|k| k.to_string()).unwrap_or_default();
            let name = pad(&text::safe(&item.name), name_w);
            let rest = w.saturating_sub(name_w + 5);
            let line = Line::from(vec![
                Span::styled(format!(" {key:1} "), theme.key()),
                Span::raw(format!("{name}  ")),
                Span::styled(fit(&text::safe(&item.help), rest).into_owned(), theme.dim()),
            ]);
            buf.set_line(inner.x, y, &line, inner.width);
            if i == self.selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected());
            }
        }
    }
}

/// A built-in command's description without the command line's flags: the TUI speaks in keys.
/// `Invoke the function (--payload, --log)` -> `Invoke the function`.
fn without_flags(help: &str) -> String {
    let mut out = String::with_capacity(help.len());
    let mut rest = help;
    while let Some(open) = rest.find(" (") {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let inside = &rest[open + 2..open + close];
        out.push_str(&rest[..open]);
        if !inside.contains("--") {
            out.push_str(&rest[open..=open + close]);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::CommandCatalogue;

    #[test]
    fn every_native_action_runs_in_the_tui() {
        for action in crate::catalogue::NativeAction::ALL {
            assert!(
                verb_for_native(action).is_some() || is_listing(action),
                "{action:?} has neither a verb nor a listing view: the menu would say \"command line only\""
            );
        }
    }

    #[test]
    fn menu_help_speaks_in_keys_not_flags() {
        assert_eq!(
            without_flags("Invoke the function and show its answer (--payload, --log)"),
            "Invoke the function and show its answer"
        );
        assert_eq!(
            without_flags("Who (trail data events) called"),
            "Who (trail data events) called"
        );
        let catalogue = CommandCatalogue::builtin();
        let commands = catalogue.commands_for(
            Some("aws-cdk-lib.aws_lambda_nodejs.NodejsFunction"),
            Some("AWS::Lambda::Function"),
        );
        for item in items(&commands) {
            assert!(!item.help.contains("--"), "{:?}", item.help);
        }
    }

    #[test]
    fn a_function_gets_every_native_action_with_its_key_and_numbered_commands() {
        let catalogue = CommandCatalogue::builtin();
        let commands = catalogue.commands_for(
            Some("aws-cdk-lib.aws_lambda_nodejs.NodejsFunction"),
            Some("AWS::Lambda::Function"),
        );
        let items = items(&commands);
        let keys: Vec<(Option<char>, &str)> =
            items.iter().map(|i| (i.key, i.name.as_str())).collect();
        assert_eq!(
            keys,
            [
                (Some('d'), "describe"),
                (Some('i'), "invoke"),
                (Some('o'), "console"),
                (None, "visit-console"),
                (Some('a'), "audit"),
                (Some('e'), "audit-console"),
                (Some('w'), "invocations"),
                (Some('l'), "logs"),
                (Some('m'), "metrics"),
                (Some('y'), "copy id"),
            ]
        );
        let api = catalogue.commands_for(
            Some("aws-cdk-lib.aws_apigateway.RestApi"),
            Some("AWS::ApiGateway::RestApi"),
        );
        let keys: Vec<Option<char>> = super::items(&api).iter().map(|i| i.key).collect();
        assert!(keys.contains(&Some('p')), "{keys:?}");
        assert!(keys.contains(&Some('w')), "{keys:?}");
    }
}
