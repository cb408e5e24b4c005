//! Who actually called a function or an API: Lambda `Invoke` data events from a trail's logs (in
//! S3, or a local directory of them), the same through Athena for organization-scale tables,
//! and API Gateway access logs. CloudTrail LookupEvents never returns these calls; a source that
//! is not configured is reported with the exact setting that enables it, never as an empty table.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ActionError, Subject};
use crate::arn::Arn;
use crate::aws::{AthenaTarget, Aws, EventDataStore, FieldCondition, Trail};
use crate::kind::ResourceKind;
use crate::time::{iso, parse_iso};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// Every source that applies and is configured
    Auto,
    /// Lambda data events in the trail's S3 logs (or --trail-logs DIR)
    Trail,
    /// The same over an Athena table of the trail (--athena-table)
    Athena,
    /// A CloudTrail Lake event data store that logs Lambda data events (where the account has one)
    Lake,
    /// API Gateway access logs in CloudWatch Logs
    AccessLogs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Account,
    Principal,
    Day,
}

#[derive(Debug, Clone)]
pub struct InvocationQuery {
    pub since: f64,
    pub until: f64,
    pub source: SourceKind,
    pub trail_logs: Option<PathBuf>,
    pub athena_table: Option<String>,
    pub athena: AthenaTarget,
    pub by: GroupBy,
    /// Keep the individual calls in the report.
    pub keep_rows: bool,
}

/// One call.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub time: String,
    #[serde(skip)]
    pub epoch: f64,
    pub caller_account: Option<String>,
    pub principal: String,
    pub source_ip: Option<String>,
    /// The error code (trail) or an HTTP status of 400 and above (access logs).
    pub error: Option<String>,
    pub status: Option<u16>,
    pub path: Option<String>,
    pub cross_account: bool,
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceReport {
    pub source: SourceKind,
    /// `used`, `not-configured`, `failed` or `unavailable`.
    pub status: &'static str,
    pub detail: String,
    /// What to run to enable it, when it is not configured.
    pub how_to_enable: Option<String>,
    pub objects_read: u64,
    pub bytes_read: u64,
    pub calls: u64,
    /// The query, for Athena.
    pub sql: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub key: String,
    pub calls: u64,
    pub errors: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub cross_account: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationReport {
    pub construct_path: String,
    /// The function ARN or the API id.
    pub target: String,
    pub since: String,
    pub until: String,
    pub by: GroupBy,
    pub total: u64,
    pub errors: u64,
    pub groups: Vec<Group>,
    pub sources: Vec<SourceReport>,
    pub rows: Option<Vec<Invocation>>,
}

/// What a front end is told as the sources are read: the counts so far, and the calls found
/// since the last call (so a view can stream them; the report still has them all).
pub type Progressor = dyn Fn(Progress, &[Invocation]) + Sync;

/// Progress a front end can show while objects are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub objects: u64,
    pub bytes: u64,
    pub calls: u64,
}

const LAMBDA: &str = ResourceKind::LambdaFunction.as_str();
const REST_API: &str = ResourceKind::ApiGatewayRestApi.as_str();
const HTTP_API: &str = ResourceKind::ApiGatewayV2Api.as_str();
/// Objects read at once from S3.
const CONCURRENCY: usize = 8;

