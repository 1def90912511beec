//! The HTML dashboard: structure and escaping on a fixed input, and a generated history of
//! 100 benchmarks x 1,000 runs rendered and opened in a real headless Chromium (installed by
//! .ci/run), checking that scripts ran without errors and every chart is in the DOM.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use perfgate::gate::{compare, CompareOptions};
use perfgate::model::{
    BenchStatus, BenchmarkResult, Direction, GitInfo, Machine, Metric, Report, Tool, SCHEMA_VERSION,
};
use perfgate::render::html::{dashboard, DashboardInput, MetricSeries};
use perfgate::stats::{summarize, OutlierCounts, SplitMix64, Summary};
use perfgate::store::{HistoryPoint, RunInfo};

const NASTY: &str = "<script>alert(1)</script> | \"quoted\" & co";

fn machine() -> Machine {
    Machine {
        id: "m1".into(),
        hostname: "bench-host".into(),
        os: "Debian".into(),
        kernel: "6.1".into(),
        arch: "x86_64".into(),
        cpu_model: "Test CPU".into(),
        cores: 2,
        memory_bytes: 8 << 30,
        gpu: None,
    }
}

fn report(benches: Vec<(&str, Vec<f64>)>) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: "dash".into(),
        timestamp_utc: "2026-11-22T10:00:00Z".into(),
        git: None,
        machine: machine(),
        device: "cpu".into(),
        config_sha256: String::new(),
        seed: 1,
        benchmarks: benches
            .into_iter()
            .map(|(name, samples)| BenchmarkResult {
                name: name.into(),
                status: BenchStatus::Ok,
                reason: None,
                tags: vec!["smoke".into()],
                params: Default::default(),
                device: "cpu".into(),
                command: None,
                warmup_runs: 0,
                leaked_processes: 0,
                metrics: vec![Metric {
                    processes: None,
                    name: "wall_time".into(),
                    unit: "s".into(),
                    direction: Direction::LowerIsBetter,
                    summary: summarize(&samples, &mut SplitMix64::new(1)),
                    samples,
                }],
            })
            .collect(),
        thresholds: Default::default(),
        source: None,
        scaling: Vec::new(),
        selection: None,
    }
}

/// A summary of a run whose median is `m` (a cheap stand-in for 100,000 real summaries).
fn point(id: i64, bench: &str, m: f64) -> HistoryPoint {
    HistoryPoint {
        run: RunInfo {
            id,
            suite: "dash".into(),
            timestamp_utc: format!("2026-11-{:02}T10:00:00Z", 1 + (id % 28)),
            git: Some(GitInfo {
                commit: format!(
                    "{:040x}",
                    (id as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834)
                ),
                branch: Some("main".into()),
                dirty: false,
            }),
            machine_id: "m1".into(),
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
        direction: Direction::LowerIsBetter,
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
            outliers: OutlierCounts::default(),
        },
        verdict: None,
    }
}

fn series(bench: &str, runs: usize, step_at: Option<usize>) -> MetricSeries {
    let mut rng = SplitMix64::new(runs as u64);
    let points = (0..runs)
        .map(|i| {
            let level = if step_at.is_some_and(|s| i >= s) {
                0.0125
            } else {
                0.010
            };
            let noise = (rng.next_u64() % 1000) as f64 / 1000.0 * 0.0004;
            point(i as i64 + 1, bench, level + noise)
        })
        .collect();
    MetricSeries {
        benchmark: bench.into(),
        metric: "wall_time".into(),
        unit: "s".into(),
        direction: Direction::LowerIsBetter,
        points,
        baseline_value: Some(0.0101),
        change_points: step_at.into_iter().collect(),
    }
}

fn small_input() -> DashboardInput {
    let base = report(vec![
        (NASTY, vec![0.010, 0.0101, 0.0099, 0.0100, 0.0102, 0.0098]),
        ("steady", vec![0.02; 6]),
    ]);
    let cur = report(vec![
        (NASTY, vec![0.0125, 0.0126, 0.0124, 0.0125, 0.0127, 0.0123]),
        ("steady", vec![0.02; 6]),
    ]);
    DashboardInput {
        title: "dash".into(),
        comparison: Some(compare(&base, &cur, &CompareOptions::default())),
        current: Some(cur),
        baseline: Some(base),
        history: vec![series(NASTY, 40, Some(30)), series("steady", 40, None)],
        runs: Vec::new(),
    }
}

