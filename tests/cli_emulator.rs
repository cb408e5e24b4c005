//! End to end: the real `cdkx` binary against the emulator with the example apps deployed.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::fs;
use std::path::Path;

use common::{assert_no_secrets, fixture, shared, stderr, stdout};
use serde_json::Value;

fn list_json(cache: &Path, app: &str, extra: &[&str]) -> (Value, std::process::Output) {
    let out = shared()
        .cdkx(cache)
        .arg("--app")
        .arg(fixture(app))
        .args(["list", "-o", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert_no_secrets(&out);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (v, out)
}

fn resource<'a>(v: &'a Value, construct_path: &str) -> &'a Value {
    v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["constructPath"] == construct_path)
        .unwrap_or_else(|| panic!("{construct_path} not listed"))
}

#[test]
fn list_shows_physical_ids_of_the_deployed_example() {
    let cache = tempfile::tempdir().unwrap();
    let (v, out) = list_json(cache.path(), "iam-api", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v["stacks"][0]["name"], "IamApigatewayLambdaStack");
    assert_eq!(v["stacks"][0]["state"], "deployed");
    assert_eq!(v["stacks"][0]["status"], "CREATE_COMPLETE");
    assert_eq!(v["stacks"][0]["account"], "123456789012");
    for f in ["iamApiFn", "requestorFn"] {
        let r = resource(&v, &format!("IamApigatewayLambdaStack/{f}"));
        assert_eq!(r["cfnType"], "AWS::Lambda::Function");
        assert_eq!(r["fqn"], "aws-cdk-lib.aws_lambda_nodejs.NodejsFunction");
        assert_eq!(r["state"], "deployed");
        let id = r["physicalId"].as_str().unwrap();
        assert!(
            id.starts_with(&format!("IamApigatewayLambdaStack-{f}")),
            "{id}"
        );
    }
    let api = resource(&v, "IamApigatewayLambdaStack/iam-backed-api");
    assert_eq!(api["cfnType"], "AWS::ApiGateway::RestApi");
    assert!(api["physicalId"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["cfnType"] != "AWS::CDK::Metadata"),
        "bookkeeping resources are hidden by default"
    );

    // The table says the same for people.
    let out = shared()
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .arg("list")
        .output()
        .unwrap();
    let table = stdout(&out);
    assert!(table.starts_with("STACK "), "{table}");
    let fn_id = resource(&v, "IamApigatewayLambdaStack/requestorFn")["physicalId"]
        .as_str()
        .unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.contains("requestorFn") && l.contains(fn_id)),
        "{table}"
    );
}

#[test]
fn multi_stack_app_nested_stack_stage_and_foreign_account() {
    let cache = tempfile::tempdir().unwrap();
    let (v, out) = list_json(cache.path(), "multi-stack", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let state = |name: &str| {
        v["stacks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("stack {name}"))["state"]
            .clone()
    };
    assert_eq!(state("SharedStack"), "deployed");
    assert_eq!(
        state("SharedStack/Storage"),
        "deployed",
        "nested stack followed by its ARN"
    );
    assert_eq!(
        state("Prod-ServiceStack"),
        "deployed",
        "Stage stack in eu-west-1"
    );
    assert_eq!(
        state("AgnosticStack"),
        "deployed",
        "unknown-region uses the configured region"
    );
    // ConsumerStack lives in account 222222222222; these credentials are for 123456789012, so it
    // is read through its CDK lookup role, which the emulator lets anyone assume (tests/lookup_role.rs
    // enforces trust policies).
    assert_eq!(state("multi-consumer"), "deployed");
    let table = resource(&v, "SharedStack/Storage/Items");
    assert_eq!(table["stack"], "SharedStack/Storage");
    assert!(table["physicalId"].as_str().unwrap().contains("Items"));
    assert_eq!(resource(&v, "ConsumerStack/InlineFn")["state"], "deployed");
    let jobs = resource(&v, "Prod/ServiceStack/Jobs");
    assert!(
        jobs["physicalId"].as_str().unwrap().contains("eu-west-1"),
        "{jobs}"
    );

    // Filters.
    let (v, _) = list_json(
        cache.path(),
        "multi-stack",
        &["--stack", "shared", "--type", "sqs"],
    );
    let paths: Vec<&str> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["constructPath"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"SharedStack/Messaging/Inbox")
            && paths.contains(&"SharedStack/Storage/DeadLetters"),
        "{paths:?}"
    );
    assert!(
        paths.iter().all(|p| p.starts_with("SharedStack/")),
        "{paths:?}"
    );
}

#[test]
fn warm_cache_makes_one_describe_stacks_call_per_stack() {
    let _guard = common::counter_lock();
    let emu = shared();
    let cache = tempfile::tempdir().unwrap();
    emu.reset_request_counts();
    let (v, _) = list_json(cache.path(), "multi-stack", &[]);
    let cold = emu.request_counts();
    assert_eq!(v["stacks"][1]["fromCache"], false);
    // 4 top-level stacks are described; 5 deployed stacks (4, ConsumerStack through its lookup
    // role, + 1 nested) are listed.
    assert_eq!(cold["cloudformation:DescribeStacks"], 4, "{cold}");
    assert_eq!(cold["cloudformation:ListStackResources"], 5, "{cold}");

    emu.reset_request_counts();
    let (warm_v, _) = list_json(cache.path(), "multi-stack", &[]);
    let warm = emu.request_counts();
    assert_eq!(warm["cloudformation:DescribeStacks"], 4, "{warm}");
    assert!(
        warm.get("cloudformation:ListStackResources").is_none(),
        "{warm}"
    );
    assert_eq!(
        warm_v["resources"], v["resources"],
        "the cache answers the same"
    );
    let shared_stack = warm_v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "SharedStack")
        .unwrap();
    assert_eq!(shared_stack["fromCache"], true);

    // --refresh ignores the cache.
    emu.reset_request_counts();
    list_json(cache.path(), "multi-stack", &["--refresh"]);
    assert_eq!(emu.request_counts()["cloudformation:ListStackResources"], 5);
}

