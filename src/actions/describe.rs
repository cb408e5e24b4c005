//! `describe`: what AWS knows of one construct. A Lambda function's configuration and resource
//! policy (and who may invoke it), a function URL's address, auth type and who may call it, a
//! REST API's stages, methods and resource policy, a stack's status and outputs, and for
//! anything else CloudFormation's view of the resource next to its template properties.

use serde::Serialize;
use serde_json::Value;

use super::{ActionError, Subject};
use crate::arn::Partition;
use crate::aws::{
    Aws, HttpApiConfig, HttpApiRoute, HttpApiStage, RestApiConfig, RestApiMethod, RestApiStage,
    StackDetail, StackResourceDetail,
};
use crate::console::url_encode_component;
use crate::deployed::{Deployment, Physical};
use crate::kind::ResourceKind;
use crate::model::App;

#[derive(Debug, Clone, Copy, Default)]
pub struct DescribeOptions {
    /// Include environment variable values (they may hold secrets).
    pub show_env: bool,
}

/// What `describe` found, by kind of resource. JSON: `{"kind": "lambda" | "restApi" | "httpApi" |
/// "stack" | "resource" | "functionUrl", ...}` with camelCase fields.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Description {
    Lambda(FunctionDescription),
    RestApi(RestApiDescription),
    Stack(StackDescription),
    HttpApi(HttpApiDescription),
    Resource(ResourceDescription),
    FunctionUrl(FunctionUrlDescription),
}

