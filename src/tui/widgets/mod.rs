//! Pieces the views draw and move with: panes, the scroll position, the one cursor mover,
//! fixed-width tables, the line editor and the sides of an answer pair. None of them knows a
//! view.

pub mod cursor;
pub mod input;
pub mod pane;
pub mod scroll;
pub mod sides;
pub mod table;