/// The cache files of a cache directory.
fn cache_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn cache_is_invalidated_by_a_stack_change_and_survives_corruption() {
    let cache = tempfile::tempdir().unwrap();
    let (first, _) = list_json(cache.path(), "iam-api", &[]);
    let files = cache_files(cache.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    assert!(
        file.to_string_lossy()
            .contains("123456789012/us-east-1/IamApigatewayLambdaStack.json"),
        "{file:?}"
    );
    let text = fs::read_to_string(file).unwrap();
    assert!(!text.contains(common::FAKE_SECRET_KEY) && !text.contains(common::FAKE_ACCESS_KEY));

    // Pretend the cached rows were read before the stack last changed: they must be re-read.
    let mut entry: Value = serde_json::from_str(&text).unwrap();
    entry["last_changed"] = "2001-01-01T00:00:00Z".into();
    entry["stacks"][0]["resources"][0]["physical_id"] = "STALE".into();
    fs::write(file, entry.to_string()).unwrap();
    let (again, _) = list_json(cache.path(), "iam-api", &[]);
    assert_eq!(again["stacks"][0]["fromCache"], false);
    assert_eq!(again["resources"], first["resources"]);
    assert!(!fs::read_to_string(file).unwrap().contains("STALE"));

    // A corrupt file is ignored and rewritten.
    fs::write(file, b"{\"format\": 1, \"stack_id\": ").unwrap();
    let (fixed, out) = list_json(cache.path(), "iam-api", &[]);
    assert!(out.status.success());
    assert_eq!(fixed["resources"], first["resources"]);
    let rewritten: Value =
        serde_json::from_str(&fs::read_to_string(file).unwrap()).expect("valid cache file again");
    assert_eq!(rewritten["format"], 1);
}

#[test]
fn unwritable_cache_directory_costs_speed_not_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    fs::write(&blocker, b"").unwrap();
    let out = shared()
        .cdkx(dir.path())
        .env("CDKX_CACHE_DIR", &blocker)
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["list", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not write the physical-id cache"),
        "{}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stacks"][0]["state"], "deployed");
}

#[test]
fn not_deployed_stack_is_shown_as_such_not_as_an_error() {
    let emu = common::Emulator::start();
    let cache = tempfile::tempdir().unwrap();
    let out = emu
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["list", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stacks"][0]["state"], "not-deployed");
    assert!(
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "not-deployed")
    );
    let out = emu
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .arg("list")
        .output()
        .unwrap();
    assert!(stdout(&out).contains("not deployed"));
}

#[test]
fn unreachable_endpoint_is_a_clear_error() {
    let cache = tempfile::tempdir().unwrap();
    let out = shared()
        .cdkx(cache.path())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .arg("--app")
        .arg(fixture("iam-api"))
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("IamApigatewayLambdaStack") && err.contains("could not reach"),
        "{err}"
    );
    assert!(stdout(&out).contains("(lookup failed)"));
}

#[test]
fn offline_list_makes_no_aws_call() {
    let cache = tempfile::tempdir().unwrap();
    let out = shared()
        .cdkx(cache.path())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["list", "--offline", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stacks"][0]["state"], "offline");
    assert_eq!(v["resources"].as_array().unwrap().len(), 13);
}

/// Runs `cmd` with `input` on stdin and returns its stdout (for `cut`, as a user pipes).
fn pipe(input: &[u8], cmd: &str, args: &[&str]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

/// `-o text` is the aws CLI's text: one record per line, tab-separated fields, no header and no
/// padding, so `cut -f` picks a column; not on a terminal, the table prints full values.
#[test]
fn text_output_is_tab_separated_records_for_cut() {
    let cache = tempfile::tempdir().unwrap();
    let (v, _) = list_json(cache.path(), "iam-api", &[]);
    let out = shared()
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["list", "-o", "text"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let resources = v["resources"].as_array().unwrap();
    assert_eq!(text.lines().count(), resources.len(), "no header: {text}");
    assert!(text.lines().all(|l| l.split('\t').count() == 5), "{text}");
    assert!(!text.contains("  "), "no padding: {text:?}");
    // STACK, CONSTRUCT, LOGICAL ID, TYPE, PHYSICAL ID.
    let ids = pipe(&out.stdout, "cut", &["-f5"]);
    let want: Vec<&str> = resources
        .iter()
        .map(|r| r["physicalId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.lines().collect::<Vec<_>>(), want);
    let logical = pipe(&out.stdout, "cut", &["-f3"]);
    assert_eq!(
        logical.lines().collect::<Vec<_>>(),
        resources
            .iter()
            .map(|r| r["logicalId"].as_str().unwrap())
            .collect::<Vec<_>>()
    );
    // The table, not on a terminal, has a header and every value in full.
    let table = shared()
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .arg("list")
        .output()
        .unwrap();
    let table = stdout(&table);
    assert!(table.starts_with("STACK"), "{table}");
    for id in &want {
        assert!(table.contains(id), "{id} in full: {table}");
    }
    // whoami: ACCOUNT, STACKS, CALLER, CREDENTIALS.
    let out = shared()
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["whoami", "-o", "text"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(!text.contains("ACCOUNT"), "{text}");
    let callers = pipe(&out.stdout, "cut", &["-f3"]);
    assert!(
        callers.lines().all(|c| c.starts_with("arn:aws:")),
        "{text}\n{}",
        stderr(&out)
    );
}
