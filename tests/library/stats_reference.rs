//! perfgate's statistics checked against values computed independently in Python.
//!
//! Every expected number below was produced by `bench/reference/stats_reference.py`
//! (numpy 2.4.6, scipy 1.17.1) and pasted as the repr of the float; run the script to
//! regenerate them. Descriptive statistics are exact computations, so they are compared with a
//! relative tolerance of 1e-12 (numpy sums pairwise and interpolates slightly differently, which
//! can move the last bit or two). The bootstrap intervals are compared with a Python
//! transcription of perfgate's procedure at the same tolerance, and approximately with
//! `scipy.stats.bootstrap`, which uses a different random generator.

use perfgate::stats::{
    bootstrap_ci, bootstrap_relative_change_ci, mad, mean, median, percentile, percentile_sorted,
    shift_ci95_pct, stddev, summarize, tukey_outliers, OutlierCounts, ShiftInterval, SplitMix64,
    Statistic,
};

const REL_TOL: f64 = 1e-12;

/// 12 wall times (s) around 50 ms with one slow run.
const WALL: [f64; 12] = [
    0.0512, 0.0498, 0.0505, 0.0501, 0.0493, 0.0509, 0.0502, 0.0497, 0.0611, 0.0504, 0.0500, 0.0507,
];
/// 7 right-skewed values (ms).
const SKEWED: [f64; 7] = [1.02, 1.05, 1.07, 1.11, 1.19, 1.38, 1.95];
/// Even length, with ties.
const TIES: [f64; 8] = [3.1, 2.9, 3.1, 3.0, 2.9, 3.1, 3.4, 3.0];
const PAIR: [f64; 2] = [0.25, 0.75];
const SINGLE: [f64; 1] = [0.042];

fn assert_close(actual: f64, expected: f64, what: &str) {
    let tol = REL_TOL * expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: got {actual:?}, expected {expected:?} (relative tolerance {REL_TOL})"
    );
}

/// Expected values for one sample `x`, with the Python call that produced each one.
struct Reference {
    mean: f64,
    stddev: f64,
    median: f64,
    p95: f64,
    p99: f64,
    mad: f64,
    /// (mild, severe), from `tukey_counts(x)` in the script: quartiles by
    /// `np.percentile(x, [25, 75])`, mild beyond 1.5 IQR but within 3 IQR, severe beyond 3 IQR.
    outliers: (usize, usize),
}

fn check(name: &str, xs: &[f64], r: &Reference) {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    assert_close(mean(xs), r.mean, &format!("{name} mean"));
    assert_close(stddev(xs), r.stddev, &format!("{name} stddev"));
    assert_close(median(xs), r.median, &format!("{name} median"));
    assert_close(mad(xs), r.mad, &format!("{name} mad"));
    for (p, want, stat) in [
        (50.0, r.median, Statistic::Median),
        (95.0, r.p95, Statistic::P95),
        (99.0, r.p99, Statistic::P99),
    ] {
        assert_close(percentile(xs, p), want, &format!("{name} percentile({p})"));
        assert_close(
            percentile_sorted(&sorted, p),
            want,
            &format!("{name} sorted p{p}"),
        );
        // The bootstrap's O(n) selection path must agree with the sorting one.
        let got = stat.compute(&mut xs.to_vec());
        assert_close(got, want, &format!("{name} Statistic::{stat:?}"));
    }
    assert_close(Statistic::Mean.compute(&mut xs.to_vec()), r.mean, name);
    let (mild, severe) = r.outliers;
    assert_eq!(
        tukey_outliers(&sorted),
        OutlierCounts { mild, severe },
        "{name} outliers"
    );
}

#[test]
fn wall_times_with_one_slow_run_match_numpy() {
    // numpy 2.4.6 / scipy 1.17.1, x = np.array(WALL)
    let r = Reference {
        mean: 0.05115833333333333,    // np.mean(x)
        stddev: 0.003175605406370524, // np.std(x, ddof=1)
        median: 0.0503,               // np.median(x)
        p95: 0.055654999999999996,    // np.percentile(x, 95)
        p99: 0.06001100000000001,     // np.percentile(x, 99)
        mad: 0.0004500000000000025,   // scipy.stats.median_abs_deviation(x, scale=1.0)
        outliers: (0, 1),             // tukey_counts(x): 0.0611 is beyond 3 IQR
    };
    check("WALL", &WALL, &r);
}

