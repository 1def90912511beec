//! The self-contained HTML dashboard: one file, inline CSS and SVG charts, a few lines of
//! inline JavaScript (filters), no network. Every string from a benchmark is escaped.

mod axis;
mod charts;
pub mod escape;
mod page;
mod profiles;
mod sections;
mod svg;

use crate::gate::Comparison;
use crate::model::{Direction, Report};
use crate::store::{HistoryPoint, RunInfo};

/// Everything the dashboard shows. Each part is optional: a dashboard can be drawn from a
/// report alone, a comparison, or the history store.
#[derive(Debug, Clone, Default)]
pub struct DashboardInput {
    /// The page title (usually the suite).
    pub title: String,
    /// Verdicts of the latest report against its baseline.
    pub comparison: Option<Comparison>,
    /// The latest report (its samples make the distribution charts; its machine block the
    /// environment section).
    pub current: Option<Report>,
    /// The baseline report, for its samples beside the current ones.
    pub baseline: Option<Report>,
    /// One series per benchmark and metric, oldest point first.
    pub history: Vec<MetricSeries>,
    /// The recorded runs the history comes from, newest first (machine, commit, date).
    pub runs: Vec<RunInfo>,
}

#[derive(Debug, Clone)]
pub struct MetricSeries {
    pub benchmark: String,
    pub metric: String,
    pub unit: String,
    pub direction: Direction,
    /// Oldest first.
    pub points: Vec<HistoryPoint>,
    /// The baseline's value of this metric (drawn as a line), when known.
    pub baseline_value: Option<f64>,
    /// Where a new level begins (detected change points; `index` is into `points`).
    pub change_points: Vec<crate::stats::changepoint::ChangePoint>,
}

/// The dashboard as one HTML document.
pub fn dashboard(input: &DashboardInput) -> String {
    page::render(input)
}
