//! State transitions, without a terminal or a runtime: keys in, state and effects out; answers
//! in, and stale ones dropped.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{Action, Mode};
use super::msg::{Effect, Load, Msg, Slot};
use super::testing::*;
use super::views::View;
use crate::actions::audit::AuditPage;

fn ctrl(app: &mut super::app::App, c: char) {
    let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    if let Some(a) = super::keymap::map(app.mode(), k) {
        app.act(a);
    }
}

#[test]
fn the_first_frame_asks_for_fresh_physical_ids_and_shows_the_cached_ones_meanwhile() {
    let model = fixture_model();
    let cached = deployed(&model);
    let mut app = super::app::App::new(
        std::sync::Arc::new(model),
        std::sync::Arc::new(crate::catalogue::CommandCatalogue::builtin()),
        cached,
        header(false),
        super::theme::Theme { color: false },
        false,
    );
    let effects = app.take_effects();
    assert!(matches!(
        effects.as_slice(),
        [Effect::Lookup { refresh: false, .. }]
    ));
    assert!(app.cx.refreshing.is_some());
    let text = screen(&app, 80, 24);
    assert!(text.contains("IamApigatewayLambdaS"), "{text}");
    assert!(text.contains("refreshing physical ids"), "{text}");
}

#[test]
fn a_stale_lookup_answer_is_dropped() {
    let mut app = app();
    press(&mut app, KeyCode::Char('r'));
    let first = request_of(&app.take_effects()).unwrap();
    ctrl(&mut app, 'r');
    let second = request_of(&app.take_effects()).unwrap();
    assert_ne!(first, second);
    let mut old = deployed(&app.cx.model);
    old.stacks = vec![crate::deployed::StackState::NotDeployed; old.stacks.len()];
    app.receive(Msg::Deployment {
        id: first,
        deployment: old,
    });
    assert_eq!(
        app.cx.refreshing,
        Some(second),
        "still waiting for the latest"
    );
    assert!(
        app.cx.deployment.deployed(0).is_some(),
        "the old answer was not taken"
    );
    let new = deployed(&app.cx.model);
    app.receive(Msg::Deployment {
        id: second,
        deployment: new,
    });
    assert_eq!(app.cx.refreshing, None);
}

#[test]
fn a_failed_refresh_keeps_the_physical_ids_known_before() {
    let mut app = app();
    press(&mut app, KeyCode::Char('r'));
    let id = request_of(&app.take_effects()).unwrap();
    let mut failed = deployed(&app.cx.model);
    failed.identity = None;
    failed.stacks = vec![
        crate::deployed::StackState::Failed(
            "cloudformation:DescribeStacks in us-east-1: could not reach the endpoint".into()
        );
        failed.stacks.len()
    ];
    app.receive(Msg::Deployment {
        id,
        deployment: failed,
    });
    assert!(app.cx.deployment.deployed(0).is_some());
    assert!(app.cx.deployment.identity.is_some());
    let text = screen(&app, 160, 48);
    let id = physical_id("IamApigatewayLambdaStack", "requestorFn15B8813B");
    assert!(text.contains(&id[id.len() - 12..]), "{text}");
    assert!(
        text.contains(
            "✗ could not look up stack IamApigatewayLambdaStack: cloudformation:DescribeStacks"
        ),
        "{text}"
    );
    assert!(
        app.cx
            .status
            .as_ref()
            .unwrap()
            .text
            .ends_with("(showing the physical ids known before)")
    );
}

#[test]
fn filter_jump_and_navigation() {
    let mut app = app();
    let all = app.list.visible.len();
    press(&mut app, KeyCode::Char('/'));
    assert_eq!(app.mode(), Mode::Filter);
    typed(&mut app, "ROLE");
    // Two roles, and the policy whose path goes through one.
    assert_eq!(
        app.list.visible_resource_count(),
        3,
        "case-insensitive, any column"
    );
    assert!(
        app.list.rows[app.list.visible[0]].is_stack,
        "under their stack's row"
    );
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::List);
    assert_eq!(app.list.filter, "ROLE");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.list.visible.len(), all, "Esc clears the filter");

    // A filter matches physical ids too.
    press(&mut app, KeyCode::Char('/'));
    typed(
        &mut app,
        &physical_id("IamApigatewayLambdaStack", "requestorFn15B8813B")[20..],
    );
    assert_eq!(app.list.visible_resource_count(), 1);
    press(&mut app, KeyCode::Esc);
    assert!(
        app.list.filter.is_empty(),
        "Esc while typing cancels the filter"
    );

    press(&mut app, KeyCode::Char(':'));
    typed(&mut app, "restapi");
    press(&mut app, KeyCode::Enter);
    let row = app.list.selected_row().unwrap();
    assert_eq!(app.list.rows[row].id, "iam-backed-api");
    press(&mut app, KeyCode::Char(':'));
    typed(&mut app, "nosuchthing");
    press(&mut app, KeyCode::Enter);
    assert!(
        app.cx
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("no stack or type")
    );

    press(&mut app, KeyCode::Char('G'));
    assert_eq!(app.list.selected, app.list.visible.len() - 1);
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.list.selected, 0);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.list.selected, 1);
}

