//! Actions on one resolved construct. Each is a function from a [`Subject`] (plus options) to a
//! typed result; the CLI and the TUI both call these and only format what comes back.

pub mod access;
pub mod audit;
pub mod command;
pub mod console;
pub mod describe;
pub mod invocations;
pub mod invoke;
pub mod lambda_access;
pub mod listing;
pub mod logs;
pub mod metrics;
pub mod probe;

use serde::Serialize;

use crate::arn::Partition;
use crate::aws::{Aws, AwsError};
use crate::catalogue::Placeholders;
use crate::deployed::{Deployment, Physical, StackState};
use crate::kind::ResourceKind;
use crate::model::{App, Resolved, StackIdx, Target};

/// Why an action could not run. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{}", no_physical_id(construct, state))]
    NotDeployed { construct: String, state: String },
    #[error("no region is known for {construct}: pass --region or set AWS_REGION")]
    NoRegion { construct: String },
    #[error("{action} works on {expected}; {construct} is {cfn_type}")]
    WrongType {
        action: &'static str,
        construct: String,
        cfn_type: String,
        expected: &'static str,
    },
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Aws(#[from] AwsError),
}

fn no_physical_id(construct: &str, state: &str) -> String {
    match state {
        "(lookup failed)" => {
            format!("{construct}: its physical id could not be looked up (see the error above)")
        }
        "not deployed" => format!("{construct} is not deployed; `cdkx list` shows what is"),
        other => format!(
            "{construct} has no physical id ({}); `cdkx list` shows what is deployed",
            other.trim_matches(|c| c == '(' || c == ')')
        ),
    }
}

/// Everything an action needs to know about the construct it acts on.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub construct_path: String,
    pub construct_id: String,
    pub fqn: Option<String>,
    /// The CloudFormation type of the construct's primary resource (a stack is
    /// `AWS::CloudFormation::Stack`).
    pub cfn_type: String,
    pub logical_id: Option<String>,
    #[serde(skip)]
    pub stack: StackIdx,
    pub stack_name: String,
    pub physical_id: Option<String>,
    /// Why there is no physical id, when there is none.
    pub physical_state: String,
    pub region: Option<String>,
    pub account: Option<String>,
    pub partition: String,
}

impl Subject {
    pub fn new(
        app: &App,
        deployment: &Deployment,
        aws: Option<&Aws>,
        resolved: &Resolved,
    ) -> Subject {
        let node = &app.constructs[resolved.construct];
        let (stack, cfn_type, logical_id, physical) = match resolved.target {
            Target::Resource(r) => {
                let res = &app.resources[r];
                let physical = deployment.physical(res);
                (
                    res.stack,
                    res.cfn_type.clone(),
                    Some(res.logical_id.0.clone()),
                    (
                        physical.id().map(str::to_string),
                        physical.label().to_string(),
                    ),
                )
            }
            Target::Stack(s) => {
                let logical = app.stacks[s].parent.as_ref().map(|(_, l)| l.0.clone());
                let physical = match deployment.deployed(s) {
                    Some(d) => (Some(d.stack_id.clone()), d.stack_id.clone()),
                    None => (None, stack_state_label(deployment, s)),
                };
                (
                    s,
                    ResourceKind::CloudFormationStack.as_str().to_string(),
                    logical,
                    physical,
                )
            }
        };
        let st = &app.stacks[stack];
        let deployed = deployment.deployed(stack);
        let region = deployed
            .map(|d| d.region.clone())
            .or_else(|| aws.and_then(|a| a.options().region.clone()))
            .or_else(|| st.env.region.clone())
            .or_else(|| aws.and_then(Aws::default_region));
        let account = deployed
            .and_then(|d| d.account().map(str::to_string))
            .or_else(|| st.env.account.clone())
            .or_else(|| deployment.identity.as_ref().map(|i| i.account.clone()));
        let partition = deployed
            .and_then(|d| d.partition())
            .or_else(|| region.as_deref().map(Partition::from_region))
            .unwrap_or(Partition::Aws);
        // The stack name a user can pass to CloudFormation: a nested stack's is in its ARN.
        let stack_name = match deployed {
            Some(d) if st.is_nested() => crate::arn::stack_name(&d.stack_id)
                .unwrap_or(&st.name)
                .to_string(),
            _ => st.name.clone(),
        };
        Subject {
            construct_path: node.path.clone(),
            construct_id: node.id.clone(),
            fqn: node.fqn.clone(),
            cfn_type,
            logical_id,
            stack,
            stack_name,
            physical_id: physical.0,
            physical_state: physical.1,
            region,
            account,
            partition: partition.name().to_string(),
        }
    }

    pub fn require_physical_id(&self) -> Result<&str, ActionError> {
        self.physical_id
            .as_deref()
            .ok_or_else(|| ActionError::NotDeployed {
                construct: self.construct_path.clone(),
                state: self.physical_state.clone(),
            })
    }

    pub fn require_region(&self) -> Result<&str, ActionError> {
        self.region.as_deref().ok_or_else(|| ActionError::NoRegion {
            construct: self.construct_path.clone(),
        })
    }

    pub fn placeholders(&self) -> Placeholders {
        Placeholders {
            physical_resource_id: self.physical_id.clone(),
            region: self.region.clone(),
            logical_id: self.logical_id.clone(),
            stack_name: Some(self.stack_name.clone()),
            account: self.account.clone(),
            partition: Some(self.partition.clone()),
            construct_path: Some(self.construct_path.clone()),
        }
    }
}

fn stack_state_label(d: &Deployment, s: StackIdx) -> String {
    let physical = match &d.stacks[s] {
        StackState::NotDeployed => Physical::NotDeployed,
        StackState::Failed(_) => Physical::Unknown,
        _ => Physical::Offline,
    };
    physical.label().to_string()
}
