//! The SQLite store, at library level, on real files in temporary directories: exact round
//! trips, migrations, refusals that leave the file alone, filters, baselines, concurrent
//! writers and a writer killed with SIGKILL in the middle of its transactions.

mod baselines;
mod builders;
mod concurrency;
mod filters;
mod killed_writer;
mod opening;
mod refusals;
mod round_trip;
