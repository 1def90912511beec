//! Reports built in memory, for tests and benches (the `testing` feature; the package's own
//! tests and benches turn it on through a dev-dependency on itself, so `cargo test` and
//! `cargo bench` need no flag, and a normal build does not contain this module).
//!
//! Three builders, each started by a short function and each filled with fixed, made-up
//! values unless told otherwise, so that a report is the same on every machine and every run:
//!
//! - [`report()`] -> [`ReportBuilder`]: the report, its machine ([`machine()`]), git
//!   information, suite, seed, timestamp, and its benchmarks;
//! - [`bench()`] -> [`BenchBuilder`]: one benchmark, `ok` unless made
//!   [`failed`](BenchBuilder::failed) or [`skipped`](BenchBuilder::skipped), and its metrics;
//! - [`metric()`], [`wall_time()`], [`time()`], [`peak_rss()`], [`throughput()`] ->
//!   [`MetricBuilder`]: one metric from its samples, summarised with [`summarize`] unless a
//!   summary is given (or a [`rough_summary`], for building thousands of large metrics).
//!
//! A builder is taken wherever its value is ([`BenchBuilder::metric`] takes a `MetricBuilder`
//! or a [`Metric`], [`ReportBuilder::bench`] a `BenchBuilder` or a [`BenchmarkResult`]), so
//! inside another builder none needs `build()`. The values are plain structs with public
//! fields: what no setter covers is set on the built value.
//!
//! ```
//! use perfgate::testing::{bench, peak_rss, report, wall_time};
//!
//! let r = report()
//!     .commit("2222222222222222222222222222222222222222")
//!     .seed(7)
//!     .bench(
//!         bench("parse")
//!             .metric(wall_time(vec![0.010, 0.012, 0.011]))
//!             .metric(peak_rss(vec![4e6; 3])),
//!     )
//!     .bench(bench("gpu-kernel").skipped("device cuda not present"))
//!     .build();
//! assert_eq!(r.benchmarks[0].metric("wall_time").unwrap().summary.median, 0.011);
//! assert_eq!(r.git.unwrap().branch.as_deref(), Some("main"));
//! ```

use std::collections::BTreeMap;

use crate::model::{
    BenchStatus, BenchmarkResult, Direction, GitInfo, Machine, Metric, Report, Tool, SCHEMA_VERSION,
};
use crate::stats::{summarize, Summary};

/// The machine of every built report unless [`ReportBuilder::machine`] says otherwise: a
/// 2-core x86_64 `Test CPU` with 8 GiB under Debian, id `0123456789abcdef`, host `ci-1`.
/// Change a field with struct update syntax: `Machine { id: "m1".into(), ..machine() }`.
pub fn machine() -> Machine {
    Machine {
        id: "0123456789abcdef".into(),
        hostname: "ci-1".into(),
        os: "Debian".into(),
        kernel: "6.1.0".into(),
        arch: "x86_64".into(),
        cpu_model: "Test CPU".into(),
        cores: 2,
        memory_bytes: 8 << 30,
        gpu: None,
    }
}

/// A report of suite `suite` made on [`machine()`] by this perfgate, at
/// `2026-11-22T10:00:00Z`, outside git, device `cpu`, config hash `000...0` (64 zeros), seed 1,
/// with no benchmarks yet.
pub fn report() -> ReportBuilder {
    ReportBuilder(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: "suite".into(),
        timestamp_utc: "2026-11-22T10:00:00Z".into(),
        git: None,
        machine: machine(),
        testbed: None,
        device: "cpu".into(),
        config_sha256: "0".repeat(64),
        seed: 1,
        benchmarks: Vec::new(),
        thresholds: BTreeMap::new(),
        source: None,
        scaling: Vec::new(),
        profiles: Vec::new(),
        selection: None,
    })
}

/// Builds a [`Report`]; start with [`report()`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ReportBuilder(Report);

impl ReportBuilder {
    pub fn suite(mut self, suite: &str) -> Self {
        self.0.suite = suite.into();
        self
    }

    pub fn timestamp(mut self, timestamp_utc: &str) -> Self {
        self.0.timestamp_utc = timestamp_utc.into();
        self
    }

    /// Made at `commit` on branch `main`, with a clean working tree.
    pub fn commit(self, commit: &str) -> Self {
        self.git(Some(GitInfo {
            commit: commit.into(),
            branch: Some("main".into()),
            dirty: false,
        }))
    }

    /// Any git information: `None` outside git, a detached HEAD, a dirty tree.
    pub fn git(mut self, git: Option<GitInfo>) -> Self {
        self.0.git = git;
        self
    }

    pub fn machine(mut self, machine: Machine) -> Self {
        self.0.machine = machine;
        self
    }

    /// [`machine()`] with another id (and otherwise the same).
    pub fn machine_id(mut self, id: &str) -> Self {
        self.0.machine.id = id.into();
        self
    }

