//! The access-logs source: a REST API's callers from its stages' access logs in CloudWatch
//! Logs (API Gateway requests never reach CloudTrail).

use serde_json::Value;

use super::{Counters, Invocation, InvocationQuery, Progressor, SourceKind, SourceReport, iso};
use crate::arn::Arn;
use crate::aws::Aws;

/// The access-log line format cdkx reads best (`$context.identity.*` fields as JSON).
pub const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","requestTime":"$context.requestTimeEpoch","accountId":"$context.identity.accountId","caller":"$context.identity.caller","userArn":"$context.identity.userArn","sourceIp":"$context.identity.sourceIp","httpMethod":"$context.httpMethod","path":"$context.path","status":"$context.status"}"#;

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

pub(super) async fn from_access_logs(
    aws: &Aws,
    region: &str,
    api: &str,
    api_account: Option<&str>,
    http_api: bool,
    q: &InvocationQuery,
    progress: &Progressor,
) -> (SourceReport, Vec<Invocation>) {
    let stages = match aws.api_stages(region, api, http_api).await {
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
        door: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
