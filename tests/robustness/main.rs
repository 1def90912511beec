//! perfgate under hostile conditions, end to end through the binary: hostile or malformed
//! inputs, hard memory and file-size limits, signals while benchmarks run, processes and
//! temporary directories that must not outlive it, and how its files are written.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test binary: a panic is how a test fails, and what it prints is the diagnosis"
)]

#[path = "../common/mod.rs"]
mod common;

mod bounded_output;
mod files;
mod hostile_inputs;
mod interrupt;
mod memory_bound;
mod processes;
mod small_things;