impl Description {
    pub fn construct_path(&self) -> &str {
        match self {
            Description::Lambda(d) => &d.construct_path,
            Description::RestApi(d) => &d.construct_path,
            Description::Stack(d) => &d.construct_path,
            Description::Resource(d) => &d.construct_path,
            Description::HttpApi(d) => &d.construct_path,
            Description::FunctionUrl(d) => &d.construct_path,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionDescription {
    pub construct_path: String,
    pub region: String,
    pub name: String,
    pub arn: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub memory_mb: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub role: Option<String>,
    pub architectures: Vec<String>,
    pub last_modified: Option<String>,
    pub code_size_bytes: i64,
    pub description: Option<String>,
    pub state: Option<String>,
    /// Sorted by name; values only when asked for.
    pub environment: Vec<EnvVar>,
    pub environment_values_shown: bool,
    /// The resource policy (GetPolicy), parsed; `null` when the function has none.
    pub policy: Option<Value>,
    /// Who may invoke it directly (lambda:InvokeFunction through its resource policy): the
    /// principals and the other accounts it lets in.
    pub access: Option<super::lambda_access::FunctionAccess>,
}

/// A function URL (`AWS::Lambda::Url`): where it is, how it authenticates, who may call it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionUrlDescription {
    pub construct_path: String,
    pub region: String,
    pub url: String,
    pub function_arn: String,
    /// `AWS_IAM` (SigV4 for service lambda) or `NONE`.
    pub auth_type: String,
    pub invoke_mode: Option<String>,
    pub created: Option<String>,
    /// The function's resource policy (GetPolicy), parsed.
    pub policy: Option<Value>,
    /// Who may call it: both lambda:InvokeFunctionUrl and lambda:InvokeFunction, for the
    /// principals of the resource policy and for the credentials describe ran with.
    pub access: super::lambda_access::FunctionAccess,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub name: String,
    /// Absent (not even `null`) unless values were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApiDescription {
    pub construct_path: String,
    pub region: String,
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created_date: Option<String>,
    /// `EDGE`, `REGIONAL` or `PRIVATE`.
    pub endpoint_types: Vec<String>,
    pub api_key_source: Option<String>,
    /// When true, the invoke URLs below answer nothing (a custom domain is the way in).
    pub execute_api_endpoint_disabled: bool,
    pub stages: Vec<StageDescription>,
    pub policy: Option<Value>,
    pub policy_source: PolicySource,
    /// Sorted by path, then method.
    pub methods: Vec<MethodDescription>,
    /// Who may call it: resource policy principals and the app's roles allowed to invoke it.
    pub access: super::access::AccessAnalysis,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageDescription {
    pub name: String,
    pub deployment_id: Option<String>,
    pub description: Option<String>,
    pub invoke_url: String,
    pub created_date: Option<String>,
    pub last_updated_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodDescription {
    pub path: String,
    pub method: String,
    pub authorization_type: Option<String>,
    pub api_key_required: bool,
}

/// Where a REST API's resource policy came from: the API itself, the app's template (the API
/// returned none, e.g. an emulator that drops it), or nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicySource {
    Api,
    Template,
    None,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackDescription {
    pub construct_path: String,
    pub region: String,
    pub stack_name: String,
    pub stack_id: String,
    pub status: Option<String>,
    pub status_reason: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
    pub last_updated: Option<String>,
    /// The parent stack's ARN, for a nested stack.
    pub parent_id: Option<String>,
    pub outputs: Vec<OutputDescription>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputDescription {
    pub key: String,
    pub value: Option<String>,
    pub description: Option<String>,
    pub export_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescription {
    pub construct_path: String,
    pub region: String,
    pub stack_name: String,
    /// What DescribeStackResource says: logicalId, physicalId, cfnType, status, statusReason,
    /// lastUpdated.
    #[serde(flatten)]
    pub resource: StackResourceDetail,
    /// The resource's `Properties` in the app's template, as synthesized (intrinsics unresolved).
    pub properties: Option<Value>,
}

pub async fn describe(
    app: &App,
    deployment: Option<&Deployment>,
    aws: &Aws,
    subject: &Subject,
    opts: DescribeOptions,
) -> Result<Description, ActionError> {
    let region = subject.require_region()?.to_string();
    match ResourceKind::of(&subject.cfn_type) {
        Some(ResourceKind::LambdaFunction) => describe_function(aws, subject, region, opts).await,
        Some(ResourceKind::ApiGatewayRestApi) => {
            describe_rest_api(app, deployment, aws, subject, region).await
        }
        Some(ResourceKind::CloudFormationStack) => describe_stack(aws, subject, region).await,
        Some(ResourceKind::ApiGatewayV2Api) => {
            describe_http_api(app, deployment, aws, subject, region).await
        }
        Some(ResourceKind::LambdaUrl) => describe_function_url(aws, subject, region).await,
        _ => describe_resource(app, aws, subject, region).await,
    }
}

async fn describe_function(
    aws: &Aws,
    subject: &Subject,
    region: String,
    opts: DescribeOptions,
) -> Result<Description, ActionError> {
    let name = subject.require_physical_id()?;
    let (f, policy) = tokio::try_join!(
        aws.get_function(&region, name),
        aws.get_function_policy(&region, name)
    )?;
    let environment = f
        .environment
        .into_iter()
        .map(|(name, value)| EnvVar {
            name,
            value: opts.show_env.then_some(value),
        })
        .collect();
    let policy = policy.as_deref().map(parse_policy);
    let access = super::lambda_access::analyze(
        super::lambda_access::LambdaDoor::Invoke,
        Some(f.arn.as_str()).filter(|a| !a.is_empty()),
        crate::arn::account(&f.arn).or(subject.account.as_deref()),
        None,
        policy.as_ref(),
        None,
        &[],
    );
    Ok(Description::Lambda(FunctionDescription {
        construct_path: subject.construct_path.clone(),
        region,
        name: f.name,
        arn: f.arn,
        runtime: f.runtime,
        handler: f.handler,
        memory_mb: f.memory_mb,
        timeout_seconds: f.timeout_s,
        role: f.role,
        architectures: f.architectures,
        last_modified: f.last_modified,
        code_size_bytes: f.code_size,
        description: f.description,
        state: f.state,
        environment,
        environment_values_shown: opts.show_env,
        access: Some(access),
        policy,
    }))
}

async fn describe_function_url(
    aws: &Aws,
    subject: &Subject,
    region: String,
) -> Result<Description, ActionError> {
    use super::lambda_access::{self, LambdaDoor};
    let function = subject.require_physical_id()?;
    // "You" are whoever would call the URL: the user's own credentials, also when the function's
    // account is read through its lookup role; their identity policies are asked of their IAM.
    let me = aws.acting();
    let (config, caller) = tokio::join!(
        aws.get_function_url_config(&region, function),
        me.caller_identity(&region)
    );
    let config = config?.ok_or_else(|| ActionError::NotDeployed {
        construct: subject.construct_path.clone(),
        state: "no function URL (GetFunctionUrlConfig found none)".into(),
    })?;
    let caller = caller.ok();
    let evidence = async {
        match &caller {
            Some(c) => {
                lambda_access::evidence(
                    me,
                    &region,
                    c,
                    LambdaDoor::FunctionUrl,
                    &config.function_arn,
                )
                .await
            }
            None => Vec::new(),
        }
    };
    let (policy, evidence) = tokio::join!(
        aws.get_function_policy(&region, &config.function_arn),
        evidence
    );
    let policy = policy?.as_deref().map(parse_policy);
    let access = lambda_access::analyze(
        LambdaDoor::FunctionUrl,
        Some(&config.function_arn),
        crate::arn::account(&config.function_arn).or(subject.account.as_deref()),
        Some(&config.auth_type),
        policy.as_ref(),
        caller.as_ref(),
        &evidence,
    );
    Ok(Description::FunctionUrl(FunctionUrlDescription {
        construct_path: subject.construct_path.clone(),
        region,
        url: config.url,
        function_arn: config.function_arn,
        auth_type: config.auth_type,
        invoke_mode: config.invoke_mode,
        created: config.created,
        policy,
        access,
    }))
}

async fn describe_rest_api(
    app: &App,
    deployment: Option<&Deployment>,
    aws: &Aws,
    subject: &Subject,
    region: String,
) -> Result<Description, ActionError> {
    let id = subject.require_physical_id()?;
    let (api, stages, methods, caller) = tokio::join!(
        aws.get_rest_api(&region, id),
        aws.get_stages(&region, id),
        aws.get_methods(&region, id),
        aws.caller_identity(&region)
    );
    let (api, stages, methods) = (api?, stages?, methods?);
    // Who may call it is judged for the credentials describe runs with, on the API's first
    // IAM-authorized method of its first stage (GET / when there is none).
    let request = super::access::AccessRequest {
        stage: stages
            .first()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "prod".into()),
        method: methods
            .iter()
            .find(|m| m.authorization_type.as_deref() == Some("AWS_IAM"))
            .map(|m| m.http_method.clone())
            .unwrap_or_else(|| "GET".into()),
        path: methods
            .iter()
            .find(|m| m.authorization_type.as_deref() == Some("AWS_IAM"))
            .map(|m| m.path.clone())
            .unwrap_or_else(|| "/".into()),
    };
    let partition = Partition::from_name(&subject.partition);
    let mut d = rest_api_description(
        subject,
        region,
        partition,
        api,
        stages,
        methods,
        template_properties(app, subject),
    );
    d.access = super::access::analyze_with_lookup(
        app,
        deployment,
        aws,
        subject,
        d.policy.as_ref(),
        caller.ok().as_ref(),
        &request,
    )
    .await;
    Ok(Description::RestApi(d))
}

/// A REST API's resource policy: the API's own, else the template's `Policy`, saying which.
pub fn resource_policy(
    api_policy: Option<&str>,
    properties: Option<&Value>,
) -> (Option<Value>, PolicySource) {
    match (api_policy, properties.and_then(|p| p.get("Policy"))) {
        (Some(raw), _) => (Some(parse_policy(raw)), PolicySource::Api),
        // CloudFormation takes the policy as an object or as JSON text.
        (None, Some(Value::String(text))) => (Some(parse_policy(text)), PolicySource::Template),
        (None, Some(p)) if !p.is_null() => (Some(p.clone()), PolicySource::Template),
        (None, _) => (None, PolicySource::None),
    }
}

/// The live resource policy of the REST API `subject` when the API can be read, else the
/// template's.
pub async fn current_resource_policy(
    app: &App,
    aws: &Aws,
    subject: &Subject,
) -> (Option<Value>, PolicySource) {
    let live = match (subject.region.as_deref(), subject.physical_id.as_deref()) {
        (Some(region), Some(id)) => aws
            .get_rest_api(region, id)
            .await
            .ok()
            .and_then(|a| a.policy),
        _ => None,
    };
    resource_policy(live.as_deref(), template_properties(app, subject))
}

/// The REST API description from what the service answered and the template's properties.
fn rest_api_description(
    subject: &Subject,
    region: String,
    partition: Partition,
    api: RestApiConfig,
    stages: Vec<RestApiStage>,
    methods: Vec<RestApiMethod>,
    properties: Option<&Value>,
) -> RestApiDescription {
    let (policy, policy_source) = resource_policy(api.policy.as_deref(), properties);
    let stages = stages
        .into_iter()
        .map(|s| StageDescription {
            invoke_url: invoke_url(&api.id, &region, partition, &s.name),
            name: s.name,
            deployment_id: s.deployment_id,
            description: s.description,
            created_date: s.created,
            last_updated_date: s.last_updated,
        })
        .collect();
    let methods = methods
        .into_iter()
        .map(|m| MethodDescription {
            path: m.path,
            method: m.http_method,
            authorization_type: m.authorization_type,
            api_key_required: m.api_key_required,
        })
        .collect();
    RestApiDescription {
        construct_path: subject.construct_path.clone(),
        region,
        id: api.id,
        name: api.name,
        description: api.description,
        created_date: api.created,
        endpoint_types: api.endpoint_types,
        api_key_source: api.api_key_source,
        execute_api_endpoint_disabled: api.disable_execute_api_endpoint,
        stages,
        access: super::access::AccessAnalysis {
            api_account: subject.account.clone(),
            allowed_principals: Vec::new(),
            denied_principals: Vec::new(),
            has_resource_policy: policy.is_some(),
            app_roles: Vec::new(),
            caller: None,
            resource_policy_supported: true,
        },
        policy,
        policy_source,
        methods,
    }
}

/// `https://{id}.execute-api.{region}.amazonaws.com/{stage}/` (`.amazonaws.com.cn` in China).
pub fn invoke_url(api_id: &str, region: &str, partition: Partition, stage: &str) -> String {
    format!(
        "https://{}.execute-api.{}.{}/{}/",
        url_encode_component(api_id),
        url_encode_component(region),
        partition.dns_suffix(),
        url_encode_component(stage)
    )
}

/// An HTTP API (API Gateway v2): its routes and their authorization, its stages with their
/// invoke URLs and access logs, and who may call it (no resource policy exists for HTTP APIs).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpApiDescription {
    pub construct_path: String,
    pub region: String,
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created_date: Option<String>,
    /// `HTTP` (or `WEBSOCKET`).
    pub protocol_type: Option<String>,
    /// The API's own endpoint, as the service reports it.
    pub api_endpoint: Option<String>,
    /// When true, the invoke URLs below answer nothing (a custom domain is the way in).
    pub execute_api_endpoint_disabled: bool,
    pub stages: Vec<HttpApiStageDescription>,
    /// Sorted by route key.
    pub routes: Vec<RouteDescription>,
    /// Who may call it: the app's roles allowed to invoke it, and the caller's own case.
    pub access: super::access::AccessAnalysis,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpApiStageDescription {
    pub name: String,
    /// `https://{id}.execute-api.{region}.amazonaws.com/{stage}/`; the `$default` stage has no
    /// path segment.
    pub invoke_url: String,
    pub auto_deploy: bool,
    pub description: Option<String>,
    /// The log group ARN that receives the stage's access logs, when it has them.
    pub access_log_destination: Option<String>,
    pub access_log_format: Option<String>,
    pub created_date: Option<String>,
    pub last_updated_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteDescription {
    /// `GET /items`, `ANY /{proxy+}`, `$default`.
    pub route_key: String,
    /// `NONE`, `AWS_IAM`, `JWT`, `CUSTOM`.
    pub authorization_type: Option<String>,
}

async fn describe_http_api(
    app: &App,
    deployment: Option<&Deployment>,
    aws: &Aws,
    subject: &Subject,
    region: String,
) -> Result<Description, ActionError> {
    let id = subject.require_physical_id()?;
    let (api, stages, routes, caller) = tokio::join!(
        aws.get_http_api(&region, id),
        aws.get_http_api_stages(&region, id),
        aws.get_http_api_routes(&region, id),
        aws.caller_identity(&region)
    );
    let (api, stages, routes) = (api?, stages?, routes?);
    // Who may call it is judged for the credentials describe runs with, on the first
    // IAM-authorized route of the first stage.
    let request = http_api_request(&stages, &routes);
    let partition = Partition::from_name(&subject.partition);
    let mut d = http_api_description(subject, region, partition, api, stages, routes);
    d.access = super::access::analyze_with_lookup(
        app,
        deployment,
        aws,
        subject,
        None,
        caller.ok().as_ref(),
        &request,
    )
    .await;
    Ok(Description::HttpApi(d))
}

/// The request an HTTP API's access is judged on: its first IAM route (`GET /` when none) on its
/// first stage (`$default` when none).
fn http_api_request(
    stages: &[HttpApiStage],
    routes: &[HttpApiRoute],
) -> super::access::AccessRequest {
    let iam = routes
        .iter()
        .find(|r| r.authorization_type.as_deref() == Some("AWS_IAM"))
        .and_then(|r| r.route_key.split_once(' '));
    let (method, path) = match iam {
        // `ANY` covers every method; the ARN names one.
        Some(("ANY", path)) => ("GET", path),
        Some((method, path)) => (method, path),
        None => ("GET", "/"),
    };
    super::access::AccessRequest {
        stage: stages
            .first()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "$default".into()),
        method: method.to_string(),
        path: path.to_string(),
    }
}

fn http_api_description(
    subject: &Subject,
    region: String,
    partition: Partition,
    api: HttpApiConfig,
    stages: Vec<HttpApiStage>,
    routes: Vec<HttpApiRoute>,
) -> HttpApiDescription {
    let stages = stages
        .into_iter()
        .map(|s| HttpApiStageDescription {
            invoke_url: http_api_invoke_url(&api.id, &region, partition, &s.name),
            name: s.name,
            auto_deploy: s.auto_deploy,
            description: s.description,
            access_log_destination: s.access_log_destination,
            access_log_format: s.access_log_format,
            created_date: s.created,
            last_updated_date: s.last_updated,
        })
        .collect();
    HttpApiDescription {
        construct_path: subject.construct_path.clone(),
        region,
        id: api.id,
        name: api.name,
        description: api.description,
        created_date: api.created,
        protocol_type: api.protocol_type,
        api_endpoint: api.api_endpoint,
        execute_api_endpoint_disabled: api.disable_execute_api_endpoint,
        stages,
        routes: routes
            .into_iter()
            .map(|r| RouteDescription {
                route_key: r.route_key,
                authorization_type: r.authorization_type,
            })
            .collect(),
        access: super::access::AccessAnalysis {
            api_account: subject.account.clone(),
            allowed_principals: Vec::new(),
            denied_principals: Vec::new(),
            has_resource_policy: false,
            app_roles: Vec::new(),
            caller: None,
            resource_policy_supported: false,
        },
    }
}

/// An HTTP API stage's invoke URL: `https://{id}.execute-api.{region}.amazonaws.com/{stage}/`,
/// and for the `$default` stage, which has no path segment, `.../`.
pub fn http_api_invoke_url(
    api_id: &str,
    region: &str,
    partition: Partition,
    stage: &str,
) -> String {
    if stage == "$default" {
        format!(
            "https://{}.execute-api.{}.{}/",
            url_encode_component(api_id),
            url_encode_component(region),
            partition.dns_suffix()
        )
    } else {
        invoke_url(api_id, region, partition, stage)
    }
}

async fn describe_stack(
    aws: &Aws,
    subject: &Subject,
    region: String,
) -> Result<Description, ActionError> {
    let id = subject.require_physical_id()?;
    let Some(s) = aws.describe_stack_detail(&region, id).await? else {
        return Err(ActionError::NotDeployed {
            construct: subject.construct_path.clone(),
            state: Physical::NotDeployed.label().to_string(),
        });
    };
    let StackDetail {
        stack_id,
        stack_name,
        status,
        status_reason,
        description,
        created,
        last_updated,
        parent_id,
        outputs,
    } = s;
    Ok(Description::Stack(StackDescription {
        construct_path: subject.construct_path.clone(),
        region,
        stack_name,
        stack_id,
        status,
        status_reason,
        description,
        created,
        last_updated,
        parent_id,
        outputs: outputs
            .into_iter()
            .map(|o| OutputDescription {
                key: o.key,
                value: o.value,
                description: o.description,
                export_name: o.export_name,
            })
            .collect(),
    }))
}

async fn describe_resource(
    app: &App,
    aws: &Aws,
    subject: &Subject,
    region: String,
) -> Result<Description, ActionError> {
    // DescribeStackResource needs only the stack and the logical id: a deployed resource for
    // which CloudFormation reports no physical id can still be described.
    let has_no_physical_id = subject.physical_state == Physical::NoPhysicalId.label();
    if !has_no_physical_id {
        subject.require_physical_id()?;
    }
    let logical_id = subject
        .logical_id
        .as_deref()
        .ok_or_else(|| ActionError::NotDeployed {
            construct: subject.construct_path.clone(),
            state: subject.physical_state.clone(),
        })?;
    let resource = aws
        .describe_stack_resource(&region, &subject.stack_name, logical_id)
        .await?;
    Ok(Description::Resource(ResourceDescription {
        construct_path: subject.construct_path.clone(),
        region,
        stack_name: subject.stack_name.clone(),
        resource,
        properties: template_properties(app, subject).cloned(),
    }))
}

/// The template's `Properties` of the subject's resource.
fn template_properties<'a>(app: &'a App, subject: &Subject) -> Option<&'a Value> {
    let logical_id = subject.logical_id.as_deref()?;
    // A nested stack's resource lives in its parent's template.
    let stack = match ResourceKind::of(&subject.cfn_type) {
        Some(ResourceKind::CloudFormationStack) => {
            app.stacks[subject.stack].parent.as_ref().map(|(p, _)| *p)?
        }
        _ => subject.stack,
    };
    app.resources
        .iter()
        .find(|r| r.stack == stack && r.logical_id.0 == logical_id)?
        .properties
        .as_ref()
}

/// A resource policy as a service returns it: JSON text, or (API Gateway) JSON text escaped once
/// more (`{\"Version\":...}`). Text that is neither stays a string.
pub fn parse_policy(raw: &str) -> Value {
    if let Ok(v) = serde_json::from_str::<Value>(raw) {
        return v;
    }
    serde_json::from_str::<String>(&format!("\"{raw}\""))
        .ok()
        .and_then(|unescaped| serde_json::from_str::<Value>(&unescaped).ok())
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject() -> Subject {
        Subject {
            construct_path: "S/api".into(),
            construct_id: "api".into(),
            fqn: None,
            cfn_type: ResourceKind::ApiGatewayRestApi.to_string(),
            logical_id: Some("api1234".into()),
            stack: 0,
            stack_name: "S".into(),
            physical_id: Some("abc123".into()),
            physical_state: "abc123".into(),
            region: Some("cn-north-1".into()),
            account: None,
            partition: "aws-cn".into(),
        }
    }

    #[test]
    fn api_gateway_policies_are_unescaped() {
        let want = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]});
        let escaped = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"}]}"#;
        assert_eq!(parse_policy(escaped), want);
        assert_eq!(parse_policy(&want.to_string()), want);
        assert_eq!(parse_policy("not json"), json!("not json"));
        assert_eq!(parse_policy(r#"a"b"#), json!(r#"a"b"#));
    }

    #[test]
    fn invoke_urls_follow_the_partition() {
        assert_eq!(
            invoke_url("abc123", "us-east-1", Partition::Aws, "prod"),
            "https://abc123.execute-api.us-east-1.amazonaws.com/prod/"
        );
        assert_eq!(
            invoke_url("abc123", "cn-north-1", Partition::China, "prod"),
            "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod/"
        );
    }

    #[test]
    fn the_policy_comes_from_the_api_else_from_the_template() {
        let template = json!({"Name": "x", "Policy": {"Version": "2012-10-17", "Statement": []}});
        let api = RestApiConfig {
            id: "abc123".into(),
            ..Default::default()
        };
        let stages = vec![RestApiStage {
            name: "prod".into(),
            deployment_id: Some("d1".into()),
            ..Default::default()
        }];
        let methods = vec![RestApiMethod {
            path: "/".into(),
            http_method: "GET".into(),
            authorization_type: Some("AWS_IAM".into()),
            api_key_required: false,
        }];
        let build = |api: RestApiConfig, props: Option<&Value>| {
            rest_api_description(
                &subject(),
                "cn-north-1".into(),
                Partition::China,
                api,
                stages.clone(),
                methods.clone(),
                props,
            )
        };
        let d = build(api.clone(), Some(&template));
        assert_eq!(d.policy_source, PolicySource::Template);
        assert_eq!(d.policy.as_ref(), template.get("Policy"));
        assert_eq!(
            d.stages[0].invoke_url,
            "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod/"
        );

        let with_policy = RestApiConfig {
            policy: Some(r#"{\"Version\":\"2012-10-17\"}"#.into()),
            ..api.clone()
        };
        let d = build(with_policy, Some(&template));
        assert_eq!(d.policy_source, PolicySource::Api);
        assert_eq!(d.policy, Some(json!({"Version": "2012-10-17"})));

        let as_text = json!({"Policy": r#"{"Version": "2012-10-17"}"#});
        let d = build(api.clone(), Some(&as_text));
        assert_eq!(d.policy_source, PolicySource::Template);
        assert_eq!(d.policy, Some(json!({"Version": "2012-10-17"})));

        let d = build(api, None);
        assert_eq!(d.policy_source, PolicySource::None);
        let v = serde_json::to_value(Description::RestApi(d)).unwrap();
        assert_eq!(v["kind"], "restApi");
        assert_eq!(v["policySource"], "none");
        assert_eq!(v["methods"][0]["authorizationType"], "AWS_IAM");
    }

    #[test]
    fn http_api_urls_routes_and_the_judged_request() {
        assert_eq!(
            http_api_invoke_url("abc123", "us-east-1", Partition::Aws, "$default"),
            "https://abc123.execute-api.us-east-1.amazonaws.com/"
        );
        assert_eq!(
            http_api_invoke_url("abc123", "cn-north-1", Partition::China, "dev"),
            "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/dev/"
        );
        let stages = vec![HttpApiStage {
            name: "$default".into(),
            access_log_destination: Some("arn:aws:logs:us-east-1:1:log-group:g".into()),
            ..Default::default()
        }];
        let routes = vec![
            HttpApiRoute {
                route_key: "GET /health".into(),
                authorization_type: Some("NONE".into()),
                ..Default::default()
            },
            HttpApiRoute {
                route_key: "GET /items".into(),
                authorization_type: Some("AWS_IAM".into()),
                ..Default::default()
            },
        ];
        let r = http_api_request(&stages, &routes);
        assert_eq!(
            (r.stage.as_str(), r.method.as_str(), r.path.as_str()),
            ("$default", "GET", "/items")
        );
        let api = HttpApiConfig {
            id: "abc123".into(),
            ..Default::default()
        };
        let d = http_api_description(
            &subject(),
            "us-east-1".into(),
            Partition::Aws,
            api,
            stages,
            routes,
        );
        let v = serde_json::to_value(Description::HttpApi(d)).unwrap();
        assert_eq!(v["kind"], "httpApi");
        assert_eq!(
            v["stages"][0]["invokeUrl"],
            "https://abc123.execute-api.us-east-1.amazonaws.com/"
        );
        assert_eq!(v["routes"][1]["authorizationType"], "AWS_IAM");
        assert_eq!(v["access"]["resourcePolicySupported"], false);
    }

    #[test]
    fn hidden_environment_values_are_absent_from_json() {
        let hidden = EnvVar {
            name: "TOKEN".into(),
            value: None,
        };
        assert_eq!(
            serde_json::to_value(&hidden).unwrap(),
            json!({"name": "TOKEN"})
        );
    }
}
