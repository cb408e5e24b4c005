//! What the app does when a view asks for more than it can do alone ([`Run`]): a resource verb
//! (from the list, the menu, or another view), an action-menu item, a probe, an invoke. Each opens
//! the view that shows it; the checks (does the resource have it, READONLY, the right type) are
//! here, once, whichever key asked.

use std::collections::HashMap;

use super::cx::Cx;
use super::keymap::{Verb, verb_for_native, verb_spec};
use super::msg::{Effect, Load};
use super::text;
use super::views::audit::AuditView;
use super::views::console::ConsoleView;
use super::views::describe::DescribeView;
use super::views::invocations::{DEFAULT_WINDOW, InvocationsView};
use super::views::invoke::InvokeView;
use super::views::listing::ListingView;
use super::views::logs::LogsView;
use super::views::menu::{MenuTarget, items_for};
use super::views::metrics::MetricsView;
use super::views::payload::PayloadView;
use super::views::probe::{ProbeInput, ProbeView};
use super::views::probe_form::ProbeForm;
use super::views::{Run, View};
use crate::actions::console::{ConsoleRequest, console_url};
use crate::actions::invocations::GroupBy;
use crate::actions::{ActionError, Subject, command};
use crate::catalogue::{Command, CommandKind};
use crate::kind::ResourceKind;

/// What the app remembers per construct (by path) from one view to the next.
#[derive(Debug, Default)]
pub struct Recall {
    /// The last payload sent to each function.
    pub payloads: HashMap<String, String>,
    /// The last probe request (`e` starts from it, `p` sends it).
    pub probes: HashMap<String, ProbeInput>,
}

/// Carries out what a view asked for (all but refreshing the ids, which is the list's).
pub fn run(cx: &mut Cx, views: &mut Vec<View>, recall: &mut Recall, run: Run) {
    match run {
        Run::Verb(subject, verb) => run_verb(cx, views, recall, subject, verb),
        Run::Item(subject, item) => match &item.target {
            MenuTarget::Verb(v) => run_verb(cx, views, recall, subject, *v),
            MenuTarget::Listing(action) => {
                views.push(ListingView::start(subject, *action, String::new(), cx));
            }
            MenuTarget::Command(cmd) => run_command(cx, views, recall, subject, &item.name, cmd),
        },
        Run::Probe(subject, input) => probe(cx, views, recall, subject, input),
        Run::Invoke(subject, payload) => {
            if matches!(views.last(), Some(View::Payload(_))) {
                views.pop();
            }
            recall
                .payloads
                .insert(subject.construct_path.clone(), payload.clone());
            views.push(InvokeView::start(subject, payload, cx));
        }
        Run::RefreshIds => unreachable!("the app refreshes the ids itself"),
    }
}