#[test]
fn the_page_shows_status_charts_and_escapes_every_name() {
    let html = dashboard(&small_input());
    assert!(html.starts_with("<!doctype html>"));
    // No network: nothing is loaded from anywhere.
    for needle in ["http://", "https://", "<link", "src=\""] {
        assert!(!html.contains(needle), "found {needle}");
    }
    // The banner and the worst change.
    assert!(
        html.contains("<header class=\"banner fail\">"),
        "status banner"
    );
    assert!(html.contains("FAIL: 1 of"), "counts in the banner");
    // The name renders as text everywhere: only perfgate's own two scripts exist.
    assert_eq!(html.matches("<script>").count(), 2);
    assert!(!html.contains("<script>alert"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | &quot;quoted&quot; &amp; co")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | \"quoted\" &amp; co")
    );
    // One section per series, the critical one first.
    assert_eq!(html.matches("<section class=\"metric\"").count(), 2);
    let first = html.find("<section class=\"metric\"").unwrap();
    assert!(
        html[first..first + 400].contains("&lt;script&gt;"),
        "worst first"
    );
    // Charts: axes in human units, the band, the median line, the baseline, a change point,
    // and the latest point marked critical; the distribution with both boxes.
    assert_eq!(html.matches("<svg class=\"trend\"").count(), 2);
    assert!(
        html.contains(">10.0 ms</text>") || html.contains(">10.5 ms</text>"),
        "ms tick labels"
    );
    assert!(html.contains("class=\"band\"") && html.contains("class=\"median\""));
    assert!(html.contains("<line class=\"baseline\""));
    assert_eq!(html.matches("<line class=\"changepoint\"").count(), 1);
    assert!(html.contains("<circle class=\"pt critical\""));
    assert_eq!(html.matches("<svg class=\"dist\"").count(), 2);
    assert!(html.contains("class=\"box baseline\"") && html.contains("class=\"box current\""));
    // Hover text carries the commit of each point.
    let commit31 = format!(
        "{:040x}",
        31u128.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834)
    );
    assert!(html.contains(&format!("run 31 {}", &commit31[..10])));
    // The environment.
    assert!(html.contains("Test CPU (2 cores)"));
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|c| c.to_string())
}

fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

#[test]
fn a_thousand_runs_of_a_hundred_benchmarks_open_in_chromium() {
    let history: Vec<MetricSeries> = (0..100)
        .map(|b| series(&format!("bench-{b:03}"), 1000, (b % 10 == 0).then_some(600)))
        .collect();
    let input = DashboardInput {
        title: "scale".into(),
        history,
        ..Default::default()
    };
    let started = Instant::now();
    let html = dashboard(&input);
    let render = started.elapsed();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("dashboard.html");
    std::fs::write(&page, &html).unwrap();
    eprintln!(
        "dashboard: 100 x 1,000 points rendered in {:.0} ms, {:.2} MB",
        render.as_secs_f64() * 1e3,
        html.len() as f64 / 1e6
    );
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    assert_eq!(html.matches("<svg class=\"trend\"").count(), 100);

    let Some(chromium) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is required in CI (.ci/run installs it)");
        }
        eprintln!("NOTICE: chromium not found; the browser half of this test was skipped");
        return;
    };
    let url = format!("file://{}", page.display());
    let started = Instant::now();
    let out = Command::new(&chromium)
        .args(chromium_args(&dir.path().join("profile")))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let load = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish"
    );
    assert!(
        dom.contains("data-errors=\"\""),
        "JavaScript errors: {}",
        &dom[..dom.len().min(400)]
    );
    assert_eq!(dom.matches("<svg class=\"trend\"").count(), 100);
    assert!(dom.contains("100 of 100 shown"), "the filter ran");
    eprintln!(
        "chromium --dump-dom (start, load, scripts, serialise): {:.2} s",
        load.as_secs_f64()
    );
    assert!(load.as_secs() < 30, "took {load:?}");

    let shot = dir.path().join("shot.png");
    let out = Command::new(&chromium)
        .args(chromium_args(&dir.path().join("profile2")))
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1400,2000", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a near-empty screenshot: {} bytes",
        png.len()
    );
    if let Ok(keep) = std::env::var("PERFGATE_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
