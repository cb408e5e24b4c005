//! Background work. Each request the app asks for runs in its own tokio task that calls the
//! same action functions as the CLI and sends its answer back on the event channel. A new
//! request of a kind aborts the previous one of that kind (latest wins), `Esc` aborts by kind,
//! and a task that panics is reported as an error instead of taking the UI down.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::OnceCell;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::event::Event;
use super::msg::{AuditCursor, Effect, Feed, Msg, RequestId, Slot};
use super::views::audit::BATCH_ROWS;
use crate::actions::Subject;
use crate::actions::audit::{Audit, AuditQuery};
use crate::actions::command::open_in_browser;
use crate::actions::describe::{DescribeOptions, describe};
use crate::actions::invocations::{
    GroupBy, Invocation, InvocationQuery, Progress, SourceKind, invocations,
};
use crate::actions::invoke::{InvokeRequest, invoke};
use crate::actions::listing;
use crate::actions::logs::{self, LogsRequest};
use crate::actions::metrics::{self, ActivityTarget, MetricsRequest};
use crate::actions::probe;
use crate::aws::{AthenaTarget, Aws};
use crate::cache::Cache;
use crate::deployed;
use crate::model;
use crate::session::Session;
use crate::time::now;

/// How far back the TUI's audit looks: all LookupEvents keeps.
const AUDIT_DAYS: f64 = 90.0;

pub struct Tasks {
    tx: UnboundedSender<Event>,
    session: Session,
    aws: Arc<OnceCell<Aws>>,
    model: Arc<model::App>,
    cache: Cache,
    slots: HashMap<Slot, AbortHandle>,
}

impl Tasks {
    pub fn new(
        tx: UnboundedSender<Event>,
        session: Session,
        model: Arc<model::App>,
        cache: Cache,
    ) -> Tasks {
        Tasks {
            tx,
            session,
            aws: Arc::new(OnceCell::new()),
            model,
            cache,
            slots: HashMap::new(),
        }
    }

    /// The AWS configuration (flags, environment, cdkx.toml), loaded once by whichever task
    /// needs it first.
    fn aws(&self) -> impl Future<Output = Result<Aws, String>> + Send + use<> {
        let cell = self.aws.clone();
        let session = self.session.clone();
        async move {
            cell.get_or_try_init(|| async { session.connect().await.map_err(|e| format!("{e:#}")) })
                .await
                .cloned()
        }
    }

    /// The configuration for acting on `subject`: its stack's account's credentials.
    fn aws_for(
        &self,
        subject: &Subject,
    ) -> impl Future<Output = Result<Aws, String>> + Send + use<> {
        self.aws_for_stack(subject.stack)
    }

    /// The configuration for reading what `stack` holds: its account's credentials.
    fn aws_for_stack(
        &self,
        stack: model::StackIdx,
    ) -> impl Future<Output = Result<Aws, String>> + Send + use<> {
        let aws = self.aws();
        let root = self.model.root_stack(stack);
        let account = self.model.stacks[root].env.account.clone();
        let lookup = self.model.stacks[root].lookup_role.clone();
        // Reading may go through the account's CDK lookup role; invoking never does
        // (`Aws::invoke` acts with the user's own credentials then).
        async move {
            Ok(aws
                .await?
                .for_reading(account.as_deref(), lookup.as_ref())
                .await)
        }
    }

