//! CloudTrail audit of one resource: LookupEvents by ResourceName (its physical id, and its ARN
//! where the service records ARNs), newest first, a page at a time so front ends can stream rows.
//! Requests are paced under CloudTrail's 2 per second, and throttling is retried with backoff.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::{ActionError, Subject};
use crate::arn::{Arn, is_arn};
use crate::aws::{Aws, AwsError, LookupPage, TrailEvent};
use crate::kind::ResourceKind;

/// What the audit can never show; every front end says it with every audit.
pub const DATA_EVENTS_NOTE: &str = "CloudTrail LookupEvents returns management events only: Lambda Invoke calls and API Gateway requests are data events and never appear here (they need a trail that logs data events, or API access logs).";

/// CloudTrail allows 2 LookupEvents per second per account and region: at most `RATE` requests
/// in any `WINDOW` (with a margin for clock skew between us and AWS).
const RATE: usize = 2;
const WINDOW: Duration = Duration::from_millis(1050);
const MAX_TRIES: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// Seconds since the epoch.
    pub since: f64,
    pub until: f64,
    /// Only events of this name (LookupEvents takes one attribute, so this is applied here).
    pub event: Option<String>,
    /// Stop after this many rows.
    pub limit: Option<usize>,
    pub cross_account_only: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub time: String,
    pub event_name: String,
    pub event_source: String,
    /// The caller's ARN, else the service that called, else the identity type.
    pub principal: String,
    pub caller_account: Option<String>,
    pub recipient_account: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub read_only: Option<bool>,
    pub cross_account: bool,
    pub event_id: String,
    /// The whole CloudTrail record.
    pub event: Value,
    #[serde(skip)]
    epoch: f64,
}

impl AuditRow {
    /// The row for one LookupEvents event, as [`Audit::next_page`] makes it; `resource_account`
    /// is the audited resource's account (a caller from another account is cross-account).
    /// For front ends that build rows themselves (tests, benchmarks, replays).
    pub fn from_event(event: TrailEvent, resource_account: Option<&str>) -> AuditRow {
        row(event, resource_account)
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// LookupEvents requests made so far.
    pub requests: usize,
    /// Events received so far (before filters).
    pub events_seen: usize,
    pub done: bool,
}

struct Cursor {
    name: String,
    token: Option<String>,
    buffer: VecDeque<AuditRow>,
    exhausted: bool,
    pages: crate::bounds::Pages,
}

/// A running audit; call [`Audit::next_page`] until it returns `None`.
pub struct Audit {
    aws: Aws,
    region: String,
    resource_account: Option<String>,
    query: AuditQuery,
    cursors: Vec<Cursor>,
    seen: HashSet<String>,
    emitted: usize,
    requests: usize,
    events_seen: usize,
    /// When the last `RATE` requests were sent.
    recent: VecDeque<Instant>,
    finished: bool,
    /// A lookup cut off by the page guard: reported once its rows are out.
    stopped: Option<String>,
}

impl Audit {
    pub fn new(aws: Aws, subject: &Subject, query: AuditQuery) -> Result<Audit, ActionError> {
        let id = subject.require_physical_id()?.to_string();
        let region = subject.require_region()?.to_string();
        let mut names = vec![id.clone()];
        if let Some(arn) = arn_for(subject, &id)
            && arn != id
        {
            names.push(arn);
        }
        Ok(Audit {
            aws,
            region,
            resource_account: subject.account.clone(),
            query,
            cursors: names
                .into_iter()
                .map(|name| Cursor {
                    name,
                    token: None,
                    buffer: VecDeque::new(),
                    exhausted: false,
                    pages: crate::bounds::Pages::new("cloudtrail:LookupEvents"),
                })
                .collect(),
            seen: HashSet::new(),
            emitted: 0,
            requests: 0,
            events_seen: 0,
            recent: VecDeque::new(),
            finished: false,
            stopped: None,
        })
    }

    /// The resource names being looked up.
    pub fn names(&self) -> Vec<&str> {
        self.cursors.iter().map(|c| c.name.as_str()).collect()
    }

