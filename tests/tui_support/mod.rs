//! Helpers for the TUI's end-to-end tests.
pub mod pty;
