//! `perfgate.toml` -> a validated [`Config`]. Every rejection names the file, line and column.
//!
//! ```toml
//! suite = "demo"
//! baseline_dir = "perf/baselines"   # committed baselines, <suite>-<device>.json
//! [defaults]               # any per-benchmark option, applied where a benchmark leaves it out
//! warmup = 1
//! [[bench]]
//! name = "sort"
//! command = ["sort", "data.txt"]     # argv, no shell; or: shell = "sort data.txt | uniq"
//! tags = ["smoke"]
//! [thresholds]
//! "*.wall_time" = { warn_pct = 5, fail_pct = 10 }
//! ```

pub mod detect;
mod duration;
mod settings;

use duration::DurationValue;
pub use duration::{parse_duration, MAX_DURATION};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::context::sha256_hex;
use crate::error::{Error, Result};
use crate::gate::rules::ThresholdRule;
use crate::stats::changepoint::DetectOptions;
pub use settings::{Measure, RunSettings, THREAD_VARS};

pub const CONFIG_FILE_NAME: &str = "perfgate.toml";

/// How a benchmark's process is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exec {
    /// Run directly (no shell), like `hyperfine -N`.
    Argv(Vec<String>),
    /// Run with `sh -c`, when the user asks for a shell.
    Shell(String),
}

