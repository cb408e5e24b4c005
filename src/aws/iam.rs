//! IAM calls that tell what a caller's own (identity-based) policies allow: AWS's policy
//! simulator (SimulatePrincipalPolicy) first, else the policy documents themselves (inline,
//! attached managed and, for users, their groups'), for the access analysis to evaluate.

use aws_sdk_iam as iam;
use serde_json::Value;

use super::{Aws, AwsError, every_page};

/// An IAM user or role, as SimulatePrincipalPolicy and the policy reads name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamPrincipal {
    User { name: String, arn: String },
    Role { name: String, arn: String },
}

impl IamPrincipal {
    pub fn arn(&self) -> &str {
        match self {
            IamPrincipal::User { arn, .. } | IamPrincipal::Role { arn, .. } => arn,
        }
    }
}

/// What the simulator decided for one action on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub decision: String,
    /// The policies whose statements decided it (`SourcePolicyId`).
    pub matched: Vec<String>,
    /// Condition keys the simulator had no value for (the decision assumed they do not match).
    pub missing_context: Vec<String>,
}

/// One identity policy document and where it is attached, e.g. `inline policy invoke of user bob`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityPolicy {
    pub origin: String,
    pub document: Value,
}

/// What holds identity policies: each kind has its own three IAM calls (list inline, get
/// inline, list attached), which [`Aws::policies_of`] makes the same way.
#[derive(Debug, Clone, Copy)]
enum Holder {
    Role,
    User,
    Group,
}

impl Holder {
    /// The word in a policy's origin (`inline policy P of role R`).
    fn word(self) -> &'static str {
        match self {
            Holder::Role => "role",
            Holder::User => "user",
            Holder::Group => "group",
        }
    }

    /// The names of its calls: list inline, get inline, list attached.
    fn calls(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Holder::Role => (
                "iam:ListRolePolicies",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
            ),
            Holder::User => (
                "iam:ListUserPolicies",
                "iam:GetUserPolicy",
                "iam:ListAttachedUserPolicies",
            ),
            Holder::Group => (
                "iam:ListGroupPolicies",
                "iam:GetGroupPolicy",
                "iam:ListAttachedGroupPolicies",
            ),
        }
    }
}

/// `$request` sent, its error as [`Aws::call_error`] makes it (returned with `?`).
macro_rules! sent {
    ($aws:expr, $call:expr, $region:expr, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|e| $aws.call_error($call, $region, &e))?
    };
}

/// One page of a marker-paged IAM listing, for [`every_page`]: `$request` sent after `$marker`,
/// the items `$items` takes from the answer `$p`, and the next marker while the answer says it
/// is truncated. Each IAM listing has its own request and answer types, with the same fields.
macro_rules! marker_page {
    ($aws:expr, $call:expr, $region:expr, $request:expr, $marker:expr, |$p:ident| $items:expr) => {{
        let $p = sent!($aws, $call, $region, $request.set_marker($marker));
        let next = $p.is_truncated.then_some($p.marker).flatten();
        Ok(($items, next))
    }};
}

impl Aws {
    fn iam(&self, region: &str) -> iam::Client {
        service_client!(iam, self, region)
    }

    /// SimulatePrincipalPolicy for one action on one resource: the principal's identity
    /// policies, permission boundary included, as AWS's engine evaluates them.
    pub async fn simulate_principal_policy(
        &self,
        region: &str,
        principal_arn: &str,
        action: &str,
        resource: &str,
    ) -> Result<Simulation, AwsError> {
        let out = self
            .iam(region)
            .simulate_principal_policy()
            .policy_source_arn(principal_arn)
            .action_names(action)
            .resource_arns(resource)
            .send()
            .await
            .map_err(|e| self.call_error("iam:SimulatePrincipalPolicy", region, &e))?;
        let result = out
            .evaluation_results()
            .first()
            .ok_or_else(|| AwsError::Call {
                call: "iam:SimulatePrincipalPolicy",
                region: region.to_string(),
                message: "the simulator returned no evaluation result".into(),
            })?;
        let mut matched: Vec<String> = result
            .matched_statements()
            .iter()
            .filter_map(|s| s.source_policy_id().map(str::to_string))
            .collect();
        matched.dedup();
        Ok(Simulation {
            decision: result.eval_decision().as_str().to_string(),
            matched,
            missing_context: result.missing_context_values().to_vec(),
        })
    }

