//! CloudWatch Logs: FilterLogEvents over a window, a page at a time (access logs, function logs).

use aws_sdk_cloudwatchlogs as logs;
use logs::error::ProvideErrorMetadata;

use super::{Aws, AwsError};

#[derive(Debug, Clone, Default)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub message: String,
    /// The event's id, unique within the log group (for de-duplication while following).
    pub event_id: Option<String>,
    pub stream: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub next_token: Option<String>,
}

/// One FilterLogEvents request: a window and an optional filter pattern.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub group: String,
    pub start_ms: i64,
    /// `None`: up to now.
    pub end_ms: Option<i64>,
    /// CloudWatch Logs filter pattern syntax.
    pub pattern: Option<String>,
}

impl Aws {
    fn logs(&self, region: &str) -> logs::Client {
        service_client!(logs, self, region)
    }

    pub async fn filter_log_events(
        &self,
        region: &str,
        group: &str,
        start_ms: i64,
        end_ms: i64,
        next_token: Option<String>,
    ) -> Result<LogPage, AwsError> {
        let query = LogQuery {
            group: group.to_string(),
            start_ms,
            end_ms: Some(end_ms),
            pattern: None,
        };
        Ok(self
            .filter_log_page(region, &query, next_token)
            .await?
            .unwrap_or_default())
    }

    /// One page of FilterLogEvents, events of all streams interleaved by time; `Ok(None)` when
    /// the log group does not exist.
    pub async fn filter_log_page(
        &self,
        region: &str,
        query: &LogQuery,
        next_token: Option<String>,
    ) -> Result<Option<LogPage>, AwsError> {
        #[allow(deprecated)] // AWS always interleaves now; older endpoints (and moto) need asking.
        let req = self
            .logs(region)
            .filter_log_events()
            .log_group_name(&query.group)
            .start_time(query.start_ms)
            .set_end_time(query.end_ms)
            .set_filter_pattern(query.pattern.clone())
            .interleaved(true)
            .set_next_token(next_token);
        let out = match req.send().await {
            Ok(out) => out,
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("ResourceNotFoundException") =>
            {
                return Ok(None);
            }
            Err(e) => return Err(self.call_error("logs:FilterLogEvents", region, &e)),
        };
        let mut events: Vec<LogEvent> = out
            .events()
            .iter()
            .map(|e| LogEvent {
                timestamp: e.timestamp().unwrap_or_default(),
                message: e.message().unwrap_or_default().to_string(),
                event_id: e.event_id().map(str::to_string),
                stream: e.log_stream_name().map(str::to_string),
            })
            .collect();
        // Stable: events of one stream keep their order.
        events.sort_by_key(|e| e.timestamp);
        Ok(Some(LogPage {
            events,
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        }))
    }
}
