//! Which baseline a comparison uses, and what of it is compared: `check` (and `compare`,
//! `history`, `report`, which show what `check` would use) resolve it here, so they agree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::gate::noise::{self, NoiseRule};
use crate::model::file::read_report;
use crate::model::{Machine, Report};
use crate::store::{BaselineKey, RunFilter, Store};

/// Where a baseline came from.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineSource {
    File(PathBuf),
    Stored(BaselineKey),
}

impl BaselineSource {
    pub fn describe(&self) -> String {
        match self {
            BaselineSource::File(p) => format!("file {}", p.display()),
            BaselineSource::Stored(k) => {
                format!("stored baseline `{}` ({}, {})", k.name, k.suite, k.device)
            }
        }
    }
}

/// A baseline found, and where.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub report: Report,
    pub source: BaselineSource,
}

/// The baseline for `suite`/`device` on `machine`, in the documented order: `--baseline FILE`
/// or stored NAME; the config's committed baseline for the device; this machine's stored
/// baseline named `config.baseline_name`. `None` when there is none.
pub fn resolve_baseline(
    explicit: Option<&str>,
    config: Option<&Config>,
    store: &dyn Store,
    suite: &str,
    device: &str,
    testbed: &str,
) -> Result<Option<Resolved>> {
    let key = |name: &str| BaselineKey {
        suite: suite.to_string(),
        device: device.to_string(),
        testbed: testbed.to_string(),
        name: name.to_string(),
    };
    if let Some(x) = explicit {
        let path = Path::new(x);
        if path.is_file() {
            return Ok(Some(Resolved {
                report: read_report(path)?,
                source: BaselineSource::File(path.to_path_buf()),
            }));
        }
        let k = key(x);
        return match store.baseline(&k)? {
            Some(report) => Ok(Some(Resolved {
                report,
                source: BaselineSource::Stored(k),
            })),
            None => Err(Error::Usage(format!(
                "--baseline {x}: no such file, and no stored baseline `{x}` for suite `{suite}`, device `{device}` on this machine (see `perfgate baseline list`)"
            ))),
        };
    }
    if let Some(path) = config.and_then(|c| c.committed_baseline(device)) {
        if path.is_file() {
            return Ok(Some(Resolved {
                report: read_report(&path)?,
                source: BaselineSource::File(path),
            }));
        }
    }
    let name = config.map_or(config::DEFAULT_BASELINE_NAME, |c| c.baseline_name.as_str());
    let k = key(name);
    Ok(store.baseline(&k)?.map(|report| Resolved {
        report,
        source: BaselineSource::Stored(k),
    }))
}

/// A partial run (`--tag`, `--filter`) is compared only on what it selected: the baseline's
/// other benchmarks are left out instead of being reported `missing`, with a note saying so.
pub fn restrict_to_selection(mut baseline: Report, current: &Report) -> (Report, Option<String>) {
    let Some(selection) = &current.selection else {
        return (baseline, None);
    };
    let before = baseline.benchmarks.len();
    baseline
        .benchmarks
        .retain(|b| current.benchmarks.iter().any(|c| c.name == b.name));
    let left_out = before - baseline.benchmarks.len();
    let note = format!(
        "partial run ({}): {} benchmark(s) compared; {left_out} of the baseline's {before} not selected and not judged",
        selection.describe(),
        current.benchmarks.len(),
    );
    (baseline, Some(note))
}

/// Refuses a baseline recorded on another machine unless allowed.
pub fn check_same_machine(
    baseline: &Report,
    source: &str,
    current: &Machine,
    allow: bool,
) -> Result<()> {
    if baseline.machine.id == current.id || allow {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{source} was recorded on another machine ({} '{}', this is {} '{}'): refusing to compare across machines; pass --allow-other-machine to do it anyway, or `perfgate baseline save` to make a baseline here",
        baseline.machine.id, baseline.machine.cpu_model, current.id, current.cpu_model
    )))
}

/// How many recorded runs (before this one) a metric's noise-aware threshold looks at.
const NOISE_HISTORY: usize = 20;

/// How many runs back the noise-aware history looks for [`NOISE_HISTORY`] usable points
/// (runs that failed the gate are skipped).
const NOISE_LOOKBACK: usize = 4 * NOISE_HISTORY;

/// Per metric of `current`, the noise-aware rule from its last recorded runs on this machine
/// and device, leaving out runs where that metric failed the gate (see
/// [`noise::measures_noise`]). Call it before `current` is recorded.
pub fn noise_rules(store: &dyn Store, current: &Report) -> Result<BTreeMap<String, NoiseRule>> {
    let filter = RunFilter {
        suite: Some(current.suite.clone()),
        testbed: Some(current.testbed().to_string()),
        device: Some(current.device.clone()),
        limit: Some(NOISE_LOOKBACK),
        ..Default::default()
    };
    let mut out = BTreeMap::new();
    for b in &current.benchmarks {
        for m in &b.metrics {
            let medians: Vec<f64> = store
                .metric_history(&filter, &b.name, &m.name)?
                .iter()
                .filter(|p| noise::measures_noise(p.verdict.as_deref()))
                .map(|p| p.summary.median)
                .take(NOISE_HISTORY)
                .collect();
            if let Some(rule) = noise::noise_rule(&medians) {
                out.insert(format!("{}.{}", b.name, m.name), rule);
            }
        }
    }
    Ok(out)
}
