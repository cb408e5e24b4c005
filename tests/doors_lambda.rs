//! End to end: the Lambda doors another account calls through (issue #16). The lambda-doors
//! example is deployed into account 123456789012; cdkx runs with credentials of account
//! 222222222222 (which the functions' resource policies name) or 333333333333 (which they do
//! not), with no cdkx.toml. The emulator's function URL front door verifies SigV4 for service
//! `lambda` with botocore and requires both lambda:InvokeFunctionUrl and lambda:InvokeFunction;
//! its Invoke refuses the log tail across accounts, as Lambda does.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use common::{Emulator, assert_no_secrets, fixture, stderr, stdout};
use serde_json::{Value, json};

const FUNCTION_ACCOUNT: &str = "123456789012";
const PARTNER: &str = "222222222222";
const STRANGER: &str = "333333333333";
const URL: &str = "urlFn/FunctionUrl";

/// A session's keys: (access key id, secret, token).
type Creds = (String, String, String);

struct Setup {
    emu: Emulator,
    cache: tempfile::TempDir,
    /// Sessions of roles whose identity policies allow: both actions, only
    /// lambda:InvokeFunctionUrl, only lambda:InvokeFunction (account 222222222222), and both
    /// in account 333333333333.
    both: Creds,
    url_only: Creds,
    invoke_only: Creds,
    stranger: Creds,
}

impl Setup {
    fn new() -> Setup {
        let emu = Emulator::start();
        emu.deploy(&fixture("lambda-doors"));
        let code = format!(
            r#"
sts = client('sts')
def session(account, name, label):
    c = sts.assume_role(RoleArn=f'arn:aws:iam::{{account}}:role/{{name}}', RoleSessionName=label)['Credentials']
    return dict(aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])
def role(account, name, actions):
    iam = client('iam', **session(account, 'admin', 'setup'))
    iam.create_role(RoleName=name, AssumeRolePolicyDocument='{{}}')
    iam.put_role_policy(RoleName=name, PolicyName='invoke', PolicyDocument=json.dumps(
        {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": actions, "Resource": "*"}}]}}))
    c = session(account, name, 'dev')
    return [c['aws_access_key_id'], c['aws_secret_access_key'], c['aws_session_token']]
print(json.dumps([
    role('{PARTNER}', 'both', ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction']),
    role('{PARTNER}', 'url-only', ['lambda:InvokeFunctionUrl']),
    role('{PARTNER}', 'invoke-only', ['lambda:InvokeFunction']),
    role('{STRANGER}', 'both', ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction']),
]))
"#
        );
        let sessions: Vec<Creds> = serde_json::from_str(emu.python(&code).trim()).unwrap();
        let mut it = sessions.into_iter();
        let s = Setup {
            emu,
            cache: tempfile::tempdir().unwrap(),
            both: it.next().unwrap(),
            url_only: it.next().unwrap(),
            invoke_only: it.next().unwrap(),
            stranger: it.next().unwrap(),
        };
        // Each function answers from the emulator's queue.
        let url_fn = s.physical("urlFn");
        let shared_fn = s.physical("sharedFn");
        s.emu.post(
            "/moto-api/cdkx/lambda/results",
            &json!({"function": url_fn, "default": {"payload": {"statusCode": 200, "body": "{\"hello\":\"url\"}"}}}),
        );
        s.emu.post(
            "/moto-api/cdkx/lambda/results",
            &json!({"function": shared_fn, "default": {"payload": {"hello": "shared"}, "log_lines": ["shared says hi"]}}),
        );
        s
    }

    fn physical(&self, construct: &str) -> String {
        let v = self.json(&self.both, &[construct]);
        v["construct"]["physicalId"].as_str().unwrap().to_string()
    }

    fn run(&self, creds: &Creds, args: &[&str]) -> std::process::Output {
        let out = self
            .emu
            .cdkx(self.cache.path())
            .env("COLUMNS", "200")
            .env("AWS_ACCESS_KEY_ID", &creds.0)
            .env("AWS_SECRET_ACCESS_KEY", &creds.1)
            .env("AWS_SESSION_TOKEN", &creds.2)
            .arg("--app")
            .arg(fixture("lambda-doors"))
            .args(args)
            .output()
            .unwrap();
        assert_no_secrets(&out);
        for text in [stdout(&out), stderr(&out)] {
            assert!(
                !text.contains(&creds.1) && !text.contains(&creds.2),
                "a secret reached the output: {text}"
            );
        }
        out
    }

    fn json(&self, creds: &Creds, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.run(creds, &all);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}{}", stderr(&out), stdout(&out)))
    }

    /// The last signed request the function URL front door saw (the probe sends the unsigned
    /// one at the same time).
    fn last_url_request(&self) -> Value {
        let v = self.emu.get("/moto-api/cdkx/furl/requests");
        v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|r| r["signed"] == true)
            .unwrap_or_else(|| panic!("no signed request: {v:#}"))
            .clone()
    }
}

fn probe(s: &Setup, creds: &Creds) -> (Option<i32>, Value) {
    let out = s.run(creds, &[URL, "probe", "-o", "json"]);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stderr(&out), stdout(&out)));
    (out.status.code(), v)
}

