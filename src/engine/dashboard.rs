//! What `report` draws from: the report, its baseline and their comparison, and the recorded
//! history beside them (the charted series with their change points, the runs they come
//! from). Render turns it into Markdown, Mermaid or the HTML dashboard.

use super::history::{histories, Pick};
use crate::error::Result;
use crate::gate::Comparison;
use crate::model::file::parse_report;
use crate::model::Report;
use crate::plan::DetectPlan;
use crate::render::html::{DashboardInput, MetricSeries};
use crate::store::{RunFilter, Store};

/// A report with what it was compared with. Any may be missing: a comparison file comes
/// alone, a report may have no baseline, and there may be no report at all.
#[derive(Debug, Clone, Default)]
pub struct Compared {
    pub current: Option<Report>,
    pub baseline: Option<Report>,
    pub comparison: Option<Comparison>,
}

impl Compared {
    /// The report to show on its own, without a baseline (only the change columns need
    /// one); `None` when there is a comparison, or nothing.
    pub fn lone(&self) -> Option<&Report> {
        match (&self.comparison, &self.current) {
            (None, Some(r)) => Some(r),
            _ => None,
        }
    }

    /// What a file given to `report` holds: a comparison (the `--summary` of compare and
    /// check), or a report; the error says why it is neither.
    pub fn parse(text: &str) -> std::result::Result<Compared, String> {
        if is_comparison(text) {
            let c: Comparison = serde_json::from_str(text)
                .map_err(|e| format!("not a perfgate comparison: {e}"))?;
            return Ok(Compared {
                comparison: Some(c),
                ..Compared::default()
            });
        }
        Ok(Compared {
            current: Some(parse_report(text)?),
            ..Compared::default()
        })
    }

    /// The suite shown: the comparison's, else the report's, else `perfgate`.
    pub fn title(&self) -> String {
        self.comparison
            .as_ref()
            .map(|c| c.suite.clone())
            .or_else(|| self.current.as_ref().map(|r| r.suite.clone()))
            .unwrap_or_else(|| "perfgate".into())
    }
}

/// Whether `text` is a comparison's JSON rather than a report's: a comparison has verdicts
/// per metric and no benchmarks.
fn is_comparison(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| {
        v.get("overall_status").is_some()
            && v.get("metrics").is_some()
            && v.get("benchmarks").is_none()
    })
}

/// The recorded history a report looks at: the runs of a filter (its limit: the newest N),
/// and the series picked from them.
#[derive(Debug, Clone, Default)]
pub struct HistoryView<'a> {
    pub runs: RunFilter,
    pub pick: Pick<'a>,
}

/// Every picked series with points in the view, oldest point first, with its change points
/// under `plan` and the baseline's value of it when there is a baseline. Nothing without a
/// store.
pub fn charted_series(
    store: Option<&dyn Store>,
    view: &HistoryView,
    baseline: Option<&Report>,
    plan: &DetectPlan,
) -> Result<Vec<MetricSeries>> {
    let Some(store) = store else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for series in histories(store, &view.runs, view.pick)?.items {
        let mut points = series.points;
        points.reverse();
        let Some(first) = points.first() else {
            continue;
        };
        let medians: Vec<f64> = points.iter().map(|p| p.summary.median).collect();
        let baseline_value = baseline
            .and_then(|b| b.benchmarks.iter().find(|x| x.name == series.benchmark))
            .and_then(|b| b.metric(&series.metric))
            .map(|m| m.summary.median);
        out.push(MetricSeries {
            unit: first.unit.clone(),
            direction: first.direction,
            change_points: super::detect(&medians, plan),
            benchmark: series.benchmark,
            metric: series.metric,
            points,
            baseline_value,
        });
    }
    Ok(out)
}

/// The one series a single trend chart shows: the comparison's worst metric when it is
/// charted (a comparison lists its metrics worst first), else the first.
pub fn headline<'s>(
    series: &'s [MetricSeries],
    comparison: Option<&Comparison>,
) -> Option<&'s MetricSeries> {
    let worst = comparison.and_then(|c| c.metrics.first());
    series
        .iter()
        .find(|s| worst.is_some_and(|m| s.benchmark == m.benchmark && s.metric == m.metric))
        .or_else(|| series.first())
}

