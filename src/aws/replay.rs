//! Test support for this module: an [`Aws`] whose SDK clients are answered from a script of HTTP
//! answers (aws-smithy-http-client's `StaticReplayClient`, as cargo-lambda tests its calls), so
//! what each wrapper sends, and what it makes of an answer, is checked against the real SDK
//! clients (serialization, signing, interceptors, error parsing) without an emulator. The
//! emulator tests under `tests/` stay the end-to-end check.

use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_runtime_api::client::http::HttpClient;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_types::region::Region;

use super::{Aws, AwsOptions};

/// The region every replayed call goes to.
pub(crate) const REGION: &str = "us-east-1";

/// One scripted answer: `status`, a `Content-Type` and a body, plus any `headers`.
pub(crate) fn answer(
    status: u16,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> ReplayEvent {
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).expect("a valid HTTP status"),
        SdkBody::from(body.to_string()),
    );
    response
        .headers_mut()
        .insert("content-type", content_type.to_string());
    for (k, v) in headers {
        response.headers_mut().insert(k.to_string(), v.to_string());
    }
    // The expected request is not compared: each test asserts what it cares about in `sent`.
    ReplayEvent::new(HttpRequest::new(SdkBody::empty()), response)
}

/// An answer of an AWS query-protocol service (IAM, STS, CloudFormation): XML.
pub(crate) fn xml(status: u16, body: &str) -> ReplayEvent {
    answer(status, "text/xml", body, &[])
}

/// An answer of an AWS JSON-protocol service (CloudTrail, Athena, Logs).
pub(crate) fn json(status: u16, body: &str) -> ReplayEvent {
    answer(status, "application/x-amz-json-1.1", body, &[])
}

/// An [`Aws`] over `http`, with fixed test credentials, no retries and `timeout` for the call.
pub(crate) fn aws_over(http: impl HttpClient + 'static, timeout: Duration) -> Aws {
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        )))
        .retry_config(RetryConfig::disabled())
        .timeout_config(TimeoutConfig::builder().operation_timeout(timeout).build())
        .http_client(http)
        .build();
    Aws {
        config,
        opts: AwsOptions {
            timeout: Some(timeout),
            ..Default::default()
        },
        source: "test credentials".into(),
        per_account: Arc::default(),
        me: Arc::default(),
        lookup: None,
    }
}

/// A script of answers, given in the order the calls are made, and the [`Aws`] they answer.
pub(crate) struct Replay {
    pub aws: Aws,
    client: StaticReplayClient,
}

impl Replay {
    pub fn new(answers: Vec<ReplayEvent>) -> Replay {
        let client = StaticReplayClient::new(answers);
        Replay {
            aws: aws_over(client.clone(), Duration::from_secs(5)),
            client,
        }
    }

    /// The requests the SDK sent, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.client
            .actual_requests()
            .map(|r| Sent {
                method: r.method().to_string(),
                uri: r.uri().to_string(),
                headers: r
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                    .collect(),
                body: r
                    .body()
                    .bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
            })
            .collect()
    }
}

/// A request as it went out.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Sent {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter of a query-protocol body (`Action=GetRole&RoleName=r`), decoded.
    pub fn param(&self, key: &str) -> Option<String> {
        self.body.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == key).then(|| {
                percent_encoding::percent_decode_str(&v.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }

    /// The operation of a JSON-protocol request (`X-Amz-Target: Service.Operation`).
    pub fn target(&self) -> Option<&str> {
        self.header("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
    }

    /// The JSON body of a JSON-protocol request.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}
