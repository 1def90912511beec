//! Scaling of a parameter sweep: each metric of the benchmarks `name/n=...` fitted against
//! each numeric parameter (the fit itself is [`crate::stats::scaling`]), and the comparison
//! that flags a benchmark whose fitted complexity got worse, even when the small sizes look
//! the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{BenchStatus, Report};
use crate::stats::scaling::{fit, ScalingFit};

/// One metric of one sweep against one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingEntry {
    /// The benchmark without the swept parameter (`sort` for `sort/n=1000`), with the other
    /// parameters of the grid kept (`sort/algo=quick`).
    pub benchmark: String,
    pub parameter: String,
    pub metric: String,
    /// The sizes and the metric's medians, in increasing size.
    pub sizes: Vec<f64>,
    pub medians: Vec<f64>,
    pub fit: ScalingFit,
}

/// `name/k=v/...` without the `/param=value` segment of `param`.
fn without(name: &str, param: &str, value: &serde_json::Value) -> Option<String> {
    let shown = match value {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let segment = format!("/{param}={shown}");
    name.contains(&segment)
        .then(|| name.replacen(&segment, "", 1))
}

/// Every fit the report's sweeps allow: for each parameter with numeric values, the
/// benchmarks that differ only in it (3 or more sizes), per metric, on the medians.
pub fn fits(report: &Report) -> Vec<ScalingEntry> {
    // (rest of the name, parameter, metric) -> (size, median)
    let mut groups: BTreeMap<(String, String, String), Vec<(f64, f64)>> = BTreeMap::new();
    for b in report
        .benchmarks
        .iter()
        .filter(|b| b.status == BenchStatus::Ok)
    {
        for (param, value) in &b.params {
            let Some(size) = value.as_f64() else {
                continue;
            };
            let Some(rest) = without(&b.name, param, value) else {
                continue;
            };
            for m in &b.metrics {
                groups
                    .entry((rest.clone(), param.clone(), m.name.clone()))
                    .or_default()
                    .push((size, m.summary.median));
            }
        }
    }
    groups
        .into_iter()
        .filter_map(|((benchmark, parameter, metric), mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (sizes, medians): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
            let fit = fit(&sizes, &medians)?;
            Some(ScalingEntry {
                benchmark,
                parameter,
                metric,
                sizes,
                medians,
                fit,
            })
        })
        .collect()
}
