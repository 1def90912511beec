//! A comparison as Markdown for a pull-request comment: the status line, the changed metrics
//! in a table, the stable ones folded away. A report without a baseline: a results table.

use super::html::MetricSeries;
use super::human::{format_pct, format_value, shift_with_ci};
use super::terminal::verdict_counts;
use crate::gate::{Comparison, MetricComparison, Verdict};
use crate::model::{metric_names, BenchStatus, BenchmarkResult, Direction, Metric, Report};

/// GitHub rejects comments over 65,536 characters; stay clear of it.
pub const MAX_COMMENT_CHARS: usize = 65_000;

pub fn comparison_markdown(c: &Comparison) -> String {
    let mut out = format!(
        "### perfgate: {} \u{2014} suite `{}`\n\n**{}** of {} metrics: {}\n\n",
        c.overall_status.as_str().to_uppercase(),
        escape_code(&c.suite),
        c.overall_status.as_str(),
        c.total_metrics,
        verdict_counts(c)
    );
    for note in &c.notes {
        out.push_str(&format!("> **Note:** {}\n\n", escape(note)));
    }
    let (changed, stable): (Vec<&MetricComparison>, Vec<&MetricComparison>) = c
        .metrics
        .iter()
        .partition(|m| !matches!(m.status, Verdict::Stable));
    let mut omitted = 0;
    if !changed.is_empty() {
        out.push_str(HEADER);
        for m in &changed {
            let row = row(m);
            if out.len() + row.len() > MAX_COMMENT_CHARS - 500 {
                omitted += 1;
                continue;
            }
            out.push_str(&row);
        }
        out.push('\n');
    }
    if !stable.is_empty() {
        let mut block = format!(
            "<details><summary>{} stable metrics</summary>\n\n{HEADER}",
            stable.len()
        );
        for m in &stable {
            let row = row(m);
            if out.len() + block.len() + row.len() > MAX_COMMENT_CHARS - 200 {
                omitted += 1;
                continue;
            }
            block.push_str(&row);
        }
        block.push_str("\n</details>\n");
        out.push_str(&block);
    }
    if omitted > 0 {
        out.push_str(&format!(
            "\n{omitted} rows left out to stay under GitHub's comment limit; see the JSON summary.\n"
        ));
    }
    out
}

/// `before` followed by the change points `detect` finds in the recorded history shown, one
/// line each (nothing when there are none), the whole within GitHub's comment limit.
pub fn with_change_points(before: String, series: &[MetricSeries]) -> String {
    let budget = MAX_COMMENT_CHARS.saturating_sub(before.len() + 200);
    before + &change_points(series, budget)
}

fn change_points(series: &[MetricSeries], budget: usize) -> String {
    let with: Vec<&MetricSeries> = series
        .iter()
        .filter(|s| !s.change_points.is_empty())
        .collect();
    let mut out = String::from("\n#### Change points in recorded history\n\n");
    if with.is_empty() || out.len() > budget {
        return String::new();
    }
    let mut omitted = 0;
    for s in with {
        for c in &s.change_points {
            let Some(p) = s.points.get(c.index) else {
                continue;
            };
            let at = match &p.run.git {
                Some(g) => format!(
                    "commit `{}`",
                    escape_code(&g.commit[..g.commit.len().min(12)])
                ),
                None => format!("run {}", p.run.id),
            };
            let line = format!(
                "- `{}` `{}`: from {at} ({}): {} \u{2192} {} ({})\n",
                escape_code(&s.benchmark),
                escape_code(&s.metric),
                escape(&p.run.timestamp_utc),
                format_value(c.before, &s.unit),
                format_value(c.after, &s.unit),
                format_pct(c.change_pct),
            );
            if out.len() + line.len() > budget {
                omitted += 1;
                continue;
            }
            out.push_str(&line);
        }
    }
    if omitted > 0 {
        out.push_str(&format!(
            "- {omitted} more; `perfgate detect` lists them all\n"
        ));
    }
    out
}

const HEADER: &str = "| benchmark | metric | baseline | current | change | shift (95% CI) | verdict |\n|---|---|--:|--:|--:|--:|---|\n";

