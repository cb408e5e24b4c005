//! API Gateway (REST API, v1) calls: GetRestApi, GetStages, GetResources with embedded methods.

use aws_sdk_apigateway as apigw;

use super::{Aws, AwsError, every_page, non_empty};
use crate::time::iso_of;

/// What GetRestApi says of an API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestApiConfig {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
    /// `EDGE`, `REGIONAL`, `PRIVATE`.
    pub endpoint_types: Vec<String>,
    pub api_key_source: Option<String>,
    pub disable_execute_api_endpoint: bool,
    /// The resource policy as the service returns it: JSON text, which AWS escapes once more
    /// (`{\"Version\":...}`). Parsing is the caller's business.
    pub policy: Option<String>,
}

/// One stage of an API (GetStages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestApiStage {
    pub name: String,
    pub deployment_id: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
    pub last_updated: Option<String>,
    /// Access logging: the log group ARN and the line format, when the stage has it.
    pub access_log_destination: Option<String>,
    pub access_log_format: Option<String>,
    /// Execution logging: the level (`INFO`, `ERROR`) of the stage's `*/*` method setting, else of
    /// any method that logs; `None` when nothing logs.
    pub execution_logging: Option<String>,
}

/// One method of one resource (GetResources with `embed=methods`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestApiMethod {
    pub path: String,
    pub http_method: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM`, `COGNITO_USER_POOLS`.
    pub authorization_type: Option<String>,
    pub api_key_required: bool,
}

impl Aws {
    fn apigateway(&self, region: &str) -> apigw::Client {
        service_client!(apigw, self, region)
    }

    pub async fn get_rest_api(
        &self,
        region: &str,
        api_id: &str,
    ) -> Result<RestApiConfig, AwsError> {
        let out = self
            .apigateway(region)
            .get_rest_api()
            .rest_api_id(api_id)
            .send()
            .await
            .map_err(|e| self.call_error("apigateway:GetRestApi", region, &e))?;
        Ok(RestApiConfig {
            id: out.id().unwrap_or(api_id).to_string(),
            name: out.name().map(str::to_string),
            description: non_empty(out.description()),
            created: out.created_date().and_then(iso_of),
            endpoint_types: out
                .endpoint_configuration()
                .map(|c| c.types().iter().map(|t| t.as_str().to_string()).collect())
                .unwrap_or_default(),
            api_key_source: out.api_key_source().map(|s| s.as_str().to_string()),
            disable_execute_api_endpoint: out.disable_execute_api_endpoint(),
            policy: non_empty(out.policy()),
        })
    }

    /// Every stage of an API, sorted by name.
    pub async fn get_stages(
        &self,
        region: &str,
        api_id: &str,
    ) -> Result<Vec<RestApiStage>, AwsError> {
        let out = self
            .apigateway(region)
            .get_stages()
            .rest_api_id(api_id)
            .send()
            .await
            .map_err(|e| self.call_error("apigateway:GetStages", region, &e))?;
        let mut stages: Vec<RestApiStage> = out
            .item()
            .iter()
            .map(|s| RestApiStage {
                name: s.stage_name().unwrap_or_default().to_string(),
                deployment_id: s.deployment_id().map(str::to_string),
                description: non_empty(s.description()),
                created: s.created_date().and_then(iso_of),
                last_updated: s.last_updated_date().and_then(iso_of),
                access_log_destination: non_empty(
                    s.access_log_settings().and_then(|a| a.destination_arn()),
                ),
                access_log_format: s
                    .access_log_settings()
                    .and_then(|a| a.format())
                    .map(str::to_string),
                execution_logging: execution_logging(s.method_settings()),
            })
            .collect();
        stages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(stages)
    }

    /// Every method of every resource of an API (all pages), sorted by path, then method.
    pub async fn get_methods(
        &self,
        region: &str,
        api_id: &str,
    ) -> Result<Vec<RestApiMethod>, AwsError> {
        const CALL: &str = "apigateway:GetResources";
        let client = &self.apigateway(region);
        let mut methods = every_page(CALL, region, |position| async move {
            let page = client
                .get_resources()
                .rest_api_id(api_id)
                .embed("methods")
                .set_position(position)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            let mut methods = Vec::new();
            for resource in page.items() {
                let path = resource.path().unwrap_or_default();
                for (verb, m) in resource.resource_methods().into_iter().flatten() {
                    methods.push(RestApiMethod {
                        path: path.to_string(),
                        http_method: m.http_method().unwrap_or(verb).to_string(),
                        authorization_type: m.authorization_type().map(str::to_string),
                        api_key_required: m.api_key_required().unwrap_or(false),
                    });
                }
            }
            Ok((methods, page.position().map(str::to_string)))
        })
        .await?;
        methods.sort_by(|a, b| (&a.path, &a.http_method).cmp(&(&b.path, &b.http_method)));
        Ok(methods)
    }
}

/// The logging level of a stage's method settings: `*/*`'s, else the first method's that logs.
fn execution_logging(
    settings: Option<&std::collections::HashMap<String, apigw::types::MethodSetting>>,
) -> Option<String> {
    let settings = settings?;
    let level = |m: &apigw::types::MethodSetting| {
        m.logging_level()
            .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("OFF"))
            .map(str::to_string)
    };
    if let Some(all) = settings.get("*/*") {
        return level(all);
    }
    let mut keys: Vec<&String> = settings.keys().collect();
    keys.sort();
    keys.into_iter().find_map(|k| level(&settings[k]))
}
