//! End to end: the real binary's TUI in a pseudo-terminal against the emulator, driven as a
//! person would drive it, and the terminal checked afterwards.
// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
#![cfg(unix)]

mod common;
mod tui_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Emulator, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, fixture, stderr};
use serde_json::{Value, json};
use tui_support::pty::Pty;

/// The binary on a pty, pointed at the emulator with fake credentials and its own cache.
fn tui(emu: &Emulator, cache: &Path, args: &[&str], cols: u16, rows: u16) -> Pty {
    tui_with(emu, cache, args, &[], cols, rows)
}

fn tui_with(
    emu: &Emulator,
    cache: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    cols: u16,
    rows: u16,
) -> Pty {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cdkx"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cache)
        .env("TERM", "xterm-256color")
        .env("CDKX_CACHE_DIR", cache)
        .env("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cache.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            cache.join("no-aws-credentials"),
        )
        .env("AWS_ENDPOINT_URL", &emu.url)
        // No browser here: opening one fails fast and says so.
        .env("BROWSER", "false")
        .envs(env.iter().copied())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(args);
    Pty::spawn(c, cols, rows)
}

/// The physical name of `requestorFn`; the lookup also warms the cache the TUI starts from.
fn requestor_function(emu: &Emulator, cache: &Path) -> String {
    let out = emu
        .cdkx(cache)
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["requestorFn", "-o", "json"])
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    v["construct"]["physicalId"].as_str().unwrap().to_string()
}

/// `n` CloudTrail events about `function`, one a minute back from now; every 10th caller is
/// in account 222222222222.
fn seed_events(emu: &Emulator, function: &str, n: usize) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let events: Vec<Value> = (0..n)
        .map(|i| {
            let account = if i % 10 == 0 { "222222222222" } else { "123456789012" };
            json!({
                "eventVersion": "1.08", "eventTime": common::iso(now - 60 * i as u64 - 30),
                "eventSource": "lambda.amazonaws.com",
                "eventName": if i % 3 == 0 { "UpdateFunctionConfiguration20150331v2" } else { "GetFunction20150331v2" },
                "awsRegion": "us-east-1", "sourceIPAddress": format!("10.0.0.{i}"),
                "userAgent": "aws-cli/2.0 \u{1b}[2J",
                "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{account}:assumed-role/dev/alice"), "accountId": account},
                "recipientAccountId": "123456789012", "readOnly": i % 3 != 0, "eventID": format!("ev-{i:04}"),
                "resources": [{"ARN": format!("arn:aws:lambda:us-east-1:123456789012:function:{function}")}],
                "requestParameters": {"functionName": function}
            })
        })
        .collect();
    emu.post(
        "/moto-api/cdkx/cloudtrail/events",
        &json!({"events": events}),
    );
}

const ESC: &str = "\x1b";
const ENTER: &str = "\r";

