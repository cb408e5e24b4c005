//! What an answer from an IAM-authorized API Gateway endpoint or Lambda function URL means. The
//! one list of API Gateway's IAM error bodies lives here, with a sentence per error on what to
//! do; the invoke action's requestor view and the probe both judge answers with it; an HTTP
//! API's own refusals (one `Forbidden` for unsigned and not allowed) go through
//! [`judge_http_api`] first, a function URL's (`{"Message": ...}`) through
//! [`judge_function_url`].

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    Ok,
    MissingAuthenticationToken,
    InvalidSecurityToken,
    SignatureMismatch,
    SignatureExpired,
    NoIdentityPolicy,
    ExplicitDeny,
    AnonymousDenied,
    NotAuthorized,
    Forbidden,
    ClientError,
    ServerError,
    /// The probe's request got no HTTP answer (connection refused, timeout, no credentials).
    NoAnswer,
    /// The requestor recorded nothing for this side (`{}`, `null`, the side missing): it made
    /// no such call, or did not return what it got.
    NotRecorded,
    /// The requestor caught an error instead of an answer (node's `TypeError: fetch failed`,
    /// a FetchError with `ECONNREFUSED`, ...): it never reached the API.
    RequestFailed,
    /// A 3xx answer: shown with its Location, never followed.
    Redirected,
}

/// One answer, judged: a one-line summary and a sentence of advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    pub status: Option<u16>,
    /// API Gateway's own message, when the body has one.
    pub message: Option<String>,
    pub summary: String,
    pub advice: String,
}

/// Whether the request was signed, when the caller knows; it sharpens the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    Unsigned,
    Signed,
    Unknown,
}

/// API Gateway's IAM-auth error bodies, matched by a distinctive part of the message: each row
/// is (pattern, kind, short label, what it means, what to do).
const IAM_ERRORS: &[(&str, VerdictKind, &str, &str, &str)] = &[
    (
        "Missing Authentication Token",
        VerdictKind::MissingAuthenticationToken,
        "Missing Authentication Token",
        "the request was not signed",
        "IAM authorization is enforced: sign the request with SigV4 for service execute-api (API Gateway also says this for a path or method the API does not have)",
    ),
    (
        "The security token included in the request is invalid",
        VerdictKind::InvalidSecurityToken,
        "Invalid security token",
        "the access key or session token is not valid",
        "the credentials are unknown, revoked or expired: refresh them (a role session's token expires)",
    ),
    (
        "The request signature we calculated does not match",
        VerdictKind::SignatureMismatch,
        "Signature mismatch",
        "the SigV4 signature is wrong",
        "check the secret key, the signing region and service (execute-api), and that the path and query are signed exactly as sent",
    ),
    (
        "Signature expired",
        VerdictKind::SignatureExpired,
        "Signature expired",
        "the signature is too old",
        "the signing time is more than 5 minutes off: check the clock of the machine that signs",
    ),
    (
        "User: anonymous is not authorized",
        VerdictKind::AnonymousDenied,
        "Not authorized (anonymous)",
        "the caller is not allowed by the API's resource policy",
        "the API's resource policy does not allow this caller's account: add it as a principal of execute-api:Invoke",
    ),
    (
        "with an explicit deny",
        VerdictKind::ExplicitDeny,
        "Not authorized (explicit deny)",
        "a policy explicitly denies the call",
        "a Deny statement matches: usually the API's resource policy does not allow this caller's account",
    ),
    (
        "because no identity-based policy allows",
        VerdictKind::NoIdentityPolicy,
        "Not authorized (no identity-based policy)",
        "the caller's own policies do not allow execute-api:Invoke",
        "add execute-api:Invoke on the API's ARN to the caller's role; across accounts both the role and the API's resource policy must allow it",
    ),
    (
        "is not authorized to perform: execute-api:Invoke",
        VerdictKind::NotAuthorized,
        "Not authorized",
        "the caller may not invoke this API",
        "across accounts both the caller's identity policy and the API's resource policy must allow execute-api:Invoke; in one account either suffices",
    ),
];

/// The `message` of an API Gateway error body (`{"message": "..."}` or `{"Message": "..."}`),
/// or the body itself when it is a short text.
fn message_of(body: &Value) -> Option<String> {
    match body {
        Value::Object(m) => m
            .get("message")
            .or_else(|| m.get("Message"))
            .and_then(Value::as_str)
            .map(str::to_string),
        Value::String(s) if s.len() < 2000 => Some(s.clone()),
        _ => None,
    }
}

