//! End to end: `logs` (history, filter, request id, JSON Lines, follow, sanitizing), `invoke
//! --log` by request id, and `metrics` (numbers and sparklines), through the real binary and the
//! real SDK against the emulator (moto + the project's CloudWatch Logs/metrics extensions).

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{IamApi, assert_no_secrets, fixture, stderr, stdout};
use serde_json::{Value, json};

fn run(s: &IamApi, args: &[&str]) -> std::process::Output {
    let out = s
        .emu
        .cdkx(s.cache.path())
        .env("COLUMNS", "100")
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(args)
        .output()
        .unwrap();
    assert_no_secrets(&out);
    out
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Writes events to the function's log group (created if needed) with boto3.
fn put_events(s: &IamApi, stream: &str, events: &[(i64, String)]) {
    let group = format!("/aws/lambda/{}", s.function);
    let events: Vec<Value> = events
        .iter()
        .map(|(t, m)| json!({"timestamp": t, "message": m}))
        .collect();
    s.emu.python(&format!(
        r#"
logs = client("logs")
group, stream, events = {group:?}, {stream:?}, json.loads({events:?})
if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
    logs.create_log_group(logGroupName=group)
if not logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)["logStreams"]:
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
"#,
        events = serde_json::to_string(&events).unwrap(),
    ));
}

