//! Partitions and their console hosts: the one place that knows `console.aws.amazon.com` and its
//! siblings. The partition comes from an ARN; the region name is only a fallback.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    China,
    GovCloud,
}

impl Partition {
    /// The partition named by an ARN (`arn:aws-cn:...`), if the text is an ARN of a known one.
    pub fn from_arn(arn: &str) -> Option<Partition> {
        let mut parts = arn.splitn(3, ':');
        (parts.next()? == "arn").then_some(())?;
        match parts.next()? {
            "aws" => Some(Partition::Aws),
            "aws-cn" => Some(Partition::China),
            "aws-us-gov" => Some(Partition::GovCloud),
            _ => None,
        }
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

    pub fn from_name(name: &str) -> Partition {
        match name {
            "aws-cn" => Partition::China,
            "aws-us-gov" => Partition::GovCloud,
            _ => Partition::Aws,
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
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The account id inside an ARN (`arn:aws:cloudformation:us-east-1:123456789012:stack/...`).
pub fn account_from_arn(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(Partition::from_arn("not-an-arn"), None);
        assert_eq!(Partition::China.console_host(), "console.amazonaws.cn");
        assert_eq!(
            Partition::GovCloud.console_host(),
            "console.amazonaws-us-gov.com"
        );
        assert_eq!(Partition::from_region("cn-northwest-1"), Partition::China);
        assert_eq!(
            account_from_arn("arn:aws:cloudformation:us-east-1:123456789012:stack/S/x"),
            Some("123456789012")
        );
        assert_eq!(account_from_arn("arn:aws:s3:::bucket"), None);
    }
}
