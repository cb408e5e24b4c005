//! Invoke a Lambda function (RequestResponse) and make its answer readable: the payload as JSON,
//! text or binary, the function error, the decoded log tail, and the requestor view with a
//! verdict per side when the payload is `{"without": ..., "with": ...}`.

use serde::Serialize;
use serde_json::Value;

use super::logs::{self as fn_logs, LineKind, LogLine, LogsRequest};
use super::{ActionError, Subject};
use crate::aws::Aws;
use crate::kind::ResourceKind;
use crate::verdict::RequestorView;

/// Lambda's limit for a synchronous request or response payload.
pub const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

/// The one check of a payload before it is sent, for both front ends and the action: at most
/// [`MAX_PAYLOAD`] bytes and valid JSON (Lambda takes a JSON event). `what` names where the
/// payload came from (`--payload`, a file, "the payload"); the message is safe to print.
pub fn check_payload(what: &str, bytes: &[u8]) -> Result<(), String> {
    let what = crate::sanitize::excerpt(what, 200);
    if bytes.len() > MAX_PAYLOAD {
        return Err(format!(
            "{what} is {} bytes; Lambda accepts at most {MAX_PAYLOAD} bytes (6 MiB) for a synchronous invoke",
            bytes.len()
        ));
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map(|_| ())
        .map_err(|e| {
            format!(
                "{what} is not valid JSON ({}); Lambda takes a JSON event",
                crate::sanitize::excerpt(&e.to_string(), 200)
            )
        })
}

#[derive(Debug, Clone)]
pub struct InvokeRequest {
    pub payload: Vec<u8>,
    pub log: bool,
}

/// The payload as it should be shown: JSON when it parses, else text, else binary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Payload {
    Json(Value),
    Text(String),
    /// Base64 of bytes that are not UTF-8.
    Binary(String),
}