    pub fn device(mut self, device: &str) -> Self {
        self.0.device = device.into();
        self
    }

    pub fn config_sha256(mut self, sha256: &str) -> Self {
        self.0.config_sha256 = sha256.into();
        self
    }

    /// The seed `gate::compare` resamples with: a different seed can move an interval.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }

    /// Made by perfgate `version` instead of this one (snapshots stay put across releases).
    pub fn tool_version(mut self, version: &str) -> Self {
        self.0.tool = Tool {
            version: version.into(),
            ..Tool::current()
        };
        self
    }

    /// Adds a benchmark (a [`BenchBuilder`] or a [`BenchmarkResult`]) after those added before.
    pub fn bench(mut self, bench: impl Into<BenchmarkResult>) -> Self {
        self.0.benchmarks.push(bench.into());
        self
    }

    /// Adds several benchmarks, in order.
    pub fn benches<B: Into<BenchmarkResult>>(
        mut self,
        benches: impl IntoIterator<Item = B>,
    ) -> Self {
        self.0
            .benchmarks
            .extend(benches.into_iter().map(Into::into));
        self
    }

    pub fn build(self) -> Report {
        self.0
    }
}

impl From<ReportBuilder> for Report {
    fn from(b: ReportBuilder) -> Report {
        b.build()
    }
}

/// An `ok` benchmark called `name` on device `cpu`: no tags, parameters, command, warm-up
/// runs, leaked processes or metrics yet.
pub fn bench(name: &str) -> BenchBuilder {
    BenchBuilder(BenchmarkResult {
        name: name.into(),
        status: BenchStatus::Ok,
        reason: None,
        tags: Vec::new(),
        params: BTreeMap::new(),
        device: "cpu".into(),
        command: None,
        warmup_runs: 0,
        leaked_processes: 0,
        metrics: Vec::new(),
    })
}

/// Builds a [`BenchmarkResult`]; start with [`bench()`].
#[derive(Debug, Clone)]
#[must_use]
pub struct BenchBuilder(BenchmarkResult);

impl BenchBuilder {
    /// Adds a metric (a [`MetricBuilder`] or a [`Metric`]) after those added before.
    pub fn metric(mut self, metric: impl Into<Metric>) -> Self {
        self.0.metrics.push(metric.into());
        self
    }

    /// Adds several metrics, in order.
    pub fn metrics<M: Into<Metric>>(mut self, metrics: impl IntoIterator<Item = M>) -> Self {
        self.0.metrics.extend(metrics.into_iter().map(Into::into));
        self
    }

    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.0.tags = tags.iter().map(std::string::ToString::to_string).collect();
        self
    }

    /// Sets parameter `key` (as a sweep does: `n = 1000`).
    pub fn param(mut self, key: &str, value: serde_json::Value) -> Self {
        self.0.params.insert(key.into(), value);
        self
    }

    pub fn device(mut self, device: &str) -> Self {
        self.0.device = device.into();
        self
    }

    /// The command as the user would type it.
    pub fn command(mut self, command: &str) -> Self {
        self.0.command = Some(command.into());
        self
    }

    pub fn warmup_runs(mut self, runs: u32) -> Self {
        self.0.warmup_runs = runs;
        self
    }

    pub fn leaked_processes(mut self, count: u64) -> Self {
        self.0.leaked_processes = count;
        self
    }

    /// Failed, and why (`run 1 exited with status 2`).
    pub fn failed(mut self, reason: &str) -> Self {
        self.0.status = BenchStatus::Failed;
        self.0.reason = Some(reason.into());
        self
    }

    /// Skipped, and why (`device cuda not present`).
    pub fn skipped(mut self, reason: &str) -> Self {
        self.0.status = BenchStatus::Skipped;
        self.0.reason = Some(reason.into());
        self
    }

    pub fn build(self) -> BenchmarkResult {
        self.0
    }
}

impl From<BenchBuilder> for BenchmarkResult {
    fn from(b: BenchBuilder) -> BenchmarkResult {
        b.build()
    }
}

/// Metric `name` in `unit` with these samples, each from its own process run.
pub fn metric(name: &str, unit: &str, direction: Direction, samples: Vec<f64>) -> MetricBuilder {
    MetricBuilder {
        name: name.into(),
        unit: unit.into(),
        direction,
        samples,
        processes: None,
        summary: None,
    }
}

/// `wall_time` in seconds, lower is better.
pub fn wall_time(samples: Vec<f64>) -> MetricBuilder {
    time("wall_time", samples)
}

/// A time `name` in seconds, lower is better (`user_time`, `sys_time`, a harness's own).
pub fn time(name: &str, samples: Vec<f64>) -> MetricBuilder {
    metric(name, "s", Direction::LowerIsBetter, samples)
}

/// `peak_rss` in bytes, lower is better.
pub fn peak_rss(samples: Vec<f64>) -> MetricBuilder {
    metric("peak_rss", "bytes", Direction::LowerIsBetter, samples)
}

