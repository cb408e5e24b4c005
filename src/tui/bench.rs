//! Measurements of the TUI's own work, for `benches/tui.rs` (not a public API): a synthetic app
//! of any size, synthetic audit rows, and the time from a key press to a finished frame, drawn
//! through the real crossterm backend (its bytes go to a sink instead of a terminal).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::app::App;
use super::cx::Header;
use super::keymap::{self, Action, Verb};
use super::msg::{Effect, Msg};
use super::theme::Theme;
use super::ui;
use crate::actions::audit::{AuditPage, AuditRow};
use crate::assembly::Environment;
use crate::aws::{CallerIdentity, StackResourceRow, TrailEvent};
use crate::catalogue::CommandCatalogue;
use crate::deployed::{DeployedStack, Deployment, StackState};
use crate::kind::ResourceKind;
use crate::model::{self, ConstructNode, LogicalId, Resource, Stack, Target};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// An app of `stacks` stacks holding `resources` resources in all (a third are Lambda
/// functions, in groups of constructs two levels deep), every one deployed.
/// The `i`-th synthetic resource: construct id, CloudFormation type and FQN (a mix of functions,
/// roles and queues), shared by the in-memory app below and the benchmark's on-disk assembly.
pub fn synthetic_resource(i: usize) -> (String, &'static str, &'static str) {
    match i % 3 {
        0 => (
            format!("fn{i}"),
            ResourceKind::LambdaFunction.as_str(),
            "aws-cdk-lib.aws_lambda.Function",
        ),
        1 => (
            format!("role{i}"),
            ResourceKind::IamRole.as_str(),
            "aws-cdk-lib.aws_iam.Role",
        ),
        _ => (
            format!("queue{i}"),
            ResourceKind::SqsQueue.as_str(),
            "aws-cdk-lib.aws_sqs.Queue",
        ),
    }
}

pub fn synthetic_app(stacks: usize, resources: usize) -> (model::App, Deployment) {
    let stacks_n = stacks.max(1);
    let mut app = model::App {
        assembly_dir: PathBuf::from("cdk.out"),
        stacks: Vec::new(),
        resources: Vec::new(),
        constructs: Vec::new(),
    };
    let mut deployed = Vec::new();
    for s in 0..stacks_n {
        let name = format!("Service{s:02}Stack");
        app.constructs.push(ConstructNode {
            path: name.clone(),
            id: name.clone(),
            fqn: Some("aws-cdk-lib.Stack".into()),
            depth: 1,
            target: Some(Target::Stack(s)),
        });
        app.stacks.push(Stack {
            artifact_id: name.clone(),
            name: name.clone(),
            path: name.clone(),
            env: Environment {
                account: Some(ACCOUNT.into()),
                region: Some(REGION.into()),
            },
            lookup_role: None,
            template_file: PathBuf::from(format!("{name}.template.json")),
            parent: None,
            outputs: Vec::new(),
        });
        let mut rows = HashMap::new();
        let per_stack = resources / stacks_n + usize::from(s < resources % stacks_n);
        for i in 0..per_stack {
            let group = i / 25;
            let (id, cfn_type, fqn) = synthetic_resource(i);
            let group_path = format!("{name}/group{group}");
            if i % 25 == 0 {
                app.constructs.push(ConstructNode {
                    path: group_path.clone(),
                    id: format!("group{group}"),
                    fqn: Some("constructs.Construct".into()),
                    depth: 2,
                    target: None,
                });
            }
            let path = format!("{group_path}/{id}");
            let logical = format!("group{group}{id}ABCD{i:04}");
            let r = app.resources.len();
            app.constructs.push(ConstructNode {
                path: path.clone(),
                id: id.clone(),
                fqn: Some(fqn.into()),
                depth: 3,
                target: Some(Target::Resource(r)),
            });
            app.resources.push(Resource {
                stack: s,
                logical_id: LogicalId(logical.clone()),
                cfn_type: cfn_type.into(),
                cfn_path: Some(format!("{path}/Resource")),
                construct_path: path,
                construct_id: id,
                fqn: Some(fqn.into()),
                properties: None,
            });
            rows.insert(
                logical.clone(),
                StackResourceRow {
                    physical_id: Some(format!("{name}-{logical}-X1Y2Z3")),
                    logical_id: logical,
                    cfn_type: cfn_type.into(),
                    status: Some("CREATE_COMPLETE".into()),
                },
            );
        }
        deployed.push(StackState::Deployed(DeployedStack {
            stack_id: format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/0f0e0d0c"),
            region: REGION.into(),
            status: Some("UPDATE_COMPLETE".into()),
            from_cache: false,
            resources: rows,
        }));
    }
    let deployment = Deployment {
        stacks: deployed,
        identity: Some(CallerIdentity {
            account: ACCOUNT.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:user/dev"),
        }),
        warnings: Vec::new(),
        cache_hits: 0,
    };
    (app, deployment)
}

