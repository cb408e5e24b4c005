//! End to end: the probe against the emulator's API Gateway front door, which checks SigV4 with
//! botocore (an independent implementation) and evaluates resource and identity policies.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use common::{Emulator, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, fixture, stderr, stdout};
use serde_json::{Value, json};

struct Setup {
    emu: Emulator,
    cache: tempfile::TempDir,
    api_id: String,
}

impl Setup {
    /// The iam-api example deployed, iamApiFn answering {"hello":"world"}, and the test's
    /// credentials known to the front door as a user of account 123456789012.
    fn new() -> Setup {
        let emu = Emulator::start();
        emu.deploy(&fixture("iam-api"));
        let cache = tempfile::tempdir().unwrap();
        let s = Setup {
            emu,
            cache,
            api_id: String::new(),
        };
        let v = s.json(&["iamApiFn"]);
        let function = v["construct"]["physicalId"].as_str().unwrap().to_string();
        s.emu.post(
            "/moto-api/cdkx/lambda/results",
            &json!({"function": function, "default": {"payload": {"statusCode": 200, "body": "{\"hello\":\"world\"}"}}}),
        );
        s.emu.post(
            "/moto-api/cdkx/apigw/credentials",
            &json!({"access_key_id": FAKE_ACCESS_KEY, "secret_access_key": FAKE_SECRET_KEY, "arn": "arn:aws:iam::123456789012:user/dev",
                    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}]}),
        );
        let api_id = s.json(&["iam-backed-api"])["construct"]["physicalId"]
            .as_str()
            .unwrap()
            .to_string();
        Setup { api_id, ..s }
    }

    fn cdkx(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = self.emu.cdkx(self.cache.path());
        c.env("COLUMNS", "200")
            .arg("--app")
            .arg(fixture("iam-api"))
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let out = self.cdkx(args).output().unwrap();
        assert_secrets_kept(&out);
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.run(&all);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
    }
}

/// No secret key, session token or signature value reaches any output.
fn assert_secrets_kept(out: &std::process::Output) {
    common::assert_no_secrets(out);
    for text in [stdout(out), stderr(out)] {
        for line in text.lines() {
            let l = line.to_ascii_lowercase();
            if l.contains("x-amz-security-token:")
                && !l.contains("<redacted>")
                && !l.contains("$aws_session_token")
            {
                panic!("session token printed: {line}");
            }
            if l.contains("signature=") && !l.contains("signature=<redacted>") {
                panic!("signature printed: {line}");
            }
        }
    }
}

fn verdict(v: &Value, side: &str) -> String {
    v[side]["verdict"]["kind"]
        .as_str()
        .unwrap_or("none")
        .to_string()
}

