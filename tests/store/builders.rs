//! Builders.

use std::path::{Path, PathBuf};

use perfgate::model::{Direction, GitInfo, Machine, Metric, Report};
use perfgate::stats::{summarize, OutlierCounts, SplitMix64, Summary};
pub use perfgate::testing::{metric, peak_rss, throughput, time, wall_time};
use perfgate::testing::{BenchBuilder, ReportBuilder};

/// A report of `suite` made on machine `machine_id`, whose host is `host-<machine_id>`.
pub fn report(suite: &str, machine_id: &str) -> ReportBuilder {
    perfgate::testing::report().suite(suite).machine(Machine {
        id: machine_id.into(),
        hostname: format!("host-{machine_id}"),
        ..perfgate::testing::machine()
    })
}

/// An `ok` benchmark run by `./<name>` after one warm-up run.
pub fn bench(name: &str) -> BenchBuilder {
    perfgate::testing::bench(name)
        .command(&format!("./{name}"))
        .warmup_runs(1)
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
    report(suite, machine_id)
        .device(device)
        .git(git(branch, &format!("{:040x}", value as u64)))
        .bench(
            bench("sort")
                .metric(wall_time(vec![value, value, value]))
                .metric(peak_rss(vec![1e6, 2e6, 3e6])),
        )
        .build()
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
    let tricky_metric = metric(
        "tricky",
        "widgets",
        Direction::HigherIsBetter,
        tricky.clone(),
    )
    .summary(Summary {
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
    });
    let ok = bench("group/parse json")
        .metric(wall_time(realistic))
        .metric(peak_rss(vec![1_048_576.0, 2_097_152.0]))
        .metric(throughput("lines/s", vec![2.6e6, 2.61e6, 2.59e6]))
        .metric(tricky_metric)
        .tags(&["smoke", "json"])
        .param("size", serde_json::json!(1024))
        .param("ratio", serde_json::json!(0.1 + 0.2))
        .param("label", serde_json::json!("a \"quoted\" 1.5e3"))
        .param(
            "nested",
            serde_json::json!({"x": [1.0, -0.0, 5e-324], "y": null, "z": true}),
        )
        .warmup_runs(3);
    let failed = bench("failing")
        .failed("exit status 1: error: boom\nsecond line")
        .warmup_runs(0);
    let skipped = perfgate::testing::bench("gpu-kernel")
        .skipped("device cuda not present")
        .device("cuda")
        .warmup_runs(1);
    // An empty sample (a summary of nothing): the store keeps whatever it is given.
    let second = bench("aardvark")
        .metric(wall_time(vec![1e-9, 2e-9]))
        .metric(time("sys_time", vec![]).summary(summarize(&[0.0])));
    let mut r = report("demo", "0123456789abcdef")
        .git(Some(GitInfo {
            commit: "f".repeat(40),
            branch: Some("feature/ü-unicode".into()),
            dirty: true,
        }))
        .seed(u64::MAX - 1)
        .tool_version("9.8.7-test")
        .benches([ok, failed, skipped, second])
        .build();
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
