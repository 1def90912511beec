//! Profiles of a benchmark, kept in the report of the run they explain: which profiler ran,
//! each side's folded stacks (bounded), and the functions whose cost grew the most.

use serde::{Deserialize, Serialize};

/// What a profile measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// CPU time (perf's `cpu-clock` samples) or instructions (callgrind).
    Cpu,
    /// Heap bytes live at the peak (heaptrack, massif).
    Memory,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Cpu => "cpu",
            ProfileKind::Memory => "memory",
        }
    }
}

/// One benchmark's profile of one kind, on both sides of a comparison (or the candidate's
/// alone when there was no baseline build to run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchProfile {
    pub benchmark: String,
    pub kind: ProfileKind,
    /// The profiler and its settings (`perf 6.1.187 (cpu-clock, 999 Hz, dwarf call graphs)`).
    pub tool: String,
    /// Why this profiler (`perf_event_paranoid is 2: cpu-clock is permitted`).
    pub why: String,
    /// The unit of every cost below, per run of the command: `s` (CPU seconds estimated from
    /// samples), `instructions`, or `bytes`.
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<ProfileSide>,
    pub candidate: ProfileSide,
    /// Functions ranked by how much their inclusive cost grew, per run (at most 10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grown: Vec<GrownFunction>,
    /// Files written next to the report (flame graphs, folded stacks, the summary).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<String>,
    /// What could not be done (`no baseline build to profile: ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One side's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSide {
    /// The command that was profiled (`{bin}` filled in).
    pub command: String,
    /// How many runs of the command the stacks sum over.
    pub runs: u32,
    /// The whole cost per run, in the profile's unit.
    pub total: f64,
    /// Folded stacks, `outer;...;inner <weight>` per line, the raw weights summed over all
    /// runs (samples, instructions or bytes). Bounded: when the heaviest stacks exceed the
    /// limit, the rest are summed into one `[other stacks]` line.
    pub folded: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// A function whose cost grew: inclusive costs per run on each side, in the profile's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrownFunction {
    pub function: String,
    pub baseline: f64,
    pub candidate: f64,
    pub delta: f64,
    /// `delta / baseline` in percent; `None` when the function cost nothing before.
    pub percent: Option<f64>,
    /// The growth of its own (exclusive) cost, without its callees'.
    pub self_delta: f64,
}