/// `throughput` in `unit` (`items/s`, `rows/s`), higher is better.
pub fn throughput(unit: &str, samples: Vec<f64>) -> MetricBuilder {
    metric("throughput", unit, Direction::HigherIsBetter, samples)
}

/// Builds a [`Metric`]; start with [`metric()`] or one of the named metrics.
#[derive(Debug, Clone)]
#[must_use]
pub struct MetricBuilder {
    name: String,
    unit: String,
    direction: Direction,
    samples: Vec<f64>,
    processes: Option<u64>,
    summary: Option<Summary>,
}

impl MetricBuilder {
    /// This summary instead of the samples' own: a value a store must keep as it is, or the
    /// summary of an empty sample (which [`summarize`] refuses).
    pub fn summary(mut self, summary: Summary) -> Self {
        self.summary = Some(summary);
        self
    }

    /// Summarised with [`rough_summary`] instead of [`summarize`]: for the many large metrics
    /// whose statistics nothing reads.
    pub fn rough_summary(mut self) -> Self {
        self.summary = Some(rough_summary(&self.samples));
        self
    }

    /// The samples came from `count` processes (a harness's inner iterations), not one each.
    pub fn processes(mut self, count: u64) -> Self {
        self.processes = Some(count);
        self
    }

    /// The metric, summarised with [`summarize`] unless [`summary`](Self::summary) gave one.
    ///
    /// # Panics
    ///
    /// On an empty sample without a given summary.
    pub fn build(self) -> Metric {
        let summary = self.summary.unwrap_or_else(|| summarize(&self.samples));
        Metric {
            name: self.name,
            unit: self.unit.into(),
            direction: self.direction,
            samples: self.samples,
            processes: self.processes,
            summary,
        }
    }
}

impl From<MetricBuilder> for Metric {
    fn from(b: MetricBuilder) -> Metric {
        b.build()
    }
}

/// A summary of a non-empty sample in one pass, without sorting: `n`, `min`, `max` and `mean`
/// are exact, the rest are stand-ins made from them (the median is the mean, p95 and p99 the
/// maximum, the standard deviation a quarter of the range, the intervals `[min, max]`, no
/// outliers). For storage and scale tests, where summaries are kept and counted but never
/// judged: [`summarize`] sorts every sample, and in a debug build the store's killed-writer
/// test (hundreds of reports of 200 metrics of 2,000 samples) took three times the CPU with it.
/// A comparison of rough summaries means nothing.
///
/// # Panics
///
/// On an empty sample.
pub fn rough_summary(samples: &[f64]) -> Summary {
    assert!(
        !samples.is_empty(),
        "rough_summary needs at least one sample"
    );
    let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for &x in samples {
        min = min.min(x);
        max = max.max(x);
        sum += x;
    }
    let mean = sum / samples.len() as f64;
    let stddev = (max - min) / 4.0;
    Summary {
        n: samples.len(),
        min,
        max,
        mean,
        stddev,
        cv: if mean == 0.0 {
            0.0
        } else {
            stddev / mean.abs()
        },
        median: mean,
        p95: max,
        p99: max,
        mad: stddev / 2.0,
        ci95_mean: [min, max],
        ci95_median: [min, max],
        outliers: Default::default(),
    }
}

/// One wall-time point of a metric's history (run `id` of suite `dash` on machine `m1`, a
/// commit and a date made from the id), with a summary around the median `m`: what the
/// dashboard's tests and its scale benchmark chart.
pub fn history_point(id: i64, bench: &str, m: f64) -> crate::model::history::HistoryPoint {
    crate::model::history::HistoryPoint {
        run: crate::model::history::RunInfo {
            id,
            suite: "dash".into(),
            timestamp_utc: format!("2026-11-{:02}T10:00:00Z", 1 + (id % 28)),
            git: Some(crate::model::GitInfo {
                commit: format!(
                    "{:040x}",
                    (id as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834)
                ),
                branch: Some("main".into()),
                dirty: false,
            }),
            machine_id: "m1".into(),
            testbed: "m1".into(),
            hostname: "bench-host".into(),
            device: "cpu".into(),
            config_sha256: String::new(),
            tool_version: "0.1.0".into(),
            gate: None,
            selection: None,
        },
        benchmark: bench.into(),
        metric: "wall_time".into(),
        unit: "s".into(),
        direction: crate::model::Direction::LowerIsBetter,
        summary: Summary {
            n: 10,
            min: m * 0.97,
            max: m * 1.05,
            mean: m,
            stddev: m * 0.02,
            cv: 0.02,
            median: m,
            p95: m * 1.04,
            p99: m * 1.05,
            mad: m * 0.01,
            ci95_mean: [m * 0.99, m * 1.01],
            ci95_median: [m * 0.985, m * 1.015],
            outliers: crate::stats::OutlierCounts::default(),
        },
        verdict: None,
    }
}