fn json_lines(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

#[test]
fn history_pages_interleaves_filters_and_sanitizes() {
    let s = IamApi::start();
    // Three events a page: the ten below take four FilterLogEvents calls.
    s.emu.post("/moto-api/cdkx/paging", &json!({"logs": 3}));
    let t0 = now_ms() - 120_000;
    let id = "0d9a3b7e-5c2f-4e11-9a6b-2f8c1d7e4a55";
    let a: Vec<(i64, String)> = (0..5)
        .map(|i| (t0 + i * 1000, format!("alpha {i}")))
        .collect();
    let mut b: Vec<(i64, String)> = (0..4)
        .map(|i| (t0 + i * 1000 + 500, format!("beta {i}")))
        .collect();
    b.push((
        t0 + 4500,
        format!("2026-01-01T00:00:00.000Z\t{id}\tERROR\tboom \u{1b}[31mred\u{1b}]0;title\u{7}"),
    ));
    put_events(&s, "2026/01/01/[$LATEST]aaaa", &a);
    put_events(&s, "2026/01/01/[$LATEST]bbbb", &b);
    s.emu.reset_request_counts();

    let out = run(&s, &["requestorFn", "logs", "--since", "10m"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let messages: Vec<&str> = text
        .lines()
        .map(|l| l.splitn(3, "  ").nth(2).unwrap_or(""))
        .collect();
    assert_eq!(
        messages,
        [
            "alpha 0",
            "beta 0",
            "alpha 1",
            "beta 1",
            "alpha 2",
            "beta 2",
            "alpha 3",
            "beta 3",
            "alpha 4",
            "ERROR  boom \\x1b[31mred\\x1b]0;title\\x07",
        ],
        "{text}"
    );
    // The stream names the lines without a request id; the request id names the other.
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("  2026/01/01/[$LATEST]aaaa  alpha 0")
    );
    assert!(text.lines().last().unwrap().contains("  0d9a3b7e  ERROR"));
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(stderr(&out).contains("10 lines from /aws/lambda/"));
    let calls = s.emu.request_counts();
    assert_eq!(calls["logs:FilterLogEvents"], 4, "{calls}");

    // --filter goes to CloudWatch as a filter pattern.
    let out = run(
        &s,
        &["requestorFn", "logs", "--since", "10m", "--filter", "beta"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.lines().all(|l| l.contains("beta")), "{text}");

    // --request-id, as JSON Lines: the raw message, the id, the stream.
    let out = run(
        &s,
        &[
            "requestorFn",
            "logs",
            "--since",
            "10m",
            "--request-id",
            id,
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["requestId"], id);
    assert_eq!(lines[0]["kind"], "log");
    assert_eq!(lines[0]["stream"], "2026/01/01/[$LATEST]bbbb");
    assert_eq!(lines[0]["timestamp"], t0 + 4500);
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("boom \u{1b}[31mred\u{1b}]0;title\u{7}")
    );
    // Control characters are escaped in the JSON text itself.
    assert!(!stdout(&out).contains('\u{1b}'));

    // A window before the events: nothing, and it says so.
    let out = run(
        &s,
        &["requestorFn", "logs", "--since", "1h", "--until", "30m"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("0 lines"), "{}", stderr(&out));
}

#[test]
fn no_log_group_then_invoke_log_by_request_id() {
    let s = IamApi::start();
    // A function that never logged: no log group (moto creates one with the function).
    s.emu.python(&format!(
        "client('logs').delete_log_group(logGroupName={:?})",
        format!("/aws/lambda/{}", s.function)
    ));
    let out = run(&s, &["requestorFn", "logs"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "log group /aws/lambda/{} does not exist",
            s.function
        )),
        "{err}"
    );
    assert_eq!(stdout(&out), "");

    s.emu.post(
        "/moto-api/cdkx/lambda/results",
        &json!({"function": s.function, "results": [
            {"payload": {"ok": true}, "log_lines": ["hello from the function", "\u{1b}[2Jwiped"]},
            {"payload": {"ok": true}, "log_lines": ["second run"]},
        ]}),
    );
    let out = run(&s, &["requestorFn", "invoke", "--log", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = v["requestId"].as_str().expect("a request id").to_string();
    let kinds: Vec<&str> = v["logLines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["start", "log", "log", "end", "report"], "{v}");
    assert!(
        v["logLines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["requestId"] == id.as_str())
    );
    assert_eq!(v["logNote"], Value::Null);

    // The second run's text: its own lines only, REPORT summarized, escapes made visible.
    let out = run(&s, &["requestorFn", "invoke", "--log"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("--- log ("), "{text}");
    assert!(text.contains("INFO  second run"), "{text}");
    assert!(!text.contains("hello from the function"), "{text}");
    assert!(text.contains("REPORT  duration "), "{text}");
    assert!(text.contains("memory 40/"), "{text}");

    // The first run's lines again, by request id, from `logs`.
    let out = run(&s, &["requestorFn", "logs", "--request-id", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.contains("INFO  \\x1b[2Jwiped"), "{text}");
    assert!(!text.contains('\u{1b}'));
    assert!(!text.contains("second run"), "{text}");
}

#[test]
fn follow_prints_lines_written_during_the_session() {
    let s = IamApi::start();
    put_events(
        &s,
        "2026/01/01/[$LATEST]cccc",
        &[(now_ms() - 5000, "before the session".to_string())],
    );
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("cdkx"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", s.cache.path())
        .env("CDKX_CACHE_DIR", s.cache.path())
        .env("AWS_ACCESS_KEY_ID", common::FAKE_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", common::FAKE_SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", s.cache.path().join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            s.cache.path().join("no-aws-credentials"),
        )
        .env("AWS_ENDPOINT_URL", &s.emu.url)
        .arg("--app")
        .arg(fixture("iam-api"))
        .args([
            "requestorFn",
            "logs",
            "--follow",
            "--since",
            "1m",
            "-o",
            "json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |what: &str, within: Duration| -> Value {
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let v: Value = serde_json::from_str(&line).unwrap();
                    if v["message"] == what {
                        return v;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("{what:?} did not appear within {within:?}");
    };
    let first = wait_for("before the session", Duration::from_secs(30));
    assert_eq!(first["stream"], "2026/01/01/[$LATEST]cccc");

    let written = Instant::now();
    put_events(
        &s,
        "2026/01/01/[$LATEST]cccc",
        &[(now_ms(), "written during the session".to_string())],
    );
    let v = wait_for("written during the session", Duration::from_secs(5));
    assert_eq!(v["kind"], "log");
    let took = written.elapsed();
    // Each line once: the earlier line is not repeated by later polls.
    std::thread::sleep(Duration::from_millis(1500));
    let repeated: Vec<String> = rx.try_iter().collect();
    assert!(
        repeated.iter().all(|l| !l.contains("before the session")),
        "{repeated:?}"
    );
    child.kill().unwrap();
    let mut said = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut said)
        .unwrap();
    child.wait().unwrap();
    assert!(
        said.contains("by polling FilterLogEvents every 1s"),
        "{said}"
    );
    assert!(!said.contains(common::FAKE_SECRET_KEY));
    eprintln!("followed line appeared {took:?} after it was written");
}

#[test]
fn metrics_numbers_and_sparklines() {
    let s = IamApi::start();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let minute = now - now % 60;
    // Invocations per minute 8, 9, 10, 11 minutes... oldest first: 1, 4, 8 at -4, -3, -2 min.
    let points = [(4, 1.0), (3, 4.0), (2, 8.0)];
    let mut data: Vec<Value> = points
        .iter()
        .map(|(ago, v)| {
            json!({"MetricName": "Invocations", "Value": v, "Timestamp": minute - ago * 60 + 5,
                   "Dimensions": [{"Name": "FunctionName", "Value": s.function}]})
        })
        .collect();
    // Durations in one minute: p50 3, p99 100.
    data.push(
        json!({"MetricName": "Duration", "Values": [1, 2, 3, 4, 100],
                     "Timestamp": minute - 2 * 60 + 5,
                     "Dimensions": [{"Name": "FunctionName", "Value": s.function}]}),
    );
    s.emu.python(&format!(
        "client('cloudwatch').put_metric_data(Namespace='AWS/Lambda', MetricData=json.loads({:?}))",
        serde_json::to_string(&data).unwrap()
    ));
    // Two points a page: the three series with data take three pages.
    s.emu.post("/moto-api/cdkx/paging", &json!({"metrics": 2}));
    s.emu.reset_request_counts();

    let out = run(
        &s,
        &[
            "requestorFn",
            "metrics",
            "--since",
            "10m",
            "--period",
            "1m",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["target"], format!("lambda:{}", s.function));
    assert_eq!(v["period"], 60);
    let series = |id: &str| -> &Value {
        v["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no series {id}: {v}"))
    };
    assert_eq!(series("invocations")["values"], json!([1.0, 4.0, 8.0]));
    assert_eq!(series("invocations")["stat"], "Sum");
    assert_eq!(
        series("invocations")["timestamps"][2],
        common::iso((minute - 120) as u64)
    );
    assert_eq!(series("duration_p50")["values"], json!([3.0]));
    assert_eq!(series("duration_p99")["values"], json!([100.0]));
    assert_eq!(series("errors")["values"], json!([]));
    let ids: Vec<&str> = v["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "invocations",
            "errors",
            "throttles",
            "duration_p50",
            "duration_p99",
            "concurrency"
        ]
    );
    let calls = s.emu.request_counts();
    assert_eq!(calls["monitoring:GetMetricData"], 3, "{calls}");

    let out = run(&s, &["requestorFn", "metrics", "--since", "10m"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("Invocations Sum"))
        .unwrap_or_else(|| panic!("{text}"));
    // 1, 4, 8 on a 0..8 scale, one column a minute, the last two minutes empty.
    assert!(line.contains("▂▅█  "), "{line:?}");
    assert!(line.ends_with("min 1  max 8  sum 13"), "{line:?}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("Errors Sum") && l.ends_with("no data")),
        "{text}"
    );
    // The series lines fit the terminal (the header line is as long as the names).
    assert!(
        text.lines().skip(1).all(|l| l.chars().count() <= 100),
        "{text}"
    );

    let out = run(&s, &["requestorFn", "metrics", "--period", "90s"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A REST API's stage: its name and stage are the dimensions.
    let api = s.emu.python(
        "api = client('apigateway').get_rest_apis()['items'][0]\n\
         stage = client('apigateway').get_stages(restApiId=api['id'])['item'][0]['stageName']\n\
         print(json.dumps([api['name'], stage]))",
    );
    let api: Vec<String> = serde_json::from_str(api.trim()).unwrap();
    let (name, stage) = (&api[0], &api[1]);
    let dims = json!([{"Name": "ApiName", "Value": name}, {"Name": "Stage", "Value": stage}]);
    let data = json!([
        {"MetricName": "Count", "Value": 5, "Timestamp": minute - 60 + 1, "Dimensions": dims},
        {"MetricName": "5XXError", "Value": 2, "Timestamp": minute - 60 + 2, "Dimensions": dims},
        {"MetricName": "Latency", "Values": [10, 20, 30, 40], "Timestamp": minute - 60 + 3, "Dimensions": dims},
    ]);
    s.emu.python(&format!(
        "client('cloudwatch').put_metric_data(Namespace='AWS/ApiGateway', MetricData=json.loads({:?}))",
        data.to_string()
    ));
    let out = run(
        &s,
        &[
            "iam-backed-api",
            "metrics",
            "--since",
            "5m",
            "--stage",
            stage,
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["target"], format!("apigateway:{name}/{stage}"));
    let values: Vec<(&str, &Value)> = v["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), &s["values"]))
        .collect();
    assert_eq!(
        values,
        [
            ("count", &json!([5.0])),
            ("errors_4xx", &json!([])),
            ("errors_5xx", &json!([2.0])),
            ("latency_p50", &json!([20.0])),
            ("latency_p99", &json!([40.0])),
        ]
    );
}
