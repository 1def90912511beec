//! The dashboard at scale: 100 benchmarks x 1,000 recorded runs rendered to one HTML file,
//! then opened in headless Chromium (when installed). Prints render time, file size, and the
//! median of 3 Chromium loads (`--dump-dom`: start, parse, scripts, serialise).
//! Run: `cargo bench --bench dashboard_scale`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark program: it prints its numbers, and stops at the first broken step"
)]

use std::process::Command;
use std::time::Instant;

use perfgate::model::Direction;
use perfgate::render::html::{dashboard, DashboardInput, MetricSeries};
use perfgate::stats::SplitMix64;

fn main() {
    let mut rng = SplitMix64::new(7);
    let history: Vec<MetricSeries> = (0..100)
        .map(|b| {
            let name = format!("bench-{b:03}");
            let points = (0..1000)
                .map(|i| {
                    let noise = (rng.next_u64() % 1000) as f64 / 1000.0 * 0.0004;
                    perfgate::testing::history_point(i + 1, &name, 0.010 + noise)
                })
                .collect();
            MetricSeries {
                benchmark: name,
                metric: "wall_time".into(),
                unit: "s".into(),
                direction: Direction::LowerIsBetter,
                points,
                baseline_value: Some(0.0101),
                change_points: Vec::new(),
            }
        })
        .collect();
    let input = DashboardInput {
        title: "scale".into(),
        history,
        ..Default::default()
    };
    let mut renders = Vec::new();
    let mut html = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        html = dashboard(&input);
        renders.push(t.elapsed().as_secs_f64());
    }
    renders.sort_by(f64::total_cmp);
    println!(
        "render 100 x 1,000 points: median of 5 = {:.1} ms; file {:.2} MB (target < 5 MB)",
        renders[2] * 1e3,
        html.len() as f64 / 1e6
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("dashboard.html");
    std::fs::write(&page, &html).unwrap();
    if Command::new("chromium").arg("--version").output().is_err() {
        println!("chromium not installed: load time not measured");
        return;
    }
    let mut loads = Vec::new();
    for i in 0..3 {
        let t = Instant::now();
        let out = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join(format!("p{i}")).display()
            ))
            .arg("--dump-dom")
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        loads.push(t.elapsed().as_secs_f64());
        assert!(String::from_utf8_lossy(&out.stdout).contains("data-ready=\"1\""));
    }
    loads.sort_by(f64::total_cmp);
    let empty = dir.path().join("empty.html");
    std::fs::write(&empty, "<!doctype html><body data-ready=\"1\"></body>").unwrap();
    let t = Instant::now();
    let _ = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("pe").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", empty.display()))
        .output();
    let baseline = t.elapsed().as_secs_f64();
    println!(
        "chromium --dump-dom of the dashboard: median of 3 = {:.2} s (an empty page: {:.2} s, Chromium's own start)",
        loads[1], baseline
    );
}
