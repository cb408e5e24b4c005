//! What an answer from an IAM-authorized API Gateway endpoint means. The one list of API
//! Gateway's IAM error bodies lives here, with a sentence per error on what to do; the invoke
//! action's requestor view and the probe both judge answers with it.

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
    NoAnswer,
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

/// Judges one answer: its HTTP status, its body, and `x-amzn-errortype` when known.
pub fn judge(
    status: Option<u16>,
    body: &Value,
    error_type: Option<&str>,
    signing: Signing,
) -> Verdict {
    let message = message_of(body);
    let text = message.as_deref().unwrap_or_default();
    let status_text = status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "no status".into());
    let is_missing_token = error_type.is_some_and(|t| t.starts_with("MissingAuthenticationToken"));
    if let Some(code) = status
        && (200..300).contains(&code)
    {
        return Verdict {
            kind: VerdictKind::Ok,
            status,
            message,
            summary: format!("{code} OK"),
            advice: match signing {
                Signing::Unsigned => "the API answered an unsigned request: IAM authorization is NOT enforced on this method".into(),
                _ => "the request reached the integration".into(),
            },
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
                summary: format!("{status_text} {label}: {meaning}"),
                message,
                advice,
            };
        }
    }
    let (kind, advice) = match status {
        None => (VerdictKind::NoAnswer, "no HTTP answer was recorded"),
        Some(403) => (
            VerdictKind::Forbidden,
            "refused (403) for a reason API Gateway's IAM errors do not name; see the body",
        ),
        Some(s) if s >= 500 => (
            VerdictKind::ServerError,
            "the API failed: check the integration (e.g. the backend Lambda's logs)",
        ),
        Some(_) => (
            VerdictKind::ClientError,
            "the API refused the request; see the body",
        ),
    };
    Verdict {
        kind,
        status,
        summary: match &message {
            Some(m) => format!("{status_text} {}", short(m, m)),
            None => status_text,
        },
        message,
        advice: advice.to_string(),
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
    /// Recognizes the requestor pattern in a payload: an object with `without` and `with`.
    pub fn from_payload(payload: &Value) -> Option<RequestorView> {
        let obj = payload.as_object()?;
        let (without, with) = (obj.get("without")?, obj.get("with")?);
        Some(RequestorView {
            without: side(without, Signing::Unsigned),
            with: side(with, Signing::Signed),
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
    }
}
