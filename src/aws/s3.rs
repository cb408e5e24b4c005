//! S3 calls: ListObjectsV2 (trail logs, every page; a bucket's `ls`) and GetObject.
//!
//! Listings ask for URL-encoded keys (`encoding-type=url`), as the aws CLI does: S3 answers in
//! XML 1.0, which cannot carry a key with control characters unless it is encoded, and the SDK
//! rejects such an answer. The keys are decoded here, so the rest of cdkx sees them as stored.

use aws_sdk_s3 as s3;

use super::{Aws, AwsError, every_page};

/// A key, prefix or delimiter from a listing asked for with `encoding-type=url`, as it is
/// stored: S3 encodes it as a form value (`+` for a space, `%XX` for other bytes); a key that is
/// not UTF-8 once decoded keeps U+FFFD where its bad bytes were.
fn decoded(value: &str, encoded: bool) -> String {
    if !encoded {
        return value.to_string();
    }
    let plus_as_space = value.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8_lossy()
        .into_owned()
}

fn url_encoded(kind: Option<&s3::types::EncodingType>) -> bool {
    matches!(kind, Some(s3::types::EncodingType::Url))
}

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
                .encoding_type(s3::types::EncodingType::Url)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            let encoded = url_encoded(page.encoding_type());
            let objects = page
                .contents()
                .iter()
                .filter_map(|o| {
                    Some(S3Object {
                        key: decoded(o.key()?, encoded),
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
                .encoding_type(s3::types::EncodingType::Url)
                .set_continuation_token(token);
            async move {
                let page = req
                    .send()
                    .await
                    .map_err(|e| self.call_error(CALL, region, &e))?;
                let encoded = url_encoded(page.encoding_type());
                let mut items: Vec<S3Entry> = page
                    .common_prefixes()
                    .iter()
                    .filter_map(|p| {
                        Some(S3Entry {
                            key: decoded(p.prefix()?, encoded),
                            ..Default::default()
                        })
                    })
                    .collect();
                items.extend(page.contents().iter().filter_map(|o| {
                    Some(S3Entry {
                        key: decoded(o.key()?, encoded),
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

    #[tokio::test]
    async fn listings_ask_for_encoded_keys_and_decode_them() {
        let body = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents><Key>a+b%1B%5B31m%2Bc</Key><Size>3</Size></Contents><CommonPrefixes><Prefix>dir%07/</Prefix></CommonPrefixes></ListBucketResult>";
        let r = Replay::new(vec![xml(200, body)]);
        let (entries, more) = r.aws.list_bucket(REGION, "b", "", 10).await.unwrap();
        assert!(!more);
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        // `+` is a space, `%2B` a plus; control characters come back as stored (the
        // front ends escape them before a terminal sees them).
        assert_eq!(keys, ["dir\u{7}/", "a b\u{1b}[31m+c"]);
        assert!(
            r.sent()[0].uri.contains("encoding-type=url"),
            "{}",
            r.sent()[0].uri
        );
    }

    #[test]
    fn a_key_that_is_not_encoded_is_kept_as_it_is() {
        assert_eq!(super::decoded("a+b%41", false), "a+b%41");
        assert_eq!(super::decoded("a+b%41", true), "a bA");
        assert_eq!(super::decoded("%FF", true), "\u{fffd}");
    }
}