#[test]
fn filter_invoke_confirm_audit_and_quit_like_a_person() {
    let emu = Emulator::start();
    emu.deploy(&fixture("iam-api"));
    let cache = tempfile::tempdir().unwrap();
    let function = requestor_function(&emu, cache.path());
    emu.post(
        "/moto-api/cdkx/lambda/results",
        &json!({"function": function, "results": [{"payload": {
            "without": {"statusCode": 403, "headers": {"x-amzn-errortype": "MissingAuthenticationTokenException"},
                        "body": "{\"message\":\"Missing Authentication Token\"}"},
            "with": {"statusCode": 200, "body": "{\"hello\":\"world\"}"}
        }, "log_result": "START RequestId: e2e\nEND RequestId: e2e\n"}]}),
    );
    seed_events(&emu, &function, 130);

    let mut t = tui(&emu, cache.path(), &[], 160, 40);
    // The list, with physical ids and the caller's account, and the endpoint in the header.
    // Resources are counted without the stack's header row; ids are shortened in the middle,
    // so the physical id shows by its unique end.
    t.wait_text(&[
        "Resources (13)",
        &function[function.len() - 6..],
        "account: 123456789012",
    ]);
    let screen = t.text();
    assert!(
        screen.contains(&format!("endpoint: {}", emu.url)),
        "{screen}"
    );
    assert!(t.alternate_screen() && t.cursor_hidden());

    // A narrower terminal re-lays the screen out.
    t.resize(80, 24);
    t.wait_text(&["CONSTRUCT", "q quit"]);
    t.resize(160, 40);
    t.wait_text(&["aws_lambda_nodejs.NodejsFunction"]);

    // Filter to requestorFn.
    t.key("/");
    for c in "requestorFn".chars() {
        t.send(&c.to_string());
    }
    t.wait_text(&["Resources (4 of 13) · filter: requestorFn"]);
    t.key(ENTER);
    t.wait_text(&["? help"]);

    // Its action menu, then invoke: payload, confirmation, both sides of the answer.
    t.key(ENTER);
    t.wait_text(&["i invoke", "d describe", "a audit"]);
    t.key("i");
    t.wait_text(&["Payload (JSON):", "✓ valid JSON"]);
    t.key(ENTER);
    t.wait_text(&["invoke?", "y/Enter invoke"]);
    t.key("y");
    let screen = t.wait_text(&[
        "WITHOUT SIGNATURE",
        "WITH SIGNATURE (SigV4)",
        "403 Missing Authentication Token: the request was not signed",
        "200 OK",
        "\"hello\": \"world\"",
    ]);
    assert!(screen.contains("IAM auth is enforced"), "{screen}");
    let calls = emu.get("/moto-api/cdkx/lambda/invocations");
    assert_eq!(
        calls["invocations"].as_array().unwrap().last().unwrap()["payload"],
        json!({})
    );
    t.key("t");
    t.wait_text(&["log tail, 2 lines (t hides)", "END RequestId: e2e"]);

    // Back to the menu, then the audit: rows stream in, a batch at a time.
    t.key(ESC);
    t.wait_text(&["i invoke"]);
    t.key("a");
    // The first batch: 100 rows, then the audit waits for "load more" (at the end of the table).
    let screen = t.wait_text(&[
        "UpdateFunctionConfigu",
        "management events only",
        "events read",
    ]);
    assert!(screen.contains("222222222222"), "{screen}");
    assert!(
        !screen.contains('\u{1b}'),
        "user agents are drawn sanitized"
    );
    t.key("G");
    t.wait_text(&["load more (Enter)"]);
    t.key(ENTER);
    t.wait_for("the second batch", Duration::from_secs(60), |s| {
        !s.contains("load more") && !s.contains("loading") && s.contains("events read")
    });
    t.key("c");
    t.wait_text(&["cross-account only"]);
    t.key("g");
    t.key(ENTER);
    t.wait_text(&["\"eventID\": \"ev-0000\"", "\"recipientAccountId\""]);

    // Back out and quit.
    t.key(ESC);
    t.wait_text(&["cross-account only"]);
    t.key(ESC);
    t.wait_text(&["i invoke"]);
    t.key(ESC);
    t.wait_text(&["q quit"]);
    t.key("q");
    let status = t.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");

    // The terminal is as it was: normal screen, cursor shown, line editing and echo back on.
    assert!(!t.alternate_screen(), "left the alternate screen");
    assert!(!t.cursor_hidden(), "the cursor is visible again");
    assert!(t.cooked(), "raw mode is off");
    let raw = String::from_utf8_lossy(&t.raw_output()).into_owned();
    assert!(!raw.contains(FAKE_SECRET_KEY));
}

