//! The probe: cdkx plays the requestor. The same request goes to an IAM-authorized API (or a
//! Lambda function URL) twice, concurrently, unsigned and SigV4-signed with the caller's
//! credentials, and each answer gets a verdict from the same engine that judges the invoke
//! action's requestor view. REST APIs, HTTP APIs (API Gateway v2) and function URLs go through
//! the same requests; each door's own refusals are judged by its rules ([`Door`]).

use serde::Serialize;
use serde_json::Value;

use super::{ActionError, Subject};
use crate::arn::Partition;
use crate::aws::{Aws, CallerIdentity, ExecuteApiRequest, HttpAnswer, SignedRequestView};
use crate::deployed::Deployment;
use crate::kind::ResourceKind;
use crate::model::App;
use crate::verdict::{
    Side, Signing, Verdict, VerdictKind, judge, judge_function_url, judge_http_api,
};

/// What to send.
#[derive(Debug, Clone, Default)]
pub struct ProbeRequest {
    pub method: String,
    /// Path under the stage (`/`, `/items?id=1`).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Where to send it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeTarget {
    /// The URL as API Gateway knows it.
    pub url: String,
    pub region: String,
    /// Where the bytes actually go, when not to the URL's host (a local emulator, a proxy).
    pub endpoint: Option<String>,
    /// Whose rules judge the answers.
    #[serde(skip)]
    pub door: Door,
}

/// The kind of IAM-authorized endpoint a probe calls: it decides how a refusal reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Door {
    /// A REST API, or any URL (API Gateway's REST answers are the ones known).
    #[default]
    RestApi,
    /// An HTTP API (API Gateway v2): `403 {"message":"Forbidden"}` for unsigned and not allowed.
    HttpApi,
    /// A Lambda function URL (`ID.lambda-url.REGION.on.aws`): signed for service `lambda`, its
    /// refusals are `403 {"Message": ...}`.
    FunctionUrl,
}

impl Door {
    /// A function URL by its host name; any other URL as a REST API.
    pub fn of_url(url: &str) -> Door {
        let host = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest)
            .split(['/', '?', '#', ':'])
            .next()
            .unwrap_or_default();
        if function_url_region(host).is_some() {
            Door::FunctionUrl
        } else {
            Door::RestApi
        }
    }

    /// The SigV4 service requests through this door are signed for.
    pub fn service(self) -> &'static str {
        match self {
            Door::RestApi | Door::HttpApi => "execute-api",
            Door::FunctionUrl => "lambda",
        }
    }
}

/// One answer, judged.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeSide {
    #[serde(flatten)]
    pub side: Option<Side>,
    pub request_id: Option<String>,
    pub latency_ms: Option<f64>,
    /// The request did not get an HTTP answer (connection refused, timeout, no credentials).
    pub error: Option<String>,
}

impl ProbeSide {
    /// The answer as a [`Side`] to render; one that got no HTTP answer says why as its advice.
    pub fn as_side(&self) -> Side {
        self.side.clone().unwrap_or_else(|| Side {
            status: None,
            error_type: None,
            body: Value::Null,
            verdict: Verdict {
                kind: VerdictKind::NoAnswer,
                status: None,
                message: None,
                summary: "no answer".to_string(),
                advice: self.error.clone().unwrap_or_default(),
            },
        })
    }

