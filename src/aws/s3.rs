//! S3 calls for reading trail logs: ListObjectsV2 (every page) and GetObject.

use aws_sdk_s3 as s3;
use aws_types::region::Region;

use super::{Aws, AwsError, call_error};

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
            .build();
        s3::Client::from_conf(conf)
    }

    pub async fn list_objects(
        &self,
        region: &str,
        bucket: &str,
        prefix: &str,
    ) -> Result<Vec<S3Object>, AwsError> {
        let mut pages = self
            .s3(region)
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| call_error("s3:ListObjectsV2", region, &e))?;
            out.extend(page.contents().iter().filter_map(|o| {
                Some(S3Object {
                    key: o.key()?.to_string(),
                    size: o.size().unwrap_or_default(),
                })
            }));
        }
        Ok(out)
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
            .map_err(|e| call_error("s3:GetObject", region, &e))?;
        let bytes = out.body.collect().await.map_err(|e| AwsError::Call {
            call: "s3:GetObject",
            region: region.to_string(),
            message: format!("reading s3://{bucket}/{key}: {e}"),
        })?;
        Ok(bytes.into_bytes().to_vec())
    }
}
