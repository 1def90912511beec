//! `perfgate detect`: change points in the recorded history of each metric (this machine,
//! per device, optionally one branch and since a revision), or in series from a file.
//! Reports; never gates (exit 0), 2 on bad input.

use std::path::Path;

use super::{common, print_stdout};
use crate::cli::{DetectArgs, Format};
use crate::context;
use crate::error::{Error, ExitStatus, Result};
use crate::model::threshold::glob_match;
use crate::render::human::{format_pct, format_value};
use crate::render::markdown::escape;
use crate::stats::changepoint::{detect as find, ChangePoint, DetectOptions};
use crate::store::{HistoryPoint, RunFilter, Store};

/// The JSON document (`--format json`), a stable interface for scripts and the evaluation:
/// `{"method": ..., "series": [{"name", "points", "change_points": [{"index", "direction",
/// "change_pct", "ci95_pct", "p_value", ...}]}]}`.
#[derive(serde::Serialize)]
struct Document<'a> {
    method: &'static str,
    options: &'a DetectOptions,
    series: &'a [Found],
}

#[derive(serde::Serialize)]
struct Found {
    /// The key of a series from a file; `benchmark metric` (and `@device` when not cpu) from
    /// the store.
    name: String,
    benchmark: Option<String>,
    metric: Option<String>,
    device: Option<String>,
    unit: Option<String>,
    points: usize,
    change_points: Vec<Change>,
}

#[derive(serde::Serialize)]
struct Change {
    #[serde(flatten)]
    point: ChangePoint,
    /// `up` (the value grew: slower or bigger for most metrics) or `down`.
    direction: &'static str,
    run_id: Option<i64>,
    commit: Option<String>,
    timestamp_utc: Option<String>,
}

pub fn detect(args: DetectArgs) -> Result<ExitStatus> {
    let config = common::optional_config(None)?;
    let opts = options(&args, config.as_ref())?;
    let found = match &args.input {
        Some(path) => from_file(path, &opts)?,
        None => from_store(&args, config.as_ref(), &opts)?,
    };
    let text = match args.format {
        Format::Json => {
            let doc = Document {
                method: METHOD,
                options: &opts,
                series: &found,
            };
            serde_json::to_string_pretty(&doc).expect("serializes") + "\n"
        }
        Format::Human | Format::Md => human(&found, &opts, args.format == Format::Md),
    };
    print_stdout(&text)?;
    Ok(ExitStatus::Pass)
}

