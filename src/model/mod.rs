//! The shared vocabulary: a [`Report`] is the one contract between stages.
//!
//! Everything here is plain data with serde derives. Values are stored in SI base units
//! (seconds, bytes, items per second); human units exist only in `render`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod file;
pub mod history;
pub mod profile;
pub mod scaling;
pub mod testbed;
pub mod threshold;
pub mod units;

use crate::stats::Summary;
pub use file::report_id;
use threshold::ThresholdRule;
pub use units::Unit;

/// Version of the report JSON layout. Bumped on any incompatible change; readers refuse others.
pub const SCHEMA_VERSION: u32 = 1;

pub const TOOL_NAME: &str = "perfgate";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Well-known metric names: the process runner's, and the ones several harness adapters
/// share, so that renderers find a benchmark's time, memory and throughput by name.
pub mod metric_names {
    /// Elapsed time of a whole process run (the runner, hyperfine).
    pub const WALL_TIME: &str = "wall_time";
    pub const USER_TIME: &str = "user_time";
    pub const SYS_TIME: &str = "sys_time";
    /// Peak resident memory of a process run.
    pub const PEAK_RSS: &str = "peak_rss";
    /// Items per second; a harness that reports several rates names the others
    /// `throughput_<item>`.
    pub const THROUGHPUT: &str = "throughput";
    /// A harness's time per iteration (criterion, libtest, pytest-benchmark, go test...).
    pub const TIME: &str = "time";
    /// Google Benchmark's times per iteration: elapsed, and CPU time of the process.
    pub const REAL_TIME: &str = "real_time";
    pub const CPU_TIME: &str = "cpu_time";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub suite: String,
    pub timestamp_utc: String,
    /// `None` (JSON `null`) outside a git repository.
    pub git: Option<GitInfo>,
    pub machine: Machine,
    /// The testbed: a stable name for a kind of machine (`--testbed`, `PERFGATE_TESTBED`,
    /// `testbed = ...` in the config), so that fresh CI runners of one kind share one history
    /// and baseline. `None`: the machine itself is the testbed (see [`Report::testbed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testbed: Option<String>,
    pub device: String,
    pub config_sha256: String,
    /// Seed of the bootstrap resampling, so the same samples reproduce the same intervals.
    pub seed: u64,
    pub benchmarks: Vec<BenchmarkResult>,
    /// Per-metric rules carried by a baseline file (`"bench.metric"` or a glob -> rule).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thresholds: BTreeMap<String, ThresholdRule>,
    /// Where the measurements came from when perfgate did not take them itself: the harness
    /// whose output was ingested, with its own metadata. Absent for `perfgate run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Complexity fits of parameter sweeps (derived from `benchmarks`; see
    /// [`crate::model::scaling::fits`]). Absent when nothing was swept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scaling: Vec<crate::model::scaling::ScalingEntry>,
    /// The part of the suite that was asked for (`--tag`, `--filter`), when it was not the
    /// whole suite. A partial report is compared only on what it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// Profiles of benchmarks that regressed (`check --profile-regressions`, `perfgate
    /// profile`): why they got slower or bigger. Absent when nothing was profiled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<profile::BenchProfile>,
}

/// Which benchmarks of a suite a partial run selected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Benchmarks with any of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Benchmarks whose name matches this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

impl Selection {
    /// In words, for notes and history: `--tag smoke --filter 'sort'`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .tags
            .iter()
            .map(|t| format!("--tag {}", crate::shell::quote(t)))
            .collect();
        if let Some(f) = &self.filter {
            parts.push(format!("--filter {}", crate::shell::quote(f)));
        }
        parts.join(" ")
    }
}

impl Report {
    /// The testbed baselines and history are keyed by: the named one, else the machine id.
    pub fn testbed(&self) -> &str {
        self.testbed.as_deref().unwrap_or(&self.machine.id)
    }

    /// The report with its `scaling` fits computed from its benchmarks.
    pub fn with_scaling(mut self) -> Self {
        self.scaling = crate::model::scaling::fits(&self);
        self
    }
}

/// The harness behind an ingested report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The adapter that read it (`criterion`, `gbench`, ...).
    pub format: String,
    /// The harness's own metadata as it wrote it: version, context, host, date.
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn current() -> Self {
        Tool {
            name: TOOL_NAME.to_string(),
            version: TOOL_VERSION.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitInfo {
    pub commit: String,
    /// `None` on a detached HEAD.
    pub branch: Option<String>,
    pub dirty: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Stable fingerprint of hardware and OS (not of the hostname or the boot).
    pub id: String,
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub cores: u32,
    pub memory_bytes: u64,
    /// The GPUs and driver, recorded when a `cuda` benchmark ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<MachineGpu>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineGpu {
    /// Model names, one per device (`NVIDIA H100 80GB HBM3`).
    pub models: Vec<String>,
    pub driver: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchStatus {
    Ok,
    Failed,
    Skipped,
}

impl BenchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BenchStatus::Ok => "ok",
            BenchStatus::Failed => "failed",
            BenchStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkResult {
    pub name: String,
    pub status: BenchStatus,
    /// Why a benchmark failed or was skipped (exit status, time-out, stderr tail, missing device).
    pub reason: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    #[serde(default = "default_device")]
    pub device: String,
    /// The command as the user would type it, for reproduction.
    #[serde(default)]
    pub command: Option<String>,
    /// Warm-up runs done before measuring (not part of the samples).
    #[serde(default)]
    pub warmup_runs: u32,
    /// Processes its runs (setup, prepare and cleanup included) left running in their process
    /// group after they exited; perfgate killed them. A finding, not a failure; absent when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub leaked_processes: u64,
    pub metrics: Vec<Metric>,
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn default_device() -> String {
    "cpu".to_string()
}

impl BenchmarkResult {
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    pub unit: Unit,
    pub direction: Direction,
    pub samples: Vec<f64>,
    /// How many separate processes the samples came from, when fewer than the samples: a
    /// harness's inner iterations of one process are not independent runs, so they are not
    /// tested for significance. Absent: each sample is its own process run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<u64>,
    pub summary: Summary,
}

/// What kind of quantity a metric is; picks default thresholds and human formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Time,
    Memory,
    Throughput,
    /// Deterministic event counts (`unit = "count"`: instructions, cache hits).
    Count,
    Other,
}

impl MetricKind {
    /// A rate is a throughput only when more is better: a `faults/s` to keep low is not.
    pub fn of(unit: &Unit, direction: Direction) -> Self {
        match unit {
            Unit::Seconds => MetricKind::Time,
            Unit::Bytes => MetricKind::Memory,
            Unit::PerSecond(_) if direction == Direction::HigherIsBetter => MetricKind::Throughput,
            Unit::Count => MetricKind::Count,
            Unit::PerSecond(_) | Unit::Custom(_) => MetricKind::Other,
        }
    }
}

impl Metric {
    pub fn kind(&self) -> MetricKind {
        MetricKind::of(&self.unit, self.direction)
    }
}
