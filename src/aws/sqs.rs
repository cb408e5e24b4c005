//! SQS: a queue's attributes (GetQueueAttributes), for the built-in `attributes` command.

use aws_sdk_sqs as sqs;

use super::{Aws, AwsError};

impl Aws {
    fn sqs(&self, region: &str) -> sqs::Client {
        service_client!(sqs, self, region)
    }

    /// Every attribute of the queue at `queue_url` (the physical id of an `AWS::SQS::Queue`),
    /// sorted by name.
    pub async fn queue_attributes(
        &self,
        region: &str,
        queue_url: &str,
    ) -> Result<Vec<(String, String)>, AwsError> {
        let out = self
            .sqs(region)
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(sqs::types::QueueAttributeName::All)
            .send()
            .await
            .map_err(|e| self.call_error("sqs:GetQueueAttributes", region, &e))?;
        let mut attrs: Vec<(String, String)> = out
            .attributes()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str().to_string(), v.clone()))
            .collect();
        attrs.sort();
        Ok(attrs)
    }
}
