//! The summary recorded with every metric.

use serde::{Deserialize, Serialize};

use super::{
    bootstrap_ci, mad, mean, percentile_sorted, sort, stddev, tukey_outliers, OutlierCounts,
    SplitMix64, Statistic, BOOTSTRAP_RESAMPLES,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Sample standard deviation (n - 1).
    pub stddev: f64,
    /// Coefficient of variation, stddev / mean, as a fraction (0.05 = 5%); 0 when mean is 0.
    pub cv: f64,
    pub median: f64,
    pub p95: f64,
    pub p99: f64,
    /// Unscaled median absolute deviation.
    pub mad: f64,
    pub ci95_mean: [f64; 2],
    pub ci95_median: [f64; 2],
    pub outliers: OutlierCounts,
}

/// Bootstrap resamples for a sample of `n`: [`BOOTSTRAP_RESAMPLES`] up to 200 values, then
/// fewer so that resamples x n stays at 2,000,000 (never under 1,000). A 3-second run of a
/// 1 ms command has 3,000 samples; its interval is narrow and 1,000 resamples place its ends
/// well within their own width, while 10,000 would cost seconds after every run.
pub fn resamples_for(n: usize) -> usize {
    (2_000_000 / n.max(1)).clamp(1_000, BOOTSTRAP_RESAMPLES)
}

/// Summarises a non-empty sample of finite values. `rng` drives the bootstrap intervals.
pub fn summarize(samples: &[f64], rng: &mut SplitMix64) -> Summary {
    assert!(!samples.is_empty(), "summarize needs at least one sample");
    let mut sorted = samples.to_vec();
    sort(&mut sorted);
    let m = mean(&sorted);
    let sd = stddev(&sorted);
    Summary {
        n: sorted.len(),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        mean: m,
        stddev: sd,
        cv: if m != 0.0 { sd / m.abs() } else { 0.0 },
        median: percentile_sorted(&sorted, 50.0),
        p95: percentile_sorted(&sorted, 95.0),
        p99: percentile_sorted(&sorted, 99.0),
        mad: mad(&sorted),
        ci95_mean: bootstrap_ci(
            samples,
            Statistic::Mean,
            0.95,
            resamples_for(samples.len()),
            rng,
        ),
        ci95_median: bootstrap_ci(
            samples,
            Statistic::Median,
            0.95,
            resamples_for(samples.len()),
            rng,
        ),
        outliers: tukey_outliers(&sorted),
    }
}
