//! The distribution-free confidence interval of a location shift (Hodges & Lehmann 1963;
//! Moses' interval, Hollander & Wolfe, "Nonparametric Statistical Methods", sec. 4.3): sort the
//! n*m differences `current_j - baseline_i`; the interval runs from the k-th smallest to the
//! k-th largest, k from the null distribution of the Mann-Whitney U statistic (normal
//! approximation). It excludes zero exactly when a two-sided Mann-Whitney test rejects "no
//! shift", needs no randomness, assumes no distribution shape, and is O(nm log nm). Its point
//! estimate is the Hodges-Lehmann shift, the median of the same differences, which therefore
//! always lies inside it (the k-th smallest difference is at most their median, k < nm / 2).

use super::{percentile_sorted, sort};

/// Two-sided 95% standard normal quantile.
const Z_975: f64 = 1.959_963_984_540_054;

/// Above this many pairwise differences the caller should use another method (memory).
pub const MAX_PAIRS: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShiftInterval {
    /// The Hodges-Lehmann shift and its 95% interval, in percent of the baseline median.
    Pct { shift: f64, ci95: [f64; 2] },
    /// So few samples that no shift could be significant at 95% (e.g. 3 against 3).
    TooFewSamples,
    /// Not computable: an empty side, a zero baseline median, or more than [`MAX_PAIRS`].
    Unavailable,
}

/// The shift from `baseline` to `current` and its 95% interval, relative to the baseline median.
pub fn shift_ci95_pct(baseline: &[f64], current: &[f64]) -> ShiftInterval {
    let (n, m) = (baseline.len(), current.len());
    if n == 0 || m == 0 || n * m > MAX_PAIRS {
        return ShiftInterval::Unavailable;
    }
    let mut sorted_base = baseline.to_vec();
    sort(&mut sorted_base);
    let base_median = percentile_sorted(&sorted_base, 50.0);
    if base_median == 0.0 {
        return ShiftInterval::Unavailable;
    }
    let nm = (n * m) as f64;
    let sd = (nm * (n + m + 1) as f64 / 12.0).sqrt();
    // 1-based rank of the lower end; rounding down widens the interval (conservative).
    let k = (nm / 2.0 - Z_975 * sd).floor() as usize;
    if k < 1 {
        return ShiftInterval::TooFewSamples;
    }
    let mut diffs: Vec<f64> = Vec::with_capacity(n * m);
    for c in current {
        diffs.extend(baseline.iter().map(|b| c - b));
    }
    let total = diffs.len();
    let mut nth = |i: usize| *diffs.select_nth_unstable_by(i, f64::total_cmp).1;
    let lo = nth(k - 1);
    let hi = nth(total - k);
    // The median of an even count is the mean of the two middle values (each in [lo, hi], and
    // so is their mean in floating point: rounding is monotonic).
    let shift = if total % 2 == 1 {
        nth(total / 2)
    } else {
        (nth(total / 2 - 1) + nth(total / 2)) / 2.0
    };
    let scale = 100.0 / base_median.abs();
    ShiftInterval::Pct {
        shift: shift * scale,
        ci95: [lo * scale, hi * scale],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::SplitMix64;

    #[test]
    fn interval_of_a_pure_shift_is_tight_around_it() {
        let base: Vec<f64> = (0..10).map(|i| 100.0 + f64::from(i)).collect();
        let cur: Vec<f64> = base.iter().map(|x| x + 20.0).collect();
        // Baseline median 104.5; the shift is exactly 20 -> 19.14%.
        let ShiftInterval::Pct {
            shift,
            ci95: [lo, hi],
        } = shift_ci95_pct(&base, &cur)
        else {
            panic!()
        };
        // Every difference is 20 + i - j: their median is 20.
        assert!((shift - 20.0 / 104.5 * 100.0).abs() < 1e-9, "{shift}");
        assert!(
            lo > 0.0 && lo <= 20.0 / 104.5 * 100.0 && hi >= 20.0 / 104.5 * 100.0,
            "[{lo}, {hi}]"
        );
        // By hand: k for n = m = 10 is floor(50 - 1.96 * sqrt(100 * 21 / 12)) = floor(24.07) = 24.
        // The 100 differences d = 20 + i - j take the values 11..29, value 20 + t appearing
        // 10 - |t| times; cumulative counts from the bottom are 1, 3, 6, 10, 15, 21, 28, so
        // the 24th smallest is 17 and (by symmetry) the 24th largest is 23:
        // 17 / 104.5 = 16.27% and 23 / 104.5 = 22.01%.
        assert!((lo - 17.0 / 104.5 * 100.0).abs() < 1e-9, "{lo}");
        assert!((hi - 23.0 / 104.5 * 100.0).abs() < 1e-9, "{hi}");
    }

    #[test]
    fn three_against_three_can_never_be_significant() {
        assert_eq!(
            shift_ci95_pct(&[1.0, 1.0, 1.0], &[2.0, 2.0, 2.0]),
            ShiftInterval::TooFewSamples
        );
        // Four against four can (min two-sided p = 2/70 < 0.05).
        assert!(matches!(
            shift_ci95_pct(&[1.0; 4], &[2.0; 4]),
            ShiftInterval::Pct { .. }
        ));
    }

    #[test]
    fn same_distribution_excludes_zero_about_5_percent_of_the_time() {
        // Calibration: 4,000 pairs of samples of 12 from one skewed distribution; a 95%
        // interval must exclude zero in about 5% of them (binomial sd 0.34%).
        let mut rng = SplitMix64::new(99);
        let mut draw = || {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            1.0 - (1.0 - u).ln() * 0.2 // exponential tail on a floor of 1
        };
        let trials = 4000;
        let mut excluded = 0;
        for _ in 0..trials {
            let a: Vec<f64> = (0..12).map(|_| draw()).collect();
            let b: Vec<f64> = (0..12).map(|_| draw()).collect();
            if let ShiftInterval::Pct { ci95: [lo, hi], .. } = shift_ci95_pct(&a, &b) {
                if lo > 0.0 || hi < 0.0 {
                    excluded += 1;
                }
            }
        }
        let rate = excluded as f64 / trials as f64;
        assert!((0.03..0.065).contains(&rate), "false-positive rate {rate}");
    }
}