    /// Latency, request id and error type, as one line under the verdict.
    pub fn details(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(ms) = self.latency_ms {
            let mut line = format!("{ms:.0} ms");
            if let Some(id) = &self.request_id {
                line.push_str(&format!(", request id {id}"));
            }
            if let Some(t) = self.side.as_ref().and_then(|s| s.error_type.as_ref()) {
                line.push_str(&format!(", {t}"));
            }
            out.push(line);
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    pub method: String,
    #[serde(flatten)]
    pub target: ProbeTarget,
    /// Who signed: the caller identity behind the signing credentials, when it could be read.
    pub signer: Option<CallerIdentity>,
    pub signer_source: String,
    pub unsigned: ProbeSide,
    pub signed: ProbeSide,
    /// The signed request with its signature and token redacted (`--show-signed`).
    pub signed_request: Option<SignedRequestView>,
    /// Who may call the API and whether the signer is covered (probes of a construct only).
    pub access: Option<super::access::AccessAnalysis>,
    /// The SigV4 service the signed request was signed for (`execute-api`, `lambda`).
    pub signing_service: &'static str,
    /// Who may call a function URL and whether the signer is covered (probes of an
    /// `AWS::Lambda::Url` construct).
    pub function_access: Option<super::lambda_access::FunctionAccess>,
}

/// The invoke URL of an API construct: its id, a stage (`--stage`, else the stage the template
/// deploys; for an HTTP API, else `$default`, which has no path segment), the region and the
/// partition's DNS suffix.
pub fn target_for(
    app: &App,
    subject: &Subject,
    stage: Option<&str>,
    path: &str,
    endpoint: Option<String>,
) -> Result<ProbeTarget, ActionError> {
    let http = ResourceKind::ApiGatewayV2Api.is(&subject.cfn_type);
    if !http && !ResourceKind::ApiGatewayRestApi.is(&subject.cfn_type) {
        return Err(ActionError::WrongType {
            action: "probe",
            construct: subject.construct_path.clone(),
            cfn_type: subject.cfn_type.clone(),
            expected: "a REST API (AWS::ApiGateway::RestApi) or an HTTP API (AWS::ApiGatewayV2::Api); `cdkx probe URL` probes any URL",
        });
    }
    let api_id = subject.require_physical_id()?;
    let region = subject.require_region()?.to_string();
    let partition = Partition::from_name(&subject.partition);
    let (base, door) = if http {
        let stage = http_api_stage(app, subject, stage);
        let base = super::describe::http_api_invoke_url(api_id, &region, partition, &stage);
        (base, Door::HttpApi)
    } else {
        let stage = match stage {
            Some(s) => s.to_string(),
            None => template_stage(app, subject).ok_or_else(|| {
                ActionError::Input(format!(
                    "{} deploys no stage that cdkx can find in the template; name one with --stage",
                    subject.construct_path
                ))
            })?,
        };
        let base = super::describe::invoke_url(api_id, &region, partition, &stage);
        (base, Door::RestApi)
    };
    Ok(ProbeTarget {
        url: join_path(&base, path),
        region,
        endpoint,
        door,
    })
}

/// The stage an HTTP API probe calls: the one named, else the first the template deploys for
/// the API, else `$default`.
fn http_api_stage(app: &App, subject: &Subject, stage: Option<&str>) -> String {
    stage
        .map(str::to_string)
        .or_else(|| http_api_template_stages(app, subject).into_iter().next())
        .unwrap_or_else(|| "$default".to_string())
}

/// Every stage name the template gives this HTTP API (`AWS::ApiGatewayV2::Stage` whose ApiId
/// refers to it), `$default` first.
fn http_api_template_stages(app: &App, subject: &Subject) -> Vec<String> {
    let Some(logical) = subject.logical_id.as_deref() else {
        return Vec::new();
    };
    let refers = |v: &Value| v.get("Ref").and_then(Value::as_str) == Some(logical);
    let mut names: Vec<String> = app
        .resources
        .iter()
        .filter(|r| r.stack == subject.stack && ResourceKind::ApiGatewayV2Stage.is(&r.cfn_type))
        .filter_map(|r| r.properties.as_ref())
        .filter(|p| p.get("ApiId").is_some_and(refers))
        .filter_map(|p| {
            p.get("StageName")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    names.sort_by_key(|n| n != "$default");
    names.dedup();
    names
}

/// A URL given by the user. The signing region comes from an execute-api host name, else
/// `region`. Plain http is accepted only for loopback and private addresses.
pub fn target_from_url(
    url: &str,
    region: Option<&str>,
    endpoint: Option<String>,
) -> Result<ProbeTarget, ActionError> {
    let bad = |why: &str| ActionError::Input(format!("cannot probe {url:?}: {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected an https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once(':').map_or(authority, |(h, p)| {
        if p.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            authority
        }
    });
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if is_local(host) => {}
        "http" => {
            return Err(bad(
                "plain http is only for loopback and private addresses; use https",
            ));
        }
        _ => return Err(bad("expected an https:// URL")),
    }
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let from_host = execute_api_region(host).or_else(|| function_url_region(host));
    let region = from_host
        .or_else(|| region.map(str::to_string))
        .ok_or_else(|| bad("the signing region is not in the host name; pass --region"))?;
    Ok(ProbeTarget {
        url: url.to_string(),
        region,
        endpoint,
        door: Door::of_url(url),
    })
}

/// `ID.execute-api.REGION.amazonaws.com[.cn]` -> REGION.
fn execute_api_region(host: &str) -> Option<String> {
    let mut parts = host.split('.');
    let (_id, svc, region) = (parts.next()?, parts.next()?, parts.next()?);
    (svc == "execute-api" && parts.next() == Some("amazonaws")).then(|| region.to_string())
}

/// `ID.lambda-url.REGION.on.aws` -> REGION.
fn function_url_region(host: &str) -> Option<String> {
    let mut parts = host.split('.');
    let (_id, svc, region) = (parts.next()?, parts.next()?, parts.next()?);
    let rest: Vec<&str> = parts.collect();
    (svc == "lambda-url" && rest == ["on", "aws"]).then(|| region.to_string())
}

fn is_local(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match h.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => a.is_loopback() || a.is_private() || a.is_link_local(),
        Ok(std::net::IpAddr::V6(a)) => a.is_loopback() || (a.segments()[0] & 0xfe00) == 0xfc00,
        Err(_) => false,
    }
}

fn join_path(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if path.is_empty() || path == "/" {
        format!("{base}/")
    } else if path.starts_with('/') || path.starts_with('?') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// Checks a stage the user named: one the template deploys passes at once (no call); any other
/// is looked up among the API's live stages (one GetStages call, of API Gateway v2 for an HTTP
/// API), and an unknown one is an error that names the stages the API has.
pub async fn check_stage(
    app: &App,
    owner: &Aws,
    subject: &Subject,
    stage: &str,
) -> Result<(), ActionError> {
    let http = ResourceKind::ApiGatewayV2Api.is(&subject.cfn_type);
    let template = if http {
        http_api_template_stages(app, subject)
    } else {
        template_stages(app, subject)
    };
    if template.iter().any(|s| s == stage) {
        return Ok(());
    }
    let (Some(api_id), Some(region)) = (subject.physical_id.as_deref(), subject.region.as_deref())
    else {
        return Ok(());
    };
    let known = match owner.api_stages(region, api_id, http).await {
        Ok(stages) => stages.into_iter().map(|s| s.name).collect(),
        Err(_) => template,
    };
    if known.is_empty() || known.iter().any(|s| s == stage) {
        return Ok(());
    }
    Err(ActionError::Input(format!(
        "{} has no stage {stage:?}; its stages: {}",
        subject.construct_path,
        known.join(", ")
    )))
}

/// Every stage name the template gives this API (its Stages', then its Deployments').
fn template_stages(app: &App, subject: &Subject) -> Vec<String> {
    let Some(logical) = subject.logical_id.as_deref() else {
        return Vec::new();
    };
    let refers = |v: &Value| v.get("Ref").and_then(Value::as_str) == Some(logical);
    let mut names: Vec<String> = Vec::new();
    for r in app.resources.iter().filter(|r| r.stack == subject.stack) {
        let Some(props) = &r.properties else { continue };
        if !props.get("RestApiId").is_some_and(refers) {
            continue;
        }
        if let Some(name) = props.get("StageName").and_then(Value::as_str)
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
    }
    names
}

/// The stage the template deploys for this API: an `AWS::ApiGateway::Stage` whose RestApiId
/// refers to it (CDK's `DeploymentStage.prod`), else a Deployment's StageName.
fn template_stage(app: &App, subject: &Subject) -> Option<String> {
    let logical = subject.logical_id.as_deref()?;
    let refers = |v: &Value| v.get("Ref").and_then(Value::as_str) == Some(logical);
    let in_stack = app.resources.iter().filter(|r| r.stack == subject.stack);
    let mut deployment_stage = None;
    for r in in_stack {
        let Some(props) = &r.properties else { continue };
        if !props.get("RestApiId").is_some_and(refers) {
            continue;
        }
        let name = props
            .get("StageName")
            .and_then(Value::as_str)
            .map(str::to_string);
        match ResourceKind::of(&r.cfn_type) {
            Some(ResourceKind::ApiGatewayStage) if name.is_some() => return name,
            Some(ResourceKind::ApiGatewayDeployment) => {
                deployment_stage = deployment_stage.or(name)
            }
            _ => {}
        }
    }
    deployment_stage
}

/// Sends the request unsigned and signed, concurrently, with `signer`'s credentials.
pub async fn probe(
    signer: &Aws,
    target: &ProbeTarget,
    req: &ProbeRequest,
    caller: Option<CallerIdentity>,
) -> ProbeResult {
    let request = ExecuteApiRequest {
        method: req.method.clone(),
        url: target.url.clone(),
        headers: req.headers.clone(),
        body: req.body.clone(),
        region: target.region.clone(),
        connect_to: target.endpoint.clone(),
    };
    let door = target.door;
    let (unsigned, signed) = futures::join!(
        signer.signed_http(&request, false, door.service()),
        signer.signed_http(&request, true, door.service())
    );
    let (signed_side, view) = match signed {
        Ok((answer, view)) => (judged(Ok(answer), Signing::Signed, door), view),
        Err(e) => (judged(Err(e.to_string()), Signing::Signed, door), None),
    };
    ProbeResult {
        method: req.method.clone(),
        target: target.clone(),
        signer: caller,
        signer_source: signer.source().to_string(),
        unsigned: judged(
            unsigned.map(|(a, _)| a).map_err(|e| e.to_string()),
            Signing::Unsigned,
            door,
        ),
        signed: signed_side,
        signed_request: view,
        access: None,
        signing_service: door.service(),
        function_access: None,
    }
}

/// The signer: the caller's own credentials, or a role assumed with them (`--as-role`).
pub async fn signer_for(aws: &Aws, as_role: Option<&str>) -> Aws {
    match as_role {
        Some(role) => aws.assume(role, None, "--as-role").await,
        None => aws.clone(),
    }
}

/// Sends the probe and reads who signed it, concurrently.
pub async fn probe_as(signer: &Aws, target: &ProbeTarget, req: &ProbeRequest) -> ProbeResult {
    let (caller, result) = futures::join!(
        signer.caller_identity(&target.region),
        probe(signer, target, req, None)
    );
    ProbeResult {
        signer: caller.ok(),
        ..result
    }
}

/// The probe of an API construct (a REST or an HTTP API, or a function URL), as the CLI and the
/// TUI run it: the URL from the app (an HTTP API's stage chosen as HTTP APIs do), the request
/// signed by `signer`, and who may call the API (a REST API's live policy read with `owner`, the
/// API account's credentials, else the template's; an HTTP API has none) judged for the actual
/// signer.
#[expect(
    clippy::too_many_arguments,
    reason = "the app, both credentials and the request, each from a different place in each front end"
)]
pub async fn probe_construct(
    app: &App,
    deployment: Option<&Deployment>,
    owner: &Aws,
    signer: &Aws,
    subject: &Subject,
    stage: Option<&str>,
    req: &ProbeRequest,
    endpoint: Option<String>,
) -> Result<ProbeResult, ActionError> {
    if ResourceKind::LambdaUrl.is(&subject.cfn_type) {
        if stage.is_some() {
            return Err(ActionError::Input(format!(
                "{} is a function URL, which has no stages; drop --stage",
                subject.construct_path
            )));
        }
        return probe_function_url(owner, signer, subject, req, endpoint).await;
    }
    let http = ResourceKind::ApiGatewayV2Api.is(&subject.cfn_type);
    if let Some(stage) = stage {
        check_stage(app, owner, subject, stage).await?;
    }
    let target = target_for(app, subject, stage, &req.path, endpoint)?;
    let request = super::access::AccessRequest {
        // An HTTP API's `$default` stage has no segment in the URL.
        stage: if http {
            http_api_stage(app, subject, stage)
        } else {
            stage_of(&target.url)
        },
        method: req.method.clone(),
        path: req.path.clone(),
    };
    // Who signs, and what its identity policies allow (asked of its own account's IAM with its
    // own credentials), found while the requests are in flight.
    let who = async {
        let caller = signer.caller_identity(&target.region).await.ok();
        let evidence = super::access::identity_evidence(
            signer,
            &target.region,
            caller.as_ref(),
            subject,
            &request,
        )
        .await;
        (caller, evidence)
    };
    // An HTTP API has no resource policy to read.
    let policy = async {
        if http {
            None
        } else {
            super::describe::current_resource_policy(app, owner, subject)
                .await
                .0
        }
    };
    let (policy, result, (caller, evidence)) =
        futures::join!(policy, probe(signer, &target, req, None), who);
    let access = super::access::analyze_api(
        app,
        deployment,
        subject,
        policy.as_ref(),
        caller.as_ref(),
        evidence.as_ref(),
        &request,
    );
    Ok(ProbeResult {
        signer: caller,
        access: Some(access),
        ..result
    })
}

