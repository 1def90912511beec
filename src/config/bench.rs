//! `[[bench]]` and `[defaults]` tables -> [`BenchSpec`]s: each benchmark's own keys over the
//! defaults, its command, sampling plan, harness and run settings resolved and checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::duration::DurationValue;
use super::settings::{self, Measure, RunSettings};
use super::{BenchSpec, Exec, Harness, Sampling, Throughput};

/// Options a benchmark may set, and `[defaults]` may set for all.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOptions {
    warmup: Option<u32>,
    runs: Option<u32>,
    min_runs: Option<u32>,
    min_time: Option<DurationValue>,
    max_runs: Option<u32>,
    timeout: Option<DurationValue>,
    prepare: Option<RawExec>,
    setup: Option<RawExec>,
    cleanup: Option<RawExec>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    cwd: Option<PathBuf>,
    #[serde(default)]
    tags: Vec<String>,
    device: Option<settings::DeviceName>,
    threads: Option<u32>,
    seed: Option<u64>,
    pin: Option<Vec<usize>>,
    measure: Option<Vec<Measure>>,
}

/// A `[[bench]]` table: its own keys plus every [`RawOptions`] key. Spelled out rather than
/// `#[serde(flatten)]`, which would disable `deny_unknown_fields`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBench {
    name: String,
    command: Option<Vec<String>>,
    shell: Option<String>,
    throughput: Option<RawThroughput>,
    warmup: Option<u32>,
    runs: Option<u32>,
    min_runs: Option<u32>,
    min_time: Option<DurationValue>,
    max_runs: Option<u32>,
    timeout: Option<DurationValue>,
    prepare: Option<RawExec>,
    setup: Option<RawExec>,
    cleanup: Option<RawExec>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    cwd: Option<PathBuf>,
    #[serde(default)]
    tags: Vec<String>,
    device: Option<settings::DeviceName>,
    adapter: Option<String>,
    output: Option<PathBuf>,
    processes: Option<u32>,
    #[serde(default)]
    deterministic: bool,
    threads: Option<u32>,
    seed: Option<u64>,
    pin: Option<Vec<usize>>,
    measure: Option<Vec<Measure>>,
    #[serde(default)]
    pub(super) params: BTreeMap<String, Vec<toml::Value>>,
}

