//! cdkx: see and exercise a deployed AWS CDK app from the terminal.
//!
//! Layers, each depending only on those above it in this list:
//! `assembly` (cdk.out, pure) → `model` (app, resolver) → `catalogue` (commands) →
//! `aws` (the only SDK user) → `cache`/`deployed` (physical ids) → `actions` → `session` (what
//! both front ends load) and `present` (the text both show) → `tui` → `cli` (the launcher, which
//! parses the arguments and may open the TUI). Under all of them, used by every layer and using
//! none: `arn` (ARN parts, partitions), `kind` (CloudFormation resource types), `time` (clock,
//! `--since`, RFC 3339). `scripts/layers` checks the rules that can be checked from `use` lines.

pub mod actions;
pub mod arn;
pub mod assembly;
pub mod aws;
pub mod bounds;
pub mod cache;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod console;
pub mod deployed;
pub mod kind;
pub mod model;
pub mod present;
pub mod sanitize;
pub mod session;
pub mod time;
pub mod tui;
pub mod verdict;
