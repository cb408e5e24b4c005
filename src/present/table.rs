//! The one table layout of cdkx's output (list, whoami, audit, invocations, a construct's
//! commands) and of the TUI's tables (the resource list, the audit and invocations panes):
//! columns with a priority and a minimum width, fitted to the terminal's (or the pane's) width. Long values are shortened in the middle (`IamApigat…8813B`, ids keep
//! both their readable start and their unique hash) or at the end (prose), and never so far that
//! two different values of a column would look alike. Not on a terminal (or with `--wide`) every
//! value is printed in full; `render_text` is the aws CLI's `text` output: tab-separated fields,
//! no header, no padding, one record per line. Every cell is sanitized: values from the cloud or
//! from files never reach the terminal with their control characters intact.

use std::collections::HashMap;
use std::io::IsTerminal;

use unicode_width::UnicodeWidthStr;

use super::text::{fit, fit_middle};
use crate::sanitize;

/// Spaces between two columns.
const GAP: usize = 2;

/// Spaces between two columns of a TUI pane's table ([`pane_widths`]).
pub const PANE_GAP: usize = 1;

/// The narrowest the last column of a pane's table gets before the others are narrowed.
const PANE_LAST_MIN: usize = 10;

/// The most a column is widened to keep its own values apart.
const MAX_RAISE: usize = 8;

/// How a value too long for its column is shortened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Keep the start and the end (`IamApigat…8813B`): ids, paths, types.
    Middle,
    /// Keep the start (`cannot obtain cred…`): prose.
    End,
}

/// A column: its header, how readily it is dropped when the width is short (0: never; the
/// highest goes first), the narrowest it may get, and how its values are shortened.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub header: &'static str,
    pub priority: u8,
    pub min: usize,
    pub cut: Cut,
}

impl Col {
    /// A column that is always shown and shortened in the middle down to `min` columns.
    pub const fn new(header: &'static str, min: usize) -> Col {
        Col {
            header,
            priority: 0,
            min,
            cut: Cut::Middle,
        }
    }

    /// The column may be dropped when space is short; higher priorities are dropped first.
    pub const fn optional(mut self, priority: u8) -> Col {
        self.priority = priority;
        self
    }

    /// Values are shortened at their end (prose) rather than in the middle.
    pub const fn prose(mut self) -> Col {
        self.cut = Cut::End;
        self
    }
}

pub struct Table {
    cols: Vec<Col>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns that are never dropped, shortened in the middle to no less than their header.
    pub fn new(headers: Vec<&'static str>) -> Table {
        Table::with_columns(
            headers
                .into_iter()
                .map(|h| Col::new(h, h.width()))
                .collect(),
        )
    }

    pub fn with_columns(cols: Vec<Col>) -> Table {
        Table {
            cols,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.cols.len());
        self.rows.push(
            row.into_iter()
                .map(|c| match sanitize::line(&c) {
                    // Most cells are safe as they are: kept, not copied.
                    std::borrow::Cow::Borrowed(_) => c,
                    std::borrow::Cow::Owned(safe) => safe,
                })
                .collect(),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table with every value in full, columns separated by two spaces, the last unpadded.
    pub fn render(&self) -> String {
        self.render_fit(None)
    }

    /// The table fitted to `width` columns (None: every value in full).
    pub fn render_fit(&self, width: Option<usize>) -> String {
        let natural = natural_widths(&self.cols, &self.rows);
        let widths = match width {
            Some(w) => fit_widths(&self.cols, &self.rows, &natural, w),
            None => natural.iter().map(|&n| Some(n)).collect(),
        };
        // Written into one string, line after line (a table may have 60,000 rows).
        let mut out = String::new();
        let header: Vec<String> = self.cols.iter().map(|c| c.header.to_string()).collect();
        let shown = widths.iter().flatten().count();
        for row in std::iter::once(&header).chain(&self.rows) {
            let start = out.len();
            let cells = self
                .cols
                .iter()
                .zip(row)
                .zip(&widths)
                .filter_map(|((c, v), w)| w.map(|w| (c, v.as_str(), w)));
            for (i, (col, value, w)) in cells.enumerate() {
                let width = cell_width(value);
                let pad = if width <= w {
                    // Fits (what `shorten` would keep as it is).
                    out.push_str(value);
                    w - width
                } else {
                    let cut = shorten(value, w, col.cut);
                    out.push_str(&cut);
                    w - cut.width()
                };
                if i + 1 < shown {
                    out.extend(std::iter::repeat_n(' ', pad + GAP));
                }
            }
            let kept = out[start..].trim_end().len();
            out.truncate(start + kept);
            out.push('\n');
        }
        out
    }

    /// The aws CLI's `text` output: one record per line, fields separated by tabs, no header.
    /// Cells are sanitized, so a tab or newline inside a value cannot split it.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for row in &self.rows {
            out.push_str(&row.join("\t"));
            out.push('\n');
        }
        out
    }
}

