//! Who may call an IAM-authorized REST API, judged by IAM's rules: the principals its resource
//! policy allows and denies, the app's roles allowed to invoke it, and for a caller the outcome
//! (`allow`, `deny`, `unknown`, `conditional`) with its reason. The caller's identity side comes
//! from AWS's policy simulator, else the caller's policy documents, else the app's template
//! (for its own roles); all three are evaluated by the one evaluator here.
//!
//! The rules (IAM User Guide, "Policy evaluation logic", "Cross-account policy evaluation
//! logic" and "Principal"; API Gateway Developer Guide, "How API Gateway resource policies
//! affect authorization workflow", tables A and B):
//! - an explicit Deny in the resource policy or an identity policy wins;
//! - one account: allowed when the resource policy names the caller itself (its user ARN, its
//!   role's ARN or its session's ARN, or `*`) or when an identity policy allows. A resource
//!   policy that names the account (`123456789012`, `arn:aws:iam::123456789012:root`) delegates
//!   to the account: the caller's identity policy must still allow;
//! - across accounts: the resource policy must name the caller or its account, and an identity
//!   policy must allow; without a resource policy no other account may call;
//! - an HTTP API (API Gateway v2) cannot have a resource policy ([`analyze_http_api`]): only
//!   callers of its own account whose identity policies allow can call; another account's
//!   caller must assume a role in the API's account;
//! - a statement with a `Condition` applies only when its condition holds: cdkx cannot tell, so
//!   when the outcome depends on one it is `conditional`, naming the condition keys.

use serde::Serialize;
use serde_json::Value;

use super::Subject;
use crate::arn::Arn;
use crate::aws::{Aws, AwsError, CallerIdentity, IamPrincipal};
use crate::deployed::Deployment;
use crate::kind::ResourceKind;
use crate::model::App;

/// The action every check is about.
pub const INVOKE: &str = "execute-api:Invoke";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessAnalysis {
    pub api_account: Option<String>,
    /// Principals an Allow statement for execute-api:Invoke names (`*`, account ids, ARNs).
    pub allowed_principals: Vec<String>,
    pub denied_principals: Vec<String>,
    pub has_resource_policy: bool,
    /// Roles of this app whose policies allow invoking this API.
    pub app_roles: Vec<AppRole>,
    /// Boxed: most descriptions have none, and it is large.
    pub caller: Option<Box<CallerCoverage>>,
    /// False for an HTTP API (API Gateway v2), which cannot have a resource policy: only callers
    /// of its own account whose identity policies allow it get in. Only written when false.
    #[serde(skip_serializing_if = "is_true")]
    pub resource_policy_supported: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    pub construct_path: String,
    pub logical_id: String,
    /// The policy construct that grants it.
    pub granted_by: String,
}

/// What cdkx concludes for one caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allow,
    Deny,
    /// The caller's identity policies decide and cdkx could not read them.
    Unknown,
    /// It depends on a `Condition` cdkx cannot evaluate.
    Conditional,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Unknown => "unknown",
            Outcome::Conditional => "conditional",
        }
    }
}

/// Where the caller's identity side came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentitySource {
    /// iam:SimulatePrincipalPolicy (AWS's own engine; permission boundaries included).
    Simulate,
    /// The caller's inline and attached policies, read and evaluated by cdkx.
    Policies,
    /// The app's synthesized template (the caller is one of the app's roles).
    Template,
    /// The account's root user: every identity permission.
    Root,
    /// Nothing could be read.
    None,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerCoverage {
    pub account: String,
    pub arn: String,
    pub same_account: bool,
    /// Whether the resource policy allows the caller, itself or through its account, for the
    /// request (`None`: the API has no resource policy; `false` also when it denies).
    pub resource_policy_allows: Option<bool>,
    /// Whether the caller's identity policies allow it (`None`: unknown or conditional).
    pub identity_policy_allows: Option<bool>,
    /// `allow | deny | unknown | conditional`.
    pub outcome: Outcome,
    /// Why: what the resource policy and the identity policies say.
    pub reason: String,
    /// `simulate | policies | template | root | none`.
    pub identity_source: IdentitySource,
    /// What the identity source said, or why it could not be read.
    pub identity_detail: String,
    /// The permission that would let cdkx find out, when the outcome is unknown for want of it.
    pub missing_permission: Option<String>,
    /// The condition keys the outcome depends on (`conditional`).
    pub condition_keys: Vec<String>,
    /// The request evaluated: `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`.
    pub resource: Option<String>,
    /// The outcome and what it means, one sentence (`deny: same account: the call will be
    /// refused ...`).
    pub conclusion: String,
}

/// The request an analysis is about: the method ARN's stage, method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    pub stage: String,
    pub method: String,
    /// The resource path, `/` or `/items/1` (no query).
    pub path: String,
}

impl AccessRequest {
    /// The method ARN of this request on the API `subject`, when its id, region and account are
    /// known.
    pub fn method_arn(&self, subject: &Subject) -> Option<String> {
        let (id, region, account) = (
            subject.physical_id.as_deref()?,
            subject.region.as_deref()?,
            subject.account.as_deref()?,
        );
        let path = self.path.split(['?', '#']).next().unwrap_or_default();
        let resource = format!(
            "{id}/{}/{}/{}",
            self.stage,
            self.method.to_ascii_uppercase(),
            path.trim_start_matches('/')
        );
        Some(execute_api_arn(subject, region, account, &resource))
    }
}

/// `arn:PARTITION:execute-api:REGION:ACCOUNT:RESOURCE`, in the partition of `subject`.
fn execute_api_arn(subject: &Subject, region: &str, account: &str, resource: &str) -> String {
    let arn = Arn {
        partition: &subject.partition,
        service: "execute-api",
        region,
        account,
        resource,
    };
    arn.to_string()
}

/// Whether a condition on a grant holds: never, always, or when the named keys match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Cond {
    #[default]
    No,
    Yes,
    If(Vec<String>),
}

impl Cond {
    fn or(self, other: Cond) -> Cond {
        match (self, other) {
            (Cond::Yes, _) | (_, Cond::Yes) => Cond::Yes,
            (Cond::If(mut a), Cond::If(b)) => {
                for k in b {
                    if !a.contains(&k) {
                        a.push(k);
                    }
                }
                Cond::If(a)
            }
            (Cond::If(a), Cond::No) | (Cond::No, Cond::If(a)) => Cond::If(a),
            (Cond::No, Cond::No) => Cond::No,
        }
    }

    fn holds(&self, conditions_hold: bool) -> bool {
        match self {
            Cond::Yes => true,
            Cond::If(_) => conditions_hold,
            Cond::No => false,
        }
    }

    pub(crate) fn keys(&self) -> &[String] {
        match self {
            Cond::If(k) => k,
            _ => &[],
        }
    }
}

/// What a set of identity policies says about the request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grant {
    pub allow: Cond,
    pub deny: Cond,
}

impl Grant {
    pub const ALLOW: Grant = Grant {
        allow: Cond::Yes,
        deny: Cond::No,
    };
    pub const NONE: Grant = Grant {
        allow: Cond::No,
        deny: Cond::No,
    };
}

/// The caller's identity side, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityEvidence {
    pub source: IdentitySource,
    /// `None`: not known.
    pub grant: Option<Grant>,
    pub detail: String,
    pub missing_permission: Option<String>,
}

impl IdentityEvidence {
    fn unknown(detail: String, missing_permission: Option<String>) -> IdentityEvidence {
        IdentityEvidence {
            source: IdentitySource::None,
            grant: None,
            detail,
            missing_permission,
        }
    }
}

/// The caller, as policies name it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CallerKind {
    Root,
    User,
    /// An assumed-role session (`arn:...:sts::A:assumed-role/ROLE/SESSION`) or the role itself.
    Role(String),
    Other,
}

fn caller_kind(arn: &str) -> CallerKind {
    let resource = Arn::parse(arn).map(|a| a.resource).unwrap_or_default();
    let mut parts = resource.split('/');
    match parts.next().unwrap_or_default() {
        "root" => CallerKind::Root,
        "user" => CallerKind::User,
        "assumed-role" => parts
            .next()
            .map_or(CallerKind::Other, |r| CallerKind::Role(r.to_string())),
        // A role ARN may have a path: the name is the last part.
        "role" => resource
            .rsplit('/')
            .next()
            .map_or(CallerKind::Other, |r| CallerKind::Role(r.to_string())),
        _ => CallerKind::Other,
    }
}

