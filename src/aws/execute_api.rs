//! Requests to API Gateway endpoints (execute-api) and Lambda function URLs, unsigned or
//! SigV4-signed with the caller's credentials: the probe's transport. The request can be sent
//! to another address than its URL names (a local emulator, a proxy, a private endpoint) while
//! keeping the URL's Host header, so what is signed is exactly what the service would see.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde::Serialize;

use super::{Aws, AwsError};

/// One HTTP request to an execute-api URL.
#[derive(Debug, Clone)]
pub struct ExecuteApiRequest {
    pub method: String,
    /// The URL as API Gateway knows it (`https://ID.execute-api.REGION.amazonaws.com/stage/path?q`).
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The signing region.
    pub region: String,
    /// Send to this base URL instead (`http://127.0.0.1:4566`), keeping the Host header.
    pub connect_to: Option<String>,
}

/// What came back.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
    pub latency_ms: f64,
}

impl HttpAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The signed request as it may be shown: the signature and secrets are redacted, the access
/// key id is kept so a user can tell which credentials signed.
#[derive(Debug, Clone, Serialize)]
pub struct SignedRequestView {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

impl Aws {
    /// Sends `req`, signed with these credentials when `signed`; the signed headers are
    /// returned (redacted) for `--show-signed`.
    pub async fn execute_api(
        &self,
        req: &ExecuteApiRequest,
        signed: bool,
    ) -> Result<(HttpAnswer, Option<SignedRequestView>), AwsError> {
        self.signed_http(req, signed, "execute-api").await
    }

    /// Sends `req` like [`Aws::execute_api`], signing for `service` (`execute-api`, or `lambda`
    /// for a Lambda function URL).
    pub async fn signed_http(
        &self,
        req: &ExecuteApiRequest,
        signed: bool,
        service: &'static str,
    ) -> Result<(HttpAnswer, Option<SignedRequestView>), AwsError> {
        let err = |message: String| AwsError::Call {
            call: service,
            region: req.region.clone(),
            message,
        };
        // The URL parser drops tabs and line breaks silently; a URL holding them was not meant
        // for this request (or was built to split it), so it is refused before anything is sent.
        if let Some(c) = req.url.chars().find(|c| c.is_control()) {
            return Err(err(format!(
                "the URL {} holds a control character ({c:?}); nothing was sent",
                crate::sanitize::excerpt(&req.url, 200)
            )));
        }
        if let Some((k, _)) = req.headers.iter().find(|(k, v)| {
            k.chars()
                .chain(v.chars())
                .any(|c| c.is_control() && c != '\t')
        }) {
            return Err(err(format!(
                "the header {} holds a control character; nothing was sent",
                crate::sanitize::excerpt(k, 100)
            )));
        }
        if req.body.len() as u64 > crate::bounds::PROBE_BODY_MAX {
            return Err(err(format!(
                "the request body is larger than {} (API Gateway's payload limit); nothing was sent",
                crate::bounds::size(crate::bounds::PROBE_BODY_MAX)
            )));
        }
        let logical: reqwest::Url = req
            .url
            .parse()
            .map_err(|e| err(format!("bad URL {:?}: {e}", req.url)))?;
        let host = match (logical.host_str(), logical.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(err(format!("URL {:?} has no host", req.url))),
        };
        let mut headers: Vec<(String, String)> = req.headers.clone();
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            headers.push(("host".to_string(), host.clone()));
        }
        let mut view = None;
        if signed {
            let creds = self.credentials().await?;
            let identity: Identity = creds.clone().into();
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region(&req.region)
                .name(service)
                .time(SystemTime::now())
                .settings(SigningSettings::default())
                .build()
                .map_err(|e| err(format!("cannot sign: {e}")))?
                .into();
            let signable = SignableRequest::new(
                &req.method,
                &req.url,
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                SignableBody::Bytes(&req.body),
            )
            .map_err(|e| err(format!("cannot sign: {e}")))?;
            let (instructions, _) = sign(signable, &params)
                .map_err(|e| err(format!("cannot sign: {e}")))?
                .into_parts();
            let (added, _query) = instructions.into_parts();
            for h in added {
                headers.push((h.name().to_string(), h.value().to_string()));
            }
            view = Some(SignedRequestView {
                method: req.method.clone(),
                url: req.url.clone(),
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.clone(), redact(k, v, creds.access_key_id())))
                    .collect(),
            });
        }
        // Where the bytes go: the URL itself, or the override with the same path and query.
        let target = match &req.connect_to {
            None => logical.clone(),
            Some(base) => {
                let mut t: reqwest::Url = base
                    .parse()
                    .map_err(|e| err(format!("bad endpoint {base:?}: {e}")))?;
                t.set_path(logical.path());
                t.set_query(logical.query());
                t
            }
        };
        let client = http_client(target.scheme() == "https").map_err(err)?;
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| err(format!("bad method {:?}", req.method)))?;
        let mut builder = client
            .request(method, target.clone())
            .timeout(self.timeout())
            .body(req.body.clone());
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let started = Instant::now();
        let resp = builder.send().await.map_err(|e| {
            let what = if e.is_timeout() {
                format!(
                    "timed out: no answer within {:?} (--timeout)",
                    self.timeout()
                )
            } else if e.is_connect() {
                "could not connect".to_string()
            } else {
                "request failed".to_string()
            };
            err(format!("{what}: {target} ({})", super::chain(&e)))
        })?;
        let status = resp.status().as_u16();
        let resp_headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = read_body(resp, crate::bounds::PROBE_BODY_MAX)
            .await
            .map_err(|e| err(format!("{e} (from {target})")))?;
        Ok((
            HttpAnswer {
                status,
                headers: resp_headers,
                body,
                latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            },
            view,
        ))
    }
}

