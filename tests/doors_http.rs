//! End to end: HTTP APIs (API Gateway v2) with an IAM-authorized route, through the real binary
//! and the emulator's HTTP API front door (SigV4 checked by botocore's signer, identity policies
//! evaluated, no resource policy, HTTP API's own bodies): describe, the probe's unsigned and
//! signed sides, a signer without execute-api:Invoke, a wrong secret, another account's caller,
//! and the stage's access logs as the source of invocations.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use common::{Emulator, fixture, stderr, stdout};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const OTHER: &str = "222222222222";

struct Keys {
    id: String,
    secret: String,
}

struct Setup {
    emu: Emulator,
    cache: tempfile::TempDir,
    api_id: String,
}

impl Setup {
    /// The http-api example deployed, itemsFn answering {"hello":"http"}.
    fn new() -> Setup {
        let emu = Emulator::start();
        emu.deploy(&fixture("http-api"));
        let cache = tempfile::tempdir().unwrap();
        let mut s = Setup {
            emu,
            cache,
            api_id: String::new(),
        };
        let function = s.physical_id("itemsFn");
        s.emu.post(
            "/moto-api/cdkx/lambda/results",
            &json!({"function": function, "default": {"payload": {"statusCode": 200, "body": "{\"hello\":\"http\"}"}}}),
        );
        s.api_id = s.physical_id("iam-http-api");
        s
    }

    fn physical_id(&self, construct: &str) -> String {
        self.json(&[construct], None)["construct"]["physicalId"]
            .as_str()
            .unwrap_or_else(|| panic!("{construct} has no physical id"))
            .to_string()
    }

    /// An IAM user of the API's account with an access key and these inline policies.
    fn user(&self, name: &str, policies: &[Value]) -> Keys {
        let out = self.emu.python(&format!(
            r#"
iam = client('iam')
iam.create_user(UserName={name:?})
for i, doc in enumerate(json.loads({policies:?})):
    iam.put_user_policy(UserName={name:?}, PolicyName='p%d' % i, PolicyDocument=json.dumps(doc))
k = iam.create_access_key(UserName={name:?})['AccessKey']
print(k['AccessKeyId'], k['SecretAccessKey'])
"#,
            policies = serde_json::to_string(policies).unwrap()
        ));
        let (id, secret) = out.trim().split_once(' ').unwrap();
        Keys {
            id: id.to_string(),
            secret: secret.to_string(),
        }
    }

    fn cdkx(&self, args: &[&str], keys: Option<&Keys>) -> assert_cmd::Command {
        let mut c = self.emu.cdkx(self.cache.path());
        c.env("COLUMNS", "200")
            .arg("--app")
            .arg(fixture("http-api"))
            .args(args);
        if let Some(k) = keys {
            c.env("AWS_ACCESS_KEY_ID", &k.id)
                .env("AWS_SECRET_ACCESS_KEY", &k.secret);
        }
        c
    }

    fn run(&self, args: &[&str], keys: Option<&Keys>) -> std::process::Output {
        let out = self.cdkx(args, keys).output().unwrap();
        common::assert_no_secrets(&out);
        if let Some(k) = keys {
            for text in [stdout(&out), stderr(&out)] {
                assert!(
                    !text.contains(&k.secret),
                    "a secret key was printed: {text}"
                );
            }
        }
        out
    }

    fn json(&self, args: &[&str], keys: Option<&Keys>) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.run(&all, keys);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
    }

    /// The front door's record of the HTTP API requests it answered.
    fn requests(&self) -> Vec<Value> {
        self.emu.get("/moto-api/cdkx/apigw/requests")["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "http-api")
            .cloned()
            .collect()
    }
}