#[test]
fn describe_cancel_refresh_and_stale_answers() {
    let mut app = app();
    let row = select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('d'));
    let first = request_of(&app.take_effects()).unwrap();
    assert_eq!(app.mode(), Mode::Describe);
    // Esc cancels the running request first; the view stays.
    press(&mut app, KeyCode::Esc);
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Cancel(Slot::Describe)))
    );
    assert!(
        matches!(app.views.last(), Some(View::Describe(d)) if matches!(d.load, Load::Cancelled))
    );
    let s = app.subject(row);
    let description = function_description(&s.construct_path, "fn");
    app.receive(Msg::Described {
        id: first,
        result: Ok(description.clone()),
    });
    assert!(
        matches!(app.views.last(), Some(View::Describe(d)) if matches!(d.load, Load::Cancelled)),
        "a cancelled request's answer is dropped"
    );
    press(&mut app, KeyCode::Char('r'));
    let second = request_of(&app.take_effects()).unwrap();
    app.receive(Msg::Described {
        id: second,
        result: Err("lambda:GetFunction in us-east-1: boom".into()),
    });
    assert!(
        matches!(app.views.last(), Some(View::Describe(d)) if matches!(d.load, Load::Failed(_)))
    );
    assert!(screen(&app, 80, 24).contains("✗ lambda:GetFunction in us-east-1: boom"));
    // Esc again goes back to the menu, then the list.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Menu);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::List);
    // An answer for a view that is gone changes nothing.
    app.receive(Msg::Described {
        id: second,
        result: Ok(description),
    });
    assert!(app.views.is_empty());
}

#[test]
fn invoke_asks_for_a_payload_checks_it_confirms_and_remembers_it() {
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(app.mode(), Mode::Payload);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.views.last(), Some(View::Payload(p)) if p.error.is_some()));
    assert!(
        app.take_effects().is_empty(),
        "nothing runs on a bad payload"
    );
    typed(&mut app, "\"k\": 1}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Confirm);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.mode(), Mode::Payload, "n goes back to the payload");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('y'));
    let effects = app.take_effects();
    let Some(Effect::Invoke { id, payload, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(payload, b"{\"k\": 1}");
    assert_eq!(app.mode(), Mode::Result);
    assert_eq!(app.views.len(), 1, "the prompt and confirmation are gone");
    app.receive(Msg::Invoked {
        id: *id,
        result: Ok(requestor_result("fn")),
    });
    assert!(matches!(app.views.last(), Some(View::Invoke(v)) if matches!(v.load, Load::Loaded(_))));
    let text = screen(&app, 80, 24);
    assert!(text.contains("WITHOUT SIGNATURE") && text.contains("WITH SIGNATURE (SigV4)"));
    // r asks again before invoking again.
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.mode(), Mode::Confirm);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::List);
    press(&mut app, KeyCode::Char('i'));
    assert!(
        matches!(app.views.last(), Some(View::Payload(p)) if p.input.text() == "{\"k\": 1}"),
        "the last payload is remembered per function"
    );
}

#[test]
fn esc_cancels_a_running_invoke_and_its_late_answer_is_dropped() {
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let id = request_of(&app.take_effects()).unwrap();
    press(&mut app, KeyCode::Esc);
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Cancel(Slot::Invoke)))
    );
    app.receive(Msg::Invoked {
        id,
        result: Ok(requestor_result("fn")),
    });
    assert!(matches!(app.views.last(), Some(View::Invoke(v)) if matches!(v.load, Load::Cancelled)));
    assert!(screen(&app, 80, 24).contains("the function may still have run"));
}

