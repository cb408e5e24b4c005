//! End to end: `invocations` against the emulator, from trail logs generated in the CloudTrail
//! record format (in S3 and in a local directory), Athena results, and API access logs. The
//! summary must match the generated truth exactly.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use common::{Emulator, fixture, stderr, stdout};
use serde_json::{Value, json};

struct Setup {
    emu: Emulator,
    cache: tempfile::TempDir,
    function: String,
}

impl Setup {
    fn new() -> Setup {
        let common::IamApi {
            emu,
            cache,
            function,
        } = common::IamApi::start();
        Setup {
            emu,
            cache,
            function,
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let out = self
            .emu
            .cdkx(self.cache.path())
            .arg("--app")
            .arg(fixture("iam-api"))
            .args(args)
            .output()
            .unwrap();
        common::assert_no_secrets(&out);
        out
    }
}

/// Generates trail log files: 40 Invokes of the function by 123456789012 (4 of them errors),
/// 25 by 222222222222, and 10 of another function, over the last 30 hours, spread over files
/// per hour. Writes them to the bucket under the trail layout and to `dir`; returns nothing, the
/// truth is in the numbers above.
const GENERATE: &str = r#"
import gzip, datetime, random
random.seed(7)
now = datetime.datetime.now(datetime.timezone.utc)
fn_arn = 'arn:aws:lambda:us-east-1:123456789012:function:' + FUNCTION
files = {}
def record(i, account, arn, error=None):
    t = now - datetime.timedelta(minutes=30 * i + 5)
    r = {"eventVersion": "1.09", "eventTime": t.strftime('%Y-%m-%dT%H:%M:%SZ'), "eventSource": "lambda.amazonaws.com",
         "eventName": "Invoke", "awsRegion": "us-east-1", "sourceIPAddress": "10.0.%d.%d" % (i % 7, i),
         "userAgent": "aws-sdk-js/3", "userIdentity": {"type": "AssumedRole", "accountId": account,
         "arn": "arn:aws:sts::%s:assumed-role/%s/session" % (account, "caller" if account != '123456789012' else "local")},
         "recipientAccountId": "123456789012", "eventID": "e-%d-%s" % (i, account), "sharedEventID": "s-%d" % i,
         "readOnly": False, "eventType": "AwsApiCall", "managementEvent": False, "eventCategory": "Data",
         "resources": [{"accountId": "123456789012", "type": "AWS::Lambda::Function", "ARN": arn}],
         "requestParameters": {"functionName": arn, "invocationType": "RequestResponse"}}
    if error:
        r["errorCode"] = error
    key = t.strftime('%Y/%m/%d') + '/123456789012_CloudTrail_us-east-1_' + t.strftime('%Y%m%dT%H00Z') + '_x.json.gz'
    files.setdefault(key, []).append(r)
for i in range(40):
    record(i, '123456789012', fn_arn, 'AccessDenied' if i % 10 == 3 else None)
for i in range(25):
    record(i + 1, '222222222222', fn_arn)
for i in range(10):
    record(i, '123456789012', fn_arn.replace(FUNCTION, 'someone-else'))
s3 = client('s3')
s3.create_bucket(Bucket='trail-bucket')
os.makedirs(DIR, exist_ok=True)
for key, records in files.items():
    body = gzip.compress(json.dumps({"Records": records}).encode())
    s3.put_object(Bucket='trail-bucket', Key='logs/AWSLogs/123456789012/CloudTrail/us-east-1/' + key, Body=body)
    with open(os.path.join(DIR, key.replace('/', '_')), 'wb') as f:
        f.write(body)
ct = client('cloudtrail')
ct.create_trail(Name='main', S3BucketName='trail-bucket', S3KeyPrefix='logs')
"#;

fn generate(s: &Setup, dir: &std::path::Path, selectors: &str) {
    s.emu.python(&format!(
        "FUNCTION = {:?}\nDIR = {:?}\n{GENERATE}\n{selectors}",
        s.function,
        dir.display().to_string()
    ));
}

const LAMBDA_SELECTORS: &str = r#"
ct.put_event_selectors(TrailName='main', AdvancedEventSelectors=[{"Name": "invokes", "FieldSelectors": [
    {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]}])
"#;

fn group<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("{key}: {v}"))
}

