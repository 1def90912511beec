//! Change points: where a series moves to a new level and stays there.
//!
//! Method: binary segmentation with a rank statistic. For a segment, every split k (with at
//! least `min_segment` points on each side) is scored by the standardised Mann-Whitney rank
//! sum of the left part, the split with the largest |z| is taken, and its significance is
//! the share of `permutations` shuffles of the segment whose best |z| is at least as large
//! (a max-statistic permutation test, so scanning many splits is accounted for). Ranks make
//! it robust to the right-skewed, spiky timing noise of shared machines; a single spike
//! moves one rank and cannot make a segment. A split is kept when it is significant at
//! `alpha`, its step (between the two sides' medians, or right at the split) is at least
//! `min_change_pct`, and the step is sharp: the medians of the `2 x min_segment` points on
//! each side of it differ by at least `sharpness` of the step between the 100 points on each
//! side (slow drift gives a significant split with no sharp step). When no single split
//! qualifies, a segment of up to 400 points is searched for a bump, a middle part against
//! both ends (a regression and its fix, which one split cannot see when the middle is short),
//! with the same rank statistic, permutation test, size and sharpness at both edges. Kept
//! splits are searched again on each side. Deterministic: the shuffles come from a seeded
//! SplitMix64.

use super::{median, shift_ci95_pct, ShiftInterval, SplitMix64};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DetectOptions {
    pub min_segment: usize,
    pub alpha: f64,
    pub min_change_pct: f64,
    pub permutations: usize,
    pub seed: u64,
    /// The step right at a split must be at least this share of the step between the two
    /// sides' medians (slow drift has no sharp step). 0.7: the best F1 on the recorded
    /// histories of `bench/detection` (0.5: 0.74; 0.7: 0.79; 0.85: 0.78).
    pub sharpness: f64,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            min_segment: 5,
            alpha: 0.01,
            min_change_pct: 2.0,
            permutations: 199,
            seed: 0x5eed,
            sharpness: 0.7,
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
    /// `after / before - 1`, in percent: the change of the segments' medians.
    pub change_pct: f64,
    /// The Hodges-Lehmann shift of the step (the median of all after - before differences) in
    /// percent of `before`, when it can be computed: the estimate `ci95_pct` is the interval
    /// of, so always inside it, unlike `change_pct`.
    pub shift_pct: Option<f64>,
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

/// Relative change from `b` to `a`, in percent (0 when `b` is 0).
fn pct(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        (a / b - 1.0) * 100.0
    }
}

/// The medians of the `2 x min_segment` points on each side of `k` (fewer when `start` or
/// `end` is nearer).
fn local_step(seg: &[f64], [start, k, end]: [usize; 3], opts: &DetectOptions) -> (f64, f64) {
    let w = (2 * opts.min_segment).min(k - start).min(end - k);
    (median(&seg[k - w..k]), median(&seg[k..k + w]))
}

/// The share of `permutations` shuffles of `ranks` whose best `statistic` is at least `z`
/// (counting the observed one). Stops as soon as that share is certain to exceed `alpha`,
/// returning the share so far (then only a lower bound): most segments are not significant.
fn permutation_p(
    ranks: &[f64],
    z: f64,
    statistic: impl Fn(&[f64]) -> Option<f64>,
    opts: &DetectOptions,
    rng: &mut SplitMix64,
) -> f64 {
    let mut shuffled = ranks.to_vec();
    let mut at_least = 0usize;
    for _ in 0..opts.permutations {
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i + 1));
        }
        if statistic(&shuffled).is_some_and(|zz| zz >= z) {
            at_least += 1;
            let p = (at_least + 1) as f64 / (opts.permutations + 1) as f64;
            if p > opts.alpha {
                return p;
            }
        }
    }
    (at_least + 1) as f64 / (opts.permutations + 1) as f64
}

/// One change point in `seg`: the best split, kept when its step is big enough (between
/// the two sides' medians, or right at the split), sharp, and significant.
fn try_split(
    seg: &[f64],
    r: &[f64],
    opts: &DetectOptions,
    rng: &mut SplitMix64,
) -> Option<(usize, f64)> {
    let (k, z) = best_split(r, opts.min_segment)?;
    let (left, right) = seg.split_at(k);
    let (mb, ma) = (median(left), median(right));
    let (lb, la) = local_step(seg, [0, k, seg.len()], opts);
    let (whole, local) = (pct(ma, mb), pct(la, lb));
    // A regression and its fix a few runs later leave the two sides' medians close while
    // the split itself is a clear step: either size will do.
    if mb == 0.0 || (whole.abs() < opts.min_change_pct && local.abs() < opts.min_change_pct) {
        return None;
    }
    // Slow drift gives a significant split with no sharp step: the step at the split must be
    // most of the step between the 100 points on each side (not the whole sides, which other
    // steps of a staircase would make bigger).
    let wide = 20 * opts.min_segment;
    let (wb, wa) = (
        median(&seg[k.saturating_sub(wide)..k]),
        median(&seg[k..(k + wide).min(seg.len())]),
    );
    if whole.abs() >= opts.min_change_pct
        && ((la - lb).abs() < opts.sharpness * (wa - wb).abs()
            || (la - lb).signum() != (wa - wb).signum())
    {
        return None;
    }
    let p = permutation_p(
        r,
        z,
        |s| best_split(s, opts.min_segment).map(|b| b.1),
        opts,
        rng,
    );
    (p <= opts.alpha).then_some((k, p))
}

