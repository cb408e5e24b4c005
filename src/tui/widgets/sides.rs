//! One side of an answer pair (the requestor's invoke result, the probe): heading, verdict,
//! advice, details, then the pretty body.

use ratatui::style::Style;
use ratatui::text::Line;

use super::scroll::wrapped;
pub use crate::present::text::pretty;
use crate::tui::cx::Cx;
use crate::tui::text;
use crate::verdict::{Side, VerdictKind};

/// The lines of one side: heading, verdict, advice, the `extra` lines (latency, request id),
/// then the body.
pub fn side_lines(
    cx: &Cx,
    heading: &str,
    side: &Side,
    extra: &[String],
    width: usize,
) -> Vec<Line<'static>> {
    let theme = &cx.theme;
    let verdict_style = if side.verdict.kind == VerdictKind::Ok {
        theme.ok()
    } else {
        theme.error()
    };
    let mut lines = vec![Line::styled(heading.to_string(), theme.heading())];
    lines.extend(wrapped(
        &text::safe(&side.verdict.summary),
        width,
        verdict_style,
    ));
    lines.extend(wrapped(
        &text::safe(&side.verdict.advice),
        width,
        theme.dim(),
    ));
    for e in extra {
        lines.extend(wrapped(&text::safe(e), width, theme.dim()));
    }
    lines.push(Line::default());
    lines.extend(wrapped(&pretty(&side.body), width, Style::new()));
    lines
}
