//! The console URL of each kind of resource: the one place that knows the pages under a
//! partition's console host (the hosts themselves are [`Partition`]'s), and how a value is
//! encoded into a URL ([`url_encode_component`], also used by the catalogue's `open` commands).
//! The partition comes from an ARN; the region name is only a fallback.

use crate::arn::{Partition, is_arn};
use crate::kind::ResourceKind;

/// Which console page a URL is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsolePage<'a> {
    /// The resource's own page; for a REST API with a stage, the API's stages page.
    Resource { stage: Option<&'a str> },
    /// CloudTrail's event history filtered by the resource's name (`audit-console`).
    EventHistory,
}

/// What a console URL is built from: plain values, so front ends and tests need no AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleTarget<'a> {
    pub cfn_type: &'a str,
    pub physical_id: Option<&'a str>,
    pub logical_id: Option<&'a str>,
    /// The ARN of the stack that holds the resource (for a stack, its own ARN).
    pub stack_id: Option<&'a str>,
    pub region: &'a str,
    /// Used only when neither the physical id nor the stack id is an ARN.
    pub partition: Partition,
    pub page: ConsolePage<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{0:?} is not a region name")]
    BadRegion(String),
    #[error("there is no console page without a physical id or a deployed stack")]
    NoPage,
    #[error("CloudTrail's event history is searched by resource name, and there is no physical id")]
    NoResourceName,
    #[error("a stage page exists only for REST APIs (AWS::ApiGateway::RestApi), not {0}")]
    StageNotApi(String),
}

/// The pages of the table below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    /// The page of a resource of this CloudFormation type, by physical id.
    Type(ResourceKind),
    RestApiStages,
    /// The stack's resources tab, filtered by logical id.
    StackResources,
    EventHistory,
    /// Any resource whose physical id is an ARN.
    AnyArn,
}

/// Every console URL cdkx builds. Placeholders: `{host}` (the partition's console host),
/// `{region}`, and URL-encoded `{enc_id}` (physical id), `{enc_arn}` (physical id that is an
/// ARN), `{enc_stack_id}`, `{enc_logical_id}`. Regional consoles use `https://{region}.{host}`;
/// IAM and S3 are global.
const PAGES: &[(Page, &str)] = &[
    (
        Page::Type(ResourceKind::LambdaFunction),
        "https://{region}.{host}/lambda/home?region={region}#/functions/{enc_id}",
    ),
    (
        Page::Type(ResourceKind::ApiGatewayRestApi),
        "https://{region}.{host}/apigateway/main/apis/{enc_id}/resources?api={enc_id}&region={region}",
    ),
    (
        Page::RestApiStages,
        "https://{region}.{host}/apigateway/main/apis/{enc_id}/stages?api={enc_id}&region={region}",
    ),
    (
        Page::Type(ResourceKind::CloudFormationStack),
        "https://{region}.{host}/cloudformation/home?region={region}#/stacks/stackinfo?stackId={enc_id}",
    ),
    (
        Page::StackResources,
        "https://{region}.{host}/cloudformation/home?region={region}#/stacks/resources?stackId={enc_stack_id}&filteringText={enc_logical_id}",
    ),
    (
        Page::Type(ResourceKind::IamRole),
        "https://{host}/iam/home#/roles/details/{enc_id}",
    ),
    (
        Page::EventHistory,
        "https://{region}.{host}/cloudtrail/home?region={region}#/events?ResourceName={enc_id}",
    ),
    (
        Page::Type(ResourceKind::S3Bucket),
        "https://{host}/s3/buckets/{enc_id}?region={region}&tab=objects",
    ),
    (
        Page::Type(ResourceKind::SqsQueue),
        "https://{region}.{host}/sqs/v3/home?region={region}#/queues/{enc_id}",
    ),
    (
        Page::Type(ResourceKind::SnsTopic),
        "https://{region}.{host}/sns/v3/home?region={region}#/topic/{enc_id}",
    ),
    (
        Page::Type(ResourceKind::DynamoDbTable),
        "https://{region}.{host}/dynamodbv2/home?region={region}#table?name={enc_id}",
    ),
    (Page::AnyArn, "https://{host}/go/view?arn={enc_arn}"),
];

/// The URL pattern of a page of the table.
fn row(page: Page) -> &'static str {
    PAGES
        .iter()
        .find(|(p, _)| *p == page)
        .map(|(_, url)| *url)
        .expect("every page has a row in PAGES")
}

/// The URL pattern of a CloudFormation type's own page, if it has one.
fn type_row(cfn_type: &str) -> Option<&'static str> {
    PAGES.iter().find_map(|(p, url)| match p {
        Page::Type(kind) if kind.is(cfn_type) => Some(*url),
        _ => None,
    })
}

