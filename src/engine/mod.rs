//! The engine: what every command (and, next, the server) calls. Plans in, outcomes out:
//! [`measure`] a suite into a report, [`judge`] a current report against a baseline with the
//! gate, [`detect`] change points in a series. The commands only turn arguments into plans
//! ([`crate::cli`]), call these, and render.

pub mod baseline;
mod measure;

pub use baseline::BaselineFrom;
pub use measure::{executor, measure, measure_interleaved};

use crate::gate::{self, CompareOptions, Comparison};
use crate::model::Report;
use crate::plan::{DetectPlan, GatePolicy};
use crate::stats::changepoint::{self, ChangePoint};

/// The gate's options for `policy`: the policy's thresholds and false-discovery rate, with
/// the gate's defaults for the rest.
pub fn compare_options(policy: &GatePolicy) -> CompareOptions {
    CompareOptions {
        threshold_pct: policy.threshold_pct.map(|p| p.get()),
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
