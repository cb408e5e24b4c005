//! The calls grouped by account, principal or day: built a call at a time, so a view can show
//! the groups while calls stream in.

use std::collections::HashMap;

use super::{Group, GroupBy, Invocation};

pub fn summarize(calls: &[Invocation], by: GroupBy) -> Vec<Group> {
    let mut summary = Summary::new(by);
    for c in calls {
        summary.add(c);
    }
    summary.groups()
}

/// The summary built a call at a time, so a view can show it while calls stream in.
#[derive(Debug, Clone)]
pub struct Summary {
    pub by: GroupBy,
    groups: HashMap<String, Group>,
}

impl Summary {
    pub fn new(by: GroupBy) -> Summary {
        Summary {
            by,
            groups: HashMap::new(),
        }
    }

    pub fn add(&mut self, c: &Invocation) {
        let key = match self.by {
            GroupBy::Account => c
                .caller_account
                .clone()
                .unwrap_or_else(|| "(unknown)".into()),
            GroupBy::Principal => c.principal.clone(),
            GroupBy::Day => c.time.get(..10).unwrap_or("?").to_string(),
        };
        let g = self.groups.entry(key).or_insert_with_key(|key| Group {
            key: key.clone(),
            calls: 0,
            errors: 0,
            first_seen: c.time.clone(),
            last_seen: c.time.clone(),
            cross_account: false,
        });
        g.calls += 1;
        g.errors += u64::from(c.error.is_some());
        g.cross_account |= c.cross_account;
        if c.time < g.first_seen {
            g.first_seen = c.time.clone();
        }
        if c.time > g.last_seen {
            g.last_seen = c.time.clone();
        }
    }

    /// The groups, most calls first.
    pub fn groups(&self) -> Vec<Group> {
        let mut out: Vec<Group> = self.groups.values().cloned().collect();
        out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.key.cmp(&b.key)));
        out
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}
