//! Recorded history read into series, and the change points in series: which (benchmark,
//! metric) series a command picks from the runs of a filter, their points, and what the
//! detector finds in them, always under a [`DetectPlan`] through [`super::detect`].

use std::collections::BTreeSet;

use crate::error::Result;
use crate::model::threshold::glob_match;
use crate::model::Report;
use crate::plan::DetectPlan;
use crate::render::detect::{Change, Series};
use crate::store::{HistoryPoint, RunFilter, Store};

/// Which recorded series a command looks at; `None` picks every one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pick<'a> {
    /// Benchmarks whose name matches this glob.
    pub bench: Option<&'a str>,
    pub metric: Option<MetricPick<'a>>,
}

/// Which metrics a [`Pick`] selects.
#[derive(Debug, Clone, Copy)]
pub enum MetricPick<'a> {
    /// This metric only: `report --metric` takes a name, not a glob.
    Named(&'a str),
    /// Metrics whose name matches this glob (`history`, `detect`).
    Glob(&'a str),
}

impl Pick<'_> {
    pub fn picks(&self, bench: &str, metric: &str) -> bool {
        let metric_ok = match self.metric {
            None => true,
            Some(MetricPick::Named(name)) => name == metric,
            Some(MetricPick::Glob(glob)) => glob_match(glob, metric),
        };
        metric_ok && self.bench.is_none_or(|g| glob_match(g, bench))
    }
}

/// What a pick found, and every (benchmark, metric) recorded where it looked: when nothing
/// is picked from a history that has series, the command says what there is (an empty output
/// would look like an empty history).
#[derive(Debug)]
pub struct Picked<T> {
    pub items: Vec<T>,
    /// Sorted, each once.
    pub recorded: Vec<(String, String)>,
}

impl<T> Picked<T> {
    /// Series are recorded, but none was picked.
    pub fn missed(&self) -> bool {
        self.items.is_empty() && !self.recorded.is_empty()
    }
}

/// One benchmark's metric over recorded runs.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub benchmark: String,
    pub metric: String,
    /// Newest first, as the store gives them; empty when no run of the filter has it.
    pub points: Vec<HistoryPoint>,
}

/// The series `pick` selects among those recorded in the runs of `filter`, in the store's
/// (sorted) order.
pub fn histories(store: &dyn Store, filter: &RunFilter, pick: Pick) -> Result<Picked<Recorded>> {
    let recorded = store.series(filter)?;
    let mut items = Vec::new();
    for (benchmark, metric) in recorded.iter().filter(|(b, m)| pick.picks(b, m)) {
        items.push(Recorded {
            points: store.metric_history(filter, benchmark, metric)?,
            benchmark: benchmark.clone(),
            metric: metric.clone(),
        });
    }
    Ok(Picked { items, recorded })
}

/// The newest recorded run of `filter`, whole; `None` when there is none.
pub fn latest_report(store: &dyn Store, filter: &RunFilter) -> Result<Option<Report>> {
    let latest = store.runs(&RunFilter {
        limit: Some(1),
        ..filter.clone()
    })?;
    match latest.first() {
        Some(run) => Ok(Some(store.report(run.id)?)),
        None => Ok(None),
    }
}

/// The change points of every picked series recorded in the runs of `filter`, one series per
/// device (a GPU's history is not a CPU's), from the first run of the commit `since` on when
/// it is given (a series without such a run is left out). Each change point is placed at the
/// run where the new level begins.
pub fn detect_recorded(
    store: &dyn Store,
    filter: &RunFilter,
    pick: Pick,
    since: Option<&str>,
    plan: &DetectPlan,
) -> Result<Picked<Series>> {
    let devices: BTreeSet<String> = store.runs(filter)?.into_iter().map(|r| r.device).collect();
    let mut items = Vec::new();
    let mut recorded = BTreeSet::new();
    for device in devices {
        let on_device = RunFilter {
            device: Some(device.clone()),
            ..filter.clone()
        };
        let found = histories(store, &on_device, pick)?;
        recorded.extend(found.recorded);
        for series in found.items {
            if let Some(points) = oldest_first_since(series.points, since) {
                items.push(changes_in(
                    series.benchmark,
                    series.metric,
                    &device,
                    &points,
                    plan,
                ));
            }
        }
    }
    Ok(Picked {
        items,
        recorded: recorded.into_iter().collect(),
    })
}