    /// The next rows, newest first; `None` when there is nothing more.
    pub async fn next_page(&mut self) -> Result<Option<AuditPage>, ActionError> {
        if self.finished {
            return match self.stopped.take() {
                Some(why) => Err(ActionError::Input(why)),
                None => Ok(None),
            };
        }
        // Every lookup that has more must have a row at hand before rows can be merged in order.
        // The lookups that need a page ask for it together (two fit in CloudTrail's rate), so
        // the first rows wait for one round trip, not one per lookup.
        loop {
            let need: Vec<usize> = (0..self.cursors.len())
                .filter(|&i| self.cursors[i].buffer.is_empty() && !self.cursors[i].exhausted)
                .collect();
            match need.as_slice() {
                [] => break,
                [i] => self.fetch(*i).await?,
                _ => {
                    for _ in &need {
                        self.pace().await;
                    }
                    let (since, until) = (self.query.since, self.query.until);
                    let results = futures::future::join_all(need.iter().map(|&i| {
                        let c = &self.cursors[i];
                        self.aws
                            .lookup_events(&self.region, &c.name, since, until, c.token.clone())
                    }))
                    .await;
                    for (i, result) in need.into_iter().zip(results) {
                        match result {
                            Ok(page) => self.apply(i, page),
                            // Throttled: that lookup retries alone, with backoff.
                            Err(AwsError::Throttled { .. }) => self.fetch(i).await?,
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
            }
        }
        let mut rows = Vec::new();
        loop {
            if self.query.limit.is_some_and(|l| self.emitted >= l) {
                self.finished = true;
                break;
            }
            let waiting = self
                .cursors
                .iter()
                .any(|c| c.buffer.is_empty() && !c.exhausted);
            if waiting {
                break;
            }
            let newest = self
                .cursors
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.buffer.front().map(|r| (i, r.epoch)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((i, _)) = newest else {
                self.finished = true;
                break;
            };
            let row = self.cursors[i].buffer.pop_front().expect("non-empty");
            if !self.seen.insert(row.event_id.clone()) {
                continue;
            }
            if self.query.cross_account_only && !row.cross_account {
                continue;
            }
            self.emitted += 1;
            rows.push(row);
        }
        Ok(Some(AuditPage {
            rows,
            requests: self.requests,
            events_seen: self.events_seen,
            done: self.finished,
        }))
    }

    async fn fetch(&mut self, i: usize) -> Result<(), ActionError> {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=MAX_TRIES {
            self.pace().await;
            let c = &self.cursors[i];
            let result = self
                .aws
                .lookup_events(
                    &self.region,
                    &c.name,
                    self.query.since,
                    self.query.until,
                    c.token.clone(),
                )
                .await;
            match result {
                Ok(page) => {
                    self.apply(i, page);
                    return Ok(());
                }
                Err(AwsError::Throttled { message, .. }) if attempt < MAX_TRIES => {
                    let _ = message;
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(AwsError::Throttled { message, .. }) => {
                    return Err(ActionError::Input(format!(
                        "CloudTrail kept throttling LookupEvents after {MAX_TRIES} tries ({message}); wait a minute and try again, or narrow --since"
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the last try returns")
    }

    /// Takes a page of lookup `i` in: its rows (the wanted events) and where it goes on.
    fn apply(&mut self, i: usize, page: LookupPage) {
        self.events_seen += page.events.len();
        let account = self.resource_account.clone();
        let wanted = self.query.event.clone();
        let c = &mut self.cursors[i];
        match c.pages.next(page.next_token) {
            Ok(token) => {
                c.exhausted = token.is_none();
                c.token = token;
            }
            Err(limit) => {
                c.exhausted = true;
                c.token = None;
                self.stopped = Some(limit.to_string());
            }
        }
        c.buffer.extend(
            page.events
                .into_iter()
                .filter(|e| {
                    wanted
                        .as_ref()
                        .is_none_or(|w| e.event_name.eq_ignore_ascii_case(w))
                })
                .map(|e| row(e, account.as_deref())),
        );
    }

    async fn pace(&mut self) {
        if self.recent.len() >= RATE {
            let oldest = self.recent.pop_front().expect("RATE > 0");
            tokio::time::sleep_until(oldest + WINDOW).await;
        }
        self.recent.push_back(Instant::now());
        self.requests += 1;
    }
}

/// CloudTrail records Lambda functions by ARN in some events; look those up too.
fn arn_for(subject: &Subject, id: &str) -> Option<String> {
    if ResourceKind::LambdaFunction.is(&subject.cfn_type) && !is_arn(id) {
        let (region, account) = (subject.region.as_deref()?, subject.account.as_deref()?);
        let arn = Arn {
            partition: &subject.partition,
            service: "lambda",
            region,
            account,
            resource: &format!("function:{id}"),
        };
        return Some(arn.to_string());
    }
    None
}

fn row(e: TrailEvent, resource_account: Option<&str>) -> AuditRow {
    let record: Value = e
        .record
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let s = |v: &Value| v.as_str().map(str::to_string);
    let identity = &record["userIdentity"];
    let caller_account = s(&identity["accountId"]);
    let recipient_account = s(&record["recipientAccountId"]);
    let principal = s(&identity["arn"])
        .or_else(|| s(&identity["invokedBy"]))
        .or_else(|| s(&identity["type"]))
        .or_else(|| e.username.clone())
        .unwrap_or_else(|| "unknown".into());
    let cross_account = caller_account.as_deref().is_some_and(|caller| {
        recipient_account.as_deref().is_some_and(|r| r != caller)
            || resource_account.is_some_and(|r| r != caller)
    });
    AuditRow {
        time: crate::time::iso(e.event_time),
        event_name: e.event_name,
        event_source: e.event_source,
        principal,
        caller_account,
        recipient_account,
        source_ip: s(&record["sourceIPAddress"]),
        user_agent: s(&record["userAgent"]),
        read_only: record["readOnly"]
            .as_bool()
            .or_else(|| e.read_only.as_deref().map(|r| r == "true")),
        cross_account,
        event_id: e.event_id,
        event: record,
        epoch: e.event_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_flag_cross_account_callers() {
        let record = |caller: &str, recipient: &str| {
            TrailEvent {
            event_id: "e".into(),
            event_name: "GetFunction".into(),
            event_source: "lambda.amazonaws.com".into(),
            event_time: 1_700_000_000.0,
            record: Some(
                serde_json::json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::x:assumed-role/r/s", "accountId": caller},
                    "recipientAccountId": recipient, "sourceIPAddress": "1.2.3.4", "userAgent": "aws-cli", "readOnly": true})
                .to_string(),
            ),
            ..Default::default()
        }
        };
        let same = row(record("111", "111"), Some("111"));
        assert!(!same.cross_account);
        assert_eq!(same.principal, "arn:aws:sts::x:assumed-role/r/s");
        assert_eq!(same.read_only, Some(true));
        assert!(row(record("222", "111"), Some("111")).cross_account);
        assert!(
            row(record("222", "222"), Some("111")).cross_account,
            "caller differs from the resource's account"
        );
        let service = row(TrailEvent { record: Some(r#"{"userIdentity": {"type": "AWSService", "invokedBy": "apigateway.amazonaws.com"}}"#.into()), ..Default::default() }, Some("111"));
        assert!(!service.cross_account);
        assert_eq!(service.principal, "apigateway.amazonaws.com");
    }
}
