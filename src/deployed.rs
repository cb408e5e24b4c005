//! What is deployed: physical ids from CloudFormation for every stack of the app, one task per
//! top-level stack, all concurrently, with nested stacks followed through their physical ARN and
//! the result cached until the stack's LastUpdatedTime changes.

use std::collections::HashMap;

use futures::future::join_all;
use serde::Serialize;

use crate::arn::{self, Partition};
use crate::assembly::LookupRole;
use crate::aws::{Aws, AwsError, CallerIdentity, StackResourceRow};
use crate::cache::{Cache, CacheEntry, CacheKey, CachedStack};
use crate::model::{App, Resource, StackIdx};

/// The deployed state of one stack (top-level or nested).
#[derive(Debug, Clone)]
pub enum StackState {
    Deployed(DeployedStack),
    NotDeployed,
    /// The lookup failed; the message says why.
    Failed(String),
    /// No AWS call was made (`--offline`).
    Offline,
}

#[derive(Debug, Clone)]
pub struct DeployedStack {
    pub stack_id: String,
    pub region: String,
    pub status: Option<String>,
    pub from_cache: bool,
    pub resources: HashMap<String, StackResourceRow>,
}

impl DeployedStack {
    pub fn account(&self) -> Option<&str> {
        arn::account(&self.stack_id)
    }

    pub fn partition(&self) -> Option<Partition> {
        Partition::from_arn(&self.stack_id)
    }
}

/// What is known of one resource's physical id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "physicalId", rename_all = "kebab-case")]
pub enum Physical<'a> {
    Deployed(&'a str),
    /// Deployed, but CloudFormation reports no physical id for it.
    NoPhysicalId,
    /// The stack is deployed, but this resource is not in it.
    NotInStack,
    NotDeployed,
    Unknown,
    Offline,
}

impl<'a> Physical<'a> {
    pub fn id(&self) -> Option<&'a str> {
        match *self {
            Physical::Deployed(id) => Some(id),
            _ => None,
        }
    }

    /// The text a table shows for it.
    pub fn label(&self) -> &str {
        match self {
            Physical::Deployed(id) => id,
            Physical::NoPhysicalId => "(no physical id)",
            Physical::NotInStack => "(not in deployed stack)",
            Physical::NotDeployed => "not deployed",
            Physical::Unknown => "(lookup failed)",
            Physical::Offline => "-",
        }
    }
}

/// The result of a lookup: one state per stack of the app (same indices), plus what the user
/// should be told.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub stacks: Vec<StackState>,
    pub identity: Option<CallerIdentity>,
    pub warnings: Vec<String>,
    /// How many top-level stacks were answered from the cache.
    pub cache_hits: usize,
}

impl Deployment {
    pub fn offline(app: &App) -> Deployment {
        Deployment {
            stacks: vec![StackState::Offline; app.stacks.len()],
            identity: None,
            warnings: Vec::new(),
            cache_hits: 0,
        }
    }

    pub fn physical<'a>(&'a self, r: &Resource) -> Physical<'a> {
        match &self.stacks[r.stack] {
            StackState::Deployed(d) => match d.resources.get(&r.logical_id.0) {
                Some(row) => row
                    .physical_id
                    .as_deref()
                    .map_or(Physical::NoPhysicalId, Physical::Deployed),
                None => Physical::NotInStack,
            },
            StackState::NotDeployed => Physical::NotDeployed,
            StackState::Failed(_) => Physical::Unknown,
            StackState::Offline => Physical::Offline,
        }
    }

    pub fn deployed(&self, stack: StackIdx) -> Option<&DeployedStack> {
        match &self.stacks[stack] {
            StackState::Deployed(d) => Some(d),
            _ => None,
        }
    }

    /// The stacks whose lookup failed, with the reason.
    pub fn failures(&self) -> impl Iterator<Item = (StackIdx, &str)> {
        self.stacks.iter().enumerate().filter_map(|(i, s)| match s {
            StackState::Failed(m) => Some((i, m.as_str())),
            _ => None,
        })
    }
}

