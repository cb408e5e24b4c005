//! CloudFormation calls: DescribeStacks, ListStackResources, DescribeStackResource.

use aws_sdk_cloudformation as cfn;
use cfn::error::{ProvideErrorMetadata, SdkError};

use super::{Aws, AwsError, StackResourceRow, StackVersion, every_page, non_empty};
use crate::time::iso_of;

impl Aws {
    fn cfn(&self, region: &str) -> cfn::Client {
        service_client!(cfn, self, region)
    }

    /// DescribeStacks for one stack; `None` when it does not exist (not deployed).
    pub async fn describe_stack(
        &self,
        region: &str,
        stack: &str,
    ) -> Result<Option<StackVersion>, AwsError> {
        let Some(s) = self.first_stack(region, stack).await? else {
            return Ok(None);
        };
        let s = &s;
        if s.stack_status()
            .is_some_and(|st| st.as_str() == "DELETE_COMPLETE")
        {
            return Ok(None);
        }
        let when = s.last_updated_time().or(s.creation_time());
        Ok(Some(StackVersion {
            stack_id: s.stack_id().unwrap_or(stack).to_string(),
            status: s
                .stack_status()
                .map(|st| st.as_str().to_string())
                .unwrap_or_default(),
            last_changed: when.and_then(iso_of).unwrap_or_default(),
        }))
    }

    /// ListStackResources, every page. Rows without a logical id (moto lists unsupported types
    /// that way) are dropped: nothing in the template can be matched to them.
    pub async fn list_stack_resources(
        &self,
        region: &str,
        stack: &str,
    ) -> Result<Vec<StackResourceRow>, AwsError> {
        const CALL: &str = "cloudformation:ListStackResources";
        let client = &self.cfn(region);
        every_page(CALL, region, |token| async move {
            let page = client
                .list_stack_resources()
                .stack_name(stack)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            let rows = page
                .stack_resource_summaries()
                .iter()
                .filter_map(|r| {
                    let logical = r.logical_resource_id().filter(|l| !l.is_empty())?;
                    Some(StackResourceRow {
                        logical_id: logical.to_string(),
                        physical_id: non_empty(r.physical_resource_id()),
                        cfn_type: r.resource_type().unwrap_or_default().to_string(),
                        status: r.resource_status().map(|s| s.as_str().to_string()),
                    })
                })
                .collect();
            Ok((rows, page.next_token().map(str::to_string)))
        })
        .await
    }
}

/// What DescribeStackResource says of one resource.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackResourceDetail {
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub cfn_type: Option<String>,
    pub status: Option<String>,
    pub status_reason: Option<String>,
    pub last_updated: Option<String>,
}

impl Aws {
    pub async fn describe_stack_resource(
        &self,
        region: &str,
        stack: &str,
        logical_id: &str,
    ) -> Result<StackResourceDetail, AwsError> {
        let out = self
            .cfn(region)
            .describe_stack_resource()
            .stack_name(stack)
            .logical_resource_id(logical_id)
            .send()
            .await
            .map_err(|e| self.call_error("cloudformation:DescribeStackResource", region, &e))?;
        let d = out.stack_resource_detail();
        Ok(StackResourceDetail {
            logical_id: logical_id.to_string(),
            physical_id: d.and_then(|d| d.physical_resource_id()).map(str::to_string),
            cfn_type: d.and_then(|d| d.resource_type()).map(str::to_string),
            status: d
                .and_then(|d| d.resource_status())
                .map(|s| s.as_str().to_string()),
            status_reason: d
                .and_then(|d| d.resource_status_reason())
                .map(str::to_string),
            last_updated: d.and_then(|d| d.last_updated_timestamp()).and_then(iso_of),
        })
    }
}

impl Aws {
    /// DescribeStacks for one stack; `None` when it does not exist.
    async fn first_stack(
        &self,
        region: &str,
        stack: &str,
    ) -> Result<Option<cfn::types::Stack>, AwsError> {
        let result = self
            .cfn(region)
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.stacks().first().cloned()),
            Err(e) if is_stack_missing(&e) => Ok(None),
            Err(e) => Err(self.call_error("cloudformation:DescribeStacks", region, &e)),
        }
    }
}

fn is_stack_missing<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().is_some_and(|s| {
        s.code() == Some("ValidationError")
            && s.message().is_some_and(|m| m.contains("does not exist"))
    })
}

/// What DescribeStacks says of one stack, for describe (the cache needs only [`StackVersion`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackDetail {
    pub stack_id: String,
    pub stack_name: String,
    pub status: Option<String>,
    pub status_reason: Option<String>,
    pub description: Option<String>,
    pub created: Option<String>,
    pub last_updated: Option<String>,
    /// The parent stack's ARN, for a nested stack.
    pub parent_id: Option<String>,
    pub outputs: Vec<StackOutput>,
}

