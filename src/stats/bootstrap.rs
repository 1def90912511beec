//! Percentile bootstrap confidence intervals (Efron & Tibshirani 1993, ch. 13), seeded.

use super::{percentile_sorted, sort, SplitMix64, Statistic};

/// Resamples per interval. 10,000 keeps the Monte-Carlo error of a 95% percentile interval's
/// endpoints well below the sampling error for the sample sizes perfgate sees.
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;

/// Resamples for a bootstrap over `n` values in all: [`BOOTSTRAP_RESAMPLES`] up to 200
/// values, then fewer so that resamples x n stays at 2,000,000 (never under 1,000). 1,000
/// resamples place a 95% interval's ends well within their own width, while 10,000 over
/// thousands of samples would cost seconds after every comparison.
pub fn resamples_for(n: usize) -> usize {
    (2_000_000 / n.max(1)).clamp(1_000, BOOTSTRAP_RESAMPLES)
}

/// Two-sided `level` (e.g. 0.95) bootstrap interval of `stat` over `xs`.
pub fn bootstrap_ci(
    xs: &[f64],
    stat: Statistic,
    level: f64,
    resamples: usize,
    rng: &mut SplitMix64,
) -> [f64; 2] {
    match xs.len() {
        0 => return [f64::NAN, f64::NAN],
        1 => return [xs[0], xs[0]],
        _ => {}
    }
    interval(&mut estimates(xs, stat, resamples, rng), level)
}

/// [`bootstrap_ci`], and from the same resamples the two-sided bootstrap p-value of `stat`
/// being `null`: twice the smaller share of estimates on either side of it (an estimate equal
/// to `null` counts on both sides), at most 1. Consistent with the interval: when it excludes
/// `null`, at most `1 - level` of the estimates lie beyond it on that side, so `p <= 1 - level`.
pub fn bootstrap_ci_and_p(
    xs: &[f64],
    stat: Statistic,
    level: f64,
    resamples: usize,
    rng: &mut SplitMix64,
    null: f64,
) -> ([f64; 2], f64) {
    if xs.len() < 2 {
        // Nothing varies, so nothing is tested.
        return (bootstrap_ci(xs, stat, level, resamples, rng), 1.0);
    }
    let mut estimates = estimates(xs, stat, resamples, rng);
    let below = estimates.iter().filter(|e| **e <= null).count();
    let above = estimates.iter().filter(|e| **e >= null).count();
    let p = (2.0 * below.min(above) as f64 / estimates.len() as f64).min(1.0);
    (interval(&mut estimates, level), p)
}

/// `stat` of each of `resamples` resamples of `xs` (2 or more values).
fn estimates(xs: &[f64], stat: Statistic, resamples: usize, rng: &mut SplitMix64) -> Vec<f64> {
    let mut buf = vec![0.0; xs.len()];
    let mut estimates = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let estimate = if stat == Statistic::Mean {
            // Same draws as `resample_into` + mean, without the copy.
            let n = xs.len();
            (0..n).map(|_| xs[rng.below(n)]).sum::<f64>() / n as f64
        } else {
            resample_into(xs, &mut buf, rng);
            stat.compute(&mut buf)
        };
        estimates.push(estimate);
    }
    estimates
}

/// Interval of the relative change `stat(current) / stat(baseline) - 1`, in percent, from
/// independent resamples of both sides.
pub fn bootstrap_relative_change_ci(
    baseline: &[f64],
    current: &[f64],
    stat: Statistic,
    level: f64,
    resamples: usize,
    rng: &mut SplitMix64,
) -> Option<[f64; 2]> {
    if baseline.len() < 2 || current.len() < 2 {
        return None;
    }
    let mut b = vec![0.0; baseline.len()];
    let mut c = vec![0.0; current.len()];
    let mut estimates = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        resample_into(baseline, &mut b, rng);
        resample_into(current, &mut c, rng);
        let base = stat.compute(&mut b);
        if base == 0.0 {
            continue;
        }
        estimates.push((stat.compute(&mut c) / base - 1.0) * 100.0);
    }
    if estimates.is_empty() {
        return None;
    }
    Some(interval(&mut estimates, level))
}

fn resample_into(xs: &[f64], out: &mut [f64], rng: &mut SplitMix64) {
    for slot in out.iter_mut() {
        *slot = xs[rng.below(xs.len())];
    }
}

fn interval(estimates: &mut [f64], level: f64) -> [f64; 2] {
    sort(estimates);
    let alpha = (1.0 - level) / 2.0;
    [
        percentile_sorted(estimates, alpha * 100.0),
        percentile_sorted(estimates, (1.0 - alpha) * 100.0),
    ]
}
