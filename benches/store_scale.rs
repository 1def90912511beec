//! How the SQLite store scales (the store issue's targets: record 10,000 reports totalling
//! 1,000,000 samples in under 5 s; one metric's history over 10,000 runs in under 50 ms).
//! `cargo bench --bench store_scale` prints the times. Not a test: read it.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark program: it prints its numbers, and stops at the first broken step"
)]

use std::time::Instant;

use perfgate::model::{Direction, Report};
use perfgate::stats::SplitMix64;
use perfgate::store::sqlite::SqliteStore;
use perfgate::store::{RunFilter, Store};
use perfgate::testing::{self, bench, metric};

const RUNS: usize = 10_000;
const METRICS: [&str; 4] = ["wall_time", "user_time", "sys_time", "peak_rss"];
const SAMPLES: usize = 25;

fn report(i: usize) -> Report {
    let mut rng = SplitMix64::new(i as u64);
    let metrics = METRICS.iter().map(|name| {
        let samples: Vec<f64> = (0..SAMPLES)
            .map(|_| 0.01 * (1.0 + (rng.below(1000) as f64 - 500.0) / 10_000.0))
            .collect();
        let unit = if *name == "peak_rss" { "bytes" } else { "s" };
        metric(name, unit, Direction::LowerIsBetter, samples)
    });
    testing::report()
        .suite("scale")
        .commit(&format!("{i:040x}"))
        .seed(i as u64)
        .bench(
            bench("group/bench")
                .tags(&["smoke"])
                .command("./bench --fast")
                .warmup_runs(1)
                .metrics(metrics),
        )
        .build()
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
        testbed: Some("0123456789abcdef".into()),
        device: Some("cpu".into()),
        branch: Some("main".into()),
        before: None,
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