/// A history (newest first, as the store gives it) oldest first, from the first run of the
/// commit `since` on; `None` when `since` is given and no run of that commit is in it.
fn oldest_first_since(
    mut points: Vec<HistoryPoint>,
    since: Option<&str>,
) -> Option<Vec<HistoryPoint>> {
    points.reverse();
    if let Some(rev) = since {
        let first = points.iter().position(|p| {
            p.run
                .git
                .as_ref()
                .is_some_and(|g| g.commit.starts_with(rev))
        })?;
        points.drain(..first);
    }
    Some(points)
}

/// The change points of one recorded series (oldest first), each at the run it began.
fn changes_in(
    bench: String,
    metric: String,
    device: &str,
    points: &[HistoryPoint],
    plan: &DetectPlan,
) -> Series {
    let values: Vec<f64> = points.iter().map(|p| p.summary.median).collect();
    let change_points = super::detect(&values, plan)
        .into_iter()
        .map(|cp| {
            let run = &points[cp.index].run;
            Change::at(cp, Some(run))
        })
        .collect();
    // The device is named only when it is not the usual one.
    let name = if device == "cpu" {
        format!("{bench} {metric}")
    } else {
        format!("{bench} {metric} @{device}")
    };
    Series {
        name,
        benchmark: Some(bench),
        metric: Some(metric),
        device: Some(device.to_string()),
        unit: points.first().map(|p| p.unit.clone()),
        points: values.len(),
        change_points,
    }
}

/// The change points of series given by name (not recorded: no run to place them at).
pub fn detect_given(series: Vec<(String, Vec<f64>)>, plan: &DetectPlan) -> Vec<Series> {
    series
        .into_iter()
        .map(|(name, values)| Series {
            change_points: super::detect(&values, plan)
                .into_iter()
                .map(|point| Change::at(point, None))
                .collect(),
            points: values.len(),
            name,
            benchmark: None,
            metric: None,
            device: None,
            unit: None,
        })
        .collect()
}

/// Named series from text: CSV `index,value` lines (a header line is allowed; the one series
/// is named `series`), a JSON array of numbers (named `series` too), or a JSON object of
/// named arrays. The error says where the text is wrong.
pub fn parse_series(text: &str) -> std::result::Result<Vec<(String, Vec<f64>)>, String> {
    if text.trim_start().starts_with(['[', '{']) {
        json_series(text)
    } else {
        Ok(vec![("series".to_string(), csv_values(text)?)])
    }
}

fn json_series(text: &str) -> std::result::Result<Vec<(String, Vec<f64>)>, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("line {}: not JSON: {e}", e.line()))?;
    match &v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, x)| Ok((k.clone(), json_numbers(k, x)?)))
            .collect(),
        other => Ok(vec![("series".to_string(), json_numbers("series", other)?)]),
    }
}

fn json_numbers(name: &str, v: &serde_json::Value) -> std::result::Result<Vec<f64>, String> {
    v.as_array()
        .ok_or_else(|| format!("{name}: not an array of numbers"))?
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("{name}[{i}]: not a finite number"))
        })
        .collect()
}

fn csv_values(text: &str) -> std::result::Result<Vec<f64>, String> {
    let mut values = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        // A first line with letters is a header, not a value.
        if line.is_empty() || (i == 0 && line.chars().any(|c| c.is_ascii_alphabetic())) {
            continue;
        }
        let value = line
            .split_once(',')
            .and_then(|(_, v)| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("line {}: expected `index,value`, got `{line}`", i + 1))?;
        values.push(value);
    }
    Ok(values)
}

/// Test support: a store (a SQLite file in `dir`) with one recorded run per value of
/// `medians`, oldest first: the fixture report's `sort 10k` with its `wall_time` only, on
/// `device`, at commit `{i:02}abab...` (40 characters) for the i-th value.
#[cfg(test)]
pub(super) fn store_of(dir: &std::path::Path, device: &str, medians: &[f64]) -> Box<dyn Store> {
    let mut store = crate::store::open(&dir.join("perfgate.db")).expect("a store");
    for (i, v) in medians.iter().enumerate() {
        store.record(&report_of(device, i, *v)).expect("recorded");
    }
    store
}