impl Payload {
    pub fn from_bytes(bytes: &[u8]) -> Payload {
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            return Payload::Json(v);
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => Payload::Text(s.to_string()),
            Err(_) => Payload::Binary(aws_smithy_types::base64::encode(bytes)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvokeResult {
    pub function: String,
    pub region: String,
    pub status_code: i32,
    pub executed_version: Option<String>,
    /// `Handled` or `Unhandled` when the function failed.
    pub function_error: Option<String>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub log_tail: Option<String>,
    /// The invocation's request id.
    pub request_id: Option<String>,
    /// With `--log`: the run's own lines from its log group, found by request id.
    pub log_lines: Option<Vec<LogLine>>,
    /// With `--log`: why only the tail is shown (the log group could not be read).
    pub log_note: Option<String>,
    pub payload_bytes: usize,
    pub payload: Payload,
    /// Present when the payload follows the requestor pattern.
    pub requestor: Option<RequestorView>,
}

impl InvokeResult {
    pub fn failed(&self) -> bool {
        self.function_error.is_some()
    }
}

pub async fn invoke(
    aws: &Aws,
    subject: &Subject,
    req: InvokeRequest,
) -> Result<InvokeResult, ActionError> {
    if !ResourceKind::LambdaFunction.is(&subject.cfn_type) {
        return Err(ActionError::WrongType {
            action: "invoke",
            construct: subject.construct_path.clone(),
            cfn_type: subject.cfn_type.clone(),
            expected: "a Lambda function (AWS::Lambda::Function)",
        });
    }
    if req.payload.len() > MAX_PAYLOAD {
        return Err(ActionError::Input(
            check_payload("the payload", &req.payload)
                .err()
                .unwrap_or_default(),
        ));
    }
    let function = subject.require_physical_id()?.to_string();
    let region = subject.require_region()?.to_string();
    let started_ms = crate::time::now_ms();
    // By ARN: the credentials that invoke may be of another account than the function's (a
    // direct cross-account call through its resource policy), where the name alone would
    // name a function of their own account.
    let target = super::lambda_access::function_arn(
        &function,
        &subject.partition,
        &region,
        subject.account.as_deref(),
    )
    .unwrap_or_else(|| function.clone());
    let out = aws.invoke(&region, &target, req.payload, req.log).await?;
    let payload = Payload::from_bytes(&out.payload);
    let (error_type, error_message) = match (&out.function_error, &payload) {
        (Some(_), Payload::Json(v)) => (
            v.get("errorType")
                .and_then(Value::as_str)
                .map(str::to_string),
            v.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        _ => (None, None),
    };
    let requestor = match (&out.function_error, &payload) {
        (None, Payload::Json(v)) => RequestorView::from_payload(v),
        _ => None,
    };
    let (log_lines, log_note) = match (&out.request_id, req.log) {
        (Some(id), true) => match (
            run_lines(aws, subject, id, started_ms).await,
            &out.tail_refused,
        ) {
            (Ok(lines), None) => (Some(lines), None),
            (Err(note), None) => (None, Some(note)),
            (Ok(lines), Some(refused)) => (
                Some(lines),
                Some(format!(
                    "Lambda gives no log tail across accounts ({refused:?}: the invoking credentials are not of the function's account {}); the run's lines were read from its log group instead (`cdkx {} logs --request-id {id}` reads them again)",
                    subject.account.as_deref().unwrap_or("?"),
                    subject.construct_id
                )),
            ),
            (Err(why), Some(refused)) => (
                None,
                Some(cross_account_log_advice(subject, refused, id, &why)),
            ),
        },
        (None, true) => (
            None,
            Some("Lambda gave no request id, so only the log tail is shown".to_string()),
        ),
        _ => (None, None),
    };
    Ok(InvokeResult {
        function,
        region,
        status_code: out.status_code,
        executed_version: out.executed_version,
        function_error: out.function_error,
        error_type,
        error_message,
        log_tail: out.log_tail,
        request_id: out.request_id,
        log_lines,
        log_note,
        payload_bytes: out.payload.len(),
        payload,
        requestor,
    })
}

/// What to do when Lambda refused the log tail across accounts and the log group could not be
/// read either: the logs live in the function's account, so credentials of that account must
/// read them.
fn cross_account_log_advice(subject: &Subject, refused: &str, id: &str, why: &str) -> String {
    let account = subject.account.as_deref().unwrap_or("of the function");
    format!(
        "Lambda gives no log tail across accounts ({refused:?}): the function ran, but its log is in account {account} and {why}. Read it with credentials of that account: `cdkx {} logs --request-id {id}` through the stack's CDK lookup role (cdk bootstrap aws://{account}/{} --trust-for-lookup YOUR_ACCOUNT) or a role of account {account} named in cdkx.toml ([accounts.{account}] role_arn = \"...\") or --role-arn",
        subject.construct_id,
        subject.region.as_deref().unwrap_or("REGION"),
    )
}

/// How long `--log` waits for the run's REPORT line to reach CloudWatch Logs.
const LOG_WAIT_ATTEMPTS: u32 = 5;

/// The run's lines from its log group, by request id; CloudWatch may take a few seconds to
/// show them, so this asks again until the REPORT line is there. `Err`: why it could not.
async fn run_lines(
    aws: &Aws,
    subject: &Subject,
    request_id: &str,
    started_ms: i64,
) -> Result<Vec<LogLine>, String> {
    let target = fn_logs::log_target(aws, subject)
        .await
        .map_err(|e| format!("cannot find the log group ({e})"))?;
    let req = LogsRequest {
        // Clocks differ; a minute before the call is safe and still narrow.
        since_ms: started_ms - 60_000,
        request_id: Some(request_id.to_string()),
        ..Default::default()
    };
    let mut lines = Vec::new();
    for attempt in 0..LOG_WAIT_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        lines.clear();
        fn_logs::history(aws, &target, &req, |l| {
            lines.push(l.clone());
            Ok(())
        })
        .await
        .map_err(|e| format!("cannot read {} ({e})", target.groups_text()))?;
        if lines.iter().any(|l| l.kind == LineKind::Report) {
            break;
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_kinds() {
        assert_eq!(
            Payload::from_bytes(br#"{"a":1}"#),
            Payload::Json(serde_json::json!({"a": 1}))
        );
        assert_eq!(Payload::from_bytes(b"hello"), Payload::Text("hello".into()));
        assert_eq!(
            Payload::from_bytes(&[0xff, 0x00]),
            Payload::Binary("/wA=".into())
        );
        assert_eq!(Payload::from_bytes(b""), Payload::Text(String::new()));
    }
}
