//! History and baselines. Callers open a store with [`open`] (or [`open_read_only`]) and use
//! the [`Store`] trait only, so a PostgreSQL store for teams can be added beside
//! [`sqlite::SqliteStore`] without touching them.
//!
//! Every report is recorded whole (run metadata, benchmarks, metrics, every sample bit for
//! bit) in one transaction: a killed process leaves either the whole report or nothing.
//! Baselines are whole reports too (a pooled baseline is not a single run), keyed by suite,
//! device, machine id and name.

mod open;
pub mod postgres;
pub mod sqlite;

pub use open::{open, open_read_only};

use crate::model::Report;

/// Default location of the store under the project root.
pub const DEFAULT_STORE_PATH: &str = ".perfgate/perfgate.db";

pub use crate::error::StoreError;
pub use crate::model::history::{HistoryPoint, RunId, RunInfo};

/// What a gate said of a run, recorded with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// `pass`, `warn` or `fail` (the comparison's overall status).
    pub gate: String,
    pub verdicts: Vec<MetricVerdict>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricVerdict {
    pub benchmark: String,
    pub metric: String,
    /// `stable`, `critical`, ... (see `gate::Verdict::as_str`).
    pub verdict: String,
}

/// Which runs to look at. Every `None` means "any". Results are newest first (by run id,
/// which grows with each record).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub suite: Option<String>,
    pub machine_id: Option<String>,
    pub device: Option<String>,
    pub branch: Option<String>,
    /// At most this many runs (the newest).
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BaselineKey {
    pub suite: String,
    pub device: String,
    pub machine_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BaselineInfo {
    pub key: BaselineKey,
    pub created_utc: String,
    /// Where it came from, in words: "report ci.json", "run 42", "pooled runs 40-44".
    pub source: String,
}

/// A history store: recorded runs and named baselines. Open one with [`open`].
pub trait Store {
    /// Records a whole report in one transaction and returns its run id.
    fn record(&mut self, report: &Report) -> Result<RunId, StoreError> {
        self.record_judged(report, None)
    }
    /// Records a whole report and what a gate said of it, in one transaction.
    fn record_judged(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<RunId, StoreError>;
    /// Recorded runs matching `filter`, newest first.
    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunInfo>, StoreError>;
    /// The recorded report of a run, exactly as it was recorded (samples bit for bit).
    fn report(&self, id: RunId) -> Result<Report, StoreError>;
    /// Distinct (benchmark, metric) names recorded in runs matching `filter`, sorted.
    fn series(&self, filter: &RunFilter) -> Result<Vec<(String, String)>, StoreError>;
    /// One metric's history over the runs matching `filter`, newest first; runs where the
    /// benchmark has no such metric (failed, skipped) are left out.
    fn metric_history(
        &self,
        filter: &RunFilter,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<HistoryPoint>, StoreError>;
    /// Saves (or replaces) a baseline.
    fn save_baseline(
        &mut self,
        key: &BaselineKey,
        report: &Report,
        source: &str,
    ) -> Result<(), StoreError>;
    /// The baseline stored under `key`; `None` when there is none.
    fn baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError>;
    /// All baselines, sorted by key.
    fn baselines(&self) -> Result<Vec<BaselineInfo>, StoreError>;
    /// Removes a baseline; false when there was none.
    fn remove_baseline(&mut self, key: &BaselineKey) -> Result<bool, StoreError>;
}
