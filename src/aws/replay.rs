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

/// An answer of a Smithy RPC v2 CBOR service (CloudWatch): `body` encoded as CBOR.
pub(crate) fn cbor(status: u16, body: &Cbor) -> ReplayEvent {
    let mut bytes = Vec::new();
    body.encode(&mut bytes);
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).expect("a valid HTTP status"),
        SdkBody::from(bytes),
    );
    response
        .headers_mut()
        .insert("content-type", "application/cbor".to_string());
    response
        .headers_mut()
        .insert("smithy-protocol", "rpc-v2-cbor".to_string());
    ReplayEvent::new(HttpRequest::new(SdkBody::empty()), response)
}

/// A GetMetricData answer: one point for each `(query id, time, value)`.
pub(crate) fn metric_data(points: &[(&str, i64, f64)]) -> ReplayEvent {
    cbor(200, &metric_data_page(points, None))
}

/// A page of a GetMetricData answer, with the token of the next page, if any.
pub(crate) fn metric_data_page(points: &[(&str, i64, f64)], next: Option<&str>) -> Cbor {
    let results = points
        .iter()
        .map(|(id, t, v)| {
            Cbor::Map(vec![
                ("Id", Cbor::Text((*id).to_string())),
                ("Timestamps", Cbor::Array(vec![Cbor::Time(*t)])),
                ("Values", Cbor::Array(vec![Cbor::Float(*v)])),
            ])
        })
        .collect();
    let mut map = vec![("MetricDataResults", Cbor::Array(results))];
    if let Some(n) = next {
        map.push(("NextToken", Cbor::Text(n.to_string())));
    }
    Cbor::Map(map)
}

/// The few CBOR values an answer needs, to write one by hand.
#[derive(Debug, Clone)]
pub(crate) enum Cbor {
    Map(Vec<(&'static str, Cbor)>),
    Array(Vec<Cbor>),
    Text(String),
    Float(f64),
    /// Seconds since the epoch (tag 1), as Smithy writes timestamps.
    Time(i64),
}

impl Cbor {
    fn head(out: &mut Vec<u8>, major: u8, n: u64) {
        let m = major << 5;
        match n {
            0..=23 => out.push(m | n as u8),
            24..=0xff => out.extend([m | 24, n as u8]),
            0x100..=0xffff => {
                out.push(m | 25);
                out.extend((n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(m | 26);
                out.extend((n as u32).to_be_bytes());
            }
            _ => {
                out.push(m | 27);
                out.extend(n.to_be_bytes());
            }
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Map(entries) => {
                Self::head(out, 5, entries.len() as u64);
                for (k, v) in entries {
                    Cbor::Text((*k).to_string()).encode(out);
                    v.encode(out);
                }
            }
            Cbor::Array(items) => {
                Self::head(out, 4, items.len() as u64);
                for i in items {
                    i.encode(out);
                }
            }
            Cbor::Text(s) => {
                Self::head(out, 3, s.len() as u64);
                out.extend(s.as_bytes());
            }
            Cbor::Float(f) => {
                out.push(0xfb);
                out.extend(f.to_be_bytes());
            }
            Cbor::Time(t) => {
                Self::head(out, 6, 1);
                Self::head(out, 0, u64::try_from(*t).expect("a time after 1970"));
            }
        }
    }
}
