//! The engine: what every command (and, next, the server) calls. Plans in, outcomes out;
//! nothing here parses arguments, prints or picks an exit code.
//!
//! - [`measure`] a suite into a report (and [`measure_interleaved`] two builds in one window);
//! - [`judge`] a current report against a baseline: every verdict comes from the gate;
//! - [`check`]: what `perfgate check` decides per device (baseline, noise thresholds, gate,
//!   what is recorded, baselines bootstrapped or moved), and [`check_interleaved`];
//! - [`detect`] change points in a series, and over a store's histories
//!   ([`detect_recorded`]); the dashboard's input ([`dashboard`]);
//! - [`baseline`]: baselines made from reports, runs or pooled runs.

pub mod baseline;
mod check;
mod dashboard;
mod history;
mod measure;
pub mod profile;
mod reproduce;

pub use baseline::BaselineFrom;
pub use check::{
    check, check_interleaved, check_same_testbed, drift_note, hardware_drift, noise_rules,
    resolve_baseline, restrict_to_selection, BaselineChange, BaselineSource, CheckOutcome,
    CheckPlan, RecordedRun, Resolved, NOISE_LOOKBACK,
};
pub use dashboard::{charted_series, dashboard, headline, Compared, HistoryView};
pub use history::{
    detect_given, detect_recorded, histories, latest_report, parse_series, MetricPick, Pick,
    Picked, Recorded,
};
pub use measure::{executor, measure, measure_interleaved};
pub use reproduce::{reproduce_failures, reproduce_regressions};

use crate::gate::{self, CompareOptions, Comparison};
use crate::model::Report;
use crate::plan::{DetectPlan, GatePolicy};
use crate::stats::changepoint::{self, ChangePoint};

/// The gate's options for `policy`: the policy's thresholds and false-discovery rate, with
/// the gate's defaults for the rest.
pub fn compare_options(policy: &GatePolicy) -> CompareOptions {
    CompareOptions {
        threshold_pct: policy.threshold_pct.map(super::plan::ThresholdPct::get),
        config_rules: policy.config_rules.clone(),
        fdr: policy.fdr.rate(),
        ..CompareOptions::default()
    }
}

/// `current` against `baseline` under `policy`: every verdict, decided by the gate.
pub fn judge(baseline: &Report, current: &Report, policy: &GatePolicy) -> Comparison {
    gate::compare(baseline, current, &compare_options(policy))
}

/// The change points of one series (oldest first) under `plan`.
pub fn detect(series: &[f64], plan: &DetectPlan) -> Vec<ChangePoint> {
    changepoint::detect(series, &plan.options)
}
