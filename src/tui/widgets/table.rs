//! Tables drawn cell by cell (the audit and invocations panes): a row of cells, each cut or
//! padded to its width. The widths are decided where every table's are
//! ([`crate::present::table::pane_widths`]).

use ratatui::buffer::Buffer;

use crate::present::table::PANE_GAP;
use crate::tui::text::pad;

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
        x += (*w + PANE_GAP) as u16;
    }
}