impl RawBench {
    fn split(
        self,
    ) -> (
        String,
        Option<Vec<String>>,
        Option<String>,
        Option<RawThroughput>,
        RawOptions,
    ) {
        let options = RawOptions {
            warmup: self.warmup,
            runs: self.runs,
            min_runs: self.min_runs,
            min_time: self.min_time,
            max_runs: self.max_runs,
            timeout: self.timeout,
            prepare: self.prepare,
            setup: self.setup,
            cleanup: self.cleanup,
            env: self.env,
            cwd: self.cwd,
            tags: self.tags,
            device: self.device,
            threads: self.threads,
            seed: self.seed,
            pin: self.pin,
            measure: self.measure,
        };
        (
            self.name,
            self.command,
            self.shell,
            self.throughput,
            options,
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThroughput {
    items: f64,
    #[serde(default = "default_item_unit")]
    unit: String,
}

fn default_item_unit() -> String {
    "items".to_string()
}

/// `prepare`/`setup`/`cleanup`: an argv array, or a string run with `sh -c`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawExec {
    Argv(Vec<String>),
    Shell(String),
}

impl RawExec {
    fn resolve(self, what: &str) -> std::result::Result<Exec, String> {
        match self {
            RawExec::Argv(v) if v.is_empty() => Err(format!("`{what}` is an empty command")),
            RawExec::Argv(v) => Ok(Exec::Argv(v)),
            RawExec::Shell(s) if s.trim().is_empty() => {
                Err(format!("`{what}` is an empty command"))
            }
            RawExec::Shell(s) => Ok(Exec::Shell(s)),
        }
    }
}

pub(super) fn resolve_bench(
    b: RawBench,
    defaults: &RawOptions,
    base_dir: &Path,
) -> std::result::Result<BenchSpec, String> {
    let (adapter, output, processes, deterministic) = (
        b.adapter.clone(),
        b.output.clone(),
        b.processes,
        b.deterministic,
    );
    let (name, command, shell, throughput, o) = b.split();
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err("benchmark `name` is empty".to_string());
    }
    let harness = harness(
        &name,
        (adapter, output, processes),
        base_dir,
        &o,
        throughput.is_some(),
    )?;
    let exec = exec_of(&name, command, shell)?;
    let d = defaults;
    let sampling = sampling_of(&name, &o, d)?;
    let timeout = o.timeout.or(d.timeout).map(|t| t.0);
    if timeout == Some(Duration::ZERO) {
        return Err(format!("benchmark `{name}`: timeout must be above zero"));
    }
    let exec_opt = |own: Option<RawExec>, dflt: &Option<RawExec>, what: &str| {
        own.or_else(|| dflt.clone())
            .map(|e| e.resolve(what))
            .transpose()
            .map_err(|m| format!("benchmark `{name}`: {m}"))
    };
    let settings = settings_of(&name, &o, d)?;
    let mut env = d.env.clone();
    env.extend(o.env.clone());
    // Explicit `env` wins over what the settings imply.
    for (k, v) in settings.env() {
        env.entry(k).or_insert(v);
    }
    let mut tags = d.tags.clone();
    tags.extend(o.tags.iter().filter(|t| !d.tags.contains(t)).cloned());
    let cwd = o
        .cwd
        .clone()
        .or_else(|| d.cwd.clone())
        .map_or_else(|| base_dir.to_path_buf(), |c| base_dir.join(c));
    Ok(BenchSpec {
        warmup: o.warmup.or(d.warmup).unwrap_or(1),
        sampling,
        prepare: exec_opt(o.prepare.clone(), &d.prepare, "prepare")?,
        setup: exec_opt(o.setup.clone(), &d.setup, "setup")?,
        cleanup: exec_opt(o.cleanup.clone(), &d.cleanup, "cleanup")?,
        timeout,
        env,
        cwd,
        tags,
        device: o
            .device
            .clone()
            .or_else(|| d.device.clone())
            .map_or_else(|| "cpu".to_string(), |d| d.0),
        throughput: throughput_of(&name, throughput)?,
        harness,
        deterministic,
        settings,
        params: BTreeMap::new(),
        name,
        exec,
    })
}

/// The benchmark's command: `command` (argv) or `shell`, exactly one, not empty.
fn exec_of(
    name: &str,
    command: Option<Vec<String>>,
    shell: Option<String>,
) -> std::result::Result<Exec, String> {
    match (command, shell) {
        (Some(_), Some(_)) => Err(format!(
            "benchmark `{name}`: give either `command` (argv) or `shell`, not both"
        )),
        (None, None) => Err(format!(
            "benchmark `{name}`: needs `command = [...]` or `shell = \"...\"`"
        )),
        (Some(argv), None) if argv.is_empty() => {
            Err(format!("benchmark `{name}`: `command` is empty"))
        }
        (Some(argv), None) => Ok(Exec::Argv(argv)),
        (None, Some(s)) if s.trim().is_empty() => {
            Err(format!("benchmark `{name}`: `shell` is empty"))
        }
        (None, Some(s)) => Ok(Exec::Shell(s)),
    }
}

/// How many runs: the benchmark's own options over the suite's defaults, checked.
fn sampling_of(
    name: &str,
    o: &RawOptions,
    d: &RawOptions,
) -> std::result::Result<Sampling, String> {
    let mut sampling = Sampling {
        runs: o.runs.or(d.runs),
        max_runs: o.max_runs.or(d.max_runs),
        ..Sampling::default()
    };
    if let Some(v) = o.min_runs.or(d.min_runs) {
        sampling.min_runs = v;
    }
    if let Some(v) = o.min_time.or(d.min_time) {
        sampling.min_time = v.0;
    }
    if sampling.runs == Some(0) || sampling.min_runs == 0 || sampling.max_runs == Some(0) {
        return Err(format!(
            "benchmark `{name}`: runs, min_runs and max_runs must be at least 1"
        ));
    }
    if let (Some(max), min) = (sampling.max_runs, sampling.min_runs) {
        if max < min {
            return Err(format!(
                "benchmark `{name}`: max_runs ({max}) is below min_runs ({min})"
            ));
        }
    }
    Ok(sampling)
}

fn throughput_of(
    name: &str,
    throughput: Option<RawThroughput>,
) -> std::result::Result<Option<Throughput>, String> {
    match throughput {
        Some(t) if !(t.items.is_finite() && t.items > 0.0) => Err(format!(
            "benchmark `{name}`: throughput.items must be a positive number"
        )),
        Some(t) => Ok(Some(Throughput {
            items: t.items,
            unit: t.unit,
        })),
        None => Ok(None),
    }
}

/// Threads, seed, pinning and what to measure: the benchmark's own over the defaults.
fn settings_of(
    name: &str,
    o: &RawOptions,
    d: &RawOptions,
) -> std::result::Result<RunSettings, String> {
    let settings = RunSettings {
        threads: o.threads.or(d.threads),
        seed: o.seed.or(d.seed),
        pin: o.pin.clone().or_else(|| d.pin.clone()).unwrap_or_default(),
        measure: o
            .measure
            .clone()
            .or_else(|| d.measure.clone())
            .unwrap_or_default(),
    };
    if settings.threads == Some(0) {
        return Err(format!("benchmark `{name}`: threads must be at least 1"));
    }
    let cores = std::thread::available_parallelism().map_or(usize::MAX, std::num::NonZero::get);
    if let Some(c) = settings.pin.iter().find(|&&c| c >= 1024) {
        return Err(format!(
            "benchmark `{name}`: pin: core {c} does not exist (this machine has {cores})"
        ));
    }
    Ok(settings)
}

/// `(adapter, output, processes)` of a `[[bench]]`.
type RawHarness = (Option<String>, Option<PathBuf>, Option<u32>);

fn harness(
    name: &str,
    (adapter, output, processes): RawHarness,
    base_dir: &Path,
    own: &RawOptions,
    has_throughput: bool,
) -> std::result::Result<Option<Harness>, String> {
    let Some(format) = adapter else {
        return match (output, processes) {
            (Some(_), _) => Err(format!(
                "benchmark `{name}`: `output` needs `adapter` (the format of that output)"
            )),
            (_, Some(_)) => Err(format!(
                "benchmark `{name}`: `processes` needs `adapter` (a command is already run once per sample; use `runs`)"
            )),
            _ => Ok(None),
        };
    };
    if processes == Some(0) {
        return Err(format!(
            "benchmark `{name}`: `processes` must be at least 1"
        ));
    }
    if format != "auto" && crate::ingest::adapter(&format).is_none() {
        return Err(format!(
            "benchmark `{name}`: unknown adapter `{format}` (known: auto, {})",
            crate::ingest::names().join(", ")
        ));
    }
    // The harness measures; perfgate's own sampling options would silently do nothing.
    for (set, field) in [
        (has_throughput, "throughput"),
        (own.prepare.is_some(), "prepare"),
        (own.runs.is_some(), "runs"),
        (own.min_runs.is_some(), "min_runs"),
        (own.min_time.is_some(), "min_time"),
        (own.max_runs.is_some(), "max_runs"),
    ] {
        if set {
            return Err(format!(
                "benchmark `{name}`: `{field}` does not apply with `adapter` (the harness does its own sampling; its command runs once)"
            ));
        }
    }
    Ok(Some(Harness {
        format,
        output: output.map(|o| base_dir.join(o)),
        processes: processes.unwrap_or(1),
    }))
}