/// The width of the terminal stdout is, or None when stdout is not a terminal (then values are
/// printed in full). `COLUMNS` overrides what the terminal says.
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| crossterm::terminal::size().ok().map(|(c, _)| c as usize))
        .or(Some(80))
}

fn natural_widths(cols: &[Col], rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = cols.iter().map(|c| c.header.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell_width(cell));
        }
    }
    widths
}

/// A cell's width in columns: its length when it is printable ASCII (one column a character),
/// which most cells are.
fn cell_width(s: &str) -> usize {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        s.len()
    } else {
        s.width()
    }
}

/// Each column's width in a line of `total` columns (None: dropped). Columns are dropped by
/// priority until their minimums fit, then the widest are narrowed one column at a time; a
/// column is never narrowed so far that two of its different values look alike (the line may
/// then be wider than `total`: telling rows apart matters more).
pub fn fit_widths(
    cols: &[Col],
    rows: &[Vec<String>],
    natural: &[usize],
    total: usize,
) -> Vec<Option<usize>> {
    let columns: Vec<Vec<&str>> = (0..cols.len())
        .map(|i| rows.iter().map(|r| r[i].as_str()).collect())
        .collect();
    fit_columns(cols, &columns, natural, total)
}

/// [`fit_widths`] over columns of values (column-major), for callers that hold their cells
/// elsewhere (the TUI's list).
pub fn fit_columns(
    cols: &[Col],
    values: &[Vec<&str>],
    natural: &[usize],
    total: usize,
) -> Vec<Option<usize>> {
    fit_columns_apart(cols, values, natural, total, GAP)
}

/// [`fit_columns`] for a line whose columns stand `gap` spaces apart.
fn fit_columns_apart(
    cols: &[Col],
    values: &[Vec<&str>],
    natural: &[usize],
    total: usize,
    gap: usize,
) -> Vec<Option<usize>> {
    let line_width = |w: &[Option<usize>]| -> usize {
        let shown: Vec<usize> = w.iter().flatten().copied().collect();
        shown.iter().sum::<usize>() + gap * shown.len().saturating_sub(1)
    };
    let mut widths: Vec<Option<usize>> = natural.iter().map(|&n| Some(n)).collect();
    if line_width(&widths) <= total {
        return widths;
    }
    let mut mins: Vec<usize> = cols
        .iter()
        .zip(natural)
        .map(|(c, &n)| c.min.min(n))
        .collect();
    // An optional column that says the same on every row tells no row from another: it goes
    // first. Then columns are dropped, highest priority number first (the rightmost of equals),
    // while even the minimums do not fit.
    for i in 0..cols.len() {
        if cols[i].priority > 0
            && !values[i].is_empty()
            && values[i].iter().all(|v| *v == values[i][0])
        {
            widths[i] = None;
        }
    }
    loop {
        let min_line: Vec<Option<usize>> = widths
            .iter()
            .zip(&mins)
            .map(|(w, &m)| w.map(|_| m))
            .collect();
        if line_width(&min_line) <= total {
            break;
        }
        let victim = (0..cols.len())
            .filter(|&i| widths[i].is_some() && cols[i].priority > 0)
            .max_by_key(|&i| (cols[i].priority, i));
        match victim {
            Some(i) => widths[i] = None,
            None => break,
        }
    }
    // Narrow the widest column above its minimum, one column at a time. A column whose
    // different values would look alike at its width gets, as its minimum, the width that keeps
    // them apart, when that is a few columns more and the minimums still fit; then the others
    // are narrowed again. (Values alike but for a long middle are told apart by the row check
    // below, through another column, rather than by taking the line from the others.)
    for _round in 0..cols.len() + 1 {
        narrow(&mut widths, &mins, total, line_width);
        let mut raised = false;
        // The columns that need the least to keep their values apart go first.
        let mut wants: Vec<(usize, usize)> = (0..cols.len())
            .filter_map(|i| {
                let w = widths[i]?;
                (w < natural[i])
                    .then(|| (i, distinct_width(&values[i], w, natural[i], cols[i].cut)))
                    .filter(|&(_, apart)| apart > w && apart - w <= MAX_RAISE)
            })
            .collect();
        wants.sort_by_key(|&(i, apart)| (apart - widths[i].unwrap_or(0), i));
        for (i, apart) in wants {
            let mut with = mins.clone();
            with[i] = apart;
            let min_line: Vec<Option<usize>> = widths
                .iter()
                .zip(&with)
                .map(|(w, &m)| w.map(|_| m))
                .collect();
            if line_width(&min_line) <= total {
                mins[i] = apart;
                widths[i] = Some(apart);
                raised = true;
            }
        }
        if !raised {
            break;
        }
    }
    // Two rows must never look alike: where they would, the first column that tells them apart
    // is widened until it does (the line may then be wider than `total`).
    let rows = values.first().map_or(0, Vec::len);
    for _ in 0..rows.max(1) {
        let Some((a, b)) = lookalike_rows(cols, values, &widths) else {
            break;
        };
        let Some(j) =
            (0..cols.len()).find(|&j| widths[j].is_some() && values[j][a] != values[j][b])
        else {
            break;
        };
        let (va, vb) = (values[j][a], values[j][b]);
        let mut w = widths[j].expect("shown");
        while w < natural[j] && shorten(va, w, cols[j].cut) == shorten(vb, w, cols[j].cut) {
            w += 1;
        }
        widths[j] = Some(w);
    }
    widths
}