#[test]
fn exec_commands_get_the_terminal_and_the_tui_comes_back_where_it_was() {
    let emu = Emulator::start();
    emu.deploy(&fixture("iam-api"));
    let cache = tempfile::tempdir().unwrap();
    let function = requestor_function(&emu, cache.path());
    let commands = cache.path().join("construct-commands.json");
    std::fs::write(
        &commands,
        json!({"AWS::Lambda::Function": {
            "greet": {"exec": "echo \"hello from exec: ${PHYSICAL_RESOURCE_ID}\""},
            "wait": {"exec": "echo waiting; sleep 60"}
        }})
        .to_string(),
    )
    .unwrap();
    let mut t = tui(
        &emu,
        cache.path(),
        &["--commands", commands.to_str().unwrap(), "tui"],
        100,
        30,
    );
    t.wait_text(&["account: 123456789012", &function[function.len() - 6..]]);
    t.key("/");
    t.send("requestorFn");
    t.wait_text(&["4 of 13"]);
    t.key(ENTER);
    t.key(ENTER);
    t.wait_text(&["greet"]);
    // The built-in commands of a function are native; the project's `greet` is 1.
    t.key("1");
    t.wait_for("the command's output", Duration::from_secs(30), |s| {
        s.contains("hello from exec: IamApigatewayLambdaStack-requestorFn15B8813B-")
            && s.contains("press any key to return to cdkx")
    });
    assert!(
        !t.alternate_screen(),
        "the command runs on the normal screen"
    );
    t.key(" ");
    t.wait_text(&["greet", "`greet` finished"]);
    assert!(t.alternate_screen(), "back in the TUI, on the same menu");
    // ctrl-c stops a command that runs on, not cdkx.
    t.key("2");
    t.wait_text(&["waiting"]);
    t.key("\x03");
    t.wait_text(&["`wait` exited with status 130", "press any key"]);
    t.key("x");
    t.wait_text(&["`wait` exited with status 130"]);
    assert!(t.alternate_screen(), "ctrl-c did not end cdkx");
    t.key(ESC);
    t.key(ESC);
    t.send("\x03");
    let status = t.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "ctrl-c quits cleanly: {status:?}");
    assert!(!t.alternate_screen() && !t.cursor_hidden() && t.cooked());
}

#[test]
fn readonly_refuses_invoke_and_says_why() {
    // `cdkx tui --readonly`, or CDKX_READONLY for `cdkx` alone.
    let emu = Emulator::start();
    emu.deploy(&fixture("iam-api"));
    let cache = tempfile::tempdir().unwrap();
    let function = requestor_function(&emu, cache.path());
    let mut t = tui_with(&emu, cache.path(), &[], &[("CDKX_READONLY", "1")], 100, 30);
    t.wait_text(&["READONLY", &function[function.len() - 6..]]);
    t.key("/");
    t.send("requestorFn");
    t.wait_text(&["4 of 13"]);
    t.key(ENTER);
    t.key("i");
    t.wait_text(&["READONLY: invoke runs the function"]);
    let calls = emu.get("/moto-api/cdkx/lambda/invocations");
    assert!(
        calls["invocations"].as_array().unwrap().is_empty(),
        "{function}"
    );
    t.key("q");
    assert!(t.wait_exit(Duration::from_secs(30)).success());
}

