//! Test fixtures: the iam-api example app as if deployed, answers to feed the app, and a
//! `TestBackend` screen to look at.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use super::app::App;
use super::bench::{ACCOUNT, REGION, settled};
use super::cx::Header;
use super::keymap;
use super::msg::Effect;
use super::theme::Theme;
use super::ui;
use crate::actions::describe::{Description, EnvVar, FunctionDescription};
use crate::actions::invoke::{InvokeResult, Payload};
use crate::actions::probe::ProbeResult;
use crate::aws::{CallerIdentity, StackResourceRow};
use crate::deployed::{DeployedStack, Deployment, StackState};
use crate::model;
use crate::verdict::RequestorView;

pub fn fixture_model() -> model::App {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-api/cdk.out");
    model::App::from_assembly(crate::assembly::read(&dir).expect("the iam-api fixture"))
}

/// A physical id as CloudFormation makes them: `STACK-LOGICALID-` and a random-looking suffix
/// (here derived from the logical id, so snapshots are stable).
pub fn physical_id(stack: &str, logical_id: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in logical_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let suffix: String = (0..12)
        .map(|i| ALPHABET[((h >> (i * 5)) % 36) as usize] as char)
        .collect();
    format!("{stack}-{logical_id}-{suffix}")
}

/// Every stack deployed; a resource's physical id is [`physical_id`].
pub fn deployed(model: &model::App) -> Deployment {
    let stacks = model
        .stacks
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let resources: HashMap<String, StackResourceRow> = model
                .resources
                .iter()
                .filter(|r| r.stack == i)
                .map(|r| {
                    (
                        r.logical_id.0.clone(),
                        StackResourceRow {
                            logical_id: r.logical_id.0.clone(),
                            physical_id: Some(physical_id(&s.name, &r.logical_id.0)),
                            cfn_type: r.cfn_type.clone(),
                            status: Some("CREATE_COMPLETE".into()),
                        },
                    )
                })
                .collect();
            StackState::Deployed(DeployedStack {
                stack_id: format!(
                    "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{}/3a57cdfa",
                    s.name
                ),
                region: REGION.into(),
                status: Some("CREATE_COMPLETE".into()),
                from_cache: false,
                resources,
            })
        })
        .collect();
    Deployment {
        stacks,
        identity: Some(CallerIdentity {
            account: ACCOUNT.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:user/dev"),
        }),
        warnings: Vec::new(),
        cache_hits: 0,
    }
}

pub fn header(readonly: bool) -> Header {
    Header {
        app_dir: "examples/iam-api".into(),
        profile: None,
        region: Some(REGION.into()),
        endpoint: Some("http://localhost:5000".into()),
        readonly,
    }
}

/// The iam-api app, deployed and looked up, on the list screen.
pub fn app() -> App {
    let model = fixture_model();
    let d = deployed(&model);
    settled(model, d, header(false), Theme { color: false })
}

pub fn readonly_app() -> App {
    let model = fixture_model();
    let d = deployed(&model);
    settled(model, d, header(true), Theme { color: false })
}

