//! How the SQLite store scales (the store issue's targets: record 10,000 reports totalling
//! 1,000,000 samples in under 5 s; one metric's history over 10,000 runs in under 50 ms).
//! `cargo bench --bench store_scale` prints the times. Not a test: read it.

use std::collections::BTreeMap;
use std::time::Instant;

use perfgate::model::{
    BenchStatus, BenchmarkResult, Direction, GitInfo, Machine, Metric, Report, Tool, SCHEMA_VERSION,
};
use perfgate::stats::{OutlierCounts, SplitMix64, Summary};
use perfgate::store::sqlite::SqliteStore;
use perfgate::store::{RunFilter, Store};

const RUNS: usize = 10_000;
const METRICS: [&str; 4] = ["wall_time", "user_time", "sys_time", "peak_rss"];
const SAMPLES: usize = 25;

/// A plausible summary without the bootstrap (which would dominate building 40,000 of them).
fn summary(samples: &[f64]) -> Summary {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let var = sorted.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let at = |p: f64| sorted[((n - 1) as f64 * p).round() as usize];
    Summary {
        n,
        min: sorted[0],
        max: sorted[n - 1],
        mean,
        stddev: var.sqrt(),
        cv: var.sqrt() / mean,
        median: at(0.5),
        p95: at(0.95),
        p99: at(0.99),
        mad: var.sqrt() * 0.6745,
        ci95_mean: [at(0.4), at(0.6)],
        ci95_median: [at(0.35), at(0.65)],
        outliers: OutlierCounts { mild: 1, severe: 0 },
    }
}

fn report(i: usize) -> Report {
    let mut rng = SplitMix64::new(i as u64);
    let metrics = METRICS
        .iter()
        .map(|name| {
            let samples: Vec<f64> = (0..SAMPLES)
                .map(|_| 0.01 * (1.0 + (rng.below(1000) as f64 - 500.0) / 10_000.0))
                .collect();
            Metric {
                processes: None,
                name: name.to_string(),
                unit: if *name == "peak_rss" { "bytes" } else { "s" }.into(),
                direction: Direction::LowerIsBetter,
                summary: summary(&samples),
                samples,
            }
        })
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: "scale".into(),
        timestamp_utc: "2026-11-22T00:00:00Z".into(),
        git: Some(GitInfo {
            commit: format!("{i:040x}"),
            branch: Some("main".into()),
            dirty: false,
        }),
        machine: Machine {
            id: "0123456789abcdef".into(),
            hostname: "h".into(),
            os: "os".into(),
            kernel: "6.1".into(),
            arch: "x86_64".into(),
            cpu_model: "cpu".into(),
            cores: 2,
            memory_bytes: 1 << 30,
            gpu: None,
        },
        device: "cpu".into(),
        config_sha256: "0".repeat(64),
        seed: i as u64,
        benchmarks: vec![BenchmarkResult {
            name: "group/bench".into(),
            status: BenchStatus::Ok,
            reason: None,
            tags: vec!["smoke".into()],
            params: BTreeMap::new(),
            device: "cpu".into(),
            command: Some("./bench --fast".into()),
            warmup_runs: 1,
            leaked_processes: 0,
            metrics,
        }],
        thresholds: BTreeMap::new(),
        source: None,
        scaling: Vec::new(),
        selection: None,
    }
}

fn median_of_5(mut f: impl FnMut() -> usize, expect: usize) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let n = f();
            let s = t.elapsed().as_secs_f64();
            assert_eq!(n, expect);
            s
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn main() {
    let reports: Vec<Report> = (0..RUNS).map(report).collect();
    let samples: usize = reports
        .iter()
        .flat_map(|r| &r.benchmarks)
        .flat_map(|b| &b.metrics)
        .map(|m| m.samples.len())
        .sum();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("perfgate.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let t = Instant::now();
    for r in &reports {
        store.record(r).unwrap();
    }
    let record = t.elapsed().as_secs_f64();
    println!(
        "record {RUNS} reports ({samples} samples, one transaction each) into a fresh store: {record:.3} s \
         (target < 5 s); store {:.1} MB",
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6
            + std::fs::metadata(dir.path().join("perfgate.db-wal")).map_or(0.0, |m| m.len() as f64 / 1e6)
    );
    drop(store);

    // As `perfgate history` does it: open, then read (the file is in the OS cache by now).
    let t = Instant::now();
    let store = SqliteStore::open(&path).unwrap();
    let n = store
        .metric_history(&RunFilter::default(), "group/bench", "wall_time")
        .unwrap()
        .len();
    assert_eq!(n, RUNS);
    println!(
        "open + first metric_history of {RUNS} runs: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let all = RunFilter::default();
    let filtered = RunFilter {
        suite: Some("scale".into()),
        machine_id: Some("0123456789abcdef".into()),
        device: Some("cpu".into()),
        branch: Some("main".into()),
        limit: None,
    };
    for (what, filter) in [
        ("no filter", &all),
        ("suite+machine+device+branch", &filtered),
    ] {
        let t = median_of_5(
            || {
                store
                    .metric_history(filter, "group/bench", "wall_time")
                    .unwrap()
                    .len()
            },
            RUNS,
        );
        println!(
            "metric_history of {RUNS} runs ({what}, no limit): median of 5 = {:.1} ms (target < 50 ms)",
            t * 1e3
        );
    }
    let t = median_of_5(|| store.runs(&filtered).unwrap().len(), RUNS);
    println!("runs ({RUNS}, filtered): median of 5 = {:.1} ms", t * 1e3);
    let t = median_of_5(|| store.series(&filtered).unwrap().len(), METRICS.len());
    println!(
        "series (over {RUNS} runs, filtered): median of 5 = {:.1} ms",
        t * 1e3
    );
    let last = RunFilter {
        limit: Some(20),
        ..filtered
    };
    let t = median_of_5(
        || {
            store
                .metric_history(&last, "group/bench", "wall_time")
                .unwrap()
                .len()
        },
        20,
    );
    println!(
        "metric_history, last 20 runs: median of 5 = {:.2} ms",
        t * 1e3
    );
    let t = median_of_5(
        || store.report(RUNS as i64 / 2).unwrap().benchmarks.len(),
        1,
    );
    println!("report(id): median of 5 = {:.3} ms", t * 1e3);
}
