//! The Athena source: the same `Invoke` data events queried from an Athena table over the
//! trail's logs, for organization-scale trails.

use super::{
    FunctionRef, Invocation, InvocationQuery, Progress, Progressor, QueryRow, SourceKind,
    SourceReport, days, iso, lit, parse_iso,
};
use crate::aws::Aws;

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
        "SELECT eventtime, useridentity.accountid, useridentity.arn, sourceipaddress, errorcode, recipientaccountid, eventname\n\
FROM {table}\n\
WHERE eventsource = 'lambda.amazonaws.com' AND eventname IN ('Invoke', 'InvokeFunctionUrl')\n\
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

pub(super) async fn from_athena(
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
                    event_name: col(6),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::invocations::tests::function;

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
}
