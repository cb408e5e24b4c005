//! End to end: the native invoke and audit actions of the real binary against the emulator.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::path::Path;

use common::{Emulator, assert_no_secrets, fixture, stderr, stdout};
use serde_json::{Value, json};

/// An emulator with the iam-api example deployed, and the physical name of `requestorFn`.
struct Setup {
    emu: Emulator,
    cache: tempfile::TempDir,
    function: String,
}

impl Setup {
    fn new() -> Setup {
        let common::IamApi {
            emu,
            cache,
            function,
        } = common::IamApi::start();
        Setup {
            emu,
            cache,
            function,
        }
    }

    fn cdkx(&self, args: &[&str]) -> std::process::Output {
        let out = self
            .emu
            .cdkx(self.cache.path())
            .env("COLUMNS", "200")
            .arg("--app")
            .arg(fixture("iam-api"))
            .args(args)
            .output()
            .unwrap();
        assert_no_secrets(&out);
        out
    }

    fn queue(&self, result: Value) {
        self.emu.post(
            "/moto-api/cdkx/lambda/results",
            &json!({"function": self.function, "results": [result]}),
        );
    }

    fn cache(&self) -> &Path {
        self.cache.path()
    }
}

fn requestor_payload() -> Value {
    json!({
        "without": {"statusCode": 403, "headers": {"x-amzn-errortype": "MissingAuthenticationTokenException"},
                    "body": "{\"message\":\"Missing Authentication Token\"}"},
        "with": {"statusCode": 200, "body": "{\"hello\":\"world\"}"}
    })
}

