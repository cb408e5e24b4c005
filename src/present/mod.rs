//! Text for people, shared by both front ends (ripgrep's printer, apart from the searcher):
//! word-wrapping and fitting to a width ([`text`]), the table layout ([`table`]), counts and
//! sizes ([`words`]), two answers side by side ([`sides`]), a description ([`describe`]), an
//! access analysis ([`access`]), an audit row ([`audit`]) and metrics as sparklines
//! ([`metrics`]). It sits below `cli` and `tui` and never prints: the CLI prints what it
//! returns, the TUI draws it. Every value from the cloud or a file is sanitized here before any
//! terminal sees it.

pub mod access;
pub mod audit;
pub mod describe;
pub mod metrics;
pub mod sides;
pub mod spark;
pub mod table;
pub mod text;
pub mod timeline;
pub mod words;
