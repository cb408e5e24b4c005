//! How a function or a REST API has been doing: its CloudWatch metrics over a window, fetched in
//! one GetMetricData request (all series, all pages) and returned as numbers per series; and the
//! activity of many at once (a function's invocations, an API's count), as few requests as
//! GetMetricData's limit of queries allows, for the TUI list's sparkline column.

use serde::Serialize;

use super::{ActionError, Subject};
use crate::aws::{Aws, MetricQuery};
use crate::kind::ResourceKind;

/// At most this many periods per series, so a long window at a short period is refused rather
/// than fetched (CloudWatch allows 100,800 points per request).
pub const MAX_POINTS: i64 = 1440;

#[derive(Debug, Clone)]
pub struct MetricsRequest {
    /// Seconds since the epoch.
    pub since_s: i64,
    pub until_s: i64,
    pub period_s: i32,
    /// A REST API's stage (`--stage`); without it, the API's metrics over all stages.
    pub stage: Option<String>,
}

/// One series: a metric and a statistic, oldest point first.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    pub id: String,
    pub metric: String,
    pub stat: String,
    /// ISO 8601 UTC, the start of each period that has data.
    pub timestamps: Vec<String>,
    #[serde(skip)]
    pub epochs: Vec<i64>,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricsReport {
    /// What the metrics are of: `lambda:NAME` or `apigateway:API_NAME[/STAGE]`.
    pub target: String,
    pub region: String,
    pub since: String,
    pub until: String,
    /// Seconds.
    pub period: i32,
    #[serde(skip)]
    pub since_s: i64,
    pub series: Vec<Series>,
}

/// `--period`: `60`, `60s`, `1m`, `5m`, `1h`; CloudWatch takes multiples of 60 s (or 1, 5, 10,
/// 30 s for high-resolution metrics).
pub fn parse_period(s: &str) -> Result<i32, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: i32 = digits
        .parse()
        .map_err(|_| format!("expected a period like 60s, 1m, 5m or 1h; got {s:?}"))?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(86400),
        _ => None,
    }
    .ok_or_else(|| format!("expected a period like 60s, 1m, 5m or 1h; got {s:?}"))?;
    if secs <= 0 || (secs % 60 != 0 && ![1, 5, 10, 30].contains(&secs)) {
        return Err(format!(
            "a period must be 1, 5, 10, 30 s or a multiple of 60 s; got {s:?}"
        ));
    }
    Ok(secs)
}

/// The series for a subject: a Lambda function's or a REST API's.
pub fn queries_for(
    subject: &Subject,
    api_name: Option<&str>,
    stage: Option<&str>,
) -> Result<(String, Vec<MetricQuery>), ActionError> {
    let q = |id: &str, ns: &str, metric: &str, dims: &[(String, String)], stat: &str| MetricQuery {
        id: id.to_string(),
        namespace: ns.to_string(),
        metric: metric.to_string(),
        dimensions: dims.to_vec(),
        stat: stat.to_string(),
    };
    match ResourceKind::of(&subject.cfn_type) {
        Some(ResourceKind::LambdaFunction) => {
            let name = subject.require_physical_id()?.to_string();
            let d = [("FunctionName".to_string(), name.clone())];
            let ns = "AWS/Lambda";
            Ok((
                format!("lambda:{name}"),
                vec![
                    q("invocations", ns, "Invocations", &d, "Sum"),
                    q("errors", ns, "Errors", &d, "Sum"),
                    q("throttles", ns, "Throttles", &d, "Sum"),
                    q("duration_p50", ns, "Duration", &d, "p50"),
                    q("duration_p99", ns, "Duration", &d, "p99"),
                    q("concurrency", ns, "ConcurrentExecutions", &d, "Maximum"),
                ],
            ))
        }
        Some(ResourceKind::ApiGatewayRestApi) => {
            let name = api_name
                .map(str::to_string)
                .unwrap_or_else(|| subject.physical_id.clone().unwrap_or_default());
            let mut d = vec![("ApiName".to_string(), name.clone())];
            let mut target = format!("apigateway:{name}");
            if let Some(s) = stage {
                d.push(("Stage".to_string(), s.to_string()));
                target.push('/');
                target.push_str(s);
            }
            let ns = "AWS/ApiGateway";
            Ok((
                target,
                vec![
                    q("count", ns, "Count", &d, "Sum"),
                    q("errors_4xx", ns, "4XXError", &d, "Sum"),
                    q("errors_5xx", ns, "5XXError", &d, "Sum"),
                    q("latency_p50", ns, "Latency", &d, "p50"),
                    q("latency_p99", ns, "Latency", &d, "p99"),
                ],
            ))
        }
        _ => Err(ActionError::WrongType {
            action: "metrics",
            construct: subject.construct_path.clone(),
            cfn_type: subject.cfn_type.clone(),
            expected: "a Lambda function or a REST API",
        }),
    }
}

