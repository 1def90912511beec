//! Why a benchmark got slower: its command re-run under a profiler on both sides of a
//! comparison (the baseline build and the candidate), the profiles folded into stacks, and
//! the functions whose cost grew the most.
//!
//! A profile is a set of *folded stacks*: `root;caller;callee` -> weight, the format
//! flame graph tools read. The weight's unit depends on the profiler ([`StackUnit`]):
//! samples of a software clock (perf), instructions (callgrind, exact and repeatable), or
//! bytes live at the peak (heaptrack, massif).

pub mod memory;
pub mod symbols;

use std::collections::BTreeMap;
use std::time::Duration;

/// What bounds one side's profile: how long the profiled runs last in all, how often perf
/// samples, and how big a profiler's raw output may grow before it is cut.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Profiled runs of the command are repeated until this much time is covered (at least
    /// one run, at most [`Limits::max_runs`]).
    pub duration: Duration,
    pub max_runs: u32,
    /// perf's sampling frequency (Hz) of the `cpu-clock` software event.
    pub frequency: u32,
    /// The largest raw profiler output kept (perf.data, callgrind.out, heaptrack's file),
    /// and, after folding, the largest folded text kept per side.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            duration: Duration::from_secs(2),
            max_runs: 50,
            frequency: 999,
            max_bytes: 64 << 20,
        }
    }
}

/// The unit of a folded stack's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackUnit {
    /// Samples of a clock ticking at this many Hz: one sample is about 1/Hz s of CPU time.
    Samples { hz: u32 },
    /// Instructions executed (callgrind's `Ir`).
    Instructions,
    /// Bytes allocated and live at the profile's peak (heap memory).
    Bytes,
}

/// One side's profile: folded stacks, summed over `runs` runs of the command.
#[derive(Debug, Clone, PartialEq)]
pub struct Stacks {
    pub unit: StackUnit,
    /// `outermost;...;innermost` frame names (demangled, hashes stripped) -> weight.
    pub folded: BTreeMap<String, u64>,
    /// How many runs of the command the weights sum over (sides are compared per run).
    pub runs: u32,
}

/// A side's profile and the profiler that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub stacks: Stacks,
    /// The profiler and its settings, e.g. `perf 6.1.187 (cpu-clock, 999 Hz, dwarf)`,
    /// `valgrind-3.19.0 callgrind`, `heaptrack 1.4.0 (peak)`.
    pub tool: String,
    /// Why this profiler was used, e.g. `perf is not installed; callgrind always works`.
    pub why: String,
}
