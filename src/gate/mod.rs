//! Compare a current report with a baseline ([`compare`]), or two commands measured in pairs
//! ([`judge_paired`], for `versus`): verdicts as data, decided once, by the same thresholds,
//! decision and false discovery control. Nothing here prints; `render` shows a [`Comparison`]
//! and `main` turns it into an exit code.

pub mod baseline;
mod fdr;
mod interval;
mod metric;
pub mod noise;
mod paired;
mod pairs;
pub mod trend;
mod verdict;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::model::threshold::{find_rule, ThresholdRule};
pub use paired::{
    judge_paired, ratio_excludes_one, PairedJudgement, PairedMetric, PairedPolicy, PairedRatio,
    PairedStatus, PairedVerdict, RATIO_DECIMALS,
};
pub use verdict::{
    decide, CriticalBound, EffectiveRule, Observation, Significance, Verdict, CHANGE_PCT_DECIMALS,
};

use crate::model::{BenchStatus, BenchmarkResult, Direction, Metric, Report};
use crate::stats::Statistic;
use fdr::control_false_discoveries;
use metric::compare_metric;

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
    /// Things the reader must know to trust the verdicts (other testbed, overridden thresholds).
    pub notes: Vec<String>,
    /// Sorted by severity, worst first.
    pub metrics: Vec<MetricComparison>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    pub timestamp_utc: String,
    pub commit: Option<String>,
    pub machine_id: String,
    /// The report's testbed ([`Report::testbed`]); absent in comparisons written before
    /// testbeds, where the machine was the testbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testbed: Option<String>,
}

impl RunRef {
    /// The testbed of the run: the one recorded, else its machine id.
    pub fn testbed(&self) -> &str {
        self.testbed.as_deref().unwrap_or(&self.machine_id)
    }
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
    let mut notes = trust_notes(baseline, current, opts);
    let mut metrics = current_rows(baseline, current, opts, &mut notes);
    metrics.extend(scaling_rows(baseline, current));
    control_false_discoveries(&mut metrics, opts.fdr, &fdr::MANN_WHITNEY, &mut notes);
    // Rows of benchmarks that are gone were never tested, so they come after the control.
    metrics.extend(vanished_rows(baseline, current));
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

/// What the reader must know before trusting any verdict: another testbed, overridden
/// thresholds. Runners of one testbed share baselines without a note.
fn trust_notes(baseline: &Report, current: &Report, opts: &CompareOptions) -> Vec<String> {
    let mut notes = Vec::new();
    if baseline.testbed() != current.testbed() {
        notes.push(format!(
            "baseline was recorded on another testbed (`{}` '{}', current `{}` '{}'): differences may come from the hardware",
            baseline.testbed(), baseline.machine.cpu_model, current.testbed(), current.machine.cpu_model
        ));
    }
    if let Some(pct) = opts.threshold_pct {
        notes.push(format!(
            "thresholds overridden for every metric: warning above {}%, critical above {pct}%",
            pct / 2.0
        ));
    }
    notes
}

/// The rows of every benchmark of the current report, in its order; a skipped one is a note.
fn current_rows(
    baseline: &Report,
    current: &Report,
    opts: &CompareOptions,
    notes: &mut Vec<String>,
) -> Vec<MetricComparison> {
    let base_by_name: BTreeMap<&str, &BenchmarkResult> = baseline
        .benchmarks
        .iter()
        .map(|b| (b.name.as_str(), b))
        .collect();
    let mut metrics = Vec::new();
    for cur in &current.benchmarks {
        let base = base_by_name.get(cur.name.as_str()).copied();
        match cur.status {
            BenchStatus::Skipped => notes.push(format!(
                "{} skipped: {}",
                cur.name,
                cur.reason.as_deref().unwrap_or("not run")
            )),
            BenchStatus::Failed => {
                metrics.extend(failed_rows(cur, base, opts.failures_are_warnings));
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
    metrics
}

/// `missing` rows for every metric of a baseline benchmark the current report does not have.
fn vanished_rows(baseline: &Report, current: &Report) -> Vec<MetricComparison> {
    let current_names: Vec<&str> = current.benchmarks.iter().map(|b| b.name.as_str()).collect();
    baseline
        .benchmarks
        .iter()
        .filter(|b| !current_names.contains(&b.name.as_str()))
        .flat_map(|b| {
            b.metrics
                .iter()
                .map(|bm| missing_row(&b.name, bm, "benchmark not in the current report"))
        })
        .collect()
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
        testbed: Some(r.testbed().to_string()),
    }
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
