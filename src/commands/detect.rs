//! `perfgate detect`: change points in the recorded history of each metric (this machine,
//! per device, optionally one branch and since a revision), or in series from a file.
//! Reports; never gates (exit 0), 2 on bad input. Glue: the series in, the detector of
//! [`crate::stats::changepoint`], out through [`crate::render::detect`].

use std::collections::BTreeSet;
use std::path::Path;

use super::{common, print_stdout};
use crate::cli::{DetectArgs, Format};
use crate::config::Config;
use crate::context;
use crate::error::{Error, ExitStatus, Result};
use crate::model::threshold::glob_match;
use crate::render::detect::{self as render, Change, Series};
use crate::stats::changepoint::{detect as find, DetectOptions};
use crate::store::{HistoryPoint, RunFilter, Store};

pub fn detect(args: DetectArgs) -> Result<ExitStatus> {
    let config = common::optional_config(None)?;
    let opts = options(&args, config.as_ref())?;
    let found = match &args.input {
        Some(path) => from_file(path, &opts)?,
        None => from_store(&args, config.as_ref(), &opts)?,
    };
    let text = match args.format {
        Format::Json => render::json(&found, &opts),
        Format::Human | Format::Md => render::text(&found, &opts, args.format == Format::Md),
    };
    print_stdout(&text)?;
    Ok(ExitStatus::Pass)
}

/// `[detect]` of the config (the defaults without one), overridden by the command line.
fn options(args: &DetectArgs, config: Option<&Config>) -> Result<DetectOptions> {
    let from_config = config.map(|c| c.detect.clone()).unwrap_or_default();
    let opts = DetectOptions {
        alpha: args.alpha.unwrap_or(from_config.alpha),
        min_change_pct: args.min_change.unwrap_or(from_config.min_change_pct),
        window: args.window.unwrap_or(from_config.window),
        ..from_config
    };
    if let Err(e) = crate::config::detect::check(&opts) {
        let flag = match e.key {
            "alpha" => "--alpha",
            "min_change_pct" => "--min-change",
            _ => "--window",
        };
        return Err(Error::Usage(format!("{flag} {}: must {}", e.value, e.must)));
    }
    Ok(opts)
}

/// Every selected series recorded on this machine (per device), with its change points.
fn from_store(
    args: &DetectArgs,
    config: Option<&Config>,
    opts: &DetectOptions,
) -> Result<Vec<Series>> {
    common::check_pattern("--bench", args.bench.as_deref())?;
    common::check_pattern("--metric", args.metric.as_deref())?;
    let path = common::store_path(&args.store, config);
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "no history store at {}",
            path.display()
        )));
    }
    let store = common::open_store_read(&path)?;
    let base = RunFilter {
        suite: config.map(|c| c.suite.clone()),
        machine_id: Some(context::machine().id),
        branch: args.branch.clone(),
        ..Default::default()
    };
    let since = args.since.as_deref().map(resolve).transpose()?;
    let devices: BTreeSet<String> = store.runs(&base)?.into_iter().map(|r| r.device).collect();
    let mut out = Vec::new();
    let mut any_recorded = BTreeSet::new();
    for device in devices {
        let filter = RunFilter {
            device: Some(device.clone()),
            ..base.clone()
        };
        let recorded = store.series(&filter)?;
        any_recorded.extend(recorded.iter().cloned());
        for (bench, metric) in recorded.into_iter().filter(|(b, m)| selected(args, b, m)) {
            let points = store.metric_history(&filter, &bench, &metric)?;
            if let Some(points) = oldest_first_since(points, since.as_deref()) {
                out.push(recorded_series(&points, bench, metric, &device, opts));
            }
        }
    }
    if out.is_empty() && !any_recorded.is_empty() {
        let recorded: Vec<(String, String)> = any_recorded.into_iter().collect();
        common::note_no_match(args.bench.as_deref(), args.metric.as_deref(), &recorded);
    }
    Ok(out)
}

/// Whether `--bench` and `--metric` (when given) select the series.
fn selected(args: &DetectArgs, bench: &str, metric: &str) -> bool {
    args.bench.as_deref().is_none_or(|g| glob_match(g, bench))
        && args.metric.as_deref().is_none_or(|m| glob_match(m, metric))
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
fn recorded_series(
    points: &[HistoryPoint],
    bench: String,
    metric: String,
    device: &str,
    opts: &DetectOptions,
) -> Series {
    let values: Vec<f64> = points.iter().map(|p| p.summary.median).collect();
    let change_points = find(&values, opts)
        .into_iter()
        .map(|cp| {
            let run = &points[cp.index].run;
            Change::at(cp, Some(run))
        })
        .collect();
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

/// A recorded commit prefix, or what git resolves `rev` to.
fn resolve(rev: &str) -> Result<String> {
    if rev.len() >= 4 && rev.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(rev.to_lowercase());
    }
    crate::git::commit_of(rev)?
        .ok_or_else(|| Error::Usage(format!("--since {rev}: not a commit git knows")))
}

/// Series from a file: CSV `index,value` lines (a header line is allowed), a JSON array of
/// numbers, or a JSON object of named arrays.
fn from_file(path: &Path, opts: &DetectOptions) -> Result<Vec<Series>> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    let series: Vec<(String, Vec<f64>)> = if text.trim_start().starts_with(['[', '{']) {
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::input(path, format!("line {}: not JSON: {e}", e.line())))?;
        let numbers = |name: &str, v: &serde_json::Value| -> Result<Vec<f64>> {
            v.as_array()
                .ok_or_else(|| Error::input(path, format!("{name}: not an array of numbers")))?
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    x.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                        Error::input(path, format!("{name}[{i}]: not a finite number"))
                    })
                })
                .collect()
        };
        match &v {
            serde_json::Value::Object(m) => m
                .iter()
                .map(|(k, x)| Ok((k.clone(), numbers(k, x)?)))
                .collect::<Result<_>>()?,
            other => vec![("series".to_string(), numbers("series", other)?)],
        }
    } else {
        let mut values = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || (i == 0 && line.chars().any(|c| c.is_ascii_alphabetic())) {
                continue;
            }
            let value = line
                .split_once(',')
                .and_then(|(_, v)| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    Error::input(
                        path,
                        format!("line {}: expected `index,value`, got `{line}`", i + 1),
                    )
                })?;
            values.push(value);
        }
        vec![("series".to_string(), values)]
    };
    Ok(series
        .into_iter()
        .map(|(name, values)| Series {
            change_points: find(&values, opts)
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
        .collect())
}
