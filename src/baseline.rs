//! Baselines from history: pooling the samples of several recorded runs.

use crate::model::{BenchStatus, BenchmarkResult, Report};
use crate::stats::{summarize, SplitMix64};

/// Pools `reports` (newest first) into one baseline: per benchmark and metric, the samples of
/// every run where the benchmark succeeded, concatenated, with a fresh summary. Metadata (git,
/// timestamp, machine) comes from the newest report. The seeds ask for baselines "averaged over
/// several runs on a quiet machine"; pooling samples keeps the spread honest, where averaging
/// medians would hide it.
pub fn pool(reports: &[Report]) -> Option<Report> {
    let newest = reports.first()?;
    let mut pooled = newest.clone();
    pooled.benchmarks = Vec::new();
    for report in reports {
        for bench in report
            .benchmarks
            .iter()
            .filter(|b| b.status == BenchStatus::Ok)
        {
            let slot = match pooled
                .benchmarks
                .iter_mut()
                .position(|b| b.name == bench.name)
            {
                Some(i) => &mut pooled.benchmarks[i],
                None => {
                    pooled.benchmarks.push(BenchmarkResult {
                        metrics: Vec::new(),
                        ..bench.clone()
                    });
                    pooled.benchmarks.last_mut().expect("just pushed")
                }
            };
            for metric in &bench.metrics {
                match slot.metrics.iter_mut().find(|m| m.name == metric.name) {
                    Some(m) => m.samples.extend_from_slice(&metric.samples),
                    None => slot.metrics.push(metric.clone()),
                }
            }
        }
    }
    for bench in &mut pooled.benchmarks {
        for m in &mut bench.metrics {
            let mut rng = SplitMix64::derive(pooled.seed, &format!("{}.{}", bench.name, m.name));
            m.summary = summarize(&m.samples, &mut rng);
        }
    }
    Some(pooled)
}
