//! Who may call a Lambda function through the doors another account uses: its function URL
//! (`AuthType: AWS_IAM`: since October 2025 a caller needs BOTH `lambda:InvokeFunctionUrl` and
//! `lambda:InvokeFunction`; URLs created before had until 1 November 2026) and a direct
//! `lambda:InvokeFunction` through the function's resource policy. The resource policy
//! (GetPolicy) and the caller's identity policies are judged by the access analysis engine
//! ([`super::access`]: one evaluator, one decision table); this module knows Lambda's actions
//! and the condition keys whose values it knows for a door (`lambda:FunctionUrlAuthType`,
//! `lambda:InvokedViaFunctionUrl`), and names the permission that is missing.

use serde::Serialize;
use serde_json::{Map, Value};

use super::access::{
    Cond, Grant, IdentityEvidence, IdentitySource, Outcome, ResourceGrant, decide,
    evaluate_resource_policy_for, identity_evidence_for, principal_list, statements, strings,
};
use crate::aws::{Aws, CallerIdentity};

pub const INVOKE_FUNCTION_URL: &str = "lambda:InvokeFunctionUrl";
pub const INVOKE_FUNCTION: &str = "lambda:InvokeFunction";

/// The way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LambdaDoor {
    /// An HTTP request to the function URL, SigV4-signed for service `lambda`.
    FunctionUrl,
    /// Lambda's Invoke API with the function's ARN.
    Invoke,
}