/// Judges one answer: its HTTP status, its body, and `x-amzn-errortype` when known. Without a
/// status (a requestor that returns bodies only), the body alone decides: an API Gateway error
/// body is that error, an error the requestor caught is a failed request, nothing at all is
/// nothing recorded, and anything else is an answer that reached the backend.
pub fn judge(
    status: Option<u16>,
    body: &Value,
    error_type: Option<&str>,
    signing: Signing,
) -> Verdict {
    let message = message_of(body);
    let text = message.as_deref().unwrap_or_default();
    // "403 " before a label, nothing when the requestor did not record the status.
    let prefix = status.map(|s| format!("{s} ")).unwrap_or_default();
    let is_missing_token = error_type.is_some_and(|t| t.starts_with("MissingAuthenticationToken"));
    if let Some(code) = status
        && (200..300).contains(&code)
    {
        return Verdict {
            kind: VerdictKind::Ok,
            status,
            message,
            summary: format!("{code} OK"),
            advice: ok_advice(signing).into(),
        };
    }
    for (pattern, kind, label, meaning, advice) in IAM_ERRORS {
        let hit = text.contains(pattern)
            || (*kind == VerdictKind::MissingAuthenticationToken && is_missing_token);
        if hit {
            let advice = match (kind, signing) {
                (VerdictKind::MissingAuthenticationToken, Signing::Unsigned) => {
                    "IAM auth is enforced: unsigned requests are refused, as they should be".to_string()
                }
                (VerdictKind::MissingAuthenticationToken, Signing::Signed) => {
                    "the signed request was still refused as unsigned: the path or method may not exist on the API, or the Authorization header was lost on the way".to_string()
                }
                _ => advice.to_string(),
            };
            let meaning = match (kind, signing) {
                (VerdictKind::MissingAuthenticationToken, Signing::Signed) => {
                    "refused although signed"
                }
                _ => meaning,
            };
            return Verdict {
                kind: *kind,
                status,
                summary: format!("{prefix}{label}: {meaning}"),
                message,
                advice,
            };
        }
    }
    if status.is_none() {
        return judge_unrecorded_status(body, message, signing);
    }
    let (kind, advice) = match status {
        Some(403) => (
            VerdictKind::Forbidden,
            "refused (403) for a reason API Gateway's IAM errors do not name; see the body",
        ),
        Some(300..=399) => (
            VerdictKind::Redirected,
            "the answer is a redirect, which cdkx does not follow: see where Location points",
        ),
        Some(s) if s >= 500 => (
            VerdictKind::ServerError,
            "the API failed: check the integration (e.g. the backend Lambda's logs)",
        ),
        _ => (
            VerdictKind::ClientError,
            "the API refused the request; see the body",
        ),
    };
    Verdict {
        kind,
        status,
        summary: match &message {
            Some(m) => format!("{prefix}{}", short(m, m)),
            None => prefix.trim_end().to_string(),
        },
        message,
        advice: advice.to_string(),
    }
}

fn ok_advice(signing: Signing) -> &'static str {
    match signing {
        Signing::Unsigned => {
            "the API answered an unsigned request: IAM authorization is NOT enforced on this method"
        }
        _ => "the request reached the integration",
    }
}

/// Judges an answer of an HTTP API (API Gateway v2). Its IAM-authorized routes refuse an
/// unsigned request and a signed one the caller's identity policies do not allow with the same
/// `403 {"message":"Forbidden"}` (no "Missing Authentication Token", no "User: ... is not
/// authorized"), and a path no route matches with `404 {"message":"Not Found"}`; whether the
/// request was signed tells the two 403s apart. Signature and token errors keep API Gateway's
/// IAM messages, so everything else is [`judge`]'s.
pub fn judge_http_api(
    status: Option<u16>,
    body: &Value,
    error_type: Option<&str>,
    signing: Signing,
) -> Verdict {
    let message = message_of(body);
    let text = message.as_deref().unwrap_or_default();
    let verdict = |kind, summary: &str, advice: &str| Verdict {
        kind,
        status,
        message: message.clone(),
        summary: summary.to_string(),
        advice: advice.to_string(),
    };
    match (status, text, signing) {
        (Some(403), "Forbidden", Signing::Unsigned) => verdict(
            VerdictKind::MissingAuthenticationToken,
            "403 Forbidden: the request was not signed",
            "IAM auth is enforced: unsigned requests are refused, as they should be (an HTTP API says Forbidden where a REST API says Missing Authentication Token)",
        ),
        (Some(403), "Forbidden", Signing::Signed) => verdict(
            VerdictKind::NotAuthorized,
            "403 Forbidden: the signer may not invoke this route",
            "the signer's identity policies must allow execute-api:Invoke on the route's ARN (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH); HTTP APIs have no resource policy, so a caller from another account must assume a role in the API's account",
        ),
        (Some(404), "Not Found", _) => verdict(
            VerdictKind::ClientError,
            "404 Not Found: no route matches",
            "the HTTP API has no route for this method and path (or no such stage): check the path, the method and --stage",
        ),
        _ => judge(status, body, error_type, signing),
    }
}

