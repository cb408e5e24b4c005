//! The built-in listings that used to run the aws CLI: a REST API's `stages`, a bucket's `ls`, a
//! queue's `attributes`, a topic's `subscriptions`, a table's `scan`, a role's `policies`, a
//! stack's `resources` and `events`. Each is one [`Listing`]: named columns and rows of values,
//! bounded (a `limit` where AWS may hold a great deal, with a note when more were left out).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{ActionError, Subject};
use crate::aws::Aws;
use crate::catalogue::NativeAction;
use crate::kind::ResourceKind;

/// Items shown when no `--limit` is given, for the listings that may be long.
pub const DEFAULT_LIMIT: usize = 100;

/// A listing's options: how many items at most, and (ls) a key prefix.
#[derive(Debug, Clone, Default)]
pub struct ListingRequest {
    pub limit: Option<usize>,
    pub prefix: Option<String>,
}

/// What a built-in listing found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// The command: `stages`, `ls`, ...
    pub command: &'static str,
    /// The physical id listed.
    pub resource: String,
    pub region: String,
    /// The columns: (header, the items' field it shows).
    #[serde(skip)]
    pub columns: Vec<(&'static str, &'static str)>,
    /// One object per row, fields named in camelCase.
    pub items: Vec<Map<String, Value>>,
    /// More items exist than are shown (`limit`).
    pub truncated: bool,
    /// Said on stderr: what was left out, and how to see more.
    pub note: Option<String>,
}

impl Listing {
    /// The row of `item`: each column's field as text (absent: empty; not a string: JSON).
    pub fn row(&self, item: &Map<String, Value>) -> Vec<String> {
        self.columns
            .iter()
            .map(|(_, field)| match item.get(*field) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            })
            .collect()
    }
}

/// The kind of resource each listing works on, and the words for an error.
fn expected(action: NativeAction) -> Option<(ResourceKind, &'static str)> {
    Some(match action {
        NativeAction::Stages => (
            ResourceKind::ApiGatewayRestApi,
            "a REST API (AWS::ApiGateway::RestApi)",
        ),
        NativeAction::Ls => (ResourceKind::S3Bucket, "an S3 bucket (AWS::S3::Bucket)"),
        NativeAction::Attributes => (ResourceKind::SqsQueue, "an SQS queue (AWS::SQS::Queue)"),
        NativeAction::Subscriptions => (ResourceKind::SnsTopic, "an SNS topic (AWS::SNS::Topic)"),
        NativeAction::Scan => (
            ResourceKind::DynamoDbTable,
            "a DynamoDB table (AWS::DynamoDB::Table)",
        ),
        NativeAction::Policies => (ResourceKind::IamRole, "an IAM role (AWS::IAM::Role)"),
        NativeAction::Resources | NativeAction::Events => (
            ResourceKind::CloudFormationStack,
            "a stack (AWS::CloudFormation::Stack)",
        ),
        _ => return None,
    })
}