#[test]
fn trail_logs_in_s3_and_in_a_directory_give_the_exact_counts() {
    let s = Setup::new();
    let dir = tempfile::tempdir().unwrap();
    generate(&s, dir.path(), LAMBDA_SELECTORS);
    for extra in [vec![], vec!["--trail-logs", dir.path().to_str().unwrap()]] {
        let mut args = vec!["requestorFn", "invocations", "--since", "2d", "-o", "json"];
        args.extend(extra.iter());
        let out = s.run(&args);
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["total"], 65, "{extra:?}: {v}");
        assert_eq!(v["errors"], 4);
        let local = group(&v, "123456789012");
        assert_eq!(
            (
                local["calls"].as_u64(),
                local["errors"].as_u64(),
                &local["crossAccount"]
            ),
            (Some(40), Some(4), &json!(false))
        );
        let remote = group(&v, "222222222222");
        assert_eq!(
            (remote["calls"].as_u64(), &remote["crossAccount"]),
            (Some(25), &json!(true))
        );
        assert!(
            v["sources"][0]["objectsRead"].as_u64().unwrap() > 10,
            "{}",
            v["sources"]
        );
        assert_eq!(v["rows"].as_array().unwrap().len(), 65);
    }
    // The window narrows the count: the last 3 hours hold calls i*30+5 minutes ago, i < 6.
    let out = s.run(&[
        "requestorFn",
        "invocations",
        "--since",
        "3h",
        "--by",
        "principal",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 6 + 5, "{v}");
    assert_eq!(
        group(&v, "arn:aws:sts::222222222222:assumed-role/caller/session")["calls"],
        5
    );
    // The table, for people.
    let out = s.run(&["requestorFn", "invocations", "--since", "2d"]);
    let text = stdout(&out);
    assert!(text.contains("65 calls, 4 errors"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("222222222222") && l.contains("25") && l.ends_with("YES")),
        "{text}"
    );
    the_timeline_counts_each_account_per_bucket(&s);
}

