//! perfgate under hostile conditions, end to end through the binary: hostile or malformed
//! inputs, hard memory and file-size limits, signals while benchmarks run, processes and
//! temporary directories that must not outlive it, and how its files are written.

#[path = "../common/mod.rs"]
mod common;

mod bounded_output;
mod files;
mod hostile_inputs;
mod interrupt;
mod memory_bound;
mod processes;
mod small_things;