/// Looks up every stack of `app`. Lookups that fail are recorded per stack, never fatal here:
/// the front end decides how to show them.
pub async fn lookup(app: &App, aws: &Aws, cache: &Cache, refresh: bool) -> Deployment {
    let roots: Vec<StackIdx> = (0..app.stacks.len())
        .filter(|&i| !app.stacks[i].is_nested())
        .collect();
    lookup_roots(app, aws, cache, refresh, &roots).await
}

/// Like [`lookup`], for the given top-level stacks only; the others stay `Offline`.
pub async fn lookup_roots(
    app: &App,
    aws: &Aws,
    cache: &Cache,
    refresh: bool,
    roots: &[StackIdx],
) -> Deployment {
    // Stacks are grouped by the account of their environment and their CDK lookup role: each
    // group is looked up with that account's credentials (cdkx.toml, --role-arn, else the
    // stacks' lookup role when the credentials are another account's), all groups and stacks
    // concurrently.
    let mut groups: Vec<(Option<String>, Option<&LookupRole>, Vec<StackIdx>)> = Vec::new();
    for &root in roots {
        let account = app.stacks[root].env.account.clone();
        let lookup = app.stacks[root].lookup_role.as_ref();
        match groups
            .iter_mut()
            .find(|(a, l, _)| *a == account && *l == lookup)
        {
            Some((_, _, members)) => members.push(root),
            None => groups.push((account, lookup, vec![root])),
        }
    }
    let results = join_all(groups.iter().map(|(account, lookup, members)| async move {
        let aws = aws.for_reading(account.as_deref(), *lookup).await;
        let region = members
            .iter()
            .find_map(|&i| app.stacks[i].env.region.clone())
            .or_else(|| aws.default_region())
            .unwrap_or_else(|| "us-east-1".to_string());
        let identity = aws.caller_identity(&region);
        let stacks = join_all(
            members
                .iter()
                .map(|&root| lookup_root(app, &aws, cache, refresh, root)),
        );
        let (identity, stacks) = futures::join!(identity, stacks);
        (identity, aws.source().to_string(), stacks)
    }))
    .await;

    let mut out = Deployment {
        stacks: vec![StackState::Offline; app.stacks.len()],
        identity: None,
        warnings: Vec::new(),
        cache_hits: 0,
    };
    for ((_, _, members), (identity, source, stacks)) in groups.iter().zip(results) {
        for (root, result) in members.iter().zip(stacks) {
            match result {
                Ok((states, hit, warning)) => {
                    out.cache_hits += usize::from(hit);
                    out.warnings.extend(warning);
                    for (i, st) in states {
                        out.stacks[i] = st;
                    }
                }
                Err(e) => {
                    for i in family(app, *root) {
                        out.stacks[i] = StackState::Failed(e.to_string());
                    }
                }
            }
        }
        let Ok(id) = identity else { continue };
        for &root in members {
            let s = &app.stacks[root];
            if let Some(want) = &s.env.account
                && *want != id.account
            {
                out.warnings.push(format!(
                    "stack {} belongs to account {want}, but the credentials used for it ({source}) are for account {} ({}); its physical ids were looked up in account {}. Map the account to a profile or role in cdkx.toml (see `cdkx whoami`)",
                    s.name, id.account, id.arn, id.account
                ));
            }
        }
        out.identity.get_or_insert(id);
    }
    out
}

/// A stack and all the stacks nested in it, parents first.
fn family(app: &App, root: StackIdx) -> Vec<StackIdx> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend((0..app.stacks.len()).filter(|&c| {
            app.stacks[c]
                .parent
                .as_ref()
                .is_some_and(|(p, _)| *p == parent)
        }));
        i += 1;
    }
    out
}

/// The states of a root stack's family, whether the cache answered, and a warning to pass on.
type RootResult = Result<(Vec<(StackIdx, StackState)>, bool, Option<String>), AwsError>;

