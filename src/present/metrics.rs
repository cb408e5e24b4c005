//! Metrics as text, for both front ends: a report's series as sparklines that fit a width, each
//! with its min, max and sum (the CLI's `metrics`, the TUI's describe panel and metrics view),
//! and one series squeezed into a few cells (the TUI list's activity column).

use super::spark::glyph;
use crate::actions::metrics::{MetricsReport, Series};
use crate::sanitize;

/// Drawn for periods without data.
const NO_DATA: char = ' ';

/// The text rendering: a header line, then one line per series.
pub fn render(r: &MetricsReport, columns: usize) -> String {
    let mut out = format!(
        "{}  {}  {} .. {}  period {}s\n",
        sanitize::line(&r.target),
        r.region,
        r.since,
        r.until,
        r.period
    );
    let labels: Vec<String> = r
        .series
        .iter()
        .map(|s| format!("{} {}", s.metric, s.stat))
        .collect();
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let stats: Vec<String> = r.series.iter().map(summary).collect();
    let stats_width = stats.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let slots = slot_count(r);
    let width = columns
        .saturating_sub(label_width + stats_width + 4)
        .clamp(8, slots.max(8));
    for ((s, label), stat) in r.series.iter().zip(&labels).zip(&stats) {
        out.push_str(&format!(
            "{}  {}  {}\n",
            sanitize::line(&format!("{label:<label_width$}")),
            sparkline(s, r, slots, width),
            stat
        ));
    }
    // Trailing spaces of empty sparklines or short stats serve no one.
    out.lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

pub fn slot_count(r: &MetricsReport) -> usize {
    let until = r
        .series
        .iter()
        .flat_map(|s| s.epochs.last().copied())
        .max()
        .unwrap_or(r.since_s);
    let end = parse_until(r).max(until + 1);
    let period = i64::from(r.period.max(1));
    usize::try_from((end - r.since_s + period - 1) / period)
        .unwrap_or(1)
        .max(1)
}

fn parse_until(r: &MetricsReport) -> i64 {
    crate::time::parse_iso(&r.until).map_or(r.since_s, |t| t.floor() as i64)
}

/// `min 1  max 9  sum 12`, or `no data`.
pub fn summary(s: &Series) -> String {
    if s.values.is_empty() {
        return "no data".to_string();
    }
    let min = s.values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = s.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = s.values.iter().sum();
    format!("min {}  max {}  sum {}", num(min), num(max), num(sum))
}

pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The series on the window's grid of periods, squeezed to `width` columns (each column the
/// largest value of its periods), scaled from 0 to the maximum.
pub fn sparkline(s: &Series, r: &MetricsReport, slots: usize, width: usize) -> String {
    spark(&grid(s, r.since_s, r.period, slots), width)
}

/// The series' values on a grid of `slots` periods from `since_s` (`None`: no data), the
/// largest where several points fall in one period.
pub fn grid(s: &Series, since_s: i64, period: i32, slots: usize) -> Vec<Option<f64>> {
    let period = i64::from(period.max(1));
    let mut grid: Vec<Option<f64>> = vec![None; slots];
    for (t, v) in s.epochs.iter().zip(&s.values) {
        let Ok(i) = usize::try_from((t - since_s).div_euclid(period)) else {
            continue;
        };
        if let Some(cell) = grid.get_mut(i) {
            *cell = Some(cell.map_or(*v, |c: f64| c.max(*v)));
        }
    }
    grid
}

/// A grid of periods as at most `width` bars (each the largest value of the periods it
/// covers; a blank where none has data), scaled from 0 to the maximum with cdkx's one glyph
/// mapping ([`glyph`]: any value above zero shows).
pub fn spark(grid: &[Option<f64>], width: usize) -> String {
    let slots = grid.len();
    if slots == 0 {
        return String::new();
    }
    let width = width.min(slots).max(1);
    let columns: Vec<Option<f64>> = (0..width)
        .map(|c| {
            let from = c * slots / width;
            let to = ((c + 1) * slots / width).max(from + 1);
            grid[from..to.min(slots)]
                .iter()
                .flatten()
                .copied()
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
        })
        .collect();
    let max = grid.iter().flatten().copied().fold(0.0, f64::max);
    columns
        .iter()
        .map(|c| c.map_or(NO_DATA, |v| glyph(v, max)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(values: &[(i64, f64)]) -> MetricsReport {
        MetricsReport {
            target: "lambda:f".into(),
            region: "us-east-1".into(),
            since: "2023-11-14T22:20:00Z".into(),
            until: "2023-11-14T22:28:00Z".into(),
            period: 60,
            since_s: 1_700_000_400,
            series: vec![Series {
                id: "invocations".into(),
                metric: "Invocations".into(),
                stat: "Sum".into(),
                timestamps: vec![],
                epochs: values.iter().map(|v| 1_700_000_400 + v.0 * 60).collect(),
                values: values.iter().map(|v| v.1).collect(),
            }],
        }
    }

    #[test]
    fn sparkline_on_the_grid() {
        let r = report(&[(0, 0.0), (1, 7.0), (3, 14.0), (7, 3.5)]);
        assert_eq!(slot_count(&r), 8);
        assert_eq!(sparkline(&r.series[0], &r, 8, 8), "▁▅ █   ▃");
        // Squeezed: each column is the largest of its two periods.
        assert_eq!(sparkline(&r.series[0], &r, 8, 4), "▅█ ▃");
        assert_eq!(summary(&r.series[0]), "min 0  max 14  sum 24.5");
    }

    #[test]
    fn a_grid_squeezed_into_a_few_cells() {
        let g = [Some(0.0), Some(2.0), None, None, Some(4.0), None];
        assert_eq!(spark(&g, 6), "▁▅  █ ");
        // Two periods a cell: the larger of each pair.
        assert_eq!(spark(&g, 3), "▅ █");
        // Wider than the grid: one cell a period.
        assert_eq!(spark(&g, 12), "▁▅  █ ");
        assert_eq!(spark(&[None, None], 4), "  ");
        assert_eq!(spark(&[Some(0.0), Some(0.0)], 2), "▁▁");
        assert_eq!(spark(&[], 4), "");
    }

    #[test]
    fn render_fits_the_width() {
        let r = report(&[(0, 1.0), (7, 2.0)]);
        let text = render(&r, 60);
        // The header is as long as the names; the series lines fit.
        for line in text.lines().skip(1) {
            assert!(line.chars().count() <= 60, "{line:?}");
        }
        assert!(text.contains("Invocations Sum"), "{text}");
    }
}
