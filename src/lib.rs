//! cdkx: see and exercise a deployed AWS CDK app from the terminal.
//!
//! Layers, each depending only on those above it in this list:
//! `assembly` (cdk.out, pure) → `model` (app, resolver) → `catalogue` (commands) →
//! `aws` (the only SDK user) → `cache`/`deployed` (physical ids) → `actions` → `cli` and `tui`
//! (the two front ends).

pub mod actions;
pub mod assembly;
pub mod aws;
pub mod bounds;
pub mod cache;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod console;
pub mod deployed;
pub mod model;
pub mod sanitize;
pub mod tui;
pub mod verdict;
