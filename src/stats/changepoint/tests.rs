//! Seeded synthetic histories: the cases of a first week with `detect` (issue 13) and the
//! earlier short, clean ones.

use super::*;

/// A standard normal draw (Box-Muller) from the seeded generator.
fn gauss(rng: &mut SplitMix64) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * (u.max(1e-12)).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Right-skewed noise around `level`: a lognormal-ish factor with CV ~5%.
fn noisy(rng: &mut SplitMix64, level: f64) -> f64 {
    level * (0.05 * gauss(rng)).exp()
}

/// Noise of a shared, loaded VM around `level`: lognormal with log-sd `sigma`, and in about
/// one point in three a slow host phase that adds `slow` (a mixture: right-skewed, bimodal).
fn loaded(rng: &mut SplitMix64, level: f64, sigma: f64, slow: f64) -> f64 {
    let phase = if rng.below(3) == 0 { 1.0 + slow } else { 1.0 };
    level * phase * (sigma * gauss(rng)).exp()
}

fn cv(xs: &[f64]) -> f64 {
    crate::stats::stddev(xs) / crate::stats::mean(xs)
}

fn indices(cps: &[ChangePoint]) -> Vec<usize> {
    cps.iter().map(|c| c.index).collect()
}

fn near(found: &[usize], truth: usize) -> bool {
    found.iter().any(|&i| i.abs_diff(truth) <= 2)
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

/// Issue 13, case 1: 365 points with noise of about 1%: level 100, 88.5 from point 15, 106
/// from 71, then 101 rising slowly to 110 over points 95-364. The steps at 15 and 71 are
/// found however long the drift after them; the drift itself gives none.
#[test]
fn steps_before_a_long_drift_are_found() {
    let mut rng = SplitMix64::new(13);
    let s: Vec<f64> = (0..365)
        .map(|i| {
            let level = match i {
                0..15 => 100.0,
                15..71 => 88.5,
                71..95 => 106.0,
                _ => 101.0 + 9.0 * (i - 95) as f64 / 269.0,
            };
            level * (0.01 * gauss(&mut rng)).exp()
        })
        .collect();
    let found = indices(&detect(&s, &DetectOptions::default()));
    assert!(near(&found, 15) && near(&found, 71), "{found:?}");
    // The drop from 106 to 101 at 95 is a step too; nothing inside the drift.
    assert!(
        found
            .iter()
            .all(|&i| [15, 71, 95].iter().any(|t| i.abs_diff(*t) <= 2)),
        "{found:?}"
    );
}

/// Issue 13, case 2: a staircase of two +25% regressions in 120 points with CV 12%
/// right-skewed noise gives both steps, not "drift".
#[test]
fn each_step_of_a_staircase_is_found() {
    let (mut both, mut extra) = (0, 0);
    for seed in 0..40 {
        let mut rng = SplitMix64::new(1_000 + seed);
        let s: Vec<f64> = (0..120)
            .map(|i| {
                let level = match i {
                    0..40 => 1.0,
                    40..80 => 1.25,
                    _ => 1.5625,
                };
                level * (0.12 * gauss(&mut rng)).exp()
            })
            .collect();
        let found = indices(&detect(&s, &DetectOptions::default()));
        both += usize::from(near(&found, 40) && near(&found, 80));
        extra += found
            .iter()
            .filter(|&&i| i.abs_diff(40) > 5 && i.abs_diff(80) > 5)
            .count();
    }
    // A least-squares fit told where each step is near (30 points on each side) places a
    // single step of this size within 2 points 91% of the time (numpy simulation, 4,000
    // draws), so both steps of a staircase about 33 times in 40.
    eprintln!("both steps in {both} of 40, {extra} others");
    // At least 80% of that: 27 of 40.
    assert!(both >= 27, "both steps in {both} of 40 staircases");
    // The goal of at most 0.2 false alarms per 100 points: 9.6 in 40 x 120 points.
    assert!(
        extra <= 9,
        "{extra} change points more than 5 points from a step"
    );
}

/// Issue 13, case 3: the noise of a loaded 2-vCPU VM (CV 12-27%, right-skewed, slow host
/// phases in a third of the points), one 20-30% step in 100-200 points. Finding the step is
/// not the hard part; placing it is: in this noise even a least-squares fit that knows there is
/// exactly one step places it within 2 points about 9 times in 10 at CV 12%.
#[test]
fn steps_are_found_through_the_noise_of_a_loaded_machine() {
    // (series, within 2 points, within 5 points), at CV <= 15% and in all.
    let (mut quieter, mut all) = ([0; 3], [0; 3]);
    for seed in 0..120u64 {
        let mut rng = SplitMix64::new(2_000 + seed);
        let n = 100 + rng.below(101);
        let at = n * 3 / 10 + rng.below(n * 4 / 10);
        let size = 1.20 + 0.10 * rng.below(1001) as f64 / 1000.0;
        let (sigma, slow) =
            [(0.10, 0.12), (0.14, 0.2), (0.18, 0.3), (0.22, 0.35)][seed as usize % 4];
        let s: Vec<f64> = (0..n)
            .map(|i| loaded(&mut rng, if i < at { 1.0 } else { size }, sigma, slow))
            .collect();
        let found = indices(&detect(&s, &DetectOptions::default()));
        let counts = [
            1,
            usize::from(near(&found, at)),
            usize::from(found.iter().any(|&i| i.abs_diff(at) <= 5)),
        ];
        for k in 0..3 {
            all[k] += counts[k];
            if cv(&s[..at]) <= 0.15 {
                quieter[k] += counts[k];
            }
        }
    }
    eprintln!("CV <= 15%: {quieter:?}; all: {all:?} (series, within 2, within 5)");
    assert!(quieter[0] >= 30, "{quieter:?}");
    assert!(quieter[2] * 10 >= quieter[0] * 9, "CV <= 15%: {quieter:?}");
    assert!(quieter[1] * 4 >= quieter[0] * 3, "CV <= 15%: {quieter:?}");
    assert!(all[2] * 10 >= all[0] * 7, "all: {all:?}");
}

/// No step, however long the history and however noisy: at most 0.2 false alarms per 100
/// points (the evaluation's goal), drift and spikes included.
#[test]
fn false_alarms_per_100_points_do_not_grow_with_the_history() {
    for (n, series) in [(100usize, 150u64), (365, 40), (1_000, 15)] {
        let mut alarms = 0;
        for seed in 0..series {
            let mut rng = SplitMix64::new(n as u64 * 7_919 + seed);
            let (sigma, slow) = [(0.01, 0.0), (0.05, 0.0), (0.12, 0.2)][seed as usize % 3];
            // Slow drift: +5% over the history. (A drift of 2% or more per `window` on a
            // quiet machine is steps to this detector; see the README.)
            let drift = if seed % 2 == 0 { 0.05 } else { 0.0 };
            let mut s: Vec<f64> = (0..n)
                .map(|i| loaded(&mut rng, 1.0 + drift * i as f64 / n as f64, sigma, slow))
                .collect();
            s[n / 3] *= 2.0;
            alarms += detect(&s, &DetectOptions::default()).len();
        }
        let per_100 = alarms as f64 * 100.0 / (n as f64 * series as f64);
        eprintln!(
            "{n} points: {alarms} false alarms in {series} series, {per_100:.3} per 100 points"
        );
        assert!(
            per_100 <= 0.2,
            "{n} points: {per_100:.3} false alarms per 100 points"
        );
    }
}

/// The scan's threshold against a simulation of its own statistic under no change: the
/// expected number of crossings it assumes is not below what noise gives (it may be above:
/// the approximation is conservative), and not far above either.
#[test]
fn the_scan_threshold_holds_its_false_alarm_rate() {
    let opts = DetectOptions::default();
    let (n, sims) = (300usize, 300u64);
    let mut over = 0;
    let mut buf = Vec::new();
    for seed in 0..sims {
        let mut rng = SplitMix64::new(77 + seed);
        let s: Vec<f64> = (0..n).map(|_| gauss(&mut rng)).collect();
        let w = opts.window;
        let m = opts.min_segment;
        let best = (m..=n - m)
            .map(|k| {
                let (wl, wr) = (w.min(k), w.min(n - k));
                scan::mann_whitney_z(&s[k - wl..k], &s[k..k + wr], &mut buf).abs()
            })
            .fold(0.0, f64::max);
        over += usize::from(scan::false_alarms_per_100(best, n - 2 * m + 1, w) <= 0.05);
    }
    // alpha 5% per 100 points over 300 points: at most 15% of the series, by a union bound.
    let rate = over as f64 / sims as f64;
    eprintln!("scan maximum beyond the 5% per 100 points level in {rate:.3} of series");
    assert!(rate <= 0.15, "{rate}");
    assert!(
        rate >= 0.02,
        "{rate}: the threshold is far too conservative"
    );
}
