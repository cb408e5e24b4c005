//! The one place that talks to AWS: builds SDK clients from aws-config (profile, region, endpoint)
//! and wraps each call cdkx makes in a function that returns plain data or an [`AwsError`] whose
//! message a user can act on. One file per service.

mod apigateway;
mod athena;
mod cloudformation;
mod cloudtrail;
mod execute_api;
mod iam;
mod lambda;
mod logs;
mod s3;

pub use execute_api::{ExecuteApiRequest, HttpAnswer, SignedRequestView};

pub use apigateway::{RestApiConfig, RestApiMethod, RestApiStage};
pub use athena::{AthenaTarget, ResultPage};
pub use cloudformation::{StackDetail, StackOutput, StackResourceDetail};
pub use cloudtrail::{EventDataStore, FieldCondition, LakePage, LookupPage, Trail, TrailEvent};
pub use iam::{IamPrincipal, IdentityPolicy, Simulation, decode_document};
pub use lambda::{FunctionConfig, InvokeOutput};
pub use logs::{LogEvent, LogPage};
pub use s3::S3Object;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use tokio::sync::Mutex;

use crate::config::AccountSettings;
use aws_sdk_cloudformation as cfn;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_types::region::Region;
use cfn::error::{ProvideErrorMetadata, SdkError};

/// Flags shared by every command that may call AWS, and the per-account settings of cdkx.toml.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// `--role-arn`: assumed for calls to the role's own account.
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub accounts: BTreeMap<String, AccountSettings>,
    /// How long one call may take, retries included (`--timeout`); `None`: [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
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
    /// No answer at all: the endpoint could not be reached, or did not answer within
    /// `--timeout`. Not a statement about the credentials.
    #[error("{call} in {region}: {message}")]
    Unreachable {
        call: &'static str,
        region: String,
        message: String,
    },
    /// AWS said to slow down; callers that pace themselves retry on this.
    #[error("{call} in {region}: AWS is throttling requests ({message})")]
    Throttled {
        call: &'static str,
        region: String,
        message: String,
    },
}

/// Loaded AWS configuration; cheap to clone into concurrent tasks.
#[derive(Clone, Debug)]
pub struct Aws {
    config: SdkConfig,
    opts: AwsOptions,
    /// How these credentials are obtained, in words a user recognizes.
    source: String,
    /// Configurations already made for other accounts, shared by clones.
    per_account: Arc<Mutex<HashMap<String, Aws>>>,
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

/// How long one call may take by default, retries included; a hanging endpoint must not hang
/// cdkx.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Aws {
    /// Loads configuration the way the AWS CLI does (env, profiles, SSO, credential_process),
    /// with cdkx's flags on top. Nothing is called yet, so this does not fail.
    pub async fn load(opts: AwsOptions) -> Aws {
        let source = match &opts.profile {
            Some(p) => format!("profile {p} (--profile)"),
            None if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() => {
                "environment (AWS_ACCESS_KEY_ID)".to_string()
            }
            None => match std::env::var("AWS_PROFILE") {
                Ok(p) if !p.is_empty() => format!("profile {p} (AWS_PROFILE)"),
                _ => "default credential chain".to_string(),
            },
        };
        let config = Self::load_config(&opts, opts.profile.as_deref()).await;
        Aws {
            config,
            opts,
            source,
            per_account: Arc::default(),
        }
    }

