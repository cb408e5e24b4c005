//! End to end: the native `describe`, `console`/`visit-console` and `audit-console` actions of the
//! real binary against the emulator with the example apps deployed.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use common::{
    FAKE_ACCESS_KEY, FAKE_SECRET_KEY, assert_no_secrets, fixture, shared, stderr, stdout,
};
use serde_json::Value;

fn cdkx(cache: &Path, app: &str, args: &[&str]) -> Output {
    let out = shared()
        .cdkx(cache)
        .arg("--app")
        .arg(fixture(app))
        .args(args)
        .output()
        .unwrap();
    assert_no_secrets(&out);
    out
}

/// Runs a command that must succeed and returns its stdout.
fn ok(cache: &Path, app: &str, args: &[&str]) -> String {
    let out = cdkx(cache, app, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        stderr(&out),
        stdout(&out)
    );
    stdout(&out)
}

fn json(cache: &Path, app: &str, args: &[&str]) -> Value {
    let text = ok(cache, app, args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
}

/// Runs boto3 in the emulator's Python, for changes cdkx itself never makes.
fn boto3(script: &str) {
    let python = std::env::var_os("CDKX_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join(".venv/bin/python"));
    let out = Process::new(python)
        .args(["-c", script])
        .env("AWS_ENDPOINT_URL", &shared().url)
        .env("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn describe_lambda_hides_environment_values_unless_asked() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let v = json(c, "iam-api", &["-o", "json", "requestorFn", "describe"]);
    assert_eq!(v["kind"], "lambda");
    assert_eq!(v["constructPath"], "IamApigatewayLambdaStack/requestorFn");
    assert_eq!(v["runtime"], "nodejs22.x");
    assert_eq!(v["handler"], "index.handler");
    assert_eq!(v["timeoutSeconds"], 15);
    assert!(
        v["name"]
            .as_str()
            .unwrap()
            .starts_with("IamApigatewayLambdaStack-requestorFn15B8813B-")
    );
    assert!(
        v["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:lambda:us-east-1:123456789012:function:")
    );
    assert_eq!(v["environment"], serde_json::json!([{"name": "IAM_API"}]));
    assert_eq!(v["environmentValuesShown"], false);
    let hidden = v.to_string();
    assert!(
        !hidden.contains("execute-api"),
        "the value leaked: {hidden}"
    );

    let v = json(
        c,
        "iam-api",
        &["-o", "json", "requestorFn", "describe", "--show-env"],
    );
    assert_eq!(v["environmentValuesShown"], true);
    assert_eq!(v["environment"][0]["name"], "IAM_API");
    let url = v["environment"][0]["value"].as_str().unwrap();
    assert!(
        url.starts_with("https://") && url.contains(".execute-api.us-east-1.amazonaws.com/prod/"),
        "{url}"
    );

    // The text form says the values are hidden, and hides them.
    let text = ok(c, "iam-api", &["requestorFn", "describe"]);
    assert!(
        text.starts_with("IamApigatewayLambdaStack/requestorFn (Lambda function)\n"),
        "{text}"
    );
    assert!(text.contains("  runtime:"), "{text}");
    assert!(text.contains("nodejs22.x"), "{text}");
    assert!(
        text.contains("values hidden; --show-env shows them"),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "  IAM_API"), "{text}");
    assert!(!text.contains("execute-api"), "{text}");
    let text = ok(c, "iam-api", &["requestorFn", "describe", "--show-env"]);
    assert!(text.contains(&format!("  IAM_API={url}\n")), "{text}");
    assert!(!text.contains("values hidden"), "{text}");
}

#[test]
fn describe_lambda_shows_its_resource_policy() {
    let cache = tempfile::tempdir().unwrap();
    let v = json(
        cache.path(),
        "iam-api",
        &["-o", "json", "iamApiFn", "describe"],
    );
    assert_eq!(v["kind"], "lambda");
    assert_eq!(v["runtime"], "nodejs22.x");
    assert_eq!(v["handler"], "index.handler");
    assert_eq!(v["environment"], serde_json::json!([]));
    // API Gateway's permission to invoke it, parsed from GetPolicy's JSON text.
    let statements = v["policy"]["Statement"].as_array().unwrap();
    assert!(
        statements
            .iter()
            .any(|s| s["Action"] == "lambda:InvokeFunction"
                && s["Principal"]["Service"] == "apigateway.amazonaws.com"),
        "{v}"
    );
    let text = ok(cache.path(), "iam-api", &["iamApiFn", "describe"]);
    assert!(text.contains("Resource policy:\n  {\n"), "{text}");
    assert!(text.contains("\"lambda:InvokeFunction\""), "{text}");
}

#[test]
fn describe_rest_api_shows_stages_methods_and_resource_policy() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let v = json(c, "iam-api", &["-o", "json", "iam-backed-api", "describe"]);
    assert_eq!(v["kind"], "restApi");
    assert_eq!(v["name"], "iam-backed-api");
    let id = v["id"].as_str().unwrap().to_string();
    let prod = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "prod")
        .unwrap_or_else(|| panic!("no prod stage: {v}"));
    let invoke_url = format!("https://{id}.execute-api.us-east-1.amazonaws.com/prod/");
    assert_eq!(prod["invokeUrl"], invoke_url.as_str());
    assert!(prod["deploymentId"].is_string(), "{v}");
    let methods: Vec<String> = v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{} {} {}",
                m["method"].as_str().unwrap(),
                m["path"].as_str().unwrap(),
                m["authorizationType"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        methods.contains(&"GET / AWS_IAM".to_string()),
        "{methods:?}"
    );
    // The emulator keeps the template's policy on the API, so it comes from the API here.
    assert_eq!(v["policySource"], "api");
    assert_eq!(v["policy"]["Statement"][0]["Action"], "execute-api:Invoke");
    assert_eq!(v["policy"]["Statement"][0]["Effect"], "Allow");
    // Who may call it, judged for the credentials describe runs with, on GET / of prod. The
    // test's keys are no IAM user the emulator knows and the policy names only the account:
    // the identity side decides and cannot be read.
    let caller = &v["access"]["caller"];
    assert_eq!(caller["outcome"], "unknown", "{caller}");
    assert_eq!(caller["identitySource"], "none", "{caller}");
    assert_eq!(
        caller["resource"],
        format!("arn:aws:execute-api:us-east-1:123456789012:{id}/prod/GET/")
    );
    // (The emulator's STS calls them user "moto", whom its IAM does not know.)
    assert!(
        caller["identityDetail"]
            .as_str()
            .is_some_and(|d| d.contains("does not know") && d.contains("NoSuchEntity")),
        "{caller}"
    );
    assert_eq!(caller["missingPermission"], Value::Null, "{caller}");

    let text = ok(c, "iam-api", &["iam-backed-api", "describe"]);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("you (") && l.contains("): unknown: same account")),
        "{text}"
    );
    assert!(
        text.starts_with("IamApigatewayLambdaStack/iam-backed-api (REST API)\n"),
        "{text}"
    );
    assert!(text.contains(&invoke_url), "{text}");
    let get = text
        .lines()
        .find(|l| l.trim_start().starts_with("GET "))
        .unwrap_or_else(|| panic!("no GET method line: {text}"));
    assert_eq!(
        get.split_whitespace().collect::<Vec<_>>(),
        ["GET", "/", "AWS_IAM"]
    );
    assert!(text.contains("Resource policy (from the API):"), "{text}");
    assert!(text.contains("\"execute-api:Invoke\""), "{text}");

    // AWS returns the policy escaped once more; it is still read as JSON.
    let set_policy = |value: &str| {
        boto3(&format!(
            "import boto3\nboto3.client('apigateway').update_rest_api(restApiId={id:?}, \
             patchOperations=[{{'op': 'replace', 'path': '/policy', 'value': {value:?}}}])"
        ))
    };
    set_policy(
        r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"execute-api:Invoke\"}]}"#,
    );
    let v = json(c, "iam-api", &["-o", "json", "iam-backed-api", "describe"]);
    assert_eq!(v["policySource"], "api");
    assert_eq!(v["policy"]["Statement"][0]["Effect"], "Deny", "{v}");

    // An API that returns no policy (as moto without cdkx's patch does): the template's, said so.
    set_policy("");
    let v = json(c, "iam-api", &["-o", "json", "iam-backed-api", "describe"]);
    assert_eq!(v["policySource"], "template", "{v}");
    assert_eq!(v["policy"]["Statement"][0]["Action"], "execute-api:Invoke");
    assert_eq!(v["policy"]["Statement"][0]["Resource"], "execute-api:/*");
    let text = ok(c, "iam-api", &["iam-backed-api", "describe"]);
    assert!(
        text.contains("Resource policy (from the app's template; the API returned none):"),
        "{text}"
    );
}