#[test]
fn right_skewed_sample_matches_numpy() {
    // numpy 2.4.6 / scipy 1.17.1, x = np.array(SKEWED)
    let r = Reference {
        mean: 1.2528571428571431,   // np.mean(x)
        stddev: 0.3304902563220427, // np.std(x, ddof=1)
        median: 1.11,               // np.median(x)
        p95: 1.7789999999999995,    // np.percentile(x, 95)
        p99: 1.9157999999999997,    // np.percentile(x, 99)
        mad: 0.07999999999999985,   // scipy.stats.median_abs_deviation(x, scale=1.0)
        outliers: (1, 0),           // tukey_counts(x): 1.95 is beyond 1.5 IQR only
    };
    check("SKEWED", &SKEWED, &r);
}

#[test]
fn even_length_sample_with_ties_matches_numpy() {
    // numpy 2.4.6 / scipy 1.17.1, x = np.array(TIES)
    let r = Reference {
        mean: 3.0625,                // np.mean(x)
        stddev: 0.15979898086569355, // np.std(x, ddof=1)
        median: 3.05,                // np.median(x)
        p95: 3.295,                  // np.percentile(x, 95)
        p99: 3.379,                  // np.percentile(x, 99)
        mad: 0.050000000000000266,   // scipy.stats.median_abs_deviation(x, scale=1.0)
        outliers: (1, 0),            // tukey_counts(x): 3.4 is beyond 1.5 IQR only
    };
    check("TIES", &TIES, &r);
}

#[test]
fn tiny_samples_match_numpy() {
    // numpy 2.4.6 / scipy 1.17.1, x = np.array(PAIR); Tukey fences need n >= 4 in perfgate.
    let pair = Reference {
        mean: 0.5,                  // np.mean(x)
        stddev: 0.3535533905932738, // np.std(x, ddof=1)
        median: 0.5,                // np.median(x)
        p95: 0.725,                 // np.percentile(x, 95)
        p99: 0.745,                 // np.percentile(x, 99)
        mad: 0.25,                  // scipy.stats.median_abs_deviation(x, scale=1.0)
        outliers: (0, 0),
    };
    check("PAIR", &PAIR, &pair);

    // x = np.array(SINGLE): np.mean, np.median, np.percentile(x, 95 / 99) are all 0.042 and
    // median_abs_deviation(x, scale=1.0) is 0.0. np.std(x, ddof=1) is nan (0 degrees of
    // freedom); perfgate documents 0 for fewer than 2 values instead.
    let single = Reference {
        mean: 0.042,
        stddev: 0.0,
        median: 0.042,
        p95: 0.042,
        p99: 0.042,
        mad: 0.0,
        outliers: (0, 0),
    };
    check("SINGLE", &SINGLE, &single);
    let mut rng = SplitMix64::new(1);
    assert_eq!(
        bootstrap_ci(&SINGLE, Statistic::Mean, 0.95, 100, &mut rng),
        [0.042, 0.042]
    );
    assert!(bootstrap_ci(&[], Statistic::Mean, 0.95, 100, &mut rng)[0].is_nan());
}

#[test]
fn bootstrap_matches_independent_python_transcription() {
    // percentile_bootstrap(WALL, stat, 0.95, 2000, SplitMix64(20240601)) in the script: Python
    // SplitMix64 with explicit mod 2**64 arithmetic, index ((next >> 32) * n) >> 32, the
    // statistic by np.mean / np.median, endpoints by np.percentile (linear) at alpha / 2 and
    // 1 - alpha / 2. A fresh generator per interval.
    let seed = 20_240_601;
    let cases = [
        (Statistic::Mean, [0.050033333333333325, 0.05306687500000001]),
        (Statistic::Median, [0.0499, 0.0508]),
    ];
    for (stat, want) in cases {
        let got = bootstrap_ci(&WALL, stat, 0.95, 2000, &mut SplitMix64::new(seed));
        assert_close(got[0], want[0], &format!("{stat:?} lower"));
        assert_close(got[1], want[1], &format!("{stat:?} upper"));
    }
}

/// `formula_sample()` in the script: 200 right-skewed values built from + - * / only, so Rust
/// and Python produce the same doubles.
fn formula_sample() -> Vec<f64> {
    (0..200usize)
        .map(|i| {
            let u = (((i * 7919) % 1000) as f64 + 0.5) / 1000.0;
            0.05 + 0.004 * u * u * u
        })
        .collect()
}

