//! The calls by caller account over time: the window cut into buckets of a round width (a
//! minute, 5 minutes, ... a day), aligned to that width so edges fall on the clock's round
//! times, and per account the calls of each bucket. Pure: both front ends draw it (`present`).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Invocation;
use crate::model;
use crate::time::iso;

/// Buckets in the report's timeline (`-o json`); a front end squeezes them to its width.
pub const TIMELINE_BUCKETS: usize = 60;

/// Bucket widths to choose from, in seconds: the smallest that gives no more buckets than
/// asked is taken (beyond a day: whole days).
const WIDTHS: [u64; 11] = [
    60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

/// The calls of each account per bucket of the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    /// The width of a bucket.
    pub bucket_seconds: u64,
    /// When each bucket starts (ISO 8601 UTC), oldest first; the first may start before the
    /// window (edges are aligned to the width), the last ends at or after its end.
    pub starts: Vec<String>,
    /// One line per caller account, most calls first.
    pub accounts: Vec<AccountLine>,
    /// The first bucket's start, seconds since the epoch.
    #[serde(skip)]
    pub start_epoch: f64,
}

/// One caller account's calls over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountLine {
    /// The caller's account id, or `(unknown)`.
    pub account: String,
    /// What the app calls this account (its stacks there), when it has stacks there.
    pub name: Option<String>,
    /// Calls per bucket, as many as `starts`.
    pub counts: Vec<u64>,
    pub total: u64,
    pub errors: u64,
    pub cross_account: bool,
}

/// The key calls without a caller account are counted under (as in the summary).
pub const UNKNOWN_ACCOUNT: &str = "(unknown)";

/// The width of a bucket for a window of `span` seconds in at most `max` buckets.
fn bucket_width(since: f64, until: f64, max: usize) -> u64 {
    let max = max.max(1) as f64;
    let fits = |w: u64| {
        let w = w as f64;
        let start = (since / w).floor() * w;
        ((until - start) / w).ceil().max(1.0) <= max
    };
    if let Some(w) = WIDTHS.iter().copied().find(|&w| fits(w)) {
        return w;
    }
    let mut days = ((until - since) / 86400.0 / max).ceil().max(1.0) as u64;
    while !fits(days * 86400) {
        days += 1;
    }
    days * 86400
}

/// The calls between `since` and `until` (both included) by caller account, in at most
/// `max_buckets` buckets; calls outside the window are left out.
pub fn timeline<'a>(
    calls: impl IntoIterator<Item = &'a Invocation>,
    since: f64,
    until: f64,
    max_buckets: usize,
) -> Timeline {
    let until = until.max(since);
    let width = bucket_width(since, until, max_buckets);
    let w = width as f64;
    let start = (since / w).floor() * w;
    let n = (((until - start) / w).ceil() as usize).max(1);
    let mut lines: HashMap<String, AccountLine> = HashMap::new();
    for c in calls {
        if !(since..=until).contains(&c.epoch) {
            continue;
        }
        let i = (((c.epoch - start) / w).floor() as usize).min(n - 1);
        let key = c
            .caller_account
            .clone()
            .unwrap_or_else(|| UNKNOWN_ACCOUNT.into());
        let line = lines.entry(key).or_insert_with_key(|k| AccountLine {
            account: k.clone(),
            name: None,
            counts: vec![0; n],
            total: 0,
            errors: 0,
            cross_account: false,
        });
        line.counts[i] += 1;
        line.total += 1;
        line.errors += u64::from(c.error.is_some());
        line.cross_account |= c.cross_account;
    }
    let mut accounts: Vec<AccountLine> = lines.into_values().collect();
    accounts.sort_by(|a, b| b.total.cmp(&a.total).then(a.account.cmp(&b.account)));
    Timeline {
        bucket_seconds: width,
        starts: (0..n).map(|i| iso(start + i as f64 * w)).collect(),
        accounts,
        start_epoch: start,
    }
}

impl Timeline {
    /// The same timeline in at most `max` buckets: each new bucket sums `k` neighbours (its
    /// width `k` times theirs, its edges still aligned to the first start).
    pub fn squeezed(&self, max: usize) -> Timeline {
        let n = self.starts.len();
        let k = n.div_ceil(max.max(1)).max(1);
        if k == 1 {
            return self.clone();
        }
        let sum =
            |counts: &[u64]| -> Vec<u64> { counts.chunks(k).map(|c| c.iter().sum()).collect() };
        Timeline {
            bucket_seconds: self.bucket_seconds * k as u64,
            starts: self.starts.iter().step_by(k).cloned().collect(),
            accounts: self
                .accounts
                .iter()
                .map(|a| AccountLine {
                    counts: sum(&a.counts),
                    ..a.clone()
                })
                .collect(),
            start_epoch: self.start_epoch,
        }
    }

