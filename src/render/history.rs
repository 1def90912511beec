//! `perfgate history`: recorded runs, per metric its median and its change from the run
//! before, as a terminal table, CSV, or JSON (`schema/history.schema.json`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::human::{format_pct, format_value};
use super::safe::{csv_quoted, csv_text, one_line};
use super::style::table as aligned;
use crate::model::history::{HistoryPoint, RunInfo};
use crate::model::Selection;

/// One point of a metric's history as the history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub point: HistoryPoint,
    /// The median's change from the run before, in percent; `None` for the oldest point, or
    /// when the median before was 0.
    pub change_pct: Option<f64>,
}

/// The lines of one metric's history, `points` newest first (as the store returns them): the
/// run before a point is the next one in the list.
pub fn lines(points: &[HistoryPoint]) -> Vec<Line> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| Line {
            change_pct: points
                .get(i + 1)
                .filter(|prev| prev.summary.median != 0.0)
                .map(|prev| (p.summary.median / prev.summary.median - 1.0) * 100.0),
            point: p.clone(),
        })
        .collect()
}

/// A table per series (benchmark, metric), in the order of `series`.
pub fn table(series: &[(String, String)], lines: &[Line]) -> String {
    if series.is_empty() {
        return "no recorded runs match (perfgate check records them)\n".to_string();
    }
    let mut out = String::new();
    for (bench, metric) in series {
        let mine: Vec<&Line> = lines
            .iter()
            .filter(|l| &l.point.benchmark == bench && &l.point.metric == metric)
            .collect();
        let Some(first) = mine.first() else { continue };
        out.push_str(&format!(
            "{} {} ({})\n",
            one_line(bench),
            one_line(metric),
            one_line(&first.point.unit)
        ));
        let mut rows = vec![[
            "run", "date", "commit", "branch", "machine", "median", "change", "verdict", "subset",
        ]
        .map(String::from)
        .to_vec()];
        // A store's text is anyone's: shown on one line, its escapes escaped.
        rows.extend(mine.iter().map(|l| {
            table_row(l)
                .iter()
                .map(|c| one_line(c).into_owned())
                .collect()
        }));
        out.push_str(&aligned(&rows, &[0, 5, 6]));
        out.push('\n');
    }
    out
}

fn table_row(l: &Line) -> Vec<String> {
    let run = &l.point.run;
    let git = run.git.as_ref();
    let mut commit = git.map_or("-".to_string(), |g| g.commit.chars().take(10).collect());
    if git.is_some_and(|g| g.dirty) {
        commit.push('*');
    }
    vec![
        run.id.to_string(),
        run.timestamp_utc.clone(),
        commit,
        git.and_then(|g| g.branch.clone())
            .unwrap_or_else(|| "-".into()),
        run.machine_id.clone(),
        format_value(l.point.summary.median, &l.point.unit),
        l.change_pct.map_or("-".to_string(), format_pct),
        l.point.verdict.clone().unwrap_or_else(|| "-".into()),
        run.selection
            .as_ref()
            .map_or("-".to_string(), super::super::model::Selection::describe),
    ]
}

/// A line per point, under a header.
pub fn csv(lines: &[Line]) -> String {
    let mut out = String::from("run_id,timestamp_utc,commit,branch,dirty,machine_id,device,benchmark,metric,unit,n,median,mean,p95,change_pct,gate,verdict,selection\n");
    for l in lines {
        out.push_str(&csv_fields(l).join(","));
        out.push('\n');
    }
    out
}

fn csv_fields(l: &Line) -> [String; 18] {
    let r = &l.point.run;
    let s = &l.point.summary;
    let git = r.git.as_ref();
    // Text that came from outside (names, branches, units) cannot run as a formula in a
    // spreadsheet; numbers perfgate wrote (a change of -3.5) are kept as they are.
    [
        csv_quoted(&r.id.to_string()),
        csv_text(&r.timestamp_utc),
        csv_text(&git.map_or(String::new(), |g| g.commit.clone())),
        csv_text(&git.and_then(|g| g.branch.clone()).unwrap_or_default()),
        csv_quoted(&git.map_or(String::new(), |g| g.dirty.to_string())),
        csv_text(&r.machine_id),
        csv_text(&r.device),
        csv_text(&l.point.benchmark),
        csv_text(&l.point.metric),
        csv_text(&l.point.unit),
        csv_quoted(&s.n.to_string()),
        csv_quoted(&s.median.to_string()),
        csv_quoted(&s.mean.to_string()),
        csv_quoted(&s.p95.to_string()),
        csv_quoted(&l.change_pct.map_or(String::new(), |c| c.to_string())),
        csv_text(&r.gate.clone().unwrap_or_default()),
        csv_text(&l.point.verdict.clone().unwrap_or_default()),
        csv_text(
            &r.selection
                .as_ref()
                .map_or(String::new(), super::super::model::Selection::describe),
        ),
    ]
}

