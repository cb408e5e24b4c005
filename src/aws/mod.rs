//! The one place that talks to AWS: builds SDK clients from aws-config (profile, region, endpoint)
//! and wraps each call cdkx makes in a function that returns plain data or an [`AwsError`] whose
//! message a user can act on. One file per service.

/// A client of the service `$sdk` for `$region`, built from the loaded configuration with
/// [`AnswerCap`]: the one way this module makes a client, so that none goes without the cap.
/// `|b| ...` adds settings of that service to the builder `b`.
macro_rules! service_client {
    ($sdk:ident, $aws:expr, $region:expr) => {
        service_client!($sdk, $aws, $region, |b| b)
    };
    ($sdk:ident, $aws:expr, $region:expr, |$b:ident| $extra:expr) => {{
        let $b = $sdk::config::Builder::from($aws.sdk_config())
            .region(aws_types::region::Region::new($region.to_string()))
            .interceptor($crate::aws::AnswerCap);
        $sdk::Client::from_conf($extra.build())
    }};
}

mod apigateway;
mod apigatewayv2;
mod athena;
mod cloudformation;
mod cloudtrail;
mod cloudwatch;
mod dynamodb;
mod execute_api;
mod iam;
mod lambda;
mod logs;
#[cfg(test)]
pub(crate) mod replay;
mod s3;
mod sns;
mod sqs;

pub use execute_api::{ExecuteApiRequest, HttpAnswer, SignedRequestView};

pub use apigateway::{RestApiConfig, RestApiMethod, RestApiStage};
pub use apigatewayv2::{ApiStage, HttpApiConfig, HttpApiRoute, HttpApiStage};
pub use athena::{AthenaTarget, ResultPage};
pub use cloudformation::{StackDetail, StackEvent, StackOutput, StackResourceDetail};
pub use cloudtrail::{EventDataStore, FieldCondition, LakePage, LookupPage, Trail, TrailEvent};
pub use cloudwatch::{MetricQuery, MetricSeriesData};
pub use iam::{IamPrincipal, IdentityPolicy, RolePolicy, Simulation, decode_document};
pub use lambda::{FunctionConfig, FunctionUrlConfig, InvokeOutput};
pub use logs::{
    LIVE_TAIL_MAX_GROUPS, LiveTail, LiveTailEnd, LiveTailUpdate, LogEvent, LogPage, LogQuery,
    log_group_arn,
};
pub use s3::{S3Entry, S3Object};
pub use sns::Subscription;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use tokio::sync::Mutex;

use crate::assembly::LookupRole;
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
    /// Who these credentials are (GetCallerIdentity), shared by clones: an answer is kept for
    /// the process, a failure for [`IDENTITY_RETRY`], so that callers waiting on the same
    /// question do not each wait again.
    me: Arc<Mutex<Option<KnownIdentity>>>,
    /// Set when this configuration is an account's CDK lookup role: for reading only.
    lookup: Option<Arc<LookupUse>>,
}

/// GetCallerIdentity's last answer and when it came.
type KnownIdentity = (std::time::Instant, Result<CallerIdentity, AwsError>);

/// A lookup-role configuration's limits: the account it reads, and the user's own credentials,
/// which do everything that changes or calls things.
#[derive(Debug)]
struct LookupUse {
    account: String,
    acting: Aws,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// What DescribeStacks says of a deployed stack that tells whether a cached listing of its
/// resources is still current (describe shows more: [`StackDetail`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackVersion {
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

/// Where the user's own credentials come from, in the SDK's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialOrigin {
    /// `--profile NAME`: the only source then.
    Flag(String),
    /// `AWS_ACCESS_KEY_ID` and friends, which win over `AWS_PROFILE`.
    EnvironmentKeys,
    /// `AWS_PROFILE`.
    EnvProfile(String),
    /// The default chain (the default profile, SSO, instance metadata, ...).
    DefaultChain,
}

impl CredentialOrigin {
    /// The origin for the profile flag `profile` and the process environment.
    pub fn of(profile: Option<&str>) -> CredentialOrigin {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        match profile {
            Some(p) => CredentialOrigin::Flag(p.to_string()),
            None if env("AWS_ACCESS_KEY_ID").is_some() => CredentialOrigin::EnvironmentKeys,
            None => env("AWS_PROFILE").map_or(CredentialOrigin::DefaultChain, |p| {
                CredentialOrigin::EnvProfile(p)
            }),
        }
    }
}