/// The columns of a TUI pane's table (the audit and invocations views), [`PANE_GAP`] apart in a
/// pane `total` columns wide: each column as wide as `widths` says, the last taking what the
/// others leave. In a pane too narrow for that (the last would get less than ten), the widest
/// columns are narrowed first, as in every table, and the line still fills the pane. The widths
/// depend on the pane alone, not on the rows, so columns stay put while rows stream in.
pub fn pane_widths(total: usize, widths: &[usize]) -> Vec<usize> {
    let Some((_, fixed)) = widths.split_last() else {
        return Vec::new();
    };
    let cols: Vec<Col> = widths.iter().map(|_| Col::new("", 1)).collect();
    let natural: Vec<usize> = fixed.iter().copied().chain([PANE_LAST_MIN]).collect();
    let no_rows: Vec<Vec<&str>> = vec![Vec::new(); widths.len()];
    let mut fitted = fit_columns_apart(&cols, &no_rows, &natural, total, PANE_GAP);
    fill_last(&mut fitted, total, PANE_GAP);
    fitted.into_iter().map(|w| w.unwrap_or(0)).collect()
}

/// Widens the last shown column by what the others leave of a line `total` columns wide.
fn fill_last(widths: &mut [Option<usize>], total: usize, gap: usize) {
    let used: usize = widths.iter().flatten().sum::<usize>()
        + gap * widths.iter().flatten().count().saturating_sub(1);
    if let Some(last) = widths.iter_mut().rev().find_map(Option::as_mut) {
        *last += total.saturating_sub(used);
    }
}

/// Two rows that differ in the shown columns but would be drawn alike, if any.
fn lookalike_rows(
    cols: &[Col],
    values: &[Vec<&str>],
    widths: &[Option<usize>],
) -> Option<(usize, usize)> {
    let rows = values.first().map_or(0, Vec::len);
    let mut seen: HashMap<Vec<std::borrow::Cow<'_, str>>, usize> = HashMap::with_capacity(rows);
    for r in 0..rows {
        let drawn: Vec<std::borrow::Cow<'_, str>> = (0..cols.len())
            .filter_map(|j| widths[j].map(|w| shorten(values[j][r], w, cols[j].cut)))
            .collect();
        match seen.get(&drawn) {
            Some(&other) => {
                let differ = (0..cols.len())
                    .any(|j| widths[j].is_some() && values[j][other] != values[j][r]);
                if differ {
                    return Some((other, r));
                }
            }
            None => {
                seen.insert(drawn, r);
            }
        }
    }
    None
}

