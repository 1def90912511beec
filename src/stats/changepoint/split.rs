//! Whole-segment searches: the best single split of a segment, and the best bump (a middle
//! part against both ends), each with a max-statistic permutation test over every split or
//! bump of the segment.

use super::{
    is_step_not_drift, pct, two_levels_beat_a_line, DetectOptions, SplitMix64, WHOLE_SEGMENT_MARGIN,
};
use crate::stats::median;

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

/// One change point in `seg`: the best split of the whole segment, kept when it is a big
/// enough, sharp step ([`super::is_step_not_drift`]) and significant.
pub(super) fn try_split(
    seg: &[f64],
    r: &[f64],
    opts: &DetectOptions,
    rng: &mut SplitMix64,
) -> Option<(usize, f64)> {
    let (k, z) = best_split(r, opts.min_segment)?;
    if !is_step_not_drift(seg, k, opts) || !two_levels_beat_a_line(seg, k, WHOLE_SEGMENT_MARGIN) {
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

/// Each edge of a bump (the medians of the `2 x min_segment` points on each side of it) must
/// be at least this share of the bump's height: a slow hump is not a regression and its fix.
const BUMP_SHARPNESS: f64 = 0.7;

/// Two change points at once, a regression and its fix (or the reverse), which one split
/// cannot see when the middle is short: the best bump, kept when the middle's median differs
/// from the ends' by enough, both edges are sharp steps that way, and it is significant.
pub(super) fn try_bump(
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
        if edge.signum() != height.signum() || edge.abs() < BUMP_SHARPNESS * height.abs() {
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
