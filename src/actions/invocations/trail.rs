//! The trail source: Lambda `Invoke` (and `InvokeFunctionUrl`) data events read from a trail's log files in S3 (or a
//! local directory of them), and whether a trail's selectors log them at all.

use std::path::Path;
use std::sync::Arc;

use futures::StreamExt;
use serde::Deserialize;

use super::{
    CONCURRENCY, Counters, FunctionRef, Invocation, InvocationQuery, LAMBDA, Progressor,
    SourceKind, SourceReport, days, parse_iso,
};
use crate::aws::{Aws, FieldCondition, Trail};

#[derive(Deserialize)]
struct TrailFile {
    #[serde(rename = "Records", default)]
    records: Vec<Record>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    #[serde(default)]
    event_source: String,
    #[serde(default)]
    event_name: String,
    #[serde(default)]
    event_time: String,
    #[serde(default)]
    user_identity: Option<Identity>,
    #[serde(rename = "sourceIPAddress", default)]
    source_ip_address: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    recipient_account_id: Option<String>,
    #[serde(default)]
    resources: Option<Vec<TrailResource>>,
    #[serde(default)]
    request_parameters: Option<RequestParameters>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    invoked_by: Option<String>,
}

#[derive(Deserialize)]
struct TrailResource {
    #[serde(rename = "ARN", default)]
    arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestParameters {
    #[serde(default)]
    function_name: Option<String>,
}

/// The Invoke calls of `function` in one trail log file (gzip or plain JSON), within the window.
fn scan_file(
    bytes: &[u8],
    function: &FunctionRef,
    since: f64,
    until: f64,
) -> Result<(Vec<Invocation>, u64), String> {
    let json: Vec<u8>;
    let data = if bytes.starts_with(&[0x1f, 0x8b]) {
        // Capped: a few MB of gzip can expand to gigabytes.
        json = crate::bounds::read_capped(
            flate2::read::MultiGzDecoder::new(bytes),
            crate::bounds::TRAIL_LOG_MAX,
            "the decompressed file",
        )
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::FileTooLarge => e.to_string(),
            _ => format!("not valid gzip: {e}"),
        })?;
        &json[..]
    } else {
        bytes
    };
    let file: TrailFile =
        serde_json::from_slice(data).map_err(|e| format!("not a CloudTrail log file: {e}"))?;
    let mut out = Vec::new();
    for r in file.records {
        if r.event_source != "lambda.amazonaws.com" || !r.event_name.starts_with("Invoke") {
            continue;
        }
        let names_it = r
            .resources
            .iter()
            .flatten()
            .any(|x| x.arn.as_deref().is_some_and(|a| function.is(a)))
            || r.request_parameters
                .as_ref()
                .and_then(|p| p.function_name.as_deref())
                .is_some_and(|n| function.is(n));
        if !names_it {
            continue;
        }
        let Some(epoch) = parse_iso(&r.event_time) else {
            continue;
        };
        if epoch < since || epoch > until {
            continue;
        }
        let id = r.user_identity.unwrap_or(Identity {
            kind: None,
            arn: None,
            account_id: None,
            invoked_by: None,
        });
        let caller_account = id.account_id.clone();
        let recipient = r
            .recipient_account_id
            .as_deref()
            .unwrap_or(&function.account);
        out.push(Invocation {
            time: r.event_time,
            epoch,
            cross_account: caller_account
                .as_deref()
                .is_some_and(|a| a != recipient || a != function.account),
            caller_account,
            principal: id
                .arn
                .or(id.invoked_by)
                .or(id.kind)
                .unwrap_or_else(|| "unknown".into()),
            source_ip: r.source_ip_address,
            error: r.error_code,
            status: None,
            path: None,
            source: "trail",
            door: Some(super::door(&r.event_name)),
        });
    }
    Ok((out, data.len() as u64))
}

/// Whether a trail logs Lambda data events for `function`, and which selector says so.
pub fn covers(trail: &Trail, function: &FunctionRef) -> bool {
    let basic = trail.data_resources.iter().any(|(ty, values)| {
        ty == LAMBDA
            && values.iter().any(|v| {
                v == "arn:aws:lambda"
                    || v.starts_with("arn:") && v.split(':').count() <= 3
                    || function.is(v)
                    || (v.ends_with(':') && function.arn.starts_with(v.as_str()))
            })
    });
    basic || advanced_covers(&trail.advanced, function)
}