/// The dashboard's input: `shown`, the charted series of the view and the runs they come
/// from (newest first).
pub fn dashboard(
    store: Option<&dyn Store>,
    view: &HistoryView,
    shown: &Compared,
    plan: &DetectPlan,
) -> Result<DashboardInput> {
    let runs = match store {
        Some(store) => store.runs(&view.runs)?,
        None => Vec::new(),
    };
    Ok(DashboardInput {
        title: shown.title(),
        comparison: shown.comparison.clone(),
        current: shown.current.clone(),
        baseline: shown.baseline.clone(),
        history: charted_series(store, view, shown.baseline.as_ref(), plan)?,
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::super::history::{report_of, stepped, store_of, MetricPick};
    use super::*;

    fn view(limit: usize, pick: Pick) -> HistoryView {
        HistoryView {
            runs: RunFilter {
                limit: Some(limit),
                ..RunFilter::default()
            },
            pick,
        }
    }

    #[test]
    fn the_dashboard_holds_the_history_its_change_points_and_the_comparison() {
        let dir = tempfile::tempdir().unwrap();
        let medians = stepped();
        let store = store_of(dir.path(), "cpu", &medians);
        let baseline = report_of("cpu", 0, 100.0);
        let current = report_of("cpu", 19, medians[19]);
        let shown = Compared {
            comparison: Some(super::super::judge(
                &baseline,
                &current,
                &Default::default(),
            )),
            current: Some(current),
            baseline: Some(baseline),
        };
        let input = dashboard(
            Some(&store),
            &view(1000, Pick::default()),
            &shown,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(input.title, "adhoc");
        assert_eq!(input.comparison, shown.comparison);
        let ids: Vec<i64> = input.runs.iter().map(|r| r.id).collect();
        assert_eq!(ids, (1..=20).rev().collect::<Vec<_>>(), "newest first");
        let [series] = &input.history[..] else {
            panic!("one series: {:?}", input.history);
        };
        assert_eq!(
            (&*series.benchmark, &*series.metric),
            ("sort 10k", "wall_time")
        );
        let charted: Vec<f64> = series.points.iter().map(|p| p.summary.median).collect();
        assert_eq!(charted, medians, "oldest first");
        let indexes: Vec<usize> = series.change_points.iter().map(|c| c.index).collect();
        assert_eq!(indexes, [10]);
        assert_eq!(series.baseline_value, Some(100.0));
    }

    #[test]
    fn the_view_limits_the_runs_and_picks_the_series() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), "cpu", &stepped());
        let shown = Compared::default();
        let plan = DetectPlan::default();
        let newest = dashboard(Some(&store), &view(5, Pick::default()), &shown, &plan).unwrap();
        assert_eq!(newest.runs.len(), 5);
        assert_eq!(newest.history[0].points.len(), 5);
        assert!(
            newest.history[0].change_points.is_empty(),
            "no step in the last 5"
        );
        assert_eq!(newest.history[0].baseline_value, None);
        assert_eq!(newest.title, "perfgate");
        for (metric, charted) in [
            (MetricPick::Named("wall_time"), 1),
            (MetricPick::Named("wall*"), 0),
            (MetricPick::Glob("wall*"), 1),
        ] {
            let pick = Pick {
                bench: None,
                metric: Some(metric),
            };
            let series = charted_series(Some(&store), &view(5, pick), None, &plan).unwrap();
            assert_eq!(series.len(), charted, "{metric:?}");
        }
    }

    #[test]
    fn the_headline_is_the_worst_metric_charted_else_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_of(dir.path(), "cpu", &[1.0, 1.0]);
        let mut two = report_of("cpu", 2, 1.0);
        let mut other = two.benchmarks[0].clone();
        other.name = "a first".into();
        two.benchmarks.push(other);
        store.record(&two).unwrap();
        let series = charted_series(
            Some(&store),
            &view(10, Pick::default()),
            None,
            &Default::default(),
        )
        .unwrap();
        let names: Vec<&str> = series.iter().map(|s| s.benchmark.as_str()).collect();
        assert_eq!(names, ["a first", "sort 10k"]);
        let mut slower = two.clone();
        let m = &mut slower.benchmarks[0].metrics[0];
        m.samples = vec![2.0; 3];
        m.summary = crate::stats::summarize(&m.samples);
        let comparison = super::super::judge(&two, &slower, &Default::default());
        let worst = headline(&series, Some(&comparison)).map(|s| s.benchmark.as_str());
        assert_eq!(comparison.metrics[0].benchmark, "sort 10k");
        assert_eq!(worst, Some("sort 10k"));
        assert_eq!(
            headline(&series, None).map(|s| &*s.benchmark),
            Some("a first")
        );
        assert!(headline(&[], Some(&comparison)).is_none());
    }

    #[test]
    fn without_a_store_there_is_no_history() {
        let shown = Compared {
            current: Some(report_of("cpu", 0, 1.0)),
            ..Compared::default()
        };
        let input = dashboard(
            None,
            &view(10, Pick::default()),
            &shown,
            &Default::default(),
        )
        .unwrap();
        assert!(input.runs.is_empty() && input.history.is_empty());
        assert_eq!(input.title, "adhoc");
        assert!(shown.lone().is_some());
    }

    #[test]
    fn a_file_is_a_comparison_or_a_report() {
        let report = report_of("cpu", 0, 1.0);
        let comparison = super::super::judge(&report, &report, &Default::default());
        let c = Compared::parse(&serde_json::to_string(&comparison).unwrap()).unwrap();
        assert_eq!(c.comparison, Some(comparison));
        assert!(c.current.is_none() && c.lone().is_none());
        let r = Compared::parse(&serde_json::to_string(&report).unwrap()).unwrap();
        assert_eq!(r.lone(), Some(&report));
        assert!(
            Compared::parse("{\"overall_status\": \"pass\", \"metrics\": 3}")
                .unwrap_err()
                .starts_with("not a perfgate comparison")
        );
        assert!(Compared::parse("[]").is_err());
    }
}
