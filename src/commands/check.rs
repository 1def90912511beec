//! `perfgate check`: run + compare with this machine's baseline + record, in one command.
//! Bootstraps a missing baseline; `cpu` is always checked, other devices when present.

use std::collections::BTreeSet;

use super::check_advice as advice;
use super::common::{self, BaselineSource, Resolved};
use super::compare::{compare_options, output};
use super::{print_stderr, run};
use crate::cli::CheckArgs;
use crate::config::Config;
use crate::error::{Error, ExitStatus, Result};
use crate::gate::baseline;
use crate::gate::trend::TrendPoint;
use crate::gate::{self, Comparison, Overall};
use crate::model::file::write_json;
use crate::model::{BenchStatus, Report};
use crate::store::{BaselineKey, Judgement, MetricVerdict, RunFilter, RunId, Store};

pub fn check(args: CheckArgs) -> Result<ExitStatus> {
    if args.run.json_out.as_deref() == Some(std::path::Path::new("-")) {
        return Err(Error::Usage(
            "check prints its verdicts on stdout; give --json-out a file".into(),
        ));
    }
    if args.interleaved {
        return check_interleaved(&args);
    }
    let plan = run::plan_of(&args.run)?;
    let report = run::measure(&plan)?;
    let config = plan.config;
    if let Some(path) = &args.run.json_out {
        write_json(path, &report)?;
    }
    let store_path = common::store_path(&args.store, Some(&config));
    let mut store = common::open_store(&store_path)?;
    let mut merged: Option<Comparison> = None;
    let mut notes = Vec::new();
    let mut recorded = Vec::new();
    for device in devices(&report) {
        let part = device_report(&report, &device);
        if !ran_anything(&part) {
            notes.push(format!(
                "device `{device}`: nothing ran here ({} benchmark(s) skipped)",
                part.benchmarks.len()
            ));
            continue;
        }
        let (comparison, run) = check_device(&args, &config, &mut store, &part, &mut notes)?;
        recorded.push(run);
        merged = Some(match merged {
            None => comparison,
            Some(m) => m.merge(comparison),
        });
    }
    let Some(mut comparison) = merged else {
        return Err(Error::Usage(
            "nothing ran: every selected benchmark was skipped".into(),
        ));
    };
    comparison.notes.extend(notes);
    finish(&comparison, &args, &store, &report.machine.id, &recorded)
}

/// One device's recorded run, and what the advice on a failed gate needs to know of it.
pub(super) struct RecordedRun {
    pub id: RunId,
    pub device: String,
    /// The baseline it was compared with (`None`: it was bootstrapped).
    pub source: Option<BaselineSource>,
    pub gate_failed: bool,
}

/// Prints the comparison and its artifacts (trend points from the store), the exit status,
/// and on a failed gate what to do about it.
fn finish(
    comparison: &Comparison,
    args: &CheckArgs,
    store: &dyn Store,
    machine_id: &str,
    recorded: &[RecordedRun],
) -> Result<ExitStatus> {
    let status = output(comparison, &args.gate, |bench, metric| {
        history_points(store, &comparison.suite, machine_id, bench, metric, 100)
    })?;
    if status == ExitStatus::GateFailed {
        let hook = std::env::var("PERFGATE_HOOK").ok();
        print_stderr(&advice::blocked(
            comparison,
            args,
            recorded,
            hook.as_deref(),
        ));
    }
    Ok(status)
}