fn invoke_items() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
        "Resource": format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:*/*/GET/items")}]})
}

fn kind(v: &Value, side: &str) -> String {
    v[side]["verdict"]["kind"]
        .as_str()
        .unwrap_or("none")
        .to_string()
}

#[test]
fn describe_shows_routes_their_authorization_stages_and_who_may_call() {
    let s = Setup::new();
    let v = s.json(&["iam-http-api", "describe"], None);
    assert_eq!(v["kind"], "httpApi", "{v}");
    assert_eq!(v["id"], s.api_id.as_str());
    assert_eq!(v["protocolType"], "HTTP");
    let routes: Vec<(String, String)> = v["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["routeKey"].as_str().unwrap().to_string(),
                r["authorizationType"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        routes,
        vec![
            ("GET /health".to_string(), "NONE".to_string()),
            ("GET /items".to_string(), "AWS_IAM".to_string())
        ]
    );
    let stage = &v["stages"][0];
    assert_eq!(stage["name"], "$default");
    // The $default stage has no path segment.
    assert_eq!(
        stage["invokeUrl"],
        format!("https://{}.execute-api.us-east-1.amazonaws.com/", s.api_id)
    );
    assert!(
        stage["accessLogDestination"]
            .as_str()
            .is_some_and(|d| d.contains(":log-group:HttpApiStack-httpApiAccessLogs")),
        "{stage}"
    );
    assert_eq!(v["access"]["resourcePolicySupported"], false);
    assert_eq!(v["access"]["hasResourcePolicy"], false);
    assert_eq!(
        v["access"]["appRoles"][0]["constructPath"],
        "HttpApiStack/httpApiCallerRole"
    );

    let out = s.run(&["iam-http-api", "describe"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("(HTTP API)"), "{text}");
    assert!(
        text.contains("GET /items") && text.contains("AWS_IAM"),
        "{text}"
    );
    assert!(
        text.contains("Resource policy: none (HTTP APIs cannot have one)"),
        "{text}"
    );
    assert!(
        text.contains("HTTP APIs have no resource policy: only callers of the API's own account (123456789012)"),
        "{text}"
    );
}

#[test]
fn unsigned_is_forbidden_and_a_signer_allowed_by_its_policy_reaches_the_backend() {
    let s = Setup::new();
    let dev = s.user("dev", &[invoke_items()]);
    let v = s.json(&["iam-http-api", "probe", "--path", "/items"], Some(&dev));
    assert_eq!(
        v["url"],
        format!(
            "https://{}.execute-api.us-east-1.amazonaws.com/items",
            s.api_id
        )
    );
    assert_eq!(v["unsigned"]["status"], 403);
    assert_eq!(v["unsigned"]["body"], json!({"message": "Forbidden"}));
    assert_eq!(kind(&v, "unsigned"), "missing-authentication-token");
    assert_eq!(v["signed"]["status"], 200, "{v}");
    assert_eq!(kind(&v, "signed"), "ok");
    assert_eq!(v["signed"]["body"], json!({"hello": "http"}));
    // The access analysis agreed before the answer did, from IAM's simulator.
    let c = &v["access"]["caller"];
    assert_eq!(c["outcome"], "allow", "{v}");
    assert_eq!(c["identitySource"], "simulate", "{v}");
    assert_eq!(
        c["resource"],
        format!(
            "arn:aws:execute-api:us-east-1:{ACCOUNT}:{}/$default/GET/items",
            s.api_id
        )
    );

    let out = s.run(&["iam-http-api", "probe", "--path", "/items"], Some(&dev));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("403 Forbidden: the request was not signed"),
        "{text}"
    );
    assert!(text.contains("200 OK"), "{text}");

    // What the front door saw: the signed requests verified by its own SigV4 check.
    let reqs = s.requests();
    assert_eq!(reqs.len(), 4, "two per probe: {reqs:?}");
    let signed: Vec<&Value> = reqs.iter().filter(|r| r["signed"] == true).collect();
    assert_eq!(signed.len(), 2, "{reqs:?}");
    assert!(
        signed
            .iter()
            .all(|r| r["verdict"] == "allowed" && r["route_key"] == "GET /items"),
        "{reqs:?}"
    );
}

#[test]
fn a_signer_without_execute_api_invoke_is_told_what_to_add() {
    let s = Setup::new();
    // Allowed another route only: the policy does not cover GET /items.
    let other = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
        "Resource": format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:*/*/GET/health")}]});
    let bare = s.user("bare", &[other]);
    let out = s.run(
        &["iam-http-api", "probe", "--path", "/items", "-o", "json"],
        Some(&bare),
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signed"]["status"], 403);
    assert_eq!(v["signed"]["body"], json!({"message": "Forbidden"}));
    assert_eq!(kind(&v, "signed"), "not-authorized", "{v}");
    let advice = v["signed"]["verdict"]["advice"].as_str().unwrap();
    assert!(advice.contains("execute-api:Invoke"), "{advice}");
    let c = &v["access"]["caller"];
    assert_eq!(c["sameAccount"], true);
    assert_eq!(c["outcome"], "deny", "{v}");
    assert_eq!(c["identityPolicyAllows"], false, "{v}");
    assert!(
        c["conclusion"]
            .as_str()
            .unwrap()
            .contains("add execute-api:Invoke"),
        "{c}"
    );
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .starts_with("HTTP APIs have no resource policy"),
        "{c}"
    );
    // The open route needs no signature at all.
    let v = s.json(&["iam-http-api", "probe", "--path", "/health"], Some(&bare));
    assert_eq!(kind(&v, "unsigned"), "ok", "{v}");
}