async fn lookup_root(
    app: &App,
    aws: &Aws,
    cache: &Cache,
    refresh: bool,
    root: StackIdx,
) -> RootResult {
    let stack = &app.stacks[root];
    let region = aws.region_for(stack.env.region.as_deref(), &stack.name)?;
    let Some(desc) = aws.describe_stack(&region, &stack.name).await? else {
        return Ok((
            family(app, root)
                .into_iter()
                .map(|i| (i, StackState::NotDeployed))
                .collect(),
            false,
            None,
        ));
    };
    let key = CacheKey {
        account: arn::account(&desc.stack_id)
            .unwrap_or("unknown-account")
            .to_string(),
        region: region.clone(),
        stack: stack.name.clone(),
    };
    let mut warning = None;
    let cached = if refresh {
        None
    } else {
        cache.lookup(&key).unwrap_or_else(|w| {
            warning = Some(w);
            None
        })
    };
    let (entry, hit) = match cached {
        Some(e) if e.stack_id == desc.stack_id && e.last_changed == desc.last_changed => (e, true),
        _ => {
            let entry = fetch(app, aws, &region, root, &desc.stack_id, &desc.last_changed).await?;
            // A cache that cannot be written only costs speed next time.
            if let Err(e) = cache.put(&key, &entry) {
                warning.get_or_insert(format!(
                    "could not write the physical-id cache for stack {} ({e}); continuing without it",
                    stack.name
                ));
            }
            (entry, false)
        }
    };
    let states = family_states(app, root, entry, &region, Some(&desc.status), hit);
    Ok((states, hit, warning))
}

/// The states of a root stack's family from a cache entry (fresh or remembered).
fn family_states(
    app: &App,
    root: StackIdx,
    entry: CacheEntry,
    region: &str,
    root_status: Option<&str>,
    from_cache: bool,
) -> Vec<(StackIdx, StackState)> {
    let mut by_path: HashMap<String, CachedStack> = entry
        .stacks
        .into_iter()
        .map(|s| (s.path.clone(), s))
        .collect();
    family(app, root)
        .into_iter()
        .map(|i| {
            let st = match by_path.remove(app.stacks[i].path.as_str()) {
                Some(cs) => StackState::Deployed(DeployedStack {
                    stack_id: cs.stack_id,
                    region: region.to_string(),
                    status: root_status.filter(|_| i == root).map(str::to_string),
                    from_cache,
                    resources: cs
                        .resources
                        .into_iter()
                        .map(|r| (r.logical_id.clone(), r))
                        .collect(),
                }),
                None => StackState::NotDeployed,
            };
            (i, st)
        })
        .collect()
}

/// What the on-disk cache alone knows, with no AWS call: a front end shows these physical ids at
/// once and refreshes them with [`lookup`] in the background. `region` says which region a
/// top-level stack is looked up in (as [`Aws::region_for`] would). The account is the stack's
/// own, else the only account the cache holds the stack under; stacks without a region or a
/// single matching entry stay `Offline`. Entries may be stale: nothing is checked against AWS.
pub fn cached(
    app: &App,
    cache: &Cache,
    region: impl Fn(&crate::model::Stack) -> Option<String>,
) -> Deployment {
    let mut out = Deployment::offline(app);
    let cached_accounts: Vec<String> = cache
        .dir()
        .and_then(|d| std::fs::read_dir(d.join("physical-ids")).ok())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    for root in (0..app.stacks.len()).filter(|&i| !app.stacks[i].is_nested()) {
        let stack = &app.stacks[root];
        let Some(region) = region(stack) else {
            continue;
        };
        let accounts = match &stack.env.account {
            Some(a) => vec![a.clone()],
            None => cached_accounts.clone(),
        };
        let mut found = accounts.into_iter().filter_map(|account| {
            cache.get(&CacheKey {
                account,
                region: region.clone(),
                stack: stack.name.clone(),
            })
        });
        let (Some(entry), None) = (found.next(), found.next()) else {
            continue;
        };
        out.cache_hits += 1;
        for (i, st) in family_states(app, root, entry, &region, None, true) {
            out.stacks[i] = st;
        }
    }
    out
}

