//! Log lines from CloudWatch Logs, for a Lambda function (its `LoggingConfig.LogGroup`, else
//! `/aws/lambda/NAME`) or a REST API stage (its execution and access log groups): the history of
//! a window (FilterLogEvents, all pages, streams and groups interleaved, oldest first), following
//! new lines (Live Tail, else polling), and lines parsed enough to show who (request id) and what
//! (START/END/REPORT summarized).
//!
//! Following is one API for both front ends: [`follow`] starts a background task and hands back a
//! [`Follow`], a channel of [`FollowEvent`]s: which way lines come ([`FollowMode::Live`] or
//! [`FollowMode::Polling`], with why), the lines, and notes. [`render`] gives a line as one
//! sanitized text line. Dropping the [`Follow`] stops the task and closes the Live Tail session.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::{ActionError, Subject};
use crate::aws::{Aws, LIVE_TAIL_MAX_GROUPS, LiveTailEnd, LiveTailUpdate, LogEvent, LogQuery};
use crate::kind::ResourceKind;
use crate::sanitize;
use crate::time::iso_ms;

/// How often polling asks FilterLogEvents for new lines.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How far back each poll looks again, for lines that reach CloudWatch late; the ids seen in
/// this window are remembered so nothing is printed twice.
const LOOKBACK_MS: i64 = 30_000;

/// Where a resource's lines are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTarget {
    /// Whose lines: a function's name, or `API_ID/STAGE`.
    pub owner: String,
    pub region: String,
    /// The log groups read (a function has one; a REST API stage up to two).
    pub groups: Vec<String>,
    /// For the groups' ARNs (Live Tail names groups by ARN).
    #[serde(skip)]
    pub account: Option<String>,
    #[serde(skip)]
    pub partition: String,
    /// Said on stderr: how the group was found, or why the default was assumed.
    #[serde(skip)]
    pub note: Option<String>,
}

impl LogTarget {
    /// The groups, for messages: `/aws/lambda/f`, or `A, B`.
    pub fn groups_text(&self) -> String {
        sanitize::line(&self.groups.join(", ")).into_owned()
    }
}

/// The default log group of a function.
pub fn default_group(function: &str) -> String {
    format!("/aws/lambda/{function}")
}

/// The log group of a Lambda function: GetFunction's `LoggingConfig.LogGroup`, else
/// `/aws/lambda/NAME` (also when the configuration cannot be read, with a note saying so).
/// A REST API: see [`api_log_target`].
pub async fn log_target(aws: &Aws, subject: &Subject) -> Result<LogTarget, ActionError> {
    if ResourceKind::ApiGatewayRestApi.is(&subject.cfn_type) {
        return api_log_target(aws, subject, None).await;
    }
    if !ResourceKind::LambdaFunction.is(&subject.cfn_type) {
        return Err(ActionError::WrongType {
            action: "logs",
            construct: subject.construct_path.clone(),
            cfn_type: subject.cfn_type.clone(),
            expected: "a Lambda function (AWS::Lambda::Function) or a REST API (AWS::ApiGateway::RestApi)",
        });
    }
    let function = subject.require_physical_id()?.to_string();
    let region = subject.require_region()?.to_string();
    let (group, note) = match aws.get_function(&region, &function).await {
        Ok(c) => match c.log_group {
            Some(g) => (
                g,
                Some("log group from the function's LoggingConfig".to_string()),
            ),
            None => (default_group(&function), None),
        },
        Err(e) => (
            default_group(&function),
            Some(format!(
                "cannot read the function's configuration ({e}); assuming its default log group"
            )),
        ),
    };
    Ok(LogTarget {
        owner: function,
        region,
        groups: vec![group],
        account: subject.account.clone(),
        partition: subject.partition.clone(),
        note,
    })
}