    /// Loads the AWS configuration and tells the app (region, endpoint for the header).
    pub fn connect(&mut self) {
        let aws = self.aws();
        self.spawn(None, "loading the AWS configuration", async move {
            Some(match aws.await {
                Ok(aws) => Msg::Connected(aws),
                Err(error) => Msg::Failed {
                    what: "loading the AWS configuration",
                    error,
                },
            })
        });
    }

    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Lookup { id, refresh } => {
                let (aws, model, cache) = (self.aws(), self.model.clone(), self.cache.clone());
                self.spawn(Some(Slot::Lookup), "the physical-id lookup", async move {
                    let deployment = match aws.await {
                        Ok(aws) => deployed::lookup(&model, &aws, &cache, refresh).await,
                        // Every stack failed, for the same reason: the app says so and keeps
                        // what it knew.
                        Err(e) => {
                            let mut d = deployed::Deployment::offline(&model);
                            d.stacks.fill(deployed::StackState::Failed(e));
                            d
                        }
                    };
                    Some(Msg::Deployment { id, deployment })
                });
            }
            Effect::Describe {
                id,
                subject,
                deployment,
            } => {
                let (aws, model) = (self.aws_for(&subject), self.model.clone());
                self.spawn(Some(Slot::Describe), "describe", async move {
                    let result = match aws.await {
                        Ok(aws) => describe(
                            &model,
                            Some(&deployment),
                            &aws,
                            &subject,
                            DescribeOptions::default(),
                        )
                        .await
                        .map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    Some(Msg::Described { id, result })
                });
            }
            Effect::Invoke {
                id,
                subject,
                payload,
            } => {
                let aws = self.aws_for(&subject);
                self.spawn(Some(Slot::Invoke), "invoke", async move {
                    let req = InvokeRequest { payload, log: true };
                    let result = match aws.await {
                        Ok(aws) => invoke(&aws, &subject, req).await.map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    Some(Msg::Invoked { id, result })
                });
            }
            Effect::Probe {
                id,
                subject,
                request,
                stage,
                deployment,
            } => {
                let (owner, base, model) = (self.aws_for(&subject), self.aws(), self.model.clone());
                self.spawn(Some(Slot::Probe), "the probe", async move {
                    let run = async {
                        let (owner, signer) = (owner.await?, base.await?);
                        let flag = std::env::var("CDKX_EXECUTE_API_ENDPOINT")
                            .ok()
                            .filter(|v| !v.is_empty());
                        let endpoint = probe::endpoint_override(flag.as_deref(), &signer);
                        probe::probe_construct(
                            &model,
                            Some(&deployment),
                            &owner,
                            &signer,
                            &subject,
                            stage.as_deref(),
                            &request,
                            endpoint,
                        )
                        .await
                        .map(Box::new)
                        .map_err(|e| e.to_string())
                    };
                    Some(Msg::Probed {
                        id,
                        result: run.await,
                    })
                });
            }
            Effect::Invocations {
                id,
                subject,
                window,
            } => {
                let (aws, tx) = (self.aws_for(&subject), self.tx.clone());
                self.spawn(Some(Slot::Invocations), "invocations", async move {
                    let aws = match aws.await {
                        Ok(aws) => aws,
                        Err(e) => {
                            return Some(Msg::InvocationsDone { id, result: Err(e) });
                        }
                    };
                    let until = now();
                    let query = InvocationQuery {
                        since: until - window,
                        until,
                        source: SourceKind::Auto,
                        trail_logs: None,
                        athena_table: None,
                        athena: AthenaTarget::default(),
                        by: GroupBy::Account,
                        keep_rows: true,
                    };
                    let progress = move |progress: Progress, found: &[Invocation]| {
                        let _ = tx.send(Event::Msg(Box::new(Msg::InvocationsFound {
                            id,
                            progress,
                            calls: found.to_vec(),
                        })));
                    };
                    let result = invocations(&aws, &subject, &query, &progress)
                        .await
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    Some(Msg::InvocationsDone { id, result })
                });
            }
            Effect::Logs {
                id,
                subject,
                window_ms,
            } => {
                let (aws, tx) = (self.aws_for(&subject), self.tx.clone());
                self.spawn(Some(Slot::Logs), "the log view", async move {
                    let ended = |error: String| Some(Msg::LogsEnded { id, error });
                    let aws = match aws.await {
                        Ok(aws) => aws,
                        Err(e) => return ended(e),
                    };
                    let target = match logs::log_target(&aws, &subject).await {
                        Ok(t) => t,
                        Err(e) => return ended(e.to_string()),
                    };
                    // An empty window first: a group that does not exist is said here, not
                    // waited for.
                    let now_ms = (now() * 1000.0) as i64;
                    let empty = LogsRequest {
                        since_ms: now_ms,
                        until_ms: Some(now_ms),
                        ..LogsRequest::default()
                    };
                    if let Err(e) = logs::history(&aws, &target, &empty, |_| Ok(())).await {
                        return ended(e.to_string());
                    }
                    let send = |msg: Msg| tx.send(Event::Msg(Box::new(msg))).is_ok();
                    let group = target.groups.join(", ");
                    let req = LogsRequest {
                        since_ms: now_ms - window_ms,
                        ..LogsRequest::default()
                    };
                    // Live Tail when it can be had, else polling; dropping `follow` (the view
                    // closed, the task aborted) closes the session.
                    let mut follow = logs::follow(aws, target, req);
                    while let Some(event) = follow.recv().await {
                        let delivered = match event {
                            logs::FollowEvent::Mode { mode, .. } => send(Msg::LogsFollowing {
                                id,
                                group: group.clone(),
                                feed: match mode {
                                    logs::FollowMode::Live => Feed::Live,
                                    logs::FollowMode::Polling => Feed::Polling {
                                        every_secs: logs::POLL_INTERVAL.as_secs(),
                                    },
                                },
                            }),
                            logs::FollowEvent::Line(line) => send(Msg::LogLines {
                                id,
                                lines: vec![line],
                            }),
                            // Reconnections and sampling notes: the status line says live or
                            // polling; the CLI prints these on stderr.
                            logs::FollowEvent::Note(_) => true,
                            logs::FollowEvent::Failed(e) => return ended(e.to_string()),
                        };
                        if !delivered {
                            return None;
                        }
                    }
                    None
                });
            }
            Effect::Listing {
                id,
                subject,
                action,
                request,
            } => {
                let aws = self.aws_for(&subject);
                self.spawn(Some(Slot::Listing), "the listing", async move {
                    let result = match aws.await {
                        Ok(aws) => listing::run(&aws, &subject, action, &request)
                            .await
                            .map(Box::new)
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    Some(Msg::Listed { id, result })
                });
            }
            Effect::Activity {
                id,
                targets,
                since_s,
                until_s,
                period_s,
            } => {
                // One call of the action per account (its credentials), all at once; the
                // action batches each account's targets by region.
                let mut accounts: Vec<(Option<String>, model::StackIdx, Vec<ActivityTarget>)> =
                    Vec::new();
                for (stack, target) in targets {
                    let account = self.model.stacks[self.model.root_stack(stack)]
                        .env
                        .account
                        .clone();
                    match accounts.iter_mut().find(|(a, _, _)| *a == account) {
                        Some((_, _, ts)) => ts.push(target),
                        None => accounts.push((account, stack, vec![target])),
                    }
                }
                let work: Vec<_> = accounts
                    .into_iter()
                    .map(|(_, stack, ts)| (self.aws_for_stack(stack), ts))
                    .collect();
                self.spawn(Some(Slot::Activity), "the activity column", async move {
                    let answers =
                        futures::future::join_all(work.into_iter().map(|(aws, ts)| async move {
                            match aws.await {
                                Ok(aws) => {
                                    metrics::activity(&aws, &ts, since_s, until_s, period_s).await
                                }
                                Err(e) => metrics::Activity {
                                    since_s,
                                    until_s,
                                    period_s,
                                    series: Vec::new(),
                                    errors: vec![e],
                                },
                            }
                        }))
                        .await;
                    let mut all = metrics::Activity {
                        since_s,
                        until_s,
                        period_s,
                        series: Vec::new(),
                        errors: Vec::new(),
                    };
                    for a in answers {
                        all.series.extend(a.series);
                        for e in a.errors {
                            if !all.errors.contains(&e) {
                                all.errors.push(e);
                            }
                        }
                    }
                    Some(Msg::Activity {
                        id,
                        activity: Box::new(all),
                    })
                });
            }
            Effect::Metrics {
                id,
                slot,
                subject,
                since_s,
                until_s,
                period_s,
            } => {
                let aws = self.aws_for(&subject);
                self.spawn(Some(slot), "metrics", async move {
                    let req = MetricsRequest {
                        since_s,
                        until_s,
                        period_s,
                        stage: None,
                    };
                    let result = match aws.await {
                        Ok(aws) => metrics::metrics(&aws, &subject, &req)
                            .await
                            .map(Box::new)
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    Some(Msg::Metrics { id, result })
                });
            }
            Effect::AuditStart { id, subject } => self.audit(id, Start::New(Box::new(subject))),
            Effect::AuditMore { id, cursor } => self.audit(id, Start::More(cursor)),
            Effect::Cancel(slot) => {
                if let Some(h) = self.slots.remove(&slot) {
                    h.abort();
                }
            }
            Effect::OpenBrowser { name, url } => {
                self.spawn(None, "opening the browser", async move {
                    let u = url.clone();
                    let result = tokio::task::spawn_blocking(move || open_in_browser(&name, &u))
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|r| r.map_err(|e| e.to_string()));
                    Some(Msg::Opened { url, result })
                });
            }
            Effect::Copy(_) | Effect::Exec { .. } => {
                unreachable!("the event loop runs these itself: they need the terminal")
            }
        }
    }

    /// Loads audit pages until a batch is full, sending each page as it arrives, then hands the
    /// cursor back for "load more".
    fn audit(&mut self, id: RequestId, start: Start) {
        let aws = match &start {
            Start::New(subject) => Some(self.aws_for(subject)),
            Start::More(_) => None,
        };
        let tx = self.tx.clone();
        self.spawn(Some(Slot::Audit), "the audit", async move {
            let mut audit = match start {
                Start::More(cursor) => cursor.0,
                Start::New(subject) => {
                    let now = now();
                    let query = AuditQuery {
                        since: now - AUDIT_DAYS * 86400.0,
                        until: now,
                        event: None,
                        limit: None,
                        cross_account_only: false,
                    };
                    let ended = |e: String| Msg::AuditEnded { id, result: Err(e) };
                    let aws = match aws.expect("a new audit has its configuration").await {
                        Ok(aws) => aws,
                        Err(e) => return Some(ended(e)),
                    };
                    match Audit::new(aws, &subject, query) {
                        Ok(a) => Box::new(a),
                        Err(e) => return Some(ended(e.to_string())),
                    }
                }
            };
            let mut loaded = 0;
            loop {
                match audit.next_page().await {
                    Ok(Some(page)) => {
                        loaded += page.rows.len();
                        let done = page.done;
                        let _ = tx.send(Event::Msg(Box::new(Msg::AuditPage { id, page })));
                        if done {
                            return Some(Msg::AuditEnded { id, result: Ok(()) });
                        }
                        if loaded >= BATCH_ROWS {
                            return Some(Msg::AuditPaused {
                                id,
                                cursor: AuditCursor(audit),
                            });
                        }
                    }
                    Ok(None) => return Some(Msg::AuditEnded { id, result: Ok(()) }),
                    Err(e) => {
                        return Some(Msg::AuditEnded {
                            id,
                            result: Err(e.to_string()),
                        });
                    }
                }
            }
        });
    }

    /// Runs `work` in a task; its message (if any) goes to the app. In a slot, it replaces (and
    /// aborts) the slot's previous task.
    fn spawn<F>(&mut self, slot: Option<Slot>, what: &'static str, work: F)
    where
        F: Future<Output = Option<Msg>> + Send + 'static,
    {
        if let Some(s) = slot
            && let Some(previous) = self.slots.remove(&s)
        {
            previous.abort();
        }
        let task = tokio::spawn(work);
        if let Some(s) = slot {
            self.slots.insert(s, task.abort_handle());
        }
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let msg = match task.await {
                Ok(Some(msg)) => msg,
                Ok(None) => return,
                Err(e) if e.is_panic() => Msg::Failed {
                    what,
                    error: panic_message(e.into_panic()),
                },
                // Aborted: nobody waits for it any more.
                Err(_) => return,
            };
            let _ = tx.send(Event::Msg(Box::new(msg)));
        });
    }
}

enum Start {
    New(Box<Subject>),
    More(AuditCursor),
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an internal error (panic)".into())
}
