//! A Lambda function's log lines from CloudWatch Logs: where they are (the function's
//! `LoggingConfig.LogGroup`, else `/aws/lambda/NAME`), the history of a window (FilterLogEvents,
//! all pages, streams interleaved, oldest first), following new lines by polling, and lines
//! parsed enough to show who (request id) and what (START/END/REPORT summarized).

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::{ActionError, Subject};
use crate::aws::{Aws, LogEvent, LogQuery};
use crate::kind::ResourceKind;
use crate::sanitize;
use crate::time::iso_ms;

/// How often `--follow` asks FilterLogEvents for new lines.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How far back each poll looks again, for lines that reach CloudWatch late; the ids seen in
/// this window are remembered so nothing is printed twice.
const LOOKBACK_MS: i64 = 30_000;

/// Where a function's lines are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTarget {
    pub function: String,
    pub region: String,
    pub group: String,
    /// Said on stderr: how the group was found, or why the default was assumed.
    #[serde(skip)]
    pub note: Option<String>,
}

/// The default log group of a function.
pub fn default_group(function: &str) -> String {
    format!("/aws/lambda/{function}")
}

/// The log group of a Lambda function: GetFunction's `LoggingConfig.LogGroup`, else
/// `/aws/lambda/NAME` (also when the configuration cannot be read, with a note saying so).
pub async fn log_target(aws: &Aws, subject: &Subject) -> Result<LogTarget, ActionError> {
    if !ResourceKind::LambdaFunction.is(&subject.cfn_type) {
        return Err(ActionError::WrongType {
            action: "logs",
            construct: subject.construct_path.clone(),
            cfn_type: subject.cfn_type.clone(),
            expected: "a Lambda function (AWS::Lambda::Function)",
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
        function,
        region,
        group,
        note,
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
/// goes, other tabs become two spaces.
fn message_text(l: &LogLine) -> String {
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
    // Node and Python runtimes: `TIME\tREQUEST_ID\tLEVEL\tmessage`.
    let mut fields = text.splitn(3, '\t');
    let (Some(_time), Some(id)) = (fields.next(), fields.next()) else {
        return (LineKind::Log, None, None);
    };
    let looks_like_id = id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    (LineKind::Log, looks_like_id.then(|| id.to_string()), None)
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

fn missing_group(target: &LogTarget) -> ActionError {
    ActionError::Input(format!(
        "log group {} does not exist in {}: {} has not logged yet, or logs elsewhere",
        target.group, target.region, target.function
    ))
}

/// The lines of the window, oldest first, handed to `each` a page at a time (so memory does
/// not grow with the window). Returns how many lines were handed over.
pub async fn history(
    aws: &Aws,
    target: &LogTarget,
    req: &LogsRequest,
    mut each: impl FnMut(&LogLine) -> std::io::Result<()>,
) -> Result<usize, ActionError> {
    let query = req.query(&target.group, req.since_ms);
    let mut token = None;
    let mut count = 0;
    loop {
        let page = aws
            .filter_log_page(&target.region, &query, token.take())
            .await?
            .ok_or_else(|| missing_group(target))?;
        for ev in page.events {
            let line = parse_line(ev);
            if req.wants(&line) {
                count += 1;
                each(&line).map_err(output_error)?;
            }
        }
        match page.next_token {
            Some(t) => token = Some(t),
            None => return Ok(count),
        }
    }
}

fn output_error(e: std::io::Error) -> ActionError {
    ActionError::Input(format!("cannot write the log lines: {e}"))
}

/// De-duplication while following: the ids of the lines already shown, back to the look-back.
#[derive(Debug, Default)]
pub struct Seen {
    ids: HashMap<String, i64>,
    newest_ms: i64,
}

impl Seen {
    fn key(line: &LogLine) -> String {
        match &line.event_id {
            Some(id) => id.clone(),
            None => format!(
                "{}\u{0}{}\u{0}{}",
                line.stream.as_deref().unwrap_or(""),
                line.timestamp,
                line.message
            ),
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

/// The window's lines, then new ones as they arrive (FilterLogEvents every [`POLL_INTERVAL`]),
/// until `each` fails (the reader went away) or a call fails.
pub async fn follow(
    aws: &Aws,
    target: &LogTarget,
    req: &LogsRequest,
    mut each: impl FnMut(&LogLine) -> std::io::Result<()>,
) -> Result<(), ActionError> {
    let mut seen = Seen::default();
    let mut start = req.since_ms;
    let mut warned_missing = false;
    loop {
        let query = req.query(&target.group, start);
        let mut token = None;
        loop {
            let Some(page) = aws
                .filter_log_page(&target.region, &query, token.take())
                .await?
            else {
                // Following a function that has not logged yet: wait for its group.
                if !warned_missing {
                    eprintln!(
                        "log group {} does not exist yet; waiting for it",
                        crate::sanitize::line(&target.group)
                    );
                    warned_missing = true;
                }
                break;
            };
            for ev in page.events {
                let line = parse_line(ev);
                if req.wants(&line) && seen.first_time(&line) {
                    each(&line).map_err(output_error)?;
                }
            }
            match page.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        start = seen.next_start(req.since_ms);
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
    fn request_id_pattern_is_a_quoted_term() {
        let req = LogsRequest {
            request_id: Some("ab\"c".into()),
            ..Default::default()
        };
        assert_eq!(req.query("g", 5).pattern.as_deref(), Some("\"abc\""));
    }
}
