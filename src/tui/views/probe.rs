//! The probe of an IAM-authorized REST API (`p`): the same request unsigned and SigV4-signed,
//! the two answers side by side with their verdicts, who signed, and who may call the API. `e`
//! opens the request form ([`super::probe_form`]); `r` sends the request again.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::probe_form::ProbeForm;
use super::{Run, Step, View};
use crate::actions::Subject;
use crate::actions::probe::{ProbeRequest, ProbeResult};
use crate::tui::cx::Cx;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, Load, Msg, RequestId, Slot};
use crate::tui::text::{self, fit};
use crate::tui::widgets::pane::{construct_pane, state_lines};
use crate::tui::widgets::scroll::{Scroll, draw_lines, wrapped};
use crate::tui::widgets::sides::side_lines;

/// Methods a READONLY session still sends: they are not meant to change anything.
const SAFE_METHODS: [&str; 3] = ["GET", "HEAD", "OPTIONS"];

/// The request as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeInput {
    pub method: String,
    pub path: String,
    pub body: String,
    /// Empty: the stage the app deploys.
    pub stage: String,
}

impl Default for ProbeInput {
    fn default() -> ProbeInput {
        ProbeInput {
            method: "GET".into(),
            path: "/".into(),
            body: String::new(),
            stage: String::new(),
        }
    }
}