#[test]
fn describe_other_resources_shows_cloudformation_and_the_template() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let v = json(
        c,
        "iam-api",
        &["-o", "json", "iamApiFn/ServiceRole", "describe"],
    );
    assert_eq!(v["kind"], "resource");
    assert_eq!(
        v["constructPath"],
        "IamApigatewayLambdaStack/iamApiFn/ServiceRole"
    );
    assert_eq!(v["stackName"], "IamApigatewayLambdaStack");
    assert_eq!(v["logicalId"], "iamApiFnServiceRole0BAD0A67");
    assert_eq!(v["cfnType"], "AWS::IAM::Role");
    assert_eq!(v["status"], "CREATE_COMPLETE");
    assert!(
        v["physicalId"]
            .as_str()
            .unwrap()
            .starts_with("IamApigatewayLambdaStack-iamApiFnServiceRole0BAD0A67-"),
        "{v}"
    );
    assert_eq!(
        v["properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    let text = ok(c, "iam-api", &["iamApiFn/ServiceRole", "describe"]);
    assert!(
        text.starts_with("IamApigatewayLambdaStack/iamApiFn/ServiceRole (AWS::IAM::Role)\n"),
        "{text}"
    );
    assert!(text.contains("CREATE_COMPLETE"), "{text}");
    assert!(text.contains("Template properties:\n"), "{text}");
    assert!(text.contains("\"AssumeRolePolicyDocument\""), "{text}");

    // A stack: its status and outputs.
    let v = json(
        c,
        "iam-api",
        &["-o", "json", "IamApigatewayLambdaStack", "describe"],
    );
    assert_eq!(v["kind"], "stack");
    assert_eq!(v["status"], "CREATE_COMPLETE");
    assert!(v["stackId"].as_str().unwrap().starts_with(
        "arn:aws:cloudformation:us-east-1:123456789012:stack/IamApigatewayLambdaStack/"
    ));
    assert!(
        v["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["key"] == "ApiUrl"),
        "{v}"
    );

    // A nested stack, and a resource inside it.
    let v = json(
        c,
        "multi-stack",
        &["-o", "json", "SharedStack/Storage", "describe"],
    );
    assert_eq!(v["kind"], "stack");
    assert!(
        v["parentId"]
            .as_str()
            .unwrap()
            .contains(":stack/SharedStack/"),
        "{v}"
    );
    let v = json(c, "multi-stack", &["-o", "json", "Items", "describe"]);
    assert_eq!(v["kind"], "resource");
    assert_eq!(v["cfnType"], "AWS::DynamoDB::Table");
    assert_eq!(v["properties"]["BillingMode"], "PAY_PER_REQUEST");
}

#[test]
fn console_prints_the_page_of_each_kind() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let list = json(c, "iam-api", &["list", "-o", "json"]);
    let physical = |path: &str| -> String {
        list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["constructPath"] == path)
            .and_then(|r| r["physicalId"].as_str())
            .unwrap_or_else(|| panic!("{path}: {list}"))
            .to_string()
    };
    let function = physical("IamApigatewayLambdaStack/requestorFn");
    let api = physical("IamApigatewayLambdaStack/iam-backed-api");

    let url = ok(c, "iam-api", &["requestorFn", "console", "--print"]);
    assert_eq!(
        url,
        format!(
            "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/{function}\n"
        )
    );
    // visit-console (cdk-app-cli's name) is the same action.
    assert_eq!(
        ok(c, "iam-api", &["requestorFn", "visit-console", "--print"]),
        url
    );

    let url = ok(c, "iam-api", &["iam-backed-api", "console", "--print"]);
    assert_eq!(
        url,
        format!(
            "https://us-east-1.console.aws.amazon.com/apigateway/main/apis/{api}/resources?api={api}&region=us-east-1\n"
        )
    );
    let url = ok(
        c,
        "iam-api",
        &["iam-backed-api", "console", "--print", "--stage", "prod"],
    );
    assert_eq!(
        url,
        format!(
            "https://us-east-1.console.aws.amazon.com/apigateway/main/apis/{api}/stages?api={api}&region=us-east-1\n"
        )
    );

    let url = ok(c, "iam-api", &["IamApigatewayLambdaStack", "console", "-p"]);
    assert!(
        url.starts_with(
            "https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/stackinfo?stackId=arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack%2FIamApigatewayLambdaStack%2F"
        ),
        "{url}"
    );

    // IAM's console is global; a type without a page lands on the stack's resources tab.
    let url = ok(
        c,
        "iam-api",
        &["iamApiFn/ServiceRole", "console", "--print"],
    );
    assert!(
        url.starts_with("https://console.aws.amazon.com/iam/home#/roles/details/IamApigatewayLambdaStack-iamApiFnServiceRole0BAD0A67-"),
        "{url}"
    );
    let url = ok(c, "iam-api", &["iamApiFn/LogGroup", "console", "--print"]);
    assert!(
        url.contains("#/stacks/resources?stackId=arn%3Aaws%3Acloudformation%3A"),
        "{url}"
    );
    assert!(
        url.ends_with("&filteringText=iamApiFnLogGroupA1E8F5AB\n"),
        "{url}"
    );

    let v = json(
        c,
        "iam-api",
        &["-o", "json", "requestorFn", "console", "--print"],
    );
    assert_eq!(
        v["url"],
        format!(
            "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/{function}"
        )
    );

    // --stage is for REST APIs only.
    let out = cdkx(
        c,
        "iam-api",
        &["requestorFn", "console", "--print", "--stage", "prod"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("REST API"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn audit_console_prints_cloudtrail_event_history_for_the_resource() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let url = ok(c, "iam-api", &["requestorFn", "audit-console", "--print"]);
    assert!(
        url.starts_with(
            "https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events?ResourceName=IamApigatewayLambdaStack-requestorFn15B8813B-"
        ),
        "{url}"
    );
    // The region of the resource's stack, not the configured one.
    let url = ok(c, "multi-stack", &["Jobs", "audit-console", "--print"]);
    assert!(
        url.starts_with(
            "https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events?ResourceName=https%3A%2F%2Fsqs.eu-west-1.amazonaws.com%2F123456789012%2F"
        ),
        "{url}"
    );
}

#[test]
fn console_opens_the_browser_with_the_url_as_one_argument() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("browser.sh");
    let log = dir.path().join("browser.log");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '{}'\n",
            log.display()
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut fs::metadata(&script).unwrap().permissions(),
        0o755,
    );
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = shared()
        .cdkx(cache.path())
        .env("BROWSER", &script)
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["requestorFn", "console"])
        .output()
        .unwrap();
    assert_no_secrets(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let logged = fs::read_to_string(&log).unwrap();
    let mut lines = logged.lines();
    assert_eq!(lines.next(), Some("1"));
    let url = lines.next().unwrap();
    assert!(
        url.starts_with("https://us-east-1.console.aws.amazon.com/lambda/"),
        "{url}"
    );
    assert_eq!(stderr(&out), format!("> opening {url}\n"));
}

#[test]
fn not_deployed_resources_fail_clearly() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    // Nothing of ConsumerStack is deployed in us-west-2 (it lives in us-east-1).
    for args in [
        &["--region", "us-west-2", "InlineFn", "describe"][..],
        &["--region", "us-west-2", "InlineFn", "console", "--print"],
        &[
            "--region",
            "us-west-2",
            "InlineFn",
            "audit-console",
            "--print",
        ],
        &[
            "--region",
            "us-west-2",
            "-o",
            "json",
            "ProxyApi",
            "describe",
        ],
    ] {
        let out = cdkx(c, "multi-stack", args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("ConsumerStack/")
                && err.contains("not deployed")
                && err.contains("cdkx list"),
            "{args:?}: {err}"
        );
    }
}

/// Where no browser can be started (BROWSER names a program that does not exist, no DISPLAY),
/// `console` and `audit-console` print the URL on stdout, say how to open it, and succeed.
#[test]
fn console_without_a_browser_prints_the_url_and_says_how_to_open_it() {
    let cache = tempfile::tempdir().unwrap();
    for action in ["console", "audit-console"] {
        let out = shared()
            .cdkx(cache.path())
            .env("BROWSER", "/nonexistent/browser")
            .env_remove("DISPLAY")
            .arg("--app")
            .arg(fixture("iam-api"))
            .args(["requestorFn", action])
            .output()
            .unwrap();
        assert_no_secrets(&out);
        assert_eq!(out.status.code(), Some(0), "{action}: {}", stderr(&out));
        let url = stdout(&out);
        assert!(
            url.starts_with("https://") && url.ends_with('\n'),
            "{action}: {url:?}"
        );
        assert_eq!(url.lines().count(), 1, "{action}: {url}");
        let err = stderr(&out);
        assert!(
            err.contains("no browser could be started")
                && err.contains("BROWSER")
                && err.contains("--print")
                && err.contains("/nonexistent/browser"),
            "{action}: {err}"
        );
    }
}