/// How long one call may take by default, retries included; a hanging endpoint must not hang
/// cdkx.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a failed GetCallerIdentity answers for the same credentials before it is asked again.
const IDENTITY_RETRY: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Aws {
    /// Loads configuration the way the AWS CLI does (env, profiles, SSO, credential_process),
    /// with cdkx's flags on top. Nothing is called yet, so this does not fail.
    pub async fn load(opts: AwsOptions) -> Aws {
        let source = match CredentialOrigin::of(opts.profile.as_deref()) {
            CredentialOrigin::Flag(p) => format!("profile {p} (--profile)"),
            CredentialOrigin::EnvironmentKeys => "environment (AWS_ACCESS_KEY_ID)".to_string(),
            CredentialOrigin::EnvProfile(p) => format!("profile {p} (AWS_PROFILE)"),
            CredentialOrigin::DefaultChain => "default credential chain".to_string(),
        };
        let config = Self::load_config(&opts, opts.profile.as_deref()).await;
        Aws {
            config,
            opts,
            source,
            per_account: Arc::default(),
            me: Arc::default(),
            lookup: None,
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
            .filter(|r| crate::arn::account(r) == Some(account));
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
                    me: Arc::default(),
                    lookup: None,
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

    /// AssumeRole of `role` with these credentials, in this configuration's region (else
    /// us-east-1, where STS always answers).
    async fn role_provider(
        &self,
        role: &str,
        session_name: &str,
        external_id: Option<&str>,
    ) -> aws_config::sts::AssumeRoleProvider {
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(role)
            .session_name(session_name)
            .configure(&self.config);
        if self.config.region().is_none() {
            builder = builder.region(Region::new("us-east-1"));
        }
        if let Some(id) = external_id {
            builder = builder.external_id(id);
        }
        builder
            .build_from_provider(self.config.credentials_provider().unwrap_or_else(|| {
                SharedCredentialsProvider::new(Credentials::new("", "", None, None, "none"))
            }))
            .await
    }

    /// These credentials used to assume `role`.
    pub async fn assume(&self, role: &str, external_id: Option<&str>, why: &str) -> Aws {
        let provider = self.role_provider(role, "cdkx", external_id).await;
        let source = format!("role {role} ({why}) assumed with {}", self.source);
        self.with_credentials(provider, source, None)
    }

    /// This configuration with other credentials, `source` saying where they come from.
    fn with_credentials(
        &self,
        provider: impl ProvideCredentials + 'static,
        source: String,
        lookup: Option<Arc<LookupUse>>,
    ) -> Aws {
        let config = self
            .config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        Aws {
            config,
            opts: self.opts.clone(),
            source,
            per_account: self.per_account.clone(),
            me: Arc::default(),
            lookup,
        }
    }

    /// The configuration for reading `account`: like [`Aws::for_account`], except that when
    /// neither `--role-arn` nor cdkx.toml says how to reach the account and these credentials
    /// are of another account, the stack's CDK lookup role (`lookup`, from the manifest) is
    /// assumed, once per role per process. Never use the result to change or call things:
    /// [`Aws::acting`] gives the credentials for that.
    pub async fn for_reading(&self, account: Option<&str>, lookup: Option<&LookupRole>) -> Aws {
        let (Some(account), Some(lookup)) = (account, lookup) else {
            return self.for_account(account).await;
        };
        let flag_role = self
            .opts
            .role_arn
            .as_deref()
            .is_some_and(|r| crate::arn::account(r) == Some(account));
        if flag_role || self.opts.accounts.contains_key(account) {
            return self.for_account(Some(account)).await;
        }
        // One session per lookup role (a role per account and bootstrapped region).
        let key = format!("lookup {}", lookup.arn);
        let mut cache = self.per_account.lock().await;
        if let Some(done) = cache.get(&key) {
            return done.clone();
        }
        let region = self
            .default_region()
            .unwrap_or_else(|| "us-east-1".to_string());
        let made = match self.caller_identity(&region).await {
            Ok(me) if me.account != account => match lookup_session(&me, account, lookup) {
                Some(session) => self.assume_lookup(account, &me, session).await,
                None => self.clone(),
            },
            Ok(_) => self.clone(),
            // Who the caller is is not known (yet): these credentials, whose errors say why;
            // the choice is made again next time.
            Err(_) => return self.clone(),
        };
        cache.insert(key, made.clone());
        made
    }

    async fn assume_lookup(&self, account: &str, me: &CallerIdentity, s: LookupSession) -> Aws {
        let inner = self
            .role_provider(&s.arn, &s.session_name, s.external_id.as_deref())
            .await;
        let provider = LookupCredentials {
            inner,
            role: s.arn.clone(),
            fix: format!(
                "cdk bootstrap aws://{account}/{} --trust-for-lookup {}",
                s.region, me.account
            ),
        };
        // The SDK's identity cache keeps the session for its lifetime: one AssumeRole per
        // account until it expires.
        let source = format!(
            "lookup role (CDK bootstrap) {}, assumed with {}",
            s.arn, self.source
        );
        let lookup = LookupUse {
            account: account.to_string(),
            acting: self.clone(),
        };
        self.with_credentials(provider, source, Some(Arc::new(lookup)))
    }

    /// The credentials for changing or calling things (invoke, a signed call, `exec`): the
    /// user's own when this configuration is a lookup role, else this one.
    pub fn acting(&self) -> &Aws {
        match &self.lookup {
            Some(l) => &l.acting,
            None => self,
        }
    }

    /// `e` with [`Aws::acting_advice`] after its message, when there is advice to give.
    pub fn with_acting_advice(&self, e: AwsError) -> AwsError {
        match (e, self.acting_advice()) {
            (
                AwsError::Call {
                    call,
                    region,
                    message,
                },
                Some(advice),
            ) => AwsError::Call {
                call,
                region,
                message: format!("{message} ({advice})"),
            },
            (e, _) => e,
        }
    }

    /// When this configuration reads `account` through its CDK lookup role: what would let
    /// cdkx act there, for messages after an action the user's own credentials could not do.
    pub fn acting_advice(&self) -> Option<String> {
        self.lookup.as_ref().map(|l| {
            let a = &l.account;
            format!(
                "account {a} is read through its CDK lookup role, which cdkx never uses to change or call things; to act there, name a profile or role for it in cdkx.toml ([accounts.{a}] profile = \"...\" or role_arn = \"arn:aws:iam::{a}:role/NAME\") or pass --role-arn arn:aws:iam::{a}:role/NAME"
            )
        })
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

    /// Who these credentials are: asked once per process (a failure is asked again after
    /// [`IDENTITY_RETRY`]).
    pub async fn caller_identity(&self, region: &str) -> Result<CallerIdentity, AwsError> {
        let mut slot = self.me.lock().await;
        if let Some((at, known)) = &*slot
            && (known.is_ok() || at.elapsed() < IDENTITY_RETRY)
        {
            return known.clone();
        }
        let answer = self.ask_caller_identity(region).await;
        *slot = Some((std::time::Instant::now(), answer.clone()));
        answer
    }

    async fn ask_caller_identity(&self, region: &str) -> Result<CallerIdentity, AwsError> {
        let out = service_client!(aws_sdk_sts, self, region)
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
        let domain = crate::arn::Partition::from_region(region).dns_suffix();
        match service {
            "iam" => format!("https://iam.{domain}"),
            // IAM says cloudwatch:GetMetricData; the endpoint is monitoring.
            "cloudwatch" => format!("https://monitoring.{region}.{domain}"),
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
            Some(bytes) if bytes > max => Err(Box::new(AnswerTooLarge { bytes: Some(bytes) })),
            _ => Ok(()),
        }
    }

    /// An answer without a declared length (chunked) is read only up to the cap: the body is
    /// wrapped so that reading past it fails, before the SDK reads it into memory.
    fn modify_before_deserialization(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_smithy_types::body::SdkBody;
        use http_body_util::BodyExt;
        let max = usize::try_from(crate::bounds::AWS_ANSWER_MAX).unwrap_or(usize::MAX);
        let body = std::mem::replace(context.response_mut().body_mut(), SdkBody::taken());
        let capped = http_body_util::Limited::new(body, max).map_err(
            |e| -> aws_smithy_runtime_api::box_error::BoxError {
                if e.is::<http_body_util::LengthLimitError>() {
                    Box::new(AnswerTooLarge { bytes: None })
                } else {
                    e
                }
            },
        );
        *context.response_mut().body_mut() = SdkBody::from_body_1_x(capped);
        Ok(())
    }
}

/// What [`AnswerCap`] refused: an answer that declared a length over the cap (not read), or
/// one without a declared length that passed it (read up to the cap, then dropped).
#[derive(Debug)]
struct AnswerTooLarge {
    bytes: Option<u64>,
}

impl std::fmt::Display for AnswerTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = crate::bounds::size(crate::bounds::AWS_ANSWER_MAX);
        match self.bytes {
            Some(bytes) => write!(
                f,
                "is {bytes} bytes, larger than {max} (the most cdkx reads of an AWS answer); not read"
            ),
            None => write!(
                f,
                "is larger than {max} (the most cdkx reads of an AWS answer); reading stopped there"
            ),
        }
    }
}

impl std::error::Error for AnswerTooLarge {}

/// What to assume for an account's lookup role.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LookupSession {
    arn: String,
    external_id: Option<String>,
    session_name: String,
    /// The region in the role's name (`...-lookup-role-ACCOUNT-REGION`), for the fix's command.
    region: String,
}