impl LambdaDoor {
    /// The actions a caller needs, every one of them.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            LambdaDoor::FunctionUrl => &[INVOKE_FUNCTION_URL, INVOKE_FUNCTION],
            LambdaDoor::Invoke => &[INVOKE_FUNCTION],
        }
    }

    /// What cdkx knows of a request through this door: (condition key, its value, `None` when
    /// the request has no such key).
    fn context(self, auth_type: Option<&str>) -> Vec<(&'static str, Option<String>)> {
        match self {
            LambdaDoor::FunctionUrl => vec![
                (
                    "lambda:FunctionUrlAuthType",
                    Some(auth_type.unwrap_or("AWS_IAM").to_string()),
                ),
                ("lambda:InvokedViaFunctionUrl", Some("true".into())),
            ],
            LambdaDoor::Invoke => vec![
                ("lambda:FunctionUrlAuthType", None),
                ("lambda:InvokedViaFunctionUrl", Some("false".into())),
            ],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionAccess {
    pub door: LambdaDoor,
    pub function_arn: Option<String>,
    pub function_account: Option<String>,
    /// The function URL's `AuthType` (`AWS_IAM`, `NONE`), for the function URL door.
    pub auth_type: Option<String>,
    pub has_resource_policy: bool,
    /// Per action the door needs: the principals the resource policy allows and denies for a
    /// request through this door (conditions cdkx cannot evaluate named after the principal).
    pub actions: Vec<ActionPrincipals>,
    /// Other accounts than the function's that the resource policy lets in, with the actions.
    pub other_accounts: Vec<OtherAccount>,
    pub caller: Option<Box<FunctionCaller>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionPrincipals {
    pub action: String,
    pub allowed_principals: Vec<String>,
    pub denied_principals: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OtherAccount {
    pub account: String,
    /// The door's actions the resource policy allows that account (all needed ones: it may
    /// come in, with its own identity policies allowing them too).
    pub actions: Vec<String>,
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCaller {
    pub account: String,
    pub arn: String,
    pub same_account: bool,
    pub actions: Vec<ActionCoverage>,
    /// All the door's actions together: `allow` only when each is allowed.
    pub outcome: Outcome,
    /// The actions the caller lacks (their outcome is `deny`).
    pub missing: Vec<String>,
    /// The outcome and what it means, one sentence.
    pub conclusion: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionCoverage {
    pub action: String,
    /// `None`: the function has no resource policy.
    pub resource_policy_allows: Option<bool>,
    /// `None`: unknown or conditional.
    pub identity_policy_allows: Option<bool>,
    pub outcome: Outcome,
    /// What the resource policy and the identity policies say.
    pub reason: String,
    pub identity_source: IdentitySource,
    pub identity_detail: String,
    /// What would allow it, when it is refused.
    pub advice: Option<String>,
}

/// The operators whose outcome cdkx works out for a key it knows; anything else stays a
/// condition it cannot evaluate.
fn known_condition(op: &str, value: Option<&str>, wanted: &[&str]) -> Option<bool> {
    let (base, if_exists) = match op.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (op, false),
    };
    let Some(v) = value else {
        // A key the request does not have: negated operators and ...IfExists hold.
        return match base {
            "StringNotEquals" | "StringNotEqualsIgnoreCase" | "StringNotLike" => Some(true),
            "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" | "Bool" => Some(if_exists),
            _ => None,
        };
    };
    let any = |f: &dyn Fn(&str) -> bool| wanted.iter().any(|w| f(w));
    Some(match base {
        "StringEquals" => any(&|w| w == v),
        "StringEqualsIgnoreCase" | "Bool" => any(&|w| w.eq_ignore_ascii_case(v)),
        "StringNotEquals" => !any(&|w| w == v),
        "StringNotEqualsIgnoreCase" => !any(&|w| w.eq_ignore_ascii_case(v)),
        "StringLike" => any(&|w| super::access::wildcard(w, v, false)),
        "StringNotLike" => !any(&|w| super::access::wildcard(w, v, false)),
        _ => return None,
    })
}

/// The policy as it applies to a request through `door`: the conditions on keys cdkx knows are
/// evaluated: a statement whose known condition fails is dropped, a known one that holds is
/// removed (so only the conditions cdkx cannot evaluate remain).
pub(crate) fn for_door(policy: &Value, door: LambdaDoor, auth_type: Option<&str>) -> Value {
    let context = door.context(auth_type);
    let mut kept = Vec::new();
    'statements: for st in statements(policy) {
        let mut st = st.clone();
        if let Some(Value::Object(ops)) = st.get("Condition").cloned() {
            let mut remaining = Map::new();
            for (op, entries) in ops {
                let Value::Object(entries) = entries else {
                    remaining.insert(op, entries);
                    continue;
                };
                let mut left = Map::new();
                for (key, wanted) in entries {
                    let known = context.iter().find(|(k, _)| k.eq_ignore_ascii_case(&key));
                    let wanted_text: Vec<String> = strings(Some(&wanted))
                        .into_iter()
                        .map(|w| w.as_str().map_or_else(|| w.to_string(), str::to_string))
                        .collect();
                    let wanted_refs: Vec<&str> = wanted_text.iter().map(String::as_str).collect();
                    match known.and_then(|(_, v)| known_condition(&op, v.as_deref(), &wanted_refs))
                    {
                        Some(true) => {}
                        Some(false) => continue 'statements,
                        None => {
                            left.insert(key, wanted);
                        }
                    }
                }
                if !left.is_empty() {
                    remaining.insert(op, Value::Object(left));
                }
            }
            if let Some(obj) = st.as_object_mut() {
                if remaining.is_empty() {
                    obj.remove("Condition");
                } else {
                    obj.insert("Condition".into(), Value::Object(remaining));
                }
            }
        }
        kept.push(st);
    }
    let mut out = policy.clone();
    if let Some(obj) = out.as_object_mut() {
        obj.insert("Statement".into(), Value::Array(kept));
    }
    out
}

/// The account a principal names (`222222222222`, `arn:aws:iam::222222222222:root`, a role or
/// user ARN), if any.
fn account_of(principal: &str) -> Option<String> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal.to_string());
    }
    let account = crate::arn::account(principal)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

/// Analyzes the function `function_arn` (in `function_account`) for a request through `door`,
/// with its resource `policy` (GetPolicy, parsed) and, for `caller`, what is known of its
/// identity policies per action (`evidence`, in the order of [`LambdaDoor::actions`]).
pub fn analyze(
    door: LambdaDoor,
    function_arn: Option<&str>,
    function_account: Option<&str>,
    auth_type: Option<&str>,
    policy: Option<&Value>,
    caller: Option<&CallerIdentity>,
    evidence: &[IdentityEvidence],
) -> FunctionAccess {
    let render = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let effective = policy.map(|p| for_door(p, door, auth_type));
    let mut actions = Vec::new();
    for action in door.actions() {
        let (mut allowed, mut denied) = (Vec::new(), Vec::new());
        if let Some(p) = &effective {
            for st in statements(p) {
                let names_action = super::access::actions_of(st)
                    .iter()
                    .any(|a| super::access::wildcard(a, action, true));
                if !names_action {
                    continue;
                }
                let keys = super::access::condition_keys(st);
                let suffix = if st.get("Condition").is_some() {
                    format!(" (if {})", keys.join(", "))
                } else {
                    String::new()
                };
                let principals: Vec<String> = principal_list(st.get("Principal"), &render)
                    .into_iter()
                    .map(|p| format!("{p}{suffix}"))
                    .collect();
                match super::access::effect(st) {
                    Some(true) => allowed.extend(principals),
                    Some(false) => denied.extend(principals),
                    None => {}
                }
            }
        }
        allowed.dedup();
        denied.dedup();
        actions.push(ActionPrincipals {
            action: action.to_string(),
            allowed_principals: allowed,
            denied_principals: denied,
        });
    }
    let mut other_accounts: Vec<OtherAccount> = Vec::new();
    for a in &actions {
        for p in &a.allowed_principals {
            let Some(acct) = account_of(p) else { continue };
            if Some(acct.as_str()) == function_account {
                continue;
            }
            match other_accounts.iter_mut().find(|o| o.account == acct) {
                Some(o) if !o.actions.contains(&a.action) => o.actions.push(a.action.clone()),
                Some(_) => {}
                None => other_accounts.push(OtherAccount {
                    account: acct,
                    actions: vec![a.action.clone()],
                    missing: Vec::new(),
                }),
            }
        }
    }
    for o in &mut other_accounts {
        o.missing = door
            .actions()
            .iter()
            .filter(|a| !o.actions.iter().any(|x| x == *a))
            .map(|a| a.to_string())
            .collect();
    }
    let caller = caller.map(|c| {
        Box::new(coverage(
            door,
            function_arn,
            function_account,
            effective.as_ref(),
            c,
            evidence,
        ))
    });
    FunctionAccess {
        door,
        function_arn: function_arn.map(str::to_string),
        function_account: function_account.map(str::to_string),
        auth_type: auth_type.map(str::to_string),
        has_resource_policy: policy.is_some(),
        actions,
        other_accounts,
        caller,
    }
}

fn coverage(
    door: LambdaDoor,
    function_arn: Option<&str>,
    function_account: Option<&str>,
    policy: Option<&Value>,
    c: &CallerIdentity,
    evidence: &[IdentityEvidence],
) -> FunctionCaller {
    let same_account = function_account.is_none_or(|a| a == c.account);
    let arn = function_arn.unwrap_or_default();
    let render = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let unknown = IdentityEvidence {
        source: IdentitySource::None,
        grant: None,
        detail: "not looked up".into(),
        missing_permission: Some("iam:SimulatePrincipalPolicy".into()),
    };
    let mut actions = Vec::new();
    for (i, action) in door.actions().iter().enumerate() {
        let ev = evidence.get(i).unwrap_or(&unknown);
        let rp = policy.map(|p| evaluate_resource_policy_for(p, c, action, arn, "", &render));
        let outcome = decide(rp.as_ref(), ev.grant.as_ref(), same_account);
        let resource_policy_allows = rp
            .as_ref()
            .map(|r| r.deny != Cond::Yes && (r.caller == Cond::Yes || r.account == Cond::Yes));
        let identity_policy_allows = match &ev.grant {
            Some(g) if g.deny == Cond::Yes => Some(false),
            Some(g) if g.allow == Cond::Yes => Some(true),
            Some(g) if g.allow == Cond::No && g.deny == Cond::No => Some(false),
            _ => None,
        };
        let reason = format!(
            "{}; {}",
            rp_words(rp.as_ref(), same_account, c),
            id_words(ev, action)
        );
        let advice = (outcome == Outcome::Deny).then(|| {
            advice(
                door,
                action,
                arn,
                c,
                same_account,
                rp.as_ref(),
                ev.grant.as_ref(),
            )
        });
        actions.push(ActionCoverage {
            action: action.to_string(),
            resource_policy_allows,
            identity_policy_allows,
            outcome,
            reason,
            identity_source: ev.source,
            identity_detail: ev.detail.clone(),
            advice,
        });
    }
    let missing: Vec<String> = actions
        .iter()
        .filter(|a| a.outcome == Outcome::Deny)
        .map(|a| a.action.clone())
        .collect();
    let outcome = if !missing.is_empty() {
        Outcome::Deny
    } else if actions.iter().all(|a| a.outcome == Outcome::Allow) {
        Outcome::Allow
    } else if actions.iter().any(|a| a.outcome == Outcome::Unknown) {
        Outcome::Unknown
    } else {
        Outcome::Conditional
    };
    let scope = if same_account {
        "same account".to_string()
    } else {
        format!("cross-account (your account {})", c.account)
    };
    let needs = match door {
        LambdaDoor::FunctionUrl => {
            " (a function URL needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction)"
        }
        LambdaDoor::Invoke => "",
    };
    let meaning = match outcome {
        Outcome::Allow => "the call is allowed".to_string(),
        Outcome::Deny => format!(
            "the call will be refused: missing {}{needs}",
            missing.join(" and ")
        ),
        Outcome::Unknown => {
            "it depends on your identity policies, which cdkx could not read".to_string()
        }
        Outcome::Conditional => "it depends on conditions cdkx cannot evaluate".to_string(),
    };
    FunctionCaller {
        account: c.account.clone(),
        arn: c.arn.clone(),
        same_account,
        conclusion: format!("{}: {scope}: {meaning}", outcome.as_str()),
        actions,
        outcome,
        missing,
    }
}

fn rp_words(rp: Option<&ResourceGrant>, same_account: bool, c: &CallerIdentity) -> String {
    match rp {
        None => "the function has no resource policy".into(),
        Some(r) if r.deny == Cond::Yes => "the resource policy explicitly denies you".into(),
        Some(r) if r.caller == Cond::Yes => "the resource policy names you".into(),
        Some(r) if r.account == Cond::Yes && same_account => format!(
            "the resource policy names only your account ({}), which leaves it to your identity policies",
            c.account
        ),
        Some(r) if r.account == Cond::Yes => "the resource policy allows your account".into(),
        Some(r) if r.caller != Cond::No || r.account != Cond::No => {
            let keys: Vec<&String> = r.caller.keys().iter().chain(r.account.keys()).collect();
            format!(
                "the resource policy allows you only under a condition ({})",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Some(_) if same_account => "the resource policy does not name you".into(),
        Some(_) => format!("the resource policy does not allow account {}", c.account),
    }
}

fn id_words(ev: &IdentityEvidence, action: &str) -> String {
    match (&ev.grant, ev.source) {
        (_, IdentitySource::Root) => "as the root user you have every identity permission".into(),
        (None, _) => format!("cdkx could not read your identity policies: {}", ev.detail),
        (Some(g), _) if g.deny == Cond::Yes => {
            format!("your identity policies explicitly deny {action}")
        }
        (Some(g), _) if g.allow == Cond::Yes => format!("your identity policies allow {action}"),
        (Some(g), _) if g.allow != Cond::No || g.deny != Cond::No => {
            "your identity policies allow it only under a condition".into()
        }
        (Some(_), _) => format!("no identity-based policy of yours allows {action}"),
    }
}

/// What would let the caller through, for a refused action.
fn advice(
    door: LambdaDoor,
    action: &str,
    arn: &str,
    c: &CallerIdentity,
    same_account: bool,
    rp: Option<&ResourceGrant>,
    identity: Option<&Grant>,
) -> String {
    if rp.is_some_and(|r| r.deny == Cond::Yes) || identity.is_some_and(|g| g.deny == Cond::Yes) {
        return format!("an explicit Deny for {action} matches: remove it or exclude this caller");
    }
    let identity_allows = identity.is_some_and(|g| g.allow == Cond::Yes);
    let rp_allows = rp.is_some_and(|r| r.caller == Cond::Yes || r.account == Cond::Yes);
    let add_identity = format!(
        "allow {action} on {arn} in the identity policy of {}",
        c.arn
    );
    let flag = match (door, action) {
        (LambdaDoor::FunctionUrl, INVOKE_FUNCTION_URL) => " --function-url-auth-type AWS_IAM",
        (LambdaDoor::FunctionUrl, _) => " --invoked-via-function-url",
        _ => "",
    };
    let add_permission = format!(
        "the function's account must allow it: aws lambda add-permission --function-name {arn} --statement-id cdkx-{} --action {action} --principal {}{flag} (or grantInvoke/grantInvokeUrl in the app)",
        c.account, c.account
    );
    match (same_account, rp_allows, identity_allows) {
        (true, _, _) => add_identity,
        (false, false, true) => add_permission,
        (false, true, false) => add_identity,
        (false, _, _) => format!("{add_permission}; and {add_identity}"),
    }
}

/// The caller's identity side for each of the door's actions, asked of IAM with `aws` (the
/// caller's own credentials), concurrently.
pub async fn evidence(
    aws: &Aws,
    region: &str,
    caller: &CallerIdentity,
    door: LambdaDoor,
    function_arn: &str,
) -> Vec<IdentityEvidence> {
    futures::future::join_all(
        door.actions()
            .iter()
            .map(|a| identity_evidence_for(aws, region, caller, a, function_arn)),
    )
    .await
}

/// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME` for a function's physical id (a name, or
/// already an ARN).
pub fn function_arn(
    physical_id: &str,
    partition: &str,
    region: &str,
    account: Option<&str>,
) -> Option<String> {
    if physical_id.starts_with("arn:") {
        return Some(physical_id.to_string());
    }
    let account = account.filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))?;
    let arn = crate::arn::Arn {
        partition,
        service: "lambda",
        region,
        account,
        resource: &format!("function:{physical_id}"),
    };
    Some(arn.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    /// The policy CDK's grantInvokeUrl(AccountPrincipal) leaves, as GetPolicy shows it.
    fn url_policy() -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "a", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
             "Action": "lambda:InvokeFunctionUrl", "Resource": FN,
             "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}},
            {"Sid": "b", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
             "Action": "lambda:InvokeFunction", "Resource": FN,
             "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}},
        ]})
    }

    fn caller(arn: &str) -> CallerIdentity {
        CallerIdentity {
            account: arn.split(':').nth(4).unwrap().to_string(),
            arn: arn.to_string(),
        }
    }

    fn known(grant: Grant) -> IdentityEvidence {
        IdentityEvidence {
            source: IdentitySource::Simulate,
            grant: Some(grant),
            detail: "simulated".into(),
            missing_permission: None,
        }
    }

    #[test]
    fn known_conditions_are_evaluated_for_the_door() {
        let p = url_policy();
        let url = for_door(&p, LambdaDoor::FunctionUrl, Some("AWS_IAM"));
        assert_eq!(statements(&url).len(), 2);
        assert!(
            statements(&url)
                .iter()
                .all(|s| s.get("Condition").is_none())
        );
        // Through the Invoke API neither statement applies.
        assert!(statements(&for_door(&p, LambdaDoor::Invoke, None)).is_empty());
        // A NONE URL does not match an AWS_IAM condition.
        assert_eq!(
            statements(&for_door(&p, LambdaDoor::FunctionUrl, Some("NONE"))).len(),
            1
        );
        // Unknown keys stay.
        let other = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}, "Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}]});
        let st = for_door(&other, LambdaDoor::FunctionUrl, Some("AWS_IAM"));
        assert_eq!(
            statements(&st)[0]["Condition"],
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}})
        );
    }

    #[test]
    fn a_function_url_needs_both_actions_and_the_missing_one_is_named() {
        let p = url_policy();
        let partner = caller("arn:aws:sts::222222222222:assumed-role/caller/s");
        let both = [known(Grant::ALLOW), known(Grant::ALLOW)];
        let a = analyze(
            LambdaDoor::FunctionUrl,
            Some(FN),
            Some("123456789012"),
            Some("AWS_IAM"),
            Some(&p),
            Some(&partner),
            &both,
        );
        assert_eq!(a.other_accounts.len(), 1);
        assert_eq!(a.other_accounts[0].account, "222222222222");
        assert!(a.other_accounts[0].missing.is_empty());
        let c = a.caller.as_ref().unwrap();
        assert_eq!(c.outcome, Outcome::Allow, "{c:?}");

        let half = [known(Grant::ALLOW), known(Grant::NONE)];
        let a = analyze(
            LambdaDoor::FunctionUrl,
            Some(FN),
            Some("123456789012"),
            Some("AWS_IAM"),
            Some(&p),
            Some(&partner),
            &half,
        );
        let c = a.caller.as_ref().unwrap();
        assert_eq!(c.outcome, Outcome::Deny);
        assert_eq!(c.missing, vec![INVOKE_FUNCTION.to_string()]);
        assert!(
            c.conclusion.contains("missing lambda:InvokeFunction"),
            "{}",
            c.conclusion
        );
        let advice = c.actions[1].advice.as_deref().unwrap();
        assert!(advice.contains("identity policy"), "{advice}");

        // An account the policy does not name: refused by the resource policy, whatever its
        // identity policies say, and the fix is the function account's.
        let stranger = caller("arn:aws:sts::333333333333:assumed-role/caller/s");
        let a = analyze(
            LambdaDoor::FunctionUrl,
            Some(FN),
            Some("123456789012"),
            Some("AWS_IAM"),
            Some(&p),
            Some(&stranger),
            &both,
        );
        let c = a.caller.as_ref().unwrap();
        assert_eq!(c.missing.len(), 2);
        assert!(
            c.actions[0]
                .advice
                .as_deref()
                .unwrap()
                .contains("add-permission")
        );

        // Same account: an identity policy alone suffices, per action.
        let own = caller("arn:aws:sts::123456789012:assumed-role/dev/s");
        let a = analyze(
            LambdaDoor::FunctionUrl,
            Some(FN),
            Some("123456789012"),
            Some("AWS_IAM"),
            Some(&p),
            Some(&own),
            &[known(Grant::NONE), known(Grant::ALLOW)],
        );
        let c = a.caller.as_ref().unwrap();
        assert_eq!(c.missing, vec![INVOKE_FUNCTION_URL.to_string()]);
    }

    #[test]
    fn direct_invoke_lists_the_accounts_the_policy_lets_in() {
        let p = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "lambda:InvokeFunction", "Resource": FN}]});
        let a = analyze(
            LambdaDoor::Invoke,
            Some(FN),
            Some("123456789012"),
            None,
            Some(&p),
            None,
            &[],
        );
        assert_eq!(
            a.actions[0].allowed_principals,
            vec!["arn:aws:iam::222222222222:root"]
        );
        assert_eq!(a.other_accounts[0].account, "222222222222");
        // The text of it ("other accounts allowed in: 222222222222") is present/'s, checked
        // end to end in tests/doors_lambda.rs.
        // The function URL's statements do not open the Invoke API.
        let a = analyze(
            LambdaDoor::Invoke,
            Some(FN),
            Some("123456789012"),
            None,
            Some(&url_policy()),
            None,
            &[],
        );
        assert!(a.other_accounts.is_empty());
        assert_eq!(
            function_arn("f", "aws", "us-east-1", Some("123456789012")).as_deref(),
            Some(FN)
        );
        assert_eq!(function_arn("f", "aws", "us-east-1", None), None);
    }
}
