//! `gate::compare` on reports built in memory: significance, new/missing metrics, rule lookup,
//! budgets, the noisy flag, and determinism.

use std::collections::BTreeMap;

use perfgate::gate::{compare, CompareOptions, Comparison, Overall, ThresholdRule, Verdict};
use perfgate::model::threshold::Quantity;
use perfgate::model::Report;
use perfgate::testing::{bench, peak_rss, report, throughput, time, wall_time, BenchBuilder};

/// A report (seed 7) of these benchmarks.
fn report_of(benches: impl IntoIterator<Item = BenchBuilder>) -> Report {
    report().seed(7).benches(benches).build()
}

fn row<'a>(c: &'a Comparison, bench: &str, metric: &str) -> &'a perfgate::gate::MetricComparison {
    c.metrics
        .iter()
        .find(|m| m.benchmark == bench && m.metric == metric)
        .unwrap_or_else(|| panic!("no row {bench}.{metric}"))
}

/// Ten samples around `center` with a relative spread of +-`spread`.
fn around(center: f64, spread: f64) -> Vec<f64> {
    [-1.0, -0.8, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5, 0.8, 1.0]
        .iter()
        .map(|k| center * (1.0 + k * spread))
        .collect()
}

#[test]
fn a_large_but_noisy_change_is_inconclusive_and_a_tight_one_critical() {
    // Median +15%, beyond the 10% critical threshold in both cases.
    let base = report_of([
        bench("tight").metric(wall_time(around(1.0, 0.01))),
        bench("noisy").metric(wall_time(around(1.0, 0.9))),
    ]);
    let mut noisy_current = around(1.15, 0.9);
    noisy_current.reverse();
    let cur = report_of([
        bench("tight").metric(wall_time(around(1.15, 0.01))),
        bench("noisy").metric(wall_time(noisy_current)),
    ]);
    let c = compare(&base, &cur, &CompareOptions::default());
    let tight = row(&c, "tight", "wall_time");
    assert_eq!(tight.status, Verdict::Critical);
    assert!((tight.change_pct.unwrap() - 15.0).abs() < 1e-9);
    let [lo, hi] = tight.change_ci95_pct.unwrap();
    assert!(lo > 10.0 && hi < 20.0, "[{lo}, {hi}]");
    assert!(!tight.noisy);
    let noisy = row(&c, "noisy", "wall_time");
    assert_eq!(noisy.status, Verdict::Inconclusive);
    let [lo, hi] = noisy.change_ci95_pct.unwrap();
    assert!(lo < 0.0 && hi > 0.0, "[{lo}, {hi}]");
    assert!(noisy.noisy, "CV is far above 20%");
    assert!(noisy.reason.as_deref().unwrap().contains("includes zero"));
    assert_eq!(c.overall_status, Overall::Fail);
    assert_eq!(c.failed_metrics, 1);
    // Worst first.
    assert_eq!(c.metrics[0].status, Verdict::Critical);
}

#[test]
fn new_and_missing_metrics_and_benchmarks() {
    let base = report_of([
        bench("kept")
            .metric(wall_time(around(1.0, 0.01)))
            .metric(peak_rss(vec![1e6; 10])),
        bench("gone").metric(wall_time(around(1.0, 0.01))),
    ]);
    let cur = report_of([
        bench("kept").metric(wall_time(around(1.0, 0.01))),
        bench("fresh").metric(wall_time(around(1.0, 0.01))),
    ]);
    let c = compare(&base, &cur, &CompareOptions::default());
    assert_eq!(row(&c, "kept", "wall_time").status, Verdict::Stable);
    assert_eq!(row(&c, "kept", "peak_rss").status, Verdict::Missing);
    assert_eq!(row(&c, "gone", "wall_time").status, Verdict::Missing);
    assert_eq!(row(&c, "fresh", "wall_time").status, Verdict::New);
    assert_eq!(
        c.overall_status,
        Overall::Warn,
        "a vanished metric deserves attention"
    );
    assert_eq!(c.total_metrics, 4);
}