/// Test support: the report [`store_of`] records as its `i`-th run: `sort 10k` with one
/// metric, `wall_time`, of three samples at `median`. Written out here rather than read from
/// a fixture file, so that it says all a test relies on.
#[cfg(test)]
pub(super) fn report_of(device: &str, i: usize, median: f64) -> Report {
    let samples = vec![median; 3];
    let metric = serde_json::json!({
        "name": "wall_time", "unit": "s", "direction": "lower_is_better",
        "samples": samples, "summary": crate::stats::summarize(&samples),
    });
    let bench = serde_json::json!({
        "name": "sort 10k", "status": "ok", "reason": null, "tags": [], "params": {},
        "device": device, "command": "sort", "warmup_runs": 0, "metrics": [metric],
    });
    let machine = serde_json::json!({
        "id": "m1", "hostname": "vm", "os": "Linux", "kernel": "6", "arch": "x86_64",
        "cpu_model": "cpu", "cores": 2, "memory_bytes": 1,
    });
    serde_json::from_value(serde_json::json!({
        "schema_version": 1, "tool": {"name": "perfgate", "version": "0.1.0"},
        "suite": "adhoc", "timestamp_utc": "2026-01-01T00:00:00Z",
        "git": {"commit": format!("{i:02}{}", "ab".repeat(19)), "branch": "main", "dirty": false},
        "machine": machine, "device": device, "config_sha256": "0".repeat(64), "seed": 1,
        "benchmarks": [bench],
    }))
    .expect("a report")
}