/// Whether advanced event selectors (a trail's or an event data store's) log Lambda data events
/// for `function`.
pub(super) fn advanced_covers(selectors: &[Vec<FieldCondition>], function: &FunctionRef) -> bool {
    selectors.iter().any(|fields| {
        let has = |field: &str, want: &str| {
            fields
                .iter()
                .any(|(f, eq, _)| f == field && eq.iter().any(|e| e == want))
        };
        let arn_ok = fields
            .iter()
            .filter(|(f, _, _)| f == "resources.ARN")
            .all(|(_, eq, sw)| {
                eq.iter().any(|e| function.is(e))
                    || sw.iter().any(|p| function.arn.starts_with(p.as_str()))
            });
        has("eventCategory", "Data") && has("resources.type", LAMBDA) && arn_ok
    })
}

/// Advanced event selectors that log `function`'s Invokes, as the AWS CLI takes them.
pub(super) fn lambda_selectors(function: &FunctionRef) -> String {
    format!(
        r#"[{{"Name":"Lambda invokes","FieldSelectors":[{{"Field":"eventCategory","Equals":["Data"]}},{{"Field":"resources.type","Equals":["{LAMBDA}"]}},{{"Field":"resources.ARN","Equals":["{}"]}}]}}]"#,
        function.arn
    )
}

pub(super) fn enable_trail_hint(trail: Option<&str>, function: &FunctionRef) -> String {
    let selectors = lambda_selectors(function);
    match trail {
        Some(t) => format!(
            "aws cloudtrail put-event-selectors --trail-name {t} --advanced-event-selectors '{selectors}'"
        ),
        None => format!(
            "aws cloudtrail create-trail --name invokes --s3-bucket-name BUCKET && aws cloudtrail put-event-selectors --trail-name invokes --advanced-event-selectors '{selectors}' && aws cloudtrail start-logging --name invokes"
        ),
    }
}

pub(super) async fn from_trail_bucket(
    aws: &Aws,
    region: &str,
    function: &FunctionRef,
    q: &InvocationQuery,
    progress: &Progressor,
) -> (SourceReport, Vec<Invocation>) {
    let trails = match aws.describe_trails(region).await {
        Ok(t) => t,
        Err(e) => {
            return (
                SourceReport::new(SourceKind::Trail, "failed", e.to_string()),
                Vec::new(),
            );
        }
    };
    let covering: Vec<&Trail> = trails.iter().filter(|t| covers(t, function)).collect();
    let Some(trail) = covering.first() else {
        let detail = if trails.is_empty() {
            format!("no trail in {region}: Lambda Invoke calls are not recorded anywhere")
        } else {
            let names: Vec<&str> = trails.iter().map(|t| t.name.as_str()).collect();
            format!(
                "trail {} logs no Lambda data events for this function",
                names.join(", ")
            )
        };
        let mut r = SourceReport::new(SourceKind::Trail, "not-configured", detail);
        r.how_to_enable = Some(enable_trail_hint(
            trails.first().map(|t| t.name.as_str()),
            function,
        ));
        return (r, Vec::new());
    };
    let Some(bucket) = trail.bucket.clone() else {
        return (
            SourceReport::new(
                SourceKind::Trail,
                "failed",
                format!("trail {} has no S3 bucket", trail.name),
            ),
            Vec::new(),
        );
    };
    let base = match &trail.prefix {
        Some(p) => format!("{}/AWSLogs/", p.trim_end_matches('/')),
        None => "AWSLogs/".to_string(),
    };
    // Organization trails put the organization id first: AWSLogs/o-xxxx/ACCOUNT/...
    let mut roots = vec![format!("{base}{}/CloudTrail/{region}/", function.account)];
    if trail.organization
        && let Ok(found) = aws
            .list_objects(region, &bucket, &format!("{base}o-"))
            .await
        && let Some(org) = found
            .first()
            .and_then(|o| o.key.strip_prefix(&base))
            .and_then(|k| k.split('/').next())
    {
        roots.push(format!(
            "{base}{org}/{}/CloudTrail/{region}/",
            function.account
        ));
    }
    let mut keys = Vec::new();
    for day in days(q.since, q.until) {
        for root in &roots {
            match aws
                .list_objects(region, &bucket, &format!("{root}{day}/"))
                .await
            {
                Ok(objs) => keys.extend(objs.into_iter().map(|o| o.key)),
                Err(e) => {
                    return (
                        SourceReport::new(SourceKind::Trail, "failed", e.to_string()),
                        Vec::new(),
                    );
                }
            }
        }
    }
    let counters = Arc::new(Counters::default());
    let reads = keys.iter().cloned().map(|key| {
        let (aws, bucket, region, function, counters) = (
            aws.clone(),
            bucket.clone(),
            region.to_string(),
            function.clone(),
            counters.clone(),
        );
        let (since, until) = (q.since, q.until);
        async move {
            let bytes = aws
                .get_object(&region, &bucket, &key)
                .await
                .map_err(|e| format!("s3://{bucket}/{key}: {e}"))?;
            let (found, size) =
                tokio::task::spawn_blocking(move || scan_file(&bytes, &function, since, until))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| format!("s3://{bucket}/{key}: {e}"))?;
            counters.add(size, found.len() as u64);
            Ok(found)
        }
    });
    let detail = format!("trail {} (s3://{bucket}/{})", trail.name, roots[0]);
    read_all(reads, CONCURRENCY, &counters, progress, detail).await
}