/// `n` CloudTrail rows about `function`, newest first, one a minute back from `newest` (epoch
/// seconds); every 10th caller is in account 222222222222.
pub fn audit_rows(n: usize, function: &str, newest: f64) -> Vec<AuditRow> {
    (0..n)
        .map(|i| {
            let caller = if i % 10 == 0 { "222222222222" } else { ACCOUNT };
            let name = if i % 3 == 0 {
                "UpdateFunctionConfiguration20150331v2"
            } else {
                "GetFunction20150331v2"
            };
            let record = serde_json::json!({
                "eventName": name, "eventSource": "lambda.amazonaws.com",
                "sourceIPAddress": format!("10.0.{}.{}", i / 250, i % 250),
                "userAgent": "aws-cli/2.15.0",
                "userIdentity": {"type": "AssumedRole", "accountId": caller,
                    "arn": format!("arn:aws:sts::{caller}:assumed-role/dev/alice")},
                "recipientAccountId": ACCOUNT, "readOnly": i % 3 != 0,
                "eventID": format!("ev-{i:05}"),
                "requestParameters": {"functionName": function},
            });
            AuditRow::from_event(
                TrailEvent {
                    event_id: format!("ev-{i:05}"),
                    event_name: name.into(),
                    event_source: "lambda.amazonaws.com".into(),
                    event_time: newest - 60.0 * i as f64,
                    username: None,
                    read_only: None,
                    record: Some(record.to_string()),
                },
                Some(ACCOUNT),
            )
        })
        .collect()
}

/// An app ready for the first frame, answered as if the first lookup had come back.
pub fn settled(model: model::App, deployment: Deployment, header: Header, theme: Theme) -> App {
    let mut app = App::new(
        Arc::new(model),
        Arc::new(CommandCatalogue::builtin()),
        deployment.clone(),
        header,
        theme,
        false,
    );
    for e in app.take_effects() {
        if let Effect::Lookup { id, .. } = e {
            app.receive(Msg::Deployment {
                id,
                deployment: deployment.clone(),
            });
        }
    }
    // The activity column's request (made once the ids are known) is not answered here.
    app.take_effects();
    app
}

/// Opens the audit of the first Lambda function in the list and gives it `rows` (loading on).
pub fn open_audit(app: &mut App, rows: Vec<AuditRow>, requests: usize) {
    let row = app
        .list
        .rows
        .iter()
        .position(|r| ResourceKind::LambdaFunction.is(&r.cfn_type))
        .expect("a function");
    app.list.selected = app.list.visible.iter().position(|&v| v == row).unwrap_or(0);
    app.run_verb(row, Verb::Audit);
    for e in app.take_effects() {
        if let Effect::AuditStart { id, .. } = e {
            let events_seen = rows.len() * 2;
            app.receive(Msg::AuditPage {
                id,
                page: AuditPage {
                    rows,
                    requests,
                    events_seen,
                    done: false,
                },
            });
            return;
        }
    }
}

/// Timings of one scenario.
pub struct Timing {
    pub name: String,
    pub samples: Vec<Duration>,
}

impl Timing {
    pub fn quantile(&self, q: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        if s.is_empty() {
            return Duration::ZERO;
        }
        s[((s.len() - 1) as f64 * q).round() as usize]
    }

    pub fn max(&self) -> Duration {
        self.samples.iter().max().copied().unwrap_or_default()
    }
}

type MemTerminal = Terminal<CrosstermBackend<std::io::Sink>>;

fn terminal(w: u16, h: u16) -> MemTerminal {
    Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .expect("an in-memory terminal")
}

