//! The trend artifact: a comparison in the normalised shape the seeds' weekly trend jobs
//! share, plus each metric's recent history, bounded so it never grows without limit.

use serde::{Deserialize, Serialize};

use crate::gate::{Comparison, Overall, Verdict};
use crate::model::Direction;

pub const TREND_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub schema_version: u32,
    pub suite: String,
    pub timestamp_utc: String,
    pub overall_status: Overall,
    pub total_metrics: usize,
    pub failed_metrics: usize,
    pub metrics: Vec<TrendMetric>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendMetric {
    /// `"<benchmark>.<metric>"`.
    pub metric: String,
    pub benchmark: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub status: Verdict,
    pub baseline: Option<f64>,
    /// The critical bound (a minimum for higher-is-better metrics).
    pub allowed_max: Option<f64>,
    pub current: Option<f64>,
    /// How many times worse than the baseline: current / baseline for lower-is-better metrics,
    /// baseline / current for higher-is-better ones; above 1 is worse.
    pub regression_ratio: Option<f64>,
    /// Recorded medians, oldest first.
    pub history: Vec<TrendPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub run_id: i64,
    pub timestamp_utc: String,
    pub commit: Option<String>,
    pub value: f64,
}

/// Builds the artifact from a comparison; `history(benchmark, metric)` gives the recorded
/// points (already bounded, oldest first).
pub fn build(c: &Comparison, history: impl Fn(&str, &str) -> Vec<TrendPoint>) -> Trend {
    Trend {
        schema_version: TREND_SCHEMA_VERSION,
        suite: c.suite.clone(),
        timestamp_utc: c.timestamp_utc.clone(),
        overall_status: c.overall_status,
        total_metrics: c.total_metrics,
        failed_metrics: c.failed_metrics,
        metrics: c
            .metrics
            .iter()
            .map(|m| TrendMetric {
                metric: format!("{}.{}", m.benchmark, m.metric),
                benchmark: m.benchmark.clone(),
                name: m.metric.clone(),
                unit: m.unit.clone(),
                direction: m.direction,
                status: m.status,
                baseline: m.baseline,
                allowed_max: m.allowed_max.or(m.allowed_min),
                current: m.current,
                regression_ratio: match (m.baseline, m.current) {
                    (Some(b), Some(c)) if b != 0.0 && c != 0.0 => Some(match m.direction {
                        Direction::LowerIsBetter => c / b,
                        Direction::HigherIsBetter => b / c,
                    }),
                    _ => None,
                },
                history: history(&m.benchmark, &m.metric),
            })
            .collect(),
    }
}