#[test]
fn rules_come_from_the_baseline_file_then_the_config_then_defaults() {
    // +8%: default warning (5% / 10%).
    let mut base = report_of([
        bench("parse/big").metric(wall_time(around(1.0, 0.001))),
        bench("parse/small").metric(wall_time(around(1.0, 0.001))),
        bench("render").metric(wall_time(around(1.0, 0.001))),
    ]);
    let cur = report_of([
        bench("parse/big").metric(wall_time(around(1.08, 0.001))),
        bench("parse/small").metric(wall_time(around(1.08, 0.001))),
        bench("render").metric(wall_time(around(1.08, 0.001))),
    ]);
    let mut config_rules = BTreeMap::new();
    config_rules.insert(
        "parse/*.wall_time".to_string(),
        ThresholdRule {
            warn_pct: Some(2.0),
            fail_pct: Some(4.0),
            ..Default::default()
        },
    );
    base.thresholds.insert(
        "parse/big.wall_time".to_string(),
        ThresholdRule {
            warn_pct: Some(20.0),
            fail_pct: Some(30.0),
            ..Default::default()
        },
    );
    let opts = CompareOptions {
        config_rules,
        ..Default::default()
    };
    let c = compare(&base, &cur, &opts);
    let big = row(&c, "parse/big", "wall_time");
    assert_eq!(
        big.status,
        Verdict::Stable,
        "the baseline file's exact rule wins"
    );
    assert!(
        big.rule.contains("baseline file `parse/big.wall_time`"),
        "{}",
        big.rule
    );
    let small = row(&c, "parse/small", "wall_time");
    assert_eq!(small.status, Verdict::Critical, "the config glob applies");
    assert!(
        small.rule.contains("config `parse/*.wall_time`"),
        "{}",
        small.rule
    );
    let render = row(&c, "render", "wall_time");
    assert_eq!(render.status, Verdict::Warning);
    assert!(render.rule.contains("defaults"), "{}", render.rule);
    assert!((render.allowed_max.unwrap() - render.baseline.unwrap() * 1.10).abs() < 1e-12);
}

#[test]
fn ratio_abs_budget_and_statistic_from_a_rule() {
    let base = report_of([bench("b").metric(wall_time(around(0.010, 0.01)))]);
    let cur = report_of([bench("b").metric(wall_time(around(0.0124, 0.01)))]);
    let rule = |r: ThresholdRule| {
        let mut b = base.clone();
        b.thresholds.insert("b.wall_time".into(), r);
        compare(&b, &cur, &CompareOptions::default())
    };
    // 0.010 * 1.2 + 0.0005 = 0.0125 > 0.0124: within the ratio+abs bound (warn at 5% still fires).
    let c = rule(ThresholdRule {
        ratio: Some(0.2),
        abs: Some(Quantity::parse("0.5ms").unwrap()),
        ..Default::default()
    });
    let r = row(&c, "b", "wall_time");
    assert_eq!(r.status, Verdict::Warning);
    assert!((r.allowed_max.unwrap() - 0.0125).abs() < 1e-12);
    // A budget of 12 ms is broken by 12.4 ms whatever the baseline says.
    let c = rule(ThresholdRule {
        budget: Some(Quantity::parse("12ms").unwrap()),
        warn_pct: Some(50.0),
        fail_pct: Some(60.0),
        ..Default::default()
    });
    assert_eq!(row(&c, "b", "wall_time").status, Verdict::Critical);
    // A budget in bytes cannot apply to seconds: said plainly, not ignored.
    let c = rule(ThresholdRule {
        budget: Some(Quantity::parse("1GB").unwrap()),
        ..Default::default()
    });
    let r = row(&c, "b", "wall_time");
    assert_eq!(r.status, Verdict::Failed);
    assert!(r.reason.as_deref().unwrap().contains("does not apply"));
    // The statistic a rule names is the one compared.
    let c = rule(ThresholdRule {
        statistic: Some(perfgate::stats::Statistic::P95),
        ..Default::default()
    });
    let r = row(&c, "b", "wall_time");
    assert_eq!(r.statistic, perfgate::stats::Statistic::P95);
    assert_eq!(
        r.baseline.unwrap(),
        base.benchmarks[0].metrics[0].summary.p95
    );
}

#[test]
fn higher_is_better_metrics_regress_downwards() {
    let thr = |c: f64| bench("b").metric(throughput("items/s", around(c, 0.01)));
    let base = report_of([thr(1000.0)]);
    let c = compare(&base, &report_of([thr(850.0)]), &CompareOptions::default());
    let r = row(&c, "b", "throughput");
    assert_eq!(r.status, Verdict::Critical);
    assert!((r.allowed_min.unwrap() - 900.0).abs() < 1e-9);
    assert_eq!(r.allowed_max, None);
    let c = compare(&base, &report_of([thr(1200.0)]), &CompareOptions::default());
    assert_eq!(row(&c, "b", "throughput").status, Verdict::Improved);
}

#[test]
fn skipped_benchmarks_are_noted_not_judged_and_results_are_deterministic() {
    let base = report_of([
        bench("gpu").metric(wall_time(around(1.0, 0.01))),
        bench("cpu").metric(wall_time(around(1.0, 0.2))),
    ]);
    let skipped = bench("gpu").skipped("device `cuda` is not present on this machine");
    let cur = report_of([skipped, bench("cpu").metric(wall_time(around(1.02, 0.2)))]);
    let a = compare(&base, &cur, &CompareOptions::default());
    assert!(a.metrics.iter().all(|m| m.benchmark == "cpu"));
    assert!(
        a.notes.iter().any(|n| n.contains("gpu skipped")),
        "{:?}",
        a.notes
    );
    let b = compare(&base, &cur, &CompareOptions::default());
    assert_eq!(a, b, "the same reports and seed give the same intervals");
}

