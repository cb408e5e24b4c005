//! Who actually called a function, its function URL or an API: Lambda `Invoke` and
//! `InvokeFunctionUrl` data events from a trail's logs (in S3, or a local directory of them), the
//! same through Athena for organization-scale tables, and API Gateway access logs. CloudTrail LookupEvents never returns these calls; a source that
//! is not configured is reported with the exact setting that enables it, never as an empty table.

mod access_logs;
mod athena;
mod lake;
mod summary;
mod timeline;
mod trail;

pub use access_logs::ACCESS_LOG_FORMAT;
pub use athena::athena_sql;
pub use lake::lake_sql;
pub use summary::{Summary, summarize};
pub use timeline::{
    AccountLine, TIMELINE_BUCKETS, Timeline, UNKNOWN_ACCOUNT, account_names, timeline,
};
pub use trail::covers;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::{ActionError, Subject};
use crate::arn::Arn;
use crate::aws::{AthenaTarget, Aws};
use crate::kind::ResourceKind;
use crate::time::{iso, parse_iso};
use access_logs::from_access_logs;
use athena::from_athena;
use lake::from_lake;
use trail::{from_directory, from_trail_bucket};

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
    /// The door a Lambda data event came through: `invoke` (the Invoke API) or `functionUrl`
    /// (`InvokeFunctionUrl`); absent for access logs and sources that do not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub door: Option<&'static str>,
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
    /// The calls by caller account over the window, in [`TIMELINE_BUCKETS`] buckets at most.
    pub timeline: Timeline,
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
const FUNCTION_URL: &str = ResourceKind::LambdaUrl.as_str();
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
        LAMBDA | FUNCTION_URL => {
            let function = FunctionRef::of(subject, &region)?;
            let wants = |k: SourceKind| q.source == k || q.source == SourceKind::Auto;
            if wants(SourceKind::Trail) {
                let (mut report, found) = match &q.trail_logs {
                    Some(dir) => from_directory(dir, &function, q, progress).await,
                    None => from_trail_bucket(aws, &region, &function, q, progress).await,
                };
                function.explain(&mut report, &found);
                calls.extend(found);
                sources.push(report);
            }
            if q.source == SourceKind::Athena
                || (q.source == SourceKind::Auto && q.athena_table.is_some())
            {
                let (mut report, found) = from_athena(aws, &region, &function, q, progress).await;
                function.explain(&mut report, &found);
                calls.extend(found);
                sources.push(report);
            }
            if wants(SourceKind::Lake) {
                let explicit = q.source == SourceKind::Lake;
                if let Some((mut report, found)) =
                    from_lake(aws, &region, &function, q, explicit, progress).await
                {
                    function.explain(&mut report, &found);
                    calls.extend(found);
                    sources.push(report);
                }
            }
            if q.source == SourceKind::AccessLogs {
                return Err(ActionError::Input(
                    "access logs belong to an API (REST or HTTP); a function's calls, through its URL too, are Lambda data events (--source trail, athena or lake)".into(),
                ));
            }
            function.arn
        }
        REST_API | HTTP_API => {
            let http_api = subject.cfn_type == HTTP_API;
            if !matches!(q.source, SourceKind::Auto | SourceKind::AccessLogs) {
                let which = if http_api {
                    "an HTTP API's callers come from its stages' access logs"
                } else {
                    "a REST API's callers come from its access logs"
                };
                return Err(ActionError::Input(format!(
                    "API Gateway requests never reach CloudTrail; {which} (--source access-logs)"
                )));
            }
            let api = subject.require_physical_id()?.to_string();
            let (report, found) = from_access_logs(
                aws,
                &region,
                &api,
                subject.account.as_deref(),
                http_api,
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
                expected: "a Lambda function, a function URL, a REST API or an HTTP API",
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
    let timeline = timeline(&calls, q.since, q.until, TIMELINE_BUCKETS);
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
        timeline,
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

/// The function being audited.
#[derive(Debug, Clone)]
pub struct FunctionRef {
    pub name: String,
    pub arn: String,
    pub account: String,
    /// The subject is the function's URL (`AWS::Lambda::Url`): its calls are the function's
    /// `InvokeFunctionUrl` data events, and the reports say so.
    pub url: bool,
}

impl FunctionRef {
    /// The function a Lambda function or function URL construct names. A function URL's
    /// physical id is its function (name or ARN, as describe and probe read it), so both resolve
    /// through the deployed stack the same way.
    pub fn of(subject: &Subject, region: &str) -> Result<FunctionRef, ActionError> {
        let id = subject.require_physical_id()?;
        let url = ResourceKind::LambdaUrl.is(&subject.cfn_type);
        if id.starts_with("arn:") {
            // The function's own ARN: a qualifier (`:live`, `:3`) is not part of it.
            let parsed = Arn::parse(id).and_then(|a| {
                let name = a.resource.strip_prefix("function:")?.split(':').next()?;
                let resource = format!("function:{name}");
                let arn = Arn {
                    resource: &resource,
                    ..a
                };
                Some((a.account()?, name, arn.to_string()))
            });
            let Some((account, name, arn)) = parsed else {
                return Err(ActionError::Input(format!(
                    "{}: {id} is not a Lambda function ARN",
                    subject.construct_path
                )));
            };
            return Ok(FunctionRef {
                name: name.to_string(),
                arn,
                account: account.to_string(),
                url,
            });
        }
        let account = subject.account.clone().ok_or_else(|| {
            ActionError::Input(format!(
                "the account of {} is not known",
                subject.construct_path
            ))
        })?;
        Ok(FunctionRef {
            name: id.to_string(),
            arn: Arn {
                partition: &subject.partition,
                service: "lambda",
                region,
                account: &account,
                resource: &format!("function:{id}"),
            }
            .to_string(),
            account,
            url,
        })
    }

    /// For a function URL, says in the source's report where its calls are recorded and how
    /// many of the function's calls came through the URL.
    fn explain(&self, report: &mut SourceReport, found: &[Invocation]) {
        if !self.url {
            return;
        }
        if report.status == "used" {
            let through_url = found.iter().filter(|c| c.door == Some(DOOR_URL)).count();
            report.detail = format!(
                "{}; {through_url} of the function's {} call(s) came through its URL (InvokeFunctionUrl), the rest through the Invoke API",
                report.detail,
                found.len()
            );
        } else {
            report.detail = format!(
                "{}. Function URL calls are recorded only as Lambda data events (InvokeFunctionUrl, resource type {LAMBDA}) of function {}, by a trail or event data store that logs them; CloudTrail does not log them by default (CloudWatch metrics UrlRequestCount/Url4xxCount/Url5xxCount count them without callers)",
                report.detail, self.name
            );
        }
    }

    fn is(&self, s: &str) -> bool {
        s == self.name
            || s == self.arn
            || s.strip_prefix(&self.arn)
                .is_some_and(|q| q.starts_with(':'))
    }
}

/// What a source has read so far, shared by the reads it runs at once.
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

/// The door an Invoke-family event name stands for.
const DOOR_URL: &str = "functionUrl";
fn door(event_name: &str) -> &'static str {
    if event_name == "InvokeFunctionUrl" {
        DOOR_URL
    } else {
        "invoke"
    }
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
    event_name: Option<String>,
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
            door: self.event_name.as_deref().map(door),
        }
    }
}

