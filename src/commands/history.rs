//! `perfgate history`: recorded runs, per metric its median and change from the run before;
//! and `perfgate trend`: the trend artifact. Glue: the store's history through
//! [`crate::engine`], rendered by [`crate::render::history`] (`history`), or the latest run
//! judged by the engine and built into [`crate::gate::trend`]'s artifact (`trend`).

use super::check::history_points;
use super::common;
use super::print_stdout;
use crate::cli::{HistoryArgs, HistoryFormat, TrendArgs};
use crate::config::Config;
use crate::context;
use crate::engine;
use crate::error::{Error, ExitStatus, Result};
use crate::gate::trend;
use crate::model::file::write_json;
use crate::model::{Machine, Report};
use crate::plan::GatePolicy;
use crate::render::history as render;
use crate::store::{RunFilter, RunInfo, Store};

pub fn history(a: HistoryArgs) -> Result<ExitStatus> {
    common::check_pattern("--bench", a.bench.as_deref())?;
    common::check_pattern("--metric", Some(&a.metric))?;
    let config = common::optional_config(a.config.as_deref())?;
    let store = common::open_store_read(&common::store_path(&a.store, config.as_ref()))?;
    let filter = a.runs(config.as_ref());
    let found = engine::histories(&store, &filter, a.pick())?;
    if found.missed() {
        common::note_no_match(a.bench.as_deref(), Some(&a.metric), &found.recorded);
    }
    let series: Vec<(String, String)> = found
        .items
        .iter()
        .map(|s| (s.benchmark.clone(), s.metric.clone()))
        .collect();
    let lines: Vec<_> = found
        .items
        .iter()
        .flat_map(|s| render::lines(&s.points))
        .collect();
    let text = match a.format {
        HistoryFormat::Table => render::table(&series, &lines),
        HistoryFormat::Csv => render::csv(&lines),
        HistoryFormat::Json => render::json(&store.runs(&filter)?, &lines),
    };
    print_stdout(&text)?;
    Ok(ExitStatus::Pass)
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
    let runs = store.runs(&RunFilter {
        suite: Some(suite.clone()),
        testbed: Some(machine.id.clone()),
        device: Some(a.device.clone()),
        limit: Some(2),
        ..Default::default()
    })?;
    let Some(latest) = runs.first() else {
        return Err(Error::Usage(format!(
            "no recorded runs of suite `{suite}`, device `{}` on this machine: run `perfgate check` first",
            a.device
        )));
    };
    let current = store.report(latest.id)?;
    let (baseline, notes) = trend_baseline(&a, config.as_ref(), &store, &current, &runs, &machine)?;
    // The config's thresholds, nothing from a command line.
    let policy = GatePolicy {
        config_rules: config.map(|c| c.thresholds).unwrap_or_default(),
        ..GatePolicy::default()
    };
    let mut comparison = engine::judge(&baseline, &current, &policy);
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

/// What the latest run (`current`, the first of `runs`) is compared with: the baseline
/// `check` would use; without one the run before it (saying so in a note); without that,
/// nothing (every metric new).
fn trend_baseline(
    a: &TrendArgs,
    config: Option<&Config>,
    store: &dyn Store,
    current: &Report,
    runs: &[RunInfo],
    machine: &Machine,
) -> Result<(Report, Vec<String>)> {
    let resolved = common::resolve_baseline(
        a.baseline.as_deref(),
        config,
        store,
        &current.suite,
        &a.device,
        &machine.id,
    )?;
    if let Some(r) = resolved {
        common::check_same_machine(&r.report, &r.source.describe(), machine, false)?;
        return Ok((r.report, Vec::new()));
    }
    Ok(match runs.get(1) {
        Some(prev) => (
            store.report(prev.id)?,
            vec![format!(
                "no baseline: compared with the previous run ({})",
                prev.id
            )],
        ),
        None => (
            Report {
                benchmarks: Vec::new(),
                ..current.clone()
            },
            Vec::new(),
        ),
    })
}