/// The console URL of a resource's page. The host's partition comes from the physical id when
/// it is an ARN, else from the stack's ARN, and only then from `target.partition`.
pub fn console_url(target: &ConsoleTarget<'_>) -> Result<String, UrlError> {
    let id = target.physical_id.filter(|p| !p.is_empty());
    let stack_id = target.stack_id.filter(|s| !s.is_empty());
    let template = match target.page {
        ConsolePage::EventHistory => {
            id.ok_or(UrlError::NoResourceName)?;
            row(Page::EventHistory)
        }
        ConsolePage::Resource { stage: Some(_) } => {
            if !ResourceKind::ApiGatewayRestApi.is(target.cfn_type) {
                return Err(UrlError::StageNotApi(target.cfn_type.to_string()));
            }
            id.ok_or(UrlError::NoPage)?;
            row(Page::RestApiStages)
        }
        ConsolePage::Resource { stage: None } => match (id, type_row(target.cfn_type)) {
            (Some(_), Some(url)) => url,
            (Some(id), None) if is_arn(id) => row(Page::AnyArn),
            _ if stack_id.is_some() && target.logical_id.is_some() => row(Page::StackResources),
            _ => return Err(UrlError::NoPage),
        },
    };
    let partition = id
        .and_then(Partition::from_arn)
        .or_else(|| stack_id.and_then(Partition::from_arn))
        .unwrap_or(target.partition);
    let enc = |v: Option<&str>| url_encode_component(v.unwrap_or_default());
    let mut url = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        url.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("placeholders are closed");
        match &rest[open + 1..close] {
            "host" => url.push_str(partition.console_host()),
            "region" => url.push_str(checked_region(target.region)?),
            "enc_id" | "enc_arn" => url.push_str(&enc(id)),
            "enc_stack_id" => url.push_str(&enc(stack_id)),
            "enc_logical_id" => url.push_str(&enc(target.logical_id)),
            other => unreachable!("unknown placeholder {{{other}}} in PAGES"),
        }
        rest = &rest[close + 1..];
    }
    url.push_str(rest);
    Ok(url)
}

/// JavaScript's encodeURIComponent, which cdk-app-cli uses.
pub fn url_encode_component(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    utf8_percent_encode(s, KEEP).to_string()
}