/// The lookup role's ARN with the caller's partition filled in, the session name that says
/// cdkx and the user; None when the ARN still holds a placeholder (an environment-agnostic
/// stack) or names another account.
fn lookup_session(me: &CallerIdentity, account: &str, role: &LookupRole) -> Option<LookupSession> {
    let partition = crate::arn::partition_name(&me.arn);
    let arn = role.arn.replace("${AWS::Partition}", partition);
    if arn.contains("${") || crate::arn::account(&arn) != Some(account) {
        return None;
    }
    let region = arn
        .rsplit_once(&format!("-{account}-"))
        .map(|(_, r)| r.to_string())
        .filter(|r| !r.is_empty() && !r.contains('/'))
        .unwrap_or_else(|| "REGION".to_string());
    Some(LookupSession {
        arn,
        external_id: role.external_id.clone(),
        session_name: session_name(&me.arn),
        region,
    })
}

/// `cdkx-<user>`: the last segment of the caller's ARN (user name, session name, `root`) in
/// the characters IAM allows in a session name, at most 64 of them.
fn session_name(caller_arn: &str) -> String {
    let user = caller_arn
        .rsplit(['/', ':'])
        .next()
        .filter(|u| !u.is_empty())
        .unwrap_or("user");
    let mut name = String::from("cdkx-");
    name.extend(user.chars().map(|c| {
        if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
            c
        } else {
            '-'
        }
    }));
    name.truncate(64);
    name
}