/// How a resource policy's principal names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    No,
    /// The caller itself: `*`, its user ARN, its role's ARN, its session's ARN, or (for the
    /// root user) its account.
    Caller,
    /// Only its account: a delegation to the account's own IAM policies.
    Account,
}

fn names(principal: &str, caller: &CallerIdentity) -> Names {
    if principal == "*" {
        return Names::Caller;
    }
    let kind = caller_kind(&caller.arn);
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return match (principal == caller.account, &kind) {
            (true, CallerKind::Root) => Names::Caller,
            (true, _) => Names::Account,
            _ => Names::No,
        };
    }
    let Some(arn) = Arn::parse(principal).filter(|a| a.account == caller.account) else {
        return Names::No;
    };
    let resource = arn.resource;
    if resource == "root" {
        return if kind == CallerKind::Root {
            Names::Caller
        } else {
            Names::Account
        };
    }
    if principal == caller.arn {
        return Names::Caller;
    }
    match (resource.split('/').next(), &kind) {
        // A role ARN (any path) names every session of that role.
        (Some("role"), CallerKind::Role(name)) if resource.rsplit('/').next() == Some(name) => {
            Names::Caller
        }
        // A user ARN from an emulator's `sts` caller identity (`arn:aws:sts::A:user/x`).
        (Some("user"), CallerKind::User) => {
            let tail = |a: &str| Arn::parse(a).map(|a| a.resource.to_string());
            if tail(principal) == tail(&caller.arn) {
                Names::Caller
            } else {
                Names::No
            }
        }
        _ => Names::No,
    }
}

/// `*` and `?` wildcards, as IAM matches actions (any case) and resources (exact case).
pub fn wildcard(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| {
        if ignore_case {
            s.to_ascii_lowercase()
        } else {
            s.to_string()
        }
    };
    let (p, v): (Vec<char>, Vec<char>) = (
        fold(pattern).chars().collect(),
        fold(value).chars().collect(),
    );
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a statement is about `action` (execute-api:Invoke, lambda:InvokeFunction, ...) on
/// `resource` (`Action`/`NotAction`, `Resource`/`NotResource`; in a resource policy
/// `execute-api:/...` is short for this API's ARN). A statement without any resource element
/// applies to the resource it is attached to.
fn applies_to(
    st: &Value,
    action: &str,
    resource: &str,
    api_prefix: Option<&str>,
    resource_policy: bool,
) -> bool {
    let texts = |k: &str| -> Vec<String> {
        strings(st.get(k))
            .into_iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let action_ok = if st.get("NotAction").is_some() {
        !texts("NotAction").iter().any(|a| wildcard(a, action, true))
    } else {
        texts("Action").iter().any(|a| wildcard(a, action, true))
    };
    let expand = |r: &String| match (api_prefix, r.strip_prefix("execute-api:")) {
        (Some(prefix), Some(rest)) if rest.starts_with('/') => format!("{prefix}{rest}"),
        _ => r.clone(),
    };
    let resource_ok = if st.get("NotResource").is_some() {
        !texts("NotResource")
            .iter()
            .any(|r| wildcard(&expand(r), resource, false))
    } else if st.get("Resource").is_none() {
        resource_policy
    } else {
        texts("Resource")
            .iter()
            .any(|r| wildcard(&expand(r), resource, false))
    };
    action_ok && resource_ok
}

/// The condition keys of a statement (`{"IpAddress": {"aws:SourceIp": ...}}` -> aws:SourceIp).
pub(crate) fn condition_keys(st: &Value) -> Vec<String> {
    let mut keys: Vec<String> = st
        .get("Condition")
        .and_then(Value::as_object)
        .map(|ops| {
            ops.values()
                .filter_map(Value::as_object)
                .flat_map(|m| m.keys().cloned())
                .collect()
        })
        .unwrap_or_default();
    keys.dedup();
    keys
}

pub(crate) fn effect(st: &Value) -> Option<bool> {
    match st.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Some(true),
        Some(e) if e.eq_ignore_ascii_case("deny") => Some(false),
        _ => None,
    }
}

fn cond_of(st: &Value) -> Cond {
    let keys = condition_keys(st);
    if st
        .get("Condition")
        .is_some_and(|c| c.as_object().is_none_or(|m| !m.is_empty()))
    {
        Cond::If(if keys.is_empty() {
            vec!["(a condition)".into()]
        } else {
            keys
        })
    } else {
        Cond::Yes
    }
}

/// Evaluates identity policy documents for execute-api:Invoke on `resource`.
pub fn evaluate_identity(docs: &[Value], resource: &str) -> Grant {
    evaluate_identity_for(docs, INVOKE, resource)
}

/// Evaluates identity policy documents for `action` on `resource`.
pub fn evaluate_identity_for(docs: &[Value], action: &str, resource: &str) -> Grant {
    let mut g = Grant::default();
    for doc in docs {
        for st in statements(doc) {
            if !applies_to(st, action, resource, None, false) {
                continue;
            }
            match effect(st) {
                Some(true) => g.allow = std::mem::take(&mut g.allow).or(cond_of(st)),
                Some(false) => g.deny = std::mem::take(&mut g.deny).or(cond_of(st)),
                None => {}
            }
        }
    }
    g
}

/// What the resource policy says about one caller and request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ResourceGrant {
    /// Allow statements naming the caller itself (or `*`).
    pub(crate) caller: Cond,
    /// Allow statements naming only its account.
    pub(crate) account: Cond,
    pub(crate) deny: Cond,
    /// Notes on elements cdkx reads in a particular way (NotPrincipal).
    pub(crate) notes: Vec<String>,
}