impl ProbeInput {
    /// The request to send, or why it cannot be sent.
    pub fn request(&self, readonly: bool) -> Result<ProbeRequest, String> {
        let method = self.method.trim().to_ascii_uppercase();
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(format!(
                "method {:?}: expected a word like GET or POST",
                text::safe(&self.method)
            ));
        }
        if readonly && !SAFE_METHODS.contains(&method.as_str()) {
            return Err(format!(
                "READONLY: a {method} request may change things; only GET, HEAD and OPTIONS are sent"
            ));
        }
        let path = self.path.trim();
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("path: spaces and control characters must be percent-encoded (%20)".into());
        }
        let path = match path {
            "" => "/".to_string(),
            p if p.starts_with('/') || p.starts_with('?') => p.to_string(),
            p => format!("/{p}"),
        };
        if !self.stage.trim().is_empty()
            && !self
                .stage
                .trim()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return Err(format!(
                "stage {:?}: letters, digits, - and _ only",
                text::safe(&self.stage)
            ));
        }
        Ok(ProbeRequest {
            method,
            path,
            headers: Vec::new(),
            body: self.body.clone().into_bytes(),
        })
    }

    pub fn stage(&self) -> Option<String> {
        Some(self.stage.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// `GET /items` (and the stage when one is named), for titles.
    pub fn summary(&self) -> String {
        let mut s = format!("{} {}", self.method.trim().to_ascii_uppercase(), self.path);
        if let Some(stage) = self.stage() {
            s.push_str(&format!(" (stage {stage})"));
        }
        if !self.body.is_empty() {
            s.push_str(&format!(", {} bytes of body", self.body.len()));
        }
        s
    }
}

#[derive(Debug)]
pub struct ProbeView {
    pub subject: Subject,
    pub input: ProbeInput,
    pub load: Load<Box<ProbeResult>>,
    pub scroll: Scroll,
    pub show_signed: bool,
}

impl ProbeView {
    pub fn new(subject: Subject, input: ProbeInput, id: RequestId) -> ProbeView {
        ProbeView {
            subject,
            input,
            load: Load::Loading(id),
            scroll: Scroll::default(),
            show_signed: false,
        }
    }

    /// Sends `input` for `subject`, unsigned and signed; `None` (and the reason in the status
    /// line) when the request cannot be sent.
    pub fn send(subject: &Subject, input: &ProbeInput, cx: &mut Cx) -> Option<RequestId> {
        let request = match input.request(cx.header.readonly) {
            Ok(r) => r,
            Err(e) => {
                cx.error(e);
                return None;
            }
        };
        let id = cx.id();
        cx.push(Effect::Probe {
            id,
            subject: subject.clone(),
            request,
            stage: input.stage(),
            deployment: cx.deployment.clone(),
        });
        Some(id)
    }

    pub fn act(&mut self, action: Action, cx: &mut Cx) -> Step {
        match action {
            Action::Back => {
                if !self.load.cancel() {
                    return Step::Close;
                }
                cx.push(Effect::Cancel(Slot::Probe));
            }
            Action::Refresh => {
                return Step::Run(Run::Probe(self.subject.clone(), self.input.clone()));
            }
            Action::Edit => {
                let form = ProbeForm::new(self.subject.clone(), &self.input);
                return Step::Push(View::ProbeForm(form));
            }
            Action::ToggleSigned => self.show_signed = !self.show_signed,
            nav => {
                self.scroll.apply(nav);
            }
        }
        Step::Stay
    }

    pub fn receive(&mut self, msg: Msg) -> Option<Msg> {
        match msg {
            Msg::Probed { id, result } if self.load.waits_for(id) => {
                self.load = Load::answer(result);
                None
            }
            other => Some(other),
        }
    }

    pub fn render(&self, cx: &Cx, area: Rect, buf: &mut Buffer) {
        let theme = &cx.theme;
        let hints = " e edit · s signed request · r send again · Esc back ";
        let block = construct_pane(
            cx,
            "probe",
            &self.subject.construct_path,
            self.load.pending().is_some(),
            area.width,
            hints,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 4 {
            return;
        }
        let w = inner.width as usize;
        let r = match &self.load {
            Load::Loaded(r) => r,
            other => {
                let mut lines = vec![Line::from(vec![
                    Span::styled("request ", theme.dim()),
                    Span::raw(
                        fit(&text::safe(&self.input.summary()), w.saturating_sub(8)).into_owned(),
                    ),
                ])];
                lines.push(Line::default());
                lines.extend(state_lines(
                    cx,
                    other,
                    "sending the request unsigned and signed…",
                    "r sends it again",
                    w,
                ));
                draw_lines(&lines, &self.scroll, inner, buf, theme.dim());
                return;
            }
        };
        // What was sent, by whom, and who may call the API: full-width lines on top.
        let mut head: Vec<Line<'static>> = Vec::new();
        let mut target = format!("{} {}", r.method, r.target.url);
        if let Some(e) = &r.target.endpoint {
            target.push_str(&format!("  (via {e})"));
        }
        head.extend(wrapped(&text::safe(&target), w, theme.heading()));
        if !self.input.body.is_empty() {
            head.push(Line::from(vec![
                Span::styled("body ", theme.dim()),
                Span::raw(fit(&text::safe(&self.input.body), w.saturating_sub(5)).into_owned()),
            ]));
        }
        let signer = match &r.signer {
            Some(c) => format!("signed as {} · credentials: {}", c.arn, r.signer_source),
            None => format!("signed with credentials from {}", r.signer_source),
        };
        head.extend(wrapped(&text::safe(&signer), w, theme.dim()));
        if let Some(a) = &r.access {
            // All of it when there is room; on a small screen, the line about the signer.
            let lines = crate::present::access::lines(a);
            let roomy = inner.height >= 30;
            for l in &lines {
                let about_you = l.starts_with("you (");
                if !roomy && !about_you && a.caller.is_some() {
                    continue;
                }
                let style = if about_you {
                    match a.caller.as_ref().map(|c| c.outcome) {
                        Some(crate::actions::access::Outcome::Allow) => theme.ok(),
                        _ => theme.warn(),
                    }
                } else {
                    theme.dim()
                };
                head.extend(wrapped(&format!("access: {l}"), w, style));
            }
        }
        if let Some(a) = &r.function_access {
            let allowed = a.caller.as_ref().map(|c| c.outcome)
                == Some(crate::actions::access::Outcome::Allow);
            for l in crate::present::access::function_lines(a) {
                let style = match (l.starts_with("you ("), allowed) {
                    (true, true) => theme.ok(),
                    (true, false) => theme.warn(),
                    _ => theme.dim(),
                };
                head.extend(wrapped(&format!("access: {l}"), w, style));
            }
        }
        if self.show_signed {
            head.push(Line::default());
            match &r.signed_request {
                Some(v) => {
                    head.push(Line::styled(
                        "signed request (signature and token redacted):",
                        theme.heading(),
                    ));
                    head.extend(wrapped(
                        &text::safe(&format!("{} {}", v.method, v.url)),
                        w,
                        Style::new(),
                    ));
                    for (k, val) in &v.headers {
                        head.extend(wrapped(
                            &text::safe(&format!("  {k}: {val}")),
                            w,
                            theme.dim(),
                        ));
                    }
                }
                None => head.push(Line::styled(
                    "no signed request was made (see the signed side)",
                    theme.dim(),
                )),
            }
        }
        head.push(Line::default());
        // The two answers, side by side; everything scrolls together.
        let half = inner.width.saturating_sub(3) / 2;
        let right_w = inner.width.saturating_sub(half + 3);
        let left = side_lines(
            cx,
            "UNSIGNED",
            &r.unsigned.as_side(),
            &r.unsigned.details(),
            half as usize,
        );
        let right = side_lines(
            cx,
            "SIGNED (SigV4)",
            &r.signed.as_side(),
            &r.signed.details(),
            right_w as usize,
        );
        let pairs = left.len().max(right.len());
        let total = head.len() + pairs;
        let first = self.scroll.window(total, inner.height as usize);
        for (i, y) in (first..total).zip(inner.y..inner.y + inner.height) {
            if i < head.len() {
                buf.set_line(inner.x, y, &head[i], inner.width);
                continue;
            }
            let j = i - head.len();
            if let Some(l) = left.get(j) {
                buf.set_line(inner.x, y, l, half);
            }
            buf.set_stringn(inner.x + half + 1, y, "│", 1, theme.border());
            if let Some(l) = right.get(j) {
                buf.set_line(inner.x + half + 3, y, l, right_w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(method: &str, path: &str) -> ProbeInput {
        ProbeInput {
            method: method.into(),
            path: path.into(),
            ..ProbeInput::default()
        }
    }

    #[test]
    fn the_form_makes_requests_and_refuses_bad_ones() {
        let r = input("post", "items?id=1").request(false).unwrap();
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/items?id=1")
        );
        assert_eq!(input("GET", "").request(false).unwrap().path, "/");
        assert!(input("GE T", "/").request(false).is_err());
        assert!(input("GET", "/a b").request(false).is_err());
        assert!(input("GET", "/a\u{1b}[2J").request(false).is_err());
        let err = input("DELETE", "/").request(true).unwrap_err();
        assert!(err.starts_with("READONLY"), "{err}");
        assert!(input("head", "/").request(true).is_ok());
        let staged = ProbeInput {
            stage: "prod/../x".into(),
            ..ProbeInput::default()
        };
        assert!(staged.request(false).is_err());
    }
}