pub fn press(app: &mut App, code: KeyCode) {
    let action = keymap::map(app.mode(), KeyEvent::new(code, KeyModifiers::NONE));
    if let Some(a) = action {
        app.act(a);
    }
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Selects the list row of the construct with this id.
pub fn select(app: &mut App, construct_id: &str) -> usize {
    let row = app
        .list
        .rows
        .iter()
        .position(|r| r.id == construct_id && !r.is_stack)
        .unwrap_or_else(|| panic!("no row {construct_id}"));
    app.list.selected = app
        .list
        .visible
        .iter()
        .position(|&v| v == row)
        .expect("visible");
    row
}

/// The screen as text.
pub fn screen(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    term.draw(|f| {
        ui::render(app, f.area(), f.buffer_mut());
    })
    .expect("drawing");
    term.backend().to_string()
}

pub fn requestor_result(function: &str) -> InvokeResult {
    let payload = json!({
        "without": {"statusCode": 403, "headers": {"x-amzn-errortype": "MissingAuthenticationTokenException"},
                    "body": "{\"message\":\"Missing Authentication Token\"}"},
        "with": {"statusCode": 200, "body": "{\"hello\":\"world\"}"}
    });
    InvokeResult {
        function: function.into(),
        region: REGION.into(),
        status_code: 200,
        executed_version: Some("$LATEST".into()),
        function_error: None,
        error_type: None,
        error_message: None,
        request_id: None,
        log_lines: None,
        log_note: None,
        log_tail: Some(
            "START RequestId: 8f5e\nunsigned: 403\nsigned: 200\nEND RequestId: 8f5e\n".into(),
        ),
        payload_bytes: payload.to_string().len(),
        requestor: RequestorView::from_payload(&payload),
        payload: Payload::Json(payload),
    }
}

pub fn function_error_result(function: &str) -> InvokeResult {
    let payload = json!({"errorType": "TypeError", "errorMessage": "Cannot read properties of undefined (reading 'headers')", "trace": ["TypeError: Cannot read properties of undefined", "    at Runtime.handler (/var/task/index.js:12:31)"]});
    InvokeResult {
        function: function.into(),
        region: REGION.into(),
        status_code: 200,
        executed_version: Some("$LATEST".into()),
        function_error: Some("Unhandled".into()),
        error_type: Some("TypeError".into()),
        error_message: Some("Cannot read properties of undefined (reading 'headers')".into()),
        request_id: None,
        log_lines: None,
        log_note: None,
        log_tail: Some("START RequestId: 1c2d\n\u{1b}[31mERROR\u{1b}[0m TypeError: Cannot read properties of undefined\nEND RequestId: 1c2d\n".into()),
        payload_bytes: payload.to_string().len(),
        requestor: None,
        payload: Payload::Json(payload),
    }
}

pub fn function_description(path: &str, name: &str) -> Description {
    Description::Lambda(FunctionDescription {
        construct_path: path.into(),
        region: REGION.into(),
        name: name.into(),
        arn: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
        runtime: Some("nodejs22.x".into()),
        handler: Some("index.handler".into()),
        memory_mb: Some(128),
        timeout_seconds: Some(15),
        role: Some(format!(
            "arn:aws:iam::{ACCOUNT}:role/requestorFnServiceRole"
        )),
        architectures: vec!["x86_64".into()],
        last_modified: Some("2026-01-02T03:04:05.000+0000".into()),
        code_size_bytes: 2048,
        description: None,
        state: Some("Active".into()),
        environment: vec![EnvVar {
            name: "API_URL".into(),
            value: None,
        }],
        environment_values_shown: false,
        policy: Some(
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "AllowApi", "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction",
            "Resource": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")}]}),
        ),
        access: None,
    })
}

/// The id of the request the last queued effect of this kind carries.
pub fn request_of(effects: &[Effect]) -> Option<super::msg::RequestId> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Describe { id, .. }
        | Effect::Invoke { id, .. }
        | Effect::AuditStart { id, .. }
        | Effect::AuditMore { id, .. }
        | Effect::Probe { id, .. }
        | Effect::Invocations { id, .. }
        | Effect::Logs { id, .. }
        | Effect::Listing { id, .. }
        | Effect::Lookup { id, .. } => Some(*id),
        _ => None,
    })
}