/// Runs a verb on a construct, if its catalogue has it (copy is always there).
fn run_verb(cx: &mut Cx, views: &mut Vec<View>, recall: &mut Recall, subject: Subject, verb: Verb) {
    if verb != Verb::Copy
        && !items_for(cx, &subject)
            .iter()
            .any(|i| matches!(i.target, MenuTarget::Verb(v) if v == verb))
    {
        cx.error(format!(
            "{} has no `{}` action (Enter lists its actions)",
            text::safe(&subject.construct_path),
            verb_spec(verb).name
        ));
        return;
    }
    match verb {
        Verb::Describe => views.push(DescribeView::start(subject, cx)),
        Verb::Invoke => {
            if cx.header.readonly {
                cx.error("READONLY: invoke runs the function and may change things; it is refused");
                return;
            }
            if !ResourceKind::LambdaFunction.is(&subject.cfn_type) {
                cx.error(
                    ActionError::WrongType {
                        action: "invoke",
                        construct: subject.construct_path.clone(),
                        cfn_type: subject.cfn_type.clone(),
                        expected: "a Lambda function (AWS::Lambda::Function)",
                    }
                    .to_string(),
                );
                return;
            }
            let last = recall
                .payloads
                .get(&subject.construct_path)
                .cloned()
                .unwrap_or_else(|| "{}".into());
            views.push(View::Payload(PayloadView::new(subject, &last)));
        }
        Verb::Console | Verb::AuditConsole => {
            let req = ConsoleRequest {
                audit: verb == Verb::AuditConsole,
                stage: None,
            };
            match console_url(&subject, &cx.deployment, req) {
                Ok(url) => views.push(ConsoleView::open(verb_spec(verb).name, url, cx)),
                Err(e) => cx.error(e.to_string()),
            }
        }
        Verb::Audit => views.push(AuditView::start(subject, cx)),
        Verb::Probe => {
            if !ResourceKind::ApiGatewayRestApi.is(&subject.cfn_type)
                && !ResourceKind::ApiGatewayV2Api.is(&subject.cfn_type)
            {
                cx.error(
                    ActionError::WrongType {
                        action: "probe",
                        construct: subject.construct_path.clone(),
                        cfn_type: subject.cfn_type.clone(),
                        expected: "a REST API (AWS::ApiGateway::RestApi) or an HTTP API (AWS::ApiGatewayV2::Api)",
                    }
                    .to_string(),
                );
                return;
            }
            let input = recall
                .probes
                .get(&subject.construct_path)
                .cloned()
                .unwrap_or_default();
            if let Err(e) = input.request(cx.header.readonly) {
                // A request READONLY refuses: edit it instead of sending it.
                cx.error(e);
                views.push(View::ProbeForm(ProbeForm::new(subject, &input)));
                return;
            }
            probe(cx, views, recall, subject, input);
        }
        Verb::Invocations => views.push(InvocationsView::start(
            subject,
            DEFAULT_WINDOW,
            GroupBy::Account,
            cx,
        )),
        Verb::Logs => {
            // From an invoke result: to that invoke's lines.
            let jump = match views.last() {
                Some(View::Invoke(v)) if v.subject.construct_path == subject.construct_path => {
                    cx.invoked.get(&subject.construct_path).cloned()
                }
                _ => None,
            };
            views.push(LogsView::start(subject, jump, cx));
        }
        Verb::Metrics => views.push(MetricsView::start(subject, cx)),
        Verb::Copy => match &subject.physical_id {
            Some(pid) => {
                cx.push(Effect::Copy(pid.clone()));
                cx.done(format!("copied {}", text::safe(pid)));
            }
            None => cx.error(
                ActionError::NotDeployed {
                    construct: subject.construct_path.clone(),
                    state: subject.physical_state.clone(),
                }
                .to_string(),
            ),
        },
    }
}

/// Runs a catalogue command: a native one as its verb, an `exec` with the terminal, an `open`
/// in the browser.
fn run_command(
    cx: &mut Cx,
    views: &mut Vec<View>,
    recall: &mut Recall,
    subject: Subject,
    name: &str,
    cmd: &Command,
) {
    match cmd.kind {
        CommandKind::Native => {
            if let Some(spec) = cmd.native().and_then(verb_for_native) {
                run_verb(cx, views, recall, subject, spec.verb);
            }
        }
        CommandKind::Exec => {
            if cx.header.readonly {
                cx.error(format!(
                    "READONLY: `{name}` runs a shell command, which may change things; it is refused"
                ));
                return;
            }
            if let Err(e) = command::exec_script(name, cmd, &subject) {
                cx.error(e.to_string());
                return;
            }
            cx.push(Effect::Exec {
                name: name.to_string(),
                command: cmd.clone(),
                subject,
            });
        }
        CommandKind::Open => match command::open_url(name, cmd, &subject) {
            Ok(url) => views.push(ConsoleView::open(name, url, cx)),
            Err(e) => cx.error(e.to_string()),
        },
    }
}

/// Sends a probe and shows it: in the probe view on top when it is the same construct's (the
/// request replaced), else in a new one.
fn probe(
    cx: &mut Cx,
    views: &mut Vec<View>,
    recall: &mut Recall,
    subject: Subject,
    input: ProbeInput,
) {
    let Some(id) = ProbeView::send(&subject, &input, cx) else {
        return;
    };
    recall
        .probes
        .insert(subject.construct_path.clone(), input.clone());
    match views.last_mut() {
        Some(View::Probe(v)) if v.subject.construct_path == subject.construct_path => {
            v.input = input;
            v.load = Load::Loading(id);
        }
        _ => views.push(View::Probe(ProbeView::new(subject, input, id))),
    }
}
