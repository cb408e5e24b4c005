//! The one cursor mover: where a selection (list, audit table, menu) or a scroll position goes
//! for a navigation key, and which window of rows keeps the selection on screen.

use crate::tui::keymap::Action;

/// The position after `action` among `n` positions (`page` of them on screen), or `None` when
/// the action does not move. `wrap`: up from the first goes to the last and down from the last
/// to the first (a menu).
pub fn step(pos: usize, n: usize, page: usize, action: Action, wrap: bool) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let last = n - 1;
    let pos = pos.min(last);
    let page = page.max(1);
    Some(match action {
        Action::Down if wrap => (pos + 1) % n,
        Action::Up if wrap => (pos + n - 1) % n,
        Action::Down => (pos + 1).min(last),
        Action::Up => pos.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => (pos + page).min(last),
        Action::PageUp => pos.saturating_sub(page),
        _ => return None,
    })
}

/// Where the drawn window of `len` rows starts so that `selected` is in a window of `height`.
pub fn scroll_offset(previous: usize, selected: usize, height: usize, len: usize) -> usize {
    let height = height.max(1);
    let mut off = previous.min(len.saturating_sub(1));
    if selected < off {
        off = selected;
    } else if selected >= off + height {
        off = selected + 1 - height;
    }
    // Don't leave the bottom of the window empty when the list could fill it.
    off.min(len.saturating_sub(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_keep_the_selection_in_view() {
        assert_eq!(scroll_offset(0, 0, 10, 100), 0);
        assert_eq!(scroll_offset(0, 9, 10, 100), 0);
        assert_eq!(scroll_offset(0, 10, 10, 100), 1);
        assert_eq!(scroll_offset(50, 20, 10, 100), 20);
        assert_eq!(scroll_offset(95, 99, 10, 100), 90);
        assert_eq!(scroll_offset(0, 3, 10, 5), 0);
    }

    #[test]
    fn steps_stop_at_the_ends_or_wrap() {
        assert_eq!(step(0, 5, 2, Action::Up, false), Some(0));
        assert_eq!(step(4, 5, 2, Action::Down, false), Some(4));
        assert_eq!(step(4, 5, 2, Action::Down, true), Some(0));
        assert_eq!(step(0, 5, 2, Action::Up, true), Some(4));
        assert_eq!(step(1, 5, 2, Action::PageDown, false), Some(3));
        assert_eq!(step(1, 5, 5, Action::PageDown, true), Some(4));
        assert_eq!(step(3, 5, 5, Action::PageUp, true), Some(0));
        assert_eq!(step(9, 5, 2, Action::Up, false), Some(3), "clamped first");
        assert_eq!(step(0, 0, 2, Action::Down, false), None);
        assert_eq!(step(0, 5, 2, Action::Open, false), None);
    }
}