/// Test support: 20 values near 100 (a fixed wobble under 1%), the last 10 of them 30% higher.
#[cfg(test)]
pub(super) fn stepped() -> Vec<f64> {
    (0..20)
        .map(|i| {
            let level = if i < 10 { 100.0 } else { 130.0 };
            level * (1.0 + 0.002 * ((i * 7 % 5) as f64 - 2.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> DetectPlan {
        DetectPlan::default()
    }

    #[test]
    fn a_recorded_step_is_one_change_point_at_the_run_it_began() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), "cpu", &stepped());
        let found = detect_recorded(
            &store,
            &RunFilter::default(),
            Pick::default(),
            None,
            &plan(),
        )
        .unwrap();
        assert!(!found.missed());
        assert_eq!(found.recorded, [("sort 10k".into(), "wall_time".into())]);
        let [series] = &found.items[..] else {
            panic!("one series: {:?}", found.items);
        };
        assert_eq!(series.name, "sort 10k wall_time");
        assert_eq!((series.points, series.unit.as_deref()), (20, Some("s")));
        let [change] = &series.change_points[..] else {
            panic!("one change point: {:?}", series.change_points);
        };
        assert_eq!(change.point.index, 10);
        assert_eq!(change.direction, "up");
        assert!((change.point.change_pct - 30.0).abs() < 2.0, "{change:?}");
        // Run ids grow from 1 with each record: the 11th run is where the new level began.
        assert_eq!(change.run_id, Some(11));
        assert_eq!(
            change.commit.as_deref(),
            Some(&*format!("10{}", "ab".repeat(19)))
        );
    }

    #[test]
    fn since_a_commit_the_history_starts_at_its_first_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), "cpu", &stepped());
        let found = detect_recorded(
            &store,
            &RunFilter::default(),
            Pick::default(),
            Some("04ab"),
            &plan(),
        )
        .unwrap();
        let series = &found.items[0];
        assert_eq!(series.points, 16);
        let indexes: Vec<usize> = series.change_points.iter().map(|c| c.point.index).collect();
        assert_eq!(indexes, [6], "the step at the 11th run, 6th since");
        assert_eq!(series.change_points[0].run_id, Some(11));
        // A commit not in the history leaves the series out: nothing picked, so a note.
        let none = detect_recorded(
            &store,
            &RunFilter::default(),
            Pick::default(),
            Some("ffff"),
            &plan(),
        )
        .unwrap();
        assert!(none.items.is_empty() && none.missed());
    }

    #[test]
    fn each_device_is_its_own_series_named_when_not_cpu() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_of(dir.path(), "cpu", &[1.0; 6]);
        for i in 0..6 {
            store.record(&report_of("cuda", i, 2.0)).unwrap();
        }
        let found = detect_recorded(
            &store,
            &RunFilter::default(),
            Pick::default(),
            None,
            &plan(),
        )
        .unwrap();
        let names: Vec<(&str, Option<&str>, usize)> = found
            .items
            .iter()
            .map(|s| (s.name.as_str(), s.device.as_deref(), s.points))
            .collect();
        assert_eq!(
            names,
            [
                ("sort 10k wall_time", Some("cpu"), 6),
                ("sort 10k wall_time @cuda", Some("cuda"), 6)
            ]
        );
        assert!(found.items.iter().all(|s| s.change_points.is_empty()));
    }

    #[test]
    fn picks_take_globs_or_a_name_and_say_when_they_miss() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), "cpu", &[1.0, 2.0, 3.0]);
        let filter = RunFilter {
            limit: Some(2),
            ..RunFilter::default()
        };
        let pick = |bench, metric| Pick { bench, metric };
        let glob = histories(
            &store,
            &filter,
            pick(Some("sort*"), Some(MetricPick::Glob("wall*"))),
        )
        .unwrap();
        let [series] = &glob.items[..] else {
            panic!("one series");
        };
        let medians: Vec<f64> = series.points.iter().map(|p| p.summary.median).collect();
        assert_eq!(medians, [3.0, 2.0], "the newest 2, newest first");
        let named = histories(
            &store,
            &filter,
            pick(None, Some(MetricPick::Named("wall*"))),
        )
        .unwrap();
        assert!(named.items.is_empty() && named.missed());
        let other = histories(&store, &filter, pick(Some("fib*"), None)).unwrap();
        assert!(other.missed());
        let empty = tempfile::tempdir().unwrap();
        let nothing = histories(
            &store_of(empty.path(), "cpu", &[]),
            &filter,
            Pick::default(),
        )
        .unwrap();
        assert!(
            nothing.items.is_empty() && !nothing.missed(),
            "an empty history is no miss"
        );
    }

    #[test]
    fn the_latest_report_is_the_newest_run_of_the_filter() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), "cpu", &[1.0, 2.0]);
        let latest = latest_report(&store, &RunFilter::default())
            .unwrap()
            .unwrap();
        assert_eq!(latest.benchmarks[0].metrics[0].summary.median, 2.0);
        let elsewhere = RunFilter {
            device: Some("cuda".into()),
            ..RunFilter::default()
        };
        assert!(latest_report(&store, &elsewhere).unwrap().is_none());
    }

    #[test]
    fn given_series_parse_from_csv_and_json_and_keep_their_names() {
        let csv = "index,value\n0,1.5\n\n1, 2\n";
        assert_eq!(
            parse_series(csv).unwrap(),
            [("series".into(), vec![1.5, 2.0])]
        );
        assert_eq!(
            parse_series(" [1, 2.5]").unwrap(),
            [("series".into(), vec![1.0, 2.5])]
        );
        let named = parse_series(r#"{"b": [3], "a": [1, 2]}"#).unwrap();
        let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        for (text, error) in [
            ("0,1\n1,x\n", "line 2: expected `index,value`, got `1,x`"),
            ("[1, \"2\"]", "series[1]: not a finite number"),
            (r#"{"a": 1}"#, "a: not an array of numbers"),
            ("[1,\n", "line 2: not JSON"),
        ] {
            let e = parse_series(text).unwrap_err();
            assert!(e.starts_with(error), "{text:?}: {e}");
        }
        let given = detect_given(vec![("s".into(), stepped())], &plan());
        assert_eq!(given[0].points, 20);
        let indexes: Vec<usize> = given[0]
            .change_points
            .iter()
            .map(|c| c.point.index)
            .collect();
        assert_eq!(indexes, [10]);
        assert_eq!(given[0].change_points[0].run_id, None);
    }
}