/// One ListStackResources walk per stack: the root, then each nested stack by its physical ARN.
async fn fetch(
    app: &App,
    aws: &Aws,
    region: &str,
    root: StackIdx,
    stack_id: &str,
    last_changed: &str,
) -> Result<CacheEntry, AwsError> {
    let mut stacks = Vec::new();
    let mut queue = vec![(root, stack_id.to_string())];
    while !queue.is_empty() {
        let walks = queue
            .iter()
            .map(|(_, id)| aws.list_stack_resources(region, id));
        let results = join_all(walks).await;
        let mut next = Vec::new();
        for ((idx, id), rows) in queue.into_iter().zip(results) {
            let rows = rows?;
            for child in (0..app.stacks.len()).filter(|&c| {
                app.stacks[c]
                    .parent
                    .as_ref()
                    .is_some_and(|(p, _)| *p == idx)
            }) {
                let (_, logical) = app.stacks[child].parent.as_ref().expect("filtered");
                if let Some(arn) = rows
                    .iter()
                    .find(|r| r.logical_id == logical.0)
                    .and_then(|r| r.physical_id.clone())
                {
                    next.push((child, arn));
                }
            }
            stacks.push(CachedStack {
                path: app.stacks[idx].path.clone(),
                stack_id: id,
                resources: rows,
            });
        }
        queue = next;
    }
    Ok(CacheEntry::new(
        stack_id.to_string(),
        last_changed.to_string(),
        stacks,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::StackResourceRow;

    fn fixture() -> App {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/multi-stack/cdk.out");
        App::from_assembly(crate::assembly::read(&dir).unwrap())
    }

    #[test]
    fn the_cache_alone_gives_physical_ids_without_a_call() {
        let app = fixture();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        let shared = app
            .stacks
            .iter()
            .position(|s| s.name == "SharedStack")
            .unwrap();
        let agnostic = app
            .stacks
            .iter()
            .position(|s| s.name == "AgnosticStack")
            .unwrap();
        let row = |logical: &str, id: &str| StackResourceRow {
            logical_id: logical.into(),
            physical_id: Some(id.into()),
            cfn_type: "AWS::S3::Bucket".into(),
            status: None,
        };
        let entry = |name: &str, path: &str, rows| {
            CacheEntry::new(
                format!("arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1"),
                "2026-01-01T00:00:00Z".into(),
                vec![CachedStack {
                    path: path.into(),
                    stack_id: format!(
                        "arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1"
                    ),
                    resources: rows,
                }],
            )
        };
        let key = |account: &str, stack: &str| CacheKey {
            account: account.into(),
            region: "us-east-1".into(),
            stack: stack.into(),
        };
        let s = &app.stacks[shared];
        let account = s.env.account.clone().unwrap();
        cache
            .put(
                &key(&account, &s.name),
                &entry(
                    &s.name,
                    &s.path,
                    vec![row("ArtifactBucket7410C9EF", "bucket-1")],
                ),
            )
            .unwrap();
        // An environment-agnostic stack is found under the one account the cache has it for.
        let a = &app.stacks[agnostic];
        cache
            .put(
                &key("999999999999", &a.name),
                &entry(&a.name, &a.path, vec![]),
            )
            .unwrap();

        let d = cached(&app, &cache, |s| {
            s.env.region.clone().or_else(|| Some("us-east-1".into()))
        });
        let bucket = app
            .resources
            .iter()
            .find(|r| r.logical_id.0 == "ArtifactBucket7410C9EF")
            .unwrap();
        assert_eq!(d.physical(bucket), Physical::Deployed("bucket-1"));
        assert!(d.deployed(shared).unwrap().from_cache);
        assert!(d.deployed(agnostic).is_some());
        assert_eq!(d.cache_hits, 2);
        // Stacks the cache does not know stay offline, for the lookup to fill in.
        let others = (0..app.stacks.len())
            .filter(|&i| !app.stacks[i].is_nested() && i != shared && i != agnostic);
        for i in others {
            assert!(
                matches!(d.stacks[i], StackState::Offline),
                "{}",
                app.stacks[i].name
            );
        }
        // No region, no guess.
        let none = cached(&app, &cache, |_| None);
        assert_eq!(none.cache_hits, 0);
    }
}
