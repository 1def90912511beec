//! Property: wherever a comparison shows a change with its 95% interval, the change lies
//! inside the interval. Random pairs of samples of many shapes (zeros, clock-tick ties, skew,
//! outliers, two modes, tiny n, a pure shift, too many for the pairwise method) go through
//! `gate::compare` with every statistic; each row's estimate must lie in its interval, in the
//! JSON and as rendered.

use std::collections::BTreeMap;

use perfgate::gate::{compare, CompareOptions, MetricComparison, ThresholdRule};
use perfgate::model::Report;
use perfgate::render::human::shift_with_ci;
use perfgate::stats::{SplitMix64, Statistic};
use perfgate::testing::{self, bench, time};

/// A report (seed 11) of benchmarks of one metric `m` in seconds each.
fn report(benches: Vec<(String, Vec<f64>)>) -> Report {
    testing::report()
        .seed(11)
        .benches(
            benches
                .into_iter()
                .map(|(name, samples)| bench(&name).metric(time("m", samples))),
        )
        .build()
}

/// A uniform draw in [0, 1).
fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// One sample of `n` values of shape `shape`, scaled by `scale`.
fn sample(shape: usize, n: usize, scale: f64, rng: &mut SplitMix64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let u = unit(rng);
            let v = match shape {
                // Around 1, +-5%.
                0 => 1.0 + 0.1 * (u - 0.5),
                // System time in 4 ms ticks, 0 in about half the runs.
                1 => 0.004 * [0.0, 0.0, 0.0, 1.0, 1.0, 2.0][(u * 6.0) as usize],
                // Heavy right skew (exponential tail on a floor).
                2 => 1.0 - (1.0 - u).ln() * 0.3,
                // Mostly tight, one run in ten ten times slower.
                3 if u < 0.1 => 10.0,
                3 => 1.0 + 0.02 * u,
                // Two modes (a host's fast and slow phases).
                4 if u < 0.5 => 1.0 + 0.01 * u,
                4 => 2.0 + 0.01 * u,
                // Few distinct values: ties everywhere.
                5 => 1.0 + (u * 3.0).floor() * 0.1,
                // Every value equal.
                _ => 1.0,
            };
            v * scale
        })
        .collect()
}

const SHAPES: usize = 7;
const STATISTICS: [Statistic; 4] = [
    Statistic::Median,
    Statistic::Mean,
    Statistic::P95,
    Statistic::P99,
];

/// The numbers of a rendered `+0.3% (-12.1% .. +0.7%)`.
fn parse_shown(text: &str) -> [f64; 3] {
    let pct = |s: &str| -> f64 { s.trim().trim_end_matches('%').parse().unwrap() };
    let (shift, rest) = text.split_once(" (").unwrap_or_else(|| panic!("{text}"));
    let (lo, hi) = rest
        .trim_end_matches(')')
        .split_once(" .. ")
        .unwrap_or_else(|| panic!("{text}"));
    [pct(shift), pct(lo), pct(hi)]
}

struct Tally {
    rows_with_interval: usize,
    change_of_medians_outside: usize,
}

/// Checks one row; `hodges_lehmann` when its estimate is the shift of the pairwise method
/// (the median over at most a million pairs), else it must be the change itself.
fn check_row(m: &MetricComparison, hodges_lehmann: bool, tally: &mut Tally) {
    let Some([lo, hi]) = m.change_ci95_pct else {
        assert!(m.shift_pct.is_none(), "a shift without an interval: {m:?}");
        return;
    };
    tally.rows_with_interval += 1;
    let shift = m
        .shift_pct
        .unwrap_or_else(|| panic!("an interval without its estimate: {m:?}"));
    assert!(
        lo <= shift && shift <= hi,
        "{} {}: estimate {shift} outside its interval [{lo}, {hi}]",
        m.benchmark,
        m.statistic.as_str()
    );
    let [s, l, h] = parse_shown(&shift_with_ci(m));
    assert!(l <= s && s <= h, "shown: {}", shift_with_ci(m));
    let change = m.change_pct.unwrap();
    if hodges_lehmann {
        if change < lo || change > hi {
            tally.change_of_medians_outside += 1;
        }
    } else {
        assert!(
            (shift - change).abs() <= 1e-9 * change.abs().max(1.0),
            "{}: shift {shift} != change {change}",
            m.benchmark
        );
    }
}

#[test]
fn every_shown_change_lies_inside_its_interval() {
    let mut rng = SplitMix64::new(2026);
    let sizes = [2, 3, 4, 5, 7, 10, 20, 60];
    let mut tally = Tally {
        rows_with_interval: 0,
        change_of_medians_outside: 0,
    };
    let mut base = Vec::new();
    let mut cur = Vec::new();
    for trial in 0..250 {
        let name = format!("t{trial}");
        let n = sizes[rng.below(sizes.len())];
        let m = sizes[rng.below(sizes.len())];
        let (shape_b, shape_c) = if rng.below(3) == 0 {
            (rng.below(SHAPES), rng.below(SHAPES))
        } else {
            let s = rng.below(SHAPES);
            (s, s)
        };
        // Unchanged in a third of the trials, else slower or faster by up to 2x.
        let factor = if rng.below(3) == 0 {
            1.0
        } else {
            0.5 + 1.5 * unit(&mut rng)
        };
        base.push((name.clone(), sample(shape_b, n, 1.0, &mut rng)));
        cur.push((name, sample(shape_c, m, factor, &mut rng)));
    }
    let (base, cur) = (report(base), report(cur));
    for statistic in STATISTICS {
        let opts = CompareOptions {
            config_rules: BTreeMap::from([(
                "*".to_string(),
                ThresholdRule {
                    statistic: Some(statistic),
                    ..Default::default()
                },
            )]),
            ..Default::default()
        };
        let c = compare(&base, &cur, &opts);
        for row in &c.metrics {
            assert_eq!(row.statistic, statistic);
            check_row(row, statistic == Statistic::Median, &mut tally);
        }
    }
    // The samples reach every path: most rows have an interval, and the change of the medians
    // falls outside its shift's interval often enough that showing it there would mislead.
    assert!(
        tally.rows_with_interval > 750,
        "{}",
        tally.rows_with_interval
    );
    assert!(tally.change_of_medians_outside > 0);
}

/// Over a million pairs the median's interval is a bootstrap; its estimate is still inside.
#[test]
fn the_bootstrap_interval_of_a_large_sample_contains_its_estimate() {
    let mut rng = SplitMix64::new(7);
    for shape in 0..SHAPES {
        let base = sample(shape, 1100, 1.0, &mut rng);
        let cur = sample(shape, 1000, 1.03, &mut rng);
        let c = compare(
            &report(vec![("big".into(), base)]),
            &report(vec![("big".into(), cur)]),
            &CompareOptions::default(),
        );
        let mut tally = Tally {
            rows_with_interval: 0,
            change_of_medians_outside: 0,
        };
        check_row(&c.metrics[0], false, &mut tally);
        assert_eq!(
            tally.rows_with_interval, 1,
            "shape {shape}: {:?}",
            c.metrics[0]
        );
    }
}
