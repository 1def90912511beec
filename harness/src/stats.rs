//! The `summary` a perfgate report carries for each metric, computed the way perfgate
//! computes it (its `stats::summarize`): numpy's "linear" percentiles, Bessel's standard
//! deviation, the unscaled MAD, Student's t interval of the mean, the binomial
//! order-statistic interval of the median, Tukey's outlier counts. The root crate's test
//! `tests/cli/harness.rs` checks that both agree on the samples of a real run.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub stddev: f64,
    pub cv: f64,
    pub median: f64,
    pub p95: f64,
    pub p99: f64,
    pub mad: f64,
    pub ci95_mean: [f64; 2],
    pub ci95_median: [f64; 2],
    pub outliers: Outliers,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Outliers {
    pub mild: usize,
    pub severe: usize,
}

/// The summary of a non-empty sample of finite values.
pub fn summarize(samples: &[f64]) -> Summary {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let mean = s.iter().sum::<f64>() / n as f64;
    let stddev = if n < 2 {
        0.0
    } else {
        (s.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
    };
    let median = percentile(&s, 50.0);
    let mut dev: Vec<f64> = s.iter().map(|x| (x - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let half = if n < 2 {
        0.0
    } else {
        t_975(n - 1) * stddev / (n as f64).sqrt()
    };
    Summary {
        n,
        min: s[0],
        max: s[n - 1],
        mean,
        stddev,
        cv: if mean == 0.0 {
            0.0
        } else {
            stddev / mean.abs()
        },
        median,
        p95: percentile(&s, 95.0),
        p99: percentile(&s, 99.0),
        mad: percentile(&dev, 50.0),
        ci95_mean: [mean - half, mean + half],
        ci95_median: median_interval(&s),
        outliers: outliers(&s),
    }
}

/// Percentile `p` of ascending values: rank (n - 1) p / 100, linear between neighbours.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let rank = (n - 1) as f64 * (p / 100.0);
    let lo = rank.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

/// Median of unsorted values (copied).
pub fn median(values: &[f64]) -> f64 {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    percentile(&s, 50.0)
}

/// Values beyond 1.5 (mild) and 3 (severe) interquartile ranges of the quartiles.
fn outliers(sorted: &[f64]) -> Outliers {
    let mut out = Outliers::default();
    if sorted.len() < 4 {
        return out;
    }
    let (q1, q3) = (percentile(sorted, 25.0), percentile(sorted, 75.0));
    let iqr = q3 - q1;
    for &x in sorted {
        if x < q1 - 3.0 * iqr || x > q3 + 3.0 * iqr {
            out.severe += 1;
        } else if x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr {
            out.mild += 1;
        }
    }
    out
}

/// The order statistics [x_(k), x_(n+1-k)] for the largest k whose binomial tail
/// P(Binomial(n, 1/2) < k) stays at or below 2.5%; [min, max] when there is none (n < 6).
fn median_interval(sorted: &[f64]) -> [f64; 2] {
    let n = sorted.len();
    // In log space: 2^-n underflows for large n.
    let mut log_term = -(n as f64) * std::f64::consts::LN_2;
    let (mut tail, mut k) = (0.0, 0);
    for i in 0..n / 2 {
        tail += log_term.exp();
        if tail > 0.025 {
            break;
        }
        k = i + 1;
        log_term += ((n - i) as f64 / (i + 1) as f64).ln();
    }
    if k == 0 {
        [sorted[0], sorted[n - 1]]
    } else {
        [sorted[k - 1], sorted[n - k]]
    }
}

/// Student's t 0.975 quantile for `df` degrees of freedom: scipy's `t.ppf(0.975, df)` up to
/// 30, the fourth-order Cornish-Fisher expansion around the normal quantile above.
fn t_975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706204736174694,
        4.302652729749462,
        3.1824463052837078,
        2.7764451051977934,
        2.5705818356363146,
        2.4469118511449786,
        2.364624251592784,
        2.306004135204166,
        2.262157162798205,
        2.228138851986274,
        2.200985160091639,
        2.1788128296672284,
        2.1603686564627913,
        2.144786687917804,
        2.131449545559776,
        2.1199052992212546,
        2.1098155778333156,
        2.1009220402410382,
        2.0930240544083087,
        2.085963447265864,
        2.0796138447276795,
        2.0738730679040254,
        2.0686576104190486,
        2.0638985616280245,
        2.0595385527532972,
        2.0555294386428735,
        2.0518305164802846,
        2.0484071417952454,
        2.045229642132703,
        2.0422724563012378,
    ];
    if (1..=30).contains(&df) {
        return T[df - 1];
    }
    let (z, v) = (1.959_963_984_540_054_f64, df.max(1) as f64);
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92160.0 * v.powi(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_small_sample_matches_numpy() {
        // numpy 2: np.percentile(x, [50, 95, 99]) of x = [1, 2, 3, 4, 10] is 3, 8.8, 9.76;
        // np.std(x, ddof=1) = 3.5355339059327378; the MAD of x (scipy, scale=1) is 1.
        let s = summarize(&[10.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!((s.n, s.min, s.max, s.median), (5, 1.0, 10.0, 3.0));
        assert!((s.p95 - 8.8).abs() < 1e-12 && (s.p99 - 9.76).abs() < 1e-12);
        assert!((s.stddev - 3.535_533_905_932_737_8).abs() < 1e-12);
        assert_eq!(s.mad, 1.0);
        // Five samples: no pair of order statistics reaches 95%, so [min, max].
        assert_eq!(s.ci95_median, [1.0, 10.0]);
        // mean 4 +- t(0.975, 4) * sd / sqrt(5); scipy: t.ppf(0.975, 4) = 2.7764451051977987
        let half = 2.776_445_105_197_798_7 * s.stddev / 5f64.sqrt();
        assert!(
            (s.ci95_mean[0] - (4.0 - half)).abs() < 1e-9,
            "{:?}",
            s.ci95_mean
        );
        // Quartiles 2 and 4, IQR 2: 10 is beyond 4 + 1.5 * 2 but not beyond 4 + 3 * 2.
        assert_eq!(s.outliers, Outliers { mild: 1, severe: 0 });
    }

    #[test]
    fn median_interval_takes_the_binomial_ranks() {
        // scipy: the largest k with binom.cdf(k - 1, n, 0.5) <= 0.025 is 2 for n = 10, 6 for 20.
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(median_interval(&ten), [2.0, 9.0]);
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(median_interval(&twenty), [6.0, 15.0]);
        assert_eq!(summarize(&[7.0]).ci95_mean, [7.0, 7.0]);
    }
}