/// `--interleaved`: the baseline build and the candidate in alternation, compared with each
/// other (same rules as `compare`); the candidate's run is recorded with its verdicts, no
/// baseline moves.
fn check_interleaved(args: &CheckArgs) -> Result<ExitStatus> {
    let bins = [&args.baseline_bin, &args.candidate_bin].map(|b| b.as_deref().unwrap_or_default());
    let (plan, [baseline, current]) = run::measure_interleaved(&args.run, bins)?;
    let config = plan.config;
    if let Some(path) = &args.run.json_out {
        write_json(path, &current)?;
    }
    let opts = gate::CompareOptions {
        same_window: true,
        ..compare_options(&args.gate, config.thresholds.clone())?
    };
    let mut comparison = gate::compare(&baseline, &current, &opts);
    let store_path = common::store_path(&args.store, Some(&config));
    let mut store = common::open_store(&store_path)?;
    let judgement = judgement_of(&comparison);
    for device in devices(&current) {
        let part = device_report(&current, &device);
        if ran_anything(&part) {
            store.record_judged(&part, Some(&judgement))?;
        }
    }
    comparison.notes.push(format!(
        "interleaved: the baseline build `{}` and the candidate `{}` ran in alternation (ABBA/BAAB blocks per benchmark) in the same time window; the candidate's run was recorded",
        bins[0], bins[1]
    ));
    finish(&comparison, args, &store, &current.machine.id, &[])
}

/// Devices of the benchmarks that were selected: `cpu` first.
fn devices(report: &Report) -> Vec<String> {
    let set: BTreeSet<&str> = report
        .benchmarks
        .iter()
        .map(|b| b.device.as_str())
        .collect();
    let mut v: Vec<String> = set.into_iter().map(String::from).collect();
    v.sort_by_key(|d| (d != "cpu", d.clone()));
    v
}

fn device_report(report: &Report, device: &str) -> Report {
    Report {
        device: device.to_string(),
        benchmarks: report
            .benchmarks
            .iter()
            .filter(|b| b.device == device)
            .cloned()
            .collect(),
        ..report.clone()
    }
}

/// What the gate said, as the store keeps it: the overall status and each metric's verdict.
fn judgement_of(c: &Comparison) -> Judgement {
    Judgement {
        gate: c.overall_status.as_str().to_string(),
        verdicts: c
            .metrics
            .iter()
            .map(|m| MetricVerdict {
                benchmark: m.benchmark.clone(),
                metric: m.metric.clone(),
                verdict: m.status.as_str().to_string(),
            })
            .collect(),
    }
}

/// Compares one device's part of the run with its baseline, then records it with the
/// verdicts. The noise-aware thresholds are read before the run is recorded, and only from
/// runs that were not themselves judged a change, so a failed check cannot widen the
/// threshold of the next one.
fn check_device(
    args: &CheckArgs,
    config: &Config,
    store: &mut dyn Store,
    current: &Report,
    notes: &mut Vec<String>,
) -> Result<(Comparison, RecordedRun)> {
    let device = &current.device;
    let resolved = common::resolve_baseline(
        args.baseline.as_deref(),
        Some(config),
        store,
        &current.suite,
        device,
        &current.machine,
    )?;
    let mut opts = compare_options(&args.gate, config.thresholds.clone())?;
    opts.failures_are_warnings = device != "cpu" && !args.strict_gpu;
    opts.noise_rules = common::noise_rules(store, current)?;
    let Some(Resolved {
        report: baseline,
        source,
    }) = resolved
    else {
        return bootstrap(config, store, current, &opts, notes);
    };
    common::check_same_machine(
        &baseline,
        &source.describe(),
        &current.machine,
        args.gate.allow_other_machine,
    )?;
    let (compared_with, partial) = common::restrict_to_selection(baseline.clone(), current);
    notes.extend(partial);
    let comparison = gate::compare(&compared_with, current, &opts);
    let run_id = store.record_judged(current, Some(&judgement_of(&comparison)))?;
    let passed = comparison.passed();
    if args.update_baseline && passed {
        update_baseline(store, &source, &baseline, current, run_id)?;
        notes.push(format!(
            "`{device}` baseline moved forward to run {run_id} ({})",
            source.describe()
        ));
    } else if args.update_baseline {
        notes.push(format!(
            "`{device}` baseline NOT updated: the check did not pass (the advice below says how to accept run {run_id} anyway)"
        ));
    } else if let BaselineSource::Stored(key) = &source {
        if let Some((extended, added)) = baseline::extended_with_new(&baseline, current) {
            store.save_baseline(key, &extended, &format!("run {run_id} (new benchmarks)"))?;
            notes.push(format!(
                "baseline `{}` extended with {} benchmark(s) it did not have, from run {run_id}: {}",
                key.name,
                added.len(),
                added.join(", ")
            ));
        }
    }
    let gate_failed = !passed;
    Ok((
        comparison,
        RecordedRun {
            id: run_id,
            device: device.clone(),
            source: Some(source),
            gate_failed,
        },
    ))
}