/// The app with a project command of kind `exec` on the REST API (`stages`, over the built-in
/// native one), for the tests of how exec commands are run and refused.
fn with_user_exec(mut app: super::app::App) -> super::app::App {
    use crate::catalogue::{CommandCatalogue, Source};
    let mut catalogue = CommandCatalogue::builtin();
    catalogue.merge(
        CommandCatalogue::parse(
            std::path::Path::new("construct-commands.json"),
            r#"{"AWS::ApiGateway::RestApi": {"stages": {"exec": "aws apigateway get-stages --rest-api-id ${PHYSICAL_RESOURCE_ID}"}}}"#,
            Source::File("construct-commands.json".into()),
        )
        .unwrap(),
    );
    app.cx.catalogue = std::sync::Arc::new(catalogue);
    app
}

#[test]
fn readonly_refuses_invoke_and_exec_but_not_reading() {
    let mut app = with_user_exec(readonly_app());
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(app.mode(), Mode::List);
    assert!(app.cx.status.as_ref().unwrap().text.starts_with("READONLY"));
    // The project's `stages` is an exec command.
    select(&mut app, "iam-backed-api");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('1'));
    assert!(
        app.take_effects().is_empty(),
        "the `stages` exec command is refused"
    );
    assert!(app.cx.status.as_ref().unwrap().text.contains("READONLY"));
    press(&mut app, KeyCode::Char('d'));
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Describe { .. }))
    );
}

#[test]
fn actions_a_resource_does_not_have_say_so() {
    let mut app = app();
    select(&mut app, "iam-backed-api");
    press(&mut app, KeyCode::Char('i'));
    assert!(app.take_effects().is_empty());
    let status = app.cx.status.clone().unwrap();
    assert!(status.text.contains("has no `invoke` action"), "{status:?}");
}

#[test]
fn menu_runs_verbs_and_numbered_user_commands() {
    // A user command (exec) gets a number: the API's `stages`.
    let mut api = with_user_exec(app());
    select(&mut api, "iam-backed-api");
    press(&mut api, KeyCode::Enter);
    assert_eq!(api.mode(), Mode::Menu);
    press(&mut api, KeyCode::Char('1'));
    let effects = api.take_effects();
    assert!(
        matches!(effects.as_slice(), [Effect::Exec { name, .. }] if name == "stages"),
        "{effects:?}"
    );
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Menu);
    press(&mut app, KeyCode::Char('y'));
    let effects = app.take_effects();
    assert!(
        matches!(effects.as_slice(), [Effect::Copy(id)] if id.contains("requestorFn15B8813B")),
        "{effects:?}"
    );
    assert_eq!(app.mode(), Mode::Menu, "the menu stays after a copy");
    // Enter runs the selected item: the first is describe.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Describe);
}

#[test]
fn console_opens_the_browser_copies_the_url_and_shows_it() {
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('o'));
    let effects = app.take_effects();
    let url = match effects.as_slice() {
        [Effect::OpenBrowser { url, .. }, Effect::Copy(copied)] => {
            assert_eq!(url, copied);
            url.clone()
        }
        other => panic!("{other:?}"),
    };
    assert!(
        url.starts_with("https://us-east-1.console.aws.amazon.com/lambda/"),
        "{url}"
    );
    assert_eq!(app.mode(), Mode::Console);
    assert!(app.cx.status.as_ref().unwrap().text.contains("copied"));
    app.receive(Msg::Opened {
        url: url.clone(),
        result: Err("command `console`: could not start xdg-open: not found".into()),
    });
    let text = screen(&app, 120, 30);
    assert!(text.contains("no browser could be opened"), "{text}");
    let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 120, 30));
    let links = super::ui::render(&app, buf.area, &mut buf);
    assert_eq!(links.concat_text(), url, "the whole URL is a link");
}

trait ConcatText {
    fn concat_text(&self) -> String;
}

impl ConcatText for Vec<super::widgets::pane::Link> {
    fn concat_text(&self) -> String {
        self.iter().map(|l| l.text.as_str()).collect()
    }
}