pub async fn metrics(
    aws: &Aws,
    subject: &Subject,
    req: &MetricsRequest,
) -> Result<MetricsReport, ActionError> {
    if req.until_s <= req.since_s {
        return Err(ActionError::Input("--since must be before now".to_string()));
    }
    let period = i64::from(req.period_s);
    // Periods start on multiples of the period, as CloudWatch aligns them.
    let since_s = req.since_s - req.since_s.rem_euclid(period);
    let points = (req.until_s - since_s + period - 1) / period;
    if points > MAX_POINTS {
        return Err(ActionError::Input(format!(
            "{points} periods of {}s is too many (at most {MAX_POINTS}); choose a larger --period or a later --since",
            req.period_s
        )));
    }
    let region = subject.require_region()?.to_string();
    subject.require_physical_id()?;
    let api_name = if ResourceKind::ApiGatewayRestApi.is(&subject.cfn_type) {
        let id = subject.require_physical_id()?;
        aws.get_rest_api(&region, id).await?.name
    } else {
        None
    };
    let (target, queries) = queries_for(subject, api_name.as_deref(), req.stage.as_deref())?;
    let data = aws
        .get_metric_data(&region, &queries, since_s, req.until_s, req.period_s)
        .await?;
    let series = queries
        .iter()
        .zip(data)
        .map(|(q, d)| Series {
            id: q.id.clone(),
            metric: q.metric.clone(),
            stat: q.stat.clone(),
            timestamps: d.timestamps.iter().map(|t| iso_s(*t)).collect(),
            epochs: d.timestamps,
            values: d.values,
        })
        .collect();
    Ok(MetricsReport {
        target,
        region,
        since: iso_s(since_s),
        until: iso_s(req.until_s),
        period: req.period_s,
        since_s,
        series,
    })
}

/// GetMetricData takes at most this many queries in one request.
pub const MAX_QUERIES: usize = 500;

/// A resource whose activity the list shows: a function (its invocations) or a REST API (its
/// count of requests, all stages).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityTarget {
    /// The caller's name for the answer (the list: the construct's index).
    pub key: usize,
    pub region: String,
    pub of: ActivityOf,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActivityOf {
    /// A function by name.
    Function(String),
    /// A REST API by id, with its name when the template says it (`Name`); else it is asked for.
    RestApi { id: String, name: Option<String> },
}

impl ActivityTarget {
    /// The target for `subject`, if it has an activity series (a deployed function or REST
    /// API in a known region). `template_name`: the REST API's `Name` from the template.
    pub fn of(
        key: usize,
        subject: &Subject,
        template_name: Option<&str>,
    ) -> Option<ActivityTarget> {
        let id = subject.physical_id.clone()?;
        let region = subject.region.clone()?;
        let of = match ResourceKind::of(&subject.cfn_type)? {
            ResourceKind::LambdaFunction => ActivityOf::Function(id),
            ResourceKind::ApiGatewayRestApi => ActivityOf::RestApi {
                id,
                name: template_name.map(str::to_string),
            },
            _ => return None,
        };
        Some(ActivityTarget { key, region, of })
    }

    /// The one series it stands for (`None`: a REST API whose name is not known).
    fn query(&self, id: String) -> Option<MetricQuery> {
        let (namespace, metric, dimension, value) = match &self.of {
            ActivityOf::Function(name) => ("AWS/Lambda", "Invocations", "FunctionName", name),
            ActivityOf::RestApi { name, .. } => {
                ("AWS/ApiGateway", "Count", "ApiName", name.as_ref()?)
            }
        };
        Some(MetricQuery {
            id,
            namespace: namespace.to_string(),
            metric: metric.to_string(),
            dimensions: vec![(dimension.to_string(), value.clone())],
            stat: "Sum".to_string(),
        })
    }
}

/// The series of many resources over one window.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// The start of the window, on a multiple of the period (seconds since the epoch).
    pub since_s: i64,
    pub until_s: i64,
    pub period_s: i32,
    /// Per target (by its key), its series; targets in regions whose request failed are left out.
    pub series: Vec<(usize, Series)>,
    /// Why some regions have no answer (one message each).
    pub errors: Vec<String>,
}

impl Activity {
    /// How many periods the window holds.
    pub fn slots(&self) -> usize {
        let period = i64::from(self.period_s.max(1));
        usize::try_from((self.until_s - self.since_s + period - 1) / period).unwrap_or(0)
    }
}

