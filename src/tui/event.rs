//! Turns terminal input, a clock tick and the answers of background tasks into one typed
//! channel, so the loop waits on one thing. The terminal reader can be paused while a user's
//! command has the terminal (it must not steal that command's keystrokes).

use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEvent};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::msg::Msg;

/// 10 ticks a second: the spinner's pace and the status line's clock.
pub const TICK: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Resize,
    Tick,
    Msg(Box<Msg>),
    /// The terminal input ended or failed; the loop should stop.
    InputClosed(String),
}

impl Default for Events {
    fn default() -> Events {
        Events::new()
    }
}

pub struct Events {
    tx: UnboundedSender<Event>,
    rx: UnboundedReceiver<Event>,
    reader: Option<JoinHandle<()>>,
}

impl Events {
    pub fn new() -> Events {
        let (tx, rx) = unbounded_channel();
        Events {
            tx,
            rx,
            reader: None,
        }
    }

    /// A sender for background tasks.
    pub fn sender(&self) -> UnboundedSender<Event> {
        self.tx.clone()
    }

    /// Starts reading the terminal (and ticking).
    pub fn resume(&mut self) {
        if self.reader.is_none() {
            self.reader = Some(tokio::spawn(read(self.tx.clone())));
        }
    }

    /// Stops reading the terminal; returns once the reader is gone.
    pub async fn pause(&mut self) {
        if let Some(r) = self.reader.take() {
            r.abort();
            let _ = r.await;
        }
    }

    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// An event that is already waiting, if any.
    pub fn try_next(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }
}

async fn read(tx: UnboundedSender<Event>) {
    let mut stream = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let event = tokio::select! {
            _ = tick.tick() => Event::Tick,
            e = stream.next() => match e {
                Some(Ok(TermEvent::Key(k))) => Event::Key(k),
                Some(Ok(TermEvent::Resize(_, _))) => Event::Resize,
                Some(Ok(_)) => continue,
                Some(Err(e)) => Event::InputClosed(e.to_string()),
                None => Event::InputClosed("the terminal input ended".into()),
            },
        };
        let closed = matches!(event, Event::InputClosed(_));
        if tx.send(event).is_err() || closed {
            return;
        }
    }
}