#[test]
fn bootstrap_agrees_with_scipy_on_200_values() {
    let xs = formula_sample();
    // Each case: statistic, then
    //   scipy.stats.bootstrap((x,), np.mean / np.median, method='percentile',
    //       n_resamples=10000, confidence_level=0.95, rng=np.random.default_rng(12345))
    //   .confidence_interval (scipy 1.17.1), then
    //   percentile_bootstrap(x, np.mean / np.median, 0.95, 10000, SplitMix64(7)) (the script's
    //   transcription of perfgate, numpy 2.4.6).
    let cases = [
        (
            Statistic::Mean,
            [0.05083385947473563, 0.05114738147976961],
            [0.050838319516497636, 0.05114184498624213],
        ),
        (
            Statistic::Median,
            [0.05031221855700001, 0.0507428703436375],
            [0.050311880373, 0.0507427231105],
        ),
    ];
    for (stat, scipy, transcription) in cases {
        let got = bootstrap_ci(&xs, stat, 0.95, 10_000, &mut SplitMix64::new(7));
        // Same generator as the transcription: equal up to floating-point rounding.
        assert_close(
            got[0],
            transcription[0],
            &format!("{stat:?} lower vs transcription"),
        );
        assert_close(
            got[1],
            transcription[1],
            &format!("{stat:?} upper vs transcription"),
        );
        // scipy draws its resamples with a different generator (numpy PCG64), so the
        // endpoints only agree up to Monte-Carlo error: within 2% of scipy's endpoint values,
        // and, much stricter, within 10% of scipy's interval width (observed: under 2%).
        let width = scipy[1] - scipy[0];
        for (g, s) in got.iter().zip(scipy) {
            assert!(
                (g - s).abs() <= 0.02 * s.abs(),
                "{stat:?}: {got:?} vs scipy {scipy:?}"
            );
            assert!(
                (g - s).abs() <= 0.10 * width,
                "{stat:?}: {got:?} vs scipy {scipy:?}"
            );
        }
    }
}

#[test]
fn summary_fields_equal_the_individual_functions() {
    let s = summarize(&SKEWED);
    let mut sorted = SKEWED.to_vec();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(s.n, SKEWED.len());
    assert_eq!(s.min, 1.02);
    assert_eq!(s.max, 1.95);
    assert_eq!(s.mean, mean(&SKEWED));
    assert_eq!(s.stddev, stddev(&SKEWED));
    assert_eq!(s.cv, stddev(&SKEWED) / mean(&SKEWED));
    assert_eq!(s.median, median(&SKEWED));
    assert_eq!(s.p95, percentile(&SKEWED, 95.0));
    assert_eq!(s.p99, percentile(&SKEWED, 99.0));
    assert_eq!(s.mad, mad(&SKEWED));
    assert_eq!(s.outliers, tukey_outliers(&sorted));

    // scipy 1.17.1: stats.t.interval(0.95, 6, loc=x.mean(), scale=stats.sem(x)) and the
    // order statistics x_(k), x_(n+1-k) for the largest k with
    // stats.binom.cdf(k - 1, 7, 0.5) <= 0.025 (k = 1 at n = 7).
    assert_close(s.ci95_mean[0], 0.9472046344371612, "SKEWED ci95_mean low");
    assert_close(s.ci95_mean[1], 1.558509651277125, "SKEWED ci95_mean high");
    assert_eq!(s.ci95_median, [1.02, 1.95]);
}

#[test]
fn summary_intervals_match_scipy_and_need_no_seed() {
    let a = summarize(&WALL);
    // scipy 1.17.1, as above: the t interval with 11 degrees of freedom; k = 3 at n = 12
    // (binom.cdf(2, 12, 0.5) = 0.0193).
    assert_close(a.ci95_mean[0], 0.0491406499192022, "WALL ci95_mean low");
    assert_close(a.ci95_mean[1], 0.053176016747464465, "WALL ci95_mean high");
    assert_eq!(a.ci95_median, [0.0498, 0.0509]);
    assert_eq!(a, summarize(&WALL));
}

/// 16 baseline wall times (s) with a few percent of spread.
const BASELINE: [f64; 16] = [
    0.0512, 0.0498, 0.0505, 0.0521, 0.0493, 0.0509, 0.0502, 0.0497, 0.0531, 0.0504, 0.0488, 0.0507,
    0.0515, 0.0499, 0.0510, 0.0495,
];

#[test]
fn relative_change_ci_detects_a_20_percent_slowdown() {
    let current: Vec<f64> = BASELINE.iter().map(|x| x * 1.2).collect();
    for stat in [Statistic::Mean, Statistic::Median] {
        let mut rng = SplitMix64::new(11);
        let ci = bootstrap_relative_change_ci(&BASELINE, &current, stat, 0.95, 2000, &mut rng)
            .expect("both samples have at least 2 values");
        assert!(ci[0] > 0.0, "{stat:?}: {ci:?} should exclude zero");
        assert!(
            ci[0] <= 20.0 && 20.0 <= ci[1],
            "{stat:?}: {ci:?} should contain +20%"
        );
    }
}