/// The answer's body, at most `max` bytes: a larger one is refused (by its length header before
/// any of it is read, else as soon as the limit is passed), never collected whole.
async fn read_body(mut resp: reqwest::Response, max: u64) -> Result<Vec<u8>, String> {
    let too_large = || {
        format!(
            "the answer is larger than {} (API Gateway's payload limit); cdkx stopped reading it",
            crate::bounds::size(max)
        )
    };
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?
    {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The process's HTTP clients, built once and shared by every request (the unsigned and the
/// signed one of a probe use the same connection pool). Loading the system's root certificates
/// costs milliseconds, so only the https client does it; plain http (loopback and private
/// endpoints) never needs them.
fn http_client(tls: bool) -> Result<&'static reqwest::Client, String> {
    static TLS: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    static PLAIN: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    let cell = if tls { &TLS } else { &PLAIN };
    cell.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .tls_built_in_root_certs(tls)
            .build()
            .map_err(|e| format!("cannot start an HTTP client: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Hides the signature and the session token; keeps the access key id in the credential scope.
fn redact(name: &str, value: &str, access_key_id: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "authorization" => {
            let mut out = Vec::new();
            for part in value.split(", ") {
                if part.starts_with("Signature=") {
                    out.push("Signature=<redacted>".to_string());
                } else {
                    out.push(part.to_string());
                }
            }
            // The credential scope holds the access key id, which is not a secret.
            debug_assert!(value.contains(access_key_id));
            out.join(", ")
        }
        "x-amz-security-token" => "<redacted>".to_string(),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_tokens_are_redacted() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKIAX/20250101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef0123";
        let r = redact("Authorization", auth, "AKIAX");
        assert!(
            r.contains("Credential=AKIAX/")
                && r.ends_with("Signature=<redacted>")
                && !r.contains("abcdef0123")
        );
        assert_eq!(redact("X-Amz-Security-Token", "tok", "A"), "<redacted>");
        assert_eq!(
            redact("x-amz-date", "20250101T000000Z", "A"),
            "20250101T000000Z"
        );
    }
}