/// No baseline yet: this run becomes this machine's baseline, and the check passes.
fn bootstrap(
    config: &Config,
    store: &mut dyn Store,
    current: &Report,
    opts: &gate::CompareOptions,
    notes: &mut Vec<String>,
) -> Result<(Comparison, RecordedRun)> {
    let empty = Report {
        benchmarks: Vec::new(),
        ..current.clone()
    };
    let comparison = gate::compare(&empty, current, opts);
    let run_id = store.record_judged(current, Some(&judgement_of(&comparison)))?;
    let recorded = RecordedRun {
        id: run_id,
        device: current.device.clone(),
        source: None,
        gate_failed: comparison.overall_status == Overall::Fail,
    };
    if current
        .benchmarks
        .iter()
        .any(|b| b.status == BenchStatus::Failed)
    {
        notes.push(format!(
            "no baseline for `{}` on this machine, and not bootstrapped: a benchmark failed",
            current.device
        ));
        return Ok((comparison, recorded));
    }
    let key = BaselineKey {
        suite: current.suite.clone(),
        device: current.device.clone(),
        machine_id: current.machine.id.clone(),
        name: config.baseline_name.clone(),
    };
    let baseline = baseline::moved_to(None, current);
    store.save_baseline(&key, &baseline, &format!("run {run_id} (bootstrapped)"))?;
    notes.push(format!(
        "baseline bootstrapped: run {run_id} is now baseline `{}` for suite `{}`, device `{}` on this machine; later checks compare against it",
        key.name, key.suite, key.device
    ));
    Ok((comparison, recorded))
}

/// Moves the baseline the check used to this run (only the benchmarks it ran, for a partial
/// run).
fn update_baseline(
    store: &mut dyn Store,
    source: &BaselineSource,
    old: &Report,
    current: &Report,
    run_id: RunId,
) -> Result<()> {
    let moved = baseline::moved_to(Some(old), current);
    match source {
        BaselineSource::Stored(key) => {
            store.save_baseline(key, &moved, &format!("run {run_id} (--update-baseline)"))?;
        }
        BaselineSource::File(path) => write_json(path, &moved)?,
    }
    Ok(())
}

/// Whether any benchmark of `report` ran (on a device this machine has).
fn ran_anything(report: &Report) -> bool {
    report
        .benchmarks
        .iter()
        .any(|b| b.status != BenchStatus::Skipped)
}

pub(crate) fn history_points(
    store: &dyn Store,
    suite: &str,
    machine_id: &str,
    bench: &str,
    metric: &str,
    last: usize,
) -> Vec<TrendPoint> {
    let filter = RunFilter {
        suite: Some(suite.to_string()),
        machine_id: Some(machine_id.to_string()),
        limit: Some(last),
        ..Default::default()
    };
    let mut points: Vec<TrendPoint> = store
        .metric_history(&filter, bench, metric)
        .unwrap_or_default()
        .into_iter()
        .map(|p| TrendPoint {
            run_id: p.run.id,
            timestamp_utc: p.run.timestamp_utc,
            commit: p.run.git.map(|g| g.commit),
            value: p.summary.median,
        })
        .collect();
    points.reverse();
    points
}