#[test]
fn relative_change_ci_of_identical_samples_contains_zero() {
    for stat in [Statistic::Mean, Statistic::Median, Statistic::P95] {
        let mut rng = SplitMix64::new(12);
        let ci = bootstrap_relative_change_ci(&BASELINE, &BASELINE, stat, 0.95, 2000, &mut rng)
            .expect("both samples have at least 2 values");
        assert!(
            ci[0] <= 0.0 && 0.0 <= ci[1],
            "{stat:?}: {ci:?} should contain zero"
        );
    }
    let mut rng = SplitMix64::new(13);
    let none =
        bootstrap_relative_change_ci(&SINGLE, &BASELINE, Statistic::Mean, 0.95, 10, &mut rng);
    assert_eq!(none, None, "fewer than 2 values gives no interval");
}

/// The Hodges-Lehmann shift and its Moses interval, against
/// `bench/reference/shift_reference.py` (numpy 2.4.6 outer differences and median, scipy 1.17.1
/// normal quantile for k). The same arithmetic in the same order, so exact to the last bits.
#[test]
fn hodges_lehmann_shift_and_interval_match_numpy() {
    let shifted: Vec<f64> = WALL.iter().map(|x| x * 1.05 + 0.0001).collect();
    // 4 ms clock ticks, 0 in about half the runs.
    let sys_base: Vec<f64> = [[0.0; 9].as_slice(), &[0.004; 10], &[0.008]].concat();
    let sys_cur: Vec<f64> = [[0.0; 10].as_slice(), &[0.004; 6], &[0.008; 4]].concat();
    /// Name, baseline, current, expected shift, expected interval.
    type Case<'a> = (&'a str, &'a [f64], &'a [f64], f64, [f64; 2]);
    let cases: [Case; 4] = [
        (
            "WALL -> WALL * 1.05 + 0.0001",
            &WALL,
            &shifted,
            5.198807157057667,
            [3.9562624254473135, 6.431411530815127],
        ),
        (
            "SKEWED -> TIES",
            &SKEWED,
            &TIES,
            170.27027027027026,
            [145.94594594594594, 184.68468468468467],
        ),
        (
            "TIES -> SKEWED",
            &TIES,
            &SKEWED,
            -61.9672131147541,
            [-67.21311475409837, -53.11475409836066],
        ),
        (
            "SYS_BASE -> SYS_CUR",
            &sys_base,
            &sys_cur,
            0.0,
            [0.0, 100.0],
        ),
    ];
    for (name, base, cur, want_shift, [want_lo, want_hi]) in cases {
        let ShiftInterval::Pct {
            shift,
            ci95: [lo, hi],
        } = shift_ci95_pct(base, cur)
        else {
            panic!("{name}: no interval")
        };
        assert_close(shift, want_shift, &format!("{name} shift"));
        assert_close(lo, want_lo, &format!("{name} lower bound"));
        assert_close(hi, want_hi, &format!("{name} upper bound"));
    }
    // Why the shift is the estimate shown with the interval: there, the change of the
    // medians (0.004 -> 0.002, -50%) lies outside [0%, +100%].
    assert_eq!((median(&sys_cur) / median(&sys_base) - 1.0) * 100.0, -50.0);
}

/// `perfgate doctor`'s noise score: the CV of all runs and its block-bootstrap interval,
/// against `bench/reference/noise_reference.py` (numpy 2.4.6 for the CV and the percentiles, a
/// Python transcription of the resampling with the same SplitMix64 stream).
#[test]
fn doctor_noise_score_matches_numpy_and_a_python_block_bootstrap() {
    use perfgate::doctor::noise::{block_bootstrap_cv_ci, score};
    let blocks = vec![
        vec![0.00512, 0.00498, 0.00505, 0.00501],
        vec![0.00493, 0.00509, 0.00502],
        vec![0.00497, 0.00611, 0.00504, 0.00500, 0.00507],
        vec![0.00531, 0.00544, 0.00529],
    ];
    assert_close(score(&blocks).cv, 0.05789611347642354, "pooled CV");
    let [lo, hi] = block_bootstrap_cv_ci(&blocks, 200, &mut SplitMix64::new(42));
    assert_close(lo, 0.011578360062565731, "block bootstrap lower bound");
    assert_close(hi, 0.07861573554058776, "block bootstrap upper bound");
}