/// A probe of the iam-api example's API from its own account: unsigned 403, signed 200.
pub fn probe_result(app: &App, subject: &crate::actions::Subject) -> ProbeResult {
    use crate::actions::probe::{ProbeSide, ProbeTarget};
    use crate::verdict::{Side, Signing, judge};
    let side =
        |status: u16, body: serde_json::Value, error_type: Option<&str>, signing| ProbeSide {
            side: Some(Side {
                status: Some(status),
                error_type: error_type.map(str::to_string),
                verdict: judge(Some(status), &body, error_type, signing),
                body,
            }),
            request_id: Some(format!("req-{status}")),
            latency_ms: Some(12.0),
            error: None,
        };
    let caller = CallerIdentity {
        account: ACCOUNT.into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/dev"),
    };
    let api = subject.physical_id.clone().unwrap_or_default();
    ProbeResult {
        method: "GET".into(),
        target: ProbeTarget {
            url: format!("https://{api}.execute-api.{REGION}.amazonaws.com/prod/"),
            region: REGION.into(),
            endpoint: Some("http://localhost:5000".into()),
            door: Default::default(),
        },
        access: Some(crate::actions::access::analyze(
            &app.cx.model,
            Some(&app.cx.deployment),
            subject,
            Some(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]})),
            Some(&caller),
            Some(&crate::actions::access::IdentityEvidence {
                source: crate::actions::access::IdentitySource::Simulate,
                grant: Some(crate::actions::access::Grant::ALLOW),
                detail: format!("iam:SimulatePrincipalPolicy for arn:aws:iam::{ACCOUNT}:user/dev: allowed"),
                missing_permission: None,
            }),
            &crate::actions::access::AccessRequest {
                stage: "prod".into(),
                method: "GET".into(),
                path: "/".into(),
            },
        )),
        signer: Some(caller),
        signer_source: "environment keys".into(),
        unsigned: side(
            403,
            json!({"message": "Missing Authentication Token"}),
            Some("MissingAuthenticationTokenException"),
            Signing::Unsigned,
        ),
        signed: side(200, json!({"hello": "world"}), None, Signing::Signed),
        signed_request: Some(crate::aws::SignedRequestView {
            method: "GET".into(),
            url: format!("https://{api}.execute-api.{REGION}.amazonaws.com/prod/"),
            headers: vec![(
                "authorization".into(),
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=<redacted>".into(),
            )],
        }),
        signing_service: "execute-api",
        function_access: None,
    }
}

/// `n` calls of a function, one a minute; every 4th from account 222222222222, every 5th failed.
pub fn invocation_calls(n: usize) -> Vec<crate::actions::invocations::Invocation> {
    (0..n)
        .map(|i| {
            let account = if i % 4 == 0 { "222222222222" } else { ACCOUNT };
            // 2026-01-01T23:59:00Z, a minute earlier each.
            let epoch = 1_767_311_940.0 - 60.0 * i as f64;
            crate::actions::invocations::Invocation {
                time: format!("2026-01-01T{:02}:{:02}:00Z", 23 - i / 60, 59 - i % 60),
                epoch,
                caller_account: Some(account.into()),
                principal: format!("arn:aws:sts::{account}:assumed-role/caller/s{}", i % 3),
                source_ip: Some(format!("10.0.0.{i}")),
                error: (i % 5 == 4).then(|| "AccessDenied".into()),
                status: None,
                path: None,
                cross_account: account != ACCOUNT,
                source: "trail",
                door: None,
            }
        })
        .collect()
}

/// The trail source, read: `objects` log files, `bytes` of JSON, `calls` found.
pub fn trail_source(
    objects: u64,
    bytes: u64,
    calls: u64,
) -> crate::actions::invocations::SourceReport {
    crate::actions::invocations::SourceReport {
        source: crate::actions::invocations::SourceKind::Trail,
        status: "used",
        detail: "trail main (s3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/)".into(),
        how_to_enable: None,
        objects_read: objects,
        bytes_read: bytes,
        calls,
        sql: None,
    }
}

/// The final report of reading requestorFn's callers: `calls`, from `sources`.
pub fn invocation_report(
    calls: Vec<crate::actions::invocations::Invocation>,
    sources: Vec<crate::actions::invocations::SourceReport>,
) -> crate::actions::invocations::InvocationReport {
    crate::actions::invocations::InvocationReport {
        construct_path: "IamApigatewayLambdaStack/requestorFn".into(),
        target: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:requestorFn"),
        since: "2026-01-01T00:00:00Z".into(),
        until: "2026-01-02T00:00:00Z".into(),
        by: crate::actions::invocations::GroupBy::Account,
        total: calls.len() as u64,
        errors: calls.iter().filter(|c| c.error.is_some()).count() as u64,
        groups: Vec::new(),
        timeline: crate::actions::invocations::timeline(
            &calls,
            1_767_225_600.0,
            1_767_312_000.0,
            crate::actions::invocations::TIMELINE_BUCKETS,
        ),
        sources,
        rows: Some(calls),
    }
}