#[cfg(test)]
mod http_api_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forbidden_means_unsigned_or_not_allowed_by_the_signing_side() {
        let forbidden = json!({"message": "Forbidden"});
        let v = judge_http_api(Some(403), &forbidden, None, Signing::Unsigned);
        assert_eq!(v.kind, VerdictKind::MissingAuthenticationToken);
        assert!(v.summary.contains("not signed"), "{v:?}");
        let v = judge_http_api(Some(403), &forbidden, None, Signing::Signed);
        assert_eq!(v.kind, VerdictKind::NotAuthorized);
        assert!(v.advice.contains("execute-api:Invoke"), "{v:?}");
        assert!(v.advice.contains("assume a role"), "{v:?}");
        let v = judge_http_api(
            Some(404),
            &json!({"message": "Not Found"}),
            None,
            Signing::Signed,
        );
        assert_eq!(v.kind, VerdictKind::ClientError);
        assert!(v.summary.contains("no route"), "{v:?}");
    }

    #[test]
    fn signature_errors_and_answers_are_judged_as_for_rest_apis() {
        let bad = json!({"message": "The request signature we calculated does not match the signature you provided."});
        let v = judge_http_api(
            Some(403),
            &bad,
            Some("InvalidSignatureException"),
            Signing::Signed,
        );
        assert_eq!(v.kind, VerdictKind::SignatureMismatch);
        let v = judge_http_api(Some(200), &json!({"hello": "http"}), None, Signing::Signed);
        assert_eq!(v.kind, VerdictKind::Ok);
        // A REST API's Forbidden (a WAF, a private API) is not an HTTP API's IAM refusal.
        let v = judge(
            Some(403),
            &json!({"message": "Forbidden"}),
            None,
            Signing::Signed,
        );
        assert_eq!(v.kind, VerdictKind::Forbidden);
    }
}

/// API Gateway's own gateway-response messages (`{"message": "..."}` alone), other than the IAM
/// ones above: (message, kind, what it means). A body-only requestor side with one of these is
/// API Gateway refusing or failing, not the backend answering.
const GATEWAY_MESSAGES: &[(&str, VerdictKind, &str)] = &[
    (
        "Forbidden",
        VerdictKind::Forbidden,
        "API Gateway refused the request (403 Forbidden: a private API, a WAF rule, a disabled endpoint or a resource policy)",
    ),
    (
        "Unauthorized",
        VerdictKind::ClientError,
        "API Gateway refused the request (401: an authorizer did not accept it)",
    ),
    (
        "Not Found",
        VerdictKind::ClientError,
        "API Gateway found no such resource (check the stage and path)",
    ),
    (
        "Too Many Requests",
        VerdictKind::ClientError,
        "API Gateway throttled the request (429)",
    ),
    (
        "Limit Exceeded",
        VerdictKind::ClientError,
        "API Gateway throttled the request (429: usage plan quota)",
    ),
    (
        "Internal server error",
        VerdictKind::ServerError,
        "the API failed (500/502): check the integration, e.g. the backend Lambda's logs",
    ),
    (
        "Endpoint request timed out",
        VerdictKind::ServerError,
        "the integration took longer than API Gateway waits (504)",
    ),
    (
        "Network error communicating with endpoint",
        VerdictKind::ServerError,
        "API Gateway could not reach the integration (502)",
    ),
    (
        "Execution failed due to configuration error",
        VerdictKind::ServerError,
        "the API's integration is misconfigured (500)",
    ),
];

/// A side whose status the requestor did not record: decided by its body alone.
fn judge_unrecorded_status(body: &Value, message: Option<String>, signing: Signing) -> Verdict {
    let unrecorded = |kind, summary: String, advice: String, message| Verdict {
        kind,
        status: None,
        message,
        summary,
        advice,
    };
    if is_nothing(body) {
        return unrecorded(
            VerdictKind::NotRecorded,
            "nothing recorded: the requestor returned no answer for this request".into(),
            "the requestor made no such call, or did not return what it got: have it return the status and body of each response".into(),
            None,
        );
    }
    if let Some(m) = gateway_message(body)
        && let Some((_, kind, meaning)) = GATEWAY_MESSAGES
            .iter()
            .find(|(text, _, _)| m.eq_ignore_ascii_case(text))
    {
        return unrecorded(
            *kind,
            format!("{m} (status not recorded by the requestor)"),
            meaning.to_string(),
            message,
        );
    }
    if let Some(failure) = caught_error(body) {
        return unrecorded(
            VerdictKind::RequestFailed,
            format!(
                "request failed ({}): the requestor did not reach the API",
                failure.label
            ),
            failure.advice.to_string(),
            Some(failure.message),
        );
    }
    unrecorded(
        VerdictKind::Ok,
        "answered (status not recorded by the requestor)".into(),
        format!(
            "{}; the requestor returned the body without its HTTP status",
            ok_advice(signing)
        ),
        message,
    )
}