#[test]
fn audit_streams_pages_filters_and_shows_events() {
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('a'));
    let id = request_of(&app.take_effects()).unwrap();
    let rows = super::bench::audit_rows(60, "fn", 1_760_000_000.0);
    app.receive(Msg::AuditPage {
        id,
        page: AuditPage {
            rows: rows[..30].to_vec(),
            requests: 1,
            events_seen: 30,
            done: false,
        },
    });
    app.receive(Msg::AuditPage {
        id,
        page: AuditPage {
            rows: rows[30..].to_vec(),
            requests: 2,
            events_seen: 60,
            done: false,
        },
    });
    let text = screen(&app, 80, 24);
    assert!(text.contains("page 2, 60 events"), "{text}");
    assert!(
        text.contains("management events only"),
        "the note is always in view"
    );
    let Some(View::Audit(a)) = app.views.last() else {
        panic!()
    };
    assert_eq!(a.visible_len(), 60);
    press(&mut app, KeyCode::Char('c'));
    let Some(View::Audit(a)) = app.views.last() else {
        panic!()
    };
    assert_eq!(a.visible_len(), 6, "every 10th caller is another account");
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "10.0.0.4");
    let Some(View::Audit(a)) = app.views.last() else {
        panic!()
    };
    assert_eq!(a.visible_len(), 11, "10.0.0.4 and 10.0.0.40-49");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Document);
    assert!(screen(&app, 80, 24).contains("\"eventID\": \"ev-00004\""));
    press(&mut app, KeyCode::Esc);
    // A stale page (another audit's) is ignored; the end arrives.
    app.receive(Msg::AuditPage {
        id: super::msg::RequestId(9999),
        page: AuditPage {
            rows: rows.clone(),
            requests: 9,
            events_seen: 999,
            done: false,
        },
    });
    app.receive(Msg::AuditEnded { id, result: Ok(()) });
    let Some(View::Audit(a)) = app.views.last() else {
        panic!()
    };
    assert_eq!(a.lines.len(), 60);
    assert!(a.done && a.load.pending().is_none());
    // Refresh starts over with a new request.
    press(&mut app, KeyCode::Char('r'));
    let again = request_of(&app.take_effects()).unwrap();
    assert_ne!(again, id);
}

#[test]
fn an_audit_error_is_shown_in_the_pane() {
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('a'));
    let id = request_of(&app.take_effects()).unwrap();
    app.receive(Msg::AuditEnded {
        id,
        result: Err("CloudTrail kept throttling LookupEvents after 6 tries".into()),
    });
    assert!(screen(&app, 80, 24).contains("✗ CloudTrail kept throttling"));
}

#[test]
fn quitting() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit, "q quits only from the main screen");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
    let mut app = super::testing::app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('i'));
    ctrl(&mut app, 'c');
    assert!(app.quit, "ctrl-c quits even while typing");
}

#[test]
fn help_is_on_top_of_any_view_and_esc_closes_it() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode(), Mode::Help);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.views.len(), 2, "help is not stacked twice");
    app.act(Action::PageDown);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Menu);
}

#[test]
fn a_task_that_fails_is_an_error_line_not_an_exit() {
    let mut app = app();
    app.receive(Msg::Failed {
        what: "describe",
        error: "index out of bounds".into(),
    });
    assert!(!app.quit);
    assert!(screen(&app, 80, 24).contains("✗ describe failed: index out of bounds"));
    // Messages expire with the clock.
    for _ in 0..200 {
        app.on_tick();
    }
    assert!(app.cx.status.is_none());
}

