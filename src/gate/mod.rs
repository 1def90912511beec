//! Compare a current report with a baseline: verdicts as data, decided once.
//! Nothing here prints; `render` shows a [`Comparison`] and `main` turns it into an exit code.

pub mod baseline;
mod fdr;
mod interval;
pub mod noise;
mod pairs;
pub mod trend;
mod verdict;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::model::threshold::{find_rule, ThresholdRule};
pub use verdict::{
    decide, CriticalBound, EffectiveRule, Observation, Significance, Verdict, CHANGE_PCT_DECIMALS,
};

use crate::model::{BenchStatus, BenchmarkResult, Direction, Metric, Report};
use crate::stats::Statistic;
use fdr::control_false_discoveries;
use interval::{change_interval, Interval};

pub const COMPARISON_SCHEMA_VERSION: u32 = 1;

/// A coefficient of variation above this marks a metric `noisy` (PRODUCT.md section 5).
pub const NOISY_CV: f64 = 0.20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    Pass,
    Warn,
    Fail,
}

impl Overall {
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Pass => "pass",
            Overall::Warn => "warn",
            Overall::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub schema_version: u32,
    pub suite: String,
    /// Time of the current report.
    pub timestamp_utc: String,
    pub overall_status: Overall,
    pub total_metrics: usize,
    /// Metrics whose verdict is `critical` or `failed`.
    pub failed_metrics: usize,
    pub baseline: RunRef,
    pub current: RunRef,
    /// Things the reader must know to trust the verdicts (other machine, overridden thresholds).
    pub notes: Vec<String>,
    /// Sorted by severity, worst first.
    pub metrics: Vec<MetricComparison>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    pub timestamp_utc: String,
    pub commit: Option<String>,
    pub machine_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub benchmark: String,
    pub metric: String,
    pub unit: String,
    pub direction: Direction,
    pub statistic: Statistic,
    pub status: Verdict,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    /// `current / baseline - 1` of the statistic, in percent: what the thresholds judge.
    pub change_pct: Option<f64>,
    /// The point estimate of the interval `change_ci95_pct`, in percent of the baseline, and
    /// always inside it: for the median, the Hodges-Lehmann shift (the median of every
    /// current - baseline difference), which can differ from the change of the medians; for
    /// the mean and percentiles, `change_pct` itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_pct: Option<f64>,
    /// The 95% interval of `shift_pct`.
    pub change_ci95_pct: Option<[f64; 2]>,
    /// The critical bound for lower-is-better metrics.
    pub allowed_max: Option<f64>,
    /// The critical bound for higher-is-better metrics.
    pub allowed_min: Option<f64>,
    /// Either side's coefficient of variation is above 20%: the verdict stands, trust it less.
    pub noisy: bool,
    /// The thresholds used, and where they came from.
    pub rule: String,
    pub reason: Option<String>,
    /// Two-sided Mann-Whitney p-value of the samples, when both sides have 2 or more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// `p_value` adjusted by Benjamini-Hochberg across every test of the comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q_value: Option<f64>,
}

impl MetricComparison {
    /// A row with nothing decided or measured yet.
    fn blank(
        benchmark: &str,
        metric: &str,
        unit: &str,
        direction: Direction,
        status: Verdict,
    ) -> Self {
        MetricComparison {
            benchmark: benchmark.to_string(),
            metric: metric.to_string(),
            unit: unit.to_string(),
            direction,
            statistic: Statistic::Median,
            status,
            baseline: None,
            current: None,
            change_pct: None,
            shift_pct: None,
            change_ci95_pct: None,
            allowed_max: None,
            allowed_min: None,
            noisy: false,
            rule: String::new(),
            reason: None,
            p_value: None,
            q_value: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// `--threshold-pct`: critical at this worsening, warning at half of it, for every metric.
    pub threshold_pct: Option<f64>,
    /// Rules from the config's `[thresholds]`; the baseline file's own rules take precedence.
    pub config_rules: BTreeMap<String, ThresholdRule>,
    /// Thresholds from each metric's recorded run-to-run spread (`"bench.metric"`), used in
    /// place of the defaults when no explicit rule applies.
    pub noise_rules: BTreeMap<String, noise::NoiseRule>,
    /// Bootstrap resamples, for the statistics other than the median.
    pub resamples: usize,
    /// A benchmark that failed to run is a `warning`, not `failed` (GPU benchmarks by default:
    /// a driver error or an out-of-memory should not block a push).
    pub failures_are_warnings: bool,
    /// The false discovery rate held across the comparison's tests (Benjamini-Hochberg), or
    /// `None` to test each metric on its own at 5% (`--fdr off`: when the metrics are separate
    /// questions, e.g. trials of an evaluation).
    pub fdr: Option<f64>,
    /// Both sides ran in alternation in one time window (`check --interleaved`): the noise
    /// floor of pairs without history (`pairs.rs`) is not needed there.
    pub same_window: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            threshold_pct: None,
            config_rules: BTreeMap::new(),
            noise_rules: BTreeMap::new(),
            // Fewer than a summary's 10,000: a comparison runs over every metric of a suite, and
            // the interval only has to say whether zero is inside it.
            resamples: 2_000,
            failures_are_warnings: false,
            fdr: Some(0.05),
            same_window: false,
        }
    }
}

