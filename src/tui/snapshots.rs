//! Screen snapshots (`TestBackend` + insta, files in `src/tui/snapshots/`): every screen at
//! 80x24 (the smallest usual terminal) and 160x48, from the iam-api example as if deployed.
//! `cargo insta review` (or `INSTA_UPDATE=always`) records changes on purpose.

use crossterm::event::KeyCode;
use serde_json::json;

use super::app::App;
use super::msg::{Effect, Msg};
use super::testing::*;
use super::text;
use crate::actions::audit::AuditPage;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(name: &str, app: &App) {
    for (w, h) in SIZES {
        let screen = screen(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

fn requestor() -> (App, usize) {
    let mut app = app();
    let row = select(&mut app, "requestorFn");
    (app, row)
}

#[test]
fn list() {
    snap("list", &app());
}

#[test]
fn filtered_list() {
    let mut app = app();
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "requestorfn");
    snap("filtered_list", &app);
}

#[test]
fn action_menu() {
    let (mut app, _) = requestor();
    press(&mut app, KeyCode::Enter);
    snap("action_menu", &app);
}

#[test]
fn help() {
    let mut app = app();
    press(&mut app, KeyCode::Char('?'));
    snap("help", &app);
}

#[test]
fn describe() {
    let (mut app, row) = requestor();
    press(&mut app, KeyCode::Char('d'));
    let effects = app.take_effects();
    let id = request_of(&effects).expect("a describe request");
    let s = app.subject(row);
    app.receive(Msg::Described {
        id,
        result: Ok(function_description(
            &s.construct_path,
            s.physical_id.as_deref().unwrap(),
        )),
    });
    snap("describe", &app);
}

#[test]
fn invoke_confirm() {
    let (mut app, _) = requestor();
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Left);
    typed(&mut app, "\"probe\": true");
    press(&mut app, KeyCode::Enter);
    snap("invoke_confirm", &app);
}

fn invoked(result: crate::actions::invoke::InvokeResult, log: bool) -> App {
    let (mut app, _) = requestor();
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('y'));
    let effects = app.take_effects();
    let id = request_of(&effects).expect("an invoke request");
    app.receive(Msg::Invoked {
        id,
        result: Ok(result),
    });
    if log {
        press(&mut app, KeyCode::Char('t'));
    }
    app
}

#[test]
fn requestor_split_view() {
    let app = invoked(
        requestor_result(&physical_id(
            "IamApigatewayLambdaStack",
            "requestorFn15B8813B",
        )),
        false,
    );
    snap("invoke_requestor", &app);
}

/// The original write-up's requestor: bodies only, no status. The signed side is an answer
/// (ok, status not recorded), never "no HTTP answer".
#[test]
fn requestor_bodies_only_view() {
    let payload =
        json!({"without": {"message": "Missing Authentication Token"}, "with": {"hello": "world"}});
    let mut r = requestor_result("IamApigatewayLambdaStack-requestorFn15B8813B-ABC123");
    r.payload_bytes = payload.to_string().len();
    r.requestor = crate::verdict::RequestorView::from_payload(&payload);
    r.payload = crate::actions::invoke::Payload::Json(payload);
    let app = invoked(r, false);
    let text = screen(&app, 160, 48);
    assert!(
        text.contains("answered (status not recorded by the requestor)"),
        "{text}"
    );
    assert!(
        text.contains("Missing Authentication Token: the request was not signed"),
        "{text}"
    );
    assert!(
        !text.contains("no status") && !text.contains("no HTTP answer"),
        "{text}"
    );
    snap("invoke_requestor_bodies_only", &app);
}

#[test]
fn invoke_function_error() {
    let app = invoked(
        function_error_result(&physical_id(
            "IamApigatewayLambdaStack",
            "requestorFn15B8813B",
        )),
        true,
    );
    snap("invoke_error", &app);
}

#[test]
fn invoke_failure_in_the_pane() {
    let (mut app, _) = requestor();
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('y'));
    let id = request_of(&app.take_effects()).unwrap();
    app.receive(Msg::Invoked {
        id,
        result: Err("lambda:Invoke in us-east-1: AccessDeniedException: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: lambda:InvokeFunction".into()),
    });
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("✗ lambda:Invoke in us-east-1: AccessDeniedException"),
        "{text}"
    );
}

#[test]
fn audit_table() {
    let (mut app, _) = requestor();
    let rows = super::bench::audit_rows(
        40,
        &physical_id("IamApigatewayLambdaStack", "requestorFn15B8813B"),
        1_760_000_000.0,
    );
    press(&mut app, KeyCode::Char('a'));
    let id = request_of(&app.take_effects()).unwrap();
    app.receive(Msg::AuditPage {
        id,
        page: AuditPage {
            rows,
            requests: 2,
            events_seen: 80,
            done: false,
        },
    });
    snap("audit_table", &app);
}

#[test]
fn error_status_line() {
    let mut app = readonly_app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('i'));
    assert!(app.take_effects().is_empty());
    snap("error_status", &app);
}

