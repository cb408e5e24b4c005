//! End to end: the real binary's TUI in a pseudo-terminal against the emulator, driven as a
//! person would drive it, and the terminal checked afterwards.
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
    t.wait_text(&[
        "Resources (14)",
        "requestorFn15B8813B-",
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
    t.wait_text(&["STACK"]);

    // Filter to requestorFn.
    t.key("/");
    for c in "requestorFn".chars() {
        t.send(&c.to_string());
    }
    t.wait_text(&["Resources (4 of 14) · filter: requestorFn"]);
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
    t.key("l");
    t.wait_text(&["log tail, 2 lines (l hides)", "END RequestId: e2e"]);

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
    requestor_function(&emu, cache.path());
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
    t.wait_text(&["account: 123456789012", "IamApigatewayLambdaStack-reque"]);
    t.key("/");
    t.send("requestorFn");
    t.wait_text(&["4 of 14"]);
    t.key(ENTER);
    t.key(ENTER);
    t.wait_text(&["greet"]);
    // `logs` (built in) is 1, the project's `greet` is 2.
    t.key("2");
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
    t.key("3");
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
    t.wait_text(&["READONLY", "IamApigatewayLambdaStack-reque"]);
    t.key("/");
    t.send("requestorFn");
    t.wait_text(&["4 of 14"]);
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