    async fn load_config(opts: &AwsOptions, profile: Option<&str>) -> SdkConfig {
        let budget = opts.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT.min(budget))
                    // `--timeout` is the time for the whole call: every attempt, the waits
                    // between them and the credentials it needs fit in it.
                    .operation_timeout(budget)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts()));
        if let Some(p) = profile {
            // A named profile is the only source: the default chain would prefer environment
            // keys and hide that the profile does not resolve.
            let from_profile = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .build();
            loader = loader.profile_name(p).credentials_provider(from_profile);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        loader.load().await
    }

    /// How long one call may take, retries included.
    pub fn timeout(&self) -> Duration {
        self.opts.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// How these credentials are obtained (`profile team-b (cdkx.toml)`, `role ... assumed with
    /// environment (AWS_ACCESS_KEY_ID)`, ...).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The configuration for calls into `account`: `--role-arn` when it names a role of that
    /// account, else the account's settings in cdkx.toml, else these credentials. Nothing is
    /// called here; a role is assumed on the first call that needs it.
    pub async fn for_account(&self, account: Option<&str>) -> Aws {
        let Some(account) = account else {
            return self.clone();
        };
        let mut cache = self.per_account.lock().await;
        if let Some(done) = cache.get(account) {
            return done.clone();
        }
        let flag_role = self
            .opts
            .role_arn
            .as_deref()
            .filter(|r| crate::console::account_from_arn(r) == Some(account));
        let made = if let Some(role) = flag_role {
            self.assume(role, self.opts.external_id.as_deref(), "--role-arn")
                .await
        } else if let Some(settings) = self.opts.accounts.get(account) {
            let base = match &settings.profile {
                Some(p) => Aws {
                    config: Self::load_config(&self.opts, Some(p)).await,
                    opts: self.opts.clone(),
                    source: format!("profile {p} (cdkx.toml)"),
                    per_account: self.per_account.clone(),
                },
                None => self.clone(),
            };
            match &settings.role_arn {
                Some(role) => {
                    base.assume(role, settings.external_id.as_deref(), "cdkx.toml")
                        .await
                }
                None => base,
            }
        } else {
            self.clone()
        };
        cache.insert(account.to_string(), made.clone());
        made
    }

    /// These credentials used to assume `role`.
    pub async fn assume(&self, role: &str, external_id: Option<&str>, why: &str) -> Aws {
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name("cdkx")
            .configure(&self.config);
        if self.config.region().is_none() {
            builder = builder.region(Region::new("us-east-1"));
        }
        if let Some(id) = external_id {
            builder = builder.external_id(id);
        }
        let provider = builder
            .build_from_provider(self.config.credentials_provider().unwrap_or_else(|| {
                SharedCredentialsProvider::new(Credentials::new("", "", None, None, "none"))
            }))
            .await;
        let config = self
            .config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        Aws {
            config,
            opts: self.opts.clone(),
            source: format!("role {role} ({why}) assumed with {}", self.source),
            per_account: self.per_account.clone(),
        }
    }

    /// The credentials themselves, for signing requests the SDK does not make (the probe).
    pub async fn credentials(&self) -> Result<Credentials, AwsError> {
        let provider = self.config.credentials_provider().ok_or_else(|| AwsError::Call {
            call: "credentials",
            region: self.default_region().unwrap_or_default(),
            message: "no credentials are configured (set AWS_PROFILE, or run aws configure / aws sso login)".into(),
        })?;
        provider
            .provide_credentials()
            .await
            .map_err(|e| AwsError::Call {
                call: "credentials",
                region: self.default_region().unwrap_or_default(),
                message: chain(&e),
            })
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

    pub async fn caller_identity(&self, region: &str) -> Result<CallerIdentity, AwsError> {
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .interceptor(AnswerCap)
            .build();
        let out = aws_sdk_sts::Client::from_conf(conf)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.call_error("sts:GetCallerIdentity", region, &e))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }

    /// A service config builder for `region` from the loaded configuration.
    pub(crate) fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// Where `call` goes in `region`: the endpoint override, else the service's AWS endpoint.
    pub fn endpoint_for(&self, call: &str, region: &str) -> String {
        if let Some(e) = self.endpoint_url() {
            return e.to_string();
        }
        let service = call.split(':').next().unwrap_or(call);
        let domain = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        match service {
            "iam" => format!("https://iam.{domain}"),
            s => format!("https://{s}.{region}.{domain}"),
        }
    }

    /// The error of a call as a user can act on it: the service's code and message, or what went
    /// wrong on the way, naming the endpoint and `--timeout` when there was no answer.
    pub(crate) fn call_error<E>(
        &self,
        call: &'static str,
        region: &str,
        e: &SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let endpoint = self.endpoint_for(call, region);
        translate(call, region, e, &endpoint, self.timeout())
    }
}

/// Every AWS answer's declared size is checked before its body is read: an answer larger than
/// [`AWS_ANSWER_MAX`](crate::bounds::AWS_ANSWER_MAX) is refused, not buffered (the SDK buffers
/// whole answers of the calls cdkx makes; S3 objects, which stream, are also read in chunks up
/// to their own cap). Every service client of this module carries it.
#[derive(Debug)]
pub(crate) struct AnswerCap;

impl aws_smithy_runtime_api::client::interceptors::Intercept for AnswerCap {
    fn name(&self) -> &'static str {
        "cdkx answer cap"
    }

    fn read_after_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let max = crate::bounds::AWS_ANSWER_MAX;
        let declared = context
            .response()
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        match declared {
            Some(bytes) if bytes > max => Err(Box::new(AnswerTooLarge { bytes })),
            _ => Ok(()),
        }
    }
}

/// What [`AnswerCap`] refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "is {bytes} bytes, larger than {} (the most cdkx reads of an AWS answer); not read",
    crate::bounds::size(crate::bounds::AWS_ANSWER_MAX)
)]
struct AnswerTooLarge {
    bytes: u64,
}

