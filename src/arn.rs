//! ARNs and partitions: the one place that splits an ARN into its parts or writes one, and that
//! knows each partition's name, console host and DNS suffix. Pure data, no AWS.

use std::fmt;

/// An AWS partition: which console, which DNS suffix, which `arn:PARTITION:` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    China,
    GovCloud,
}

impl Partition {
    /// The partition named by an ARN (`arn:aws-cn:...`), if the text is an ARN of a known one.
    pub fn from_arn(arn: &str) -> Option<Partition> {
        Partition::known(Arn::parse(arn)?.partition)
    }

    /// A guess from a region name, for when no ARN is at hand (a stack not yet deployed).
    pub fn from_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::China
        } else if region.starts_with("us-gov-") {
            Partition::GovCloud
        } else {
            Partition::Aws
        }
    }

    /// The partition of this name; an unknown name is the commercial partition.
    pub fn from_name(name: &str) -> Partition {
        Partition::known(name).unwrap_or(Partition::Aws)
    }

    fn known(name: &str) -> Option<Partition> {
        match name {
            "aws" => Some(Partition::Aws),
            "aws-cn" => Some(Partition::China),
            "aws-us-gov" => Some(Partition::GovCloud),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
        }
    }

    pub fn console_host(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::China => "console.amazonaws.cn",
            Partition::GovCloud => "console.amazonaws-us-gov.com",
        }
    }

    /// The DNS suffix of the partition's service endpoints (`execute-api.{region}.{suffix}`).
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws | Partition::GovCloud => "amazonaws.com",
            Partition::China => "amazonaws.com.cn",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The parts of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. Any part but the first may be
/// empty (an S3 bucket's ARN has no region and no account); the resource is everything after
/// the fifth `:`, so it may hold `:` and `/` (`function:f:live`, `log-group:g:*`,
/// `stack/NAME/UUID`). Writing one back (`Display`) gives the text it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The parts of `text`, or `None` when it is not `arn:` followed by five `:`-separated parts.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        (parts.next()? == "arn").then_some(())?;
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// The account id, when the ARN has one (an S3 bucket's has not).
    pub fn account(&self) -> Option<&'a str> {
        (!self.account.is_empty()).then_some(self.account)
    }

    /// A CloudFormation stack's name: `stack/NAME/UUID` -> `NAME`.
    pub fn stack_name(&self) -> Option<&'a str> {
        self.resource.strip_prefix("stack/")?.split('/').next()
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Arn {
            partition,
            service,
            region,
            account,
            resource,
        } = self;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

/// Whether `text` is an ARN (six parts, the first `arn`).
pub fn is_arn(text: &str) -> bool {
    Arn::parse(text).is_some()
}

/// The account id inside an ARN (`arn:aws:cloudformation:us-east-1:123456789012:stack/...`).
pub fn account(text: &str) -> Option<&str> {
    Arn::parse(text)?.account()
}

