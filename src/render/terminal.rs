//! Terminal tables for a run report and for a comparison.

use super::human::{format_bytes, format_pct, format_value, shift_with_ci};
use super::safe::one_line;
use super::style::{table, Paint, Style};
use crate::gate::{Comparison, Overall, Verdict, NOISY_CV};
use crate::model::{metric_names, BenchStatus, BenchmarkResult, Report};
use crate::stats::Summary;

/// The run table: one row per benchmark, then the reasons of failures and warnings.
pub fn report_table(report: &Report, style: Style) -> String {
    if report.source.is_some() {
        return metric_table(report, style);
    }
    let mut rows = vec![[
        "benchmark",
        "median \u{00B1} \u{03C3}",
        "p95",
        "runs",
        "peak RSS",
        "throughput",
        "outliers",
    ]
    .map(String::from)
    .to_vec()];
    let mut notes = Vec::new();
    for b in &report.benchmarks {
        notes.extend(leak_note(b, style));
        let (row, row_notes) = run_row(b, style);
        rows.push(row);
        notes.extend(row_notes);
    }
    let mut out = table(&rows, &[1, 2, 3, 4, 5]);
    for n in notes {
        out.push_str(&n);
        out.push('\n');
    }
    out
}

/// A benchmark's row of the run table, and the notes it calls for: why it failed or was
/// skipped, or how noisy its time was.
fn run_row(b: &BenchmarkResult, style: Style) -> (Vec<String>, Vec<String>) {
    let name = one_line(&b.name).into_owned();
    if b.status != BenchStatus::Ok {
        let (label, paint) = if b.status == BenchStatus::Failed {
            ("FAILED", Paint::Red)
        } else {
            ("skipped", Paint::Yellow)
        };
        let why = format!(
            "{name}: {label}: {}",
            one_line(b.reason.as_deref().unwrap_or(""))
        );
        let note = style.paint(&why, paint);
        return (vec![name, style.paint(label, paint)], vec![note]);
    }
    let Some(wall) = b
        .metric(metric_names::WALL_TIME)
        .or_else(|| b.metrics.first())
    else {
        return (vec![name, "no metrics".into()], Vec::new());
    };
    let s = &wall.summary;
    let rss = b
        .metric(metric_names::PEAK_RSS)
        .map_or("-".to_string(), |m| format_bytes(m.summary.median));
    let thr = b
        .metric(metric_names::THROUGHPUT)
        .map_or("-".to_string(), |m| format_value(m.summary.median, &m.unit));
    let outliers = if s.outliers.mild + s.outliers.severe == 0 {
        "0".to_string()
    } else {
        format!("{} mild, {} severe", s.outliers.mild, s.outliers.severe)
    };
    let row = vec![
        name.clone(),
        format!(
            "{} \u{00B1} {}",
            format_value(s.median, &wall.unit),
            format_value(s.stddev, &wall.unit)
        ),
        format_value(s.p95, &wall.unit),
        s.n.to_string(),
        rss,
        thr,
        outliers,
    ];
    (row, noise_notes(&name, s, style))
}

/// What a benchmark's time says about the machine: a high CV, many severe outliers.
fn noise_notes(name: &str, s: &Summary, style: Style) -> Vec<String> {
    let mut notes = Vec::new();
    if s.cv > NOISY_CV {
        notes.push(style.paint(
            &format!(
                "{name}: CV {:.0}%: noisy, more runs or a quieter machine would help",
                s.cv * 100.0
            ),
            Paint::Yellow,
        ));
    }
    // A severe outlier or two is normal on a shared machine; say so only when they are many.
    if s.outliers.severe * 10 > s.n {
        notes.push(format!(
            "{name}: {} severe outlier(s) (beyond 3 IQR); kept in the statistics",
            s.outliers.severe
        ));
    }
    notes
}

/// A benchmark whose runs left processes behind: a finding, though not a failure.
fn leak_note(b: &BenchmarkResult, style: Style) -> Option<String> {
    (b.leaked_processes > 0).then(|| {
        style.paint(
            &format!(
                "{}: its runs left {} process(es) running after they exited; perfgate killed them",
                one_line(&b.name),
                b.leaked_processes
            ),
            Paint::Yellow,
        )
    })
}

/// One row per metric: for reports from harnesses, whose metrics (instructions, cpu_time,
/// bytes_per_op, accuracy...) do not fit the process columns.
fn metric_table(report: &Report, style: Style) -> String {
    let mut rows = vec![["benchmark", "metric", "value", "\u{00B1} \u{03C3}", "n"]
        .map(String::from)
        .to_vec()];
    let mut notes = Vec::new();
    for b in &report.benchmarks {
        notes.extend(leak_note(b, style));
        if b.status != BenchStatus::Ok {
            let paint = if b.status == BenchStatus::Failed {
                Paint::Red
            } else {
                Paint::Yellow
            };
            rows.push(vec![
                one_line(&b.name).into_owned(),
                style.paint(b.status.as_str(), paint),
            ]);
            notes.push(style.paint(
                &format!(
                    "{}: {}",
                    one_line(&b.name),
                    one_line(b.reason.as_deref().unwrap_or(""))
                ),
                paint,
            ));
            continue;
        }
        for m in &b.metrics {
            let s = &m.summary;
            rows.push(vec![
                one_line(&b.name).into_owned(),
                one_line(&m.name).into_owned(),
                format_value(s.median, &m.unit),
                format_value(s.stddev, &m.unit),
                s.n.to_string(),
            ]);
        }
    }
    let mut out = table(&rows, &[2, 3, 4]);
    if let Some(source) = &report.source {
        out.push_str(&format!("from: {}\n", source.format));
    }
    for n in notes {
        out.push_str(&n);
        out.push('\n');
    }
    out
}

