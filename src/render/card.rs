//! The performance card: one page of Markdown for a release. Machine, suite, commit, and per
//! benchmark its headline figures (p50/p95/p99 of its time, throughput, peak memory), with
//! the verdict against the previous release when one is given.

use super::human::{format_bytes, format_pct, format_value};
use super::markdown::escape;
use crate::gate::Comparison;
use crate::model::{metric_names, BenchStatus, BenchmarkResult, Report};

/// Metrics that are a benchmark's time, in order of preference.
const TIME_METRICS: [&str; 4] = [
    metric_names::WALL_TIME,
    metric_names::TIME,
    metric_names::REAL_TIME,
    metric_names::CPU_TIME,
];

pub fn card(report: &Report, against: Option<&Comparison>) -> String {
    let mut out = format!(
        "# Performance card: `{}`\n\n",
        report.suite.replace('`', "'")
    );
    out.push_str(&facts(report));
    out.push_str("\n## Headline figures\n\n");
    out.push_str(
        "| benchmark | p50 | p95 | p99 | throughput | peak memory | runs | vs previous release |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|---|\n");
    for b in &report.benchmarks {
        out.push_str(&headline_row(b, against));
    }
    if let Some(c) = against {
        out.push_str(&format!(
            "\nAgainst the previous release ({}): **{}**.\n",
            c.baseline
                .commit
                .as_deref()
                .map_or("no commit".to_string(), |h| format!(
                    "`{}`",
                    h.get(..12).unwrap_or(h)
                )),
            c.overall_status.as_str()
        ));
    }
    out
}

/// The table of where and how the report was measured: date, commit, machine, system.
fn facts(report: &Report) -> String {
    let m = &report.machine;
    let mut out = "| | |\n|---|---|\n".to_string();
    let commit = report.git.as_ref().map_or("-".to_string(), |g| {
        format!(
            "`{}`{}{}",
            g.commit.get(..12).unwrap_or(&g.commit),
            g.branch
                .as_deref()
                .map_or(String::new(), |b| format!(" on `{}`", b.replace('`', "'"))),
            if g.dirty {
                " (uncommitted changes)"
            } else {
                ""
            }
        )
    });
    for (k, v) in [
        ("date (UTC)", escape(&report.timestamp_utc)),
        ("commit", commit),
        (
            "machine",
            format!(
                "{} ({} cores, {}), id `{}`",
                escape(&m.cpu_model),
                m.cores,
                format_bytes(m.memory_bytes as f64),
                m.id.replace('`', "'")
            ),
        ),
        (
            "system",
            escape(&format!("{} {} {}", m.os, m.kernel, m.arch)),
        ),
        ("device", escape(&report.device)),
        (
            "measured by",
            escape(&format!("{} {}", report.tool.name, report.tool.version)),
        ),
    ] {
        out.push_str(&format!("| {k} | {v} |\n"));
    }
    if let Some(t) = &report.testbed {
        out.push_str(&format!("| testbed | {} |\n", escape(t)));
    }
    if let Some(src) = &report.source {
        out.push_str(&format!("| harness | {} |\n", escape(&src.format)));
    }
    out
}

/// A benchmark's row of headline figures: its time's percentiles, throughput, peak memory,
/// runs, and its verdict against the previous release.
fn headline_row(b: &BenchmarkResult, against: Option<&Comparison>) -> String {
    if b.status != BenchStatus::Ok {
        return format!(
            "| {} | {} | | | | | | |\n",
            escape(&b.name),
            b.status.as_str()
        );
    }
    let time = TIME_METRICS.iter().find_map(|n| b.metric(n));
    let (p50, p95, p99, n) = time.map_or_else(
        || ("-".into(), "-".into(), "-".into(), "-".into()),
        |t| {
            let s = &t.summary;
            (
                format_value(s.median, &t.unit),
                format_value(s.p95, &t.unit),
                format_value(s.p99, &t.unit),
                s.n.to_string(),
            )
        },
    );
    let thr = b
        .metric(metric_names::THROUGHPUT)
        .map_or("-".to_string(), |t| format_value(t.summary.median, &t.unit));
    let mem = b
        .metric(metric_names::PEAK_RSS)
        .map_or("-".to_string(), |t| format_bytes(t.summary.median));
    let verdict = against.map_or("-".to_string(), |c| {
        versus(c, &b.name, time.map(|t| t.name.as_str()))
    });
    format!(
        "| {} | {p50} | {p95} | {p99} | {thr} | {mem} | {n} | {verdict} |\n",
        escape(&b.name)
    )
}

/// The verdict of the benchmark's time metric against the previous release, with its change.
fn versus(c: &Comparison, bench: &str, metric: Option<&str>) -> String {
    let Some(m) = c
        .metrics
        .iter()
        .find(|m| m.benchmark == bench && Some(m.metric.as_str()) == metric)
    else {
        return "-".to_string();
    };
    match m.change_pct {
        Some(p) => format!("{} ({})", m.status.as_str(), format_pct(p)),
        None => m.status.as_str().to_string(),
    }
}
