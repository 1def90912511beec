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
/// fewer so that resamples x n stays at 2,000,000 (never under 1,000; [`summarize`] does not
/// bootstrap above [`LARGE_SAMPLE`]). A 3-second run of a
/// 1 ms command has 3,000 samples; its interval is narrow and 1,000 resamples place its ends
/// well within their own width, while 10,000 would cost seconds after every run.
pub fn resamples_for(n: usize) -> usize {
    (2_000_000 / n.max(1)).clamp(1_000, BOOTSTRAP_RESAMPLES)
}

/// Above this many samples, where the bootstrap would get fewer than 1,000 resamples within
/// its budget, [`summarize`] gives the large-sample intervals instead: at this size they are
/// what the percentile bootstrap converges to, and they cost nothing after the sort, where
/// 1,000 resamples cost 1,000 x n (a metric of a million samples took minutes to summarise).
pub const LARGE_SAMPLE: usize = 2_000;

/// The 0.975 quantile of the standard normal distribution.
const Z_975: f64 = 1.959_963_984_540_054;

/// Summarises a non-empty sample of finite values. `rng` drives the bootstrap intervals (up
/// to [`LARGE_SAMPLE`] values; above, it is not used).
pub fn summarize(samples: &[f64], rng: &mut SplitMix64) -> Summary {
    assert!(!samples.is_empty(), "summarize needs at least one sample");
    let mut sorted = samples.to_vec();
    sort(&mut sorted);
    let m = mean(&sorted);
    let sd = stddev(&sorted);
    let (ci95_mean, ci95_median) = if sorted.len() > LARGE_SAMPLE {
        large_sample_intervals(&sorted, m, sd)
    } else {
        let resamples = resamples_for(samples.len());
        (
            bootstrap_ci(samples, Statistic::Mean, 0.95, resamples, rng),
            bootstrap_ci(samples, Statistic::Median, 0.95, resamples, rng),
        )
    };
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
        ci95_mean,
        ci95_median,
        outliers: tukey_outliers(&sorted),
    }
}

/// 95% intervals of the mean (normal: mean +- z s / sqrt(n)) and of the median (the
/// distribution-free one between two order statistics: how many samples fall below the
/// median is Binomial(n, 1/2), taken as normal at these sizes).
fn large_sample_intervals(sorted: &[f64], mean: f64, sd: f64) -> ([f64; 2], [f64; 2]) {
    let n = sorted.len() as f64;
    let half = Z_975 * sd / n.sqrt();
    // 1-based ranks (n - z sqrt(n)) / 2 and 1 + (n + z sqrt(n)) / 2, rounded outwards.
    let lo = ((n - Z_975 * n.sqrt()) / 2.0).floor().max(1.0) as usize;
    let hi = ((n + Z_975 * n.sqrt()) / 2.0 + 1.0).ceil().min(n) as usize;
    ([mean - half, mean + half], [sorted[lo - 1], sorted[hi - 1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A skewed sample (exponential-like, from the seeded generator) of `n` values.
    fn skewed(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..n)
            .map(|_| 1.0 - (1.0 - rng.below(1 << 30) as f64 / f64::from(1u32 << 30)).ln())
            .collect()
    }

    #[test]
    fn large_sample_intervals_agree_with_the_bootstrap_where_they_take_over() {
        let xs = skewed(LARGE_SAMPLE + 1, 11);
        let s = summarize(&xs, &mut SplitMix64::new(3));
        let mut rng = SplitMix64::new(3);
        for (stat, ours) in [
            (Statistic::Mean, s.ci95_mean),
            (Statistic::Median, s.ci95_median),
        ] {
            // Many resamples, so that the bootstrap's own Monte-Carlo error is small.
            let boot = bootstrap_ci(&xs, stat, 0.95, 4_000, &mut rng);
            let width = boot[1] - boot[0];
            for k in 0..2 {
                let off = (ours[k] - boot[k]).abs() / width;
                assert!(off < 0.1, "{stat:?}: {ours:?} vs bootstrap {boot:?}");
            }
        }
        assert!(s.ci95_median[0] < s.median && s.median < s.ci95_median[1]);
    }

    #[test]
    fn a_large_sample_is_summarised_without_resampling() {
        let xs = skewed(200_000, 5);
        let a = summarize(&xs, &mut SplitMix64::new(1));
        // No random draw: any seed gives the same intervals.
        let b = summarize(&xs, &mut SplitMix64::new(2));
        assert_eq!((a.ci95_mean, a.ci95_median), (b.ci95_mean, b.ci95_median));
        let half = (a.ci95_mean[1] - a.ci95_mean[0]) / 2.0;
        assert!(
            (half - Z_975 * a.stddev / (200_000f64).sqrt()).abs() < 1e-12,
            "{half}"
        );
        assert!(a.ci95_median[0] < a.median && a.median < a.ci95_median[1]);
    }
}
