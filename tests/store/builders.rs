//! Builders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use perfgate::model::{
    BenchStatus, BenchmarkResult, Direction, GitInfo, Machine, Metric, Report, Tool, SCHEMA_VERSION,
};
use perfgate::stats::{summarize, OutlierCounts, SplitMix64, Summary};

pub fn machine(id: &str) -> Machine {
    Machine {
        id: id.to_string(),
        hostname: format!("host-{id}"),
        os: "linux".into(),
        kernel: "6.8.0".into(),
        arch: "x86_64".into(),
        cpu_model: "Test CPU @ 3.0GHz".into(),
        cores: 8,
        memory_bytes: 16 << 30,
        gpu: None,
    }
}

/// A cheap summary (no bootstrap): enough for the store, which keeps it as it is.
pub fn quick_summary(samples: &[f64]) -> Summary {
    let n = samples.len();
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = samples.iter().sum::<f64>() / n as f64;
    Summary {
        n,
        min,
        max,
        mean,
        stddev: (max - min) / 4.0,
        cv: if mean != 0.0 {
            (max - min) / 4.0 / mean
        } else {
            0.0
        },
        median: samples[n / 2],
        p95: max,
        p99: max,
        mad: (max - min) / 8.0,
        ci95_mean: [min, max],
        ci95_median: [min, max],
        outliers: OutlierCounts { mild: 1, severe: 0 },
    }
}

pub fn metric(name: &str, unit: &str, direction: Direction, samples: Vec<f64>) -> Metric {
    Metric {
        processes: None,
        name: name.to_string(),
        unit: unit.into(),
        direction,
        summary: quick_summary(&samples),
        samples,
    }
}

pub fn bench(name: &str, metrics: Vec<Metric>) -> BenchmarkResult {
    BenchmarkResult {
        name: name.to_string(),
        status: BenchStatus::Ok,
        reason: None,
        tags: vec![],
        params: BTreeMap::new(),
        device: "cpu".into(),
        command: Some(format!("./{name}")),
        warmup_runs: 1,
        leaked_processes: 0,
        metrics,
    }
}

pub fn report(
    suite: &str,
    machine_id: &str,
    device: &str,
    git: Option<GitInfo>,
    benchmarks: Vec<BenchmarkResult>,
) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: suite.to_string(),
        timestamp_utc: "2025-01-02T03:04:05Z".into(),
        git,
        machine: machine(machine_id),
        device: device.to_string(),
        config_sha256: "ab".repeat(32),
        seed: 42,
        benchmarks,
        thresholds: BTreeMap::new(),
        source: None,
        scaling: Vec::new(),
        selection: None,
    }
}

pub fn git(branch: Option<&str>, commit: &str) -> Option<GitInfo> {
    Some(GitInfo {
        commit: commit.to_string(),
        branch: branch.map(str::to_string),
        dirty: false,
    })
}

/// A small report whose wall_time median is `value`.
pub fn simple(
    suite: &str,
    machine_id: &str,
    device: &str,
    branch: Option<&str>,
    value: f64,
) -> Report {
    report(
        suite,
        machine_id,
        device,
        git(branch, &format!("{:040x}", value as u64)),
        vec![bench(
            "sort",
            vec![
                metric(
                    "wall_time",
                    "s",
                    Direction::LowerIsBetter,
                    vec![value, value, value],
                ),
                metric(
                    "peak_rss",
                    "bytes",
                    Direction::LowerIsBetter,
                    vec![1e6, 2e6, 3e6],
                ),
            ],
        )],
    )
}

pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn db_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("perfgate.db")
}

pub fn sidecars(path: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", path.display())))
        .filter(|p| p.exists())
        .collect()
}

pub fn assert_bits_equal(a: &Report, b: &Report) {
    assert_eq!(a.benchmarks.len(), b.benchmarks.len());
    for (ba, bb) in a.benchmarks.iter().zip(&b.benchmarks) {
        assert_eq!(ba.metrics.len(), bb.metrics.len());
        for (ma, mb) in ba.metrics.iter().zip(&bb.metrics) {
            let bits = |m: &Metric| m.samples.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(ma), bits(mb), "{}.{}: samples", ba.name, ma.name);
            let sbits = |s: &Summary| {
                [
                    s.min, s.max, s.mean, s.stddev, s.cv, s.median, s.p95, s.p99, s.mad,
                ]
                .into_iter()
                .chain(s.ci95_mean)
                .chain(s.ci95_median)
                .map(f64::to_bits)
                .collect::<Vec<_>>()
            };
            assert_eq!(
                sbits(&ma.summary),
                sbits(&mb.summary),
                "{}.{}: summary",
                ba.name,
                ma.name
            );
        }
    }
}