#[test]
fn another_testbed_is_said_loudly_and_another_runner_of_the_same_one_is_not() {
    let base = report_of([bench("b").metric(wall_time(around(1.0, 0.01)))]);
    let mut cur = base.clone();
    cur.machine.id = "fedcba9876543210".into();
    let c = compare(&base, &cur, &CompareOptions::default());
    assert!(
        c.notes.iter().any(|n| n.contains("another testbed")),
        "{:?}",
        c.notes
    );
    // Two runners (two machine ids) of one named testbed: no note.
    let named = |mut r: perfgate::model::Report| {
        r.testbed = Some("gha-2core".into());
        r
    };
    let c = compare(&named(base), &named(cur), &CompareOptions::default());
    assert!(
        !c.notes.iter().any(|n| n.contains("another testbed")),
        "{:?}",
        c.notes
    );
    assert_eq!(c.current.testbed.as_deref(), Some("gha-2core"));
    assert_ne!(c.current.machine_id, c.baseline.machine_id);
}

/// One moderately significant change among many unchanged metrics: alone it is critical;
/// among 40 tests the false discovery rate control makes it inconclusive, and says why.
/// Options of a pair run in one window (`check --interleaved`), so that only the test under
/// study decides: these samples (CV 11%) would not clear the noise floor of pairs without
/// history (tested in `pairs_without_history_must_clear_the_noise_floor_unless_run_in_one_window`).
fn one_window() -> CompareOptions {
    CompareOptions {
        same_window: true,
        ..Default::default()
    }
}

#[test]
fn the_false_discovery_rate_is_controlled_across_metrics() {
    // 8 vs 8 samples, partly overlapping, +20%: Mann-Whitney p = 0.0313 (scipy 1.17.1, asymptotic), interval above 0.
    let base_s = vec![1.00, 1.02, 1.04, 1.06, 1.08, 1.10, 1.30, 1.32];
    let cur_s = vec![1.18, 1.20, 1.24, 1.26, 1.28, 1.31, 1.33, 1.35];
    let alone = compare(
        &report_of([bench("x").metric(wall_time(base_s.clone()))]),
        &report_of([bench("x").metric(wall_time(cur_s.clone()))]),
        &one_window(),
    );
    let r = row(&alone, "x", "wall_time");
    let p = r.p_value.unwrap();
    assert!(p > 0.005 && p < 0.05, "p = {p}");
    assert_eq!(r.q_value, Some(p), "one test: q = p");
    assert_eq!(r.status, Verdict::Critical, "{r:?}");

    let steady: Vec<f64> = (0..8).map(|i| 1.0 + 0.01 * i as f64).collect();
    let mut base = vec![bench("x").metric(wall_time(base_s))];
    let mut cur = vec![bench("x").metric(wall_time(cur_s))];
    for i in 0..39 {
        base.push(bench(&format!("s{i}")).metric(wall_time(steady.clone())));
        cur.push(bench(&format!("s{i}")).metric(wall_time(steady.clone())));
    }
    let (base, cur) = (report_of(base), report_of(cur));
    let many = compare(&base, &cur, &one_window());
    let r = row(&many, "x", "wall_time");
    assert_eq!(r.status, Verdict::Inconclusive, "{r:?}");
    // BH: the smallest of 40 p-values is multiplied by 40 (the others are ~1).
    assert!((r.q_value.unwrap() - (p * 40.0).min(1.0)).abs() < 1e-12);
    assert!(
        r.reason
            .as_deref()
            .unwrap()
            .contains("false discovery rate"),
        "{r:?}"
    );
    assert!(many
        .notes
        .iter()
        .any(|n| n.contains("Benjamini-Hochberg") && n.contains("40 tests")));

    // `--fdr off`: each metric on its own, as if compared alone.
    let off = CompareOptions {
        fdr: None,
        ..one_window()
    };
    let each = compare(&base, &cur, &off);
    assert_eq!(row(&each, "x", "wall_time").status, Verdict::Critical);
    assert_eq!(row(&each, "x", "wall_time").q_value, None);
    assert!(each.notes.iter().any(|n| n.contains("on its own at 5%")));
    // A looser rate (q = 40 p, between 0.2 and 2) keeps it when 40 p is under the rate.
    let loose = CompareOptions {
        fdr: Some(0.99),
        ..one_window()
    };
    let expected = if p * 40.0 <= 0.99 {
        Verdict::Critical
    } else {
        Verdict::Inconclusive
    };
    assert_eq!(
        row(&compare(&base, &cur, &loose), "x", "wall_time").status,
        expected
    );
}