#[test]
fn unsigned_is_refused_and_signed_reaches_the_backend() {
    let s = Setup::new();
    let v = s.json(&["iam-backed-api", "probe"]);
    assert_eq!(
        v["url"],
        format!(
            "https://{}.execute-api.us-east-1.amazonaws.com/prod/",
            s.api_id
        )
    );
    assert_eq!(v["unsigned"]["status"], 403);
    assert_eq!(verdict(&v, "unsigned"), "missing-authentication-token");
    assert_eq!(
        v["unsigned"]["errorType"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(v["signed"]["status"], 200);
    assert_eq!(verdict(&v, "signed"), "ok");
    assert_eq!(v["signed"]["body"], json!({"hello": "world"}));
    assert!(
        v["signed"]["requestId"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert!(v["signed"]["latencyMs"].as_f64().is_some());

    let out = s.run(&["iam-backed-api", "probe"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("UNSIGNED") && text.contains("SIGNED (SigV4)"),
        "{text}"
    );
    assert!(
        text.contains("403 Missing Authentication Token: the request was not signed"),
        "{text}"
    );
    assert!(text.contains("IAM auth is enforced"), "{text}");
    assert!(text.contains("200 OK"), "{text}");

    // What the front door saw: one unsigned and one signed request, the signed one verified.
    let log = s.emu.get("/moto-api/cdkx/apigw/requests");
    let reqs = log["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 4, "two per probe: {log}");
    assert_eq!(
        reqs.iter()
            .filter(|r| r["signed"] == true && r["verdict"] == "allowed")
            .count(),
        2,
        "{log}"
    );
}

#[test]
fn bad_credentials_are_explained() {
    let s = Setup::new();
    let out = s
        .cdkx(&["iam-backed-api", "probe", "-o", "json"])
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict(&v, "signed"), "signature-mismatch");
    assert!(
        v["signed"]["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("secret key")
    );

    let out = s
        .cdkx(&["iam-backed-api", "probe", "-o", "json"])
        .env("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN000000000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict(&v, "signed"), "invalid-security-token");
}

#[test]
fn cross_account_callers_need_both_policies() {
    let s = Setup::new();
    // Two roles in account 222222222222: one allowed to invoke the API, one with no policy.
    s.emu.python(
        r#"
sts = client('sts')
creds = sts.assume_role(RoleArn='arn:aws:iam::222222222222:role/admin', RoleSessionName='setup')['Credentials']
iam = client('iam', aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'])
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
for name in ['caller', 'bare']:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
iam.put_role_policy(RoleName='caller', PolicyName='invoke', PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*"}]}))
"#,
    );
    let caller = "arn:aws:iam::222222222222:role/caller";
    let v = s.json(&["iam-backed-api", "probe", "--as-role", caller]);
    assert_eq!(verdict(&v, "signed"), "anonymous-denied", "{v}");
    // The access analysis said so before the answer did.
    assert_eq!(v["access"]["caller"]["sameAccount"], false);
    assert_eq!(v["access"]["caller"]["resourcePolicyAllows"], false);
    assert_eq!(v["access"]["caller"]["outcome"], "deny", "{v}");
    // Its identity side came from IAM's simulator, read with the role's own credentials.
    assert_eq!(v["access"]["caller"]["identitySource"], "simulate", "{v}");
    assert_eq!(v["access"]["caller"]["identityPolicyAllows"], true, "{v}");
    assert!(
        v["access"]["caller"]["reason"]
            .as_str()
            .unwrap()
            .contains("does not allow account 222222222222")
    );
    assert!(
        v["signed"]["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("resource policy does not allow")
    );
    assert!(
        v["signerSource"]
            .as_str()
            .unwrap()
            .contains("role arn:aws:iam::222222222222:role/caller (--as-role)")
    );

    // The API's resource policy now lets 222222222222 in too.
    s.emu.python(&format!(
        r#"
policy = {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::222222222222:root"]}}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}]}}
client('apigateway').update_rest_api(restApiId='{}', patchOperations=[{{'op': 'replace', 'path': '/policy', 'value': json.dumps(policy)}}])
"#,
        s.api_id
    ));
    let v = s.json(&[
        "iam-backed-api",
        "probe",
        "--as-role",
        caller,
        "--show-signed",
    ]);
    assert_eq!(verdict(&v, "signed"), "ok", "{v}");
    assert_eq!(v["access"]["caller"]["outcome"], "allow", "{v}");
    let headers = v["signedRequest"]["headers"].as_array().unwrap();
    let token = headers
        .iter()
        .find(|h| {
            h[0].as_str()
                .unwrap()
                .eq_ignore_ascii_case("x-amz-security-token")
        })
        .expect("session token sent");
    assert_eq!(token[1], "<redacted>");
    let log = s.emu.get("/moto-api/cdkx/apigw/requests");
    let last = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| r["signed"] == true)
        .unwrap()
        .clone();
    assert_eq!(last["session_token"], true, "{last}");

    let v = s.json(&[
        "iam-backed-api",
        "probe",
        "--as-role",
        "arn:aws:iam::222222222222:role/bare",
    ]);
    assert_eq!(verdict(&v, "signed"), "no-identity-policy", "{v}");
    assert_eq!(v["access"]["caller"]["outcome"], "deny", "{v}");
    assert_eq!(v["access"]["caller"]["identityPolicyAllows"], false, "{v}");
    assert!(
        v["signed"]["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("add execute-api:Invoke")
    );
}

#[test]
fn signing_edge_cases_are_accepted_by_an_independent_verifier() {
    let s = Setup::new();
    // An IAM-protected catch-all API in front of iamApiFn.
    let api = s.emu.python(
        r#"
apigw = client('apigateway')
lam = client('lambda')
fn = [f for f in lam.list_functions()['Functions'] if 'iamApiFn' in f['FunctionName']][0]['FunctionArn']
api = apigw.create_rest_api(name='edge')['id']
root = [r for r in apigw.get_resources(restApiId=api)['items'] if r['path'] == '/'][0]['id']
proxy = apigw.create_resource(restApiId=api, parentId=root, pathPart='{proxy+}')['id']
apigw.put_method(restApiId=api, resourceId=proxy, httpMethod='ANY', authorizationType='AWS_IAM')
apigw.put_integration(restApiId=api, resourceId=proxy, httpMethod='ANY', type='AWS_PROXY', integrationHttpMethod='POST',
    uri='arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations' % fn)
apigw.create_deployment(restApiId=api, stageName='test')
iam = client('iam')
iam.create_role(RoleName='tok', AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}))
iam.put_role_policy(RoleName='tok', PolicyName='invoke', PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}))
print(api)
"#,
    );
    let api = api.trim();
    let base = format!("https://{api}.execute-api.us-east-1.amazonaws.com/test");
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec![], format!("{base}/plain/path")),
        (
            vec![],
            format!("{base}/a%2Fb/c%20d/%C3%BCml?x=1&x=2&y=&z=a%20b"),
        ),
        (
            vec![
                "-X",
                "POST",
                "-d",
                r#"{"k": "v", "n": [1, 2]}"#,
                "-H",
                "Content-Type: application/json",
            ],
            format!("{base}/items"),
        ),
        (
            vec!["--as-role", "arn:aws:iam::123456789012:role/tok"],
            format!("{base}/with/token?q=%E2%9C%93"),
        ),
    ];
    for (extra, url) in cases {
        let mut args = vec!["probe", url.as_str(), "-o", "json"];
        args.extend(extra.iter());
        let out = s.run(&args);
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        assert_eq!(v["unsigned"]["status"], 403, "{url}: {v}");
        assert_eq!(verdict(&v, "signed"), "ok", "{url} {extra:?}: {v}");
        assert_eq!(out.status.code(), Some(0));
    }
    // The POST body arrived as sent.
    let calls = s.emu.get("/moto-api/cdkx/lambda/invocations");
    let post = calls["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["payload"]["httpMethod"] == "POST")
        .unwrap()
        .clone();
    assert_eq!(post["payload"]["body"], r#"{"k": "v", "n": [1, 2]}"#);
}

#[test]
fn show_signed_redacts_and_gives_a_curl_line() {
    let s = Setup::new();
    let out = s.run(&[
        "iam-backed-api",
        "probe",
        "--show-signed",
        "-H",
        "X-Trace: t1",
    ]);
    let text = stdout(&out);
    assert!(text.contains("signed request:"), "{text}");
    assert!(
        text.contains(&format!("Credential={FAKE_ACCESS_KEY}/")),
        "the access key id is shown: {text}"
    );
    assert!(text.contains("Signature=<redacted>"), "{text}");
    assert!(
        text.contains("curl -X 'GET'")
            && text.contains("--aws-sigv4 'aws:amz:us-east-1:execute-api'"),
        "{text}"
    );
    assert!(
        text.contains("\"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"")
            && text.contains("-H 'X-Trace: t1'"),
        "{text}"
    );
}

#[test]
fn probe_input_errors_are_clear() {
    let s = Setup::new();
    let out = s.run(&["iamApiFn", "probe"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no command \"probe\""),
        "{}",
        stderr(&out)
    );
    let out = s.run(&["probe", "http://example.com/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("plain http is only for loopback"),
        "{}",
        stderr(&out)
    );
    let out = s.run(&["iam-backed-api", "probe", "-H", "no colon"]);
    assert_eq!(out.status.code(), Some(2), "bad usage");
    assert!(stderr(&out).contains("'Name: value'"), "{}", stderr(&out));
    // An unknown stage is an error naming the API's real stages (no request is sent).
    let out = s.run(&["iam-backed-api", "probe", "--stage", "nope", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("has no stage \"nope\"; its stages: prod"),
        "{}",
        stderr(&out)
    );
}

/// An IAM user of the API's account and its keys.
struct User {
    arn: String,
    key: String,
    secret: String,
}

impl Setup {
    /// Creates IAM user `name` in 123456789012 (with `policies`: name -> document) and its keys.
    fn user(&self, name: &str, policies: &[(&str, Value)]) -> User {
        let puts: String = policies
            .iter()
            .map(|(p, doc)| {
                format!(
                    "iam.put_user_policy(UserName='{name}', PolicyName='{p}', PolicyDocument=json.dumps({doc}))\n"
                )
            })
            .collect();
        let out = self.emu.python(&format!(
            "iam = client('iam')\niam.create_user(UserName='{name}')\n{puts}k = iam.create_access_key(UserName='{name}')['AccessKey']\nprint(k['AccessKeyId'], k['SecretAccessKey'])\n"
        ));
        let mut words = out.split_whitespace();
        User {
            arn: format!("arn:aws:iam::123456789012:user/{name}"),
            key: words.next().unwrap().to_string(),
            secret: words.next().unwrap().to_string(),
        }
    }

    /// `cdkx ARGS -o json` with `user`'s keys; the exit code and the document.
    fn json_as(&self, user: &User, args: &[&str]) -> (Option<i32>, Value) {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self
            .cdkx(&all)
            .env("AWS_ACCESS_KEY_ID", &user.key)
            .env("AWS_SECRET_ACCESS_KEY", &user.secret)
            .output()
            .unwrap();
        assert_secrets_kept(&out);
        for text in [stdout(&out), stderr(&out)] {
            assert!(!text.contains(&user.secret), "secret key leaked: {text}");
        }
        let v =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        (out.status.code(), v)
    }
}

fn invoke_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:*/*/GET/*"}]})
}

/// The example API's resource policy names the account (`arn:aws:iam::123456789012:root`): a
/// user of that account with no identity policy is refused, and cdkx says so before the call,
/// from IAM's own simulator.
#[test]
fn a_same_account_user_needs_an_identity_policy() {
    let s = Setup::new();
    let bob = s.user("bob", &[]);
    let (code, v) = s.json_as(&bob, &["iam-backed-api", "probe"]);
    let caller = &v["access"]["caller"];
    assert_eq!(caller["arn"], bob.arn.as_str(), "{v}");
    assert_eq!(caller["outcome"], "deny", "{caller}");
    assert_eq!(caller["identitySource"], "simulate", "{caller}");
    assert_eq!(caller["sameAccount"], true);
    assert_eq!(caller["resourcePolicyAllows"], true);
    assert_eq!(caller["identityPolicyAllows"], false);
    assert_eq!(
        caller["resource"],
        format!(
            "arn:aws:execute-api:us-east-1:123456789012:{}/prod/GET/",
            s.api_id
        )
    );
    assert!(
        caller["reason"]
            .as_str()
            .unwrap()
            .contains("names only your account"),
        "{caller}"
    );
    assert!(
        caller["identityDetail"]
            .as_str()
            .unwrap()
            .contains("implicitDeny"),
        "{caller}"
    );
    // The API agrees.
    assert_eq!(verdict(&v, "signed"), "no-identity-policy", "{v}");
    assert_eq!(code, Some(4));
    // describe of the API says the same for the same credentials.
    let (_, d) = s.json_as(&bob, &["iam-backed-api", "describe"]);
    assert_eq!(d["access"]["caller"]["outcome"], "deny", "{d}");
    assert_eq!(d["access"]["caller"]["identitySource"], "simulate");

    // Text: the outcome on the line about the caller.
    let out = s
        .cdkx(&["iam-backed-api", "probe"])
        .env("AWS_ACCESS_KEY_ID", &bob.key)
        .env("AWS_SECRET_ACCESS_KEY", &bob.secret)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains(&format!("you ({}, account 123456789012): deny: same account: the call will be refused (no identity-based policy allows)", bob.arn)),
        "{text}"
    );
    assert!(
        text.contains("your identity policies: from iam:SimulatePrincipalPolicy"),
        "{text}"
    );

    // With an identity policy that allows execute-api:Invoke, both cdkx and the API say yes.
    s.emu.python(&format!(
        "client('iam').put_user_policy(UserName='bob', PolicyName='invoke', PolicyDocument=json.dumps({}))",
        invoke_policy()
    ));
    let (code, v) = s.json_as(&bob, &["iam-backed-api", "probe"]);
    assert_eq!(v["access"]["caller"]["outcome"], "allow", "{v}");
    assert_eq!(v["access"]["caller"]["identitySource"], "simulate");
    assert_eq!(v["access"]["caller"]["identityPolicyAllows"], true);
    assert_eq!(verdict(&v, "signed"), "ok", "{v}");
    assert_eq!(code, Some(0));
    // POST is not covered by the policy (GET only): the analysis follows the request.
    let (_, v) = s.json_as(&bob, &["iam-backed-api", "probe", "-X", "POST"]);
    assert_eq!(v["access"]["caller"]["outcome"], "deny", "{v}");
}

/// A resource policy whose allow depends on a condition cdkx cannot evaluate: the outcome is
/// `conditional` and names the condition's keys, never a silent allow.
#[test]
fn a_condition_cdkx_cannot_evaluate_makes_the_outcome_conditional() {
    let s = Setup::new();
    let erin = s.user("erin", &[]);
    s.emu.python(&format!(
        r#"
policy = {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
           "Condition": {{"IpAddress": {{"aws:SourceIp": ["192.0.2.0/24"]}}}}}}]}}
client('apigateway').update_rest_api(restApiId='{}', patchOperations=[{{'op': 'replace', 'path': '/policy', 'value': json.dumps(policy)}}])
"#,
        s.api_id
    ));
    let (_, v) = s.json_as(&erin, &["iam-backed-api", "probe"]);
    let caller = &v["access"]["caller"];
    assert_eq!(caller["outcome"], "conditional", "{caller}");
    assert_eq!(caller["conditionKeys"], json!(["aws:SourceIp"]), "{caller}");
    assert!(
        caller["conclusion"]
            .as_str()
            .unwrap()
            .contains("depends on conditions cdkx cannot evaluate: aws:SourceIp"),
        "{caller}"
    );
}

/// A caller that may not ask IAM about itself: the outcome is unknown, and cdkx names the
/// permission that would tell. One that may read its policies but not simulate: cdkx evaluates
/// the documents itself.
#[test]
fn without_iam_permissions_the_outcome_is_unknown_and_says_why() {
    let s = Setup::new();
    let carol = s.user("carol", &[("invoke", invoke_policy())]);
    let dave = s.user(
        "dave",
        &[
            ("invoke", invoke_policy()),
            (
                "read-own",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Action": ["iam:ListUserPolicies", "iam:GetUserPolicy", "iam:ListAttachedUserPolicies", "iam:ListGroupsForUser"],
                    "Resource": "arn:aws:iam::123456789012:user/dave"}]}),
            ),
        ],
    );
    // IAM now refuses IAM calls that the caller's own policies do not allow, as AWS does.
    s.emu
        .post("/moto-api/cdkx/iam/enforce", &json!({"enforce": true}));
    let (_, v) = s.json_as(&carol, &["iam-backed-api", "probe"]);
    let caller = &v["access"]["caller"];
    assert_eq!(caller["outcome"], "unknown", "{caller}");
    assert_eq!(caller["identitySource"], "none");
    assert_eq!(caller["identityPolicyAllows"], Value::Null);
    let missing = caller["missingPermission"].as_str().unwrap();
    assert!(
        missing.starts_with("iam:SimulatePrincipalPolicy on arn:aws:iam::123456789012:user/carol")
            && missing.contains("iam:GetUserPolicy"),
        "{caller}"
    );
    assert!(
        caller["identityDetail"]
            .as_str()
            .unwrap()
            .contains("AccessDenied"),
        "{caller}"
    );
    assert!(
        caller["reason"]
            .as_str()
            .unwrap()
            .contains("would let it find out"),
        "{caller}"
    );
    // Her identity policy does allow it: the API answers.
    assert_eq!(verdict(&v, "signed"), "ok", "{v}");

    let (_, v) = s.json_as(&dave, &["iam-backed-api", "probe"]);
    let caller = &v["access"]["caller"];
    assert_eq!(caller["outcome"], "allow", "{caller}");
    assert_eq!(caller["identitySource"], "policies", "{caller}");
    assert!(
        caller["identityDetail"]
            .as_str()
            .unwrap()
            .contains("inline policy invoke of user dave"),
        "{caller}"
    );
}

#[test]
fn access_analysis_names_who_may_call_the_api() {
    let s = Setup::new();
    let v = s.json(&["iam-backed-api", "describe"]);
    let access = &v["access"];
    assert_eq!(
        access["allowedPrincipals"],
        json!(["arn:aws:iam::123456789012:root"]),
        "{access}"
    );
    let roles: Vec<&str> = access["appRoles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["constructPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["IamApigatewayLambdaStack/requestorFn/ServiceRole"],
        "{access}"
    );
    let text = stdout(&s.run(&["iam-backed-api", "describe"]));
    assert!(
        text.contains("resource policy allows: arn:aws:iam::123456789012:root"),
        "{text}"
    );
    assert!(text.contains("roles of this app allowed to invoke it: IamApigatewayLambdaStack/requestorFn/ServiceRole"), "{text}");
    let probe = s.json(&["iam-backed-api", "probe"]);
    let caller = &probe["access"]["caller"];
    assert_eq!(caller["sameAccount"], true);
    // The test's keys are not an IAM user moto knows: nothing to simulate or read, and the
    // resource policy names only the account, so cdkx cannot tell.
    assert_eq!(caller["outcome"], "unknown", "{caller}");
    assert_eq!(caller["identitySource"], "none", "{caller}");
    assert!(
        caller["conclusion"]
            .as_str()
            .unwrap()
            .starts_with("unknown: same account"),
        "{caller}"
    );
}
