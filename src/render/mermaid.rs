//! Mermaid for Markdown renderers that draw it (GitHub, GitLab): a flowchart of the pipeline
//! with the verdict counts, and an `xychart-beta` of one metric's trend; for a report without
//! a baseline, the run and a bar chart of its benchmarks.

use super::human::format_value;
use crate::gate::{Comparison, Verdict};
use crate::model::{metric_names, BenchStatus, Report};
use crate::store::HistoryPoint;

/// The pipeline, config -> run -> statistics -> compare -> verdict, with counts per verdict.
pub fn pipeline(c: &Comparison) -> String {
    let mut out = String::from("```mermaid\nflowchart LR\n");
    let benchmarks = {
        let mut names: Vec<&str> = c.metrics.iter().map(|m| m.benchmark.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    out.push_str(&format!(
        "  run[\"run: {benchmarks} benchmarks\"] --> stats[\"statistics: {} metrics\"]\n",
        c.total_metrics
    ));
    out.push_str(&format!(
        "  stats --> compare[\"compare with baseline {}\"]\n",
        label(c.baseline.commit.as_deref().map_or("(no commit)", short))
    ));
    out.push_str(&format!(
        "  compare --> verdict{{\"overall: {}\"}}\n",
        c.overall_status.as_str().to_uppercase()
    ));
    for v in [
        Verdict::Failed,
        Verdict::Critical,
        Verdict::Warning,
        Verdict::Inconclusive,
        Verdict::Missing,
        Verdict::New,
        Verdict::Improved,
        Verdict::Stable,
    ] {
        let n = c.metrics.iter().filter(|m| m.status == v).count();
        if n > 0 {
            out.push_str(&format!(
                "  verdict --> {id}[\"{name}: {n}\"]\n",
                id = v.as_str(),
                name = v.as_str()
            ));
        }
    }
    out.push_str("  classDef bad fill:#fde2e1,stroke:#b42318,color:#7a271a\n");
    out.push_str("  classDef warn fill:#fef0c7,stroke:#b54708,color:#7a2e0e\n");
    out.push_str("  classDef good fill:#d1fadf,stroke:#027a48,color:#054f31\n");
    for (v, class) in [
        (Verdict::Failed, "bad"),
        (Verdict::Critical, "bad"),
        (Verdict::Warning, "warn"),
        (Verdict::Improved, "good"),
    ] {
        if c.metrics.iter().any(|m| m.status == v) {
            out.push_str(&format!("  class {} {class}\n", v.as_str()));
        }
    }
    out.push_str("```\n");
    out
}

/// A report with no baseline: the run as a flowchart (benchmarks, metrics, and how many ran,
/// failed or were skipped), then a bar chart of each benchmark's median wall time (else of the
/// first benchmark's first metric, for the benchmarks that have it).
pub fn report_chart(r: &Report) -> String {
    let count = |s: BenchStatus| r.benchmarks.iter().filter(|b| b.status == s).count();
    let metrics: usize = r.benchmarks.iter().map(|b| b.metrics.len()).sum();
    let mut out = String::from("```mermaid\nflowchart LR\n");
    out.push_str(&format!(
        "  run[\"run: {} benchmarks\"] --> stats[\"statistics: {metrics} metrics\"]\n",
        r.benchmarks.len()
    ));
    out.push_str(&format!(
        "  stats --> result{{\"{}, no baseline\"}}\n",
        label(&r.git.as_ref().map_or("no commit".to_string(), |g| format!(
            "commit {}",
            short(&g.commit)
        )))
    ));
    for status in [BenchStatus::Failed, BenchStatus::Skipped, BenchStatus::Ok] {
        let n = count(status);
        if n > 0 {
            out.push_str(&format!(
                "  result --> {id}[\"{id}: {n}\"]\n",
                id = status.as_str()
            ));
        }
    }
    if count(BenchStatus::Failed) > 0 {
        out.push_str(
            "  classDef bad fill:#fde2e1,stroke:#b42318,color:#7a271a\n  class failed bad\n",
        );
    }
    out.push_str("```\n");
    let name = r
        .benchmarks
        .iter()
        .find(|b| b.metric(metric_names::WALL_TIME).is_some())
        .map(|_| metric_names::WALL_TIME)
        .or_else(|| {
            r.benchmarks
                .iter()
                .find_map(|b| b.metrics.first())
                .map(|m| m.name.as_str())
        });
    let Some(name) = name else {
        return out;
    };
    let bars: Vec<(&str, &crate::model::Metric)> = r
        .benchmarks
        .iter()
        .filter(|b| b.status == BenchStatus::Ok)
        .filter_map(|b| Some((b.name.as_str(), b.metric(name)?)))
        .collect();
    let Some(unit) = bars.first().map(|(_, m)| m.unit.clone()) else {
        return out;
    };
    let bars: Vec<_> = bars.into_iter().filter(|(_, m)| m.unit == unit).collect();
    let max = bars
        .iter()
        .map(|(_, m)| m.summary.median)
        .fold(0.0_f64, f64::max);
    let (scale, shown_unit) = axis_unit(max, &unit);
    let xs: Vec<String> = bars
        .iter()
        .map(|(b, _)| format!("\"{}\"", label(b)))
        .collect();
    let ys: Vec<String> = bars
        .iter()
        .map(|(_, m)| format!("{:.4}", m.summary.median / scale))
        .collect();
    out.push_str(&format!(
        "\n```mermaid\nxychart-beta\n  title \"{} (median, {})\"\n  x-axis [{}]\n  y-axis \"{}\"\n  bar [{}]\n```\n",
        label(name),
        label(&shown_unit),
        xs.join(", "),
        label(&shown_unit),
        ys.join(", ")
    ));
    out
}

/// An `xychart-beta` line chart of `points` (oldest first): x = short commit (or run id),
/// y = the median in a human unit chosen from the largest value.
pub fn trend_chart(benchmark: &str, metric: &str, unit: &str, points: &[HistoryPoint]) -> String {
    let medians: Vec<f64> = points.iter().map(|p| p.summary.median).collect();
    let max = medians.iter().copied().fold(0.0_f64, f64::max);
    let (scale, shown_unit) = axis_unit(max, unit);
    let xs: Vec<String> = points
        .iter()
        .map(|p| {
            let x = p.run.git.as_ref().map_or_else(
                || format!("run {}", p.run.id),
                |g| short(&g.commit).to_string(),
            );
            format!("\"{}\"", label(&x))
        })
        .collect();
    let ys: Vec<String> = medians
        .iter()
        .map(|m| format!("{:.4}", m / scale))
        .collect();
    format!(
        "```mermaid\nxychart-beta\n  title \"{} {} (median, {})\"\n  x-axis [{}]\n  y-axis \"{}\"\n  line [{}]\n```\n",
        label(benchmark),
        label(metric),
        label(&shown_unit),
        xs.join(", "),
        label(&shown_unit),
        ys.join(", ")
    )
}

/// A divisor and unit name for an axis whose values reach `max` (in SI `unit`).
fn axis_unit(max: f64, unit: &str) -> (f64, String) {
    let human = format_value(max, unit);
    let shown = human
        .rsplit_once(' ')
        .map_or(unit.to_string(), |(_, u)| u.to_string());
    let scale = match shown.as_str() {
        "ns" => 1e-9,
        "\u{00B5}s" => 1e-6,
        "ms" => 1e-3,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => 1.0,
    };
    (scale, shown)
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// Text inside a double-quoted Mermaid label: quotes and markup become entities.
pub fn label(s: &str) -> String {
    s.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace(['\n', '\r'], " ")
}
