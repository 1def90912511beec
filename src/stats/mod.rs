//! Statistics as pure functions over samples. No I/O, no printing, no clock: randomness is
//! always seeded by the caller so an interval can be reproduced from the report.

mod bootstrap;
pub mod changepoint;
mod descriptive;
mod mann_whitney;
mod outliers;
mod rng;
pub mod scaling;
mod shift;
mod summary;

pub use bootstrap::{
    bootstrap_ci, bootstrap_ci_and_p, bootstrap_relative_change_ci, resamples_for,
    BOOTSTRAP_RESAMPLES,
};
pub use descriptive::{mad, mean, median, percentile, percentile_sorted, stddev};
pub use mann_whitney::{benjamini_hochberg, mann_whitney_u};
pub(crate) use mann_whitney::{normal_sf, u_and_variance};
pub use outliers::{tukey_outliers, OutlierCounts};
pub use rng::SplitMix64;
pub use scaling::{got_worse, Complexity, ScalingFit};
pub use shift::{shift_ci95_pct, ShiftInterval};
pub use summary::{summarize, Summary};

/// A statistic that can be computed from a sample, as chosen by a threshold rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Statistic {
    Median,
    Mean,
    P95,
    P99,
}

impl Statistic {
    pub fn as_str(self) -> &'static str {
        match self {
            Statistic::Median => "median",
            Statistic::Mean => "mean",
            Statistic::P95 => "p95",
            Statistic::P99 => "p99",
        }
    }

    /// Computes the statistic of `xs`, which the function may reorder. `NaN` when empty.
    pub fn compute(self, xs: &mut [f64]) -> f64 {
        match self {
            Statistic::Mean => mean(xs),
            Statistic::Median => percentile_select(xs, 50.0),
            Statistic::P95 => percentile_select(xs, 95.0),
            Statistic::P99 => percentile_select(xs, 99.0),
        }
    }

    /// The same statistic read from an already computed summary.
    pub fn of_summary(self, s: &Summary) -> f64 {
        match self {
            Statistic::Median => s.median,
            Statistic::Mean => s.mean,
            Statistic::P95 => s.p95,
            Statistic::P99 => s.p99,
        }
    }
}

/// Same value as [`percentile_sorted`] in O(n) by selection instead of sorting: the bootstrap
/// calls it thousands of times per interval.
fn percentile_select(xs: &mut [f64], p: f64) -> f64 {
    let n = xs.len();
    if n <= 1 {
        return xs.first().copied().unwrap_or(f64::NAN);
    }
    let h = (n - 1) as f64 * (p.clamp(0.0, 100.0) / 100.0);
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let (_, lo_value, upper) = xs.select_nth_unstable_by(lo, f64::total_cmp);
    let lo_value = *lo_value;
    if frac == 0.0 || upper.is_empty() {
        return lo_value;
    }
    let hi_value = upper.iter().copied().fold(f64::INFINITY, f64::min);
    lo_value + (hi_value - lo_value) * frac
}

/// Sorts ascending; samples are validated finite before they reach here.
pub(crate) fn sort(xs: &mut [f64]) {
    xs.sort_unstable_by(f64::total_cmp);
}
