//! S3 calls for reading trail logs: ListObjectsV2 (every page) and GetObject.

use aws_sdk_s3 as s3;

use super::{Aws, AwsError, every_page};

#[derive(Debug, Clone)]
pub struct S3Object {
    pub key: String,
    pub size: i64,
}

impl Aws {
    fn s3(&self, region: &str) -> s3::Client {
        // Emulators and many proxies serve buckets by path, not by virtual host.
        service_client!(s3, self, region, |b| b
            .force_path_style(self.endpoint_url().is_some()))
    }

    pub async fn list_objects(
        &self,
        region: &str,
        bucket: &str,
        prefix: &str,
    ) -> Result<Vec<S3Object>, AwsError> {
        const CALL: &str = "s3:ListObjectsV2";
        let client = &self.s3(region);
        every_page(CALL, region, |token| async move {
            let page = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            let objects = page
                .contents()
                .iter()
                .filter_map(|o| {
                    Some(S3Object {
                        key: o.key()?.to_string(),
                        size: o.size().unwrap_or_default(),
                    })
                })
                .collect();
            let next = page
                .is_truncated()
                .unwrap_or(false)
                .then(|| page.next_continuation_token().map(str::to_string))
                .flatten();
            Ok((objects, next))
        })
        .await
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

#[cfg(test)]
mod tests {
    use crate::aws::replay::{REGION, Replay, xml};

    fn page(
        key: &str,
        truncated: bool,
        next: &str,
    ) -> aws_smithy_http_client::test_util::ReplayEvent {
        xml(
            200,
            &format!(
                "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>logs</Name><Prefix>p/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>{truncated}</IsTruncated><NextContinuationToken>{next}</NextContinuationToken><Contents><Key>{key}</Key><Size>10</Size></Contents></ListBucketResult>"
            ),
        )
    }

    #[tokio::test]
    async fn objects_are_listed_while_the_answer_says_it_is_truncated() {
        let r = Replay::new(vec![
            page("p/a.json.gz", true, "c1"),
            // A token on the last page is not followed: the listing says it is complete.
            page("p/b.json.gz", false, "c2"),
        ]);
        let objects = r.aws.list_objects(REGION, "logs", "p/").await.unwrap();
        let keys: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["p/a.json.gz", "p/b.json.gz"]);
        assert_eq!(objects[0].size, 10);
        let sent = r.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].method, "GET");
        for s in &sent {
            assert!(
                s.uri.contains("list-type=2") && s.uri.contains("prefix=p%2F"),
                "{}",
                s.uri
            );
        }
        assert!(
            !sent[0].uri.contains("continuation-token"),
            "{}",
            sent[0].uri
        );
        assert!(
            sent[1].uri.contains("continuation-token=c1"),
            "{}",
            sent[1].uri
        );
    }
}
