//! The messages between the app and its background work: the [`Effect`]s a key or an answer
//! asks the event loop to carry out, the [`Msg`]s background tasks send back, the [`RequestId`]
//! that ties an answer to the view that asked, and [`Load`], the state of one request as its
//! view shows it.

use std::sync::Arc;

use crate::actions::Subject;
use crate::actions::audit::{Audit, AuditPage};
use crate::actions::describe::Description;
use crate::actions::invocations::{Invocation, InvocationReport, Progress};
use crate::actions::invoke::InvokeResult;
use crate::actions::listing::{Listing, ListingRequest};
use crate::actions::logs::LogLine;
use crate::actions::metrics::{Activity, ActivityTarget, MetricsReport};
use crate::actions::probe::{ProbeRequest, ProbeResult};
use crate::aws::Aws;
use crate::catalogue::{Command, NativeAction};
use crate::deployed::Deployment;
use crate::model::StackIdx;

/// Identifies one background request; answers carry it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// Kinds of background work. Starting one aborts the previous of its kind: the latest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Lookup,
    Describe,
    Invoke,
    Audit,
    Probe,
    Invocations,
    Logs,
    Listing,
    /// The list's activity column (sparklines).
    Activity,
    /// A function's or an API's metrics: the metrics view's, describe's panel's.
    Metrics,
    MetricsPanel,
}

/// A running audit, handed back between batches so "load more" continues where it stopped.
pub struct AuditCursor(pub Box<Audit>);

impl std::fmt::Debug for AuditCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditCursor({:?})", self.0.names())
    }
}

/// What a background task sends back.
#[derive(Debug)]
pub enum Msg {
    Connected(Aws),
    Deployment {
        id: RequestId,
        deployment: Deployment,
    },
    Described {
        id: RequestId,
        result: Result<Description, String>,
    },
    Invoked {
        id: RequestId,
        result: Result<InvokeResult, String>,
    },
    AuditPage {
        id: RequestId,
        page: AuditPage,
    },
    /// A batch is loaded; more can be asked for with the cursor.
    AuditPaused {
        id: RequestId,
        cursor: AuditCursor,
    },
    /// No more pages (`Ok`), or the audit failed.
    AuditEnded {
        id: RequestId,
        result: Result<(), String>,
    },
    Opened {
        url: String,
        result: Result<(), String>,
    },
    Probed {
        id: RequestId,
        result: Result<Box<ProbeResult>, String>,
    },
    /// Calls found so far, and the counts.
    InvocationsFound {
        id: RequestId,
        progress: Progress,
        calls: Vec<Invocation>,
    },
    InvocationsDone {
        id: RequestId,
        result: Result<Box<InvocationReport>, String>,
    },
    /// The log group is found; its lines follow, arriving as `feed` says.
    LogsFollowing {
        id: RequestId,
        group: String,
        feed: Feed,
    },
    /// Log lines, oldest first: the window's, then each new one.
    LogLines {
        id: RequestId,
        lines: Vec<LogLine>,
    },
    /// Following stopped: a call failed (the group is gone, access was refused...).
    LogsEnded {
        id: RequestId,
        error: String,
    },
    /// A built-in listing's answer.
    Listed {
        id: RequestId,
        result: Result<Box<Listing>, String>,
    },
    /// The list's activity column: every function's and API's series of the last hour.
    Activity {
        id: RequestId,
        activity: Box<Activity>,
    },
    /// One resource's metrics over a window.
    Metrics {
        id: RequestId,
        result: Result<Box<MetricsReport>, String>,
    },
    /// A task failed unexpectedly (it panicked); the UI goes on.
    Failed {
        what: &'static str,
        error: String,
    },
}

/// Work for the event loop.
#[derive(Debug)]
pub enum Effect {
    Lookup {
        id: RequestId,
        refresh: bool,
    },
    Describe {
        id: RequestId,
        subject: Subject,
        /// The physical ids known when it was asked, to recognize the app's roles.
        deployment: Arc<Deployment>,
    },
    Invoke {
        id: RequestId,
        subject: Subject,
        payload: Vec<u8>,
    },
    AuditStart {
        id: RequestId,
        subject: Subject,
    },
    AuditMore {
        id: RequestId,
        cursor: AuditCursor,
    },
    Probe {
        id: RequestId,
        subject: Subject,
        request: ProbeRequest,
        stage: Option<String>,
        deployment: Arc<Deployment>,
    },
    Invocations {
        id: RequestId,
        subject: Subject,
        /// Seconds back from now.
        window: f64,
    },
    /// A function's log lines of a window back from now, then new ones as they come, until
    /// cancelled.
    Logs {
        id: RequestId,
        subject: Subject,
        window_ms: i64,
    },
    /// A built-in listing (`ls`, `scan`, `stages`, ...).
    Listing {
        id: RequestId,
        subject: Subject,
        action: NativeAction,
        request: ListingRequest,
    },
    /// The activity of these functions and APIs (each with the stack it belongs to, whose
    /// account's credentials read it), one sum per period over `[since_s, until_s)`.
    Activity {
        id: RequestId,
        targets: Vec<(StackIdx, ActivityTarget)>,
        since_s: i64,
        until_s: i64,
        period_s: i32,
    },
    /// A function's or a REST API's metrics (the `metrics` action) over `[since_s, until_s)`,
    /// in `slot` (the view's or describe's panel's: one does not abort the other).
    Metrics {
        id: RequestId,
        slot: Slot,
        subject: Subject,
        since_s: i64,
        until_s: i64,
        period_s: i32,
    },
    Cancel(Slot),
    OpenBrowser {
        name: String,
        url: String,
    },
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Run a user `exec` command with the terminal (the TUI steps aside meanwhile).
    Exec {
        name: String,
        command: Command,
        subject: Subject,
    },
}

/// How a log view's new lines arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// CloudWatch Logs Live Tail: lines are pushed as they arrive.
    Live,
    /// FilterLogEvents asked again every so many seconds (Live Tail not available).
    Polling { every_secs: u64 },
}

/// The state of one request as its view shows it. The one loading-state model of the TUI:
/// a view whose answer streams in (audit, invocations) keeps what arrived beside it.
#[derive(Debug)]
pub enum Load<T> {
    Loading(RequestId),
    Loaded(T),
    Failed(String),
    Cancelled,
}

impl<T> Load<T> {
    /// The request it waits for, if any.
    pub fn pending(&self) -> Option<RequestId> {
        match self {
            Load::Loading(id) => Some(*id),
            _ => None,
        }
    }

    /// Whether `id` answers the request it waits for (any other answer is stale).
    pub fn waits_for(&self, id: RequestId) -> bool {
        self.pending() == Some(id)
    }

    /// Stops waiting (Esc while it runs); returns whether a request was running.
    pub fn cancel(&mut self) -> bool {
        let running = self.pending().is_some();
        if running {
            *self = Load::Cancelled;
        }
        running
    }

    /// The answer: loaded, or why not.
    pub fn answer(result: Result<T, String>) -> Load<T> {
        match result {
            Ok(v) => Load::Loaded(v),
            Err(e) => Load::Failed(e),
        }
    }
}