/// The requests that fetch `targets`' series: per region, at most [`MAX_QUERIES`] queries each
/// (query ids `q0`, `q1`, ... in each), with the key each query answers for.
pub fn plan(targets: &[ActivityTarget]) -> Vec<(String, Vec<(usize, MetricQuery)>)> {
    let mut by_region: Vec<(String, Vec<&ActivityTarget>)> = Vec::new();
    for t in targets {
        match by_region.iter_mut().find(|(r, _)| *r == t.region) {
            Some((_, ts)) => ts.push(t),
            None => by_region.push((t.region.clone(), vec![t])),
        }
    }
    let mut requests = Vec::new();
    for (region, ts) in by_region {
        let wanted: Vec<&ActivityTarget> = ts
            .into_iter()
            .filter(|t| t.query(String::new()).is_some())
            .collect();
        for chunk in wanted.chunks(MAX_QUERIES) {
            let batch: Vec<(usize, MetricQuery)> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, t)| Some((t.key, t.query(format!("q{i}"))?)))
                .collect();
            requests.push((region.clone(), batch));
        }
    }
    requests
}

/// The activity of `targets` (one sum per period) over `[since_s, until_s)`: REST APIs whose
/// name the template did not give are looked up first (GetRestApi), then one GetMetricData
/// request per region and [`MAX_QUERIES`] targets. A region whose request fails is said once
/// in `errors`; the others still answer.
pub async fn activity(
    aws: &Aws,
    targets: &[ActivityTarget],
    since_s: i64,
    until_s: i64,
    period_s: i32,
) -> Activity {
    let period = i64::from(period_s.max(1));
    let since_s = since_s - since_s.rem_euclid(period);
    let mut errors: Vec<String> = Vec::new();
    let names = futures::future::join_all(targets.iter().map(|t| async move {
        match &t.of {
            ActivityOf::RestApi { id, name: None } => {
                let found = aws.get_rest_api(&t.region, id).await;
                Some(found.map(|api| api.name))
            }
            _ => None,
        }
    }))
    .await;
    let mut named = Vec::with_capacity(targets.len());
    for (t, found) in targets.iter().zip(names) {
        let mut t = t.clone();
        match found {
            Some(Ok(name)) => {
                if let ActivityOf::RestApi { name: n, .. } = &mut t.of {
                    *n = name;
                }
            }
            Some(Err(e)) => {
                let e = e.to_string();
                if !errors.contains(&e) {
                    errors.push(e);
                }
            }
            None => {}
        }
        named.push(t);
    }
    let requests = plan(&named);
    let mut series = Vec::new();
    // One request after the other: usually there is one, and CloudWatch limits the rate.
    for (region, batch) in &requests {
        let queries: Vec<MetricQuery> = batch.iter().map(|(_, q)| q.clone()).collect();
        let answer = aws
            .get_metric_data(region, &queries, since_s, until_s, period_s)
            .await;
        match answer {
            Ok(data) => {
                for ((key, q), d) in batch.iter().zip(data) {
                    series.push((
                        *key,
                        Series {
                            id: q.id.clone(),
                            metric: q.metric.clone(),
                            stat: q.stat.clone(),
                            timestamps: Vec::new(),
                            epochs: d.timestamps,
                            values: d.values,
                        },
                    ));
                }
            }
            Err(e) => {
                let e = e.to_string();
                if !errors.contains(&e) {
                    errors.push(e);
                }
            }
        }
    }
    Activity {
        since_s,
        until_s,
        period_s,
        series,
        errors,
    }
}