/// A bucket's `ls` under `photos/`: two prefixes, objects (one with a hostile key), cut at the
/// limit.
pub fn ls_listing(bucket: &str) -> crate::actions::listing::Listing {
    let mut items = vec![
        json!({"key": "photos/2025/", "kind": "prefix", "size": null, "lastModified": null}),
        json!({"key": "photos/2026/", "kind": "prefix", "size": null, "lastModified": null}),
    ];
    for i in 0..30 {
        items.push(json!({"key": format!("photos/img-{i:03}.jpg"), "kind": "object",
            "size": 1000 * (i + 1), "lastModified": format!("2026-01-{:02}T10:00:00Z", i % 28 + 1)}));
    }
    items.push(
        json!({"key": "photos/\u{1b}[2Jevil\u{202e}.txt", "kind": "object", "size": 7,
        "lastModified": "2026-01-02T00:00:00Z"}),
    );
    crate::actions::listing::Listing {
        command: "ls",
        resource: bucket.into(),
        region: REGION.into(),
        columns: vec![
            ("LAST MODIFIED", "lastModified"),
            ("SIZE", "size"),
            ("KEY", "key"),
        ],
        items: items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::Object(m) => m,
                _ => unreachable!(),
            })
            .collect(),
        truncated: true,
        note: Some("showing the first 33 entries; --limit N shows more".into()),
    }
}

/// A REST API's `stages`: prod (execution logs on, access logs to a group) and dev.
pub fn stages_listing(api: &str) -> crate::actions::listing::Listing {
    let items = [
        json!({"stageName": "prod", "deploymentId": "d1a2b3", "created": "2025-10-01T08:00:00Z",
            "lastUpdated": "2025-10-09T08:53:20Z", "executionLogging": "INFO",
            "accessLogDestination": "arn:aws:logs:us-east-1:123456789012:log-group:api-access",
            "description": null}),
        json!({"stageName": "dev", "deploymentId": "d4e5f6", "created": "2025-10-02T08:00:00Z",
            "lastUpdated": "2025-10-02T08:00:00Z", "executionLogging": null,
            "accessLogDestination": null, "description": "for trying things"}),
    ];
    crate::actions::listing::Listing {
        command: "stages",
        resource: api.into(),
        region: REGION.into(),
        columns: vec![
            ("STAGE", "stageName"),
            ("DEPLOYMENT", "deploymentId"),
            ("CREATED", "created"),
            ("UPDATED", "lastUpdated"),
            ("EXECUTION LOGS", "executionLogging"),
            ("ACCESS LOGS", "accessLogDestination"),
        ],
        items: items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::Object(m) => m,
                _ => unreachable!(),
            })
            .collect(),
        truncated: false,
        note: None,
    }
}

/// Calls to requestorFn over a day from three accounts: its own all day, a partner's in the
/// morning, an unknown one twice late at night.
pub fn spread_calls() -> Vec<crate::actions::invocations::Invocation> {
    let mut calls = Vec::new();
    let mut add = |h: u32, m: u32, account: &str, error: bool| {
        let epoch = 1_767_225_600.0 + f64::from(h * 3600 + m * 60);
        calls.push(crate::actions::invocations::Invocation {
            time: format!("2026-01-01T{h:02}:{m:02}:00Z"),
            epoch,
            caller_account: Some(account.into()),
            principal: format!("arn:aws:sts::{account}:assumed-role/caller/s"),
            source_ip: Some("10.0.0.1".into()),
            error: error.then(|| "AccessDenied".into()),
            status: None,
            path: None,
            cross_account: account != ACCOUNT,
            source: "trail",
            door: None,
        });
    };
    for h in 0..24 {
        for m in (0..60).step_by(if (9..18).contains(&h) { 10 } else { 30 }) {
            add(h, m, ACCOUNT, false);
        }
    }
    for h in 7..11 {
        for m in (5..60).step_by(15) {
            add(h, m, "222222222222", h == 10);
        }
    }
    add(22, 41, "333333333333", true);
    add(23, 12, "333333333333", true);
    calls.sort_by(|a, b| b.epoch.total_cmp(&a.epoch));
    calls
}

