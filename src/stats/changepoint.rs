//! Change points: where a series moves to a new level and stays there.
//!
//! Method: binary segmentation with a rank statistic. For a segment, every split k (with at
//! least `min_segment` points on each side) is scored by the standardised Mann-Whitney rank
//! sum of the left part, the split with the largest |z| is taken, and its significance is
//! the share of `permutations` shuffles of the segment whose best |z| is at least as large
//! (a max-statistic permutation test, so scanning many splits is accounted for). Ranks make
//! it robust to the right-skewed, spiky timing noise of shared machines; a single spike
//! moves one rank and cannot make a segment. A split is kept when it is significant at
//! `alpha`, its step between the segments' medians is at least `min_change_pct`, and the step
//! is sharp: the medians of the `2 x min_segment` points on each side of it differ by at least
//! half the whole step (slow drift gives a significant split with no sharp step). Kept splits
//! are searched again on each side. Deterministic: the shuffles come from a seeded SplitMix64.

use super::{median, shift_ci95_pct, ShiftInterval, SplitMix64};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DetectOptions {
    pub min_segment: usize,
    pub alpha: f64,
    pub min_change_pct: f64,
    pub permutations: usize,
    pub seed: u64,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            min_segment: 5,
            alpha: 0.01,
            min_change_pct: 2.0,
            permutations: 199,
            seed: 0x5eed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChangePoint {
    /// The first point of the new level.
    pub index: usize,
    /// Medians of the segments before and after (between neighbouring change points).
    pub before: f64,
    pub after: f64,
    pub change_pct: f64,
    /// 95% interval of the step in percent (Hodges-Lehmann/Moses), when it can be computed.
    pub ci95_pct: Option<[f64; 2]>,
    pub p_value: f64,
}

/// Ranks (1-based, ties averaged) of `xs`.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mid;
        }
        i = j + 1;
    }
    r
}

/// The split with the largest standardised rank sum, and that |z|.
fn best_split(ranks: &[f64], min_segment: usize) -> Option<(usize, f64)> {
    let n = ranks.len();
    if n < 2 * min_segment {
        return None;
    }
    let nf = n as f64;
    let mut prefix = 0.0;
    let mut best: Option<(usize, f64)> = None;
    for (k, r) in ranks.iter().enumerate().take(n - min_segment) {
        prefix += r;
        let n1 = (k + 1) as f64;
        if k + 1 < min_segment {
            continue;
        }
        let n2 = nf - n1;
        let z = (prefix - n1 * (nf + 1.0) / 2.0) / (n1 * n2 * (nf + 1.0) / 12.0).sqrt();
        if best.is_none_or(|(_, b)| z.abs() > b) {
            best = Some((k + 1, z.abs()));
        }
    }
    best
}

