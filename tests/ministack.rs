//! End to end against ministack, an AWS emulator this project did not write (see
//! tests/emulator/README.md): the iam-api example deployed through its CloudFormation, the
//! requestor's and the backend's real bundled code run by its Lambda (with `node`), and its
//! execute-api data plane checking SigV4, the caller's identity policies and the API's resource
//! policy. cdkx runs with the keys of IAM users created in it, never with "root" keys, which
//! ministack does not check. Not tested here, because ministack differs from AWS there: audit
//! (its LookupEvents records data events and invents names), invocations (no trail delivery),
//! cross-account calls (answered 404).

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{Keys, MiniStack, fixture, shared_ministack, stderr, stdout};
use serde_json::{Value, json};

const ACCOUNT: &str = MiniStack::ACCOUNT;

/// What every test shares: one ministack with the example deployed, and its IAM users.
struct World {
    ms: &'static MiniStack,
    /// May read the app, invoke its functions, call the API and assume the requestor's role.
    dev: Keys,
    /// May read the app, and nothing else: no `execute-api:Invoke`.
    reader: Keys,
    /// The requestor function's execution role.
    requestor_role: String,
    api_id: String,
}

/// What cdkx needs to read the app: stacks, functions, the API, IAM (for the access analysis).
fn read_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "cloudformation:Describe*", "cloudformation:List*", "cloudformation:GetTemplate*",
        "lambda:Get*", "lambda:List*", "apigateway:GET",
        "iam:Get*", "iam:List*", "iam:SimulatePrincipalPolicy", "sts:GetCallerIdentity"]}]})
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let ms = shared_ministack();
        let dev = ms.create_user(
            "dev",
            &[
                read_policy(),
                json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "execute-api:Invoke",
                     "Resource": format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:*")},
                    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"},
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}),
            ],
        );
        let reader = ms.create_user("reader", &[read_policy()]);
        let cache = tempfile::tempdir().unwrap();
        let physical = |construct: &str| {
            let out = cdkx(ms, &dev, cache.path(), &[construct, "-o", "json"])
                .output()
                .unwrap();
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
            v["construct"]["physicalId"].as_str().unwrap().to_string()
        };
        let role_name = physical("requestorFn/ServiceRole");
        let api_id = physical("iam-backed-api");
        // To play the requestor (`probe --as-role`), dev must be trusted by its role, as in AWS:
        // the role CDK made trusts only the Lambda service.
        ms.python(&format!(
            "iam = client('iam')\nrole = {role_name:?}\ndoc = iam.get_role(RoleName=role)['Role']['AssumeRolePolicyDocument']\ndoc['Statement'].append({{'Effect': 'Allow', 'Principal': {{'AWS': 'arn:aws:iam::{ACCOUNT}:user/dev'}}, 'Action': 'sts:AssumeRole'}})\niam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(doc))\n"
        ));
        World {
            ms,
            dev,
            reader,
            requestor_role: format!("arn:aws:iam::{ACCOUNT}:role/{role_name}"),
            api_id,
        }
    })
}

/// `cdkx --app <iam-api fixture> ARGS` against ministack with `keys`, with this cache.
fn cdkx(ms: &MiniStack, keys: &Keys, cache: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut c = ms.cdkx(cache, keys);
    c.env("COLUMNS", "200")
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(args);
    c
}

