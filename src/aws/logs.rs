//! CloudWatch Logs: FilterLogEvents over a window, a page at a time (access logs, function logs),
//! and Live Tail sessions (StartLiveTail's event stream) for following.

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

/// At most this many log groups in one Live Tail session (AWS's limit).
pub const LIVE_TAIL_MAX_GROUPS: usize = 10;
/// AWS sends an update every second, empty when nothing came; a session silent this long is
/// taken as lost (and the caller reconnects).
const LIVE_TAIL_IDLE: std::time::Duration = std::time::Duration::from_secs(15);

/// An open Live Tail session. Dropping it closes the session (the connection goes with it).
pub struct LiveTail {
    stream: logs::primitives::event_stream::EventReceiver<
        logs::types::StartLiveTailResponseStream,
        logs::types::error::StartLiveTailResponseStreamError,
    >,
}

/// What a Live Tail session delivered next.
#[derive(Debug)]
pub enum LiveTailUpdate {
    /// New events (possibly none: AWS's once-a-second update); `sampled` when AWS sent only a
    /// sample because more than 500 events a second matched.
    Events {
        events: Vec<LogEvent>,
        sampled: bool,
    },
    /// The session is over; following means starting another one.
    Ended(LiveTailEnd),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveTailEnd {
    /// AWS ends every session after three hours (SessionTimeoutException).
    TimedOut,
    /// The stream ended, broke or went silent; the reason in words.
    Lost(String),
}

impl LiveTail {
    /// The next update of the session, or how it ended.
    pub async fn next(&mut self) -> LiveTailUpdate {
        use logs::types::StartLiveTailResponseStream as S;
        loop {
            let got = match tokio::time::timeout(LIVE_TAIL_IDLE, self.stream.recv()).await {
                Ok(got) => got,
                Err(_) => {
                    return LiveTailUpdate::Ended(LiveTailEnd::Lost(format!(
                        "no update for {} s",
                        LIVE_TAIL_IDLE.as_secs()
                    )));
                }
            };
            match got {
                Ok(Some(S::SessionUpdate(u))) => {
                    let events = u
                        .session_results()
                        .iter()
                        .map(|e| LogEvent {
                            timestamp: e.timestamp().unwrap_or_default(),
                            message: e.message().unwrap_or_default().to_string(),
                            event_id: None,
                            stream: e.log_stream_name().map(str::to_string),
                        })
                        .collect();
                    let sampled = u.session_metadata().is_some_and(|m| m.sampled());
                    return LiveTailUpdate::Events { events, sampled };
                }
                // The session's description, or an event this SDK does not know: nothing to show.
                Ok(Some(_)) => continue,
                Ok(None) => {
                    return LiveTailUpdate::Ended(LiveTailEnd::Lost(
                        "the session's stream ended".into(),
                    ));
                }
                Err(e) => {
                    let timed_out = e
                        .as_service_error()
                        .is_some_and(|s| s.is_session_timeout_exception());
                    return LiveTailUpdate::Ended(if timed_out {
                        LiveTailEnd::TimedOut
                    } else {
                        LiveTailEnd::Lost(match e.as_service_error() {
                            Some(s) => format!(
                                "{}: {}",
                                s.code().unwrap_or("error"),
                                s.message().unwrap_or_default()
                            ),
                            None => super::chain(&e),
                        })
                    });
                }
            }
        }
    }
}

/// Live Tail's host is the service's with `stream-` in front (`stream-logs.REGION.amazonaws.com`).
/// An endpoint given with `--endpoint-url` (a local emulator, a proxy) is where the user wants
/// every call to go, and `stream-127.0.0.1` is no host at all: there the prefix is taken off
/// again, before signing, so that the request goes to the endpoint as given.
#[derive(Debug)]
struct EndpointAsGiven;

impl aws_smithy_runtime_api::client::interceptors::Intercept for EndpointAsGiven {
    fn name(&self) -> &'static str {
        "cdkx endpoint as given"
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let uri = context.request().uri().to_string();
        if let Some((scheme, rest)) = uri.split_once("://")
            && let Some(host) = rest.strip_prefix("stream-")
        {
            context
                .request_mut()
                .set_uri(format!("{scheme}://{host}"))?;
        }
        Ok(())
    }
}

/// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME`, what StartLiveTail wants for a group.
pub fn log_group_arn(partition: &str, region: &str, account: &str, group: &str) -> String {
    let arn = crate::arn::Arn {
        partition,
        service: "logs",
        region,
        account,
        resource: &format!("log-group:{group}"),
    };
    arn.to_string()
}

impl Aws {
    /// Starts a Live Tail session on at most [`LIVE_TAIL_MAX_GROUPS`] log groups (by ARN), with
    /// an optional filter pattern. Fails when the session cannot be started (no Live Tail at this
    /// endpoint, no permission, a group that does not exist); `--timeout` bounds the start.
    pub async fn start_live_tail(
        &self,
        region: &str,
        group_arns: &[String],
        pattern: Option<&str>,
    ) -> Result<LiveTail, AwsError> {
        const CALL: &str = "logs:StartLiveTail";
        if group_arns.is_empty() || group_arns.len() > LIVE_TAIL_MAX_GROUPS {
            return Err(AwsError::Call {
                call: CALL,
                region: region.to_string(),
                message: format!(
                    "a session follows 1 to {LIVE_TAIL_MAX_GROUPS} log groups, not {}",
                    group_arns.len()
                ),
            });
        }
        // No answer cap here: the answer is a stream that lasts up to three hours.
        let mut conf = logs::config::Builder::from(self.sdk_config())
            .region(aws_types::region::Region::new(region.to_string()));
        if self.endpoint_url().is_some() {
            conf = conf.interceptor(EndpointAsGiven);
        }
        let client = logs::Client::from_conf(conf.build());
        let send = client
            .start_live_tail()
            .set_log_group_identifiers(Some(group_arns.to_vec()))
            .set_log_event_filter_pattern(pattern.map(str::to_string))
            .send();
        // The operation timeout covers the request; this also covers the wait for the stream's
        // first message, which `send` reads after it.
        match tokio::time::timeout(self.timeout(), send).await {
            Ok(Ok(out)) => Ok(LiveTail {
                stream: out.response_stream,
            }),
            Ok(Err(e)) => Err(self.call_error(CALL, region, &e)),
            Err(_) => Err(AwsError::Unreachable {
                call: CALL,
                region: region.to_string(),
                message: format!(
                    "the session did not start within {} s (--timeout)",
                    self.timeout().as_secs()
                ),
            }),
        }
    }
}