pub fn detect(series: &[f64], opts: &DetectOptions) -> Vec<ChangePoint> {
    if series.iter().any(|v| !v.is_finite()) {
        return Vec::new();
    }
    let mut rng = SplitMix64::new(opts.seed);
    let mut splits: Vec<(usize, f64)> = Vec::new();
    let mut stack = vec![(0usize, series.len())];
    while let Some((lo, hi)) = stack.pop() {
        let seg = &series[lo..hi];
        let r = ranks(seg);
        let Some((k, z)) = best_split(&r, opts.min_segment) else {
            continue;
        };
        let (left, right) = seg.split_at(k);
        let (mb, ma) = (median(left), median(right));
        if mb == 0.0 || ((ma / mb - 1.0) * 100.0).abs() < opts.min_change_pct {
            continue;
        }
        // Sharpness: the step right at the split is a good part of the whole step.
        let w = (2 * opts.min_segment).min(k).min(seg.len() - k);
        let local = median(&seg[k..k + w]) - median(&seg[k - w..k]);
        if local.abs() < 0.5 * (ma - mb).abs() || local.signum() != (ma - mb).signum() {
            continue;
        }
        let mut shuffled = r.clone();
        let mut at_least = 0usize;
        for _ in 0..opts.permutations {
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i + 1));
            }
            if best_split(&shuffled, opts.min_segment).is_some_and(|(_, zz)| zz >= z) {
                at_least += 1;
            }
        }
        let p = (at_least + 1) as f64 / (opts.permutations + 1) as f64;
        if p > opts.alpha {
            continue;
        }
        splits.push((lo + k, p));
        stack.push((lo, lo + k));
        stack.push((lo + k, hi));
    }
    splits.sort_by_key(|s| s.0);
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(splits.iter().map(|s| s.0))
        .chain(std::iter::once(series.len()))
        .collect();
    splits
        .iter()
        .enumerate()
        .map(|(i, &(index, p_value))| {
            let before_seg = &series[bounds[i]..index];
            let after_seg = &series[index..bounds[i + 2]];
            let (before, after) = (median(before_seg), median(after_seg));
            ChangePoint {
                index,
                before,
                after,
                change_pct: (after / before - 1.0) * 100.0,
                ci95_pct: match shift_ci95_pct(before_seg, after_seg) {
                    ShiftInterval::Pct(ci) => Some(ci),
                    _ => None,
                },
                p_value,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Right-skewed noise around `level`: a lognormal-ish factor with CV ~5%.
    fn noisy(rng: &mut SplitMix64, level: f64) -> f64 {
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let z = (-2.0 * (u.max(1e-12)).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        level * (0.05 * z).exp()
    }

    #[test]
    fn a_step_is_found_where_it_is_with_its_size() {
        let mut rng = SplitMix64::new(1);
        let s: Vec<f64> = (0..100)
            .map(|i| noisy(&mut rng, if i < 60 { 10.0 } else { 12.0 }))
            .collect();
        let cps = detect(&s, &DetectOptions::default());
        assert_eq!(cps.len(), 1, "{cps:?}");
        assert!((58..=62).contains(&cps[0].index), "{cps:?}");
        assert!((cps[0].change_pct - 20.0).abs() < 5.0, "{cps:?}");
        let [lo, hi] = cps[0].ci95_pct.unwrap();
        assert!(lo > 10.0 && hi < 30.0, "{cps:?}");
        assert!(cps[0].p_value <= 0.01);
    }

    #[test]
    fn two_steps_are_both_found() {
        let mut rng = SplitMix64::new(2);
        let s: Vec<f64> = (0..150)
            .map(|i| {
                noisy(
                    &mut rng,
                    if i < 50 {
                        10.0
                    } else if i < 100 {
                        13.0
                    } else {
                        10.5
                    },
                )
            })
            .collect();
        let idx: Vec<usize> = detect(&s, &DetectOptions::default())
            .iter()
            .map(|c| c.index)
            .collect();
        assert_eq!(idx.len(), 2, "{idx:?}");
        assert!(
            idx[0].abs_diff(50) <= 2 && idx[1].abs_diff(100) <= 2,
            "{idx:?}"
        );
    }

    #[test]
    fn noise_spikes_and_drift_are_not_change_points() {
        let opts = DetectOptions::default();
        let mut false_alarms = 0;
        for seed in 0..200 {
            let mut rng = SplitMix64::new(100 + seed);
            let s: Vec<f64> = (0..100).map(|_| noisy(&mut rng, 10.0)).collect();
            false_alarms += detect(&s, &opts).len();
        }
        // alpha = 1% per series of 100 points: expect about 2 in 200.
        assert!(
            false_alarms <= 6,
            "{false_alarms} false alarms in 200 series"
        );
        let mut rng = SplitMix64::new(9);
        let mut spiky: Vec<f64> = (0..100).map(|_| noisy(&mut rng, 10.0)).collect();
        spiky[40] = 30.0;
        spiky[70] = 25.0;
        assert!(detect(&spiky, &opts)
            .iter()
            .all(|c| c.index.abs_diff(40) > 1 && c.index.abs_diff(70) > 1));
        // Slow drift: +20% over 200 points, no step.
        let mut rng = SplitMix64::new(11);
        let drift: Vec<f64> = (0..200)
            .map(|i| noisy(&mut rng, 10.0 * (1.0 + 0.2 * i as f64 / 200.0)))
            .collect();
        assert!(
            detect(&drift, &opts).len() <= 1,
            "{:?}",
            detect(&drift, &opts)
        );
    }

    #[test]
    fn medians_of_a_clean_step_are_exact() {
        let s: Vec<f64> = (0..40).map(|i| if i < 20 { 1.0 } else { 2.0 }).collect();
        let cps = detect(&s, &DetectOptions::default());
        assert_eq!(cps.len(), 1);
        assert_eq!(
            (cps[0].index, cps[0].before, cps[0].after, cps[0].change_pct),
            (20, 1.0, 2.0, 100.0)
        );
    }
}
