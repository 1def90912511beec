//! Every harness adapter on real outputs of the real tool (tests/fixtures/<adapter>/, each
//! with a README naming the tool's version and the exact command), plus properties that
//! hold for all of them.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test binary: a panic is how a test fails, and what it prints is the diagnosis"
)]

mod fixture;
mod properties;

mod asv;
mod benchmark_ips;
mod benchmarkjs;
mod bmf;
mod catch2;
mod criterion;
mod divan;
mod gbench;
mod gotest;
mod hyperfine;
mod iai;
mod json;
mod libtest;
mod perfgate;
mod pyperf;
mod pytest;
mod vitest;