#[test]
fn a_function_url_is_probed_unsigned_and_signed_and_the_partner_is_let_in() {
    let s = Setup::new();
    let (code, v) = probe(&s, &s.both);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["signingService"], "lambda");
    assert!(
        v["url"]
            .as_str()
            .unwrap()
            .contains(".lambda-url.us-east-1.on.aws/"),
        "{v:#}"
    );
    // Unsigned: the function URL's own body, with its capital M.
    assert_eq!(v["unsigned"]["status"], 403);
    assert_eq!(v["unsigned"]["body"], json!({"Message": "Forbidden"}));
    assert_eq!(v["unsigned"]["verdict"]["kind"], "forbidden");
    assert!(
        v["unsigned"]["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("IAM auth is enforced"),
        "{v:#}"
    );
    // Signed by the partner's role: the function answered.
    assert_eq!(v["signed"]["status"], 200);
    assert_eq!(v["signed"]["body"], json!({"hello": "url"}));
    assert_eq!(v["signed"]["verdict"]["kind"], "ok");
    // Who may call: the partner account, through both actions; the signer is covered.
    let a = &v["functionAccess"];
    assert_eq!(a["door"], "functionUrl");
    assert_eq!(a["authType"], "AWS_IAM");
    assert_eq!(a["otherAccounts"][0]["account"], PARTNER);
    assert_eq!(a["otherAccounts"][0]["missing"], json!([]));
    assert_eq!(a["caller"]["account"], PARTNER);
    assert_eq!(a["caller"]["sameAccount"], false);
    assert_eq!(a["caller"]["outcome"], "allow", "{a:#}");
    // The emulator saw a request signed for lambda by the partner's session.
    let r = s.last_url_request();
    assert_eq!(r["verdict"], "allowed", "{r:#}");
    assert_eq!(r["caller"]["account"], PARTNER);
    assert!(
        r["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["allowed"] == true)
    );

    // The text says it to a person, and the curl line signs for lambda.
    let out = s.run(&s.both, &[URL, "probe", "--show-signed"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Access (lambda:InvokeFunctionUrl + lambda:InvokeFunction):")
            && text
                .contains("a caller needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction")
            && text.contains(&format!("other accounts allowed in: {PARTNER}"))
            && text.contains("allow: cross-account")
            && text.contains(":lambda'"),
        "{text}"
    );
}

#[test]
fn a_signer_without_one_of_the_two_actions_is_refused_and_the_missing_one_named() {
    let s = Setup::new();
    for (creds, missing) in [
        (&s.url_only, "lambda:InvokeFunction"),
        (&s.invoke_only, "lambda:InvokeFunctionUrl"),
    ] {
        let (code, v) = probe(&s, creds);
        assert_eq!(code, Some(4), "{v:#}");
        assert_eq!(v["signed"]["status"], 403);
        assert_eq!(v["signed"]["verdict"]["kind"], "not-authorized", "{v:#}");
        assert!(
            v["signed"]["body"]["Message"]
                .as_str()
                .unwrap()
                .starts_with("Forbidden. For troubleshooting Function URL authorization issues"),
            "{v:#}"
        );
        let c = &v["functionAccess"]["caller"];
        assert_eq!(c["outcome"], "deny", "{c:#}");
        assert_eq!(c["missing"], json!([missing]), "{c:#}");
        assert!(
            c["conclusion"]
                .as_str()
                .unwrap()
                .contains(&format!("missing {missing} ")),
            "{c:#}"
        );
        // The emulator decided the same, independently.
        let r = s.last_url_request();
        assert_eq!(r["verdict"], "access_denied");
        let refused: Vec<&str> = r["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["allowed"] == false)
            .map(|a| a["action"].as_str().unwrap())
            .collect();
        assert_eq!(refused, vec![missing], "{r:#}");
    }
    // In text: the verdict and the missing permission, and how to add it.
    let out = s.run(&s.url_only, &[URL, "probe"]);
    let text = stdout(&out);
    assert!(
        text.contains("403 Not authorized (function URL)")
            && text.contains("deny: cross-account (your account 222222222222): the call will be refused: missing lambda:InvokeFunction")
            && text.contains("to allow it: allow lambda:InvokeFunction on arn:aws:lambda:us-east-1:123456789012:function:"),
        "{text}"
    );
}

#[test]
fn a_wrong_secret_and_an_account_the_policy_does_not_name_are_told_apart() {
    let s = Setup::new();
    let wrong = (
        s.both.0.clone(),
        "wrongSECRETwrongSECRETwrongSECRET0000000".to_string(),
        s.both.2.clone(),
    );
    let (code, v) = probe(&s, &wrong);
    assert_eq!(code, Some(4), "{v:#}");
    assert_eq!(
        v["signed"]["verdict"]["kind"], "signature-mismatch",
        "{v:#}"
    );
    let advice = v["signed"]["verdict"]["advice"].as_str().unwrap();
    assert!(
        advice.contains("(lambda)") && !advice.contains("execute-api"),
        "{advice}"
    );
    assert_eq!(s.last_url_request()["verdict"], "invalid_signature");

    // Account 333333333333: its own policies allow both, the function's do not name it.
    let (code, v) = probe(&s, &s.stranger);
    assert_eq!(code, Some(4), "{v:#}");
    assert_eq!(v["signed"]["verdict"]["kind"], "not-authorized");
    let c = &v["functionAccess"]["caller"];
    assert_eq!(
        c["missing"],
        json!(["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"])
    );
    assert_eq!(c["actions"][0]["resourcePolicyAllows"], false);
    assert_eq!(c["actions"][0]["identityPolicyAllows"], true);
    let advice = c["actions"][0]["advice"].as_str().unwrap();
    assert!(
        advice.contains("aws lambda add-permission")
            && advice.contains(&format!("--principal {STRANGER}"))
            && advice.contains("--function-url-auth-type AWS_IAM"),
        "{advice}"
    );
}

#[test]
fn describe_shows_the_url_its_auth_type_and_who_may_call() {
    let s = Setup::new();
    let v = s.json(&s.url_only, &[URL, "describe"]);
    assert_eq!(v["kind"], "functionUrl", "{v:#}");
    assert_eq!(v["authType"], "AWS_IAM");
    assert!(
        v["url"]
            .as_str()
            .unwrap()
            .ends_with(".lambda-url.us-east-1.on.aws")
    );
    assert!(
        v["functionArn"].as_str().unwrap().starts_with(&format!(
            "arn:aws:lambda:us-east-1:{FUNCTION_ACCOUNT}:function:"
        )),
        "{v:#}"
    );
    // The resource policy as GetPolicy gives it, and what it means.
    let statements = v["policy"]["Statement"].as_array().unwrap();
    assert!(
        statements
            .iter()
            .any(|st| st["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"] == "AWS_IAM")
    );
    let a = &v["access"];
    assert_eq!(a["actions"][0]["action"], "lambda:InvokeFunctionUrl");
    assert_eq!(
        a["actions"][0]["allowedPrincipals"],
        json!([format!("arn:aws:iam::{PARTNER}:root")])
    );
    assert_eq!(a["actions"][1]["action"], "lambda:InvokeFunction");
    assert_eq!(a["caller"]["missing"], json!(["lambda:InvokeFunction"]));

    let out = s.run(&s.url_only, &[URL, "describe"]);
    let text = stdout(&out);
    assert!(
        text.contains("(Lambda function URL)")
            && text.contains("AWS_IAM (requests must be SigV4-signed for service lambda)")
            && text.contains(&format!(
                "resource policy allows lambda:InvokeFunctionUrl: arn:aws:iam::{PARTNER}:root"
            )),
        "{text}"
    );
}

#[test]
fn a_function_shared_with_another_account_says_who_may_invoke_it() {
    let s = Setup::new();
    let v = s.json(&s.both, &["sharedFn", "describe"]);
    let a = &v["access"];
    assert_eq!(a["door"], "invoke", "{v:#}");
    assert_eq!(
        a["actions"][0]["allowedPrincipals"],
        json!([format!("arn:aws:iam::{PARTNER}:root")])
    );
    assert_eq!(a["otherAccounts"][0]["account"], PARTNER);
    // urlFn's statements hold only through its URL: its Invoke API lets nobody else in.
    let v = s.json(&s.both, &["urlFn", "describe"]);
    assert_eq!(v["access"]["otherAccounts"], json!([]), "{v:#}");
    let out = s.run(&s.both, &["sharedFn", "describe"]);
    assert!(
        stdout(&out).contains(&format!("other accounts allowed in: {PARTNER}")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn invoke_log_across_accounts_is_explained_and_the_lines_read_from_the_log_group() {
    let s = Setup::new();
    s.emu.delete("/moto-api/cdkx/lambda/invocations");
    let out = s.run(&s.both, &["sharedFn", "invoke", "--log", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["payload"]["value"], json!({"hello": "shared"}));
    let note = v["logNote"].as_str().unwrap();
    assert!(
        note.contains("Lambda gives no log tail across accounts")
            && note.contains("Cross-account log access is not allowed")
            && note.contains("logs --request-id"),
        "{note}"
    );
    let lines: Vec<String> = v["logLines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("shared says hi")),
        "{lines:?}"
    );
    // The refused call never ran the function: it ran once, in its own account.
    let inv = s.emu.get("/moto-api/cdkx/lambda/invocations");
    let runs = inv["invocations"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{inv:#}");
    assert_eq!(runs[0]["account"], FUNCTION_ACCOUNT);

    // An account the resource policy does not name is refused by Lambda, with its reason.
    let out = s.run(&s.stranger, &["sharedFn", "invoke"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("lambda:InvokeFunction") && err.contains("no resource-based policy allows"),
        "{err}"
    );
}

#[test]
fn a_function_url_given_as_a_url_is_signed_for_lambda() {
    let s = Setup::new();
    let url = s.json(&s.both, &[URL, "describe"])["url"]
        .as_str()
        .unwrap()
        .to_string();
    let out = s.run(&s.both, &["probe", &format!("{url}/"), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signingService"], "lambda");
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["unsigned"]["verdict"]["kind"], "forbidden");
    assert_eq!(v["signed"]["body"], json!({"hello": "url"}));
}

/// Writes one trail log file for `urlFn` into a trail bucket of the function's account: 3 calls
/// through the URL (InvokeFunctionUrl, from the partner, one refused), 2 through the Invoke API
/// (from the function's own account), and one URL call of sharedFn, which must not count. The
/// URL events name the function only in `resources`, as Lambda data events do.
const URL_TRAIL: &str = r#"
import gzip, datetime
now = datetime.datetime.now(datetime.timezone.utc)
def arn(fn):
    return 'arn:aws:lambda:us-east-1:123456789012:function:' + fn
def record(i, name, account, fn, error=None):
    t = now - datetime.timedelta(minutes=10 * i + 5)
    r = {"eventVersion": "1.09", "eventTime": t.strftime('%Y-%m-%dT%H:%M:%SZ'), "eventSource": "lambda.amazonaws.com",
         "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "10.1.0.%d" % i,
         "userIdentity": {"type": "AssumedRole", "accountId": account,
                          "arn": "arn:aws:sts::%s:assumed-role/both/dev" % account},
         "recipientAccountId": "123456789012", "eventID": "u-%d" % i, "eventCategory": "Data",
         "managementEvent": False, "eventType": "AwsApiCall",
         "resources": [{"accountId": "123456789012", "type": "AWS::Lambda::Function", "ARN": arn(fn)}]}
    if name == 'Invoke':
        r["requestParameters"] = {"functionName": arn(fn)}
    if error:
        r["errorCode"] = error
    return r
records = [record(0, 'InvokeFunctionUrl', '222222222222', URL_FN),
           record(1, 'InvokeFunctionUrl', '222222222222', URL_FN, 'AccessDeniedException'),
           record(2, 'InvokeFunctionUrl', '222222222222', URL_FN),
           record(3, 'Invoke', '123456789012', URL_FN),
           record(4, 'Invoke', '123456789012', URL_FN),
           record(5, 'InvokeFunctionUrl', '222222222222', SHARED_FN)]
s3 = client('s3')
s3.create_bucket(Bucket='url-trail')
day = now.strftime('%Y/%m/%d')
s3.put_object(Bucket='url-trail', Key='AWSLogs/123456789012/CloudTrail/us-east-1/%s/123456789012_CloudTrail_us-east-1_x.json.gz' % day,
              Body=gzip.compress(json.dumps({"Records": records}).encode()))
ct = client('cloudtrail')
ct.create_trail(Name='urls', S3BucketName='url-trail')
"#;

#[test]
fn a_function_urls_calls_come_from_the_functions_lambda_data_events() {
    let s = Setup::new();
    let url_fn = s.physical("urlFn");
    let url_fn = url_fn.rsplit(':').next().unwrap().to_string();
    let shared_fn = s.physical("sharedFn");
    let shared_fn = shared_fn.rsplit(':').next().unwrap().to_string();
    s.emu.python(&format!(
        "URL_FN = {url_fn:?}\nSHARED_FN = {shared_fn:?}\n{URL_TRAIL}"
    ));

    // The trail logs no data events yet: the report says where URL calls are recorded and the
    // command that turns it on, naming the function.
    let out = s.run(&s.both, &[URL, "invocations"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "Function URL calls are recorded only as Lambda data events (InvokeFunctionUrl"
        ) && err.contains("CloudTrail does not log them by default")
            && err.contains("aws cloudtrail put-event-selectors --trail-name urls")
            && err.contains(&format!("function:{url_fn}")),
        "{err}"
    );

    s.emu.python(
        r#"client('cloudtrail').put_event_selectors(TrailName='urls', AdvancedEventSelectors=[{"Name": "invokes", "FieldSelectors": [
    {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]}])"#,
    );
    let v = s.json(&s.both, &[URL, "invocations", "--since", "1d"]);
    assert_eq!(
        (v["total"].as_u64(), v["errors"].as_u64()),
        (Some(5), Some(1)),
        "{v:#}"
    );
    assert!(
        v["target"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":function:{url_fn}"))
    );
    let rows = v["rows"].as_array().unwrap();
    let through = |door: &str| rows.iter().filter(|r| r["door"] == door).count();
    assert_eq!((through("functionUrl"), through("invoke")), (3, 2), "{v:#}");
    assert!(
        rows.iter()
            .filter(|r| r["door"] == "functionUrl")
            .all(|r| r["callerAccount"] == PARTNER && r["crossAccount"] == true),
        "{v:#}"
    );
    let detail = v["sources"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("3 of the function's 5 call(s) came through its URL (InvokeFunctionUrl)"),
        "{detail}"
    );
    // The function itself counts the same calls; the text names the door for people.
    let f = s.json(&s.both, &["urlFn", "invocations", "--since", "1d"]);
    assert_eq!(f["total"], 5, "{f:#}");
    let out = s.run(&s.both, &[URL, "invocations", "--since", "1d"]);
    let text = stdout(&out);
    assert!(
        text.contains("5 calls, 1 error")
            && text.contains("3 of the function's 5 call(s) came through its URL"),
        "{text}"
    );
}
