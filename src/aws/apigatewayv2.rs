//! API Gateway v2 (HTTP API) calls: GetApi, GetRoutes, GetStages; and the stages of either kind
//! of API ([`ApiStage`]).

use aws_sdk_apigatewayv2 as apigwv2;

use super::{Aws, AwsError, every_page, non_empty};
use crate::time::iso_of;

/// What GetApi says of an HTTP API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpApiConfig {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
    /// `HTTP` or `WEBSOCKET`.
    pub protocol_type: Option<String>,
    /// `https://{id}.execute-api.{region}.amazonaws.com`, as the service reports it.
    pub api_endpoint: Option<String>,
    pub disable_execute_api_endpoint: bool,
}

/// One route (GetRoutes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpApiRoute {
    pub id: Option<String>,
    /// `GET /items`, `ANY /{proxy+}`, `$default`.
    pub route_key: String,
    /// `NONE`, `AWS_IAM`, `JWT`, `CUSTOM`.
    pub authorization_type: Option<String>,
    /// `integrations/{id}`.
    pub target: Option<String>,
}

/// One stage (GetStages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpApiStage {
    pub name: String,
    pub auto_deploy: bool,
    pub description: Option<String>,
    pub created: Option<String>,
    pub last_updated: Option<String>,
    /// Access logging: the log group ARN and the line format, when the stage has it.
    pub access_log_destination: Option<String>,
    pub access_log_format: Option<String>,
}

/// A stage of a REST or an HTTP API: what the probe's stage check and the access-log source
/// need of either kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiStage {
    pub name: String,
    /// The log group ARN that receives the stage's access logs, when it has them.
    pub access_log_destination: Option<String>,
}

impl Aws {
    /// The stages of an HTTP API (`http_api`: API Gateway v2's GetStages) or of a REST API (v1's),
    /// sorted by name.
    pub async fn api_stages(
        &self,
        region: &str,
        api_id: &str,
        http_api: bool,
    ) -> Result<Vec<ApiStage>, AwsError> {
        let stage = |name, access_log_destination| ApiStage {
            name,
            access_log_destination,
        };
        Ok(if http_api {
            let stages = self.get_http_api_stages(region, api_id).await?;
            stages
                .into_iter()
                .map(|s| stage(s.name, s.access_log_destination))
                .collect()
        } else {
            let stages = self.get_stages(region, api_id).await?;
            stages
                .into_iter()
                .map(|s| stage(s.name, s.access_log_destination))
                .collect()
        })
    }

    fn apigatewayv2(&self, region: &str) -> apigwv2::Client {
        service_client!(apigwv2, self, region)
    }

    pub async fn get_http_api(
        &self,
        region: &str,
        api_id: &str,
    ) -> Result<HttpApiConfig, AwsError> {
        let out = self
            .apigatewayv2(region)
            .get_api()
            .api_id(api_id)
            .send()
            .await
            .map_err(|e| self.call_error("apigateway:GetApi", region, &e))?;
        Ok(HttpApiConfig {
            id: out.api_id().unwrap_or(api_id).to_string(),
            name: out.name().map(str::to_string),
            description: non_empty(out.description()),
            created: out.created_date().and_then(iso_of),
            protocol_type: out.protocol_type().map(|p| p.as_str().to_string()),
            api_endpoint: out.api_endpoint().map(str::to_string),
            disable_execute_api_endpoint: out.disable_execute_api_endpoint().unwrap_or(false),
        })
    }

    /// Every route of an HTTP API (all pages), sorted by route key.
    pub async fn get_http_api_routes(
        &self,
        region: &str,
        api_id: &str,
    ) -> Result<Vec<HttpApiRoute>, AwsError> {
        const CALL: &str = "apigateway:GetRoutes";
        let client = &self.apigatewayv2(region);
        let mut routes = every_page(CALL, region, |token| async move {
            let page = client
                .get_routes()
                .api_id(api_id)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            let routes = page.items().iter().map(|r| HttpApiRoute {
                id: r.route_id().map(str::to_string),
                route_key: r.route_key().unwrap_or_default().to_string(),
                authorization_type: r.authorization_type().map(|a| a.as_str().to_string()),
                target: r.target().map(str::to_string),
            });
            Ok((routes.collect(), page.next_token().map(str::to_string)))
        })
        .await?;
        routes.sort_by(|a, b| a.route_key.cmp(&b.route_key));
        Ok(routes)
    }

    /// Every stage of an HTTP API (all pages), sorted by name.
    pub async fn get_http_api_stages(
        &self,
        region: &str,
        api_id: &str,
    ) -> Result<Vec<HttpApiStage>, AwsError> {
        const CALL: &str = "apigateway:GetStages";
        let client = &self.apigatewayv2(region);
        let mut stages = every_page(CALL, region, |token| async move {
            let page = client
                .get_stages()
                .api_id(api_id)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            let stages = page.items().iter().map(|s| HttpApiStage {
                name: s.stage_name().unwrap_or_default().to_string(),
                auto_deploy: s.auto_deploy().unwrap_or(false),
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
            });
            Ok((stages.collect(), page.next_token().map(str::to_string)))
        })
        .await?;
        stages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(stages)
    }
}
