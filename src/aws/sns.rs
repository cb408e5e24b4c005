//! SNS: a topic's subscriptions (ListSubscriptionsByTopic, paged), for the built-in
//! `subscriptions` command.

use aws_sdk_sns as sns;

use super::{Aws, AwsError};

/// One subscription of a topic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscription {
    pub arn: String,
    pub protocol: String,
    pub endpoint: String,
    pub owner: String,
}

impl Aws {
    fn sns(&self, region: &str) -> sns::Client {
        service_client!(sns, self, region)
    }

    /// The first `limit` subscriptions of the topic (its ARN is its physical id); `true` when
    /// there are more.
    pub async fn topic_subscriptions(
        &self,
        region: &str,
        topic_arn: &str,
        limit: usize,
    ) -> Result<(Vec<Subscription>, bool), AwsError> {
        const CALL: &str = "sns:ListSubscriptionsByTopic";
        let client = self.sns(region);
        super::first_items(CALL, region, limit, |token| {
            let req = client
                .list_subscriptions_by_topic()
                .topic_arn(topic_arn)
                .set_next_token(token);
            async move {
                let page = req
                    .send()
                    .await
                    .map_err(|e| self.call_error(CALL, region, &e))?;
                let items = page
                    .subscriptions()
                    .iter()
                    .map(|s| Subscription {
                        arn: s.subscription_arn().unwrap_or_default().to_string(),
                        protocol: s.protocol().unwrap_or_default().to_string(),
                        endpoint: s.endpoint().unwrap_or_default().to_string(),
                        owner: s.owner().unwrap_or_default().to_string(),
                    })
                    .collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }
}
