//! The context every view acts and draws in ([`Cx`]): where cdkx points, the app and its
//! physical ids, the status line, the clock, and the queue of [`Effect`]s with the request ids
//! they carry. Views change their own state and ask for work through it; only the app holds the
//! views.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use super::msg::{Effect, RequestId};
use super::theme::Theme;
use crate::actions::Subject;
use crate::aws::Aws;
use crate::catalogue::CommandCatalogue;
use crate::deployed::Deployment;
use crate::model::{self, Resolved};

/// Ticks (10 a second) a message stays in the status line.
const FLASH_TICKS: u64 = 30;
const ERROR_TICKS: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Done,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
    until: u64,
}

/// What the header says about where cdkx points.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub app_dir: String,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub readonly: bool,
}

pub struct Cx {
    pub header: Header,
    pub theme: Theme,
    pub model: Arc<model::App>,
    pub catalogue: Arc<CommandCatalogue>,
    pub deployment: Arc<Deployment>,
    /// The physical-id lookup in flight, if any.
    pub refreshing: Option<RequestId>,
    pub aws: Option<Aws>,
    pub status: Option<Status>,
    pub tick: u64,
    /// Where the drawing put the text cursor (a prompt), if anywhere.
    pub cursor: Cell<Option<(u16, u16)>>,
    /// The request id of the last invoke of each function (by construct path), for its log
    /// view to go to.
    pub invoked: HashMap<String, String>,
    next_id: u64,
    effects: Vec<Effect>,
}

impl Cx {
    pub fn new(
        model: Arc<model::App>,
        catalogue: Arc<CommandCatalogue>,
        deployment: Deployment,
        header: Header,
        theme: Theme,
    ) -> Cx {
        Cx {
            header,
            theme,
            model,
            catalogue,
            deployment: Arc::new(deployment),
            refreshing: None,
            aws: None,
            status: None,
            tick: 0,
            cursor: Cell::new(None),
            invoked: HashMap::new(),
            next_id: 0,
            effects: Vec::new(),
        }
    }

    /// A new request id.
    pub fn id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    /// Queues work for the event loop.
    pub fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// The effects queued since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.set_status(StatusKind::Info, text.into(), FLASH_TICKS * 2);
    }

    pub fn done(&mut self, text: impl Into<String>) {
        self.set_status(StatusKind::Done, text.into(), FLASH_TICKS);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.set_status(StatusKind::Error, text.into(), ERROR_TICKS);
    }

    fn set_status(&mut self, kind: StatusKind, text: String, ticks: u64) {
        self.status = Some(Status {
            kind,
            text,
            until: self.tick + ticks,
        });
    }

    /// A tick of the clock: old messages go. Returns whether one went.
    pub fn on_tick(&mut self) -> bool {
        self.tick += 1;
        let expired = self.status.as_ref().is_some_and(|s| self.tick >= s.until);
        if expired {
            self.status = None;
        }
        expired
    }

    /// Asks for the physical ids (again).
    pub fn lookup(&mut self, refresh: bool) {
        let id = self.id();
        self.refreshing = Some(id);
        self.push(Effect::Lookup { id, refresh });
    }

    /// The subject of a construct, from what is known now.
    pub fn subject(&self, resolved: &Resolved) -> Subject {
        Subject::new(&self.model, &self.deployment, self.aws.as_ref(), resolved)
    }
}
