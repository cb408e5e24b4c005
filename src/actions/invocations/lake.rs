//! The CloudTrail Lake source: an event data store that logs Lambda data events, queried with
//! Lake SQL and polled until the query ends.

use super::trail::{advanced_covers, enable_trail_hint, lambda_selectors};
use super::{
    FunctionRef, Invocation, InvocationQuery, Progress, Progressor, QueryRow, SourceKind,
    SourceReport, iso, lit, parse_iso,
};
use crate::aws::{Aws, EventDataStore};

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
sourceIPAddress, errorCode, recipientAccountId, eventName\n\
FROM {store_id}\n\
WHERE eventSource = 'lambda.amazonaws.com' AND eventName IN ('Invoke', 'InvokeFunctionUrl')\n\
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
pub(super) async fn from_lake(
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
                    event_name: col("eventName"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::invocations::tests::function;

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
}
