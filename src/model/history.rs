//! A metric's recorded history: the runs it came from and its summary in each. The store
//! returns these and the dashboard, the trend artifact and change-point detection read them.

use crate::model::{Direction, GitInfo, Selection};
use crate::stats::Summary;

/// A recorded run's id in a store.
pub type RunId = i64;

/// One recorded run, without its benchmarks.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    pub id: RunId,
    pub suite: String,
    pub timestamp_utc: String,
    pub git: Option<GitInfo>,
    pub machine_id: String,
    /// The run's testbed (`Report::testbed`).
    pub testbed: String,
    pub hostname: String,
    pub device: String,
    pub config_sha256: String,
    pub tool_version: String,
    /// What the gate of the `check` that recorded this run said: `pass`, `warn` or `fail`;
    /// `None` when it was recorded without a gate.
    pub gate: Option<String>,
    /// The `--tag`/`--filter` subset, when the run was not the whole suite.
    pub selection: Option<Selection>,
}

/// One point of a metric's history: the run it came from and the metric's summary there.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPoint {
    pub run: RunInfo,
    pub benchmark: String,
    pub metric: String,
    pub unit: String,
    pub direction: Direction,
    pub summary: Summary,
    /// The verdict a gate gave this metric in this run; `None` when it was not judged.
    pub verdict: Option<String>,
}
