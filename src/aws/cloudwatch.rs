//! CloudWatch metrics: GetMetricData for several series in one call (all pages).

use aws_sdk_cloudwatch as cw;
use aws_smithy_types::DateTime;
use cw::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};

use super::{Aws, AwsError};

/// One series to fetch: a metric, its dimensions, a statistic (`Sum`, `Maximum`, `p99`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// Unique in the request; starts with a lower-case letter.
    pub id: String,
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    pub stat: String,
}

/// The data points of one series, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSeriesData {
    pub id: String,
    /// Seconds since the epoch.
    pub timestamps: Vec<i64>,
    pub values: Vec<f64>,
}

impl Aws {
    /// GetMetricData for all `queries` over `[start_s, end_s)` at `period_s`; pages are merged,
    /// points sorted oldest first. A series without data comes back empty.
    pub async fn get_metric_data(
        &self,
        region: &str,
        queries: &[MetricQuery],
        start_s: i64,
        end_s: i64,
        period_s: i32,
    ) -> Result<Vec<MetricSeriesData>, AwsError> {
        let client = service_client!(cw, self, region);
        let mut built = Vec::with_capacity(queries.len());
        for q in queries {
            let mut metric = Metric::builder()
                .namespace(&q.namespace)
                .metric_name(&q.metric);
            for (name, value) in &q.dimensions {
                metric = metric.dimensions(Dimension::builder().name(name).value(value).build());
            }
            let stat = MetricStat::builder()
                .metric(metric.build())
                .period(period_s)
                .stat(&q.stat)
                .build();
            built.push(
                MetricDataQuery::builder()
                    .id(&q.id)
                    .metric_stat(stat)
                    .return_data(true)
                    .build(),
            );
        }
        let mut series: Vec<MetricSeriesData> = queries
            .iter()
            .map(|q| MetricSeriesData {
                id: q.id.clone(),
                ..Default::default()
            })
            .collect();
        let mut token: Option<String> = None;
        loop {
            let out = client
                .get_metric_data()
                .set_metric_data_queries(Some(built.clone()))
                .start_time(DateTime::from_secs(start_s))
                .end_time(DateTime::from_secs(end_s))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| self.call_error("cloudwatch:GetMetricData", region, &e))?;
            for r in out.metric_data_results() {
                let Some(s) = series.iter_mut().find(|s| Some(s.id.as_str()) == r.id()) else {
                    continue;
                };
                for (t, v) in r.timestamps().iter().zip(r.values()) {
                    s.timestamps.push(t.secs());
                    s.values.push(*v);
                }
            }
            match out.next_token().filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        for s in &mut series {
            let mut points: Vec<(i64, f64)> = s
                .timestamps
                .iter()
                .copied()
                .zip(s.values.iter().copied())
                .collect();
            points.sort_by_key(|p| p.0);
            s.timestamps = points.iter().map(|p| p.0).collect();
            s.values = points.iter().map(|p| p.1).collect();
        }
        Ok(series)
    }
}

#[cfg(test)]
mod tests {
    use super::MetricQuery;
    use crate::aws::replay::{REGION, Replay, cbor, metric_data_page as page};

    #[tokio::test]
    async fn pages_are_merged_per_series_oldest_first() {
        let r = Replay::new(vec![
            cbor(200, &page(&[("a", 120, 2.0), ("b", 60, 9.0)], Some("t1"))),
            cbor(200, &page(&[("a", 60, 1.0)], None)),
        ]);
        let q = |id: &str| MetricQuery {
            id: id.into(),
            namespace: "AWS/Lambda".into(),
            metric: "Invocations".into(),
            dimensions: vec![("FunctionName".into(), format!("fn-{id}"))],
            stat: "Sum".into(),
        };
        let got = r
            .aws
            .get_metric_data(REGION, &[q("a"), q("b"), q("c")], 0, 180, 60)
            .await
            .unwrap();
        let shape: Vec<(&str, &[i64], &[f64])> = got
            .iter()
            .map(|s| (s.id.as_str(), &s.timestamps[..], &s.values[..]))
            .collect();
        assert_eq!(
            shape,
            [
                ("a", &[60, 120][..], &[1.0, 2.0][..]),
                ("b", &[60][..], &[9.0][..]),
                ("c", &[][..], &[][..]),
            ]
        );
        let sent = r.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].header("smithy-protocol"), Some("rpc-v2-cbor"));
        assert!(sent[0].body.contains("fn-c") && !sent[0].body.contains("t1"));
        assert!(
            sent[1].body.contains("t1"),
            "the second page asks with the token"
        );
    }
}
