//! End to end: the built-in listings that used to run the aws CLI (`stages`, `ls`,
//! `attributes`, `subscriptions`, `scan`, `policies`, `resources`, `events`), through the real
//! binary and the real SDK against the emulator, on an app that holds one of each.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;
#[cfg(unix)]
mod tui_support;

use std::path::Path;

use common::{Emulator, assert_no_secrets, fixture, stderr, stdout};
use serde_json::{Value, json};

/// A cloud assembly with a bucket, a queue, a topic, a table and a
/// role with an inline policy, in the shape `cdk synth` writes.
fn data_app(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("cdk.out");
    std::fs::create_dir_all(&out).unwrap();
    let meta = |path: &str| json!({"aws:cdk:path": format!("DataStack/{path}/Resource")});
    let template = json!({"Resources": {
        "Bucket83908E77": {"Type": "AWS::S3::Bucket", "Metadata": meta("Bucket")},
        "Queue4A7E3555": {"Type": "AWS::SQS::Queue", "Metadata": meta("Queue")},
        "TopicBFC7AF6E": {"Type": "AWS::SNS::Topic", "Metadata": meta("Topic")},
        "TableCD117FA1": {"Type": "AWS::DynamoDB::Table", "Metadata": meta("Table"),
            "Properties": {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                           "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                           "BillingMode": "PAY_PER_REQUEST"}},
        "RoleABCD1234": {"Type": "AWS::IAM::Role", "Metadata": meta("Role"),
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                     "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "inline-one", "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}}
    }});
    std::fs::write(
        out.join("DataStack.template.json"),
        serde_json::to_string_pretty(&template).unwrap(),
    )
    .unwrap();
    let manifest = json!({"version": "55.0.0", "artifacts": {"DataStack": {
        "type": "aws:cloudformation:stack",
        "environment": "aws://123456789012/us-east-1",
        "properties": {"templateFile": "DataStack.template.json"}}}});
    std::fs::write(out.join("manifest.json"), manifest.to_string()).unwrap();
    std::fs::write(out.join("cdk.out"), r#"{"version":"55.0.0"}"#).unwrap();
    out
}

struct Data {
    emu: Emulator,
    app: std::path::PathBuf,
    cache: tempfile::TempDir,
    _dir: tempfile::TempDir,
}

impl Data {
    fn start() -> Data {
        let dir = tempfile::tempdir().unwrap();
        let app = data_app(dir.path());
        let emu = Emulator::start();
        emu.deploy(&app);
        Data {
            emu,
            app,
            cache: tempfile::tempdir().unwrap(),
            _dir: dir,
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let out = self
            .emu
            .cdkx(self.cache.path())
            .env("COLUMNS", "200")
            .arg("--app")
            .arg(&self.app)
            .args(args)
            .output()
            .unwrap();
        assert_no_secrets(&out);
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.run(&all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

#[test]
fn built_in_catalogue_needs_no_aws_cli() {
    let text = std::fs::read_to_string(common::repo().join("construct-commands.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    for (key, commands) in v.as_object().unwrap() {
        for (name, cmd) in commands.as_object().unwrap() {
            assert!(
                cmd.get("exec").is_none(),
                "{key} {name} runs a shell command: {cmd}"
            );
        }
    }
}

#[test]
fn listings_of_a_bucket_queue_topic_table_role_and_stack() {
    let d = Data::start();
    let bucket = d.emu.python(
        "print([b['Name'] for b in client('s3').list_buckets()['Buckets'] if 'bucket' in b['Name'].lower()][0])",
    );
    let bucket = bucket.trim();
    d.emu.python(&format!(
        "s3 = client('s3')\nfor k in ['a.txt', 'dir/b.txt', 'dir/c.txt']:\n    s3.put_object(Bucket={bucket:?}, Key=k, Body=b'12345')"
    ));

    // ls: what `aws s3 ls` shows, the prefix as a "folder"; --limit cuts with a note.
    let out = d.run(&["Bucket", "ls"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("LAST MODIFIED"), "{text}");
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].trim_start().starts_with("dir/"), "{text}");
    let last: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(last[1..], ["5", "a.txt"], "{text}");
    let v = d.json(&["Bucket", "ls", "dir/"]);
    let keys: Vec<&str> = items(&v)
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["dir/b.txt", "dir/c.txt"]);
    assert_eq!(v["command"], "ls");
    assert_eq!(v["resource"], bucket);
    assert_eq!(v["truncated"], false);
    let out = d.run(&["Bucket", "ls", "dir/", "--limit", "1", "-o", "text"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(
        stderr(&out).contains("showing the first 1 entries; --limit N shows more"),
        "{}",
        stderr(&out)
    );

    // attributes: the queue's, by name.
    let v = d.json(&["Queue", "attributes"]);
    let arn = items(&v)
        .iter()
        .find(|i| i["name"] == "QueueArn")
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        arn["value"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sqs:us-east-1:123456789012:"),
        "{v}"
    );

    // subscriptions: the queue subscribed to the topic (moto's CloudFormation has no
    // AWS::SNS::Subscription, so the test subscribes it).
    d.emu.python(&format!(
        "sns = client('sns')\nsns.subscribe(TopicArn=sns.list_topics()['Topics'][0]['TopicArn'], Protocol='sqs', Endpoint={:?})",
        arn["value"].as_str().unwrap()
    ));
    let v = d.json(&["Topic", "subscriptions"]);
    assert_eq!(items(&v).len(), 1, "{v}");
    assert_eq!(items(&v)[0]["protocol"], "sqs");
    assert_eq!(items(&v)[0]["endpoint"], arn["value"]);

    // scan: items as plain JSON, the first N with a note, values escaped on a terminal.
    let table = d
        .emu
        .python("print(client('dynamodb').list_tables()['TableNames'][0])");
    d.emu.python(&format!(
        "db = client('dynamodb')\nfor i in range(3):\n    db.put_item(TableName={:?}, Item={{'pk': {{'S': f'k{{i}}'}}, 'n': {{'N': str(i)}}, 'evil': {{'S': '\\x1b[31mred'}}}})",
        table.trim()
    ));
    let v = d.json(&["Table", "scan", "--limit", "2"]);
    assert_eq!(items(&v).len(), 2, "{v}");
    assert_eq!(v["truncated"], true);
    let item = &items(&v)[0]["item"];
    assert!(item["n"].is_number() && item["pk"].is_string(), "{v}");
    assert_eq!(item["evil"], "\u{1b}[31mred");
    let out = d.run(&["Table", "scan"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains(r#""evil":"\u001b[31mred""#), "{text}");
    assert!(!text.contains('\u{1b}'));
    assert!(!stderr(&out).contains("showing the first"));

    // policies: managed and inline (moto's CloudFormation leaves ManagedPolicyArns out, so
    // the test attaches one).
    d.emu.python(
        "iam = client('iam')\nrole = [r['RoleName'] for r in iam.list_roles()['Roles'] if 'Role' in r['RoleName']][0]\n\
         doc = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'sqs:*', 'Resource': '*'}]})\n\
         arn = iam.create_policy(PolicyName='TeamRead', PolicyDocument=doc)['Policy']['Arn']\n\
         iam.attach_role_policy(RoleName=role, PolicyArn=arn)",
    );
    let v = d.json(&["Role", "policies"]);
    let got: Vec<(&str, &str)> = items(&v)
        .iter()
        .map(|i| {
            (
                i["policyName"].as_str().unwrap(),
                i["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("TeamRead", "managed"), ("inline-one", "inline")]);
    assert_eq!(
        items(&v)[0]["policyArn"],
        "arn:aws:iam::123456789012:policy/TeamRead"
    );

    // resources and events of the stack.
    let v = d.json(&["DataStack", "resources"]);
    assert!(
        items(&v)
            .iter()
            .any(|i| i["logicalId"] == "TableCD117FA1" && i["cfnType"] == "AWS::DynamoDB::Table"),
        "{v}"
    );
    let v = d.json(&["DataStack", "events"]);
    let statuses: Vec<&str> = items(&v)
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["CREATE_COMPLETE", "CREATE_IN_PROGRESS"],
        "newest first: {v}"
    );
    let out = d.run(&["DataStack", "events", "--limit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("showing the first 1 events (newest first)"),
        "{}",
        stderr(&out)
    );

    // A bad --limit is a usage error, before any AWS call.
    let out = d.run(&["Table", "scan", "--limit", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn stages_of_a_rest_api() {
    let emu = Emulator::start();
    emu.deploy(&fixture("iam-api"));
    let cache = tempfile::tempdir().unwrap();
    let out = emu
        .cdkx(cache.path())
        .args(["--app"])
        .arg(fixture("iam-api"))
        .args(["iam-backed-api", "stages", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items(&v).len(), 1, "{v}");
    assert_eq!(items(&v)[0]["stageName"], "prod");
    assert!(items(&v)[0]["deploymentId"].is_string(), "{v}");
}

/// The TUI: a bucket's `ls` opened from its action menu, a prefix opened with Enter and left
/// with Backspace, an object's JSON, through the real binary on a pty against the emulator.
#[cfg(unix)]
#[test]
fn ls_from_the_tui_menu_opens_prefixes_and_goes_back_up() {
    use std::time::Duration;
    use tui_support::pty::Pty;
    const ENTER: &str = "\r";
    const ESC: &str = "\x1b";
    const BACKSPACE: &str = "\x7f";

    let d = Data::start();
    let bucket = d.emu.python(
        "print([b['Name'] for b in client('s3').list_buckets()['Buckets'] if 'bucket' in b['Name'].lower()][0])",
    );
    let bucket = bucket.trim();
    d.emu.python(&format!(
        "s3 = client('s3')\nfor k in ['a.txt', 'dir/b.txt', 'dir/c.txt', 'dir/\\u202eevil.txt', 'dir/\\x1b[31mred.txt']:\n    s3.put_object(Bucket={bucket:?}, Key=k, Body=b'12345')"
    ));
    // Warm the physical-id cache the TUI starts from.
    assert!(d.run(&["list"]).status.success());

    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cdkx"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", d.cache.path())
        .env("TERM", "xterm-256color")
        .env("CDKX_CACHE_DIR", d.cache.path())
        .env("AWS_ACCESS_KEY_ID", common::FAKE_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", common::FAKE_SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", d.cache.path().join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            d.cache.path().join("no-aws-credentials"),
        )
        .env("AWS_ENDPOINT_URL", &d.emu.url)
        .arg("--app")
        .arg(&d.app);
    let mut t = Pty::spawn(c, 80, 24);
    t.wait_text(&["account: 123456789012", "Bucket"]);
    t.key("/");
    t.send("Bucket");
    t.key(ENTER);
    t.key(ENTER);
    // The menu has ls as a listing, not "command line only".
    let screen = t.wait_text(&["ls", "d describe"]);
    assert!(!screen.contains("command line only"), "{screen}");
    t.key("G");
    t.key(ENTER);
    let screen = t.wait_text(&[
        &format!("s3://{bucket}/ · 2 items"),
        "LAST MODIFIED",
        "dir/",
        "a.txt",
    ]);
    assert!(screen.contains("Backspace up"), "{screen}");
    // Prefixes come first: Enter on `dir/` lists under it.
    t.key("g");
    t.key(ENTER);
    let screen = t.wait_text(&[
        &format!("s3://{bucket}/dir/ · 4 items"),
        "dir/b.txt",
        "dir/c.txt",
        "dir/\\u{202e}evil.txt",
        // A control character in a key: S3 can only send it URL-encoded (XML 1.0 has no
        // escape for it); cdkx asks for encoded keys and shows the decoded one escaped.
        "dir/\\x1b[31mred.txt",
    ]);
    assert!(!screen.contains("a.txt "), "{screen}");
    // Backspace: back up to the top level.
    t.key(BACKSPACE);
    t.wait_text(&[&format!("s3://{bucket}/ · 2 items"), "a.txt"]);
    // Enter on an object: its entry as JSON.
    t.key("G");
    t.key(ENTER);
    t.wait_text(&["\"kind\": \"object\"", "\"key\": \"a.txt\""]);
    t.key(ESC);
    t.wait_text(&["LAST MODIFIED"]);
    t.key(ESC);
    t.wait_text(&["d describe"]);
    t.key(ESC);
    t.key("q");
    assert!(t.wait_exit(Duration::from_secs(30)).success());
    let raw = String::from_utf8_lossy(&t.raw_output()).into_owned();
    assert!(!raw.contains(common::FAKE_SECRET_KEY));
    assert!(
        !raw.contains('\u{202e}') && !raw.contains("\u{1b}[31mred"),
        "the hostile key reached the terminal raw"
    );
}