fn row(m: &MetricComparison) -> String {
    let value = |v: Option<f64>| v.map_or("-".to_string(), |v| format_value(v, &m.unit));
    let ci = shift_with_ci(m);
    let mut verdict = m.status.as_str().to_string();
    if matches!(m.status, Verdict::Critical | Verdict::Failed) {
        verdict = format!("**{verdict}**");
    }
    if m.noisy {
        verdict.push_str(" (noisy)");
    }
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        escape(&m.benchmark),
        escape(&m.metric),
        value(m.baseline),
        value(m.current),
        m.change_pct.map_or("-".to_string(), format_pct),
        ci,
        verdict
    )
}

/// A report with no baseline, as a results table (like `hyperfine --export-markdown`): one
/// row per benchmark with its main metric (wall time, else its first): mean ± σ, median, min,
/// max, runs, and, when two or more benchmarks share that metric, each one's median relative
/// to the best (1.00 = the best). Failed and skipped benchmarks say why. Every metric follows
/// in a folded table when benchmarks have more than one.
pub fn report_markdown(r: &Report) -> String {
    let failed = r
        .benchmarks
        .iter()
        .filter(|b| b.status == BenchStatus::Failed)
        .count();
    let mut out = format!(
        "### perfgate: suite `{}` \u{2014} {} benchmark{}{}, no baseline\n\n",
        escape_code(&r.suite),
        r.benchmarks.len(),
        if r.benchmarks.len() == 1 { "" } else { "s" },
        if failed > 0 {
            format!(", **{failed} failed**")
        } else {
            String::new()
        }
    );
    let commit = r.git.as_ref().map_or(String::new(), |g| {
        format!(
            "commit `{}`{}, ",
            escape_code(g.commit.get(..12).unwrap_or(&g.commit)),
            if g.dirty { " (dirty)" } else { "" }
        )
    });
    let testbed = r.testbed.as_ref().map_or(String::new(), |t| {
        format!(" (testbed `{}`)", escape_code(t))
    });
    out.push_str(&format!(
        "{commit}machine `{}`{testbed}, {}\n\n",
        escape_code(&r.machine.id),
        escape(&r.timestamp_utc)
    ));
    let main: Vec<Option<&Metric>> = r.benchmarks.iter().map(main_metric).collect();
    out.push_str(&format!("{STAT_HEADER} relative |\n{STAT_RULE}--:|\n"));
    for (b, m) in r.benchmarks.iter().zip(&main) {
        let Some(m) = m.filter(|_| b.status == BenchStatus::Ok) else {
            let what = if b.status == BenchStatus::Ok {
                "no metrics"
            } else {
                b.status.as_str()
            };
            out.push_str(&format!(
                "| {} | - | {what}: {} | | | | | |\n",
                escape(&b.name),
                escape(b.reason.as_deref().unwrap_or(""))
            ));
            continue;
        };
        let relative = relative_to_best(m, &main).map_or("-".to_string(), |x| format!("{x:.2}"));
        out.push_str(&format!("{} {relative} |\n", stat_cells(&b.name, m)));
    }
    if r.benchmarks.iter().any(|b| b.metrics.len() > 1) {
        out.push_str(&format!(
            "\n<details><summary>every metric</summary>\n\n{STAT_HEADER}\n{STAT_RULE}\n"
        ));
        for b in &r.benchmarks {
            for m in &b.metrics {
                out.push_str(&stat_cells(&b.name, m));
                out.push('\n');
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}

const STAT_HEADER: &str =
    "| benchmark | metric | mean \u{00B1} \u{03C3} | median | min | max | runs |";
const STAT_RULE: &str = "|---|---|--:|--:|--:|--:|--:|";

/// A benchmark's main metric: its wall time, else its first metric.
fn main_metric(b: &BenchmarkResult) -> Option<&Metric> {
    b.metric(metric_names::WALL_TIME).or(b.metrics.first())
}

/// `| name | metric | mean ± σ | median | min | max | runs |`
fn stat_cells(bench: &str, m: &Metric) -> String {
    let s = &m.summary;
    let v = |x: f64| format_value(x, &m.unit);
    format!(
        "| {} | {} | {} \u{00B1} {} | {} | {} | {} | {} |",
        escape(bench),
        escape(&m.name),
        v(s.mean),
        v(s.stddev),
        v(s.median),
        v(s.min),
        v(s.max),
        s.n
    )
}

/// How many times worse than the best median among the benchmarks' main metrics of the same
/// name and unit; `None` when fewer than two share it or the best is 0.
fn relative_to_best(m: &Metric, all: &[Option<&Metric>]) -> Option<f64> {
    let peers: Vec<f64> = all
        .iter()
        .flatten()
        .filter(|p| p.name == m.name && p.unit == m.unit)
        .map(|p| p.summary.median)
        .collect();
    if peers.len() < 2 {
        return None;
    }
    let v = m.summary.median;
    let ratio = match m.direction {
        Direction::LowerIsBetter => v / peers.iter().copied().fold(f64::INFINITY, f64::min),
        Direction::HigherIsBetter => peers.iter().copied().fold(0.0, f64::max) / v,
    };
    ratio.is_finite().then_some(ratio)
}

/// Escapes text for a Markdown table cell: HTML, table pipes, and Markdown punctuation, so a
/// benchmark name renders as exactly its text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span: backticks cannot be escaped there, so they are replaced.
pub fn escape_code(s: &str) -> String {
    s.replace('`', "'").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Overall, RunRef};
    use crate::model::Direction;
    use crate::stats::Statistic;

    fn row_of(i: usize, status: Verdict) -> MetricComparison {
        MetricComparison {
            benchmark: format!("a rather long benchmark name number {i} | with a pipe"),
            metric: "wall_time".into(),
            unit: "s".into(),
            direction: Direction::LowerIsBetter,
            statistic: Statistic::Median,
            status,
            baseline: Some(0.01),
            current: Some(0.012),
            change_pct: Some(20.0),
            shift_pct: Some(19.5),
            change_ci95_pct: Some([15.0, 25.0]),
            allowed_max: Some(0.011),
            allowed_min: None,
            noisy: false,
            rule: "warn > 5%, critical > 10% (defaults)".into(),
            reason: None,
            p_value: None,
            q_value: None,
        }
    }

    #[test]
    fn a_huge_suite_stays_under_githubs_limit_and_says_what_was_left_out() {
        let run = RunRef {
            timestamp_utc: "t".into(),
            commit: None,
            machine_id: "m".into(),
            testbed: None,
        };
        let metrics: Vec<_> = (0..10_000)
            .map(|i| {
                row_of(
                    i,
                    if i < 3_000 {
                        Verdict::Critical
                    } else {
                        Verdict::Stable
                    },
                )
            })
            .collect();
        let c = Comparison {
            schema_version: 1,
            suite: "big".into(),
            timestamp_utc: "t".into(),
            overall_status: Overall::Fail,
            total_metrics: metrics.len(),
            failed_metrics: 3_000,
            baseline: run.clone(),
            current: run,
            notes: vec![],
            metrics,
        };
        let md = comparison_markdown(&c);
        assert!(md.chars().count() < MAX_COMMENT_CHARS, "{}", md.len());
        assert!(
            md.len() > MAX_COMMENT_CHARS - 2_000,
            "room was wasted: {}",
            md.len()
        );
        let shown = md.matches("| wall\\_time |").count();
        let left_out: usize = md
            .split(" rows left out")
            .next()
            .and_then(|s| s.rsplit('\n').next())
            .and_then(|n| n.trim().parse().ok())
            .expect("says how many rows were left out");
        assert_eq!(shown + left_out, 10_000);
        // The critical rows come first, before any stable one.
        assert!(md.find("**critical**").unwrap() < md.find("<details>").unwrap_or(usize::MAX));
    }

    #[test]
    fn names_render_as_text() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape("| pipe"), "\\| pipe");
        assert_eq!(escape("a_b*c"), "a\\_b\\*c");
    }
}
