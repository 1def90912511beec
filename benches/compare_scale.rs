//! How long `compare` takes on 10,000 metrics (PRODUCT.md section 6: under a second).
//! `cargo bench --bench compare_scale` prints the in-library time and the end-to-end time of
//! `perfgate compare` on two report files (parse + compare + render). Not a test: read it.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark program: it prints its numbers, and stops at the first broken step"
)]

use std::process::Command;
use std::time::Instant;

use perfgate::gate::{compare, CompareOptions};
use perfgate::model::{Direction, Report};
use perfgate::stats::SplitMix64;
use perfgate::testing::{self, bench, metric};

const BENCHMARKS: usize = 2_500;
const METRICS: [&str; 4] = ["wall_time", "user_time", "sys_time", "peak_rss"];
const SAMPLES: usize = 10;

fn report(shift: f64, seed: u64) -> Report {
    let mut rng = SplitMix64::new(seed);
    let benchmarks = (0..BENCHMARKS)
        .map(|b| {
            bench(&format!("group{}/bench{b}", b % 50)).metrics(METRICS.iter().map(|name| {
                let samples: Vec<f64> = (0..SAMPLES)
                    .map(|_| 0.01 * shift * (1.0 + (rng.below(1000) as f64 - 500.0) / 10_000.0))
                    .collect();
                let unit = if *name == "peak_rss" { "bytes" } else { "s" };
                metric(name, unit, Direction::LowerIsBetter, samples)
            }))
        })
        .collect::<Vec<_>>();
    testing::report()
        .suite("scale")
        .seed(seed)
        .benches(benchmarks)
        .build()
}

fn main() {
    let base = report(1.0, 1);
    let cur = report(1.03, 2);
    let metrics = BENCHMARKS * METRICS.len();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let c = compare(&base, &cur, &CompareOptions::default());
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(c.total_metrics, metrics);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "compare (library), {metrics} metrics x {SAMPLES} samples per side: median of 5 = {:.3} s",
        times[2]
    );

    let dir = tempfile::tempdir().unwrap();
    let (b, c) = (dir.path().join("base.json"), dir.path().join("cur.json"));
    perfgate::model::file::write_json(&b, &base).unwrap();
    perfgate::model::file::write_json(&c, &cur).unwrap();
    let exe = env!("CARGO_BIN_EXE_perfgate");
    let mut e2e = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let out = Command::new(exe)
            .arg("compare")
            .arg(&c)
            .arg(&b)
            .args(["--format", "json"])
            .output()
            .unwrap();
        e2e.push(t.elapsed().as_secs_f64());
        assert!(out.status.success());
    }
    e2e.sort_by(f64::total_cmp);
    println!(
        "perfgate compare (binary: read 2 x {:.1} MB, compare, JSON out): median of 5 = {:.3} s",
        std::fs::metadata(&b).unwrap().len() as f64 / 1e6,
        e2e[2]
    );
}
