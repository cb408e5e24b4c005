//! `cdkx whoami`: for each account the app's stacks live in, who the credentials used for it
//! are and how they were obtained.

use anyhow::Result;
use futures::future::join_all;
use serde::Serialize;

use super::{GlobalArgs, OutputFormat};
use crate::assembly::LookupRole;
use crate::aws::CallerIdentity;
use crate::present::table::{Col, Table};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountJson {
    /// The account of the stacks' environment; null for the default credentials.
    account: Option<String>,
    stacks: Vec<String>,
    source: String,
    caller: Option<CallerIdentity>,
    /// true when the caller is in the account the stacks name.
    matches: Option<bool>,
    error: Option<String>,
    /// The endpoint gave no answer: nothing is known of the credentials.
    #[serde(skip)]
    unreachable: bool,
}

pub async fn run(g: &GlobalArgs) -> Result<i32> {
    let session = g.session();
    let loaded = match session.load_app() {
        Ok(l) => Some(l),
        Err(e) if e.is::<super::UsageError>() => return Err(e),
        Err(_) => None,
    };
    let aws = session.connect_any().await?;
    // The accounts of the app's stacks, plus the default credentials.
    let mut accounts: Vec<(Option<String>, Vec<String>, Option<LookupRole>)> =
        vec![(None, Vec::new(), None)];
    if let Some(l) = &loaded {
        for s in l.app.stacks.iter().filter(|s| !s.is_nested()) {
            let slot = match accounts.iter_mut().find(|(a, _, _)| *a == s.env.account) {
                Some(slot) => slot,
                None => {
                    accounts.push((s.env.account.clone(), Vec::new(), None));
                    accounts.last_mut().expect("pushed")
                }
            };
            slot.1.push(s.name.clone());
            if slot.2.is_none() {
                slot.2 = s.lookup_role.clone();
            }
        }
    }
    let region = aws
        .default_region()
        .unwrap_or_else(|| "us-east-1".to_string());
    let rows: Vec<AccountJson> = join_all(accounts.into_iter().map(|(account, stacks, lookup)| {
        let aws = &aws;
        let region = &region;
        async move {
            // What cdkx reads the account with: cdkx.toml, --role-arn, the lookup role, or these.
            let for_it = aws.for_reading(account.as_deref(), lookup.as_ref()).await;
            let result = for_it.caller_identity(region).await;
            let unreachable = matches!(result, Err(crate::aws::AwsError::Unreachable { .. }));
            let (caller, error) = match result {
                Ok(id) => (Some(id), None),
                Err(e) => (None, Some(e.to_string())),
            };
            AccountJson {
                matches: match (&account, &caller) {
                    (Some(a), Some(c)) => Some(*a == c.account),
                    _ => None,
                },
                account,
                stacks,
                source: for_it.source().to_string(),
                caller,
                error,
                unreachable,
            }
        }
    }))
    .await;

    let failed = rows
        .iter()
        .any(|r| r.error.is_some() && !r.stacks.is_empty() || r.matches == Some(false));
    match g.output {
        OutputFormat::Json => println!(
            "{}",
            crate::sanitize::json(&serde_json::json!({ "accounts": rows }))?
        ),
        _ => {
            let mut t = Table::with_columns(vec![
                Col::new("ACCOUNT", 12),
                Col::new("STACKS", 12).optional(1).prose(),
                Col::new("CALLER", 24).prose(),
                Col::new("CREDENTIALS", 14).optional(2).prose(),
            ]);
            for r in &rows {
                let who = match (&r.caller, &r.error, r.matches) {
                    (Some(c), _, Some(false)) => {
                        format!("{} (account {}: NOT the stacks' account)", c.arn, c.account)
                    }
                    (Some(c), _, _) => c.arn.clone(),
                    (None, Some(e), _) if r.unreachable => format!("endpoint unreachable: {e}"),
                    (None, Some(e), _) => format!("cannot obtain credentials: {e}"),
                    (None, None, _) => "-".into(),
                };
                t.push(vec![
                    r.account.clone().unwrap_or_else(|| "(default)".into()),
                    if r.stacks.is_empty() {
                        "-".into()
                    } else {
                        r.stacks.join(", ")
                    },
                    who,
                    r.source.clone(),
                ]);
            }
            print!("{}", super::render_table(&t, g));
            let unreachable = rows.iter().any(|r| r.unreachable);
            if unreachable {
                eprintln!(
                    "cdkx: the AWS endpoint could not be reached, so nothing is known of these credentials: check --endpoint-url / AWS_ENDPOINT_URL, the network or a proxy, or raise --timeout"
                );
            }
            // An example for an account of this app that is not reached as itself.
            let example = rows.iter().find(|r| {
                !r.unreachable
                    && (r.error.is_some() && !r.stacks.is_empty() || r.matches == Some(false))
            });
            if let Some(r) = example {
                let hint = match &r.account {
                    Some(a) => format!(
                        ", e.g.\n  [accounts.{a}]\n  role_arn = \"arn:aws:iam::{a}:role/NAME\""
                    ),
                    None => String::new(),
                };
                eprintln!(
                    "cdkx: some of the app's accounts are not reached as themselves: fix the credentials above, or map each account to a profile or role in cdkx.toml{}",
                    crate::sanitize::block(&hint)
                );
            }
        }
    }
    Ok(i32::from(failed))
}