fn iso_s(s: i64) -> String {
    crate::time::iso_ms(s.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        assert_eq!(parse_period("1m"), Ok(60));
        assert_eq!(parse_period("60"), Ok(60));
        assert_eq!(parse_period("5m"), Ok(300));
        assert_eq!(parse_period("1h"), Ok(3600));
        assert_eq!(parse_period("10s"), Ok(10));
        assert!(parse_period("90s").is_err());
        assert!(parse_period("0m").is_err());
        assert!(parse_period("m").is_err());
        assert!(parse_period("1y").is_err());
    }

    fn function(key: usize, region: &str) -> ActivityTarget {
        ActivityTarget {
            key,
            region: region.into(),
            of: ActivityOf::Function(format!("fn{key}")),
        }
    }

    #[test]
    fn activity_is_asked_per_region_in_requests_of_at_most_500_queries() {
        let mut targets: Vec<ActivityTarget> = (0..600).map(|k| function(k, "us-east-1")).collect();
        targets.push(function(600, "eu-west-1"));
        targets.push(ActivityTarget {
            key: 601,
            region: "eu-west-1".into(),
            of: ActivityOf::RestApi {
                id: "a1b2c3".into(),
                name: Some("orders".into()),
            },
        });
        // An API whose name is not known has no series to ask for.
        targets.push(ActivityTarget {
            key: 602,
            region: "eu-west-1".into(),
            of: ActivityOf::RestApi {
                id: "d4e5f6".into(),
                name: None,
            },
        });
        let plan = plan(&targets);
        let shape: Vec<(&str, usize)> = plan.iter().map(|(r, b)| (r.as_str(), b.len())).collect();
        assert_eq!(
            shape,
            [("us-east-1", 500), ("us-east-1", 100), ("eu-west-1", 2)]
        );
        // Ids are unique within a request; the keys come back in order.
        for (_, batch) in &plan {
            let ids: std::collections::HashSet<&str> =
                batch.iter().map(|(_, q)| q.id.as_str()).collect();
            assert_eq!(ids.len(), batch.len());
        }
        assert_eq!(plan[1].1[0].0, 500);
        let (_, api) = &plan[2].1[1];
        assert_eq!(
            (
                api.namespace.as_str(),
                api.metric.as_str(),
                api.stat.as_str()
            ),
            ("AWS/ApiGateway", "Count", "Sum")
        );
        assert_eq!(
            api.dimensions,
            [("ApiName".to_string(), "orders".to_string())]
        );
        let (_, f) = &plan[0].1[7];
        assert_eq!(
            (f.namespace.as_str(), f.metric.as_str()),
            ("AWS/Lambda", "Invocations")
        );
        assert_eq!(
            f.dimensions,
            [("FunctionName".to_string(), "fn7".to_string())]
        );
    }

    #[tokio::test]
    async fn six_hundred_functions_take_two_requests_and_each_answer_finds_its_function() {
        use crate::aws::replay::{REGION, Replay, metric_data as answer};
        let since = 1_699_999_800;
        let targets: Vec<ActivityTarget> = (0..600).map(|k| function(k, REGION)).collect();
        let r = Replay::new(vec![
            answer(&[("q0", since + 300, 3.0), ("q499", since, 7.0)]),
            answer(&[("q99", since + 600, 5.0)]),
        ]);
        let a = activity(&r.aws, &targets, since + 20, since + 3600, 300).await;
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        let sent = r.sent();
        assert_eq!(sent.len(), 2);
        assert!(
            sent[0]
                .uri
                .starts_with("https://monitoring.us-east-1.amazonaws.com"),
            "{}",
            sent[0].uri
        );
        let functions = |i: usize| sent[i].body.matches("FunctionName").count();
        assert_eq!((functions(0), functions(1)), (500, 100));
        assert!(sent[1].body.contains("fn599") && !sent[0].body.contains("fn599"));
        // The window starts on a period boundary: 12 periods of 5 minutes.
        assert_eq!((a.since_s, a.slots()), (since, 12));
        assert_eq!(a.series.len(), 600);
        let of = |k: usize| &a.series.iter().find(|(key, _)| *key == k).unwrap().1;
        assert_eq!(
            (of(0).epochs.as_slice(), of(0).values.as_slice()),
            (&[since + 300][..], &[3.0][..])
        );
        assert_eq!(of(499).values, [7.0]);
        assert_eq!(of(599).values, [5.0]);
        assert!(of(1).values.is_empty());
    }

    #[tokio::test]
    async fn a_region_that_fails_is_said_once_and_the_others_still_answer() {
        use crate::aws::replay::{Cbor, Replay, cbor, metric_data as answer};
        let since = 1_699_999_800;
        let targets = [
            function(0, "us-east-1"),
            function(1, "us-east-1"),
            function(2, "eu-west-1"),
        ];
        let denied = Cbor::Map(vec![
            ("__type", Cbor::Text("com.amazonaws.cloudwatch#AccessDenied".into())),
            ("message", Cbor::Text("User: arn:aws:iam::123456789012:user/dev is not authorized to perform: cloudwatch:GetMetricData".into())),
        ]);
        let r = Replay::new(vec![cbor(403, &denied), answer(&[("q0", since, 1.0)])]);
        let a = activity(&r.aws, &targets, since, since + 3600, 300).await;
        assert_eq!(a.errors.len(), 1, "{:?}", a.errors);
        assert!(a.errors[0].contains("GetMetricData"), "{:?}", a.errors);
        let keys: Vec<usize> = a.series.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [2]);
        assert_eq!(a.series[0].1.values, [1.0]);
    }
}