/// The principals of a statement, rendered (`*` for `"Principal": "*"`; service and federated
/// principals as `service:NAME`, `federated:NAME`, which never name an IAM caller).
pub(crate) fn principal_list(p: Option<&Value>, render: &dyn Fn(&Value) -> String) -> Vec<String> {
    match p {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(m)) => {
            let mut out = Vec::new();
            for (kind, v) in m {
                for item in strings(Some(v)) {
                    let text = render(item);
                    out.push(match kind.as_str() {
                        "AWS" => text,
                        "Service" => format!("service:{text}"),
                        "Federated" => format!("federated:{text}"),
                        other => format!("{}:{text}", other.to_ascii_lowercase()),
                    });
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

fn evaluate_resource_policy(
    policy: &Value,
    caller: &CallerIdentity,
    resource: &str,
    api_prefix: &str,
    render: &dyn Fn(&Value) -> String,
) -> ResourceGrant {
    evaluate_resource_policy_for(policy, caller, INVOKE, resource, api_prefix, render)
}

/// What a resource policy says about `caller` doing `action` on `resource`.
pub(crate) fn evaluate_resource_policy_for(
    policy: &Value,
    caller: &CallerIdentity,
    action: &str,
    resource: &str,
    api_prefix: &str,
    render: &dyn Fn(&Value) -> String,
) -> ResourceGrant {
    let mut g = ResourceGrant::default();
    for st in statements(policy) {
        if !applies_to(st, action, resource, Some(api_prefix), true) {
            continue;
        }
        let named = if let Some(np) = st.get("NotPrincipal") {
            // Every principal except those listed; a listed account or role excludes its
            // sessions too.
            let excluded = principal_list(Some(np), render)
                .iter()
                .any(|p| names(p, caller) != Names::No);
            g.notes.push(format!(
                "a NotPrincipal statement applies to everyone except {}",
                principal_list(Some(np), render).join(", ")
            ));
            if excluded { Names::No } else { Names::Caller }
        } else {
            principal_list(st.get("Principal"), render)
                .iter()
                .map(|p| names(p, caller))
                .fold(Names::No, |best, n| match (best, n) {
                    (Names::Caller, _) | (_, Names::Caller) => Names::Caller,
                    (Names::Account, _) | (_, Names::Account) => Names::Account,
                    _ => Names::No,
                })
        };
        let cond = cond_of(st);
        match (effect(st), named) {
            (_, Names::No) | (None, _) => {}
            // A Deny that names the account applies to every principal in it.
            (Some(false), _) => g.deny = std::mem::take(&mut g.deny).or(cond),
            (Some(true), Names::Caller) => g.caller = std::mem::take(&mut g.caller).or(cond),
            (Some(true), Names::Account) => g.account = std::mem::take(&mut g.account).or(cond),
        }
    }
    g
}

/// The decision under one assumption about conditions and one identity side.
fn allowed(
    rp: Option<&ResourceGrant>,
    identity: &Grant,
    same_account: bool,
    conditions_hold: bool,
) -> bool {
    let h = |c: &Cond| c.holds(conditions_hold);
    if rp.is_some_and(|r| h(&r.deny)) || h(&identity.deny) {
        return false;
    }
    let id = h(&identity.allow);
    match rp {
        None => same_account && id,
        Some(r) if same_account => h(&r.caller) || id,
        Some(r) => (h(&r.caller) || h(&r.account)) && id,
    }
}

/// The outcome: the decision when it is the same whatever cdkx does not know, else `unknown`
/// (the identity side is not known and matters) or `conditional` (a condition matters).
pub(crate) fn decide(
    rp: Option<&ResourceGrant>,
    identity: Option<&Grant>,
    same_account: bool,
) -> Outcome {
    let sides: Vec<&Grant> = match identity {
        Some(g) => vec![g],
        None => vec![&Grant::ALLOW, &Grant::NONE],
    };
    let results: Vec<(bool, bool)> = [false, true]
        .iter()
        .flat_map(|&c| {
            sides
                .iter()
                .map(move |g| (c, allowed(rp, g, same_account, c)))
        })
        .collect();
    let all = |v: bool| results.iter().all(|&(_, r)| r == v);
    if all(true) {
        return Outcome::Allow;
    }
    if all(false) {
        return Outcome::Deny;
    }
    // Does the identity side alone change it, with conditions fixed either way?
    let identity_matters = [false, true].iter().any(|&c| {
        let rs: Vec<bool> = results.iter().filter(|r| r.0 == c).map(|r| r.1).collect();
        rs.iter().any(|&r| r) && rs.iter().any(|&r| !r)
    });
    if identity_matters {
        Outcome::Unknown
    } else {
        Outcome::Conditional
    }
}

/// Analyzes the REST API `subject` with its resource `policy` (live, else the template's) for
/// `caller` making `request`, with what is known of the caller's identity policies.
///
/// `deployment`, when known, names the app's roles by their physical names, so a caller that is
/// one of them is recognized for certain; without it, by CloudFormation's naming.
pub fn analyze(
    app: &App,
    deployment: Option<&Deployment>,
    subject: &Subject,
    policy: Option<&Value>,
    caller: Option<&CallerIdentity>,
    identity: Option<&IdentityEvidence>,
    request: &AccessRequest,
) -> AccessAnalysis {
    let account = subject.account.clone();
    let render_raw = |v: &Value| render_intrinsic(v, account.as_deref(), &subject.partition);
    let render = |v: &Value| resolve_refs(&render_raw(v), subject);
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    if let Some(p) = policy {
        for st in statements(p) {
            let invoke = if st.get("NotAction").is_some() {
                true
            } else {
                actions_of(st).iter().any(|a| wildcard(a, INVOKE, true))
            };
            if !invoke {
                continue;
            }
            let principals = principal_list(st.get("Principal"), &render);
            match effect(st) {
                Some(true) => allowed.extend(principals),
                Some(false) => denied.extend(principals),
                None => {}
            }
        }
    }
    allowed.dedup();
    denied.dedup();
    let app_roles = roles_allowing(app, subject, &render_raw);
    let caller = caller.map(|c| {
        let evidence = match identity {
            Some(e) if e.grant.is_some() => e.clone(),
            other => template_identity(app, deployment, subject, c, request, &render)
                .unwrap_or_else(|| {
                    other.cloned().unwrap_or_else(|| {
                        IdentityEvidence::unknown(
                            "not looked up".into(),
                            Some("iam:SimulatePrincipalPolicy".into()),
                        )
                    })
                }),
        };
        Box::new(coverage(c, subject, policy, &evidence, request, &render))
    });
    AccessAnalysis {
        api_account: account,
        allowed_principals: allowed,
        denied_principals: denied,
        has_resource_policy: policy.is_some(),
        app_roles,
        caller,
        resource_policy_supported: true,
    }
}

/// Analyzes the HTTP API (API Gateway v2) `subject` for `caller` making `request`: the same
/// engine with no resource policy, which is all an HTTP API can have. A caller of another
/// account is refused whatever its own policies say; the conclusion names the way in: a role
/// in the API's account (this app's roles that may invoke the route first) to assume and sign
/// with.
pub fn analyze_http_api(
    app: &App,
    deployment: Option<&Deployment>,
    subject: &Subject,
    caller: Option<&CallerIdentity>,
    identity: Option<&IdentityEvidence>,
    request: &AccessRequest,
) -> AccessAnalysis {
    let mut a = analyze(app, deployment, subject, None, caller, identity, request);
    a.resource_policy_supported = false;
    let roles: Vec<&str> = a
        .app_roles
        .iter()
        .map(|r| r.construct_path.as_str())
        .collect();
    if let Some(c) = a.caller.as_mut() {
        if let Some(rest) = c.reason.strip_prefix(NO_RESOURCE_POLICY) {
            c.reason = format!("{HTTP_API_NO_RESOURCE_POLICY}{rest}");
        }
        if !c.same_account {
            let account = subject.account.as_deref().unwrap_or("of the API");
            let route = c.resource.as_deref().unwrap_or("the route's ARN");
            let examples = if roles.is_empty() {
                String::new()
            } else {
                format!(" (this app's: {})", roles.join(", "))
            };
            c.conclusion = format!(
                "{}: cross-account (your account {}): HTTP APIs have no resource policy, so the call will be refused whatever your own policies allow: assume a role in account {account} whose identity policy allows execute-api:Invoke on {route}{examples}, and sign with its credentials (--as-role ROLE_ARN)",
                c.outcome.as_str(),
                c.account
            );
        }
    }
    a
}

/// [`analyze`] for a REST API, [`analyze_http_api`] for an HTTP API (which has no resource
/// policy, so `policy` is not read): what `describe` and `probe` run for either kind of API.
pub fn analyze_api(
    app: &App,
    deployment: Option<&Deployment>,
    subject: &Subject,
    policy: Option<&Value>,
    caller: Option<&CallerIdentity>,
    identity: Option<&IdentityEvidence>,
    request: &AccessRequest,
) -> AccessAnalysis {
    if ResourceKind::ApiGatewayV2Api.is(&subject.cfn_type) {
        analyze_http_api(app, deployment, subject, caller, identity, request)
    } else {
        analyze(app, deployment, subject, policy, caller, identity, request)
    }
}

const NO_RESOURCE_POLICY: &str = "the API has no resource policy";
const HTTP_API_NO_RESOURCE_POLICY: &str =
    "HTTP APIs have no resource policy, so only callers of the API's own account can be allowed";

#[cfg(test)]
pub(crate) mod http_api_tests {
    use super::*;

    /// The HTTP API of tests/fixtures/http-api, deployed as `abc123` in us-east-1 (the probe's
    /// tests use it too).
    pub(crate) fn http_api() -> (App, Subject) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/http-api/cdk.out");
        let app = App::from_assembly(crate::assembly::read(&dir).expect("the http-api fixture"));
        let r = app
            .resources
            .iter()
            .find(|r| crate::kind::ResourceKind::ApiGatewayV2Api.is(&r.cfn_type))
            .unwrap();
        let subject = Subject {
            construct_path: r.construct_path.clone(),
            construct_id: "iam-http-api".into(),
            fqn: None,
            cfn_type: r.cfn_type.clone(),
            logical_id: Some(r.logical_id.0.clone()),
            stack: r.stack,
            stack_name: "HttpApiStack".into(),
            physical_id: Some("abc123".into()),
            physical_state: "deployed".into(),
            region: Some("us-east-1".into()),
            account: Some("123456789012".into()),
            partition: "aws".into(),
        };
        (app, subject)
    }

    fn request() -> AccessRequest {
        AccessRequest {
            stage: "$default".into(),
            method: "GET".into(),
            path: "/items".into(),
        }
    }

    fn caller(account: &str) -> CallerIdentity {
        CallerIdentity {
            account: account.into(),
            arn: format!("arn:aws:iam::{account}:user/dev"),
        }
    }

    fn allowed() -> IdentityEvidence {
        IdentityEvidence {
            source: IdentitySource::Policies,
            grant: Some(Grant::ALLOW),
            detail: "test".into(),
            missing_permission: None,
        }
    }

    #[test]
    fn another_account_is_refused_whatever_it_allows_itself_and_shown_the_way_in() {
        let (app, subject) = http_api();
        let a = analyze_http_api(
            &app,
            None,
            &subject,
            Some(&caller("222222222222")),
            Some(&allowed()),
            &request(),
        );
        assert!(!a.resource_policy_supported && !a.has_resource_policy);
        let c = a.caller.as_ref().unwrap();
        assert_eq!(c.outcome, Outcome::Deny);
        assert_eq!(c.identity_policy_allows, Some(true));
        assert_eq!(
            c.resource.as_deref(),
            Some("arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/items")
        );
        assert!(
            c.conclusion
                .contains("assume a role in account 123456789012")
                && c.conclusion.contains("HttpApiStack/httpApiCallerRole"),
            "{}",
            c.conclusion
        );
        assert!(
            c.reason.starts_with(HTTP_API_NO_RESOURCE_POLICY),
            "{}",
            c.reason
        );
        assert!(!a.resource_policy_supported && !a.has_resource_policy);
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["resourcePolicySupported"], false);
    }

    #[test]
    fn in_its_own_account_the_identity_policy_alone_decides() {
        let (app, subject) = http_api();
        let own = caller("123456789012");
        let a = analyze_http_api(
            &app,
            None,
            &subject,
            Some(&own),
            Some(&allowed()),
            &request(),
        );
        assert_eq!(a.caller.as_ref().unwrap().outcome, Outcome::Allow);
        let none = IdentityEvidence {
            grant: Some(Grant::NONE),
            ..allowed()
        };
        let a = analyze_http_api(&app, None, &subject, Some(&own), Some(&none), &request());
        let c = a.caller.as_ref().unwrap();
        assert_eq!(c.outcome, Outcome::Deny);
        assert!(
            c.conclusion.contains("add execute-api:Invoke"),
            "{}",
            c.conclusion
        );
        // A REST API's analysis still writes no such field.
        let v = serde_json::to_value(analyze(&app, None, &subject, None, None, None, &request()))
            .unwrap();
        assert!(v.get("resourcePolicySupported").is_none(), "{v}");
    }
}

/// `${ApiLogicalId}` and `${AWS::Region}` in a rendered template string, made concrete.
fn resolve_refs(text: &str, subject: &Subject) -> String {
    let mut out = text.to_string();
    if let (Some(l), Some(id)) = (
        subject.logical_id.as_deref(),
        subject.physical_id.as_deref(),
    ) {
        out = out.replace(&format!("${{{l}}}"), id);
    }
    if let Some(r) = subject.region.as_deref() {
        out = out.replace("${AWS::Region}", r);
    }
    out
}

fn coverage(
    c: &CallerIdentity,
    subject: &Subject,
    policy: Option<&Value>,
    evidence: &IdentityEvidence,
    request: &AccessRequest,
    render: &dyn Fn(&Value) -> String,
) -> CallerCoverage {
    let api_account = subject.account.as_deref();
    let same_account = api_account.is_none_or(|a| a == c.account);
    let resource = request.method_arn(subject);
    let arn_for_match = resource.clone().unwrap_or_default();
    let api_prefix = match (
        subject.region.as_deref(),
        api_account,
        subject.physical_id.as_deref(),
    ) {
        (Some(r), Some(a), Some(id)) => execute_api_arn(subject, r, a, id),
        _ => String::new(),
    };
    let rp = policy.map(|p| evaluate_resource_policy(p, c, &arn_for_match, &api_prefix, render));
    let outcome = decide(rp.as_ref(), evidence.grant.as_ref(), same_account);
    let mut keys: Vec<String> = Vec::new();
    if let Some(r) = &rp {
        for k in [&r.caller, &r.account, &r.deny]
            .iter()
            .flat_map(|c| c.keys())
        {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    if let Some(g) = &evidence.grant {
        for k in g.allow.keys().iter().chain(g.deny.keys()) {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let (meaning, mut reason) = reason(c, same_account, rp.as_ref(), evidence, outcome, &keys);
    if let Some(r) = &rp
        && !r.notes.is_empty()
    {
        reason.push_str(&format!(" (note: {})", r.notes.join("; ")));
    }
    let resource_policy_allows = rp
        .as_ref()
        .map(|r| r.deny != Cond::Yes && (r.caller == Cond::Yes || r.account == Cond::Yes));
    let identity_policy_allows = match &evidence.grant {
        Some(g) if g.deny == Cond::Yes => Some(false),
        Some(g) if g.allow == Cond::Yes => Some(true),
        Some(g) if g.allow == Cond::No && g.deny == Cond::No => Some(false),
        _ => None,
    };
    let conclusion = format!("{}: {meaning}", outcome.as_str());
    CallerCoverage {
        account: c.account.clone(),
        arn: c.arn.clone(),
        same_account,
        resource_policy_allows,
        identity_policy_allows,
        outcome,
        reason,
        identity_source: evidence.source,
        identity_detail: evidence.detail.clone(),
        missing_permission: if outcome == Outcome::Unknown {
            evidence.missing_permission.clone()
        } else {
            None
        },
        condition_keys: if outcome == Outcome::Conditional {
            keys
        } else {
            Vec::new()
        },
        resource,
        conclusion,
    }
}

/// What the outcome means (`same account: the call will be refused ...`) and why (what the
/// resource policy and the identity policies say).
fn reason(
    c: &CallerIdentity,
    same_account: bool,
    rp: Option<&ResourceGrant>,
    evidence: &IdentityEvidence,
    outcome: Outcome,
    keys: &[String],
) -> (String, String) {
    let scope = if same_account {
        "same account".to_string()
    } else {
        format!("cross-account (your account {})", c.account)
    };
    let rp_words = match rp {
        None => NO_RESOURCE_POLICY.to_string(),
        Some(r) if r.deny == Cond::Yes => "the resource policy explicitly denies you".to_string(),
        Some(r) if r.caller == Cond::Yes => "the resource policy names you".to_string(),
        Some(r) if r.account == Cond::Yes && same_account => format!(
            "the resource policy names only your account ({}), which leaves the decision to your own identity policies",
            c.account
        ),
        Some(r) if r.account == Cond::Yes => "the resource policy allows your account".to_string(),
        Some(r) if r.caller != Cond::No || r.account != Cond::No => {
            "the resource policy allows you only under a condition".to_string()
        }
        Some(_) if same_account => {
            "the resource policy does not name you or your account".to_string()
        }
        Some(_) => format!("the resource policy does not allow account {}", c.account),
    };
    let id_words = match (&evidence.grant, evidence.source) {
        (_, IdentitySource::Root) => {
            "as the root user you have every identity permission".to_string()
        }
        (None, _) => match &evidence.missing_permission {
            Some(p) => {
                format!("cdkx could not read your identity policies; {p} would let it find out")
            }
            None => format!(
                "cdkx could not read your identity policies: {}",
                evidence.detail
            ),
        },
        (Some(g), _) if g.deny == Cond::Yes => {
            "your identity policies explicitly deny execute-api:Invoke".to_string()
        }
        (Some(g), _) if g.allow == Cond::Yes => {
            "your identity policies allow execute-api:Invoke on it".to_string()
        }
        (Some(g), _) if g.allow != Cond::No || g.deny != Cond::No => {
            "your identity policies allow it only under a condition".to_string()
        }
        (Some(_), _) => {
            "no identity-based policy of yours allows execute-api:Invoke on it".to_string()
        }
    };
    let tail = match outcome {
        Outcome::Allow => "the call is allowed",
        Outcome::Deny
            if !same_account
                && rp.is_some_and(|r| {
                    r.caller == Cond::No && r.account == Cond::No && r.deny == Cond::No
                }) =>
        {
            "the call will be refused (User: anonymous ...): add your account to the resource policy, and execute-api:Invoke to your identity policy"
        }
        Outcome::Deny
            if evidence
                .grant
                .as_ref()
                .is_some_and(|g| g.allow == Cond::No && g.deny == Cond::No) =>
        {
            "the call will be refused (no identity-based policy allows): add execute-api:Invoke on the API's ARN to your role or user"
        }
        Outcome::Deny => "the call will be refused",
        Outcome::Unknown => "whether the call is allowed depends on your identity policies",
        Outcome::Conditional => "",
    };
    let tail = if outcome == Outcome::Conditional {
        format!(
            "it depends on conditions cdkx cannot evaluate: {}",
            keys.join(", ")
        )
    } else {
        tail.to_string()
    };
    (
        format!("{scope}: {tail}"),
        format!("{rp_words}; {id_words}"),
    )
}

/// The caller's identity side from the app's template, when the caller is one of the app's
/// roles (its physical name embeds the role's logical id, as CloudFormation names roles).
/// AWS managed policies attached to it are not in the template and are not counted.
fn template_identity(
    app: &App,
    deployment: Option<&Deployment>,
    subject: &Subject,
    caller: &CallerIdentity,
    request: &AccessRequest,
    render: &dyn Fn(&Value) -> String,
) -> Option<IdentityEvidence> {
    let CallerKind::Role(name) = caller_kind(&caller.arn) else {
        return None;
    };
    let roles = || {
        app.resources
            .iter()
            .filter(|r| r.stack == subject.stack && ResourceKind::IamRole.is(&r.cfn_type))
    };
    // The deployed name is the truth; CloudFormation's naming (`Stack-LogicalId-RANDOM`, the
    // logical id cut to fit 64 characters) only a guess, used when nothing was deployed.
    let deployed =
        deployment.and_then(|d| roles().find(|r| d.physical(r).id() == Some(name.as_str())));
    let named = || {
        deployment
            .is_none_or(|d| roles().all(|r| d.physical(r).id().is_none()))
            .then(|| roles().find(|r| name.contains(&r.logical_id.0)))
            .flatten()
    };
    let role = deployed.or_else(named)?;
    let resource = request.method_arn(subject)?;
    let mut docs: Vec<Value> = Vec::new();
    let refers =
        |v: &Value| v.get("Ref").and_then(Value::as_str) == Some(role.logical_id.0.as_str());
    for r in app.resources.iter().filter(|r| r.stack == subject.stack) {
        let Some(props) = &r.properties else { continue };
        let found: Vec<&Value> = match ResourceKind::of(&r.cfn_type) {
            Some(ResourceKind::IamPolicy | ResourceKind::IamManagedPolicy)
                if strings(props.get("Roles")).into_iter().any(refers) =>
            {
                props.get("PolicyDocument").into_iter().collect()
            }
            Some(ResourceKind::IamRole) if r.logical_id == role.logical_id => {
                strings(props.get("Policies"))
                    .into_iter()
                    .filter_map(|p| p.get("PolicyDocument"))
                    .collect()
            }
            _ => Vec::new(),
        };
        docs.extend(found.into_iter().map(|d| render_document(d, render)));
    }
    let grant = evaluate_identity(&docs, &resource);
    Some(IdentityEvidence {
        source: IdentitySource::Template,
        grant: Some(grant),
        detail: format!(
            "the template's policies of {} (AWS managed policies and permission boundaries not counted)",
            role.construct_path
        ),
        missing_permission: None,
    })
}

/// A template policy document with its intrinsics rendered to text.
fn render_document(doc: &Value, render: &dyn Fn(&Value) -> String) -> Value {
    let mut doc = doc.clone();
    if let Some(Value::Array(sts)) = doc.get_mut("Statement") {
        for st in sts {
            for k in ["Resource", "NotResource"] {
                if let Some(v) = st.get(k) {
                    let rendered: Vec<Value> = strings(Some(v))
                        .into_iter()
                        .map(|r| Value::String(render(r)))
                        .collect();
                    st[k] = Value::Array(rendered);
                }
            }
        }
    }
    doc
}

/// The caller's identity side from AWS: iam:SimulatePrincipalPolicy with `aws` (credentials of
/// the caller's own account), else its policies read and evaluated; `None` in the evidence's
/// grant when neither could be read (the reason and the permission that would help are given).
/// This one asks about `request` on `subject` (execute-api:Invoke on the request's ARN); `None`
/// when the caller or the ARN is not known.
pub async fn identity_evidence(
    aws: &Aws,
    region: &str,
    caller: Option<&CallerIdentity>,
    subject: &Subject,
    request: &AccessRequest,
) -> Option<IdentityEvidence> {
    let (caller, arn) = caller.zip(request.method_arn(subject))?;
    Some(identity_evidence_for(aws, region, caller, INVOKE, &arn).await)
}

/// [`identity_evidence`] for any `action` on `resource`.
pub async fn identity_evidence_for(
    aws: &Aws,
    region: &str,
    caller: &CallerIdentity,
    action: &str,
    resource: &str,
) -> IdentityEvidence {
    let partition = crate::arn::partition_name(&caller.arn);
    let resource_name = Arn::parse(&caller.arn)
        .map(|a| a.resource)
        .unwrap_or_default();
    let iam_arn = |resource: &str| {
        let arn = Arn {
            partition,
            service: "iam",
            region: "",
            account: &caller.account,
            resource,
        };
        arn.to_string()
    };
    let principal = match caller_kind(&caller.arn) {
        CallerKind::Root => {
            return IdentityEvidence {
                source: IdentitySource::Root,
                grant: Some(Grant::ALLOW),
                detail: "the account's root user".into(),
                missing_permission: None,
            };
        }
        CallerKind::User => IamPrincipal::User {
            name: resource_name
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
            arn: iam_arn(resource_name),
        },
        CallerKind::Role(name) => IamPrincipal::Role {
            arn: iam_arn(&format!("role/{name}")),
            name,
        },
        CallerKind::Other => {
            return IdentityEvidence::unknown(
                format!("cdkx cannot look up the policies of {}", caller.arn),
                None,
            );
        }
    };
    let no_such = |e: &AwsError| e.to_string().contains("NoSuchEntity");
    // Set when IAM said the principal does not exist (not merely that one ARN of it is wrong).
    let mut absent = false;
    let simulated = match aws
        .simulate_principal_policy(region, principal.arn(), action, resource)
        .await
    {
        Err(e) if no_such(&e) => match &principal {
            // A user's ARN is the caller's own, path included: no such user.
            IamPrincipal::User { .. } => {
                absent = true;
                Err(e)
            }
            // A role with a path: its ARN is not the session's role/NAME. GetRole by name
            // finds it, or says that there is no such role.
            IamPrincipal::Role { name, .. } => match aws.role_arn(region, name).await {
                Ok(arn) if arn != principal.arn() => {
                    aws.simulate_principal_policy(region, &arn, action, resource)
                        .await
                }
                Err(lookup) => {
                    absent = no_such(&lookup);
                    Err(e)
                }
                Ok(_) => Err(e),
            },
        },
        other => other,
    };
    let sim_error = match simulated {
        // IAM does not know the principal: its policies cannot be read either (a round trip
        // saved, after the ones that found it out).
        Err(e) if absent => {
            return IdentityEvidence::unknown(
                format!(
                    "IAM of account {} does not know {} ({e})",
                    caller.account,
                    principal.arn()
                ),
                None,
            );
        }
        Ok(s) => {
            let keys = s.missing_context.clone();
            let grant = match s.decision.as_str() {
                "allowed" => Grant::ALLOW,
                "explicitDeny" => Grant {
                    allow: Cond::No,
                    deny: Cond::Yes,
                },
                _ if !keys.is_empty() => Grant {
                    allow: Cond::If(keys),
                    deny: Cond::No,
                },
                _ => Grant::NONE,
            };
            let matched = if s.matched.is_empty() {
                String::new()
            } else {
                format!(", by {}", s.matched.join(", "))
            };
            return IdentityEvidence {
                source: IdentitySource::Simulate,
                grant: Some(grant),
                detail: format!(
                    "iam:SimulatePrincipalPolicy for {}: {}{matched}",
                    principal.arn(),
                    s.decision
                ),
                missing_permission: None,
            };
        }
        Err(e) => e,
    };
    match aws.identity_policies(region, &principal).await {
        Ok(policies) => {
            let docs: Vec<Value> = policies.iter().map(|p| p.document.clone()).collect();
            let grant = evaluate_identity_for(&docs, action, resource);
            let names: Vec<&str> = policies.iter().map(|p| p.origin.as_str()).collect();
            IdentityEvidence {
                source: IdentitySource::Policies,
                grant: Some(grant),
                detail: format!(
                    "{} policies of {} read and evaluated ({}); permission boundaries and session policies not counted",
                    policies.len(),
                    principal.arn(),
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join("; ")
                    }
                ),
                missing_permission: None,
            }
        }
        Err(read_error) => {
            let (list, get) = match principal {
                IamPrincipal::Role { .. } => ("iam:ListRolePolicies", "iam:GetRolePolicy"),
                IamPrincipal::User { .. } => ("iam:ListUserPolicies", "iam:GetUserPolicy"),
            };
            IdentityEvidence::unknown(
                format!("{sim_error}; {read_error}"),
                Some(format!(
                    "iam:SimulatePrincipalPolicy on {} (or {list}, {get}, iam:ListAttached*Policies, iam:GetPolicy and iam:GetPolicyVersion)",
                    principal.arn()
                )),
            )
        }
    }
}

/// Looks up the caller's identity side with `aws` and analyzes ([`analyze_api`]): what
/// `describe` runs.
pub async fn analyze_with_lookup(
    app: &App,
    deployment: Option<&Deployment>,
    aws: &Aws,
    subject: &Subject,
    policy: Option<&Value>,
    caller: Option<&CallerIdentity>,
    request: &AccessRequest,
) -> AccessAnalysis {
    let region = subject
        .region
        .clone()
        .or_else(|| aws.default_region())
        .unwrap_or_else(|| "us-east-1".into());
    let evidence = identity_evidence(aws, &region, caller, subject, request).await;
    analyze_api(
        app,
        deployment,
        subject,
        policy,
        caller,
        evidence.as_ref(),
        request,
    )
}

pub(crate) fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

pub(crate) fn strings(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

pub(crate) fn actions_of(st: &Value) -> Vec<String> {
    strings(st.get("Action"))
        .into_iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn invokes(action: &str) -> bool {
    wildcard(action, INVOKE, true)
}

/// Renders CloudFormation intrinsics to text: `Ref` to pseudo parameters become their values
/// when known, other `Ref`s `${LogicalId}`; `Fn::Join` joins; `Fn::Sub` is shown as written.
pub fn render_intrinsic(v: &Value, account: Option<&str>, partition: &str) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next().expect("one entry");
            match (k.as_str(), arg) {
                ("Ref", Value::String(r)) => match (r.as_str(), account) {
                    ("AWS::AccountId", Some(a)) => a.to_string(),
                    ("AWS::Partition", _) => partition.to_string(),
                    _ => format!("${{{r}}}"),
                },
                ("Fn::Join", Value::Array(parts)) if parts.len() == 2 => {
                    let sep = parts[0].as_str().unwrap_or_default();
                    match &parts[1] {
                        Value::Array(items) => items
                            .iter()
                            .map(|i| render_intrinsic(i, account, partition))
                            .collect::<Vec<_>>()
                            .join(sep),
                        other => render_intrinsic(other, account, partition),
                    }
                }
                ("Fn::Sub", Value::String(s)) => s.clone(),
                ("Fn::GetAtt", Value::Array(a)) => format!(
                    "${{{}}}",
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(".")
                ),
                _ => v.to_string(),
            }
        }
        other => other.to_string(),
    }
}

/// Roles of the app whose policies (AWS::IAM::Policy, ManagedPolicy, or a role's inline
/// Policies) allow execute-api:Invoke on a resource naming this API (or `*`).
fn roles_allowing(app: &App, subject: &Subject, render: &dyn Fn(&Value) -> String) -> Vec<AppRole> {
    let Some(api_logical) = subject.logical_id.as_deref() else {
        return Vec::new();
    };
    let api_id = subject.physical_id.as_deref();
    let names_api = |resource: &str| {
        resource == "*"
            || resource.contains(&format!("${{{api_logical}}}"))
            || api_id.is_some_and(|id| resource.contains(&format!(":{id}/")))
            || resource.starts_with("arn:aws:execute-api:*")
    };
    let grants = |doc: &Value| {
        statements(doc).into_iter().any(|st| {
            st.get("Effect").and_then(Value::as_str) == Some("Allow")
                && actions_of(st).iter().any(|a| invokes(a))
                && strings(st.get("Resource"))
                    .into_iter()
                    .any(|r| names_api(&render(r)))
        })
    };
    let role_by_logical = |l: &str| {
        app.resources.iter().find(|r| {
            r.stack == subject.stack && r.logical_id.0 == l && ResourceKind::IamRole.is(&r.cfn_type)
        })
    };
    let mut out: Vec<AppRole> = Vec::new();
    for r in app.resources.iter().filter(|r| r.stack == subject.stack) {
        let Some(props) = &r.properties else { continue };
        let (docs, roles): (Vec<&Value>, Vec<String>) = match ResourceKind::of(&r.cfn_type) {
            Some(ResourceKind::IamPolicy | ResourceKind::IamManagedPolicy) => (
                props.get("PolicyDocument").into_iter().collect(),
                strings(props.get("Roles"))
                    .into_iter()
                    .filter_map(|v| v.get("Ref").and_then(Value::as_str).map(str::to_string))
                    .collect(),
            ),
            Some(ResourceKind::IamRole) => (
                strings(props.get("Policies"))
                    .into_iter()
                    .filter_map(|p| p.get("PolicyDocument"))
                    .collect(),
                vec![r.logical_id.0.clone()],
            ),
            _ => continue,
        };
        if !docs.into_iter().any(grants) {
            continue;
        }
        for role in roles {
            if let Some(role_res) = role_by_logical(&role)
                && !out.iter().any(|o| o.logical_id == role)
            {
                out.push(AppRole {
                    construct_path: role_res.construct_path.clone(),
                    logical_id: role,
                    granted_by: r.construct_path.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A caller IAM does not know (an emulator's made-up user, a deleted one): the simulator's
    /// NoSuchEntity settles it, and its policies are not asked for as well.
    #[tokio::test]
    async fn an_unknown_principal_is_asked_about_once() {
        use crate::aws::replay::{REGION, Replay, xml};
        let r = Replay::new(vec![xml(
            404,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name moto cannot be found.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>",
        )]);
        let caller = CallerIdentity {
            account: API.into(),
            arn: format!("arn:aws:iam::{API}:user/moto"),
        };
        let resource = format!("arn:aws:execute-api:us-east-1:{API}:abc/prod/GET/");
        let e = identity_evidence_for(&r.aws, REGION, &caller, INVOKE, &resource).await;
        assert!(e.grant.is_none());
        assert!(
            e.detail.contains("does not know") && e.detail.contains("NoSuchEntity"),
            "{}",
            e.detail
        );
        let sent: Vec<String> = r
            .sent()
            .iter()
            .map(|s| s.param("Action").unwrap_or_default())
            .collect();
        assert_eq!(sent, ["SimulatePrincipalPolicy"]);
    }

    /// A role session whose role/NAME ARN the simulator does not know may be a role with a path:
    /// when GetRole cannot say (no permission), the role's policies are still asked for.
    #[tokio::test]
    async fn a_role_not_found_by_its_short_arn_is_not_taken_for_absent() {
        use crate::aws::replay::{REGION, Replay, xml};
        let error = |code: &str| {
            xml(
                if code == "NoSuchEntity" { 404 } else { 403 },
                &format!(
                    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{code}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
                ),
            )
        };
        let r = Replay::new(vec![
            error("NoSuchEntity"),
            error("AccessDenied"),
            error("AccessDenied"),
        ]);
        let caller = CallerIdentity {
            account: API.into(),
            arn: format!("arn:aws:sts::{API}:assumed-role/deployer/alice"),
        };
        let resource = format!("arn:aws:execute-api:us-east-1:{API}:abc/prod/GET/");
        let e = identity_evidence_for(&r.aws, REGION, &caller, INVOKE, &resource).await;
        assert!(e.grant.is_none());
        assert!(!e.detail.contains("does not know"), "{}", e.detail);
        let sent: Vec<String> = r
            .sent()
            .iter()
            .map(|s| s.param("Action").unwrap_or_default())
            .collect();
        assert_eq!(
            sent,
            ["SimulatePrincipalPolicy", "GetRole", "ListRolePolicies"]
        );
    }

    const API: &str = "123456789012";
    const OTHER: &str = "222222222222";

    fn app() -> App {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-api/cdk.out");
        App::from_assembly(crate::assembly::read(&dir).expect("the iam-api fixture"))
    }

    fn subject(app: &App) -> Subject {
        let r = app
            .resources
            .iter()
            .find(|r| r.cfn_type == "AWS::ApiGateway::RestApi")
            .unwrap();
        Subject {
            construct_path: r.construct_path.clone(),
            construct_id: "iam-backed-api".into(),
            fqn: None,
            cfn_type: r.cfn_type.clone(),
            logical_id: Some(r.logical_id.0.clone()),
            stack: r.stack,
            stack_name: "IamApigatewayLambdaStack".into(),
            physical_id: Some("abc123".into()),
            physical_state: "deployed".into(),
            region: Some("us-east-1".into()),
            account: Some(API.into()),
            partition: "aws".into(),
        }
    }

    fn get() -> AccessRequest {
        AccessRequest {
            stage: "prod".into(),
            method: "GET".into(),
            path: "/".into(),
        }
    }

    fn rp(principal: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal,
            "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]})
    }

    fn known(grant: Grant) -> IdentityEvidence {
        IdentityEvidence {
            source: IdentitySource::Simulate,
            grant: Some(grant),
            detail: "test".into(),
            missing_permission: None,
        }
    }

    fn caller(arn: &str) -> CallerIdentity {
        CallerIdentity {
            account: crate::arn::account(arn).unwrap().into(),
            arn: arn.into(),
        }
    }

    fn id_allow() -> IdentityEvidence {
        known(Grant::ALLOW)
    }
    fn id_none() -> IdentityEvidence {
        known(Grant::NONE)
    }
    fn id_deny() -> IdentityEvidence {
        known(Grant {
            allow: Cond::Yes,
            deny: Cond::Yes,
        })
    }
    fn id_unknown() -> IdentityEvidence {
        IdentityEvidence::unknown(
            "AccessDenied".into(),
            Some("iam:SimulatePrincipalPolicy".into()),
        )
    }

    /// (what, resource policy, caller ARN, identity side) -> outcome. The rows of API Gateway's
    /// tables A (same account) and B (cross account) in "How API Gateway resource policies affect
    /// authorization workflow", with IAM's rule on account principals (IAM User Guide,
    /// "Principal": naming an account delegates to it) and on conditions.
    #[test]
    fn the_iam_evaluation_table() {
        use Outcome::*;
        let user = format!("arn:aws:iam::{API}:user/bob");
        let session = format!("arn:aws:sts::{API}:assumed-role/caller/s1");
        let role = format!("arn:aws:iam::{API}:role/caller");
        let other_session = format!("arn:aws:sts::{OTHER}:assumed-role/caller/s1");
        let root = format!("arn:aws:iam::{API}:root");
        let deny_stmt = |principal: Value| {
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{API}:root")}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
                {"Effect": "Deny", "Principal": principal, "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/*"}]})
        };
        let conditional = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
            "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24"]}}}]});
        let rows: Vec<(&str, Option<Value>, &str, IdentityEvidence, Outcome)> = vec![
            // Same account (table A).
            (
                "rp names the role ARN, no identity policy",
                Some(rp(json!({"AWS": role}))),
                &session,
                id_none(),
                Allow,
            ),
            (
                "rp names the session ARN",
                Some(rp(json!({"AWS": session}))),
                &session,
                id_none(),
                Allow,
            ),
            (
                "rp names the user ARN",
                Some(rp(json!({"AWS": user}))),
                &user,
                id_none(),
                Allow,
            ),
            (
                "rp names another user",
                Some(rp(json!({"AWS": format!("arn:aws:iam::{API}:user/alice")}))),
                &user,
                id_none(),
                Deny,
            ),
            (
                "rp names the account root only, no identity policy",
                Some(rp(json!({"AWS": format!("arn:aws:iam::{API}:root")}))),
                &user,
                id_none(),
                Deny,
            ),
            (
                "rp names the account id only, no identity policy",
                Some(rp(json!({"AWS": API}))),
                &session,
                id_none(),
                Deny,
            ),
            (
                "rp names the account, identity allows",
                Some(rp(json!({"AWS": API}))),
                &session,
                id_allow(),
                Allow,
            ),
            (
                "rp names the account, identity unknown",
                Some(rp(json!({"AWS": API}))),
                &user,
                id_unknown(),
                Unknown,
            ),
            ("no rp, identity allows", None, &user, id_allow(), Allow),
            ("no rp, no identity policy", None, &user, id_none(), Deny),
            (
                "rp names someone else, identity allows",
                Some(rp(json!({"AWS": format!("arn:aws:iam::{API}:role/other")}))),
                &session,
                id_allow(),
                Allow,
            ),
            (
                "rp * principal, no identity policy",
                Some(rp(json!("*"))),
                &user,
                id_none(),
                Allow,
            ),
            (
                "rp {AWS: *}, identity unknown",
                Some(rp(json!({"AWS": "*"}))),
                &user,
                id_unknown(),
                Allow,
            ),
            (
                "explicit deny in identity",
                Some(rp(json!({"AWS": role}))),
                &session,
                id_deny(),
                Deny,
            ),
            (
                "explicit deny in rp (account)",
                Some(deny_stmt(json!({"AWS": API}))),
                &session,
                id_allow(),
                Deny,
            ),
            (
                "explicit deny in rp (*)",
                Some(deny_stmt(json!("*"))),
                &user,
                id_allow(),
                Deny,
            ),
            (
                "rp names the role, identity unknown",
                Some(rp(json!({"AWS": role}))),
                &session,
                id_unknown(),
                Allow,
            ),
            (
                "service principal never names a caller",
                Some(rp(json!({"Service": "lambda.amazonaws.com"}))),
                &user,
                id_none(),
                Deny,
            ),
            (
                "root caller, rp names the account",
                Some(rp(json!({"AWS": API}))),
                &root,
                known(Grant::ALLOW),
                Allow,
            ),
            // Cross account (table B).
            (
                "both allow",
                Some(rp(json!({"AWS": OTHER}))),
                &other_session,
                id_allow(),
                Allow,
            ),
            (
                "rp names the cross-account role, identity allows",
                Some(rp(
                    json!({"AWS": format!("arn:aws:iam::{OTHER}:role/caller")}),
                )),
                &other_session,
                id_allow(),
                Allow,
            ),
            (
                "only the resource policy allows",
                Some(rp(json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}))),
                &other_session,
                id_none(),
                Deny,
            ),
            (
                "only the identity policy allows",
                Some(rp(json!({"AWS": API}))),
                &other_session,
                id_allow(),
                Deny,
            ),
            (
                "neither",
                Some(rp(json!({"AWS": API}))),
                &other_session,
                id_none(),
                Deny,
            ),
            (
                "no rp across accounts",
                None,
                &other_session,
                id_allow(),
                Deny,
            ),
            (
                "rp * across accounts, identity allows",
                Some(rp(json!("*"))),
                &other_session,
                id_allow(),
                Allow,
            ),
            (
                "rp * across accounts, no identity policy",
                Some(rp(json!("*"))),
                &other_session,
                id_none(),
                Deny,
            ),
            (
                "rp allows the account, identity unknown",
                Some(rp(json!({"AWS": OTHER}))),
                &other_session,
                id_unknown(),
                Unknown,
            ),
            (
                "rp does not allow the account, identity unknown",
                Some(rp(json!({"AWS": API}))),
                &other_session,
                id_unknown(),
                Deny,
            ),
            (
                "cross-account explicit deny",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
                {"Effect": "Deny", "Principal": {"AWS": format!("arn:aws:iam::{OTHER}:role/caller")}, "Action": "execute-api:*", "Resource": "*"}]})),
                &other_session,
                id_allow(),
                Deny,
            ),
            // Conditions.
            (
                "rp * with a condition, no identity policy",
                Some(conditional.clone()),
                &user,
                id_none(),
                Conditional,
            ),
            (
                "rp * with a condition, identity allows (same account)",
                Some(conditional.clone()),
                &user,
                id_allow(),
                Allow,
            ),
            (
                "identity allows under a condition",
                Some(rp(json!({"AWS": API}))),
                &user,
                known(Grant {
                    allow: Cond::If(vec!["aws:SourceVpce".into()]),
                    deny: Cond::No,
                }),
                Conditional,
            ),
            (
                "a conditional deny in the rp",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
                {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                 "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]})),
                &user,
                id_allow(),
                Conditional,
            ),
            // NotPrincipal, NotAction, resources.
            (
                "Deny NotPrincipal excludes the caller's role",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
                {"Effect": "Deny", "NotPrincipal": {"AWS": role}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]})),
                &session,
                id_none(),
                Allow,
            ),
            (
                "Deny NotPrincipal hits everyone else",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
                {"Effect": "Deny", "NotPrincipal": {"AWS": role}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]})),
                &user,
                id_allow(),
                Deny,
            ),
            (
                "Deny NotAction on another action",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
                {"Effect": "Deny", "Principal": "*", "NotAction": "execute-api:Invoke", "Resource": "*"}]})),
                &user,
                id_none(),
                Allow,
            ),
            (
                "rp allows another method only",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/POST/*"}]})),
                &user,
                id_none(),
                Deny,
            ),
            (
                "rp allows this method by full ARN",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/"}]})),
                &user,
                id_none(),
                Allow,
            ),
            (
                "rp allows another API",
                Some(json!({"Statement": [
                {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:zzz/*"}]})),
                &user,
                id_none(),
                Deny,
            ),
        ];
        let app = app();
        let s = subject(&app);
        for (what, policy, arn, identity, expected) in rows {
            let c = caller(arn);
            let a = analyze(
                &app,
                None,
                &s,
                policy.as_ref(),
                Some(&c),
                Some(&identity),
                &get(),
            );
            let cov = a.caller.unwrap();
            assert_eq!(cov.outcome, expected, "{what}: {}", cov.reason);
            assert!(!cov.reason.is_empty());
            if expected == Conditional {
                assert!(!cov.condition_keys.is_empty(), "{what}");
                assert!(
                    cov.conclusion.contains(&cov.condition_keys[0]),
                    "{what}: {}",
                    cov.conclusion
                );
            }
            if what.contains("NotPrincipal") {
                assert!(
                    cov.reason.contains("NotPrincipal"),
                    "{what}: {}",
                    cov.reason
                );
            }
            if expected == Unknown {
                assert_eq!(
                    cov.missing_permission.as_deref(),
                    Some("iam:SimulatePrincipalPolicy"),
                    "{what}"
                );
            }
        }
    }

    #[test]
    fn the_example_app_from_its_own_account() {
        let app = app();
        let s = subject(&app);
        let policy = rp(json!({"AWS": format!("arn:aws:iam::{API}:root")}));
        // An IAM user without identity policy: the account principal does not let it in.
        let c = caller(&format!("arn:aws:iam::{API}:user/bob"));
        let a = analyze(
            &app,
            None,
            &s,
            Some(&policy),
            Some(&c),
            Some(&id_none()),
            &get(),
        );
        let cov = a.caller.as_ref().unwrap();
        assert_eq!(cov.outcome, Outcome::Deny);
        assert_eq!(cov.resource_policy_allows, Some(true));
        assert_eq!(cov.identity_policy_allows, Some(false));
        assert!(
            cov.reason.contains("names only your account"),
            "{}",
            cov.reason
        );
        assert!(
            cov.conclusion.starts_with(
                "deny: same account: the call will be refused (no identity-based policy allows)"
            ),
            "{}",
            cov.conclusion
        );
        assert_eq!(
            cov.resource.as_deref(),
            Some("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/")
        );
        // The requestor's role, nothing read from AWS: the template says its policy allows.
        let c = caller(&format!(
            "arn:aws:sts::{API}:assumed-role/IamApigatewayLambdaStack-requestorFnServiceRole23F4EF59-NVG5Y3820Y7I/fn"
        ));
        let a = analyze(
            &app,
            None,
            &s,
            Some(&policy),
            Some(&c),
            Some(&id_unknown()),
            &get(),
        );
        let cov = a.caller.unwrap();
        assert_eq!(cov.identity_source, IdentitySource::Template);
        assert_eq!(cov.outcome, Outcome::Allow, "{}", cov.reason);
        // The API's other role: its template has no execute-api policy.
        let c = caller(&format!(
            "arn:aws:sts::{API}:assumed-role/IamApigatewayLambdaStack-iamApiFnServiceRole0BAD0A67-X/fn"
        ));
        let a = analyze(&app, None, &s, Some(&policy), Some(&c), None, &get());
        let cov = a.caller.unwrap();
        assert_eq!(cov.identity_source, IdentitySource::Template);
        assert_eq!(cov.outcome, Outcome::Deny, "{}", cov.reason);
        // A caller cdkx knows nothing of: unknown, and says what would help.
        let c = caller(&format!("arn:aws:iam::{API}:user/carol"));
        let a = analyze(
            &app,
            None,
            &s,
            Some(&policy),
            Some(&c),
            Some(&id_unknown()),
            &get(),
        );
        let cov = a.caller.unwrap();
        assert_eq!(cov.outcome, Outcome::Unknown);
        assert_eq!(cov.identity_source, IdentitySource::None);
        assert!(
            cov.reason.contains("iam:SimulatePrincipalPolicy"),
            "{}",
            cov.reason
        );
        assert!(
            cov.conclusion.starts_with("unknown: same account"),
            "{}",
            cov.conclusion
        );
        let v = serde_json::to_value(&cov).unwrap();
        assert_eq!(v["outcome"], "unknown");
        assert_eq!(v["identitySource"], "none");
    }

    #[test]
    fn identity_documents_are_evaluated_like_iam() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/";
        let doc = |st: Value| vec![json!({"Version": "2012-10-17", "Statement": [st]})];
        let g = evaluate_identity(
            &doc(
                json!({"Effect": "Allow", "Action": "execute-api:*", "Resource": "arn:aws:execute-api:*:*:abc123/*"}),
            ),
            arn,
        );
        assert_eq!(g, Grant::ALLOW);
        let g = evaluate_identity(
            &doc(json!({"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"})),
            arn,
        );
        assert_eq!(g, Grant::NONE);
        let g = evaluate_identity(
            &doc(json!({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})),
            arn,
        );
        assert_eq!(g, Grant::ALLOW);
        let g = evaluate_identity(
            &doc(
                json!({"Effect": "Allow", "Action": "EXECUTE-API:invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/G?T/"}),
            ),
            arn,
        );
        assert_eq!(
            g,
            Grant::ALLOW,
            "actions ignore case, ? matches one character"
        );
        let g = evaluate_identity(
            &doc(json!({"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::*"})),
            arn,
        );
        assert_eq!(g.deny, Cond::Yes);
        let g = evaluate_identity(
            &doc(
                json!({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
            ),
            arn,
        );
        assert_eq!(g.allow, Cond::If(vec!["aws:MultiFactorAuthPresent".into()]));
        assert!(wildcard("a*b*c", "axxbyyc", false));
        assert!(!wildcard("a*b", "axxbc", false));
        assert!(!wildcard("ABC", "abc", false));
    }

    #[test]
    fn intrinsics_render_to_readable_text() {
        let arn = json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]});
        assert_eq!(
            render_intrinsic(&arn, Some("111111111111"), "aws"),
            "arn:aws:iam::111111111111:root"
        );
        assert_eq!(
            render_intrinsic(&arn, None, "aws-cn"),
            "arn:aws-cn:iam::${AWS::AccountId}:root"
        );
        let api = json!({"Fn::Join": ["", ["arn:aws:execute-api:us-east-1:1:", {"Ref": "Api1234"}, "/*/*/*"]]});
        assert_eq!(
            render_intrinsic(&api, None, "aws"),
            "arn:aws:execute-api:us-east-1:1:${Api1234}/*/*/*"
        );
    }
}
