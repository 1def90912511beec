//! The Mann-Whitney U test (two-sided, normal approximation with tie and continuity
//! corrections, as `scipy.stats.mannwhitneyu(method="asymptotic")`), and the
//! Benjamini-Hochberg adjustment that controls the false discovery rate across the many
//! benchmark x metric tests of one comparison.

/// `(U of x, two-sided p)`. `None` with fewer than 2 values on a side or non-finite values.
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let (n1, n2) = (x.len(), y.len());
    if n1 < 2 || n2 < 2 || !x.iter().chain(y).all(|v| v.is_finite()) {
        return None;
    }
    let (u1, var) = u_and_variance(x, y, &mut Vec::with_capacity(n1 + n2));
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let mu = n1f * n2f / 2.0;
    if var <= 0.0 {
        // Every value equal: no evidence of a difference.
        return Some((u1, 1.0));
    }
    let u = u1.max(n1f * n2f - u1);
    let z = (u - mu - 0.5) / var.sqrt();
    let p = (2.0 * normal_sf(z)).min(1.0);
    Some((u1, p))
}

/// U of `x` against `y` (mid-ranks for ties) and its variance under no difference, with the
/// tie correction; `buf` is scratch space, so that a caller testing many windows allocates
/// once.
pub(crate) fn u_and_variance(x: &[f64], y: &[f64], buf: &mut Vec<(f64, bool)>) -> (f64, f64) {
    buf.clear();
    buf.extend(x.iter().map(|&v| (v, true)));
    buf.extend(y.iter().map(|&v| (v, false)));
    buf.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let n = buf.len();
    // Mid-ranks, and the tie term sum(t^3 - t).
    let mut rank_sum_x = 0.0;
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && buf[j + 1].0 == buf[i].0 {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_x += mid_rank * buf[i..=j].iter().filter(|(_, is_x)| *is_x).count() as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let (n1f, n2f, nf) = (x.len() as f64, y.len() as f64, n as f64);
    let u1 = rank_sum_x - n1f * (n1f + 1.0) / 2.0;
    let var = n1f * n2f / 12.0 * ((nf + 1.0) - ties / (nf * (nf - 1.0)));
    (u1, var)
}

/// P(Z > z) for a standard normal, via the complementary error function.
pub(crate) fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// erfc with relative error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit,
/// `erfcc`), enough for p-values compared with 0.05.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Benjamini-Hochberg adjusted p-values (q-values), in the input order: a test is a discovery
/// at false discovery rate `q` when its adjusted value is at most `q`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut out = vec![0.0; m];
    let mut running = 1.0_f64;
    for (k, &i) in order.iter().enumerate() {
        let rank = (m - k) as f64;
        running = running.min(p[i] * m as f64 / rank);
        out[i] = running.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // scipy 1.17.1: mannwhitneyu(x, y, alternative="two-sided", method="asymptotic",
    // use_continuity=True) -> (statistic, pvalue).
    #[test]
    fn matches_scipy_asymptotic() {
        let cases: [(&[f64], &[f64], f64, f64); 3] = [
            (
                &[1.0, 2.0, 3.0, 4.0, 5.0],
                &[6.0, 7.0, 8.0, 9.0, 10.0],
                0.0,
                0.012185780355344813,
            ),
            (
                &[1.1, 2.2, 2.2, 3.5, 4.0, 4.0, 5.9],
                &[2.2, 3.0, 4.0, 4.5, 6.1, 7.0],
                12.0,
                0.21950194029990822,
            ),
            (
                &[10.2, 10.5, 9.8, 10.1, 10.3, 10.0, 9.9, 10.4],
                &[10.6, 10.9, 10.7, 11.0, 10.8, 10.5, 11.2, 10.65],
                0.5,
                0.0011218154806503938,
            ),
        ];
        for (x, y, u, p) in cases {
            let (got_u, got_p) = mann_whitney_u(x, y).unwrap();
            assert_eq!(got_u, u);
            assert!((got_p - p).abs() / p < 1e-6, "{got_p} vs {p}");
        }
        assert_eq!(mann_whitney_u(&[1.0], &[2.0, 3.0]), None);
        assert_eq!(mann_whitney_u(&[1.0, 1.0], &[1.0, 1.0]).unwrap().1, 1.0);
    }

    // scipy 1.17.1: false_discovery_control([0.01, 0.04, 0.03, 0.005, 0.5], method="bh").
    #[test]
    fn benjamini_hochberg_matches_scipy() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.5]);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (a, b) in q.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{q:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