pub async fn invocations(
    aws: &Aws,
    subject: &Subject,
    q: &InvocationQuery,
    progress: &Progressor,
) -> Result<InvocationReport, ActionError> {
    let region = subject.require_region()?.to_string();
    let mut calls: Vec<Invocation> = Vec::new();
    let mut sources = Vec::new();
    let target = match subject.cfn_type.as_str() {
        LAMBDA => {
            let name = subject.require_physical_id()?;
            let account = subject.account.clone().ok_or_else(|| {
                ActionError::Input(format!(
                    "the account of {} is not known",
                    subject.construct_path
                ))
            })?;
            let function = FunctionRef {
                name: name.to_string(),
                arn: Arn {
                    partition: &subject.partition,
                    service: "lambda",
                    region: &region,
                    account: &account,
                    resource: &format!("function:{name}"),
                }
                .to_string(),
                account: account.clone(),
            };
            let wants = |k: SourceKind| q.source == k || q.source == SourceKind::Auto;
            if wants(SourceKind::Trail) {
                let (report, found) = match &q.trail_logs {
                    Some(dir) => from_directory(dir, &function, q, progress).await,
                    None => from_trail_bucket(aws, &region, &function, q, progress).await,
                };
                calls.extend(found);
                sources.push(report);
            }
            if q.source == SourceKind::Athena
                || (q.source == SourceKind::Auto && q.athena_table.is_some())
            {
                let (report, found) = from_athena(aws, &region, &function, q, progress).await;
                calls.extend(found);
                sources.push(report);
            }
            if wants(SourceKind::Lake) {
                let explicit = q.source == SourceKind::Lake;
                if let Some((report, found)) =
                    from_lake(aws, &region, &function, q, explicit, progress).await
                {
                    calls.extend(found);
                    sources.push(report);
                }
            }
            if q.source == SourceKind::AccessLogs {
                return Err(ActionError::Input(
                    "access logs belong to a REST API; name the API construct".into(),
                ));
            }
            function.arn
        }
        REST_API => {
            if !matches!(q.source, SourceKind::Auto | SourceKind::AccessLogs) {
                return Err(ActionError::Input(
                    "API Gateway requests never reach CloudTrail; a REST API's callers come from its access logs (--source access-logs)".into(),
                ));
            }
            let api = subject.require_physical_id()?.to_string();
            let (report, found) = from_access_logs(
                aws,
                &region,
                &api,
                subject.account.as_deref(),
                false,
                q,
                progress,
            )
            .await;
            calls.extend(found);
            sources.push(report);
            api
        }
        HTTP_API => {
            if !matches!(q.source, SourceKind::Auto | SourceKind::AccessLogs) {
                return Err(ActionError::Input(
                    "API Gateway requests never reach CloudTrail; an HTTP API's callers come from its stages' access logs (--source access-logs)".into(),
                ));
            }
            let api = subject.require_physical_id()?.to_string();
            let (report, found) = from_access_logs(
                aws,
                &region,
                &api,
                subject.account.as_deref(),
                true,
                q,
                progress,
            )
            .await;
            calls.extend(found);
            sources.push(report);
            api
        }
        other => {
            return Err(ActionError::WrongType {
                action: "invocations",
                construct: subject.construct_path.clone(),
                cfn_type: other.to_string(),
                expected: "a Lambda function, a REST API or an HTTP API",
            });
        }
    };
    // Two sources may see the same call; the trail's event id is not shared with Athena rows,
    // so a call is the same when time, caller and ip agree.
    calls.sort_by(|a, b| b.epoch.total_cmp(&a.epoch));
    calls.dedup_by(|a, b| {
        a.epoch == b.epoch && a.principal == b.principal && a.source_ip == b.source_ip
    });
    let groups = summarize(&calls, q.by);
    Ok(InvocationReport {
        construct_path: subject.construct_path.clone(),
        target,
        since: iso(q.since),
        until: iso(q.until),
        by: q.by,
        total: calls.len() as u64,
        errors: calls.iter().filter(|c| c.error.is_some()).count() as u64,
        groups,
        sources,
        rows: q.keep_rows.then_some(calls),
    })
}

impl SourceReport {
    fn new(source: SourceKind, status: &'static str, detail: impl Into<String>) -> SourceReport {
        SourceReport {
            source,
            status,
            detail: detail.into(),
            how_to_enable: None,
            objects_read: 0,
            bytes_read: 0,
            calls: 0,
            sql: None,
        }
    }

    fn unavailable(source: SourceKind, detail: &str) -> SourceReport {
        SourceReport::new(source, "unavailable", detail)
    }
}

pub fn summarize(calls: &[Invocation], by: GroupBy) -> Vec<Group> {
    let mut summary = Summary::new(by);
    for c in calls {
        summary.add(c);
    }
    summary.groups()
}

/// The summary built a call at a time, so a view can show it while calls stream in.
#[derive(Debug, Clone)]
pub struct Summary {
    pub by: GroupBy,
    groups: HashMap<String, Group>,
}

impl Summary {
    pub fn new(by: GroupBy) -> Summary {
        Summary {
            by,
            groups: HashMap::new(),
        }
    }

    pub fn add(&mut self, c: &Invocation) {
        let key = match self.by {
            GroupBy::Account => c
                .caller_account
                .clone()
                .unwrap_or_else(|| "(unknown)".into()),
            GroupBy::Principal => c.principal.clone(),
            GroupBy::Day => c.time.get(..10).unwrap_or("?").to_string(),
        };
        let g = self.groups.entry(key).or_insert_with_key(|key| Group {
            key: key.clone(),
            calls: 0,
            errors: 0,
            first_seen: c.time.clone(),
            last_seen: c.time.clone(),
            cross_account: false,
        });
        g.calls += 1;
        g.errors += u64::from(c.error.is_some());
        g.cross_account |= c.cross_account;
        if c.time < g.first_seen {
            g.first_seen = c.time.clone();
        }
        if c.time > g.last_seen {
            g.last_seen = c.time.clone();
        }
    }