pub fn compare(baseline: &Report, current: &Report, opts: &CompareOptions) -> Comparison {
    let mut notes = Vec::new();
    if baseline.machine.id != current.machine.id {
        notes.push(format!(
            "baseline was recorded on another machine ({} '{}', current {} '{}'): differences may come from the hardware",
            baseline.machine.id, baseline.machine.cpu_model, current.machine.id, current.machine.cpu_model
        ));
    }
    if let Some(pct) = opts.threshold_pct {
        notes.push(format!(
            "thresholds overridden for every metric: warning above {}%, critical above {pct}%",
            pct / 2.0
        ));
    }
    let mut metrics = Vec::new();
    let base_by_name: BTreeMap<&str, &BenchmarkResult> = baseline
        .benchmarks
        .iter()
        .map(|b| (b.name.as_str(), b))
        .collect();
    for cur in &current.benchmarks {
        let base = base_by_name.get(cur.name.as_str()).copied();
        match cur.status {
            BenchStatus::Skipped => notes.push(format!(
                "{} skipped: {}",
                cur.name,
                cur.reason.as_deref().unwrap_or("not run")
            )),
            BenchStatus::Failed => {
                metrics.extend(failed_rows(cur, base, opts.failures_are_warnings))
            }
            BenchStatus::Ok => {
                for m in &cur.metrics {
                    let base_metric = base.and_then(|b| b.metric(&m.name));
                    metrics.push(compare_metric(
                        &cur.name,
                        base_metric,
                        m,
                        baseline,
                        current,
                        opts,
                    ));
                }
                if let Some(b) = base {
                    for bm in b.metrics.iter().filter(|bm| cur.metric(&bm.name).is_none()) {
                        metrics.push(missing_row(&b.name, bm, "metric not in the current report"));
                    }
                }
            }
        }
    }
    metrics.extend(scaling_rows(baseline, current));
    control_false_discoveries(&mut metrics, opts.fdr, &mut notes);
    let current_names: Vec<&str> = current.benchmarks.iter().map(|b| b.name.as_str()).collect();
    for b in baseline
        .benchmarks
        .iter()
        .filter(|b| !current_names.contains(&b.name.as_str()))
    {
        for bm in &b.metrics {
            metrics.push(missing_row(
                &b.name,
                bm,
                "benchmark not in the current report",
            ));
        }
    }
    order_by_severity(&mut metrics);
    let (failed_metrics, overall_status) = overall(&metrics);
    Comparison {
        schema_version: COMPARISON_SCHEMA_VERSION,
        suite: current.suite.clone(),
        timestamp_utc: current.timestamp_utc.clone(),
        overall_status,
        total_metrics: metrics.len(),
        failed_metrics,
        baseline: run_ref(baseline),
        current: run_ref(current),
        notes,
        metrics,
    }
}

