//! One card per benchmark metric (trend and distribution charts, recent runs), laid out in a
//! responsive grid. Metrics with nothing to read (zero in every sample) or that the comparison
//! did not judge are folded into a closed `<details>` below the others, so a handful of empty
//! `sys_time` charts cannot push the regressions off the screen.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::charts::{distribution, trend};
use super::escape::{attr, text};
use super::{DashboardInput, MetricSeries};
use crate::gate::{MetricComparison, Verdict};
use crate::model::Report;
use crate::render::human::{format_pct, format_value};

/// Why a metric's card is folded away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// Every recorded value and every sample is zero: charts would be flat lines.
    AllZero,
    /// There is a comparison, but it gave this metric no change to judge (no row, or a row
    /// without a change, such as zero on both sides).
    NotJudged,
}

type Rows<'a> = BTreeMap<(String, String), &'a MetricComparison>;

/// One metric to draw: from the history, or only from the latest report.
struct Card<'a> {
    series: Option<&'a MetricSeries>,
    bench: &'a str,
    metric: &'a str,
    unit: &'a str,
}

/// The cards of every metric: the judged ones in a grid (worst verdict first), then the
/// folded ones in a closed `<details>`.
pub fn metric_cards(out: &mut String, input: &DashboardInput) {
    let rows: Rows = input
        .comparison
        .iter()
        .flat_map(|c| c.metrics.iter())
        .map(|m| ((m.benchmark.clone(), m.metric.clone()), m))
        .collect();
    let tags = tags_of(input.current.as_ref());
    let mut cards: Vec<Card> = input
        .history
        .iter()
        .map(|s| Card {
            series: Some(s),
            bench: &s.benchmark,
            metric: &s.metric,
            unit: &s.unit,
        })
        .collect();
    // Metrics of the latest report that have no history: their distribution only.
    let drawn: BTreeSet<(&str, &str)> = cards.iter().map(|c| (c.bench, c.metric)).collect();
    if let Some(cur) = &input.current {
        for b in &cur.benchmarks {
            for m in &b.metrics {
                if !drawn.contains(&(b.name.as_str(), m.name.as_str())) {
                    cards.push(Card {
                        series: None,
                        bench: &b.name,
                        metric: &m.name,
                        unit: &m.unit,
                    });
                }
            }
        }
    }
    let status = |c: &Card| {
        rows.get(&(c.bench.to_string(), c.metric.to_string()))
            .map_or(Verdict::Stable, |m| m.status)
    };
    // Worst verdicts first, like the comparison; the sort is stable, so history order stays.
    cards.sort_by_key(|c| status(c));
    let mut folded: Vec<(&Card, Fold)> = Vec::new();
    out.push_str("<main id=\"metrics\" class=\"cards\">");
    for c in &cards {
        let row = rows
            .get(&(c.bench.to_string(), c.metric.to_string()))
            .copied();
        match fold_of(input, c.series, c.bench, c.metric, row) {
            Some(why) => folded.push((c, why)),
            None => card(out, input, c, row, &tags, None),
        }
    }
    out.push_str("</main>");
    if folded.is_empty() {
        return;
    }
    let zero = folded.iter().filter(|(_, f)| *f == Fold::AllZero).count();
    let reasons = [
        (zero, "zero in every sample"),
        (folded.len() - zero, "not judged"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| format!("{n} {why}"))
    .collect::<Vec<_>>()
    .join(", ");
    let _ = write!(
        out,
        "<details class=\"folded\"><summary>{} more {} folded away: {reasons}</summary><div class=\"cards\">",
        folded.len(),
        if folded.len() == 1 { "metric" } else { "metrics" }
    );
    for (c, why) in folded {
        let row = rows
            .get(&(c.bench.to_string(), c.metric.to_string()))
            .copied();
        card(out, input, c, row, &tags, Some(why));
    }
    out.push_str("</div></details>");
}

/// Whether a metric's card belongs in the folded section, and why.
pub fn fold_of(
    input: &DashboardInput,
    series: Option<&MetricSeries>,
    bench: &str,
    metric: &str,
    row: Option<&MetricComparison>,
) -> Option<Fold> {
    let zero = |v: &f64| *v == 0.0;
    let history_zero = series.is_none_or(|s| {
        s.points
            .iter()
            .all(|p| p.summary.min == 0.0 && p.summary.max == 0.0)
            && s.baseline_value.is_none_or(|b| b == 0.0)
    });
    let current = samples_of(input.current.as_ref(), bench, metric);
    let baseline = samples_of(input.baseline.as_ref(), bench, metric);
    let samples_zero =
        current.is_none_or(|s| s.iter().all(zero)) && baseline.is_none_or(|s| s.iter().all(zero));
    let has_values =
        series.is_some_and(|s| !s.points.is_empty()) || current.is_some_and(|s| !s.is_empty());
    if has_values && history_zero && samples_zero {
        return Some(Fold::AllZero);
    }
    let judged = row.is_some_and(|m| m.change_pct.is_some() || m.status != Verdict::Stable);
    (input.comparison.is_some() && !judged).then_some(Fold::NotJudged)
}

fn card(
    out: &mut String,
    input: &DashboardInput,
    c: &Card,
    row: Option<&MetricComparison>,
    tags: &BTreeMap<String, Vec<String>>,
    fold: Option<Fold>,
) {
    let badge = row.map_or(String::new(), |m| {
        format!(
            " <span class=\"badge {st}\">{st}{}</span>",
            m.change_pct
                .map_or(String::new(), |p| format!(" {}", format_pct(p))),
            st = m.status.as_str()
        )
    });
    let _ = write!(
        out,
        "<section class=\"metric{}\" data-name=\"{}\" data-tags=\"{}\"><h3>{} · {}{badge}</h3>",
        if fold == Some(Fold::AllZero) {
            " zero"
        } else {
            ""
        },
        attr(&format!("{} {}", c.bench, c.metric)),
        attr(&tags.get(c.bench).map(|t| t.join(" ")).unwrap_or_default()),
        text(c.bench),
        text(c.metric),
    );
    if fold == Some(Fold::AllZero) {
        let runs = c.series.map_or(0, |s| s.points.len());
        let _ = write!(
            out,
            "<p class=\"legend\">{} in every sample{}</p></section>",
            text(&format_value(0.0, c.unit)),
            if runs > 0 {
                format!(" of {runs} recorded runs")
            } else {
                " of the latest run".to_string()
            }
        );
        return;
    }
    if let Some(s) = c.series {
        let _ = write!(
            out,
            "<p class=\"legend\">median per run with its 95% interval (band), baseline dashed, change points dotted; {} runs</p>",
            s.points.len()
        );
        out.push_str(&trend(s, row.map(|m| m.status.as_str())));
    }
    let current = samples_of(input.current.as_ref(), c.bench, c.metric);
    if let Some(cur) = current.filter(|s| !s.is_empty()) {
        let base = samples_of(input.baseline.as_ref(), c.bench, c.metric);
        out.push_str("<p class=\"legend\">latest samples against the baseline's</p>");
        out.push_str(&distribution(
            base,
            cur,
            c.unit,
            &format!("{} {}", c.bench, c.metric),
        ));
    }
    super::profiles::in_card(out, input, c.bench, c.metric);
    if let Some(s) = c.series {
        recent_runs(out, s);
    }
    out.push_str("</section>");
}

fn recent_runs(out: &mut String, s: &MetricSeries) {
    out.push_str("<details><summary>recent runs</summary><div class=\"scroll\"><table><thead><tr><th>run</th><th>date</th><th>commit</th><th>host</th><th class=\"num\">median</th><th>gate</th></tr></thead><tbody>");
    for p in s.points.iter().rev().take(10) {
        let commit = p
            .run
            .git
            .as_ref()
            .map_or("-".to_string(), |g| g.commit.chars().take(12).collect());
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            p.run.id,
            text(&p.run.timestamp_utc),
            text(&commit),
            text(&p.run.hostname),
            text(&format_value(p.summary.median, &s.unit)),
            gate_cell(p)
        );
    }
    out.push_str("</tbody></table></div></details>");
}

/// A recorded run's verdict for this metric, as a badge; a run that failed the gate says so.
fn gate_cell(p: &crate::store::HistoryPoint) -> String {
    match p.verdict.as_deref() {
        Some(v @ ("critical" | "failed")) => format!(
            "<span class=\"badge {v}\" title=\"the gate failed on this run; it is kept in history but not used to measure noise\">{v}</span>"
        ),
        Some(v) => format!("<span class=\"badge {}\">{}</span>", attr(v), text(v)),
        None => "-".to_string(),
    }
}

fn tags_of(report: Option<&Report>) -> BTreeMap<String, Vec<String>> {
    report
        .map(|r| {
            r.benchmarks
                .iter()
                .map(|b| (b.name.clone(), b.tags.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn samples_of<'a>(r: Option<&'a Report>, bench: &str, metric: &str) -> Option<&'a [f64]> {
    r?.benchmarks
        .iter()
        .find(|b| b.name == bench)?
        .metric(metric)
        .map(|m| m.samples.as_slice())
}
