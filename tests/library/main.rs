//! The library's parts on inputs built in memory or read from fixtures: the gate, statistics
//! and scaling fits against independent references, the renderers (snapshots and the HTML
//! dashboard), the parsers under fuzzing, and the published JSON Schemas against what the
//! binary writes.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test binary: a panic is how a test fails, and what it prints is the diagnosis"
)]

#[path = "../common/mod.rs"]
mod common;

mod fuzz_parsers;
mod gate;
mod gate_intervals;
mod html_dashboard;
mod memory_profile;
mod render_snapshots;
mod scaling_reference;
mod schema;
mod stats_reference;