fn frame(term: &mut MemTerminal, app: &App) {
    term.draw(|f| {
        ui::render(app, f.area(), f.buffer_mut());
    })
    .expect("drawing into memory");
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Presses `keys` one by one, timing each from the key to the frame written.
fn presses(term: &mut MemTerminal, app: &mut App, name: &str, keys: &[KeyEvent]) -> Timing {
    let mut samples = Vec::with_capacity(keys.len());
    for k in keys {
        let start = Instant::now();
        if let Some(action) = keymap::map(app.mode(), *k) {
            app.act(action);
            app.take_effects();
        }
        frame(term, app);
        samples.push(start.elapsed());
    }
    Timing {
        name: name.to_string(),
        samples,
    }
}

fn typed(text: &str) -> Vec<KeyEvent> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

/// Every scenario: the first frame of an app of `resources` resources, then key presses on the
/// list and on an audit table of `audit` rows, in a `w`x`h` terminal.
pub fn run(resources: usize, audit: usize, w: u16, h: u16) -> Vec<Timing> {
    let mut out = Vec::new();
    let (model, deployment) = synthetic_app(10, resources);
    let header = Header {
        app_dir: "bench".into(),
        region: Some(REGION.into()),
        ..Default::default()
    };
    let mut term = terminal(w, h);
    let start = Instant::now();
    let mut app = settled(model, deployment, header, Theme { color: true });
    frame(&mut term, &app);
    out.push(Timing {
        name: format!("first frame ({resources} resources, state + draw)"),
        samples: vec![start.elapsed()],
    });

    let mut moves = vec![key(KeyCode::Down); 200];
    moves.extend(vec![key(KeyCode::PageDown); 50]);
    moves.extend([key(KeyCode::End), key(KeyCode::Home)]);
    moves.extend(vec![key(KeyCode::Up); 50]);
    out.push(presses(
        &mut term,
        &mut app,
        "list: move (j/k, PgDn, g/G)",
        &moves,
    ));

    let mut filter = vec![key(KeyCode::Char('/'))];
    filter.extend(typed("fn12"));
    filter.extend(vec![key(KeyCode::Backspace); 3]);
    filter.extend(typed("queue"));
    filter.push(key(KeyCode::Enter));
    filter.push(key(KeyCode::Esc));
    out.push(presses(
        &mut term,
        &mut app,
        "list: type a filter (/)",
        &filter,
    ));

    let mut jump = vec![key(KeyCode::Char(':'))];
    jump.extend(typed("sqs"));
    jump.push(key(KeyCode::Enter));
    out.push(presses(
        &mut term,
        &mut app,
        "list: jump to a type (:)",
        &jump,
    ));

    out.push(presses(
        &mut term,
        &mut app,
        "list: open the action menu",
        &[key(KeyCode::Enter), key(KeyCode::Esc)],
    ));

    let rows = audit_rows(audit, "Service00Stack-fn0", 1_760_000_000.0);
    open_audit(&mut app, rows, audit / 50);
    frame(&mut term, &app);
    let mut audit_moves = vec![key(KeyCode::Down); 200];
    audit_moves.extend(vec![key(KeyCode::PageDown); 50]);
    audit_moves.extend([key(KeyCode::End), key(KeyCode::Home)]);
    out.push(presses(
        &mut term,
        &mut app,
        &format!("audit ({audit} rows): move"),
        &audit_moves,
    ));
    out.push(presses(
        &mut term,
        &mut app,
        "audit: c (cross-account only) on/off",
        &[key(KeyCode::Char('c')), key(KeyCode::Char('c'))],
    ));
    let mut audit_filter = vec![key(KeyCode::Char('/'))];
    audit_filter.extend(typed("update"));
    audit_filter.extend(vec![key(KeyCode::Backspace); 6]);
    audit_filter.push(key(KeyCode::Enter));
    out.push(presses(
        &mut term,
        &mut app,
        "audit: type a filter (/)",
        &audit_filter,
    ));

    // A page arriving while the table is on screen.
    let more = audit_rows(50, "Service00Stack-fn0", 1_750_000_000.0);
    let id = match &app.views.last() {
        Some(super::views::View::Audit(a)) => a.load.pending(),
        _ => None,
    };
    let start = Instant::now();
    if let Some(id) = id {
        app.receive(Msg::AuditPage {
            id,
            page: AuditPage {
                rows: more,
                requests: audit / 50 + 1,
                events_seen: audit * 2 + 100,
                done: false,
            },
        });
    }
    frame(&mut term, &app);
    out.push(Timing {
        name: "audit: a page of 50 rows arrives".into(),
        samples: vec![start.elapsed()],
    });
    // The refresh answer for the whole list arriving.
    let (_, deployment) = synthetic_app(10, resources);
    app.act(Action::Back);
    app.act(Action::Back);
    app.act(Action::Refresh);
    let start = Instant::now();
    for e in app.take_effects() {
        if let Effect::Lookup { id, .. } = e {
            app.receive(Msg::Deployment {
                id,
                deployment: deployment.clone(),
            });
        }
    }
    frame(&mut term, &app);
    out.push(Timing {
        name: format!("list: new physical ids for {resources} resources arrive"),
        samples: vec![start.elapsed()],
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_app_lists_every_resource_under_its_stack() {
        let (model, deployment) = synthetic_app(3, 100);
        let app = settled(model, deployment, Header::default(), Theme { color: false });
        assert_eq!(app.list.rows.len(), 103);
        assert!(app.list.rows[0].is_stack);
        // Under the stack, labelled with the grouping level that is not a row (`group0/...`).
        assert_eq!(app.list.rows[1].depth, 1);
        let timings = run(300, 200, 80, 24);
        assert!(timings.iter().all(|t| !t.samples.is_empty()));
    }
}