fn narrow(
    widths: &mut [Option<usize>],
    mins: &[usize],
    total: usize,
    line_width: impl Fn(&[Option<usize>]) -> usize,
) {
    let mut excess = line_width(widths).saturating_sub(total);
    while excess > 0 {
        let widest = (0..widths.len())
            .filter(|&i| widths[i].is_some_and(|w| w > mins[i]))
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        let Some(i) = widest else { break };
        let w = widths[i].expect("filtered");
        // Down to the next widest, or by what is in excess, whichever is less.
        let next = (0..widths.len())
            .filter(|&j| j != i)
            .filter_map(|j| widths[j])
            .filter(|&x| x <= w)
            .max()
            .unwrap_or(0)
            .max(mins[i]);
        let step = (w - next).clamp(1, excess);
        widths[i] = Some(w - step);
        excess -= step;
    }
}

/// The least width from `w` up to `natural` at which the different values of a column stay
/// different once shortened.
fn distinct_width(values: &[&str], w: usize, natural: usize, cut: Cut) -> usize {
    let mut width = w;
    while width < natural {
        let mut seen: HashMap<std::borrow::Cow<'_, str>, &str> = HashMap::new();
        let collides = values.iter().any(|v| {
            let s = shorten(v, width, cut);
            match seen.get(&s) {
                Some(other) => other != v,
                None => {
                    seen.insert(s, v);
                    false
                }
            }
        });
        if !collides {
            return width;
        }
        width += 1;
    }
    natural
}