/// Answers the list's activity request (made as after a lookup): every function and API gets
/// a series over the hour, but the second, which has no data points.
pub fn answer_activity(app: &mut App) {
    use crate::actions::metrics::{Activity, Series};
    app.list.load_activity(&mut app.cx);
    let asked = app.take_effects().into_iter().find_map(|e| match e {
        Effect::Activity {
            id,
            targets,
            since_s,
            until_s,
            period_s,
        } => Some((id, targets, since_s, until_s, period_s)),
        _ => None,
    });
    let (id, targets, since_s, until_s, period_s) = asked.expect("an activity request");
    let series = targets
        .iter()
        .enumerate()
        .map(|(n, (_, t))| {
            let points: Vec<(i64, f64)> = if n == 1 {
                Vec::new()
            } else {
                (0..12i64)
                    .filter(|k| (k + n as i64) % 5 != 4)
                    .map(|k| {
                        let v = ((k * (n as i64 + 3)) % 9) as f64;
                        (since_s + k * i64::from(period_s) + 10, v)
                    })
                    .collect()
            };
            let s = Series {
                id: format!("q{n}"),
                metric: "Invocations".into(),
                stat: "Sum".into(),
                timestamps: Vec::new(),
                epochs: points.iter().map(|p| p.0).collect(),
                values: points.iter().map(|p| p.1).collect(),
            };
            (t.key, s)
        })
        .collect();
    app.receive(super::msg::Msg::Activity {
        id,
        activity: Box::new(Activity {
            since_s,
            until_s,
            period_s,
            series,
            errors: Vec::new(),
        }),
    });
}

/// The id of the last metrics request queued (describe's panel, the metrics view).
pub fn metrics_request_of(effects: &[Effect]) -> Option<super::msg::RequestId> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Metrics { id, .. } => Some(*id),
        _ => None,
    })
}

/// A function's metrics over 3 hours from 2026-01-01T00:00Z, per minute: invocations in a
/// wave, a few errors, no throttles, durations, concurrency.
pub fn metrics_report(function: &str) -> crate::actions::metrics::MetricsReport {
    use crate::actions::metrics::{MetricsReport, Series};
    let since_s = 1_767_225_600;
    let series = |id: &str, metric: &str, stat: &str, f: &dyn Fn(i64) -> Option<f64>| {
        let points: Vec<(i64, f64)> = (0..180)
            .filter_map(|m| f(m).map(|v| (since_s + 60 * m, v)))
            .collect();
        Series {
            id: id.into(),
            metric: metric.into(),
            stat: stat.into(),
            timestamps: points
                .iter()
                .map(|p| crate::time::iso_ms(p.0 * 1000))
                .collect(),
            epochs: points.iter().map(|p| p.0).collect(),
            values: points.iter().map(|p| p.1).collect(),
        }
    };
    MetricsReport {
        target: format!("lambda:{function}"),
        region: REGION.into(),
        since: "2026-01-01T00:00:00Z".into(),
        until: "2026-01-01T03:00:00Z".into(),
        period: 60,
        since_s,
        series: vec![
            series("invocations", "Invocations", "Sum", &|m| {
                (m % 7 != 3).then(|| ((m % 30) as f64 - 15.0).abs() + 1.0)
            }),
            series("errors", "Errors", "Sum", &|m| (m % 40 == 5).then_some(2.0)),
            series("throttles", "Throttles", "Sum", &|_| None),
            series("duration_p50", "Duration", "p50", &|m| {
                (m % 7 != 3).then_some(40.0 + (m % 11) as f64)
            }),
            series("duration_p99", "Duration", "p99", &|m| {
                (m % 7 != 3).then_some(180.5 + (m % 13) as f64 * 3.25)
            }),
            series("concurrency", "ConcurrentExecutions", "Maximum", &|m| {
                (m % 7 != 3).then_some((m % 4) as f64 + 1.0)
            }),
        ],
    }
}