/// Invocations by caller account over time (`timeline` in JSON, `--chart` for people), from the
/// same seeded trail: the last 3 hours hold 6 calls of the app's own account (5, 35, ... 155
/// minutes ago) and 5 of 222222222222 (35 ... 155 minutes ago).
fn the_timeline_counts_each_account_per_bucket(s: &Setup) {
    let out = s.run(&["requestorFn", "invocations", "--since", "3h", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v["timeline"];
    // 3 hours in at most 60 buckets: 5 minutes each, aligned to the clock.
    assert_eq!(t["bucketSeconds"], 300, "{t}");
    let starts: Vec<&str> = t["starts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!((36..=37).contains(&starts.len()), "{starts:?}");
    for s in &starts {
        let minute: u32 = s[14..16].parse().unwrap();
        assert!(minute.is_multiple_of(5) && s.ends_with(":00Z"), "{s}");
    }
    let accounts = t["accounts"].as_array().unwrap();
    let line = |account: &str| {
        accounts
            .iter()
            .find(|a| a["account"] == account)
            .unwrap_or_else(|| panic!("{account}: {t}"))
    };
    let own = line("123456789012");
    assert_eq!(own["total"], 6);
    assert_eq!(
        own["name"], "IamApigatewayLambdaStack",
        "the app's stack there"
    );
    assert_eq!(own["crossAccount"], false);
    let other = line("222222222222");
    assert_eq!(other["total"], 5);
    assert_eq!(other["name"], Value::Null);
    assert_eq!(other["crossAccount"], true);
    assert_eq!(accounts[0]["account"], "123456789012", "most calls first");
    // Each call is counted in the bucket its time falls in (ISO times compare as text).
    for a in accounts {
        let mut want = vec![0u64; starts.len()];
        for r in v["rows"].as_array().unwrap() {
            if r["callerAccount"] == a["account"] {
                let time = r["time"].as_str().unwrap();
                let i = starts.iter().rposition(|s| *s <= time).unwrap();
                want[i] += 1;
            }
        }
        let got: Vec<u64> = a["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        assert_eq!(got, want, "{}", a["account"]);
    }
    // For people: a sparkline per account beside its total.
    let out = s.run(&["requestorFn", "invocations", "--since", "3h", "--chart"]);
    let text = stdout(&out);
    assert!(text.contains("calls per 5 min by caller account"), "{text}");
    let row = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}: {text}"))
            .to_string()
    };
    let own = row("  123456789012 (IamApigatewayLambdaStack)");
    assert!(
        own.ends_with(" 6") && own.contains('█') && own.contains('▁'),
        "{own}"
    );
    let other = row("! 222222222222");
    assert!(other.ends_with(" 5") && other.contains('█'), "{other}");
    // Text: one record per account, its counts in one field.
    let out = s.run(&[
        "requestorFn",
        "invocations",
        "--since",
        "3h",
        "--chart",
        "-o",
        "text",
    ]);
    let text = stdout(&out);
    let record = text
        .lines()
        .find(|l| l.starts_with("222222222222\t\t5\t"))
        .unwrap_or_else(|| panic!("{text}"));
    let counts: Vec<u64> = record
        .rsplit('\t')
        .next()
        .unwrap()
        .split(' ')
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(
        (counts.len(), counts.iter().sum::<u64>()),
        (starts.len(), 5)
    );
}

#[test]
fn a_trail_without_lambda_data_events_says_how_to_enable_them() {
    let s = Setup::new();
    let dir = tempfile::tempdir().unwrap();
    generate(&s, dir.path(), "");
    let out = s.run(&["requestorFn", "invocations"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("trail main logs no Lambda data events for this function"),
        "{err}"
    );
    assert!(
        err.contains(
            "aws cloudtrail put-event-selectors --trail-name main --advanced-event-selectors"
        ) && err.contains(&s.function),
        "{err}"
    );
    // The API's side: API Gateway requests never reach CloudTrail; its access logs are not on.
    let out = s.run(&["iam-backed-api", "invocations"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("has access logging") && err.contains("aws apigateway update-stage"),
        "{err}"
    );
    let out = s.run(&["iam-backed-api", "invocations", "--source", "trail"]);
    assert!(
        stderr(&out).contains("never reach CloudTrail"),
        "{}",
        stderr(&out)
    );
}

/// The columns cdkx's Athena query selects.
const ATHENA_COLUMNS: [&str; 6] = [
    "eventtime",
    "accountid",
    "arn",
    "sourceipaddress",
    "errorcode",
    "recipientaccountid",
];

/// Queues a result set for the next Athena query: the header row AWS sends first for a SELECT,
/// then `rows`.
fn queue_athena_result(s: &Setup, rows: Vec<Value>) {
    let header: Vec<Value> = ATHENA_COLUMNS
        .iter()
        .map(|c| json!({"VarCharValue": c}))
        .collect();
    let columns: Vec<Value> = ATHENA_COLUMNS
        .iter()
        .map(|c| json!({"Name": c, "Type": "varchar"}))
        .collect();
    let mut all = vec![json!({ "Data": header })];
    all.extend(rows);
    s.emu.post(
        "/moto-api/static/athena/query-results",
        &json!({"region": "us-east-1", "results": [{"rows": all, "column_info": columns}]}),
    );
}

#[test]
fn athena_rows_are_summarized_and_the_sql_is_shown() {
    let s = Setup::new();
    let row = |t: &str, acct: &str, err: Option<&str>| {
        json!({"Data": [{"VarCharValue": t}, {"VarCharValue": acct}, {"VarCharValue": format!("arn:aws:sts::{acct}:assumed-role/r/s")},
            {"VarCharValue": "10.1.1.1"}, err.map_or(json!({}), |e| json!({"VarCharValue": e})), {"VarCharValue": "123456789012"}]})
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t = |ago: u64| {
        let out = s.emu.python(&format!("import datetime; print(datetime.datetime.fromtimestamp({}, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))", now - ago));
        out.trim().to_string()
    };
    queue_athena_result(
        &s,
        vec![
            row(&t(60), "222222222222", None),
            row(&t(120), "222222222222", Some("AccessDenied")),
            row(&t(180), "123456789012", None),
        ],
    );
    let out = s.run(&[
        "requestorFn",
        "invocations",
        "--source",
        "athena",
        "--athena-table",
        "trails.cloudtrail_logs",
        "--output-location",
        "s3://results/",
        "--show-sql",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 3, "{v}");
    assert_eq!(group(&v, "222222222222")["calls"], 2);
    assert_eq!(group(&v, "222222222222")["errors"], 1);
    let sql = v["sources"][0]["sql"].as_str().unwrap();
    assert!(
        sql.contains("FROM \"trails\".\"cloudtrail_logs\"")
            && sql.contains(&s.function)
            && sql.contains("eventname IN ('Invoke', 'InvokeFunctionUrl')"),
        "{sql}"
    );
    assert!(
        stderr(&out).contains("SELECT eventtime"),
        "--show-sql prints it"
    );
}

#[test]
fn api_access_logs_give_callers_of_the_api() {
    let s = Setup::new();
    let api = {
        let out = s.run(&["iam-backed-api", "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["construct"]["physicalId"].as_str().unwrap().to_string()
    };
    s.emu.python(&format!(
        r#"
import time
logs = client('logs')
logs.create_log_group(logGroupName='api-access')
logs.create_log_stream(logGroupName='api-access', logStreamName='s')
now = int(time.time() * 1000)
events = []
for i in range(12):
    acct = '222222222222' if i % 3 == 0 else '123456789012'
    status = '403' if i == 4 else '200'
    events.append({{'timestamp': now - (12 - i) * 60000, 'message': json.dumps({{'accountId': acct, 'userArn': 'arn:aws:sts::%s:assumed-role/r/s' % acct, 'sourceIp': '10.0.0.%d' % i, 'status': status, 'path': '/'}})}})
events.append({{'timestamp': now - 30000, 'message': 'not json at all'}})
logs.put_log_events(logGroupName='api-access', logStreamName='s', logEvents=events)
client('apigateway').update_stage(restApiId='{api}', stageName='prod', patchOperations=[
    {{'op': 'replace', 'path': '/accessLogSettings/destinationArn', 'value': 'arn:aws:logs:us-east-1:123456789012:log-group:api-access'}},
    {{'op': 'replace', 'path': '/accessLogSettings/format', 'value': '{{}}'}}])
"#
    ));
    let out = s.run(&[
        "iam-backed-api",
        "invocations",
        "--since",
        "1h",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 12, "non-JSON lines are skipped: {v}");
    assert_eq!(group(&v, "222222222222")["calls"], 4);
    assert_eq!(group(&v, "222222222222")["crossAccount"], true);
    assert_eq!(group(&v, "123456789012")["errors"], 1);
}

#[test]
fn athena_results_are_read_page_by_page() {
    let s = Setup::new();
    let mut rows = Vec::new();
    // 2,499 calls a second apart, the last hour; every 3rd from 222222222222: 833 of them.
    let times = s.emu.python(
        "import datetime\nnow = datetime.datetime.now(datetime.timezone.utc)\n\
         print('\\n'.join((now - datetime.timedelta(seconds=60 + i)).strftime('%Y-%m-%dT%H:%M:%SZ') for i in range(2499)))",
    );
    for (i, t) in times.lines().enumerate() {
        let acct = if i % 3 == 0 {
            "222222222222"
        } else {
            "123456789012"
        };
        rows.push(json!({"Data": [{"VarCharValue": t}, {"VarCharValue": acct},
            {"VarCharValue": format!("arn:aws:sts::{acct}:assumed-role/r/s")}, {"VarCharValue": format!("10.2.{}.{}", i / 250, i % 250)},
            {}, {"VarCharValue": "123456789012"}]}));
    }
    queue_athena_result(&s, rows);
    s.emu.reset_request_counts();
    let out = s.run(&[
        "requestorFn",
        "invocations",
        "--source",
        "athena",
        "--athena-table",
        "trails.logs",
        "--output-location",
        "s3://results/",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 2499, "the header row is not a call");
    assert_eq!(group(&v, "222222222222")["calls"], 833);
    assert_eq!(v["sources"][0]["objectsRead"], 3, "three pages");
    assert_eq!(s.emu.request_counts()["athena:GetQueryResults"], 3);
}

/// Rows as CloudTrail Lake answers them, for the query cdkx sends (its column aliases).
fn lake_rows(s: &Setup, n: usize) -> Vec<Value> {
    let times = s.emu.python(&format!(
        "import datetime\nnow = datetime.datetime.now(datetime.timezone.utc)\n\
         print('\\n'.join((now - datetime.timedelta(seconds=90 + i)).strftime('%Y-%m-%d %H:%M:%S.000') for i in range({n})))"
    ));
    times
        .lines()
        .enumerate()
        .map(|(i, t)| {
            let acct = if i % 4 == 0 {
                "222222222222"
            } else {
                "123456789012"
            };
            let mut row = vec![
                json!({"eventTime": t}),
                json!({"callerAccount": acct}),
                json!({"callerArn": format!("arn:aws:sts::{acct}:assumed-role/lake/s")}),
                json!({"sourceIPAddress": "10.3.0.1"}),
                json!({"recipientAccountId": "123456789012"}),
            ];
            if i % 10 == 9 {
                row.push(json!({"errorCode": "AccessDenied"}));
            }
            Value::Array(row)
        })
        .collect()
}

#[test]
fn cloudtrail_lake_is_used_where_the_account_has_an_event_data_store() {
    let s = Setup::new();
    // No event data store (most accounts now): asked for by name, Lake says so; in auto mode
    // it is left out silently.
    let out = s.run(&["requestorFn", "invocations", "--source", "lake"]);
    assert_eq!(out.status.code(), Some(1), "nothing was read");
    assert!(
        stderr(&out).contains("no CloudTrail Lake event data store in us-east-1"),
        "{}",
        stderr(&out)
    );
    s.emu.python(
        "client('cloudtrail').create_event_data_store(Name='invokes', AdvancedEventSelectors=[{'Name': 'lambda', 'FieldSelectors': [\n\
         {'Field': 'eventCategory', 'Equals': ['Data']}, {'Field': 'resources.type', 'Equals': ['AWS::Lambda::Function']}]}])",
    );
    s.emu.post(
        "/moto-api/cdkx/lake/query-results",
        &json!({"rows": lake_rows(&s, 1500)}),
    );
    s.emu.reset_request_counts();
    let out = s.run(&[
        "requestorFn",
        "invocations",
        "--source",
        "lake",
        "--show-sql",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 1500, "{}", v["sources"]);
    assert_eq!(v["errors"], 150);
    assert_eq!(group(&v, "222222222222")["calls"], 375);
    assert_eq!(group(&v, "222222222222")["crossAccount"], true);
    assert_eq!(v["sources"][0]["source"], "lake");
    assert_eq!(v["sources"][0]["objectsRead"], 2, "two pages of results");
    assert_eq!(s.emu.request_counts()["cloudtrail:GetQueryResults"], 2);
    let row = &v["rows"][0];
    assert!(row["time"].as_str().unwrap().ends_with('Z'), "{row}");
    // The statement cdkx sent: FROM the store's id, the function by name and ARN.
    let queries = s.emu.get("/moto-api/cdkx/lake/queries");
    let sent = queries.as_array().unwrap().last().unwrap()["statement"]
        .as_str()
        .unwrap()
        .to_string();
    let stores = s.emu.python("print(client('cloudtrail').list_event_data_stores()['EventDataStores'][0]['EventDataStoreArn'])");
    let store_id = stores.trim().rsplit('/').next().unwrap().to_string();
    assert!(sent.contains(&format!("FROM {store_id}")), "{sent}");
    assert!(
        sent.contains(&s.function) && sent.contains("eventName IN ('Invoke', 'InvokeFunctionUrl')"),
        "{sent}"
    );
    assert!(stderr(&out).contains(&sent), "--show-sql prints it");
}

#[test]
fn a_hostile_athena_table_name_never_reaches_the_sql_or_the_terminal_raw() {
    let s = Setup::new();
    queue_athena_result(&s, vec![]);
    // ESC, a C1 CSI and a bidi override in the table name the user (or a script) passed.
    let table = "trails.cloud\u{1b}[31mtrail\u{9b}2J\u{202e}logs";
    let out = s.run(&[
        "requestorFn",
        "invocations",
        "--source",
        "athena",
        "--athena-table",
        table,
        "--output-location",
        "s3://results/",
        "--show-sql",
    ]);
    for text in [stdout(&out), stderr(&out)] {
        assert!(
            !text.contains(['\u{1b}', '\u{9b}', '\u{202e}']),
            "raw control characters reached the terminal: {text:?}"
        );
    }
    // Only letters, digits and _ reach the SQL: the name is refused, and shown escaped.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("expected TABLE or DATABASE.TABLE"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("\\x1b") || stderr(&out).contains("\\u{1b}"),
        "the escape is shown, made visible: {}",
        stderr(&out)
    );
}