/// `null`, `{}`, `""` or `[]`: nothing recorded.
fn is_nothing(body: &Value) -> bool {
    match body {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The message of an API Gateway gateway response: an object whose only field is `message` or
/// `Message`.
fn gateway_message(body: &Value) -> Option<&str> {
    let m = body.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.get("message")
        .or_else(|| m.get("Message"))
        .and_then(Value::as_str)
}

/// An error the requestor caught, as it serialized it.
struct CaughtError {
    /// The code or name that says what failed (`ENOTFOUND`, `fetch failed`).
    label: String,
    message: String,
    advice: &'static str,
}

/// Error codes of node (libuv, undici) and what each means for a requestor calling an API.
const NETWORK_ERRORS: &[(&[&str], &str)] = &[
    (
        &["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "getaddrinfo"],
        "the API's host name did not resolve from the function: check the URL (API id, region, stage); a function in a VPC needs DNS resolution, and a private API a VPC endpoint with private DNS",
    ),
    (
        &[
            "ETIMEDOUT",
            "UND_ERR_CONNECT_TIMEOUT",
            "UND_ERR_HEADERS_TIMEOUT",
            "UND_ERR_BODY_TIMEOUT",
            "ESOCKETTIMEDOUT",
            "request-timeout",
            "body-timeout",
            "TimeoutError",
            "AbortError",
            "timed out",
            "network timeout",
        ],
        "the connection timed out: a function in a VPC needs a NAT gateway or an execute-api VPC endpoint to reach the API (check its subnets' routes and security groups); also check the function's own timeout",
    ),
    (
        &[
            "ECONNREFUSED",
            "ECONNRESET",
            "EHOSTUNREACH",
            "ENETUNREACH",
            "EPIPE",
            "UND_ERR_SOCKET",
            "socket hang up",
        ],
        "the connection was refused or cut: check the endpoint URL and port, any proxy, and for a private API the VPC endpoint and its security group",
    ),
    (
        &[
            "CERT_",
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            "SELF_SIGNED_CERT",
            "ERR_TLS",
        ],
        "the TLS handshake failed: check the URL's host name (a custom domain needs its certificate) and any proxy that intercepts TLS",
    ),
];

const GENERIC_FAILURE_ADVICE: &str = "the request never got an HTTP answer (node's fetch says only \"fetch failed\"; its cause names DNS, a timeout or a refusal): check the URL, DNS, and for a function in a VPC a NAT gateway or an execute-api VPC endpoint; `cdkx API probe` sends the same request from here";

/// Recognizes an error object the requestor caught and returned (node's `TypeError: fetch
/// failed`, node-fetch's FetchError, axios errors, Lambda-style `errorType`/`errorMessage`),
/// looking into `cause` and `error` fields.
fn caught_error(body: &Value) -> Option<CaughtError> {
    let obj = body.as_object()?;
    // Every string that may name the failure: codes, types, names, messages, nested causes.
    let mut signs: Vec<&str> = Vec::new();
    collect_signs(body, 0, &mut signs);
    let str_field = |k: &str| obj.get(k).and_then(Value::as_str);
    let message = str_field("message")
        .or_else(|| str_field("errorMessage"))
        .or_else(|| str_field("error"))
        .or_else(|| {
            obj.get("error")
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
        })
        .unwrap_or_default()
        .to_string();
    let name = str_field("name").or_else(|| str_field("errorType"));
    let network_sign = |s: &&str| {
        NETWORK_ERRORS
            .iter()
            .any(|(codes, _)| codes.iter().any(|code| s.contains(code)))
    };
    let looks_like_error = message.eq_ignore_ascii_case("fetch failed")
        || message.starts_with("request to ")
        || name.is_some_and(|n| n.ends_with("Error"))
        || obj.contains_key("errno")
        || obj.contains_key("syscall")
        || obj.contains_key("cause")
        || str_field("type") == Some("system")
        || signs.iter().any(network_sign);
    if !looks_like_error {
        return None;
    }
    // The most specific sign wins: a code in a cause says more than "fetch failed".
    for (codes, advice) in NETWORK_ERRORS {
        for sign in &signs {
            if let Some(code) = codes.iter().find(|code| sign.contains(*code)) {
                let label = if sign.len() <= 40 { sign } else { code };
                return Some(CaughtError {
                    label: crate::sanitize::line(label).into_owned(),
                    message: if message.is_empty() {
                        sign.to_string()
                    } else {
                        message
                    },
                    advice,
                });
            }
        }
    }
    let label = if message.is_empty() {
        name.unwrap_or("error").to_string()
    } else {
        short(&message, &message).to_string()
    };
    Some(CaughtError {
        label: crate::sanitize::line(&label).into_owned(),
        message,
        advice: GENERIC_FAILURE_ADVICE,
    })
}

/// The strings of an error object, its `cause` and `error` (two levels deep is enough for
/// node's `TypeError: fetch failed` whose `cause` is the socket error).
fn collect_signs<'a>(v: &'a Value, depth: usize, out: &mut Vec<&'a str>) {
    let Some(obj) = v.as_object() else {
        if let Some(s) = v.as_str() {
            out.push(s);
        }
        return;
    };
    for k in ["code", "errno", "type", "name", "errorType"] {
        if let Some(s) = obj.get(k).and_then(Value::as_str) {
            out.push(s);
        }
    }
    if depth < 3 {
        for k in ["cause", "error", "reason", "errors"] {
            match obj.get(k) {
                Some(Value::Array(items)) => {
                    for i in items.iter().take(8) {
                        collect_signs(i, depth + 1, out);
                    }
                }
                Some(inner) => collect_signs(inner, depth + 1, out),
                None => {}
            }
        }
    }
    for k in ["message", "errorMessage"] {
        if let Some(s) = obj.get(k).and_then(Value::as_str) {
            out.push(s);
        }
    }
}

/// A message shortened to its first sentence (long `User: arn... is not authorized` texts).
fn short<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    let t = if text.is_empty() { fallback } else { text };
    match t.find(" on resource:") {
        Some(i) => &t[..i],
        None if t.len() > 120 => &t[..t.floor_char_boundary(120)],
        None => t,
    }
}

/// A Lambda function URL's own IAM error bodies (403, `{"Message": ...}`, `x-amzn-ErrorType`
/// `AccessDeniedException`), matched by a distinctive part of the message: (pattern, kind,
/// short label, what it means, what to do). The signature and token errors are API Gateway's
/// rows above, with the service `lambda` in their advice.
const FUNCTION_URL_ERRORS: &[(&str, VerdictKind, &str, &str, &str)] = &[
    (
        "For troubleshooting Function URL authorization issues",
        VerdictKind::NotAuthorized,
        "Not authorized (function URL)",
        "the signer may not invoke this function through its URL",
        "a caller needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction on the function (required since October 2025, for every URL since 1 November 2026): in one account the function's resource policy naming the caller or the caller's identity policy suffices, across accounts both must allow; the access analysis names the missing one",
    ),
    (
        "Forbidden",
        VerdictKind::Forbidden,
        "Forbidden",
        "the function URL refused the request",
        "AuthType AWS_IAM refuses unsigned requests: sign with SigV4 for service lambda in the function's region",
    ),
];

/// Judges one answer from a Lambda function URL: its own 403 bodies first (`Forbidden` to an
/// unsigned request is IAM auth at work), then the signature and token errors it shares with
/// API Gateway, then the generic statuses.
pub fn judge_function_url(
    status: Option<u16>,
    body: &Value,
    error_type: Option<&str>,
    signing: Signing,
) -> Verdict {
    let message = message_of(body);
    let text = message.as_deref().unwrap_or_default();
    let prefix = status.map(|s| format!("{s} ")).unwrap_or_default();
    if status == Some(403) {
        for (pattern, kind, label, meaning, advice) in FUNCTION_URL_ERRORS {
            if !text.starts_with(pattern) && !text.contains(pattern) {
                continue;
            }
            // A bare "Forbidden" to an unsigned request is what AWS_IAM auth answers.
            let (meaning, advice) = match (kind, signing) {
                (VerdictKind::Forbidden, Signing::Unsigned) => (
                    "the request was not signed",
                    "IAM auth is enforced: unsigned requests are refused, as they should be",
                ),
                (VerdictKind::Forbidden, Signing::Signed) => (
                    "refused although signed",
                    "the signed request was refused without a reason: check that the URL is the function's and the signing region is its region",
                ),
                _ => (*meaning, *advice),
            };
            return Verdict {
                kind: *kind,
                status,
                summary: format!("{prefix}{label}: {meaning}"),
                message,
                advice: advice.to_string(),
            };
        }
    }
    let mut verdict = judge(status, body, error_type, signing);
    verdict.advice = verdict.advice.replace("execute-api", "lambda");
    if verdict.kind == VerdictKind::Ok {
        verdict.advice = match signing {
            Signing::Unsigned => {
                "the function URL answered an unsigned request: its AuthType is NONE (IAM authorization is NOT enforced)".into()
            }
            _ => "the request reached the function".into(),
        };
    }
    verdict
}

/// One side of the requestor pattern: what the requestor got back for one of its requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    pub status: Option<u16>,
    pub error_type: Option<String>,
    /// The body, parsed when it is JSON text.
    pub body: Value,
    pub verdict: Verdict,
}

