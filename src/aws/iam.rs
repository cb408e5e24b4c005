//! IAM calls that tell what a caller's own (identity-based) policies allow: AWS's policy
//! simulator (SimulatePrincipalPolicy) first, else the policy documents themselves (inline,
//! attached managed and, for users, their groups'), for the access analysis to evaluate.

use aws_sdk_iam as iam;
use aws_types::region::Region;
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

impl Aws {
    fn iam(&self, region: &str) -> iam::Client {
        let conf = iam::config::Builder::from(self.sdk_config())
            .region(Region::new(region.to_string()))
            .interceptor(super::AnswerCap)
            .build();
        iam::Client::from_conf(conf)
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
        let client = self.iam(region);
        let mut out = Vec::new();
        match principal {
            IamPrincipal::Role { name, .. } => {
                let names = every_page("iam:ListRolePolicies", region, |marker| {
                    let req = client
                        .list_role_policies()
                        .role_name(name)
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
                for policy in names {
                    let doc = client
                        .get_role_policy()
                        .role_name(name)
                        .policy_name(&policy)
                        .send()
                        .await
                        .map_err(|e| self.call_error("iam:GetRolePolicy", region, &e))?;
                    out.push(IdentityPolicy {
                        origin: format!("inline policy {policy} of role {name}"),
                        document: decode_document(doc.policy_document()),
                    });
                }
                let attached = every_page("iam:ListAttachedRolePolicies", region, |marker| {
                    let req = client
                        .list_attached_role_policies()
                        .role_name(name)
                        .set_marker(marker);
                    async move {
                        let p = req.send().await.map_err(|e| {
                            self.call_error("iam:ListAttachedRolePolicies", region, &e)
                        })?;
                        Ok((
                            p.attached_policies.unwrap_or_default(),
                            p.is_truncated.then_some(p.marker).flatten(),
                        ))
                    }
                })
                .await?;
                for p in attached {
                    if let Some(arn) = p.policy_arn() {
                        out.push(
                            self.managed_policy(region, arn, &format!("role {name}"))
                                .await?,
                        );
                    }
                }
            }
            IamPrincipal::User { name, .. } => {
                let names = every_page("iam:ListUserPolicies", region, |marker| {
                    let req = client
                        .list_user_policies()
                        .user_name(name)
                        .set_marker(marker);
                    async move {
                        let p = req
                            .send()
                            .await
                            .map_err(|e| self.call_error("iam:ListUserPolicies", region, &e))?;
                        Ok((p.policy_names, p.is_truncated.then_some(p.marker).flatten()))
                    }
                })
                .await?;
                for policy in names {
                    let doc = client
                        .get_user_policy()
                        .user_name(name)
                        .policy_name(&policy)
                        .send()
                        .await
                        .map_err(|e| self.call_error("iam:GetUserPolicy", region, &e))?;
                    out.push(IdentityPolicy {
                        origin: format!("inline policy {policy} of user {name}"),
                        document: decode_document(doc.policy_document()),
                    });
                }
                let attached = every_page("iam:ListAttachedUserPolicies", region, |marker| {
                    let req = client
                        .list_attached_user_policies()
                        .user_name(name)
                        .set_marker(marker);
                    async move {
                        let p = req.send().await.map_err(|e| {
                            self.call_error("iam:ListAttachedUserPolicies", region, &e)
                        })?;
                        Ok((
                            p.attached_policies.unwrap_or_default(),
                            p.is_truncated.then_some(p.marker).flatten(),
                        ))
                    }
                })
                .await?;
                for p in attached {
                    if let Some(arn) = p.policy_arn() {
                        out.push(
                            self.managed_policy(region, arn, &format!("user {name}"))
                                .await?,
                        );
                    }
                }
                out.extend(self.group_policies(region, name).await?);
            }
        }
        Ok(out)
    }

    /// The policies of the groups a user belongs to.
    async fn group_policies(
        &self,
        region: &str,
        user: &str,
    ) -> Result<Vec<IdentityPolicy>, AwsError> {
        let client = self.iam(region);
        let groups = every_page("iam:ListGroupsForUser", region, |marker| {
            let req = client
                .list_groups_for_user()
                .user_name(user)
                .set_marker(marker);
            async move {
                let p = req
                    .send()
                    .await
                    .map_err(|e| self.call_error("iam:ListGroupsForUser", region, &e))?;
                Ok((p.groups, p.is_truncated.then_some(p.marker).flatten()))
            }
        })
        .await?;
        let mut out = Vec::new();
        for group in groups {
            let name = group.group_name();
            let names = every_page("iam:ListGroupPolicies", region, |marker| {
                let req = client
                    .list_group_policies()
                    .group_name(name)
                    .set_marker(marker);
                async move {
                    let p = req
                        .send()
                        .await
                        .map_err(|e| self.call_error("iam:ListGroupPolicies", region, &e))?;
                    Ok((p.policy_names, p.is_truncated.then_some(p.marker).flatten()))
                }
            })
            .await?;
            for policy in names {
                let doc = client
                    .get_group_policy()
                    .group_name(name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map_err(|e| self.call_error("iam:GetGroupPolicy", region, &e))?;
                out.push(IdentityPolicy {
                    origin: format!("inline policy {policy} of group {name}"),
                    document: decode_document(doc.policy_document()),
                });
            }
            let attached = every_page("iam:ListAttachedGroupPolicies", region, |marker| {
                let req = client
                    .list_attached_group_policies()
                    .group_name(name)
                    .set_marker(marker);
                async move {
                    let p = req.send().await.map_err(|e| {
                        self.call_error("iam:ListAttachedGroupPolicies", region, &e)
                    })?;
                    Ok((
                        p.attached_policies.unwrap_or_default(),
                        p.is_truncated.then_some(p.marker).flatten(),
                    ))
                }
            })
            .await?;
            for p in attached {
                if let Some(arn) = p.policy_arn() {
                    out.push(
                        self.managed_policy(region, arn, &format!("group {name}"))
                            .await?,
                    );
                }
            }
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