pub fn tricky_report() -> Report {
    let tricky = vec![
        0.1 + 0.2,
        -0.0,
        0.0,
        5e-324,
        1e300,
        -1e300,
        0.123_456_789_012_345_68,
        std::f64::consts::PI,
        1.0 / 3.0,
        2.225_073_858_507_201e-308,
        f64::MAX,
        f64::MIN_POSITIVE,
        9_007_199_254_740_993.0,
    ];
    let mut rng = SplitMix64::new(7);
    let realistic: Vec<f64> = (0..40)
        .map(|_| 0.012_345 * (1.0 + rng.below(10_000) as f64 / 123_457.0))
        .collect();
    let mut tricky_metric = metric(
        "tricky",
        "widgets",
        Direction::HigherIsBetter,
        tricky.clone(),
    );
    tricky_metric.summary = Summary {
        n: tricky.len(),
        min: -1e300,
        max: f64::MAX,
        mean: 0.1 + 0.2,
        stddev: 5e-324,
        cv: -0.0,
        median: 1.0 / 3.0,
        p95: 1e300,
        p99: 0.123_456_789_012_345_68,
        mad: 2.225_073_858_507_201e-308,
        ci95_mean: [-0.0, 1.797_693_134_862_315_5e308],
        ci95_median: [1.0 / 7.0, 2.0 / 3.0],
        outliers: OutlierCounts { mild: 3, severe: 2 },
    };
    let mut ok = bench(
        "group/parse json",
        vec![
            Metric {
                processes: None,
                name: "wall_time".into(),
                unit: "s".into(),
                direction: Direction::LowerIsBetter,
                summary: summarize(&realistic),
                samples: realistic,
            },
            metric(
                "peak_rss",
                "bytes",
                Direction::LowerIsBetter,
                vec![1_048_576.0, 2_097_152.0],
            ),
            metric(
                "throughput",
                "lines/s",
                Direction::HigherIsBetter,
                vec![2.6e6, 2.61e6, 2.59e6],
            ),
            tricky_metric,
        ],
    );
    ok.tags = vec!["smoke".into(), "json".into()];
    ok.params = BTreeMap::from([
        ("size".to_string(), serde_json::json!(1024)),
        ("ratio".to_string(), serde_json::json!(0.1 + 0.2)),
        ("label".to_string(), serde_json::json!("a \"quoted\" 1.5e3")),
        (
            "nested".to_string(),
            serde_json::json!({"x": [1.0, -0.0, 5e-324], "y": null, "z": true}),
        ),
    ]);
    ok.warmup_runs = 3;
    let failed = BenchmarkResult {
        status: BenchStatus::Failed,
        reason: Some("exit status 1: error: boom\nsecond line".into()),
        warmup_runs: 0,
        ..bench("failing", vec![])
    };
    let skipped = BenchmarkResult {
        status: BenchStatus::Skipped,
        reason: Some("device cuda not present".into()),
        device: "cuda".into(),
        command: None,
        ..bench("gpu-kernel", vec![])
    };
    // An empty sample (a summary of nothing): the store keeps whatever it is given.
    let second = bench(
        "aardvark",
        vec![
            metric("wall_time", "s", Direction::LowerIsBetter, vec![1e-9, 2e-9]),
            Metric {
                processes: None,
                name: "sys_time".into(),
                unit: "s".into(),
                direction: Direction::LowerIsBetter,
                samples: vec![],
                summary: quick_summary(&[0.0]),
            },
        ],
    );
    let mut r = report(
        "demo",
        "0123456789abcdef",
        "cpu",
        Some(GitInfo {
            commit: "f".repeat(40),
            branch: Some("feature/ü-unicode".into()),
            dirty: true,
        }),
        vec![ok, failed, skipped, second],
    );
    r.seed = u64::MAX - 1;
    r.tool = Tool {
        name: "perfgate".into(),
        version: "9.8.7-test".into(),
    };
    r.thresholds = serde_json::from_value(serde_json::json!({
        "*.wall_time": {"warn_pct": 5, "fail_pct": 10.000000000000002},
        "sort.peak_rss": {"budget": "64MiB", "statistic": "p95"},
        "x.y": {"ratio": 0.30000000000000004, "abs": "2ms"},
        "z.w": {"abs": 1e-7},
    }))
    .unwrap();
    r
}

pub fn version_rows(path: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT version FROM schema_version").unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}
