//! CloudTrail LookupEvents: one page per call, one lookup attribute (ResourceName).

use aws_sdk_cloudtrail as cloudtrail;
use aws_smithy_types::DateTime;
use cloudtrail::types::{LookupAttribute, LookupAttributeKey};

use super::{Aws, AwsError, every_page, non_empty};

/// One event as LookupEvents returns it; `record` is the full CloudTrail record (JSON text).
#[derive(Debug, Clone, Default)]
pub struct TrailEvent {
    pub event_id: String,
    pub event_name: String,
    pub event_source: String,
    /// Seconds since the epoch.
    pub event_time: f64,
    pub username: Option<String>,
    pub read_only: Option<String>,
    pub record: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LookupPage {
    pub events: Vec<TrailEvent>,
    pub next_token: Option<String>,
}

/// LookupEvents' largest page.
pub const MAX_RESULTS: i32 = 50;

impl Aws {
    fn cloudtrail(&self, region: &str) -> cloudtrail::Client {
        service_client!(cloudtrail, self, region)
    }

    /// One page of management events naming `resource_name`, newest first, in [start, end].
    pub async fn lookup_events(
        &self,
        region: &str,
        resource_name: &str,
        start: f64,
        end: f64,
        next_token: Option<String>,
    ) -> Result<LookupPage, AwsError> {
        let attribute = LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::ResourceName)
            .attribute_value(resource_name)
            .build()
            .map_err(|e| AwsError::Call {
                call: "cloudtrail:LookupEvents",
                region: region.to_string(),
                message: e.to_string(),
            })?;
        let out = self
            .cloudtrail(region)
            .lookup_events()
            .lookup_attributes(attribute)
            .start_time(DateTime::from_secs_f64(start))
            .end_time(DateTime::from_secs_f64(end))
            .max_results(MAX_RESULTS)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| self.call_error("cloudtrail:LookupEvents", region, &e))?;
        let events = out
            .events()
            .iter()
            .map(|e| TrailEvent {
                event_id: e.event_id().unwrap_or_default().to_string(),
                event_name: e.event_name().unwrap_or_default().to_string(),
                event_source: e.event_source().unwrap_or_default().to_string(),
                event_time: e.event_time().map(|t| t.as_secs_f64()).unwrap_or_default(),
                username: e.username().map(str::to_string),
                read_only: e.read_only().map(str::to_string),
                record: e.cloud_trail_event().map(str::to_string),
            })
            .collect();
        Ok(LookupPage {
            events,
            next_token: non_empty(out.next_token()),
        })
    }
}

/// One field condition of an advanced event selector: (field, equals, starts with).
pub type FieldCondition = (String, Vec<String>, Vec<String>);

/// A trail, as DescribeTrails and GetEventSelectors tell it.
#[derive(Debug, Clone, Default)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    pub home_region: Option<String>,
    pub multi_region: bool,
    pub organization: bool,
    /// Data resources of basic selectors: (type, values).
    pub data_resources: Vec<(String, Vec<String>)>,
    /// Advanced selectors as (field, equals, starts_with) conditions, one Vec per selector.
    pub advanced: Vec<Vec<FieldCondition>>,
}

impl Aws {
    /// Every trail visible in `region`, with its event selectors.
    pub async fn describe_trails(&self, region: &str) -> Result<Vec<Trail>, AwsError> {
        let client = self.cloudtrail(region);
        let out = client
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
            .map_err(|e| self.call_error("cloudtrail:DescribeTrails", region, &e))?;
        let mut trails = Vec::new();
        for t in out.trail_list() {
            let name = t.name().unwrap_or_default().to_string();
            let arn = t.trail_arn().unwrap_or(&name).to_string();
            let sel = client
                .get_event_selectors()
                .trail_name(&arn)
                .send()
                .await
                .map_err(|e| self.call_error("cloudtrail:GetEventSelectors", region, &e))?;
            let data_resources = sel
                .event_selectors()
                .iter()
                .flat_map(|s| s.data_resources())
                .map(|d| {
                    (
                        d.r#type().unwrap_or_default().to_string(),
                        d.values().to_vec(),
                    )
                })
                .collect();
            let advanced = field_conditions(sel.advanced_event_selectors());
            trails.push(Trail {
                name,
                arn,
                bucket: t.s3_bucket_name().map(str::to_string),
                prefix: non_empty(t.s3_key_prefix()),
                home_region: t.home_region().map(str::to_string),
                multi_region: t.is_multi_region_trail().unwrap_or(false),
                organization: t.is_organization_trail().unwrap_or(false),
                data_resources,
                advanced,
            });
        }
        Ok(trails)
    }
}

