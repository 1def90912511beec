//! The SQLite store, at library level, on real files in temporary directories: exact round
//! trips, migrations, refusals that leave the file alone, filters, baselines, concurrent
//! writers and a writer killed with SIGKILL in the middle of its transactions.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test binary: a panic is how a test fails, and what it prints is the diagnosis"
)]

mod baselines;
mod builders;
mod concurrency;
mod filters;
mod killed_writer;
mod opening;
mod refusals;
mod round_trip;
mod team;
