//! The 95% interval of a metric's change and the estimate it belongs to.

use super::CompareOptions;
use crate::stats::{
    bootstrap_relative_change_ci, resamples_for, shift_ci95_pct, ShiftInterval, SplitMix64,
    Statistic,
};

pub(super) enum Interval {
    /// A point estimate of the change and its 95% interval, in percent; the estimate is inside.
    Pct {
        estimate: f64,
        ci: [f64; 2],
    },
    TooFewSamples,
    NotTested,
}

/// The relative change with its 95% interval. For the median (the default statistic): the
/// Hodges-Lehmann shift with its distribution-free Moses interval, deterministic and
/// consistent with a Mann-Whitney test. For the mean and tail percentiles, or samples too
/// large for the pairwise method: the change of the statistic with a seeded percentile
/// bootstrap interval of it, widened to reach the estimate where the bootstrap distribution
/// lies almost all on one side of it (discrete samples, tail percentiles of few runs), so an
/// interval never excludes its own estimate; widening only makes significance harder.
pub(super) fn change_interval(
    base: &[f64],
    cur: &[f64],
    statistic: Statistic,
    seed: u64,
    key: &str,
    opts: &CompareOptions,
) -> Interval {
    let base_stat = statistic.compute(&mut base.to_vec());
    if base.len() < 2 || cur.len() < 2 || base_stat == 0.0 {
        return Interval::NotTested;
    }
    if statistic == Statistic::Median {
        match shift_ci95_pct(base, cur) {
            ShiftInterval::Pct { shift, ci95 } => {
                return Interval::Pct {
                    estimate: shift,
                    ci: ci95,
                }
            }
            ShiftInterval::TooFewSamples => return Interval::TooFewSamples,
            ShiftInterval::Unavailable => {}
        }
    }
    let resamples = opts.resamples.min(resamples_for(base.len() + cur.len()));
    let mut rng = SplitMix64::derive(seed, key);
    let estimate = (statistic.compute(&mut cur.to_vec()) / base_stat - 1.0) * 100.0;
    match bootstrap_relative_change_ci(base, cur, statistic, 0.95, resamples, &mut rng) {
        Some([lo, hi]) => Interval::Pct {
            estimate,
            ci: [lo.min(estimate), hi.max(estimate)],
        },
        None => Interval::NotTested,
    }
}
