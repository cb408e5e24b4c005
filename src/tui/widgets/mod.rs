//! Pieces the views draw with.

pub mod input;