/// SQL text literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The function the unit tests of every source audit.
    pub(super) fn function() -> FunctionRef {
        FunctionRef {
            name: "fn-1".into(),
            arn: "arn:aws:lambda:us-east-1:111111111111:function:fn-1".into(),
            account: "111111111111".into(),
            url: false,
        }
    }

    fn call(door: &'static str) -> Invocation {
        Invocation {
            time: "2025-01-01T00:00:00Z".into(),
            epoch: 1_735_689_600.0,
            caller_account: Some("222222222222".into()),
            principal: "p".into(),
            source_ip: None,
            error: None,
            status: None,
            path: None,
            cross_account: true,
            source: "trail",
            door: Some(door),
        }
    }

    #[test]
    fn a_function_is_named_by_its_physical_id_or_its_arn_without_qualifier() {
        let subject = |physical: &str| Subject {
            construct_path: "S/fn".into(),
            construct_id: "fn".into(),
            fqn: None,
            cfn_type: ResourceKind::LambdaFunction.as_str().into(),
            logical_id: None,
            stack: 0,
            stack_name: "S".into(),
            physical_id: Some(physical.into()),
            physical_state: "deployed".into(),
            region: Some("cn-north-1".into()),
            account: Some("111111111111".into()),
            partition: "aws-cn".into(),
        };
        let by_name = FunctionRef::of(&subject("fn-1"), "cn-north-1").unwrap();
        assert_eq!(
            by_name.arn,
            "arn:aws-cn:lambda:cn-north-1:111111111111:function:fn-1"
        );
        let by_arn = FunctionRef::of(
            &subject("arn:aws:lambda:us-east-1:222222222222:function:fn-2:live"),
            "us-east-1",
        )
        .unwrap();
        assert_eq!(
            (
                by_arn.name.as_str(),
                by_arn.account.as_str(),
                by_arn.arn.as_str()
            ),
            (
                "fn-2",
                "222222222222",
                "arn:aws:lambda:us-east-1:222222222222:function:fn-2"
            )
        );
        let not_a_function = FunctionRef::of(&subject("arn:aws:sqs:us-east-1:2:q"), "us-east-1");
        assert!(
            matches!(&not_a_function, Err(ActionError::Input(m)) if m.contains("is not a Lambda function ARN")),
            "{:?}",
            not_a_function.err()
        );
    }

    #[test]
    fn a_function_urls_report_says_where_its_calls_are_recorded() {
        assert_eq!(door("InvokeFunctionUrl"), "functionUrl");
        assert_eq!(door("Invoke"), "invoke");
        let url = FunctionRef {
            url: true,
            ..function()
        };
        let found = [call("functionUrl"), call("invoke"), call("functionUrl")];
        let mut used = SourceReport::new(SourceKind::Trail, "used", "trail t");
        url.explain(&mut used, &found);
        assert_eq!(
            used.detail,
            "trail t; 2 of the function's 3 call(s) came through its URL (InvokeFunctionUrl), the rest through the Invoke API"
        );
        let mut off = SourceReport::new(SourceKind::Trail, "not-configured", "no trail");
        url.explain(&mut off, &[]);
        assert!(
            off.detail.starts_with("no trail. Function URL calls are recorded only as Lambda data events (InvokeFunctionUrl, resource type AWS::Lambda::Function) of function fn-1")
                && off.detail.contains("CloudTrail does not log them by default"),
            "{}",
            off.detail
        );
        // A function's own report is left as its source wrote it.
        let mut plain = SourceReport::new(SourceKind::Trail, "used", "trail t");
        function().explain(&mut plain, &found);
        assert_eq!(plain.detail, "trail t");
    }
}