/// `AWS_MAX_ATTEMPTS` when set (tests turn retries down with it), else the SDK's standard 3.
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(3)
}

/// A message a user can act on: the service's code and message, or what went wrong on the way
/// (naming the endpoint and `--timeout` when there was no answer). `Aws::call_error` is the way
/// to call it.
fn translate<E>(
    call: &'static str,
    region: &str,
    e: &SdkError<E, HttpResponse>,
    at: &str,
    timeout: Duration,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let SdkError::ServiceError(s) = e
        && matches!(
            s.err().code(),
            Some(
                "ThrottlingException"
                    | "Throttling"
                    | "TooManyRequestsException"
                    | "RequestLimitExceeded"
            )
        )
    {
        return AwsError::Throttled {
            call,
            region: region.to_string(),
            message: s.err().message().unwrap_or("rate exceeded").to_string(),
        };
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(big) = c.downcast_ref::<AnswerTooLarge>() {
            return AwsError::Call {
                call,
                region: region.to_string(),
                message: format!("the answer from {at} {big}"),
            };
        }
        cause = c.source();
    }
    let message = match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                // No AWS error in the answer (an HTML page from a proxy, a load balancer's
                // 502): say what came back and from where, not how parsing failed.
                _ => not_aws(s.raw(), at),
            }
        }
        SdkError::ResponseError(r) if !(200..300).contains(&r.raw().status().as_u16()) => {
            not_aws(r.raw(), at)
        }
        SdkError::ResponseError(r) => format!(
            "the answer from {at} (HTTP {}) could not be read: {}",
            r.raw().status().as_u16(),
            chain(e)
        ),
        SdkError::TimeoutError(_) => format!(
            "timed out: no answer from {at} within {} (--timeout {}, retries included)",
            secs(timeout),
            secs(timeout).trim_end_matches(" s"),
        ),
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            format!(
                "could not reach the endpoint {at}: no connection within {}",
                secs(CONNECT_TIMEOUT.min(timeout))
            )
        }
        SdkError::DispatchFailure(d) if d.is_io() => {
            format!("could not reach the endpoint {at} ({})", chain(e))
        }
        _ => chain(e),
    };
    if let SdkError::ServiceError(s) = e
        && matches!(
            s.err().code(),
            Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired")
        )
    {
        return AwsError::Call {
            call,
            region: region.to_string(),
            message: "your credentials have expired: refresh them (`aws sso login`, or a new session) and run cdkx again".into(),
        };
    }
    // The SDK's words for "no credentials" do not say what to do.
    let message = if message.contains("credential provider was not enabled")
        || message.contains("no providers in chain provided credentials")
    {
        "no credentials were found: is the profile defined (`aws configure list-profiles`), or do you need `aws sso login`?".to_string()
    } else {
        message
    };
    // Credentials that cannot be resolved are a dispatch failure too, but not an unreachable
    // endpoint: only a connection that failed or timed out is.
    let no_answer = match e {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
        _ => false,
    };
    if no_answer {
        return AwsError::Unreachable {
            call,
            region: region.to_string(),
            message,
        };
    }
    AwsError::Call {
        call,
        region: region.to_string(),
        message,
    }
}

/// Every page of a listing through the page guard: `fetch` asks for the page after a token and
/// returns its items and the next token. For listings written as loops over a token.
pub(crate) async fn every_page<T, F, Fut>(
    call: &'static str,
    region: &str,
    mut fetch: F,
) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut pages = crate::bounds::Pages::new(call);
    let mut token = None;
    let mut out = Vec::new();
    loop {
        let (items, next) = fetch(token).await?;
        out.extend(items);
        token = pages.next(next).map_err(|l| page_limit(region, l))?;
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// A listing cut off by the page guard, as an error of the call.
pub(crate) fn page_limit(region: &str, limit: crate::bounds::PageLimit) -> AwsError {
    AwsError::Call {
        call: limit.call,
        region: region.to_string(),
        message: format!("stopped after {} pages: {}", limit.pages, limit.why),
    }
}

/// An answer that is not an AWS error document: its status, where it came from, and the start
/// of its body (escaped).
fn not_aws(raw: &HttpResponse, at: &str) -> String {
    let status = raw.status().as_u16();
    let body = raw
        .body()
        .bytes()
        .map(|b| String::from_utf8_lossy(&b[..b.len().min(200)]).into_owned())
        .unwrap_or_default();
    let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = format!("HTTP {status} from {at}, which is not an AWS answer");
    if !body.is_empty() {
        out.push_str(&format!(
            " (it starts: {})",
            crate::sanitize::excerpt(&body, 100)
        ));
    }
    out
}

/// `3 s`, `0.5 s`.
fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// The error and its causes on one line, without repeating the same text twice.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
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