/// Trail logs of `function` in the emulator's S3, under a trail that logs Lambda data events:
/// 3 calls from 222222222222 and 2 from the function's own account (one failed), minutes ago.
fn seed_trail_logs(emu: &Emulator, function: &str) {
    emu.python(&format!(
        r#"
import gzip, datetime
FUNCTION = {function:?}
now = datetime.datetime.now(datetime.timezone.utc)
arn = 'arn:aws:lambda:us-east-1:123456789012:function:' + FUNCTION
def record(i, account, error=None):
    t = now - datetime.timedelta(minutes=5 + i)
    r = {{"eventVersion": "1.09", "eventTime": t.strftime('%Y-%m-%dT%H:%M:%SZ'), "eventSource": "lambda.amazonaws.com",
         "eventName": "Invoke", "awsRegion": "us-east-1", "sourceIPAddress": "10.9.0.%d" % i,
         "userIdentity": {{"type": "AssumedRole", "accountId": account, "arn": "arn:aws:sts::%s:assumed-role/caller/s" % account}},
         "recipientAccountId": "123456789012", "eventID": "e-%d" % i, "eventCategory": "Data",
         "resources": [{{"type": "AWS::Lambda::Function", "ARN": arn}}]}}
    if error:
        r["errorCode"] = error
    return r
records = [record(0, '222222222222'), record(1, '222222222222'), record(2, '222222222222'),
           record(3, '123456789012'), record(4, '123456789012', 'AccessDenied')]
s3 = client('s3')
s3.create_bucket(Bucket='trail-bucket')
key = 'AWSLogs/123456789012/CloudTrail/us-east-1/' + now.strftime('%Y/%m/%d') + '/123456789012_CloudTrail_us-east-1_x.json.gz'
s3.put_object(Bucket='trail-bucket', Key=key, Body=gzip.compress(json.dumps({{"Records": records}}).encode()))
ct = client('cloudtrail')
ct.create_trail(Name='main', S3BucketName='trail-bucket')
ct.put_event_selectors(TrailName='main', AdvancedEventSelectors=[{{"Name": "invokes", "FieldSelectors": [
    {{"Field": "eventCategory", "Equals": ["Data"]}}, {{"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}}]}}])
"#
    ));
}

#[test]
fn probe_and_invocations_views_against_the_emulator() {
    let emu = Emulator::start();
    emu.deploy(&fixture("iam-api"));
    let cache = tempfile::tempdir().unwrap();
    let function = requestor_function(&emu, cache.path());
    // The API's function answers; the test's keys are a user of 123456789012 to the front door.
    let out = emu
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["iamApiFn", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let api_fn = v["construct"]["physicalId"].as_str().unwrap().to_string();
    emu.post(
        "/moto-api/cdkx/lambda/results",
        &json!({"function": api_fn, "default": {"payload": {"statusCode": 200, "body": "{\"hello\":\"world\"}"}}}),
    );
    emu.post(
        "/moto-api/cdkx/apigw/credentials",
        &json!({"access_key_id": FAKE_ACCESS_KEY, "secret_access_key": FAKE_SECRET_KEY, "arn": "arn:aws:iam::123456789012:user/dev",
                "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}]}),
    );
    seed_trail_logs(&emu, &function);

    let mut t = tui(&emu, cache.path(), &[], 160, 40);
    t.wait_text(&["account: 123456789012", "iambackedapi"]);
    t.key("/");
    t.send("iam-backed-api");
    t.key(ENTER);
    t.key(ENTER);
    t.wait_text(&["p probe", "w invocations"]);
    // p: the same GET sent unsigned and signed, both answers judged.
    t.key("p");
    let screen = t.wait_text(&[
        "UNSIGNED",
        "SIGNED (SigV4)",
        "403 Missing Authentication Token",
        "IAM auth is enforced",
        "200 OK",
        "\"hello\": \"world\"",
        // moto names every caller user/moto.
        "signed as arn:aws:sts::123456789012:user/moto · credentials: environment",
    ]);
    assert!(
        screen.contains("access: resource policy allows"),
        "{screen}"
    );
    // s: the signed request, its signature redacted.
    t.key("s");
    t.wait_text(&[
        "signed request (signature and token redacted)",
        "Signature=<redacted>",
    ]);
    // e: POST /?probe=1 with a body; the front door sees exactly that, signed and not.
    emu.delete("/moto-api/cdkx/apigw/requests");
    t.key("e");
    t.wait_text(&["Tab next field", "▸ Path"]);
    t.send("?probe=1");
    t.key("\t");
    t.send("{\"a\":1}");
    t.key("\x1b[Z"); // shift-Tab
    t.key("\x1b[Z");
    t.key("\x15"); // ctrl-u clears the method
    t.send("POST");
    t.key(ENTER);
    t.wait_for("both POST answers", Duration::from_secs(30), |s| {
        s.contains("POST https://") && s.contains("SIGNED (SigV4)")
    });
    let seen = emu.get("/moto-api/cdkx/apigw/requests");
    let seen = seen["requests"].as_array().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for r in seen {
        assert_eq!(
            (r["method"].as_str(), r["query"].as_str()),
            (Some("POST"), Some("probe=1")),
            "{r}"
        );
    }
    // The API has no POST method: API Gateway refuses it as if unsigned, and cdkx says why.
    let screen = t.wait_text(&["refused although signed", "the path or method may not"]);
    assert!(screen.contains("POST https://"), "{screen}");

    // w on the function: who called it, from the trail's logs in S3.
    t.key(ESC);
    t.wait_text(&["p probe"]);
    t.key(ESC);
    t.key("/");
    t.key("\x15");
    t.send("requestorFn");
    t.key(ENTER);
    t.key("w");
    let screen = t.wait_text(&[
        "invocations · last day",
        "1 object,",
        "5 calls",
        "trail: used",
        "CALLER ACCOUNT",
        "222222222222",
        "AccessDenied",
    ]);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("222222222222") && l.contains(" 3 ")),
        "3 calls from the other account: {screen}"
    );
    // Each account's calls over the day as a sparkline; these calls are minutes old.
    assert!(screen.contains("CALLS PER 30 MIN"), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("! 222222222222") && l.contains('▁') && l.contains('█')),
        "{screen}"
    );
    t.key("b");
    t.wait_text(&[
        "PRINCIPAL",
        "arn:aws:sts::222222222222:assumed-role/caller/s",
    ]);
    t.key(ESC);
    t.key("q");
    assert!(t.wait_exit(Duration::from_secs(30)).success());
    let raw = String::from_utf8_lossy(&t.raw_output()).into_owned();
    assert!(!raw.contains(FAKE_SECRET_KEY));
}

/// Writes lines to `function`'s log group (created if needed), stamped now, with boto3.
fn put_log_lines(emu: &Emulator, function: &str, lines: &[&str]) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let events: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"timestamp": now + i as i64, "message": m}))
        .collect();
    emu.python(&format!(
        r#"
logs = client("logs")
group, stream, events = {group:?}, "2026/01/01/[$LATEST]e2e", json.loads({events:?})
if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
    logs.create_log_group(logGroupName=group)
if not logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)["logStreams"]:
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
"#,
        group = format!("/aws/lambda/{function}"),
        events = serde_json::to_string(&events).unwrap(),
    ));
}

#[test]
fn the_log_view_follows_a_function_pauses_and_goes_to_an_invoke() {
    let emu = Emulator::start();
    emu.deploy(&fixture("iam-api"));
    let cache = tempfile::tempdir().unwrap();
    let function = requestor_function(&emu, cache.path());
    put_log_lines(&emu, &function, &["before the session"]);
    emu.post(
        "/moto-api/cdkx/lambda/results",
        &json!({"function": function, "results": [
            {"payload": {"ok": true}, "log_lines": ["the invoke's own line"]}
        ]}),
    );
    let mut t = tui(&emu, cache.path(), &[], 140, 30);
    t.wait_text(&["account: 123456789012", &function[function.len() - 6..]]);
    t.key("/");
    t.send("requestorFn");
    t.wait_text(&["4 of 13"]);
    t.key(ENTER);

    // l: the last hour, then following.
    t.key("l");
    t.wait_text(&[
        "before the session",
        "following · live · 1 line",
        &format!("/aws/lambda/{function}"),
    ]);
    // A line written now appears (Live Tail pushes it; the bound only ends a hang).
    put_log_lines(&emu, &function, &["written during the session \u{1b}[2J"]);
    let screen = t.wait_for("the new line", Duration::from_secs(15), |s| {
        s.contains("written during the session")
    });
    assert!(
        screen.contains("written during the session \\x1b[2J"),
        "drawn sanitized: {screen}"
    );

    // Space pauses: a new line is counted, not shown, until Space again.
    t.key(" ");
    t.wait_text(&["paused · 0 new"]);
    put_log_lines(&emu, &function, &["while paused"]);
    let screen = t.wait_text(&["paused · 1 new"]);
    assert!(!screen.contains("while paused"), "{screen}");
    t.key(" ");
    t.wait_text(&["while paused", "following · live · 3 lines"]);

    // After an invoke, l in its result opens the log view at that invoke's lines.
    t.key(ESC);
    t.wait_text(&["q quit"]);
    t.key("i");
    t.wait_text(&["Payload (JSON):"]);
    t.key(ENTER);
    t.key("y");
    t.wait_text(&["status 200", "l logs"]);
    t.key("l");
    t.wait_text(&["the invoke's own line", "scrolled (G follows)"]);

    t.key(ESC);
    t.wait_text(&["l logs"]);
    t.key(ESC);
    t.wait_text(&["q quit"]);
    t.key("q");
    let status = t.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    assert!(!t.alternate_screen() && !t.cursor_hidden() && t.cooked());
    let raw = String::from_utf8_lossy(&t.raw_output()).into_owned();
    assert!(!raw.contains(FAKE_SECRET_KEY));
}

/// Puts data points into the emulator's CloudWatch: `(namespace, metric, dimensions, seconds
/// ago, value)`.
fn put_metrics(emu: &Emulator, points: &[(&str, &str, Value, u64, f64)]) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (namespace, metric, dims, ago, value) in points {
        let data = json!([{"MetricName": metric, "Value": value, "Timestamp": now - ago,
                           "Dimensions": dims}]);
        emu.python(&format!(
            "client('cloudwatch').put_metric_data(Namespace={namespace:?}, MetricData=json.loads({:?}))",
            data.to_string()
        ));
    }
}

#[test]
fn sparklines_in_the_list_a_metrics_panel_in_describe_and_the_metrics_view() {
    let emu = Emulator::start();
    emu.deploy(&fixture("iam-api"));
    let cache = tempfile::tempdir().unwrap();
    let function = requestor_function(&emu, cache.path());
    let api = emu.python("print(client('apigateway').get_rest_apis()['items'][0]['name'])");
    let fn_dims = json!([{"Name": "FunctionName", "Value": function}]);
    let api_dims = json!([{"Name": "ApiName", "Value": api.trim()}]);
    put_metrics(
        &emu,
        &[
            ("AWS/Lambda", "Invocations", fn_dims.clone(), 50 * 60, 3.0),
            ("AWS/Lambda", "Invocations", fn_dims.clone(), 20 * 60, 9.0),
            ("AWS/Lambda", "Invocations", fn_dims.clone(), 30, 6.0),
            ("AWS/Lambda", "Errors", fn_dims, 20 * 60, 1.0),
            ("AWS/ApiGateway", "Count", api_dims, 10 * 60, 4.0),
        ],
    );
    emu.reset_request_counts();

    let mut t = tui(&emu, cache.path(), &[], 160, 40);
    // The list first (the column's heading is drawn with it), then the bars once CloudWatch
    // answered: waiting for the heading alone raced the answer.
    let screen = t.wait_for("the sparklines", Duration::from_secs(60), |s| {
        s.contains("LAST HOUR")
            && s.contains("account: 123456789012")
            && s.lines()
                .any(|l| l.starts_with("│requestorFn ") && l.contains('█'))
    });
    let row = |name: &str| -> String {
        screen
            .lines()
            .find(|l| l.starts_with(&format!("│{name} ")))
            .unwrap_or_else(|| panic!("no row {name}: {screen}"))
            .to_string()
    };
    // 3, 9, 6 on a 0..9 scale, oldest first, each in its own 5 minutes.
    let requestor = row("requestorFn");
    let at = |c: char| {
        requestor
            .find(c)
            .unwrap_or_else(|| panic!("no {c} in {requestor}"))
    };
    assert!(at('▃') < at('█') && at('█') < at('▆'), "{requestor}");
    // The API's one count is its maximum; the other function has no data points.
    assert!(row("iam-backed-api").contains('█'), "{screen}");
    assert!(
        row("iamApiFn")
            .trim_end_matches('│')
            .trim_end()
            .ends_with('·'),
        "{screen}"
    );
    let calls = emu.request_counts();
    assert_eq!(
        calls["monitoring:GetMetricData"], 1,
        "one request for the list: {calls}"
    );

    // Describe: the panel fills in beside the description.
    t.key("/");
    t.send("requestorFn");
    t.wait_text(&["Resources (4 of 13)"]);
    t.key(ENTER);
    t.key("d");
    let screen = t.wait_text(&[
        "metrics · last 3 hours, per minute",
        "Invocations Sum",
        "min 3  max 9  sum 18",
        "Throttles Sum",
    ]);
    assert!(screen.contains("Errors Sum"), "{screen}");

    // `m` opens the metrics view; `t` moves its window.
    t.key("m");
    t.wait_text(&[
        "metrics IamApigatewayLambdaStack/requestorFn",
        "last 3 hours, per minute",
    ]);
    t.key("t");
    let screen = t.wait_text(&["last day, per 5 minutes", "sum 18"]);
    assert!(screen.contains(&format!("lambda:{function}")), "{screen}");
    t.key(ESC);
    t.key(ESC);
    t.key(ESC);
    t.key(ESC);
    t.wait_text(&["q quit"]);
    t.key("q");
    assert!(t.wait_exit(Duration::from_secs(30)).success());
}
