//! One metric of `compare`: the rule in force, the evidence of a change, the verdict and why.

use super::interval::{change_interval, Interval};
use super::{
    decide, find_rule, pairs, CompareOptions, EffectiveRule, MetricComparison, Observation,
    Significance, ThresholdRule, Verdict, NOISY_CV,
};
use std::borrow::Cow;

use crate::model::{Direction, Metric, Report};
use crate::stats::Statistic;

/// The thresholds of one metric, its statistic, and where they came from.
struct Chosen {
    rule: EffectiveRule,
    statistic: Statistic,
    /// `warn > 5%, critical > 10% (defaults)`.
    described: String,
}

/// The rule of `bench.metric`: the baseline file's, else the config's, else (with no
/// `--threshold-pct`) the one from the recorded noise, else the defaults of its kind.
fn choose_rule(key: &str, cur: &Metric, baseline: &Report, opts: &CompareOptions) -> Chosen {
    let found = find_rule(&baseline.thresholds, key)
        .map(|(k, r)| (format!("baseline file `{k}`"), r))
        .or_else(|| find_rule(&opts.config_rules, key).map(|(k, r)| (format!("config `{k}`"), r)));
    let noise_rule = match (&found, opts.threshold_pct) {
        (None, None) => opts.noise_rules.get(key).map(|n| {
            (
                n.why.clone(),
                ThresholdRule {
                    warn_pct: Some(n.warn_pct),
                    fail_pct: Some(n.fail_pct),
                    ..Default::default()
                },
            )
        }),
        _ => None,
    };
    let rule = EffectiveRule::resolve(
        found
            .as_ref()
            .map(|(_, r)| *r)
            .or(noise_rule.as_ref().map(|(_, r)| r)),
        cur.kind(),
        opts.threshold_pct,
    );
    let statistic = found
        .as_ref()
        .and_then(|(_, r)| r.statistic)
        .unwrap_or(Statistic::Median);
    let source = match (&found, opts.threshold_pct) {
        (_, Some(_)) => "--threshold-pct".to_string(),
        (Some((src, _)), None) => src.clone(),
        (None, None) => noise_rule
            .as_ref()
            .map_or_else(|| "defaults".to_string(), |(why, _)| why.clone()),
    };
    Chosen {
        described: format!("{} ({source})", rule.describe()),
        rule,
        statistic,
    }
}

/// The row of one metric of the current report, `base` its baseline when there is one.
pub(super) fn compare_metric(
    bench: &str,
    base: Option<&Metric>,
    cur: &Metric,
    baseline_report: &Report,
    current_report: &Report,
    opts: &CompareOptions,
) -> MetricComparison {
    let key = format!("{bench}.{}", cur.name);
    let chosen = choose_rule(&key, cur, baseline_report, opts);
    let mut row = MetricComparison {
        statistic: chosen.statistic,
        current: Some(chosen.statistic.of_summary(&cur.summary)),
        noisy: cur.summary.cv > NOISY_CV,
        rule: chosen.described.clone(),
        ..MetricComparison::blank(bench, &cur.name, &cur.unit, cur.direction, Verdict::New)
    };
    if let Some(budget) = &chosen.rule.budget {
        if !budget.fits(&cur.unit) {
            row.status = Verdict::Failed;
            row.reason = Some(format!(
                "budget {budget} does not apply to a metric in {}",
                cur.unit
            ));
            return row;
        }
    }
    let Some(base) = base else {
        row.reason = Some("not in the baseline".to_string());
        return row;
    };
    let sides = Sides {
        base,
        cur,
        independent: base.independent_samples().zip(cur.independent_samples()),
        key: &key,
        seed: current_report.seed,
    };
    judge(&mut row, &sides, &chosen.rule, opts);
    row
}

/// One side's samples, or its per-process means.
type Values<'a> = Cow<'a, [f64]>;

/// A metric present on both sides.
struct Sides<'a> {
    base: &'a Metric,
    cur: &'a Metric,
    /// Each side's samples as independent values ([`Metric::independent_samples`]); `None`
    /// when either side's are one process's inner iterations.
    independent: Option<(Values<'a>, Values<'a>)>,
    /// `bench.metric`.
    key: &'a str,
    /// The current report's seed, for a bootstrap interval.
    seed: u64,
}

impl Sides<'_> {
    /// A harness's inner iterations of one process are not independent runs: testing them
    /// would count each iteration as a replicate (pseudo-replication) and call noise
    /// significant. They stand for one value per process, so the threshold alone decides.
    fn inner_iterations(&self) -> bool {
        self.independent.is_none()
    }

    /// Nothing happened on either side (the system time of `sleep`): not a test, so it does
    /// not count in the false discovery rate; only an absolute bound could judge it.
    fn zero_on_both_sides(&self) -> bool {
        let all_zero = |m: &Metric| !m.samples.is_empty() && m.samples.iter().all(|v| *v == 0.0);
        all_zero(self.base) && all_zero(self.cur)
    }
}