#[test]
fn hostile_text_is_drawn_harmless() {
    let (mut app, _) = requestor();
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('y'));
    let id = request_of(&app.take_effects()).unwrap();
    let mut r = requestor_result("fn\u{1b}]52;c;ZXZpbA==\u{7}");
    r.payload = crate::actions::invoke::Payload::Json(json!({"x": "\u{1b}[2J\u{202e}"}));
    r.requestor = None;
    app.receive(Msg::Invoked { id, result: Ok(r) });
    for (w, h) in SIZES {
        let text = screen(&app, w, h);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'));
        assert!(text.contains("fn\\x1b]52;c;ZXZpbA==\\x07"), "{text}");
    }
    // Nothing else was queued: drawing has no effects.
    assert!(
        !app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Copy(_)))
    );
}

#[test]
fn narrow_and_tiny_terminals_keep_their_shape() {
    let app = app();
    for (w, h) in [(80, 24), (60, 15), (40, 12), (20, 5)] {
        let text = screen(&app, w, h);
        for line in text.lines() {
            // TestBackend draws each row as `"...",`: nothing spills past the width.
            let inner = line.trim().trim_end_matches(',').trim_matches('"');
            assert!(
                unicode_width::UnicodeWidthStr::width(inner) <= w as usize,
                "{line}"
            );
        }
    }
    assert!(screen(&app, 20, 5).contains("cdkx needs at least"));
}

fn probed() -> App {
    let mut app = app();
    let row = select(&mut app, "iam-backed-api");
    press(&mut app, KeyCode::Char('p'));
    let id = request_of(&app.take_effects()).expect("a probe request");
    let subject = app.subject(row);
    let result = probe_result(&app, &subject);
    app.receive(Msg::Probed {
        id,
        result: Ok(Box::new(result)),
    });
    app
}

#[test]
fn probe_split_view() {
    snap("probe", &probed());
}

#[test]
fn probe_form() {
    let mut app = probed();
    press(&mut app, KeyCode::Char('e'));
    typed(&mut app, "items");
    snap("probe_form", &app);
}

#[test]
fn invocations_view() {
    use crate::actions::invocations::Progress;
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('w'));
    let id = request_of(&app.take_effects()).expect("an invocations request");
    let calls = invocation_calls(30);
    app.receive(Msg::InvocationsFound {
        id,
        progress: Progress {
            objects: 4,
            bytes: 1_200_000,
            calls: 30,
        },
        calls: calls.clone(),
    });
    app.receive(Msg::InvocationsDone {
        id,
        result: Ok(Box::new(invocation_report(
            calls,
            vec![trail_source(4, 1_200_000, 30)],
        ))),
    });
    snap("invocations", &app);
}

/// At 80x24 and 160x48 no two rows of the list are drawn alike, and indentation follows the
/// construct tree (`GET` sits beside `DeploymentStage.prod`, not under it: the API's hidden
/// `Default` level shifts nothing).
#[test]
fn every_list_row_is_distinguishable() {
    let app = app();
    for (w, h) in SIZES {
        let screen = screen(&app, w, h);
        let body: Vec<&str> = screen
            .lines()
            .skip(4) // the header, the account line, the border, the column headings
            .take(h as usize - 8)
            .map(|l| l.trim_matches('"').trim_matches('│').trim_end())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            body.len(),
            14,
            "{w}x{h}: one stack row and 13 resources:\n{screen}"
        );
        let mut unique = body.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            body.len(),
            "{w}x{h}: two rows look alike:\n{screen}"
        );
        for l in &body {
            assert!(text::width(l) <= w as usize - 2, "{w}x{h}: {l:?} overflows");
        }
        let indent = |name: &str| {
            let l = body
                .iter()
                .find(|l| l.trim_start().starts_with(name))
                .unwrap_or_else(|| panic!("{w}x{h}: no row {name}:\n{screen}"));
            l.len() - l.trim_start().len()
        };
        assert_eq!(indent("GET "), indent("Deploymen"), "{w}x{h}:\n{screen}");
        assert_eq!(
            indent("ServiceRole"),
            indent("iamApiFn ") + 2,
            "{w}x{h}:\n{screen}"
        );
        assert!(indent("ApiPerm") > indent("GET "), "{w}x{h}:\n{screen}");
    }
}