/// An account's lookup role: AssumeRole's failure becomes one line that says how to fix it.
#[derive(Debug)]
struct LookupCredentials {
    inner: aws_config::sts::AssumeRoleProvider,
    role: String,
    fix: String,
}

/// Why a lookup role could not be assumed, with the command that fixes it.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot assume the CDK lookup role {role} ({why}); bootstrap its account trusting yours: {fix}"
)]
pub(crate) struct LookupRoleError {
    role: String,
    why: String,
    fix: String,
}

impl ProvideCredentials for LookupCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            self.inner.provide_credentials().await.map_err(|e| {
                aws_credential_types::provider::error::CredentialsError::provider_error(
                    LookupRoleError {
                        role: self.role.clone(),
                        why: lookup_why(&e),
                        fix: self.fix.clone(),
                    },
                )
            })
        })
    }
}

/// STS's code and message when it gave one, else the error chain.
fn lookup_why(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(sdk) =
            err.downcast_ref::<SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>>()
            && let SdkError::ServiceError(s) = sdk
        {
            let err = s.err();
            return match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => chain(e),
            };
        }
        cur = err.source();
    }
    chain(e)
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
    if let Some(lookup) = find_source::<LookupRoleError>(e) {
        return AwsError::Call {
            call,
            region: region.to_string(),
            message: lookup.to_string(),
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

/// A string field of an answer, `None` when AWS left it out or sent it empty (many services
/// say "not set" with `""`).
pub(crate) fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
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

/// The first `limit` items of a paged listing (the page guard applies), and whether there were
/// more: for listings that show a bounded part of what may be a great deal.
pub(crate) async fn first_items<T, F, Fut>(
    call: &'static str,
    region: &str,
    limit: usize,
    mut fetch: F,
) -> Result<(Vec<T>, bool), AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut pages = crate::bounds::Pages::new(call);
    let mut token = None;
    let mut out = Vec::new();
    loop {
        let (items, next) = fetch(token).await?;
        let mut items = items.into_iter();
        out.extend(items.by_ref().take(limit - out.len().min(limit)));
        if out.len() >= limit {
            return Ok((out, items.next().is_some() || next.is_some()));
        }
        token = pages.next(next).map_err(|l| page_limit(region, l))?;
        if token.is_none() {
            return Ok((out, false));
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

/// The first error of type `T` in `e`'s chain of causes.
fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn me(arn: &str) -> CallerIdentity {
        CallerIdentity {
            account: "333333333333".into(),
            arn: arn.into(),
        }
    }

    fn role(arn: &str, external_id: Option<&str>) -> LookupRole {
        LookupRole {
            arn: arn.into(),
            external_id: external_id.map(str::to_string),
            requires_bootstrap_version: Some(8),
        }
    }

    const TEMPLATE: &str = "arn:${AWS::Partition}:iam::222222222222:role/cdk-hnb659fds-lookup-role-222222222222-eu-west-1";

    #[test]
    fn lookup_role_takes_the_callers_partition_and_no_external_id_unless_named() {
        let s = lookup_session(
            &me("arn:aws-cn:iam::333333333333:user/bob"),
            "222222222222",
            &role(TEMPLATE, None),
        )
        .unwrap();
        assert_eq!(
            s.arn,
            "arn:aws-cn:iam::222222222222:role/cdk-hnb659fds-lookup-role-222222222222-eu-west-1"
        );
        assert_eq!(s.external_id, None);
        assert_eq!(s.session_name, "cdkx-bob");
        assert_eq!(s.region, "eu-west-1");
        let s = lookup_session(
            &me("arn:aws:sts::333333333333:assumed-role/Dev/alice"),
            "222222222222",
            &role(TEMPLATE, Some("xid")),
        )
        .unwrap();
        assert_eq!(s.external_id.as_deref(), Some("xid"));
        assert!(s.arn.starts_with("arn:aws:iam::222222222222:role/"));
        // An environment-agnostic stack's role, or one of another account, is not used.
        let agnostic = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-lookup-role-${AWS::AccountId}-${AWS::Region}";
        assert_eq!(
            lookup_session(
                &me("arn:aws:iam::333333333333:root"),
                "222222222222",
                &role(agnostic, None)
            ),
            None
        );
        assert_eq!(
            lookup_session(
                &me("arn:aws:iam::333333333333:root"),
                "444444444444",
                &role(TEMPLATE, None)
            ),
            None
        );
    }

    #[test]
    fn session_names_say_cdkx_and_the_user_in_iams_characters() {
        assert_eq!(session_name("arn:aws:iam::1:root"), "cdkx-root");
        assert_eq!(
            session_name("arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin/jane.doe@example.com"),
            "cdkx-jane.doe@example.com"
        );
        assert_eq!(
            session_name("arn:aws:iam::1:user/a b\u{1b}[31m"),
            "cdkx-a-b--31m"
        );
        let long = session_name(&format!("arn:aws:iam::1:user/{}", "x".repeat(100)));
        assert_eq!(long.len(), 64);
        assert!(long.starts_with("cdkx-x"));
        assert_eq!(session_name(""), "cdkx-user");
    }

    // ---------------------------------------------------------------- replayed calls

    use replay::{REGION, Replay, xml};

    /// IAM's (and STS's) error document.
    fn query_error(code: &str, message: &str) -> String {
        format!(
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
        )
    }

    #[tokio::test]
    async fn every_page_gathers_the_pages_until_the_token_ends_or_repeats() {
        let script = |tokens: Vec<Option<&'static str>>| {
            let asked = std::sync::Mutex::new(Vec::new());
            let tokens = std::sync::Mutex::new(tokens.into_iter());
            (asked, tokens)
        };
        let (asked, tokens) = script(vec![Some("a"), Some("b"), None]);
        let all = every_page("test:List", REGION, |token| {
            asked.lock().unwrap().push(token);
            let next = tokens.lock().unwrap().next().flatten().map(str::to_string);
            async move { Ok((vec![next.clone()], next)) }
        })
        .await
        .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(
            *asked.lock().unwrap(),
            vec![None, Some("a".to_string()), Some("b".to_string())],
            "each page is asked for with the token of the one before"
        );

        let (asked, tokens) = script(vec![Some("a"), Some("b"), Some("a"), Some("c")]);
        let err = every_page("test:List", REGION, |token| {
            asked.lock().unwrap().push(token);
            let next = tokens.lock().unwrap().next().flatten().map(str::to_string);
            async move { Ok((vec![()], next)) }
        })
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "test:List in us-east-1: stopped after 3 pages: the service sent a NextToken it had already sent (it would repeat pages forever)"
        );
        assert_eq!(asked.lock().unwrap().len(), 3, "no page after the repeat");
    }

    #[tokio::test]
    async fn a_refused_call_gives_the_services_code_and_message() {
        let r = Replay::new(vec![xml(
            403,
            &query_error(
                "AccessDenied",
                "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: iam:GetRole",
            ),
        )]);
        let err = r.aws.role_arn(REGION, "deployer").await.unwrap_err();
        let AwsError::Call {
            call,
            region,
            message,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((*call, region.as_str()), ("iam:GetRole", REGION));
        assert_eq!(
            message,
            "AccessDenied: User: arn:aws:iam::111111111111:user/bob is not authorized to perform: iam:GetRole"
        );
        let sent = r.sent();
        assert_eq!(sent.len(), 1, "no retry of a refusal");
        assert!(
            sent[0].uri.starts_with("https://iam.amazonaws.com"),
            "{}",
            sent[0].uri
        );
        assert_eq!(sent[0].param("Action").as_deref(), Some("GetRole"));
        assert_eq!(sent[0].param("RoleName").as_deref(), Some("deployer"));
    }

    #[tokio::test]
    async fn throttling_is_its_own_error() {
        let r = Replay::new(vec![replay::json(
            400,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        )]);
        let err = r
            .aws
            .lake_start_query(REGION, "SELECT 1")
            .await
            .unwrap_err();
        assert!(matches!(err, AwsError::Throttled { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "cloudtrail:StartQuery in us-east-1: AWS is throttling requests (Rate exceeded)"
        );
        let sent = &r.sent()[0];
        assert_eq!(sent.target(), Some("StartQuery"));
        assert_eq!(sent.json()["QueryStatement"], "SELECT 1");
    }

    #[tokio::test]
    async fn expired_credentials_say_how_to_refresh_them_and_the_failure_is_kept_a_while() {
        let r = Replay::new(vec![xml(
            403,
            &query_error(
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
        )]);
        let err = r.aws.caller_identity(REGION).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "sts:GetCallerIdentity in us-east-1: your credentials have expired: refresh them (`aws sso login`, or a new session) and run cdkx again"
        );
        // A second caller gets the same answer without asking STS again.
        let again = r.aws.caller_identity(REGION).await.unwrap_err();
        assert_eq!(again.to_string(), err.to_string());
        let sent = r.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].param("Action").as_deref(),
            Some("GetCallerIdentity")
        );
        assert!(
            sent[0]
                .uri
                .starts_with("https://sts.us-east-1.amazonaws.com"),
            "{}",
            sent[0].uri
        );
    }

    #[tokio::test]
    async fn an_answer_that_is_not_aws_names_its_status_and_endpoint_escaped() {
        let r = Replay::new(vec![replay::answer(
            502,
            "text/html",
            "<html>\n<h1>502 Bad Gateway</h1>\u{1b}[31m</html>",
            &[],
        )]);
        let err = r.aws.role_arn(REGION, "deployer").await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "iam:GetRole in us-east-1: HTTP 502 from https://iam.amazonaws.com, which is not an AWS answer (it starts: <html> <h1>502 Bad Gateway</h1>"
            ),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(
            matches!(err, AwsError::Call { .. }),
            "an answer came: {err:?}"
        );
    }

    #[tokio::test]
    async fn no_answer_within_the_timeout_is_unreachable_not_a_refusal() {
        let never = aws_smithy_http_client::test_util::NeverClient::new();
        let aws = replay::aws_over(never.clone(), Duration::from_millis(200));
        let err = aws.role_arn(REGION, "deployer").await.unwrap_err();
        assert!(matches!(err, AwsError::Unreachable { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "iam:GetRole in us-east-1: timed out: no answer from https://iam.amazonaws.com within 0.2 s (--timeout 0.2, retries included)"
        );
        assert_eq!(never.num_calls(), 1);
    }

    #[tokio::test]
    async fn an_answer_declared_larger_than_the_cap_is_refused_unread() {
        let r = Replay::new(vec![replay::answer(
            200,
            "text/xml",
            "<GetRoleResponse",
            &[("content-length", "107374182400")],
        )]);
        let err = r.aws.role_arn(REGION, "deployer").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "iam:GetRole in us-east-1: the answer from https://iam.amazonaws.com is 107374182400 bytes, larger than 64 MiB (the most cdkx reads of an AWS answer); not read"
        );
    }
}