/// One row per sweep fitted on both sides: `critical` when the fitted complexity grew (the
/// class went up and the exponent rose by more than the margin), `improved` when it fell the
/// same way, `stable` otherwise. The values are the log-log exponents.
fn scaling_rows(baseline: &Report, current: &Report) -> Vec<MetricComparison> {
    use crate::stats::scaling::{got_worse, WORSE_EXPONENT_MARGIN};
    let base = crate::model::scaling::fits(baseline);
    crate::model::scaling::fits(current)
        .into_iter()
        .filter_map(|c| {
            let b = base.iter().find(|b| {
                b.benchmark == c.benchmark && b.parameter == c.parameter && b.metric == c.metric
            })?;
            let status = if got_worse(&b.fit, &c.fit) {
                Verdict::Critical
            } else if got_worse(&c.fit, &b.fit) {
                Verdict::Improved
            } else {
                Verdict::Stable
            };
            let mut row = MetricComparison::blank(
                &c.benchmark,
                &format!("scaling({}, {})", c.metric, c.parameter),
                "exponent",
                Direction::LowerIsBetter,
                status,
            );
            row.baseline = Some(b.fit.exponent);
            row.current = Some(c.fit.exponent);
            row.rule = format!(
                "the fitted complexity must not grow (class up and exponent +{WORSE_EXPONENT_MARGIN} or more)"
            );
            row.reason = Some(format!(
                "{} -> {} (exponent {:.2} -> {:.2}, R\u{b2} {:.2} -> {:.2}, over {} sizes)",
                b.fit.complexity.as_str(),
                c.fit.complexity.as_str(),
                b.fit.exponent,
                c.fit.exponent,
                b.fit.r_squared,
                c.fit.r_squared,
                c.sizes.len()
            ));
            Some(row)
        })
        .collect()
}

/// How much worse a metric got, in percent, for ordering rows of equal verdict.
/// Worst first: by verdict, then by how much worse, then by name.
fn order_by_severity(metrics: &mut [MetricComparison]) {
    metrics.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then_with(|| severity_key(b).total_cmp(&severity_key(a)))
            .then_with(|| a.benchmark.cmp(&b.benchmark))
            .then_with(|| a.metric.cmp(&b.metric))
    });
}

/// How many metrics failed the gate (`critical` or `failed`), and the overall status.
fn overall(metrics: &[MetricComparison]) -> (usize, Overall) {
    let failed = metrics
        .iter()
        .filter(|m| matches!(m.status, Verdict::Critical | Verdict::Failed))
        .count();
    let status = if failed > 0 {
        Overall::Fail
    } else if metrics
        .iter()
        .any(|m| matches!(m.status, Verdict::Warning | Verdict::Missing))
    {
        Overall::Warn
    } else {
        Overall::Pass
    };
    (failed, status)
}

impl Comparison {
    /// One comparison of two (each device's, in `check`): the rows of both in the gate's
    /// order, the notes of both, the status of the whole.
    pub fn merge(mut self, other: Comparison) -> Comparison {
        self.metrics.extend(other.metrics);
        self.notes.extend(other.notes);
        order_by_severity(&mut self.metrics);
        (self.failed_metrics, self.overall_status) = overall(&self.metrics);
        self.total_metrics = self.metrics.len();
        self
    }

    /// Whether the gate let it through: no metric failed it.
    pub fn passed(&self) -> bool {
        self.overall_status != Overall::Fail
    }
}

fn severity_key(m: &MetricComparison) -> f64 {
    let sign = match m.direction {
        Direction::LowerIsBetter => 1.0,
        Direction::HigherIsBetter => -1.0,
    };
    m.change_pct.map_or(f64::NEG_INFINITY, |c| sign * c)
}

fn run_ref(r: &Report) -> RunRef {
    RunRef {
        timestamp_utc: r.timestamp_utc.clone(),
        commit: r.git.as_ref().map(|g| g.commit.clone()),
        machine_id: r.machine.id.clone(),
    }
}