#[test]
fn probe_sends_shows_both_sides_and_edits_the_request() {
    let mut app = app();
    let row = select(&mut app, "iam-backed-api");
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(app.mode(), Mode::Probe);
    let effects = app.take_effects();
    let Some(Effect::Probe {
        id, request, stage, ..
    }) = effects.last()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/")
    );
    assert_eq!(*stage, None, "the app's stage unless one is named");
    let first = *id;
    assert!(screen(&app, 80, 24).contains("sending the request unsigned and signed"));
    let subject = app.subject(row);
    let result = probe_result(&app, &subject);
    app.receive(Msg::Probed {
        id: first,
        result: Ok(Box::new(result.clone())),
    });
    let text = screen(&app, 160, 48);
    for needle in [
        "UNSIGNED",
        "SIGNED (SigV4)",
        "403 Missing Authentication Token",
        "IAM auth is enforced",
        "200 OK",
        "\"hello\": \"world\"",
        "signed as arn:aws:iam::123456789012:user/dev",
        "access: resource policy allows: arn:aws:iam::123456789012:root",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    press(&mut app, KeyCode::Char('s'));
    assert!(screen(&app, 160, 48).contains("Signature=<redacted>"));

    // e: the form, starting from the request sent; Tab moves between fields.
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(app.mode(), Mode::ProbeForm);
    press(&mut app, KeyCode::End);
    typed(&mut app, "items?id=1");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "{\"a\":1}");
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::BackTab);
    app.act(Action::ClearInput);
    typed(&mut app, "post");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Probe, "back on the same probe view");
    assert_eq!(app.views.len(), 1);
    let effects = app.take_effects();
    let Some(Effect::Probe { id, request, .. }) = effects.last() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (
            request.method.as_str(),
            request.path.as_str(),
            request.body.as_slice()
        ),
        ("POST", "/items?id=1", &b"{\"a\":1}"[..])
    );
    let second = *id;
    // The first answer is stale now.
    app.receive(Msg::Probed {
        id: first,
        result: Ok(Box::new(result)),
    });
    assert!(screen(&app, 80, 24).contains("sending the request"));
    app.receive(Msg::Probed {
        id: second,
        result: Err("connection refused".into()),
    });
    assert!(screen(&app, 80, 24).contains("✗ connection refused"));
    // The request is remembered: p sends it again from the list.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('p'));
    let effects = app.take_effects();
    let Some(Effect::Probe { request, .. }) = effects.last() else {
        panic!()
    };
    assert_eq!(request.path, "/items?id=1");
    // Esc cancels a running probe, and its answer is dropped.
    press(&mut app, KeyCode::Esc);
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Cancel(Slot::Probe)))
    );
}

#[test]
fn a_bad_probe_request_is_refused_in_the_form() {
    let mut app = app();
    select(&mut app, "iam-backed-api");
    press(&mut app, KeyCode::Char('p'));
    press(&mut app, KeyCode::Char('e'));
    typed(&mut app, "a b");
    app.take_effects();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::ProbeForm, "the form stays");
    assert!(screen(&app, 80, 24).contains("percent-encoded"));
    assert!(app.take_effects().is_empty(), "nothing sent");
    // Only an API has a probe. (Esc closes the form, stops the probe, leaves the view.)
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('p'));
    assert!(app.views.is_empty());
    assert!(screen(&app, 160, 48).contains("has no `probe` action"));
}

#[test]
fn readonly_sends_only_safe_probe_methods() {
    let mut app = readonly_app();
    select(&mut app, "iam-backed-api");
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(app.mode(), Mode::Probe, "GET is read-only");
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::BackTab);
    app.act(Action::ClearInput);
    typed(&mut app, "DELETE");
    app.take_effects();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::ProbeForm);
    assert!(app.take_effects().is_empty());
    assert!(screen(&app, 80, 24).contains("READONLY"));
}