/// The bump (a middle part `[a, b)` against both ends) with the largest standardised rank
/// sum, at least `min_segment` points in each of the three parts, and that |z|.
fn best_bump(ranks: &[f64], min_segment: usize) -> Option<(usize, usize, f64)> {
    let n = ranks.len();
    if n < 3 * min_segment {
        return None;
    }
    let nf = n as f64;
    let prefix: Vec<f64> = std::iter::once(0.0)
        .chain(ranks.iter().scan(0.0, |acc, r| {
            *acc += r;
            Some(*acc)
        }))
        .collect();
    let mut best: Option<(usize, usize, f64)> = None;
    for a in min_segment..=n - 2 * min_segment {
        for b in a + min_segment..=n - min_segment {
            let m = (b - a) as f64;
            let z = (prefix[b] - prefix[a] - m * (nf + 1.0) / 2.0)
                / (m * (nf - m) * (nf + 1.0) / 12.0).sqrt();
            if best.is_none_or(|(_, _, bz)| z.abs() > bz) {
                best = Some((a, b, z.abs()));
            }
        }
    }
    best
}

/// Two change points at once, a regression and its fix (or the reverse), which one split
/// cannot see when the middle is short: the best bump, kept when the middle's median differs
/// from the ends' by enough, both edges are sharp steps that way, and it is significant.
fn try_bump(
    seg: &[f64],
    r: &[f64],
    opts: &DetectOptions,
    rng: &mut SplitMix64,
) -> Option<(usize, usize, f64)> {
    let (a, b, z) = best_bump(r, opts.min_segment)?;
    let ends: Vec<f64> = seg[..a].iter().chain(&seg[b..]).copied().collect();
    let (outside, inside) = (median(&ends), median(&seg[a..b]));
    if outside == 0.0 || pct(inside, outside).abs() < opts.min_change_pct {
        return None;
    }
    let height = inside - outside;
    let (b0, a0) = local_step(seg, [0, a, b], opts);
    let (b1, a1) = local_step(seg, [a, b, seg.len()], opts);
    let (up, down) = (a0 - b0, b1 - a1);
    for edge in [up, down] {
        if edge.signum() != height.signum() || edge.abs() < opts.sharpness * height.abs() {
            return None;
        }
    }
    let p = permutation_p(
        r,
        z,
        |s| best_bump(s, opts.min_segment).map(|b| b.2),
        opts,
        rng,
    );
    (p <= opts.alpha).then_some((a, b, p))
}

/// Segments longer than this are not searched for a bump (two change points at once): that
/// search is quadratic in the segment's length.
const MAX_BUMP_SEGMENT: usize = 400;

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
        if let Some((k, p)) = try_split(seg, &r, opts, &mut rng) {
            splits.push((lo + k, p));
            stack.push((lo, lo + k));
            stack.push((lo + k, hi));
        } else if seg.len() <= MAX_BUMP_SEGMENT {
            if let Some((a, b, p)) = try_bump(seg, &r, opts, &mut rng) {
                splits.extend([(lo + a, p), (lo + b, p)]);
                stack.extend([(lo, lo + a), (lo + a, lo + b), (lo + b, hi)]);
            }
        }
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
            let (shift_pct, ci95_pct) = match shift_ci95_pct(before_seg, after_seg) {
                ShiftInterval::Pct { shift, ci95 } => (Some(shift), Some(ci95)),
                _ => (None, None),
            };
            ChangePoint {
                index,
                before,
                after,
                change_pct: (after / before - 1.0) * 100.0,
                shift_pct,
                ci95_pct,
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

    /// A regression fixed 20 runs later, in 100: one split sees two sides of nearly the same
    /// level (the short bump is outvoted), the bump search sees both edges.
    #[test]
    fn a_regression_and_its_fix_are_both_found() {
        let mut rng = SplitMix64::new(3);
        let s: Vec<f64> = (0..100)
            .map(|i| noisy(&mut rng, if (30..50).contains(&i) { 12.0 } else { 10.0 }))
            .collect();
        let cps = detect(&s, &DetectOptions::default());
        let idx: Vec<usize> = cps.iter().map(|c| c.index).collect();
        assert_eq!(idx.len(), 2, "{cps:?}");
        // Noise of CV 5% against a 20% step: an edge may be placed a few points off.
        assert!(
            idx[0].abs_diff(30) <= 3 && idx[1].abs_diff(50) <= 3,
            "{idx:?}"
        );
        assert!(
            cps[0].change_pct > 10.0 && cps[1].change_pct < -10.0,
            "{cps:?}"
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