/// Runs the reads of trail log files `parallel` at a time, telling `progress` as each ends,
/// and gathers what they found into the source's report.
async fn read_all(
    reads: impl Iterator<Item = impl Future<Output = Result<Vec<Invocation>, String>>>,
    parallel: usize,
    counters: &Counters,
    progress: &Progressor,
    detail: String,
) -> (SourceReport, Vec<Invocation>) {
    let results: Vec<Result<Vec<Invocation>, String>> = futures::stream::iter(reads)
        .buffer_unordered(parallel)
        .inspect(|r| {
            let found = r.as_ref().map_or(&[][..], Vec::as_slice);
            progress(counters.snapshot(), found)
        })
        .collect()
        .await;
    collect(SourceKind::Trail, detail, results, counters)
}

fn collect(
    source: SourceKind,
    detail: String,
    results: Vec<Result<Vec<Invocation>, String>>,
    counters: &Counters,
) -> (SourceReport, Vec<Invocation>) {
    let mut calls = Vec::new();
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(found) => calls.extend(found),
            Err(e) => failures.push(e),
        }
    }
    let p = counters.snapshot();
    let mut report = SourceReport::new(
        source,
        if failures.is_empty() {
            "used"
        } else {
            "failed"
        },
        detail,
    );
    if !failures.is_empty() {
        report.detail = format!(
            "{}; {} file(s) unreadable, first: {}",
            report.detail,
            failures.len(),
            failures[0]
        );
    }
    report.objects_read = p.objects;
    report.bytes_read = p.bytes;
    report.calls = calls.len() as u64;
    (report, calls)
}