/// The probe of an `AWS::Lambda::Url` construct: its URL and auth type read with `owner` (the
/// function account's credentials), the request signed for service `lambda` by `signer`, and
/// who may call it (the function's resource policy, and the signer's identity policies for both
/// lambda:InvokeFunctionUrl and lambda:InvokeFunction) judged for the actual signer.
pub async fn probe_function_url(
    owner: &Aws,
    signer: &Aws,
    subject: &Subject,
    req: &ProbeRequest,
    endpoint: Option<String>,
) -> Result<ProbeResult, ActionError> {
    use super::lambda_access::{self, LambdaDoor};
    let function = subject.require_physical_id()?.to_string();
    let region = subject.require_region()?.to_string();
    let config = owner
        .get_function_url_config(&region, &function)
        .await?
        .ok_or_else(|| {
            ActionError::Input(format!(
                "{} has no function URL in AWS (GetFunctionUrlConfig found none); deploy it first",
                subject.construct_path
            ))
        })?;
    let target = ProbeTarget {
        url: join_path(&config.url, &req.path),
        region: region.clone(),
        endpoint,
        door: Door::FunctionUrl,
    };
    let arn = Some(config.function_arn.clone()).filter(|a| !a.is_empty());
    let door = LambdaDoor::FunctionUrl;
    let who = async {
        let caller = signer.caller_identity(&region).await.ok();
        let evidence = match (&caller, &arn) {
            (Some(c), Some(a)) => lambda_access::evidence(signer, &region, c, door, a).await,
            _ => Vec::new(),
        };
        (caller, evidence)
    };
    let (policy, result, (caller, evidence)) = futures::join!(
        owner.get_function_policy(&region, &config.function_arn),
        probe(signer, &target, req, None),
        who
    );
    let policy = policy
        .ok()
        .flatten()
        .map(|p| super::describe::parse_policy(&p));
    let account = arn
        .as_deref()
        .and_then(crate::arn::account)
        .map(str::to_string)
        .or_else(|| subject.account.clone());
    let access = lambda_access::analyze(
        door,
        arn.as_deref(),
        account.as_deref(),
        Some(&config.auth_type),
        policy.as_ref(),
        caller.as_ref(),
        &evidence,
    );
    Ok(ProbeResult {
        signer: caller,
        function_access: Some(access),
        ..result
    })
}