    /// The ARN of the role `name` (with its path, which an assumed-role session's ARN lacks).
    pub async fn role_arn(&self, region: &str, name: &str) -> Result<String, AwsError> {
        let out = self
            .iam(region)
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| self.call_error("iam:GetRole", region, &e))?;
        Ok(out.role().map(|r| r.arn().to_string()).unwrap_or_default())
    }

    /// Every identity policy of a user (its own and its groups') or a role: inline documents
    /// and the default version of each attached managed policy.
    pub async fn identity_policies(
        &self,
        region: &str,
        principal: &IamPrincipal,
    ) -> Result<Vec<IdentityPolicy>, AwsError> {
        let client = &self.iam(region);
        match principal {
            IamPrincipal::Role { name, .. } => {
                self.policies_of(client, region, Holder::Role, name).await
            }
            IamPrincipal::User { name, .. } => {
                let mut out = self.policies_of(client, region, Holder::User, name).await?;
                let groups = every_page("iam:ListGroupsForUser", region, |marker| async move {
                    marker_page!(
                        self,
                        "iam:ListGroupsForUser",
                        region,
                        client.list_groups_for_user().user_name(name),
                        marker,
                        |p| p.groups
                    )
                })
                .await?;
                for group in groups {
                    let group = group.group_name();
                    out.extend(
                        self.policies_of(client, region, Holder::Group, group)
                            .await?,
                    );
                }
                Ok(out)
            }
        }
    }

    /// The policies of one user, role or group: its inline documents, then the managed
    /// policies attached to it.
    async fn policies_of(
        &self,
        client: &iam::Client,
        region: &str,
        holder: Holder,
        name: &str,
    ) -> Result<Vec<IdentityPolicy>, AwsError> {
        let kind = holder.word();
        let mut out = Vec::new();
        let (list, get, attached) = holder.calls();
        let inline = every_page(list, region, |marker| async move {
            match holder {
                Holder::Role => marker_page!(
                    self,
                    list,
                    region,
                    client.list_role_policies().role_name(name),
                    marker,
                    |p| p.policy_names
                ),
                Holder::User => marker_page!(
                    self,
                    list,
                    region,
                    client.list_user_policies().user_name(name),
                    marker,
                    |p| p.policy_names
                ),
                Holder::Group => marker_page!(
                    self,
                    list,
                    region,
                    client.list_group_policies().group_name(name),
                    marker,
                    |p| p.policy_names
                ),
            }
        })
        .await?;
        for policy in inline {
            let document = match holder {
                Holder::Role => {
                    sent!(
                        self,
                        get,
                        region,
                        client
                            .get_role_policy()
                            .role_name(name)
                            .policy_name(&policy)
                    )
                    .policy_document
                }
                Holder::User => {
                    sent!(
                        self,
                        get,
                        region,
                        client
                            .get_user_policy()
                            .user_name(name)
                            .policy_name(&policy)
                    )
                    .policy_document
                }
                Holder::Group => {
                    sent!(
                        self,
                        get,
                        region,
                        client
                            .get_group_policy()
                            .group_name(name)
                            .policy_name(&policy)
                    )
                    .policy_document
                }
            };
            out.push(IdentityPolicy {
                origin: format!("inline policy {policy} of {kind} {name}"),
                document: decode_document(&document),
            });
        }
        let arns = every_page(attached, region, |marker| async move {
            let arns = |p: Option<Vec<iam::types::AttachedPolicy>>| {
                p.unwrap_or_default()
                    .into_iter()
                    .filter_map(|a| a.policy_arn)
                    .collect::<Vec<_>>()
            };
            match holder {
                Holder::Role => marker_page!(
                    self,
                    attached,
                    region,
                    client.list_attached_role_policies().role_name(name),
                    marker,
                    |p| arns(p.attached_policies)
                ),
                Holder::User => marker_page!(
                    self,
                    attached,
                    region,
                    client.list_attached_user_policies().user_name(name),
                    marker,
                    |p| arns(p.attached_policies)
                ),
                Holder::Group => marker_page!(
                    self,
                    attached,
                    region,
                    client.list_attached_group_policies().group_name(name),
                    marker,
                    |p| arns(p.attached_policies)
                ),
            }
        })
        .await?;
        for arn in arns {
            out.push(
                self.managed_policy(region, &arn, &format!("{kind} {name}"))
                    .await?,
            );
        }
        Ok(out)
    }

    /// The default version of a managed policy (GetPolicy, then GetPolicyVersion).
    async fn managed_policy(
        &self,
        region: &str,
        arn: &str,
        attached_to: &str,
    ) -> Result<IdentityPolicy, AwsError> {
        let client = self.iam(region);
        let policy = client
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| self.call_error("iam:GetPolicy", region, &e))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or("v1")
            .to_string();
        let doc = client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(&version)
            .send()
            .await
            .map_err(|e| self.call_error("iam:GetPolicyVersion", region, &e))?;
        Ok(IdentityPolicy {
            origin: format!("managed policy {arn} attached to {attached_to}"),
            document: decode_document(
                doc.policy_version()
                    .and_then(|v| v.document())
                    .unwrap_or_default(),
            ),
        })
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986); some emulators send them as plain JSON.
/// A document that is neither is kept as text (it then matches nothing).
pub fn decode_document(raw: &str) -> Value {
    if let Ok(v) = serde_json::from_str(raw) {
        return v;
    }
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap_or_else(|_| Value::String(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_decoded_from_either_form() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        assert_eq!(decode_document(plain)["Version"], "2012-10-17");
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_document(encoded)["Version"], "2012-10-17");
        assert!(decode_document("not json").is_string());
    }

    use crate::aws::replay::{REGION, Replay, Sent, xml};

    /// A query-protocol answer: `<{op}Response><{op}Result>{result}</...>`.
    fn ok(op: &str, result: &str) -> aws_smithy_http_client::test_util::ReplayEvent {
        xml(
            200,
            &format!(
                "<{op}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><{op}Result>{result}</{op}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{op}Response>"
            ),
        )
    }

    fn page(items: &str, marker: Option<&str>) -> String {
        match marker {
            Some(m) => format!("{items}<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
            None => format!("{items}<IsTruncated>false</IsTruncated>"),
        }
    }

    fn names(names: &[&str]) -> String {
        let members: String = names
            .iter()
            .map(|n| format!("<member>{n}</member>"))
            .collect();
        format!("<PolicyNames>{members}</PolicyNames>")
    }

    const ALLOW_ALL: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";

    fn attached(arn: &str) -> String {
        format!(
            "<AttachedPolicies><member><PolicyName>p</PolicyName><PolicyArn>{arn}</PolicyArn></member></AttachedPolicies>"
        )
    }

    /// What each request asked: its action and the parameters named.
    fn asked(sent: &[Sent], keys: &[&str]) -> Vec<String> {
        sent.iter()
            .map(|s| {
                let mut line = s.param("Action").unwrap_or_default();
                for k in keys {
                    if let Some(v) = s.param(k) {
                        line.push_str(&format!(" {k}={v}"));
                    }
                }
                line
            })
            .collect()
    }

    const KEYS: &[&str] = &[
        "UserName",
        "RoleName",
        "GroupName",
        "PolicyName",
        "PolicyArn",
        "VersionId",
        "Marker",
    ];

    #[tokio::test]
    async fn a_users_policies_are_read_page_by_page_then_its_groups() {
        let managed = "arn:aws:iam::aws:policy/ReadOnly";
        let r = Replay::new(vec![
            ok("ListUserPolicies", &page(&names(&["a"]), Some("m1"))),
            ok("ListUserPolicies", &page(&names(&["b"]), None)),
            ok(
                "GetUserPolicy",
                &format!(
                    "<UserName>bob</UserName><PolicyName>a</PolicyName><PolicyDocument>{ALLOW_ALL}</PolicyDocument>"
                ),
            ),
            ok(
                "GetUserPolicy",
                "<UserName>bob</UserName><PolicyName>b</PolicyName><PolicyDocument>{\"Version\":\"plain\"}</PolicyDocument>",
            ),
            ok("ListAttachedUserPolicies", &page(&attached(managed), None)),
            ok(
                "GetPolicy",
                &format!(
                    "<Policy><PolicyName>ReadOnly</PolicyName><Arn>{managed}</Arn><DefaultVersionId>v3</DefaultVersionId></Policy>"
                ),
            ),
            ok(
                "GetPolicyVersion",
                &format!(
                    "<PolicyVersion><Document>{ALLOW_ALL}</Document><VersionId>v3</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>"
                ),
            ),
            ok(
                "ListGroupsForUser",
                &page(
                    "<Groups><member><Path>/</Path><GroupName>devs</GroupName><GroupId>AGPA1</GroupId><Arn>arn:aws:iam::111111111111:group/devs</Arn><CreateDate>2025-01-01T00:00:00Z</CreateDate></member></Groups>",
                    None,
                ),
            ),
            ok("ListGroupPolicies", &page(&names(&["g"]), None)),
            ok(
                "GetGroupPolicy",
                &format!(
                    "<GroupName>devs</GroupName><PolicyName>g</PolicyName><PolicyDocument>{ALLOW_ALL}</PolicyDocument>"
                ),
            ),
            ok(
                "ListAttachedGroupPolicies",
                &page("<AttachedPolicies/>", None),
            ),
        ]);
        let bob = IamPrincipal::User {
            name: "bob".into(),
            arn: "arn:aws:iam::111111111111:user/bob".into(),
        };
        let policies = r.aws.identity_policies(REGION, &bob).await.unwrap();
        let origins: Vec<&str> = policies.iter().map(|p| p.origin.as_str()).collect();
        assert_eq!(
            origins,
            [
                "inline policy a of user bob",
                "inline policy b of user bob",
                "managed policy arn:aws:iam::aws:policy/ReadOnly attached to user bob",
                "inline policy g of group devs",
            ]
        );
        assert_eq!(policies[0].document["Version"], "2012-10-17", "URL-decoded");
        assert_eq!(policies[1].document["Version"], "plain");
        assert_eq!(
            asked(&r.sent(), KEYS),
            [
                "ListUserPolicies UserName=bob",
                "ListUserPolicies UserName=bob Marker=m1",
                "GetUserPolicy UserName=bob PolicyName=a",
                "GetUserPolicy UserName=bob PolicyName=b",
                "ListAttachedUserPolicies UserName=bob",
                "GetPolicy PolicyArn=arn:aws:iam::aws:policy/ReadOnly",
                "GetPolicyVersion PolicyArn=arn:aws:iam::aws:policy/ReadOnly VersionId=v3",
                "ListGroupsForUser UserName=bob",
                "ListGroupPolicies GroupName=devs",
                "GetGroupPolicy GroupName=devs PolicyName=g",
                "ListAttachedGroupPolicies GroupName=devs",
            ]
        );
    }

    #[tokio::test]
    async fn a_roles_policies_and_a_listing_whose_marker_repeats() {
        let r = Replay::new(vec![
            ok("ListRolePolicies", &page(&names(&[]), None)),
            ok(
                "ListAttachedRolePolicies",
                &page(&attached("arn:aws:iam::111111111111:policy/mine"), None),
            ),
            // No default version named: v1.
            ok(
                "GetPolicy",
                "<Policy><PolicyName>mine</PolicyName></Policy>",
            ),
            ok(
                "GetPolicyVersion",
                &format!("<PolicyVersion><Document>{ALLOW_ALL}</Document></PolicyVersion>"),
            ),
        ]);
        let role = IamPrincipal::Role {
            name: "app".into(),
            arn: "arn:aws:iam::111111111111:role/app".into(),
        };
        let policies = r.aws.identity_policies(REGION, &role).await.unwrap();
        assert_eq!(policies.len(), 1);
        assert_eq!(
            policies[0].origin,
            "managed policy arn:aws:iam::111111111111:policy/mine attached to role app"
        );
        assert_eq!(
            asked(&r.sent(), KEYS),
            [
                "ListRolePolicies RoleName=app",
                "ListAttachedRolePolicies RoleName=app",
                "GetPolicy PolicyArn=arn:aws:iam::111111111111:policy/mine",
                "GetPolicyVersion PolicyArn=arn:aws:iam::111111111111:policy/mine VersionId=v1",
            ]
        );

        // A server that sends the same marker again would be asked forever: the guard stops it.
        let r = Replay::new(vec![
            ok("ListRolePolicies", &page(&names(&["a"]), Some("m1"))),
            ok("ListRolePolicies", &page(&names(&["a"]), Some("m1"))),
        ]);
        let err = r.aws.identity_policies(REGION, &role).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "iam:ListRolePolicies in us-east-1: stopped after 2 pages: the service sent a NextToken it had already sent (it would repeat pages forever)"
        );
        assert_eq!(r.sent().len(), 2);
    }
}