pub(super) async fn from_directory(
    dir: &Path,
    function: &FunctionRef,
    q: &InvocationQuery,
    progress: &Progressor,
) -> (SourceReport, Vec<Invocation>) {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                return (
                    SourceReport::new(
                        SourceKind::Trail,
                        "failed",
                        format!("cannot read {}: {e}", d.display()),
                    ),
                    Vec::new(),
                );
            }
        };
        for e in entries.flatten() {
            let p = e.path();
            // The entry's own type: a symlink to a directory is not followed, so links that
            // point back up (`a -> .`) cannot make the walk endless. A linked file is read
            // (and refused if it is not a regular file).
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".json.gz")
                || p.extension().is_some_and(|x| x == "json")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    let counters = Arc::new(Counters::default());
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    let reads = files.into_iter().map(|path| {
        let (function, counters) = (function.clone(), counters.clone());
        let (since, until) = (q.since, q.until);
        async move {
            tokio::task::spawn_blocking(move || {
                let bytes = crate::bounds::read_file(
                    &path,
                    crate::bounds::TRAIL_LOG_MAX,
                    "a trail log file",
                )
                .map_err(|e| e.to_string())?;
                let (found, size) = scan_file(&bytes, &function, since, until)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                counters.add(size, found.len() as u64);
                Ok(found)
            })
            .await
            .map_err(|e| e.to_string())?
        }
    });
    let detail = format!("trail logs in {}", dir.display());
    read_all(reads, parallel, &counters, progress, detail).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::invocations::tests::function;

    #[test]
    fn trail_files_yield_the_functions_invokes_only() {
        let file = serde_json::json!({"Records": [
            {"eventSource": "lambda.amazonaws.com", "eventName": "Invoke", "eventTime": "2025-01-01T00:00:00Z",
             "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::222222222222:assumed-role/r/s", "accountId": "222222222222"},
             "recipientAccountId": "111111111111", "resources": [{"ARN": "arn:aws:lambda:us-east-1:111111111111:function:fn-1"}]},
            {"eventSource": "lambda.amazonaws.com", "eventName": "Invoke", "eventTime": "2025-01-01T00:00:01Z",
             "userIdentity": {"accountId": "111111111111", "arn": "arn:aws:iam::111111111111:user/u"}, "errorCode": "AccessDenied",
             "requestParameters": {"functionName": "arn:aws:lambda:us-east-1:111111111111:function:fn-1:live"}},
            {"eventSource": "lambda.amazonaws.com", "eventName": "Invoke", "eventTime": "2025-01-01T00:00:02Z",
             "resources": [{"ARN": "arn:aws:lambda:us-east-1:111111111111:function:fn-10"}]},
            {"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventTime": "2025-01-01T00:00:03Z"}
        ]});
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, file.to_string().as_bytes()).unwrap();
        let (calls, _) = scan_file(&gz.finish().unwrap(), &function(), 0.0, 2e9).unwrap();
        assert_eq!(calls.len(), 2, "fn-10 is another function");
        assert!(calls[0].cross_account && !calls[1].cross_account);
        assert_eq!(calls[1].error.as_deref(), Some("AccessDenied"));
        assert!(scan_file(b"{\"Records\": [", &function(), 0.0, 1.0).is_err());
    }

    #[test]
    fn function_url_calls_are_found_by_their_resource_and_named_by_door() {
        let file = serde_json::json!({"Records": [
            {"eventSource": "lambda.amazonaws.com", "eventName": "InvokeFunctionUrl", "eventTime": "2025-01-01T00:00:00Z",
             "userIdentity": {"accountId": "222222222222", "arn": "arn:aws:sts::222222222222:assumed-role/r/s"},
             "resources": [{"ARN": "arn:aws:lambda:us-east-1:111111111111:function:fn-1"}]},
            {"eventSource": "lambda.amazonaws.com", "eventName": "Invoke", "eventTime": "2025-01-01T00:00:01Z",
             "requestParameters": {"functionName": "fn-1"}},
            {"eventSource": "lambda.amazonaws.com", "eventName": "InvokeFunctionUrl", "eventTime": "2025-01-01T00:00:02Z",
             "resources": [{"ARN": "arn:aws:lambda:us-east-1:111111111111:function:fn-2"}]}
        ]});
        let (calls, _) = scan_file(file.to_string().as_bytes(), &function(), 0.0, 2e9).unwrap();
        let doors: Vec<_> = calls.iter().map(|c| c.door).collect();
        assert_eq!(doors, [Some("functionUrl"), Some("invoke")]);
    }

    #[test]
    fn selectors_that_cover_a_function() {
        let t = |data: Vec<(&str, Vec<&str>)>| Trail {
            data_resources: data
                .into_iter()
                .map(|(t, v)| (t.to_string(), v.into_iter().map(String::from).collect()))
                .collect(),
            ..Default::default()
        };
        assert!(covers(
            &t(vec![("AWS::Lambda::Function", vec!["arn:aws:lambda"])]),
            &function()
        ));
        assert!(covers(
            &t(vec![(
                "AWS::Lambda::Function",
                vec!["arn:aws:lambda:us-east-1:111111111111:function:fn-1"]
            )]),
            &function()
        ));
        assert!(!covers(
            &t(vec![(
                "AWS::Lambda::Function",
                vec!["arn:aws:lambda:us-east-1:111111111111:function:other"]
            )]),
            &function()
        ));
        assert!(!covers(
            &t(vec![("AWS::S3::Object", vec!["arn:aws:s3"])]),
            &function()
        ));
        let adv = Trail {
            advanced: vec![vec![
                ("eventCategory".into(), vec!["Data".into()], vec![]),
                (
                    "resources.type".into(),
                    vec!["AWS::Lambda::Function".into()],
                    vec![],
                ),
            ]],
            ..Default::default()
        };
        assert!(covers(&adv, &function()));
    }
}
