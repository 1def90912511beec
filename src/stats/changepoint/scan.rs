//! The windowed scan: every point of a segment judged against the `window` points on each side
//! of it, so that a step is found wherever it is in a long history, whatever the rest of the
//! history does (drift, other steps).
//!
//! Statistic: the standardised Mann-Whitney rank sum of the window after a point against the
//! window before it. Under no change, as a function of the point, it is close to a Gaussian
//! process with correlation 1 - 3|d| / (2 w) at lag d (two adjacent moving sums of w points:
//! covariance 2w - 3d against variance 2w). The expected number of times such a process's
//! absolute value crosses a level b over T points is 2 T lambda b phi(b) nu(b sqrt(2 lambda))
//! with lambda = 3 / (2 w): Pickands' approximation for a scan's maximum, with Siegmund's
//! factor nu for a scan over whole points rather than a continuum (Siegmund and Yakir, "The
//! Statistics of Gene Mapping", 2007, section 4.5). The scan keeps its best point when that
//! expectation, per 100 points of the segment, is at most `alpha`: a history of 1,000 points
//! without a step gets about 10 alpha false alarms, 100 points about alpha, so the false-alarm
//! rate per 100 points does not grow with the history.

use super::{is_step_not_drift, DetectOptions};

/// The best point of `seg` by the windowed rank statistic among those that are big enough,
/// sharp steps, and its false-alarm rate per 100 points; `None` when that rate is above
/// `alpha`.
pub(super) fn try_scan(seg: &[f64], opts: &DetectOptions) -> Option<(usize, f64)> {
    let (n, m) = (seg.len(), opts.min_segment.max(1));
    if n < 2 * m {
        return None;
    }
    let w = opts.window.max(m);
    let mut buf = Vec::with_capacity(2 * w);
    let z: Vec<f64> = (m..=n - m)
        .map(|k| {
            let (wl, wr) = (w.min(k), w.min(n - k));
            mann_whitney_z(&seg[k - wl..k], &seg[k..k + wr], &mut buf).abs()
        })
        .collect();
    // Candidates are the peaks of the statistic (the largest within half a window on each
    // side), not every point: drift raises the statistic everywhere, and some point of it
    // would pass for a step by chance if every point were a candidate.
    let reach = (w / 2).max(1);
    let mut best: Option<(usize, f64)> = None;
    for (i, &zi) in z.iter().enumerate() {
        let around = &z[i.saturating_sub(reach)..(i + reach + 1).min(z.len())];
        let peak = around.iter().all(|&other| other <= zi);
        let k = i + m;
        if peak && best.is_none_or(|(_, b)| zi > b) && is_step_not_drift(seg, k, opts) {
            best = Some((k, zi));
        }
    }
    let (k, z) = best?;
    let p = false_alarms_per_100(z, n - 2 * m + 1, w);
    (p <= opts.alpha).then_some((k, p))
}

/// Standardised Mann-Whitney statistic of `right` against `left` (positive when `right`'s
/// values are larger), without continuity correction; 0 when every value is the same.
pub(super) fn mann_whitney_z(left: &[f64], right: &[f64], buf: &mut Vec<(f64, bool)>) -> f64 {
    let (u, var) = crate::stats::u_and_variance(right, left, buf);
    if var <= 0.0 {
        return 0.0;
    }
    (u - left.len() as f64 * right.len() as f64 / 2.0) / var.sqrt()
}

/// Expected crossings of |z| by the scan of `positions` points with windows of `w`, per 100
/// points (per segment when it is shorter), capped at 1.
pub(super) fn false_alarms_per_100(z: f64, positions: usize, w: usize) -> f64 {
    let lambda = 3.0 / (2.0 * w as f64);
    let t = positions as f64;
    let crossings = 2.0 * t * lambda * z * phi(z) * nu(z * (2.0 * lambda).sqrt());
    (crossings * 100.0 / t.max(100.0)).min(1.0)
}

/// Standard normal density.
fn phi(x: f64) -> f64 {
    (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Siegmund's discreteness factor, nu(x) ~ (2/x)(Phi(x/2) - 1/2) / ((x/2) Phi(x/2) + phi(x/2)).
fn nu(x: f64) -> f64 {
    if x < 1e-9 {
        return 1.0;
    }
    let h = x / 2.0;
    let cdf = 1.0 - crate::stats::normal_sf(h);
    (2.0 / x) * (cdf - 0.5) / (h * cdf + phi(h))
}
