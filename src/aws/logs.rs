//! CloudWatch Logs: FilterLogEvents over a window, a page at a time.

use aws_sdk_cloudwatchlogs as logs;
use aws_types::region::Region;

use super::{Aws, AwsError};

#[derive(Debug, Clone)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub next_token: Option<String>,
}

impl Aws {
    pub async fn filter_log_events(
        &self,
        region: &str,
        group: &str,
        start_ms: i64,
        end_ms: i64,
        next_token: Option<String>,
    ) -> Result<LogPage, AwsError> {
        let conf = logs::config::Builder::from(self.sdk_config())
            .region(Region::new(region.to_string()))
            .interceptor(super::AnswerCap)
            .build();
        let out = logs::Client::from_conf(conf)
            .filter_log_events()
            .log_group_name(group)
            .start_time(start_ms)
            .end_time(end_ms)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| self.call_error("logs:FilterLogEvents", region, &e))?;
        Ok(LogPage {
            events: out
                .events()
                .iter()
                .map(|e| LogEvent {
                    timestamp: e.timestamp().unwrap_or_default(),
                    message: e.message().unwrap_or_default().to_string(),
                })
                .collect(),
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }
}