/// A region goes into a host name: only `[a-z0-9-]`, so a hostile value cannot change the host.
fn checked_region(region: &str) -> Result<&str, UrlError> {
    let ok = region.starts_with(|c: char| c.is_ascii_lowercase())
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(region)
    } else {
        Err(UrlError::BadRegion(region.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STACK: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/S/0a1b";
    const CN_STACK: &str = "arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/S/0a1b";
    const GOV_STACK: &str = "arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/S/0a1b";

    /// A target whose partition fallback is deliberately wrong: the host must come from an ARN.
    fn target<'a>(cfn_type: &'a str, id: Option<&'a str>, stack: &'a str) -> ConsoleTarget<'a> {
        ConsoleTarget {
            cfn_type,
            physical_id: id,
            logical_id: Some("Thing1A2B"),
            stack_id: Some(stack),
            region: "us-east-1",
            partition: Partition::GovCloud,
            page: ConsolePage::Resource { stage: None },
        }
    }

    fn url(t: ConsoleTarget<'_>) -> String {
        console_url(&t).unwrap()
    }

    #[test]
    fn lambda_function_page_is_regional() {
        let t = target("AWS::Lambda::Function", Some("my fn"), STACK);
        assert_eq!(
            url(t),
            "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/my%20fn"
        );
    }

    #[test]
    fn rest_api_resources_and_stages_pages() {
        let mut t = target("AWS::ApiGateway::RestApi", Some("abc123"), CN_STACK);
        t.region = "cn-north-1";
        assert_eq!(
            url(t),
            "https://cn-north-1.console.amazonaws.cn/apigateway/main/apis/abc123/resources?api=abc123&region=cn-north-1"
        );
        t.page = ConsolePage::Resource {
            stage: Some("prod"),
        };
        assert_eq!(
            url(t),
            "https://cn-north-1.console.amazonaws.cn/apigateway/main/apis/abc123/stages?api=abc123&region=cn-north-1"
        );
        let f = target("AWS::Lambda::Function", Some("f"), STACK);
        let staged = ConsoleTarget {
            page: ConsolePage::Resource {
                stage: Some("prod"),
            },
            ..f
        };
        assert!(matches!(
            console_url(&staged),
            Err(UrlError::StageNotApi(_))
        ));
    }

    #[test]
    fn stack_page_takes_the_partition_from_the_stack_arn() {
        let mut t = target("AWS::CloudFormation::Stack", Some(GOV_STACK), GOV_STACK);
        t.region = "us-gov-west-1";
        t.partition = Partition::Aws;
        assert_eq!(
            url(t),
            "https://us-gov-west-1.console.amazonaws-us-gov.com/cloudformation/home?region=us-gov-west-1#/stacks/stackinfo?stackId=arn%3Aaws-us-gov%3Acloudformation%3Aus-gov-west-1%3A123456789012%3Astack%2FS%2F0a1b"
        );
    }

    #[test]
    fn stack_resources_tab_is_the_fallback_without_a_page_or_an_arn() {
        let t = target("AWS::Logs::LogGroup", Some("/aws/lambda/x"), STACK);
        assert_eq!(
            url(t),
            "https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/resources?stackId=arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack%2FS%2F0a1b&filteringText=Thing1A2B"
        );
        // A type with a page but no physical id (deployed, none reported) lands there too.
        let t = target("AWS::Lambda::Function", None, CN_STACK);
        assert!(url(t).starts_with("https://us-east-1.console.amazonaws.cn/cloudformation/"));
        let lost = ConsoleTarget {
            stack_id: None,
            ..t
        };
        assert_eq!(console_url(&lost), Err(UrlError::NoPage));
    }

    #[test]
    fn iam_role_page_is_global() {
        let t = target("AWS::IAM::Role", Some("Stack-fnServiceRole-ABC"), CN_STACK);
        assert_eq!(
            url(t),
            "https://console.amazonaws.cn/iam/home#/roles/details/Stack-fnServiceRole-ABC"
        );
    }

    #[test]
    fn event_history_filters_by_resource_name() {
        let mut t = target("AWS::Lambda::Function", Some("fn-1"), STACK);
        t.page = ConsolePage::EventHistory;
        assert_eq!(
            url(t),
            "https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events?ResourceName=fn-1"
        );
        t.physical_id = None;
        assert_eq!(console_url(&t), Err(UrlError::NoResourceName));
    }

    #[test]
    fn s3_sqs_sns_dynamodb_pages() {
        let t = target("AWS::S3::Bucket", Some("my-bucket"), GOV_STACK);
        assert_eq!(
            url(t),
            "https://console.amazonaws-us-gov.com/s3/buckets/my-bucket?region=us-east-1&tab=objects"
        );
        let q = "https://sqs.us-east-1.amazonaws.com/123456789012/q";
        let t = target("AWS::SQS::Queue", Some(q), STACK);
        assert_eq!(
            url(t),
            "https://us-east-1.console.aws.amazon.com/sqs/v3/home?region=us-east-1#/queues/https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Fq"
        );
        let topic = "arn:aws-cn:sns:cn-north-1:123456789012:t";
        let mut t = target("AWS::SNS::Topic", Some(topic), STACK);
        t.region = "cn-north-1";
        assert_eq!(
            url(t),
            "https://cn-north-1.console.amazonaws.cn/sns/v3/home?region=cn-north-1#/topic/arn%3Aaws-cn%3Asns%3Acn-north-1%3A123456789012%3At"
        );
        let t = target("AWS::DynamoDB::Table", Some("tbl"), STACK);
        assert_eq!(
            url(t),
            "https://us-east-1.console.aws.amazon.com/dynamodbv2/home?region=us-east-1#table?name=tbl"
        );
    }

    #[test]
    fn arns_without_a_page_use_go_view() {
        let arn = "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:m";
        let mut t = target("AWS::StepFunctions::StateMachine", Some(arn), STACK);
        t.partition = Partition::China;
        assert_eq!(
            url(t),
            "https://console.amazonaws-us-gov.com/go/view?arn=arn%3Aaws-us-gov%3Astates%3Aus-gov-west-1%3A123456789012%3AstateMachine%3Am"
        );
    }

    #[test]
    fn without_any_arn_the_subject_partition_is_used() {
        let t = ConsoleTarget {
            stack_id: Some("not-an-arn"),
            partition: Partition::China,
            ..target("AWS::Lambda::Function", Some("f"), STACK)
        };
        assert!(url(t).starts_with("https://us-east-1.console.amazonaws.cn/"));
    }

    #[test]
    fn url_encoding_matches_encode_uri_component() {
        assert_eq!(
            url_encode_component("a b/c?d=é&e*'()!~"),
            "a%20b%2Fc%3Fd%3D%C3%A9%26e*'()!~"
        );
    }

    #[test]
    fn a_hostile_region_cannot_change_the_host() {
        for region in [
            "evil.com/x",
            "us-east-1.evil.com",
            "",
            "US-EAST-1",
            "a b",
            "-x",
        ] {
            let t = ConsoleTarget {
                region,
                ..target("AWS::Lambda::Function", Some("f"), STACK)
            };
            assert_eq!(console_url(&t), Err(UrlError::BadRegion(region.into())));
        }
    }

    #[test]
    fn every_row_uses_known_placeholders() {
        for (page, pattern) in PAGES {
            assert!(pattern.starts_with("https://{"), "{page:?}");
            let mut rest = *pattern;
            while let Some(open) = rest.find('{') {
                let close = open + rest[open..].find('}').unwrap();
                assert!(
                    [
                        "host",
                        "region",
                        "enc_id",
                        "enc_arn",
                        "enc_stack_id",
                        "enc_logical_id"
                    ]
                    .contains(&&rest[open + 1..close]),
                    "{pattern}"
                );
                rest = &rest[close + 1..];
            }
        }
    }
}
