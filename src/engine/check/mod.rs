//! What `perfgate check` decides, as library code the CLI and (next) the team server share: a
//! measured report against its testbed's baseline in a store, one device at a time, judged
//! by the gate and recorded with its verdicts; a missing baseline bootstrapped, a passing run
//! made the baseline on request, a stored baseline extended with new benchmarks. Nothing here
//! prints or exits: the outcome says what happened, and the caller renders it.

mod baseline;
mod device;
mod drift;

use std::collections::BTreeSet;

pub use drift::{drift_note, hardware_drift};

pub use baseline::{
    check_same_testbed, noise_rules, resolve_baseline, restrict_to_selection, BaselineSource,
    Resolved, NOISE_LOOKBACK,
};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::gate::{CompareOptions, Comparison};
use crate::model::{BenchStatus, Report};
use crate::plan::GatePolicy;
use crate::store::{BaselineKey, Judgement, MetricVerdict, RunId, Store};

/// How a check is judged beyond the gate's policy.
#[derive(Debug, Clone, Default)]
pub struct CheckPlan {
    pub policy: GatePolicy,
    /// A baseline file, or the name of a stored baseline of the testbed; `None`: the
    /// config's committed baseline for the device, else the stored `config.baseline_name`.
    pub baseline: Option<String>,
    /// After a pass, make the run the baseline it was compared with.
    pub update_baseline: bool,
    /// A GPU benchmark that fails to run fails the gate, instead of being a warning.
    pub strict_gpu: bool,
    /// Compare with a baseline recorded on another testbed instead of refusing.
    pub allow_other_machine: bool,
}

/// What a check found and did.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// Every device's comparison, merged; its notes end with the check's own (devices where
    /// nothing ran, partial runs, what happened to the baselines), in device order.
    pub comparison: Comparison,
    /// The runs recorded, one per device that ran, `cpu` first.
    pub recorded: Vec<RecordedRun>,
}

/// One device's recorded run.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRun {
    pub id: RunId,
    pub device: String,
    /// The baseline it was compared with (`None`: there was none, or the check compared two
    /// builds with each other).
    pub source: Option<BaselineSource>,
    pub gate_failed: bool,
    pub baseline: BaselineChange,
}

/// What a check did to the device's baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineChange {
    /// Nothing.
    Kept,
    /// There was none: the run became the baseline under this key.
    Bootstrapped(BaselineKey),
    /// There was none, and none was made: a benchmark failed.
    NotBootstrapped,
    /// Moved forward to the run (`update_baseline` after a pass).
    Moved,
    /// Left where it was although asked to move: the check did not pass.
    NotMoved,
    /// The stored baseline `name` took the benchmarks `added`, which it did not have, from
    /// the run.
    Extended { name: String, added: Vec<String> },
}

impl RecordedRun {
    /// The note that says what happened to the baseline, if anything did.
    fn baseline_note(&self) -> Option<String> {
        let (id, device) = (self.id, &self.device);
        match &self.baseline {
            BaselineChange::Kept => None,
            BaselineChange::Bootstrapped(key) => Some(format!(
                "baseline bootstrapped: run {id} is now baseline `{}` for suite `{}`, device `{}` on testbed `{}`; later checks compare against it",
                key.name, key.suite, key.device, key.testbed
            )),
            BaselineChange::NotBootstrapped => Some(format!(
                "no baseline for `{device}` on this testbed, and not bootstrapped: a benchmark failed"
            )),
            BaselineChange::Moved => Some(format!(
                "`{device}` baseline moved forward to run {id} ({})",
                self.source
                    .as_ref()
                    .map_or_else(String::new, BaselineSource::describe)
            )),
            BaselineChange::NotMoved => Some(format!(
                "`{device}` baseline NOT updated: the check did not pass (the advice below says how to accept run {id} anyway)"
            )),
            BaselineChange::Extended { name, added } => Some(format!(
                "baseline `{name}` extended with {} benchmark(s) it did not have, from run {id}: {}",
                added.len(),
                added.join(", ")
            )),
        }
    }
}

/// Checks `report` (a measured suite, possibly of several devices) against its testbed's
/// baselines in `store`: each device that ran is compared with its baseline (or bootstraps
/// one), recorded with the gate's verdicts, and its baseline moved or extended as `plan`
/// says. A runner whose hardware is not that of the testbed's last run is warned about in
/// the notes. A usage error when nothing ran at all.
pub fn check(
    report: &Report,
    store: &mut dyn Store,
    config: &Config,
    plan: &CheckPlan,
) -> Result<CheckOutcome> {
    let mut merged: Option<Comparison> = None;
    let mut notes: Vec<String> = drift_note(store, report)?.into_iter().collect();
    let mut recorded = Vec::new();
    for device in devices(report) {
        let part = device_report(report, &device);
        if !ran_anything(&part) {
            notes.push(format!(
                "device `{device}`: nothing ran here ({} benchmark(s) skipped)",
                part.benchmarks.len()
            ));
            continue;
        }
        let (comparison, run) = device::check_device(&part, store, config, plan, &mut notes)?;
        notes.extend(run.baseline_note());
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
    Ok(CheckOutcome {
        comparison,
        recorded,
    })
}

/// `check --interleaved`: the candidate's report against the baseline build's, measured in
/// alternation in one time window (`bins`: the two builds' programs), under the same rules as
/// `compare`. The candidate's run is recorded with the verdicts, per device that ran; no
/// baseline moves.
pub fn check_interleaved(
    baseline: &Report,
    current: &Report,
    store: &mut dyn Store,
    policy: &GatePolicy,
    bins: [&str; 2],
) -> Result<CheckOutcome> {
    let opts = CompareOptions {
        same_window: true,
        ..super::compare_options(policy)
    };
    let drift = drift_note(store, current)?;
    let mut comparison = crate::gate::compare(baseline, current, &opts);
    comparison.notes.extend(drift);
    let judgement = judgement_of(&comparison);
    let mut recorded = Vec::new();
    for device in devices(current) {
        let part = device_report(current, &device);
        if ran_anything(&part) {
            recorded.push(RecordedRun {
                id: store.record_judged(&part, Some(&judgement))?,
                device,
                source: None,
                gate_failed: !comparison.passed(),
                baseline: BaselineChange::Kept,
            });
        }
    }
    comparison.notes.push(format!(
        "interleaved: the baseline build `{}` and the candidate `{}` ran in alternation (ABBA/BAAB blocks per benchmark) in the same time window; the candidate's run was recorded",
        bins[0], bins[1]
    ));
    Ok(CheckOutcome {
        comparison,
        recorded,
    })
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

/// Whether any benchmark of `report` ran (on a device this machine has).
fn ran_anything(report: &Report) -> bool {
    report
        .benchmarks
        .iter()
        .any(|b| b.status != BenchStatus::Skipped)
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

#[cfg(test)]
mod tests;