impl Exec {
    /// The command as a user would type it.
    pub fn display(&self) -> String {
        match self {
            Exec::Shell(s) => s.clone(),
            Exec::Argv(argv) => argv
                .iter()
                .map(|a| {
                    if !a.is_empty()
                        && a.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
                    {
                        a.clone()
                    } else {
                        format!("'{}'", a.replace('\'', "'\\''"))
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// How many measured runs to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// Exactly this many runs when set (min_time is then ignored).
    pub runs: Option<u32>,
    pub min_runs: u32,
    pub min_time: Duration,
    pub max_runs: Option<u32>,
}

impl Default for Sampling {
    /// Like hyperfine: at least 10 runs and at least 3 s, whichever is longer.
    fn default() -> Self {
        Sampling {
            runs: None,
            min_runs: 10,
            min_time: Duration::from_secs(3),
            max_runs: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    /// Items processed by one run; the metric is items / wall time.
    pub items: f64,
    /// What an item is (`bytes`, `rows`); the metric's unit is `<unit>/s`.
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BenchSpec {
    pub name: String,
    pub exec: Exec,
    pub warmup: u32,
    pub sampling: Sampling,
    /// Before each run (warm-up and measured), not timed.
    pub prepare: Option<Exec>,
    /// Once before the benchmark's first run.
    pub setup: Option<Exec>,
    /// Once after the benchmark's last run, even when it failed.
    pub cleanup: Option<Exec>,
    pub timeout: Option<Duration>,
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub tags: Vec<String>,
    pub device: String,
    pub throughput: Option<Throughput>,
    /// Set when the command is a harness (`cargo bench`, a Google Benchmark binary...) whose
    /// output an adapter turns into benchmarks; the command then runs once.
    pub harness: Option<Harness>,
    /// The command's stdout is the same on every run (`deterministic = true`): a replay
    /// manifest records its hash, and `perfgate replay` checks it.
    pub deterministic: bool,
    /// Deterministic-mode options and extra measurements.
    pub settings: RunSettings,
    /// This benchmark's point of a parameter sweep (`params`), empty otherwise.
    pub params: BTreeMap<String, serde_json::Value>,
}

/// `adapter = "criterion"` (and optionally `output = "path"`) on a `[[bench]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Harness {
    /// The adapter's name (`perfgate ingest --format`).
    pub format: String,
    /// A file or directory the harness writes, read instead of its stdout (absolute).
    pub output: Option<PathBuf>,
    /// How many times the harness runs, each in its own process (`processes = N`, default 1):
    /// with more than one, each benchmark's samples are one value per process, independent
    /// and tested for significance; with one, its inner iterations are not.
    pub processes: u32,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from; `None` for an ad-hoc run.
    pub path: Option<PathBuf>,
    pub suite: String,
    pub benches: Vec<BenchSpec>,
    pub thresholds: BTreeMap<String, ThresholdRule>,
    /// SHA-256 of the config file's bytes (of the ad-hoc command line otherwise).
    pub sha256: String,
    /// Directory of committed baselines, `<suite>-<device>.json` each (absolute, resolved
    /// against the config file's directory).
    pub baseline_dir: Option<PathBuf>,
    /// Name of this machine's stored baseline that `check` uses (default `main`).
    pub baseline_name: String,
    /// `[detect]`: how change points are found in history.
    pub detect: DetectOptions,
}

impl Config {
    /// The project root: the config file's directory (the current directory for ad-hoc runs).
    pub fn root(&self) -> PathBuf {
        match self.path.as_deref().and_then(Path::parent) {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The committed baseline file for `device`, if the config names a baseline directory.
    pub fn committed_baseline(&self, device: &str) -> Option<PathBuf> {
        self.baseline_dir
            .as_ref()
            .map(|d| d.join(format!("{}-{device}.json", self.suite)))
    }
}

pub const DEFAULT_BASELINE_NAME: &str = "main";

/// Finds `perfgate.toml` in `start` or its nearest ancestor.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(CONFIG_FILE_NAME))
        .find(|p| p.is_file())
}

pub fn load(path: &Path) -> Result<Config> {
    let text = crate::read::text(path).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        position: None,
        message: format!("cannot read: {e}"),
    })?;
    let base_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    parse(&text, path, &base_dir)
}

/// Parses config text; `base_dir` anchors relative `cwd`s (the config file's directory).
pub fn parse(text: &str, path: &Path, base_dir: &Path) -> Result<Config> {
    let err_at = |span: Option<std::ops::Range<usize>>, message: String| Error::Config {
        path: path.to_path_buf(),
        position: span.map(|s| line_col(text, s.start)),
        message,
    };
    let raw: RawConfig =
        toml::from_str(text).map_err(|e| err_at(e.span(), e.message().to_string()))?;
    let defaults = raw.defaults.unwrap_or_default();
    let mut benches = Vec::new();
    let mut names = std::collections::HashSet::new();
    for spanned in raw.bench {
        let span = spanned.span();
        let mut b = spanned.into_inner();
        let params = std::mem::take(&mut b.params);
        let bench =
            resolve_bench(b, &defaults, base_dir).map_err(|m| err_at(Some(span.clone()), m))?;
        let expanded = if params.is_empty() {
            vec![bench]
        } else {
            let points = settings::grid(&params).map_err(|m| {
                err_at(
                    Some(span.clone()),
                    format!("benchmark `{}`: {m}", bench.name),
                )
            })?;
            settings::expand(&bench, &points)
        };
        for bench in expanded {
            if !names.insert(bench.name.clone()) {
                return Err(err_at(
                    Some(span),
                    format!("duplicate benchmark name `{}`", bench.name),
                ));
            }
            benches.push(bench);
        }
    }
    if benches.is_empty() {
        return Err(err_at(
            None,
            "no [[bench]] entries: nothing to run".to_string(),
        ));
    }
    let mut thresholds = BTreeMap::new();
    for (key, rule) in raw.thresholds {
        let span = rule.span();
        let rule = rule.into_inner();
        rule.validate(&key).map_err(|m| err_at(Some(span), m))?;
        thresholds.insert(key, rule);
    }
    let suite = match raw.suite {
        Some(s) if s.get_ref().trim().is_empty() => {
            return Err(err_at(Some(s.span()), "suite name is empty".to_string()))
        }
        Some(s) => s.into_inner(),
        None => base_dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "default".to_string()),
    };
    let baseline_name = match raw.baseline_name {
        Some(n) if n.get_ref().trim().is_empty() => {
            return Err(err_at(Some(n.span()), "baseline_name is empty".to_string()))
        }
        Some(n) => n.into_inner(),
        None => DEFAULT_BASELINE_NAME.to_string(),
    };
    let detect = match raw.detect {
        Some(d) => {
            let span = d.span();
            d.into_inner()
                .resolve()
                .map_err(|m| err_at(Some(span), m))?
        }
        None => DetectOptions::default(),
    };
    Ok(Config {
        detect,
        path: Some(path.to_path_buf()),
        suite,
        benches,
        thresholds,
        sha256: sha256_hex(text.as_bytes()),
        baseline_dir: raw.baseline_dir.map(|d| base_dir.join(d)),
        baseline_name,
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    suite: Option<Spanned<String>>,
    baseline_dir: Option<PathBuf>,
    baseline_name: Option<Spanned<String>>,
    defaults: Option<RawOptions>,
    #[serde(default, alias = "benchmark")]
    bench: Vec<Spanned<RawBench>>,
    #[serde(default)]
    thresholds: BTreeMap<String, Spanned<ThresholdRule>>,
    detect: Option<Spanned<detect::RawDetect>>,
}

/// Options a benchmark may set, and `[defaults]` may set for all.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
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
struct RawBench {
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
    params: BTreeMap<String, Vec<toml::Value>>,
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

fn resolve_bench(
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
    let exec = match (command, shell) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "benchmark `{name}`: give either `command` (argv) or `shell`, not both"
            ))
        }
        (None, None) => {
            return Err(format!(
                "benchmark `{name}`: needs `command = [...]` or `shell = \"...\"`"
            ))
        }
        (Some(argv), None) if argv.is_empty() => {
            return Err(format!("benchmark `{name}`: `command` is empty"))
        }
        (Some(argv), None) => Exec::Argv(argv),
        (None, Some(s)) if s.trim().is_empty() => {
            return Err(format!("benchmark `{name}`: `shell` is empty"))
        }
        (None, Some(s)) => Exec::Shell(s),
    };
    let d = defaults;
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
    let mut env = d.env.clone();
    env.extend(o.env);
    let mut tags = d.tags.clone();
    tags.extend(o.tags.into_iter().filter(|t| !d.tags.contains(t)));
    let cwd = o
        .cwd
        .or_else(|| d.cwd.clone())
        .map_or_else(|| base_dir.to_path_buf(), |c| base_dir.join(c));
    let throughput = match throughput {
        Some(t) if !(t.items.is_finite() && t.items > 0.0) => {
            return Err(format!(
                "benchmark `{name}`: throughput.items must be a positive number"
            ))
        }
        Some(t) => Some(Throughput {
            items: t.items,
            unit: t.unit,
        }),
        None => None,
    };
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
    let cores = std::thread::available_parallelism().map_or(usize::MAX, |n| n.get());
    if let Some(c) = settings.pin.iter().find(|&&c| c >= 1024) {
        return Err(format!(
            "benchmark `{name}`: pin: core {c} does not exist (this machine has {cores})"
        ));
    }
    // Explicit `env` wins over what the settings imply.
    for (k, v) in settings.env() {
        env.entry(k).or_insert(v);
    }
    Ok(BenchSpec {
        warmup: o.warmup.or(d.warmup).unwrap_or(1),
        sampling,
        prepare: exec_opt(o.prepare, &d.prepare, "prepare")?,
        setup: exec_opt(o.setup, &d.setup, "setup")?,
        cleanup: exec_opt(o.cleanup, &d.cleanup, "cleanup")?,
        timeout,
        env,
        cwd,
        tags,
        device: o
            .device
            .or_else(|| d.device.clone())
            .map_or_else(|| "cpu".to_string(), |d| d.0),
        throughput,
        harness,
        deterministic,
        settings,
        params: BTreeMap::new(),
        name,
        exec,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config> {
        parse(text, Path::new("perfgate.toml"), Path::new("/tmp"))
    }

    #[test]
    fn a_full_config_resolves_with_defaults() {
        let c = parse_str(
            r#"
suite = "demo"
[defaults]
warmup = 2
min_time = "500ms"
tags = ["all"]
env = { A = "1" }
[[bench]]
name = "sort"
command = ["sort", "x.txt"]
tags = ["smoke"]
timeout = "1.5s"
env = { B = "2" }
throughput = { items = 1000, unit = "lines" }
[[bench]]
name = "pipe"
shell = "seq 10 | sort"
runs = 5
prepare = "sync"
[thresholds]
"*.wall_time" = { warn_pct = 3, fail_pct = 6, statistic = "p95" }
"#,
        )
        .unwrap();
        assert_eq!(c.suite, "demo");
        let sort = &c.benches[0];
        assert_eq!(sort.exec, Exec::Argv(vec!["sort".into(), "x.txt".into()]));
        assert_eq!(sort.warmup, 2);
        assert_eq!(sort.sampling.min_time, Duration::from_millis(500));
        assert_eq!(sort.sampling.runs, None);
        assert_eq!(sort.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(sort.tags, vec!["all", "smoke"]);
        assert_eq!(sort.env.get("A").map(String::as_str), Some("1"));
        assert_eq!(sort.env.get("B").map(String::as_str), Some("2"));
        assert_eq!(sort.cwd, PathBuf::from("/tmp"));
        assert_eq!(sort.throughput.as_ref().unwrap().unit, "lines");
        let pipe = &c.benches[1];
        assert_eq!(pipe.exec, Exec::Shell("seq 10 | sort".into()));
        assert_eq!(pipe.sampling.runs, Some(5));
        assert_eq!(pipe.prepare, Some(Exec::Shell("sync".into())));
        assert_eq!(c.thresholds["*.wall_time"].fail_pct, Some(6.0));
        assert_eq!(c.sha256.len(), 64);
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let err =
            parse_str("suite = \"x\"\n[[bench]]\nname = \"a\"\ncommand = [\"true\"]\nwarmpu = 3\n")
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("perfgate.toml:5:1: "), "{err}");
        assert!(err.contains("warmpu"), "{err}");
    }

    #[test]
    fn bad_values_are_rejected_with_position() {
        let err = parse_str("[[bench]]\nname = \"a\"\ncommand = [\"true\"]\ntimeout = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("perfgate.toml:4:"), "{err}");
        assert!(err.contains("not a duration"), "{err}");
        let err = parse_str("[[bench]]\nname = \"a\"\ncommand = [\"true\"]\nshell = \"true\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not both"), "{err}");
        assert!(err.starts_with("perfgate.toml:1:"), "{err}");
        let err = parse_str("[[bench]]\nname = \"a\"\ncommand = [\"true\"]\n[thresholds]\n\"*\" = { warn_pct = 9, fail_pct = 3 }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("warn_pct (9) is larger than fail_pct (3)"),
            "{err}"
        );
        let err = parse_str("suite = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("no [[bench]]"), "{err}");
    }

    #[test]
    fn durations_parse_in_every_documented_form() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2min").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("0.25").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("-1").is_err());
        // Out of range, not a panic: Duration::from_secs_f64 panics beyond u64 seconds, and
        // Instant + Duration overflows far below that.
        for huge in [
            "1e20",
            "1e300s",
            "18446744073709551615",
            "1e19",
            "2592001",
            "31days",
        ] {
            let e = parse_duration(huge).unwrap_err();
            assert!(e.contains("out of range"), "{huge}: {e}");
        }
        assert_eq!(parse_duration("30days").unwrap(), MAX_DURATION);
        assert!(parse_duration("99999999999999999999999years").is_err());
    }

    #[test]
    fn exec_display_quotes_what_a_shell_would_split() {
        let e = Exec::Argv(vec!["echo".into(), "a b".into(), "it's".into()]);
        assert_eq!(e.display(), "echo 'a b' 'it'\\''s'");
    }
}