/// `[detect]` of the config (the defaults without one), overridden by the command line.
fn options(args: &DetectArgs, config: Option<&crate::config::Config>) -> Result<DetectOptions> {
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

fn from_store(
    args: &DetectArgs,
    config: Option<&crate::config::Config>,
    opts: &DetectOptions,
) -> Result<Vec<Found>> {
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
    let machine = context::machine().id;
    let base = RunFilter {
        suite: config.map(|c| c.suite.clone()),
        machine_id: Some(machine),
        branch: args.branch.clone(),
        ..Default::default()
    };
    let devices: std::collections::BTreeSet<String> =
        store.runs(&base)?.into_iter().map(|r| r.device).collect();
    let since = match &args.since {
        Some(rev) => Some(resolve(rev)?),
        None => None,
    };
    let mut out = Vec::new();
    let mut any_recorded = std::collections::BTreeSet::new();
    for device in devices {
        let filter = RunFilter {
            device: Some(device.clone()),
            ..base.clone()
        };
        let recorded = store.series(&filter)?;
        any_recorded.extend(recorded.iter().cloned());
        for (bench, metric) in recorded {
            if args
                .bench
                .as_deref()
                .is_some_and(|g| !glob_match(g, &bench))
                || args
                    .metric
                    .as_deref()
                    .is_some_and(|m| !glob_match(m, &metric))
            {
                continue;
            }
            let mut points: Vec<HistoryPoint> = store.metric_history(&filter, &bench, &metric)?;
            points.reverse();
            if let Some(rev) = &since {
                match points.iter().position(|p| {
                    p.run
                        .git
                        .as_ref()
                        .is_some_and(|g| g.commit.starts_with(rev.as_str()))
                }) {
                    Some(i) => {
                        points.drain(..i);
                    }
                    None => continue,
                }
            }
            let values: Vec<f64> = points.iter().map(|p| p.summary.median).collect();
            let changes: Vec<Change> = find(&values, opts)
                .into_iter()
                .map(|cp| {
                    let p = &points[cp.index];
                    Change {
                        direction: direction(&cp),
                        run_id: Some(p.run.id),
                        commit: p.run.git.as_ref().map(|g| g.commit.clone()),
                        timestamp_utc: Some(p.run.timestamp_utc.clone()),
                        point: cp,
                    }
                })
                .collect();
            let unit = points.first().map(|p| p.unit.clone());
            let name = if device == "cpu" {
                format!("{bench} {metric}")
            } else {
                format!("{bench} {metric} @{device}")
            };
            out.push(Found {
                name,
                benchmark: Some(bench),
                metric: Some(metric),
                device: Some(device.clone()),
                unit,
                points: values.len(),
                change_points: changes,
            });
        }
    }
    if out.is_empty() && !any_recorded.is_empty() {
        let recorded: Vec<(String, String)> = any_recorded.into_iter().collect();
        common::note_no_match(args.bench.as_deref(), args.metric.as_deref(), &recorded);
    }
    Ok(out)
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
fn from_file(path: &Path, opts: &DetectOptions) -> Result<Vec<Found>> {
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
        .map(|(name, values)| Found {
            change_points: find(&values, opts)
                .into_iter()
                .map(|point| Change {
                    direction: direction(&point),
                    point,
                    run_id: None,
                    commit: None,
                    timestamp_utc: None,
                })
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

const METHOD: &str = "rank-based segmentation: whole-segment splits (max-statistic permutation test), a windowed rank scan (false alarms per 100 points under alpha), bumps; drift passed over";

fn direction(cp: &ChangePoint) -> &'static str {
    if cp.after >= cp.before {
        "up"
    } else {
        "down"
    }
}

fn human(found: &[Found], opts: &DetectOptions, md: bool) -> String {
    let mut out = String::new();
    let with = found.iter().filter(|f| !f.change_points.is_empty()).count();
    for f in found.iter().filter(|f| !f.change_points.is_empty()) {
        let name = &f.name;
        let unit = f.unit.as_deref().unwrap_or("");
        out.push_str(&if md {
            format!("- **{}**\n", escape(name))
        } else {
            format!(
                "{} ({} points)\n",
                crate::render::safe::one_line(name),
                f.points
            )
        });
        for c in &f.change_points {
            let p = &c.point;
            let at = match (&c.commit, c.run_id) {
                (Some(commit), _) => format!("commit {}", &commit[..commit.len().min(12)]),
                (None, Some(id)) => format!("run {id}"),
                _ => format!("point {}", p.index),
            };
            out.push_str(&format!(
                "{}  from {at}{}: {} -> {} ({}{}, p = {:.3})\n",
                if md { "  -" } else { " " },
                c.timestamp_utc
                    .as_deref()
                    .map_or(String::new(), |t| format!(" ({t})")),
                format_value(p.before, unit),
                format_value(p.after, unit),
                format_pct(p.change_pct),
                p.shift_pct
                    .zip(p.ci95_pct)
                    .map_or(String::new(), |(s, [a, b])| format!(
                        "; shift {}, 95% CI {} .. {}",
                        format_pct(s),
                        format_pct(a),
                        format_pct(b)
                    )),
                p.p_value
            ));
        }
    }
    out.push_str(&format!(
        "{with} of {} series have change points (rank tests at alpha {}, steps of {}% or more judged against {} points on each side, at least {} points per level)\n",
        found.len(),
        opts.alpha,
        opts.min_change_pct,
        opts.window,
        opts.min_segment,
    ));
    out
}
