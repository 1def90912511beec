//! [`Parsed`] -> [`Report`]: the machine, git and summaries every report has.

use std::collections::BTreeMap;

use super::{Estimate, Parsed, ParsedBench, ParsedMetric};
use crate::model::{BenchStatus, BenchmarkResult, Metric, Report, Source, Tool, SCHEMA_VERSION};
use crate::stats::{summarize, OutlierCounts, Summary};

/// What the report says about where and when (the caller knows; the harness output may not).
#[derive(Debug, Clone)]
pub struct ReportContext {
    pub suite: String,
    pub timestamp_utc: String,
    pub git: Option<crate::model::GitInfo>,
    pub machine: crate::model::Machine,
    /// See [`crate::model::Report::testbed`].
    pub testbed: Option<String>,
    pub device: String,
    pub config_sha256: String,
    pub seed: u64,
    /// Tags given to every benchmark (a config entry's `tags`).
    pub tags: Vec<String>,
    /// The command that produced the output, for reproduction.
    pub command: Option<String>,
}

/// A report of the parsed benchmarks. A metric without samples and without any value is
/// dropped (nothing to compare), and so is a benchmark left with no metric.
pub fn to_report(format: &str, parsed: Parsed, ctx: &ReportContext) -> Report {
    if let Some(report) = parsed.report {
        // perfgate's own report: already complete; only the suite may be renamed.
        return Report {
            suite: ctx.suite.clone(),
            ..*report
        };
    }
    let benchmarks = results(
        parsed.benchmarks,
        &ctx.tags,
        &ctx.device,
        ctx.command.as_deref(),
        !super::samples_are_processes(format),
    );
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: ctx.suite.clone(),
        timestamp_utc: ctx.timestamp_utc.clone(),
        git: ctx.git.clone(),
        machine: ctx.machine.clone(),
        testbed: ctx.testbed.clone(),
        device: ctx.device.clone(),
        config_sha256: ctx.config_sha256.clone(),
        seed: ctx.seed,
        benchmarks,
        thresholds: BTreeMap::new(),
        source: Some(Source {
            format: format.to_string(),
            metadata: parsed.source,
        }),
        scaling: Vec::new(),
        selection: None,
        profiles: Vec::new(),
    }
    .with_scaling()
}

/// The parsed benchmarks as report entries, each with `tags`, `device` and `command`.
/// `one_process`: the harness took every sample of a benchmark in one process (its inner
/// iterations), so a metric with several samples records `processes: 1`, unless the
/// adapter gave the metric's own process count.
pub fn results(
    parsed: Vec<ParsedBench>,
    tags: &[String],
    device: &str,
    command: Option<&str>,
    one_process: bool,
) -> Vec<BenchmarkResult> {
    parsed
        .into_iter()
        .filter_map(|b| {
            let metrics: Vec<Metric> = b
                .metrics
                .into_iter()
                .filter_map(metric)
                .map(|mut m| {
                    if one_process && m.samples.len() > 1 && m.processes.is_none() {
                        m.processes = Some(1);
                    }
                    m
                })
                .collect();
            let mut all_tags = tags.to_vec();
            all_tags.extend(b.tags.into_iter().filter(|t| !tags.contains(t)));
            (!metrics.is_empty()).then(|| BenchmarkResult {
                name: b.name,
                status: BenchStatus::Ok,
                reason: None,
                tags: all_tags,
                params: b.params,
                device: device.to_string(),
                command: command.map(str::to_string),
                warmup_runs: 0,
                leaked_processes: 0,
                metrics,
            })
        })
        .collect()
}

fn metric(m: ParsedMetric) -> Option<Metric> {
    let samples: Vec<f64> = m.samples.into_iter().filter(|x| x.is_finite()).collect();
    let summary = if samples.is_empty() {
        from_estimate(&m.estimate)?
    } else {
        with_estimate(summarize(&samples), &m.estimate)
    };
    // Fewer processes than samples only: otherwise each sample is its own process run.
    let processes = m.processes.filter(|p| (*p as usize) < samples.len());
    Some(Metric {
        processes,
        name: m.name,
        unit: m.unit,
        direction: m.direction,
        samples,
        summary,
    })
}

/// The summary of a metric the harness gave no samples for: its estimates, the headline
/// value standing in where a statistic is missing.
fn from_estimate(e: &Estimate) -> Option<Summary> {
    let central = e.central.or(e.median).or(e.mean)?;
    let mean = e.mean.unwrap_or(central);
    let median = e.median.unwrap_or(central);
    let stddev = e.stddev.unwrap_or(0.0);
    let min = e.min.unwrap_or(central.min(median).min(mean));
    let max = e.max.unwrap_or(central.max(median).max(mean));
    let ci = e.ci95.unwrap_or([central, central]);
    Some(Summary {
        n: e.n.unwrap_or(1),
        min,
        max,
        mean,
        stddev,
        cv: if mean == 0.0 {
            0.0
        } else {
            stddev / mean.abs()
        },
        median,
        p95: max,
        p99: max,
        mad: 0.0,
        ci95_mean: if e.mean.is_some() || e.median.is_none() {
            ci
        } else {
            [mean, mean]
        },
        ci95_median: if e.median.is_some() && e.mean.is_some() {
            [median, median]
        } else {
            ci
        },
        outliers: OutlierCounts::default(),
    })
}

/// The samples' summary with the harness's own estimates in place of the recomputed ones.
fn with_estimate(mut s: Summary, e: &Estimate) -> Summary {
    if let Some(m) = e.mean {
        s.mean = m;
    }
    if let Some(m) = e.median {
        s.median = m;
    }
    if let Some(sd) = e.stddev {
        s.stddev = sd;
    }
    s.cv = if s.mean == 0.0 {
        0.0
    } else {
        s.stddev / s.mean.abs()
    };
    if let Some(ci) = e.ci95 {
        // The harness's interval is of its headline statistic.
        if e.median.is_some() && e.mean.is_none() {
            s.ci95_median = ci;
        } else {
            s.ci95_mean = ci;
        }
    }
    s
}