pub fn verdict_paint(v: Verdict) -> Option<Paint> {
    match v {
        Verdict::Failed | Verdict::Critical => Some(Paint::Red),
        Verdict::Warning | Verdict::Missing | Verdict::Inconclusive => Some(Paint::Yellow),
        Verdict::Improved => Some(Paint::Green),
        Verdict::New | Verdict::Stable => None,
    }
}

/// The comparison table, worst first, then the overall status and notes.
pub fn comparison_table(c: &Comparison, style: Style) -> String {
    let mut rows = vec![[
        "benchmark",
        "metric",
        "baseline",
        "current",
        "change",
        "shift (95% CI)",
        "verdict",
    ]
    .map(String::from)
    .to_vec()];
    for m in &c.metrics {
        let value = |v: Option<f64>| v.map_or("-".to_string(), |v| format_value(v, &m.unit));
        let ci = shift_with_ci(m);
        let mut verdict = m.status.as_str().to_string();
        if m.noisy {
            verdict.push_str(" (noisy)");
        }
        let verdict = match verdict_paint(m.status) {
            Some(p) => style.paint(&verdict, p),
            None => verdict,
        };
        let metric = if m.statistic == crate::stats::Statistic::Median {
            one_line(&m.metric).into_owned()
        } else {
            format!("{} ({})", one_line(&m.metric), m.statistic.as_str())
        };
        rows.push(vec![
            one_line(&m.benchmark).into_owned(),
            metric,
            value(m.baseline),
            value(m.current),
            m.change_pct.map_or("-".to_string(), format_pct),
            ci,
            verdict,
        ]);
    }
    let mut out = table(&rows, &[2, 3, 4, 5]);
    for m in c
        .metrics
        .iter()
        .filter(|m| m.reason.is_some() && !matches!(m.status, Verdict::New | Verdict::Stable))
    {
        out.push_str(&format!(
            "{}.{}: {}\n",
            one_line(&m.benchmark),
            one_line(&m.metric),
            one_line(m.reason.as_deref().unwrap_or(""))
        ));
    }
    for note in &c.notes {
        out.push_str(&style.paint(&format!("note: {}", one_line(note)), Paint::Yellow));
        out.push('\n');
    }
    out.push_str(&overall_line(c, style));
    out.push('\n');
    out
}

pub fn overall_line(c: &Comparison, style: Style) -> String {
    let counts = verdict_counts(c);
    let text = format!(
        "overall: {} ({} metrics: {})",
        c.overall_status.as_str(),
        c.total_metrics,
        counts
    );
    match c.overall_status {
        Overall::Pass => style.paint(&text, Paint::Green),
        Overall::Warn => style.paint(&text, Paint::Yellow),
        Overall::Fail => style.paint(&text, Paint::Red),
    }
}

/// `2 critical, 1 warning, 10 stable`, worst first, zero counts left out.
pub fn verdict_counts(c: &Comparison) -> String {
    let mut counts: std::collections::BTreeMap<Verdict, usize> = Default::default();
    for m in &c.metrics {
        *counts.entry(m.status).or_default() += 1;
    }
    counts
        .iter()
        .map(|(v, n)| format!("{n} {}", v.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture's one benchmark as it ran, failed, was skipped, measured nothing, was
    /// noisy with many severe outliers, and left a process behind.
    fn report() -> Report {
        let mut r: Report = serde_json::from_str(include_str!(
            "../../tests/fixtures/json/perfgate-report.json"
        ))
        .expect("fixture");
        let ok = r.benchmarks[0].clone();
        let with = |name: &str, status: BenchStatus, reason: Option<&str>| {
            let mut b = ok.clone();
            b.name = name.into();
            b.status = status;
            b.reason = reason.map(str::to_string);
            b
        };
        let mut empty = with("empty", BenchStatus::Ok, None);
        empty.metrics.clear();
        let mut noisy = with("noisy", BenchStatus::Ok, None);
        noisy.leaked_processes = 2;
        let s = &mut noisy.metrics[0].summary;
        (s.cv, s.outliers.mild, s.outliers.severe) = (0.25, 1, 3);
        r.benchmarks = vec![
            ok.clone(),
            with("broken", BenchStatus::Failed, Some("exit status 1\nstderr")),
            with("gpu", BenchStatus::Skipped, Some("no device")),
            empty,
            noisy,
        ];
        r
    }

    #[test]
    fn failures_skips_noise_and_leaks_are_rows_and_notes() {
        let expected = [
            "benchmark         median ± σ      p95  runs  peak RSS  throughput  outliers",
            "-----------------------------------------------------------------------------------",
            "sort 10k   3.14 ms ± 65.8 µs  3.20 ms     5  2.25 MiB           -  0",
            "broken                FAILED",
            "gpu                  skipped",
            "empty             no metrics",
            "noisy      3.14 ms ± 65.8 µs  3.20 ms     5  2.25 MiB           -  1 mild, 3 severe",
            // The reason on one line: its line break shown, not taken.
            "broken: FAILED: exit status 1\\nstderr",
            "gpu: skipped: no device",
            "noisy: its runs left 2 process(es) running after they exited; perfgate killed them",
            "noisy: CV 25%: noisy, more runs or a quieter machine would help",
            "noisy: 3 severe outlier(s) (beyond 3 IQR); kept in the statistics",
        ];
        let out = report_table(&report(), Style::plain());
        assert_eq!(out.lines().collect::<Vec<_>>(), expected);
        assert!(out.ends_with('\n'));
    }
}
