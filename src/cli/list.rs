//! `cdkx list`: every resource of every stack, with its physical id.

use anyhow::Result;
use serde::Serialize;

use super::args::ListArgs;
use super::{GlobalArgs, OutputFormat};
use crate::deployed::{self, Deployment, Physical, StackState};
use crate::model::{self, App};
use crate::present::table::{Col, Table};

/// The JSON document `cdkx list --output json` prints. Field names are stable.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListJson<'a> {
    assembly: String,
    caller: Option<&'a crate::aws::CallerIdentity>,
    stacks: Vec<StackJson<'a>>,
    resources: Vec<ResourceJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StackJson<'a> {
    name: String,
    artifact_id: &'a str,
    path: &'a str,
    nested_in: Option<String>,
    account: Option<&'a str>,
    region: Option<&'a str>,
    /// deployed | not-deployed | failed | offline
    state: &'static str,
    stack_id: Option<&'a str>,
    status: Option<&'a str>,
    from_cache: Option<bool>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceJson<'a> {
    stack: String,
    construct_path: &'a str,
    construct_id: &'a str,
    logical_id: &'a str,
    cfn_type: &'a str,
    fqn: Option<&'a str>,
    #[serde(rename = "type")]
    display_type: String,
    physical_id: Option<&'a str>,
    /// deployed | no-physical-id | not-in-stack | not-deployed | unknown | offline
    state: &'static str,
}