/// A run of the JSON document (`schema/history.schema.json`).
#[derive(Serialize)]
struct JsonRun {
    id: i64,
    timestamp_utc: String,
    commit: Option<String>,
    branch: Option<String>,
    dirty: Option<bool>,
    machine_id: String,
    device: String,
    /// What the gate of the `check` that recorded the run said (`pass`/`warn`/`fail`); null
    /// when it was recorded without one.
    gate: Option<String>,
    /// The `--tag`/`--filter` subset; null for the whole suite.
    selection: Option<Selection>,
    metrics: Vec<JsonMetric>,
}

#[derive(Serialize)]
struct JsonMetric {
    benchmark: String,
    metric: String,
    unit: String,
    n: usize,
    median: f64,
    mean: f64,
    p95: f64,
    change_pct: Option<f64>,
    verdict: Option<String>,
}

/// The runs, newest first, each with its metrics' lines: an array of runs.
pub fn json(runs: &[RunInfo], lines: &[Line]) -> String {
    let mut by_run: BTreeMap<i64, Vec<JsonMetric>> = BTreeMap::new();
    for l in lines {
        by_run.entry(l.point.run.id).or_default().push(JsonMetric {
            benchmark: l.point.benchmark.clone(),
            metric: l.point.metric.clone(),
            unit: l.point.unit.clone(),
            n: l.point.summary.n,
            median: l.point.summary.median,
            mean: l.point.summary.mean,
            p95: l.point.summary.p95,
            change_pct: l.change_pct,
            verdict: l.point.verdict.clone(),
        });
    }
    let out: Vec<JsonRun> = runs
        .iter()
        .map(|r| JsonRun {
            id: r.id,
            timestamp_utc: r.timestamp_utc.clone(),
            commit: r.git.as_ref().map(|g| g.commit.clone()),
            branch: r.git.as_ref().and_then(|g| g.branch.clone()),
            dirty: r.git.as_ref().map(|g| g.dirty),
            machine_id: r.machine_id.clone(),
            device: r.device.clone(),
            gate: r.gate.clone(),
            selection: r.selection.clone(),
            metrics: by_run.remove(&r.id).unwrap_or_default(),
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&out).expect("history serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, GitInfo};

    fn point(id: i64, median: f64) -> HistoryPoint {
        HistoryPoint {
            run: RunInfo {
                id,
                suite: "s".into(),
                timestamp_utc: format!("2026-01-0{id}T00:00:00Z"),
                git: Some(GitInfo {
                    commit: "0123456789abcdef0123".into(),
                    branch: None,
                    dirty: true,
                }),
                machine_id: "m".into(),
                testbed: "m".into(),
                hostname: "h".into(),
                device: "cpu".into(),
                config_sha256: "c".into(),
                tool_version: "0".into(),
                gate: None,
                selection: None,
            },
            benchmark: "parse".into(),
            metric: "wall_time".into(),
            unit: "s".into(),
            direction: Direction::LowerIsBetter,
            summary: crate::stats::summarize(&[median]),
            verdict: Some("stable".into()),
        }
    }

    #[test]
    fn each_line_changes_from_the_run_before_it() {
        // Newest first; a change from 0 has no percentage.
        let l = lines(&[point(3, 3.0), point(2, 2.0), point(1, 0.0)]);
        let changes: Vec<Option<f64>> = l.iter().map(|l| l.change_pct).collect();
        assert_eq!(changes, [Some(50.0), None, None]);
    }

    #[test]
    fn the_table_shows_a_dirty_commit_short_and_the_json_every_run() {
        let series = [("parse".to_string(), "wall_time".to_string())];
        let l = lines(&[point(2, 2.0), point(1, 1.0)]);
        let t = table(&series, &l);
        assert!(t.starts_with("parse wall_time (s)\n"), "{t}");
        assert!(t.contains("0123456789* "), "{t}");
        assert!(t.contains("+100.0%"), "{t}");
        let runs: Vec<RunInfo> = [3, 2, 1].map(|i| point(i, 1.0).run).to_vec();
        let doc: serde_json::Value = serde_json::from_str(&json(&runs, &l)).unwrap();
        assert_eq!(doc[0]["metrics"], serde_json::json!([]), "{doc}");
        assert_eq!(doc[1]["metrics"][0]["change_pct"], 100.0, "{doc}");
        assert_eq!(doc[2]["dirty"], true, "{doc}");
    }
}