/// Advanced event selectors (a trail's, an event data store's) as field conditions.
fn field_conditions(
    selectors: &[cloudtrail::types::AdvancedEventSelector],
) -> Vec<Vec<FieldCondition>> {
    selectors
        .iter()
        .map(|a| {
            a.field_selectors()
                .iter()
                .map(|f| {
                    (
                        f.field().to_string(),
                        f.equals().to_vec(),
                        f.starts_with().to_vec(),
                    )
                })
                .collect()
        })
        .collect()
}

/// A CloudTrail Lake event data store.
#[derive(Debug, Clone, Default)]
pub struct EventDataStore {
    pub arn: String,
    pub name: String,
    pub status: Option<String>,
    /// The advanced event selectors, when the listing gives them (AWS may leave them out).
    pub advanced: Vec<Vec<FieldCondition>>,
}

impl EventDataStore {
    /// The id a Lake query names in its FROM: the last part of the ARN.
    pub fn id(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or(&self.arn)
    }
}

/// One page of a Lake query's results: its status and rows as (column, value) pairs.
#[derive(Debug, Clone, Default)]
pub struct LakePage {
    pub status: String,
    pub rows: Vec<Vec<(String, String)>>,
    pub next_token: Option<String>,
    pub bytes_scanned: u64,
}