/// The requestor view: `{"without": ..., "with": ...}` from a Lambda that calls an IAM-authorized
/// API unsigned and signed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestorView {
    pub without: Side,
    pub with: Side,
}

impl RequestorView {
    /// Recognizes the requestor pattern in a payload: an object with `without` and `with`, or
    /// with only one of them when it is the payload's only field and an object (a requestor
    /// that recorded one call; the missing side is judged "nothing recorded").
    pub fn from_payload(payload: &Value) -> Option<RequestorView> {
        let obj = payload.as_object()?;
        let (without, with) = (obj.get("without"), obj.get("with"));
        let one_side = |v: Option<&Value>| obj.len() == 1 && v.is_some_and(Value::is_object);
        if !(without.is_some() && with.is_some() || one_side(without) || one_side(with)) {
            return None;
        }
        let missing = Value::Null;
        Some(RequestorView {
            without: side(without.unwrap_or(&missing), Signing::Unsigned),
            with: side(with.unwrap_or(&missing), Signing::Signed),
        })
    }
}

/// Reads one side: `{statusCode|status, headers?, body}` (body as JSON text or value), or a bare
/// body.
fn side(v: &Value, signing: Signing) -> Side {
    let status = ["statusCode", "status", "StatusCode"]
        .iter()
        .find_map(|k| v.get(k))
        .and_then(|s| {
            s.as_u64()
                .or_else(|| s.as_str().and_then(|t| t.parse().ok()))
        })
        .and_then(|s| u16::try_from(s).ok());
    let error_type = v
        .get("headers")
        .and_then(Value::as_object)
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("x-amzn-errortype"))
                .and_then(|(_, v)| v.as_str())
        })
        .map(str::to_string);
    let body = match v.get("body") {
        Some(Value::String(s)) => {
            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
        }
        Some(b) => b.clone(),
        None if status.is_none() => v.clone(),
        None => Value::Null,
    };
    let verdict = judge(status, &body, error_type.as_deref(), signing);
    Side {
        status,
        error_type,
        body,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(status: u16, message: &str) -> VerdictKind {
        judge(
            Some(status),
            &json!({ "message": message }),
            None,
            Signing::Signed,
        )
        .kind
    }

    #[test]
    fn every_iam_error_body_is_recognized() {
        use VerdictKind::*;
        assert_eq!(
            kind(403, "Missing Authentication Token"),
            MissingAuthenticationToken
        );
        assert_eq!(
            kind(
                403,
                "The security token included in the request is invalid."
            ),
            InvalidSecurityToken
        );
        assert_eq!(
            kind(
                403,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
            ),
            SignatureMismatch
        );
        assert_eq!(
            kind(
                403,
                "Signature expired: 20250101T000000Z is now earlier than 20250101T000500Z"
            ),
            SignatureExpired
        );
        let user = "User: arn:aws:sts::222222222222:assumed-role/r/s is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111111111111:abc/prod/GET/";
        assert_eq!(
            kind(403, &format!("{user} with an explicit deny")),
            ExplicitDeny
        );
        assert_eq!(
            kind(
                403,
                &format!(
                    "{user} because no identity-based policy allows the execute-api:Invoke action"
                )
            ),
            NoIdentityPolicy
        );
        assert_eq!(
            kind(
                403,
                "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:x"
            ),
            AnonymousDenied
        );
        assert_eq!(kind(403, user), NotAuthorized);
        assert_eq!(kind(403, "Forbidden"), Forbidden);
        assert_eq!(kind(502, "Internal server error"), ServerError);
        assert_eq!(kind(404, "Not Found"), ClientError);
        assert_eq!(kind(200, ""), Ok);
        // The error type header alone is enough.
        let v = judge(
            Some(403),
            &json!("<html>"),
            Some("MissingAuthenticationTokenException"),
            Signing::Unsigned,
        );
        assert_eq!(v.kind, MissingAuthenticationToken);
    }

    #[test]
    fn summaries_are_one_line_and_name_the_problem() {
        let v = judge(
            Some(403),
            &json!({"message": "Missing Authentication Token"}),
            None,
            Signing::Unsigned,
        );
        assert_eq!(
            v.summary,
            "403 Missing Authentication Token: the request was not signed"
        );
        assert!(v.advice.contains("IAM auth is enforced"));
        let long = "User: arn:aws:sts::2:assumed-role/r/s is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:x because no identity-based policy allows the execute-api:Invoke action";
        let v = judge(
            Some(403),
            &json!({ "Message": long }),
            None,
            Signing::Signed,
        );
        assert!(!v.summary.contains("on resource:"), "{}", v.summary);
        assert!(v.advice.contains("add execute-api:Invoke"));
        let v = judge(
            Some(200),
            &json!({"hello": "world"}),
            None,
            Signing::Unsigned,
        );
        assert!(v.advice.contains("NOT enforced"));
    }

    #[test]
    fn requestor_payloads_are_read_in_their_common_shapes() {
        let payload = json!({
            "without": {"statusCode": 403, "headers": {"X-Amzn-ErrorType": "MissingAuthenticationTokenException"}, "body": "{\"message\":\"Missing Authentication Token\"}"},
            "with": {"statusCode": 200, "body": {"hello": "world"}}
        });
        let view = RequestorView::from_payload(&payload).unwrap();
        assert_eq!(view.without.status, Some(403));
        assert_eq!(
            view.without.error_type.as_deref(),
            Some("MissingAuthenticationTokenException")
        );
        assert_eq!(
            view.without.body,
            json!({"message": "Missing Authentication Token"})
        );
        assert_eq!(
            view.without.verdict.kind,
            VerdictKind::MissingAuthenticationToken
        );
        assert_eq!(view.with.verdict.kind, VerdictKind::Ok);
        assert_eq!(view.with.body, json!({"hello": "world"}));
        // A bare body on a side, and a status given as text.
        let view = RequestorView::from_payload(&json!({"without": {"message": "Missing Authentication Token"}, "with": {"status": "200", "body": "plain"}})).unwrap();
        assert_eq!(
            view.without.verdict.kind,
            VerdictKind::MissingAuthenticationToken
        );
        assert_eq!(view.with.body, json!("plain"));
        assert!(RequestorView::from_payload(&json!({"with": 1})).is_none());
        assert!(RequestorView::from_payload(&json!([1])).is_none());
        assert!(
            RequestorView::from_payload(&json!({"with": {"a": 1}, "other": 2})).is_none(),
            "one side among other fields is some other payload"
        );
    }

    /// (what, signing, the side as returned, verdict kind, status, words the summary has).
    type Case = (
        &'static str,
        Signing,
        Value,
        VerdictKind,
        Option<u16>,
        &'static str,
    );

    /// Every shape a requestor returns for one side, and how it is judged: (what, signing, the
    /// side as returned, verdict kind, status, words the summary has).
    #[test]
    fn requestor_sides_in_every_shape_are_judged() {
        use VerdictKind::*;
        let fetch_failed_cause = json!({"name": "TypeError", "message": "fetch failed",
            "cause": {"name": "ConnectTimeoutError", "code": "UND_ERR_CONNECT_TIMEOUT",
                      "message": "Connect Timeout Error (attempted address: abc.execute-api.us-east-1.amazonaws.com:443, timeout: 10000ms)"}});
        let table: Vec<Case> = vec![
            // The original write-up's requestor: bodies only, no status.
            (
                "apigw body, unsigned",
                Signing::Unsigned,
                json!({"message": "Missing Authentication Token"}),
                MissingAuthenticationToken,
                None,
                "Missing Authentication Token: the request was not signed",
            ),
            (
                "backend body, signed",
                Signing::Signed,
                json!({"hello": "world"}),
                Ok,
                None,
                "answered (status not recorded by the requestor)",
            ),
            (
                "backend body, unsigned",
                Signing::Unsigned,
                json!({"hello": "world"}),
                Ok,
                None,
                "answered",
            ),
            (
                "Message (capital M)",
                Signing::Signed,
                json!({"Message": "User: arn:aws:sts::2:assumed-role/r/s is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:x with an explicit deny"}),
                ExplicitDeny,
                None,
                "Not authorized (explicit deny)",
            ),
            (
                "plain text apigw body",
                Signing::Unsigned,
                json!("Missing Authentication Token"),
                MissingAuthenticationToken,
                None,
                "Missing Authentication Token",
            ),
            (
                "plain text backend body",
                Signing::Signed,
                json!("hello world"),
                Ok,
                None,
                "answered",
            ),
            (
                "gateway error body",
                Signing::Signed,
                json!({"message": "Internal server error"}),
                ServerError,
                None,
                "Internal server error (status not recorded by the requestor)",
            ),
            (
                "gateway 403 body",
                Signing::Signed,
                json!({"message": "Forbidden"}),
                Forbidden,
                None,
                "Forbidden",
            ),
            (
                "gateway timeout body",
                Signing::Signed,
                json!({"message": "Endpoint request timed out"}),
                ServerError,
                None,
                "Endpoint request timed out",
            ),
            // Nothing recorded.
            (
                "empty object",
                Signing::Signed,
                json!({}),
                NotRecorded,
                None,
                "nothing recorded",
            ),
            (
                "null",
                Signing::Signed,
                Value::Null,
                NotRecorded,
                None,
                "nothing recorded",
            ),
            (
                "empty string",
                Signing::Unsigned,
                json!(""),
                NotRecorded,
                None,
                "nothing recorded",
            ),
            // Errors the requestor caught and serialized.
            (
                "node fetch failed",
                Signing::Signed,
                json!({"message": "fetch failed"}),
                RequestFailed,
                None,
                "request failed (fetch failed)",
            ),
            (
                "node fetch failed with cause",
                Signing::Signed,
                fetch_failed_cause,
                RequestFailed,
                None,
                "request failed (UND_ERR_CONNECT_TIMEOUT)",
            ),
            (
                "node-fetch FetchError",
                Signing::Signed,
                json!({"name": "FetchError", "message": "request to https://abc.execute-api.us-east-1.amazonaws.com/prod/ failed, reason: getaddrinfo ENOTFOUND abc.execute-api.us-east-1.amazonaws.com", "type": "system", "errno": "ENOTFOUND", "code": "ENOTFOUND"}),
                RequestFailed,
                None,
                "request failed (ENOTFOUND)",
            ),
            (
                "refused",
                Signing::Signed,
                json!({"code": "ECONNREFUSED", "errno": -111, "syscall": "connect"}),
                RequestFailed,
                None,
                "request failed (ECONNREFUSED)",
            ),
            (
                "timed out",
                Signing::Signed,
                json!({"message": "connect ETIMEDOUT 52.1.2.3:443", "code": "ETIMEDOUT"}),
                RequestFailed,
                None,
                "request failed (ETIMEDOUT)",
            ),
            (
                "lambda-style error",
                Signing::Signed,
                json!({"errorType": "TypeError", "errorMessage": "fetch failed"}),
                RequestFailed,
                None,
                "request failed (fetch failed)",
            ),
            (
                "wrapped error",
                Signing::Signed,
                json!({"error": {"message": "fetch failed", "cause": {"code": "EAI_AGAIN"}}}),
                RequestFailed,
                None,
                "request failed (EAI_AGAIN)",
            ),
            // Full envelopes keep working.
            (
                "envelope, JSON text body",
                Signing::Signed,
                json!({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{\"hello\":\"world\"}"}),
                Ok,
                Some(200),
                "200 OK",
            ),
            (
                "envelope 403",
                Signing::Unsigned,
                json!({"statusCode": 403, "body": "{\"message\":\"Missing Authentication Token\"}"}),
                MissingAuthenticationToken,
                Some(403),
                "403 Missing Authentication Token",
            ),
            (
                "envelope 502",
                Signing::Signed,
                json!({"status": 502, "body": {"message": "Internal server error"}}),
                ServerError,
                Some(502),
                "502 Internal server error",
            ),
            (
                "envelope, status only",
                Signing::Signed,
                json!({"statusCode": 204}),
                Ok,
                Some(204),
                "204 OK",
            ),
            (
                "a backend error body with a status",
                Signing::Signed,
                json!({"statusCode": 400, "body": {"error": "bad input"}}),
                ClientError,
                Some(400),
                "400",
            ),
            (
                "a backend error field without status",
                Signing::Signed,
                json!({"error": "bad input"}),
                Ok,
                None,
                "answered",
            ),
        ];
        for (what, signing, value, kind, status, words) in table {
            let s = side(&value, signing);
            assert_eq!(s.verdict.kind, kind, "{what}: {s:?}");
            assert_eq!(s.status, status, "{what}");
            assert!(
                s.verdict.summary.contains(words),
                "{what}: {:?} lacks {words:?}",
                s.verdict.summary
            );
            assert!(
                !s.verdict.summary.starts_with("no status"),
                "{what}: {}",
                s.verdict.summary
            );
            assert!(
                !s.verdict.advice.contains("no HTTP answer was recorded"),
                "{what}: {}",
                s.verdict.advice
            );
            assert!(!s.verdict.advice.is_empty(), "{what}");
        }
    }

    #[test]
    fn the_original_requestor_payload_is_judged_right() {
        let view = RequestorView::from_payload(
            &json!({"without": {"message": "Missing Authentication Token"}, "with": {"hello": "world"}}),
        )
        .unwrap();
        assert_eq!(
            view.without.verdict.kind,
            VerdictKind::MissingAuthenticationToken
        );
        assert_eq!(
            view.without.verdict.summary,
            "Missing Authentication Token: the request was not signed"
        );
        assert_eq!(view.with.verdict.kind, VerdictKind::Ok);
        assert_eq!(view.with.status, None);
        assert!(view.with.verdict.advice.contains("reached the integration"));
        assert!(view.with.verdict.advice.contains("without its HTTP status"));
        // One side recorded, the other missing or empty: never "ok" for the missing one.
        for payload in [
            json!({"with": {"hello": "world"}}),
            json!({"without": {}, "with": {"hello": "world"}}),
            json!({"without": null, "with": {"hello": "world"}}),
        ] {
            let view = RequestorView::from_payload(&payload).unwrap();
            assert_eq!(
                view.without.verdict.kind,
                VerdictKind::NotRecorded,
                "{payload}"
            );
            assert_eq!(view.with.verdict.kind, VerdictKind::Ok, "{payload}");
        }
        let view =
            RequestorView::from_payload(&json!({"without": {"message": "fetch failed"}})).unwrap();
        assert_eq!(view.without.verdict.kind, VerdictKind::RequestFailed);
        assert!(
            view.without.verdict.advice.contains("NAT"),
            "{:?}",
            view.without.verdict
        );
        assert_eq!(view.with.verdict.kind, VerdictKind::NotRecorded);
    }

    #[test]
    fn function_url_bodies_are_judged_with_their_capital_m() {
        let denied = json!({"Message": "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"});
        let v = judge_function_url(
            Some(403),
            &denied,
            Some("AccessDeniedException"),
            Signing::Signed,
        );
        assert_eq!(v.kind, VerdictKind::NotAuthorized);
        assert!(v.summary.starts_with("403 Not authorized (function URL)"));
        assert!(
            v.advice.contains("lambda:InvokeFunctionUrl")
                && v.advice.contains("lambda:InvokeFunction ")
        );
        let v = judge_function_url(
            Some(403),
            &json!({"Message": "Forbidden"}),
            Some("AccessDeniedException"),
            Signing::Unsigned,
        );
        assert_eq!(v.kind, VerdictKind::Forbidden);
        assert_eq!(v.summary, "403 Forbidden: the request was not signed");
        assert!(v.advice.contains("IAM auth is enforced"));
        let v = judge_function_url(
            Some(403),
            &json!({"Message": "The request signature we calculated does not match the signature you provided."}),
            Some("InvalidSignatureException"),
            Signing::Signed,
        );
        assert_eq!(v.kind, VerdictKind::SignatureMismatch);
        assert!(v.advice.contains("(lambda)") && !v.advice.contains("execute-api"));
        let v = judge_function_url(
            Some(403),
            &json!({"Message": "The security token included in the request is invalid."}),
            None,
            Signing::Signed,
        );
        assert_eq!(v.kind, VerdictKind::InvalidSecurityToken);
        let v = judge_function_url(Some(200), &json!({"hello": "url"}), None, Signing::Signed);
        assert_eq!(v.kind, VerdictKind::Ok);
        assert_eq!(v.advice, "the request reached the function");
        let v = judge_function_url(Some(200), &json!("hi"), None, Signing::Unsigned);
        assert!(v.advice.contains("AuthType is NONE"));
    }

    #[test]
    fn failure_advice_names_the_cause() {
        let advice = |v: Value| side(&v, Signing::Signed).verdict.advice;
        assert!(
            advice(json!({"code": "ENOTFOUND", "message": "getaddrinfo ENOTFOUND x"}))
                .contains("did not resolve")
        );
        assert!(
            advice(
                json!({"message": "fetch failed", "cause": {"code": "UND_ERR_CONNECT_TIMEOUT"}})
            )
            .contains("NAT gateway")
        );
        assert!(
            advice(json!({"message": "fetch failed", "cause": {"code": "ECONNREFUSED"}}))
                .contains("refused")
        );
        assert!(advice(json!({"message": "fetch failed"})).contains("cdkx API probe"));
        // Control characters in a caught error never reach the summary.
        let s = side(
            &json!({"message": "fetch failed", "code": "ECONNREFUSED\u{1b}[31m"}),
            Signing::Signed,
        );
        assert!(
            !s.verdict.summary.contains('\u{1b}'),
            "{}",
            s.verdict.summary
        );
    }
}
