//! Snapshots of every renderer on fixed reports (fixed machine, commits and dates, so nothing
//! needs redacting): md, junit, mermaid, card, issue and the terminal table. A renderer change
//! shows as a diff; `UPDATE_SNAPSHOTS=1 cargo test --test library render_snapshots` rewrites them
//! after review.

use std::path::PathBuf;

use perfgate::gate::{compare, CompareOptions, Comparison};
use perfgate::model::{
    BenchStatus, BenchmarkResult, Direction, GitInfo, Machine, Metric, Report, Tool, SCHEMA_VERSION,
};
use perfgate::render::{card, issue, junit, markdown, mermaid, style::Style, terminal};
use perfgate::stats::summarize;

fn report(commit: &str, scale: f64) -> Report {
    let metric = |name: &str, unit: &str, dir: Direction, samples: Vec<f64>| Metric {
        processes: None,
        name: name.into(),
        unit: unit.into(),
        direction: dir,
        summary: summarize(&samples),
        samples,
    };
    let bench = |name: &str, metrics: Vec<Metric>| BenchmarkResult {
        name: name.into(),
        status: BenchStatus::Ok,
        reason: None,
        tags: vec!["smoke".into()],
        params: Default::default(),
        device: "cpu".into(),
        command: Some("./bench".into()),
        warmup_runs: 1,
        leaked_processes: 0,
        metrics,
    };
    let times = |m: f64| {
        (0..8)
            .map(|i| m * (1.0 + 0.004 * i as f64))
            .collect::<Vec<_>>()
    };
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "perfgate".into(),
            version: "0.1.0".into(),
        },
        suite: "snap".into(),
        timestamp_utc: "2026-11-22T10:00:00Z".into(),
        git: Some(GitInfo {
            commit: commit.into(),
            branch: Some("main".into()),
            dirty: false,
        }),
        machine: Machine {
            id: "0123456789abcdef".into(),
            hostname: "ci-1".into(),
            os: "Debian".into(),
            kernel: "6.1.0".into(),
            arch: "x86_64".into(),
            cpu_model: "Test CPU".into(),
            cores: 2,
            memory_bytes: 8 << 30,
            gpu: None,
        },
        device: "cpu".into(),
        config_sha256: "c0ffee".into(),
        seed: 1,
        benchmarks: vec![
            bench(
                "parse <json> | fast",
                vec![
                    metric(
                        "wall_time",
                        "s",
                        Direction::LowerIsBetter,
                        times(0.010 * scale),
                    ),
                    metric(
                        "peak_rss",
                        "bytes",
                        Direction::LowerIsBetter,
                        vec![4.0 * 1048576.0; 8],
                    ),
                ],
            ),
            bench(
                "sort",
                vec![
                    metric("wall_time", "s", Direction::LowerIsBetter, times(0.020)),
                    metric(
                        "throughput",
                        "items/s",
                        Direction::HigherIsBetter,
                        times(5.0e6),
                    ),
                ],
            ),
        ],
        thresholds: Default::default(),
        source: None,
        scaling: Vec::new(),
        selection: None,
    }
}

fn comparison() -> (Report, Comparison) {
    let base = report("1111111111111111111111111111111111111111", 1.0);
    let cur = report("2222222222222222222222222222222222222222", 1.3);
    let c = compare(&base, &cur, &CompareOptions::default());
    (cur, c)
}

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 to create)", path.display()));
    assert_eq!(
        actual, expected,
        "{name} changed; review, then UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn every_renderer_matches_its_snapshot() {
    let (cur, c) = comparison();
    check("comparison.md", &markdown::comparison_markdown(&c));
    check("comparison.junit.xml", &junit::comparison_junit(&c));
    check("pipeline.mermaid.md", &mermaid::pipeline(&c));
    check("card.md", &card::card(&cur, Some(&c)));
    check(
        "issue.md",
        &issue::issue_body(&c, "perfgate check").unwrap(),
    );
    check(
        "comparison.txt",
        &terminal::comparison_table(&c, Style::plain()),
    );
    check("report.txt", &terminal::report_table(&cur, Style::plain()));
}

/// A report with no baseline, one benchmark of which failed: each format renders it alone.
#[test]
fn a_lone_report_renders_in_every_format() {
    let mut r = report("2222222222222222222222222222222222222222", 1.0);
    r.benchmarks.push(BenchmarkResult {
        name: "crash".into(),
        status: BenchStatus::Failed,
        reason: Some("run 1 exited with status 2".into()),
        tags: vec![],
        params: Default::default(),
        device: "cpu".into(),
        command: Some("./crash".into()),
        warmup_runs: 0,
        leaked_processes: 0,
        metrics: vec![],
    });
    check("report.md", &markdown::report_markdown(&r));
    check("report.junit.xml", &junit::report_junit(&r));
    check("report.mermaid.md", &mermaid::report_chart(&r));
    check(
        "report-issue.md",
        &issue::failed_benchmarks_issue(&r, "perfgate run --filter '^(crash)$'").unwrap(),
    );
}
