//! The one place that talks to AWS: builds SDK clients from aws-config (profile, region, endpoint)
//! and wraps each call cdkx makes in a function that returns plain data or an [`AwsError`] whose
//! message a user can act on.

use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_cloudformation as cfn;
use aws_smithy_types::date_time::Format;
use aws_types::region::Region;
use cfn::error::{ProvideErrorMetadata, SdkError};

/// Flags shared by every command that may call AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AwsError {
    #[error("{call} in {region}: {message}")]
    Call {
        call: &'static str,
        region: String,
        message: String,
    },
    #[error(
        "no region for stack {stack}: it is environment-agnostic; pass --region or set AWS_REGION"
    )]
    NoRegion { stack: String },
}

/// Loaded AWS configuration; cheap to clone into concurrent tasks.
#[derive(Clone, Debug)]
pub struct Aws {
    config: SdkConfig,
    opts: AwsOptions,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// What DescribeStacks says of a deployed stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackDescription {
    pub stack_id: String,
    pub status: String,
    /// LastUpdatedTime, else CreationTime: what changes when the stack's resources may have.
    pub last_changed: String,
}

/// One row of ListStackResources.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StackResourceRow {
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub cfn_type: String,
    pub status: Option<String>,
}

/// How long one attempt may take; a hanging endpoint must not hang cdkx.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Aws {
    /// Loads configuration the way the AWS CLI does (env, profiles, SSO, credential_process),
    /// with cdkx's flags on top. Nothing is called yet, so this does not fail.
    pub async fn load(opts: AwsOptions) -> Aws {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts()));
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        let config = loader.load().await;
        Aws { config, opts }
    }

    pub fn options(&self) -> &AwsOptions {
        &self.opts
    }

    /// The region from `--region`, the environment or the profile.
    pub fn default_region(&self) -> Option<String> {
        self.config.region().map(|r| r.to_string())
    }

    /// The endpoint override in force (`--endpoint-url` or `AWS_ENDPOINT_URL`), if any.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.config.endpoint_url()
    }

    /// The region a stack's calls go to: the flag wins, then the stack's environment, then the
    /// configured default.
    pub fn region_for(&self, stack_region: Option<&str>, stack: &str) -> Result<String, AwsError> {
        self.opts
            .region
            .clone()
            .or_else(|| stack_region.map(str::to_string))
            .or_else(|| self.default_region())
            .ok_or_else(|| AwsError::NoRegion {
                stack: stack.to_string(),
            })
    }

    fn cfn(&self, region: &str) -> cfn::Client {
        let conf = cfn::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .build();
        cfn::Client::from_conf(conf)
    }

    pub async fn caller_identity(&self, region: &str) -> Result<CallerIdentity, AwsError> {
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .build();
        let out = aws_sdk_sts::Client::from_conf(conf)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| call_error("sts:GetCallerIdentity", region, &e))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }

    /// DescribeStacks for one stack; `None` when it does not exist (not deployed).
    pub async fn describe_stack(
        &self,
        region: &str,
        stack: &str,
    ) -> Result<Option<StackDescription>, AwsError> {
        let result = self
            .cfn(region)
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e) if is_stack_missing(&e) => return Ok(None),
            Err(e) => return Err(call_error("cloudformation:DescribeStacks", region, &e)),
        };
        let Some(s) = out.stacks().first() else {
            return Ok(None);
        };
        if s.stack_status()
            .is_some_and(|st| st.as_str() == "DELETE_COMPLETE")
        {
            return Ok(None);
        }
        let when = s.last_updated_time().or(s.creation_time());
        Ok(Some(StackDescription {
            stack_id: s.stack_id().unwrap_or(stack).to_string(),
            status: s
                .stack_status()
                .map(|st| st.as_str().to_string())
                .unwrap_or_default(),
            last_changed: when
                .and_then(|t| t.fmt(Format::DateTime).ok())
                .unwrap_or_default(),
        }))
    }

    /// ListStackResources, every page. Rows without a logical id (moto lists unsupported types
    /// that way) are dropped: nothing in the template can be matched to them.
    pub async fn list_stack_resources(
        &self,
        region: &str,
        stack: &str,
    ) -> Result<Vec<StackResourceRow>, AwsError> {
        let mut pages = self
            .cfn(region)
            .list_stack_resources()
            .stack_name(stack)
            .into_paginator()
            .send();
        let mut rows = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| call_error("cloudformation:ListStackResources", region, &e))?;
            for r in page.stack_resource_summaries() {
                let logical = r.logical_resource_id().unwrap_or_default();
                if logical.is_empty() {
                    continue;
                }
                rows.push(StackResourceRow {
                    logical_id: logical.to_string(),
                    physical_id: r
                        .physical_resource_id()
                        .filter(|p| !p.is_empty())
                        .map(str::to_string),
                    cfn_type: r.resource_type().unwrap_or_default().to_string(),
                    status: r.resource_status().map(|s| s.as_str().to_string()),
                });
            }
        }
        Ok(rows)
    }
}

/// `AWS_MAX_ATTEMPTS` when set (tests turn retries down with it), else the SDK's standard 3.
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(3)
}

fn is_stack_missing<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().is_some_and(|s| {
        s.code() == Some("ValidationError")
            && s.message().is_some_and(|m| m.contains("does not exist"))
    })
}

/// A message a user can act on: the service's code and message, or what went wrong on the way.
pub(crate) fn call_error<E, R>(call: &'static str, region: &str, e: &SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let message = match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => chain(e),
            }
        }
        SdkError::TimeoutError(_) => "timed out waiting for AWS to answer".to_string(),
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => {
            format!("could not reach the endpoint ({})", chain(e))
        }
        _ => chain(e),
    };
    AwsError::Call {
        call,
        region: region.to_string(),
        message,
    }
}

/// The error and its causes on one line, without repeating the same text twice.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}