/// The log view following a function: a run's START/END/REPORT (summarized, dimmed), its own
/// lines, a long one cut to the width, and a hostile one drawn harmless.
#[test]
fn logs_view() {
    use crate::actions::logs::parse_line;
    use crate::aws::LogEvent;
    use crate::tui::msg::Feed;
    let (mut app, row) = requestor();
    press(&mut app, KeyCode::Char('l'));
    let id = request_of(&app.take_effects()).expect("a logs request");
    let function = app.subject(row).physical_id.unwrap();
    app.receive(Msg::LogsFollowing {
        id,
        group: format!("/aws/lambda/{function}"),
        feed: Feed::Polling { every_secs: 1 },
    });
    let run = "8f5c2d4e-1111-2222-3333-444455556666";
    let messages = [
        format!("START RequestId: {run} Version: $LATEST\n"),
        format!("2025-10-09T08:53:20.120Z\t{run}\tINFO\tcalling the API unsigned\n"),
        format!(
            "2025-10-09T08:53:20.340Z\t{run}\tINFO\tunsigned: 403 {{\"message\":\"Missing Authentication Token\"}}\n"
        ),
        format!(
            "2025-10-09T08:53:20.610Z\t{run}\tINFO\tsigned: 200 {{\"hello\":\"world\"}} and a long tail of text that does not fit on a small screen at all\n"
        ),
        format!("2025-10-09T08:53:20.700Z\t{run}\tWARN\t\u{1b}[2J\u{202e}evil\n"),
        format!("END RequestId: {run}\n"),
        format!(
            "REPORT RequestId: {run}\tDuration: 612.40 ms\tBilled Duration: 613 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 180.22 ms\t\n"
        ),
    ];
    let lines = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            parse_line(LogEvent {
                timestamp: 1_760_000_000_000 + 100 * i as i64,
                message: m.clone(),
                event_id: Some(format!("e{i}")),
                stream: Some("2025/10/09/[$LATEST]0a1b2c3d".into()),
            })
        })
        .collect();
    app.receive(Msg::LogLines { id, lines });
    snap("logs", &app);
}

/// The REST API's `stages`, opened from its action menu: the CLI's columns fitted to the width.
#[test]
fn listing_stages() {
    use super::views::View;
    let mut app = app();
    let row = select(&mut app, "iam-backed-api");
    press(&mut app, KeyCode::Enter);
    let Some(View::Menu(menu)) = app.views.last_mut() else {
        panic!("the action menu");
    };
    menu.selected = menu
        .items
        .iter()
        .position(|i| i.name == "stages")
        .expect("a stages item");
    press(&mut app, KeyCode::Enter);
    let id = request_of(&app.take_effects()).expect("a listing request");
    let api = app.subject(row).physical_id.unwrap();
    app.receive(Msg::Listed {
        id,
        result: Ok(Box::new(stages_listing(&api))),
    });
    snap("listing_stages", &app);
}

/// A bucket's `ls` under a prefix: prefixes first (Enter opens them), more rows than fit (the
/// position on the right), the note that the listing was cut, a hostile key drawn harmless.
#[test]
fn listing_ls() {
    use super::views::listing::ListingView;
    use crate::catalogue::NativeAction;
    let mut app = app();
    let row = select(&mut app, "requestorFn");
    let mut subject = app.subject(row);
    subject.construct_path = "DataStack/Bucket".into();
    subject.cfn_type = "AWS::S3::Bucket".into();
    subject.physical_id = Some("datastack-bucket83908e77-1x2y3z".into());
    let view = ListingView::start(subject, NativeAction::Ls, "photos/".into(), &mut app.cx);
    app.views.push(view);
    let id = request_of(&app.take_effects()).expect("a listing request");
    app.receive(Msg::Listed {
        id,
        result: Ok(Box::new(ls_listing("datastack-bucket83908e77-1x2y3z"))),
    });
    press(&mut app, KeyCode::Char('j'));
    for (w, h) in SIZES {
        let text = screen(&app, w, h);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        assert!(text.contains("showing the first 33 entries"), "{text}");
        assert!(text.contains("photos/2026/"), "{text}");
    }
    snap("listing_ls", &app);
}

/// Invocations by caller account over a day: a sparkline per account beside its counts.
#[test]
fn invocations_chart() {
    let mut app = app();
    select(&mut app, "requestorFn");
    press(&mut app, KeyCode::Char('w'));
    let id = request_of(&app.take_effects()).expect("an invocations request");
    let calls = spread_calls();
    let n = calls.len() as u64;
    app.receive(Msg::InvocationsDone {
        id,
        result: Ok(Box::new(invocation_report(
            calls,
            vec![trail_source(24, 3_400_000, n)],
        ))),
    });
    snap("invocations_chart", &app);
}

#[test]
fn list_with_sparklines() {
    let mut app = app();
    answer_activity(&mut app);
    assert!(app.list.sparks.shown());
    snap("list_sparklines", &app);
}

#[test]
fn describe_with_metrics() {
    let (mut app, row) = requestor();
    press(&mut app, KeyCode::Char('d'));
    let effects = app.take_effects();
    let id = request_of(&effects).expect("a describe request");
    let metrics = metrics_request_of(&effects).expect("a metrics request");
    let s = app.subject(row);
    let function = s.physical_id.clone().unwrap();
    app.receive(Msg::Described {
        id,
        result: Ok(function_description(&s.construct_path, &function)),
    });
    app.receive(Msg::Metrics {
        id: metrics,
        result: Ok(Box::new(metrics_report(&function))),
    });
    snap("describe_metrics", &app);
    // `m` opens the metrics view over it, with the same series.
    press(&mut app, KeyCode::Char('m'));
    let id = metrics_request_of(&app.take_effects()).expect("the view's request");
    app.receive(Msg::Metrics {
        id,
        result: Ok(Box::new(metrics_report(&function))),
    });
    snap("metrics_view", &app);
}