#[test]
fn requestor_result_is_shown_side_by_side_with_verdicts() {
    let s = Setup::new();
    s.queue(json!({"payload": requestor_payload()}));
    let out = s.cdkx(&["requestorFn", "invoke", "--payload", r#"{"probe": true}"#]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("WITHOUT SIGNATURE") && text.contains("WITH SIGNATURE (SigV4)"),
        "{text}"
    );
    assert!(
        text.contains("403 Missing Authentication Token: the request was not signed"),
        "{text}"
    );
    assert!(text.contains("IAM auth is enforced"), "{text}");
    assert!(text.lines().any(|l| l.contains("│ 200 OK")), "{text}");
    assert!(text.contains("\"hello\": \"world\""), "{text}");
    // The event reached the function as sent.
    let calls = s.emu.get("/moto-api/cdkx/lambda/invocations");
    assert_eq!(
        calls["invocations"].as_array().unwrap().last().unwrap()["payload"],
        json!({"probe": true})
    );

    // Text: two labelled blocks.
    s.queue(json!({"payload": requestor_payload()}));
    let text = stdout(&s.cdkx(&["requestorFn", "invoke", "-o", "text"]));
    assert!(
        text.contains("without signature: 403 Missing Authentication Token")
            && text.contains("with signature (SigV4): 200 OK"),
        "{text}"
    );

    // JSON keeps the raw payload and adds the verdicts.
    s.queue(json!({"payload": requestor_payload()}));
    let out = s.cdkx(&["requestorFn", "invoke", "-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["payload"]["value"], requestor_payload());
    assert_eq!(
        v["requestor"]["without"]["verdict"]["kind"],
        "missing-authentication-token"
    );
    assert_eq!(v["requestor"]["with"]["verdict"]["kind"], "ok");
    assert_eq!(v["requestor"]["with"]["body"], json!({"hello": "world"}));
    assert_eq!(v["functionError"], Value::Null);
}

/// The original write-up's requestor returns the parsed bodies only, without statuses.
#[test]
fn a_requestor_that_returns_bodies_only_is_judged_right() {
    let s = Setup::new();
    let blog =
        json!({"without": {"message": "Missing Authentication Token"}, "with": {"hello": "world"}});
    s.queue(json!({"payload": blog}));
    let out = s.cdkx(&["requestorFn", "invoke", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (without, with) = (&v["requestor"]["without"], &v["requestor"]["with"]);
    assert_eq!(
        without["verdict"]["kind"], "missing-authentication-token",
        "{v}"
    );
    assert_eq!(
        without["verdict"]["summary"],
        "Missing Authentication Token: the request was not signed"
    );
    assert_eq!(with["verdict"]["kind"], "ok", "{v}");
    assert_eq!(with["status"], Value::Null);
    assert_eq!(with["body"], json!({"hello": "world"}));
    assert!(
        with["verdict"]["summary"]
            .as_str()
            .unwrap()
            .contains("status not recorded by the requestor"),
        "{v}"
    );

    s.queue(json!({"payload": blog}));
    let text = stdout(&s.cdkx(&["requestorFn", "invoke"]));
    assert!(
        text.contains("Missing Authentication Token: the request was not signed"),
        "{text}"
    );
    assert!(
        text.contains("answered (status not recorded by the"),
        "{text}"
    );
    assert!(
        !text.contains("no status") && !text.contains("no HTTP answer"),
        "{text}"
    );
    s.queue(json!({"payload": blog}));
    let text = stdout(&s.cdkx(&["requestorFn", "invoke", "-o", "text"]));
    assert!(
        text.contains(
            "without signature: Missing Authentication Token: the request was not signed"
        ) && text
            .contains("with signature (SigV4): answered (status not recorded by the requestor)"),
        "{text}"
    );

    // A side the requestor did not record, and a request that never reached the API.
    let cases = [
        (
            json!({"without": {}, "with": {"hello": "world"}}),
            "not-recorded",
            "ok",
        ),
        (
            json!({"without": {"message": "Missing Authentication Token"}, "with": null}),
            "missing-authentication-token",
            "not-recorded",
        ),
        (
            json!({"without": {"message": "fetch failed"},
                   "with": {"name": "TypeError", "message": "fetch failed", "cause": {"code": "ENOTFOUND", "syscall": "getaddrinfo"}}}),
            "request-failed",
            "request-failed",
        ),
    ];
    for (payload, without_kind, with_kind) in cases {
        s.queue(json!({"payload": payload}));
        let out = s.cdkx(&["requestorFn", "invoke", "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["requestor"]["without"]["verdict"]["kind"], without_kind,
            "{v}"
        );
        assert_eq!(v["requestor"]["with"]["verdict"]["kind"], with_kind, "{v}");
        if with_kind == "request-failed" {
            let advice = v["requestor"]["with"]["verdict"]["advice"]
                .as_str()
                .unwrap();
            assert!(advice.contains("did not resolve"), "{advice}");
        }
    }
}

#[test]
fn function_errors_show_the_error_and_log_and_exit_3() {
    let s = Setup::new();
    s.queue(json!({
        "payload": {"errorType": "TypeError", "errorMessage": "Cannot read properties of undefined", "trace": []},
        "function_error": "Unhandled",
        "log_result": "START RequestId: abc\n\u{1b}[31mERROR\u{1b}[0m TypeError: boom\nEND RequestId: abc\n"
    }));
    // The log group cannot be read this time: the 4 KB tail is shown, with a note saying why.
    s.emu.post(
        "/moto-api/cdkx/faults",
        &json!({"target": "logs:FilterLogEvents", "kind": "http500"}),
    );
    let out = s.cdkx(&["requestorFn", "invoke", "--log"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("function error (Unhandled): TypeError: Cannot read properties of undefined"),
        "{text}"
    );
    assert!(
        text.contains("--- log tail ---") && text.contains("TypeError: boom"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "escape sequences must be neutralized: {text:?}"
    );
    assert!(text.contains("\\x1b[31mERROR"), "{text}");
    assert!(text.contains("note: cannot read /aws/lambda/"), "{text}");

    s.queue(json!({"payload": {"errorType": "E", "errorMessage": "m"}, "function_error": "Handled", "log_result": "line\n"}));
    let out = s.cdkx(&["requestorFn", "invoke", "--log", "-o", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["functionError"], "Handled");
    assert_eq!(v["errorType"], "E");
    assert_eq!(v["logTail"], "line\n");
    // This time the log group answers: the run's START, END and REPORT lines, by request id.
    assert_eq!(v["logNote"], Value::Null);
    let kinds: Vec<&str> = v["logLines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["start", "end", "report"], "{v}");
}

#[test]
fn text_binary_and_hostile_payloads() {
    let s = Setup::new();
    s.queue(json!({"payload_text": "plain words \u{1b}]52;c;ZXZpbA==\u{7} done"}));
    let out = s.cdkx(&["requestorFn", "invoke"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("plain words \\x1b]52;c;ZXZpbA==\\x07 done"),
        "{text:?}"
    );
    assert!(!text.contains('\u{7}') && !text.contains('\u{1b}'));

    s.queue(json!({"payload_base64": "/wD+AQ=="}));
    let out = s.cdkx(&["requestorFn", "invoke"]);
    assert!(
        stdout(&out).contains("(binary payload, 4 bytes; --output json shows it as base64)"),
        "{}",
        stdout(&out)
    );
    s.queue(json!({"payload_base64": "/wD+AQ=="}));
    let v: Value =
        serde_json::from_slice(&s.cdkx(&["requestorFn", "invoke", "-o", "json"]).stdout).unwrap();
    assert_eq!(v["payload"], json!({"kind": "binary", "value": "/wD+AQ=="}));
}

#[test]
fn six_megabyte_payloads_go_both_ways_untruncated() {
    let s = Setup::new();
    let big = "x".repeat(6 * 1024 * 1024 - 64);
    s.queue(json!({"payload": {"data": big}}));
    let event = s.cache().join("event.json");
    std::fs::write(
        &event,
        json!({"blob": "y".repeat(6 * 1024 * 1024 - 64)}).to_string(),
    )
    .unwrap();
    let out = s.cdkx(&[
        "requestorFn",
        "invoke",
        "--payload-file",
        event.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["payload"]["value"]["data"].as_str().unwrap().len(),
        big.len()
    );
    let calls = s.emu.get("/moto-api/cdkx/lambda/invocations");
    let sent = &calls["invocations"].as_array().unwrap().last().unwrap()["payload"]["blob"];
    assert_eq!(sent.as_str().unwrap().len(), 6 * 1024 * 1024 - 64);
}

#[test]
fn bad_invoke_input_is_refused_before_any_call() {
    let s = Setup::new();
    let out = s.cdkx(&["requestorFn", "invoke", "--payload", "{not json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--payload is not valid JSON"),
        "{}",
        stderr(&out)
    );
    let out = s.cdkx(&[
        "requestorFn",
        "invoke",
        "--payload-file",
        "/nonexistent/event.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/event.json"),
        "{}",
        stderr(&out)
    );
    let out = s.cdkx(&["iam-backed-api", "invoke"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no command \"invoke\""),
        "{}",
        stderr(&out)
    );
    let calls = s.emu.get("/moto-api/cdkx/lambda/invocations");
    assert!(calls["invocations"].as_array().unwrap().is_empty());
}

/// Seeds `n` events about `function`, one a minute going back from now; every 10th is made by a
/// caller in account 222222222222.
fn seed(emu: &Emulator, function: &str, n: usize) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let events: Vec<Value> = (0..n)
        .map(|i| {
            let account = if i % 10 == 0 { "222222222222" } else { "123456789012" };
            let t = common::iso(now - 60 * i as u64 - 30);
            json!({
                "eventVersion": "1.08", "eventTime": t, "eventSource": "lambda.amazonaws.com",
                "eventName": if i % 3 == 0 { "UpdateFunctionConfiguration20150331v2" } else { "GetFunction20150331v2" },
                "awsRegion": "us-east-1", "sourceIPAddress": format!("10.0.0.{i}"), "userAgent": "aws-cli/2.0 \u{1b}[2J",
                "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{account}:assumed-role/dev/alice"), "accountId": account},
                "recipientAccountId": "123456789012", "readOnly": i % 3 != 0, "eventID": format!("ev-{i:04}"),
                "resources": [{"ARN": format!("arn:aws:lambda:us-east-1:123456789012:function:{function}"), "accountId": "123456789012", "type": "AWS::Lambda::Function"}],
                "requestParameters": {"functionName": function}
            })
        })
        .collect();
    emu.post(
        "/moto-api/cdkx/cloudtrail/events",
        &json!({"events": events}),
    );
}

#[test]
fn audit_pages_filters_and_flags_cross_account_callers() {
    let s = Setup::new();
    seed(&s.emu, &s.function, 130);
    s.emu.reset_request_counts();
    let out = s.cdkx(&["requestorFn", "audit", "--limit", "0", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("management events only"),
        "the data-events note is always printed"
    );
    let rows: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        rows.len(),
        130,
        "every event once, though two lookups (name and ARN) find them"
    );
    let times: Vec<&str> = rows.iter().map(|r| r["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(rows[0]["eventID"], Value::Null, "the id is eventId");
    assert_eq!(rows[0]["eventId"], "ev-0000");
    assert_eq!(
        rows[0]["event"]["eventID"], "ev-0000",
        "the full record is kept"
    );
    assert_eq!(
        rows.iter().filter(|r| r["crossAccount"] == true).count(),
        13
    );
    let lookups = s.emu.request_counts()["cloudtrail:LookupEvents"]
        .as_u64()
        .unwrap();
    assert!(
        lookups >= 6,
        "3 pages for each of the two lookups, got {lookups}"
    );

    // Only the last 30 minutes: events 0..=29 (each at i minutes and 30 s ago).
    let out = s.cdkx(&[
        "requestorFn",
        "audit",
        "--since",
        "30m",
        "--limit",
        "0",
        "-o",
        "json",
    ]);
    assert_eq!(stdout(&out).lines().count(), 30);
    // --event filters by name, --cross-account by caller.
    let out = s.cdkx(&[
        "requestorFn",
        "audit",
        "--limit",
        "0",
        "--cross-account",
        "--event",
        "UpdateFunctionConfiguration20150331v2",
        "-o",
        "text",
    ]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 5, "{lines:?}"); // i in {0, 30, 60, 90, 120}
    // Text is the aws CLI's: tab-separated fields, no header (ACCOUNT is the 5th, XACCT the 8th).
    assert!(
        lines.iter().all(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            f.len() == 9
                && f[1] == "UpdateFunctionConfiguration20150331v2"
                && f[4] == "222222222222"
                && f[7] == "YES"
        }),
        "{lines:?}"
    );
    // --limit stops early and says so.
    let out = s.cdkx(&["requestorFn", "audit", "--limit", "7"]);
    let table = stdout(&out);
    assert_eq!(table.lines().count(), 8, "{table}");
    assert!(
        table.lines().nth(1).unwrap().contains("YES"),
        "the newest row is cross-account: {table}"
    );
    assert!(
        !table.contains('\u{1b}') && table.contains("\\x1b[2J"),
        "user agents are sanitized: {table}"
    );
    assert!(stderr(&out).contains("--limit 0 shows all"));
}

#[test]
fn audit_rides_out_throttling_and_explains_when_it_cannot() {
    let s = Setup::new();
    seed(&s.emu, &s.function, 60);
    s.emu.post(
        "/moto-api/cdkx/faults",
        &json!({"target": "LookupEvents", "kind": "throttle", "count": 3}),
    );
    let out = s.cdkx(&["requestorFn", "audit", "--limit", "0", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 60);
    assert!(!stderr(&out).contains("Throttling"), "{}", stderr(&out));

    s.emu.post(
        "/moto-api/cdkx/faults",
        &json!({"target": "LookupEvents", "kind": "throttle", "count": 100}),
    );
    let out = s.cdkx(&["requestorFn", "audit"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("CloudTrail kept throttling") && err.contains("try again"),
        "{err}"
    );
    assert!(!err.contains("ThrottlingException:"), "{err}");
}

#[test]
fn audit_with_nothing_to_show_says_so() {
    let s = Setup::new();
    let out = s.cdkx(&["requestorFn", "audit"]);
    assert!(out.status.success());
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("no management events name"),
        "{}",
        stderr(&out)
    );
    let out = s.cdkx(&["requestorFn", "audit", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--since: expected a duration"));
}
