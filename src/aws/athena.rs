//! Athena: run one query and read its result pages.

use std::time::Duration;

use aws_sdk_athena as athena;

use super::{Aws, AwsError};

/// Where and how a query runs.
#[derive(Debug, Clone, Default)]
pub struct AthenaTarget {
    pub workgroup: Option<String>,
    pub database: Option<String>,
    pub output_location: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ResultPage {
    /// Column names (from the first page's metadata).
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    pub next_token: Option<String>,
}

/// How long a query may stay queued or running before cdkx stops waiting for it.
const QUERY_WAIT: Duration = Duration::from_secs(600);

impl Aws {
    fn athena(&self, region: &str) -> athena::Client {
        service_client!(athena, self, region)
    }

    /// Starts `sql` and waits until it has finished; returns the query execution id.
    pub async fn athena_run(
        &self,
        region: &str,
        sql: &str,
        target: &AthenaTarget,
    ) -> Result<String, AwsError> {
        let client = self.athena(region);
        let mut req = client.start_query_execution().query_string(sql);
        if let Some(w) = &target.workgroup {
            req = req.work_group(w);
        }
        if let Some(d) = &target.database {
            req = req.query_execution_context(
                athena::types::QueryExecutionContext::builder()
                    .database(d)
                    .build(),
            );
        }
        if let Some(o) = &target.output_location {
            req = req.result_configuration(
                athena::types::ResultConfiguration::builder()
                    .output_location(o)
                    .build(),
            );
        }
        let id = req
            .send()
            .await
            .map_err(|e| self.call_error("athena:StartQueryExecution", region, &e))?
            .query_execution_id()
            .unwrap_or_default()
            .to_string();
        let mut wait = Duration::from_millis(100);
        let started = std::time::Instant::now();
        loop {
            let out = client
                .get_query_execution()
                .query_execution_id(&id)
                .send()
                .await
                .map_err(|e| self.call_error("athena:GetQueryExecution", region, &e))?;
            let status = out.query_execution().and_then(|q| q.status());
            match status.and_then(|s| s.state()).map(|s| s.as_str()) {
                Some("SUCCEEDED") => return Ok(id),
                Some(state @ ("FAILED" | "CANCELLED")) => {
                    return Err(AwsError::Call {
                        call: "athena:GetQueryExecution",
                        region: region.to_string(),
                        message: format!(
                            "the query {}: {}",
                            state.to_lowercase(),
                            status
                                .and_then(|s| s.state_change_reason())
                                .unwrap_or("no reason given")
                        ),
                    });
                }
                Some(state) if started.elapsed() > QUERY_WAIT => {
                    return Err(AwsError::Call {
                        call: "athena:GetQueryExecution",
                        region: region.to_string(),
                        message: format!(
                            "the query {id} was still {state} after {} s; cdkx stopped waiting",
                            QUERY_WAIT.as_secs()
                        ),
                    });
                }
                _ => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    pub async fn athena_results(
        &self,
        region: &str,
        id: &str,
        next_token: Option<String>,
    ) -> Result<ResultPage, AwsError> {
        let out = self
            .athena(region)
            .get_query_results()
            .query_execution_id(id)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| self.call_error("athena:GetQueryResults", region, &e))?;
        let Some(set) = out.result_set() else {
            return Ok(ResultPage::default());
        };
        Ok(ResultPage {
            columns: set
                .result_set_metadata()
                .map(|m| {
                    m.column_info()
                        .iter()
                        .map(|c| c.name().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            rows: set
                .rows()
                .iter()
                .map(|r| {
                    r.data()
                        .iter()
                        .map(|d| d.var_char_value().map(str::to_string))
                        .collect()
                })
                .collect(),
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }
}
