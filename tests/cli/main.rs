//! Every command end to end through the real binary, on real processes, files, stores and git
//! repositories in temporary directories: one module per command (or feature of one), plus the
//! help convention and the GitHub workflow `ci init` writes.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test binary: a panic is how a test fails, and what it prints is the diagnosis"
)]

#[path = "../common/mod.rs"]
mod common;

mod attest;
mod bisect;
mod check;
mod check_server;
mod ci_workflow;
mod compare;
mod detect;
mod doctor;
mod gate_trust;
mod gpu;
mod harness;
mod help;
mod hook;
mod ingest;
mod interleaved;
mod measure;
mod pairs;
mod profile;
mod push;
mod pyperf;
mod report;
mod report_single;
mod run;
mod testbed;
mod versus;