pub async fn run(g: &GlobalArgs, args: ListArgs) -> Result<i32> {
    let session = g.session();
    // Resources' properties are not listed (they are not read), and no construct is named.
    let loaded = session.load_app_with(crate::assembly::ReadOptions::listing())?;
    let app = &loaded.app;
    let wanted: Vec<usize> = (0..app.stacks.len())
        .filter(|&i| stack_matches(app, i, args.stack.as_deref()))
        .collect();
    let mut is_wanted = vec![false; app.stacks.len()];
    for &i in &wanted {
        is_wanted[i] = true;
    }
    // An app with no stacks lists nothing (and says so on stderr).
    if app.stacks.is_empty() {
        eprintln!(
            "cdkx: the app has no stacks ({})",
            crate::sanitize::line(&app.assembly_dir.display().to_string())
        );
    } else if wanted.is_empty() {
        let names: Vec<&str> = app
            .stacks
            .iter()
            .filter(|s| !s.is_nested())
            .map(|s| s.name.as_str())
            .collect();
        anyhow::bail!(
            "no stack matches {:?}; the app's stacks: {}",
            args.stack.unwrap_or_default(),
            names.join(", ")
        );
    }
    let deployment = if args.offline {
        Deployment::offline(app)
    } else {
        let aws = session.connect().await?;
        let mut roots: Vec<usize> = wanted.iter().map(|&i| app.root_stack(i)).collect();
        roots.dedup();
        let d = deployed::lookup_roots(app, &aws, &session.cache(), g.refresh, &roots).await;
        super::report(app, &d);
        d
    };

    let rows: Vec<&model::Resource> = app
        .resources
        .iter()
        .filter(|r| is_wanted[r.stack])
        .filter(|r| args.all || !model::is_bookkeeping(&r.cfn_type))
        .filter(|r| type_matches(r, args.type_filter.as_deref()))
        .collect();

    // Each stack's label and path prefix, made once rather than once per resource.
    let labels: Vec<String> = (0..app.stacks.len()).map(|i| stack_label(app, i)).collect();
    match g.output {
        OutputFormat::Json => {
            let doc = ListJson {
                assembly: app.assembly_dir.display().to_string(),
                caller: deployment.identity.as_ref(),
                stacks: wanted
                    .iter()
                    .map(|&i| stack_json(app, &deployment, i))
                    .collect(),
                resources: rows
                    .iter()
                    .map(|r| {
                        let p = deployment.physical(r);
                        ResourceJson {
                            stack: labels[r.stack].clone(),
                            construct_path: &r.construct_path,
                            construct_id: &r.construct_id,
                            logical_id: &r.logical_id.0,
                            cfn_type: &r.cfn_type,
                            fqn: r.fqn.as_deref(),
                            display_type: r.display_type(),
                            physical_id: p.id(),
                            state: physical_state(&p),
                        }
                    })
                    .collect(),
            };
            println!("{}", crate::sanitize::json(&doc)?);
            // Like `loaded` below: freed by the exit, not value by value.
            std::mem::forget(doc);
        }
        OutputFormat::Table | OutputFormat::Text => {
            let mut t = Table::with_columns(COLUMNS.to_vec());
            for r in &rows {
                let stack = &app.stacks[r.stack];
                let rel = r
                    .construct_path
                    .strip_prefix(stack.path.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    .unwrap_or(&r.construct_path);
                t.push(vec![
                    labels[r.stack].clone(),
                    rel.to_string(),
                    r.logical_id.0.clone(),
                    r.display_type(),
                    deployment.physical(r).label().to_string(),
                ]);
            }
            if t.is_empty() {
                if !app.stacks.is_empty() {
                    eprintln!("cdkx: no resources match");
                }
            } else {
                print!("{}", super::render_table(&t, g));
            }
            // Like `loaded` below: five strings a row are freed by the exit, not one by one.
            std::mem::forget(t);
        }
    }
    let code = i32::from(deployment.failures().next().is_some());
    // The process ends once this returns: freeing every template's values one by one (a tenth
    // of the run at 10,000 resources) would only delay the exit.
    std::mem::forget(loaded);
    Ok(code)
}

/// `cdkx list`'s columns: on a narrow terminal the stack goes first (it repeats on every row),
/// then the logical id; the construct and the physical id always stay.
const COLUMNS: [Col; 5] = [
    Col::new("STACK", 10).optional(3),
    Col::new("CONSTRUCT", 14),
    Col::new("LOGICAL ID", 14).optional(2),
    Col::new("TYPE", 12).optional(1),
    Col::new("PHYSICAL ID", 16),
];

fn stack_matches(app: &App, i: usize, filter: Option<&str>) -> bool {
    let Some(f) = filter else { return true };
    let f = f.to_lowercase();
    // A nested stack is shown with its top-level stack.
    let root = &app.stacks[app.root_stack(i)];
    root.name.to_lowercase().contains(&f) || root.path.to_lowercase().contains(&f)
}

fn type_matches(r: &model::Resource, filter: Option<&str>) -> bool {
    let Some(f) = filter else { return true };
    let f = f.to_lowercase();
    r.cfn_type.to_lowercase().contains(&f)
        || r.fqn
            .as_deref()
            .is_some_and(|q| q.to_lowercase().contains(&f))
}

/// A stack as a table shows it: its name, or `Parent/Nested` for a nested stack.
pub(crate) fn stack_label(app: &App, i: usize) -> String {
    let s = &app.stacks[i];
    match &s.parent {
        Some((p, _)) => format!("{}/{}", stack_label(app, *p), s.name),
        None => s.name.clone(),
    }
}

fn stack_json<'a>(app: &'a App, d: &'a Deployment, i: usize) -> StackJson<'a> {
    let s = &app.stacks[i];
    let (state, deployed, error) = match &d.stacks[i] {
        StackState::Deployed(dep) => ("deployed", Some(dep), None),
        StackState::NotDeployed => ("not-deployed", None, None),
        StackState::Failed(e) => ("failed", None, Some(e.as_str())),
        StackState::Offline => ("offline", None, None),
    };
    StackJson {
        name: stack_label(app, i),
        artifact_id: &s.artifact_id,
        path: &s.path,
        nested_in: s.parent.as_ref().map(|(p, _)| stack_label(app, *p)),
        account: deployed
            .and_then(|x| x.account())
            .or(s.env.account.as_deref()),
        region: deployed
            .map(|x| x.region.as_str())
            .or(s.env.region.as_deref()),
        state,
        stack_id: deployed.map(|x| x.stack_id.as_str()),
        status: deployed.and_then(|x| x.status.as_deref()),
        from_cache: deployed.map(|x| x.from_cache),
        error,
    }
}

fn physical_state(p: &Physical) -> &'static str {
    match p {
        Physical::Deployed(_) => "deployed",
        Physical::NoPhysicalId => "no-physical-id",
        Physical::NotInStack => "not-in-stack",
        Physical::NotDeployed => "not-deployed",
        Physical::Unknown => "unknown",
        Physical::Offline => "offline",
    }
}