/// The partition name inside an ARN (`aws`, `aws-cn`, or one cdkx has no console for), or `aws`
/// when `text` is not an ARN or names none.
pub fn partition_name(text: &str) -> &str {
    Arn::parse(text)
        .map(|a| a.partition)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The stack name in a CloudFormation stack ARN (`arn:...:stack/NAME/UUID` -> `NAME`).
pub fn stack_name(stack_id: &str) -> Option<&str> {
    Arn::parse(stack_id)?.stack_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_stack_arn() {
        let text = "arn:aws:cloudformation:us-east-1:123456789012:stack/S/0a1b-2c";
        let arn = Arn::parse(text).unwrap();
        assert_eq!(
            arn,
            Arn {
                partition: "aws",
                service: "cloudformation",
                region: "us-east-1",
                account: "123456789012",
                resource: "stack/S/0a1b-2c",
            }
        );
        assert_eq!(arn.to_string(), text);
        assert_eq!(arn.stack_name(), Some("S"));
        assert_eq!(stack_name(text), Some("S"));
        assert_eq!(account(text), Some("123456789012"));
    }

    #[test]
    fn the_resource_keeps_its_colons_and_slashes() {
        let arn = Arn::parse("arn:aws:lambda:us-east-1:1:function:f:live").unwrap();
        assert_eq!(arn.resource, "function:f:live");
        let arn = Arn::parse("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/x:*").unwrap();
        assert_eq!(arn.resource, "log-group:/aws/lambda/x:*");
        let arn = Arn::parse("arn:aws:iam::1:role/path/to/R").unwrap();
        assert_eq!((arn.region, arn.resource), ("", "role/path/to/R"));
        assert_eq!(arn.stack_name(), None);
    }

    #[test]
    fn empty_parts_are_empty_not_missing() {
        let arn = Arn::parse("arn:aws:s3:::bucket").unwrap();
        assert_eq!((arn.region, arn.account, arn.resource), ("", "", "bucket"));
        assert_eq!(arn.account(), None);
        assert_eq!(account("arn:aws:s3:::bucket"), None);
        assert_eq!(arn.to_string(), "arn:aws:s3:::bucket");
        let arn = Arn::parse("arn:::::").unwrap();
        assert_eq!(arn.resource, "");
        assert_eq!(partition_name("arn:::::"), "aws");
        assert_eq!(Partition::from_arn("arn:::::"), None);
    }

    #[test]
    fn odd_text_is_not_an_arn() {
        for text in [
            "",
            "arn",
            "arn:",
            "arn:aws",
            "arn:aws:s3",
            "arn:aws:s3::",
            "arn:aws:s3:::",
            "ARN:aws:s3:::b",
            " arn:aws:s3:::b",
            "urn:aws:s3:::b",
            "not-an-arn",
            "arn/aws/s3///b",
        ] {
            let ok = text == "arn:aws:s3:::";
            assert_eq!(Arn::parse(text).is_some(), ok, "{text:?}");
            assert_eq!(is_arn(text), ok, "{text:?}");
        }
        assert_eq!(account("arn:aws:iam:"), None);
        assert_eq!(stack_name("stack/S/1"), None);
        assert_eq!(partition_name("arn:aws-cn"), "aws");
    }

    #[test]
    fn hostile_parts_stay_data() {
        let text = "arn:aws:iam::1:user/a b\u{1b}[31m:\n$(x)";
        let arn = Arn::parse(text).unwrap();
        assert_eq!(arn.resource, "user/a b\u{1b}[31m:\n$(x)");
        assert_eq!(arn.to_string(), text);
    }

    #[test]
    fn written_from_parts() {
        let arn = Arn {
            partition: Partition::China.name(),
            service: "lambda",
            region: "cn-north-1",
            account: "123456789012",
            resource: "function:f",
        };
        assert_eq!(
            arn.to_string(),
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f"
        );
        assert_eq!(Arn::parse(&arn.to_string()), Some(arn));
    }

    #[test]
    fn partition_comes_from_the_arn() {
        assert_eq!(
            Partition::from_arn("arn:aws-cn:cloudformation:cn-north-1:1:stack/a/b"),
            Some(Partition::China)
        );
        assert_eq!(
            Partition::from_arn("arn:aws-us-gov:iam::1:role/x"),
            Some(Partition::GovCloud)
        );
        assert_eq!(
            Partition::from_arn("arn:aws:s3:::bucket"),
            Some(Partition::Aws)
        );
        assert_eq!(Partition::from_arn("arn:aws-iso:s3:::bucket"), None);
        assert_eq!(partition_name("arn:aws-iso:s3:::bucket"), "aws-iso");
        assert_eq!(Partition::from_arn("not-an-arn"), None);
        assert_eq!(Partition::China.console_host(), "console.amazonaws.cn");
        assert_eq!(
            Partition::GovCloud.console_host(),
            "console.amazonaws-us-gov.com"
        );
        assert_eq!(Partition::from_region("cn-northwest-1"), Partition::China);
        assert_eq!(Partition::from_region("us-gov-east-1"), Partition::GovCloud);
        assert_eq!(Partition::from_region("eu-west-1"), Partition::Aws);
        assert_eq!(Partition::from_name("aws-us-gov"), Partition::GovCloud);
        assert_eq!(Partition::from_name("aws-iso"), Partition::Aws);
        assert_eq!(Partition::China.dns_suffix(), "amazonaws.com.cn");
        assert_eq!(Partition::GovCloud.dns_suffix(), "amazonaws.com");
        assert_eq!(Partition::GovCloud.to_string(), "aws-us-gov");
    }
}
