//! `console` and `audit-console`: the AWS console page of a construct, built from what its
//! subject and the deployment already know (no AWS call). The URL patterns live in
//! [`crate::console`].

use super::{ActionError, Subject};
use crate::arn::Partition;
use crate::console::{self, ConsolePage, ConsoleTarget, UrlError};
use crate::deployed::Deployment;

#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleRequest<'a> {
    /// CloudTrail's event history for the resource instead of its own page.
    pub audit: bool,
    /// For a REST API: its stages page.
    pub stage: Option<&'a str>,
}

/// The https URL of the construct's console page.
pub fn console_url(
    subject: &Subject,
    deployment: &Deployment,
    req: ConsoleRequest<'_>,
) -> Result<String, ActionError> {
    let region = subject.require_region()?;
    let stack_id = deployment
        .deployed(subject.stack)
        .map(|d| d.stack_id.as_str());
    if stack_id.is_none() {
        subject.require_physical_id()?;
    }
    let target = ConsoleTarget {
        cfn_type: &subject.cfn_type,
        physical_id: subject.physical_id.as_deref(),
        logical_id: subject.logical_id.as_deref(),
        stack_id,
        region,
        partition: Partition::from_name(&subject.partition),
        page: if req.audit {
            ConsolePage::EventHistory
        } else {
            ConsolePage::Resource { stage: req.stage }
        },
    };
    console::console_url(&target).map_err(|e| match e {
        UrlError::StageNotApi(_) => ActionError::WrongType {
            action: "--stage",
            construct: subject.construct_path.clone(),
            cfn_type: subject.cfn_type.clone(),
            expected: "a REST API (AWS::ApiGateway::RestApi)",
        },
        UrlError::NoPage => ActionError::NotDeployed {
            construct: subject.construct_path.clone(),
            state: subject.physical_state.clone(),
        },
        e @ (UrlError::NoResourceName | UrlError::BadRegion(_)) => {
            ActionError::Input(format!("{}: {e}", subject.construct_path))
        }
    })
}
