//! One device's part of a check: resolve its baseline, judge the run against it with
//! thresholds that follow the recorded noise, record the run with the verdicts, and move,
//! extend or bootstrap the baseline.

use super::{judgement_of, resolve_baseline, BaselineChange, BaselineSource, CheckPlan};
use super::{RecordedRun, Resolved};
use crate::config::Config;
use crate::error::Result;
use crate::gate::{self, baseline, CompareOptions, Comparison};
use crate::model::file::write_json;
use crate::model::{BenchStatus, Report};
use crate::store::{BaselineKey, RunId, Store};

/// Compares one device's part of the run with its baseline, then records it with the
/// verdicts. The noise-aware thresholds are read before the run is recorded, and only from
/// runs that were not themselves judged a change, so a failed check cannot widen the
/// threshold of the next one. A partial run's note goes to `notes`.
pub(super) fn check_device(
    current: &Report,
    store: &mut dyn Store,
    config: &Config,
    plan: &CheckPlan,
    notes: &mut Vec<String>,
) -> Result<(Comparison, RecordedRun)> {
    let resolved = resolve_baseline(
        plan.baseline.as_deref(),
        Some(config),
        store,
        &current.suite,
        &current.device,
        current.testbed(),
    )?;
    let opts = CompareOptions {
        failures_are_warnings: current.device != "cpu" && !plan.strict_gpu,
        noise_rules: super::noise_rules(store, current)?,
        ..crate::engine::compare_options(&plan.policy)
    };
    let Some(Resolved {
        report: baseline,
        source,
    }) = resolved
    else {
        return bootstrap(config, store, current, &opts);
    };
    super::check_same_machine(
        &baseline,
        &source.describe(),
        &current.machine,
        plan.allow_other_machine,
    )?;
    let (compared_with, partial) = super::restrict_to_selection(baseline.clone(), current);
    notes.extend(partial);
    let comparison = gate::compare(&compared_with, current, &opts);
    let id = store.record_judged(current, Some(&judgement_of(&comparison)))?;
    let passed = comparison.passed();
    let change = move_baseline(store, plan, &source, &baseline, current, passed, id)?;
    let run = RecordedRun {
        id,
        device: current.device.clone(),
        source: Some(source),
        gate_failed: !passed,
        baseline: change,
    };
    Ok((comparison, run))
}

/// No baseline yet: the run is judged against nothing (so the check passes unless a
/// benchmark failed) and recorded, and becomes this machine's baseline unless a benchmark
/// failed.
fn bootstrap(
    config: &Config,
    store: &mut dyn Store,
    current: &Report,
    opts: &CompareOptions,
) -> Result<(Comparison, RecordedRun)> {
    let empty = Report {
        benchmarks: Vec::new(),
        ..current.clone()
    };
    let comparison = gate::compare(&empty, current, opts);
    let id = store.record_judged(current, Some(&judgement_of(&comparison)))?;
    let mut run = RecordedRun {
        id,
        device: current.device.clone(),
        source: None,
        gate_failed: !comparison.passed(),
        baseline: BaselineChange::NotBootstrapped,
    };
    if current
        .benchmarks
        .iter()
        .any(|b| b.status == BenchStatus::Failed)
    {
        return Ok((comparison, run));
    }
    let key = BaselineKey {
        suite: current.suite.clone(),
        device: current.device.clone(),
        testbed: current.testbed().to_string(),
        name: config.baseline_name.clone(),
    };
    let moved = baseline::moved_to(None, current);
    store.save_baseline(&key, &moved, &format!("run {id} (bootstrapped)"))?;
    run.baseline = BaselineChange::Bootstrapped(key);
    Ok((comparison, run))
}

/// After the run `id` was recorded: moves the baseline to it when asked and it passed, or
/// extends a stored baseline with the benchmarks it did not have.
fn move_baseline(
    store: &mut dyn Store,
    plan: &CheckPlan,
    source: &BaselineSource,
    old: &Report,
    current: &Report,
    passed: bool,
    id: RunId,
) -> Result<BaselineChange> {
    if plan.update_baseline && passed {
        // Only the benchmarks it ran move, for a partial run.
        let moved = baseline::moved_to(Some(old), current);
        match source {
            BaselineSource::Stored(key) => {
                store.save_baseline(key, &moved, &format!("run {id} (--update-baseline)"))?;
            }
            BaselineSource::File(path) => write_json(path, &moved)?,
        }
        return Ok(BaselineChange::Moved);
    }
    if plan.update_baseline {
        return Ok(BaselineChange::NotMoved);
    }
    let BaselineSource::Stored(key) = source else {
        return Ok(BaselineChange::Kept);
    };
    let Some((extended, added)) = baseline::extended_with_new(old, current) else {
        return Ok(BaselineChange::Kept);
    };
    store.save_baseline(key, &extended, &format!("run {id} (new benchmarks)"))?;
    Ok(BaselineChange::Extended {
        name: key.name.clone(),
        added,
    })
}
