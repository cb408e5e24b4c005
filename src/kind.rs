//! The CloudFormation resource types cdkx knows something about (`AWS::Lambda::Function`, ...):
//! the one place their type strings are written. A resource's type stays the template's text
//! (any type may appear there); code that treats a type specially asks
//! [`ResourceKind::of`] or [`ResourceKind::is`] instead of comparing strings.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    LambdaFunction,
    /// A function URL (`addFunctionUrl`).
    LambdaUrl,
    ApiGatewayRestApi,
    ApiGatewayStage,
    ApiGatewayDeployment,
    /// An HTTP API (API Gateway v2).
    ApiGatewayV2Api,
    ApiGatewayV2Stage,
    CloudFormationStack,
    IamRole,
    IamPolicy,
    IamManagedPolicy,
    S3Bucket,
    SqsQueue,
    SnsTopic,
    DynamoDbTable,
    /// CDK's bookkeeping resource, not one of the user's.
    CdkMetadata,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 16] = [
        ResourceKind::LambdaFunction,
        ResourceKind::LambdaUrl,
        ResourceKind::ApiGatewayRestApi,
        ResourceKind::ApiGatewayStage,
        ResourceKind::ApiGatewayDeployment,
        ResourceKind::ApiGatewayV2Api,
        ResourceKind::ApiGatewayV2Stage,
        ResourceKind::CloudFormationStack,
        ResourceKind::IamRole,
        ResourceKind::IamPolicy,
        ResourceKind::IamManagedPolicy,
        ResourceKind::S3Bucket,
        ResourceKind::SqsQueue,
        ResourceKind::SnsTopic,
        ResourceKind::DynamoDbTable,
        ResourceKind::CdkMetadata,
    ];

    /// The CloudFormation type string (`AWS::Lambda::Function`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceKind::LambdaFunction => "AWS::Lambda::Function",
            ResourceKind::LambdaUrl => "AWS::Lambda::Url",
            ResourceKind::ApiGatewayRestApi => "AWS::ApiGateway::RestApi",
            ResourceKind::ApiGatewayStage => "AWS::ApiGateway::Stage",
            ResourceKind::ApiGatewayDeployment => "AWS::ApiGateway::Deployment",
            ResourceKind::ApiGatewayV2Api => "AWS::ApiGatewayV2::Api",
            ResourceKind::ApiGatewayV2Stage => "AWS::ApiGatewayV2::Stage",
            ResourceKind::CloudFormationStack => "AWS::CloudFormation::Stack",
            ResourceKind::IamRole => "AWS::IAM::Role",
            ResourceKind::IamPolicy => "AWS::IAM::Policy",
            ResourceKind::IamManagedPolicy => "AWS::IAM::ManagedPolicy",
            ResourceKind::S3Bucket => "AWS::S3::Bucket",
            ResourceKind::SqsQueue => "AWS::SQS::Queue",
            ResourceKind::SnsTopic => "AWS::SNS::Topic",
            ResourceKind::DynamoDbTable => "AWS::DynamoDB::Table",
            ResourceKind::CdkMetadata => "AWS::CDK::Metadata",
        }
    }

    /// The kind of a CloudFormation type string, if cdkx knows it (exact, case-sensitive, as
    /// CloudFormation compares types).
    pub fn of(cfn_type: &str) -> Option<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == cfn_type)
    }

    /// Whether `cfn_type` is this kind's type string.
    pub fn is(self, cfn_type: &str) -> bool {
        self.as_str() == cfn_type
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_strings_round_trip() {
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::of(k.as_str()), Some(k));
            assert!(k.is(k.as_str()));
            assert_eq!(k.to_string(), k.as_str());
        }
        let mut all: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), ResourceKind::ALL.len(), "one string per kind");
        assert_eq!(
            ResourceKind::LambdaFunction.as_str(),
            "AWS::Lambda::Function"
        );
        assert_eq!(
            ResourceKind::CloudFormationStack.as_str(),
            "AWS::CloudFormation::Stack"
        );
    }

    #[test]
    fn other_types_are_not_kinds() {
        for t in [
            "",
            "AWS::Lambda::Permission",
            "aws::lambda::function",
            "AWS::Lambda::Function ",
            "Custom::Thing",
            "AWS::Lambda::Function\u{1b}",
        ] {
            assert_eq!(ResourceKind::of(t), None, "{t:?}");
            assert!(!ResourceKind::LambdaFunction.is(t));
        }
    }
}