/// One output of a stack.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackOutput {
    pub key: String,
    pub value: Option<String>,
    pub description: Option<String>,
    pub export_name: Option<String>,
}

impl Aws {
    /// DescribeStacks for one stack with its outputs; `None` when it does not exist.
    pub async fn describe_stack_detail(
        &self,
        region: &str,
        stack: &str,
    ) -> Result<Option<StackDetail>, AwsError> {
        let Some(s) = self.first_stack(region, stack).await? else {
            return Ok(None);
        };
        let s = &s;
        let when = |t: Option<&aws_smithy_types::DateTime>| t.and_then(iso_of);
        Ok(Some(StackDetail {
            stack_id: s.stack_id().unwrap_or(stack).to_string(),
            stack_name: s.stack_name().unwrap_or(stack).to_string(),
            status: s.stack_status().map(|st| st.as_str().to_string()),
            status_reason: s.stack_status_reason().map(str::to_string),
            description: non_empty(s.description()),
            created: when(s.creation_time()),
            last_updated: when(s.last_updated_time()),
            parent_id: s.parent_id().map(str::to_string),
            outputs: s
                .outputs()
                .iter()
                .map(|o| StackOutput {
                    key: o.output_key().unwrap_or_default().to_string(),
                    value: o.output_value().map(str::to_string),
                    description: o.description().map(str::to_string),
                    export_name: o.export_name().map(str::to_string),
                })
                .collect(),
        }))
    }
}

/// One event of a stack's deployments (DescribeStackEvents).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackEvent {
    /// ISO 8601.
    pub time: String,
    pub logical_id: String,
    pub cfn_type: String,
    pub status: String,
    pub reason: Option<String>,
}

impl Aws {
    /// The stack's newest `limit` events, newest first; `true` when there are older ones.
    pub async fn stack_events(
        &self,
        region: &str,
        stack: &str,
        limit: usize,
    ) -> Result<(Vec<StackEvent>, bool), AwsError> {
        const CALL: &str = "cloudformation:DescribeStackEvents";
        let client = self.cfn(region);
        super::first_items(CALL, region, limit, |token| {
            let req = client
                .describe_stack_events()
                .stack_name(stack)
                .set_next_token(token);
            async move {
                let page = req
                    .send()
                    .await
                    .map_err(|e| self.call_error(CALL, region, &e))?;
                let items = page
                    .stack_events()
                    .iter()
                    .map(|e| StackEvent {
                        time: e
                            .timestamp()
                            .and_then(crate::time::iso_of)
                            .unwrap_or_default(),
                        logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
                        cfn_type: e.resource_type().unwrap_or_default().to_string(),
                        status: e
                            .resource_status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        reason: non_empty(e.resource_status_reason()),
                    })
                    .collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::aws::replay::{REGION, Replay, xml};

    fn page(members: &str, token: Option<&str>) -> aws_smithy_http_client::test_util::ReplayEvent {
        let token = token.map_or(String::new(), |t| format!("<NextToken>{t}</NextToken>"));
        xml(
            200,
            &format!(
                "<ListStackResourcesResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><ListStackResourcesResult><StackResourceSummaries>{members}</StackResourceSummaries>{token}</ListStackResourcesResult></ListStackResourcesResponse>"
            ),
        )
    }

    fn member(logical: &str, physical: &str) -> String {
        format!(
            "<member><LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>{physical}</PhysicalResourceId><ResourceType>AWS::Lambda::Function</ResourceType><ResourceStatus>CREATE_COMPLETE</ResourceStatus><LastUpdatedTimestamp>2025-01-01T00:00:00Z</LastUpdatedTimestamp></member>"
        )
    }

    #[tokio::test]
    async fn stack_resources_are_listed_across_pages_and_rows_without_a_logical_id_dropped() {
        let r = Replay::new(vec![
            page(&(member("Fn", "fn-1") + &member("", "orphan")), Some("n1")),
            page(&member("Table", ""), None),
        ]);
        let rows = r.aws.list_stack_resources(REGION, "Stack").await.unwrap();
        let got: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.logical_id.as_str(), r.physical_id.as_deref()))
            .collect();
        assert_eq!(got, [("Fn", Some("fn-1")), ("Table", None)]);
        assert_eq!(rows[0].cfn_type, "AWS::Lambda::Function");
        assert_eq!(rows[0].status.as_deref(), Some("CREATE_COMPLETE"));
        let sent = r.sent();
        assert_eq!(sent.len(), 2);
        for s in &sent {
            assert_eq!(s.param("Action").as_deref(), Some("ListStackResources"));
            assert_eq!(s.param("StackName").as_deref(), Some("Stack"));
        }
        assert_eq!(sent[0].param("NextToken"), None);
        assert_eq!(sent[1].param("NextToken").as_deref(), Some("n1"));
    }
}
