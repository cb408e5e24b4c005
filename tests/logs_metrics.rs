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

/// A `logs --follow -o json` running in the background: its stdout lines on a channel.
struct Following {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
}

impl Following {
    fn start(s: &IamApi, target: &str, extra: &[&str]) -> Following {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("cdkx"));
        child
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
            .args([target, "logs", "--follow", "--since", "1m", "-o", "json"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // A shell without job control starts background commands with SIGINT ignored, and the
        // child would inherit that (then `stop` waits forever): give it the default back.
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            child.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        let mut child = child.spawn().unwrap();
        let (tx, lines) = mpsc::channel::<String>();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Following { child, lines }
    }

    /// Waits for the line whose message is `what`; a generous bound so that a failure fails
    /// instead of hanging.
    fn wait_for(&self, what: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
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
    }

    /// Ends cdkx (as Ctrl-C would) and returns what it said on stderr.
    fn stop(mut self) -> String {
        // SAFETY: a plain kill(2) of the child we started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let mut said = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut said)
            .unwrap();
        self.child.wait().unwrap();
        assert!(!said.contains(common::FAKE_SECRET_KEY));
        said
    }
}

/// The emulator's Live Tail sessions.
fn sessions(s: &IamApi) -> Vec<Value> {
    s.emu.get("/moto-api/cdkx/logs/live-tail")["sessions"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn follow_live_tail_prints_lines_written_during_the_session_then_closes_it() {
    let s = IamApi::start();
    let stream = "2026/01/01/[$LATEST]cccc";
    put_events(
        &s,
        stream,
        &[(now_ms() - 5000, "before the session".to_string())],
    );
    let f = Following::start(&s, "requestorFn", &[]);
    let first = f.wait_for("before the session", Duration::from_secs(30));
    assert_eq!(first["stream"], stream);

    let written = Instant::now();
    put_events(
        &s,
        stream,
        &[(now_ms(), "written during the session".to_string())],
    );
    let v = f.wait_for("written during the session", Duration::from_secs(10));
    let took = written.elapsed();
    assert_eq!(v["kind"], "log");
    assert_eq!(v["stream"], stream);
    // Each line once: the history's line is not repeated by the session.
    std::thread::sleep(Duration::from_millis(1500));
    let repeated: Vec<String> = f.lines.try_iter().collect();
    assert!(repeated.is_empty(), "{repeated:?}");

    // One session, on the function's log group by ARN, open while cdkx runs.
    let open = sessions(&s);
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open[0]["ended"].is_null(), "{open:?}");
    let group = format!("/aws/lambda/{}", s.function);
    assert_eq!(
        open[0]["groups"][&group],
        format!("arn:aws:logs:us-east-1:123456789012:log-group:{group}")
    );
    let said = f.stop();
    assert!(
        said.contains("Live Tail (StartLiveTail)") && !said.contains("polling"),
        "{said}"
    );
    // cdkx gone, the session is closed (the emulator notices at its next once-a-second update).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let all = sessions(&s);
        if all[0]["ended"].is_number() {
            assert_eq!(all[0]["reason"], "closed by the client", "{all:?}");
            break;
        }
        assert!(Instant::now() < deadline, "session still open: {all:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("followed line appeared {took:?} after it was written");
}

#[test]
fn follow_reconnects_when_a_session_ends_and_shows_each_line_once() {
    let s = IamApi::start();
    let stream = "2026/01/01/[$LATEST]dddd";
    // Sessions of two seconds stand for AWS's three hours.
    s.emu.post(
        "/moto-api/cdkx/logs/live-tail",
        &json!({"sessionSeconds": 2}),
    );
    put_events(&s, stream, &[(now_ms() - 5000, "old line".to_string())]);
    let f = Following::start(&s, "requestorFn", &[]);
    f.wait_for("old line", Duration::from_secs(30));
    put_events(&s, stream, &[(now_ms(), "first session".to_string())]);
    f.wait_for("first session", Duration::from_secs(10));
    // Past the first session's end: a second one is open.
    let deadline = Instant::now() + Duration::from_secs(15);
    while sessions(&s).len() < 2 {
        assert!(Instant::now() < deadline, "{:?}", sessions(&s));
        std::thread::sleep(Duration::from_millis(200));
    }
    put_events(&s, stream, &[(now_ms(), "second session".to_string())]);
    f.wait_for("second session", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(1000));
    let repeated: Vec<String> = f.lines.try_iter().collect();
    assert!(repeated.is_empty(), "{repeated:?}");
    let said = f.stop();
    assert!(said.contains("reconnected"), "{said}");
    let all = sessions(&s);
    assert_eq!(all[0]["reason"], "timed out", "{all:?}");
}

#[test]
fn follow_polls_where_live_tail_is_not_available() {
    let s = IamApi::start();
    let stream = "2026/01/01/[$LATEST]eeee";
    // StartLiveTail goes to moto, which does not know it: an endpoint without Live Tail.
    s.emu.post(
        "/moto-api/cdkx/logs/live-tail",
        &json!({"available": false}),
    );
    put_events(&s, stream, &[(now_ms() - 5000, "earlier".to_string())]);
    let f = Following::start(&s, "requestorFn", &[]);
    f.wait_for("earlier", Duration::from_secs(30));
    put_events(&s, stream, &[(now_ms(), "while polling".to_string())]);
    f.wait_for("while polling", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(1500));
    let repeated: Vec<String> = f.lines.try_iter().collect();
    assert!(repeated.is_empty(), "{repeated:?}");
    let said = f.stop();
    assert!(
        said.contains(
            "polling FilterLogEvents every 1s: Live Tail cannot be used (logs:StartLiveTail"
        ),
        "{said}"
    );
    assert!(sessions(&s).is_empty());
}

#[test]
fn api_logs_read_the_stage_execution_and_access_log_groups() {
    let s = IamApi::start();
    let api = s.emu.python(
        "api = client('apigateway').get_rest_apis()['items'][0]\n\
         stage = client('apigateway').get_stages(restApiId=api['id'])['item'][0]['stageName']\n\
         print(json.dumps([api['id'], stage]))",
    );
    let api: Vec<String> = serde_json::from_str(api.trim()).unwrap();
    let (id, stage) = (&api[0], &api[1]);

    // A stage that logs nothing: an error that says how to turn logging on.
    let out = run(&s, &["iam-backed-api", "logs"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("no stage of API {id}")) && err.contains("update-stage"),
        "{err}"
    );

    let execution = format!("API-Gateway-Execution-Logs_{id}/{stage}");
    let t0 = now_ms() - 60_000;
    let req = "5b0c1e2d-aaaa-bbbb-cccc-0123456789ab";
    let events = json!({
        execution.clone(): [
            [t0, format!("({req}) Method request path: {{}}")],
            [t0 + 2000, format!("({req}) Method completed with status: 200")],
        ],
        "api-access": [[t0 + 1000, json!({"requestId": req, "status": "200"}).to_string()]],
    });
    s.emu.python(&format!(
        r#"
apigw, logs = client("apigateway"), client("logs")
apigw.update_stage(restApiId={id:?}, stageName={stage:?}, patchOperations=[
    {{"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}},
    {{"op": "replace", "path": "/accessLogSettings/destinationArn",
      "value": "arn:aws:logs:us-east-1:123456789012:log-group:api-access"}},
    {{"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"}},
])
for group, events in json.loads({events:?}).items():
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{{"timestamp": t, "message": m}} for t, m in events])
"#,
        events = events.to_string(),
    ));

    let out = run(&s, &["iam-backed-api", "logs", "--since", "10m"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    // Both groups, interleaved by time; the execution log's `(ID) ` is the WHO column.
    assert!(
        lines[0].ends_with("  5b0c1e2d  Method request path: {}"),
        "{text}"
    );
    assert!(lines[1].contains("  5b0c1e2d  {\"requestId\""), "{text}");
    assert!(
        lines[2].ends_with("  5b0c1e2d  Method completed with status: 200"),
        "{text}"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "reading {stage} execution logs (INFO), {stage} access logs"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("3 lines from {execution}, api-access")),
        "{err}"
    );

    // One stage by name; a stage that does not exist names those that do.
    let out = run(
        &s,
        &[
            "iam-backed-api",
            "logs",
            "--stage",
            stage,
            "--since",
            "10m",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert!(lines.iter().all(|l| l["requestId"] == req), "{lines:?}");
    let out = run(&s, &["iam-backed-api", "logs", "--stage", "nope"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("has no stage nope; its stages: {stage}")),
        "{}",
        stderr(&out)
    );
    // --stage is a REST API's option.
    let out = run(&s, &["requestorFn", "logs", "--stage", "prod"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // Following both groups in one Live Tail session.
    let f = Following::start(&s, "iam-backed-api", &[]);
    f.wait_for(
        &format!("({req}) Method completed with status: 200"),
        Duration::from_secs(30),
    );
    s.emu.python(&format!(
        "client('logs').put_log_events(logGroupName='api-access', logStreamName='s', \
         logEvents=[{{'timestamp': {}, 'message': 'live access line'}}])",
        now_ms()
    ));
    f.wait_for("live access line", Duration::from_secs(10));
    let said = f.stop();
    assert!(said.contains("Live Tail"), "{said}");
    let open = sessions(&s);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["groups"].as_object().unwrap().len(), 2, "{open:?}");
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