fn compare_metric(
    bench: &str,
    base: Option<&Metric>,
    cur: &Metric,
    baseline_report: &Report,
    current_report: &Report,
    opts: &CompareOptions,
) -> MetricComparison {
    let key = format!("{bench}.{}", cur.name);
    let found = find_rule(&baseline_report.thresholds, &key)
        .map(|(k, r)| (format!("baseline file `{k}`"), r))
        .or_else(|| find_rule(&opts.config_rules, &key).map(|(k, r)| (format!("config `{k}`"), r)));
    let noise_rule = match (&found, opts.threshold_pct) {
        (None, None) => opts.noise_rules.get(&key).map(|n| {
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
    let mut row = MetricComparison {
        statistic,
        current: Some(statistic.of_summary(&cur.summary)),
        noisy: cur.summary.cv > NOISY_CV,
        rule: format!("{} ({source})", rule.describe()),
        ..MetricComparison::blank(bench, &cur.name, &cur.unit, cur.direction, Verdict::New)
    };
    if let Some(budget) = &rule.budget {
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
    let b = statistic.of_summary(&base.summary);
    let c = statistic.of_summary(&cur.summary);
    // A harness's inner iterations of one process are not independent runs: testing them
    // would count each iteration as a replicate (pseudo-replication) and call noise
    // significant. They stand for one value per process, so the threshold alone decides.
    let inner_iterations = [base, cur]
        .iter()
        .any(|m| m.processes.is_some_and(|p| (p as usize) < m.samples.len()));
    row.baseline = Some(b);
    let all_zero = |m: &Metric| !m.samples.is_empty() && m.samples.iter().all(|v| *v == 0.0);
    // Nothing happened on either side (the system time of `sleep`): not a test, so it does
    // not count in the false discovery rate; only an absolute bound could judge it.
    let zero_on_both_sides = all_zero(base) && all_zero(cur);
    if !inner_iterations && !zero_on_both_sides {
        row.p_value = crate::stats::mann_whitney_u(&base.samples, &cur.samples).map(|(_, p)| p);
    }
    row.noisy |= base.summary.cv > NOISY_CV;
    if b != 0.0 {
        row.change_pct = Some((c / b - 1.0) * 100.0);
    }
    if b == 0.0 {
        row.reason = Some(
            "the baseline is 0: percentage thresholds do not apply (use `abs` or `budget`)".into(),
        );
    }
    let interval = if inner_iterations {
        Interval::NotTested
    } else {
        change_interval(
            &base.samples,
            &cur.samples,
            statistic,
            current_report.seed,
            &key,
            opts,
        )
    };
    let significance = match interval {
        Interval::Pct { estimate, ci } => {
            row.shift_pct = Some(estimate);
            row.change_ci95_pct = Some(ci);
            Significance::from_interval(ci)
        }
        Interval::TooFewSamples => Significance::TooFewSamples,
        Interval::NotTested => Significance::NotTested,
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
        &rule,
    );
    if zero_on_both_sides && row.status == Verdict::Stable {
        row.reason = Some("0 in every run on both sides: nothing to judge".into());
    }
    if inner_iterations && row.status != Verdict::Stable {
        row.reason = Some(
            "samples are one harness process's inner iterations, not independent runs: not tested for significance, the threshold alone decides (run the harness in several processes, `processes = N`, to test)".into(),
        );
    }
    if row.status == Verdict::Inconclusive {
        row.reason = Some(match significance {
            Significance::TooFewSamples => format!(
                "beyond the threshold, but {} against {} samples cannot show a significant change: run more (at least 4 per side, 10 recommended)",
                cur.samples.len(),
                base.samples.len()
            ),
            _ => "beyond the threshold, but the 95% interval of the change includes zero".to_string(),
        });
    }
    let over_budget = rule.budget.as_ref().is_some_and(|q| match cur.direction {
        Direction::LowerIsBetter => c > q.value,
        Direction::HigherIsBetter => c < q.value,
    });
    let without_history = !opts.same_window && !opts.noise_rules.contains_key(&key);
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
            n_baseline: base.samples.len(),
            n_current: cur.samples.len(),
        };
        if let Some(why) = pair.not_called() {
            row.status = Verdict::Inconclusive;
            row.reason = Some(why);
        }
    }
    row
}

fn failed_rows(
    cur: &BenchmarkResult,
    base: Option<&BenchmarkResult>,
    as_warning: bool,
) -> Vec<MetricComparison> {
    let mut reason = cur
        .reason
        .clone()
        .unwrap_or_else(|| "benchmark failed".to_string());
    let status = if as_warning {
        reason = format!(
            "did not run (a warning on `{}`; --strict-gpu or PERFGATE_STRICT_GPU=1 makes it block): {reason}",
            cur.device
        );
        Verdict::Warning
    } else {
        Verdict::Failed
    };
    let row = |name: &str, unit: &str, direction, baseline: Option<f64>| MetricComparison {
        baseline,
        reason: Some(reason.clone()),
        ..MetricComparison::blank(&cur.name, name, unit, direction, status)
    };
    match base.filter(|b| !b.metrics.is_empty()) {
        Some(b) => b
            .metrics
            .iter()
            .map(|m| row(&m.name, &m.unit, m.direction, Some(m.summary.median)))
            .collect(),
        None => vec![row("*", "", Direction::LowerIsBetter, None)],
    }
}

fn missing_row(bench: &str, m: &Metric, why: &str) -> MetricComparison {
    MetricComparison {
        baseline: Some(m.summary.median),
        reason: Some(why.to_string()),
        ..MetricComparison::blank(bench, &m.name, &m.unit, m.direction, Verdict::Missing)
    }
}