/// A policy of a role: attached (managed, with its ARN) or inline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolePolicy {
    pub name: String,
    /// `managed` or `inline`.
    pub kind: &'static str,
    pub arn: Option<String>,
}

impl Aws {
    /// The role's attached managed policies, then its inline policies (every page of both).
    pub async fn role_policies(
        &self,
        region: &str,
        role: &str,
    ) -> Result<Vec<RolePolicy>, AwsError> {
        let client = self.iam(region);
        let attached = every_page("iam:ListAttachedRolePolicies", region, |marker| {
            let req = client
                .list_attached_role_policies()
                .role_name(role)
                .set_marker(marker);
            async move {
                let p = req
                    .send()
                    .await
                    .map_err(|e| self.call_error("iam:ListAttachedRolePolicies", region, &e))?;
                Ok((
                    p.attached_policies.unwrap_or_default(),
                    p.is_truncated.then_some(p.marker).flatten(),
                ))
            }
        })
        .await?;
        let inline = every_page("iam:ListRolePolicies", region, |marker| {
            let req = client
                .list_role_policies()
                .role_name(role)
                .set_marker(marker);
            async move {
                let p = req
                    .send()
                    .await
                    .map_err(|e| self.call_error("iam:ListRolePolicies", region, &e))?;
                Ok((p.policy_names, p.is_truncated.then_some(p.marker).flatten()))
            }
        })
        .await?;
        let mut out: Vec<RolePolicy> = attached
            .into_iter()
            .map(|p| RolePolicy {
                name: p.policy_name().unwrap_or_default().to_string(),
                kind: "managed",
                arn: p.policy_arn().map(str::to_string),
            })
            .collect();
        out.extend(inline.into_iter().map(|name| RolePolicy {
            name,
            kind: "inline",
            arn: None,
        }));
        Ok(out)
    }
}
