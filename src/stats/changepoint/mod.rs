//! Change points: where a series moves to a new level and stays there.
//!
//! Each segment of the series (at first the whole of it) is searched three ways, and the first
//! that finds a step splits it; both parts are searched again, until no segment has a step:
//!
//! 1. The best split of the whole segment ([`split`]): the split with the largest
//!    standardised Mann-Whitney rank sum, significant by a max-statistic permutation test at
//!    `alpha` (so scanning every split of the segment is accounted for). It has the most
//!    power on a short, clean history with one step.
//! 2. A windowed scan ([`scan`]): every point is judged by the `window` points on each side
//!    of it (fewer where the segment ends), with the same rank statistic; the threshold keeps
//!    the expected false alarms under `alpha` per 100 points of the segment, from the
//!    Pickands-Rice approximation of a scan's maximum. It finds the steps of a long history
//!    that a split of the whole cannot see: a step among drift, each step of a staircase.
//! 3. A bump ([`split`]): a middle part against both ends, for a regression fixed a few runs
//!    later, which one split cannot see when the middle is short (segments up to 400 points).
//!
//! A candidate that is not significant, too small, or drift is passed over, never the end of
//! the search: the scan then looks at every other point of the segment. Size: the medians of
//! the `window` points on each side must differ by at least `min_change_pct`. Drift: two
//! levels split at the candidate must fit those points better than a straight line (and, for
//! a split of a whole segment, the whole segment too), so that slow drift, which moves the
//! windows' medians apart but is a line, is not a change point, while a step on top of a
//! smaller drift is. The place of an accepted step is then refined to the split of its windows
//! that fits two levels best (least absolute deviations).
//! Ranks make it robust to the right-skewed, spiky timing noise of shared machines: a single
//! spike moves one rank and cannot make a segment. Deterministic: the permutation test's
//! shuffles come from a seeded SplitMix64.

mod scan;
mod split;
#[cfg(test)]
mod tests;

use super::{median, shift_ci95_pct, ShiftInterval, SplitMix64};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DetectOptions {
    /// Points on each side of a change point, at least.
    pub min_segment: usize,
    /// Significance: per segment for a whole-segment split or bump, per 100 points for the
    /// windowed scan.
    pub alpha: f64,
    /// The smallest step reported, in percent of the level before it.
    pub min_change_pct: f64,
    /// Points on each side a step is judged against (its size, whether it is drift, the
    /// scan's rank test).
    pub window: usize,
    pub permutations: usize,
    pub seed: u64,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            min_segment: 5,
            alpha: 0.01,
            min_change_pct: 2.0,
            window: 20,
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
    /// `after / before - 1`, in percent: the change of the segments' medians.
    pub change_pct: f64,
    /// The Hodges-Lehmann shift of the step (the median of all after - before differences) in
    /// percent of `before`, when it can be computed: the estimate `ci95_pct` is the interval
    /// of, so always inside it, unlike `change_pct`.
    pub shift_pct: Option<f64>,
    /// 95% interval of the step in percent (Hodges-Lehmann/Moses), when it can be computed.
    pub ci95_pct: Option<[f64; 2]>,
    /// The significance of the test that found it: the permutation p-value of a split or
    /// bump, or, for the windowed scan, the approximate chance that noise alone gives a step
    /// this clear anywhere in 100 points.
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

/// Relative change from `b` to `a`, in percent (0 when `b` is 0).
fn pct(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        (a / b - 1.0) * 100.0
    }
}

/// Whether `k` in `seg` is a big enough step that is not drift, judged by up to `window`
/// points on each side: the two windows' medians differ by at least `min_change_pct`, and
/// two levels split at `k` fit those points better than a straight line does. Slow drift
/// moves the windows' medians apart, but a line fits it; a step, alone or on top of a drift
/// smaller than itself, fits two levels.
fn is_step_not_drift(seg: &[f64], k: usize, opts: &DetectOptions) -> bool {
    let w = opts.window.max(opts.min_segment);
    let (left, right) = (&seg[k - w.min(k)..k], &seg[k..k + w.min(seg.len() - k)]);
    let (before, after) = (median(left), median(right));
    if before == 0.0 || pct(after, before).abs() < opts.min_change_pct {
        return false;
    }
    two_levels_beat_a_line(&seg[k - left.len()..k + right.len()], left.len(), 0.0)
}