/// The execution log group API Gateway writes a stage's execution logs to.
pub fn execution_log_group(api_id: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{stage}")
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` -> `NAME`; not an ARN: as it is.
pub fn log_group_of(arn: &str) -> String {
    match arn.split_once(":log-group:") {
        Some((_, rest)) => rest.trim_end_matches(":*").to_string(),
        None => arn.to_string(),
    }
}

/// A REST API's log groups: for its stage `stage` (else every stage), the execution log group
/// (`API-Gateway-Execution-Logs_{restApiId}/{stage}`) when the stage's method settings log, and
/// the access log group its `AccessLogSettings` name. An API whose stages log nothing is an
/// error that says how to turn logging on.
pub async fn api_log_target(
    aws: &Aws,
    subject: &Subject,
    stage: Option<&str>,
) -> Result<LogTarget, ActionError> {
    let api = subject.require_physical_id()?.to_string();
    let region = subject.require_region()?.to_string();
    let stages = aws.get_stages(&region, &api).await?;
    let chosen: Vec<&crate::aws::RestApiStage> = match stage {
        Some(name) => {
            let found: Vec<_> = stages.iter().filter(|s| s.name == name).collect();
            if found.is_empty() {
                let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
                return Err(ActionError::Input(format!(
                    "API {api} has no stage {}; its stages: {}",
                    sanitize::line(name),
                    sanitize::line(&names.join(", "))
                )));
            }
            found
        }
        None => stages.iter().collect(),
    };
    let mut groups: Vec<String> = Vec::new();
    let mut said = Vec::new();
    for s in &chosen {
        if let Some(level) = &s.execution_logging {
            groups.push(execution_log_group(&api, &s.name));
            said.push(format!("{} execution logs ({level})", s.name));
        }
        if let Some(dest) = &s.access_log_destination {
            let g = log_group_of(dest);
            if !groups.contains(&g) {
                groups.push(g);
            }
            said.push(format!("{} access logs", s.name));
        }
    }
    if groups.is_empty() {
        let stage = chosen.first().map_or("STAGE", |s| s.name.as_str());
        return Err(ActionError::Input(format!(
            "no stage of API {api}{} logs: turn on execution logging (aws apigateway update-stage --rest-api-id {api} --stage-name {stage} --patch-operations op=replace,path=/*/*/logging/loglevel,value=INFO) or access logging (op=replace,path=/accessLogSettings/destinationArn,value=LOG_GROUP_ARN)",
            if chosen.len() == 1 {
                format!(" ({} stage)", sanitize::line(stage))
            } else {
                String::new()
            }
        )));
    }
    Ok(LogTarget {
        owner: format!(
            "API {api}{}",
            stage.map(|s| format!(" stage {s}")).unwrap_or_default()
        ),
        region,
        groups,
        account: subject.account.clone(),
        partition: subject.partition.clone(),
        note: Some(format!("reading {}", said.join(", "))),
    })
}

/// Which lines: a window, and a filter pattern or a request id.
#[derive(Debug, Clone, Default)]
pub struct LogsRequest {
    /// Milliseconds since the epoch.
    pub since_ms: i64,
    /// `None`: up to now (and, following, onwards).
    pub until_ms: Option<i64>,
    /// A CloudWatch Logs filter pattern.
    pub filter: Option<String>,
    /// Only this invocation's lines.
    pub request_id: Option<String>,
}

impl LogsRequest {
    fn query(&self, group: &str, start_ms: i64) -> LogQuery {
        let pattern = match &self.request_id {
            // A quoted term: the id as a phrase, wherever it is in the line.
            Some(id) => Some(format!("\"{}\"", id.replace('"', ""))),
            None => self.filter.clone(),
        };
        LogQuery {
            group: group.to_string(),
            start_ms,
            end_ms: self.until_ms,
            pattern,
        }
    }

    fn wants(&self, line: &LogLine) -> bool {
        match &self.request_id {
            Some(id) => line.request_id.as_deref() == Some(id) || line.message.contains(id),
            None => true,
        }
    }
}

/// What kind of line: the runtime's START/END/REPORT, or the function's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Start,
    End,
    Report,
    Log,
}

/// The figures of a REPORT line (or a JSON `platform.report` record).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub duration_ms: Option<f64>,
    pub billed_ms: Option<f64>,
    pub memory_mb: Option<f64>,
    pub max_memory_mb: Option<f64>,
    pub init_ms: Option<f64>,
}

/// One log event, parsed. `message` is the text as stored (a JSON string escapes it; the text
/// rendering sanitizes it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// ISO 8601, UTC, milliseconds.
    pub time: String,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub stream: Option<String>,
    pub request_id: Option<String>,
    pub kind: LineKind,
    pub message: String,
    pub report: Option<Report>,
    pub event_id: Option<String>,
}

impl LogLine {
    /// The line as people read it, sanitized: `TIME  WHO  MESSAGE`, WHO being the request id's
    /// first 8 characters, else the stream; START/END/REPORT summarized.
    pub fn text(&self) -> String {
        let l = self;
        let who = match (&l.request_id, &l.stream) {
            (Some(id), _) => id.chars().take(8).collect::<String>(),
            (None, Some(s)) => s.clone(),
            (None, None) => "-".to_string(),
        };
        let what = match (l.kind, &l.report) {
            (LineKind::Start, _) => "START".to_string(),
            (LineKind::End, _) => "END".to_string(),
            (LineKind::Report, Some(r)) => {
                let mut parts = vec!["REPORT".to_string()];
                let ms = |v: f64| {
                    if v.fract() == 0.0 {
                        format!("{v:.0} ms")
                    } else {
                        format!("{v:.2} ms")
                    }
                };
                if let Some(v) = r.duration_ms {
                    parts.push(format!("duration {}", ms(v)));
                }
                if let Some(v) = r.billed_ms {
                    parts.push(format!("billed {}", ms(v)));
                }
                match (r.max_memory_mb, r.memory_mb) {
                    (Some(used), Some(size)) => {
                        parts.push(format!("memory {used:.0}/{size:.0} MB"))
                    }
                    (None, Some(size)) => parts.push(format!("memory {size:.0} MB")),
                    (Some(used), None) => parts.push(format!("memory {used:.0} MB used")),
                    (None, None) => {}
                }
                if let Some(v) = r.init_ms {
                    parts.push(format!("init {}", ms(v)));
                }
                parts.join("  ")
            }
            _ => message_text(l),
        };
        format!(
            "{}  {}  {}",
            l.time,
            sanitize::line(&who),
            sanitize::line(&what)
        )
    }
}

/// The message without what the line already shows: a runtime's `TIME\tREQUEST_ID\t` prefix
/// or API Gateway's `(REQUEST_ID) ` goes, other tabs become two spaces.
fn message_text(l: &LogLine) -> String {
    if let Some(id) = &l.request_id
        && let Some(rest) = l
            .message
            .strip_prefix('(')
            .and_then(|m| m.strip_prefix(id.as_str()))
            .and_then(|m| m.strip_prefix(") "))
    {
        return rest.replace('\t', "  ");
    }
    let mut fields: Vec<&str> = l.message.split('\t').collect();
    if fields.len() >= 3 && l.request_id.as_deref() == Some(fields[1]) {
        fields.drain(..2);
    }
    fields.join("  ")
}

/// Reads the request id and START/END/REPORT out of a Lambda log line (text or JSON format).
pub fn parse_line(ev: LogEvent) -> LogLine {
    let text = ev.message.trim_end_matches(['\n', '\r']);
    let (kind, request_id, report) = classify(text);
    LogLine {
        time: iso_ms(ev.timestamp),
        timestamp: ev.timestamp,
        stream: ev.stream,
        request_id,
        kind,
        message: text.to_string(),
        report,
        event_id: ev.event_id,
    }
}

fn classify(text: &str) -> (LineKind, Option<String>, Option<Report>) {
    if let Some(rest) = text.strip_prefix("START RequestId: ") {
        return (LineKind::Start, first_word(rest), None);
    }
    if let Some(rest) = text.strip_prefix("END RequestId: ") {
        return (LineKind::End, first_word(rest), None);
    }
    if let Some(rest) = text.strip_prefix("REPORT RequestId: ") {
        return (
            LineKind::Report,
            first_word(rest),
            Some(report_fields(rest)),
        );
    }
    if text.starts_with('{')
        && let Ok(v) = serde_json::from_str::<Value>(text)
    {
        return classify_json(&v);
    }
    // API Gateway execution logs: `(REQUEST_ID) message`.
    if let Some(rest) = text.strip_prefix('(')
        && let Some((id, _)) = rest.split_once(") ")
        && looks_like_request_id(id)
    {
        return (LineKind::Log, Some(id.to_string()), None);
    }
    // Node and Python runtimes: `TIME\tREQUEST_ID\tLEVEL\tmessage`.
    let mut fields = text.splitn(3, '\t');
    let (Some(_time), Some(id)) = (fields.next(), fields.next()) else {
        return (LineKind::Log, None, None);
    };
    (
        LineKind::Log,
        looks_like_request_id(id).then(|| id.to_string()),
        None,
    )
}

fn looks_like_request_id(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn first_word(s: &str) -> Option<String> {
    s.split_whitespace()
        .next()
        .filter(|w| !w.is_empty())
        .map(str::to_string)
}

fn report_fields(rest: &str) -> Report {
    let mut r = Report::default();
    for field in rest.split('\t') {
        let Some((name, value)) = field.split_once(':') else {
            continue;
        };
        let number = value
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<f64>().ok());
        match name.trim() {
            "Duration" => r.duration_ms = number,
            "Billed Duration" => r.billed_ms = number,
            "Memory Size" => r.memory_mb = number,
            "Max Memory Used" => r.max_memory_mb = number,
            "Init Duration" => r.init_ms = number,
            _ => {}
        }
    }
    r
}

/// Lambda's JSON log format: `platform.start|report|runtimeDone` records and the function's
/// `{"requestId": ...}` lines.
fn classify_json(v: &Value) -> (LineKind, Option<String>, Option<Report>) {
    let record = v.get("record");
    let id = record
        .and_then(|r| r.get("requestId"))
        .or_else(|| v.get("requestId"))
        .and_then(Value::as_str)
        .map(str::to_string);
    match v.get("type").and_then(Value::as_str) {
        Some("platform.start") => (LineKind::Start, id, None),
        Some("platform.runtimeDone") => (LineKind::End, id, None),
        Some("platform.report") => {
            let m = record.and_then(|r| r.get("metrics"));
            let num = |k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_f64);
            let report = Report {
                duration_ms: num("durationMs"),
                billed_ms: num("billedDurationMs"),
                memory_mb: num("memorySizeMB"),
                max_memory_mb: num("maxMemoryUsedMB"),
                init_ms: num("initDurationMs"),
            };
            (LineKind::Report, id, Some(report))
        }
        _ => (LineKind::Log, id, None),
    }
}

fn missing_group(target: &LogTarget, group: &str) -> ActionError {
    ActionError::Input(format!(
        "log group {} does not exist in {}: {} has not logged yet, or logs elsewhere",
        sanitize::line(group),
        target.region,
        sanitize::line(&target.owner)
    ))
}

/// What a history read: how many lines, and the groups that do not exist (skipped when others
/// do; when none does, the read is an error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryRead {
    pub lines: usize,
    pub missing: Vec<String>,
}

/// One group's FilterLogEvents pages, a page buffered at a time.
struct Cursor {
    query: LogQuery,
    token: Option<String>,
    pages: crate::bounds::Pages,
    buffered: VecDeque<LogEvent>,
    done: bool,
    missing: bool,
}

impl Cursor {
    fn new(query: LogQuery) -> Cursor {
        Cursor {
            query,
            token: None,
            pages: crate::bounds::Pages::new("logs:FilterLogEvents"),
            buffered: VecDeque::new(),
            done: false,
            missing: false,
        }
    }

    /// Reads pages until one has events or the listing is over.
    async fn fill(&mut self, aws: &Aws, region: &str) -> Result<(), ActionError> {
        while self.buffered.is_empty() && !self.done {
            match aws
                .filter_log_page(region, &self.query, self.token.take())
                .await?
            {
                None => {
                    self.missing = true;
                    self.done = true;
                }
                Some(page) => {
                    self.buffered.extend(page.events);
                    match self
                        .pages
                        .next(page.next_token)
                        .map_err(|e| ActionError::Input(e.to_string()))?
                    {
                        Some(t) => self.token = Some(t),
                        None => self.done = true,
                    }
                }
            }
        }
        Ok(())
    }
}

/// Every group's lines of a window, interleaved, oldest first; memory holds a page per group,
/// whatever the window.
struct Merged {
    cursors: Vec<Cursor>,
}

impl Merged {
    fn new(target: &LogTarget, req: &LogsRequest, from_ms: i64) -> Merged {
        Merged {
            cursors: target
                .groups
                .iter()
                .map(|g| Cursor::new(req.query(g, from_ms)))
                .collect(),
        }
    }

    async fn next(&mut self, aws: &Aws, region: &str) -> Result<Option<LogEvent>, ActionError> {
        for c in self.cursors.iter_mut() {
            c.fill(aws, region).await?;
        }
        // The group whose next event is the oldest (the first such group on a tie).
        let next = self
            .cursors
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.buffered.front().map(|e| (e.timestamp, i)))
            .min();
        Ok(next.and_then(|(_, i)| self.cursors[i].buffered.pop_front()))
    }

    fn missing(&self) -> Vec<String> {
        self.cursors
            .iter()
            .filter(|c| c.missing)
            .map(|c| c.query.group.clone())
            .collect()
    }

    /// What was read; an error when no group exists.
    fn read(&self, target: &LogTarget, lines: usize) -> Result<HistoryRead, ActionError> {
        let missing = self.missing();
        if missing.len() == self.cursors.len()
            && let Some(first) = missing.first()
        {
            return Err(missing_group(target, first));
        }
        Ok(HistoryRead { lines, missing })
    }
}

/// The lines of the window from every group of the target, interleaved, oldest first, handed
/// to `each` as they are read.
pub async fn history(
    aws: &Aws,
    target: &LogTarget,
    req: &LogsRequest,
    mut each: impl FnMut(&LogLine) -> std::io::Result<()>,
) -> Result<HistoryRead, ActionError> {
    let mut merged = Merged::new(target, req, req.since_ms);
    let mut lines = 0;
    while let Some(ev) = merged.next(aws, &target.region).await? {
        let line = parse_line(ev);
        if req.wants(&line) {
            lines += 1;
            each(&line).map_err(output_error)?;
        }
    }
    merged.read(target, lines)
}

fn output_error(e: std::io::Error) -> ActionError {
    ActionError::Input(format!("cannot write the log lines: {e}"))
}

/// De-duplication while polling: the ids of the lines already shown, back to the look-back.
#[derive(Debug, Default)]
pub struct Seen {
    ids: HashMap<String, i64>,
    newest_ms: i64,
}

impl Seen {
    fn key(line: &LogLine) -> String {
        match &line.event_id {
            Some(id) => id.clone(),
            None => content_key(line),
        }
    }

    /// True the first time a line is offered.
    pub fn first_time(&mut self, line: &LogLine) -> bool {
        self.newest_ms = self.newest_ms.max(line.timestamp);
        self.ids.insert(Self::key(line), line.timestamp).is_none()
    }

    /// Where the next poll starts; forgets what is older.
    pub fn next_start(&mut self, since_ms: i64) -> i64 {
        let start = since_ms.max(self.newest_ms - LOOKBACK_MS);
        self.ids.retain(|_, ts| *ts >= start);
        start
    }
}

/// A line by what it says (Live Tail's events have no event id).
fn content_key(line: &LogLine) -> String {
    format!(
        "{}\u{0}{}\u{0}{}",
        line.stream.as_deref().unwrap_or(""),
        line.timestamp,
        line.message
    )
}

/// Lines already shown by one source that another may show again (the history before a Live
/// Tail session, a session before the gap filled after it): each is skipped once.
#[derive(Debug, Default)]
struct Overlap {
    keys: HashMap<String, (u32, i64)>,
}

impl Overlap {
    fn add(&mut self, line: &LogLine) {
        let e = self
            .keys
            .entry(content_key(line))
            .or_insert((0, line.timestamp));
        e.0 += 1;
    }

    /// True (once per time it was added) when the line was already shown.
    fn take(&mut self, line: &LogLine) -> bool {
        let key = content_key(line);
        match self.keys.get_mut(&key) {
            Some((n, _)) if *n > 1 => {
                *n -= 1;
                true
            }
            Some(_) => {
                self.keys.remove(&key);
                true
            }
            None => false,
        }
    }

    /// Adds every line `other` holds.
    fn absorb(&mut self, other: &Overlap) {
        for (key, (n, ts)) in &other.keys {
            let e = self.keys.entry(key.clone()).or_insert((0, *ts));
            e.0 += n;
        }
    }

    /// Forgets lines older than `ms`.
    fn forget_before(&mut self, ms: i64) {
        self.keys.retain(|_, (_, ts)| *ts >= ms);
    }
}

/// Which way new lines come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FollowMode {
    /// CloudWatch Logs Live Tail (StartLiveTail): lines as they are ingested.
    Live,
    /// FilterLogEvents every [`POLL_INTERVAL`].
    Polling,
}

impl FollowMode {
    pub fn name(self) -> &'static str {
        match self {
            FollowMode::Live => "live",
            FollowMode::Polling => "polling",
        }
    }
}

/// What a [`Follow`] delivers, in order. Texts are sanitized for a terminal.
#[derive(Debug)]
pub enum FollowEvent {
    /// From now on lines come this way; `note` says how (and, polling, why not live).
    Mode { mode: FollowMode, note: String },
    /// A line (the window's history first, then new ones).
    Line(LogLine),
    /// Something to tell the user: a session reconnected, lines sampled, a group missing.
    Note(String),
    /// Following stopped: a call failed. Nothing comes after this.
    Failed(ActionError),
}

/// A running follow: its events arrive on a channel; dropping it stops the work and closes the
/// Live Tail session.
#[derive(Debug)]
pub struct Follow {
    events: mpsc::Receiver<FollowEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl Follow {
    /// The next event; `None` once following has stopped (after [`FollowEvent::Failed`]).
    pub async fn recv(&mut self) -> Option<FollowEvent> {
        self.events.recv().await
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Follows the target's groups: the window's lines, then new ones as they arrive. Live Tail
/// when it can be used (at most [`LIVE_TAIL_MAX_GROUPS`] groups, the account known, the session
/// starts), reconnecting when a session ends (AWS ends them after three hours) and filling the
/// gap from FilterLogEvents; polling otherwise. Runs on the current tokio runtime.
pub fn follow(aws: Aws, target: LogTarget, req: LogsRequest) -> Follow {
    let (tx, events) = mpsc::channel(256);
    let task = tokio::spawn(async move {
        let out = Out { tx };
        if let Err(Stop::Failed(e)) = run_follow(&aws, &target, &req, &out).await {
            let _ = out.tx.send(FollowEvent::Failed(e)).await;
        }
    });
    Follow { events, task }
}

/// Why following stopped.
enum Stop {
    /// The receiver went away: nothing to report to.
    Gone,
    Failed(ActionError),
}

impl From<ActionError> for Stop {
    fn from(e: ActionError) -> Stop {
        Stop::Failed(e)
    }
}

struct Out {
    tx: mpsc::Sender<FollowEvent>,
}

impl Out {
    async fn send(&self, ev: FollowEvent) -> Result<(), Stop> {
        self.tx.send(ev).await.map_err(|_| Stop::Gone)
    }

    async fn note(&self, text: String) -> Result<(), Stop> {
        self.send(FollowEvent::Note(sanitize::line(&text).into_owned()))
            .await
    }
}

/// The groups' ARNs for Live Tail, or why Live Tail cannot be used.
fn live_tail_groups(target: &LogTarget) -> Result<Vec<String>, String> {
    if target.groups.len() > LIVE_TAIL_MAX_GROUPS {
        return Err(format!(
            "{} log groups; a Live Tail session follows at most {LIVE_TAIL_MAX_GROUPS}",
            target.groups.len()
        ));
    }
    let account = target
        .account
        .as_deref()
        .ok_or("the account of the log groups is not known")?;
    Ok(target
        .groups
        .iter()
        .map(|g| crate::aws::log_group_arn(&target.partition, &target.region, account, g))
        .collect())
}

async fn run_follow(
    aws: &Aws,
    target: &LogTarget,
    req: &LogsRequest,
    out: &Out,
) -> Result<(), Stop> {
    let pattern = req.query("", 0).pattern;
    let arns = live_tail_groups(target);
    // The session starts before the history is read, so no line falls between the two.
    let started_ms = crate::time::now_ms();
    let session = match &arns {
        Ok(arns) => aws
            .start_live_tail(&target.region, arns, pattern.as_deref())
            .await
            .map_err(|e| e.to_string()),
        Err(why) => Err(why.clone()),
    };
    let (mut tail, arns) = match (session, arns) {
        (Ok(tail), Ok(arns)) => (tail, arns),
        (Err(why), _) | (Ok(_), Err(why)) => {
            out.send(FollowEvent::Mode {
                mode: FollowMode::Polling,
                note: sanitize::line(&format!(
                    "polling FilterLogEvents every {}s: Live Tail cannot be used ({why})",
                    POLL_INTERVAL.as_secs()
                ))
                .into_owned(),
            })
            .await?;
            return poll(aws, target, req, out, req.since_ms, &mut Seen::default()).await;
        }
    };
    out.send(FollowEvent::Mode {
        mode: FollowMode::Live,
        note: "Live Tail (StartLiveTail): lines as CloudWatch Logs ingests them".to_string(),
    })
    .await?;
    // The window's history; a line of it that the session also delivers is shown once.
    let mut overlap = Overlap::default();
    let mut recent = Overlap::default();
    let read = send_history(
        aws,
        target,
        req,
        req.since_ms,
        out,
        &mut Overlap::default(),
        &mut overlap,
    )
    .await?;
    recent.absorb(&overlap);
    for g in &read.missing {
        out.note(format!("log group {g} does not exist yet"))
            .await?;
    }
    let mut warned_sampled = false;
    let mut newest_ms = started_ms;
    overlap.forget_before(started_ms - LOOKBACK_MS);
    loop {
        match tail.next().await {
            LiveTailUpdate::Events { events, sampled } => {
                if sampled && !warned_sampled {
                    warned_sampled = true;
                    out.note(
                        "Live Tail sends a sample: more than 500 lines a second match".to_string(),
                    )
                    .await?;
                }
                for ev in events {
                    let line = parse_line(ev);
                    if !req.wants(&line) || overlap.take(&line) {
                        continue;
                    }
                    newest_ms = newest_ms.max(line.timestamp);
                    recent.add(&line);
                    out.send(FollowEvent::Line(line)).await?;
                }
                recent.forget_before(newest_ms - LOOKBACK_MS);
                overlap.forget_before(newest_ms - LOOKBACK_MS);
            }
            LiveTailUpdate::Ended(end) => {
                let why = match end {
                    LiveTailEnd::TimedOut => "the session reached its 3-hour limit".to_string(),
                    LiveTailEnd::Lost(why) => why,
                };
                let gap_from = newest_ms.min(crate::time::now_ms()) - LOOKBACK_MS;
                match aws
                    .start_live_tail(&target.region, &arns, pattern.as_deref())
                    .await
                {
                    Ok(next) => {
                        tail = next;
                        out.note(format!("Live Tail session ended ({why}); reconnected"))
                            .await?;
                        // Lines written while no session was open, each shown once.
                        overlap = Overlap::default();
                        send_history(
                            aws,
                            target,
                            req,
                            gap_from.max(req.since_ms),
                            out,
                            &mut recent,
                            &mut overlap,
                        )
                        .await?;
                        recent = Overlap::default();
                        recent.absorb(&overlap);
                    }
                    Err(e) => {
                        out.send(FollowEvent::Mode {
                            mode: FollowMode::Polling,
                            note: sanitize::line(&format!(
                                "Live Tail session ended ({why}) and cannot restart ({e}); polling FilterLogEvents every {}s",
                                POLL_INTERVAL.as_secs()
                            ))
                            .into_owned(),
                        })
                        .await?;
                        let mut seen = Seen::default();
                        return poll(aws, target, req, out, gap_from.max(req.since_ms), &mut seen)
                            .await;
                    }
                }
            }
        }
    }
}
/// Sends a window's lines (from `from_ms` to now), skipping those `skip` holds (shown before),
/// and adds every line of the window to `shown` (for the source that comes next).
async fn send_history(
    aws: &Aws,
    target: &LogTarget,
    req: &LogsRequest,
    from_ms: i64,
    out: &Out,
    skip: &mut Overlap,
    shown: &mut Overlap,
) -> Result<HistoryRead, Stop> {
    let mut merged = Merged::new(target, req, from_ms);
    let mut lines = 0;
    while let Some(ev) = merged.next(aws, &target.region).await? {
        let line = parse_line(ev);
        if !req.wants(&line) {
            continue;
        }
        shown.add(&line);
        if skip.take(&line) {
            continue;
        }
        lines += 1;
        out.send(FollowEvent::Line(line)).await?;
    }
    Ok(merged.read(target, lines)?)
}

/// Polling: every group's new lines (FilterLogEvents from a little before the newest line
/// seen) every [`POLL_INTERVAL`], until the receiver goes away or a call fails.
async fn poll(
    aws: &Aws,
    target: &LogTarget,
    req: &LogsRequest,
    out: &Out,
    from_ms: i64,
    seen: &mut Seen,
) -> Result<(), Stop> {
    let mut start = from_ms;
    let mut warned_missing = std::collections::HashSet::new();
    loop {
        let mut merged = Merged::new(target, req, start);
        while let Some(ev) = merged.next(aws, &target.region).await? {
            let line = parse_line(ev);
            if req.wants(&line) && seen.first_time(&line) {
                out.send(FollowEvent::Line(line)).await?;
            }
        }
        // Following a resource that has not logged yet: wait for its group.
        for g in merged.missing() {
            if warned_missing.insert(g.clone()) {
                out.note(format!("log group {g} does not exist yet; waiting for it"))
                    .await?;
            }
        }
        start = seen.next_start(from_ms);
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts: i64, msg: &str) -> LogEvent {
        LogEvent {
            timestamp: ts,
            message: msg.to_string(),
            event_id: Some(format!("e{ts}")),
            stream: Some("s".into()),
        }
    }

    #[test]
    fn start_end_report() {
        let id = "8f5c2d4e-1111-2222-3333-444455556666";
        let l = parse_line(ev(0, &format!("START RequestId: {id} Version: $LATEST\n")));
        assert_eq!(
            (l.kind, l.request_id.as_deref()),
            (LineKind::Start, Some(id))
        );
        let l = parse_line(ev(0, &format!("END RequestId: {id}\n")));
        assert_eq!(l.kind, LineKind::End);
        let l = parse_line(ev(
            0,
            &format!(
                "REPORT RequestId: {id}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB\tInit Duration: 150.50 ms\t\n"
            ),
        ));
        assert_eq!(l.kind, LineKind::Report);
        assert_eq!(
            l.report,
            Some(Report {
                duration_ms: Some(12.34),
                billed_ms: Some(13.0),
                memory_mb: Some(128.0),
                max_memory_mb: Some(45.0),
                init_ms: Some(150.5),
            })
        );
        let l = parse_line(ev(
            0,
            &format!("2026-01-01T00:00:00.000Z\t{id}\tINFO\thello\n"),
        ));
        assert_eq!((l.kind, l.request_id.as_deref()), (LineKind::Log, Some(id)));
        assert_eq!(
            l.message,
            format!("2026-01-01T00:00:00.000Z\t{id}\tINFO\thello")
        );
        let l = parse_line(ev(0, "plain print\n"));
        assert_eq!((l.kind, l.request_id), (LineKind::Log, None));
    }

    #[test]
    fn json_format() {
        let l = parse_line(ev(
            0,
            r#"{"time":"x","type":"platform.report","record":{"requestId":"r1","metrics":{"durationMs":2.5,"billedDurationMs":3,"memorySizeMB":128,"maxMemoryUsedMB":40}}}"#,
        ));
        assert_eq!(l.kind, LineKind::Report);
        assert_eq!(l.request_id.as_deref(), Some("r1"));
        assert_eq!(l.report.unwrap().billed_ms, Some(3.0));
        let l = parse_line(ev(0, r#"{"level":"INFO","message":"hi","requestId":"r2"}"#));
        assert_eq!(
            (l.kind, l.request_id.as_deref()),
            (LineKind::Log, Some("r2"))
        );
    }

    #[test]
    fn seen_dedupes_and_forgets() {
        let mut s = Seen::default();
        let a = parse_line(ev(100_000, "a"));
        assert!(s.first_time(&a));
        assert!(!s.first_time(&a));
        assert_eq!(s.next_start(0), 100_000 - LOOKBACK_MS);
        let b = parse_line(ev(200_000, "b"));
        assert!(s.first_time(&b));
        assert_eq!(s.next_start(0), 200_000 - LOOKBACK_MS);
        // `a` is older than the look-back now: forgotten.
        assert_eq!(s.ids.len(), 1);
    }

    #[test]
    fn overlap_skips_each_shown_line_once() {
        let mut o = Overlap::default();
        let a = parse_line(LogEvent {
            event_id: None,
            ..ev(1_000, "same")
        });
        o.add(&a);
        o.add(&a);
        assert!(o.take(&a));
        assert!(o.take(&a));
        // A third identical line is new: it was shown twice, not three times.
        assert!(!o.take(&a));
        o.add(&a);
        o.forget_before(2_000);
        assert!(!o.take(&a));
    }

    #[test]
    fn execution_log_lines_carry_their_request_id() {
        let id = "8f5c2d4e-1111-2222-3333-444455556666";
        let l = parse_line(ev(0, &format!("({id}) Method completed with status: 200")));
        assert_eq!(l.request_id.as_deref(), Some(id));
        assert!(
            l.text()
                .ends_with("8f5c2d4e  Method completed with status: 200")
        );
        assert_eq!(
            log_group_of("arn:aws:logs:us-east-1:1:log-group:access/prod:*"),
            "access/prod"
        );
    }

    #[test]
    fn live_tail_wants_arns_and_at_most_ten_groups() {
        let mut t = LogTarget {
            owner: "f".into(),
            region: "eu-west-1".into(),
            groups: vec!["/aws/lambda/f".into()],
            account: Some("111111111111".into()),
            partition: "aws".into(),
            note: None,
        };
        assert_eq!(
            live_tail_groups(&t).unwrap(),
            ["arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/f"]
        );
        t.groups = (0..11).map(|i| format!("g{i}")).collect();
        assert!(live_tail_groups(&t).unwrap_err().contains("at most 10"));
        t.groups.truncate(1);
        t.account = None;
        assert!(live_tail_groups(&t).is_err());
    }

    #[test]
    fn request_id_pattern_is_a_quoted_term() {
        let req = LogsRequest {
            request_id: Some("ab\"c".into()),
            ..Default::default()
        };
        assert_eq!(req.query("g", 5).pattern.as_deref(), Some("\"abc\""));
    }
}