impl Aws {
    /// The account's Lake event data stores in `region` (every page).
    pub async fn list_event_data_stores(
        &self,
        region: &str,
    ) -> Result<Vec<EventDataStore>, AwsError> {
        const CALL: &str = "cloudtrail:ListEventDataStores";
        let client = &self.cloudtrail(region);
        every_page(CALL, region, |token| async move {
            let page = client
                .list_event_data_stores()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| self.call_error(CALL, region, &e))?;
            #[allow(deprecated)]
            let stores = page
                .event_data_stores()
                .iter()
                .map(|s| EventDataStore {
                    arn: s.event_data_store_arn().unwrap_or_default().to_string(),
                    name: s.name().unwrap_or_default().to_string(),
                    status: s.status().map(|st| st.as_str().to_string()),
                    advanced: field_conditions(s.advanced_event_selectors()),
                })
                .collect();
            Ok((stores, page.next_token().map(str::to_string)))
        })
        .await
    }

    /// Starts a Lake query; returns its id.
    pub async fn lake_start_query(&self, region: &str, sql: &str) -> Result<String, AwsError> {
        let out = self
            .cloudtrail(region)
            .start_query()
            .query_statement(sql)
            .send()
            .await
            .map_err(|e| self.call_error("cloudtrail:StartQuery", region, &e))?;
        Ok(out.query_id().unwrap_or_default().to_string())
    }

    /// A page of a Lake query's results (empty while it is queued or running).
    pub async fn lake_results(
        &self,
        region: &str,
        query_id: &str,
        next_token: Option<String>,
    ) -> Result<LakePage, AwsError> {
        let out = self
            .cloudtrail(region)
            .get_query_results()
            .query_id(query_id)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| self.call_error("cloudtrail:GetQueryResults", region, &e))?;
        Ok(LakePage {
            status: out
                .query_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            rows: out
                .query_result_rows()
                .iter()
                .map(|row| {
                    row.iter()
                        .flat_map(|cell| cell.iter().map(|(k, v)| (k.clone(), v.clone())))
                        .collect()
                })
                .collect(),
            next_token: out.next_token().map(str::to_string),
            bytes_scanned: out
                .query_statistics()
                .and_then(|s| s.bytes_scanned())
                .unwrap_or_default()
                .max(0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::aws::replay::{REGION, Replay, json};

    #[tokio::test]
    async fn event_data_stores_are_listed_across_pages_with_their_selectors() {
        let r = Replay::new(vec![
            json(
                200,
                r#"{"EventDataStores":[{"EventDataStoreArn":"arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/eds-1","Name":"lake","Status":"ENABLED",
                    "AdvancedEventSelectors":[{"Name":"invokes","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.ARN","StartsWith":["arn:aws:lambda:"]}]}]}],
                    "NextToken":"t1"}"#,
            ),
            json(
                200,
                r#"{"EventDataStores":[{"EventDataStoreArn":"arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/eds-2","Name":"old","Status":"PENDING_DELETION"}]}"#,
            ),
        ]);
        let stores = r.aws.list_event_data_stores(REGION).await.unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = stores
            .iter()
            .map(|s| (s.id(), s.name.as_str(), s.status.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("eds-1", "lake", Some("ENABLED")),
                ("eds-2", "old", Some("PENDING_DELETION"))
            ]
        );
        assert_eq!(
            stores[0].advanced,
            vec![vec![
                (
                    "eventCategory".to_string(),
                    vec!["Data".to_string()],
                    vec![]
                ),
                (
                    "resources.ARN".to_string(),
                    vec![],
                    vec!["arn:aws:lambda:".to_string()]
                ),
            ]]
        );
        let sent = r.sent();
        assert_eq!(sent.len(), 2);
        assert!(
            sent.iter()
                .all(|s| s.target() == Some("ListEventDataStores"))
        );
        assert!(
            sent[0]
                .uri
                .starts_with("https://cloudtrail.us-east-1.amazonaws.com")
        );
        assert_eq!(sent[0].json().get("NextToken"), None);
        assert_eq!(sent[1].json()["NextToken"], "t1");
    }

    #[tokio::test]
    async fn trails_come_with_the_selectors_of_each() {
        let r = Replay::new(vec![
            json(
                200,
                r#"{"trailList":[{"Name":"main","TrailARN":"arn:aws:cloudtrail:us-east-1:111111111111:trail/main","S3BucketName":"logs","S3KeyPrefix":"","IsMultiRegionTrail":true,"IsOrganizationTrail":false,"HomeRegion":"us-east-1"}]}"#,
            ),
            json(
                200,
                r#"{"TrailARN":"arn:aws:cloudtrail:us-east-1:111111111111:trail/main","EventSelectors":[{"ReadWriteType":"All","DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}]}]}"#,
            ),
        ]);
        let trails = r.aws.describe_trails(REGION).await.unwrap();
        assert_eq!(trails.len(), 1);
        let t = &trails[0];
        assert_eq!(
            (t.name.as_str(), t.bucket.as_deref(), t.prefix.as_deref()),
            ("main", Some("logs"), None),
            "an empty prefix is no prefix"
        );
        assert!(t.multi_region && !t.organization);
        assert_eq!(
            t.data_resources,
            vec![(
                "AWS::Lambda::Function".to_string(),
                vec!["arn:aws:lambda".to_string()]
            )]
        );
        let sent = r.sent();
        assert_eq!(sent[0].target(), Some("DescribeTrails"));
        assert_eq!(sent[0].json()["includeShadowTrails"], true);
        assert_eq!(sent[1].target(), Some("GetEventSelectors"));
        assert_eq!(
            sent[1].json()["TrailName"],
            "arn:aws:cloudtrail:us-east-1:111111111111:trail/main",
            "asked by ARN: a shadow trail's name alone is not found in this region"
        );
    }
}