/// Fills in the values, the test, the interval and the verdict of a metric on both sides.
fn judge(row: &mut MetricComparison, sides: &Sides, rule: &EffectiveRule, opts: &CompareOptions) {
    let (base, cur) = (sides.base, sides.cur);
    let b = row.statistic.of_summary(&base.summary);
    let c = row.statistic.of_summary(&cur.summary);
    let inner_iterations = sides.inner_iterations();
    let zero_on_both_sides = sides.zero_on_both_sides();
    row.baseline = Some(b);
    if let (Some((b, c)), false) = (&sides.independent, zero_on_both_sides) {
        row.p_value = crate::stats::mann_whitney_u(b, c).map(|(_, p)| p);
    }
    row.noisy |= base.summary.cv > NOISY_CV;
    if b == 0.0 {
        row.reason = Some(
            "the baseline is 0: percentage thresholds do not apply (use `abs` or `budget`)".into(),
        );
    } else {
        row.change_pct = Some((c / b - 1.0) * 100.0);
    }
    let significance = if inner_iterations {
        Significance::NotTested
    } else {
        evidence(row, sides, opts)
    };
    let limit = rule.critical_limit(b, cur.direction);
    match cur.direction {
        Direction::LowerIsBetter => row.allowed_max = Some(limit),
        Direction::HigherIsBetter => row.allowed_min = Some(limit),
    }
    row.status = decide(
        &Observation {
            baseline: b,
            current: c,
            direction: cur.direction,
            significance,
        },
        rule,
    );
    explain(row, sides, significance);
    apply_noise_floor(row, sides, rule, c, opts);
}

/// The interval of the change (kept in the row) as evidence of significance.
fn evidence(row: &mut MetricComparison, sides: &Sides, opts: &CompareOptions) -> Significance {
    let Some((base, cur)) = &sides.independent else {
        return Significance::NotTested;
    };
    let interval = change_interval(base, cur, row.statistic, sides.seed, sides.key, opts);
    match interval {
        Interval::Pct { estimate, ci } => {
            row.shift_pct = Some(estimate);
            row.change_ci95_pct = Some(ci);
            Significance::from_interval(ci)
        }
        Interval::TooFewSamples => Significance::TooFewSamples,
        Interval::NotTested => Significance::NotTested,
    }
}

/// Why a verdict is what it is, where the numbers alone do not say.
fn explain(row: &mut MetricComparison, sides: &Sides, significance: Significance) {
    if sides.zero_on_both_sides() && row.status == Verdict::Stable {
        row.reason = Some("0 in every run on both sides: nothing to judge".into());
    }
    if sides.inner_iterations() && row.status != Verdict::Stable {
        row.reason = Some(
            "samples are one harness process's inner iterations, not independent runs: not tested for significance, the threshold alone decides (run the harness in several processes, `processes = N`, to test)".into(),
        );
    }
    if row.status == Verdict::Inconclusive {
        row.reason = Some(match significance {
            Significance::TooFewSamples => format!(
                "beyond the threshold, but {} against {} samples cannot show a significant change: run more (at least 4 per side, 10 recommended)",
                sides.independent.as_ref().map_or(0, |(_, c)| c.len()),
                sides.independent.as_ref().map_or(0, |(b, _)| b.len())
            ),
            _ => "beyond the threshold, but the 95% interval of the change includes zero".to_string(),
        });
    }
}

/// Without history, a warning or critical must clear the noise floor of pairs (`pairs.rs`);
/// a budget is absolute and needs no floor.
fn apply_noise_floor(
    row: &mut MetricComparison,
    sides: &Sides,
    rule: &EffectiveRule,
    current: f64,
    opts: &CompareOptions,
) {
    let (base, cur) = (sides.base, sides.cur);
    let over_budget = rule.budget.as_ref().is_some_and(|q| match cur.direction {
        Direction::LowerIsBetter => current > q.value,
        Direction::HigherIsBetter => current < q.value,
    });
    let without_history = !opts.same_window && !opts.noise_rules.contains_key(sides.key);
    if let (Verdict::Warning | Verdict::Critical, true, false, Some(ci), Some(change)) = (
        row.status,
        without_history,
        over_budget,
        row.change_ci95_pct,
        row.change_pct,
    ) {
        let pair = pairs::Pair {
            direction: cur.direction,
            warn_pct: rule.warn_pct,
            change_pct: change,
            ci95_pct: ci,
            cv_baseline: base.summary.cv,
            cv_current: cur.summary.cv,
            n_baseline: sides
                .independent
                .as_ref()
                .map_or(base.samples.len(), |(b, _)| b.len()),
            n_current: sides
                .independent
                .as_ref()
                .map_or(cur.samples.len(), |(_, c)| c.len()),
        };
        if let Some(why) = pair.not_called() {
            row.status = Verdict::Inconclusive;
            row.reason = Some(why);
        }
    }
}
