//! Who may call an IAM-authorized REST API: the principals its resource policy allows and denies,
//! the roles of the app whose identity policies allow `execute-api:Invoke` on it, and whether a
//! caller is covered as API Gateway's rule requires (one account: either policy suffices; across
//! accounts: both must allow). Read from the template, and from the live policy when known.

use serde::Serialize;
use serde_json::Value;

use super::Subject;
use crate::aws::CallerIdentity;
use crate::model::App;

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
    pub caller: Option<CallerCoverage>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    pub construct_path: String,
    pub logical_id: String,
    /// The policy construct that grants it.
    pub granted_by: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerCoverage {
    pub account: String,
    pub arn: String,
    pub same_account: bool,
    /// Whether the resource policy lets the caller in (`None`: the API has no resource policy).
    pub resource_policy_allows: Option<bool>,
    /// Whether the caller's identity policy allows it, when cdkx can tell (one of the app's roles).
    pub identity_policy_allows: Option<bool>,
    /// One sentence on what that means.
    pub conclusion: String,
}

impl AccessAnalysis {
    /// The analysis as lines for people, control characters stripped (describe and probe show
    /// them, in the CLI and the TUI).
    pub fn lines(&self) -> Vec<String> {
        use crate::sanitize::line;
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter()
                    .map(|p| line(p).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let mut out = Vec::new();
        if self.has_resource_policy {
            out.push(format!(
                "resource policy allows: {}",
                list(&self.allowed_principals)
            ));
            if !self.denied_principals.is_empty() {
                out.push(format!(
                    "resource policy denies: {}",
                    list(&self.denied_principals)
                ));
            }
        } else {
            out.push("no resource policy: only callers of the API's own account whose identity policy allows it".into());
        }
        let roles: Vec<String> = self
            .app_roles
            .iter()
            .map(|r| format!("{} (via {})", r.construct_path, r.granted_by))
            .collect();
        out.push(format!(
            "roles of this app allowed to invoke it: {}",
            list(&roles)
        ));
        if let Some(c) = &self.caller {
            out.push(format!(
                "you ({}, account {}): {}",
                line(&c.arn),
                line(&c.account),
                line(&c.conclusion)
            ));
        }
        out
    }

    /// The lines under a heading, as `describe` and `probe` print them.
    pub fn text(&self) -> String {
        let mut out = String::from("Access (execute-api:Invoke):\n");
        for l in self.lines() {
            out.push_str(&format!("  {l}\n"));
        }
        out
    }
}

/// Analyzes the REST API `subject` with its resource `policy` (live, else the template's).
pub fn analyze(
    app: &App,
    subject: &Subject,
    policy: Option<&Value>,
    caller: Option<&CallerIdentity>,
) -> AccessAnalysis {
    let account = subject.account.clone();
    let render = |v: &Value| render_intrinsic(v, account.as_deref(), &subject.partition);
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    if let Some(p) = policy {
        for st in statements(p) {
            if !actions_of(st).iter().any(|a| invokes(a)) {
                continue;
            }
            let principals = principals_of(st, &render);
            match st.get("Effect").and_then(Value::as_str) {
                Some("Allow") => allowed.extend(principals),
                Some("Deny") => denied.extend(principals),
                _ => {}
            }
        }
    }
    allowed.dedup();
    denied.dedup();
    let app_roles = roles_allowing(app, subject, &render);
    let caller = caller.map(|c| {
        coverage(
            c,
            account.as_deref(),
            policy.is_some(),
            &allowed,
            &denied,
            &app_roles,
            app,
        )
    });
    AccessAnalysis {
        api_account: account,
        allowed_principals: allowed,
        denied_principals: denied,
        has_resource_policy: policy.is_some(),
        app_roles,
        caller,
    }
}

fn coverage(
    c: &CallerIdentity,
    api_account: Option<&str>,
    has_policy: bool,
    allowed: &[String],
    denied: &[String],
    roles: &[AppRole],
    app: &App,
) -> CallerCoverage {
    let same_account = api_account.is_none_or(|a| a == c.account);
    let names_caller = |p: &String| {
        p == "*"
            || principal_account(p).as_deref() == Some(c.account.as_str()) && !p.contains(":role/")
            || *p == c.arn
            || role_matches(p, &c.arn)
    };
    let resource_policy_allows =
        has_policy.then(|| allowed.iter().any(names_caller) && !denied.iter().any(names_caller));
    // The caller's own policies are known only when it is one of this app's roles.
    let identity_policy_allows = role_name_of(&c.arn).and_then(|name| {
        let app_role = app
            .resources
            .iter()
            .filter(|r| r.cfn_type == "AWS::IAM::Role")
            .any(|r| name.contains(&r.logical_id.0));
        app_role.then(|| roles.iter().any(|r| name.contains(&r.logical_id)))
    });
    let conclusion = match (same_account, resource_policy_allows, identity_policy_allows) {
        (false, Some(false), _) => format!(
            "the API's resource policy does not allow account {}: a cross-account call will be refused (User: anonymous ...)",
            c.account
        ),
        (false, None, _) => "the API has no resource policy, so no other account may call it".to_string(),
        (false, Some(true), Some(false)) => {
            "the resource policy allows your account, but your role's policy does not allow execute-api:Invoke on this API".to_string()
        }
        (false, Some(true), _) => {
            "the resource policy allows your account; across accounts your own identity policy must also allow execute-api:Invoke on this API".to_string()
        }
        (true, Some(true), _) | (true, _, Some(true)) => {
            "same account: the resource policy or your identity policy suffices, and one allows you".to_string()
        }
        (true, _, Some(false)) => "same account: neither the resource policy nor your role's policy allows you".to_string(),
        (true, Some(false), None) => {
            "same account: the resource policy does not name you, so your identity policy must allow execute-api:Invoke".to_string()
        }
        (true, None, None) => {
            "same account and no resource policy: your identity policy must allow execute-api:Invoke on this API".to_string()
        }
    };
    CallerCoverage {
        account: c.account.clone(),
        arn: c.arn.clone(),
        same_account,
        resource_policy_allows,
        identity_policy_allows,
        conclusion,
    }
}

/// `arn:aws:sts::1:assumed-role/NAME/session` or `arn:aws:iam::1:role/NAME` -> NAME.
fn role_name_of(arn: &str) -> Option<String> {
    let res = arn.split(':').nth(5)?;
    let mut parts = res.split('/');
    match parts.next()? {
        "assumed-role" | "role" => parts.next().map(str::to_string),
        _ => None,
    }
}

fn role_matches(principal: &str, caller_arn: &str) -> bool {
    match (role_name_of(principal), role_name_of(caller_arn)) {
        (Some(a), Some(b)) => {
            a == b && principal_account(principal) == principal_account(caller_arn)
        }
        _ => false,
    }
}

/// The account a principal names: an account id, `arn:...:iam::ACCOUNT:root`, or any ARN's account.
fn principal_account(p: &str) -> Option<String> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p.to_string());
    }
    crate::console::account_from_arn(p).map(str::to_string)
}

fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

fn actions_of(st: &Value) -> Vec<String> {
    strings(st.get("Action"))
        .into_iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn invokes(action: &str) -> bool {
    matches!(action, "*" | "execute-api:*" | "execute-api:Invoke")
        || action.eq_ignore_ascii_case("execute-api:invoke")
}

fn principals_of(st: &Value, render: &dyn Fn(&Value) -> String) -> Vec<String> {
    match st.get("Principal") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(m)) => m
            .get("AWS")
            .map(|v| strings(Some(v)).into_iter().map(render).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
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
            r.stack == subject.stack && r.logical_id.0 == l && r.cfn_type == "AWS::IAM::Role"
        })
    };
    let mut out: Vec<AppRole> = Vec::new();
    for r in app.resources.iter().filter(|r| r.stack == subject.stack) {
        let Some(props) = &r.properties else { continue };
        let (docs, roles): (Vec<&Value>, Vec<String>) = match r.cfn_type.as_str() {
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => (
                props.get("PolicyDocument").into_iter().collect(),
                strings(props.get("Roles"))
                    .into_iter()
                    .filter_map(|v| v.get("Ref").and_then(Value::as_str).map(str::to_string))
                    .collect(),
            ),
            "AWS::IAM::Role" => (
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

    #[test]
    fn principals_and_accounts() {
        assert_eq!(
            principal_account("arn:aws:iam::222222222222:root").as_deref(),
            Some("222222222222")
        );
        assert_eq!(
            principal_account("222222222222").as_deref(),
            Some("222222222222")
        );
        assert_eq!(
            role_name_of("arn:aws:sts::1:assumed-role/caller/s").as_deref(),
            Some("caller")
        );
        assert!(role_matches(
            "arn:aws:iam::1:role/caller",
            "arn:aws:sts::1:assumed-role/caller/cdkx"
        ));
        assert!(!role_matches(
            "arn:aws:iam::2:role/caller",
            "arn:aws:sts::1:assumed-role/caller/cdkx"
        ));
    }
}
