//! Who actually called a function or an API: Lambda `Invoke` data events from a trail's logs (in
//! S3, or a local directory of them), the same through Athena for organization-scale tables,
//! and API Gateway access logs. CloudTrail LookupEvents never returns these calls; a source that
//! is not configured is reported with the exact setting that enables it, never as an empty table.

mod access_logs;
mod athena;
mod lake;
mod summary;
mod trail;

pub use access_logs::ACCESS_LOG_FORMAT;
pub use athena::athena_sql;
pub use lake::lake_sql;
pub use summary::{Summary, summarize};
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
        }
    }
}