/// Runs cdkx in a fresh cache; no secret key of any user reaches its output.
fn run(keys: &Keys, args: &[&str]) -> std::process::Output {
    let w = world();
    let cache = tempfile::tempdir().unwrap();
    let out = cdkx(w.ms, keys, cache.path(), args).output().unwrap();
    assert_secrets_kept(&out);
    out
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn assert_secrets_kept(out: &std::process::Output) {
    let w = world();
    for text in [stdout(out), stderr(out)] {
        for secret in [&w.dev.secret_access_key, &w.reader.secret_access_key] {
            assert!(!text.contains(secret.as_str()), "secret key leaked: {text}");
        }
        for line in text.lines() {
            let l = line.to_ascii_lowercase();
            assert!(
                !l.contains("signature=") || l.contains("signature=<redacted>"),
                "signature printed: {line}"
            );
        }
    }
}

fn verdict(side: &Value) -> &str {
    side["verdict"]["kind"].as_str().unwrap_or("none")
}

#[test]
fn requestor_runs_its_real_code_and_both_sides_are_judged() {
    let w = world();
    let out = run(&w.dev, &["requestorFn", "invoke", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(v["functionError"], Value::Null, "{v}");
    // What the requestor's real code returned: the parsed bodies of its two calls, the first
    // refused by ministack's API Gateway, the second answered by the backend's real code.
    assert_eq!(
        v["payload"]["value"],
        json!({"without": {"message": "Missing Authentication Token"}, "with": {"hello": "world"}}),
        "{v}"
    );
    let r = &v["requestor"];
    assert_eq!(
        verdict(&r["without"]),
        "missing-authentication-token",
        "{r}"
    );
    // No status in the payload, and a body that is no API Gateway error: the backend answered.
    assert_eq!(verdict(&r["with"]), "ok", "{r}");
    assert_eq!(r["with"]["body"], json!({"hello": "world"}), "{r}");

    let out = run(&w.dev, &["requestorFn", "invoke"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("WITHOUT SIGNATURE") && text.contains("WITH SIGNATURE (SigV4)"),
        "{text}"
    );
    assert!(text.contains("Missing Authentication Token"), "{text}");
    assert!(text.contains("\"hello\": \"world\""), "{text}");
}

#[test]
fn probe_as_an_iam_user_is_refused_unsigned_and_served_signed() {
    let w = world();
    let out = run(&w.dev, &["iam-backed-api", "probe", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(
        v["url"],
        format!(
            "https://{}.execute-api.us-east-1.amazonaws.com/prod/",
            w.api_id
        )
    );
    assert_eq!(
        v["signer"]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/dev")
    );
    assert_eq!(v["unsigned"]["status"], 403);
    assert_eq!(verdict(&v["unsigned"]), "missing-authentication-token");
    assert_eq!(
        v["unsigned"]["errorType"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(v["signed"]["status"], 200, "{v}");
    assert_eq!(verdict(&v["signed"]), "ok");
    // Answered by the backend's real code, through ministack's Lambda proxy integration.
    assert_eq!(v["signed"]["body"], json!({"hello": "world"}));
    assert_eq!(v["access"]["caller"]["outcome"], "allow", "{v}");

    let out = run(&w.dev, &["iam-backed-api", "probe"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("403 Missing Authentication Token: the request was not signed"),
        "{text}"
    );
    assert!(text.contains("200 OK"), "{text}");
}

#[test]
fn probe_with_a_wrong_secret_is_a_signature_mismatch() {
    let w = world();
    // The lookups (stack, API, policy) go through a profile for the app's account with the
    // reader's good keys (cdkx.toml's per-account credentials); the probe signs with the
    // caller's own credentials: dev's key with a wrong secret.
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        format!(
            "[reader]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            w.reader.access_key_id, w.reader.secret_access_key
        ),
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[accounts.{ACCOUNT}]\nprofile = \"reader\"\n"),
    )
    .unwrap();
    let wrong = Keys {
        access_key_id: w.dev.access_key_id.clone(),
        secret_access_key: "wrong-secret-for-the-dev-user-0000000000".into(),
    };
    let out = cdkx(
        w.ms,
        &wrong,
        &dir.path().join("cache"),
        &["iam-backed-api", "probe", "-o", "json"],
    )
    .env("CDKX_CONFIG", &config)
    .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
    .output()
    .unwrap();
    assert_secrets_kept(&out);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(verdict(&v["unsigned"]), "missing-authentication-token");
    assert_eq!(v["signed"]["status"], 403, "{v}");
    assert_eq!(verdict(&v["signed"]), "signature-mismatch", "{v}");
    assert!(
        v["signed"]["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("secret key"),
        "{v}"
    );
}

#[test]
fn probe_without_an_identity_policy_is_refused() {
    let w = world();
    let out = run(&w.reader, &["iam-backed-api", "probe", "-o", "json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(
        v["signer"]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/reader")
    );
    assert_eq!(v["signed"]["status"], 403, "{v}");
    // The API's resource policy names the account (`:root`): that alone lets no user in; the
    // user's own policies must allow execute-api:Invoke, and the reader's do not.
    assert_eq!(verdict(&v["signed"]), "no-identity-policy", "{v}");
    assert!(
        v["signed"]["verdict"]["message"]
            .as_str()
            .unwrap()
            .contains("no identity-based policy allows"),
        "{v}"
    );

    // The access analysis said so before the call: the reader's own policies (IAM's
    // SimulatePrincipalPolicy in ministack) do not allow execute-api:Invoke.
    assert_eq!(v["access"]["caller"]["outcome"], "deny", "{v}");

    let out = run(&w.reader, &["iam-backed-api", "probe"]);
    let text = stdout(&out);
    assert!(text.contains("no identity-based policy"), "{text}");
}

#[test]
fn probe_as_the_requestors_role_is_served() {
    let w = world();
    let out = run(
        &w.dev,
        &[
            "iam-backed-api",
            "probe",
            "--as-role",
            &w.requestor_role,
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json_of(&out);
    let role_name = w.requestor_role.rsplit('/').next().unwrap();
    assert!(
        v["signer"]["arn"].as_str().is_some_and(
            |a| a.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/"))
        ),
        "{v}"
    );
    assert_eq!(verdict(&v["unsigned"]), "missing-authentication-token");
    assert_eq!(v["signed"]["status"], 200, "{v}");
    assert_eq!(verdict(&v["signed"]), "ok");
    assert_eq!(v["signed"]["body"], json!({"hello": "world"}));
    // The role may not read IAM, so its policies come from the app's template, found by the
    // role's deployed name (ministack names roles unlike CloudFormation does).
    let caller = &v["access"]["caller"];
    assert_eq!(caller["identitySource"], "template", "{v}");
    assert_eq!(caller["outcome"], "allow", "{v}");
}

#[test]
fn list_shows_every_resource_deployed() {
    let w = world();
    let out = run(&w.dev, &["list", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(
        v["caller"]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/dev")
    );
    let stacks = v["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 1, "{v}");
    assert_eq!(stacks[0]["state"], "deployed", "{v}");
    let resources = v["resources"].as_array().unwrap();
    // Every resource of the template (cdkx leaves out CDKMetadata), each with its physical id.
    assert_eq!(resources.len(), 13, "{v}");
    for r in resources {
        assert_eq!(r["state"], "deployed", "{r}");
        assert!(
            r["physicalId"].as_str().is_some_and(|p| !p.is_empty()),
            "{r}"
        );
    }
    let api = resources
        .iter()
        .find(|r| r["constructId"] == "iam-backed-api")
        .unwrap();
    assert_eq!(api["physicalId"], w.api_id.as_str());
}

#[test]
fn describe_shows_the_function_and_the_api() {
    let w = world();
    let out = run(&w.dev, &["requestorFn", "describe", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let f = json_of(&out);
    assert_eq!(f["kind"], "lambda");
    assert_eq!(f["runtime"], "nodejs22.x");
    assert_eq!(f["timeoutSeconds"], 15);
    assert_eq!(f["role"], w.requestor_role.as_str());
    assert_eq!(f["environment"], json!([{"name": "IAM_API"}]), "{f}");

    let out = run(&w.dev, &["iam-backed-api", "describe", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let a = json_of(&out);
    assert_eq!(a["kind"], "restApi");
    assert_eq!(a["id"], w.api_id.as_str());
    assert_eq!(a["stages"][0]["name"], "prod");
    assert_eq!(
        a["stages"][0]["invokeUrl"],
        format!(
            "https://{}.execute-api.us-east-1.amazonaws.com/prod/",
            w.api_id
        )
    );
    assert_eq!(
        a["methods"],
        json!([{"path": "/", "method": "GET", "authorizationType": "AWS_IAM", "apiKeyRequired": false}])
    );
    // The live resource policy, as CloudFormation gave it to ministack.
    assert_eq!(a["policySource"], "api");
    assert_eq!(
        a["policy"]["Statement"][0]["Principal"]["AWS"],
        format!("arn:aws:iam::{ACCOUNT}:root")
    );
    assert_eq!(
        a["access"]["allowedPrincipals"],
        json!([format!("arn:aws:iam::{ACCOUNT}:root")])
    );

    let out = run(&w.dev, &["iam-backed-api", "describe"]);
    let text = stdout(&out);
    assert!(text.contains("AWS_IAM") && text.contains("prod"), "{text}");
}

#[test]
fn whoami_names_the_iam_user() {
    let w = world();
    let out = run(&w.reader, &["whoami", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json_of(&out);
    let app = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == ACCOUNT)
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(
        app["caller"]["arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/reader")
    );
    assert_eq!(app["matches"], true);
    assert_eq!(app["stacks"], json!(["IamApigatewayLambdaStack"]));
}
