//! S3 calls for reading trail logs: ListObjectsV2 (every page) and GetObject.

use aws_sdk_s3 as s3;
use aws_types::region::Region;

use super::{Aws, AwsError};

#[derive(Debug, Clone)]
pub struct S3Object {
    pub key: String,
    pub size: i64,
}

impl Aws {
    fn s3(&self, region: &str) -> s3::Client {
        let conf = s3::config::Builder::from(self.sdk_config())
            .region(Region::new(region.to_string()))
            // Emulators and many proxies serve buckets by path, not by virtual host.
            .force_path_style(self.endpoint_url().is_some())
            .interceptor(super::AnswerCap)
            .build();
        s3::Client::from_conf(conf)
    }

    pub async fn list_objects(
        &self,
        region: &str,
        bucket: &str,
        prefix: &str,
    ) -> Result<Vec<S3Object>, AwsError> {
        const CALL: &str = "s3:ListObjectsV2";
        let client = self.s3(region);
        let mut pages = crate::bounds::Pages::new(CALL);
        let mut token = None;
        let mut out = Vec::new();
        loop {
            let page = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            out.extend(page.contents().iter().filter_map(|o| {
                Some(S3Object {
                    key: o.key()?.to_string(),
                    size: o.size().unwrap_or_default(),
                })
            }));
            let next = page
                .is_truncated()
                .unwrap_or(false)
                .then(|| page.next_continuation_token().map(str::to_string))
                .flatten();
            token = pages.next(next).map_err(|l| super::page_limit(region, l))?;
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    pub async fn get_object(
        &self,
        region: &str,
        bucket: &str,
        key: &str,
    ) -> Result<Vec<u8>, AwsError> {
        let out = self
            .s3(region)
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.call_error("s3:GetObject", region, &e))?;
        let err = |message: String| AwsError::Call {
            call: "s3:GetObject",
            region: region.to_string(),
            message,
        };
        let max = crate::bounds::TRAIL_LOG_MAX;
        let too_large = || {
            err(format!(
                "s3://{bucket}/{key} is larger than {} (the limit for a trail log object); not read",
                crate::bounds::size(max)
            ))
        };
        if out.content_length().is_some_and(|n| n as u64 > max) {
            return Err(too_large());
        }
        // Read by chunks and stop at the limit: the length header may be missing or wrong.
        let mut body = out.body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body
            .try_next()
            .await
            .map_err(|e| err(format!("reading s3://{bucket}/{key}: {e}")))?
        {
            if (bytes.len() + chunk.len()) as u64 > max {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

/// One entry of a bucket listing: an object, or a common prefix (a "folder").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Entry {
    pub key: String,
    /// `None` for a prefix.
    pub size: Option<i64>,
    pub last_modified: Option<String>,
}

impl Aws {
    /// What `aws s3 ls s3://BUCKET/PREFIX` lists: the prefixes and objects directly under
    /// `prefix` (delimiter `/`), the first `limit` of them; `true` when there are more.
    pub async fn list_bucket(
        &self,
        region: &str,
        bucket: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<(Vec<S3Entry>, bool), AwsError> {
        const CALL: &str = "s3:ListObjectsV2";
        let client = self.s3(region);
        super::first_items(CALL, region, limit, |token| {
            let req = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .delimiter("/")
                .set_continuation_token(token);
            async move {
                let page = req
                    .send()
                    .await
                    .map_err(|e| self.call_error(CALL, region, &e))?;
                let mut items: Vec<S3Entry> = page
                    .common_prefixes()
                    .iter()
                    .filter_map(|p| {
                        Some(S3Entry {
                            key: p.prefix()?.to_string(),
                            ..Default::default()
                        })
                    })
                    .collect();
                items.extend(page.contents().iter().filter_map(|o| {
                    Some(S3Entry {
                        key: o.key()?.to_string(),
                        size: Some(o.size().unwrap_or_default()),
                        last_modified: o.last_modified().and_then(|t| {
                            t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()
                        }),
                    })
                }));
                let next = page
                    .is_truncated()
                    .unwrap_or(false)
                    .then(|| page.next_continuation_token().map(str::to_string))
                    .flatten();
                Ok((items, next))
            }
        })
        .await
    }
}