/// Whether `action` is one of the listings (what [`run`] takes).
pub fn is_listing(action: NativeAction) -> bool {
    expected(action).is_some()
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Runs the listing `action` on the subject.
pub async fn run(
    aws: &Aws,
    subject: &Subject,
    action: NativeAction,
    req: &ListingRequest,
) -> Result<Listing, ActionError> {
    let Some((kind, words)) = expected(action) else {
        return Err(ActionError::Input(format!(
            "{} is not a listing",
            action.name()
        )));
    };
    if !kind.is(&subject.cfn_type) {
        return Err(ActionError::WrongType {
            action: action.name(),
            construct: subject.construct_path.clone(),
            cfn_type: subject.cfn_type.clone(),
            expected: words,
        });
    }
    let id = subject.require_physical_id()?.to_string();
    let region = subject.require_region()?.to_string();
    let limit = req.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    let (columns, items, truncated): (Vec<(&'static str, &'static str)>, Vec<Value>, bool) =
        match action {
            NativeAction::Stages => {
                let stages = aws.get_stages(&region, &id).await?;
                let items = stages
                    .into_iter()
                    .map(|s| {
                        json!({"stageName": s.name, "deploymentId": s.deployment_id,
                        "created": s.created, "lastUpdated": s.last_updated,
                        "executionLogging": s.execution_logging,
                        "accessLogDestination": s.access_log_destination,
                        "description": s.description})
                    })
                    .collect();
                (
                    vec![
                        ("STAGE", "stageName"),
                        ("DEPLOYMENT", "deploymentId"),
                        ("CREATED", "created"),
                        ("UPDATED", "lastUpdated"),
                        ("EXECUTION LOGS", "executionLogging"),
                        ("ACCESS LOGS", "accessLogDestination"),
                    ],
                    items,
                    false,
                )
            }
            NativeAction::Ls => {
                let prefix = req.prefix.clone().unwrap_or_default();
                let (entries, more) = aws.list_bucket(&region, &id, &prefix, limit).await?;
                let items = entries
                    .into_iter()
                    .map(|e| {
                        json!({"key": e.key, "kind": if e.size.is_some() { "object" } else { "prefix" },
                        "size": e.size, "lastModified": e.last_modified})
                    })
                    .collect();
                (
                    vec![
                        ("LAST MODIFIED", "lastModified"),
                        ("SIZE", "size"),
                        ("KEY", "key"),
                    ],
                    items,
                    more,
                )
            }
            NativeAction::Attributes => {
                let attrs = aws.queue_attributes(&region, &id).await?;
                let items = attrs
                    .into_iter()
                    .map(|(name, value)| json!({"name": name, "value": value}))
                    .collect();
                (
                    vec![("ATTRIBUTE", "name"), ("VALUE", "value")],
                    items,
                    false,
                )
            }
            NativeAction::Subscriptions => {
                let (subs, more) = aws.topic_subscriptions(&region, &id, limit).await?;
                let items = subs
                    .into_iter()
                    .map(|s| {
                        json!({"protocol": s.protocol, "endpoint": s.endpoint,
                        "subscriptionArn": s.arn, "owner": s.owner})
                    })
                    .collect();
                (
                    vec![
                        ("PROTOCOL", "protocol"),
                        ("ENDPOINT", "endpoint"),
                        ("SUBSCRIPTION", "subscriptionArn"),
                    ],
                    items,
                    more,
                )
            }
            NativeAction::Scan => {
                let (rows, more) = aws.scan_items(&region, &id, limit).await?;
                let items = rows.into_iter().map(|i| json!({ "item": i })).collect();
                (vec![("ITEM", "item")], items, more)
            }
            NativeAction::Policies => {
                let policies = aws.role_policies(&region, &id).await?;
                let items = policies
                    .into_iter()
                    .map(|p| json!({"policyName": p.name, "kind": p.kind, "policyArn": p.arn}))
                    .collect();
                (
                    vec![
                        ("POLICY", "policyName"),
                        ("KIND", "kind"),
                        ("ARN", "policyArn"),
                    ],
                    items,
                    false,
                )
            }
            NativeAction::Resources => {
                let rows = aws.list_stack_resources(&region, &id).await?;
                let items = rows
                    .into_iter()
                    .map(|r| {
                        json!({"logicalId": r.logical_id, "cfnType": r.cfn_type,
                        "physicalId": r.physical_id, "status": r.status})
                    })
                    .collect();
                (
                    vec![
                        ("LOGICAL ID", "logicalId"),
                        ("TYPE", "cfnType"),
                        ("PHYSICAL ID", "physicalId"),
                        ("STATUS", "status"),
                    ],
                    items,
                    false,
                )
            }
            NativeAction::Events => {
                let (events, more) = aws.stack_events(&region, &id, limit).await?;
                let items = events
                    .into_iter()
                    .map(|e| {
                        json!({"time": e.time, "logicalId": e.logical_id, "cfnType": e.cfn_type,
                        "status": e.status, "reason": e.reason})
                    })
                    .collect();
                (
                    vec![
                        ("TIME", "time"),
                        ("LOGICAL ID", "logicalId"),
                        ("TYPE", "cfnType"),
                        ("STATUS", "status"),
                        ("REASON", "reason"),
                    ],
                    items,
                    more,
                )
            }
            _ => {
                return Err(ActionError::Input(format!(
                    "{} is not a listing",
                    action.name()
                )));
            }
        };
    let shown = items.len();
    let note = truncated.then(|| {
        format!(
            "showing the first {shown} {}; --limit N shows more",
            match action {
                NativeAction::Scan => "items",
                NativeAction::Events => "events (newest first)",
                NativeAction::Subscriptions => "subscriptions",
                _ => "entries",
            }
        )
    });
    Ok(Listing {
        command: action.name(),
        resource: id,
        region,
        columns,
        items: items.into_iter().map(object).collect(),
        truncated,
        note,
    })
}
