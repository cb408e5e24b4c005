//! An access analysis ([`crate::actions::access`]) as lines for people: who the resource policy
//! allows and denies, the app's roles that may invoke, and the verdict for the caller. `describe`
//! and `probe` show it, in the CLI and the TUI.

use crate::actions::access::{AccessAnalysis, IdentitySource};
use crate::actions::lambda_access::{
    FunctionAccess, INVOKE_FUNCTION, INVOKE_FUNCTION_URL, LambdaDoor,
};
use crate::sanitize::line;

/// The analysis as lines for people, control characters stripped (describe and probe show
/// them, in the CLI and the TUI). The line about the caller starts with `you (`.
pub fn lines(a: &AccessAnalysis) -> Vec<String> {
    let mut out = Vec::new();
    if a.has_resource_policy {
        out.push(format!(
            "resource policy allows: {}",
            list(&a.allowed_principals)
        ));
        if !a.denied_principals.is_empty() {
            out.push(format!(
                "resource policy denies: {}",
                list(&a.denied_principals)
            ));
        }
    } else if !a.resource_policy_supported {
        out.push(format!(
            "HTTP APIs have no resource policy: only callers of the API's own account{} whose identity policy allows it; another account's caller must assume a role in it",
            a.api_account
                .as_deref()
                .map(|a| format!(" ({})", line(a)))
                .unwrap_or_default()
        ));
    } else {
        out.push("no resource policy: only callers of the API's own account whose identity policy allows it".into());
    }
    let roles: Vec<String> = a
        .app_roles
        .iter()
        .map(|r| format!("{} (via {})", r.construct_path, r.granted_by))
        .collect();
    out.push(format!(
        "roles of this app allowed to invoke it: {}",
        list(&roles)
    ));
    if let Some(c) = &a.caller {
        out.push(you(&c.arn, &c.account, &c.conclusion));
        out.push(format!("why: {}", line(&c.reason)));
        out.push(format!(
            "your identity policies: {} ({})",
            source_words(c.identity_source),
            line(&c.identity_detail)
        ));
    }
    out
}

/// The lines under a heading, as `describe` and `probe` print them.
pub fn text(a: &AccessAnalysis) -> String {
    let mut out = String::from("Access (execute-api:Invoke):\n");
    for l in lines(a) {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

/// Where cdkx read the caller's identity policies from, as it follows "your identity policies: "
/// (one wording for every door).
fn source_words(s: IdentitySource) -> &'static str {
    match s {
        IdentitySource::Simulate => "from iam:SimulatePrincipalPolicy",
        IdentitySource::Policies => "from your policy documents",
        IdentitySource::Template => "from the app's template",
        IdentitySource::Root => "the root user has every identity permission",
        IdentitySource::None => "not known",
    }
}

/// A list of names for people (`none` when empty), each sanitized.
fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.iter()
            .map(|p| line(p).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The line about the caller, which starts with `you (`.
fn you(arn: &str, account: &str, conclusion: &str) -> String {
    format!(
        "you ({}, account {}): {}",
        line(arn),
        line(account),
        line(conclusion)
    )
}

/// A Lambda door's analysis ([`FunctionAccess`]) as lines for people, control characters
/// stripped: who the function's resource policy lets call, other accounts, and the caller.
pub fn function_lines(a: &FunctionAccess) -> Vec<String> {
    let mut out = Vec::new();
    if a.door == LambdaDoor::FunctionUrl {
        out.push(format!(
            "a caller needs both {INVOKE_FUNCTION_URL} and {INVOKE_FUNCTION} (AuthType {})",
            line(a.auth_type.as_deref().unwrap_or("unknown"))
        ));
    }
    if a.has_resource_policy {
        for a in &a.actions {
            out.push(format!(
                "resource policy allows {}: {}",
                a.action,
                list(&a.allowed_principals)
            ));
            if !a.denied_principals.is_empty() {
                out.push(format!(
                    "resource policy denies {}: {}",
                    a.action,
                    list(&a.denied_principals)
                ));
            }
        }
    } else {
        out.push(
                "no resource policy: only callers of the function's own account whose identity policy allows it"
                    .into(),
            );
    }
    let others: Vec<String> = a
        .other_accounts
        .iter()
        .map(|o| {
            if o.missing.is_empty() {
                o.account.clone()
            } else {
                format!("{} (not {})", o.account, o.missing.join(", "))
            }
        })
        .collect();
    out.push(format!("other accounts allowed in: {}", list(&others)));
    if let Some(c) = &a.caller {
        out.push(you(&c.arn, &c.account, &c.conclusion));
        for a in &c.actions {
            out.push(format!(
                "  {}: {} ({}; your identity policies: {})",
                a.action,
                a.outcome.as_str(),
                line(&a.reason),
                source_words(a.identity_source)
            ));
            if let Some(advice) = &a.advice {
                out.push(format!("    to allow it: {}", line(advice)));
            }
        }
    }
    out
}

/// [`function_lines`] under a heading, as `describe` and `probe` print them.
pub fn function_text(a: &FunctionAccess) -> String {
    let mut out = format!("Access ({}):\n", a.door.actions().join(" + "));
    for l in function_lines(a) {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::access::{CallerCoverage, Outcome};

    #[test]
    fn the_caller_line_starts_with_you_and_values_are_sanitized() {
        let a = AccessAnalysis {
            api_account: Some("123456789012".into()),
            allowed_principals: vec!["arn:aws:iam::123456789012:root".into()],
            denied_principals: Vec::new(),
            has_resource_policy: true,
            resource_policy_supported: true,
            app_roles: Vec::new(),
            caller: Some(Box::new(CallerCoverage {
                account: "123456789012".into(),
                arn: "arn:aws:iam::123456789012:user/bob\x1b[2J".into(),
                same_account: true,
                resource_policy_allows: Some(true),
                identity_policy_allows: Some(false),
                outcome: Outcome::Deny,
                reason: "names only your account".into(),
                identity_source: IdentitySource::Simulate,
                identity_detail: "implicitDeny".into(),
                missing_permission: None,
                condition_keys: Vec::new(),
                resource: None,
                conclusion: "deny: same account: the call will be refused".into(),
            })),
        };
        assert_eq!(
            text(&a),
            "Access (execute-api:Invoke):\n  \
resource policy allows: arn:aws:iam::123456789012:root\n  \
roles of this app allowed to invoke it: none\n  \
you (arn:aws:iam::123456789012:user/bob\\x1b[2J, account 123456789012): deny: same account: the call will be refused\n  \
why: names only your account\n  \
your identity policies: from iam:SimulatePrincipalPolicy (implicitDeny)\n"
        );
    }

    #[test]
    fn an_http_api_says_it_has_no_resource_policy() {
        let a = AccessAnalysis {
            api_account: Some("123456789012".into()),
            allowed_principals: Vec::new(),
            denied_principals: Vec::new(),
            has_resource_policy: false,
            resource_policy_supported: false,
            app_roles: Vec::new(),
            caller: None,
        };
        let first = &lines(&a)[0];
        assert!(
            first.starts_with("HTTP APIs have no resource policy: only callers of the API's own account (123456789012)"),
            "{first}"
        );
    }
}
