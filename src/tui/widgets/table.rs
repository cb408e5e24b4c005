//! Fixed-width tables drawn cell by cell (the audit and invocations tables): column widths from
//! weights, and a row of cells each cut or padded to its width.

use ratatui::buffer::Buffer;

use crate::tui::text::pad;

/// Splits `total` columns (minus one space between columns) by weight; the last takes the rest.
pub fn column_widths(total: usize, weights: &[usize]) -> Vec<usize> {
    let gaps = weights.len().saturating_sub(1);
    let room = total.saturating_sub(gaps);
    let sum: usize = weights.iter().sum::<usize>().max(1);
    let mut out: Vec<usize> = weights.iter().map(|w| room * w / sum).collect();
    let used: usize = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += room - used;
    }
    out
}

/// Like [`column_widths`], keeping the small fixed columns exact and giving the rest to the last.
pub fn fixed_widths(total: usize, weights: &[usize]) -> Vec<usize> {
    let gaps = weights.len().saturating_sub(1);
    let fixed: usize = weights[..weights.len() - 1].iter().sum();
    if fixed + gaps + 10 <= total {
        let mut out = weights.to_vec();
        *out.last_mut().expect("non-empty") = total - fixed - gaps;
        out
    } else {
        column_widths(total, weights)
    }
}

/// Draws cells left to right, each cut or padded to its width.
pub fn draw_cells(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    widths: &[usize],
    cells: impl Iterator<Item = String>,
    style: ratatui::style::Style,
) {
    let mut x = x;
    for (cell, w) in cells.zip(widths) {
        buf.set_stringn(x, y, pad(&cell, *w), *w, style);
        x += *w as u16 + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_add_up() {
        let w = column_widths(78, &[28, 20, 20, 32]);
        assert_eq!(w.iter().sum::<usize>() + 3, 78);
        assert_eq!(column_widths(5, &[1, 1, 1]).iter().sum::<usize>(), 3);
    }
}
