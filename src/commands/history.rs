//! `perfgate history`: recorded runs, per metric its median and change from the run before;
//! and `perfgate trend`: the trend artifact.

use std::collections::BTreeMap;

use serde::Serialize;

use super::check::history_points;
use super::common;
use super::compare::compare_options;
use super::print_stdout;
use crate::cli::{GateArgs, HistoryArgs, HistoryFormat, TrendArgs};
use crate::context;
use crate::error::{Error, ExitStatus, Result};
use crate::gate::trend;
use crate::gate::{self};
use crate::model::file::write_json;
use crate::model::threshold::glob_match;
use crate::model::Report;
use crate::render::human::{format_pct, format_value};
use crate::render::safe::{csv_quoted, csv_text, one_line};
use crate::render::style::table;
use crate::store::{HistoryPoint, RunFilter, Store};

pub fn history(a: HistoryArgs) -> Result<ExitStatus> {
    common::check_pattern("--bench", a.bench.as_deref())?;
    common::check_pattern("--metric", Some(&a.metric))?;
    let config = common::optional_config(a.config.as_deref())?;
    let store = common::open_store_read(&common::store_path(&a.store, config.as_ref()))?;
    let filter = RunFilter {
        suite: a
            .suite
            .clone()
            .or_else(|| config.as_ref().map(|c| c.suite.clone())),
        machine_id: (!a.all_machines).then(|| context::machine().id),
        device: a.device.clone(),
        branch: a.branch.clone(),
        limit: Some(a.last),
    };
    let recorded = store.series(&filter)?;
    let series: Vec<(String, String)> = recorded
        .iter()
        .filter(|(b, m)| {
            a.bench.as_deref().is_none_or(|g| glob_match(g, b)) && glob_match(&a.metric, m)
        })
        .cloned()
        .collect();
    if series.is_empty() && !recorded.is_empty() {
        common::note_no_match(a.bench.as_deref(), Some(&a.metric), &recorded);
    }
    let mut lines: Vec<Line> = Vec::new();
    for (bench, metric) in &series {
        let points = store.metric_history(&filter, bench, metric)?;
        // Newest first: the run before a point is the next one in the list.
        for (i, p) in points.iter().enumerate() {
            let change_pct = points
                .get(i + 1)
                .filter(|prev| prev.summary.median != 0.0)
                .map(|prev| (p.summary.median / prev.summary.median - 1.0) * 100.0);
            lines.push(Line {
                point: p.clone(),
                change_pct,
            });
        }
    }
    let text = match a.format {
        HistoryFormat::Table => render_table(&series, &lines),
        HistoryFormat::Csv => render_csv(&lines),
        HistoryFormat::Json => render_json(&store.runs(&filter)?, &lines),
    };
    print_stdout(&text)?;
    Ok(ExitStatus::Pass)
}

struct Line {
    point: HistoryPoint,
    change_pct: Option<f64>,
}

fn short(commit: Option<&str>) -> String {
    commit.map_or("-".to_string(), |c| c.chars().take(10).collect())
}

fn render_table(series: &[(String, String)], lines: &[Line]) -> String {
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
        for l in &mine {
            let run = &l.point.run;
            let git = run.git.as_ref();
            let mut commit = short(git.map(|g| g.commit.as_str()));
            if git.is_some_and(|g| g.dirty) {
                commit.push('*');
            }
            let row = vec![
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
                    .map_or("-".to_string(), |s| s.describe()),
            ];
            // A store's text is anyone's: shown on one line, its escapes escaped.
            rows.push(row.iter().map(|c| one_line(c).into_owned()).collect());
        }
        out.push_str(&table(&rows, &[0, 5, 6]));
        out.push('\n');
    }
    out
}

fn render_csv(lines: &[Line]) -> String {
    let mut out = String::from("run_id,timestamp_utc,commit,branch,dirty,machine_id,device,benchmark,metric,unit,n,median,mean,p95,change_pct,gate,verdict,selection\n");
    for l in lines {
        let r = &l.point.run;
        let s = &l.point.summary;
        let git = r.git.as_ref();
        // Text that came from outside (names, branches, units) cannot run as a formula in a
        // spreadsheet; numbers perfgate wrote (a change of -3.5) are kept as they are.
        let fields = [
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
            csv_text(&r.selection.as_ref().map_or(String::new(), |s| s.describe())),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

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
    selection: Option<crate::model::Selection>,
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

fn render_json(runs: &[crate::store::RunInfo], lines: &[Line]) -> String {
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

pub fn trend(a: TrendArgs) -> Result<ExitStatus> {
    let config = common::optional_config(a.config.as_deref())?;
    let store = common::open_store_read(&common::store_path(&a.store, config.as_ref()))?;
    let suite = a
        .suite
        .clone()
        .or_else(|| config.as_ref().map(|c| c.suite.clone()))
        .ok_or_else(|| {
            Error::Usage(
                "which suite? pass --suite, or run from a directory with a perfgate.toml".into(),
            )
        })?;
    let machine = context::machine();
    let filter = RunFilter {
        suite: Some(suite.clone()),
        machine_id: Some(machine.id.clone()),
        device: Some(a.device.clone()),
        limit: Some(2),
        ..Default::default()
    };
    let runs = store.runs(&filter)?;
    let Some(latest) = runs.first() else {
        return Err(Error::Usage(format!(
            "no recorded runs of suite `{suite}`, device `{}` on this machine: run `perfgate check` first",
            a.device
        )));
    };
    let current = store.report(latest.id)?;
    let resolved = common::resolve_baseline(
        a.baseline.as_deref(),
        config.as_ref(),
        &store,
        &suite,
        &a.device,
        &machine,
    )?;
    let mut notes = Vec::new();
    let baseline = match resolved {
        Some(r) => {
            common::check_same_machine(&r.report, &r.source.describe(), &machine, false)?;
            r.report
        }
        None => match runs.get(1) {
            Some(prev) => {
                notes.push(format!(
                    "no baseline: compared with the previous run ({})",
                    prev.id
                ));
                store.report(prev.id)?
            }
            None => Report {
                benchmarks: Vec::new(),
                ..current.clone()
            },
        },
    };
    let gate_args = GateArgs {
        threshold_pct: None,
        format: crate::cli::Format::Json,
        summary: None,
        trend_output: None,
        fail_on_regression: false,
        allow_other_machine: false,
        fdr: Default::default(),
    };
    let opts = compare_options(&gate_args, config.map(|c| c.thresholds).unwrap_or_default())?;
    let mut comparison = gate::compare(&baseline, &current, &opts);
    comparison.notes.extend(notes);
    let artifact = trend::build(&comparison, |b, m| {
        history_points(&store, &suite, &machine.id, b, m, a.last)
    });
    write_json(&a.output, &artifact)?;
    print_stdout(&format!(
        "wrote {}: {} ({} metrics, {} failed), run {} against its baseline, up to {} history points each\n",
        a.output.display(),
        artifact.overall_status.as_str(),
        artifact.total_metrics,
        artifact.failed_metrics,
        latest.id,
        a.last
    ))?;
    Ok(ExitStatus::Pass)
}