#[test]
fn a_metric_that_is_zero_on_both_sides_is_not_judged_nor_tested() {
    let sleep = || {
        bench("sleep")
            .metric(wall_time(around(1.0, 0.01)))
            .metric(time("sys_time", vec![0.0; 10]))
    };
    let (base, cur) = (report_of([sleep()]), report_of([sleep()]));
    let c = compare(&base, &cur, &CompareOptions::default());
    let zero = row(&c, "sleep", "sys_time");
    assert_eq!(zero.status, Verdict::Stable);
    assert_eq!(
        zero.reason.as_deref(),
        Some("0 in every run on both sides: nothing to judge")
    );
    assert_eq!(
        (zero.p_value, zero.change_pct, zero.change_ci95_pct),
        (None, None, None)
    );
    // Only wall_time was a test for the false discovery rate.
    assert!(
        c.notes.iter().any(|n| n.contains("across 1 tests")),
        "{:?}",
        c.notes
    );
}

#[test]
fn pairs_without_history_must_clear_the_noise_floor_unless_run_in_one_window() {
    // A spread of +-3% (CV 1.995%: numpy np.std(x, ddof=1) / np.mean(x) = 0.019949937 for
    // around(1.0, 0.03)), +8% on the median: the Moses interval is +5.92% .. +10.08% (numpy,
    // the 24th smallest and largest of the 100 differences, over the baseline median), so it
    // excludes zero, but the floor is min(1.6 x 5%, 6 x 1.995%) = 8% and it does not clear it.
    let base = report_of([bench("x").metric(wall_time(around(1.0, 0.03)))]);
    let cur = report_of([bench("x").metric(wall_time(around(1.08, 0.03)))]);
    let apart = compare(&base, &cur, &CompareOptions::default());
    let r = row(&apart, "x", "wall_time");
    let [lo, _] = r.change_ci95_pct.unwrap();
    assert!((lo - 5.924).abs() < 1e-6, "{lo}");
    assert_eq!(r.status, Verdict::Inconclusive);
    assert!(
        r.reason
            .as_deref()
            .unwrap()
            .contains("noise floor of \u{b1}8.0%"),
        "{:?}",
        r.reason
    );
    assert_eq!(apart.overall_status, Overall::Pass);
    // Both sides in one window (`check --interleaved`): no floor, a warning as before.
    let window = CompareOptions {
        same_window: true,
        ..Default::default()
    };
    assert_eq!(
        row(&compare(&base, &cur, &window), "x", "wall_time").status,
        Verdict::Warning
    );
    // With history for the metric (noise-aware thresholds), history decides, not the floor.
    let history = CompareOptions {
        noise_rules: BTreeMap::from([(
            "x.wall_time".to_string(),
            perfgate::gate::noise::noise_rule(&[1.0, 1.01, 0.99, 1.0, 1.005]).unwrap(),
        )]),
        ..Default::default()
    };
    assert_eq!(
        row(&compare(&base, &cur, &history), "x", "wall_time").status,
        Verdict::Critical
    );
}

/// Two devices' comparisons merged (as `check` does) keep the gate's order, worst first and,
/// within a verdict, the bigger worsening first, and the status of the whole.
#[test]
fn merged_comparisons_keep_the_gates_order_and_status() {
    let one = |name: &str, level: f64| {
        compare(
            &report_of([bench(name).metric(wall_time(around(1.0, 0.01)))]),
            &report_of([bench(name).metric(wall_time(around(level, 0.01)))]),
            &one_window(),
        )
    };
    // +6% and +8% are warnings (5% warning, 10% critical); +1% is stable.
    let (small, big, calm) = (one("gpu-a", 1.06), one("cpu-b", 1.08), one("cpu-c", 1.01));
    assert_eq!(small.overall_status, Overall::Warn);
    assert_eq!(calm.overall_status, Overall::Pass);
    let merged = calm.merge(small).merge(big);
    let order: Vec<(&str, Verdict)> = merged
        .metrics
        .iter()
        .filter(|m| m.metric == "wall_time")
        .map(|m| (m.benchmark.as_str(), m.status))
        .collect();
    assert_eq!(
        order,
        [
            ("cpu-b", Verdict::Warning),
            ("gpu-a", Verdict::Warning),
            ("cpu-c", Verdict::Stable)
        ]
    );
    assert_eq!(merged.overall_status, Overall::Warn);
    assert!(merged.passed());
    assert_eq!(merged.total_metrics, merged.metrics.len());
    let failing = merged.merge(one("cpu-d", 1.5));
    assert_eq!(failing.overall_status, Overall::Fail);
    assert_eq!(failing.failed_metrics, 1);
    assert!(!failing.passed());
    assert_eq!(failing.metrics[0].benchmark, "cpu-d");
}
