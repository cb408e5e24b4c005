//! The views over the resource list: one file per view.

pub mod audit;
pub mod confirm;
pub mod console;
pub mod describe;
pub mod help;
pub mod invocations;
pub mod invoke;
pub mod list;
pub mod menu;
pub mod pager;
pub mod payload;
pub mod probe;