/// The stage of an execute-api URL: its path's first segment.
fn stage_of(url: &str) -> String {
    url.splitn(4, '/')
        .nth(3)
        .and_then(|p| p.split(['/', '?']).next())
        .unwrap_or_default()
        .to_string()
}

/// Where execute-api requests go when not to the API's own host: `CDKX_EXECUTE_API_ENDPOINT`,
/// else the configured endpoint (a local emulator serves both).
pub fn endpoint_override(flag: Option<&str>, aws: &Aws) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| aws.endpoint_url().map(str::to_string))
}

fn judged(answer: Result<HttpAnswer, String>, signing: Signing, door: Door) -> ProbeSide {
    match answer {
        Ok(a) => {
            let body: Value = serde_json::from_slice(&a.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&a.body).into_owned()));
            let error_type = a
                .header("x-amzn-errortype")
                .map(|t| t.split(':').next().unwrap_or(t).to_string());
            let judge = match door {
                Door::RestApi => judge,
                Door::HttpApi => judge_http_api,
                Door::FunctionUrl => judge_function_url,
            };
            let mut verdict = judge(Some(a.status), &body, error_type.as_deref(), signing);
            if verdict.kind == crate::verdict::VerdictKind::Redirected {
                // The redirect is shown, never followed: where it points is the finding.
                verdict.summary = format!(
                    "{} redirected to {}",
                    a.status,
                    a.header("location").unwrap_or("(no Location header)")
                );
            }
            ProbeSide {
                side: Some(Side {
                    status: Some(a.status),
                    error_type,
                    body,
                    verdict,
                }),
                request_id: a.header("x-amzn-requestid").map(str::to_string),
                latency_ms: Some(a.latency_ms),
                error: None,
            }
        }
        Err(e) => ProbeSide {
            side: None,
            request_id: None,
            latency_ms: None,
            error: Some(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_signing_region_and_scheme_rules_hold() {
        let t = target_from_url(
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/x?y=1",
            None,
            None,
        )
        .unwrap();
        assert_eq!(t.region, "eu-west-1");
        let t = target_from_url(
            "https://abc.execute-api.cn-north-1.amazonaws.com.cn/prod/",
            Some("us-east-1"),
            None,
        )
        .unwrap();
        assert_eq!(t.region, "cn-north-1", "the host wins over --region");
        assert_eq!(
            target_from_url("https://api.example.com/v1", Some("us-west-2"), None)
                .unwrap()
                .region,
            "us-west-2"
        );
        assert!(
            target_from_url("https://api.example.com/v1", None, None).is_err(),
            "no region known"
        );
        assert!(target_from_url("http://127.0.0.1:4566/x", Some("us-east-1"), None).is_ok());
        assert!(target_from_url("http://10.1.2.3/x", Some("us-east-1"), None).is_ok());
        assert!(target_from_url("http://[::1]:80/x", Some("us-east-1"), None).is_ok());
        assert!(target_from_url("http://example.com/x", Some("us-east-1"), None).is_err());
        assert!(target_from_url("ftp://example.com/x", Some("us-east-1"), None).is_err());
        assert!(target_from_url("example.com", Some("us-east-1"), None).is_err());
        let t =
            target_from_url("https://abc123.lambda-url.eu-west-2.on.aws/x", None, None).unwrap();
        assert_eq!(t.region, "eu-west-2", "a function URL names its region");
        assert_eq!(Door::of_url(&t.url), Door::FunctionUrl);
        assert_eq!(Door::of_url(&t.url).service(), "lambda");
        assert_eq!(
            Door::of_url("https://abc.execute-api.us-east-1.amazonaws.com/prod/"),
            Door::RestApi
        );
        assert_eq!(
            Door::of_url("https://abc.lambda-url.us-east-1.on.aws.evil.example/"),
            Door::RestApi
        );
    }

    #[test]
    fn paths_join_the_stage_url() {
        assert_eq!(join_path("https://h/prod/", "/"), "https://h/prod/");
        assert_eq!(join_path("https://h/prod/", ""), "https://h/prod/");
        assert_eq!(
            join_path("https://h/prod/", "/items/1?x=y"),
            "https://h/prod/items/1?x=y"
        );
        assert_eq!(
            join_path("https://h/prod/", "items"),
            "https://h/prod/items"
        );
        assert_eq!(stage_of("https://h/prod/items?x=1"), "prod");
        assert_eq!(stage_of("https://h/dev"), "dev");
    }
}

#[cfg(test)]
mod http_api_tests {
    use super::*;

    #[test]
    fn an_http_api_target_uses_its_template_stage_and_judges_by_its_rules() {
        let (app, subject) = crate::actions::access::http_api_tests::http_api();
        assert_eq!(http_api_template_stages(&app, &subject), vec!["$default"]);
        let t = target_for(&app, &subject, None, "/items?x=1", None).unwrap();
        assert_eq!(
            t.url,
            "https://abc123.execute-api.us-east-1.amazonaws.com/items?x=1"
        );
        assert_eq!(t.door, Door::HttpApi);
        let t = target_for(&app, &subject, Some("dev"), "/items", None).unwrap();
        assert_eq!(
            t.url,
            "https://abc123.execute-api.us-east-1.amazonaws.com/dev/items"
        );

        let forbidden = HttpAnswer {
            status: 403,
            headers: vec![("x-amzn-ErrorType".into(), "ForbiddenException".into())],
            body: br#"{"message":"Forbidden"}"#.to_vec(),
            latency_ms: 1.0,
        };
        let side = judged(Ok(forbidden.clone()), Signing::Signed, Door::HttpApi);
        assert_eq!(side.as_side().verdict.kind, VerdictKind::NotAuthorized);
        let side = judged(Ok(forbidden), Signing::Signed, Door::RestApi);
        assert_eq!(side.as_side().verdict.kind, VerdictKind::Forbidden);
    }
}
