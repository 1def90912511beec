//! `perfgate.toml` -> a validated [`Config`]. Every rejection names the file, line and column.
//!
//! ```toml
//! suite = "demo"
//! testbed = "gha-ubuntu-2core"     # runners of this kind share history and baselines
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

mod bench;
pub mod detect;
mod duration;
mod settings;

use bench::{resolve_bench, RawBench, RawOptions};
pub use duration::{parse_duration, MAX_DURATION};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::digest::sha256_hex;
use crate::error::{Error, Result};
pub use crate::model::testbed::{check_testbed, MAX_TESTBED_CHARS};
use crate::model::threshold::ThresholdRule;
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
    /// `testbed = "..."`: the testbed this project's runs are recorded under, unless
    /// `--testbed` or `PERFGATE_TESTBED` names another ([`crate::context::testbed`]).
    pub testbed: Option<String>,
}

impl BenchSpec {
    /// Whether its commands (the benchmark's, prepare's or setup's) run a build's program:
    /// `{bin}` in them, or `$PERFGATE_BIN`, which `check --interleaved` and `perfgate
    /// profile` fill in with each build's.
    pub fn uses_program(&self) -> bool {
        let mentions = |e: &Exec| match e {
            Exec::Argv(argv) => argv
                .iter()
                .any(|a| a.contains("{bin}") || a.contains("PERFGATE_BIN")),
            Exec::Shell(s) => s.contains("{bin}") || s.contains("PERFGATE_BIN"),
        };
        [Some(&self.exec), self.prepare.as_ref(), self.setup.as_ref()]
            .into_iter()
            .flatten()
            .any(mentions)
    }

    /// The benchmark of an ad-hoc command (`perfgate run -- CMD`): the defaults, one warm-up.
    pub fn adhoc(name: String, exec: Exec, cwd: PathBuf, harness: Option<Harness>) -> Self {
        BenchSpec {
            name,
            exec,
            warmup: 1,
            sampling: Sampling::default(),
            prepare: None,
            setup: None,
            cleanup: None,
            timeout: None,
            env: BTreeMap::new(),
            cwd,
            tags: Vec::new(),
            device: "cpu".into(),
            throughput: None,
            harness,
            deterministic: false,
            settings: RunSettings::default(),
            params: BTreeMap::new(),
        }
    }
}

impl Config {
    /// The config of an ad-hoc command: suite `adhoc`, its one benchmark, and an identity
    /// (the command line) hashed in place of a file's bytes.
    pub fn adhoc(bench: BenchSpec, identity: &serde_json::Value) -> Self {
        Config {
            path: None,
            suite: "adhoc".into(),
            sha256: crate::digest::sha256_hex(identity.to_string().as_bytes()),
            benches: vec![bench],
            thresholds: BTreeMap::new(),
            baseline_dir: None,
            baseline_name: DEFAULT_BASELINE_NAME.to_string(),
            detect: DetectOptions::default(),
            testbed: None,
        }
    }

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
    let benches = benches_of(raw.bench, &defaults, base_dir).map_err(|(s, m)| err_at(s, m))?;
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
    let testbed = match raw.testbed {
        Some(t) => {
            check_testbed(t.get_ref())
                .map_err(|m| err_at(Some(t.span()), format!("testbed: {m}")))?;
            Some(t.into_inner())
        }
        None => None,
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
        testbed,
    })
}

/// A place in the config file (the span of a `[[bench]]`; `None`: the whole file) and what
/// is wrong there.
type Misplaced = (Option<std::ops::Range<usize>>, String);

/// Every `[[bench]]` resolved against the defaults, parameter grids expanded; names unique,
/// at least one.
fn benches_of(
    raw: Vec<Spanned<RawBench>>,
    defaults: &RawOptions,
    base_dir: &Path,
) -> std::result::Result<Vec<BenchSpec>, Misplaced> {
    let mut benches = Vec::new();
    let mut names = std::collections::HashSet::new();
    for spanned in raw {
        let span = spanned.span();
        let mut b = spanned.into_inner();
        let params = std::mem::take(&mut b.params);
        let bench = resolve_bench(b, defaults, base_dir).map_err(|m| (Some(span.clone()), m))?;
        let expanded = if params.is_empty() {
            vec![bench]
        } else {
            let points = settings::grid(&params).map_err(|m| {
                (
                    Some(span.clone()),
                    format!("benchmark `{}`: {m}", bench.name),
                )
            })?;
            settings::expand(&bench, &points)
        };
        for bench in expanded {
            if !names.insert(bench.name.clone()) {
                let message = format!("duplicate benchmark name `{}`", bench.name);
                return Err((Some(span), message));
            }
            benches.push(bench);
        }
    }
    if benches.is_empty() {
        return Err((None, "no [[bench]] entries: nothing to run".to_string()));
    }
    Ok(benches)
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
    testbed: Option<Spanned<String>>,
    defaults: Option<RawOptions>,
    #[serde(default, alias = "benchmark")]
    bench: Vec<Spanned<RawBench>>,
    #[serde(default)]
    thresholds: BTreeMap<String, Spanned<ThresholdRule>>,
    detect: Option<Spanned<detect::RawDetect>>,
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
    fn the_testbed_is_read_and_a_bad_one_is_refused_where_it_is() {
        let bench = "[[bench]]\nname = \"a\"\ncommand = [\"true\"]\n";
        let c = parse_str(&format!("testbed = \"gha-2core\"\n{bench}")).unwrap();
        assert_eq!(c.testbed.as_deref(), Some("gha-2core"));
        assert_eq!(parse_str(bench).unwrap().testbed, None);
        for bad in ["\"\"", "\"a\\nb\"", &format!("\"{}\"", "x".repeat(101))] {
            let err = parse_str(&format!("suite = \"s\"\ntestbed = {bad}\n{bench}"))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("perfgate.toml:2:11: testbed: "), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let err = parse_str(&format!("testbed = 3\n{bench}"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("perfgate.toml:1:11: "), "{err}");
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
