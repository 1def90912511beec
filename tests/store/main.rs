//! The stores, at library level: SQLite on real files in temporary directories and PostgreSQL
//! in a fresh database per test (when `PERFGATE_TEST_POSTGRES` names a server; see
//! backends.rs). Behaviour tests run on both backends: exact round
//! trips, migrations, refusals that leave the file alone, filters, baselines, concurrent
//! writers and a writer killed with SIGKILL in the middle of its transactions.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test binary: a panic is how a test fails, and what it prints is the diagnosis"
)]

mod backends;
mod baselines;
mod builders;
mod concurrency;
mod filters;
mod killed_writer;
mod opening;
#[path = "../common/postgres.rs"]
mod pg;
mod postgres;
mod refusals;
mod round_trip;
mod team;