/// Whether two levels split at `k` fit `seg` better than one straight line, by more than
/// `margin` residual variances of the two-level fit (least squares,
/// each side's values first clipped to its median +- 3 robust standard deviations, 1.4826
/// MAD, so that a spike of a right-skewed timing cannot decide). Over a whole segment a slow drift
/// is a line, and its best split is no step; a staircase's steps and a step among noise fit
/// two levels better.
fn two_levels_beat_a_line(seg: &[f64], k: usize, margin: f64) -> bool {
    let clipped = |side: &[f64]| -> Vec<f64> {
        let (m, s) = (median(side), 3.0 * 1.4826 * crate::stats::mad(side));
        side.iter().map(|x| x.clamp(m - s, m + s)).collect()
    };
    let (l, r) = (clipped(&seg[..k]), clipped(&seg[k..]));
    let sse_mean = |xs: &[f64]| {
        let m = crate::stats::mean(xs);
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>()
    };
    let levels = sse_mean(&l) + sse_mean(&r);
    let all: Vec<f64> = l.into_iter().chain(r).collect();
    let n = all.len() as f64;
    let (tm, ym) = ((n - 1.0) / 2.0, crate::stats::mean(&all));
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in all.iter().enumerate() {
        sxy += (i as f64 - tm) * (y - ym);
        sxx += (i as f64 - tm).powi(2);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let line: f64 = all
        .iter()
        .enumerate()
        .map(|(i, y)| (y - ym - slope * (i as f64 - tm)).powi(2))
        .sum();
    line - levels > margin * levels / (n - 2.0).max(1.0)
}

/// How many residual variances two levels must fit a whole segment better than a line by,
/// for its best split to count. A step of h in the middle of n points fits two levels
/// better by about (n / 16)(h / sigma)^2 of them; the best of all splits of a drifting
/// segment is chosen for looking like a step, so noise alone tips it more often than a
/// comparison at one place would.
pub(super) const WHOLE_SEGMENT_MARGIN: f64 = 2.0;

/// The best place for a step found near `k`: within `window` / 2 points of it, the split of
/// the `window` points on each side that leaves the least absolute deviation from the two
/// sides' medians (a two-level fit, robust to spikes). The tests that found the step judge
/// where a change is likely; the fit places it, more exactly than either test's statistic.
fn refine(seg: &[f64], k: usize, opts: &DetectOptions) -> usize {
    let (m, w) = (opts.min_segment.max(1), opts.window.max(opts.min_segment));
    let (lo, hi) = (k.saturating_sub(w), (k + w).min(seg.len()));
    let cost = |c: usize| -> f64 {
        let (l, r) = (&seg[lo..c], &seg[c..hi]);
        let (ml, mr) = (median(l), median(r));
        l.iter().map(|x| (x - ml).abs()).sum::<f64>()
            + r.iter().map(|x| (x - mr).abs()).sum::<f64>()
    };
    let reach = (w / 2).max(1);
    let candidates = k.saturating_sub(reach).max(lo + m)..=(k + reach).min(hi.saturating_sub(m));
    candidates
        .map(|c| (c, cost(c)))
        .min_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then(a.0.abs_diff(k).cmp(&b.0.abs_diff(k)))
        })
        .map_or(k, |(c, _)| c)
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
        let one = split::try_split(seg, &r, opts, &mut rng).or_else(|| scan::try_scan(seg, opts));
        if let Some((k, p)) = one {
            let k = refine(seg, k, opts);
            splits.push((lo + k, p));
            stack.push((lo, lo + k));
            stack.push((lo + k, hi));
        } else if seg.len() <= MAX_BUMP_SEGMENT {
            if let Some((a, b, p)) = split::try_bump(seg, &r, opts, &mut rng) {
                splits.extend([(lo + a, p), (lo + b, p)]);
                stack.extend([(lo, lo + a), (lo + a, lo + b), (lo + b, hi)]);
            }
        }
    }
    splits.sort_by_key(|s| s.0);
    describe(series, &splits)
}

/// The change points at `splits` (index, p-value), each with the medians of the segments on
/// either side and the interval of its step.
fn describe(series: &[f64], splits: &[(usize, f64)]) -> Vec<ChangePoint> {
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