    /// The groups, most calls first.
    pub fn groups(&self) -> Vec<Group> {
        let mut out: Vec<Group> = self.groups.values().cloned().collect();
        out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.key.cmp(&b.key)));
        out
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The function being audited.
#[derive(Debug, Clone)]
pub struct FunctionRef {
    pub name: String,
    pub arn: String,
    pub account: String,
}

impl FunctionRef {
    fn is(&self, s: &str) -> bool {
        s == self.name
            || s == self.arn
            || s.strip_prefix(&self.arn)
                .is_some_and(|q| q.starts_with(':'))
    }
}

// ------------------------------------------------------------------ trail records

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
fn advanced_covers(selectors: &[Vec<FieldCondition>], function: &FunctionRef) -> bool {
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
fn lambda_selectors(function: &FunctionRef) -> String {
    format!(
        r#"[{{"Name":"Lambda invokes","FieldSelectors":[{{"Field":"eventCategory","Equals":["Data"]}},{{"Field":"resources.type","Equals":["{LAMBDA}"]}},{{"Field":"resources.ARN","Equals":["{}"]}}]}}]"#,
        function.arn
    )
}

fn enable_trail_hint(trail: Option<&str>, function: &FunctionRef) -> String {
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

async fn from_trail_bucket(
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
    let results: Vec<Result<Vec<Invocation>, String>> = futures::stream::iter(keys.iter().cloned())
        .map(|key| {
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
        })
        .buffer_unordered(CONCURRENCY)
        .inspect(|r| {
            let found = r.as_ref().map_or(&[][..], Vec::as_slice);
            progress(counters.snapshot(), found)
        })
        .collect()
        .await;
    collect(
        SourceKind::Trail,
        format!("trail {} (s3://{bucket}/{})", trail.name, roots[0]),
        results,
        &counters,
    )
}

#[derive(Default)]
struct Counters {
    objects: AtomicU64,
    bytes: AtomicU64,
    calls: AtomicU64,
}

impl Counters {
    fn add(&self, bytes: u64, calls: u64) {
        self.objects.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.calls.fetch_add(calls, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Progress {
        Progress {
            objects: self.objects.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            calls: self.calls.load(Ordering::Relaxed),
        }
    }
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

/// `YYYY/MM/DD` for every day the window touches (UTC), the layout of trail log keys.
fn days(since: f64, until: f64) -> Vec<String> {
    let first = (since / 86400.0).floor() as i64;
    let last = (until / 86400.0).floor() as i64;
    (first..=last.max(first))
        .map(|d| {
            let t = iso((d * 86400) as f64);
            t.get(..10).unwrap_or_default().replace('-', "/")
        })
        .collect()
}

async fn from_directory(
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
    let results: Vec<Result<Vec<Invocation>, String>> = futures::stream::iter(files)
        .map(|path| {
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
        })
        .buffer_unordered(parallel)
        .inspect(|r| {
            let found = r.as_ref().map_or(&[][..], Vec::as_slice);
            progress(counters.snapshot(), found)
        })
        .collect()
        .await;
    collect(
        SourceKind::Trail,
        format!("trail logs in {}", dir.display()),
        results,
        &counters,
    )
}

/// An Invoke as a query (Athena, Lake) returns it.
struct QueryRow {
    time: String,
    epoch: f64,
    caller_account: Option<String>,
    principal: Option<String>,
    source_ip: Option<String>,
    error: Option<String>,
    recipient: Option<String>,
}

impl QueryRow {
    fn call(self, function: &FunctionRef, source: &'static str) -> Invocation {
        let recipient = self.recipient.unwrap_or_else(|| function.account.clone());
        Invocation {
            time: self.time,
            epoch: self.epoch,
            cross_account: self
                .caller_account
                .as_deref()
                .is_some_and(|a| a != recipient || a != function.account),
            caller_account: self.caller_account,
            principal: self.principal.unwrap_or_else(|| "unknown".into()),
            source_ip: self.source_ip,
            error: self.error,
            status: None,
            path: None,
            source,
        }
    }
}

// ------------------------------------------------------------------ Athena

/// SQL text literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The query pushed down to Athena over the standard CloudTrail table, with partition
/// projection on `region` and `timestamp` (`yyyy/MM/dd`).
pub fn athena_sql(
    table: &str,
    region: &str,
    function: &FunctionRef,
    since: f64,
    until: f64,
) -> Result<String, String> {
    if table.is_empty()
        || !table
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Err(format!(
            "--athena-table {table:?}: expected TABLE or DATABASE.TABLE (letters, digits, _)"
        ));
    }
    let quoted: Vec<String> = table.split('.').map(|p| format!("\"{p}\"")).collect();
    let days = days(since, until);
    Ok(format!(
        "SELECT eventtime, useridentity.accountid, useridentity.arn, sourceipaddress, errorcode, recipientaccountid\n\
FROM {table}\n\
WHERE eventsource = 'lambda.amazonaws.com' AND eventname = 'Invoke'\n\
  AND region = {region}\n\
  AND \"timestamp\" BETWEEN {first} AND {last}\n\
  AND from_iso8601_timestamp(eventtime) BETWEEN from_iso8601_timestamp({since}) AND from_iso8601_timestamp({until})\n\
  AND (json_extract_scalar(requestparameters, '$.functionName') IN ({name}, {arn})\n\
       OR any_match(resources, r -> r.arn = {arn}))\n\
ORDER BY eventtime DESC",
        table = quoted.join("."),
        region = lit(region),
        first = lit(days.first().map_or("", String::as_str)),
        last = lit(days.last().map_or("", String::as_str)),
        since = lit(&iso(since)),
        until = lit(&iso(until)),
        name = lit(&function.name),
        arn = lit(&function.arn),
    ))
}

async fn from_athena(
    aws: &Aws,
    region: &str,
    function: &FunctionRef,
    q: &InvocationQuery,
    progress: &Progressor,
) -> (SourceReport, Vec<Invocation>) {
    let Some(table) = &q.athena_table else {
        let mut r = SourceReport::new(
            SourceKind::Athena,
            "not-configured",
            "no Athena table given",
        );
        r.how_to_enable = Some("create the CloudTrail table (CloudTrail console: Event history > Create Athena table, with partition projection) and pass --athena-table DATABASE.TABLE [--workgroup W] [--output-location s3://...]".into());
        return (r, Vec::new());
    };
    let sql = match athena_sql(table, region, function, q.since, q.until) {
        Ok(s) => s,
        Err(e) => {
            return (
                SourceReport::new(SourceKind::Athena, "failed", e),
                Vec::new(),
            );
        }
    };
    let mut report = SourceReport::new(SourceKind::Athena, "used", format!("Athena table {table}"));
    report.sql = Some(sql.clone());
    let id = match aws.athena_run(region, &sql, &q.athena).await {
        Ok(id) => id,
        Err(e) => {
            report.status = "failed";
            report.detail = e.to_string();
            return (report, Vec::new());
        }
    };
    let mut calls = Vec::new();
    let mut token = None;
    let mut pages = crate::bounds::Pages::new("athena:GetQueryResults");
    let mut columns: Vec<String> = Vec::new();
    loop {
        let page = match aws.athena_results(region, &id, token).await {
            Ok(p) => p,
            Err(e) => {
                report.status = "failed";
                report.detail = e.to_string();
                break;
            }
        };
        report.objects_read += 1;
        let before = calls.len();
        if columns.is_empty() {
            columns = page.columns.clone();
        }
        for row in page.rows {
            // The first row of a SELECT's first page repeats the column names.
            if row
                .iter()
                .zip(&columns)
                .all(|(v, c)| v.as_deref() == Some(c.as_str()))
            {
                continue;
            }
            let col = |i: usize| row.get(i).cloned().flatten().filter(|v| !v.is_empty());
            let Some(time) = col(0) else { continue };
            let Some(epoch) = parse_iso(&time) else {
                continue;
            };
            calls.push(
                QueryRow {
                    time,
                    epoch,
                    caller_account: col(1),
                    principal: col(2),
                    source_ip: col(3),
                    error: col(4),
                    recipient: col(5),
                }
                .call(function, "athena"),
            );
        }
        progress(
            Progress {
                objects: report.objects_read,
                bytes: 0,
                calls: calls.len() as u64,
            },
            &calls[before..],
        );
        match pages.next(page.next_token) {
            Ok(Some(t)) => token = Some(t),
            Ok(None) => break,
            Err(limit) => {
                report.status = "failed";
                report.detail = limit.to_string();
                break;
            }
        }
    }
    report.calls = calls.len() as u64;
    (report, calls)
}

// ------------------------------------------------------------------ CloudTrail Lake

/// How often a running Lake query is asked for its results, and for how long at most.
const LAKE_POLL: std::time::Duration = std::time::Duration::from_millis(500);
const LAKE_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// Lake's timestamp literal: `YYYY-MM-DD HH:MM:SS` (UTC).
fn lake_time(epoch: f64) -> String {
    iso(epoch.floor())
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_string()
}

/// The query over an event data store: the function's Invoke data events in the window.
pub fn lake_sql(
    store_id: &str,
    function: &FunctionRef,
    since: f64,
    until: f64,
) -> Result<String, String> {
    if store_id.is_empty()
        || !store_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!("event data store id {store_id:?} is not an id"));
    }
    Ok(format!(
        "SELECT eventTime, userIdentity.accountId AS callerAccount, userIdentity.arn AS callerArn, \
sourceIPAddress, errorCode, recipientAccountId\n\
FROM {store_id}\n\
WHERE eventSource = 'lambda.amazonaws.com' AND eventName = 'Invoke'\n\
  AND eventTime >= {since} AND eventTime <= {until}\n\
  AND (element_at(requestParameters, 'functionName') IN ({name}, {arn})\n\
       OR element_at(requestParameters, 'functionName') LIKE {qualified})\n\
ORDER BY eventTime DESC",
        since = lit(&lake_time(since)),
        until = lit(&lake_time(until)),
        name = lit(&function.name),
        arn = lit(&function.arn),
        qualified = lit(&format!("{}:%", function.arn)),
    ))
}

/// `2025-01-02 03:04:05.000` (Lake) or ISO 8601 -> seconds.
fn parse_lake_time(t: &str) -> Option<(String, f64)> {
    let iso_text = if t.contains('T') {
        t.to_string()
    } else {
        format!("{}Z", t.replacen(' ', "T", 1))
    };
    let epoch = parse_iso(&iso_text)?;
    Some((iso(epoch), epoch))
}

/// The calls from the account's Lake event data stores that log this function's Invokes.
/// `None` when Lake was not asked for by name and the account has no such store (most accounts:
/// AWS stopped onboarding new Lake customers in 2026).
async fn from_lake(
    aws: &Aws,
    region: &str,
    function: &FunctionRef,
    q: &InvocationQuery,
    explicit: bool,
    progress: &Progressor,
) -> Option<(SourceReport, Vec<Invocation>)> {
    let stores = match aws.list_event_data_stores(region).await {
        Ok(s) => s,
        Err(e) if explicit => {
            return Some((
                SourceReport::unavailable(
                    SourceKind::Lake,
                    &format!("CloudTrail Lake cannot be read here: {e}"),
                ),
                Vec::new(),
            ));
        }
        Err(_) => return None,
    };
    let enabled = |s: &&EventDataStore| {
        !matches!(
            s.status.as_deref(),
            Some("PENDING_DELETION" | "CREATED" | "STARTING_INGESTION")
        )
    };
    // A listing without selectors cannot say; such a store is queried too.
    let covering: Vec<&EventDataStore> = stores
        .iter()
        .filter(enabled)
        .filter(|s| s.advanced.is_empty() || advanced_covers(&s.advanced, function))
        .collect();
    let Some(store) = covering.first() else {
        if !explicit {
            return None;
        }
        let mut r = if stores.is_empty() {
            SourceReport::unavailable(
                SourceKind::Lake,
                &format!(
                    "no CloudTrail Lake event data store in {region} (AWS no longer onboards new Lake customers; a trail does the same job)"
                ),
            )
        } else {
            let names: Vec<&str> = stores.iter().map(|s| s.name.as_str()).collect();
            SourceReport::new(
                SourceKind::Lake,
                "not-configured",
                format!(
                    "event data store {} logs no Lambda data events for this function",
                    names.join(", ")
                ),
            )
        };
        r.how_to_enable = Some(match stores.first() {
            Some(s) => format!(
                "aws cloudtrail update-event-data-store --event-data-store {} --advanced-event-selectors '{}'",
                s.arn,
                lambda_selectors(function)
            ),
            None => enable_trail_hint(None, function),
        });
        return Some((r, Vec::new()));
    };
    let sql = match lake_sql(store.id(), function, q.since, q.until) {
        Ok(s) => s,
        Err(e) => return Some((SourceReport::new(SourceKind::Lake, "failed", e), Vec::new())),
    };
    let mut report = SourceReport::new(
        SourceKind::Lake,
        "used",
        format!("CloudTrail Lake event data store {}", store.name),
    );
    report.sql = Some(sql.clone());
    let fail = |mut report: SourceReport, e: String, calls| {
        report.status = "failed";
        report.detail = e;
        Some((report, calls))
    };
    let id = match aws.lake_start_query(region, &sql).await {
        Ok(id) => id,
        Err(e) => return fail(report, e.to_string(), Vec::new()),
    };
    let started = std::time::Instant::now();
    let mut calls = Vec::new();
    let mut token = None;
    let mut pages = crate::bounds::Pages::new("cloudtrail:GetQueryResults");
    loop {
        let page = match aws.lake_results(region, &id, token.clone()).await {
            Ok(p) => p,
            Err(e) => return fail(report, e.to_string(), calls),
        };
        match page.status.as_str() {
            "QUEUED" | "RUNNING" => {
                if started.elapsed() > LAKE_WAIT {
                    return fail(
                        report,
                        format!(
                            "the Lake query {id} was still {} after {} s",
                            page.status,
                            LAKE_WAIT.as_secs()
                        ),
                        calls,
                    );
                }
                tokio::time::sleep(LAKE_POLL).await;
                continue;
            }
            "FAILED" | "CANCELLED" | "TIMED_OUT" => {
                return fail(
                    report,
                    format!("the Lake query {id} ended {}", page.status),
                    calls,
                );
            }
            _ => {}
        }
        report.objects_read += 1;
        report.bytes_read = report.bytes_read.max(page.bytes_scanned);
        let before = calls.len();
        for row in page.rows {
            let col = |name: &str| {
                row.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty())
            };
            let Some((time, epoch)) = col("eventTime").as_deref().and_then(parse_lake_time) else {
                continue;
            };
            calls.push(
                QueryRow {
                    time,
                    epoch,
                    caller_account: col("callerAccount"),
                    principal: col("callerArn"),
                    source_ip: col("sourceIPAddress"),
                    error: col("errorCode"),
                    recipient: col("recipientAccountId"),
                }
                .call(function, "lake"),
            );
        }
        progress(
            Progress {
                objects: report.objects_read,
                bytes: report.bytes_read,
                calls: calls.len() as u64,
            },
            &calls[before..],
        );
        match pages.next(page.next_token) {
            Ok(Some(t)) => token = Some(t),
            Ok(None) => break,
            Err(limit) => return fail(report, limit.to_string(), calls),
        }
    }
    report.calls = calls.len() as u64;
    Some((report, calls))
}

// ------------------------------------------------------------------ access logs

/// The access-log line format cdkx reads best (`$context.identity.*` fields as JSON).
pub const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","requestTime":"$context.requestTimeEpoch","accountId":"$context.identity.accountId","caller":"$context.identity.caller","userArn":"$context.identity.userArn","sourceIp":"$context.identity.sourceIp","httpMethod":"$context.httpMethod","path":"$context.path","status":"$context.status"}"#;

/// Every stage of an API as (name, access log destination): a REST API's, or an HTTP API's
/// (API Gateway v2) when `http_api`.
async fn access_log_stages(
    aws: &Aws,
    region: &str,
    api: &str,
    http_api: bool,
) -> Result<Vec<LoggedStage>, crate::aws::AwsError> {
    Ok(if http_api {
        aws.get_http_api_stages(region, api)
            .await?
            .into_iter()
            .map(|s| LoggedStage {
                name: s.name,
                access_log_destination: s.access_log_destination,
            })
            .collect()
    } else {
        aws.get_stages(region, api)
            .await?
            .into_iter()
            .map(|s| LoggedStage {
                name: s.name,
                access_log_destination: s.access_log_destination,
            })
            .collect()
    })
}

struct LoggedStage {
    name: String,
    access_log_destination: Option<String>,
}

/// How to turn on a stage's access logs in the format cdkx reads best.
fn enable_access_logs_hint(api: &str, stage: &str, http_api: bool) -> String {
    if http_api {
        let settings =
            serde_json::json!({"DestinationArn": "LOG_GROUP_ARN", "Format": ACCESS_LOG_FORMAT});
        format!(
            "aws apigatewayv2 update-stage --api-id {api} --stage-name '{stage}' --access-log-settings '{settings}'"
        )
    } else {
        format!(
            "aws apigateway update-stage --rest-api-id {api} --stage-name {stage} --patch-operations op=replace,path=/accessLogSettings/destinationArn,value=LOG_GROUP_ARN 'op=replace,path=/accessLogSettings/format,value={ACCESS_LOG_FORMAT}'"
        )
    }
}

async fn from_access_logs(
    aws: &Aws,
    region: &str,
    api: &str,
    api_account: Option<&str>,
    http_api: bool,
    q: &InvocationQuery,
    progress: &Progressor,
) -> (SourceReport, Vec<Invocation>) {
    let stages = match access_log_stages(aws, region, api, http_api).await {
        Ok(s) => s,
        Err(e) => {
            return (
                SourceReport::new(SourceKind::AccessLogs, "failed", e.to_string()),
                Vec::new(),
            );
        }
    };
    let logged: Vec<(String, String)> = stages
        .iter()
        .filter_map(|s| {
            s.access_log_destination
                .as_ref()
                .map(|d| (s.name.clone(), log_group_of(d)))
        })
        .collect();
    if logged.is_empty() {
        let stage = stages.first().map_or("STAGE", |s| s.name.as_str());
        let mut r = SourceReport::new(
            SourceKind::AccessLogs,
            "not-configured",
            format!("no stage of API {api} has access logging"),
        );
        r.how_to_enable = Some(enable_access_logs_hint(api, stage, http_api));
        return (r, Vec::new());
    }
    let counters = Counters::default();
    let mut calls = Vec::new();
    for (stage, group) in &logged {
        let mut token = None;
        let mut pages = crate::bounds::Pages::new("logs:FilterLogEvents");
        loop {
            let page = match aws
                .filter_log_events(
                    region,
                    group,
                    (q.since * 1000.0) as i64,
                    (q.until * 1000.0) as i64,
                    token,
                )
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    return (
                        SourceReport::new(SourceKind::AccessLogs, "failed", e.to_string()),
                        calls,
                    );
                }
            };
            let mut found = 0usize;
            let mut bytes = 0;
            for ev in page.events {
                bytes += ev.message.len() as u64;
                if let Some(c) = access_log_call(&ev.message, ev.timestamp, stage, api_account) {
                    calls.push(c);
                    found += 1;
                }
            }
            counters.add(bytes, found as u64);
            progress(counters.snapshot(), &calls[calls.len() - found..]);
            match pages.next(page.next_token) {
                Ok(Some(t)) => token = Some(t),
                Ok(None) => break,
                Err(limit) => {
                    return (
                        SourceReport::new(SourceKind::AccessLogs, "failed", limit.to_string()),
                        calls,
                    );
                }
            }
        }
    }
    let groups: Vec<&str> = logged.iter().map(|(_, g)| g.as_str()).collect();
    let mut report = SourceReport::new(
        SourceKind::AccessLogs,
        "used",
        format!("access logs in {}", groups.join(", ")),
    );
    let p = counters.snapshot();
    report.objects_read = p.objects;
    report.bytes_read = p.bytes;
    report.calls = calls.len() as u64;
    (report, calls)
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` -> NAME.
fn log_group_of(arn: &str) -> String {
    match Arn::parse(arn).and_then(|a| a.resource.strip_prefix("log-group:")) {
        Some(name) => name.trim_end_matches(":*").to_string(),
        None => arn.to_string(),
    }
}

/// One access-log line (JSON) as a call; lines in other formats are skipped.
fn access_log_call(
    line: &str,
    timestamp_ms: i64,
    stage: &str,
    api_account: Option<&str>,
) -> Option<Invocation> {
    let v: Value = serde_json::from_str(line).ok()?;
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| {
                v.get(*k).and_then(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .or_else(|| x.as_u64().map(|n| n.to_string()))
                })
            })
            .filter(|s| !s.is_empty() && s != "-")
    };
    let caller_account = get(&["accountId", "callerAccountId", "identityAccountId"]);
    let status = get(&["status", "statusCode"]).and_then(|s| s.parse::<u16>().ok());
    let epoch = timestamp_ms as f64 / 1000.0;
    Some(Invocation {
        time: iso(epoch),
        epoch,
        cross_account: caller_account
            .as_deref()
            .zip(api_account)
            .is_some_and(|(c, a)| c != a),
        principal: get(&["userArn", "user", "caller"]).unwrap_or_else(|| "anonymous".into()),
        source_ip: get(&["sourceIp", "ip"]),
        error: status.filter(|s| *s >= 400).map(|s| format!("HTTP {s}")),
        status,
        // The `$default` stage of an HTTP API has no path segment; a format without the path
        // may still name the route (`GET /items`).
        path: get(&["path", "resourcePath"])
            .map(|p| match stage {
                "$default" => p,
                _ => format!("/{stage}{p}"),
            })
            .or_else(|| get(&["routeKey"])),
        caller_account,
        source: "access-logs",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function() -> FunctionRef {
        FunctionRef {
            name: "fn-1".into(),
            arn: "arn:aws:lambda:us-east-1:111111111111:function:fn-1".into(),
            account: "111111111111".into(),
        }
    }

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

    #[test]
    fn athena_sql_quotes_values_and_checks_the_table() {
        let sql = athena_sql(
            "cloudtrail.logs",
            "us-east-1",
            &FunctionRef {
                name: "it's".into(),
                ..function()
            },
            1_735_689_600.0,
            1_735_776_000.0,
        )
        .unwrap();
        assert!(sql.contains("FROM \"cloudtrail\".\"logs\""), "{sql}");
        assert!(sql.contains("'it''s'"), "{sql}");
        assert!(
            sql.contains("BETWEEN '2025/01/01' AND '2025/01/02'"),
            "{sql}"
        );
        assert!(athena_sql("x; DROP TABLE y", "us-east-1", &function(), 0.0, 1.0).is_err());
    }

    #[test]
    fn lake_queries_quote_values_and_read_lake_times() {
        let sql = lake_sql(
            "0c9e2a57-61a4-4b59-9d8f-3f2d8f3c1a10",
            &FunctionRef {
                name: "it's".into(),
                ..function()
            },
            1_735_689_600.5,
            1_735_776_000.0,
        )
        .unwrap();
        assert!(
            sql.contains("FROM 0c9e2a57-61a4-4b59-9d8f-3f2d8f3c1a10\n"),
            "{sql}"
        );
        assert!(sql.contains("'it''s'"), "{sql}");
        assert!(
            sql.contains(
                "eventTime >= '2025-01-01 00:00:00' AND eventTime <= '2025-01-02 00:00:00'"
            ),
            "{sql}"
        );
        assert!(sql.contains("LIKE 'arn:aws:lambda:us-east-1:111111111111:function:fn-1:%'"));
        assert!(lake_sql("x; DROP", &function(), 0.0, 1.0).is_err());
        assert_eq!(
            parse_lake_time("2025-01-02 03:04:05.000"),
            Some(("2025-01-02T03:04:05Z".to_string(), 1_735_787_045.0))
        );
        assert_eq!(
            parse_lake_time("2025-01-02T03:04:05Z").map(|(_, e)| e),
            Some(1_735_787_045.0)
        );
        assert!(parse_lake_time("yesterday").is_none());
    }

    #[test]
    fn access_log_lines_become_calls() {
        let c = access_log_call(r#"{"accountId":"222222222222","userArn":"arn:aws:sts::222222222222:assumed-role/r/s","sourceIp":"1.2.3.4","status":"403","path":"/"}"#, 1_735_689_600_000, "prod", Some("111111111111")).unwrap();
        assert!(c.cross_account);
        assert_eq!(c.error.as_deref(), Some("HTTP 403"));
        assert_eq!(c.path.as_deref(), Some("/prod/"));
        assert!(access_log_call("127.0.0.1 - - [x] GET", 0, "prod", None).is_none());
        // An HTTP API's $default stage has no path segment; a format without the path names
        // the route.
        let c =
            access_log_call(r#"{"path":"/items","status":"200"}"#, 0, "$default", None).unwrap();
        assert_eq!(c.path.as_deref(), Some("/items"));
        let c = access_log_call(
            r#"{"routeKey":"GET /items","status":"200","userArn":"-"}"#,
            0,
            "$default",
            None,
        )
        .unwrap();
        assert_eq!(
            (c.path.as_deref(), c.principal.as_str()),
            (Some("GET /items"), "anonymous")
        );
        assert!(enable_access_logs_hint("abc", "$default", true).starts_with("aws apigatewayv2 update-stage --api-id abc --stage-name '$default' --access-log-settings '{"));
        assert_eq!(
            log_group_of("arn:aws:logs:us-east-1:1:log-group:api-logs:*"),
            "api-logs"
        );
    }
}
