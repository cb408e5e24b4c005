//! End to end: with credentials of an account A and no cdkx.toml, cdkx reads the app's stacks in
//! accounts B and C through their CDK lookup roles (`properties.lookupRole` of the manifest), never
//! acts with them, and says how to fix a lookup role it cannot assume. The emulator enforces the
//! roles' trust policies (`/moto-api/cdkx/sts/trust`) so a missing trust fails as in AWS.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use common::{Emulator, assert_no_secrets, fixture, stderr, stdout};
use serde_json::Value;

const A: &str = "333333333333";
/// ConsumerStack's account.
const B: &str = "222222222222";
/// SharedStack's (and the nested and agnostic stacks') account: moto's default one.
const C: &str = "123456789012";

/// A fresh emulator with the multi-stack app deployed into B and C, the lookup roles created in
/// B (trusting A) and in C (trusting `c_trusts`), trust policies enforced, and the credentials of
/// a session in A: (access key, secret, token).
struct Setup {
    emu: Emulator,
    cache: tempfile::TempDir,
    app: tempfile::TempDir,
    creds: (String, String, String),
}

impl Setup {
    fn new(c_trusts: &str) -> Setup {
        let emu = Emulator::start();
        emu.deploy(&fixture("multi-stack"));
        let code = format!(
            r#"
sts = client('sts')
def session(account, name):
    c = sts.assume_role(RoleArn=f'arn:aws:iam::{{account}}:role/{{name}}', RoleSessionName='setup')['Credentials']
    return dict(aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])
def trust(account):
    return json.dumps({{"Version": "2012-10-17", "Statement": [
        {{"Effect": "Allow", "Principal": {{"AWS": f"arn:aws:iam::{{account}}:root"}}, "Action": "sts:AssumeRole"}}]}})
# Bootstrapped where the stacks are: B in us-east-1; C in us-east-1 and eu-west-1.
for account, region, trusted in [('{B}', 'us-east-1', '{A}'), ('{C}', 'us-east-1', '{c_trusts}'), ('{C}', 'eu-west-1', '{c_trusts}')]:
    iam = client('iam', **session(account, 'admin'))
    iam.create_role(RoleName=f'cdk-hnb659fds-lookup-role-{{account}}-{{region}}', AssumeRolePolicyDocument=trust(trusted))
me = sts.assume_role(RoleArn='arn:aws:iam::{A}:role/Developer', RoleSessionName='alice@example.com')['Credentials']
print(json.dumps([me['AccessKeyId'], me['SecretAccessKey'], me['SessionToken']]))
"#
        );
        let out = emu.python(&code);
        let creds: (String, String, String) = serde_json::from_str(out.trim()).unwrap();
        emu.post(
            "/moto-api/cdkx/sts/trust",
            &serde_json::json!({"enforce": true}),
        );
        let app = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(fixture("multi-stack"), app.path().join("cdk.out")).unwrap();
        Setup {
            emu,
            cache: tempfile::tempdir().unwrap(),
            app,
            creds,
        }
    }

    /// cdkx in the app directory, with A's credentials.
    fn cdkx(&self, args: &[&str]) -> std::process::Output {
        let out = self
            .emu
            .cdkx(self.cache.path())
            .current_dir(self.app.path())
            .env("AWS_ACCESS_KEY_ID", &self.creds.0)
            .env("AWS_SECRET_ACCESS_KEY", &self.creds.1)
            .env("AWS_SESSION_TOKEN", &self.creds.2)
            .args(args)
            .output()
            .unwrap();
        assert_no_secrets(&out);
        for text in [stdout(&out), stderr(&out)] {
            assert!(!text.contains(&self.creds.1), "secret leaked: {text}");
        }
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.cdkx(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stderr(&out),
            stdout(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn stack<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("stack {name} in {v}"))
}

#[test]
fn another_accounts_stacks_are_read_through_their_lookup_roles() {
    let s = Setup::new(A);
    s.emu.reset_request_counts();
    let v = s.json(&["list", "-o", "json"]);
    assert_eq!(stack(&v, "multi-consumer")["state"], "deployed", "{v}");
    assert_eq!(stack(&v, "multi-consumer")["account"], B);
    assert_eq!(stack(&v, "SharedStack")["state"], "deployed", "{v}");
    assert_eq!(stack(&v, "Prod-ServiceStack")["state"], "deployed", "{v}");
    // One AssumeRole per lookup role for the whole run (B's, and C's in its two regions),
    // whatever the number of stacks and calls.
    let counts = s.emu.request_counts();
    assert_eq!(counts["sts:AssumeRole"], 3, "{counts}");

    // whoami names the lookup role as the source, per account, and the session says who.
    let v = s.json(&["whoami", "-o", "json"]);
    for account in [B, C] {
        let row = v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account"] == account)
            .unwrap();
        assert_eq!(row["matches"], true, "{row}");
        let source = row["source"].as_str().unwrap();
        assert!(source.contains("lookup role (CDK bootstrap)"), "{row}");
        assert!(
            source.contains(&format!(
                "arn:aws:iam::{account}:role/cdk-hnb659fds-lookup-role-{account}-"
            )),
            "the partition is filled in: {row}"
        );
        let caller = row["caller"]["arn"].as_str().unwrap();
        assert!(
            caller.starts_with(&format!(
                "arn:aws:sts::{account}:assumed-role/cdk-hnb659fds-lookup-role-{account}-"
            )) && caller.ends_with("/cdkx-alice@example.com"),
            "the session name says cdkx and the user: {row}"
        );
    }
    let default = &v["accounts"][0];
    assert_eq!(default["caller"]["account"], A, "{default}");

    // describe reads the function in B.
    let d = s.json(&["InlineFn", "describe", "-o", "json"]);
    assert!(
        d["arn"]
            .as_str()
            .unwrap()
            .contains(&format!(":{B}:function:multi-consumer-InlineFn")),
        "{d}"
    );
    // audit reads B's CloudTrail through the same role.
    let out = s.cdkx(&["InlineFn", "audit", "--limit", "0", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Invoking is never done with the lookup role: A's own credentials try, and the answer says
    // what would let cdkx act in B.
    s.emu.reset_request_counts();
    let out = s.cdkx(&["InlineFn", "invoke", "--payload", "{}"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("account {B} is read through its CDK lookup role"))
            && err.contains(&format!("[accounts.{B}]"))
            && err.contains("--role-arn"),
        "{err}"
    );
    let counts = s.emu.request_counts();
    assert_eq!(counts["lambda:Invoke"], 1, "{counts}");

    // An exec command runs with the user's own credentials too, and says so.
    std::fs::write(
        s.app.path().join("construct-commands.json"),
        r#"{"AWS::Lambda::Function": {"whoami": {"exec": "echo \"$AWS_ACCESS_KEY_ID\" | cut -c1-4"}}}"#,
    )
    .unwrap();
    let out = s.cdkx(&["InlineFn", "whoami"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "ASIA\n", "the user's own session keys");
    assert!(
        stderr(&out).contains(&format!(
            "cdkx: note: the command runs with your own credentials: account {B} is read through its CDK lookup role"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cdkx_toml_still_wins_over_the_lookup_role() {
    let s = Setup::new(A);
    std::fs::write(
        s.app.path().join("cdkx.toml"),
        format!("[accounts.{B}]\nrole_arn = \"arn:aws:iam::{B}:role/cdk-hnb659fds-lookup-role-{B}-us-east-1\"\n"),
    )
    .unwrap();
    let v = s.json(&["whoami", "-o", "json"]);
    let row = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == B)
        .unwrap();
    let source = row["source"].as_str().unwrap();
    assert!(source.contains("(cdkx.toml)"), "{row}");
    assert!(!source.contains("lookup role (CDK bootstrap)"), "{row}");
    assert!(
        row["caller"]["arn"].as_str().unwrap().ends_with("/cdkx"),
        "cdkx.toml's role keeps its own session name: {row}"
    );
}

#[test]
fn a_lookup_role_without_trust_gives_the_fix_and_the_other_account_still_lists() {
    // C's lookup role trusts another account, not A.
    let s = Setup::new("444444444444");
    let out = s.cdkx(&["list", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stack(&v, "multi-consumer")["state"], "deployed", "{v}");
    let shared = stack(&v, "SharedStack");
    assert_eq!(shared["state"], "failed", "{v}");
    let fix = format!("cdk bootstrap aws://{C}/us-east-1 --trust-for-lookup {A}");
    assert!(shared["error"].as_str().unwrap().contains(&fix), "{shared}");
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(&fix)).collect();
    assert!(!lines.is_empty(), "{err}");
    for l in lines {
        assert!(
            l.contains("cannot assume the CDK lookup role") && l.contains("AccessDenied"),
            "one line says what and how to fix it: {l}"
        );
    }

    // whoami says the same for C, and B is still reached.
    let out = s.cdkx(&["whoami"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    // whoami shows one of C's lookup roles (its first stack's region).
    assert!(
        text.contains(&format!("cdk bootstrap aws://{C}/"))
            && text.contains(&format!("--trust-for-lookup {A}")),
        "{text}"
    );
    assert!(text.contains("lookup role (CDK bootstrap)"), "{text}");
}
