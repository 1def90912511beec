//! The heap-memory profile of a benchmark's command: bytes live at the peak, by call site.
//! (To be written: heaptrack when installed, else valgrind's massif.)

use super::{Limits, Recorded};
use crate::config::BenchSpec;
use crate::runner::Executor;

/// Records the heap profile of one run of `spec`'s command.
pub fn record(
    _spec: &BenchSpec,
    _limits: &Limits,
    _exec: &mut dyn Executor,
) -> Result<Recorded, String> {
    Err("memory profiles: not available yet".into())
}