/// `s` in at most `max` columns: whole when it fits, else cut as `cut` says with `…`.
pub fn shorten(s: &str, max: usize, cut: Cut) -> std::borrow::Cow<'_, str> {
    match cut {
        Cut::Middle => fit_middle(s, max),
        Cut::End => fit(s, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_cells_are_sanitized() {
        let mut t = Table::new(vec!["A", "B"]);
        t.push(vec!["x\x1b[31m".into(), "1".into()]);
        t.push(vec!["ü".into(), "2".into()]);
        assert_eq!(t.render(), "A          B\nx\\x1b[31m  1\nü          2\n");
    }

    #[test]
    fn shortening_keeps_start_and_end() {
        assert_eq!(
            fit_middle("IamApigatewayLambdaStack-requestorFn15B8813B", 15),
            "IamApigat…8813B"
        );
        assert_eq!(fit_middle("short", 15), "short");
        assert_eq!(fit("cannot obtain credentials", 10), "cannot ob…");
        for w in 0..30 {
            assert!(fit_middle("IamApigatewayLambdaStack-x", w).width() <= w);
        }
    }

    #[test]
    fn text_is_tab_separated_without_header_or_padding() {
        let mut t = Table::new(vec!["A", "B"]);
        t.push(vec!["one two".into(), "x\ty".into()]);
        t.push(vec!["3".into(), "".into()]);
        assert_eq!(t.render_text(), "one two\tx\\ty\n3\t\n");
    }

    /// A table like `cdkx list`'s for the iam-api example.
    fn list_like() -> Table {
        let mut t = Table::with_columns(vec![
            Col::new("STACK", 8).optional(3),
            Col::new("CONSTRUCT", 12),
            Col::new("LOGICAL ID", 12).optional(2),
            Col::new("TYPE", 12).optional(1),
            Col::new("PHYSICAL ID", 14),
        ]);
        let stack = "IamApigatewayLambdaStack";
        for (n, (c, l, ty)) in [
            ("iamApiFn", "iamApiFn12A20BFB", "aws_lambda_nodejs.NodejsFunction"),
            ("iamApiFn/ServiceRole", "iamApiFnServiceRole0BAD0A67", "aws_iam.Role"),
            ("iam-backed-api", "iambackedapiF6AAB507", "aws_apigateway.RestApi"),
            ("iam-backed-api/Deployment", "iambackedapiDeployment29DF0F4C", "aws_apigateway.Deployment"),
            ("iam-backed-api/DeploymentStage.prod", "iambackedapiDeploymentStageprod1D1A0A59", "aws_apigateway.Stage"),
            ("iam-backed-api/Default/GET", "iambackedapiGETFD081DFA", "aws_apigateway.Method"),
            ("iam-backed-api/Default/GET/ApiPermission.IamApigatewayLambdaStackiambackedapi3C5F7AB5.GET..", "iambackedapiGETApiPermissionIamApigatewayLambdaStackiambackedapi3C5F7AB5GET2A11C3F4", "AWS::Lambda::Permission"),
            ("iam-backed-api/Default/GET/ApiPermission.Test.IamApigatewayLambdaStackiambackedapi3C5F7AB5.GET..", "iambackedapiGETApiPermissionTestIamApigatewayLambdaStackiambackedapi3C5F7AB5GET9B1C2D3E", "AWS::Lambda::Permission"),
            ("requestorFn", "requestorFn15B8813B", "aws_lambda_nodejs.NodejsFunction"),
            ("requestorFn/ServiceRole", "requestorFnServiceRole23F4F4A1", "aws_iam.Role"),
        ]
        .into_iter()
        .enumerate()
        {
            t.push(vec![
                stack.into(),
                c.into(),
                l.into(),
                ty.into(),
                format!("{stack}-{l}-{:X}", 0x1F2E3D4C5B6A_u64.wrapping_mul(n as u64 + 7)),
            ]);
        }
        t
    }

    #[test]
    fn tables_fit_80_100_and_160_columns_and_rows_stay_apart() {
        let t = list_like();
        let full = t.render();
        assert!(full.lines().any(|l| l.width() > 160), "the example is wide");
        for width in [80, 100, 160] {
            let out = t.render_fit(Some(width));
            let lines: Vec<&str> = out.lines().collect();
            for l in &lines {
                assert!(l.width() <= width, "{width}: {l:?} is {} wide", l.width());
            }
            let mut rows = lines[1..].to_vec();
            rows.sort();
            rows.dedup();
            assert_eq!(
                rows.len(),
                lines.len() - 1,
                "{width}: two rows look alike:\n{out}"
            );
            // Every type is told apart from every other (no `aws_apigateway…` four times).
            if lines[0].contains("TYPE") {
                let start = lines[0].find("TYPE").unwrap();
                let types: std::collections::HashSet<String> = lines[1..]
                    .iter()
                    .map(|l| l.chars().skip(start).take_while(|c| *c != ' ').collect())
                    .collect();
                assert_eq!(types.len(), 7, "{width}:\n{out}");
            }
        }
        // A column that says the same on every row goes first: the STACK of a one-stack app.
        let at80 = t.render_fit(Some(80));
        assert!(at80.starts_with("CONSTRUCT"), "{at80}");
        assert!(at80.contains("PHYSICAL ID"));
        let at160 = t.render_fit(Some(160));
        assert!(
            at160.contains("TYPE") && at160.contains("LOGICAL ID"),
            "{at160}"
        );
        // Ids are shortened in the middle: the hash at their end stays.
        assert!(at80.contains("8813B"), "{at80}");
        // Not on a terminal, everything.
        assert_eq!(t.render_fit(None), full);
    }

    #[test]
    fn pane_columns_keep_their_widths_and_the_last_fills_the_pane() {
        // Ample room: every column as asked, the last takes the rest, one space apart.
        assert_eq!(
            pane_widths(78, &[1, 20, 22, 12, 30]),
            vec![1, 20, 22, 12, 19]
        );
        assert_eq!(
            pane_widths(158, &[1, 20, 12, 12, 30]),
            vec![1, 20, 12, 12, 109]
        );
        // Too narrow: the widest are narrowed, the line still fills the pane exactly.
        for total in [20, 33, 50, 68] {
            let w = pane_widths(total, &[1, 20, 22, 12, 30]);
            assert_eq!(w.iter().sum::<usize>() + 4, total, "{total}: {w:?}");
            assert!(w.iter().all(|&c| c >= 1), "{total}: {w:?}");
        }
        assert_eq!(
            pane_widths(50, &[1, 20, 22, 12, 30]),
            vec![1, 11, 12, 12, 10]
        );
        assert!(pane_widths(40, &[]).is_empty());
    }

    #[test]
    fn columns_never_shorten_into_lookalikes() {
        let mut t = Table::with_columns(vec![Col::new("ID", 5)]);
        t.push(vec!["prefix-aaaa-common-suffix".into()]);
        t.push(vec!["prefix-bbbb-common-suffix".into()]);
        let out = t.render_fit(Some(10));
        let lines: Vec<&str> = out.lines().collect();
        assert_ne!(lines[1], lines[2], "{out}");
    }
}