#[test]
fn invocations_stream_in_and_the_summary_follows() {
    use crate::actions::invocations::{Progress, SourceKind};
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(app.mode(), Mode::Invocations);
    let effects = app.take_effects();
    let Some(Effect::Invocations { id, window, .. }) = effects.last() else {
        panic!("{effects:?}")
    };
    assert_eq!(*window, 86400.0, "a day, as the CLI");
    let id = *id;
    let calls = invocation_calls(40);
    app.receive(Msg::InvocationsFound {
        id,
        progress: Progress {
            objects: 3,
            bytes: 2_500_000,
            calls: 20,
        },
        calls: calls[..20].to_vec(),
    });
    let text = screen(&app, 160, 48);
    assert!(text.contains("3 objects, 2.5 MB, 20 calls"), "{text}");
    assert!(text.contains("reading…"), "{text}");
    let Some(View::Invocations(v)) = app.views.last() else {
        panic!()
    };
    let groups = v.summary.groups();
    assert_eq!(
        (groups[0].key.as_str(), groups[0].calls),
        ("123456789012", 15)
    );
    assert_eq!(
        (groups[1].key.as_str(), groups[1].calls),
        ("222222222222", 5)
    );
    // A stale batch (another request's) is ignored.
    app.receive(Msg::InvocationsFound {
        id: super::msg::RequestId(999),
        progress: Progress::default(),
        calls: calls.clone(),
    });
    let trail = trail_source(6, 5_000_000, 40);
    let mut athena = trail.clone();
    athena.source = SourceKind::Athena;
    athena.status = "not-configured";
    athena.detail = "no Athena table given".into();
    athena.how_to_enable = Some("pass --athena-table DATABASE.TABLE".into());
    app.receive(Msg::InvocationsDone {
        id,
        result: Ok(Box::new(invocation_report(calls, vec![trail, athena]))),
    });
    let text = screen(&app, 160, 48);
    for needle in [
        "40 calls",
        "trail: used",
        "athena: not-configured",
        "to enable it: pass --athena-table",
        "CALLER ACCOUNT",
        "AccessDenied",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let Some(View::Invocations(v)) = app.views.last() else {
        panic!()
    };
    assert_eq!(v.summary.groups()[0].calls, 30);
    assert!(v.load.pending().is_none());
    // y copies the command that sets up the source that is not set up.
    app.take_effects();
    press(&mut app, KeyCode::Char('y'));
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Copy(c) if c == "pass --athena-table DATABASE.TABLE"))
    );
    press(&mut app, KeyCode::Char('b'));
    assert!(screen(&app, 160, 48).contains("PRINCIPAL"));
    press(&mut app, KeyCode::Char('c'));
    let Some(View::Invocations(v)) = app.views.last() else {
        panic!()
    };
    assert_eq!(
        v.summary.groups().iter().map(|g| g.calls).sum::<u64>(),
        10,
        "cross-account only"
    );
    // t widens the window and reads again.
    press(&mut app, KeyCode::Char('t'));
    let effects = app.take_effects();
    let Some(Effect::Invocations { window, .. }) = effects.last() else {
        panic!("{effects:?}")
    };
    assert_eq!(*window, 7.0 * 86400.0);
    assert_eq!(app.views.len(), 1, "the view is replaced, not stacked");
}

#[test]
fn an_open_command_opens_and_copies_the_url_with_the_value_encoded() {
    use crate::catalogue::{CommandCatalogue, Source};
    use crate::deployed::StackState;
    let mut app = app();
    let mut catalogue = CommandCatalogue::builtin();
    catalogue.merge(
        CommandCatalogue::parse(
            std::path::Path::new("construct-commands.json"),
            r#"{"AWS::Lambda::Function": {"page": {"open": "https://example.com/f/${PHYSICAL_RESOURCE_ID}?q=${PHYSICAL_RESOURCE_ID}"}}}"#,
            Source::File("construct-commands.json".into()),
        )
        .unwrap(),
    );
    app.cx.catalogue = std::sync::Arc::new(catalogue);
    let mut d = deployed(&app.cx.model);
    for s in &mut d.stacks {
        if let StackState::Deployed(s) = s {
            for r in s.resources.values_mut() {
                if r.logical_id.starts_with("requestorFn") {
                    r.physical_id = Some("x/@evil.com:1?a#\u{1b}[2J\u{202e}".into());
                }
            }
        }
    }
    app.cx.deployment = std::sync::Arc::new(d);
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Enter);
    // The first numbered command: the built-in ones of a function are all native.
    press(&mut app, KeyCode::Char('1'));
    let want = "https://example.com/f/x%2F%40evil.com%3A1%3Fa%23%1B%5B2J%E2%80%AE?q=x%2F%40evil.com%3A1%3Fa%23%1B%5B2J%E2%80%AE";
    match app.take_effects().as_slice() {
        [Effect::OpenBrowser { name, url }, Effect::Copy(copied)] => {
            assert_eq!(name, "page");
            assert_eq!(url, want);
            assert_eq!(copied, want);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.mode(), Mode::Console);
    press(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(app.take_effects().as_slice(), [Effect::Copy(c)] if c == want),
        "`y` copies the encoded URL"
    );
}

#[test]
fn p_on_an_http_api_sends_the_probe() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/http-api/cdk.out");
    let model = crate::model::App::from_assembly(
        crate::assembly::read(&dir).expect("the http-api fixture"),
    );
    let d = deployed(&model);
    let mut app = super::bench::settled(
        model,
        d,
        header(false),
        super::theme::Theme { color: false },
    );
    select(&mut app, "iam-http-api");
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(app.mode(), Mode::Probe, "{:?}", app.cx.status);
    let effects = app.take_effects();
    let Some(Effect::Probe { request, stage, .. }) = effects.last() else {
        panic!("{effects:?}")
    };
    assert_eq!(request.method, "GET");
    assert!(
        stage.is_none(),
        "the app's stage ($default) unless one is named"
    );
}