    /// Names the accounts the app has stacks in (see [`account_names`]).
    pub fn name_accounts(&mut self, names: &BTreeMap<String, String>) {
        for a in &mut self.accounts {
            a.name = names.get(&a.account).cloned();
        }
    }

    /// The line of `account`, if it called.
    pub fn line(&self, account: &str) -> Option<&AccountLine> {
        self.accounts.iter().find(|a| a.account == account)
    }
}

/// What the app calls each account it deploys to: its top-level stacks there (`A`, `A, B`,
/// `A, B +3`), so a caller from one of the app's own accounts is recognized at a glance.
pub fn account_names(app: &model::App) -> BTreeMap<String, String> {
    let mut stacks: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for s in app.stacks.iter().filter(|s| !s.is_nested()) {
        if let Some(account) = s.env.account.as_deref() {
            stacks.entry(account.to_string()).or_default().push(&s.name);
        }
    }
    stacks
        .into_iter()
        .map(|(account, names)| {
            let mut name = names.iter().take(2).copied().collect::<Vec<_>>().join(", ");
            if names.len() > 2 {
                name.push_str(&format!(" +{}", names.len() - 2));
            }
            (account, name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_iso;

    fn at(time: &str, account: Option<&str>, error: bool) -> Invocation {
        Invocation {
            time: time.into(),
            epoch: parse_iso(time).unwrap(),
            caller_account: account.map(str::to_string),
            principal: "p".into(),
            source_ip: None,
            error: error.then(|| "AccessDenied".to_string()),
            status: None,
            path: None,
            cross_account: account != Some("111111111111"),
            source: "trail",
            door: None,
        }
    }

    fn t(s: &str) -> f64 {
        parse_iso(s).unwrap()
    }

    #[test]
    fn a_day_in_half_hours_aligned_to_the_clock() {
        let since = t("2026-01-01T00:10:00Z");
        let until = t("2026-01-02T00:10:00Z");
        let tl = timeline(&[], since, until, 60);
        assert_eq!(tl.bucket_seconds, 1800);
        assert_eq!(tl.starts.len(), 49, "24 h from :10 touches 49 half hours");
        assert_eq!(tl.starts[0], "2026-01-01T00:00:00Z");
        assert_eq!(tl.starts[48], "2026-01-02T00:00:00Z");
        assert!(tl.accounts.is_empty(), "no call: no account line");
        // An hour in minutes; an aligned hour has exactly 60 buckets.
        let hour = timeline(
            &[],
            t("2026-01-01T10:00:00Z"),
            t("2026-01-01T11:00:00Z"),
            60,
        );
        assert_eq!((hour.bucket_seconds, hour.starts.len()), (60, 60));
        // Fewer buckets asked: wider ones.
        let narrow = timeline(&[], since, until, 10);
        assert_eq!(narrow.bucket_seconds, 10800);
        assert!(narrow.starts.len() <= 10);
        // 30 days from midnight in 60 buckets: half days; from 00:10 they touch 61 half days,
        // so whole days; in 10 buckets: several days each.
        let midnight = t("2026-01-01T00:00:00Z");
        let month = timeline(&[], midnight, midnight + 30.0 * 86400.0, 60);
        assert_eq!(month.bucket_seconds, 43200);
        let month = timeline(&[], since, since + 30.0 * 86400.0, 60);
        assert_eq!((month.bucket_seconds, month.starts.len()), (86400, 31));
        let month = timeline(&[], since, since + 30.0 * 86400.0, 10);
        assert_eq!(month.bucket_seconds % 86400, 0);
        assert!(month.starts.len() <= 10, "{}", month.starts.len());
    }

    #[test]
    fn one_call_lands_in_its_bucket_and_the_others_stay_empty() {
        let since = t("2026-01-01T10:00:00Z");
        let until = t("2026-01-01T11:00:00Z");
        let tl = timeline(
            &[at("2026-01-01T10:07:30Z", Some("222222222222"), false)],
            since,
            until,
            12,
        );
        assert_eq!(tl.bucket_seconds, 300);
        assert_eq!(tl.accounts.len(), 1);
        let a = &tl.accounts[0];
        assert_eq!(a.counts, [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!((a.total, a.errors, a.cross_account), (1, 0, true));
    }

    #[test]
    fn bucket_edges_and_window_boundaries() {
        let since = t("2026-01-01T10:00:00Z");
        let until = t("2026-01-01T11:00:00Z");
        let calls = [
            // On an edge: the bucket it starts.
            at("2026-01-01T10:05:00Z", Some("111111111111"), false),
            // Just before it: the previous one.
            at("2026-01-01T10:04:59Z", Some("111111111111"), false),
            // The window's first and last instants are in it.
            at("2026-01-01T10:00:00Z", Some("111111111111"), false),
            at("2026-01-01T11:00:00Z", Some("111111111111"), true),
            // Outside the window: left out.
            at("2026-01-01T09:59:59Z", Some("111111111111"), false),
            at("2026-01-01T11:00:01Z", Some("111111111111"), false),
        ];
        let tl = timeline(&calls, since, until, 12);
        let a = tl.line("111111111111").unwrap();
        assert_eq!(a.counts, [2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!((a.total, a.errors), (4, 1));
        assert!(!a.cross_account);
        // A window that does not start on an edge: the first bucket starts before it.
        let tl = timeline(&calls, t("2026-01-01T10:02:00Z"), until, 12);
        assert_eq!(tl.starts[0], "2026-01-01T10:00:00Z");
        assert_eq!(tl.starts.len(), 12);
        assert_eq!(
            tl.line("111111111111").unwrap().counts[0],
            1,
            "10:00 is before"
        );
        // An empty window is one bucket.
        let tl = timeline(&calls, since, since, 12);
        assert_eq!(tl.starts.len(), 1);
        assert_eq!(tl.line("111111111111").unwrap().counts, [1]);
    }

    #[test]
    fn many_accounts_most_calls_first_unknown_callers_together() {
        let since = t("2026-01-01T00:00:00Z");
        let until = t("2026-01-02T00:00:00Z");
        let mut calls = Vec::new();
        for h in 0..24 {
            calls.push(at(
                &format!("2026-01-01T{h:02}:15:00Z"),
                Some("111111111111"),
                false,
            ));
        }
        for h in [3, 3, 4] {
            calls.push(at(
                &format!("2026-01-01T{h:02}:40:00Z"),
                Some("333333333333"),
                h == 4,
            ));
        }
        for h in [5, 6, 7] {
            calls.push(at(
                &format!("2026-01-01T{h:02}:00:00Z"),
                Some("222222222222"),
                false,
            ));
        }
        calls.push(at("2026-01-01T12:00:00Z", None, false));
        let tl = timeline(&calls, since, until, 24);
        assert_eq!(tl.bucket_seconds, 3600);
        let order: Vec<(&str, u64)> = tl
            .accounts
            .iter()
            .map(|a| (a.account.as_str(), a.total))
            .collect();
        assert_eq!(
            order,
            [
                ("111111111111", 24),
                ("222222222222", 3),
                ("333333333333", 3),
                (UNKNOWN_ACCOUNT, 1)
            ]
        );
        assert!(
            tl.line("111111111111")
                .unwrap()
                .counts
                .iter()
                .all(|&c| c == 1)
        );
        let c = &tl.line("333333333333").unwrap().counts;
        assert_eq!((c[3], c[4], c.iter().sum::<u64>()), (2, 1, 3));
        assert_eq!(tl.line("333333333333").unwrap().errors, 1);
        for a in &tl.accounts {
            assert_eq!(a.counts.len(), tl.starts.len());
            assert_eq!(a.counts.iter().sum::<u64>(), a.total);
        }
    }

    #[test]
    fn squeezing_sums_neighbours_and_keeps_the_start() {
        let since = t("2026-01-01T10:00:00Z");
        let calls = [
            at("2026-01-01T10:01:00Z", Some("111111111111"), false),
            at("2026-01-01T10:02:00Z", Some("111111111111"), false),
            at("2026-01-01T10:59:00Z", Some("111111111111"), false),
        ];
        let tl = timeline(&calls, since, since + 3600.0, 60);
        let s = tl.squeezed(25);
        assert_eq!(s.bucket_seconds, 180);
        assert_eq!(s.starts.len(), 20);
        assert_eq!(s.starts[1], "2026-01-01T10:03:00Z");
        let counts = &s.accounts[0].counts;
        assert_eq!(
            (counts[0], counts[19], counts.iter().sum::<u64>()),
            (2, 1, 3)
        );
        assert_eq!(tl.squeezed(60), tl, "already fits");
    }

    #[test]
    fn accounts_are_named_after_the_apps_stacks_there() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-api/cdk.out");
        let app = model::App::from_assembly(crate::assembly::read(&dir).unwrap());
        let names = account_names(&app);
        assert_eq!(
            names.get("123456789012").map(String::as_str),
            Some("IamApigatewayLambdaStack")
        );
        let mut tl = timeline(
            &[at("2026-01-01T10:01:00Z", Some("123456789012"), false)],
            t("2026-01-01T10:00:00Z"),
            t("2026-01-01T11:00:00Z"),
            60,
        );
        tl.name_accounts(&names);
        assert_eq!(
            tl.accounts[0].name.as_deref(),
            Some("IamApigatewayLambdaStack")
        );
    }
}
