//! Glue shared by the commands that use the store: where it is, which config applies, and
//! which baseline a comparison uses.

use std::path::{Path, PathBuf};

use crate::cli::StoreArgs;
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::model::file::read_report;
use crate::model::{Machine, Report};
use crate::store::{self, BaselineKey, RunFilter, Store, DEFAULT_STORE_PATH};

/// The config named by `explicit`, else the one found from the current directory, else none.
pub(crate) fn optional_config(explicit: Option<&Path>) -> Result<Option<Config>> {
    if let Some(p) = explicit {
        return config::load(p).map(Some);
    }
    match std::env::current_dir()
        .ok()
        .and_then(|d| config::discover(&d))
    {
        Some(p) => config::load(&p).map(Some),
        None => Ok(None),
    }
}

/// `--store`/`PERFGATE_STORE`, else `.perfgate/perfgate.db` under the project root: the
/// config's directory, else the git work tree's top, else the current directory.
pub(crate) fn store_path(args: &StoreArgs, config: Option<&Config>) -> PathBuf {
    if let Some(p) = &args.store {
        return p.clone();
    }
    let root = match config {
        Some(c) if c.path.is_some() => c.root(),
        _ => crate::git::toplevel(std::path::Path::new(".")).unwrap_or_else(|| PathBuf::from(".")),
    };
    root.join(DEFAULT_STORE_PATH)
}

/// Opens (creating when needed) the store at `location`: [`crate::store::open`].
pub(crate) fn open_store(location: &Path) -> Result<Box<dyn Store>> {
    Ok(store::open(location)?)
}

/// The store at `location` for a command that only reads it: [`crate::store::open_read_only`].
pub(crate) fn open_store_read(location: &Path) -> Result<Box<dyn Store>> {
    Ok(store::open_read_only(location)?)
}

/// Refuses (exit 2) a `--bench`/`--metric` glob that cannot mean what was meant.
pub(crate) fn check_pattern(flag: &str, pattern: Option<&str>) -> Result<()> {
    match pattern.map(crate::model::threshold::glob_check) {
        Some(Err(why)) => Err(Error::Usage(format!(
            "{flag} `{}`: invalid pattern: {why}",
            pattern.unwrap_or_default()
        ))),
        _ => Ok(()),
    }
}

/// Says on stderr that the store has series but none matches the patterns: an empty output
/// would otherwise look like an empty history.
pub(crate) fn note_no_match(
    bench: Option<&str>,
    metric: Option<&str>,
    recorded: &[(String, String)],
) {
    let mut asked = Vec::new();
    if let Some(b) = bench {
        asked.push(format!("--bench `{b}`"));
    }
    if let Some(m) = metric {
        asked.push(format!("--metric `{m}`"));
    }
    let mut names: Vec<&str> = recorded.iter().map(|(b, _)| b.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut metrics: Vec<&str> = recorded.iter().map(|(_, m)| m.as_str()).collect();
    metrics.sort_unstable();
    metrics.dedup();
    let list = |v: &[&str]| {
        // Debug-quoted: a name is the harness's, and may hold control characters.
        let shown: Vec<String> = v.iter().take(10).map(|s| format!("{s:?}")).collect();
        let more = if v.len() > 10 {
            format!(", ... ({} in all)", v.len())
        } else {
            String::new()
        };
        format!("{}{more}", shown.join(", "))
    };
    super::print_stderr(&format!(
        "perfgate: note: nothing recorded matches {} (benchmarks: {}; metrics: {})\n",
        asked.join(" "),
        list(&names),
        list(&metrics)
    ));
}

/// Where a baseline came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BaselineSource {
    File(PathBuf),
    Stored(BaselineKey),
}

impl BaselineSource {
    pub(crate) fn describe(&self) -> String {
        match self {
            BaselineSource::File(p) => format!("file {}", p.display()),
            BaselineSource::Stored(k) => {
                format!("stored baseline `{}` ({}, {})", k.name, k.suite, k.device)
            }
        }
    }
}

pub(crate) struct Resolved {
    pub report: Report,
    pub source: BaselineSource,
}

/// The baseline for `suite`/`device` on `machine`, in the documented order: `--baseline FILE`
/// or stored NAME; the config's committed baseline for the device; this machine's stored
/// baseline named `config.baseline_name`. `None` when there is none.
pub(crate) fn resolve_baseline(
    explicit: Option<&str>,
    config: Option<&Config>,
    store: &dyn Store,
    suite: &str,
    device: &str,
    machine: &Machine,
) -> Result<Option<Resolved>> {
    let key = |name: &str| BaselineKey {
        suite: suite.to_string(),
        device: device.to_string(),
        machine_id: machine.id.clone(),
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
pub(crate) fn restrict_to_selection(
    mut baseline: Report,
    current: &Report,
) -> (Report, Option<String>) {
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
pub(crate) fn check_same_machine(
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
/// [`crate::gate::noise::measures_noise`]). Call it before `current` is recorded.
pub(crate) fn noise_rules(
    store: &dyn Store,
    current: &Report,
) -> Result<std::collections::BTreeMap<String, crate::gate::noise::NoiseRule>> {
    let filter = RunFilter {
        suite: Some(current.suite.clone()),
        machine_id: Some(current.machine.id.clone()),
        device: Some(current.device.clone()),
        limit: Some(NOISE_LOOKBACK),
        ..Default::default()
    };
    let mut out = std::collections::BTreeMap::new();
    for b in &current.benchmarks {
        for m in &b.metrics {
            let medians: Vec<f64> = store
                .metric_history(&filter, &b.name, &m.name)?
                .iter()
                .filter(|p| crate::gate::noise::measures_noise(p.verdict.as_deref()))
                .map(|p| p.summary.median)
                .take(NOISE_HISTORY)
                .collect();
            if let Some(rule) = crate::gate::noise::noise_rule(&medians) {
                out.insert(format!("{}.{}", b.name, m.name), rule);
            }
        }
    }
    Ok(out)
}