#[test]
fn a_wrong_secret_is_a_signature_mismatch() {
    let s = Setup::new();
    let dev = s.user("dev", &[invoke_items()]);
    let wrong = Keys {
        id: dev.id.clone(),
        secret: "not-the-secret-key-of-dev-0000000000000".into(),
    };
    let out = s.run(
        &["iam-http-api", "probe", "--path", "/items", "-o", "json"],
        Some(&wrong),
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kind(&v, "signed"), "signature-mismatch", "{v}");
    assert_eq!(v["signed"]["errorType"], "InvalidSignatureException");
    assert!(
        v["signed"]["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("secret key")
    );
    let reqs = s.requests();
    assert!(
        reqs.iter()
            .any(|r| r["verdict"] == "invalid_signature" && r["canonical_requests"].is_array()),
        "the front door computed its own signature: {reqs:?}"
    );
}

#[test]
fn another_accounts_caller_is_refused_and_told_to_assume_a_role_in_the_apis_account() {
    let s = Setup::new();
    // A role of account 222222222222 that may invoke any API: no use, HTTP APIs have no
    // resource policy to let its account in.
    s.emu.python(&format!(
        r#"
sts = client('sts')
creds = sts.assume_role(RoleArn='arn:aws:iam::{OTHER}:role/admin', RoleSessionName='setup')['Credentials']
iam = client('iam', aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'])
trust = json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "*"}}, "Action": "sts:AssumeRole"}}]}})
iam.create_role(RoleName='caller', AssumeRolePolicyDocument=trust)
iam.put_role_policy(RoleName='caller', PolicyName='invoke', PolicyDocument=json.dumps(
    {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}}]}}))
"#
    ));
    let dev = s.user("dev", &[]);
    let caller = format!("arn:aws:iam::{OTHER}:role/caller");
    let out = s.run(
        &[
            "iam-http-api",
            "probe",
            "--path",
            "/items",
            "--as-role",
            &caller,
            "-o",
            "json",
        ],
        Some(&dev),
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signed"]["status"], 403, "{v}");
    assert_eq!(kind(&v, "signed"), "not-authorized", "{v}");
    assert!(
        v["signed"]["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("assume a role in the API's account")
    );
    let c = &v["access"]["caller"];
    assert_eq!(c["account"], OTHER);
    assert_eq!(c["sameAccount"], false);
    assert_eq!(c["outcome"], "deny", "{v}");
    // Its own policy allows it; that is not enough.
    assert_eq!(c["identityPolicyAllows"], true, "{v}");
    let conclusion = c["conclusion"].as_str().unwrap();
    assert!(
        conclusion.contains(&format!("assume a role in account {ACCOUNT}"))
            && conclusion.contains("HttpApiStack/httpApiCallerRole")
            && conclusion.contains("--as-role"),
        "{conclusion}"
    );

    // The way in it names: the app's caller role in the API's account.
    let role = s.physical_id("httpApiCallerRole");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    let v = s.json(
        &[
            "iam-http-api",
            "probe",
            "--path",
            "/items",
            "--as-role",
            &role_arn,
        ],
        Some(&dev),
    );
    assert_eq!(kind(&v, "signed"), "ok", "{v}");
    assert_eq!(v["access"]["caller"]["outcome"], "allow", "{v}");
}

#[test]
fn an_unknown_stage_names_the_apis_stages() {
    let s = Setup::new();
    let out = s.run(
        &[
            "iam-http-api",
            "probe",
            "--path",
            "/items",
            "--stage",
            "prod",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no stage \"prod\"; its stages: $default"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_stages_access_logs_say_who_called_from_which_account() {
    let s = Setup::new();
    let dev = s.user("dev", &[invoke_items()]);
    s.emu.python(&format!(
        r#"
sts = client('sts')
creds = sts.assume_role(RoleArn='arn:aws:iam::{OTHER}:role/admin', RoleSessionName='setup')['Credentials']
iam = client('iam', aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'])
iam.create_role(RoleName='caller', AssumeRolePolicyDocument=json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "*"}}, "Action": "sts:AssumeRole"}}]}}))
"#
    ));
    // Two probes: each an unsigned and a signed call.
    let v = s.json(&["iam-http-api", "probe", "--path", "/items"], Some(&dev));
    assert_eq!(kind(&v, "signed"), "ok", "{v}");
    let other = format!("arn:aws:iam::{OTHER}:role/caller");
    let v = s.json(
        &[
            "iam-http-api",
            "probe",
            "--path",
            "/items",
            "--as-role",
            &other,
        ],
        Some(&dev),
    );
    assert_eq!(kind(&v, "signed"), "not-authorized", "{v}");

    let v = s.json(&["iam-http-api", "invocations", "--since", "1h"], None);
    assert_eq!(v["total"], 4, "{v}");
    assert_eq!(v["errors"], 3, "three refusals: {v}");
    let source = &v["sources"][0];
    assert_eq!(source["status"], "used", "{v}");
    assert!(
        source["detail"]
            .as_str()
            .unwrap()
            .contains("HttpApiStack-httpApiAccessLogs"),
        "{v}"
    );
    let group = |key: &str| {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .unwrap_or_else(|| panic!("{key}: {v}"))
            .clone()
    };
    assert_eq!(group(ACCOUNT)["calls"], 1, "{v}");
    assert_eq!(group(ACCOUNT)["errors"], 0, "{v}");
    assert_eq!(group(OTHER)["calls"], 1, "{v}");
    assert_eq!(group(OTHER)["crossAccount"], true, "{v}");

    // CloudTrail never sees API Gateway requests: asking for it is a clear error.
    let out = s.run(&["iam-http-api", "invocations", "--source", "trail"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("an HTTP API's callers come from its stages' access logs"),
        "{}",
        stderr(&out)
    );
}
